//! Find a free slot and book it, or move an existing appointment to it.

use chrono::NaiveDate;
use hale_api::{
    ApiError, AppointmentView, BookSlot, BookSlotArgs, ErrorCode, FindSlots, FindSlotsArgs,
    ListServices, NoArgs, RescheduleAppointment, RescheduleArgs, ServiceView, SlotView, SlotsView,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend;
use crate::components::{ErrorPanel, Notice};
use crate::format;
use crate::Screen;

/// How many days one search covers.
const SEARCH_DAYS: u32 = 28;

fn today() -> NaiveDate {
    let now = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(
        now.get_full_year() as i32,
        now.get_month() + 1,
        now.get_date(),
    )
    .unwrap_or_default()
}

/// Where the booking flow is.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Choosing,
    Confirming {
        slot: SlotView,
        request_id: String,
    },
    Working,
    Done(AppointmentView),
    /// With the confirmation to send again when the hospital's answer never came (it may have
    /// acted): the same request id makes the retry safe, so it can never book twice.
    Failed {
        error: ApiError,
        again: Option<(SlotView, String)>,
    },
}

#[component]
pub fn BookPage(moving: Option<AppointmentView>) -> impl IntoView {
    let services = LocalResource::new(|| backend::call::<ListServices>(&NoArgs {}));
    let retry = Callback::new(move |()| services.refetch());
    view! {
        <main class="page">
            <h1>{if moving.is_some() { "Move an appointment" } else { "Book an appointment" }}</h1>
            {moving.clone().map(|m| view! {
                <p class="moving" data-testid="moving">
                    "Moving your " {m.service.clone()} " appointment on " {format::when(m.start, m.end)}
                </p>
            })}
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading services…"</p> }>
                {move || {
                    let moving = moving.clone();
                    Suspend::new(async move {
                        match services.await {
                            Ok(list) => view! { <Search services=list moving /> }.into_any(),
                            // Offline the saved appointments still show on the home screen,
                            // but nothing can be booked: say exactly that.
                            Err(error) if error.code == ErrorCode::HospitalUnreachable => view! {
                                <div class="error-panel" role="alert" data-testid="book-offline">
                                    <p>"Booking needs a connection to the hospital, and Hale can't reach it right now. Your saved appointments are still on the home screen."</p>
                                    <button type="button" on:click=move |_| retry.run(())>"Try again"</button>
                                </div>
                            }.into_any(),
                            Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
                        }
                    })
                }}
            </Suspense>
        </main>
    }
}

#[component]
fn Search(services: Vec<ServiceView>, moving: Option<AppointmentView>) -> impl IntoView {
    // Moving keeps the service; choosing one is only for a new booking.
    let initial = moving
        .as_ref()
        .and_then(|m| services.iter().find(|s| s.name == m.service))
        .or(services.first())
        .map(|s| s.code.clone())
        .unwrap_or_default();
    let service = RwSignal::new(initial);
    let clinician = RwSignal::new(String::new());
    let from = RwSignal::new(today());
    let find = Action::new_local(|args: &FindSlotsArgs| {
        let args = args.clone();
        async move { backend::call::<FindSlots>(&args).await }
    });
    // A new search hides the last one's results until its own come.
    let results = {
        let (searching, found) = (find.pending(), find.value());
        Signal::derive(move || if searching.get() { None } else { found.get() })
    };
    let step = RwSignal::new(Step::Choosing);
    let services = StoredValue::new(services);
    let moving = StoredValue::new(moving);

    let search = move || {
        let args = FindSlotsArgs {
            service_code: service.get_untracked(),
            clinician_id: Some(clinician.get_untracked()).filter(|c| !c.is_empty()),
            from: from.get_untracked(),
            days: SEARCH_DAYS,
            offset: 0,
        };
        step.set(Step::Choosing);
        find.dispatch(args);
    };

    let clinicians = move || {
        services.with_value(|all| {
            all.iter()
                .find(|s| s.code == service.get())
                .map(|s| s.clinicians.clone())
                .unwrap_or_default()
        })
    };

    view! {
        <form class="search" on:submit=move |ev| { ev.prevent_default(); search(); }>
            <label>
                "Service"
                <select data-testid="service" prop:value=move || service.get()
                    disabled=move || moving.with_value(Option::is_some)
                    on:change=move |ev| { service.set(event_target_value(&ev)); clinician.set(String::new()); }>
                    {services.get_value().into_iter().map(|s| view! {
                        <option value=s.code.clone()>{s.name}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                "Clinician"
                <select data-testid="clinician" prop:value=move || clinician.get()
                    on:change=move |ev| clinician.set(event_target_value(&ev))>
                    <option value="">"Any clinician"</option>
                    {move || clinicians().into_iter().map(|c| view! {
                        <option value=c.id.clone()>{c.name}</option>
                    }).collect_view()}
                </select>
            </label>
            <label>
                "From"
                <input type="date" data-testid="from" prop:value=move || from.get().to_string()
                    on:change=move |ev| {
                        if let Ok(d) = event_target_value(&ev).parse::<NaiveDate>() { from.set(d) }
                    } />
            </label>
            <button type="submit" data-testid="search">"Find free times"</button>
        </form>
        {move || match step.get() {
            Step::Choosing => view! { <Results results step /> }.into_any(),
            Step::Confirming { slot, request_id } => {
                view! { <Confirm chosen=slot request_id moving=moving.get_value() step /> }.into_any()
            }
            Step::Working => view! { <p class="loading" role="status">"Asking the hospital…"</p> }.into_any(),
            Step::Done(appointment) => view! { <Booked appointment moved=moving.with_value(Option::is_some) /> }.into_any(),
            Step::Failed { error, again } => view! {
                <div class="error-panel" role="alert" data-testid="booking-error">
                    <p>{format::error_text(&error)}</p>
                    {again.map(|(slot, request_id)| view! {
                        <p>"If the hospital did get your request, trying again will not make a second booking."</p>
                        <button type="button" data-testid="booking-retry"
                            on:click=move |_| step.set(Step::Confirming { slot: slot.clone(), request_id: request_id.clone() })>
                            "Try again"
                        </button>
                        " "
                    })}
                    <button type="button" class="secondary" on:click=move |_| search()>"Choose another time"</button>
                </div>
            }.into_any(),
        }}
    }
}

#[component]
fn Results(
    results: Signal<Option<Result<SlotsView, ApiError>>>,
    step: RwSignal<Step>,
) -> impl IntoView {
    move || {
        match results.get() {
        None => ().into_any(),
        Some(Err(error)) => view! {
            <Notice text=format::error_text(&error).to_owned() />
        }.into_any(),
        Some(Ok(view)) if view.slots.is_empty() => view! {
            <p class="empty" data-testid="no-slots">"No free times in the next four weeks. Try another clinician or a later date."</p>
        }.into_any(),
        Some(Ok(view)) => {
            let groups = format::group_by_day(&view.slots, |s| s.start);
            view! {
                <section class="results" aria-label="Free times">
                    {groups.into_iter().map(|(day, slots)| view! {
                        <h2 class="day">{day}</h2>
                        <ul class="slots">
                            {slots.into_iter().map(|slot| {
                                let label = format!("{} {}", format::time(slot.start),
                                    slot.clinician.clone().unwrap_or_default());
                                let chosen = slot.clone();
                                view! {
                                    <li><button type="button" class="slot" data-testid="slot"
                                        on:click=move |_| step.set(Step::Confirming {
                                            slot: chosen.clone(),
                                            request_id: backend::new_request_id(),
                                        })>{label}</button></li>
                                }
                            }).collect_view()}
                        </ul>
                    }).collect_view()}
                </section>
            }.into_any()
        }
    }
    }
}

#[component]
fn Confirm(
    chosen: SlotView,
    request_id: String,
    moving: Option<AppointmentView>,
    step: RwSignal<Step>,
) -> impl IntoView {
    let slot = chosen;
    let question = match &moving {
        Some(m) => format!(
            "Move your {} appointment from {} to {}?",
            m.service,
            format::when(m.start, m.end),
            format::when(slot.start, slot.end)
        ),
        None => format!(
            "Book {} on {}?",
            slot.service,
            format::when(slot.start, slot.end)
        ),
    };
    let place = [slot.clinician.clone(), slot.location.clone()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    let retry_with = (slot.clone(), request_id.clone());
    let confirm = move |_| {
        let (slot_id, request_id, moving) = (slot.id.clone(), request_id.clone(), moving.clone());
        let again = retry_with.clone();
        step.set(Step::Working);
        spawn_local(async move {
            let result = match moving {
                Some(m) => {
                    let args = RescheduleArgs {
                        appointment_id: m.id,
                        slot_id,
                    };
                    backend::call::<RescheduleAppointment>(&args).await
                }
                None => {
                    backend::call::<BookSlot>(&BookSlotArgs {
                        slot_id,
                        request_id,
                    })
                    .await
                }
            };
            step.set(match result {
                Ok(appointment) => Step::Done(appointment),
                Err(error) => Step::Failed {
                    again: format::outcome_unknown(&error).then_some(again),
                    error,
                },
            });
        });
    };
    view! {
        <div class="card confirm" role="dialog" aria-labelledby="confirm-question" data-testid="confirm">
            <p id="confirm-question" class="question">{question}</p>
            <p class="place">{place}</p>
            <button type="button" data-testid="confirm-booking" on:click=confirm>"Confirm"</button>
            " "
            <button type="button" class="secondary" on:click=move |_| step.set(Step::Choosing)>"Choose another time"</button>
        </div>
    }
}

#[component]
fn Booked(appointment: AppointmentView, moved: bool) -> impl IntoView {
    let screen = expect_context::<RwSignal<Screen>>();
    let what = if moved { "Moved" } else { "Booked" };
    view! {
        <div class="card done" role="status" data-testid="booked">
            <p class="question">{format!("{what}: {} on {}", appointment.service, format::when(appointment.start, appointment.end))}</p>
            {appointment.reference.map(|r| view! {
                <p>"Your booking reference is " <strong data-testid="booked-reference">{r}</strong></p>
            })}
            <button type="button" on:click=move |_| screen.set(Screen::Appointments)>"Back to my appointments"</button>
        </div>
    }
}
