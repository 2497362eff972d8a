//! The dose just logged: a large tick, and Undo for as long as the shell holds the record on
//! the device. When its time is up the record is final, and the banner says so by going.

use hale_api::{DoseArgs, UndoView};
use leptos::prelude::*;

use crate::components::local_now;
use crate::icons::{Icon, IconView};

#[component]
pub fn JustTaken(
    undo: UndoView,
    /// The medicine's name.
    name: String,
    /// While a change is being sent.
    #[prop(into)]
    busy: Signal<bool>,
    /// Takes the record back.
    on_undo: Callback<DoseArgs>,
    /// Its time is up: called with the same `undo`, so a newer one is left alone.
    on_final: Callback<UndoView>,
) -> impl IntoView {
    let left = (undo.until - local_now()).to_std().unwrap_or_default();
    let done = undo.clone();
    set_timeout(move || on_final.run(done), left);
    let args = DoseArgs {
        medicine_id: undo.medicine_id,
        slot: undo.slot,
    };
    view! {
        <div class="just-taken" role="status" data-testid="just-taken">
            <span class="big-tick"><IconView icon=Icon::Tick /></span>
            <p><strong>{name}</strong>" taken."</p>
            <button type="button" class="secondary" data-testid="undo" disabled=busy
                on:click=move |_| on_undo.run(args.clone())>"Undo"</button>
        </div>
    }
}
