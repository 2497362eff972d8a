//! Your record: a copy of the patient's own record to take to another doctor or hospital, and
//! share codes that let a clinician elsewhere read the summary in a browser. The shell saves
//! the files and keeps nothing of the codes; this page says what they are and where they went.

use chrono::{Duration, NaiveDate};
use hale_api::{
    CreateShareCode, ExportRecord, GetShareCodes, LookingAfterView, NoArgs, ReportArgs,
    RevokeShareCode, SaveReport, ShareArgs,
};
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
            {move || someone_else().is_none().then(|| view! { <ReportPanel /> <SharePanel /> })}
        </main>
    }
}

/// A readable report (PDF) of a chosen period, from the device's own records.
#[component]
fn ReportPanel() -> impl IntoView {
    let today = crate::components::local_now().date_naive();
    let from = RwSignal::new(today - Duration::days(29));
    let to = RwSignal::new(today);
    let save = Action::new_local(|args: &ReportArgs| {
        let args = args.clone();
        async move { backend::call::<SaveReport>(&args).await.map(|f| f.path) }
    });
    let saved = save.value();
    let date_input = move |id: &'static str, value: RwSignal<NaiveDate>| {
        view! {
            <input id=id type="date" data-testid=id max=today.to_string()
                prop:value=move || value.get().to_string()
                on:change=move |ev| {
                    if let Ok(d) = event_target_value(&ev).parse::<NaiveDate>() {
                        value.set(d);
                    }
                } />
        }
    };
    view! {
        <section class="report" aria-labelledby="report-heading">
            <h2 id="report-heading">"A report to print or bring"</h2>
            <p>
                "A PDF of your readings with their charts and limits, how you took each medicine, "
                "and your appointments, for the days you choose. It is made from what is on this "
                "device, so it works offline."
            </p>
            <div class="report-period">
                <label for="report-from">"From"</label>
                {date_input("report-from", from)}
                <label for="report-to">"To"</label>
                {date_input("report-to", to)}
            </div>
            <button type="button" class="secondary" data-testid="save-report"
                disabled=save.pending()
                on:click=move |_| {
                    save.dispatch(ReportArgs { from: from.get_untracked(), to: to.get_untracked() });
                }>
                "Save the report (PDF)"
            </button>
            {move || saved.get().and_then(Result::ok).map(|path| view! {
                <p class="hint saved" role="status" data-testid="report-saved">{format::report_saved_words(&path)}</p>
            })}
            <InlineError error=failure(save) testid="report-error" />
        </section>
    }
}

/// Share codes: make one, see each one's use, end one.
#[component]
fn SharePanel() -> impl IntoView {
    let create =
        Action::new_local(
            |_: &()| async move { backend::call::<CreateShareCode>(&NoArgs {}).await },
        );
    let revoke = Action::new_local(|share_id: &String| {
        let args = ShareArgs {
            share_id: share_id.clone(),
        };
        async move { backend::call::<RevokeShareCode>(&args).await }
    });
    let list = LocalResource::new(move || {
        // Asked again after a code is made or ended.
        create.version().track();
        revoke.version().track();
        async move { backend::call::<GetShareCodes>(&NoArgs {}).await }
    });
    let made = create.value();
    view! {
        <section class="share" aria-labelledby="share-heading">
            <h2 id="share-heading">"Let a clinician see your summary"</h2>
            <p>
                "A share code lets a doctor or nurse elsewhere read your summary (medicines, "
                "allergies and latest readings) in their web browser for 24 hours. They also need "
                "your date of birth. A code works in one browser only, and you can end it at any time."
            </p>
            <button type="button" class="secondary" data-testid="make-share-code"
                disabled=create.pending() on:click=move |_| { create.dispatch(()); }>
                "Make a share code"
            </button>
            {move || made.get().and_then(Result::ok).map(|made| view! {
                <div class="new-share" role="status" data-testid="new-share">
                    <p class="share-code" data-testid="share-code">{made.code.clone()}</p>
                    <p data-testid="share-link">{format::new_share_words(&made)}</p>
                </div>
            })}
            <InlineError error=failure(create) testid="share-error" />
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(view) if view.shares.is_empty() => ().into_any(),
                        Ok(view) => view! {
                            <h3>"Your share codes"</h3>
                            <ul class="shares" data-testid="shares">
                                {view.shares.into_iter().map(|share| {
                                    let id = share.id.clone();
                                    let can_end = format::share_can_end(&share);
                                    view! {
                                        <li data-testid="share">
                                            <span>{format::share_words(&share)}</span>
                                            {can_end.then(|| view! {
                                                <button type="button" class="secondary" data-testid="end-share"
                                                    disabled=revoke.pending()
                                                    on:click=move |_| { revoke.dispatch(id.clone()); }>
                                                    "End it now"
                                                </button>
                                            })}
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(error) => view! {
                            <p class="inline-error" role="alert">{format::error_text(&error)}</p>
                        }.into_any(),
                    }
                })}
            </Transition>
            <InlineError error=failure(revoke) testid="end-share-error" />
        </section>
    }
}
