use hale_api::{FeatureView, OffersView};
use hale_domain::Feature;

pub fn offers(o: hale_core::offers::HospitalOffers) -> OffersView {
    OffersView {
        hospital_name: o.hospital_name,
        offered: o.offers.iter().map(feature).collect(),
    }
}

fn feature(f: Feature) -> FeatureView {
    match f {
        Feature::Booking => FeatureView::Booking,
        Feature::Moving => FeatureView::Moving,
        Feature::Cancelling => FeatureView::Cancelling,
        Feature::CheckIn => FeatureView::CheckIn,
        Feature::WaitingTimes => FeatureView::WaitingTimes,
        Feature::Parking => FeatureView::Parking,
        Feature::Waitlist => FeatureView::Waitlist,
    }
}
