//! The main navigation: five places, each an icon and a label. The same list is a side rail on a
//! wide window and a bar fixed to the bottom of a phone's screen (style.css decides which), so
//! the patient always sees where they are and can go anywhere in one tap.

use leptos::prelude::*;

use crate::icons::{Icon, IconView};
use crate::Screen;

/// A tab: where it goes, its words, its icon and its test id.
struct Tab {
    target: Screen,
    label: &'static str,
    icon: Icon,
    testid: &'static str,
}

/// Which tab shows `screen` as the current place: screens reached from another tab belong to it.
fn tab_of(screen: &Screen) -> Screen {
    match screen {
        Screen::Book { .. } | Screen::Form { .. } | Screen::VisitSummary { .. } => {
            Screen::Appointments
        }
        Screen::Settings
        | Screen::WaitingTimes
        | Screen::Devices
        | Screen::CareTeam
        | Screen::CareCircle
        | Screen::Record => Screen::More,
        other => other.clone(),
    }
}

#[component]
pub fn MainNav() -> impl IntoView {
    let screen = expect_context::<RwSignal<Screen>>();
    let tabs = [
        Tab {
            target: Screen::Today,
            label: "Today",
            icon: Icon::Today,
            testid: "nav-today",
        },
        Tab {
            target: Screen::Appointments,
            // A soft hyphen: on a phone's narrow tab the word breaks there, and nowhere else.
            label: "Appoint\u{AD}ments",
            icon: Icon::Calendar,
            testid: "nav-appointments",
        },
        Tab {
            target: Screen::Medicines,
            label: "Medicines",
            icon: Icon::Pill,
            testid: "nav-medicines",
        },
        Tab {
            target: Screen::Parking,
            label: "Parking",
            icon: Icon::Parking,
            testid: "nav-parking",
        },
        Tab {
            target: Screen::More,
            label: "More",
            icon: Icon::More,
            testid: "nav-more",
        },
    ];
    view! {
        <nav class="main-nav" aria-label="Main">
            <p class="brand" aria-hidden="true">"Hale"</p>
            <ul>
                {tabs.into_iter().map(|tab| {
                    let target = tab.target.clone();
                    let current = move || tab_of(&screen.get()) == tab.target;
                    view! {
                        <li>
                            <button type="button" class="tab" data-testid=tab.testid
                                aria-current=move || current().then_some("page")
                                on:click=move |_| screen.set(target.clone())>
                                <IconView icon=tab.icon />
                                <span class="tab-label">{tab.label}</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </nav>
    }
}
