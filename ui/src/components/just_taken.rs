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
    // Cleared with the banner: a timer outliving it would call into a disposed owner.
    if let Ok(timer) = set_timeout_with_handle(move || on_final.run(done), left) {
        on_cleanup(move || timer.clear());
    }
    // The dose's row has gone from the list: the focus goes to Undo, not to the page's start.
    let button = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(b) = button.get() {
            let _ = b.focus();
        }
    });
    let words = if undo.skipped { " skipped." } else { " taken." };
    // Read out with the button the focus moves to.
    let said = format!("just-taken-{}-{}", undo.medicine_id, undo.slot).replace([':', '@'], "-");
    let args = DoseArgs {
        medicine_id: undo.medicine_id,
        slot: undo.slot,
    };
    view! {
        <div class="just-taken" data-testid="just-taken">
            <span class="big-tick"><IconView icon=Icon::Tick /></span>
            <p id=said.clone()><strong>{name}</strong>{words}</p>
            <button type="button" class="secondary" data-testid="undo" node_ref=button disabled=busy
                aria-describedby=said
                on:click=move |_| on_undo.run(args.clone())>"Undo"</button>
        </div>
    }
}
