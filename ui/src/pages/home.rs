//! The home screen: greeting, hospital, upcoming appointments, and whether they are live.

use hale_api::{
    AcceptOffer, ApiError, AppointmentArgs, AppointmentStage, AppointmentView, CancelAppointment,
    CheckIn, DeclineOffer, ExportCalendar, GetHome, HomeView, JoinWaitlist, LeaveWaitlist, NoArgs,
    OfferArgs, QueueView, WaitlistArgs, QUEUE_EVENT,
};
use leptos::prelude::*;

use crate::action::{busy_until_replaced, failure};
use crate::backend;
use crate::components::{local_offset, AppointmentCard, ErrorPanel, InlineError, Notice};
use crate::format;
use crate::Screen;

#[component]
pub fn HomePage() -> impl IntoView {
    let home = LocalResource::new(|| backend::call::<GetHome>(&NoArgs {}));
    let retry = Callback::new(move |()| home.refetch());
    // An earlier slot offered while this screen is open appears without a manual reload. The
    // event says only that something changed: its payload, if any, is not read.
    backend::use_event(
        hale_api::WAITLIST_CHANGED_EVENT,
        move |_: serde::de::IgnoredAny| home.refetch(),
    );
    view! {
        <main class="page">
            // A transition keeps the current screen while a reload is under way.
            <Transition fallback=|| view! {
                <p class="loading" role="status" aria-live="polite">"Loading your appointments…"</p>
            }>
                {move || Suspend::new(async move {
                    match home.await {
                        Ok(view) => view! { <Home home=view retry /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
                    }
                })}
            </Transition>
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
    let offline = matches!(home.freshness, hale_api::Freshness::Offline { .. });
    let past = home.past;
    view! {
        <header class="masthead">
            <h1 data-testid="greeting">{greeting}</h1>
            <p class="hospital" data-testid="hospital-name">{format::hospital_name(home.hospital.name.as_deref())}</p>
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
                        {home.appointments.into_iter().map(|a| {
                            let actions = a.clone();
                            view! {
                                <AppointmentCard appointment=a>
                                    <Actions appointment=actions offline retry />
                                </AppointmentCard>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        {(!past.is_empty()).then(|| view! {
            <section aria-labelledby="past-heading">
                <h2 id="past-heading">"Past and cancelled"</h2>
                <ul class="appointments past" data-testid="past">
                    {past.into_iter().map(|a| view! { <AppointmentCard appointment=a /> }).collect_view()}
                </ul>
            </section>
        })}
        {updated.map(|u| view! { <footer class="updated" data-testid="updated">{u}</footer> })}
    }
}

/// Checking in, then the patient's live place in the queue. For an appointment already
/// arrived (e.g. after a restart) it checks in again, which is harmless, to find its place.
#[component]
fn Arrival(appointment: AppointmentView, retry: Callback<()>) -> impl IntoView {
    let place = RwSignal::new(None::<QueueView>);
    let arrived = appointment.status == AppointmentStage::Arrived;
    backend::use_event(QUEUE_EVENT, {
        let id = appointment.id.clone();
        move |q: QueueView| {
            if q.appointment_id.as_deref() == Some(id.as_str()) {
                place.set(Some(q));
            }
        }
    });
    let check_in = Action::new_local(move |args: &AppointmentArgs| {
        let args = args.clone();
        async move {
            let q = backend::call::<CheckIn>(&args).await?;
            if arrived {
                place.set(Some(q));
            } else {
                // Just checked in: reload, so the card shows the appointment as arrived.
                retry.run(());
            }
            Ok::<_, ApiError>(())
        }
    });
    let args = AppointmentArgs {
        appointment_id: appointment.id,
    };
    if arrived {
        check_in.dispatch(args.clone());
    }
    let checking_in = check_in.pending();
    view! {
        {move || match place.get() {
            Some(q) => view! {
                <p class="queue" role="status" aria-live="polite" data-testid="queue-status">{format::queue_words(&q)}</p>
            }.into_any(),
            None => view! {
                <button type="button" data-testid="check-in" disabled=checking_in
                    on:click={
                        let args = args.clone();
                        move |_| { check_in.dispatch(args.clone()); }
                    }>"Check in"</button>
                " "
            }.into_any(),
        }}
        <InlineError error=failure(check_in) />
    }
}

/// A change the patient asks of the waiting list.
#[derive(Clone)]
enum WaitlistChange {
    Join(AppointmentArgs),
    Leave(WaitlistArgs),
    Accept(OfferArgs),
    Decline(OfferArgs),
}

/// Asking for an earlier time, and the offer when one is held for the patient.
#[component]
fn Waitlist(appointment: AppointmentView, retry: Callback<()>) -> impl IntoView {
    // One change at a time; each reloads the screen (or says why it failed).
    let change = Action::new_local(move |change: &WaitlistChange| {
        let change = change.clone();
        async move {
            match change {
                WaitlistChange::Join(args) => backend::call::<JoinWaitlist>(&args).await.map(drop),
                WaitlistChange::Leave(args) => backend::call::<LeaveWaitlist>(&args).await,
                WaitlistChange::Accept(args) => backend::call::<AcceptOffer>(&args).await.map(drop),
                WaitlistChange::Decline(args) => backend::call::<DeclineOffer>(&args).await,
            }?;
            retry.run(());
            Ok::<_, ApiError>(())
        }
    });
    let busy = change.pending();
    let failed = failure(change);
    let Some(entry) = appointment.waitlist else {
        let join = WaitlistChange::Join(AppointmentArgs {
            appointment_id: appointment.id,
        });
        return view! {
            <button type="button" class="secondary" data-testid="join-waitlist" disabled=busy
                on:click=move |_| { change.dispatch(join.clone()); }>"Ask for an earlier time"</button>
            " "
            <InlineError error=failed />
        }.into_any();
    };
    let Some(offer) = entry.offer else {
        let leave = WaitlistChange::Leave(WaitlistArgs {
            entry_id: entry.entry_id,
        });
        return view! {
            <p class="hint" data-testid="waiting">"You are on the waiting list for an earlier time. We will let you know when one frees up."</p>
            <button type="button" class="secondary" data-testid="leave-waitlist" disabled=busy
                on:click=move |_| { change.dispatch(leave.clone()); }>"Stop waiting"</button>
            " "
            <InlineError error=failed />
        }.into_any();
    };
    let when = format::when(offer.start, offer.end);
    let held_until = offer.expires.format("%H:%M").to_string();
    let who = [offer.clinician, offer.location]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(", ");
    let accept = WaitlistChange::Accept(OfferArgs {
        offer_id: offer.offer_id.clone(),
    });
    let decline = WaitlistChange::Decline(OfferArgs {
        offer_id: offer.offer_id,
    });
    view! {
        <section class="offer" role="region" aria-label="Earlier time offered" data-testid="offer">
            <p><strong>"An earlier time is held for you: "</strong>{when}</p>
            {(!who.is_empty()).then(|| view! { <p>{who}</p> })}
            <p class="hint">"Held until " {held_until} ". Take it, and your current time goes to someone else."</p>
            <button type="button" data-testid="accept-offer" disabled=busy
                on:click=move |_| { change.dispatch(accept.clone()); }>"Take this time"</button>
            " "
            <button type="button" class="secondary" data-testid="decline-offer" disabled=busy
                on:click=move |_| { change.dispatch(decline.clone()); }>"No, keep my time"</button>
            <InlineError error=failed />
        </section>
    }.into_any()
}

/// The booking reference as a QR code for the kiosk's scanner, shown on request so the list
/// stays short. Works offline: it needs nothing but the reference.
#[component]
fn QrToggle(reference: String) -> impl IntoView {
    let open = RwSignal::new(false);
    let label = format!("QR code of booking reference {reference}");
    let svg = crate::qr::svg(&reference);
    view! {
        <button type="button" class="secondary" data-testid="show-qr" aria-expanded=move || open.get().to_string()
            on:click=move |_| open.update(|o| *o = !*o)>
            {move || if open.get() { "Hide QR code" } else { "Show QR code" }}
        </button>
        <Show when=move || open.get()>
            <figure class="qr">
                <div role="img" aria-label=label.clone() data-testid="qr" inner_html=svg.clone()></div>
                <figcaption>"Scan at a check-in kiosk, with your date of birth."</figcaption>
            </figure>
        </Show>
    }
}

/// Cancel (after a confirmation) and move. Both need the hospital, so offline they say so.
#[component]
fn Actions(appointment: AppointmentView, offline: bool, retry: Callback<()>) -> impl IntoView {
    let screen = expect_context::<RwSignal<Screen>>();
    let confirming = RwSignal::new(false);
    let cancel = Action::new_local(move |args: &AppointmentArgs| {
        let args = args.clone();
        async move {
            let cancelled = backend::call::<CancelAppointment>(&args).await.map(drop);
            match cancelled {
                Ok(()) => retry.run(()),
                Err(_) => confirming.set(false),
            }
            cancelled
        }
    });
    let cancelling = busy_until_replaced(cancel);
    let cancel_args = AppointmentArgs {
        appointment_id: appointment.id.clone(),
    };
    let export = Action::new_local(move |args: &AppointmentArgs| {
        let args = args.clone();
        async move { backend::call::<ExportCalendar>(&args).await.map(|f| f.path) }
    });
    let saved = export.value();
    let export_args = cancel_args.clone();
    let calendar = view! {
        <button type="button" class="secondary" data-testid="add-to-calendar" disabled=export.pending()
            on:click=move |_| { export.dispatch(export_args.clone()); }>"Add to calendar"</button>
        {appointment.reference.clone().map(|reference| view! { " " <QrToggle reference /> })}
        {move || saved.get().and_then(Result::ok).map(|path| view! {
            <p class="hint" role="status" data-testid="calendar-saved">"Saved to " {path}</p>
        })}
        <InlineError error=failure(export) />
    };
    if offline {
        return view! {
            <div class="actions">
                {calendar}
                <p class="hint">"Changes need the hospital; try again when you are online."</p>
            </div>
        }
        .into_any();
    }
    // Once arrived, the appointment is no longer the patient's to change: show the queue.
    if appointment.status == AppointmentStage::Arrived {
        return view! {
            <div class="actions">
                <Arrival appointment=appointment.clone() retry />
                {calendar}
            </div>
        }
        .into_any();
    }
    let arrival = appointment
        .can_check_in
        .then(|| view! { <Arrival appointment=appointment.clone() retry /> });
    if !appointment.changeable {
        return view! {
            <div class="actions">
                {arrival}
                {calendar}
                <p class="hint">"This appointment is too soon to change in the app. To change it, please call the clinic."</p>
            </div>
        }
        .into_any();
    }
    let waitlist = view! { <Waitlist appointment=appointment.clone() retry /> };
    view! {
        <div class="actions">
            {arrival}
            {waitlist}
            {calendar}
            " "
            <InlineError error=failure(cancel) />
            <Show when=move || confirming.get() fallback=move || {
                let moving = appointment.clone();
                view! {
                    <button type="button" class="secondary" data-testid="move"
                        on:click=move |_| screen.set(Screen::Book { moving: Some(Box::new(moving.clone())) })>"Move"</button>
                    " "
                    <button type="button" class="secondary" data-testid="cancel"
                        on:click=move |_| confirming.set(true)>"Cancel"</button>
                }
            }>
                <p class="question">"Cancel this appointment? The time will be offered to someone else."</p>
                <button type="button" data-testid="confirm-cancel" disabled=cancelling
                    on:click={
                        let args = cancel_args.clone();
                        move |_| { cancel.dispatch(args.clone()); }
                    }>"Yes, cancel it"</button>
                " "
                <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Keep it"</button>
            </Show>
        </div>
    }.into_any()
}
