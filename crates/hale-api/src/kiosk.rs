//! Which mode the app runs in, and the kiosk's one command.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::NoArgs;

/// How the app was started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "mode", rename_all = "snake_case")]
pub enum AppMode {
    /// A patient's own app.
    Patient,
    /// A hospital check-in kiosk: only the check-in flow, no sign-in, nothing kept.
    Kiosk {
        /// After this long without input, the screen returns to the start and forgets.
        idle_seconds: u32,
        /// The hospital's name, once its public metadata has answered.
        hospital_name: Option<String>,
    },
}

/// The characters a booking reference is made of (Crockford's base 32: no I, L, O or U), as
/// the kiosk's keypad offers them.
pub const REFERENCE_CHARACTERS: &str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// A booking reference's characters, not counting its dash.
pub const REFERENCE_LENGTH: usize = 8;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskCheckInArgs {
    /// As typed, or as a scanner typed it from the appointment's QR code.
    pub reference: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
}

/// Every outcome the kiosk shows; each is explicit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum KioskOutcomeView {
    CheckedIn {
        clinic: String,
        location: String,
        position: u32,
        estimate_minutes: i64,
    },
    /// Matched, but not possible here: too early, too late, or not an appointment to check in.
    SeeReception {
        too_early: bool,
        /// When check-in opens, if it is too early and the hospital said.
        opens_at: Option<DateTime<FixedOffset>>,
    },
    NotMatched,
    /// The reference has a typo (its check character does not match).
    CheckReference,
    TooManyAttempts,
}

command!(
    /// Patient app or kiosk, so the UI shows the right screens.
    GetMode = "get_mode", NoArgs => AppMode
);
command!(
    /// The kiosk checks someone in by booking reference and date of birth.
    KioskCheckIn = "kiosk_check_in", KioskCheckInArgs => KioskOutcomeView
);
