//! Pre-visit forms: opening one, answering, groups filled in again, sending.

use chrono::Utc;
use hale_api::{AnswerForm, ApiError, ChangeFormGroup, Command, GetForm, SubmitForm};
use tauri::State;

use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

/// The longest a question's path may be: a few link ids deep.
const MAX_PATH: usize = 512;

pub(super) fn check_path(path: &str) -> Result<(), ApiError> {
    if path.is_empty() || path.len() > MAX_PATH {
        return Err(convert::invalid_argument("not a question of the form"));
    }
    Ok(())
}

#[tauri::command]
pub async fn get_form(
    state: State<'_, Ready<AppState>>,
    args: <GetForm as Command>::Args,
) -> Result<<GetForm as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("appointment", &args.appointment_id)?;
    let form = state
        .patient
        .pre_visit_form(&args.appointment_id, Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::form(form))
}

#[tauri::command]
pub async fn answer_form(
    state: State<'_, Ready<AppState>>,
    args: <AnswerForm as Command>::Args,
) -> Result<<AnswerForm as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("appointment", &args.appointment_id)?;
    check_path(&args.path)?;
    let form = state
        .patient
        .answer_form(&args.appointment_id, &args.path, &args.values, Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::form(form))
}

#[tauri::command]
pub async fn change_form_group(
    state: State<'_, Ready<AppState>>,
    args: <ChangeFormGroup as Command>::Args,
) -> Result<<ChangeFormGroup as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("appointment", &args.appointment_id)?;
    check_path(&args.path)?;
    let form = state
        .patient
        .change_form_group(&args.appointment_id, &args.path, args.add, Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::form(form))
}

#[tauri::command]
pub async fn submit_form(
    state: State<'_, Ready<AppState>>,
    args: <SubmitForm as Command>::Args,
) -> Result<<SubmitForm as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("appointment", &args.appointment_id)?;
    let form = state
        .patient
        .submit_form(&args.appointment_id, Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::form(form))
}
