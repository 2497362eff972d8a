//! Today's doses: Overdue, Due now and Later, each with one large Taken. A dose just taken shows
//! a tick and, for the few seconds the shell holds it on the device, Undo; after that it is
//! final and goes to the care team.

use hale_api::{
    ApiError, DoseArgs, DoseOutcomeArgs, DoseView, GetMedicines, LogDose, LogDoseArgs,
    MedicinesView, NoArgs, UndoDose, UndoView,
};
use leptos::prelude::*;

use crate::backend;
use crate::components::{local_now, InlineError, JustTaken};
use crate::format;
use crate::icons::{Icon, IconView};
use crate::Screen;

use super::parts::{Part, Parts};

/// What the patient asked of a dose.
#[derive(Clone)]
enum Change {
    Take(LogDoseArgs),
    Undo(DoseArgs),
}

#[component]
pub fn TodayDoses() -> impl IntoView {
    let loaded = LocalResource::new(|| backend::call::<GetMedicines>(&NoArgs {}));
    let parts = expect_context::<Parts>();
    view! {
        <Transition fallback=|| view! { <p class="loading" role="status">"Loading your doses…"</p> }>
            {move || Suspend::new(async move {
                let answer = loaded.await;
                parts.arrived(Part::Doses);
                match answer {
                    Ok(view) => view! { <Doses initial=view /> }.into_any(),
                    Err(error) => view! {
                        <section class="card" aria-label="Medicines">
                            <InlineError error=move || Some(error.clone()) />
                        </section>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Doses(initial: MedicinesView) -> impl IntoView {
    let screen = expect_context::<RwSignal<Screen>>();
    let view = RwSignal::new(initial);
    // The dose just taken, while it can be undone.
    let undo = RwSignal::new(None::<UndoView>);
    let change = Action::new_local(move |change: &Change| {
        let change = change.clone();
        async move {
            let answer = match &change {
                Change::Take(args) => backend::call::<LogDose>(args).await,
                Change::Undo(args) => backend::call::<UndoDose>(args).await,
            }?;
            undo.set(answer.undo.clone());
            view.set(answer);
            Ok::<_, ApiError>(())
        }
    });
    let busy = change.pending();
    let failed = crate::action::failure(change);
    let taken = move || {
        let u = undo.get()?;
        let dose = view.with(|v| {
            v.doses
                .iter()
                .find(|d| d.medicine_id == u.medicine_id && d.slot == u.slot)
                .cloned()
        });
        Some((u, dose))
    };
    view! {
        <section class="card" aria-labelledby="doses-heading" data-testid="today-doses">
            <h2 id="doses-heading" class="card-title"><IconView icon=Icon::Pill />"Medicines"</h2>
            {move || taken().map(|(u, dose)| {
                let name = dose.map(|d| d.name).unwrap_or_else(|| "Dose".to_owned());
                view! {
                    <JustTaken undo=u name busy
                        on_undo=Callback::new(move |args| { change.dispatch(Change::Undo(args)); })
                        on_final=Callback::new(move |done| undo.update(|u| {
                            if u.as_ref() == Some(&done) {
                                *u = None;
                            }
                        })) />
                }
            })}
            {move || {
                let groups = format::dose_groups(&view.with(|v| v.doses.clone()));
                if groups.is_empty() {
                    return view! { <p class="empty" data-testid="today-no-doses">"No more doses today."</p> }.into_any();
                }
                let today = local_now().date_naive();
                let later = groups.later.into_iter().take(1).collect::<Vec<_>>();
                view! {
                    <DoseGroup title="Overdue" class="overdue" doses=groups.overdue today change busy />
                    <DoseGroup title="Due now" class="due" doses=groups.due_now today change busy />
                    <DoseGroup title="Later today" class="later" doses=later today change busy />
                }.into_any()
            }}
            <InlineError error=failed testid="today-dose-error" />
            <button type="button" class="secondary" on:click=move |_| screen.set(Screen::Medicines)>"All medicines"</button>
        </section>
    }
}

#[component]
fn DoseGroup(
    title: &'static str,
    class: &'static str,
    doses: Vec<DoseView>,
    today: chrono::NaiveDate,
    change: Action<Change, Result<(), ApiError>>,
    busy: Memo<bool>,
) -> impl IntoView {
    (!doses.is_empty()).then(|| {
        view! {
            <h3 class=format!("dose-group {class}")>{title}</h3>
            <ul class="today-doses">
                {doses.into_iter().map(|d| {
                    let when = format::dose_time(d.due, today);
                    let label = format!("Taken: {} at {when}", d.name);
                    let args = LogDoseArgs {
                        medicine_id: d.medicine_id.clone(),
                        slot: Some(d.slot.clone()),
                        outcome: DoseOutcomeArgs::Taken { amount: None },
                        at: None,
                    };
                    view! {
                        <li class=format!("today-dose {class}") data-testid="today-dose" data-slot=d.slot.clone()>
                            <span class="dose-text">
                                <span class="time">{when}</span>
                                <strong>{d.name.clone()}</strong>
                                {format::amount(d.dose, d.unit.as_deref()).map(|a| view! { <span class="hint">{a}</span> })}
                            </span>
                            <button type="button" class="take" data-testid="today-take" aria-label=label disabled=busy
                                on:click=move |_| { change.dispatch(Change::Take(args.clone())); }>
                                <IconView icon=Icon::Tick />"Taken"
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        }
    })
}
