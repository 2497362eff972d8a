//! The core's and the hospital's failures as the contract's stable codes, and the checks on
//! identifiers that reach a URL.

use hale_api::{ApiError, ErrorCode};
use hale_client::ClientError;
use hale_core::CoreError;
use hale_domain::RefusalCode;

pub fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidArgument, message)
}

/// Refuses an id that is not a FHIR resource id before it can reach a URL.
pub fn require_id(name: &str, value: &str) -> Result<(), ApiError> {
    if hale_api::is_identifier(value) {
        Ok(())
    } else {
        Err(invalid(format!("{name} is not a valid id")))
    }
}

pub fn client_error(e: &ClientError) -> ApiError {
    let code = match e {
        ClientError::Unreachable(_) => ErrorCode::HospitalUnreachable,
        ClientError::Unauthorized => ErrorCode::NotSignedIn,
        ClientError::Forbidden(_) => ErrorCode::Forbidden,
        ClientError::Refused { code, .. } => refusal(*code),
        ClientError::NotFound | ClientError::Rejected { .. } | ClientError::InvalidUrl(_) => {
            ErrorCode::HospitalRejected
        }
        ClientError::Server { .. } | ClientError::InvalidResponse(_) => ErrorCode::HospitalError,
    };
    ApiError::new(code, e.to_string())
}

/// A hospital's refusal as the contract's error code. Exhaustive: a new refusal does not compile
/// until it has its code here; one the hospital names but this version does not know is `Refused`.
fn refusal(code: Option<RefusalCode>) -> ErrorCode {
    let Some(code) = code else {
        return ErrorCode::Refused;
    };
    match code {
        RefusalCode::SlotTaken => ErrorCode::SlotTaken,
        RefusalCode::TooLateToChange => ErrorCode::TooLateToChange,
        RefusalCode::Overlaps => ErrorCode::Overlaps,
        RefusalCode::BeyondHorizon => ErrorCode::BeyondHorizon,
        RefusalCode::InThePast => ErrorCode::InThePast,
        RefusalCode::NotChangeable => ErrorCode::NotChangeable,
        RefusalCode::OfferClosed => ErrorCode::OfferClosed,
        RefusalCode::ArrivalTooEarly => ErrorCode::TooEarlyToCheckIn,
        RefusalCode::ArrivalTooLate | RefusalCode::NotCheckable => ErrorCode::CannotCheckIn,
        RefusalCode::InvalidRegistration => ErrorCode::InvalidRegistration,
        RefusalCode::CarParkFull => ErrorCode::CarParkFull,
        RefusalCode::CardDeclined => ErrorCode::CardDeclined,
        RefusalCode::InsufficientFunds => ErrorCode::InsufficientFunds,
        RefusalCode::InvalidCard => ErrorCode::InvalidCard,
        RefusalCode::SessionOver => ErrorCode::ParkingOver,
        RefusalCode::BadDuration => ErrorCode::InvalidArgument,
        RefusalCode::PriceChanged => ErrorCode::PriceChanged,
        RefusalCode::CardNeeded => ErrorCode::CardNeeded,
        RefusalCode::InvitationInvalid => ErrorCode::InvitationInvalid,
        RefusalCode::InviteYourself => ErrorCode::InviteYourself,
        RefusalCode::AlreadyHelping => ErrorCode::AlreadyHelping,
        RefusalCode::MinorCannotInvite => ErrorCode::MinorCannotInvite,
        RefusalCode::NothingChosen => ErrorCode::NothingChosen,
        RefusalCode::ConsentRevoked => ErrorCode::ConsentRevoked,
        RefusalCode::ConsentExpired => ErrorCode::ConsentExpired,
        RefusalCode::AssentNeeded => ErrorCode::AssentNeeded,
        RefusalCode::NowAdult => ErrorCode::NowAdult,
        RefusalCode::NotPermitted => ErrorCode::NotPermitted,
    }
}

pub fn core_error(e: CoreError) -> ApiError {
    match e {
        CoreError::Hospital(e) => client_error(&e),
        CoreError::InvalidLeads(e) => invalid(e.to_string()),
        CoreError::InvalidVehicleLabel(e) => invalid(e.to_string()),
        CoreError::InvalidRegistration(e) => {
            ApiError::new(ErrorCode::InvalidRegistration, e.to_string())
        }
        CoreError::Medicine(e) => super::medicines::medicine_error(e),
        CoreError::Form(e) => super::forms::form_error(e),
        CoreError::Device(hale_core::devices::DeviceError::NotSignedIn) => {
            ApiError::new(ErrorCode::NotSignedIn, "sign in before pairing a device")
        }
        CoreError::Device(e @ hale_core::devices::DeviceError::Threshold(_)) => {
            invalid(e.to_string())
        }
        CoreError::Device(e @ hale_core::devices::DeviceError::LooserThanPlan(_)) => {
            ApiError::new(ErrorCode::LooserThanPlan, e.to_string())
        }
        CoreError::Store(e) => {
            tracing::error!(error = %e, "local store failed");
            ApiError::new(ErrorCode::LocalStorage, e.to_string())
        }
        CoreError::NotSignedIn => ApiError::new(ErrorCode::NotSignedIn, "not signed in"),
        CoreError::SignIn(e) => ApiError::new(ErrorCode::SignInNotFinished, e.to_string()),
        CoreError::NoBrowser(e) => ApiError::new(ErrorCode::NoBrowser, e),
        e @ CoreError::PatientsOwn(_) => ApiError::new(ErrorCode::Forbidden, e.to_string()),
        CoreError::NotOffered(e) => ApiError::new(ErrorCode::NotOffered, e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_client_failure_has_the_code_the_ui_acts_on() {
        let cases = [
            (
                ClientError::Unreachable("x".into()),
                ErrorCode::HospitalUnreachable,
            ),
            (ClientError::Unauthorized, ErrorCode::NotSignedIn),
            (ClientError::Forbidden("x".into()), ErrorCode::Forbidden),
            (
                ClientError::Refused {
                    code: Some(RefusalCode::TooLateToChange),
                    message: "x".into(),
                },
                ErrorCode::TooLateToChange,
            ),
            (
                ClientError::Refused {
                    code: None,
                    message: "x".into(),
                },
                ErrorCode::Refused,
            ),
            (
                ClientError::Server {
                    status: 503,
                    diagnostics: "x".into(),
                },
                ErrorCode::HospitalError,
            ),
            (
                ClientError::Rejected {
                    status: 400,
                    diagnostics: "x".into(),
                },
                ErrorCode::HospitalRejected,
            ),
        ];
        // Every refusal the hospital can give has a contract code of its own kind.
        for r in RefusalCode::ALL {
            assert_ne!(refusal(Some(r)), ErrorCode::Refused, "{r:?}");
        }
        for (error, code) in cases {
            assert_eq!(client_error(&error).code, code, "{error}");
        }
    }
}
