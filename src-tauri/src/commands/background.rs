//! Hale with its window closed: the place the window was opened for, and starting at login.

use hale_api::{
    ApiError, Command, ErrorCode, GetStartAtLogin, SetStartAtLogin, StartAtLoginView,
    TakePlaceToOpen,
};
use hale_core::notices::Milestone;
use tauri::{AppHandle, Runtime, State};

use crate::autostart::{self, AutostartError};
use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;
use crate::window::PendingPlace;

#[tauri::command]
pub async fn take_place_to_open(
    pending: State<'_, PendingPlace>,
    args: <TakePlaceToOpen as Command>::Args,
) -> Result<<TakePlaceToOpen as Command>::Output, ApiError> {
    let hale_api::NoArgs {} = args;
    Ok(pending.take())
}

async fn start_at_login<R: Runtime>(
    app: &AppHandle<R>,
    state: &AppState,
) -> Result<StartAtLoginView, ApiError> {
    Ok(StartAtLoginView {
        available: autostart::is_available(),
        enabled: autostart::is_enabled(&app.config().identifier),
        asked: state
            .patient
            .reached(Milestone::StartAtLoginAsked)
            .await
            .map_err(convert::core_error)?,
    })
}

#[tauri::command]
pub async fn get_start_at_login(
    app: AppHandle,
    state: State<'_, Ready<AppState>>,
    args: <GetStartAtLogin as Command>::Args,
) -> Result<<GetStartAtLogin as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    start_at_login(&app, state).await
}

#[tauri::command]
pub async fn set_start_at_login(
    app: AppHandle,
    state: State<'_, Ready<AppState>>,
    args: <SetStartAtLogin as Command>::Args,
) -> Result<<SetStartAtLogin as Command>::Output, ApiError> {
    let state = state.wait().await;
    // Answered either way: the patient is not asked again.
    state
        .patient
        .reach(Milestone::StartAtLoginAsked)
        .await
        .map_err(convert::core_error)?;
    autostart::set(&app.config().identifier, args.enabled).map_err(|e| match e {
        AutostartError::Unsupported => ApiError::new(ErrorCode::NotOnThisSystem, e.to_string()),
        AutostartError::Io(_) => ApiError::new(ErrorCode::LocalStorage, e.to_string()),
    })?;
    tracing::info!(enabled = args.enabled, "start at login chosen");
    start_at_login(&app, state).await
}
