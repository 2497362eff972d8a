//! The care team screen: the plan the patient's care team set, the alerts the hospital raised
//! and when the team saw each, and the team's messages.

use chrono::{DateTime, FixedOffset, NaiveTime};
use serde::{Deserialize, Serialize};

use crate::{Freshness, NoArgs, ReadingKindView};

command! {
    /// Loads the care team screen, refreshing from the hospital when it can.
    GetCareTeam = "get_care_team", NoArgs => CareTeamView
}

/// The event the shell emits when the care team's side changed (an alert seen, a message, a
/// new plan), so an open screen reloads it.
pub const CARE_TEAM_EVENT: &str = "hale://care-team-changed";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CareTeamView {
    /// `None` when the patient is not enrolled in remote monitoring.
    pub plan: Option<PlanView>,
    /// Newest first.
    pub alerts: Vec<HospitalAlertView>,
    /// Newest first.
    pub messages: Vec<CareMessageView>,
    pub freshness: Freshness,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanView {
    pub measurements: Vec<PlannedMeasurementView>,
    pub limits: Vec<LimitView>,
    /// Planned measurements due now and not yet taken.
    pub measure_now: Vec<ReadingKindView>,
    /// The next planned measurement, in the device's local offset.
    pub next: Option<NextMeasurementView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedMeasurementView {
    pub kind: ReadingKindView,
    /// Wall-clock times of day, in order.
    pub times: Vec<NaiveTime>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NextMeasurementView {
    pub kind: ReadingKindView,
    pub at: DateTime<FixedOffset>,
}

/// Which value of a reading a limit is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LimitVitalView {
    Systolic,
    Diastolic,
    HeartRate,
    OxygenSaturation,
    Temperature,
    Weight,
    Glucose,
    Other,
}

/// One vital's limits: review today (amber) and act now (red), at or above `high`, below `low`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LimitView {
    pub vital: LimitVitalView,
    pub unit: String,
    pub amber_high: Option<f64>,
    pub amber_low: Option<f64>,
    pub red_high: Option<f64>,
    pub red_low: Option<f64>,
}

/// What an alert is about, for the UI to word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertAboutView {
    /// A reading beyond the plan's limits.
    OutOfRange,
    /// An early-warning trend (weight gain, rising blood pressure, falling oxygen, low glucose).
    Trend,
    /// A planned measurement did not arrive.
    MissingData,
    /// A dose was not recorded.
    MissedDose,
    /// A device stopped sending.
    SilentDevice,
    /// A rule this version of Hale does not know.
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AlertTierView {
    /// Act now.
    Red,
    /// Review today.
    Amber,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HospitalAlertView {
    pub id: String,
    pub about: AlertAboutView,
    /// The reading kind it concerns, when it concerns one.
    pub kind: Option<ReadingKindView>,
    pub tier: AlertTierView,
    pub raised: DateTime<FixedOffset>,
    /// When the condition ended.
    pub cleared: Option<DateTime<FixedOffset>>,
    /// When someone in the care team saw it.
    pub seen: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CareMessageView {
    pub id: String,
    pub from: String,
    pub text: String,
    pub sent: DateTime<FixedOffset>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alert_kinds_and_tiers_are_snake_case_on_the_wire() {
        assert_eq!(
            serde_json::to_value(AlertAboutView::MissedDose).unwrap(),
            "missed_dose"
        );
        assert_eq!(serde_json::to_value(AlertTierView::Red).unwrap(), "red");
        let _: NoArgs = serde_json::from_str("{}").unwrap();
    }
}
