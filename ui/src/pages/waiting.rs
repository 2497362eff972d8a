//! Waiting times: every department's live estimate, updated as the hospital pushes changes.

use hale_api::{GetWaitingTimes, NoArgs, WaitingTimesView, WAITING_TIMES_EVENT};
use leptos::prelude::*;

use crate::backend;
use crate::components::ErrorPanel;
use crate::format;

#[component]
pub fn WaitingTimesPage() -> impl IntoView {
    let first = LocalResource::new(|| backend::call::<GetWaitingTimes>(&NoArgs {}));
    let retry = Callback::new(move |()| first.refetch());
    // Pushed boards replace the first one as they come.
    let live = RwSignal::new(None::<WaitingTimesView>);
    backend::use_event(WAITING_TIMES_EVENT, move |board: WaitingTimesView| {
        live.set(Some(board))
    });
    view! {
        <main class="page">
            <h1>"Waiting times"</h1>
            <Transition fallback=|| view! { <p class="loading" role="status">"Loading waiting times…"</p> }>
                {move || Suspend::new(async move {
                    match first.await {
                        Ok(board) => {
                            let board = move || live.get().unwrap_or_else(|| board.clone());
                            view! { <Board board=Signal::derive(board) /> }.into_any()
                        }
                        Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
                    }
                })}
            </Transition>
        </main>
    }
}

#[component]
fn Board(board: Signal<WaitingTimesView>) -> impl IntoView {
    view! {
        <ul class="departments" data-testid="departments" aria-live="polite">
            {move || board.get().clinics.into_iter().map(|c| {
                let wait = format::wait_words(c.waiting, c.estimate_minutes);
                let late = (c.running_late_minutes > 0)
                    .then(|| format!("Running {} minutes late", c.running_late_minutes));
                view! {
                    <li class="card department" data-testid="department">
                        <h2 class="service">{c.name}</h2>
                        <p class="wait" data-testid="department-wait">{wait}</p>
                        {late.map(|l| view! { <p class="hint">{l}</p> })}
                        <p class="location">{c.location}</p>
                    </li>
                }
            }).collect_view()}
        </ul>
        <footer class="updated" data-testid="waiting-updated">
            {move || format!("Updated {}", board.get().updated.format("%H:%M:%S"))}
        </footer>
    }
}
