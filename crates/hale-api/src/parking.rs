//! Parking: saved vehicles, car parks with prices, paying for a session, extending and ending
//! it, and receipts.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::{Freshness, NoArgs};

/// The durations the app offers, in minutes.
pub const PARKING_CHOICES: [u32; 5] = [30, 60, 120, 240, 480];

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParkingView {
    pub vehicles: Vec<VehicleView>,
    /// Empty when the hospital cannot be reached.
    pub car_parks: Vec<CarParkView>,
    /// Newest first; a running one first of all.
    pub sessions: Vec<ParkingSessionView>,
    /// Concession decisions, newest first (empty offline).
    pub concessions: Vec<ConcessionView>,
    pub freshness: Freshness,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConcessionKindView {
    BlueBadge,
    FrequentAttender,
    ParentOfInpatient,
}

/// What an approved concession does to the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReliefView {
    Free,
    /// Percent off, 1 to 99.
    PercentOff {
        percent: u8,
    },
    /// At most this much a day.
    DailyCap {
        pence: u32,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConcessionView {
    pub kind: ConcessionKindView,
    pub approved: bool,
    /// The hospital's reason, in words for the patient.
    pub reason: String,
    /// What it does, when approved.
    pub effect: Option<ReliefView>,
    /// Approved and still applying today (a badge can expire, a child be discharged): only
    /// these lower the price.
    pub applies_now: bool,
    pub decided: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplyConcessionArgs {
    pub kind: ConcessionKindView,
    #[serde(default)]
    pub blue_badge_number: Option<String>,
    /// YYYY-MM-DD.
    #[serde(default)]
    pub blue_badge_expiry: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleView {
    /// As on the plate, e.g. `AB12 CDE`.
    pub registration: String,
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CarParkView {
    pub id: String,
    pub name: String,
    pub location: String,
    pub free_spaces: u32,
    /// Nearest to the clinic of today's (or the next) appointment, with that clinic's name.
    pub suggested_for: Option<String>,
    /// (minutes, pence) for each of [`PARKING_CHOICES`], before concessions.
    pub prices: Vec<(u32, u32)>,
    /// (minutes, pence) for each of [`PARKING_CHOICES`], after the patient's concessions: what
    /// paying asks, and what is sent back as `quoted_pence`.
    pub prices_for_you: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ParkingSessionView {
    pub id: String,
    pub car_park_name: String,
    pub registration: String,
    pub started: DateTime<FixedOffset>,
    pub expires: DateTime<FixedOffset>,
    pub ended: Option<DateTime<FixedOffset>>,
    /// Running now: not ended and not expired.
    pub running: bool,
    pub paid_pence: u32,
    pub receipts: Vec<ReceiptView>,
    /// The last four digits of the card the hospital can charge again for this session.
    pub saved_card: Option<String>,
    /// (minutes, pence due) to extend it by each of [`PARKING_CHOICES`], after concessions;
    /// empty when it is not running (or offline).
    pub extend_prices: Vec<(u32, u32)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceiptView {
    pub number: String,
    pub purpose: ReceiptPurposeView,
    pub minutes: u32,
    pub amount_pence: u32,
    pub card_last4: String,
    pub created: DateTime<FixedOffset>,
}

/// What a payment bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptPurposeView {
    Start,
    Extend,
}

#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardArgs {
    pub number: String,
    /// MM/YY.
    pub expiry: String,
    pub cvc: String,
}

impl std::fmt::Debug for CardArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CardArgs(<redacted>)")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VehicleArgs {
    pub registration: String,
    #[serde(default)]
    pub label: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartParkingArgs {
    pub car_park_id: String,
    pub registration: String,
    pub minutes: u32,
    /// The price the patient was shown (`prices_for_you`); the hospital charges no other.
    pub quoted_pence: u32,
    pub card: CardArgs,
    /// Made once per payment confirmation, so a retry never pays twice.
    pub request_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExtendParkingArgs {
    pub session_id: String,
    pub minutes: u32,
    /// As shown (`extend_prices`).
    pub quoted_pence: u32,
    /// `None`: the card saved with the session (`saved_card`), never typed again.
    pub card: Option<CardArgs>,
    pub request_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ParkingSessionArgs {
    pub session_id: String,
}

command!(
    /// Vehicles, car parks (with prices) and sessions with receipts.
    GetParking = "get_parking", NoArgs => ParkingView
);
command!(
    /// Saves a vehicle on this device (its registration is checked).
    SaveVehicle = "save_vehicle", VehicleArgs => VehicleView
);
command!(
    RemoveVehicle = "remove_vehicle", VehicleArgs => ()
);
command!(
    /// Pays for parking from now.
    StartParking = "start_parking", StartParkingArgs => ParkingSessionView
);
command!(
    ExtendParking = "extend_parking", ExtendParkingArgs => ParkingSessionView
);
command!(
    EndParking = "end_parking", ParkingSessionArgs => ParkingSessionView
);
command!(
    /// Applies for a parking concession; the hospital decides at once and says why.
    ApplyConcession = "apply_concession", ApplyConcessionArgs => ConcessionView
);
