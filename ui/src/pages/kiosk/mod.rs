//! The check-in kiosk, read from a step away: the hospital's name, a language chooser, the
//! booking reference (typed on the keypad, on a keyboard, or by a scanner from the QR code) and
//! the date of birth in; an explicit outcome out, with its colour and icon. It keeps nothing:
//! after each outcome, and after a spell without input, it counts down where the person can see
//! it and returns to the start in English, forgetting what was typed.

mod entry;
mod form;
mod keypad;
mod outcome;

use hale_api::{
    ApiError, AppMode, GetMode, KioskCheckIn, KioskCheckInArgs, KioskForget, KioskOutcomeView,
    NoArgs,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::backend;
use crate::components::focus_when_drawn;
use crate::i18n::{t, text, Locale, Msg};
use crate::icons::{Icon, IconView};
use entry::{Entry, Field, Key};
use form::KioskForm;
use keypad::Keypad;
use outcome::{outcome, Tone};

/// How long an outcome stays up at most, so the next person starts fresh.
const OUTCOME_SECONDS: u32 = 20;
/// A half-filled form warns this long before it clears.
const WARN_SECONDS: i64 = 10;

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// Moves the focus to `field`'s input, once it is drawn.
fn focus(field: Field) {
    focus_when_drawn(field.input_id());
}

#[component]
pub fn KioskApp(idle_seconds: u32, hospital_name: Option<String>) -> impl IntoView {
    let locale = RwSignal::new(Locale::En);
    let entry = RwSignal::new(Entry::default());
    let active = RwSignal::new(Field::Reference);
    let problem = RwSignal::new(None::<(Field, Msg)>);
    let last_activity = RwSignal::new(now_ms());
    let now = RwSignal::new(now_ms());
    let answer = RwSignal::new(None::<Result<KioskOutcomeView, ApiError>>);
    let busy = RwSignal::new(false);
    // Each person's attempt belongs to one generation of the screen: an answer that arrives
    // after the screen was reset (a slow hospital) is someone else's, and is never shown.
    let generation = StoredValue::new(0u32);
    let check_in = move |args: KioskCheckInArgs| {
        let asked_in = generation.get_value();
        busy.set(true);
        spawn_local(async move {
            let said = backend::call::<KioskCheckIn>(&args).await;
            if generation.get_value() == asked_in {
                answer.set(Some(said));
                busy.set(false);
                last_activity.set(now_ms());
            }
        });
    };
    let clear_answer = move || {
        generation.update_value(|g| *g = g.wrapping_add(1));
        answer.set(None);
        busy.set(false);
    };
    let showing_outcome = move || answer.with(Option::is_some);
    // Answering the pre-visit form the check-in offered.
    let filling = RwSignal::new(false);

    let say = move |msg| t(locale.get(), msg);
    let hospital = RwSignal::new(hospital_name);
    let reset = move || {
        // A kiosk started while the hospital was away learns its name at a later start screen.
        if hospital.with_untracked(Option::is_none) {
            spawn_local(async move {
                if let Ok(AppMode::Kiosk {
                    hospital_name: Some(name),
                    ..
                }) = backend::call::<GetMode>(&NoArgs {}).await
                {
                    hospital.set(Some(name));
                }
            });
        }
        // The shell forgets the form and its answers too, sent or not.
        spawn_local(async move {
            let _ = backend::call::<KioskForget>(&NoArgs {}).await;
        });
        filling.set(false);
        entry.set(Entry::default());
        active.set(Field::Reference);
        problem.set(None);
        clear_answer();
        locale.set(Locale::En);
        last_activity.set(now_ms());
        focus(Field::Reference);
    };
    let touched =
        move || !entry.with_untracked(Entry::is_empty) || locale.get_untracked() != Locale::En;
    let limit = move || {
        if showing_outcome() && !filling.get() {
            idle_seconds.min(OUTCOME_SECONDS)
        } else {
            idle_seconds
        }
    };
    // Whole seconds until the screen clears.
    let seconds_left = move || {
        let spent = (now.get() - last_activity.get()) / 1000.0;
        (f64::from(limit()) - spent).ceil().max(0.0) as i64
    };
    // Whether a half-filled form is about to clear. A memo, so the warning appears once and is
    // not redrawn (and announced) every second; the clock is read first, so it follows the clock
    // even before anything is typed (`touched` is untracked).
    let warning = Memo::new(move |_| {
        let left = seconds_left();
        let answering = filling.get();
        (answering || (!showing_outcome() && touched())) && left <= WARN_SECONDS
    });
    let still_there = move || {
        // Said once to a screen reader as it appears (the region stays on the page); the
        // seconds count down beside it without being read out each second.
        view! {
            <div class="still-there" aria-live="assertive">
                {move || warning.get().then(|| view! {
                    <p class="clears-in warn" data-testid="kiosk-clears-in">
                        {say(Msg::KioskStillThere)} " "
                        <span role="timer">
                            {move || text(locale.get(), Msg::KioskClearsIn, &[("seconds", &seconds_left().to_string())])}
                        </span>
                    </p>
                })}
            </div>
        }
    };
    // The outcome's heading takes the focus, so the answer is read and Tab starts from it.
    Effect::new(move |_| {
        if showing_outcome() {
            focus_when_drawn("kiosk-outcome-heading");
        }
    });
    if let Ok(handle) = set_interval_with_handle(
        move || {
            now.set(now_ms());
            // Waiting on the hospital is not being idle: a slow answer is the person's, and
            // is shown to them, not dropped by a reset while they wait (a CI run caught it).
            if busy.get_untracked() {
                last_activity.set(now_ms());
            }
            let idle = answer.with_untracked(Option::is_some) || touched();
            if idle && seconds_left() == 0 {
                reset();
            }
        },
        std::time::Duration::from_secs(1),
    ) {
        on_cleanup(move || handle.clear());
    }
    focus(Field::Reference);

    let go_to = move |field: Field| {
        if field != active.get_untracked() {
            active.set(field);
            focus(field);
        }
    };
    let on_key = Callback::new(move |key: Key| {
        let field = active.get_untracked();
        let next = entry.try_update(|e| e.press(field, key)).unwrap_or(field);
        problem.set(None);
        go_to(next);
    });
    let submit = move || {
        let typed = entry.get_untracked();
        if typed.reference.trim().is_empty() {
            problem.set(Some((Field::Reference, Msg::KioskReferenceMissing)));
            go_to(Field::Reference);
            return;
        }
        let birth_date = match typed.birth_date() {
            Ok(date) => date,
            Err(msg) => {
                problem.set(Some((Field::Day, msg)));
                go_to(Field::Day);
                return;
            }
        };
        problem.set(None);
        check_in(KioskCheckInArgs {
            reference: typed.reference,
            birth_date,
        });
    };
    let try_again = move |field: Field| {
        clear_answer();
        active.set(field);
        last_activity.set(now_ms());
        focus(field);
    };

    let field_input = move |field: Field, label: Msg, size: u32| {
        view! {
            <div class="dob-part" class:active=move || active.get() == field>
                <label for=field.input_id()>{move || say(label)}</label>
                <input id=field.input_id() data-testid=field.input_id() inputmode="none"
                    autocomplete="off" size=size maxlength=size dir="ltr"
                    prop:value=move || entry.with(|e| e.get(field).to_owned())
                    on:focus=move |_| active.set(field)
                    on:input=move |e| entry.update(|v| v.set(field, event_target_value(&e))) />
            </div>
        }
    };
    let problem_at = move |field: Field| {
        move || {
            problem.get().filter(|(f, _)| *f == field).map(|(_, msg)| {
                view! { <p class="inline-error" role="alert" data-testid="kiosk-problem">{say(msg)}</p> }
            })
        }
    };
    let languages = move || {
        Locale::ALL
            .into_iter()
            .map(|l| {
                view! {
                    <button type="button" class="language" lang=l.tag() dir=l.dir()
                        data-testid=format!("kiosk-lang-{}", l.tag())
                        aria-pressed=move || (locale.get() == l).to_string()
                        on:click=move |_| locale.set(l)>{l.own_name()}</button>
                }
            })
            .collect_view()
    };

    view! {
        <main class="kiosk" data-testid="kiosk"
            lang=move || locale.get().tag() dir=move || locale.get().dir()
            on:keydown=move |_| last_activity.set(now_ms())
            on:pointerdown=move |_| last_activity.set(now_ms())>
            <header class="kiosk-header">
                // The hospital's own name, in its own language whatever the screen's.
                <p class="kiosk-hospital" data-testid="kiosk-hospital" dir="auto"
                    lang=move || hospital.with(|h| if h.is_some() { "en-GB" } else { locale.get().tag() })>
                    {move || hospital.get().unwrap_or_else(|| say(Msg::KioskWelcome))}
                </p>
                <Show when=move || !showing_outcome()>
                    <div class="languages" role="group" aria-label=move || say(Msg::KioskLanguage)>
                        {languages}
                    </div>
                </Show>
            </header>
            {move || if filling.get() {
                view! {
                    <KioskForm locale done=Callback::new(move |()| reset()) />
                    {still_there()}
                }.into_any()
            } else { match answer.get() {
                Some(result) => {
                    let said = outcome(&result, locale.get_untracked());
                    let icon = match said.tone {
                        Tone::Success => Icon::Tick,
                        Tone::TryAgain => Icon::Warning,
                        Tone::Reception => Icon::Info,
                    };
                    let back_to = said.try_again;
                    let form = said.form;
                    view! {
                        <section class=format!("kiosk-outcome {}", said.tone.class()) role="alert"
                            data-testid="kiosk-outcome">
                            <span class="outcome-icon"><IconView icon /></span>
                            <div>
                                // The answer's first line is the screen's heading.
                                {said.lines.into_iter().enumerate().map(|(i, l)| if i == 0 {
                                    view! { <h1 id="kiosk-outcome-heading" tabindex="-1">{l}</h1> }.into_any()
                                } else {
                                    view! { <p>{l}</p> }.into_any()
                                }).collect_view()}
                                <div class="actions">
                                    {form.then(|| view! {
                                        <button type="button" class="primary" data-testid="kiosk-form-start"
                                            on:click=move |_| {
                                                last_activity.set(now_ms());
                                                filling.set(true);
                                            }>{say(Msg::KioskFormStart)}</button>
                                    })}
                                    {back_to.map(|field| view! {
                                        <button type="button" data-testid="kiosk-try-again"
                                            on:click=move |_| try_again(field)>{say(Msg::KioskTryAgain)}</button>
                                    })}
                                    <button type="button" data-testid="kiosk-done"
                                        class:secondary=back_to.is_some() || form
                                        on:click=move |_| reset()>{say(Msg::KioskDone)}</button>
                                </div>
                            </div>
                        </section>
                        <p class="clears-in" role="timer" data-testid="kiosk-clears-in">
                            {move || text(locale.get(), Msg::KioskClearsIn, &[("seconds", &seconds_left().to_string())])}
                        </p>
                    }.into_any()
                }
                None => view! {
                    <div class="kiosk-body">
                        <form class="kiosk-form" on:submit=move |e| { e.prevent_default(); submit(); }>
                            <h1>{move || say(Msg::KioskTitle)}</h1>
                            <div class="reference-part" class:active=move || active.get() == Field::Reference>
                                <label for="kiosk-reference">{move || say(Msg::KioskReference)}</label>
                                <p class="hint" id="kiosk-reference-hint">{move || say(Msg::KioskReferenceHint)}</p>
                                <input id="kiosk-reference" data-testid="kiosk-reference" inputmode="none"
                                    aria-describedby="kiosk-reference-hint"
                                    autocomplete="off" maxlength="20" spellcheck="false" dir="ltr"
                                    prop:value=move || entry.with(|e| e.reference.clone())
                                    on:focus=move |_| active.set(Field::Reference)
                                    on:input=move |e| entry.update(|v| v.reference = event_target_value(&e))
                                    on:keydown=move |e| {
                                        // A scanner ends with Enter: move on to the date of birth.
                                        if e.key() == "Enter" {
                                            e.prevent_default();
                                            go_to(Field::Day);
                                        }
                                    } />
                                {problem_at(Field::Reference)}
                            </div>
                            <fieldset class="dob">
                                <legend>{move || say(Msg::KioskBirthDate)}</legend>
                                {field_input(Field::Day, Msg::KioskDay, 2)}
                                {field_input(Field::Month, Msg::KioskMonth, 2)}
                                {field_input(Field::Year, Msg::KioskYear, 4)}
                            </fieldset>
                            {problem_at(Field::Day)}
                            <button type="submit" class="check-in" data-testid="kiosk-submit" disabled=busy>
                                {move || say(if busy.get() { Msg::KioskBusy } else { Msg::KioskCheckIn })}
                            </button>
                        </form>
                        <Keypad locale field=active on_key />
                    </div>
                    {still_there()}
                }.into_any(),
            }}}
        </main>
    }
}
