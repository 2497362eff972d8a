//! The core's integration tests: the app's use cases against a real reference hospital over HTTP,
//! with a real store on disk.
//!
//! One test binary for the whole crate (each file is a module), so the stack links once.

mod arrival;
mod care_circle;
mod care_team;
mod clinic_readings;
mod common;
mod devices;
mod export;
mod faults;
mod forms;
mod kiosk;
mod medicines;
mod offline;
mod other_hospital;
mod parking;
mod reminders;
mod rules;
mod sign_in;
mod visits;
mod waitlist;
