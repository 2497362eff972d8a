//! Arrival: check in for an appointment, follow one's place in the queue, and the live
//! waiting-times board. Live views reach the UI as shell events carrying these same types.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::{AppointmentArgs, NoArgs};

/// Emitted with a [`WaitingTimesView`] whenever the board changes.
pub const WAITING_TIMES_EVENT: &str = "hale://waiting-times";
/// Emitted with a [`QueueView`] whenever a followed patient's place changes.
pub const QUEUE_EVENT: &str = "hale://queue";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitingTimesView {
    /// In the device's offset.
    pub updated: DateTime<FixedOffset>,
    pub clinics: Vec<ClinicWaitView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicWaitView {
    pub name: String,
    pub location: String,
    pub waiting: u32,
    pub estimate_minutes: i64,
    pub running_late_minutes: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QueueState {
    Waiting,
    Called,
    Finished,
}

/// A checked-in patient's place.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QueueView {
    pub encounter_id: String,
    pub appointment_id: Option<String>,
    pub state: QueueState,
    pub clinic: String,
    pub location: String,
    pub position: Option<u32>,
    pub estimate_minutes: Option<i64>,
    /// Where to go once called.
    pub room: Option<String>,
    pub updated: DateTime<FixedOffset>,
}

command!(
    /// The waiting-times board now; later changes arrive as [`WAITING_TIMES_EVENT`].
    GetWaitingTimes = "get_waiting_times", NoArgs => WaitingTimesView
);
command!(
    /// Checks in for an appointment (again is harmless) and starts following the patient's
    /// place, which then arrives as [`QUEUE_EVENT`].
    CheckIn = "check_in", AppointmentArgs => QueueView
);
