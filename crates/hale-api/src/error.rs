//! Errors as they cross from the shell to the UI.

use serde::{Deserialize, Serialize};

/// A stable code the UI matches on. Add codes; never rename or reuse one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The hospital could not be reached (network down, server stopped, timeout).
    HospitalUnreachable,
    /// The hospital answered with a server-side failure (5xx) or something unreadable.
    HospitalError,
    /// The hospital refused the request as invalid (4xx other than the ones below).
    HospitalRejected,
    /// The sign-in is missing, expired or revoked.
    NotSignedIn,
    /// Signed in, but not allowed to see or do this.
    Forbidden,
    /// Someone else booked the slot first.
    SlotTaken,
    /// The appointment starts too soon to be changed in the app.
    TooLateToChange,
    /// The new time overlaps another of the patient's appointments.
    Overlaps,
    /// The slot is further ahead than the hospital takes bookings.
    BeyondHorizon,
    /// The time has passed.
    InThePast,
    /// The appointment is no longer changeable (cancelled, finished, …).
    NotChangeable,
    /// The offered slot is no longer held (it expired, or was accepted or declined already).
    OfferClosed,
    /// Check-in for this appointment has not opened yet.
    TooEarlyToCheckIn,
    /// Check-in is closed (too late) or the appointment cannot be checked in: see reception.
    CannotCheckIn,
    /// The registration is not a UK vehicle registration.
    InvalidRegistration,
    /// The car park has no free space.
    CarParkFull,
    /// The card was declined (nothing was charged).
    CardDeclined,
    /// The card has insufficient funds (nothing was charged).
    InsufficientFunds,
    /// The card details are not valid.
    InvalidCard,
    /// The parking session has ended or run out.
    ParkingOver,
    /// The price is not the one shown (a concession ended since, say); nothing was charged.
    PriceChanged,
    /// No card is saved for this payment: the card's details are needed.
    CardNeeded,
    /// No such medicine, or that medicine has no dose at that time.
    UnknownMedicine,
    /// That dose was already logged (the first word stands).
    DoseAlreadyLogged,
    /// The time given has not come yet.
    InTheFuture,
    /// The hospital refused a change for a reason this version of Hale does not know.
    Refused,
    /// Bluetooth cannot be used here (no adapter, switched off, no permission).
    BluetoothUnavailable,
    /// The device is not in range or did not answer.
    DeviceUnreachable,
    /// The UI sent arguments the shell refuses.
    InvalidArgument,
    /// An alert threshold looser than the care team's plan allows.
    LooserThanPlan,
    /// The app's own storage failed.
    LocalStorage,
    /// A fault in the app itself.
    Internal,
    /// The sign-in in the browser was not finished: cancelled, refused or timed out.
    SignInNotFinished,
    /// No web browser could be opened for the sign-in.
    NoBrowser,
    /// The dose record is final (its few seconds for "Undo" have passed).
    TooLateToUndo,
    /// The invitation code is unknown, used or expired, or the date of birth does not match.
    InvitationInvalid,
    /// A person cannot invite themselves to help themselves.
    InviteYourself,
    /// That person already helps this patient.
    AlreadyHelping,
    /// Only an adult patient invites helpers; a child's parents are recorded by the hospital.
    MinorCannotInvite,
    /// An invitation must allow at least one thing.
    NothingChosen,
    /// The patient revoked the helper's access.
    ConsentRevoked,
    /// The helper's access has reached its end date.
    ConsentExpired,
    /// A young person's assent is needed before their parent can see their records.
    AssentNeeded,
    /// The patient is now an adult: a parent's access has ended.
    NowAdult,
    /// The patient's consent does not include this.
    NotPermitted,
    /// This computer or phone does not offer it (e.g. starting at login).
    NotOnThisSystem,
    /// The form was sent, or its visit is over: it no longer changes.
    FormClosed,
    /// The hospital does not offer this in the app (its CapabilityStatement says so).
    NotOffered,
}

/// An error with its stable code and a message for logs and details (not for matching).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
}

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self {
            code,
            message: message.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_snake_case_strings_on_the_wire() {
        let e = ApiError::new(ErrorCode::HospitalUnreachable, "connection refused");
        let json = serde_json::to_value(&e).unwrap();
        assert_eq!(json["code"], "hospital_unreachable");
        assert_eq!(serde_json::from_value::<ApiError>(json).unwrap(), e);
    }
}
