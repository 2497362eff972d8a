//! The banner on every screen while the signed-in person looks after someone: whose records
//! these are, what their consent shares and leaves out, and the way back.

use hale_api::LookingAfterView;
use leptos::prelude::*;

use crate::action::failure;
use crate::components::InlineError;
use crate::format;
use crate::pages::care_circle::back_to_me;

#[component]
pub fn LookingAfterBanner() -> impl IntoView {
    let looking = expect_context::<RwSignal<Option<LookingAfterView>>>();
    // Made once and kept across switches: `pending`, not `busy_until_replaced`, so an earlier
    // success does not hold the button of a later banner.
    let back = back_to_me(looking);
    let pending = back.pending();
    move || {
        looking.get().map(|someone| {
            let left_out = format::not_shared_words(&someone.permissions);
            view! {
                <aside class="looking-after" aria-label="Whose records" data-testid="looking-after">
                    <span class="initials" aria-hidden="true">{someone.initials.clone()}</span>
                    <div class="looking-after-text">
                        <p><strong data-testid="looking-after-name">{format::looking_after_words(someone.name.as_deref())}</strong></p>
                        <p class="hint">{format::shared_words(&someone.permissions)}" "{left_out}</p>
                    </div>
                    <button type="button" class="secondary" data-testid="back-to-me"
                        prop:disabled=move || pending.get()
                        on:click=move |_| { back.dispatch(()); }>"Back to me"</button>
                    <InlineError error=failure(back) />
                </aside>
            }
        })
    }
}
