//! Today: the first screen, with what matters now. Each part loads on its own, so a part the
//! hospital cannot answer for says so without hiding the others:
//! - the doses to take now, each with a one-tap Taken and a few seconds of Undo (`doses`);
//! - today's or the next appointment, its check-in and the live wait at its clinic;
//! - the parking time left; the newest reading and any open alert; offers of an earlier time.

mod doses;
mod parts;

use hale_api::{
    AppointmentArgs, AppointmentView, CareTeamView, CheckIn, DevicesView, GetCareTeam, GetDevices,
    GetHome, GetParking, GetWaitingTimes, HomeView, NoArgs, ParkingView, WaitingTimesView,
};
use leptos::prelude::*;

use crate::action::failure;
use crate::backend;
use crate::components::{local_now, CheckInCode, InlineError, Notice};
use crate::format;
use crate::icons::{Icon, IconView};
use crate::marks;
use crate::Screen;
use parts::{Part, Parts};

/// The home screen's first answer, asked for beside the sign-in check as the app starts (Today
/// is the first screen), so the two round trips overlap instead of following each other.
#[derive(Debug, Clone, Copy)]
pub struct FirstHome(StoredValue<Option<HomeResource>, LocalStorage>);

type HomeResource = LocalResource<Result<HomeView, hale_api::ApiError>>;

impl FirstHome {
    /// Asks now, for the first Today screen to take.
    pub fn ask() -> Self {
        let first = FirstHome(StoredValue::new_local(Some(home_resource())));
        provide_context(first);
        first
    }

    /// Drops the answer: nobody was signed in when it was asked, so it is no one's home.
    pub fn forget(self) {
        self.0.update_value(|h| *h = None);
    }

    fn take() -> Option<HomeResource> {
        use_context::<FirstHome>()?
            .0
            .try_update_value(Option::take)
            .flatten()
    }
}

fn home_resource() -> HomeResource {
    LocalResource::new(|| async {
        let answer = backend::call::<GetHome>(&NoArgs {}).await;
        marks::set(marks::HOME_DATA);
        answer
    })
}

#[component]
pub fn TodayPage() -> impl IntoView {
    let home = FirstHome::take().unwrap_or_else(home_resource);
    let parts = Parts::provide();
    backend::use_event(
        hale_api::WAITLIST_CHANGED_EVENT,
        move |_: serde::de::IgnoredAny| home.refetch(),
    );
    view! {
        <main class="page today">
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading today…"</p> }>
                {move || Suspend::new(async move {
                    let answer = home.await;
                    // Drawn in this same turn, as the other parts are when they report.
                    parts.arrived(Part::Appointment);
                    match answer {
                        Ok(view) => view! { <Heading home=view.clone() /> <NextAppointment home=view retry=Callback::new(move |()| home.refetch()) /> }.into_any(),
                        Err(error) => view! {
                            <h1>"Today"</h1>
                            <section class="card" aria-label="Appointments">
                                <InlineError error=move || Some(error.clone()) />
                            </section>
                        }.into_any(),
                    }
                })}
            </Transition>
            <doses::TodayDoses />
            <Parking />
            <Readings />
            <crate::components::StartAtLoginOffer loaded=Callback::new(move |()| parts.arrived(Part::StartAtLogin)) />
        </main>
    }
}

#[component]
fn Heading(home: HomeView) -> impl IntoView {
    let greeting = match &home.patient_name {
        Some(name) => format!("Hello, {name}"),
        None => "Hello".to_owned(),
    };
    let notice = format::offline_notice(&home.freshness, crate::components::local_offset());
    view! {
        <header class="masthead">
            <h1 data-testid="greeting">{greeting}</h1>
            <p class="hospital" data-testid="hospital-name">{format::hospital_name(home.hospital.name.as_deref())}</p>
        </header>
        {notice.map(|text| view! { <Notice text /> })}
    }
}

/// Offers waiting for an answer, then today's or the next appointment.
#[component]
fn NextAppointment(home: HomeView, retry: Callback<()>) -> impl IntoView {
    let screen = expect_context::<RwSignal<Screen>>();
    let offers = home
        .appointments
        .iter()
        .filter(|a| a.waitlist.as_ref().is_some_and(|w| w.offer.is_some()))
        .count();
    let offline = matches!(home.freshness, hale_api::Freshness::Offline { .. });
    let next = home.appointments.into_iter().next();
    // Runs once the card is in the page: the start-up bench reads this mark instead of polling
    // the page, which would itself slow the start it measures.
    Effect::new(|_| marks::set(marks::HOME));
    view! {
        {(offers > 0).then(|| view! {
            <section class="card attention" aria-labelledby="offers-heading" data-testid="today-offers">
                <h2 id="offers-heading">"An earlier time is held for you"</h2>
                <p>{if offers == 1 { "Answer before the hold runs out.".to_owned() } else { format!("{offers} offers wait for your answer.") }}</p>
                <button type="button" on:click=move |_| screen.set(Screen::Appointments)>"See the offer"</button>
            </section>
        })}
        <section class="card" aria-labelledby="appointment-heading" data-testid="today-appointment">
            <h2 id="appointment-heading" class="card-title"><IconView icon=Icon::Calendar />"Next appointment"</h2>
            {match next {
                Some(appointment) => view! { <AppointmentSummary appointment offline retry /> }.into_any(),
                None => view! {
                    <p class="empty">"You have no upcoming appointments."</p>
                    <button type="button" class="secondary" data-testid="today-book"
                        on:click=move |_| screen.set(Screen::Book { moving: None })>"Book an appointment"</button>
                }.into_any(),
            }}
        </section>
    }
}

#[component]
fn AppointmentSummary(
    appointment: AppointmentView,
    offline: bool,
    retry: Callback<()>,
) -> impl IntoView {
    let now = local_now();
    let today = now.date_naive();
    let when = format::appointment_when(appointment.start, today);
    let is_today = appointment.start.date_naive() == today;
    let waits = LocalResource::new(move || async move {
        if is_today {
            backend::call::<GetWaitingTimes>(&NoArgs {}).await.ok()
        } else {
            None
        }
    });
    backend::use_event(hale_api::WAITING_TIMES_EVENT, move |_: WaitingTimesView| {
        waits.refetch()
    });
    let check_in = Action::new_local(move |args: &AppointmentArgs| {
        let args = args.clone();
        async move {
            backend::call::<CheckIn>(&args).await?;
            retry.run(());
            Ok::<_, hale_api::ApiError>(())
        }
    });
    let args = AppointmentArgs {
        appointment_id: appointment.id.clone(),
    };
    let for_wait = appointment.clone();
    let action = match format::main_action(&appointment, offline) {
        format::MainAction::Queue => view! {
            <p class="status-line ok" data-testid="today-arrived"><IconView icon=Icon::Tick />"You're checked in. We'll tell you when you're called."</p>
        }
        .into_any(),
        format::MainAction::CheckIn => view! {
            <button type="button" class="big" data-testid="today-check-in" disabled=check_in.pending()
                on:click=move |_| { check_in.dispatch(args.clone()); }>"Check in"</button>
        }
        .into_any(),
        format::MainAction::ShowCode => appointment
            .reference
            .clone()
            .map(|reference| view! { <CheckInCode reference main=true /> })
            .into_any(),
    };
    view! {
        <p class="big-line"><strong>{appointment.service.clone()}</strong></p>
        <p class="when" data-testid="today-when"><time datetime=appointment.start.to_rfc3339()>{when}</time></p>
        {appointment.location.clone().map(|l| view! { <p class="location">{l}</p> })}
        <Transition fallback=|| ()>
            {move || {
                let for_wait = for_wait.clone();
                Suspend::new(async move {
                    let board: Option<WaitingTimesView> = waits.await;
                    board.and_then(|b| {
                        format::clinic_wait(&for_wait, &b.clinics, local_now().date_naive())
                            .map(|c| view! { <p class="wait" data-testid="today-wait">{format::clinic_wait_words(c)}</p> })
                    })
                })
            }}
        </Transition>
        <div class="actions">{action}</div>
        <InlineError error=failure(check_in) />
    }
}

/// The running parking session's time left, if one runs.
#[component]
fn Parking() -> impl IntoView {
    let screen = expect_context::<RwSignal<Screen>>();
    let parts = expect_context::<Parts>();
    let parking = LocalResource::new(|| backend::call::<GetParking>(&NoArgs {}));
    // The minute ticks over while the screen is open.
    let now = RwSignal::new(local_now());
    let tick = set_interval_with_handle(
        move || now.set(local_now()),
        std::time::Duration::from_secs(20),
    )
    .ok();
    on_cleanup(move || {
        if let Some(t) = tick {
            t.clear();
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let view: Option<ParkingView> = parking.await.ok();
                parts.arrived(Part::Parking);
                view.and_then(|p| p.sessions.into_iter().find(|s| s.running)).map(|s| {
                    let expires = s.expires;
                    view! {
                        <section class="card" aria-labelledby="parking-heading" data-testid="today-parking">
                            <h2 id="parking-heading" class="card-title"><IconView icon=Icon::Parking />"Parking"</h2>
                            <p class="big-line" data-testid="today-time-left">{move || format::time_left(format::minutes_until(expires, now.get()))}</p>
                            <p class="hint">{format!("{} · until {}", s.car_park_name, format::time(expires))}</p>
                            <button type="button" class="secondary" on:click=move |_| screen.set(Screen::Parking)>"Extend or end"</button>
                        </section>
                    }
                })
            })}
        </Transition>
    }
}

/// The newest reading, and the alerts the hospital has open.
#[component]
fn Readings() -> impl IntoView {
    let screen = expect_context::<RwSignal<Screen>>();
    let devices = LocalResource::new(|| backend::call::<GetDevices>(&NoArgs {}));
    let care = LocalResource::new(|| backend::call::<GetCareTeam>(&NoArgs {}));
    let parts = expect_context::<Parts>();
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                let devices: Option<DevicesView> = devices.await.ok();
                let care: Option<CareTeamView> = care.await.ok();
                parts.arrived(Part::Readings);
                let open: Vec<_> = care.map(|c| c.alerts.into_iter().filter(|a| a.cleared.is_none()).collect()).unwrap_or_default();
                let newest = devices.as_ref().and_then(|d| format::newest_reading(&d.latest).cloned());
                (newest.is_some() || !open.is_empty()).then(|| view! {
                    <section class="card" aria-labelledby="readings-heading" data-testid="today-readings">
                        <h2 id="readings-heading" class="card-title"><IconView icon=Icon::Heartbeat />"Readings"</h2>
                        {open.into_iter().map(|a| view! {
                            <p class="status-line alert" data-testid="today-alert"><IconView icon=Icon::Warning />{format::alert_words(&a)}</p>
                        }).collect_view()}
                        {newest.map(|r| view! {
                            <p data-testid="today-reading">
                                {format::reading_label(r.kind)} ": " <strong>{format!("{} {}", r.value, r.unit)}</strong>
                                {r.flag.map(|f| view! { " " <span class="flag">{f}</span> })}
                            </p>
                            <p class="hint">{format!("{} at {}{}", format::relative_day(r.at.date_naive(), local_now().date_naive()), format::time(r.at), if r.clinic { ", at the clinic" } else { "" })}</p>
                        })}
                        <button type="button" class="secondary" on:click=move |_| screen.set(Screen::Devices)>"All readings"</button>
                    </section>
                })
            })}
        </Transition>
    }
}
