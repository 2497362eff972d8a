//! Signing in (through the system browser) and out.

use hale_api::{ApiError, Command, GetSession, SessionView, SignIn, SignOut, SignedOutView};
use tauri::State;

use crate::browser::SystemBrowser;
use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

#[tauri::command]
pub async fn get_session(
    state: State<'_, Ready<AppState>>,
    args: <GetSession as Command>::Args,
) -> Result<<GetSession as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let signed_in = state.patient.is_signed_in().await;
    Ok(SessionView {
        signed_in,
        local_data_reset: state.local_data_reset,
    })
}

#[tauri::command]
pub async fn sign_in(
    state: State<'_, Ready<AppState>>,
    args: <SignIn as Command>::Args,
) -> Result<<SignIn as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    state
        .patient
        .sign_in(&SystemBrowser, chrono::Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(SessionView {
        signed_in: true,
        local_data_reset: state.local_data_reset,
    })
}

#[tauri::command]
pub async fn sign_out(
    state: State<'_, Ready<AppState>>,
    args: <SignOut as Command>::Args,
) -> Result<<SignOut as Command>::Output, ApiError> {
    let state = state.wait().await;
    let outcome = state
        .patient
        .sign_out(args.remove_local_data)
        .await
        .map_err(convert::core_error)?;
    Ok(SignedOutView {
        hospital_told: outcome == hale_core::sign_in::SignedOut::Revoked,
        local_data_removed: args.remove_local_data,
    })
}
