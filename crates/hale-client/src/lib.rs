//! The hospital client: how the app talks to a hospital, in FHIR R4 JSON over HTTP.
//!
//! Every failure becomes a [`ClientError`] that says what the app can do about it: unreachable
//! (show the cached copy), unauthorised (sign in again), forbidden, rejected or a server fault.
//! Responses are validated through `hale_fhir`'s mapping before they reach the domain.

mod arrival;
mod care_circle;
mod care_team;
mod export;
mod kiosk_form;
mod medication;
mod observation;
mod offers;
mod paging;
mod parking;
mod questionnaire;
mod rules;
mod share;
mod sign_in;
mod sse;
mod visits;
mod waitlist;

pub use sign_in::{Authorization, LoopbackRedirect, SignInError, Tokens};
use std::fmt;
use std::time::Duration;

pub use arrival::DeviceSession;
use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};
use hale_domain::RefusalCode;
use hale_fhir::smart::{DevSignIn, TokenResponse};
use hale_fhir::{
    Appointment, Bundle, CapabilityStatement, Identifier, OperationOutcome, Parameters, Patient,
    Reference, Resource, FHIR_JSON, REQUEST_ID_SYSTEM,
};
pub use kiosk_form::KioskFormOpened;
pub use medication::{Prescriptions, Stored};
pub use observation::{ClinicReadings, OutgoingReading, CLINIC_DEVICE};
pub use offers::offers;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{header, RequestBuilder, StatusCode};
pub use sse::{EventStream, SseEvent, Updates};
use url::Url;
pub use visits::VisitRecords;

/// What free slots to look for.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SlotQuery {
    /// SNOMED CT code of the service (clinic specialty).
    pub service_code: Option<String>,
    pub practitioner_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub count: u32,
    pub offset: u32,
}

/// One page of free slots.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlotPage {
    pub slots: Vec<hale_domain::OfferedSlot>,
    pub has_more: bool,
}

/// A patient's sign-in with one hospital.
#[derive(Clone, PartialEq, Eq)]
pub struct Session {
    access_token: String,
    /// The FHIR id of the signed-in patient.
    pub patient_id: String,
}

impl Session {
    pub fn new(access_token: impl Into<String>, patient_id: impl Into<String>) -> Self {
        Self {
            access_token: access_token.into(),
            patient_id: patient_id.into(),
        }
    }
}

impl fmt::Debug for Session {
    // The token is a credential: it never reaches a log through Debug.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("access_token", &"<redacted>")
            .field("patient_id", &self.patient_id)
            .finish()
    }
}

/// Refuses a hospital address that would carry tokens, passwords and card numbers in clear:
/// `https`, or plain `http` to this machine only (the embedded hospital, a developer's).
pub fn check_transport(url: &Url) -> Result<(), ClientError> {
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback => Ok(()),
        "http" => Err(ClientError::InvalidUrl(format!(
            "plain http to {} would send sign-ins and card numbers unencrypted: use https",
            url.host_str().unwrap_or("another machine")
        ))),
        other => Err(ClientError::InvalidUrl(format!(
            "'{other}' is not http or https"
        ))),
    }
}

/// What went wrong talking to the hospital, in terms the app can act on.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("the hospital could not be reached: {0}")]
    Unreachable(String),
    #[error("the hospital did not accept the sign-in")]
    Unauthorized,
    #[error("the hospital refused access: {0}")]
    Forbidden(String),
    #[error("the hospital has no such record")]
    NotFound,
    /// A business rule or a lost race said no; `code` is the refusal, `None` when the hospital
    /// named one this version does not know (the code itself is then in `message`).
    #[error("the hospital refused: {message}")]
    Refused {
        code: Option<RefusalCode>,
        message: String,
    },
    #[error("the hospital rejected the request ({status}): {diagnostics}")]
    Rejected { status: u16, diagnostics: String },
    #[error("the hospital failed ({status}): {diagnostics}")]
    Server { status: u16, diagnostics: String },
    #[error("the hospital's answer could not be read: {0}")]
    InvalidResponse(String),
    #[error("invalid hospital address: {0}")]
    InvalidUrl(String),
}

/// A client for one hospital.
#[derive(Debug, Clone)]
pub struct HospitalClient {
    http: reqwest::Client,
    /// For live streams: the same, without the whole-request timeout.
    streaming: reqwest::Client,
    /// The FHIR base, always ending in `/` so relative joins stay under it.
    fhir_base: Url,
    /// The hospital's SMART endpoints, asked once and shared by the clones of this client.
    smart: std::sync::Arc<tokio::sync::OnceCell<hale_fhir::smart::SmartConfiguration>>,
}

impl HospitalClient {
    /// A client for the FHIR endpoint at `fhir_base`, e.g. `https://hospital.example/fhir`.
    pub fn new(fhir_base: &str) -> Result<Self, ClientError> {
        Self::with_headers(fhir_base, HeaderMap::new())
    }

    /// A client for the app's own embedded hospital, which answers only requests carrying the
    /// per-run `secret` it was started with (in `header`).
    pub fn embedded(fhir_base: &str, header: &str, secret: &str) -> Result<Self, ClientError> {
        let mut headers = HeaderMap::new();
        let name = HeaderName::from_bytes(header.as_bytes())
            .map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        let mut value =
            HeaderValue::from_str(secret).map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        value.set_sensitive(true);
        headers.insert(name, value);
        Self::with_headers(fhir_base, headers)
    }

    fn with_headers(fhir_base: &str, headers: HeaderMap) -> Result<Self, ClientError> {
        let mut base = Url::parse(fhir_base).map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        check_transport(&base)?;
        if !base.path().ends_with('/') {
            let path = format!("{}/", base.path());
            base.set_path(&path);
        }
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            .timeout(Duration::from_secs(15))
            .default_headers(headers.clone())
            .build()
            .map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        let streaming = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(3))
            // A live stream is quiet between events but never longer than the server's
            // keep-alive (15 s): a minute of silence means the connection is gone.
            .read_timeout(Duration::from_secs(60))
            .default_headers(headers)
            .build()
            .map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        Ok(Self {
            http,
            streaming,
            fhir_base: base,
            smart: Default::default(),
        })
    }

    /// The FHIR base URL as given (without the trailing slash).
    pub fn fhir_base(&self) -> &str {
        self.fhir_base.as_str().trim_end_matches('/')
    }

    pub(crate) fn url(&self, relative: &str) -> Result<Url, ClientError> {
        self.fhir_base
            .join(relative)
            .map_err(|e| ClientError::InvalidUrl(e.to_string()))
    }

    /// `GET [base]/metadata`: what the hospital's FHIR server offers.
    pub async fn capability(&self) -> Result<CapabilityStatement, ClientError> {
        match self.fetch(self.http.get(self.url("metadata")?)).await? {
            Resource::CapabilityStatement(c) => Ok(c),
            _ => Err(unexpected("CapabilityStatement")),
        }
    }

    /// The reference server's development sign-in (medical record number + date of birth).
    pub async fn dev_sign_in(
        &self,
        identifier: &str,
        birth_date: NaiveDate,
    ) -> Result<Session, ClientError> {
        let url = self
            .fhir_base
            .join("/auth/dev/token")
            .map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        let body = DevSignIn {
            identifier: identifier.to_owned(),
            birth_date: birth_date.format("%Y-%m-%d").to_string(),
        };
        let response = send(self.http.post(url).json(&body)).await?;
        let token: TokenResponse = decode(response).await?;
        Ok(Session::new(token.access_token, token.patient))
    }

    /// `GET [base]/Patient/{id}` for the signed-in patient.
    pub async fn patient(&self, session: &Session) -> Result<Patient, ClientError> {
        let url = self.url(&format!("Patient/{}", session.patient_id))?;
        match self.fetch(self.authed(self.http.get(url), session)).await? {
            Resource::Patient(p) => Ok(p),
            _ => Err(unexpected("Patient")),
        }
    }

    /// The signed-in patient's appointments starting on or after `from` (the hospital's day).
    ///
    /// An entry the app could not show honestly (unknown status, no times) is left out and
    /// counted in the log rather than failing the whole list.
    pub async fn appointments_from(
        &self,
        session: &Session,
        from: NaiveDate,
    ) -> Result<Vec<hale_domain::Appointment>, ClientError> {
        let mut url = self.url("Appointment")?;
        url.query_pairs_mut()
            .append_pair("patient", &format!("Patient/{}", session.patient_id))
            .append_pair("date", &format!("ge{}", from.format("%Y-%m-%d")));
        let bundle = self.search_pages(session, url).await?;
        Ok(map_appointments(&bundle))
    }

    /// The hospital's bookable services and who offers them.
    pub async fn services(
        &self,
        session: &Session,
    ) -> Result<Vec<hale_domain::Service>, ClientError> {
        let bundle = self.search_pages(session, self.url("Schedule")?).await?;
        Ok(hale_fhir::scheduling::services(&bundle))
    }

    /// Free slots matching `query`, soonest first, one page at a time.
    pub async fn free_slots(
        &self,
        session: &Session,
        query: &SlotQuery,
    ) -> Result<SlotPage, ClientError> {
        let mut url = self.url("Slot")?;
        {
            let mut pairs = url.query_pairs_mut();
            pairs.append_pair("status", "free");
            let instant = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
            if let Some(from) = query.from {
                pairs.append_pair("start", &format!("ge{}", instant(from)));
            }
            if let Some(until) = query.until {
                pairs.append_pair("start", &format!("lt{}", instant(until)));
            }
            if let Some(code) = &query.service_code {
                pairs.append_pair("service-type", code);
            }
            if let Some(practitioner) = &query.practitioner_id {
                pairs.append_pair("schedule.actor", &format!("Practitioner/{practitioner}"));
            }
            pairs.append_pair("_count", &query.count.max(1).to_string());
            if query.offset > 0 {
                pairs.append_pair("_offset", &query.offset.to_string());
            }
        }
        let Resource::Bundle(bundle) = self.fetch(self.authed(self.http.get(url), session)).await?
        else {
            return Err(unexpected("Bundle"));
        };
        Ok(SlotPage {
            slots: hale_fhir::scheduling::offered_slots(&bundle),
            has_more: bundle.next_page().is_some(),
        })
    }

    /// Books `slot_id` for the signed-in patient. `request_id` makes a retry safe: the hospital
    /// answers a repeated request with the appointment it already made.
    pub async fn book(
        &self,
        session: &Session,
        slot_id: &str,
        request_id: &str,
    ) -> Result<hale_domain::Appointment, ClientError> {
        let body = Resource::Appointment(Appointment {
            identifier: vec![Identifier {
                system: Some(REQUEST_ID_SYSTEM.into()),
                value: Some(request_id.into()),
            }],
            status: "booked".into(),
            slot: vec![Reference::to("Slot", slot_id, None)],
            participant: vec![hale_fhir::AppointmentParticipant {
                actor: Some(Reference::to("Patient", &session.patient_id, None)),
                status: "accepted".into(),
            }],
            ..Appointment::default()
        });
        // Conditional on the request id: a retry, here or at any FHIR server, books once.
        let condition = format!("identifier={REQUEST_ID_SYSTEM}|{request_id}");
        let request = self
            .http
            .post(self.url("Appointment")?)
            .header("If-None-Exist", condition)
            .json(&body);
        self.appointment(self.authed(request, session)).await
    }

    /// Cancels the patient's appointment `id`; the hospital frees its slot.
    pub async fn cancel(
        &self,
        session: &Session,
        id: &str,
    ) -> Result<hale_domain::Appointment, ClientError> {
        let url = self.url(&format!("Appointment/{id}/$cancel"))?;
        let body = Resource::Parameters(Parameters::default());
        self.appointment(self.authed(self.http.post(url).json(&body), session))
            .await
    }

    /// Moves the patient's appointment `id` to `slot_id` in one step: both change or neither.
    pub async fn reschedule(
        &self,
        session: &Session,
        id: &str,
        slot_id: &str,
    ) -> Result<hale_domain::Appointment, ClientError> {
        let url = self.url(&format!("Appointment/{id}/$reschedule"))?;
        let body = Resource::Parameters(Parameters::with_reference(
            "slot",
            Reference::to("Slot", slot_id, None),
        ));
        self.appointment(self.authed(self.http.post(url).json(&body), session))
            .await
    }

    /// The JSON API beside FHIR lives at `[base]/../api/`, e.g. `https://h.example/api/` for
    /// `https://h.example/fhir`. Each of `segments` is percent-encoded as one path segment.
    pub(crate) fn api_url(&self, segments: &[&str]) -> Result<Url, ClientError> {
        let mut url = self.url("../api/")?;
        url.path_segments_mut()
            .map_err(|()| ClientError::InvalidUrl("the hospital URL cannot have a path".into()))?
            .pop_if_empty()
            .extend(segments);
        Ok(url)
    }

    pub(crate) async fn appointment(
        &self,
        request: RequestBuilder,
    ) -> Result<hale_domain::Appointment, ClientError> {
        match self.fetch(request).await? {
            Resource::Appointment(a) => a
                .to_domain()
                .map_err(|e| ClientError::InvalidResponse(e.to_string())),
            _ => Err(unexpected("Appointment")),
        }
    }

    pub(crate) fn authed(&self, request: RequestBuilder, session: &Session) -> RequestBuilder {
        request.bearer_auth(&session.access_token)
    }

    pub(crate) async fn fetch(&self, request: RequestBuilder) -> Result<Resource, ClientError> {
        self.fetch_json(request).await
    }

    /// A FHIR answer read as `T`: a Hale type, or JSON kept as the hospital wrote it.
    pub(crate) async fn fetch_json<T: serde::de::DeserializeOwned>(
        &self,
        request: RequestBuilder,
    ) -> Result<T, ClientError> {
        let response = send(request.header(header::ACCEPT, FHIR_JSON)).await?;
        decode(response).await
    }
}

fn map_appointments(bundle: &Bundle) -> Vec<hale_domain::Appointment> {
    let mut skipped = 0usize;
    let appointments = bundle
        .appointments()
        .filter_map(|a| match a.to_domain() {
            Ok(a) => Some(a),
            Err(_) => {
                skipped += 1;
                None
            }
        })
        .collect();
    if skipped > 0 {
        tracing::warn!(
            skipped,
            "left out appointments the hospital sent incomplete"
        );
    }
    appointments
}

pub(crate) fn unexpected(what: &str) -> ClientError {
    ClientError::InvalidResponse(format!("expected a {what}"))
}

pub(crate) async fn send(request: RequestBuilder) -> Result<reqwest::Response, ClientError> {
    let response = request.send().await.map_err(|e| {
        // Connection, DNS and timeout failures all mean the same to the patient: offline.
        ClientError::Unreachable(without_url(&e))
    })?;
    let status = response.status();
    if status.is_success() {
        return Ok(response);
    }
    let outcome = match response.json::<Resource>().await {
        Ok(Resource::OperationOutcome(outcome)) => Some(outcome),
        _ => None,
    };
    let diagnostics = outcome
        .as_ref()
        .and_then(OperationOutcome::diagnostics)
        .map(str::to_owned)
        .unwrap_or_else(|| status.canonical_reason().unwrap_or("error").to_owned());
    if let Some(code) = outcome.as_ref().and_then(OperationOutcome::refusal_code) {
        let known = RefusalCode::from_code(code);
        let message = match known {
            Some(_) => diagnostics,
            None => format!("{diagnostics} ({code})"),
        };
        return Err(ClientError::Refused {
            code: known,
            message,
        });
    }
    Err(match status {
        StatusCode::UNAUTHORIZED => ClientError::Unauthorized,
        StatusCode::FORBIDDEN => ClientError::Forbidden(diagnostics),
        StatusCode::NOT_FOUND => ClientError::NotFound,
        s if s.is_server_error() => ClientError::Server {
            status: s.as_u16(),
            diagnostics,
        },
        s => ClientError::Rejected {
            status: s.as_u16(),
            diagnostics,
        },
    })
}

pub(crate) async fn decode<T: serde::de::DeserializeOwned>(
    response: reqwest::Response,
) -> Result<T, ClientError> {
    let bytes = response
        .bytes()
        .await
        .map_err(|e| ClientError::Unreachable(without_url(&e)))?;
    serde_json::from_slice(&bytes).map_err(|e| ClientError::InvalidResponse(e.to_string()))
}

/// reqwest's messages include the URL, and FHIR URLs can name a patient: keep only the cause.
pub(crate) fn without_url(e: &reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timed out"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    match std::error::Error::source(e) {
        Some(cause) => format!("{kind}: {cause}"),
        None => kind.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_refused_except_to_this_machine() {
        // Regression: `http://hospital.example/fhir` was accepted, so tokens, passwords and
        // card numbers would have crossed the network in clear.
        for remote in [
            "http://hospital.example/fhir",
            "http://10.0.0.5:8080/fhir",
            "http://[2001:db8::1]/fhir",
        ] {
            assert!(
                matches!(HospitalClient::new(remote), Err(ClientError::InvalidUrl(_))),
                "{remote}"
            );
        }
        for fine in [
            "https://hospital.example/fhir",
            "http://127.0.0.1:8080/fhir",
            "http://[::1]:8080/fhir",
            "http://localhost:8080/fhir",
        ] {
            assert!(HospitalClient::new(fine).is_ok(), "{fine}");
        }
        assert!(HospitalClient::new("ftp://hospital.example/fhir").is_err());
    }
}
