//! Appointments: booking a new one, the upcoming ones with the action that fits each, and the
//! past and cancelled ones.

use hale_api::{
    AcceptOffer, ApiError, AppointmentArgs, AppointmentStage, AppointmentView, CancelAppointment,
    CheckIn, DeclineOffer, GetHome, HomeView, JoinWaitlist, LeaveWaitlist, NoArgs, OfferArgs,
    QueueView, WaitlistArgs, QUEUE_EVENT,
};
use leptos::prelude::*;

use crate::action::{busy_until_replaced, failure};
use crate::backend;
use crate::components::{
    local_offset, AddToCalendar, AppointmentCard, CheckInCode, ErrorPanel, InlineError, Notice,
};
use crate::format;
use crate::icons::{Icon, IconView};
use crate::Screen;

#[component]
pub fn AppointmentsPage() -> impl IntoView {
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
    let empty = home.appointments.is_empty();
    let offline = matches!(home.freshness, hale_api::Freshness::Offline { .. });
    let past = home.past;
    let screen = expect_context::<RwSignal<Screen>>();
    view! {
        <header class="page-head">
            <h1>"Appointments"</h1>
            <button type="button" data-testid="book-new"
                on:click=move |_| screen.set(Screen::Book { moving: None })>
                <IconView icon=Icon::Plus />"Book an appointment"
            </button>
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
                    {past.into_iter().map(|a| {
                        let summary = visited(&a).then(|| a.id.clone());
                        view! {
                            <AppointmentCard appointment=a>
                                {summary.map(|appointment_id| view! {
                                    <button type="button" class="secondary" data-testid="open-visit-summary"
                                        on:click=move |_| screen.set(Screen::VisitSummary { appointment_id: appointment_id.clone() })>
                                        "Visit summary"</button>
                                })}
                            </AppointmentCard>
                        }
                    }).collect_view()}
                </ul>
            </section>
        })}
        {updated.map(|u| view! { <footer class="updated" data-testid="updated">{u}</footer> })}
    }
}

/// Whether a past appointment had a visit to summarise: the patient came. A summary is the
/// patient's own, so it is not offered to someone looking after them.
fn visited(a: &AppointmentView) -> bool {
    let helping = expect_context::<RwSignal<Option<hale_api::LookingAfterView>>>()
        .with_untracked(Option::is_some);
    !helping
        && matches!(
            a.status,
            AppointmentStage::Finished | AppointmentStage::Arrived
        )
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

/// The card's actions: one main action that fits the moment (check in inside the window, else
/// the check-in code), a "Change" menu (move, an earlier time, the calendar) and Cancel, styled
/// as the destructive action it is and confirmed first. Changes need the hospital, so offline
/// the card says so instead of offering them.
#[component]
fn Actions(appointment: AppointmentView, offline: bool, retry: Callback<()>) -> impl IntoView {
    let screen = expect_context::<RwSignal<Screen>>();
    let confirming = RwSignal::new(false);
    let menu = RwSignal::new(false);
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
    let args = AppointmentArgs {
        appointment_id: appointment.id.clone(),
    };
    let arrived = appointment.status == AppointmentStage::Arrived;
    // Once arrived, the appointment is no longer the patient's to change: show the queue.
    let changeable = appointment.changeable && !offline && !arrived;
    // Within the rules, what the hospital offers in the app.
    let can_move = changeable && appointment.can_move;
    let can_cancel = changeable && appointment.can_cancel;
    let can_wait = changeable && appointment.can_wait;
    let offer = changeable
        && appointment
            .waitlist
            .as_ref()
            .is_some_and(|w| w.offer.is_some());
    let offers = expect_context::<crate::components::Offers>();
    let main = match format::main_action(&appointment, offline) {
        // Arrived (checked in at the desk, say) where the app cannot follow the queue: the card
        // says so rather than checking in again to find a place the hospital does not give.
        format::MainAction::Queue => {
            let appointment = appointment.clone();
            let follows = Memo::new(move |_| {
                offers.with(|o| o.as_ref().map(|o| o.offers(hale_api::FeatureView::CheckIn)))
            });
            (move || match follows.get() {
                Some(true) => {
                    view! { <Arrival appointment=appointment.clone() retry /> }.into_any()
                }
                Some(false) => {
                    view! { <p class="hint" data-testid="checked-in">"You are checked in."</p> }
                        .into_any()
                }
                None => ().into_any(),
            })
            .into_any()
        }
        format::MainAction::CheckIn => {
            view! { <Arrival appointment=appointment.clone() retry /> }.into_any()
        }
        format::MainAction::ShowCode => appointment
            .reference
            .clone()
            .map(|reference| view! { <CheckInCode reference main=true /> })
            .into_any(),
    };
    let hint = {
        let appointment = appointment.clone();
        move || offers.with(|o| format::change_hint(&appointment, offline, o.as_ref()))
    };
    let question = format!("cancel-question-{}", appointment.id);
    let moving = appointment.clone();
    let waitlist = appointment.clone();
    let form_for = appointment.clone();
    let helping = expect_context::<RwSignal<Option<hale_api::LookingAfterView>>>()
        .with_untracked(Option::is_some);
    view! {
        <div class="actions">
            {offer.then(|| view! { <Waitlist appointment=appointment.clone() retry /> })}
            <div class="action-row">
                {main}
                <button type="button" class="secondary" data-testid="change"
                    aria-expanded=move || menu.get().to_string()
                    on:click=move |_| menu.update(|m| *m = !*m)>
                    {if can_move || can_cancel || can_wait { "Change" } else { "More" }}
                </button>
            </div>
            <Show when=move || menu.get()>
                <div class="change-menu" role="group" aria-label="Change this appointment" data-testid="change-menu">
                    {can_move.then(|| {
                        let moving = moving.clone();
                        view! {
                            <button type="button" class="secondary" data-testid="move"
                                on:click=move |_| screen.set(Screen::Book { moving: Some(Box::new(moving.clone())) })>"Move to another time"</button>
                        }
                    })}
                    {(can_wait && !offer).then(|| view! { <Waitlist appointment=waitlist.clone() retry /> })}
                    <AddToCalendar appointment_id=appointment.id.clone() testid="add-to-calendar" />
                </div>
            </Show>
            // A form is the patient's own to fill in: not offered to someone looking after them.
            {(form_for.has_form && !helping).then(|| {
                let appointment_id = form_for.id.clone();
                view! {
                    <button type="button" class="secondary" data-testid="open-form"
                        on:click=move |_| screen.set(Screen::Form { appointment_id: appointment_id.clone() })>
                        "Before your visit: your form"</button>
                }
            })}
            {move || hint().map(|h| view! { <p class="hint" data-testid="change-hint">{h}</p> })}
            {can_cancel.then(|| view! {
                <Show when=move || confirming.get() fallback=move || view! {
                    <button type="button" class="danger" data-testid="cancel"
                        on:click=move |_| confirming.set(true)>"Cancel appointment"</button>
                }>
                    <div class="confirm" role="group" aria-labelledby=question.clone()>
                        <p class="question" id=question.clone()>"Cancel this appointment? The time will be offered to someone else."</p>
                        <button type="button" class="danger" data-testid="confirm-cancel" disabled=cancelling
                            on:click={
                                let args = args.clone();
                                move |_| { cancel.dispatch(args.clone()); }
                            }>"Yes, cancel it"</button>
                        " "
                        <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Keep it"</button>
                    </div>
                </Show>
            })}
            <InlineError error=failure(cancel) />
        </div>
    }
}
