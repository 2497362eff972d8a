//! A pre-visit form: each question the hospital asks, answered in place and saved on the device
//! as it is given (offline too), a group filled in again ("Add another"), and sending it once.
//! The shell decides which questions are asked and what is wrong with an answer; this page only
//! draws the lines it is given.

use hale_api::{
    AnswerForm, AnswerFormArgs, ApiError, ChangeFormGroup, ErrorCode, FormArgs, FormGroupArgs,
    FormLineView, FormOptionView, FormProblem, FormStageView, FormView, GetForm, GetKioskForm,
    KioskAnswerForm, KioskAnswerFormArgs, KioskChangeFormGroup, KioskFormGroupArgs,
    KioskSubmitForm, NoArgs, QuestionKind, SubmitForm,
};
use leptos::prelude::*;

use crate::action::failure;
use crate::backend;
use crate::components::{ErrorPanel, InlineError};
use crate::format;
use crate::Screen;

#[component]
pub fn FormPage(appointment_id: String) -> impl IntoView {
    let screen = expect_context::<RwSignal<Screen>>();
    let source = FormSource::Appointment(appointment_id);
    let loaded = LocalResource::new({
        let source = source.clone();
        move || {
            let source = source.clone();
            async move { source.get().await }
        }
    });
    let retry = Callback::new(move |()| loaded.refetch());
    view! {
        <main class="page form-page">
            <button type="button" class="link back" data-testid="back-to-appointments"
                on:click=move |_| screen.set(Screen::Appointments)>"← Appointments"</button>
            <Transition fallback=|| view! { <p class="loading" role="status">"Opening your form…"</p> }>
                {move || {
                    let source = source.clone();
                    Suspend::new(async move {
                    match loaded.await {
                        Ok(view) => view! { <Form view source /> }.into_any(),
                        Err(error) => view! { <ErrorPanel error retry /> }.into_any(),
                    }
                })}}
            </Transition>
        </main>
    }
}

/// Where a form is kept while it is filled in: on the patient's device (an appointment's), or
/// in the kiosk's memory (the one its last check-in offered).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum FormSource {
    Appointment(String),
    Kiosk,
}

impl FormSource {
    pub(crate) async fn get(&self) -> Result<FormView, ApiError> {
        match self {
            Self::Appointment(id) => {
                let args = FormArgs {
                    appointment_id: id.clone(),
                };
                backend::call::<GetForm>(&args).await
            }
            Self::Kiosk => backend::call::<GetKioskForm>(&NoArgs {}).await,
        }
    }

    async fn apply(&self, change: &Change) -> Result<FormView, ApiError> {
        match (self, change.clone()) {
            (Self::Appointment(id), Change::Answer(path, values)) => {
                let appointment_id = id.clone();
                let args = AnswerFormArgs {
                    appointment_id,
                    path,
                    values,
                };
                backend::call::<AnswerForm>(&args).await
            }
            (Self::Appointment(id), Change::Group(path, add)) => {
                let appointment_id = id.clone();
                let args = FormGroupArgs {
                    appointment_id,
                    path,
                    add,
                };
                backend::call::<ChangeFormGroup>(&args).await
            }
            (Self::Appointment(id), Change::Send) => {
                let args = FormArgs {
                    appointment_id: id.clone(),
                };
                backend::call::<SubmitForm>(&args).await
            }
            (Self::Kiosk, Change::Answer(path, values)) => {
                let args = KioskAnswerFormArgs { path, values };
                backend::call::<KioskAnswerForm>(&args).await
            }
            (Self::Kiosk, Change::Group(path, add)) => {
                let args = KioskFormGroupArgs { path, add };
                backend::call::<KioskChangeFormGroup>(&args).await
            }
            (Self::Kiosk, Change::Send) => backend::call::<KioskSubmitForm>(&NoArgs {}).await,
        }
    }
}

/// What a change asks of the shell.
#[derive(Clone)]
enum Change {
    Answer(String, Vec<String>),
    Group(String, bool),
    Send,
}

/// The form's questions and its Send button. `on_sent` hears when the hospital has it, and
/// `on_closed` when the form can no longer be changed here (at the kiosk: forgotten, expired,
/// or answered elsewhere).
#[component]
pub(crate) fn Form(
    view: FormView,
    source: FormSource,
    #[prop(optional)] on_sent: Option<Callback<()>>,
    #[prop(optional)] on_closed: Option<Callback<()>>,
) -> impl IntoView {
    let on_device = matches!(source, FormSource::Appointment(_));
    let current = RwSignal::new(view.clone());
    // Unanswered questions are pointed out once the patient tried to send.
    let shown = RwSignal::new(false);
    // A send asked for while an answer is being saved waits for it, so the last answer given
    // (saved as the patient leaves its field, e.g. by pressing Send) goes with the form.
    let send_waiting = RwSignal::new(false);
    let sending = RwSignal::new(false);
    // A kiosk's send that failed: answers read-only, Send offered again.
    let frozen = RwSignal::new(false);
    // Answers may come back out of order; only the newest change's screen is shown.
    let sent = StoredValue::new(0u64);
    let change = Action::new_local(move |change: &Change| {
        let change = change.clone();
        let source = source.clone();
        sent.update_value(|n| *n += 1);
        let mine = sent.get_value();
        async move {
            let answer = source.apply(&change).await;
            match &answer {
                Ok(view) if sent.get_value() == mine => {
                    let refused = matches!(change, Change::Send) && view.problems > 0;
                    current.set(view.clone());
                    if refused {
                        shown.set(true);
                        focus_first_problem();
                    }
                }
                // Sent meanwhile (another window, a second tap): show the form as it now is.
                Err(e) if e.code == ErrorCode::FormClosed && on_device => {
                    if let Ok(view) = source.get().await {
                        current.set(view);
                    }
                }
                // Told after everything below (the listener may take the form off the screen).
                Err(e) if e.code == ErrorCode::FormClosed => {}
                // At the kiosk a send whose answer was lost is tried again as it was: the
                // answers stay as sent (the kiosk's core refuses changes from then on).
                Err(_) if matches!(change, Change::Send) && !on_device => frozen.set(true),
                _ => {}
            }
            if matches!(change, Change::Send) {
                sending.set(false);
            }
            // Last: the listener may take this form off the screen.
            let now_sent = answer
                .as_ref()
                .is_ok_and(|v| matches!(v.stage, FormStageView::Submitted { .. }));
            if let (true, Some(on_sent)) = (now_sent && sent.get_value() == mine, on_sent) {
                on_sent.run(());
            }
            let closed = matches!(&answer, Err(e) if e.code == ErrorCode::FormClosed);
            if let (true, false, Some(on_closed)) = (closed, on_device, on_closed) {
                on_closed.run(());
            }
            answer.map(drop)
        }
    });
    let pending = change.pending();
    // A memo, so an answer saved as the patient presses Send does not draw the button again
    // between the press and the click (which lost the click).
    let editable = Memo::new(move |_| current.with(|v| v.stage == FormStageView::Open));
    let answerable = Memo::new(move |_| editable.get() && !frozen.get());
    let answer = Callback::new(move |(path, values): (String, Vec<String>)| {
        change.dispatch(Change::Answer(path, values));
    });
    let group = Callback::new(move |(path, add): (String, bool)| {
        change.dispatch(Change::Group(path, add));
    });
    let send_now = move || {
        sending.set(true);
        change.dispatch(Change::Send);
    };
    Effect::new(move |_| {
        if send_waiting.get() && !pending.get() {
            send_waiting.set(false);
            send_now();
        }
    });
    let send = move |_| {
        if pending.get_untracked() {
            send_waiting.set(true);
        } else {
            send_now();
        }
    };
    let status = move || {
        let said = if shown.get() {
            current.with(|v| v.problems)
        } else {
            0
        };
        current.with(|v| format::form_stage(v.stage, said))
    };
    // Where the form stood on opening, at the top; what sending did, by the button.
    let opened = (view.stage != FormStageView::Open)
        .then(|| format::form_stage(view.stage, 0))
        .flatten();
    let title = move || {
        current.with(|v| {
            v.title
                .clone()
                .unwrap_or_else(|| "Before your visit".into())
        })
    };
    let subtitle = format::form_for(&view.service, view.start);
    view! {
        <h1 data-testid="form-title">{title}</h1>
        <p class="hint">{subtitle}</p>
        {opened.map(|s| view! { <p class="notice" data-testid="form-stage">{s}</p> })}
        <form class="questionnaire" data-testid="form" on:submit=|e| e.prevent_default()>
            <For
                each=move || {
                    let tried = shown.get();
                    let open = answerable.get();
                    current.with(|v| {
                        v.lines.iter().cloned().map(|line| (open, tried, line)).collect::<Vec<_>>()
                    })
                }
                // A line is drawn again only when it (or what it may show) changed, so the
                // question the patient moved to keeps its focus while the one they left is saved.
                key=|(open, tried, line)| format!("{open}{tried}{line:?}")
                children=move |(editable, tried, line)| view! { <Line line answer group editable tried /> }
            />
        </form>
        <div role="status" aria-live="polite">
            {move || status().map(|s| view! { <p class="notice" data-testid="form-status">{s}</p> })}
        </div>
        <InlineError error=failure(change) testid="form-error" />
        {move || editable.get().then(|| view! {
            {on_device.then(|| view! { <p class="hint">"Your answers are saved on this device as you go."</p> })}
            <button type="button" class="primary" data-testid="send-form"
                disabled=move || sending.get() || send_waiting.get() on:click=send>"Send to the hospital"</button>
        })}
    }
}

#[component]
fn Line(
    line: FormLineView,
    answer: Callback<(String, Vec<String>)>,
    group: Callback<(String, bool)>,
    editable: bool,
    /// Whether a send was tried: a question not yet answered is pointed out only then.
    tried: bool,
) -> impl IntoView {
    match line {
        FormLineView::Group {
            path,
            text,
            depth,
            number,
            of,
            removable,
        } => {
            let counted = match (number, of) {
                (Some(n), Some(of)) if of > 1 => format!("{text} ({n} of {of})"),
                _ => text,
            };
            let heading = if depth == 0 {
                view! { <h2 class="form-group">{counted}</h2> }.into_any()
            } else {
                view! { <h3 class="form-group">{counted}</h3> }.into_any()
            };
            let data_path = path.clone();
            view! {
                <div class="form-group-head" data-testid="form-group" data-path=data_path>
                    {heading}
                    {(removable && editable).then(|| view! {
                        <button type="button" class="secondary" data-testid="remove-group"
                            on:click=move |_| group.run((path.clone(), false))>"Remove"</button>
                    })}
                </div>
            }
            .into_any()
        }
        FormLineView::Display { text, .. } => view! { <p class="form-display">{text}</p> }.into_any(),
        FormLineView::AddAnother { path, text, .. } => editable
            .then(|| {
                view! {
                    <button type="button" class="secondary" data-testid="add-group"
                        on:click=move |_| group.run((path.clone(), true))>{format!("Add another: {text}")}</button>
                }
            })
            .into_any(),
        FormLineView::Question {
            path,
            text,
            kind,
            required,
            repeats,
            read_only,
            options,
            answers,
            problem,
            ..
        } => {
            let id = format::question_id(&path);
            let error_id = format!("{id}-error");
            let values: Vec<String> = answers.iter().map(format::answer_text).collect();
            let label = if required { format!("{text} (required)") } else { text };
            let problem = problem.filter(|p| tried || *p != FormProblem::Required);
            let described = problem.is_some().then(|| error_id.clone());
            let error = problem.map(|p| {
                view! { <p class="field-error" id=error_id.clone() data-testid="form-problem">{format::form_problem(p)}</p> }
            });
            let input = if read_only || !editable {
                let shown: Vec<String> = answers
                    .iter()
                    .map(|a| match a {
                        hale_api::FormAnswerView::Option { display, .. } => display.clone(),
                        hale_api::FormAnswerView::Boolean { value } => {
                            if *value { "Yes".into() } else { "No".into() }
                        }
                        other => format::answer_text(other),
                    })
                    .collect();
                let shown = if shown.is_empty() { "—".to_owned() } else { shown.join(", ") };
                view! {
                    <p class="form-answer" data-testid="form-answer"><span class="label">{label.clone()}</span>" "<strong>{shown}</strong></p>
                }
                .into_any()
            } else {
                let ask = Ask {
                    path: path.clone(),
                    id: id.clone(),
                    label: label.clone(),
                    described: described.clone(),
                    answer,
                };
                match kind {
                    QuestionKind::Boolean => ask.choices(
                        vec![
                            FormOptionView { code: "true".into(), display: "Yes".into() },
                            FormOptionView { code: "false".into(), display: "No".into() },
                        ],
                        values,
                        false,
                    ),
                    QuestionKind::Choice => ask.choices(options, values, repeats),
                    QuestionKind::OpenChoice => ask.open_choice(options, values),
                    QuestionKind::Decimal { unit } => ask.field("text", "decimal", unit, values, repeats),
                    QuestionKind::Integer => ask.field("text", "numeric", None, values, repeats),
                    QuestionKind::Date => ask.field("date", "text", None, values, repeats),
                    QuestionKind::String => ask.field("text", "text", None, values, repeats),
                    QuestionKind::Text => ask.text(values),
                }
            };
            view! {
                <div class=if problem.is_some() { "form-question has-problem" } else { "form-question" }
                    data-testid="form-question" data-path=path>
                    {input}
                    {error}
                </div>
            }
            .into_any()
        }
    }
}

/// One question's input, with what answering it sends.
struct Ask {
    path: String,
    id: String,
    label: String,
    described: Option<String>,
    answer: Callback<(String, Vec<String>)>,
}

impl Ask {
    /// Radio buttons (one answer) or check boxes (several), in a fieldset named by the question.
    fn choices(self, options: Vec<FormOptionView>, chosen: Vec<String>, several: bool) -> AnyView {
        let picked = RwSignal::new(chosen);
        let Ask {
            path,
            id,
            label,
            described,
            answer,
        } = self;
        view! {
            <fieldset id=id.clone() aria-describedby=described>
                <legend>{label}</legend>
                {options.into_iter().enumerate().map(|(i, o)| {
                    let code = o.code.clone();
                    let checked = picked.with_untracked(|p| p.contains(&code));
                    let path = path.clone();
                    let option_id = format!("{id}-{i}");
                    view! {
                        <label class="choice" for=option_id.clone()>
                            <input type=if several { "checkbox" } else { "radio" } id=option_id.clone()
                                name=id.clone() value=code.clone() checked=checked
                                on:change=move |e| {
                                    let on = event_target_checked(&e);
                                    picked.update(|p| {
                                        if !several { p.clear(); }
                                        p.retain(|c| c != &code);
                                        if on { p.push(code.clone()); }
                                    });
                                    answer.run((path.clone(), picked.get_untracked()));
                                } />
                            <span>{o.display}</span>
                        </label>
                    }
                }).collect_view()}
            </fieldset>
        }
        .into_any()
    }

    /// The options, or the patient's own words.
    fn open_choice(self, options: Vec<FormOptionView>, chosen: Vec<String>) -> AnyView {
        let own = chosen
            .first()
            .filter(|c| !options.iter().any(|o| &o.code == *c))
            .cloned()
            .unwrap_or_default();
        let other_id = format!("{}-own", self.id);
        let path = self.path.clone();
        let answer = self.answer;
        let choices = self.choices(options, chosen, false);
        view! {
            {choices}
            <label for=other_id.clone()>"Or in your own words"</label>
            <input type="text" id=other_id value=own data-testid="own-words"
                on:change=move |e| answer.run((path.clone(), vec![event_target_value(&e)])) />
        }
        .into_any()
    }

    /// A line (or several, for a question that repeats: one per answer and one more).
    fn field(
        self,
        input_type: &'static str,
        input_mode: &'static str,
        unit: Option<String>,
        values: Vec<String>,
        several: bool,
    ) -> AnyView {
        let Ask {
            path,
            id,
            label,
            described,
            answer,
        } = self;
        let mut shown = values.clone();
        if several || shown.is_empty() {
            shown.push(String::new());
        }
        let typed = RwSignal::new(shown.clone());
        view! {
            <label for=id.clone()>{label.clone()}</label>
            {shown.into_iter().enumerate().map(|(i, value)| {
                let path = path.clone();
                let input_id = if i == 0 { id.clone() } else { format!("{id}-{i}") };
                // The label names the first line; each further one says which answer it is.
                let named = (i > 0).then(|| format!("{label}, answer {}", i + 1));
                view! {
                    <div class="field-row">
                        <input type=input_type inputmode=input_mode id=input_id value=value
                            aria-label=named aria-describedby=described.clone()
                            on:change=move |e| {
                                let text = event_target_value(&e);
                                typed.update(|t| t[i] = text);
                                answer.run((path.clone(), typed.get_untracked()));
                            } />
                        {unit.clone().map(|u| view! { <span class="unit">{u}</span> })}
                    </div>
                }
            }).collect_view()}
        }
        .into_any()
    }

    fn text(self, values: Vec<String>) -> AnyView {
        let Ask {
            path,
            id,
            label,
            described,
            answer,
        } = self;
        let value = values.into_iter().next().unwrap_or_default();
        view! {
            <label for=id.clone()>{label}</label>
            <textarea id=id aria-describedby=described rows="3"
                on:change=move |e| answer.run((path.clone(), vec![event_target_value(&e)]))>{value}</textarea>
        }
        .into_any()
    }
}

/// Takes the patient to the first answer that stopped the form being sent (after the screen
/// has drawn the problems).
fn focus_first_problem() {
    request_animation_frame(|| {
        use wasm_bindgen::JsCast;
        let first = document()
            .query_selector(".has-problem input, .has-problem textarea")
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
        if let Some(field) = first {
            let _ = field.focus();
        }
    });
}
