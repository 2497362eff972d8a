//! The care circle: helpers and the people helped, invitations, ending a grant, looking after
//! someone.

use chrono::{NaiveDate, Utc};
use hale_api::{
    AcceptInvitation, ApiError, Command, EndGrant, GetCareCircle, GetHelperAlerts, GetLookingAfter,
    InviteHelper, LookAfter, SetAlertSettings,
};
use hale_domain::care_circle::InvitationCode;
use tauri::State;

use crate::convert;
use crate::ready::Ready;
use crate::state::AppState;

#[tauri::command]
pub async fn get_care_circle(
    state: State<'_, Ready<AppState>>,
    args: <GetCareCircle as Command>::Args,
) -> Result<<GetCareCircle as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let circle = state
        .patient
        .care_circle()
        .await
        .map_err(convert::core_error)?;
    // The circle stands without its alerts: a failure to read them is shown as none.
    let alerts = state.patient.helper_alerts().await.unwrap_or_else(|error| {
        tracing::info!(%error, "helper alerts not read");
        Vec::new()
    });
    Ok(convert::care_circle(circle, alerts))
}

#[tauri::command]
pub async fn invite_helper(
    state: State<'_, Ready<AppState>>,
    args: <InviteHelper as Command>::Args,
) -> Result<<InviteHelper as Command>::Output, ApiError> {
    let state = state.wait().await;
    let made = state
        .patient
        .invite(convert::permissions(&args.permissions))
        .await
        .map_err(convert::core_error)?;
    Ok(convert::invitation(made))
}

#[tauri::command]
pub async fn accept_invitation(
    state: State<'_, Ready<AppState>>,
    args: <AcceptInvitation as Command>::Args,
) -> Result<<AcceptInvitation as Command>::Output, ApiError> {
    let state = state.wait().await;
    let code = InvitationCode::parse(&args.code)
        .map_err(|e| ApiError::new(hale_api::ErrorCode::InvitationInvalid, e.to_string()))?;
    let birth_date = NaiveDate::parse_from_str(args.birth_date.trim(), "%Y-%m-%d")
        .map_err(|_| convert::invalid_argument("the date of birth is not a date"))?;
    let accepted = state
        .patient
        .accept_invitation(&code, birth_date)
        .await
        .map_err(convert::core_error)?;
    Ok(convert::member(accepted))
}

#[tauri::command]
pub async fn end_grant(
    state: State<'_, Ready<AppState>>,
    args: <EndGrant as Command>::Args,
) -> Result<<EndGrant as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("consent_id", &args.consent_id)?;
    let ended = state
        .patient
        .end_grant(&args.consent_id)
        .await
        .map_err(convert::core_error)?;
    Ok(convert::member(ended))
}

#[tauri::command]
pub async fn get_helper_alerts(
    state: State<'_, Ready<AppState>>,
    args: <GetHelperAlerts as Command>::Args,
) -> Result<<GetHelperAlerts as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    let alerts = state
        .patient
        .helper_alerts()
        .await
        .map_err(convert::core_error)?;
    Ok(convert::helper_alerts(alerts))
}

#[tauri::command]
pub async fn get_looking_after(
    state: State<'_, Ready<AppState>>,
    args: <GetLookingAfter as Command>::Args,
) -> Result<<GetLookingAfter as Command>::Output, ApiError> {
    let state = state.wait().await;
    let hale_api::NoArgs {} = args;
    Ok(looking(state).await?.map(convert::looking_after))
}

#[tauri::command]
pub async fn look_after(
    state: State<'_, Ready<AppState>>,
    args: <LookAfter as Command>::Args,
) -> Result<<LookAfter as Command>::Output, ApiError> {
    let state = state.wait().await;
    if let Some(id) = &args.patient_id {
        convert::require_id("patient_id", id)?;
    }
    let now = state
        .patient
        .look_after(args.patient_id.as_deref(), Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(now.map(convert::looking_after))
}

#[tauri::command]
pub async fn set_alert_settings(
    state: State<'_, Ready<AppState>>,
    args: <SetAlertSettings as Command>::Args,
) -> Result<<SetAlertSettings as Command>::Output, ApiError> {
    let state = state.wait().await;
    convert::require_id("consent_id", &args.consent_id)?;
    let settings = convert::alert_choices(&args)?;
    let member = state
        .patient
        .set_alert_settings(&args.consent_id, &settings)
        .await
        .map_err(convert::core_error)?;
    Ok(convert::member(member))
}

async fn looking(
    state: &AppState,
) -> Result<Option<hale_core::care_circle::LookingAfter>, ApiError> {
    state
        .patient
        .looking_after()
        .await
        .map_err(convert::core_error)
}
