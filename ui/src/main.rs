//! Hale's user interface: Leptos components rendered in the app's webview.
//!
//! The UI holds no business rules and reaches nothing but the shell, through the typed wrappers
//! in `backend`. Presentation logic that can be a plain function (`format`) is one, and is unit
//! tested; components are tested end to end in the real app (`tests/`).

mod action;
mod backend;
mod components;
mod format;
mod i18n;
mod icons;
mod marks;
mod nav;
mod pages;
mod qr;

use hale_api::AppointmentView;
use leptos::prelude::*;
use leptos::task::spawn_local;

fn main() {
    marks::set(marks::UI);
    console_error_panic_hook::set_once();
    mount_to_body(App);
}

/// Which screen is showing. Kept in one signal provided as context: the app has few screens and
/// no URLs to share, so a router would add weight without benefit.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// What matters now: the first screen.
    Today,
    Appointments,
    /// Find and book a slot; with an appointment, move that appointment instead.
    Book {
        // Boxed: the appointment is large and the other screens carry nothing.
        moving: Option<Box<AppointmentView>>,
    },
    Medicines,
    Parking,
    /// The places that have no tab of their own.
    More,
    Settings,
    WaitingTimes,
    Devices,
    CareTeam,
    /// Who helps the patient, whom they help, and looking after someone.
    CareCircle,
    /// The form the hospital asks for before one appointment.
    Form {
        appointment_id: String,
    },
    /// What one past visit left behind.
    VisitSummary {
        appointment_id: String,
    },
    /// A copy of the patient's own record, to take elsewhere.
    Record,
}

impl Screen {
    /// The screen that shows a place the shell names.
    fn of_place(place: hale_api::PlaceView) -> Screen {
        use hale_api::PlaceView;
        match place {
            PlaceView::Today => Screen::Today,
            PlaceView::Appointments => Screen::Appointments,
            PlaceView::Medicines => Screen::Medicines,
            PlaceView::Parking => Screen::Parking,
            PlaceView::WaitingTimes => Screen::WaitingTimes,
            PlaceView::Devices => Screen::Devices,
            PlaceView::CareTeam => Screen::CareTeam,
            PlaceView::CareCircle => Screen::CareCircle,
        }
    }
}

/// Whether a patient is signed in, as the shell said last. Provided as context: any screen that
/// learns the sign-in has ended (an error coded `NotSignedIn`) sets it, and the sign-in screen
/// takes over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Session {
    Unknown,
    SignedIn,
    SignedOut(SignedOutBecause),
}

/// What the sign-in screen says about why it shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedOutBecause {
    /// Nobody has signed in on this device (or the sign-in was not kept).
    NotYet,
    /// The patient signed out; whether the hospital heard of it.
    SignedOut { hospital_told: bool },
    /// The hospital ended the sign-in (expired, revoked, signed out elsewhere).
    Ended,
}

/// The kiosk or the patient app, as the shell says.
#[component]
fn App() -> impl IntoView {
    // The patient window starts at once: only a kiosk needs to ask for its settings.
    if backend::window_label().as_deref() == Some(hale_api::PATIENT_WINDOW) {
        return view! { <PatientApp /> }.into_any();
    }
    let mode = LocalResource::new(|| backend::call::<hale_api::GetMode>(&hale_api::NoArgs {}));
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match mode.await {
                    Ok(hale_api::AppMode::Kiosk { idle_seconds, hospital_name }) => {
                        view! { <pages::kiosk::KioskApp idle_seconds hospital_name /> }.into_any()
                    }
                    // The patient app also covers a failure to ask, which it reports itself.
                    _ => view! { <PatientApp /> }.into_any(),
                }
            })}
        </Suspense>
    }
    .into_any()
}

#[component]
fn PatientApp() -> impl IntoView {
    let session = RwSignal::new(Session::Unknown);
    provide_context(session);
    let reset = RwSignal::new(None::<hale_api::LocalDataReset>);
    let first_home = pages::today::FirstHome::ask();
    spawn_local(async move {
        // A failure to ask is shown by the screens themselves; assume signed in until told.
        let view = backend::call::<hale_api::GetSession>(&hale_api::NoArgs {}).await;
        marks::set(marks::SESSION);
        let signed_in = view.as_ref().map_or(true, |s| s.signed_in);
        if !signed_in {
            first_home.forget();
        }
        reset.set(view.ok().and_then(|s| s.local_data_reset));
        session.set(if signed_in {
            Session::SignedIn
        } else {
            Session::SignedOut(SignedOutBecause::NotYet)
        });
    });
    let screens = move || match session.get() {
        Session::Unknown => view! { <p class="loading" role="status">"Starting…"</p> }.into_any(),
        Session::SignedIn => view! { <SignedInApp /> }.into_any(),
        Session::SignedOut { .. } => view! { <pages::sign_in::SignInPage /> }.into_any(),
    };
    view! {
        {move || reset.get().map(|reason| view! {
            <div class="notice" role="alert" data-testid="local-data-reset">
                <p>{format::local_data_reset(reason)}</p>
                <button type="button" class="secondary" on:click=move |_| reset.set(None)>"OK"</button>
            </div>
        })}
        {screens}
    }
}

#[component]
fn SignedInApp() -> impl IntoView {
    let screen = RwSignal::new(Screen::Today);
    provide_context(screen);
    // A notification or the tray opened the window for a place: asked once when the window is
    // built, then told while it is open.
    backend::use_event(
        hale_api::OPEN_PLACE_EVENT,
        move |place: hale_api::PlaceView| {
            screen.set(Screen::of_place(place));
        },
    );
    spawn_local(async move {
        if let Ok(Some(place)) =
            backend::call::<hale_api::TakePlaceToOpen>(&hale_api::NoArgs {}).await
        {
            screen.set(Screen::of_place(place));
        }
    });
    // Whose records the screens show, when not the signed-in person's: asked once, then told by
    // the shell at every change (a switch, or a consent that ended during any request).
    let looking = RwSignal::new(None::<hale_api::LookingAfterView>);
    provide_context(looking);
    let update = move |now: Option<hale_api::LookingAfterView>| {
        if looking.get_untracked() != now {
            looking.set(now);
        }
    };
    backend::use_event(hale_api::LOOKING_AFTER_EVENT, update);
    Effect::new(move |_| {
        screen.track();
        spawn_local(async move {
            if let Ok(now) = backend::call::<hale_api::GetLookingAfter>(&hale_api::NoArgs {}).await
            {
                update(now);
            }
        });
    });
    // What the hospital offers in the app: asked at every change of screen (a sign-in may have
    // read its statement again meanwhile); screens it does not offer say so instead.
    let offers: components::Offers = RwSignal::new(None);
    provide_context(offers);
    Effect::new(move |_| {
        screen.track();
        spawn_local(async move {
            let now = backend::call::<hale_api::GetOffers>(&hale_api::NoArgs {})
                .await
                // Unknown: the screens ask, and the shell refuses what is not offered.
                .unwrap_or_else(|_| hale_api::OffersView::everything());
            if offers.with_untracked(|o| o.as_ref() != Some(&now)) {
                offers.set(Some(now));
            }
        });
    });
    // Each screen is drawn again for another person, so nothing of the last one stays.
    let whose = Memo::new(move |_| looking.with(|l| l.as_ref().map(|l| l.patient_id.clone())));
    view! {
        <div class="app">
            <nav::MainNav />
            <div class="main-column">
            <components::LookingAfterBanner />
            {move || match (whose.track(), screen.get()).1 {
                Screen::Today => view! { <pages::today::TodayPage /> }.into_any(),
                Screen::Appointments => view! { <pages::appointments::AppointmentsPage /> }.into_any(),
                Screen::Book { moving } => {
                    let moving = moving.map(|m| *m);
                    let (feature, title) = if moving.is_some() {
                        (hale_api::FeatureView::Moving, "Move an appointment")
                    } else {
                        (hale_api::FeatureView::Booking, "Book an appointment")
                    };
                    view! {
                        <components::Offered feature title>
                            <pages::book::BookPage moving=moving.clone() />
                        </components::Offered>
                    }.into_any()
                }
                Screen::More => view! { <pages::more::MorePage /> }.into_any(),
                Screen::Settings => view! { <pages::settings::SettingsPage /> }.into_any(),
                Screen::WaitingTimes => view! {
                    <components::Offered feature=hale_api::FeatureView::WaitingTimes title="Waiting times">
                        <pages::waiting::WaitingTimesPage />
                    </components::Offered>
                }.into_any(),
                Screen::Parking => view! {
                    <components::Offered feature=hale_api::FeatureView::Parking title="Parking">
                        <pages::parking::ParkingPage />
                    </components::Offered>
                }.into_any(),
                Screen::Medicines => view! { <pages::medicines::MedicinesPage /> }.into_any(),
                Screen::Devices => view! { <pages::devices::DevicesPage /> }.into_any(),
                Screen::CareTeam => view! { <pages::care_team::CareTeamPage /> }.into_any(),
                Screen::CareCircle => view! { <pages::care_circle::CareCirclePage /> }.into_any(),
                Screen::Form { appointment_id } => {
                    view! { <pages::form::FormPage appointment_id /> }.into_any()
                }
                Screen::VisitSummary { appointment_id } => {
                    view! { <pages::visit::VisitSummaryPage appointment_id /> }.into_any()
                }
                Screen::Record => view! { <pages::record::RecordPage /> }.into_any(),
            }}
            </div>
        </div>
    }
}
