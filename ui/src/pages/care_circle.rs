//! Care circle: the people who help the patient (what each may see and do, inviting one more,
//! stopping) and the people the patient helps (looking after them, accepting an invitation,
//! stepping down). Shown as the person themself: while they look after someone, the page
//! offers the way back first, and their recent alerts as a helper.

use hale_api::{
    AcceptInvitation, AcceptInvitationArgs, AlertSettingsArgs, AlertSettingsView, ApiError,
    CircleMemberView, ConsentArgs, EndGrant, GetCareCircle, GetHelperAlerts, GrantStatusView,
    HelperAlertKindView, HelperAlertView, InviteArgs, InviteHelper, LookAfter, LookAfterArgs,
    LookingAfterView, NoArgs, PermissionView, SetAlertSettings, ALERT_KIND_CHOICES,
    HELPER_ALERTS_EVENT, PERMISSION_CHOICES,
};
use leptos::prelude::*;

use crate::action::{busy_until_replaced, failure};
use crate::backend;
use crate::components::{ErrorPanel, InlineError};
use crate::format;
use crate::Screen;

#[component]
pub fn CareCirclePage() -> impl IntoView {
    let looking = expect_context::<RwSignal<Option<LookingAfterView>>>();
    view! {
        <main class="page">
            <h1>"Care circle"</h1>
            {move || match looking.get() {
                Some(someone) => view! { <WhileLookingAfter someone /> }.into_any(),
                None => view! { <Circle /> }.into_any(),
            }}
        </main>
    }
}

/// Goes back to the signed-in person's own records.
pub fn back_to_me(looking: RwSignal<Option<LookingAfterView>>) -> Action<(), Result<(), ApiError>> {
    Action::new_local(move |(): &()| async move {
        let now = backend::call::<LookAfter>(&LookAfterArgs { patient_id: None }).await?;
        looking.set(now);
        Ok(())
    })
}

#[component]
fn WhileLookingAfter(someone: LookingAfterView) -> impl IntoView {
    let looking = expect_context::<RwSignal<Option<LookingAfterView>>>();
    let back = back_to_me(looking);
    let name = someone.name.unwrap_or_else(|| "someone you help".into());
    // The alerts are the helper's own and need no switch back: an urgent one is read here.
    let alerts = LocalResource::new(|| backend::call::<GetHelperAlerts>(&NoArgs {}));
    backend::use_event(HELPER_ALERTS_EVENT, move |(): ()| alerts.refetch());
    let retry = Callback::new(move |()| alerts.refetch());
    view! {
        <p>{format!("Your care circle is yours: while you look after {name}, it is not shown.")}</p>
        <button type="button" data-testid="circle-back-to-me" prop:disabled=busy_until_replaced(back)
            on:click=move |_| { back.dispatch(()); }>"Back to my own records"</button>
        <InlineError error=failure(back) />
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match alerts.await {
                    Ok(alerts) if alerts.is_empty() => ().into_any(),
                    Ok(alerts) => view! { <Alerts alerts /> }.into_any(),
                    Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Circle() -> impl IntoView {
    let circle = LocalResource::new(|| backend::call::<GetCareCircle>(&NoArgs {}));
    let retry = Callback::new(move |()| circle.refetch());
    backend::use_event(HELPER_ALERTS_EVENT, move |(): ()| circle.refetch());
    // The forms stand outside what reloads, so an invitation code shown once, or a code being
    // typed, survives the circle being read again.
    view! {
        <section aria-labelledby="helpers-heading">
            <h2 id="helpers-heading">"People who help you"</h2>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading your care circle…"</p> }>
                {move || Suspend::new(async move {
                    match circle.await {
                        Ok(view) => view! { <Helpers helpers=view.helpers reload=retry /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
                    }
                })}
            </Transition>
            <Invite />
        </section>
        <section aria-labelledby="helping-heading">
            <h2 id="helping-heading">"People you help"</h2>
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    circle.await.ok().map(|view| view! {
                        <Helping helping=view.helping alerts=view.alerts reload=retry />
                    })
                })}
            </Transition>
            <Accept reload=retry />
        </section>
    }
}

#[component]
fn Helpers(helpers: Vec<CircleMemberView>, reload: Callback<()>) -> impl IntoView {
    view! {
        {helpers.is_empty().then(|| view! {
            <p class="hint">"Nobody yet. Invite someone you trust to follow your appointments, medicines or readings."</p>
        })}
        <ul class="circle" data-testid="helpers">
            {helpers.into_iter().map(|member| view! { <Member member reload helper=true /> }).collect_view()}
        </ul>
    }
}

#[component]
fn Helping(
    helping: Vec<CircleMemberView>,
    alerts: Vec<HelperAlertView>,
    reload: Callback<()>,
) -> impl IntoView {
    view! {
        {helping.is_empty().then(|| view! {
            <p class="hint">"Nobody yet. When someone invites you, enter their code below."</p>
        })}
        {(!alerts.is_empty()).then(|| view! { <Alerts alerts /> })}
        <ul class="circle" data-testid="helping">
            {helping.into_iter().map(|member| view! { <Member member reload helper=false /> }).collect_view()}
        </ul>
    }
}

/// One grant: `helper` when the other person helps the signed-in one.
#[component]
fn Member(member: CircleMemberView, reload: Callback<()>, helper: bool) -> impl IntoView {
    let looking = expect_context::<RwSignal<Option<LookingAfterView>>>();
    let screen = expect_context::<RwSignal<Screen>>();
    let active = member.status == GrantStatusView::Active;
    let confirming = RwSignal::new(false);
    let end = Action::new_local(move |args: &ConsentArgs| {
        let args = args.clone();
        async move {
            backend::call::<EndGrant>(&args).await?;
            reload.run(());
            Ok::<_, ApiError>(())
        }
    });
    let look = Action::new_local(move |args: &LookAfterArgs| {
        let args = args.clone();
        async move {
            let now = backend::call::<LookAfter>(&args).await?;
            looking.set(now);
            screen.set(Screen::Today);
            Ok::<_, ApiError>(())
        }
    });
    let consent = member.consent_id.clone();
    let patient = member.patient_id.clone();
    let name = member.name.clone();
    let (stop_label, stop_question, stop_yes) = if helper {
        (
            "Stop sharing",
            format!("Stop sharing with {name}? They lose access at once."),
            "Yes, stop sharing",
        )
    } else {
        (
            "Stop helping",
            format!("Stop helping {name}? Your copy of their records is removed from this device."),
            "Yes, stop helping",
        )
    };
    let status_class = if active { "badge ok" } else { "badge neutral" };
    let basis = member
        .guardian
        .then_some("Parent or guardian, as the hospital records");
    view! {
        <li class="card member" data-testid="circle-member">
            <div class="card-head">
                <p class="member-name">
                    <span class="initials" aria-hidden="true">{member.initials.clone()}</span>
                    <strong>{member.name.clone()}</strong>
                </p>
                <span class=status_class data-testid="grant-status">{format::grant_status_words(member.status)}</span>
            </div>
            <p data-testid="grant-shares">{format::shared_words(&member.permissions)}</p>
            {member.alerts.clone().map(|settings| {
                if helper || !active {
                    view! { <p class="hint" data-testid="grant-alerts">{format::alert_settings_words(&settings)}</p> }.into_any()
                } else {
                    let consent = member.consent_id.clone();
                    view! { <AlertChoices consent settings reload /> }.into_any()
                }
            })}
            <p class="hint">{format::grant_dates(member.since, member.until)}</p>
            {basis.map(|b| view! { <p class="hint">{b}</p> })}
            <div class="actions">
                {(active && !helper).then(|| {
                    let patient = patient.clone();
                    view! {
                        <button type="button" data-testid="look-after" prop:disabled=busy_until_replaced(look)
                            on:click=move |_| { look.dispatch(LookAfterArgs { patient_id: Some(patient.clone()) }); }>
                            {format!("Look after {}", member.name)}
                        </button>
                    }
                })}
                {active.then(|| view! {
                    <button type="button" class="secondary" data-testid="end-grant"
                        prop:hidden=move || confirming.get()
                        on:click=move |_| confirming.set(true)>{stop_label}</button>
                })}
            </div>
            {move || confirming.get().then(|| {
                let consent = consent.clone();
                view! {
                    <div class="confirm" role="group" aria-label=stop_label>
                        <p>{stop_question.clone()}</p>
                        <button type="button" class="danger" data-testid="end-grant-confirm"
                            prop:disabled=busy_until_replaced(end)
                            on:click=move |_| { end.dispatch(ConsentArgs { consent_id: consent.clone() }); }>
                            {stop_yes}
                        </button>
                        <button type="button" class="secondary" on:click=move |_| confirming.set(false)>"Keep"</button>
                    </div>
                }
            })}
            <InlineError error=failure(look) />
            <InlineError error=failure(end) />
        </li>
    }
}

/// What the hospital raised for the signed-in person about the people they help, newest first.
#[component]
fn Alerts(alerts: Vec<HelperAlertView>) -> impl IntoView {
    view! {
        <h3>"Recent alerts"</h3>
        <ul class="alerts" data-testid="helper-alerts">
            {alerts.into_iter().map(|a| {
                let (badge, class) = match a.tier {
                    hale_api::AlertTierView::Red => ("Urgent", "badge urgent"),
                    hale_api::AlertTierView::Amber => ("Check", "badge review"),
                };
                view! {
                    <li class="card" data-testid="helper-alert">
                        <p><span class=class>{badge}</span>" "{format::helper_alert_words(&a)}</p>
                        <p class="hint">{format!("{} at {}", format::day(a.raised), format::time(a.raised))}</p>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// A helper choosing which alerts of one grant they get, and quiet hours.
#[component]
fn AlertChoices(
    consent: String,
    settings: AlertSettingsView,
    reload: Callback<()>,
) -> impl IntoView {
    let kinds = RwSignal::new(settings.kinds.clone());
    let from = RwSignal::new(settings.quiet_from.clone().unwrap_or_default());
    let until = RwSignal::new(settings.quiet_until.clone().unwrap_or_default());
    let save = Action::new_local(move |args: &AlertSettingsArgs| {
        let args = args.clone();
        async move {
            backend::call::<SetAlertSettings>(&args).await?;
            reload.run(());
            Ok::<_, ApiError>(())
        }
    });
    let pending = save.pending();
    let toggle = move |k: HelperAlertKindView| {
        kinds.update(|c| {
            if let Some(i) = c.iter().position(|x| *x == k) {
                c.remove(i);
            } else {
                c.push(k);
            }
        });
    };
    let key = consent.clone();
    view! {
        <form class="alert-choices" data-testid="alert-choices" on:submit=move |ev| {
            ev.prevent_default();
            let optional = |s: String| (!s.is_empty()).then_some(s);
            save.dispatch(AlertSettingsArgs {
                consent_id: consent.clone(),
                kinds: kinds.get_untracked(),
                quiet_from: optional(from.get_untracked()),
                quiet_until: optional(until.get_untracked()),
            });
        }>
            <fieldset>
                <legend>"Alert me when"</legend>
                {ALERT_KIND_CHOICES.into_iter().map(|k| {
                    let id = format!("alert-{key}-{}", alert_key(k));
                    view! {
                        <div class="check">
                            <input type="checkbox" id=id.clone() data-testid=format!("alert-{}", alert_key(k))
                                prop:checked=move || kinds.with(|c| c.contains(&k))
                                on:change=move |_| toggle(k) />
                            <label for=id>{format::alert_kind_choice(k)}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <div class="quiet">
                <label for=format!("quiet-from-{key}")>"Quiet from"</label>
                <input type="time" id=format!("quiet-from-{key}") data-testid="quiet-from"
                    prop:value=move || from.get() on:input=move |ev| from.set(event_target_value(&ev)) />
                <label for=format!("quiet-until-{key}")>"until"</label>
                <input type="time" id=format!("quiet-until-{key}") data-testid="quiet-until"
                    prop:value=move || until.get() on:input=move |ev| until.set(event_target_value(&ev)) />
            </div>
            <p class="hint">"Quiet hours hold back alerts until they end, except a red reading, which always comes."</p>
            <button type="submit" class="secondary" data-testid="save-alerts" prop:disabled=move || pending.get()>"Save alerts"</button>
            {move || save.value().with(|v| matches!(v, Some(Ok(())))).then(|| view! {
                <p class="hint" role="status">"Saved."</p>
            })}
            <InlineError error=failure(save) />
        </form>
    }
}

fn alert_key(k: HelperAlertKindView) -> &'static str {
    match k {
        HelperAlertKindView::MissedDose => "missed-dose",
        HelperAlertKindView::BeyondLimits => "beyond-limits",
        HelperAlertKindView::NoData => "no-data",
    }
}

/// Choosing what a new helper may do, then the code to give them.
#[component]
fn Invite() -> impl IntoView {
    let chosen = RwSignal::new(Vec::<PermissionView>::new());
    let invite = Action::new_local(move |args: &InviteArgs| {
        let args = args.clone();
        async move { backend::call::<InviteHelper>(&args).await }
    });
    let made = invite.value();
    let pending = invite.pending();
    let nothing = RwSignal::new(false);
    let toggle = move |p: PermissionView| {
        nothing.set(false);
        chosen.update(|c| {
            if let Some(i) = c.iter().position(|x| *x == p) {
                c.remove(i);
            } else {
                c.push(p);
            }
        });
    };
    view! {
        <form class="card" data-testid="invite" on:submit=move |ev| {
            ev.prevent_default();
            let permissions = chosen.get_untracked();
            if permissions.is_empty() {
                nothing.set(true);
                return;
            }
            invite.dispatch(InviteArgs { permissions });
        }>
            <h3>"Invite someone to help"</h3>
            <fieldset>
                <legend>"They may"</legend>
                {PERMISSION_CHOICES.into_iter().map(|p| {
                    let id = format!("permission-{}", permission_key(p));
                    view! {
                        <div class="check">
                            <input type="checkbox" id=id.clone() data-testid=id.clone()
                                prop:checked=move || chosen.with(|c| c.contains(&p))
                                on:change=move |_| toggle(p) />
                            <label for=id>{format::permission_choice(p)}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <p class="hint">"You can stop sharing at any time. They sign in to Hale with their own account."</p>
            <button type="submit" data-testid="make-invitation" prop:disabled=move || pending.get()>"Make an invitation code"</button>
            <InlineError error=move || nothing.get().then_some("Please choose at least one thing this person may see or do.") />
            <InlineError error=failure(invite) />
            {move || made.get().and_then(Result::ok).map(|i| view! {
                <div class="invitation" role="status">
                    <p>"Give this code to the person who will help you:"</p>
                    <p class="invitation-code" data-testid="invitation-code">{i.code}</p>
                    <p class="hint">{format::invitation_expiry(i.expires)}</p>
                    <p class="hint">"In Hale, under More › Care circle › People you help, they enter it with your date of birth."</p>
                </div>
            })}
        </form>
    }
}

fn permission_key(p: PermissionView) -> &'static str {
    match p {
        PermissionView::Appointments => "appointments",
        PermissionView::Medicines => "medicines",
        PermissionView::Readings => "readings",
        PermissionView::Alerts => "alerts",
        PermissionView::ActOnBehalf => "act",
    }
}

/// Entering someone's invitation code.
#[component]
fn Accept(reload: Callback<()>) -> impl IntoView {
    let code = RwSignal::new(String::new());
    let born = RwSignal::new(String::new());
    let missing = RwSignal::new(None::<&'static str>);
    let accept = Action::new_local(move |args: &AcceptInvitationArgs| {
        let args = args.clone();
        async move {
            let member = backend::call::<AcceptInvitation>(&args).await?;
            reload.run(());
            Ok::<_, ApiError>(member)
        }
    });
    let pending = accept.pending();
    view! {
        <form class="card" data-testid="accept" on:submit=move |ev| {
            ev.prevent_default();
            let (c, b) = (code.get_untracked(), born.get_untracked());
            if c.trim().is_empty() {
                missing.set(Some("Please enter the code you were given."));
            } else if b.is_empty() {
                missing.set(Some("Please enter their date of birth."));
            } else {
                missing.set(None);
                accept.dispatch(AcceptInvitationArgs { code: c, birth_date: b });
            }
        }>
            <h3>"Help someone who invited you"</h3>
            <label for="invitation-code">"Their code"</label>
            <input id="invitation-code" data-testid="invitation-code-input" autocomplete="off"
                autocapitalize="characters" spellcheck="false" placeholder="XXXX-XXXX-XXXX"
                prop:value=move || code.get() on:input=move |ev| code.set(event_target_value(&ev)) />
            <label for="invitation-born">"Their date of birth"</label>
            <input id="invitation-born" type="date" data-testid="invitation-born"
                prop:value=move || born.get() on:input=move |ev| born.set(event_target_value(&ev)) />
            <button type="submit" data-testid="accept-invitation" prop:disabled=move || pending.get()>"Accept"</button>
            <InlineError error=move || missing.get() />
            <InlineError error=failure(accept) />
        </form>
    }
}
