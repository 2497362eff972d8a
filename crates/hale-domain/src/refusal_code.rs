//! Every reason the hospital gives for saying no, once, with its stable wire code.
//!
//! The server writes the code into `OperationOutcome.issue.details` (system `urn:hale:refusal`);
//! the app reads it back with [`RefusalCode::from_code`] and matches the enum exhaustively, so a
//! new refusal fails to compile wherever it is not yet handled.

/// A refusal's kind, as it crosses the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RefusalCode {
    // Booking, cancelling, moving, the waitlist.
    InThePast,
    BeyondHorizon,
    TooLateToChange,
    Overlaps,
    SlotTaken,
    NotChangeable,
    OfferClosed,
    // Check-in.
    ArrivalTooEarly,
    ArrivalTooLate,
    NotCheckable,
    // Parking.
    InvalidRegistration,
    CarParkFull,
    CardDeclined,
    InsufficientFunds,
    InvalidCard,
    SessionOver,
    BadDuration,
    PriceChanged,
    CardNeeded,
    // The care circle.
    InvitationInvalid,
    InviteYourself,
    AlreadyHelping,
    MinorCannotInvite,
    NothingChosen,
    ConsentRevoked,
    ConsentExpired,
    AssentNeeded,
    NowAdult,
    NotPermitted,
}

impl RefusalCode {
    /// Every code, for tests that go through them all.
    pub const ALL: [Self; 29] = [
        Self::InThePast,
        Self::BeyondHorizon,
        Self::TooLateToChange,
        Self::Overlaps,
        Self::SlotTaken,
        Self::NotChangeable,
        Self::OfferClosed,
        Self::ArrivalTooEarly,
        Self::ArrivalTooLate,
        Self::NotCheckable,
        Self::InvalidRegistration,
        Self::CarParkFull,
        Self::CardDeclined,
        Self::InsufficientFunds,
        Self::InvalidCard,
        Self::SessionOver,
        Self::BadDuration,
        Self::PriceChanged,
        Self::CardNeeded,
        Self::InvitationInvalid,
        Self::InviteYourself,
        Self::AlreadyHelping,
        Self::MinorCannotInvite,
        Self::NothingChosen,
        Self::ConsentRevoked,
        Self::ConsentExpired,
        Self::AssentNeeded,
        Self::NowAdult,
        Self::NotPermitted,
    ];

    /// The code on the wire, kebab-case. Never rename or reuse one: apps in the field read them.
    pub fn code(self) -> &'static str {
        match self {
            Self::InThePast => "in-the-past",
            Self::BeyondHorizon => "beyond-horizon",
            Self::TooLateToChange => "too-late-to-change",
            Self::Overlaps => "overlaps",
            Self::SlotTaken => "slot-taken",
            Self::NotChangeable => "not-changeable",
            Self::OfferClosed => "offer-closed",
            Self::ArrivalTooEarly => "arrival-too-early",
            Self::ArrivalTooLate => "arrival-too-late",
            Self::NotCheckable => "not-checkable",
            Self::InvalidRegistration => "invalid-registration",
            Self::CarParkFull => "car-park-full",
            Self::CardDeclined => "card-declined",
            Self::InsufficientFunds => "insufficient-funds",
            Self::InvalidCard => "invalid-card",
            Self::SessionOver => "session-over",
            Self::BadDuration => "bad-duration",
            Self::PriceChanged => "price-changed",
            Self::CardNeeded => "card-needed",
            Self::InvitationInvalid => "invitation-invalid",
            Self::InviteYourself => "invite-yourself",
            Self::AlreadyHelping => "already-helping",
            Self::MinorCannotInvite => "minor-cannot-invite",
            Self::NothingChosen => "nothing-chosen",
            Self::ConsentRevoked => "consent-revoked",
            Self::ConsentExpired => "consent-expired",
            Self::AssentNeeded => "assent-needed",
            Self::NowAdult => "now-adult",
            Self::NotPermitted => "not-permitted",
        }
    }

    /// The refusal a wire code names; `None` for one this version does not know (a newer
    /// hospital), which the app words as a plain refusal.
    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|c| c.code() == code)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;

    use super::*;

    /// The place a new variant must be added; the test below then fails until `ALL` has it.
    fn position(code: RefusalCode) -> usize {
        match code {
            RefusalCode::InThePast => 0,
            RefusalCode::BeyondHorizon => 1,
            RefusalCode::TooLateToChange => 2,
            RefusalCode::Overlaps => 3,
            RefusalCode::SlotTaken => 4,
            RefusalCode::NotChangeable => 5,
            RefusalCode::OfferClosed => 6,
            RefusalCode::ArrivalTooEarly => 7,
            RefusalCode::ArrivalTooLate => 8,
            RefusalCode::NotCheckable => 9,
            RefusalCode::InvalidRegistration => 10,
            RefusalCode::CarParkFull => 11,
            RefusalCode::CardDeclined => 12,
            RefusalCode::InsufficientFunds => 13,
            RefusalCode::InvalidCard => 14,
            RefusalCode::SessionOver => 15,
            RefusalCode::BadDuration => 16,
            RefusalCode::PriceChanged => 17,
            RefusalCode::CardNeeded => 18,
            RefusalCode::InvitationInvalid => 19,
            RefusalCode::InviteYourself => 20,
            RefusalCode::AlreadyHelping => 21,
            RefusalCode::MinorCannotInvite => 22,
            RefusalCode::NothingChosen => 23,
            RefusalCode::ConsentRevoked => 24,
            RefusalCode::ConsentExpired => 25,
            RefusalCode::AssentNeeded => 26,
            RefusalCode::NowAdult => 27,
            RefusalCode::NotPermitted => 28,
        }
    }

    #[test]
    fn all_lists_every_variant_once() {
        let positions: HashSet<usize> = RefusalCode::ALL.into_iter().map(position).collect();
        assert_eq!(positions, (0..RefusalCode::ALL.len()).collect());
    }

    #[test]
    fn every_code_reads_back_as_itself_and_codes_are_distinct_kebab_case() {
        let mut seen = HashSet::new();
        for code in RefusalCode::ALL {
            assert_eq!(RefusalCode::from_code(code.code()), Some(code));
            assert!(seen.insert(code.code()), "{code:?} reuses a code");
            assert!(code
                .code()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '-'));
        }
    }

    #[test]
    fn an_unknown_code_is_none_not_a_guess() {
        assert_eq!(RefusalCode::from_code("slot_taken"), None);
        assert_eq!(RefusalCode::from_code(""), None);
    }
}
