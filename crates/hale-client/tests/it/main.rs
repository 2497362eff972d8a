//! The hospital client's integration tests, against the real reference server over HTTP.
//!
//! One test binary for the whole crate (each file is a module), so the stack links once.

mod booking;
mod independent_server;
mod paging;
mod reference_server;
mod sign_in;
