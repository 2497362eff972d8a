//! What the patient's hospital offers in the app. A screen for a feature it does not offer says
//! so in a sentence instead of failing.

use serde::{Deserialize, Serialize};

use crate::NoArgs;

/// A feature a hospital may or may not offer in the app.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FeatureView {
    Booking,
    Moving,
    Cancelling,
    CheckIn,
    WaitingTimes,
    Parking,
    Waitlist,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OffersView {
    /// The hospital's name, for the sentence that says what it does not offer.
    pub hospital_name: Option<String>,
    pub offered: Vec<FeatureView>,
}

impl OffersView {
    /// Everything: what screens assume until the shell has answered.
    pub fn everything() -> Self {
        Self {
            hospital_name: None,
            offered: vec![
                FeatureView::Booking,
                FeatureView::Moving,
                FeatureView::Cancelling,
                FeatureView::CheckIn,
                FeatureView::WaitingTimes,
                FeatureView::Parking,
                FeatureView::Waitlist,
            ],
        }
    }

    pub fn offers(&self, feature: FeatureView) -> bool {
        self.offered.contains(&feature)
    }
}

command!(
    /// What the hospital offers in the app, as read at the last sign-in (works offline).
    GetOffers = "get_offers", NoArgs => OffersView
);
