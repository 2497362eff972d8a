//! The pre-visit form at the kiosk, right after checking in. The questions are the hospital's,
//! in its own words, drawn as in the app (so its buttons and hints are English, like its
//! questions); the frame around them speaks the chosen language. The answers live in the
//! kiosk's memory until they are sent or the person leaves.

use hale_api::FormView;
use leptos::prelude::*;

use crate::i18n::{t, Locale, Msg};
use crate::icons::{Icon, IconView};
use crate::pages::form::{Form, FormSource};

#[component]
pub fn KioskForm(locale: RwSignal<Locale>, done: Callback<()>) -> impl IntoView {
    let say = move |msg| t(locale.get(), msg);
    let sent = RwSignal::new(false);
    // Forgotten, expired or answered elsewhere: the person is told so in their language.
    let closed = RwSignal::new(false);
    let on_closed = Callback::new(move |()| closed.set(true));
    let loaded = LocalResource::new(|| async { FormSource::Kiosk.get().await });
    let on_sent = Callback::new(move |()| sent.set(true));
    let closed_note = move || {
        view! {
            <p class="notice" role="alert" data-testid="kiosk-form-closed">{say(Msg::KioskFormClosed)}</p>
        }
    };
    let questions = move |view: FormView| {
        view! {
            // The hospital's words: its language, whatever the screen's.
            <div class="kiosk-questions-body" lang="en-GB" dir="ltr">
                <Form view source=FormSource::Kiosk on_sent on_closed />
            </div>
        }
    };
    let thanks = move || {
        view! {
            <div class="kiosk-outcome success" role="status" data-testid="kiosk-form-sent">
                <span class="outcome-icon"><IconView icon=Icon::Tick /></span>
                <p>{say(Msg::KioskFormSent)}</p>
            </div>
        }
    };
    view! {
        <section class="kiosk-questions" data-testid="kiosk-form">
            // Once sent, only the thanks: the answers leave the screen with the kiosk's memory.
            <Show when=move || !sent.get() fallback=thanks>
                <p class="hint">{move || say(Msg::KioskFormKept)}</p>
                <Show when=move || !closed.get() fallback=move || closed_note()>
                    <Transition fallback=|| view! { <p class="loading" role="status">"…"</p> }>
                        {move || Suspend::new(async move {
                            match loaded.await {
                                Ok(view) => questions(view).into_any(),
                                Err(_) => closed_note().into_any(),
                            }
                        })}
                    </Transition>
                </Show>
            </Show>
            <div class="actions">
                <button type="button" data-testid="kiosk-form-done" class:secondary=move || !sent.get()
                    on:click=move |_| done.run(())>
                    {move || say(if sent.get() { Msg::KioskDone } else { Msg::KioskFormLeave })}
                </button>
            </div>
        </section>
    }
}
