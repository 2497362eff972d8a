//! What the kiosk says after an attempt, in the chosen language: a tone (colour and icon), the
//! lines, and whether "Try again" helps (a typing mistake) or only reception can.

use hale_api::{ApiError, ErrorCode, KioskOutcomeView};

use super::entry::Field;
use crate::i18n::{t, text, Locale, Msg};

/// How an outcome looks: each has its own colour and icon, so it reads from a step away.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Checked in.
    Success,
    /// Something typed needs another look.
    TryAgain,
    /// Only a person can help now.
    Reception,
}

impl Tone {
    pub fn class(self) -> &'static str {
        match self {
            Tone::Success => "success",
            Tone::TryAgain => "try-again",
            Tone::Reception => "reception",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub tone: Tone,
    /// The first is the heading.
    pub lines: Vec<String>,
    /// The field to go back to, when trying again can help.
    pub try_again: Option<Field>,
    /// Whether the appointment's pre-visit form can be filled in here now.
    pub form: bool,
}

impl Outcome {
    fn new(tone: Tone, lines: Vec<String>, try_again: Option<Field>) -> Self {
        Self {
            tone,
            lines,
            try_again,
            form: false,
        }
    }
}

/// The outcome of `answer`, worded in `locale`.
pub fn outcome(answer: &Result<KioskOutcomeView, ApiError>, locale: Locale) -> Outcome {
    let say = |msg| t(locale, msg);
    match answer {
        Ok(KioskOutcomeView::CheckedIn {
            clinic,
            location,
            position,
            estimate_minutes,
            form,
        }) => Outcome {
            form: *form,
            ..Outcome::new(
                Tone::Success,
                vec![
                    say(Msg::KioskCheckedIn),
                    text(
                        locale,
                        Msg::KioskGoTo,
                        &[("location", location), ("clinic", clinic)],
                    ),
                    text(
                        locale,
                        Msg::KioskQueue,
                        &[
                            ("position", &position.to_string()),
                            ("minutes", &estimate_minutes.max(&0).to_string()),
                        ],
                    ),
                ]
                .into_iter()
                .chain(form.then(|| say(Msg::KioskFormOffer)))
                .collect(),
                None,
            )
        },
        Ok(KioskOutcomeView::SeeReception {
            too_early: true,
            opens_at,
        }) => {
            let second = match opens_at {
                Some(at) => text(
                    locale,
                    Msg::KioskOpensAt,
                    &[("time", &at.format("%H:%M").to_string())],
                ),
                None => say(Msg::KioskSeeReception),
            };
            Outcome::new(Tone::Reception, vec![say(Msg::KioskTooEarly), second], None)
        }
        Ok(KioskOutcomeView::SeeReception {
            too_early: false, ..
        }) => Outcome::new(
            Tone::Reception,
            vec![say(Msg::KioskNotHere), say(Msg::KioskSeeReception)],
            None,
        ),
        // Which of the two details was wrong is not known (nor would it be said): start again
        // at the reference.
        Ok(KioskOutcomeView::NotMatched) => Outcome::new(
            Tone::TryAgain,
            vec![say(Msg::KioskNotMatched), say(Msg::KioskNotMatchedDetail)],
            Some(Field::Reference),
        ),
        Ok(KioskOutcomeView::CheckReference) => Outcome::new(
            Tone::TryAgain,
            vec![
                say(Msg::KioskCheckReference),
                say(Msg::KioskCheckReferenceDetail),
            ],
            Some(Field::Reference),
        ),
        Ok(KioskOutcomeView::TooManyAttempts) => {
            Outcome::new(Tone::Reception, vec![say(Msg::KioskTooMany)], None)
        }
        Err(e) if e.code == ErrorCode::InvalidArgument => Outcome::new(
            Tone::TryAgain,
            vec![say(Msg::KioskCheckBirthDate)],
            Some(Field::Day),
        ),
        Err(_) => Outcome::new(
            Tone::Reception,
            vec![say(Msg::KioskUnavailable), say(Msg::KioskSeeReception)],
            None,
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn too_early_says_when_check_in_opens_in_the_chosen_language() {
        let opens = chrono::DateTime::parse_from_rfc3339("2026-12-05T10:20:00+00:00").unwrap();
        let answer = Ok(KioskOutcomeView::SeeReception {
            too_early: true,
            opens_at: Some(opens),
        });
        let said = outcome(&answer, Locale::En);
        assert_eq!(said.tone, Tone::Reception);
        assert_eq!(
            said.lines[1],
            "Check-in opens at 10:20. Please come back then, or see reception."
        );
        assert!(outcome(&answer, Locale::Pl).lines[1].contains("od 10:20"));
        assert_eq!(said.try_again, None, "waiting is the answer, not retyping");
    }

    #[test]
    fn typing_mistakes_offer_try_again_and_the_rest_send_to_reception() {
        let invalid = Err(ApiError::new(ErrorCode::InvalidArgument, "bad date"));
        for (answer, back_to) in [
            (Ok(KioskOutcomeView::NotMatched), Some(Field::Reference)),
            (Ok(KioskOutcomeView::CheckReference), Some(Field::Reference)),
            (invalid, Some(Field::Day)),
            (Ok(KioskOutcomeView::TooManyAttempts), None),
            (
                Err(ApiError::new(ErrorCode::HospitalUnreachable, "down")),
                None,
            ),
        ] {
            let said = outcome(&answer, Locale::Ur);
            assert_eq!(said.try_again, back_to, "{answer:?}");
            assert_eq!(said.tone == Tone::TryAgain, back_to.is_some(), "{answer:?}");
        }
    }

    #[test]
    fn checked_in_names_the_place_and_the_queue() {
        let answer = Ok(KioskOutcomeView::CheckedIn {
            clinic: "Cardiology".into(),
            location: "Outpatients B, level 2".into(),
            position: 3,
            estimate_minutes: 25,
            form: false,
        });
        let said = outcome(&answer, Locale::En);
        assert_eq!(said.tone, Tone::Success);
        assert!(!said.form);
        assert_eq!(
            said.lines,
            [
                "You're checked in.",
                "Please go to Outpatients B, level 2 (Cardiology) and take a seat.",
                "Your place in the queue: 3. The wait is about 25 min.",
            ]
        );
    }

    #[test]
    fn a_check_in_with_a_form_to_fill_in_offers_it_in_the_chosen_language() {
        let answer = Ok(KioskOutcomeView::CheckedIn {
            clinic: "Cardiology".into(),
            location: "Outpatients B, level 2".into(),
            position: 1,
            estimate_minutes: 0,
            form: true,
        });
        let said = outcome(&answer, Locale::En);
        assert!(said.form);
        assert_eq!(said.lines.len(), 4);
        assert_eq!(said.lines[3], t(Locale::En, Msg::KioskFormOffer));
        assert_eq!(
            outcome(&answer, Locale::Pl).lines[3],
            t(Locale::Pl, Msg::KioskFormOffer)
        );
    }
}
