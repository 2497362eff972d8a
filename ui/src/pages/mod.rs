//! One module per screen.

pub mod book;
pub mod care_team;
pub mod devices;
pub mod home;
pub mod kiosk;
pub mod medicines;
pub mod parking;
pub mod settings;
pub mod sign_in;
pub mod waiting;
