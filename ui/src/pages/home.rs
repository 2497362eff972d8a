//! The home screen: greeting, hospital, upcoming appointments, and whether they are live.

use hale_api::{GetHome, HomeView, NoArgs};
use leptos::prelude::*;

use crate::backend;
use crate::components::{local_offset, AppointmentCard, ErrorPanel, Notice};
use crate::format;

#[component]
pub fn HomePage() -> impl IntoView {
    let home = LocalResource::new(|| backend::call::<GetHome>(&NoArgs {}));
    let retry = Callback::new(move |()| home.refetch());
    view! {
        <main class="page">
            <Suspense fallback=|| view! {
                <p class="loading" role="status" aria-live="polite">"Loading your appointments…"</p>
            }>
                {move || Suspend::new(async move {
                    match home.await {
                        Ok(view) => view! { <Home home=view retry /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

#[component]
fn Home(home: HomeView, retry: Callback<()>) -> impl IntoView {
    let offset = local_offset();
    let notice = format::offline_notice(&home.freshness, offset);
    let updated = match &home.freshness {
        hale_api::Freshness::Live { as_of } => Some(format::updated(*as_of, offset)),
        hale_api::Freshness::Offline { .. } => None,
    };
    let greeting = match &home.patient_name {
        Some(name) => format!("Hello, {name}"),
        None => "Hello".to_owned(),
    };
    let empty = home.appointments.is_empty();
    view! {
        <header class="masthead">
            <h1 data-testid="greeting">{greeting}</h1>
            <p class="hospital" data-testid="hospital-name">{home.hospital.name}</p>
        </header>
        {notice.map(|text| view! {
            <Notice text />
            <button type="button" class="secondary" on:click=move |_| retry.run(())>"Try again"</button>
        })}
        <section aria-labelledby="upcoming-heading">
            <h2 id="upcoming-heading">"Upcoming appointments"</h2>
            {if empty {
                view! { <p class="empty" data-testid="no-appointments">"You have no upcoming appointments."</p> }.into_any()
            } else {
                view! {
                    <ul class="appointments">
                        {home.appointments.into_iter().map(|a| view! { <AppointmentCard appointment=a /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        {updated.map(|u| view! { <footer class="updated" data-testid="updated">{u}</footer> })}
    }
}
