//! Signing in: the hospital's own page opens in the patient's web browser (Hale never sees the
//! password), and this screen waits for them to come back.

use hale_api::{ApiError, NoArgs, SignIn};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend;
use crate::components::InlineError;
use crate::{Session, SignedOutBecause};

#[component]
pub fn SignInPage() -> impl IntoView {
    let session = expect_context::<RwSignal<Session>>();
    let waiting = RwSignal::new(false);
    let failed = RwSignal::new(None::<ApiError>);
    // Each press starts a new sign-in; only the latest one's failure is shown (an abandoned one
    // times out minutes later).
    let attempt = RwSignal::new(0u32);
    let start = move |_| {
        let this = attempt.get_untracked() + 1;
        attempt.set(this);
        waiting.set(true);
        failed.set(None);
        spawn_local(async move {
            match backend::call::<SignIn>(&NoArgs {}).await {
                Ok(_) => session.set(Session::SignedIn),
                // `try_`: this screen may be gone by now (signed in through a later attempt).
                Err(error) if attempt.try_get_untracked() == Some(this) => {
                    let _ = failed.try_set(Some(error));
                    let _ = waiting.try_set(false);
                }
                Err(_) => {}
            }
        });
    };
    let farewell = move || match session.get() {
        Session::SignedOut(SignedOutBecause::SignedOut {
            hospital_told: false,
        }) => Some(
            "You are signed out on this device. The hospital could not be told just now; \
             your sign-in there ends by itself.",
        ),
        Session::SignedOut(SignedOutBecause::SignedOut { .. }) => Some("You are signed out."),
        Session::SignedOut(SignedOutBecause::Ended) => {
            Some("Your sign-in has ended. Please sign in again.")
        }
        _ => None,
    };
    view! {
        <main class="page sign-in" data-testid="sign-in-page">
            <h1>"Sign in to Hale"</h1>
            {move || farewell().map(|text| view! {
                <p class="notice" role="status" data-testid="signed-out">{text}</p>
            })}
            <p>"Hale opens your hospital's sign-in page in your web browser. Sign in there, then come back here."</p>
            <button type="button" data-testid="sign-in"
                on:click=start>
                {move || if waiting.get() { "Open the sign-in page again" } else { "Sign in" }}
            </button>
            {move || waiting.get().then(|| view! {
                <p class="hint" role="status" data-testid="sign-in-waiting">
                    "Waiting for you to finish signing in in your browser…"
                </p>
            })}
            <InlineError error=move || failed.get() testid="sign-in-error" />
        </main>
    }
}
