//! Settings: when appointment reminders come (each change is saved at once), starting at login,
//! and signing out.

use hale_api::{
    ApiError, GetReminders, NoArgs, ReminderSettings, SetReminders, SetRemindersArgs, SignOut,
    SignOutArgs,
};
use leptos::prelude::*;

use crate::action::{busy_until_replaced, failure};
use crate::backend;
use crate::components::{ErrorPanel, InlineError, StartAtLoginSetting};
use crate::format;
use crate::{Session, SignedOutBecause};

#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = LocalResource::new(|| backend::call::<GetReminders>(&NoArgs {}));
    let retry = Callback::new(move |()| settings.refetch());
    view! {
        <main class="page">
            <h1>"Settings"</h1>
            <Suspense fallback=|| view! { <p class="loading" role="status">"Loading your settings…"</p> }>
                {move || Suspend::new(async move {
                    match settings.await {
                        Ok(current) => view! { <Reminders current /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
                    }
                })}
            </Suspense>
            <StartAtLoginSetting />
            <SignOutSection />
        </main>
    }
}

#[component]
fn SignOutSection() -> impl IntoView {
    let session = expect_context::<RwSignal<Session>>();
    let remove = RwSignal::new(false);
    // The answer may come when this screen is gone (signed out, or the patient moved on): the
    // action's state outlives it, so nothing is written to a disposed signal.
    let sign_out = Action::new_local(move |&args: &SignOutArgs| async move {
        let done = backend::call::<SignOut>(&args).await?;
        session.set(Session::SignedOut(SignedOutBecause::SignedOut {
            hospital_told: done.hospital_told,
        }));
        Ok::<_, ApiError>(())
    });
    view! {
        <section aria-labelledby="sign-out-heading">
            <h2 id="sign-out-heading">"Sign out"</h2>
            <div class="check">
                <input type="checkbox" id="remove-local-data" data-testid="remove-local-data"
                    prop:checked=move || remove.get()
                    on:change=move |_| remove.update(|r| *r = !*r) />
                <label for="remove-local-data">
                    "Also remove everything Hale keeps on this device: appointments, medicines, readings, vehicles and settings"
                </label>
            </div>
            <p class="hint">"Your records at the hospital stay there. Readings and doses not yet sent to the hospital are lost if you remove them."</p>
            <button type="button" data-testid="sign-out" prop:disabled=busy_until_replaced(sign_out)
                on:click=move |_| {
                    sign_out.dispatch(SignOutArgs { remove_local_data: remove.get_untracked() });
                }>"Sign out"</button>
            <InlineError error=failure(sign_out) />
        </section>
    }
}

#[component]
fn Reminders(current: ReminderSettings) -> impl IntoView {
    let state = RwSignal::new(current);
    let save = Action::new_local(move |args: &SetRemindersArgs| {
        let args = args.clone();
        async move {
            match backend::call::<SetReminders>(&args).await {
                Ok(saved) => {
                    state.set(saved);
                    Ok(())
                }
                // The checkboxes go back to what is saved, so they never show an unsaved state.
                Err(e) => {
                    state.notify();
                    Err(e)
                }
            }
        }
    });
    // While one change is saved, the next would start from a state about to be replaced.
    let saving = save.pending();
    let outcome = save.value();
    let toggle = move |index: usize| {
        let mut wanted = state.get_untracked();
        if let Some(choice) = wanted.choices.get_mut(index) {
            choice.chosen = !choice.chosen;
        }
        let args = SetRemindersArgs {
            leads: wanted
                .choices
                .iter()
                .filter(|c| c.chosen)
                .map(|c| c.lead)
                .collect(),
        };
        save.dispatch(args);
    };
    view! {
        <section aria-labelledby="reminders-heading">
            <h2 id="reminders-heading">"Appointment reminders"</h2>
            <fieldset data-testid="reminders">
                <legend>"Remind me"</legend>
                {move || state.get().choices.into_iter().enumerate().map(|(index, choice)| {
                    let id = format!("lead-{index}");
                    view! {
                        <div class="check">
                            <input type="checkbox" id=id.clone() prop:checked=choice.chosen prop:disabled=saving
                                data-testid=format!("lead-{}", format::lead_key(choice.lead))
                                on:change=move |_| toggle(index) />
                            <label for=id>{choice.label}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <p class="hint">"Reminders say only when your appointment is, not what it is for, because they can show on a locked screen."</p>
            {move || outcome.with(|o| matches!(o, Some(Ok(())))).then(|| view! {
                <p class="hint" role="status" data-testid="reminders-saved">"Saved."</p>
            })}
            <InlineError error=failure(save) />
        </section>
    }
}
