//! Notices and error panels, in plain language.

use hale_api::{ApiError, ErrorCode};
use leptos::prelude::*;

use crate::format;
use crate::{Session, SignedOutBecause};

/// A notice above content, e.g. "offline, showing saved data".
#[component]
pub fn Notice(text: String) -> impl IntoView {
    view! {
        <div class="notice" role="status" data-testid="offline-notice">{text}</div>
    }
}

/// A failure with nothing to show, and a way to try again (or to sign in again, when the
/// failure is that the sign-in has ended).
#[component]
pub fn ErrorPanel(error: ApiError, retry: Callback<()>) -> impl IntoView {
    let signed_out = error.code == ErrorCode::NotSignedIn;
    let session = use_context::<RwSignal<Session>>();
    let act = move |_| match (signed_out, session) {
        (true, Some(session)) => session.set(Session::SignedOut(SignedOutBecause::Ended)),
        _ => retry.run(()),
    };
    view! {
        <div class="error-panel" role="alert" data-testid="error">
            <p>{format::error_text(&error)}</p>
            <button type="button" on:click=act>
                {if signed_out { "Sign in again" } else { "Try again" }}
            </button>
        </div>
    }
}
