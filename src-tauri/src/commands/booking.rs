//! Finding and booking slots, cancelling and rescheduling.

use chrono::Utc;
use hale_api::{
    ApiError, BookSlot, CancelAppointment, Command, FindSlots, ListServices, RescheduleAppointment,
};
use tauri::State;

use crate::convert;
use crate::state::AppState;

#[tauri::command]
pub async fn list_services(
    state: State<'_, AppState>,
    args: <ListServices as Command>::Args,
) -> Result<<ListServices as Command>::Output, ApiError> {
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
    state: State<'_, AppState>,
    args: <FindSlots as Command>::Args,
) -> Result<<FindSlots as Command>::Output, ApiError> {
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
    state: State<'_, AppState>,
    args: <BookSlot as Command>::Args,
) -> Result<<BookSlot as Command>::Output, ApiError> {
    convert::require_id("slot_id", &args.slot_id)?;
    convert::require_id("request_id", &args.request_id)?;
    let booked = (state
        .patient
        .book(&args.slot_id, &args.request_id, Utc::now())
        .await)
        .map_err(convert::core_error)?;
    Ok(convert::appointment(booked))
}

#[tauri::command]
pub async fn cancel_appointment(
    state: State<'_, AppState>,
    args: <CancelAppointment as Command>::Args,
) -> Result<<CancelAppointment as Command>::Output, ApiError> {
    convert::require_id("appointment_id", &args.appointment_id)?;
    let cancelled = (state.patient.cancel(&args.appointment_id, Utc::now()).await)
        .map_err(convert::core_error)?;
    Ok(convert::appointment(cancelled))
}

#[tauri::command]
pub async fn reschedule_appointment(
    state: State<'_, AppState>,
    args: <RescheduleAppointment as Command>::Args,
) -> Result<<RescheduleAppointment as Command>::Output, ApiError> {
    convert::require_id("appointment_id", &args.appointment_id)?;
    convert::require_id("slot_id", &args.slot_id)?;
    let moved = (state.patient)
        .reschedule(&args.appointment_id, &args.slot_id, Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::appointment(moved))
}
