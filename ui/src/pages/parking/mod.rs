//! Parking: saved vehicles, paying for parking (the car park nearest today's clinic first),
//! the time left, extending, ending, and receipts.

mod payment;
mod running;

use hale_api::{
    ApiError, GetParking, NoArgs, ParkingSessionView, ParkingView, SaveVehicle, StartParking,
    StartParkingArgs, VehicleArgs,
};
use leptos::prelude::*;

use crate::action::{busy_until_replaced, failure};
use crate::backend;
use crate::components::{local_offset, ErrorPanel, InlineError, Notice};
use crate::format;
use payment::{price_of, renew_after, CardFields, Repriced};
use running::Running;

#[component]
pub fn ParkingPage() -> impl IntoView {
    let parking = LocalResource::new(|| backend::call::<GetParking>(&NoArgs {}));
    let reload = Callback::new(move |()| parking.refetch());
    // Set when the hospital refused a price as out of date: the screen reloads with the new
    // price, and says why the button changed.
    let repriced = RwSignal::new(false);
    provide_context(Repriced(repriced));
    view! {
        <main class="page">
            <h1>"Parking"</h1>
            <Show when=move || repriced.get()>
                <Notice text="The price changed since it was shown (a concession may have ended). Nothing was charged; the new price is on the button.".to_owned() />
            </Show>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading parking…"</p> }>
                {move || Suspend::new(async move {
                    match parking.await {
                        Ok(view) => view! { <Parking parking=view reload /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error retry=reload /> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn Parking(parking: ParkingView, reload: Callback<()>) -> impl IntoView {
    let notice = format::offline_notice(&parking.freshness, local_offset());
    let (running, past): (Vec<_>, Vec<_>) = parking.sessions.into_iter().partition(|s| s.running);
    let can_start = !parking.car_parks.is_empty();
    // While parked, the session is the screen: its time left, Extend and End. The rest waits
    // until it ends.
    if !running.is_empty() {
        return view! {
            {notice.map(|text| view! { <Notice text /> })}
            <section aria-labelledby="running-heading">
                <h2 id="running-heading">"Parked now"</h2>
                {running.into_iter().map(|s| view! { <Running session=s reload /> }).collect_view()}
            </section>
        }
        .into_any();
    }
    view! {
        {notice.map(|text| view! { <Notice text /> })}
        {can_start.then(|| view! {
            <StartForm car_parks=parking.car_parks.clone() vehicles=parking.vehicles.clone() reload />
        })}
        <Vehicles vehicles=parking.vehicles reload />
        {can_start.then(|| view! { <Concessions decided=parking.concessions.clone() reload /> })}
        {(!past.is_empty()).then(|| view! {
            <section aria-labelledby="history-heading">
                <h2 id="history-heading">"History and receipts"</h2>
                <ul class="sessions" data-testid="parking-history">
                    {past.into_iter().map(|s| view! { <li class="card"><SessionDetails session=s /></li> }).collect_view()}
                </ul>
            </section>
        })}
    }
    .into_any()
}

#[component]
pub(super) fn SessionDetails(session: ParkingSessionView) -> impl IntoView {
    view! {
        <h3 class="service">{session.car_park_name.clone()} " · " {session.registration.clone()}</h3>
        <p>{format!("{} to {}, paid {}", session.started.format("%a %-d %b %H:%M"),
            session.ended.unwrap_or(session.expires).format("%H:%M"), format::money(session.paid_pence))}</p>
        <ul class="receipts">
            {session.receipts.into_iter().map(|r| view! {
                <li data-testid="receipt">{format::receipt_line(&r)}</li>
            }).collect_view()}
        </ul>
    }
}

#[component]
fn StartForm(
    car_parks: Vec<hale_api::CarParkView>,
    vehicles: Vec<hale_api::VehicleView>,
    reload: Callback<()>,
) -> impl IntoView {
    let mut parks = car_parks;
    // The suggested car park first.
    parks.sort_by_key(|p| p.suggested_for.is_none());
    let park = RwSignal::new(parks.first().map(|p| p.id.clone()).unwrap_or_default());
    let vehicle = RwSignal::new(
        vehicles
            .first()
            .map(|v| v.registration.clone())
            .unwrap_or_default(),
    );
    let minutes = RwSignal::new(120u32);
    let card = CardFields::new();
    let repriced = use_context::<Repriced>();
    let request_id = StoredValue::new(backend::new_request_id());
    let start = Action::new_local(move |args: &StartParkingArgs| {
        let args = args.clone();
        async move {
            let started = backend::call::<StartParking>(&args).await.map(drop);
            match &started {
                Ok(()) => {
                    if let Some(Repriced(flag)) = repriced {
                        flag.set(false);
                    }
                    reload.run(())
                }
                Err(e) => renew_after(e, request_id, reload, repriced),
            }
            started
        }
    });
    let busy = busy_until_replaced(start);
    let parks = StoredValue::new(parks);
    // (the tariff's price, the price after the patient's concessions) for the choice.
    let prices = move || {
        parks.with_value(|ps| {
            let p = ps.iter().find(|p| p.id == park.get())?;
            let m = minutes.get();
            Some((price_of(&p.prices, m)?, price_of(&p.prices_for_you, m)?))
        })
    };
    let price_words = move || {
        prices().map(|(full, yours)| {
            if full == yours {
                format!("Price: {}", format::money(full))
            } else {
                format!(
                    "Price: {}, {} with your concession",
                    format::money(full),
                    format::money(yours)
                )
            }
        })
    };
    // The whole of the chosen car park, which its select may cut short on a phone.
    let park_detail = move || {
        parks.with_value(|ps| {
            ps.iter().find(|p| p.id == park.get()).map(|p| {
                format::car_park_detail(&p.location, p.free_spaces, p.suggested_for.as_deref())
            })
        })
    };
    let pay_words = move || match prices() {
        Some((_, 0)) => "Start free parking".to_owned(),
        Some((_, yours)) => format!("Pay {} and start parking", format::money(yours)),
        None => "Pay and start parking".to_owned(),
    };
    let pay = move |_| {
        let Some((_, quoted_pence)) = prices() else {
            return;
        };
        start.dispatch(StartParkingArgs {
            car_park_id: park.get_untracked(),
            registration: vehicle.get_untracked(),
            minutes: minutes.get_untracked(),
            quoted_pence,
            card: card.args(),
            request_id: request_id.get_value(),
        });
    };
    if vehicles.is_empty() {
        return view! {
            <section aria-labelledby="start-heading">
                <h2 id="start-heading">"Pay for parking"</h2>
                <p class="hint" data-testid="no-vehicle">"Add your vehicle below to pay for parking."</p>
            </section>
        }.into_any();
    }
    view! {
        <section aria-labelledby="start-heading" data-testid="start-form">
            <h2 id="start-heading">"Pay for parking"</h2>
            <div class="field">
                <label for="park">"Car park"</label>
                <select id="park" data-testid="car-park" on:change=move |e| park.set(event_target_value(&e))>
                    {parks.get_value().into_iter().map(|p| {
                        let label = match &p.suggested_for {
                            Some(clinic) => format!("{} (nearest to {clinic}), {} spaces free", p.name, p.free_spaces),
                            None => format!("{}, {} spaces free", p.name, p.free_spaces),
                        };
                        view! { <option value=p.id.clone()>{label}</option> }
                    }).collect_view()}
                </select>
                <p class="hint" data-testid="car-park-detail">{park_detail}</p>
            </div>
            <div class="field">
                <label for="vehicle">"Vehicle"</label>
                <select id="vehicle" data-testid="vehicle" on:change=move |e| vehicle.set(event_target_value(&e))>
                    {vehicles.into_iter().map(|v| view! {
                        <option value=v.registration.clone()>{v.label.map(|l| format!("{} ({l})", v.registration)).unwrap_or(v.registration.clone())}</option>
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="minutes">"How long"</label>
                <select id="minutes" data-testid="minutes" on:change=move |e| minutes.set(event_target_value(&e).parse().unwrap_or(120))>
                    {hale_api::PARKING_CHOICES.iter().map(|m| view! {
                        <option value=m.to_string() selected=*m == 120>{format::minutes(i64::from(*m))}</option>
                    }).collect_view()}
                </select>
            </div>
            <p class="price" data-testid="price">{price_words}</p>
            {card.view("start")}
            <InlineError error=failure(start) testid="parking-error" />
            <button type="button" data-testid="start-parking" disabled=busy on:click=pay>{pay_words}</button>
        </section>
    }.into_any()
}

#[component]
fn Vehicles(vehicles: Vec<hale_api::VehicleView>, reload: Callback<()>) -> impl IntoView {
    let registration = RwSignal::new(String::new());
    let label = RwSignal::new(String::new());
    let save = Action::new_local(move |args: &VehicleArgs| {
        let args = args.clone();
        async move {
            backend::call::<SaveVehicle>(&args).await?;
            reload.run(());
            Ok::<_, ApiError>(())
        }
    });
    let add = move |_| {
        save.dispatch(VehicleArgs {
            registration: registration.get_untracked(),
            label: Some(label.get_untracked()),
        });
    };
    view! {
        <section aria-labelledby="vehicles-heading">
            <h2 id="vehicles-heading">"Your vehicles"</h2>
            <ul class="vehicles" data-testid="vehicles">
                {vehicles.into_iter().map(|v| view! {
                    <li data-testid="vehicle-item">{v.registration}{v.label.map(|l| format!(" ({l})"))}</li>
                }).collect_view()}
            </ul>
            <div class="field">
                <label for="new-registration">"Registration"</label>
                <input id="new-registration" data-testid="new-registration" autocomplete="off"
                    prop:value=move || registration.get() on:input=move |e| registration.set(event_target_value(&e)) />
            </div>
            <div class="field">
                <label for="new-label">"Name (optional)"</label>
                <input id="new-label" data-testid="new-label" autocomplete="off"
                    prop:value=move || label.get() on:input=move |e| label.set(event_target_value(&e)) />
            </div>
            <InlineError error=failure(save) testid="vehicle-error" />
            <button type="button" class="secondary" data-testid="add-vehicle" disabled=busy_until_replaced(save)
                on:click=add>"Save vehicle"</button>
        </section>
    }
}

#[component]
fn Concessions(decided: Vec<hale_api::ConcessionView>, reload: Callback<()>) -> impl IntoView {
    use hale_api::ConcessionKindView as K;
    let kind = RwSignal::new(K::FrequentAttender);
    let number = RwSignal::new(String::new());
    let expiry = RwSignal::new(String::new());
    let applying = Action::new_local(move |args: &hale_api::ApplyConcessionArgs| {
        let args = args.clone();
        async move {
            backend::call::<hale_api::ApplyConcession>(&args).await?;
            reload.run(());
            Ok::<_, ApiError>(())
        }
    });
    let apply = move |_| {
        applying.dispatch(hale_api::ApplyConcessionArgs {
            kind: kind.get_untracked(),
            blue_badge_number: Some(number.get_untracked()),
            blue_badge_expiry: Some(expiry.get_untracked()),
        });
    };
    let name = |k: K| match k {
        K::BlueBadge => "Blue badge holder",
        K::FrequentAttender => "Frequent hospital visits",
        K::ParentOfInpatient => "Parent of a child in hospital",
    };
    view! {
        <section aria-labelledby="concessions-heading">
            <h2 id="concessions-heading">"Concessions"</h2>
            <ul class="concessions" data-testid="concessions">
                {decided.into_iter().map(|c| view! {
                    <li data-testid="concession">
                        <strong>{name(c.kind)}</strong>": "
                        {match (c.approved, c.applies_now) {
                            (true, true) => c.effect.map(format::relief_words).unwrap_or_default(),
                            (true, false) => "No longer applies".to_owned(),
                            (false, _) => "Not approved".to_owned(),
                        }}
                        " ("{c.reason}")"
                    </li>
                }).collect_view()}
            </ul>
            <div class="field">
                <label for="concession-kind">"Apply for"</label>
                <select id="concession-kind" data-testid="concession-kind" on:change=move |e| {
                    kind.set(match event_target_value(&e).as_str() {
                        "blue_badge" => K::BlueBadge,
                        "parent_of_inpatient" => K::ParentOfInpatient,
                        _ => K::FrequentAttender,
                    })
                }>
                    <option value="frequent_attender">{name(K::FrequentAttender)}</option>
                    <option value="blue_badge">{name(K::BlueBadge)}</option>
                    <option value="parent_of_inpatient">{name(K::ParentOfInpatient)}</option>
                </select>
            </div>
            <Show when=move || kind.get() == K::BlueBadge>
                <div class="field">
                    <label for="badge-number">"Blue badge number"</label>
                    <input id="badge-number" autocomplete="off" prop:value=move || number.get()
                        on:input=move |e| number.set(event_target_value(&e)) />
                </div>
                <div class="field">
                    <label for="badge-expiry">"Badge expiry date"</label>
                    <input id="badge-expiry" type="date" prop:value=move || expiry.get()
                        on:input=move |e| expiry.set(event_target_value(&e)) />
                </div>
            </Show>
            <InlineError error=failure(applying) />
            <button type="button" class="secondary" data-testid="apply-concession" disabled=busy_until_replaced(applying)
                on:click=apply>"Apply"</button>
        </section>
    }
}
