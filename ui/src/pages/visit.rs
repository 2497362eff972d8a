//! The summary of a past visit: what the clinic measured, the medicines it prescribed or
//! changed, and the next steps the care team wrote. The shell decides all of it; this page
//! words it.

use hale_api::{AppointmentArgs, GetVisitSummary, VisitStageView, VisitSummaryView};
use leptos::prelude::*;

use crate::backend;
use crate::components::{local_offset, ErrorPanel, Notice};
use crate::format;
use crate::Screen;

#[component]
pub fn VisitSummaryPage(appointment_id: String) -> impl IntoView {
    let screen = expect_context::<RwSignal<Screen>>();
    let args = AppointmentArgs { appointment_id };
    let loaded = LocalResource::new(move || {
        let args = args.clone();
        async move { backend::call::<GetVisitSummary>(&args).await }
    });
    let retry = Callback::new(move |()| loaded.refetch());
    view! {
        <main class="page visit-page">
            <button type="button" class="link back" data-testid="back-to-appointments"
                on:click=move |_| screen.set(Screen::Appointments)>"← Appointments"</button>
            <h1>"Visit summary"</h1>
            <Transition fallback=|| view! { <p class="loading" role="status">"Opening the summary of your visit…"</p> }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(summary) => view! { <Summary summary retry /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn Summary(summary: VisitSummaryView, retry: Callback<()>) -> impl IntoView {
    let screen = expect_context::<RwSignal<Screen>>();
    let notice = format::offline_notice(&summary.freshness, local_offset());
    let refused = format::visit_refused_hint(&summary.freshness);
    let recorded = !matches!(
        summary.visit,
        VisitStageView::NoVisit | VisitStageView::Cancelled | VisitStageView::NotRead
    );
    let empty = summary.measured.is_empty()
        && summary.prescribed.is_empty()
        && summary.next_steps.is_empty();
    let has_medicines = !summary.prescribed.is_empty();
    view! {
        {notice.map(|text| view! {
            <Notice text />
            <button type="button" class="secondary" on:click=move |_| retry.run(())>"Try again"</button>
        })}
        {refused.map(|hint| view! { <p class="hint" data-testid="visit-refused">{hint}</p> })}
        <p class="lead" data-testid="visit-stage">{format::visit_stage_words(summary.visit)}</p>
        {(recorded && empty).then(|| view! {
            <p class="empty" data-testid="visit-empty">{format::visit_empty_words(summary.visit)}</p>
        })}
        {(!summary.measured.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="measured-h">
                <h2 id="measured-h">"Measured at the clinic"</h2>
                <ul class="plain">
                    {summary.measured.iter().map(|r| view! {
                        <li data-testid="visit-measured">{format::measured_words(r)}</li>
                    }).collect_view()}
                </ul>
            </section>
        })}
        {has_medicines.then(|| view! {
            <section class="card" aria-labelledby="prescribed-h">
                <h2 id="prescribed-h">"Medicines"</h2>
                <ul class="plain">
                    {summary.prescribed.iter().map(|p| {
                        let (title, detail) = format::prescribed_words(p);
                        let by = format::prescribed_by(p);
                        view! {
                            <li data-testid="visit-prescribed">
                                <span class="badge neutral">{title}</span>" "
                                <strong>{p.name.clone()}</strong>
                                <p>{detail}</p>
                                {by.map(|b| view! { <p class="hint">{b}</p> })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <p class="hint">"New and changed medicines are in Medicines, with their reminders."</p>
                <button type="button" class="secondary" data-testid="visit-to-medicines"
                    on:click=move |_| screen.set(Screen::Medicines)>"Open Medicines"</button>
            </section>
        })}
        {(!summary.next_steps.is_empty()).then(|| view! {
            <section class="card" aria-labelledby="steps-h">
                <h2 id="steps-h">"Next steps"</h2>
                <ul class="plain">
                    {summary.next_steps.iter().map(|m| view! {
                        <li data-testid="visit-next-step">
                            <p>{m.text.clone()}</p>
                            <p class="hint">{format!("{}, {}", m.from, m.sent.format("%-d %b %H:%M"))}</p>
                        </li>
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
}
