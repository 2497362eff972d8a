//! Which mode the app runs in, and the kiosk's one command.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::{FormView, NoArgs};

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
        /// The appointment's pre-visit form can be filled in here, now ([`GetKioskForm`]).
        form: bool,
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

/// An answer to one question of the form at the kiosk (see [`crate::AnswerFormArgs`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskAnswerFormArgs {
    pub path: String,
    pub values: Vec<String>,
}

/// Fills a repeating group of the form at the kiosk in again, or removes one filling-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KioskFormGroupArgs {
    pub path: String,
    pub add: bool,
}

command!(
    /// The pre-visit form the last check-in offered, blank: held in the kiosk's memory only.
    GetKioskForm = "get_kiosk_form", NoArgs => FormView
);
command!(
    /// Answers one question of the kiosk's form.
    KioskAnswerForm = "kiosk_answer_form", KioskAnswerFormArgs => FormView
);
command!(
    /// Fills a repeating group of the kiosk's form in again, or removes one filling-in.
    KioskChangeFormGroup = "kiosk_change_form_group", KioskFormGroupArgs => FormView
);
command!(
    /// Sends the kiosk's form once, then forgets it.
    KioskSubmitForm = "kiosk_submit_form", NoArgs => FormView
);
command!(
    /// Forgets the kiosk's form and its answers: the screen went back to the start.
    KioskForget = "kiosk_forget", NoArgs => NoArgs
);
