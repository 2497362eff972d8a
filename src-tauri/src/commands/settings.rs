//! The patient's settings: appointment reminder leads.

use hale_api::{ApiError, Command, GetReminders, SetReminders};
use tauri::State;

use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

#[tauri::command]
pub async fn get_reminders(
    state: State<'_, Ready<AppState>>,
    args: <GetReminders as Command>::Args,
) -> Result<<GetReminders as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let leads = state
        .patient
        .reminder_leads()
        .await
        .map_err(convert::core_error)?;
    Ok(convert::reminder_settings(&leads))
}

#[tauri::command]
pub async fn set_reminders(
    state: State<'_, Ready<AppState>>,
    args: <SetReminders as Command>::Args,
) -> Result<<SetReminders as Command>::Output, ApiError> {
    let state = state.wait().await;
    let wanted: Vec<_> = args.leads.into_iter().map(convert::lead).collect();
    let leads = state
        .patient
        .set_reminder_leads(&wanted)
        .await
        .map_err(convert::core_error)?;
    Ok(convert::reminder_settings(&leads))
}
