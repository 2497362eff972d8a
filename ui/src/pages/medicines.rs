//! Medicines: today's doses to take, snooze or skip, how the schedule has been kept (with a
//! chart), each medicine with its supply, and medicines the patient adds. Every action answers
//! with the whole screen, which replaces what is shown.

use hale_api::{
    AddMedicine, AddMedicineArgs, ApiError, Command, DoseOutcomeArgs, DoseStateView, DoseView,
    GetMedicines, LogDose, LogDoseArgs, MedicineArgs, MedicineSource, MedicineView, MedicinesView,
    NoArgs, SetSupply, SetSupplyArgs, SkipReasonView, SnoozeDose, SnoozeDoseArgs, StopMedicine,
    UndoDose,
};
use leptos::prelude::*;

use crate::backend;
use crate::components::{
    focus, local_now, local_offset, ErrorPanel, InlineError, JustTaken, Notice,
};
use crate::format;
use crate::icons::{Icon, IconView};

#[component]
pub fn MedicinesPage() -> impl IntoView {
    let loaded = LocalResource::new(|| backend::call::<GetMedicines>(&NoArgs {}));
    let retry = Callback::new(move |()| loaded.refetch());
    view! {
        <main class="page">
            <h1>"Medicines"</h1>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading your medicines…"</p> }>
                {move || Suspend::new(async move {
                    match loaded.await {
                        Ok(view) => view! { <Medicines initial=view /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
}

/// The medicines screen's data: the last answer, and the last error of an action.
#[derive(Clone, Copy)]
struct MedicinesData {
    view: RwSignal<MedicinesView>,
    error: RwSignal<Option<ApiError>>,
}

impl MedicinesData {
    /// An action running command `C`, whose answer is the whole screen. Its buttons are
    /// disabled while it is pending, so a double tap sends it once.
    fn action<C>(self) -> Action<C::Args, ()>
    where
        C: Command<Output = MedicinesView> + 'static,
        C::Args: Clone + 'static,
    {
        self.action_to::<C>(self.error)
    }

    /// As `action`, with its failure shown in `error` (beside the form that sent it).
    fn action_to<C>(self, error: RwSignal<Option<ApiError>>) -> Action<C::Args, ()>
    where
        C: Command<Output = MedicinesView> + 'static,
        C::Args: Clone + 'static,
    {
        Action::new_local(move |args: &C::Args| {
            let args = args.clone();
            async move {
                match backend::call::<C>(&args).await {
                    Ok(view) => {
                        error.set(None);
                        self.view.set(view);
                    }
                    Err(e) => error.set(Some(e)),
                }
            }
        })
    }
}

#[component]
fn Medicines(initial: MedicinesView) -> impl IntoView {
    let data = MedicinesData {
        view: RwSignal::new(initial),
        error: RwSignal::new(None),
    };
    let notice = move || format::offline_notice(&data.view.get().freshness, local_offset());
    view! {
        {move || notice().map(|text| view! { <Notice text /> })}
        <InlineError error=move || data.error.get() testid="medicines-error" />
        <p class="hint" data-testid="sync-status">{move || format::sync_words(data.view.get().unsynced)}</p>
        <Today data />
        <Adherence data />
        <section aria-labelledby="list-heading">
            <h2 id="list-heading">"Your medicines"</h2>
            <ul class="medicines" data-testid="medicines">
                {move || {
                    let view = data.view.get();
                    view.medicines.into_iter().filter(|m| m.active).map(|m| view! {
                        <MedicineCard medicine=m data />
                    }).collect_view()
                }}
            </ul>
        </section>
        <AddForm data />
    }
}

/// Today's doses, grouped as the patient acts on them: Overdue, Due now, Later, and Done.
#[component]
fn Today(data: MedicinesData) -> impl IntoView {
    let undoing = data.action::<UndoDose>();
    view! {
        <section aria-labelledby="today-heading">
            <h2 id="today-heading">"Today's doses"</h2>
            {move || data.view.get().undo.map(|u| {
                let name = data.view.with(|v| {
                    v.doses.iter()
                        .find(|d| d.medicine_id == u.medicine_id)
                        .map(|d| d.name.clone())
                        .or_else(|| v.medicines.iter().find(|m| m.id == u.medicine_id).map(|m| m.name.clone()))
                }).unwrap_or_else(|| "Dose".to_owned());
                view! {
                    <JustTaken undo=u name busy=undoing.pending()
                        on_undo=Callback::new(move |args| { undoing.dispatch(args); })
                        on_final=Callback::new(move |done| data.view.update(|v| {
                            if v.undo.as_ref() == Some(&done) {
                                v.undo = None;
                            }
                        })) />
                }
            })}
            {move || {
                let view = data.view.get();
                if view.doses.is_empty() {
                    return view! { <p class="hint" data-testid="no-doses">"No doses are planned for today."</p> }.into_any();
                }
                let groups = format::dose_groups(&view.doses);
                let today = local_now().date_naive();
                let reasons = view.skip_reasons.clone();
                let group = move |title: &'static str, doses: Vec<DoseView>| {
                    let reasons = reasons.clone();
                    (!doses.is_empty()).then(|| view! {
                        <h3 class="dose-group">{title}</h3>
                        <ul class="doses" data-testid="doses">
                            {doses.into_iter().map(|d| view! {
                                <DoseRow dose=d reasons=reasons.clone() today data />
                            }).collect_view()}
                        </ul>
                    })
                };
                view! {
                    {group("Overdue", groups.overdue)}
                    {group("Due now", groups.due_now)}
                    {group("Later today", groups.later)}
                    {group("Done", groups.done)}
                }.into_any()
            }}
        </section>
    }
}

#[component]
fn DoseRow(
    dose: DoseView,
    reasons: Vec<SkipReasonView>,
    today: chrono::NaiveDate,
    data: MedicinesData,
) -> impl IntoView {
    let open = matches!(
        dose.state,
        DoseStateView::Upcoming
            | DoseStateView::Due
            | DoseStateView::Late
            | DoseStateView::Snoozed { .. }
            | DoseStateView::Missed
    );
    let snoozable = matches!(
        dose.state,
        DoseStateView::Due | DoseStateView::Late | DoseStateView::Snoozed { .. }
    );
    let missed = matches!(dose.state, DoseStateView::Missed);
    let taken_time = RwSignal::new(String::new());
    let time_problem = RwSignal::new(false);
    let skipping = RwSignal::new(false);
    let reason = RwSignal::new(SkipReasonView::Other);
    let (logging, snoozing) = (data.action::<LogDose>(), data.action::<SnoozeDose>());
    // Taking, skipping and snoozing the same dose exclude each other: one at a time.
    let busy = {
        let (logging, snoozing) = (logging.pending(), snoozing.pending());
        Signal::derive(move || logging.get() || snoozing.get())
    };
    let log = {
        let (medicine_id, slot) = (dose.medicine_id.clone(), dose.slot.clone());
        move |outcome: DoseOutcomeArgs, at| {
            logging.dispatch(LogDoseArgs {
                medicine_id: medicine_id.clone(),
                slot: Some(slot.clone()),
                outcome,
                at,
            });
        }
    };
    let take = {
        let log = log.clone();
        move |_| log(DoseOutcomeArgs::Taken { amount: None }, None)
    };
    let taken_earlier = {
        let (log, due) = (log.clone(), dose.due);
        move |_| match format::taken_at(due, &taken_time.get_untracked()) {
            Some(at) => {
                time_problem.set(false);
                log(DoseOutcomeArgs::Taken { amount: None }, Some(at));
            }
            None => time_problem.set(true),
        }
    };
    let skip = move |_| {
        let reason = reason.get_untracked();
        log(DoseOutcomeArgs::Skipped { reason }, None);
    };
    let snooze = {
        let (medicine_id, slot) = (dose.medicine_id.clone(), dose.slot.clone());
        move |_| {
            snoozing.dispatch(SnoozeDoseArgs {
                medicine_id: medicine_id.clone(),
                slot: slot.clone(),
                minutes: hale_api::SNOOZE_CHOICES[0],
            });
        }
    };
    let state_class = format::dose_state_class(&dose.state);
    let reason_id = format!("reason-{}-{}", dose.medicine_id, dose.slot).replace([':', '@'], "-");
    let time_id = format!("taken-{}-{}", dose.medicine_id, dose.slot).replace([':', '@'], "-");
    let when = format::dose_time(dose.due, today);
    let label = format!("{} at {when}", dose.name);
    view! {
        <li class=format!("card dose {state_class}") data-testid="dose" data-slot=dose.slot.clone()>
            <p><span class="time">{when.clone()}</span> " " <strong>{dose.name.clone()}</strong>
                {format::amount(dose.dose, dose.unit.as_deref()).map(|a| format!(" · {a}"))}</p>
            <p class="state" data-testid="dose-state">{format::dose_state_words(&dose.state)}</p>
            {open.then(|| view! {
                <div class="actions">
                    <button type="button" class="take" data-testid="take" aria-label=format!("Taken: {label}") disabled=busy on:click=take>
                        <IconView icon=Icon::Tick />"Taken"
                    </button>
                    {snoozable.then(|| view! {
                        <button type="button" class="secondary" data-testid="snooze" disabled=busy on:click=snooze.clone()>
                            {format!("Remind me in {} minutes", hale_api::SNOOZE_CHOICES[0])}
                        </button>
                    })}
                    <button type="button" class="secondary" data-testid="skip" aria-expanded=move || skipping.get().to_string()
                        on:click=move |_| skipping.update(|s| *s = !*s)>"Skip"</button>
                </div>
            })}
            {missed.then(|| view! {
                <div class="field inline">
                    <label for=time_id.clone()>"Took it earlier? At (HH:MM)"</label>
                    <input id=time_id.clone() data-testid="taken-time" inputmode="numeric" autocomplete="off"
                        prop:value=move || taken_time.get() on:input=move |e| taken_time.set(event_target_value(&e)) />
                    <button type="button" class="secondary" data-testid="taken-earlier" disabled=busy on:click=taken_earlier.clone()>"Log it"</button>
                    <InlineError error=move || time_problem.get().then_some("Write the time as HH:MM, e.g. 09:15.") />
                </div>
            })}
            {move || skipping.get().then(|| {
                let id = reason_id.clone();
                view! {
                    <div class="field">
                        <label for=id.clone()>"Why are you skipping it?"</label>
                        <select id=id data-testid="skip-reason"
                            on:change=move |e| reason.set(format::skip_reason(&event_target_value(&e)))>
                            {reasons.clone().into_iter().map(|r| view! {
                                <option value=format::skip_reason_code(r) selected=r == SkipReasonView::Other>{format::skip_reason_words(r)}</option>
                            }).collect_view()}
                        </select>
                        <button type="button" data-testid="confirm-skip" disabled=busy on:click=skip.clone()>"Skip this dose"</button>
                    </div>
                }
            })}
        </li>
    }
}

#[component]
fn Adherence(data: MedicinesData) -> impl IntoView {
    let days = RwSignal::new(7usize);
    view! {
        <section aria-labelledby="adherence-heading">
            <h2 id="adherence-heading">"How it's going"</h2>
            <p data-testid="adherence-week">{move || format::adherence_words(&data.view.get().week, "In the last 7 days")}</p>
            <p data-testid="adherence-month">{move || format::adherence_words(&data.view.get().month, "In the last 30 days")}</p>
            <div class="segmented" role="group" aria-label="Chart period">
                <button type="button" aria-pressed=move || (days.get() == 7).to_string() on:click=move |_| days.set(7)>"Week"</button>
                <button type="button" aria-pressed=move || (days.get() == 30).to_string() on:click=move |_| days.set(30)>"Month"</button>
            </div>
            {move || {
                let view = data.view.get();
                let shown: Vec<_> = view.daily.iter().rev().take(days.get()).rev().cloned().collect();
                let summary = format::chart_summary(&shown);
                let svg = format::chart_svg(&shown, &summary);
                view! {
                    <figure class="chart">
                        <div inner_html=svg></div>
                        <figcaption class="hint">{summary}</figcaption>
                    </figure>
                }
            }}
        </section>
    }
}

#[component]
fn MedicineCard(medicine: MedicineView, data: MedicinesData) -> impl IntoView {
    let supply = RwSignal::new(String::new());
    let tracking = RwSignal::new(false);
    let supply_problem = RwSignal::new(None::<&'static str>);
    let supply_error = RwSignal::new(None::<ApiError>);
    let id = medicine.id.clone();
    let (saving, logging, stopping) = (
        data.action_to::<SetSupply>(supply_error),
        data.action::<LogDose>(),
        data.action::<StopMedicine>(),
    );
    // One change to a medicine at a time.
    let busy = {
        let pending = [saving.pending(), logging.pending(), stopping.pending()];
        Signal::derive(move || pending.iter().any(|p| p.get()))
    };
    let save_supply = {
        let id = id.clone();
        let input_id = format!("supply-{}", id.replace(':', "-"));
        move |_| match format::decimal(&supply.get_untracked()) {
            Some(remaining) => {
                supply_problem.set(None);
                saving.dispatch(SetSupplyArgs {
                    medicine_id: id.clone(),
                    remaining,
                });
            }
            None => {
                supply_problem.set(Some("Write how many you have as a number, e.g. 28."));
                focus(&input_id);
            }
        }
    };
    let log_prn = {
        let id = id.clone();
        move |_| {
            logging.dispatch(LogDoseArgs {
                medicine_id: id.clone(),
                slot: None,
                outcome: DoseOutcomeArgs::Taken { amount: None },
                at: None,
            });
        }
    };
    let stop = {
        let id = id.clone();
        move |_| {
            stopping.dispatch(MedicineArgs {
                medicine_id: id.clone(),
            });
        }
    };
    let input_id = format!("supply-{}", id.replace(':', "-"));
    let unit = medicine.unit.clone().unwrap_or_else(|| "dose".to_owned());
    view! {
        <li class="card medicine" data-testid="medicine">
            <h3>{medicine.name.clone()}</h3>
            <p class="hint">{match medicine.source {
                MedicineSource::Prescription => "Prescribed by the hospital",
                MedicineSource::Own => "Added by you",
            }}</p>
            {medicine
                .instructions
                .clone()
                .or_else(|| medicine.schedule.as_ref().map(format::schedule_words))
                .map(|i| view! { <p>{i}</p> })}
            {medicine.unscheduled.then(|| view! {
                <p class="hint">"Hale cannot set reminders for this prescription's schedule. Follow the instructions above."</p>
            })}
            {(!medicine.as_needed && !medicine.unscheduled).then(|| view! {
                <p data-testid="medicine-adherence">{format::adherence_words(&medicine.week, "Last 7 days")}</p>
            })}
            {medicine.as_needed.then(|| view! {
                <p data-testid="prn-count">{format::as_needed_words(medicine.taken_last_day, medicine.max_per_day)}</p>
                <button type="button" data-testid="log-prn" disabled=busy on:click=log_prn>"I took a dose now"</button>
            })}
            <p data-testid="supply">{format::supply_words(medicine.supply.as_ref(), &unit)}</p>
            <button type="button" class="secondary" data-testid="track-supply"
                aria-expanded=move || tracking.get().to_string()
                on:click=move |_| tracking.update(|t| *t = !*t)>
                {if medicine.supply.is_some() { "Update supply" } else { "Track supply" }}
            </button>
            <Show when=move || tracking.get()>
                <div class="field inline">
                    <label for=input_id.clone()>{format!("How many {unit}s do you have?")}</label>
                    <input id=input_id.clone() type="number" min="0" step="any" inputmode="decimal" data-testid="supply-input"
                        aria-invalid=move || supply_problem.get().is_some().to_string()
                        prop:value=move || supply.get() on:input=move |e| supply.set(event_target_value(&e)) />
                    <button type="button" class="secondary" data-testid="supply-save" disabled=busy on:click=save_supply.clone()>"Save"</button>
                    <InlineError error=move || supply_problem.get() testid="supply-problem" />
                    <InlineError error=move || supply_error.get() />
                </div>
            </Show>
            {(medicine.source == MedicineSource::Own).then(|| view! {
                <button type="button" class="secondary" data-testid="stop-medicine" disabled=busy on:click=stop>"I no longer take this"</button>
            })}
        </li>
    }
}

#[component]
fn AddForm(data: MedicinesData) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let dose = RwSignal::new("1".to_owned());
    let unit = RwSignal::new("tablet".to_owned());
    let kind = RwSignal::new("daily".to_owned());
    let times = RwSignal::new("08:00".to_owned());
    let hours = RwSignal::new("8".to_owned());
    // A problem with what was typed, and the field it concerns.
    let problem = RwSignal::new(None::<(&'static str, &'static str)>);
    let failed = RwSignal::new(None::<ApiError>);
    let adding = data.action_to::<AddMedicine>(failed);
    let add = move |_| {
        if name.get_untracked().trim().is_empty() {
            problem.set(Some(("new-medicine-name", "Write the medicine's name.")));
            return focus("new-medicine-name");
        }
        let schedule = match format::schedule(
            &kind.get_untracked(),
            &times.get_untracked(),
            &hours.get_untracked(),
        ) {
            Ok(s) => s,
            Err(why) => {
                let field = if why.contains("hours") {
                    "new-medicine-hours"
                } else {
                    "new-medicine-times"
                };
                problem.set(Some((field, why)));
                return focus(field);
            }
        };
        problem.set(None);
        let args = AddMedicineArgs {
            name: name.get_untracked(),
            dose: format::decimal(&dose.get_untracked()),
            unit: Some(unit.get_untracked()),
            schedule,
            for_days: None,
        };
        adding.dispatch(args);
        name.set(String::new());
    };
    let field = move |id: &'static str, label: &'static str, signal: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <input id=id data-testid=id autocomplete="off" prop:value=move || signal.get()
                    aria-invalid=move || problem.get().is_some_and(|(f, _)| f == id).to_string()
                    on:input=move |e| signal.set(event_target_value(&e)) />
                <InlineError error=move || problem.get().filter(|(f, _)| *f == id).map(|(_, why)| why) />
            </div>
        }
    };
    view! {
        <section aria-labelledby="add-heading" data-testid="add-medicine">
            <h2 id="add-heading">"Add a medicine"</h2>
            {field("new-medicine-name", "Name", name)}
            {field("new-medicine-dose", "Amount each time", dose)}
            {field("new-medicine-unit", "Unit (e.g. tablet, capsule, puff)", unit)}
            <div class="field">
                <label for="new-medicine-kind">"When"</label>
                <select id="new-medicine-kind" data-testid="new-medicine-kind" on:change=move |e| kind.set(event_target_value(&e))>
                    <option value="daily" selected=true>"Every day at set times"</option>
                    <option value="hours">"Every few hours"</option>
                    <option value="as-needed">"Only when needed"</option>
                </select>
            </div>
            {move || match kind.get().as_str() {
                "daily" => field("new-medicine-times", "Times (e.g. 08:00, 20:00)", times).into_any(),
                "hours" => view! {
                    {field("new-medicine-hours", "Every how many hours", hours)}
                    {field("new-medicine-times", "First dose at (HH:MM)", times)}
                }.into_any(),
                _ => ().into_any(),
            }}
            <InlineError error=move || failed.get() testid="add-medicine-error" />
            <button type="button" data-testid="new-medicine-add" disabled=adding.pending() on:click=add>"Add medicine"</button>
        </section>
    }
}
