//! The places a notification or the tray opens the window on.

use hale_api::PlaceView;
use hale_domain::notice::Place;

pub fn place(place: Place) -> PlaceView {
    match place {
        Place::Today => PlaceView::Today,
        Place::Appointments => PlaceView::Appointments,
        Place::Medicines => PlaceView::Medicines,
        Place::Parking => PlaceView::Parking,
        Place::WaitingTimes => PlaceView::WaitingTimes,
        Place::Devices => PlaceView::Devices,
        Place::CareTeam => PlaceView::CareTeam,
        Place::CareCircle => PlaceView::CareCircle,
    }
}
