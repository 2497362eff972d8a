//! Arrival, queues and waiting times: part of Hale's JSON API beside FHIR (`/api`). FHIR has the
//! Encounter a check-in opens, but nothing for a queue position, an estimate or a department's
//! waiting time. Documented in `docs/hospital-api.md`; times are RFC 3339 UTC.

use chrono::{DateTime, Utc};
use hale_domain::queue::FormGrant;
use serde::{Deserialize, Serialize};

/// One department on the waiting-times board.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicWaitingTime {
    pub clinic: String,
    pub name: String,
    pub location: String,
    /// Checked in and not yet called.
    pub waiting: u32,
    /// How long someone joining the back of the queue now can expect to wait.
    pub estimate_minutes: i64,
    /// How far behind its appointment times the clinic runs.
    pub running_late_minutes: i64,
}

/// `GET /api/waiting-times` and each event of `/api/waiting-times/events`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitingTimes {
    pub updated: DateTime<Utc>,
    pub clinics: Vec<ClinicWaitingTime>,
}

/// Where a checked-in patient's visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum QueueState {
    /// Checked in, waiting to be called.
    Waiting,
    /// Called to a room.
    Called,
    /// Seen, or no longer in the queue.
    Finished,
}

/// Where a checked-in patient is: `GET /api/queue/{encounter}` and its event stream.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStatus {
    pub encounter: String,
    pub appointment: Option<String>,
    pub state: QueueState,
    pub clinic: String,
    pub location: String,
    /// 1 for the next to be called; only while waiting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub estimate_minutes: Option<i64>,
    /// The room the patient is called to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub room: Option<String>,
    pub updated: DateTime<Utc>,
}

/// `POST /api/kiosk/check-in`: what the patient typed or scanned at the kiosk.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskCheckIn {
    pub reference: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
}

/// What the kiosk shows. Every outcome is explicit; "not matched" never says which of the two
/// details was wrong, so a kiosk cannot be used to probe references.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum KioskOutcome {
    CheckedIn {
        clinic: String,
        location: String,
        position: u32,
        estimate_minutes: i64,
        /// A grant to offer the appointment's pre-visit form at this kiosk, when it has one
        /// not yet answered. Sent back in [`KIOSK_FORM_GRANT`]; it names nothing of the patient.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        form_grant: Option<FormGrant>,
    },
    /// Matched, but check-in is not possible here; `reason` is a refusal code such as
    /// `arrival-too-early`, `arrival-too-late` or `not-checkable`. When it is too early,
    /// `opens` says when check-in opens; it is told only once the person has matched.
    SeeReception {
        reason: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        opens: Option<DateTime<Utc>>,
    },
    NotMatched,
    /// Too many failed attempts from this kiosk or for this reference.
    TooManyAttempts,
}

/// The header a kiosk sends its form grant in, to `GET` and `POST /api/kiosk/form`.
pub const KIOSK_FORM_GRANT: &str = "Hale-Kiosk-Form";

/// `GET /api/kiosk/form`: the form the grant is for, and what it is for, without who.
/// `Q` is the FHIR Questionnaire (this crate speaks no FHIR itself).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KioskForm<Q> {
    /// The clinic the appointment is with.
    pub service: String,
    pub start: DateTime<Utc>,
    pub questionnaire: Q,
}

/// `POST /api/clinics/{clinic}/call-next` (staff): who was called to which room.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallNext {
    pub room: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Called {
    pub encounter: String,
    pub room: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kiosk_outcomes_are_tagged() {
        let json = serde_json::to_value(KioskOutcome::NotMatched).unwrap();
        assert_eq!(json, serde_json::json!({"outcome": "not_matched"}));
        let json = serde_json::to_value(KioskOutcome::SeeReception {
            reason: "arrival-too-late".into(),
            opens: None,
        })
        .unwrap();
        assert_eq!(json["outcome"], "see_reception");
        assert_eq!(json["reason"], "arrival-too-late");
        assert!(json.get("opens").is_none(), "{json}");
    }
}
