//! Where a checked-in patient's visit stands, the hospital's waiting-times board, and what a
//! kiosk answers: as the app sees them, whatever the hospital's JSON looks like.

use chrono::{DateTime, Duration, Utc};

use crate::RefusalCode;

/// Where a checked-in patient's visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum QueueState {
    /// Checked in, waiting to be called.
    Waiting,
    /// Called to a room.
    Called,
    /// Seen, or no longer in the queue.
    Finished,
}

/// A checked-in patient's place.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueStatus {
    /// The encounter the check-in opened.
    pub encounter: String,
    pub appointment: Option<String>,
    pub state: QueueState,
    pub clinic: String,
    pub location: String,
    /// 1 for the next to be called; only while waiting.
    pub position: Option<u32>,
    /// How long until the patient is expected to be called; only while waiting.
    pub estimate: Option<Duration>,
    /// The room the patient is called to.
    pub room: Option<String>,
    pub updated: DateTime<Utc>,
}

/// One department on the waiting-times board.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClinicWaitingTime {
    /// The clinic's id.
    pub clinic: String,
    pub name: String,
    pub location: String,
    /// Checked in and not yet called.
    pub waiting: u32,
    /// How long someone joining the back of the queue now can expect to wait.
    pub estimate: Duration,
    /// How far behind its appointment times the clinic runs.
    pub running_late: Duration,
}

/// Every department's waiting time at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingTimes {
    pub updated: DateTime<Utc>,
    pub clinics: Vec<ClinicWaitingTime>,
}

/// What a kiosk check-in came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KioskOutcome {
    CheckedIn {
        clinic: String,
        location: String,
        position: u32,
        estimate: Duration,
    },
    /// Matched, but check-in is not possible here. `reason` is `None` for a reason this version
    /// of Hale does not know; reception can still help.
    SeeReception {
        reason: Option<RefusalCode>,
        /// When check-in opens, if it is too early and the hospital said.
        opens: Option<DateTime<Utc>>,
    },
    /// The reference and the date of birth do not match a booking (which of them is not said).
    NotMatched,
    /// Too many failed attempts from this kiosk or for this reference.
    TooManyAttempts,
}
