//! The earlier-slot waitlist: ask for an earlier time, and accept or decline what is offered.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::{AppointmentArgs, AppointmentView};

/// An appointment's place on the waitlist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WaitlistView {
    pub entry_id: String,
    /// An earlier slot held for the patient now, if any.
    pub offer: Option<OfferView>,
}

/// An earlier slot held for the patient until `expires`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferView {
    pub offer_id: String,
    /// In the device's local offset, like every time the UI shows.
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub clinician: Option<String>,
    pub location: Option<String>,
    pub expires: DateTime<FixedOffset>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WaitlistArgs {
    pub entry_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferArgs {
    pub offer_id: String,
}

command!(
    /// Asks to be offered an earlier time for a booked appointment when one frees up.
    JoinWaitlist = "join_waitlist", AppointmentArgs => WaitlistView
);
command!(
    /// Stops waiting for an earlier time.
    LeaveWaitlist = "leave_waitlist", WaitlistArgs => ()
);
command!(
    /// Takes the offered earlier slot: the appointment moves there.
    AcceptOffer = "accept_offer", OfferArgs => AppointmentView
);
command!(
    /// Lets the offered slot go to someone else; the patient keeps waiting.
    DeclineOffer = "decline_offer", OfferArgs => ()
);
