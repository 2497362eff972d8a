//! What buttons and error lines read from a Leptos action that calls the shell.

use hale_api::ApiError;
use leptos::prelude::*;

/// Whether the button dispatching `action` must stay disabled: while it runs, and once it has
/// succeeded, until the reload its success started replaces the screen (so neither a double tap
/// nor a tap in between sends it twice).
pub fn busy_until_replaced<I, T>(action: Action<I, Result<T, ApiError>>) -> Signal<bool>
where
    I: 'static,
    T: 'static,
{
    let pending = action.pending();
    let answer = action.value();
    Signal::derive(move || pending.get() || answer.with(|a| matches!(a, Some(Ok(_)))))
}

/// Why `action`'s last run failed, if it did; for an `InlineError`.
pub fn failure<I, T>(
    action: Action<I, Result<T, ApiError>>,
) -> impl Fn() -> Option<ApiError> + Copy + Send + Sync + 'static
where
    I: 'static,
    T: 'static,
{
    let answer = action.value();
    move || answer.with(|a| a.as_ref()?.as_ref().err().cloned())
}
