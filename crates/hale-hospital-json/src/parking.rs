//! Parking, part of Hale's JSON API beside FHIR (`/api/parking`, `/api/car-parks`): FHIR has no
//! resources for car parks, tariffs or parking payments. Documented in `docs/hospital-api.md`.

use chrono::{DateTime, NaiveDate, Utc};
use hale_domain::parking::{ConcessionKind, Relief, Tariff};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarPark {
    pub id: String,
    pub name: String,
    pub location: String,
    pub capacity: u32,
    pub free_spaces: u32,
    /// Ids of the clinics it is nearest to.
    pub clinics: Vec<String>,
    /// Their names, in the same order (what appointments call their service).
    #[serde(default)]
    pub clinic_names: Vec<String>,
    pub tariff: Tariff,
}

/// Card details for the reference server's sandbox processor. A real deployment would take a
/// token from its payment provider's own form instead. The server keeps the last 4 digits and
/// the processor's token of the card (to charge an extension), never the number.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Card {
    pub number: String,
    /// MM/YY.
    pub expiry: String,
    pub cvc: String,
}

impl std::fmt::Debug for Card {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Card(<redacted>)")
    }
}

/// `POST /api/parking/sessions`: buy `minutes` of parking now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartParking {
    pub car_park: String,
    pub registration: String,
    pub minutes: u32,
    pub card: Card,
    /// Chosen once per payment decision; a retry with the same key never charges twice.
    pub idempotency_key: String,
    /// The price the patient was shown; when it differs from what is due, nothing is charged
    /// and the answer is `price-changed`. Absent from older apps, which are charged the price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted_pence: Option<u32>,
}

/// `POST /api/parking/sessions/{id}/extend`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtendParking {
    pub minutes: u32,
    /// Absent: charge the card saved with the session at the processor (`card-needed` when
    /// there is none).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<Card>,
    pub idempotency_key: String,
    /// As for [`StartParking`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quoted_pence: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    pub id: String,
    /// Printed on the receipt, e.g. `HALE-PK-000123`.
    pub number: String,
    /// `start` or `extend`.
    pub purpose: String,
    pub minutes: u32,
    pub amount_pence: u32,
    pub card_last4: String,
    pub created: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkingSession {
    pub id: String,
    pub car_park: String,
    pub car_park_name: String,
    pub registration: String,
    pub started: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ended: Option<DateTime<Utc>>,
    pub paid_pence: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relief: Option<Relief>,
    /// The last four digits of the card the processor keeps a token of for this session.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub saved_card_last4: Option<String>,
    pub receipts: Vec<Receipt>,
}

/// `POST /api/parking/concessions`: apply, with what the concession needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyConcession {
    pub kind: ConcessionKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blue_badge_number: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blue_badge_expiry: Option<NaiveDate>,
}

/// The hospital's decision on a concession.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConcessionStatus {
    Approved,
    Refused,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Concession {
    pub id: String,
    pub kind: ConcessionKind,
    pub status: ConcessionStatus,
    pub reason: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relief: Option<Relief>,
    /// What it does today, decided again on today's records and policy: what payments are
    /// priced with. Absent when it no longer applies (a badge expired, a child discharged) or was
    /// refused.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relief_now: Option<Relief>,
    pub decided: DateTime<Utc>,
}
