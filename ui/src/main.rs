//! Hale's user interface: Leptos components rendered in the app's webview.
//!
//! The UI holds no business rules and reaches nothing but the shell, through the typed wrappers
//! in `backend`. Presentation logic that can be a plain function (`format`) is one, and is unit
//! tested; components are tested end to end in the real app (`tests/`).

mod backend;
mod components;
mod format;
mod pages;

use leptos::prelude::*;

fn main() {
    console_error_panic_hook::set_once();
    mount_to_body(App);
}

#[component]
fn App() -> impl IntoView {
    view! {
        <pages::home::HomePage />
    }
}
