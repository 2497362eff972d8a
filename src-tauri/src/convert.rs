//! Hand-written conversions from the core's types to the IPC contract's, at the boundary.

use chrono::Local;
use hale_api::{ApiError, AppointmentView, ErrorCode, Freshness, HomeView, HospitalView};
use hale_client::ClientError;
use hale_core::CoreError;

pub fn home(home: hale_core::Home, hospital_url: &str, embedded: bool) -> HomeView {
    HomeView {
        hospital: HospitalView {
            name: home
                .hospital_name
                .unwrap_or_else(|| "Your hospital".to_owned()),
            base_url: hospital_url.to_owned(),
            embedded,
        },
        patient_name: home.patient_name,
        appointments: home.appointments.into_iter().map(appointment).collect(),
        freshness: match home.freshness {
            hale_core::Freshness::Live { as_of } => Freshness::Live { as_of },
            hale_core::Freshness::Offline { cached_at, error } => Freshness::Offline {
                cached_at,
                error: client_error(&error),
            },
        },
    }
}

fn appointment(a: hale_domain::Appointment) -> AppointmentView {
    AppointmentView {
        id: a.id,
        reference: a.reference.map(|r| r.to_string()),
        status: a.status.fhir_code().to_owned(),
        start: a.start.with_timezone(&Local).fixed_offset(),
        end: a.end.with_timezone(&Local).fixed_offset(),
        service: a.service,
        clinician: a.clinician,
        location: a.location,
    }
}

pub fn client_error(e: &ClientError) -> ApiError {
    let code = match e {
        ClientError::Unreachable(_) => ErrorCode::HospitalUnreachable,
        ClientError::Unauthorized => ErrorCode::NotSignedIn,
        ClientError::Forbidden(_) => ErrorCode::Forbidden,
        ClientError::Refused { .. } => ErrorCode::Refused,
        ClientError::NotFound | ClientError::Rejected { .. } | ClientError::InvalidUrl(_) => {
            ErrorCode::HospitalRejected
        }
        ClientError::Server { .. } | ClientError::InvalidResponse(_) => ErrorCode::HospitalError,
    };
    ApiError::new(code, e.to_string())
}

pub fn core_error(e: CoreError) -> ApiError {
    match e {
        CoreError::Hospital(e) => client_error(&e),
        CoreError::Store(e) => {
            tracing::error!(error = %e, "local store failed");
            ApiError::new(ErrorCode::LocalStorage, e.to_string())
        }
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
        for (error, code) in cases {
            assert_eq!(client_error(&error).code, code, "{error}");
        }
    }
}
