//! Medicines: the list, today's doses, logging and snoozing, adherence, supply, and medicines
//! the patient adds.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::{Freshness, NoArgs};

/// Every medicines command answers with the whole screen, so it never shows a stale part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedicinesView {
    /// Today's doses, and earlier ones still due or missed, by time.
    pub doses: Vec<DoseView>,
    pub medicines: Vec<MedicineView>,
    pub week: TallyView,
    pub month: TallyView,
    /// The last 30 days, oldest first, for the chart.
    pub daily: Vec<DayView>,
    /// Dose records the hospital has not confirmed yet.
    pub unsynced: u32,
    /// The reasons a patient can give for skipping a dose, in the order to offer them.
    pub skip_reasons: Vec<SkipReasonView>,
    pub freshness: Freshness,
    /// The dose just logged, while it can still be taken back (`UndoDose`); only in the answer
    /// to `LogDose`.
    pub undo: Option<UndoView>,
}

/// A dose record that stays on the device, and can be undone, until `until`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UndoView {
    pub medicine_id: String,
    pub slot: String,
    /// Logged as skipped, not taken.
    pub skipped: bool,
    pub until: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DoseView {
    pub medicine_id: String,
    pub name: String,
    /// Names the dose (with the medicine id) in `LogDose` and `SnoozeDose`.
    pub slot: String,
    /// In the device's local offset.
    pub due: DateTime<FixedOffset>,
    /// Amount per dose, in `unit` (e.g. 2 "tablet"), where the schedule gives one.
    pub dose: Option<f64>,
    pub unit: Option<String>,
    pub state: DoseStateView,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DoseStateView {
    Upcoming,
    /// Taken now, it is on time.
    Due,
    /// Overdue: taken now, it counts as late.
    Late,
    Snoozed {
        until: DateTime<FixedOffset>,
    },
    Missed,
    Taken {
        at: DateTime<FixedOffset>,
        late: bool,
    },
    Skipped,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TallyView {
    pub taken: u32,
    pub late: u32,
    pub skipped: u32,
    pub missed: u32,
    /// Taken as a share of the settled doses; `None` before any dose settled.
    pub percent: Option<u8>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayView {
    pub date: NaiveDate,
    pub tally: TallyView,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MedicineSource {
    Prescription,
    Own,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MedicineView {
    pub id: String,
    pub name: String,
    pub source: MedicineSource,
    /// The prescriber's words, if any.
    pub instructions: Option<String>,
    /// The schedule, where it is one a patient can choose (the UI words it when there are no
    /// instructions); `None` for other prescription schedules.
    pub schedule: Option<ScheduleView>,
    /// "When needed" medicines have no doses on the list; the patient logs each one.
    pub as_needed: bool,
    /// At most this many doses in 24 hours, for a "when needed" medicine.
    pub max_per_day: Option<u32>,
    /// Doses of a "when needed" medicine in the last 24 hours.
    pub taken_last_day: u32,
    /// A schedule Hale cannot follow (it has no doses and is not "when needed").
    pub unscheduled: bool,
    pub unit: Option<String>,
    pub active: bool,
    pub supply: Option<SupplyView>,
    pub week: TallyView,
    pub month: TallyView,
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct SupplyView {
    pub remaining: f64,
    /// Days the supply lasts at the coming schedule (14 means "two weeks or more").
    pub days_left: Option<u32>,
    pub refill: bool,
}

/// Why a dose was skipped; the codes are `hale_domain`'s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SkipReasonView {
    FeltUnwell,
    SideEffects,
    RanOut,
    ClinicianAdvice,
    Other,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum DoseOutcomeArgs {
    /// Taken; `amount` only when it differs from the prescribed dose.
    Taken {
        amount: Option<f64>,
    },
    Skipped {
        reason: SkipReasonView,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogDoseArgs {
    pub medicine_id: String,
    /// The scheduled dose; `None` for a "when needed" dose taken now.
    pub slot: Option<String>,
    pub outcome: DoseOutcomeArgs,
    /// When it was taken or skipped; `None` means now.
    pub at: Option<DateTime<FixedOffset>>,
}

/// One logged dose, as `UndoView` names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoseArgs {
    pub medicine_id: String,
    pub slot: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnoozeDoseArgs {
    pub medicine_id: String,
    pub slot: String,
    pub minutes: u32,
}

/// The snooze lengths the screen offers.
pub const SNOOZE_CHOICES: [u32; 3] = [10, 30, 60];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WeekdayView {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

/// The schedules a patient can give a medicine they add (prescriptions carry any FHIR Timing).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScheduleArgs {
    /// Each day at these wall-clock times.
    Daily { times: Vec<NaiveTime> },
    /// Every `hours` hours from `first`.
    EveryHours { hours: u32, first: NaiveTime },
    /// On these days at `time`.
    Weekly {
        days: Vec<WeekdayView>,
        time: NaiveTime,
    },
    /// Only when needed.
    AsNeeded,
}

/// A medicine's schedule as the patient's screens describe it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScheduleView {
    /// Each day at these times.
    Daily { times: Vec<NaiveTime> },
    /// Every `hours` hours from these times.
    EveryHours { hours: u32, from: Vec<NaiveTime> },
    /// On these days at these times.
    Weekly {
        days: Vec<WeekdayView>,
        times: Vec<NaiveTime>,
    },
    /// Only when needed.
    AsNeeded,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AddMedicineArgs {
    pub name: String,
    /// Amount per dose and its unit, e.g. 2 "tablet".
    pub dose: Option<f64>,
    pub unit: Option<String>,
    pub schedule: ScheduleArgs,
    /// For a course: stop after this many days (from today).
    pub for_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MedicineArgs {
    pub medicine_id: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SetSupplyArgs {
    pub medicine_id: String,
    /// How much the patient has now, in the medicine's unit.
    pub remaining: f64,
}

command!(
    /// The medicines screen, refreshed from the hospital when it answers.
    GetMedicines = "get_medicines", NoArgs => MedicinesView
);
command!(
    /// Logs a dose as taken or skipped (offline too; sent to the hospital once).
    LogDose = "log_dose", LogDoseArgs => MedicinesView
);
command!(
    /// Takes back a dose just logged, while its `UndoView` allows.
    UndoDose = "undo_dose", DoseArgs => MedicinesView
);
command!(
    /// Reminds of a due dose again later.
    SnoozeDose = "snooze_dose", SnoozeDoseArgs => MedicinesView
);
command!(
    /// Adds a medicine of the patient's own.
    AddMedicine = "add_medicine", AddMedicineArgs => MedicinesView
);
command!(
    /// Stops a medicine the patient added (its records stay).
    StopMedicine = "stop_medicine", MedicineArgs => MedicinesView
);
command!(
    /// Records how much of a medicine the patient has now.
    SetSupply = "set_supply", SetSupplyArgs => MedicinesView
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_and_schedules_are_tagged_on_the_wire() {
        let skipped = DoseOutcomeArgs::Skipped {
            reason: SkipReasonView::SideEffects,
        };
        assert_eq!(
            serde_json::to_value(&skipped).unwrap(),
            serde_json::json!({"kind": "skipped", "reason": "side-effects"})
        );
        let daily = ScheduleArgs::Daily {
            times: vec![NaiveTime::from_hms_opt(8, 0, 0).unwrap()],
        };
        assert_eq!(
            serde_json::to_value(&daily).unwrap(),
            serde_json::json!({"kind": "daily", "times": ["08:00:00"]})
        );
    }
}
