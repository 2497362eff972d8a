//! Hale with its window closed: the place a notification or the tray opens the window on, and
//! starting at login.

use serde::{Deserialize, Serialize};

use crate::NoArgs;

/// A place in the patient app the shell can ask the screens to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceView {
    Today,
    Appointments,
    Medicines,
    Parking,
    WaitingTimes,
    Devices,
    CareTeam,
    CareCircle,
}

/// The event that asks an open window to show a place (a notification was clicked or answered).
pub const OPEN_PLACE_EVENT: &str = "hale://open-place";

command!(
    /// The place the window was opened for (from a notification while it was closed), once:
    /// a window opened from the tray, or a second ask, gets `None`.
    TakePlaceToOpen = "take_place_to_open", NoArgs => Option<PlaceView>
);

/// Whether Hale starts when the patient logs in to their computer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartAtLoginView {
    /// Whether this system can start Hale at login at all.
    pub available: bool,
    pub enabled: bool,
    /// Whether the patient has been asked yet (the app offers it once after the first sign-in,
    /// and never turns it on by itself).
    pub asked: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartAtLoginArgs {
    pub enabled: bool,
}

command!(
    /// Whether Hale starts at login, and whether the patient was asked.
    GetStartAtLogin = "get_start_at_login", NoArgs => StartAtLoginView
);
command!(
    /// The patient's choice; also records that they were asked.
    SetStartAtLogin = "set_start_at_login", StartAtLoginArgs => StartAtLoginView
);
