//! The app's mode, and the kiosk's check-in and the form that may follow it. None touches
//! patient storage: the form lives in the kiosk's memory.

use chrono::{Datelike, NaiveDate, Utc};
use hale_api::{
    ApiError, AppMode, Command, GetKioskForm, GetMode, KioskAnswerForm, KioskChangeFormGroup,
    KioskCheckIn, KioskForget, KioskOutcomeView, KioskSubmitForm,
};
use hale_core::kiosk::KioskAnswer;
use tauri::{Manager, State};

use crate::convert;
use crate::state::KioskState;

/// How long the start screen waits for the hospital's name.
const NAME_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

#[tauri::command]
pub async fn get_mode(
    mode: State<'_, AppMode>,
    app: tauri::AppHandle,
    args: <GetMode as Command>::Args,
) -> Result<<GetMode as Command>::Output, ApiError> {
    let hale_api::NoArgs {} = args;
    Ok(match mode.inner() {
        AppMode::Kiosk { idle_seconds, .. } => {
            // Asked when a start screen shows, not when the app starts, and briefly: the
            // screen never waits on an unreachable hospital, and learns the name at a later
            // start screen once the hospital answers.
            let hospital_name = match app.try_state::<KioskState>() {
                Some(state) => tokio::time::timeout(NAME_WAIT, state.kiosk.hospital_name())
                    .await
                    .ok()
                    .flatten(),
                None => None,
            };
            AppMode::Kiosk {
                idle_seconds: *idle_seconds,
                hospital_name,
            }
        }
        other => other.clone(),
    })
}

#[tauri::command]
pub async fn kiosk_check_in(
    state: State<'_, KioskState>,
    args: <KioskCheckIn as Command>::Args,
) -> Result<<KioskCheckIn as Command>::Output, ApiError> {
    let born = birth_date(&args.birth_date, chrono::Local::now().date_naive())?;
    if args.reference.len() > 40 {
        return Err(ApiError::new(
            hale_api::ErrorCode::InvalidArgument,
            "the reference is too long",
        ));
    }
    let answer = state
        .kiosk
        .check_in(&args.reference, born, Utc::now())
        .await
        .map_err(|e| convert::client_error(&e))?;
    Ok(match answer {
        KioskAnswer::CheckReference => KioskOutcomeView::CheckReference,
        KioskAnswer::Hospital(outcome) => convert::kiosk_outcome(outcome),
    })
}

#[tauri::command]
pub async fn get_kiosk_form(
    state: State<'_, KioskState>,
    args: <GetKioskForm as Command>::Args,
) -> Result<<GetKioskForm as Command>::Output, ApiError> {
    let hale_api::NoArgs {} = args;
    let form = state
        .kiosk
        .form(Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::form(form))
}

#[tauri::command]
pub async fn kiosk_answer_form(
    state: State<'_, KioskState>,
    args: <KioskAnswerForm as Command>::Args,
) -> Result<<KioskAnswerForm as Command>::Output, ApiError> {
    super::forms::check_path(&args.path)?;
    let form = state
        .kiosk
        .answer_form(&args.path, &args.values, Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::form(form))
}

#[tauri::command]
pub async fn kiosk_change_form_group(
    state: State<'_, KioskState>,
    args: <KioskChangeFormGroup as Command>::Args,
) -> Result<<KioskChangeFormGroup as Command>::Output, ApiError> {
    super::forms::check_path(&args.path)?;
    let form = state
        .kiosk
        .change_form_group(&args.path, args.add, Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::form(form))
}

#[tauri::command]
pub async fn kiosk_submit_form(
    state: State<'_, KioskState>,
    args: <KioskSubmitForm as Command>::Args,
) -> Result<<KioskSubmitForm as Command>::Output, ApiError> {
    let hale_api::NoArgs {} = args;
    let form = state
        .kiosk
        .submit_form(Utc::now())
        .await
        .map_err(convert::core_error)?;
    Ok(convert::form(form))
}

#[tauri::command]
pub async fn kiosk_forget(
    state: State<'_, KioskState>,
    args: <KioskForget as Command>::Args,
) -> Result<<KioskForget as Command>::Output, ApiError> {
    let hale_api::NoArgs {} = args;
    state.kiosk.forget().await;
    Ok(hale_api::NoArgs {})
}

/// A real date of birth: YYYY-MM-DD, not in the future, not before 1900.
fn birth_date(text: &str, today: NaiveDate) -> Result<NaiveDate, ApiError> {
    let invalid = |m: &str| ApiError::new(hale_api::ErrorCode::InvalidArgument, m);
    let date = NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| invalid("the date of birth is not a date"))?;
    if date > today || date.year() < 1900 {
        return Err(invalid("the date of birth is not possible"));
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_birth_must_be_real_and_past() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 25).unwrap();
        assert!(birth_date("1984-06-12", today).is_ok());
        for bad in ["1984-02-30", "12/06/1984", "", "2027-01-01", "1850-01-01"] {
            assert!(birth_date(bad, today).is_err(), "{bad}");
        }
    }
}
