//! The home screen: who is signed in, at which hospital, and the appointments ahead.

use chrono::{DateTime, FixedOffset, Utc};
use serde::{Deserialize, Serialize};

use crate::{ApiError, NoArgs};

command! {
    /// Loads the home screen, refreshing from the hospital when it can.
    GetHome = "get_home", NoArgs => HomeView
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HomeView {
    pub hospital: HospitalView,
    pub patient_name: Option<String>,
    /// Upcoming appointments, soonest first.
    pub appointments: Vec<AppointmentView>,
    /// Past, cancelled and missed appointments, most recent first.
    pub past: Vec<AppointmentView>,
    pub freshness: Freshness,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HospitalView {
    /// As the hospital names itself; `None` when it has not said (the UI words a fallback).
    pub name: Option<String>,
    pub base_url: String,
    /// True when the app runs the reference hospital itself (the demo hospital).
    pub embedded: bool,
}

/// Where the shown data came from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Freshness {
    /// Fetched from the hospital just now.
    Live { as_of: DateTime<Utc> },
    /// The hospital could not be asked; this is the copy saved at `cached_at` (none if never).
    Offline {
        cached_at: Option<DateTime<Utc>>,
        error: ApiError,
    },
}

/// Where an appointment stands, in the terms the patient's screens use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppointmentStage {
    /// Asked for, not yet confirmed by the hospital.
    Requested,
    /// Booked and still to come.
    Booked,
    /// The patient has checked in.
    Arrived,
    /// The visit took place.
    Finished,
    /// Cancelled (or entered in error).
    Cancelled,
    /// The patient did not come.
    Missed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AppointmentView {
    pub id: String,
    /// The booking reference as shown to people, e.g. `7K3M-9Q2C`.
    pub reference: Option<String>,
    pub status: AppointmentStage,
    /// Start and end in the device's local offset, so the UI never guesses a time zone.
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub service: String,
    pub clinician: Option<String>,
    pub location: Option<String>,
    /// Whether the patient waits for an earlier time for this appointment (known only live).
    #[serde(default)]
    pub waitlist: Option<crate::WaitlistView>,
    /// Whether check-in is open for it now (from the app: the hospital has the last word).
    #[serde(default)]
    pub can_check_in: bool,
    /// Whether the hospital's rules still let it change (outside the change cut-off), in the
    /// app or, where the hospital does not offer that, by calling the clinic.
    #[serde(default)]
    pub changeable: bool,
    /// Whether it can be moved, cancelled, or put on the waitlist in the app now.
    #[serde(default)]
    pub can_move: bool,
    #[serde(default)]
    pub can_cancel: bool,
    #[serde(default)]
    pub can_wait: bool,
    /// Whether the hospital asks for a form before this visit (`GetForm` says if it is open).
    #[serde(default)]
    pub has_form: bool,
}
