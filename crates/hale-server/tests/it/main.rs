//! The reference hospital server's integration tests: the real server on a fresh database
//! (SQLite, or PostgreSQL when `HALE_TEST_POSTGRES` is set), reached over real HTTP.
//!
//! One test binary for the whole crate (each file is a module), so the stack links once.

mod abuse;
mod arrival;
mod authorization;
mod booking;
mod care_circle;
mod checkpoint;
mod clinic_readings;
mod common;
mod conformance;
mod console;
mod demo_hospital;
mod devices;
mod encryption;
mod everything;
mod guessing;
mod instances;
mod kiosk_forms;
mod medication;
mod monitoring;
mod observation;
mod parking;
mod patient_summary;
mod production;
mod questionnaires;
mod share_codes;
mod sign_in;
mod subscriptions;
mod visit_summary;
mod waitlist;
