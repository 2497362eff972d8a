//! The earlier-slot waitlist: join, leave, accept or decline an offer.

use hale_api::{AcceptOffer, ApiError, Command, DeclineOffer, JoinWaitlist, LeaveWaitlist};
use tauri::State;

use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

#[tauri::command]
pub async fn join_waitlist(
    state: State<'_, Ready<AppState>>,
    args: <JoinWaitlist as Command>::Args,
) -> Result<<JoinWaitlist as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("appointment_id", &args.appointment_id)?;
    let entry = state
        .patient
        .join_waitlist(&args.appointment_id)
        .await
        .map_err(convert::core_error)?;
    Ok(convert::waitlist(&entry))
}

#[tauri::command]
pub async fn leave_waitlist(
    state: State<'_, Ready<AppState>>,
    args: <LeaveWaitlist as Command>::Args,
) -> Result<<LeaveWaitlist as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("entry_id", &args.entry_id)?;
    state
        .patient
        .leave_waitlist(&args.entry_id)
        .await
        .map_err(convert::core_error)
}

#[tauri::command]
pub async fn accept_offer(
    state: State<'_, Ready<AppState>>,
    args: <AcceptOffer as Command>::Args,
) -> Result<<AcceptOffer as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("offer_id", &args.offer_id)?;
    let moved = state
        .patient
        .accept_offer(&args.offer_id, chrono::Utc::now())
        .await
        .map_err(convert::core_error)?;
    let allowed = state.patient.allowed(&moved, chrono::Utc::now());
    Ok(convert::appointment(moved, allowed))
}

#[tauri::command]
pub async fn decline_offer(
    state: State<'_, Ready<AppState>>,
    args: <DeclineOffer as Command>::Args,
) -> Result<<DeclineOffer as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("offer_id", &args.offer_id)?;
    state
        .patient
        .decline_offer(&args.offer_id)
        .await
        .map_err(convert::core_error)
}
