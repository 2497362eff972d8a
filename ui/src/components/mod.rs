//! Components shared by screens.

mod appointment_card;
mod inline_error;
mod notice;

pub use appointment_card::AppointmentCard;
pub use inline_error::InlineError;
pub use notice::{ErrorPanel, Notice};

/// The device's current UTC offset, from the webview's clock settings.
pub fn local_offset() -> chrono::FixedOffset {
    // getTimezoneOffset is minutes *behind* UTC, so its sign is the reverse of an offset's.
    let minutes_behind = js_sys::Date::new_0().get_timezone_offset() as i32;
    chrono::FixedOffset::west_opt(minutes_behind * 60)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset is valid"))
}
