//! What a hospital offers its patients in the app beyond their record.
//!
//! Every FHIR R4 hospital can show a patient their appointments and medicines and take their
//! doses, readings and answers. Booking, moving, cancelling, checking in, waiting times, parking
//! and the waitlist each need something more of the hospital, which its CapabilityStatement
//! declares or not. A feature the hospital does not offer is hidden with a sentence saying so,
//! never shown to fail.

/// One feature the hospital may or may not offer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Feature {
    /// Find a free slot and book it.
    Booking,
    /// Move an appointment to another time in one step.
    Moving,
    Cancelling,
    /// Check in from the phone, then see one's place in the queue.
    CheckIn,
    /// The clinics' waiting times, live.
    WaitingTimes,
    /// Pay for parking.
    Parking,
    /// Wait for an earlier time and be offered one when it frees up.
    Waitlist,
}

impl Feature {
    pub const ALL: [Feature; 7] = [
        Feature::Booking,
        Feature::Moving,
        Feature::Cancelling,
        Feature::CheckIn,
        Feature::WaitingTimes,
        Feature::Parking,
        Feature::Waitlist,
    ];

    /// The code kept on the device and, for the features FHIR has no words for, the one a
    /// hospital declares in its CapabilityStatement.
    pub fn code(self) -> &'static str {
        match self {
            Feature::Booking => "booking",
            Feature::Moving => "moving",
            Feature::Cancelling => "cancelling",
            Feature::CheckIn => "check-in",
            Feature::WaitingTimes => "waiting-times",
            Feature::Parking => "parking",
            Feature::Waitlist => "waitlist",
        }
    }

    pub fn from_code(code: &str) -> Option<Feature> {
        Feature::ALL.into_iter().find(|f| f.code() == code)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The features one hospital offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Offers(u8);

impl Offers {
    pub const NONE: Offers = Offers(0);

    /// Everything: Hale's own hospital server, and what the app assumes before it has read a
    /// hospital's statement (it made no other promise before).
    pub fn all() -> Self {
        Feature::ALL.into_iter().collect()
    }

    pub fn contains(self, feature: Feature) -> bool {
        self.0 & feature.bit() != 0
    }

    pub fn with(self, feature: Feature) -> Self {
        Offers(self.0 | feature.bit())
    }

    pub fn iter(self) -> impl Iterator<Item = Feature> {
        Feature::ALL.into_iter().filter(move |f| self.contains(*f))
    }

    /// `Ok` when `feature` is offered, else the refusal to show.
    pub fn require(self, feature: Feature) -> Result<(), NotOffered> {
        if self.contains(feature) {
            Ok(())
        } else {
            Err(NotOffered(feature))
        }
    }

    /// As codes separated by spaces, for keeping.
    pub fn to_codes(self) -> String {
        self.iter().map(Feature::code).collect::<Vec<_>>().join(" ")
    }

    /// From [`Self::to_codes`]. Codes this version does not know are left out.
    pub fn from_codes(codes: &str) -> Self {
        codes
            .split_whitespace()
            .filter_map(Feature::from_code)
            .collect()
    }
}

impl Default for Offers {
    fn default() -> Self {
        Self::all()
    }
}

impl FromIterator<Feature> for Offers {
    fn from_iter<I: IntoIterator<Item = Feature>>(iter: I) -> Self {
        iter.into_iter().fold(Offers::NONE, Offers::with)
    }
}

/// The hospital does not offer this feature in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the hospital does not offer {} in the app", .0.code())]
pub struct NotOffered(pub Feature);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_feature_code_reads_back_as_that_feature() {
        for feature in Feature::ALL {
            assert_eq!(Feature::from_code(feature.code()), Some(feature));
        }
        assert_eq!(Feature::from_code("teleportation"), None);
    }

    #[test]
    fn offers_kept_as_codes_read_back_the_same() {
        let some = Offers::NONE.with(Feature::Booking).with(Feature::Parking);
        assert_eq!(some.to_codes(), "booking parking");
        assert_eq!(Offers::from_codes(&some.to_codes()), some);
        assert_eq!(Offers::from_codes(&Offers::all().to_codes()), Offers::all());
        assert_eq!(Offers::from_codes(""), Offers::NONE);
    }

    #[test]
    fn a_code_from_a_newer_version_is_left_out_not_guessed() {
        assert_eq!(
            Offers::from_codes("parking valet waitlist"),
            Offers::NONE.with(Feature::Parking).with(Feature::Waitlist)
        );
    }

    #[test]
    fn require_names_the_missing_feature() {
        let offers = Offers::NONE.with(Feature::CheckIn);
        assert_eq!(offers.require(Feature::CheckIn), Ok(()));
        assert_eq!(
            offers.require(Feature::Parking),
            Err(NotOffered(Feature::Parking))
        );
    }
}
