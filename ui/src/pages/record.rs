//! Your record: a copy of the patient's own record to take to another doctor or hospital. The
//! shell saves the files; this page says what they are and where they went.

use hale_api::{ExportRecord, LookingAfterView, NoArgs};
use leptos::prelude::*;

use crate::action::failure;
use crate::backend;
use crate::components::InlineError;
use crate::format;

#[component]
pub fn RecordPage() -> impl IntoView {
    let looking = use_context::<RwSignal<Option<LookingAfterView>>>();
    let someone_else = move || looking.and_then(|l| l.get());
    let export =
        Action::new_local(|_: &()| async move { backend::call::<ExportRecord>(&NoArgs {}).await });
    let saved = export.value();
    view! {
        <main class="page record-page">
            <h1>"Your record"</h1>
            <p class="lead">
                "Save a copy of your health record to take to another doctor or hospital. "
                "Hale asks the hospital for it now and saves two files:"
            </p>
            <ul class="record-contents">
                <li>"your whole record: appointments, medicines, readings, allergies, forms and messages;"</li>
                <li>"a patient summary a doctor anywhere can read: your current medicines, allergies and latest readings."</li>
            </ul>
            <p class="hint">
                "Both are in FHIR, the standard hospitals use. They hold your health details: "
                "keep them safe, and share them only with people you choose."
            </p>
            {move || match someone_else() {
                Some(person) => view! {
                    <p class="empty" data-testid="record-not-yours">
                        {format::record_not_yours_words(person.name.as_deref())}
                    </p>
                }.into_any(),
                None => view! {
                    <button type="button" class="primary" data-testid="export-record"
                        disabled=export.pending()
                        on:click=move |_| { export.dispatch(()); }>
                        {move || if export.pending().get() { "Saving your record…" } else { "Save my record" }}
                    </button>
                }.into_any(),
            }}
            {move || saved.get().and_then(Result::ok).map(|saved| view! {
                <div class="saved" role="status" data-testid="record-saved">
                    {format::record_saved_words(&saved).into_iter()
                        .map(|line| view! { <p>{line}</p> }).collect_view()}
                </div>
            })}
            <InlineError error=failure(export) testid="record-error" />
        </main>
    }
}
