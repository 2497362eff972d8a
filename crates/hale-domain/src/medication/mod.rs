//! Medicines: dosage schedules in FHIR `Timing` semantics ([`timing`]), what the patient
//! recorded for each dose and how well the schedule was kept ([`adherence`]), and how long the
//! supply lasts ([`supply`]).
//!
//! A medicine's doses are named by their slot (see [`timing::DoseSlot`]): a wall-clock slot such
//! as "2026-12-02T08:00" for a schedule that keeps local time, an instant for an exact-interval
//! one. The record of a dose is keyed by medicine and slot, so a dose is due, reminded, logged
//! and sent to the hospital at most once, whatever restarts, sleeps or zone changes happen.
//!
//! **Travelling.** Wall-clock doses follow the device: a dose at 08:00 is due at 08:00 in the zone
//! the device is in now. Flying east or west therefore shortens or lengthens one interval, and
//! a slot already logged in the old zone is not due again in the new one (same slot name).
//! Exact-interval doses (e.g. every 36 hours) keep their spacing, counted from the course's
//! start read in the device's zone; a zone change mid-course moves them by the difference (a
//! known limit for these rare schedules, see `timing`).

pub mod adherence;
pub mod overview;
pub mod own;
pub mod supply;
pub mod timing;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use timing::DosageStep;

/// Where a medicine on the patient's list came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// A prescription (FHIR MedicationRequest) from the hospital.
    Prescription,
    /// A medicine the patient added on the device.
    Own,
}

/// A medicine taken only when needed ("as needed", FHIR `Dosage.asNeededBoolean`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AsNeeded {
    pub dose: Option<f64>,
    /// At most this many doses in 24 hours, when the prescription says.
    pub max_per_day: Option<u32>,
}

/// One medicine on the patient's list, with its schedule.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Medicine {
    /// `rx:{MedicationRequest id}` for a prescription, `own:{id}` for one the patient added.
    pub id: String,
    pub name: String,
    /// The prescriber's words, e.g. "1 tablet twice a day with breakfast and dinner".
    pub instructions: Option<String>,
    pub source: Source,
    /// The scheduled course, in order; empty for a medicine taken only as needed.
    pub steps: Vec<DosageStep>,
    pub as_needed: Option<AsNeeded>,
    /// The unit of a dose and of the supply, e.g. "tablet".
    pub unit: Option<String>,
    /// False once the prescription is stopped or completed, or the patient removed it.
    pub active: bool,
}

impl Medicine {
    /// The key of one dose of this medicine: `{id}@{slot}`. Stable, and the identifier the
    /// hospital de-duplicates on.
    pub fn dose_key(&self, slot: &str) -> String {
        format!("{}@{}", self.id, slot)
    }

    /// The slot name of an as-needed dose taken at `at` (to the second, so two puffs a minute
    /// apart are two doses).
    pub fn as_needed_slot(at: DateTime<Utc>) -> String {
        format!("prn-{}", at.format("%Y-%m-%dT%H:%M:%SZ"))
    }

    /// Whether `slot` is an as-needed dose's ([`Self::as_needed_slot`]), not a scheduled one's.
    pub fn is_as_needed_slot(slot: &str) -> bool {
        slot.starts_with("prn-")
    }
}

/// Why a dose was not taken, in the patient's words from a short list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReason {
    FeltUnwell,
    SideEffects,
    RanOut,
    ClinicianAdvice,
    Other,
}

impl SkipReason {
    pub const ALL: [SkipReason; 5] = [
        SkipReason::FeltUnwell,
        SkipReason::SideEffects,
        SkipReason::RanOut,
        SkipReason::ClinicianAdvice,
        SkipReason::Other,
    ];

    /// The stable code, for storage and for FHIR `statusReason`.
    pub fn code(self) -> &'static str {
        match self {
            SkipReason::FeltUnwell => "felt-unwell",
            SkipReason::SideEffects => "side-effects",
            SkipReason::RanOut => "ran-out",
            SkipReason::ClinicianAdvice => "clinician-advice",
            SkipReason::Other => "other",
        }
    }

    pub fn from_code(code: &str) -> Option<SkipReason> {
        SkipReason::ALL.into_iter().find(|r| r.code() == code)
    }

    /// What the patient reads.
    pub fn label(self) -> &'static str {
        match self {
            SkipReason::FeltUnwell => "I felt unwell",
            SkipReason::SideEffects => "Side effects",
            SkipReason::RanOut => "I ran out",
            SkipReason::ClinicianAdvice => "My doctor or nurse said to",
            SkipReason::Other => "Another reason",
        }
    }
}

/// What the patient recorded for a dose.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Taken, with the amount when it differs from the prescribed dose or is known.
    Taken {
        amount: Option<f64>,
    },
    Skipped {
        reason: SkipReason,
    },
}

/// One dose record: the patient's word on one dose, kept on the device and sent to the hospital.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseRecord {
    pub medicine_id: String,
    /// The dose's slot key ([`timing::DoseSlot::key`]), or [`Medicine::as_needed_slot`].
    pub slot: String,
    /// When the schedule wanted it; `None` for an as-needed dose.
    pub due: Option<DateTime<Utc>>,
    pub outcome: Outcome,
    /// When it was taken or skipped (the patient may say "I took it at 08:10" later).
    pub at: DateTime<Utc>,
}

impl DoseRecord {
    pub fn key(&self) -> String {
        format!("{}@{}", self.medicine_id, self.slot)
    }
}
