//! Hale's domain: the rules of the patient app that hold whatever the screen, the storage or the
//! hospital behind it.
//!
//! Everything here is pure: no I/O, no clock reads, no randomness. Functions that depend on the
//! time take it as an argument, and identifiers that need entropy take it as an argument too, so
//! every rule is tested with plain values. CI builds this crate for `wasm32-unknown-unknown` to
//! keep it that way.

pub mod allowed;
pub mod appointment;
pub mod arrival;
pub mod booking;
pub mod booking_reference;
pub mod care_circle;
pub mod device;
pub mod glance;
pub mod ics;
pub mod medication;
pub mod monitoring;
pub mod notice;
pub mod offers;
pub mod parking;
pub mod questionnaire;
pub mod queue;
pub mod refusal_code;
pub mod reminder;
pub mod report;
pub mod share;
pub mod slot;
pub mod visit_summary;
pub mod waitlist;

pub use allowed::{Allowed, AppointmentRules};
pub use appointment::{upcoming, Appointment, AppointmentStatus, InvalidAppointment};
pub use arrival::{ArrivalRefusal, ArrivalWindow, ClinicQueue};
pub use booking::{BookingRules, Refusal, Span};
pub use booking_reference::{BookingReference, BookingReferenceError};
pub use offers::{Feature, NotOffered, Offers};
pub use refusal_code::RefusalCode;
pub use reminder::{Lead, Reminder};
pub use slot::{Clinician, OfferedSlot, Service};
pub use waitlist::{Waiting, WaitlistEntry, WaitlistOffer, WaitlistPolicy};
