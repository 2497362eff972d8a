//! Paying, shared by starting and extending: the card fields, the price of a choice, and what a
//! refused payment does to its request id.

use hale_api::{ApiError, CardArgs};
use leptos::prelude::*;

use crate::backend;

/// Whether the hospital refused a shown price as out of date (context of the parking screen).
#[derive(Clone, Copy)]
pub(super) struct Repriced(pub(super) RwSignal<bool>);

/// A refused card is the hospital's final answer for that payment decision: trying again (with
/// other card details) is a new decision with a new id. A failure to reach the hospital keeps
/// the id, so a retry can never pay twice. A price out of date reloads the screen's prices.
pub(super) fn renew_after(
    error: &ApiError,
    request_id: StoredValue<String>,
    reload: Callback<()>,
    repriced: Option<Repriced>,
) {
    use hale_api::ErrorCode::{
        CardDeclined, CardNeeded, InsufficientFunds, InvalidCard, PriceChanged,
    };
    if matches!(
        error.code,
        CardDeclined | InsufficientFunds | InvalidCard | CardNeeded | PriceChanged
    ) {
        request_id.set_value(backend::new_request_id());
    }
    if error.code == PriceChanged {
        if let Some(Repriced(flag)) = repriced {
            flag.set(true);
        }
        reload.run(());
    }
}

/// The price of `minutes` in a list of (minutes, pence).
pub(super) fn price_of(prices: &[(u32, u32)], minutes: u32) -> Option<u32> {
    prices.iter().find(|(m, _)| *m == minutes).map(|(_, p)| *p)
}

/// Card fields, shared by starting and extending.
#[derive(Clone, Copy)]
pub(super) struct CardFields {
    number: RwSignal<String>,
    expiry: RwSignal<String>,
    cvc: RwSignal<String>,
}

impl CardFields {
    pub(super) fn new() -> Self {
        Self {
            number: RwSignal::new(String::new()),
            expiry: RwSignal::new(String::new()),
            cvc: RwSignal::new(String::new()),
        }
    }

    pub(super) fn args(self) -> CardArgs {
        CardArgs {
            number: self.number.get_untracked(),
            expiry: self.expiry.get_untracked(),
            cvc: self.cvc.get_untracked(),
        }
    }

    pub(super) fn view(self, prefix: &'static str) -> impl IntoView {
        let input = move |signal: RwSignal<String>,
                          name: &'static str,
                          label: &'static str,
                          mode: &'static str| {
            let id = format!("{prefix}-{name}");
            view! {
                <div class="field">
                    <label for=id.clone()>{label}</label>
                    <input id=id.clone() data-testid=id inputmode=mode autocomplete="off"
                        prop:value=move || signal.get()
                        on:input=move |e| signal.set(event_target_value(&e)) />
                </div>
            }
        };
        view! {
            <fieldset class="card-fields">
                <legend>"Card"</legend>
                {input(self.number, "card-number", "Card number", "numeric")}
                {input(self.expiry, "card-expiry", "Expiry (MM/YY)", "numeric")}
                {input(self.cvc, "card-cvc", "Security code", "numeric")}
            </fieldset>
        }
    }
}
