//! A failure shown where it happened, under the button or field it concerns.

use hale_api::ApiError;
use leptos::prelude::*;

use crate::format;

/// What an inline error can say, in plain words.
pub trait ErrorWords {
    fn words(&self) -> &'static str;
}

/// A failure the shell answered with.
impl ErrorWords for ApiError {
    fn words(&self) -> &'static str {
        format::error_text(self)
    }
}

/// A problem the screen found itself, e.g. in what was typed.
impl ErrorWords for &'static str {
    fn words(&self) -> &'static str {
        self
    }
}

/// Shows `error` while there is one, announced to screen readers as it appears; `testid` names
/// it for the end-to-end tests.
#[component]
pub fn InlineError<F, E>(error: F, #[prop(optional)] testid: Option<&'static str>) -> impl IntoView
where
    F: Fn() -> Option<E> + Send + Sync + 'static,
    E: ErrorWords + 'static,
{
    move || {
        error().map(|e| {
            view! { <p class="inline-error" role="alert" data-testid=testid>{e.words()}</p> }
        })
    }
}
