//! Tauri commands, one file per feature. Each is a few lines over `hale-core`; argument and
//! output types come from the contract (`hale-api`), and `lib.rs` checks their names.

pub mod arrival;
pub mod background;
pub mod booking;
pub mod care_circle;
pub mod care_team;
pub mod devices;
pub mod downloads;
pub mod forms;
pub mod home;
pub mod kiosk;
pub mod medicines;
pub mod offers;
pub mod parking;
pub mod record;
pub mod session;
pub mod settings;
pub mod visits;
pub mod waitlist;
