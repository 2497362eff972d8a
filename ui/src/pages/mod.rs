//! One module per screen.

pub mod book;
pub mod home;
pub mod settings;
pub mod waiting;
