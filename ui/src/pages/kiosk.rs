//! The check-in kiosk: booking reference (typed, or typed by a scanner from the QR code) and
//! date of birth in, an explicit outcome out. It keeps nothing: the screen returns to the start
//! after each outcome and after a spell without input, forgetting what was typed.

use hale_api::{ApiError, ErrorCode, KioskCheckIn, KioskCheckInArgs, KioskOutcomeView};
use leptos::prelude::*;

use crate::backend;
use crate::components::InlineError;
use crate::format;

/// How long an outcome stays up at most, so the next person starts fresh.
const OUTCOME_SECONDS: u32 = 20;

fn now_ms() -> f64 {
    js_sys::Date::now()
}

#[component]
pub fn KioskApp(idle_seconds: u32) -> impl IntoView {
    let reference = RwSignal::new(String::new());
    let day = RwSignal::new(String::new());
    let month = RwSignal::new(String::new());
    let year = RwSignal::new(String::new());
    let problem = RwSignal::new(None::<&'static str>);
    let last_activity = RwSignal::new(now_ms());
    let check_in = Action::new_local(move |args: &KioskCheckInArgs| {
        let args = args.clone();
        async move {
            let answer = backend::call::<KioskCheckIn>(&args).await;
            last_activity.set(now_ms());
            answer
        }
    });
    let outcome = check_in.value();
    let busy = check_in.pending();
    let reset = move || {
        for field in [reference, day, month, year] {
            field.set(String::new());
        }
        check_in.clear();
        problem.set(None);
        last_activity.set(now_ms());
    };
    let touched = move || {
        outcome.with_untracked(Option::is_some)
            || [reference, day, month, year]
                .iter()
                .any(|f| f.with_untracked(|v| !v.is_empty()))
    };
    if let Ok(handle) = set_interval_with_handle(
        move || {
            let limit = if outcome.with_untracked(Option::is_some) {
                idle_seconds.min(OUTCOME_SECONDS)
            } else {
                idle_seconds
            };
            if touched() && now_ms() - last_activity.get_untracked() > f64::from(limit) * 1000.0 {
                reset();
            }
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    let submit = move || {
        let birth_date = match format::birth_date(&day.get(), &month.get(), &year.get()) {
            Ok(date) => date,
            Err(message) => {
                problem.set(Some(message));
                return;
            }
        };
        problem.set(None);
        let args = KioskCheckInArgs {
            reference: reference.get(),
            birth_date,
        };
        check_in.dispatch(args);
    };
    let field = move |signal: RwSignal<String>,
                      id: &'static str,
                      label: &'static str,
                      size: u32| {
        view! {
            <div class="dob-part">
                <label for=id>{label}</label>
                <input id=id data-testid=id inputmode="numeric" autocomplete="off" size=size maxlength=size
                    prop:value=move || signal.get()
                    on:input=move |e| signal.set(event_target_value(&e)) />
            </div>
        }
    };
    view! {
        <main class="kiosk" data-testid="kiosk"
            on:keydown=move |_| last_activity.set(now_ms())
            on:pointerdown=move |_| last_activity.set(now_ms())>
            {move || match outcome.get() {
                Some(answer) => {
                    let (tone, lines) = outcome_words(&answer);
                    view! {
                        <section class=format!("kiosk-outcome {tone}") role="alert" data-testid="kiosk-outcome">
                            // The answer's first line is the screen's heading.
                            {lines.into_iter().enumerate().map(|(i, l)| if i == 0 {
                                view! { <h1>{l}</h1> }.into_any()
                            } else {
                                view! { <p>{l}</p> }.into_any()
                            }).collect_view()}
                            <button type="button" data-testid="kiosk-done" on:click=move |_| reset()>"Done"</button>
                        </section>
                    }.into_any()
                }
                None => view! {
                    <form class="kiosk-form" on:submit=move |e| { e.prevent_default(); submit(); }>
                        <h1>"Check in for your appointment"</h1>
                        <label for="kiosk-reference">"Booking reference"</label>
                        <p class="hint">"Type it, or hold the QR code from your appointment to the scanner."</p>
                        <input id="kiosk-reference" data-testid="kiosk-reference" autocomplete="off" autofocus
                            maxlength="20" spellcheck="false"
                            prop:value=move || reference.get()
                            on:input=move |e| reference.set(event_target_value(&e))
                            on:keydown=move |e| {
                                // A scanner ends with Enter: move on to the date of birth.
                                if e.key() == "Enter" {
                                    e.prevent_default();
                                    if let Some(next) = document().get_element_by_id("kiosk-day") {
                                        let _ = wasm_bindgen::JsCast::unchecked_ref::<web_sys::HtmlElement>(&next).focus();
                                    }
                                }
                            } />
                        <fieldset class="dob">
                            <legend>"Date of birth"</legend>
                            {field(day, "kiosk-day", "Day", 2)}
                            {field(month, "kiosk-month", "Month", 2)}
                            {field(year, "kiosk-year", "Year", 4)}
                        </fieldset>
                        <InlineError error=move || problem.get() testid="kiosk-problem" />
                        <button type="submit" data-testid="kiosk-submit" disabled=busy>"Check in"</button>
                    </form>
                }.into_any(),
            }}
        </main>
    }
}

/// The outcome's tone and its lines, in plain words.
fn outcome_words(answer: &Result<KioskOutcomeView, ApiError>) -> (&'static str, Vec<String>) {
    match answer {
        Ok(KioskOutcomeView::CheckedIn {
            clinic,
            location,
            position,
            estimate_minutes,
        }) => (
            "success",
            vec![
                "You're checked in.".to_owned(),
                format!("Please go to {location} ({clinic}) and take a seat."),
                format!(
                    "You are number {position} in the queue; the wait is about {}.",
                    format::minutes(*estimate_minutes)
                ),
            ],
        ),
        Ok(KioskOutcomeView::SeeReception { too_early: true }) => (
            "neutral",
            vec![
                "It's too early to check in for this appointment.".to_owned(),
                "Please see reception.".to_owned(),
            ],
        ),
        Ok(KioskOutcomeView::SeeReception { too_early: false }) => (
            "neutral",
            vec![
                "We could not check you in here.".to_owned(),
                "Please see reception.".to_owned(),
            ],
        ),
        Ok(KioskOutcomeView::NotMatched) => (
            "neutral",
            vec![
                "We could not match you.".to_owned(),
                "Please check your booking reference and date of birth, or see reception."
                    .to_owned(),
            ],
        ),
        Ok(KioskOutcomeView::CheckReference) => (
            "neutral",
            vec![
                "That booking reference doesn't look right.".to_owned(),
                "Please check it and try again.".to_owned(),
            ],
        ),
        Ok(KioskOutcomeView::TooManyAttempts) => (
            "neutral",
            vec!["Please see reception for help checking in.".to_owned()],
        ),
        Err(e) if e.code == ErrorCode::InvalidArgument => (
            "neutral",
            vec!["Please check your date of birth and try again.".to_owned()],
        ),
        Err(_) => (
            "neutral",
            vec![
                "Check-in is not available right now.".to_owned(),
                "Please see reception.".to_owned(),
            ],
        ),
    }
}
