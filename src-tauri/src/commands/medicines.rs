//! Medicines: the list and today's doses, logging, snoozing, adding, stopping, supply. Each
//! command answers with the whole screen.

use chrono::{Local, Utc};
use hale_api::{
    AddMedicine, ApiError, Command, GetMedicines, LogDose, MedicinesView, SetSupply, SnoozeDose,
    StopMedicine, UndoDose, UndoView,
};
use hale_core::medicines::UNDO_WINDOW;
use tauri::State;

use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

/// The screen from the device (a change was just made; the watch task talks to the hospital).
async fn screen(state: &AppState) -> Result<MedicinesView, ApiError> {
    let view = state
        .patient
        .medicines_offline(&Local, Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::medicines(view))
}

#[tauri::command]
pub async fn get_medicines(
    state: State<'_, Ready<AppState>>,
    args: <GetMedicines as Command>::Args,
) -> Result<<GetMedicines as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let view = state
        .patient
        .medicines(&Local, Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::medicines(view))
}

#[tauri::command]
pub async fn log_dose(
    state: State<'_, Ready<AppState>>,
    args: <LogDose as Command>::Args,
) -> Result<<LogDose as Command>::Output, ApiError> {
    let state = state.wait().await;
    let log = convert::log_dose(args)?;
    let now = Utc::now();
    let record = state
        .patient
        .log_dose(&log, &Local, now)
        .await
        .map_err(convert::core_error)?;
    let mut view = screen(state).await?;
    view.undo = Some(UndoView {
        skipped: matches!(
            record.outcome,
            hale_domain::medication::Outcome::Skipped { .. }
        ),
        medicine_id: record.medicine_id,
        slot: record.slot,
        until: (now + UNDO_WINDOW).with_timezone(&Local).fixed_offset(),
    });
    Ok(view)
}

#[tauri::command]
pub async fn undo_dose(
    state: State<'_, Ready<AppState>>,
    args: <UndoDose as Command>::Args,
) -> Result<<UndoDose as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("medicine_id", &args.medicine_id)?;
    convert::require_id("slot", &args.slot)?;
    state
        .patient
        .undo_dose(&args.medicine_id, &args.slot, Utc::now())
        .await
        .map_err(convert::core_error)?;
    screen(state).await
}

#[tauri::command]
pub async fn snooze_dose(
    state: State<'_, Ready<AppState>>,
    args: <SnoozeDose as Command>::Args,
) -> Result<<SnoozeDose as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("medicine_id", &args.medicine_id)?;
    convert::require_id("slot", &args.slot)?;
    state
        .patient
        .snooze_dose(
            &args.medicine_id,
            &args.slot,
            args.minutes,
            &Local,
            Utc::now(),
        )
        .await
        .map_err(convert::core_error)?;
    screen(state).await
}

#[tauri::command]
pub async fn add_medicine(
    state: State<'_, Ready<AppState>>,
    args: <AddMedicine as Command>::Args,
) -> Result<<AddMedicine as Command>::Output, ApiError> {
    let state = state.wait().await;
    state
        .patient
        .add_medicine(convert::new_medicine(args), &Local, Utc::now())
        .await
        .map_err(convert::core_error)?;
    screen(state).await
}

#[tauri::command]
pub async fn stop_medicine(
    state: State<'_, Ready<AppState>>,
    args: <StopMedicine as Command>::Args,
) -> Result<<StopMedicine as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("medicine_id", &args.medicine_id)?;
    state
        .patient
        .stop_medicine(&args.medicine_id)
        .await
        .map_err(convert::core_error)?;
    screen(state).await
}

#[tauri::command]
pub async fn set_supply(
    state: State<'_, Ready<AppState>>,
    args: <SetSupply as Command>::Args,
) -> Result<<SetSupply as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("medicine_id", &args.medicine_id)?;
    state
        .patient
        .set_supply(&args.medicine_id, args.remaining, Utc::now())
        .await
        .map_err(convert::core_error)?;
    screen(state).await
}
