//! The home screen.

use hale_api::{ApiError, Command, GetHome};
use tauri::State;

use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

#[tauri::command]
pub async fn get_home(
    state: State<'_, Ready<AppState>>,
    args: <GetHome as Command>::Args,
) -> Result<<GetHome as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let home = state
        .patient
        .home(chrono::Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::home(
        home,
        state.patient.hospital_url(),
        state.embedded,
    ))
}
