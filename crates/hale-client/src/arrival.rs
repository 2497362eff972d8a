//! Arrival: check-in, queue status and waiting times, live; and the kiosk's device sign-in.
//! The hospital's JSON is read into the domain's types here.

use std::fmt;

use chrono::Duration;
use hale_domain::queue::{ClinicWaitingTime, KioskOutcome, QueueState, QueueStatus, WaitingTimes};
use hale_domain::RefusalCode;
use hale_fhir::smart::DeviceTokenResponse;
use hale_fhir::{Encounter, Resource};
use hale_hospital_json::arrival as wire;
use reqwest::header;

use crate::sse::{EventStream, Updates};
use crate::{decode, send, unexpected, ClientError, HospitalClient, Session};

/// A device's sign-in (a kiosk): a token with the device's scope, no patient.
#[derive(Clone, PartialEq, Eq)]
pub struct DeviceSession {
    pub(crate) access_token: String,
}

impl fmt::Debug for DeviceSession {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("DeviceSession(<redacted>)")
    }
}

impl HospitalClient {
    /// `GET /api/waiting-times`: every department's estimate. Needs no sign-in.
    pub async fn waiting_times(&self) -> Result<WaitingTimes, ClientError> {
        let board = decode(send(self.http.get(self.api_url(&["waiting-times"])?)).await?).await?;
        Ok(waiting_times(board))
    }

    /// The waiting-times board, live (`/api/waiting-times/events`).
    pub async fn waiting_times_events(&self) -> Result<Updates<WaitingTimes>, ClientError> {
        let url = self.api_url(&["waiting-times", "events"])?;
        let request = self
            .streaming
            .get(url)
            .header(header::ACCEPT, "text/event-stream");
        let events = EventStream::new(send(request).await?);
        Ok(Updates::new(events, |data| {
            Ok(waiting_times(read_json(data)?))
        }))
    }

    /// Checks in for appointment `id` (`$check-in`); answers with its Encounter. Checking in
    /// again answers with the same Encounter.
    pub async fn check_in(&self, session: &Session, id: &str) -> Result<Encounter, ClientError> {
        let url = self.url(&format!("Appointment/{id}/$check-in"))?;
        let body = Resource::Parameters(hale_fhir::Parameters::default());
        match self
            .fetch(self.authed(self.http.post(url).json(&body), session))
            .await?
        {
            Resource::Encounter(e) => Ok(e),
            _ => Err(unexpected("Encounter")),
        }
    }

    /// Where the patient's encounter stands now.
    pub async fn queue_status(
        &self,
        session: &Session,
        encounter: &str,
    ) -> Result<QueueStatus, ClientError> {
        let request = self.http.get(self.api_url(&["queue", encounter])?);
        Ok(queue_status(
            decode(send(self.authed(request, session)).await?).await?,
        ))
    }

    /// The patient's place, live, until the visit ends.
    pub async fn queue_events(
        &self,
        session: &Session,
        encounter: &str,
    ) -> Result<Updates<QueueStatus>, ClientError> {
        let url = self.api_url(&["queue", encounter, "events"])?;
        let request = self
            .streaming
            .get(url)
            .header(header::ACCEPT, "text/event-stream");
        let events = EventStream::new(send(self.authed(request, session)).await?);
        Ok(Updates::new(events, |data| {
            Ok(queue_status(read_json(data)?))
        }))
    }

    /// OAuth2 client credentials for a registered device (`POST /auth/token`).
    pub async fn device_sign_in(
        &self,
        client_id: &str,
        secret: &str,
    ) -> Result<DeviceSession, ClientError> {
        // Beside the FHIR base, as `/api` is: `https://h.example/auth/token` for `…/fhir`.
        let url = self.url("../auth/token")?;
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", client_id),
            ("client_secret", secret),
        ];
        let token: DeviceTokenResponse =
            decode(send(self.http.post(url).form(&form)).await?).await?;
        Ok(DeviceSession {
            access_token: token.access_token,
        })
    }

    /// A kiosk checks a patient in. Every outcome, a refused one included, is an `Ok`; only a
    /// failure to ask is an error.
    pub async fn kiosk_check_in(
        &self,
        device: &DeviceSession,
        reference: &str,
        birth_date: &str,
    ) -> Result<KioskOutcome, ClientError> {
        let body = wire::KioskCheckIn {
            reference: reference.to_owned(),
            birth_date: birth_date.to_owned(),
        };
        let request = self
            .http
            .post(self.api_url(&["kiosk", "check-in"])?)
            .bearer_auth(&device.access_token)
            .json(&body);
        let response = request
            .send()
            .await
            .map_err(|e| ClientError::Unreachable(crate::without_url(&e)))?;
        if response.status() == reqwest::StatusCode::TOO_MANY_REQUESTS {
            return Ok(KioskOutcome::TooManyAttempts);
        }
        if response.status() == reqwest::StatusCode::UNAUTHORIZED {
            return Err(ClientError::Unauthorized);
        }
        let response = response
            .error_for_status()
            .map_err(|e| ClientError::Rejected {
                status: e.status().map_or(0, |s| s.as_u16()),
                diagnostics: "the hospital refused the kiosk".into(),
            })?;
        Ok(kiosk_outcome(decode(response).await?))
    }
}

fn read_json<T: serde::de::DeserializeOwned>(data: &str) -> Result<T, ClientError> {
    serde_json::from_str(data).map_err(|e| ClientError::InvalidResponse(e.to_string()))
}

fn waiting_times(board: wire::WaitingTimes) -> WaitingTimes {
    WaitingTimes {
        updated: board.updated,
        clinics: board
            .clinics
            .into_iter()
            .map(|c| ClinicWaitingTime {
                clinic: c.clinic,
                name: c.name,
                location: c.location,
                waiting: c.waiting,
                estimate: Duration::minutes(c.estimate_minutes),
                running_late: Duration::minutes(c.running_late_minutes),
            })
            .collect(),
    }
}

fn queue_status(s: wire::QueueStatus) -> QueueStatus {
    QueueStatus {
        encounter: s.encounter,
        appointment: s.appointment,
        state: match s.state {
            wire::QueueState::Waiting => QueueState::Waiting,
            wire::QueueState::Called => QueueState::Called,
            wire::QueueState::Finished => QueueState::Finished,
        },
        clinic: s.clinic,
        location: s.location,
        position: s.position,
        estimate: s.estimate_minutes.map(Duration::minutes),
        room: s.room,
        updated: s.updated,
    }
}

fn kiosk_outcome(o: wire::KioskOutcome) -> KioskOutcome {
    match o {
        wire::KioskOutcome::CheckedIn {
            clinic,
            location,
            position,
            estimate_minutes,
            form_grant,
        } => KioskOutcome::CheckedIn {
            clinic,
            location,
            position,
            estimate: Duration::minutes(estimate_minutes),
            form: form_grant,
        },
        wire::KioskOutcome::SeeReception { reason, opens } => KioskOutcome::SeeReception {
            reason: RefusalCode::from_code(&reason),
            opens,
        },
        wire::KioskOutcome::NotMatched => KioskOutcome::NotMatched,
        wire::KioskOutcome::TooManyAttempts => KioskOutcome::TooManyAttempts,
    }
}
