//! The patient's sign-in: whether someone is signed in, signing in through the hospital's page
//! in the system browser, and signing out (optionally removing everything kept on the device).

use serde::{Deserialize, Serialize};

use crate::NoArgs;

/// Whether a patient is signed in on this device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub signed_in: bool,
    /// Set when this start found the data kept on the device unusable and started afresh (the
    /// old file is kept aside); the hospital's copy refills the new one. The patient is told.
    #[serde(default)]
    pub local_data_reset: Option<LocalDataReset>,
}

/// Why the data kept on the device was set aside at start.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LocalDataReset {
    /// It could not be opened with this device's key.
    Unreadable,
    /// Parts of it were damaged or missing.
    Damaged,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignOutArgs {
    /// Also remove every record, setting and reading the app keeps on this device.
    pub remove_local_data: bool,
}

/// How the sign-out went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedOutView {
    /// The hospital confirmed the sign-in is over. When `false` the hospital could not be
    /// reached: the device forgot the sign-in all the same.
    pub hospital_told: bool,
    pub local_data_removed: bool,
}

command!(
    /// Whether someone is signed in.
    GetSession = "get_session", NoArgs => SessionView
);
command!(
    /// Opens the hospital's sign-in page in the system browser and waits for the patient to
    /// finish there (minutes, not seconds).
    SignIn = "sign_in", NoArgs => SessionView
);
command!(
    /// Signs out at the hospital and on this device.
    SignOut = "sign_out", SignOutArgs => SignedOutView
);
