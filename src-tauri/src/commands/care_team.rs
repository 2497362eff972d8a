//! The care team screen.

use chrono::{Local, Utc};
use hale_api::{ApiError, Command, GetCareTeam};
use tauri::State;

use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

#[tauri::command]
pub async fn get_care_team(
    state: State<'_, Ready<AppState>>,
    args: <GetCareTeam as Command>::Args,
) -> Result<<GetCareTeam as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let screen = state
        .patient
        .care_team(&Local, Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::care_team(screen))
}
