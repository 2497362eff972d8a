//! A running session: the time left, Extend (with the card saved at the hospital's card
//! processor, or another) and a confirmed End.

use hale_api::{
    EndParking, ExtendParking, ExtendParkingArgs, ParkingSessionArgs, ParkingSessionView,
};
use leptos::prelude::*;

use super::payment::{price_of, renew_after, CardFields, Repriced};
use super::SessionDetails;
use crate::action::{busy_until_replaced, failure};
use crate::backend;
use crate::components::InlineError;
use crate::format;

/// A change to a running session.
#[derive(Clone)]
enum SessionChange {
    Extend(ExtendParkingArgs),
    End(ParkingSessionArgs),
}

/// A running session: time left, extend (with the card saved at the hospital's processor, or
/// another), end.
#[component]
pub(super) fn Running(session: ParkingSessionView, reload: Callback<()>) -> impl IntoView {
    let now = RwSignal::new(js_sys::Date::now());
    if let Ok(handle) = set_interval_with_handle(
        move || now.set(js_sys::Date::now()),
        std::time::Duration::from_secs(15),
    ) {
        on_cleanup(move || handle.clear());
    }
    let expires_ms = session.expires.timestamp_millis() as f64;
    let left = move || format::time_left(((expires_ms - now.get()) / 60_000.0).ceil() as i64);
    let minutes = RwSignal::new(60u32);
    let card = CardFields::new();
    // Looked up here: an action's future runs outside the component that owns the context.
    let repriced = use_context::<Repriced>();
    let request_id = StoredValue::new(backend::new_request_id());
    let saved_card = session.saved_card.clone();
    // The saved card unless the patient asks to use another (or none is saved).
    let other_card = RwSignal::new(saved_card.is_none());
    // Extending and ending exclude each other: one change at a time.
    let change = Action::new_local(move |change: &SessionChange| {
        let change = change.clone();
        async move {
            let changed = match change {
                SessionChange::Extend(args) => {
                    let extended = backend::call::<ExtendParking>(&args).await;
                    if let Err(e) = &extended {
                        renew_after(e, request_id, reload, repriced);
                        // The processor no longer knows the saved card: ask for one.
                        if e.code == hale_api::ErrorCode::CardNeeded {
                            other_card.set(true);
                        }
                    }
                    extended.map(drop)
                }
                SessionChange::End(args) => backend::call::<EndParking>(&args).await.map(drop),
            };
            if changed.is_ok() {
                if let Some(Repriced(flag)) = repriced {
                    flag.set(false);
                }
                reload.run(());
            }
            changed
        }
    });
    let busy = busy_until_replaced(change);
    let id = session.id.clone();
    let prices = StoredValue::new(session.extend_prices.clone());
    let due = move || prices.with_value(|p| price_of(p, minutes.get()));
    let extend = {
        let id = id.clone();
        move |_| {
            let Some(quoted_pence) = due() else { return };
            change.dispatch(SessionChange::Extend(ExtendParkingArgs {
                session_id: id.clone(),
                minutes: minutes.get_untracked(),
                quoted_pence,
                card: other_card.get_untracked().then(|| card.args()),
                request_id: request_id.get_value(),
            }));
        }
    };
    let pay_words = {
        let saved_card = saved_card.clone();
        move || match (due(), &saved_card, other_card.get()) {
            (None, ..) => "Pay and extend".to_owned(),
            (Some(0), ..) => "Extend for free".to_owned(),
            (Some(pence), Some(last4), false) => {
                format!("Pay {} with card ending {last4}", format::money(pence))
            }
            (Some(pence), ..) => format!("Pay {} and extend", format::money(pence)),
        }
    };
    let end = move |_| {
        change.dispatch(SessionChange::End(ParkingSessionArgs {
            session_id: id.clone(),
        }));
    };
    let ending = RwSignal::new(false);
    let until = session.expires.format("%H:%M").to_string();
    let end_question = format!(
        "End parking now? You have paid until {until}; time already paid for is not refunded."
    );
    view! {
        <div class="card parked" data-testid="parked">
            <p class="big-countdown" role="timer" data-testid="time-left">{left}</p>
            <p class="hint">{format!("Paid until {until}")}</p>
            <SessionDetails session=session.clone() />
            <div class="field">
                <label for="extend-minutes">"Extend by"</label>
                <select id="extend-minutes" data-testid="extend-minutes"
                    on:change=move |e| minutes.set(event_target_value(&e).parse().unwrap_or(60))>
                    {hale_api::PARKING_CHOICES.iter().map(|m| view! {
                        <option value=m.to_string() selected=*m == 60>{format::minutes(i64::from(*m))}</option>
                    }).collect_view()}
                </select>
            </div>
            <Show when=move || other_card.get() fallback=move || view! {
                <button type="button" class="secondary" data-testid="other-card"
                    on:click=move |_| other_card.set(true)>"Use another card"</button>
            }>
                {card.view("extend")}
            </Show>
            <InlineError error=failure(change) />
            <div class="actions">
                <button type="button" data-testid="extend-parking" disabled=move || busy.get() || due().is_none()
                    on:click=extend.clone()>{pay_words.clone()}</button>
                <Show when=move || ending.get() fallback=move || view! {
                    <button type="button" class="secondary" data-testid="end-parking" disabled=busy
                        on:click=move |_| ending.set(true)>"End parking"</button>
                }>
                    <div class="confirm" role="group" aria-labelledby="end-question">
                        <p class="question" id="end-question" data-testid="end-question">{end_question.clone()}</p>
                        <button type="button" class="danger" data-testid="confirm-end" disabled=busy on:click=end.clone()>"Yes, end it"</button>
                        " "
                        <button type="button" class="secondary" on:click=move |_| ending.set(false)>"Keep parking"</button>
                    </div>
                </Show>
            </div>
        </div>
    }
}
