//! Arrival: the waiting-times board and checking in.

use hale_api::{ApiError, CheckIn, Command, GetWaitingTimes};
use tauri::State;

use crate::convert;
use crate::live::Live;
use crate::ready::Ready;
use crate::state::AppState;

#[tauri::command]
pub async fn get_waiting_times(
    state: State<'_, Ready<AppState>>,
    args: <GetWaitingTimes as Command>::Args,
) -> Result<<GetWaitingTimes as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let board = state
        .patient
        .waiting_times()
        .await
        .map_err(convert::core_error)?;
    Ok(convert::waiting_times(&board))
}

#[tauri::command]
pub async fn check_in(
    state: State<'_, Ready<AppState>>,
    live: State<'_, Ready<Live>>,
    args: <CheckIn as Command>::Args,
) -> Result<<CheckIn as Command>::Output, ApiError> {
    let state = state.wait().await;
    let live = live.wait().await;
    convert::require_id("appointment_id", &args.appointment_id)?;
    let status = state
        .patient
        .check_in(&args.appointment_id, chrono::Utc::now())
        .await
        .map_err(convert::core_error)?;
    live.follow(&status.encounter);
    Ok(convert::queue(&status))
}
