//! Settings: when appointment reminders come. Each change is saved at once.

use hale_api::{ApiError, GetReminders, NoArgs, ReminderSettings, SetReminders, SetRemindersArgs};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend;
use crate::components::ErrorPanel;
use crate::format;

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
        </main>
    }
}

#[component]
fn Reminders(current: ReminderSettings) -> impl IntoView {
    let state = RwSignal::new(current);
    let outcome = RwSignal::new(None::<Result<(), ApiError>>);
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
        spawn_local(async move {
            match backend::call::<SetReminders>(&args).await {
                Ok(saved) => {
                    state.set(saved);
                    outcome.set(Some(Ok(())));
                }
                // The checkboxes go back to what is saved, so they never show an unsaved state.
                Err(e) => {
                    state.notify();
                    outcome.set(Some(Err(e)));
                }
            }
        });
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
                            <input type="checkbox" id=id.clone() prop:checked=choice.chosen
                                data-testid=format!("lead-{}", format::lead_key(choice.lead))
                                on:change=move |_| toggle(index) />
                            <label for=id>{choice.label}</label>
                        </div>
                    }
                }).collect_view()}
            </fieldset>
            <p class="hint">"Reminders say only when your appointment is, not what it is for, because they can show on a locked screen."</p>
            {move || outcome.get().map(|r| match r {
                Ok(()) => view! { <p class="hint" role="status" data-testid="reminders-saved">"Saved."</p> }.into_any(),
                Err(e) => view! { <p class="inline-error" role="alert">{format::error_text(&e)}</p> }.into_any(),
            })}
        </section>
    }
}
