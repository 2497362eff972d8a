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

/// A kiosk's grant to offer one appointment's pre-visit form: a credential, so never printed.
#[derive(Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub struct FormGrant(String);

impl FormGrant {
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The grant as the hospital wants it back.
    pub fn secret(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for FormGrant {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FormGrant(<redacted>)")
    }
}

/// What a kiosk check-in came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KioskOutcome {
    CheckedIn {
        clinic: String,
        location: String,
        position: u32,
        estimate: Duration,
        /// Given when the kiosk may offer the appointment's pre-visit form now.
        form: Option<FormGrant>,
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
