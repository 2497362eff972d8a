//! The app's mode, and the kiosk's check-in. Neither touches patient storage.

use chrono::{Datelike, NaiveDate};
use hale_api::{ApiError, AppMode, Command, GetMode, KioskCheckIn, KioskOutcomeView};
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
        .check_in(&args.reference, born)
        .await
        .map_err(|e| convert::client_error(&e))?;
    Ok(match answer {
        KioskAnswer::CheckReference => KioskOutcomeView::CheckReference,
        KioskAnswer::Hospital(outcome) => convert::kiosk_outcome(outcome),
    })
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
