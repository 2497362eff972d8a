//! Find a free slot and book it, or move an existing appointment to it.

use chrono::NaiveDate;
use hale_api::{
    ApiError, AppointmentView, BookSlot, BookSlotArgs, ErrorCode, FindSlots, FindSlotsArgs,
    GetHome, ListServices, NoArgs, RescheduleAppointment, RescheduleArgs, ServiceView, SlotView,
    SlotsView,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend;
use crate::components::{AddToCalendar, CheckInCode, ErrorPanel, Notice};
use crate::format;
use crate::Screen;

/// How many days one search covers.
const SEARCH_DAYS: u32 = 28;
/// How many days the day strip shows at once.
const STRIP_DAYS: u32 = 14;

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
                            // A hospital may take bookings and yet publish no schedules.
                            Ok(list) if list.is_empty() => view! {
                                <p class="empty" data-testid="no-services">
                                    {if moving.is_some() {
                                        "No other times can be chosen in the app right now. To move this appointment, please call the clinic."
                                    } else {
                                        "No services can be booked in the app right now. To book, please call the clinic."
                                    }}
                                </p>
                            }.into_any(),
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
    // The first day the strip shows; "Later dates" moves it on.
    let strip_start = RwSignal::new(today());
    // The patient's other appointments, for a warning when a time is on the same day.
    let others = LocalResource::new(|| backend::call::<GetHome>(&NoArgs {}));
    let others = Signal::derive(move || {
        others
            .get()
            .and_then(Result::ok)
            .map(|h| h.appointments)
            .unwrap_or_default()
    });
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

    // Slots already shown, for "Show more times" (the next page adds to them).
    let shown = RwSignal::new(Vec::<SlotView>::new());
    let search_from = move |offset: u32| {
        let args = FindSlotsArgs {
            service_code: service.get_untracked(),
            clinician_id: Some(clinician.get_untracked()).filter(|c| !c.is_empty()),
            from: from.get_untracked(),
            days: SEARCH_DAYS,
            offset,
        };
        if offset == 0 {
            shown.set(Vec::new());
        }
        step.set(Step::Choosing);
        find.dispatch(args);
    };
    let search = move || search_from(0);
    // Each page's slots join those shown.
    Effect::new(move |_| {
        if let Some(Ok(page)) = find.value().get() {
            shown.update(|s| {
                for slot in page.slots {
                    if !s.iter().any(|x| x.id == slot.id) {
                        s.push(slot);
                    }
                }
            });
        }
    });

    // The screen opens with the soonest free times.
    search();

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
            <button type="submit" data-testid="search">"Find free times"</button>
        </form>
        <DayStrip from strip_start on_pick=Callback::new(move |()| search()) />
        {move || match step.get() {
            Step::Choosing => view! {
                <Results results shown step more=Callback::new(move |()| search_from(shown.with_untracked(|s| s.len() as u32))) />
            }.into_any(),
            Step::Confirming { slot, request_id } => {
                let clash = format::same_day(&slot, &others.get(), moving.with_value(|m| m.as_ref().map(|m| m.id.clone())));
                view! { <Confirm chosen=slot request_id moving=moving.get_value() clash step /> }.into_any()
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

/// A strip of days to start from, in the patient's own words ("Fri 4 Dec"), two weeks at a
/// time; picking one searches from it.
#[component]
fn DayStrip(
    from: RwSignal<NaiveDate>,
    strip_start: RwSignal<NaiveDate>,
    on_pick: Callback<()>,
) -> impl IntoView {
    let first = today();
    view! {
        <nav class="day-strip" aria-label="Start from">
            <button type="button" class="secondary" data-testid="earlier-dates"
                disabled=move || strip_start.get() <= first
                on:click=move |_| strip_start.update(|d| {
                    *d = (*d - chrono::Days::new(u64::from(STRIP_DAYS))).max(first);
                })>"Earlier dates"</button>
            <ul>
                {move || {
                    let start = strip_start.get();
                    (0..STRIP_DAYS).filter_map(|i| start.checked_add_days(chrono::Days::new(u64::from(i)))).map(|day| {
                        let (weekday, date) = format::strip_day(day, first);
                        view! {
                            <li>
                                <button type="button" class="day-chip" data-testid=format!("day-{day}")
                                    aria-pressed=move || (from.get() == day).to_string()
                                    on:click=move |_| { from.set(day); on_pick.run(()); }>
                                    <span class="weekday">{weekday}</span>
                                    <span class="date">{date}</span>
                                </button>
                            </li>
                        }
                    }).collect_view()
                }}
            </ul>
            <button type="button" class="secondary" data-testid="later-dates"
                on:click=move |_| strip_start.update(|d| {
                    if let Some(next) = d.checked_add_days(chrono::Days::new(u64::from(STRIP_DAYS))) {
                        *d = next;
                    }
                })>"Later dates"</button>
        </nav>
    }
}

#[component]
fn Results(
    results: Signal<Option<Result<SlotsView, ApiError>>>,
    shown: RwSignal<Vec<SlotView>>,
    step: RwSignal<Step>,
    more: Callback<()>,
) -> impl IntoView {
    move || {
        match results.get() {
        None => ().into_any(),
        Some(Err(error)) => view! {
            <Notice text=format::error_text(&error).to_owned() />
        }.into_any(),
        Some(Ok(view)) if view.slots.is_empty() && shown.with(Vec::is_empty) => view! {
            <p class="empty" data-testid="no-slots">"No free times in the next four weeks. Try another clinician or a later date."</p>
        }.into_any(),
        Some(Ok(view)) => {
            let slots = shown.get();
            let groups = format::group_by_day(&slots, |s| s.start);
            view! {
                <section class="results" aria-label="Free times">
                    {groups.into_iter().map(|(day, slots)| view! {
                        <h2 class="day">{day}</h2>
                        {format::by_part_of_day(&slots).into_iter().map(|(part, slots)| view! {
                            <h3 class="part-of-day">{part}</h3>
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
                    }).collect_view()}
                    {view.has_more.then(|| view! {
                        <button type="button" class="secondary" data-testid="more-slots"
                            on:click=move |_| more.run(())>"Show more times"</button>
                    })}
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
    /// Another appointment of the patient's on the same day, worded.
    clash: Option<String>,
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
            {clash.map(|c| view! { <p class="notice" data-testid="same-day">{c}</p> })}
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
            {appointment.reference.clone().map(|r| view! {
                <p>"Your booking reference is " <strong data-testid="booked-reference">{r}</strong></p>
            })}
            <div class="actions">
                {appointment.reference.map(|reference| view! { <CheckInCode reference /> })}
                <button type="button" on:click=move |_| screen.set(Screen::Appointments)>"Back to my appointments"</button>
                <AddToCalendar appointment_id=appointment.id.clone() testid="booked-calendar" />
            </div>
        </div>
    }
}
