//! The kiosk's on-screen keypad: the characters of a booking reference, or digits for the date of
//! birth, as large keys. A touch screen needs nothing else; a keyboard or a scanner still types
//! into the fields directly.

use leptos::prelude::*;

use super::entry::{Field, Key};
use crate::i18n::{t, Locale, Msg};
use crate::icons::{Icon, IconView};

#[component]
pub fn Keypad(
    locale: RwSignal<Locale>,
    /// The field the keys type into.
    field: RwSignal<Field>,
    on_key: Callback<Key>,
) -> impl IntoView {
    let say = move |msg| t(locale.get(), msg);
    // Memos: moving from Day to Month keeps the same keys, so they are not redrawn (a key that
    // has the keyboard's focus keeps it).
    let keys = Memo::new(move |_| field.get().keys());
    let digits = Memo::new(move |_| field.get() != Field::Reference);
    view! {
        // Keys read left to right in every language, as on a phone's keypad.
        <div class="keypad" class:digits=move || digits.get() role="group" dir="ltr"
            aria-label=move || say(Msg::KioskKeypad) data-testid="kiosk-keypad">
            {move || keys.get().chars().map(|c| view! {
                <button type="button" class="key" data-testid=format!("kiosk-key-{c}")
                    on:click=move |_| on_key.run(Key::Char(c))>{c.to_string()}</button>
            }).collect_view()}
            <button type="button" class="key key-word" data-testid="kiosk-key-delete"
                aria-label=move || say(Msg::KioskKeyDelete)
                on:click=move |_| on_key.run(Key::Delete)>
                <IconView icon=Icon::Backspace />
            </button>
            <Show when=move || digits.get()>
                <button type="button" class="key key-word" data-testid="kiosk-key-next"
                    on:click=move |_| on_key.run(Key::Next)>{move || say(Msg::KioskKeyNext)}</button>
            </Show>
        </div>
    }
}
