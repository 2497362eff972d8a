//! Who may call what: every route's access rule in one table, bearer tokens checked once per
//! request against it, and an audit row for every authorised request.
//!
//! The [`authorize`] middleware runs on every matched route. A route missing from [`rule`] is
//! refused, so a new endpoint is closed until someone decides who may call it. Handlers then
//! take a [`PatientToken`] or [`DeviceToken`] (set by the middleware) for record-level checks.

use std::sync::{Arc, Mutex};

use axum::extract::{FromRequestParts, MatchedPath, Request, State};
use axum::http::request::Parts;
use axum::http::{header, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use hale_domain::care_circle::{CareCircleRefusal, Denied};
use hale_fhir::smart::Scopes;
use sha2::{Digest, Sha256};

use crate::db::Time;
use crate::{FhirError, ServerState};

/// What a route needs of its caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Access {
    /// No token: hospital facts anyone may know, and the sign-in endpoints themselves.
    Public,
    /// A patient's token holding this scope.
    Patient(&'static str),
    /// A patient's token; the handler checks a scope per entry (transaction Bundles).
    PatientPerEntry,
    /// A patient's token holding this scope, for what is the signed-in person's own whoever
    /// they are looking after (their alerts as a helper): no consent narrows it, and the
    /// handler takes a [`PersonToken`].
    Person(&'static str),
    /// A registered device's token holding this scope.
    Device(&'static str),
    /// Either a patient's token holding the first scope or a device's holding the second: a
    /// reading comes from home or from the clinic's own monitor.
    PatientOrDevice(&'static str, &'static str),
    /// A member of staff signed in to the console (its session cookie); handlers check which
    /// patients and actions their team and role allow.
    Staff,
}

/// FHIR AuditEvent actions: create, read, update, delete, execute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    C,
    R,
    U,
    D,
    E,
}

impl Action {
    fn code(self) -> &'static str {
        match self {
            Self::C => "C",
            Self::R => "R",
            Self::U => "U",
            Self::D => "D",
            Self::E => "E",
        }
    }
}

const KIOSK: &str = "hale/check-in";
const STAFF: &str = "hale/queue";
const CLINIC_DEVICE: &str = hale_fhir::smart::CLINIC_DEVICE_SCOPE;
/// Choosing who helps you, and accepting an invitation to help: a person's own, never a
/// helper's (no consent grants it).
const CARE_CIRCLE: &str = "hale/care-circle";

/// The access rule of every route, by method and route template. `None`: no such rule, refused.
pub(crate) fn rule(method: &Method, route: &str) -> Option<(Access, Action)> {
    use Access::*;
    use Action::*;
    let get = method == Method::GET || method == Method::HEAD;
    let post = method == Method::POST;
    let delete = method == Method::DELETE;
    Some(match route {
        "/health"
        | "/fhir/metadata"
        | "/fhir/.well-known/smart-configuration"
        | "/.well-known/smart-configuration"
        | "/api/rules"
        | "/api/waiting-times"
        | "/api/waiting-times/events"
            if get =>
        {
            (Public, R)
        }
        "/auth/authorize" if get || post => (Public, E),
        "/auth/token" | "/auth/revoke" | "/auth/dev/token" if post => (Public, E),
        "/fhir/Patient/{id}" if get => (Patient("patient/Patient.r"), R),
        // Each kind of record in it also needs the token's scope to search it.
        "/fhir/Patient/{id}/$everything" if get => (Patient("patient/Patient.r"), R),
        // The handler checks the scopes of its required sections too.
        "/fhir/Patient/{id}/$summary" if get => (Patient("patient/Patient.r"), R),
        // A share code's pages: its own code and the patient's birth date are the credential.
        "/share" if get => (Public, R),
        "/share" if post => (Public, E),
        "/share/summary" if get => (Public, R),
        // Sharing the summary needs its scopes too (checked by the handler).
        "/api/shares" if get => (Patient("patient/Patient.r"), R),
        "/api/shares" if post => (Patient("patient/Patient.r"), C),
        "/api/shares/{id}/revoke" if post => (Patient("patient/Patient.r"), U),
        "/fhir/Appointment" if get => (Patient("patient/Appointment.s"), R),
        "/fhir/Appointment" if post => (Patient("patient/Appointment.c"), C),
        "/fhir/Appointment/{id}" | "/fhir/Appointment/{id}/_history/{vid}" if get => {
            (Patient("patient/Appointment.r"), R)
        }
        "/fhir/Appointment/{id}/$cancel" | "/fhir/Appointment/{id}/$reschedule" if post => {
            (Patient("patient/Appointment.u"), U)
        }
        "/fhir/Appointment/{id}/$check-in" if post => (Patient("patient/Encounter.c"), C),
        "/fhir/Encounter/{id}"
        | "/fhir/Encounter/{id}/_history/{vid}"
        | "/api/queue/{id}"
        | "/api/queue/{id}/events"
            if get =>
        {
            (Patient("patient/Encounter.r"), R)
        }
        "/fhir/Encounter" if get => (Patient("patient/Encounter.s"), R),
        "/fhir/Schedule" if get => (Patient("patient/Schedule.s"), R),
        "/fhir/Slot" if get => (Patient("patient/Slot.s"), R),
        "/fhir" | "/fhir/" if post => (PatientPerEntry, C),
        "/fhir/MedicationRequest" if get => (Patient("patient/MedicationRequest.s"), R),
        "/fhir/MedicationAdministration" if get => {
            (Patient("patient/MedicationAdministration.s"), R)
        }
        "/fhir/MedicationAdministration" if post => {
            (Patient("patient/MedicationAdministration.c"), C)
        }
        "/fhir/Observation" if get => (Patient("patient/Observation.s"), R),
        "/fhir/Observation" if post => (PatientOrDevice("patient/Observation.c", CLINIC_DEVICE), C),
        "/fhir/Questionnaire/{id}" if get => (Patient("patient/Questionnaire.r"), R),
        "/fhir/QuestionnaireResponse" if get => (Patient("patient/QuestionnaireResponse.s"), R),
        "/fhir/QuestionnaireResponse" if post => (Patient("patient/QuestionnaireResponse.c"), C),
        "/fhir/AllergyIntolerance" if get => (Patient("patient/AllergyIntolerance.s"), R),
        "/fhir/CarePlan" if get => (Patient("patient/CarePlan.s"), R),
        "/fhir/Flag" if get => (Patient("patient/Flag.s"), R),
        "/fhir/Communication" if get => (Patient("patient/Communication.s"), R),
        "/api/care-team/events" if get => (Patient("patient/Flag.s"), R),
        "/fhir/Consent" if get => (Patient("patient/Consent.s"), R),
        "/fhir/RelatedPerson" if get => (Patient("patient/RelatedPerson.s"), R),
        "/api/care-circle" if get => (Patient(CARE_CIRCLE), R),
        "/api/care-circle/invitations" | "/api/care-circle/invitations/accept" if post => {
            (Patient(CARE_CIRCLE), C)
        }
        "/api/care-circle/consents/{id}/revoke" if post => (Patient(CARE_CIRCLE), U),
        "/api/care-circle/consents/{id}/alerts" if post => (Person(CARE_CIRCLE), U),
        "/api/care-circle/alerts" | "/api/care-circle/alerts/events" if get => {
            (Person(CARE_CIRCLE), R)
        }
        "/api/waitlist" if get => (Patient("hale/waitlist"), R),
        "/api/waitlist" if post => (Patient("hale/waitlist"), C),
        "/api/waitlist/{id}" if delete => (Patient("hale/waitlist"), D),
        "/api/waitlist/offers/{id}/accept" | "/api/waitlist/offers/{id}/decline" if post => {
            (Patient("hale/waitlist"), U)
        }
        "/api/car-parks" | "/api/parking/sessions" | "/api/parking/concessions" if get => {
            (Patient("hale/parking"), R)
        }
        "/api/parking/sessions" | "/api/parking/concessions" if post => {
            (Patient("hale/parking"), C)
        }
        "/api/parking/sessions/{id}/extend" | "/api/parking/sessions/{id}/end" if post => {
            (Patient("hale/parking"), U)
        }
        "/console/sign-in" if get || post => (Public, E),
        "/console/assets/{file}" if get => (Public, R),
        "/console" | "/console/worklist" | "/console/events" | "/console/admin" if get => {
            (Staff, R)
        }
        "/console/patients/{id}" if get => (Staff, R),
        "/console/sign-out" | "/console/patients/{id}/break-glass" if post => (Staff, E),
        "/console/tasks/{id}/{action}" if post => (Staff, U),
        "/console/patients/{id}/message"
        | "/console/patients/{id}/readings"
        | "/console/patients/{id}/prescriptions"
        | "/console/patients/{id}/next-steps"
            if post =>
        {
            (Staff, C)
        }
        "/console/patients/{id}/plan" | "/console/patients/{id}/unenrol" if post => (Staff, U),
        "/console/enrol" if post => (Staff, C),
        "/fhir/Subscription" if post => (Device("system/Subscription.c"), C),
        "/fhir/Subscription/{id}"
        | "/fhir/Subscription/{id}/$status"
        | "/fhir/Subscription/{id}/$events"
            if get =>
        {
            (Device("system/Subscription.r"), R)
        }
        "/fhir/Subscription/{id}" if delete => (Device("system/Subscription.d"), D),
        "/api/kiosk/check-in" if post => (Device(KIOSK), E),
        "/api/kiosk/form" if get => (Device(KIOSK), R),
        "/api/kiosk/form" if post => (Device(KIOSK), C),
        "/api/clinics/{clinic}/call-next" | "/api/encounters/{id}/finish" if post => {
            (Device(STAFF), U)
        }
        _ => return None,
    })
}

/// Who is calling, as the middleware found them.
#[derive(Debug, Clone)]
pub(crate) enum Principal {
    /// A patient, or a person they let help them (`helper`), for the patient `patient_id`.
    Patient {
        patient_id: String,
        scopes: Scopes,
        helper: Option<Helper>,
    },
    Device {
        device_id: String,
        scopes: Scopes,
    },
    Staff(crate::console::session::StaffSession),
}

/// A person acting for a patient who invited them (or whose guardian the hospital records
/// them as): their RelatedPerson, and the scopes the patient's consent allows now, which
/// narrow the token's own.
#[derive(Debug, Clone)]
pub(crate) struct Helper {
    pub related_person_id: String,
    /// What the consent opens now, or why it opens nothing (refused in `check`, so the
    /// refusal is audited).
    pub consent: Result<Scopes, CareCircleRefusal>,
}

impl Helper {
    fn refuse(&self, scope: &str) -> FhirError {
        match &self.consent {
            Err(ended) => FhirError::CareCircle(*ended),
            Ok(_) => FhirError::CareCircle(CareCircleRefusal::ConsentEnded(Denied::NotPermitted(
                crate::care_circle::permission_for(scope),
            ))),
        }
    }

    fn allows(&self, scope: &str) -> bool {
        self.consent.as_ref().is_ok_and(|c| c.allows(scope))
    }
}

/// Whether a caller holding `scopes` (and, for a helper, the patient's consent) may use `scope`.
fn allows(scopes: &Scopes, helper: Option<&Helper>, scope: &str) -> Result<(), FhirError> {
    if !scopes.allows(scope) {
        return Err(FhirError::Forbidden(format!("the token lacks {scope}")));
    }
    match helper {
        Some(h) if !h.allows(scope) => Err(h.refuse(scope)),
        _ => Ok(()),
    }
}

/// The patient a request is authorised for: every patient handler takes one, so no handler can
/// forget to authenticate.
#[derive(Debug, Clone)]
pub(crate) struct PatientToken {
    pub patient_id: String,
    scopes: Scopes,
    /// Set when a helper acts for the patient.
    pub helper: Option<Helper>,
}

impl PatientToken {
    /// Refuses a helper: what only the patient may do (choose who helps them, pay, …).
    pub fn require_patient_themself(&self) -> Result<(), FhirError> {
        match &self.helper {
            None => Ok(()),
            Some(h) => Err(h.refuse("hale/care-circle")),
        }
    }

    /// Who did this, for what a request creates: the patient, or the helper's RelatedPerson.
    pub fn actor(&self) -> (&'static str, &str) {
        match &self.helper {
            None => ("Patient", &self.patient_id),
            Some(h) => ("RelatedPerson", &h.related_person_id),
        }
    }

    /// Refuses access to any other patient's records.
    pub fn require_patient(&self, patient_id: &str) -> Result<(), FhirError> {
        if self.patient_id == patient_id {
            Ok(())
        } else {
            Err(FhirError::Forbidden(
                "this token is not for that patient".into(),
            ))
        }
    }

    /// Refuses an action the patient did not grant the app (or, for a helper, their consent
    /// does not allow).
    pub fn require_scope(&self, scope: &str) -> Result<(), FhirError> {
        allows(&self.scopes, self.helper.as_ref(), scope)
    }
}

/// The signed-in person behind a patient token, whoever they are looking after now: for
/// [`Access::Person`] routes, what is theirs alone.
#[derive(Debug, Clone)]
pub(crate) struct PersonToken {
    pub person_id: String,
}

impl FromRequestParts<ServerState> for PersonToken {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, state: &ServerState) -> Result<Self, FhirError> {
        match parts.extensions.get::<Principal>() {
            Some(Principal::Patient {
                patient_id,
                helper: None,
                ..
            }) => Ok(PersonToken {
                person_id: patient_id.clone(),
            }),
            Some(Principal::Patient {
                helper: Some(h), ..
            }) => {
                let person: Option<(String,)> =
                    sqlx::query_as("SELECT person_id FROM related_person WHERE id = $1")
                        .bind(&h.related_person_id)
                        .fetch_optional(&state.db)
                        .await?;
                person
                    .map(|(person_id,)| PersonToken { person_id })
                    .ok_or(FhirError::Unauthenticated)
            }
            Some(Principal::Device { .. } | Principal::Staff(_)) => Err(FhirError::Forbidden(
                "only a signed-in person has a care circle".into(),
            )),
            None => Err(FhirError::Unauthenticated),
        }
    }
}

/// A device (kiosk, staff console) authenticated by its bearer token.
#[derive(Debug, Clone)]
pub(crate) struct DeviceToken {
    pub device_id: String,
    pub scopes: Scopes,
}

impl FromRequestParts<ServerState> for PatientToken {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, _: &ServerState) -> Result<Self, FhirError> {
        match parts.extensions.get::<Principal>() {
            Some(Principal::Patient {
                patient_id,
                scopes,
                helper,
            }) => Ok(PatientToken {
                patient_id: patient_id.clone(),
                scopes: scopes.clone(),
                helper: helper.clone(),
            }),
            Some(Principal::Device { .. } | Principal::Staff(_)) => Err(FhirError::Forbidden(
                "a device may not read patient records here".into(),
            )),
            None => Err(FhirError::Unauthenticated),
        }
    }
}

impl FromRequestParts<ServerState> for DeviceToken {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, _: &ServerState) -> Result<Self, FhirError> {
        match parts.extensions.get::<Principal>() {
            Some(Principal::Device {
                device_id, scopes, ..
            }) => Ok(DeviceToken {
                device_id: device_id.clone(),
                scopes: scopes.clone(),
            }),
            Some(Principal::Patient { .. } | Principal::Staff(_)) => Err(FhirError::Forbidden(
                "only a registered device may do that".into(),
            )),
            None => Err(FhirError::Unauthenticated),
        }
    }
}

/// Who sends a reading: the patient (or their helper) from home, or a clinic's device at a
/// visit (the route's rule has checked the scope).
#[derive(Debug, Clone)]
pub(crate) enum Recorder {
    Patient(PatientToken),
    Clinic(DeviceToken),
}

impl FromRequestParts<ServerState> for Recorder {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, state: &ServerState) -> Result<Self, FhirError> {
        match parts.extensions.get::<Principal>() {
            Some(Principal::Device { .. }) => Ok(Self::Clinic(
                DeviceToken::from_request_parts(parts, state).await?,
            )),
            _ => Ok(Self::Patient(
                PatientToken::from_request_parts(parts, state).await?,
            )),
        }
    }
}

/// Lets a device's or staff member's handler name the patient it acted on (and a break-glass
/// read its reason), for the audit row.
#[derive(Debug, Clone, Default)]
pub(crate) struct Audit(Arc<Mutex<AuditNote>>);

#[derive(Debug, Clone, Default)]
struct AuditNote {
    patient: Option<String>,
    reason: Option<String>,
}

impl Audit {
    pub fn patient(&self, patient_id: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).patient = Some(patient_id.to_owned());
    }

    /// The stated reason for reading outside one's team ("break glass").
    pub fn reason(&self, reason: &str) {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).reason = Some(reason.to_owned());
    }

    fn note(&self) -> AuditNote {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl FromRequestParts<ServerState> for Audit {
    type Rejection = FhirError;

    async fn from_request_parts(parts: &mut Parts, _: &ServerState) -> Result<Self, FhirError> {
        Ok(parts.extensions.get::<Audit>().cloned().unwrap_or_default())
    }
}

/// A method the route has no rule for: 405 with the methods it does take (`Allow`), or, for a
/// route with no rule at all (a mistake in this table), 403.
fn not_allowed(route: &str) -> Response {
    let allowed: Vec<&str> = [
        Method::GET,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
    ]
    .iter()
    .filter(|m| rule(m, route).is_some())
    .map(Method::as_str)
    .collect();
    if allowed.is_empty() {
        return FhirError::Forbidden("no access rule for this route".into()).into_response();
    }
    let mut response = FhirError::MethodNotAllowed(allowed.join(", ")).into_response();
    if let Ok(allow) = axum::http::HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, allow);
    }
    response
}

/// Checks the caller against the route's rule, then records the request in the audit log.
pub(crate) async fn authorize(
    State(state): State<ServerState>,
    mut req: Request,
    next: Next,
) -> Response {
    let Some(route) = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
    else {
        return next.run(req).await;
    };
    let Some((access, action)) = rule(req.method(), &route) else {
        return not_allowed(&route);
    };
    if access == Access::Public {
        return next.run(req).await;
    }
    let found = if access == Access::Staff {
        crate::console::session::from_cookie(&state, req.headers())
            .await
            .map(Principal::Staff)
    } else {
        principal(&state, req.headers()).await
    };
    let principal = match found {
        Ok(p) => p,
        // The console's pages send a person without a session to its sign-in page.
        Err(FhirError::Unauthenticated) if access == Access::Staff => {
            return crate::console::session::to_sign_in(req.method());
        }
        Err(e) => return e.into_response(),
    };
    let audit = Audit::default();
    // A refused attempt by a known caller is audited too: probing is worth seeing.
    let response = match check(access, &principal) {
        Ok(()) => {
            req.extensions_mut().insert(principal.clone());
            req.extensions_mut().insert(audit.clone());
            next.run(req).await
        }
        Err(e) => e.into_response(),
    };
    let note = audit.note();
    let (actor_kind, actor_id, patient) = match &principal {
        Principal::Patient {
            patient_id,
            helper: Some(h),
            ..
        } => (
            "related-person",
            &h.related_person_id,
            Some(patient_id.clone()),
        ),
        Principal::Patient { patient_id, .. } => ("patient", patient_id, Some(patient_id.clone())),
        Principal::Device { device_id, .. } => ("device", device_id, note.patient),
        Principal::Staff(s) => ("staff", &s.id, note.patient),
    };
    write_audit(
        &state,
        AuditRow {
            actor_kind,
            actor_id,
            patient: patient.as_deref(),
            action: action.code(),
            route: &route,
            status: response.status().as_u16(),
            reason: note.reason.as_deref(),
        },
    )
    .await;
    response
}

/// One row of the audit log: who did what to whose records, and how it ended.
pub(crate) struct AuditRow<'a> {
    /// `patient`, `related-person`, `device`, `staff`, or `share` (a share code's browser).
    pub actor_kind: &'a str,
    pub actor_id: &'a str,
    pub patient: Option<&'a str>,
    /// A FHIR AuditEvent action code.
    pub action: &'a str,
    pub route: &'a str,
    pub status: u16,
    pub reason: Option<&'a str>,
}

/// Writes `row` to the audit log. The answer is already made: losing its row is logged
/// loudly, not hidden.
pub(crate) async fn write_audit(state: &ServerState, row: AuditRow<'_>) {
    let recorded = sqlx::query(
        "INSERT INTO audit_event (recorded_at, actor_kind, actor_id, patient_id, action, route, status, reason) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(Time(Utc::now()))
    .bind(row.actor_kind)
    .bind(row.actor_id)
    .bind(row.patient)
    .bind(row.action)
    .bind(row.route)
    .bind(i64::from(row.status))
    .bind(row.reason)
    .execute(&state.db)
    .await;
    if let Err(e) = recorded {
        tracing::error!(error = %e, route = row.route, "audit row not written");
    }
}

fn check(access: Access, principal: &Principal) -> Result<(), FhirError> {
    let denied = |why: &str| Err(FhirError::Forbidden(why.to_owned()));
    match (access, principal) {
        (Access::Public, _) => Ok(()),
        // Each entry's scope is checked by the handler; a helper whose consent ended is
        // refused here, before any entry.
        (Access::PatientPerEntry, Principal::Patient { helper, .. }) => match helper {
            Some(Helper {
                consent: Err(ended),
                ..
            }) => Err(FhirError::CareCircle(*ended)),
            _ => Ok(()),
        },
        (
            Access::Patient(scope) | Access::PatientOrDevice(scope, _),
            Principal::Patient { scopes, helper, .. },
        ) => allows(scopes, helper.as_ref(), scope),
        (Access::Person(scope), Principal::Patient { scopes, .. }) => {
            if scopes.allows(scope) {
                Ok(())
            } else {
                Err(FhirError::Forbidden(format!("the token lacks {scope}")))
            }
        }
        (
            Access::Device(scope) | Access::PatientOrDevice(_, scope),
            Principal::Device { scopes, .. },
        ) => {
            if scopes.allows(scope) {
                Ok(())
            } else {
                denied("this device may not do that")
            }
        }
        (
            Access::Patient(_) | Access::PatientPerEntry | Access::Person(_),
            Principal::Device { .. },
        ) => denied("a device may not use a patient's endpoint"),
        (Access::Device(_), Principal::Patient { .. }) => {
            denied("only a registered device may do that")
        }
        (Access::Staff, Principal::Staff(_)) => Ok(()),
        (Access::Staff, _) => denied("only a signed-in member of staff may do that"),
        (_, Principal::Staff(_)) => denied("the console's session is for the console only"),
    }
}

/// When the patient access token with this hash stops working, if it works now (not expired,
/// its sign-in not revoked, and, for a helper, the patient's consent still allowing something):
/// live streams ask before each update, so a revocation ends a helper's open stream too.
pub(crate) async fn access_token_expiry(
    state: &ServerState,
    hash: &str,
    scope: &str,
    now: chrono::DateTime<Utc>,
) -> Option<chrono::DateTime<Utc>> {
    let row: Result<Option<(Time, String, Option<String>)>, _> = sqlx::query_as(
        "SELECT expires_at, patient_id, related_person_id FROM access_token \
         WHERE token_hash = $1 \
         AND (grant_id IS NULL OR grant_id NOT IN (SELECT grant_id FROM revoked_grant))",
    )
    .bind(hash)
    .fetch_optional(&state.db)
    .await;
    let Ok(Some((expires, patient, related_person))) = row else {
        return None;
    };
    // The care circle's scope is the person's own (their alerts as a helper): no consent
    // opens or closes it.
    if let Some(rp) = related_person.filter(|_| scope != CARE_CIRCLE) {
        let mut conn = state.db.acquire().await.ok()?;
        let opens = crate::care_circle::consent_scopes(state, &mut conn, &rp, &patient, now)
            .await
            .ok()?
            .ok()?;
        if !opens.allows(scope) {
            return None;
        }
    }
    (expires.0 > now).then_some(expires.0)
}

/// Finds the live token in the `Authorization` header: a patient's, else a device's.
async fn principal(
    state: &ServerState,
    headers: &axum::http::HeaderMap,
) -> Result<Principal, FhirError> {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(FhirError::Unauthenticated)?;
    let hash = hash_token(token);
    let now = Utc::now();
    let patient: Option<(String, String, Time, Option<String>)> = sqlx::query_as(
        "SELECT patient_id, scope, expires_at, related_person_id FROM access_token \
         WHERE token_hash = $1 \
         AND (grant_id IS NULL OR grant_id NOT IN (SELECT grant_id FROM revoked_grant))",
    )
    .bind(&hash)
    .fetch_optional(&state.db)
    .await?;
    if let Some((patient_id, scope, expires_at, related_person)) = patient {
        if expires_at.0 <= now {
            return Err(FhirError::Unauthenticated);
        }
        // A helper's consent is read at every request: a revocation or an end takes effect at
        // their next one.
        let helper = match related_person {
            None => None,
            Some(related_person_id) => {
                let mut conn = state.db.acquire().await?;
                let consent = crate::care_circle::consent_scopes(
                    state,
                    &mut conn,
                    &related_person_id,
                    &patient_id,
                    now,
                )
                .await?;
                Some(Helper {
                    related_person_id,
                    consent,
                })
            }
        };
        return Ok(Principal::Patient {
            patient_id,
            scopes: Scopes::parse(&scope),
            helper,
        });
    }
    // Checked against the device's registration as it is now: a revoked or removed device's
    // tokens stop at once, and a narrowed registration narrows its tokens.
    let device: Option<(String, String, String, Time)> = sqlx::query_as(
        "SELECT t.device_id, t.scope, d.scope, t.expires_at FROM device_token t \
         JOIN device d ON d.id = t.device_id \
         WHERE t.token_hash = $1 AND d.revoked_at IS NULL",
    )
    .bind(&hash)
    .fetch_optional(&state.db)
    .await?;
    match device {
        Some((device_id, scope, registered, expires_at)) if expires_at.0 > now => {
            Ok(Principal::Device {
                device_id,
                scopes: Scopes::granted(&scope, &Scopes::parse(&registered)),
            })
        }
        _ => Err(FhirError::Unauthenticated),
    }
}

pub(crate) fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn new_token() -> Result<String, FhirError> {
    let bytes = crate::random::bytes::<32>()?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_hashes_are_hex_sha256() {
        assert_eq!(
            hash_token("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    fn patient(scope: &str) -> Principal {
        Principal::Patient {
            patient_id: "pt-1".into(),
            scopes: Scopes::parse(scope),
            helper: None,
        }
    }

    fn device(scope: &str) -> Principal {
        Principal::Device {
            device_id: "kiosk".into(),
            scopes: Scopes::parse(scope),
        }
    }

    #[test]
    fn a_token_for_one_patient_refuses_another() {
        let t = PatientToken {
            patient_id: "pt-1".into(),
            scopes: Scopes::default(),
            helper: None,
        };
        assert!(t.require_patient("pt-1").is_ok());
        assert!(matches!(
            t.require_patient("pt-2"),
            Err(FhirError::Forbidden(_))
        ));
    }

    #[test]
    fn rules_need_the_scope_and_the_kind_of_caller() {
        let book = rule(&Method::POST, "/fhir/Appointment").unwrap().0;
        assert!(check(book, &patient("patient/Appointment.crus")).is_ok());
        assert!(check(book, &patient("patient/Appointment.rs")).is_err());
        assert!(check(book, &device("patient/Appointment.c hale/check-in")).is_err());
        let kiosk = rule(&Method::POST, "/api/kiosk/check-in").unwrap().0;
        assert!(check(kiosk, &device("system/Encounter.c hale/check-in")).is_ok());
        assert!(check(kiosk, &device("hale/queue")).is_err());
        assert!(check(kiosk, &patient("hale/check-in")).is_err());
        // The shared staff-console secret keeps device jobs only: it reads no patient data.
        let readings = rule(&Method::GET, "/fhir/Observation").unwrap().0;
        assert!(check(readings, &device("hale/queue")).is_err());
        assert!(check(readings, &device("hale/check-in")).is_err());
    }

    #[test]
    fn unknown_routes_and_methods_have_no_rule() {
        assert!(rule(&Method::GET, "/fhir/AuditEvent").is_none());
        assert!(rule(&Method::DELETE, "/fhir/Appointment/{id}").is_none());
        assert!(rule(&Method::PUT, "/api/waiting-times").is_none());
    }
}
