//! The summary of a past visit.

use chrono::{Local, Utc};
use hale_api::{ApiError, Command, GetVisitSummary};
use tauri::State;

use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

#[tauri::command]
pub async fn get_visit_summary(
    state: State<'_, Ready<AppState>>,
    args: <GetVisitSummary as Command>::Args,
) -> Result<<GetVisitSummary as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("appointment", &args.appointment_id)?;
    let screen = state
        .patient
        .visit_summary(&args.appointment_id, &Local, Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::visit_summary(args.appointment_id, screen))
}
