//! Components shared by screens.

mod add_to_calendar;
mod appointment_card;
mod check_in_code;
mod inline_error;
mod just_taken;
mod looking_after;
mod notice;
mod offered;
mod start_at_login;

pub use add_to_calendar::AddToCalendar;
pub use appointment_card::AppointmentCard;
pub use check_in_code::CheckInCode;
pub use inline_error::InlineError;
pub use just_taken::JustTaken;
pub use looking_after::LookingAfterBanner;
pub use notice::{ErrorPanel, Notice};
pub use offered::{Offered, Offers};
pub use start_at_login::{StartAtLoginOffer, StartAtLoginSetting};

/// Moves the focus to the element with `id` (a field where its error is shown, a heading that
/// just appeared), if it is on the page.
pub fn focus(id: &str) {
    use wasm_bindgen::JsCast as _;
    if let Some(element) = leptos::prelude::document()
        .get_element_by_id(id)
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = element.focus();
    }
}

/// Moves the focus to the element with `id` once the next frame has drawn it.
pub fn focus_when_drawn(id: &'static str) {
    leptos::prelude::request_animation_frame(move || focus(id));
}

/// The device's current UTC offset, from the webview's clock settings.
pub fn local_offset() -> chrono::FixedOffset {
    // getTimezoneOffset is minutes *behind* UTC, so its sign is the reverse of an offset's.
    let minutes_behind = js_sys::Date::new_0().get_timezone_offset() as i32;
    chrono::FixedOffset::west_opt(minutes_behind * 60)
        .unwrap_or_else(|| chrono::FixedOffset::east_opt(0).expect("zero offset is valid"))
}

/// The time now, in the device's current offset.
pub fn local_now() -> chrono::DateTime<chrono::FixedOffset> {
    let millis = js_sys::Date::now() as i64;
    chrono::DateTime::from_timestamp_millis(millis)
        .unwrap_or_default()
        .with_timezone(&local_offset())
}
