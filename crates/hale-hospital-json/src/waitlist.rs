//! The earlier-slot waitlist, part of Hale's small JSON API beside FHIR (`/api/waitlist`).
//!
//! FHIR R4 can mark an appointment `waitlist` but has no resource for "offer me an earlier time
//! for this booked appointment, and hold what you find for a while", so this is plain JSON,
//! documented in `docs/hospital-api.md`. Times are RFC 3339 UTC.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /api/waitlist`: ask for an earlier time for a booked appointment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JoinWaitlist {
    /// The id of the patient's booked appointment.
    pub appointment: String,
    /// Nothing starting earlier than this is wanted; absent means "as soon as possible".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_before: Option<DateTime<Utc>>,
}

/// A waitlist entry with its open offer, if any.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistEntry {
    pub id: String,
    pub appointment: String,
    pub not_before: DateTime<Utc>,
    pub created: DateTime<Utc>,
    pub status: WaitlistStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer: Option<WaitlistOffer>,
}

/// Where a waitlist entry stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WaitlistStatus {
    /// Still looking for an earlier slot.
    Waiting,
    /// An offer was accepted: the appointment moved.
    Fulfilled,
    /// The patient left the waitlist, or the appointment ended.
    Withdrawn,
}

impl WaitlistStatus {
    /// The status as it travels and as a hospital stores it.
    pub fn code(self) -> &'static str {
        match self {
            Self::Waiting => "waiting",
            Self::Fulfilled => "fulfilled",
            Self::Withdrawn => "withdrawn",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Waiting, Self::Fulfilled, Self::Withdrawn]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// An earlier slot held for the patient until `expires`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistOffer {
    pub id: String,
    /// The held slot's id (FHIR `Slot.id`).
    pub slot: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    pub service: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinician: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub expires: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_without_an_offer_omits_it() {
        let entry = WaitlistEntry {
            id: "wl-1".into(),
            appointment: "ap-1".into(),
            not_before: "2026-12-01T00:00:00Z".parse().unwrap(),
            created: "2026-11-25T10:00:00Z".parse().unwrap(),
            status: WaitlistStatus::Waiting,
            offer: None,
        };
        let json = serde_json::to_value(&entry).unwrap();
        assert!(json.get("offer").is_none());
        assert_eq!(json["status"], "waiting");
        assert_eq!(json["not_before"], "2026-12-01T00:00:00Z");
        assert_eq!(
            serde_json::from_value::<WaitlistEntry>(json).unwrap(),
            entry
        );
    }

    #[test]
    fn every_status_reads_back_from_its_code_as_it_travels() {
        for status in [
            WaitlistStatus::Waiting,
            WaitlistStatus::Fulfilled,
            WaitlistStatus::Withdrawn,
        ] {
            assert_eq!(WaitlistStatus::from_code(status.code()), Some(status));
            assert_eq!(serde_json::to_value(status).unwrap(), status.code());
        }
        assert_eq!(WaitlistStatus::from_code("pending"), None);
    }
}
