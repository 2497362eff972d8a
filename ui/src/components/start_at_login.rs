//! Starting Hale at login: offered once after the first sign-in, and a setting. Never turned on
//! without the patient's choice.

use hale_api::{ApiError, GetStartAtLogin, NoArgs, SetStartAtLogin, StartAtLoginArgs};
use leptos::prelude::*;

use crate::action::failure;
use crate::backend;
use crate::components::InlineError;

/// Saves the patient's choice, and hands back what the shell then says.
fn choose(
    state: RwSignal<Option<hale_api::StartAtLoginView>>,
) -> Action<bool, Result<(), ApiError>> {
    Action::new_local(move |&enabled: &bool| async move {
        let now = backend::call::<SetStartAtLogin>(&StartAtLoginArgs { enabled }).await?;
        state.set(Some(now));
        Ok(())
    })
}

/// Asks the shell, then runs `answered` (whatever the answer).
fn load(state: RwSignal<Option<hale_api::StartAtLoginView>>, answered: impl FnOnce() + 'static) {
    leptos::task::spawn_local(async move {
        if let Ok(now) = backend::call::<GetStartAtLogin>(&NoArgs {}).await {
            state.set(Some(now));
        }
        answered();
    });
}

/// The one-time question on the Today screen, until the patient answers it. `loaded` runs once
/// the shell has said whether to ask (Today counts its parts with it).
#[component]
pub fn StartAtLoginOffer(loaded: Callback<()>) -> impl IntoView {
    let state = RwSignal::new(None);
    load(state, move || loaded.run(()));
    let answer = choose(state);
    move || {
        state.get().filter(|s| s.available && !s.asked).map(|_| view! {
            <section class="card" aria-labelledby="start-at-login-heading" data-testid="start-at-login-offer">
                <h2 id="start-at-login-heading">"Start Hale when you log in?"</h2>
                <p>"Then dose and appointment reminders reach you even if you have not opened Hale. You can change this in Settings."</p>
                <div class="actions">
                    <button type="button" data-testid="start-at-login-yes" on:click=move |_| { answer.dispatch(true); }>"Start at login"</button>
                    <button type="button" class="secondary" data-testid="start-at-login-no" on:click=move |_| { answer.dispatch(false); }>"Not now"</button>
                </div>
                <InlineError error=failure(answer) />
            </section>
        })
    }
}

/// The setting, in Settings.
#[component]
pub fn StartAtLoginSetting() -> impl IntoView {
    let state = RwSignal::new(None);
    load(state, || ());
    let save = choose(state);
    let saving = save.pending();
    view! {
        <section aria-labelledby="start-at-login-setting-heading">
            <h2 id="start-at-login-setting-heading">"When you log in"</h2>
            <div class="check">
                <input type="checkbox" id="start-at-login" data-testid="start-at-login"
                    prop:checked=move || state.get().is_some_and(|s| s.enabled)
                    prop:disabled=move || saving.get() || !state.get().is_some_and(|s| s.available)
                    on:change=move |_| {
                        let on = state.get_untracked().is_some_and(|s| s.enabled);
                        save.dispatch(!on);
                    } />
                <label for="start-at-login">"Start Hale when I log in to this computer"</label>
            </div>
            <p class="hint">{move || if state.get().is_some_and(|s| !s.available) {
                "This computer cannot start Hale when you log in."
            } else {
                "Hale then waits in the tray, so reminders arrive with its window closed."
            }}</p>
            <InlineError error=failure(save) />
        </section>
    }
}
