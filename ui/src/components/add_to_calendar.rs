//! "Add to calendar": the appointment as a calendar file, and where it went, in words.

use hale_api::{AppointmentArgs, ExportCalendar};
use leptos::prelude::*;

use crate::action::failure;
use crate::backend;
use crate::components::InlineError;
use crate::format;

#[component]
pub fn AddToCalendar(appointment_id: String, testid: &'static str) -> impl IntoView {
    let export = Action::new_local(move |args: &AppointmentArgs| {
        let args = args.clone();
        async move { backend::call::<ExportCalendar>(&args).await.map(|f| f.path) }
    });
    let saved = export.value();
    let args = AppointmentArgs { appointment_id };
    view! {
        <button type="button" class="secondary" data-testid=testid disabled=export.pending()
            on:click=move |_| { export.dispatch(args.clone()); }>"Add to calendar"</button>
        {move || saved.get().and_then(Result::ok).map(|path| view! {
            <p class="hint saved" role="status" data-testid="calendar-saved">{format::saved_file_words(&path)}</p>
        })}
        <InlineError error=failure(export) />
    }
}
