//! The demo hospital's pre-visit forms (a cardiology one and a general one for every other
//! clinic) and the demo patient's recorded allergies, which the forms prefill.

use hale_domain::device::Vital;
use hale_domain::questionnaire::{
    Answer, Choice, Form, Item, ItemKind, Operator, PrefillSource, Unit,
};
use sqlx::{Any, Transaction};

use super::seed::DEMO_PATIENT;
use crate::FhirError;

const SNOMED: &str = "http://snomed.info/sct";
/// The demo's forms live under this base; a hospital's would live under its own.
const BASE: &str = "https://hale.example/fhir/Questionnaire";
const CARDIOLOGY: &str = "394579002";

/// Publishes the forms and records the demo patient's allergies, once.
pub(crate) async fn seed(tx: &mut Transaction<'_, Any>) -> Result<(), FhirError> {
    crate::questionnaire::publish(tx, &cardiology(), Some(CARDIOLOGY)).await?;
    crate::questionnaire::publish(tx, &general(), None).await?;
    for (id, code, substance, kind, criticality, reaction, recorded) in ALLERGIES {
        sqlx::query(
            "INSERT INTO allergy (id, patient_id, substance_system, substance_code, substance, \
             kind, criticality, reaction, recorded_on) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(DEMO_PATIENT.id)
        .bind(SNOMED)
        .bind(code)
        .bind(substance)
        .bind(kind)
        .bind(criticality)
        .bind(reaction)
        .bind(recorded)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

type Allergy = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const ALLERGIES: [Allergy; 2] = [
    (
        "al-0001",
        "764146007",
        "Penicillin",
        "allergy",
        "high",
        "Hives",
        "2019-03-04",
    ),
    (
        "al-0002",
        "111088007",
        "Latex",
        "intolerance",
        "low",
        "Itchy skin",
        "2021-11-20",
    ),
];

fn kg() -> ItemKind {
    ItemKind::Decimal {
        unit: Some(Unit {
            code: "kg".into(),
            display: "kg".into(),
        }),
    }
}

fn mmhg() -> ItemKind {
    ItemKind::Decimal {
        unit: Some(Unit {
            code: "mm[Hg]".into(),
            display: "mmHg".into(),
        }),
    }
}

fn coded(code: &str) -> Answer {
    Answer::Coding(Choice {
        system: None,
        code: code.into(),
        display: String::new(),
    })
}

/// Each current medicine, to be confirmed: still taken as prescribed, changed, or stopped.
fn medicines() -> Item {
    Item::group(
        "medicines",
        "Your medicines: are you still taking each one?",
        vec![
            Item::question("medicine", "Medicine", ItemKind::String).read_only(),
            Item::question("taking", "Still taking it?", ItemKind::Choice)
                .required()
                .with_options(&[
                    ("as-prescribed", "Yes, as prescribed"),
                    ("changed", "Yes, but differently"),
                    ("stopped", "No, I stopped"),
                ]),
            Item::question("what-changed", "What changed, and why?", ItemKind::Text)
                .required()
                .when("taking", Operator::Equals(coded("changed")))
                .when("taking", Operator::Equals(coded("stopped")))
                .any_of_conditions(),
        ],
    )
    .repeating()
    .prefilled_from(PrefillSource::Medicines)
}

fn allergies() -> Vec<Item> {
    vec![
        Item::question(
            "allergies",
            "Allergies we have on record (correct them if they are wrong)",
            ItemKind::String,
        )
        .repeating()
        .prefilled_from(PrefillSource::Allergies),
        Item::question(
            "other-medicines",
            "Any other medicines, including ones you buy yourself?",
            ItemKind::Text,
        ),
    ]
}

fn cardiology() -> Form {
    let mut items = vec![
        Item::group(
            "symptoms",
            "How you have been",
            vec![
                Item::question(
                    "chest-pain",
                    "Have you had chest pain or tightness in the last 4 weeks?",
                    ItemKind::Boolean,
                )
                .required(),
                Item::question("chest-pain-when", "When does it come on?", ItemKind::Choice)
                    .required()
                    .when("chest-pain", Operator::Equals(Answer::Boolean(true)))
                    .with_options(&[
                        ("exertion", "When I am active"),
                        ("rest", "At rest"),
                        ("both", "Both"),
                    ]),
                Item::question("breathless", "How breathless are you?", ItemKind::Choice)
                    .required()
                    .with_options(&[
                        ("none", "Not at all"),
                        ("heavy", "Only when very active"),
                        ("light", "Doing light things, like getting dressed"),
                        ("rest", "Even at rest"),
                    ]),
                Item::question(
                    "ankles",
                    "Have your ankles been swollen?",
                    ItemKind::Boolean,
                ),
            ],
        ),
        Item::group(
            "readings",
            "Your latest readings at home (change them if you have newer ones)",
            vec![
                Item::question("weight", "Weight", kg()).prefilled_from(PrefillSource::Reading {
                    vital: Vital::BodyWeight,
                }),
                Item::question("systolic", "Blood pressure, top number", mmhg()).prefilled_from(
                    PrefillSource::Reading {
                        vital: Vital::Systolic,
                    },
                ),
            ],
        ),
        medicines(),
    ];
    items.extend(allergies());
    items.push(Item::question(
        "questions",
        "Is there anything you want to ask at your visit?",
        ItemKind::Text,
    ));
    Form {
        id: "pre-visit-cardiology".into(),
        url: Some(format!("{BASE}/pre-visit-cardiology")),
        version: Some("1".into()),
        title: "Before your heart clinic visit".into(),
        items,
    }
}

fn general() -> Form {
    let mut items = vec![
        Item::question("feeling", "How are you feeling now?", ItemKind::OpenChoice)
            .required()
            .with_options(&[
                ("better", "Better than at my last visit"),
                ("same", "About the same"),
                ("worse", "Worse"),
            ]),
        Item::question("worse-since", "Since when?", ItemKind::Date)
            .when("feeling", Operator::Equals(coded("worse"))),
        Item::question(
            "emergency-visits",
            "How many times have you been to A&E since your last visit?",
            ItemKind::Integer,
        ),
        medicines(),
    ];
    items.extend(allergies());
    items.push(Item::question(
        "questions",
        "Is there anything you want to ask at your visit?",
        ItemKind::Text,
    ));
    Form {
        id: "pre-visit-general".into(),
        url: Some(format!("{BASE}/pre-visit-general")),
        version: Some("1".into()),
        title: "Before your visit".into(),
        items,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_forms_are_forms_hale_can_show() {
        for form in [cardiology(), general()] {
            assert_eq!(form.check(), Ok(()), "{}", form.id);
            let q = hale_fhir::Questionnaire::from_form(&form);
            assert_eq!(q.to_form().unwrap().items, form.items);
        }
    }
}
