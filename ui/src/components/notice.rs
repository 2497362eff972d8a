//! Notices and error panels, in plain language.

use hale_api::ApiError;
use leptos::prelude::*;

use crate::format;

/// A notice above content, e.g. "offline, showing saved data".
#[component]
pub fn Notice(text: String) -> impl IntoView {
    view! {
        <div class="notice" role="status" data-testid="offline-notice">{text}</div>
    }
}

/// A failure with nothing to show, and a way to try again.
#[component]
pub fn ErrorPanel(error: ApiError, retry: Callback<()>) -> impl IntoView {
    view! {
        <div class="error-panel" role="alert" data-testid="error">
            <p>{format::error_text(&error)}</p>
            <button type="button" on:click=move |_| retry.run(())>"Try again"</button>
        </div>
    }
}
