//! Pre-visit forms in words: what is wrong with an answer, where the form stands, the value an
//! answer puts back in its input, and a question's input id.

use chrono::{DateTime, FixedOffset};
use hale_api::{FormAnswerView, FormProblem, FormStageView};

use super::{day, time};

/// What is wrong with an answer, next to its question.
pub fn form_problem(p: FormProblem) -> &'static str {
    match p {
        FormProblem::Required => "Please answer this question.",
        FormProblem::NotANumber => "Please enter a number, for example 72.5.",
        FormProblem::NotAWholeNumber => "Please enter a whole number.",
        FormProblem::NotADate => "Please enter a date.",
        FormProblem::NotYesOrNo => "Please choose yes or no.",
        FormProblem::NotAnOption => "Please choose one of the answers.",
        FormProblem::TooLong => "This answer is too long.",
        FormProblem::DoesNotFit => {
            "This answer no longer fits the question; please answer it again."
        }
    }
}

/// Where the form stands, in a sentence; `None` while it is open with nothing to say.
pub fn form_stage(stage: FormStageView, problems: u32) -> Option<String> {
    match stage {
        FormStageView::NoForm => Some("The hospital has no form for you to fill in before this visit.".into()),
        FormStageView::NotYet { opens } => Some(format!(
            "You can fill this in from {} at {}.",
            day(opens),
            time(opens)
        )),
        FormStageView::Closed => Some("This visit is over, so the form can no longer be sent.".into()),
        FormStageView::Submitted { at, confirmed: true } => Some(format!(
            "Sent on {} at {}. The hospital has your answers.",
            day(at),
            time(at)
        )),
        FormStageView::Submitted { confirmed: false, .. } => Some(
            "Your answers are saved on this device and will reach the hospital as soon as you are online."
                .into(),
        ),
        FormStageView::Refused { .. } => Some(
            "The hospital could not accept these answers: its form or your appointment has changed. Please tell the clinic at your visit."
                .into(),
        ),
        FormStageView::Open if problems == 1 => {
            Some("One answer needs your attention before you send the form.".into())
        }
        FormStageView::Open if problems > 1 => Some(format!(
            "{problems} answers need your attention before you send the form."
        )),
        FormStageView::Open => None,
    }
}

/// What an answer puts back in a text, number or date input: the value the patient can edit.
pub fn answer_text(a: &FormAnswerView) -> String {
    match a {
        FormAnswerView::Boolean { value } => value.to_string(),
        FormAnswerView::Number { value } => {
            if value.fract() == 0.0 && value.abs() < 1e15 {
                format!("{value:.0}")
            } else {
                value.to_string()
            }
        }
        FormAnswerView::Date { value } => value.format("%Y-%m-%d").to_string(),
        FormAnswerView::Text { value } => value.clone(),
        FormAnswerView::Option { code, .. } => code.clone(),
    }
}

/// An element id for the question at `path` (`medicines#1/taking#0` → `q-medicines-1-taking-0`).
pub fn question_id(path: &str) -> String {
    let mut id = String::from("q-");
    for c in path.chars() {
        id.push(if c.is_ascii_alphanumeric() { c } else { '-' });
    }
    id
}

/// "Form for Cardiology, Mon 14 Dec".
pub fn form_for(service: &str, start: DateTime<FixedOffset>) -> String {
    format!(
        "For your {service} visit on {} at {}",
        day(start),
        time(start)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn answers_return_to_their_inputs_as_typed() {
        let check = |a: FormAnswerView, expect: &str| assert_eq!(answer_text(&a), expect);
        check(FormAnswerView::Number { value: 82.0 }, "82");
        check(FormAnswerView::Number { value: 82.5 }, "82.5");
        check(
            FormAnswerView::Date {
                value: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            },
            "2026-03-01",
        );
        check(
            FormAnswerView::Option {
                code: "heavy".into(),
                display: "Only when very active".into(),
            },
            "heavy",
        );
    }

    #[test]
    fn ids_keep_only_letters_and_digits() {
        assert_eq!(
            question_id("medicines#1/taking#0"),
            "q-medicines-1-taking-0"
        );
    }

    #[test]
    fn the_stage_says_how_many_answers_need_attention() {
        assert_eq!(form_stage(FormStageView::Open, 0), None);
        assert_eq!(
            form_stage(FormStageView::Open, 1).unwrap(),
            "One answer needs your attention before you send the form."
        );
        assert!(form_stage(FormStageView::Open, 3)
            .unwrap()
            .starts_with("3 answers"));
    }
}
