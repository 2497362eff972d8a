//! A glucose meter's measurement context (Bluetooth Glucose Measurement Context, 0x2A34) as
//! components of the glucose Observation, so a hospital can tell a before-meal value from an
//! after-meal one.
//!
//! Codes follow the HL7 Personal Health Device IG, which carries the meal context as a component
//! coded in the IEEE 11073-10101 nomenclature (MDC_CTXT_GLU_MEAL 8417864 with its values), with
//! HL7 v3 TimingEvent and SNOMED CT codings beside them where one exists, and LOINC for the
//! quantities (carbohydrate intake 9059-7, exercise duration 55411-3, HbA1c 4548-4).

use hale_domain::device::glucose::{GlucoseContext, Meal};

use crate::datatypes::{CodeableConcept, Coding};
use crate::medication::Quantity;
use crate::observation::{ObservationComponent, LOINC};

/// IEEE 11073-10101, as FHIR names it.
pub const MDC: &str = "urn:iso:std:iso:11073:10101";
pub const TIMING_EVENT: &str = "http://terminology.hl7.org/CodeSystem/v3-TimingEvent";
pub const SNOMED: &str = "http://snomed.info/sct";

fn coding(system: &str, code: &str, display: &str) -> Coding {
    Coding {
        system: Some(system.into()),
        code: Some(code.into()),
        display: Some(display.into()),
    }
}

fn concept(codings: Vec<Coding>, text: Option<&str>) -> CodeableConcept {
    CodeableConcept {
        coding: codings,
        text: text.map(str::to_owned),
    }
}

/// The meal value's codings; a reserved meal code says nothing and gives no component.
fn meal_codings(meal: Meal) -> Option<Vec<Coding>> {
    Some(match meal {
        Meal::BeforeMeal => vec![
            coding(MDC, "8417868", "MDC_CTXT_GLU_MEAL_PREPRANDIAL"),
            coding(TIMING_EVENT, "AC", "before meal"),
            coding(SNOMED, "307165006", "Before meal"),
        ],
        Meal::AfterMeal => vec![
            coding(MDC, "8417872", "MDC_CTXT_GLU_MEAL_POSTPRANDIAL"),
            coding(TIMING_EVENT, "PC", "after meal"),
            coding(SNOMED, "24863003", "Postprandial"),
        ],
        Meal::Fasting => vec![coding(MDC, "8417876", "MDC_CTXT_GLU_MEAL_FASTING")],
        Meal::Casual => vec![coding(MDC, "8417880", "MDC_CTXT_GLU_MEAL_CASUAL")],
        // The 11073 bedtime value is published inconsistently; the HL7 code is unambiguous.
        Meal::Bedtime => vec![coding(TIMING_EVENT, "HS", "at bedtime")],
        Meal::Reserved(_) => return None,
    })
}

fn quantity_component(
    codings: Vec<Coding>,
    value: f64,
    unit: &str,
    ucum: &str,
) -> ObservationComponent {
    ObservationComponent {
        code: concept(codings, None),
        value_quantity: Some(Quantity::ucum(value, unit, ucum)),
        value_codeable_concept: None,
    }
}

/// The most components a context adds: one per kind of context.
pub const MAX_COMPONENTS: usize = 6;

/// The components the context adds to its glucose Observation. Special values (NaN, NRes, …)
/// and an exercise "overrun" give none.
pub fn components(context: &GlucoseContext) -> Vec<ObservationComponent> {
    let mut out = Vec::new();
    if let Some(codings) = context.meal.and_then(meal_codings) {
        out.push(ObservationComponent {
            code: concept(vec![coding(MDC, "8417864", "MDC_CTXT_GLU_MEAL")], None),
            value_quantity: None,
            value_codeable_concept: Some(concept(codings, context.meal.map(Meal::label))),
        });
    }
    if let Some((_, kg)) = context.carbohydrate {
        if let Some(kg) = kg.value().filter(|v| v.is_finite() && *v >= 0.0) {
            out.push(quantity_component(
                vec![
                    coding(LOINC, "9059-7", "Carbohydrate intake Estimated"),
                    coding(MDC, "8417764", "MDC_CTXT_GLU_CARB"),
                ],
                kg * 1000.0,
                "g",
                "g",
            ));
        }
    }
    if let Some((seconds, intensity)) = context.exercise {
        // 0xFFFF is "overrun": longer than the field holds, so no duration.
        if seconds != u16::MAX {
            out.push(quantity_component(
                vec![coding(LOINC, "55411-3", "Exercise duration")],
                f64::from(seconds),
                "s",
                "s",
            ));
        }
        out.push(quantity_component(
            vec![coding(MDC, "8417760", "MDC_CTXT_GLU_EXERCISE")],
            f64::from(intensity),
            "%",
            "%",
        ));
    }
    if let Some((_, amount, litres)) = context.medication {
        if let Some(v) = amount.value().filter(|v| v.is_finite() && *v >= 0.0) {
            let (value, unit) = if litres {
                (v * 1000.0, "mL")
            } else {
                (v * 1_000_000.0, "mg")
            };
            out.push(quantity_component(
                vec![coding(MDC, "8417796", "MDC_CTXT_MEDICATION")],
                value,
                unit,
                unit,
            ));
        }
    }
    if let Some(percent) = context
        .hba1c
        .and_then(|h| h.value())
        .filter(|v| v.is_finite())
    {
        out.push(quantity_component(
            vec![
                coding(LOINC, "4548-4", "Hemoglobin A1c/Hemoglobin.total in Blood"),
                coding(MDC, "160220", "MDC_CONC_HBA1C"),
            ],
            percent,
            "%",
            "%",
        ));
    }
    out
}

/// The meal a glucose Observation's components state, read back (the hospital's side).
pub fn meal_of(components: &[ObservationComponent]) -> Option<Meal> {
    let meal = components.iter().find(|c| {
        c.code
            .coding
            .iter()
            .any(|k| k.system.as_deref() == Some(MDC) && k.code.as_deref() == Some("8417864"))
    })?;
    let value = meal.value_codeable_concept.as_ref()?;
    [
        Meal::BeforeMeal,
        Meal::AfterMeal,
        Meal::Fasting,
        Meal::Casual,
        Meal::Bedtime,
    ]
    .into_iter()
    .find(|m| {
        meal_codings(*m).is_some_and(|codings| {
            codings.iter().any(|c| {
                value
                    .coding
                    .iter()
                    .any(|v| v.system == c.system && v.code == c.code)
            })
        })
    })
}

#[cfg(test)]
mod tests {
    use hale_domain::device::numeric::Numeric;

    use super::*;

    fn context() -> GlucoseContext {
        GlucoseContext {
            sequence: 298,
            extended_flags: None,
            carbohydrate: Some((1, Numeric::Value(0.05))),
            meal: Some(Meal::AfterMeal),
            tester_health: Some((1, 5)),
            exercise: Some((3600, 50)),
            medication: Some((1, Numeric::Value(0.004), true)),
            hba1c: Some(Numeric::Value(5.8)),
        }
    }

    #[test]
    fn every_part_of_the_context_becomes_a_component_in_clinical_units() {
        let components = components(&context());
        let json = serde_json::to_value(&components).unwrap();
        assert_eq!(json[0]["code"]["coding"][0]["code"], "8417864");
        assert_eq!(json[0]["valueCodeableConcept"]["coding"][1]["code"], "PC");
        assert_eq!(json[0]["valueCodeableConcept"]["text"], "After a meal");
        // 0.05 kg of carbohydrate is 50 g.
        assert_eq!(json[1]["valueQuantity"]["value"], 50.0);
        assert_eq!(json[1]["valueQuantity"]["code"], "g");
        assert_eq!(json[2]["valueQuantity"]["value"], 3600.0);
        assert_eq!(json[3]["valueQuantity"]["value"], 50.0);
        // 0.004 l of insulin is 4 mL.
        assert_eq!(json[4]["valueQuantity"]["value"], 4.0);
        assert_eq!(json[4]["valueQuantity"]["code"], "mL");
        assert_eq!(json[5]["code"]["coding"][0]["code"], "4548-4");
        assert_eq!(meal_of(&components), Some(Meal::AfterMeal));
    }

    #[test]
    fn special_values_and_reserved_codes_give_no_component() {
        let mut c = context();
        c.meal = Some(Meal::Reserved(9));
        c.carbohydrate = Some((1, Numeric::NotANumber));
        c.exercise = Some((u16::MAX, 80));
        c.medication = None;
        c.hba1c = Some(Numeric::PositiveInfinity);
        let components = components(&c);
        assert_eq!(components.len(), 1, "only the exercise intensity");
        assert_eq!(meal_of(&components), None);
    }
}
