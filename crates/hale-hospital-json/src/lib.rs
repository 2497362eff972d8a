//! Hale's JSON API beside FHIR, as plain serde types: what a hospital answers under `/api` where
//! FHIR R4 has no resource (car parks and parking payments, the earlier-slot waitlist, queues and
//! waiting times, the kiosk, the hospital's appointment rules, the care circle's invitations).
//!
//! The hospital client and the reference server share these types, so the two sides cannot drift
//! apart on field names; `docs/hospital-api.md` documents them for other hospitals. They are wire
//! types only: the client maps them to `hale-domain` types, so nothing above it sees this crate.
//! Times are RFC 3339 UTC.

pub mod arrival;
pub mod care_circle;
pub mod parking;
pub mod rules;
pub mod share;
pub mod waitlist;
