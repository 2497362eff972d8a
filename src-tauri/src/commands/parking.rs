//! Parking: vehicles, car parks, paying, extending, ending.

use hale_api::{
    ApiError, ApplyConcession, Command, EndParking, ExtendParking, GetParking, RemoveVehicle,
    SaveVehicle, StartParking,
};
use hale_domain::parking::Purchase;
use tauri::State;

use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

#[tauri::command]
pub async fn get_parking(
    state: State<'_, Ready<AppState>>,
    args: <GetParking as Command>::Args,
) -> Result<<GetParking as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let parking = state
        .patient
        .parking(chrono::Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::parking(parking))
}

#[tauri::command]
pub async fn save_vehicle(
    state: State<'_, Ready<AppState>>,
    args: <SaveVehicle as Command>::Args,
) -> Result<<SaveVehicle as Command>::Output, ApiError> {
    let state = state.wait().await;
    let vehicle = state
        .patient
        .save_vehicle(&args.registration, args.label.as_deref())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::vehicle(vehicle))
}

#[tauri::command]
pub async fn remove_vehicle(
    state: State<'_, Ready<AppState>>,
    args: <RemoveVehicle as Command>::Args,
) -> Result<<RemoveVehicle as Command>::Output, ApiError> {
    let state = state.wait().await;
    let registration = convert::registration(&args.registration)?;
    state
        .patient
        .remove_vehicle(&registration)
        .await
        .map_err(convert::core_error)
}

#[tauri::command]
pub async fn start_parking(
    state: State<'_, Ready<AppState>>,
    args: <StartParking as Command>::Args,
) -> Result<<StartParking as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("car_park_id", &args.car_park_id)?;
    convert::require_id("request_id", &args.request_id)?;
    let now = chrono::Utc::now();
    let session = state
        .patient
        .start_parking(
            &args.car_park_id,
            &args.registration,
            Purchase {
                minutes: args.minutes,
                quoted_pence: args.quoted_pence,
                key: &args.request_id,
            },
            &convert::card(args.card),
            now,
        )
        .await
        .map_err(convert::core_error)?;
    Ok(convert::stay(session))
}

#[tauri::command]
pub async fn extend_parking(
    state: State<'_, Ready<AppState>>,
    args: <ExtendParking as Command>::Args,
) -> Result<<ExtendParking as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("session_id", &args.session_id)?;
    convert::require_id("request_id", &args.request_id)?;
    let now = chrono::Utc::now();
    let session = state
        .patient
        .extend_parking(
            &args.session_id,
            Purchase {
                minutes: args.minutes,
                quoted_pence: args.quoted_pence,
                key: &args.request_id,
            },
            args.card.map(convert::card).as_ref(),
            now,
        )
        .await
        .map_err(convert::core_error)?;
    Ok(convert::stay(session))
}

#[tauri::command]
pub async fn end_parking(
    state: State<'_, Ready<AppState>>,
    args: <EndParking as Command>::Args,
) -> Result<<EndParking as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("session_id", &args.session_id)?;
    let now = chrono::Utc::now();
    let session = state
        .patient
        .end_parking(&args.session_id, now)
        .await
        .map_err(convert::core_error)?;
    Ok(convert::stay(session))
}

#[tauri::command]
pub async fn apply_concession(
    state: State<'_, Ready<AppState>>,
    args: <ApplyConcession as Command>::Args,
) -> Result<<ApplyConcession as Command>::Output, ApiError> {
    let state = state.wait().await;
    let application = convert::concession_application(args)?;
    let decided = state
        .patient
        .apply_concession(&application)
        .await
        .map_err(convert::core_error)?;
    Ok(convert::concession(decided))
}
