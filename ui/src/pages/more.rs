//! More: the places without a tab of their own, as a list of large links.

use leptos::prelude::*;

use crate::icons::{Icon, IconView};
use crate::Screen;

#[component]
pub fn MorePage() -> impl IntoView {
    let screen = expect_context::<RwSignal<Screen>>();
    let places = [
        (
            Screen::Devices,
            "Devices and readings",
            "Connect a blood pressure monitor, meter or thermometer",
            Icon::Heartbeat,
            "more-devices",
        ),
        (
            Screen::CareTeam,
            "Your care team",
            "Your monitoring plan, alerts and messages",
            Icon::People,
            "more-care-team",
        ),
        (
            Screen::CareCircle,
            "Care circle",
            "People who help you, and people you help",
            Icon::People,
            "more-care-circle",
        ),
        (
            Screen::Record,
            "Your record",
            "Save a copy to take to another doctor",
            Icon::Info,
            "more-record",
        ),
        (
            Screen::WaitingTimes,
            "Waiting times",
            "How long each clinic is running now",
            Icon::Clock,
            "more-waiting",
        ),
        (
            Screen::Settings,
            "Settings",
            "Reminders, sign out",
            Icon::Sliders,
            "more-settings",
        ),
    ];
    view! {
        <main class="page">
            <h1>"More"</h1>
            <ul class="link-list">
                {places.into_iter().map(|(target, label, hint, icon, testid)| view! {
                    <li>
                        <button type="button" class="link-row" data-testid=testid
                            on:click=move |_| screen.set(target.clone())>
                            <IconView icon />
                            <span class="link-text">
                                <span class="link-label">{label}</span>
                                <span class="link-hint">{hint}</span>
                            </span>
                        </button>
                    </li>
                }).collect_view()}
            </ul>
        </main>
    }
}
