//! A patient's parking as the app holds it: car parks, sessions with their receipts, concession
//! decisions. The hospital client maps the hospital's JSON to these; the local store keeps them
//! in typed rows.

use chrono::{DateTime, NaiveDate, Utc};

use super::{ConcessionKind, Relief, Tariff};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarPark {
    pub id: String,
    pub name: String,
    pub location: String,
    pub free_spaces: u32,
    /// The names of the clinics it is nearest to (what appointments call their service).
    pub clinic_names: Vec<String>,
    pub tariff: Tariff,
}

/// A paid stay in a car park.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkingSession {
    pub id: String,
    pub car_park: String,
    pub car_park_name: String,
    pub registration: String,
    pub started: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    /// When the car left, if the patient ended the session.
    pub ended: Option<DateTime<Utc>>,
    pub paid_pence: u32,
    /// The concession applied to its price, if any.
    pub relief: Option<Relief>,
    /// The last four digits of the card saved for this session at the hospital's card
    /// processor, which an extension can charge again without the number.
    pub saved_card_last4: Option<String>,
    /// Oldest first.
    pub receipts: Vec<Receipt>,
}

impl ParkingSession {
    /// Running at `now`: not ended, not expired.
    pub fn is_running(&self, now: DateTime<Utc>) -> bool {
        self.ended.is_none() && self.expires > now
    }
}

/// One payment decision: how long, the price the patient was shown for it (the hospital
/// refuses to charge another), and the key that makes a retry charge once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Purchase<'a> {
    pub minutes: u32,
    pub quoted_pence: u32,
    pub key: &'a str,
}

/// What a payment bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReceiptPurpose {
    Start,
    Extend,
}

impl ReceiptPurpose {
    pub fn code(self) -> &'static str {
        match self {
            Self::Start => "start",
            Self::Extend => "extend",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Start, Self::Extend]
            .into_iter()
            .find(|p| p.code() == code)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub id: String,
    /// Printed on the receipt, e.g. `HALE-PK-000123`.
    pub number: String,
    pub purpose: ReceiptPurpose,
    pub minutes: u32,
    pub amount_pence: u32,
    pub card_last4: String,
    pub created: DateTime<Utc>,
}

/// Card details as the patient typed them, for one payment. Never stored; never logged.
#[derive(Clone, PartialEq, Eq)]
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

/// An application for a concession, with what that concession needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConcessionApplication {
    pub kind: ConcessionKind,
    pub blue_badge_number: Option<String>,
    pub blue_badge_expiry: Option<NaiveDate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ConcessionStatus {
    Approved,
    Refused,
}

/// The hospital's decision on a concession, with its reason in the hospital's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concession {
    pub id: String,
    pub kind: ConcessionKind,
    pub status: ConcessionStatus,
    pub reason: String,
    pub relief: Option<Relief>,
    /// What it does today, as the hospital decided it again on today's records; `None` once it
    /// no longer applies. Payments are priced with this.
    pub relief_now: Option<Relief>,
    pub decided: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_receipt_purpose_reads_back_from_its_code() {
        for p in [ReceiptPurpose::Start, ReceiptPurpose::Extend] {
            assert_eq!(ReceiptPurpose::from_code(p.code()), Some(p));
        }
        assert_eq!(ReceiptPurpose::from_code("refund"), None);
    }

    #[test]
    fn a_session_runs_until_it_expires_or_ends() {
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let mut s = ParkingSession {
            id: "pk-1".into(),
            car_park: "cp-a".into(),
            car_park_name: "Car park A".into(),
            registration: "AB12CDE".into(),
            started: t("2026-12-04T09:00:00Z"),
            expires: t("2026-12-04T11:00:00Z"),
            ended: None,
            paid_pence: 400,
            relief: None,
            saved_card_last4: None,
            receipts: Vec::new(),
        };
        assert!(s.is_running(t("2026-12-04T10:59:00Z")));
        assert!(!s.is_running(t("2026-12-04T11:00:00Z")));
        s.ended = Some(t("2026-12-04T10:00:00Z"));
        assert!(!s.is_running(t("2026-12-04T10:30:00Z")));
    }

    #[test]
    fn a_card_never_shows_in_debug_output() {
        let card = Card {
            number: "4242424242424242".into(),
            expiry: "12/30".into(),
            cvc: "123".into(),
        };
        let shown = format!("{card:?}");
        assert!(!shown.contains("4242") && !shown.contains("123"));
    }
}
