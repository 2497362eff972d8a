//! Care team: the plan the patient's care team set (what to measure and when, and the limits
//! they watch), each alert the hospital raised and when the team saw it, and the team's
//! messages. Reloaded when the shell says the care team's side changed.

use hale_api::{CareTeamView, GetCareTeam, NoArgs, PlanView, CARE_TEAM_EVENT};
use leptos::prelude::*;

use crate::backend;
use crate::components::{local_offset, ErrorPanel, Notice};
use crate::format;

#[component]
pub fn CareTeamPage() -> impl IntoView {
    let loaded = LocalResource::new(|| backend::call::<GetCareTeam>(&NoArgs {}));
    let retry = Callback::new(move |()| loaded.refetch());
    backend::use_event(CARE_TEAM_EVENT, move |(): ()| loaded.refetch());
    view! {
        <main class="page">
            <h1>"Your care team"</h1>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading your care team…"</p> }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(view) => view! { <CareTeam view /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn CareTeam(view: CareTeamView) -> impl IntoView {
    let notice = format::offline_notice(&view.freshness, local_offset());
    let plan = match view.plan {
        Some(plan) => view! { <Plan plan /> }.into_any(),
        None => view! {
            <section aria-labelledby="plan-heading">
                <h2 id="plan-heading">"Your care team's plan"</h2>
                <p class="hint" data-testid="no-plan">"You are not in a remote monitoring plan."</p>
            </section>
        }
        .into_any(),
    };
    let alerts = view.alerts;
    let messages = view.messages;
    view! {
        {notice.map(|text| view! { <Notice text /> })}
        <section aria-labelledby="messages-heading">
            <h2 id="messages-heading">"Messages"</h2>
            {messages.is_empty().then(|| view! { <p class="hint">"No messages from your care team."</p> })}
            <ul class="messages" data-testid="care-messages">
                {messages.into_iter().map(|m| view! {
                    <li class="card" data-testid="care-message">
                        <p class="from"><strong>{m.from}</strong>", "{format::day(m.sent)}" at "{format::time(m.sent)}</p>
                        <p>{m.text}</p>
                    </li>
                }).collect_view()}
            </ul>
        </section>
        <section aria-labelledby="alerts-heading">
            <h2 id="alerts-heading">"Alerts your care team received"</h2>
            {alerts.is_empty().then(|| view! { <p class="hint">"None so far."</p> })}
            <ul class="alerts" data-testid="hospital-alerts">
                {alerts.into_iter().map(|a| {
                    let what = format::alert_words(&a);
                    let seen = format::seen_words(a.seen, a.raised);
                    let tier = format::tier_words(a.tier);
                    let tier_class = match a.tier {
                        hale_api::AlertTierView::Red => "badge urgent",
                        hale_api::AlertTierView::Amber => "badge review",
                    };
                    let cleared = a.cleared.map(|t| format!("Back within limits at {}", format::time(t)));
                    view! {
                        <li class="card" data-testid="hospital-alert">
                            <p><span class=tier_class>{tier}</span>" "{what}</p>
                            <p class="hint">{format!("{} at {}", format::day(a.raised), format::time(a.raised))}</p>
                            <p data-testid="alert-seen">{seen}</p>
                            {cleared.map(|c| view! { <p class="hint">{c}</p> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
        {plan}
    }
}

#[component]
fn Plan(plan: PlanView) -> impl IntoView {
    let now: Vec<String> = plan
        .measure_now
        .iter()
        .map(|k| format::reading_label(*k).to_lowercase())
        .collect();
    let due = (!now.is_empty()).then(|| format!("Time to measure: {}.", now.join(", ")));
    let next = plan.next.as_ref().map(|n| {
        format!(
            "Next: {} on {} at {}.",
            format::reading_label(n.kind),
            format::day(n.at),
            format::time(n.at)
        )
    });
    view! {
        <section aria-labelledby="plan-heading" data-testid="care-plan">
            <h2 id="plan-heading">"Your care team's plan"</h2>
            {due.map(|d| view! { <p class="notice" role="status" data-testid="measure-now">{d}</p> })}
            <ul>
                {plan.measurements.iter().map(|m| view! {
                    <li data-testid="planned">{format::planned_words(m.kind, &m.times)}</li>
                }).collect_view()}
            </ul>
            {next.map(|n| view! { <p class="hint" data-testid="next-measurement">{n}</p> })}
            <h3>"When your care team is told"</h3>
            <ul>
                {plan.limits.iter().map(|l| view! { <li>{format::limit_words(l)}</li> }).collect_view()}
            </ul>
            <p class="hint">"Hale reminds you at the planned times. Your own alerts can be stricter than these limits, never looser."</p>
        </section>
    }
}
