//! A new draft starts from what the hospital and the device already know, for the patient to
//! confirm rather than type again: current medicines (each to be marked still taken, changed or
//! stopped), recorded allergies, and the newest home readings.

use chrono::{DateTime, Utc};

use crate::device::Vital;

use super::form::{Form, Item, ItemKind, PrefillSource};
use super::response::{Answer, Path, Response};

/// What is known before the patient answers anything.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Known {
    pub medicines: Vec<KnownMedicine>,
    /// The substances the hospital recorded an allergy or intolerance to.
    pub allergies: Vec<String>,
    pub readings: Vec<KnownReading>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownMedicine {
    pub name: String,
    /// How it is taken, in words ("1 tablet twice a day"), when known.
    pub how: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct KnownReading {
    pub vital: Vital,
    pub value: f64,
    /// UCUM.
    pub unit: String,
    pub at: DateTime<Utc>,
}

/// A new response with every prefilled item filled in from `known`. A reading fills a question
/// only in the question's own unit; the newest of a code wins.
pub fn prefilled(form: &Form, known: &Known) -> Response {
    let mut response = Response::default();
    fill(form, &form.items, &Path(Vec::new()), known, &mut response);
    response
}

fn fill(form: &Form, items: &[Item], base: &Path, known: &Known, response: &mut Response) {
    for item in items {
        let path = if base.0.is_empty() {
            Path::root(&item.link_id)
        } else {
            base.child(&item.link_id, 0)
        };
        match &item.prefill {
            Some(PrefillSource::Medicines) => medicines(form, item, &path, known, response),
            Some(PrefillSource::Allergies) if item.kind.is_question() => {
                let answers: Vec<Answer> = if item.repeats {
                    known
                        .allergies
                        .iter()
                        .cloned()
                        .map(Answer::String)
                        .collect()
                } else if known.allergies.is_empty() {
                    Vec::new()
                } else {
                    vec![Answer::String(known.allergies.join("; "))]
                };
                if !answers.is_empty() {
                    let _ = response.put(form, &path, answers);
                }
            }
            Some(PrefillSource::Reading { vital }) => {
                let ItemKind::Decimal { unit } = &item.kind else {
                    continue;
                };
                let newest = known
                    .readings
                    .iter()
                    .filter(|r| r.vital == *vital)
                    .filter(|r| unit.as_ref().is_none_or(|u| u.code == r.unit))
                    .max_by_key(|r| r.at);
                if let Some(reading) = newest {
                    let _ = response.put(form, &path, vec![Answer::Decimal(reading.value)]);
                }
            }
            _ if matches!(item.kind, ItemKind::Group) && !item.repeats => {
                fill(form, &item.items, &path, known, response);
            }
            _ => {}
        }
    }
}

/// One filling-in of the group per medicine, its first text question holding the medicine.
fn medicines(form: &Form, group: &Item, path: &Path, known: &Known, response: &mut Response) {
    if !(matches!(group.kind, ItemKind::Group) && group.repeats) {
        return;
    }
    let Some(name_item) = group
        .items
        .iter()
        .find(|i| matches!(i.kind, ItemKind::String | ItemKind::Text))
    else {
        return;
    };
    for medicine in &known.medicines {
        let Ok(instance) = response.add_instance(form, path) else {
            return;
        };
        let words = match &medicine.how {
            Some(how) => format!("{}: {how}", medicine.name),
            None => medicine.name.clone(),
        };
        let _ = response.put(
            form,
            &instance.child(&name_item.link_id, 0),
            vec![Answer::String(words)],
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::questionnaire::form::Unit;
    use chrono::TimeZone;

    fn form() -> Form {
        Form {
            id: "f".into(),
            url: None,
            version: None,
            title: "T".into(),
            items: vec![
                Item::group(
                    "meds",
                    "Your medicines",
                    vec![
                        Item::question("name", "Medicine", ItemKind::String).read_only(),
                        Item::question("status", "Still taking it?", ItemKind::Choice)
                            .with_options(&[("yes", "Yes")]),
                    ],
                )
                .repeating()
                .prefilled_from(PrefillSource::Medicines),
                Item::question("allergies", "Allergies", ItemKind::String)
                    .repeating()
                    .prefilled_from(PrefillSource::Allergies),
                Item::group(
                    "home",
                    "At home",
                    vec![Item::question(
                        "weight",
                        "Weight",
                        ItemKind::Decimal {
                            unit: Some(Unit {
                                code: "kg".into(),
                                display: "kg".into(),
                            }),
                        },
                    )
                    .prefilled_from(PrefillSource::Reading {
                        vital: Vital::BodyWeight,
                    })],
                ),
            ],
        }
    }

    fn weight(value: f64, unit: &str, day: u32) -> KnownReading {
        KnownReading {
            vital: Vital::BodyWeight,
            value,
            unit: unit.into(),
            at: Utc.with_ymd_and_hms(2026, 12, day, 8, 0, 0).unwrap(),
        }
    }

    #[test]
    fn each_current_medicine_becomes_a_filling_in_to_confirm() {
        let known = Known {
            medicines: vec![
                KnownMedicine {
                    name: "Ramipril 5 mg capsules".into(),
                    how: Some("1 capsule at bedtime".into()),
                },
                KnownMedicine {
                    name: "Paracetamol".into(),
                    how: None,
                },
            ],
            ..Known::default()
        };
        let r = prefilled(&form(), &known);
        let names: Vec<&[Answer]> = (0..2)
            .map(|n| r.answers(&format!("meds#{n}/name#0").parse().unwrap()))
            .collect();
        assert_eq!(
            names,
            [
                &[Answer::String(
                    "Ramipril 5 mg capsules: 1 capsule at bedtime".into()
                )][..],
                &[Answer::String("Paracetamol".into())][..]
            ]
        );
        assert!(
            r.answers(&"meds#0/status#0".parse().unwrap()).is_empty(),
            "the patient answers whether they still take it"
        );
    }

    #[test]
    fn allergies_and_the_newest_reading_in_the_questions_unit_are_filled_in() {
        let known = Known {
            allergies: vec!["Penicillin".into(), "Latex".into()],
            readings: vec![
                weight(82.0, "kg", 1),
                weight(81.4, "kg", 3),
                weight(180.0, "[lb_av]", 4),
            ],
            ..Known::default()
        };
        let r = prefilled(&form(), &known);
        assert_eq!(
            r.answers(&"allergies#0".parse().unwrap()),
            [
                Answer::String("Penicillin".into()),
                Answer::String("Latex".into())
            ]
        );
        assert_eq!(
            r.answers(&"home#0/weight#0".parse().unwrap()),
            [Answer::Decimal(81.4)]
        );
    }

    #[test]
    fn nothing_known_leaves_an_empty_draft() {
        assert_eq!(prefilled(&form(), &Known::default()), Response::default());
    }
}
