//! The demo hospital, for developers and the app's out-of-the-box run: its seed, its patients'
//! prescriptions and dose history, and its simulated clinic day.
//!
//! Only the server's composition root (`lib.rs`: `start` and the sign-in page's demo hint)
//! reaches into this folder; the hospital's own modules never import it, so nothing a real
//! hospital runs depends on demo data.

pub mod care_team;
pub(crate) mod credentials;
pub(crate) mod day;
mod forms;
mod medicines;
pub mod seed;
