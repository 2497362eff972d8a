//! Finding and booking slots, cancelling, rescheduling, and adding to a calendar.

use chrono::Utc;
use hale_api::{
    ApiError, BookSlot, CancelAppointment, Command, ErrorCode, ExportCalendar, FindSlots,
    ListServices, RescheduleAppointment,
};
use tauri::{AppHandle, State};

use crate::commands::downloads;
use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

#[tauri::command]
pub async fn list_services(
    state: State<'_, Ready<AppState>>,
    args: <ListServices as Command>::Args,
) -> Result<<ListServices as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let services = state
        .patient
        .services()
        .await
        .map_err(convert::core_error)?;
    Ok(services.into_iter().map(convert::service).collect())
}

#[tauri::command]
pub async fn find_slots(
    state: State<'_, Ready<AppState>>,
    args: <FindSlots as Command>::Args,
) -> Result<<FindSlots as Command>::Output, ApiError> {
    let state = state.wait().await;
    let query = convert::slot_query(&args, Utc::now())?;
    let page = state
        .patient
        .find_slots(&query)
        .await
        .map_err(convert::core_error)?;
    Ok(convert::slots(page))
}

#[tauri::command]
pub async fn book_slot(
    state: State<'_, Ready<AppState>>,
    args: <BookSlot as Command>::Args,
) -> Result<<BookSlot as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("slot_id", &args.slot_id)?;
    convert::require_id("request_id", &args.request_id)?;
    let booked = (state
        .patient
        .book(&args.slot_id, &args.request_id, Utc::now())
        .await)
        .map_err(convert::core_error)?;
    let allowed = state.patient.allowed(&booked, Utc::now());
    Ok(convert::appointment(booked, allowed))
}

#[tauri::command]
pub async fn cancel_appointment(
    state: State<'_, Ready<AppState>>,
    args: <CancelAppointment as Command>::Args,
) -> Result<<CancelAppointment as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("appointment_id", &args.appointment_id)?;
    let cancelled = (state.patient.cancel(&args.appointment_id, Utc::now()).await)
        .map_err(convert::core_error)?;
    let allowed = state.patient.allowed(&cancelled, Utc::now());
    Ok(convert::appointment(cancelled, allowed))
}

#[tauri::command]
pub async fn reschedule_appointment(
    state: State<'_, Ready<AppState>>,
    args: <RescheduleAppointment as Command>::Args,
) -> Result<<RescheduleAppointment as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("appointment_id", &args.appointment_id)?;
    convert::require_id("slot_id", &args.slot_id)?;
    let moved = (state.patient)
        .reschedule(&args.appointment_id, &args.slot_id, Utc::now())
        .await
        .map_err(convert::core_error)?;
    let allowed = state.patient.allowed(&moved, Utc::now());
    Ok(convert::appointment(moved, allowed))
}

#[tauri::command]
pub async fn export_calendar(
    app: AppHandle,
    state: State<'_, Ready<AppState>>,
    args: <ExportCalendar as Command>::Args,
) -> Result<<ExportCalendar as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("appointment_id", &args.appointment_id)?;
    let (appointment, text) = (state
        .patient
        .calendar_file(&args.appointment_id, Utc::now())
        .await)
        .map_err(convert::core_error)?
        .ok_or_else(|| ApiError::new(ErrorCode::InvalidArgument, "no such appointment"))?;
    let name = appointment
        .reference
        .map_or_else(|| appointment.id.clone(), |r| r.to_string());
    let path = downloads::save(
        &app,
        &format!("hale-appointment-{name}.ics"),
        text.as_bytes(),
    )?;
    Ok(hale_api::ExportedFile {
        path: path.display().to_string(),
    })
}
