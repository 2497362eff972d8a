//! What the hospital offers in the app.

use hale_api::{ApiError, Command, GetOffers};
use tauri::State;

use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

#[tauri::command]
pub async fn get_offers(
    state: State<'_, Ready<AppState>>,
    args: <GetOffers as Command>::Args,
) -> Result<<GetOffers as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let offers = state
        .patient
        .hospital_offers()
        .await
        .map_err(convert::core_error)?;
    Ok(convert::offers(offers))
}
