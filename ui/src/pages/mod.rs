//! One module per screen.

pub mod appointments;
pub mod book;
pub mod care_circle;
pub mod care_team;
pub mod devices;
pub mod form;
pub mod kiosk;
pub mod medicines;
pub mod more;
pub mod parking;
pub mod record;
pub mod settings;
pub mod sign_in;
pub mod today;
pub mod visit;
pub mod waiting;
