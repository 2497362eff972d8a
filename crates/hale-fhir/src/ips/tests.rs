use chrono::TimeZone;
use serde_json::{json, Value};

use super::*;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, hour, 0, 0).unwrap()
}

fn patient() -> Patient {
    serde_json::from_value(json!({
        "id": "p1", "name": [{"family": "Nowak", "given": ["Anna"]}], "birthDate": "1956-03-14"
    }))
    .unwrap()
}

fn prescription(id: &str, status: &str, name: &str) -> MedicationRequest {
    serde_json::from_value(json!({
        "id": id, "status": status, "intent": "order",
        "medicationCodeableConcept": {"text": name},
        "subject": {"reference": "Patient/p1"},
        "requester": {"reference": "Practitioner/pr-2", "display": "Dr Okafor"},
        "encounter": {"reference": "Encounter/en-1"},
        "priorPrescription": {"reference": "MedicationRequest/rx-0"},
        "dosageInstruction": [{"text": "1 tablet twice a day"}]
    }))
    .unwrap()
}

fn allergy(id: &str, substance: &str, verification: &str) -> AllergyIntolerance {
    serde_json::from_value(json!({
        "id": id,
        "clinicalStatus": {"coding": [{"system": crate::allergy::CLINICAL_STATUS_SYSTEM, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": crate::allergy::VERIFICATION_STATUS_SYSTEM, "code": verification}]},
        "code": {"text": substance},
        "patient": {"reference": "Patient/p1"}
    }))
    .unwrap()
}

fn reading(id: &str, category: &str, code: &str, value: f64, hour: u32) -> Observation {
    serde_json::from_value(json!({
        "id": id, "status": "final",
        "encounter": {"reference": "Encounter/en-1"},
        "performer": [{"reference": "Practitioner/pr-1", "display": "Nurse Lee"}],
        "device": {"identifier": {"system": "urn:hale:ble-device", "value": "AA:BB"}, "display": "Cuff"},
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
        "code": {"coding": [{"system": LOINC, "code": code, "display": format!("code {code}")}]},
        "subject": {"reference": "Patient/p1"},
        "effectiveDateTime": at(hour),
        "valueQuantity": {"value": value, "unit": "kg"}
    }))
    .unwrap()
}

const AUTHOR: Author<'static> = Author {
    hospital: "St. Example & Sons",
    base: "https://hospital.example/fhir",
};

fn summary(record: SummaryRecord) -> Value {
    serde_json::to_value(patient_summary(
        record,
        &AUTHOR,
        "7f0c6f1e-0000-4000-8000-000000000001",
        at(12),
    ))
    .unwrap()
}

fn empty() -> SummaryRecord {
    SummaryRecord {
        patient: patient(),
        prescriptions: Vec::new(),
        allergies: Vec::new(),
        observations: Vec::new(),
    }
}

fn section<'a>(doc: &'a Value, code: &str) -> Option<&'a Value> {
    doc["entry"][0]["resource"]["section"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"]["coding"][0]["code"] == code)
}

fn entry_refs(section: &Value) -> Vec<String> {
    section["entry"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["reference"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_summary_is_a_document_headed_by_a_patient_summary_composition() {
    let doc = summary(empty());
    assert_eq!(doc["type"], "document");
    assert_eq!(doc["timestamp"], "2026-12-01T12:00:00Z");
    assert_eq!(
        doc["identifier"]["value"],
        "urn:uuid:7f0c6f1e-0000-4000-8000-000000000001"
    );
    assert_eq!(doc["meta"]["profile"][0], BUNDLE_PROFILE);
    let composition = &doc["entry"][0]["resource"];
    assert_eq!(composition["resourceType"], "Composition");
    assert_eq!(composition["type"]["coding"][0]["code"], "60591-5");
    assert_eq!(composition["type"]["coding"][0]["system"], LOINC);
    assert_eq!(composition["subject"]["reference"], "Patient/p1");
    assert_eq!(
        composition["author"][0]["reference"],
        "Organization/hospital"
    );
    assert_eq!(composition["status"], "final");
    for entry in doc["entry"].as_array().unwrap() {
        assert!(
            entry["fullUrl"]
                .as_str()
                .is_some_and(|u| u.starts_with("https://hospital.example/fhir/")),
            "every document entry has its full URL: {entry}"
        );
    }
}

#[test]
fn the_three_required_sections_are_always_there_and_an_empty_one_says_why() {
    let doc = summary(empty());
    for code in ["10160-0", "48765-2", "11450-4"] {
        let s = section(&doc, code).unwrap_or_else(|| panic!("section {code} is missing"));
        assert!(s.get("entry").is_none(), "{s}");
        assert_eq!(s["emptyReason"]["coding"][0]["code"], "unavailable");
        assert_eq!(s["text"]["status"], "generated");
        assert!(s["text"]["div"].as_str().unwrap().contains("<p>"), "{s}");
    }
    assert!(
        section(&doc, "8716-3").is_none(),
        "vital signs are optional, and left out with none"
    );
}

#[test]
fn only_current_prescriptions_and_standing_allergies_are_summarised() {
    let doc = summary(SummaryRecord {
        prescriptions: vec![
            prescription("rx-1", "active", "Metformin 500 mg"),
            prescription("rx-2", "stopped", "Ramipril 5 mg"),
            prescription("rx-3", "on-hold", "Warfarin <1 mg>"),
        ],
        allergies: vec![
            allergy("al-1", "Penicillin", "confirmed"),
            allergy("al-2", "Latex", "refuted"),
        ],
        ..empty()
    });
    let meds = section(&doc, "10160-0").unwrap();
    assert_eq!(
        entry_refs(meds),
        ["MedicationRequest/rx-1", "MedicationRequest/rx-3"]
    );
    assert!(meds.get("emptyReason").is_none(), "{meds}");
    let div = meds["text"]["div"].as_str().unwrap();
    assert!(
        div.contains("Metformin 500 mg: 1 tablet twice a day"),
        "{div}"
    );
    assert!(div.contains("Warfarin &lt;1 mg&gt;"), "{div}");
    assert!(!div.contains("Ramipril"), "{div}");
    let allergies = section(&doc, "48765-2").unwrap();
    assert_eq!(entry_refs(allergies), ["AllergyIntolerance/al-1"]);
    let kinds: Vec<&str> = doc["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "Composition",
            "Patient",
            "Organization",
            "MedicationRequest",
            "MedicationRequest",
            "AllergyIntolerance"
        ]
    );
}

#[test]
fn vital_signs_list_the_latest_of_each_kind_and_leave_laboratory_results_out() {
    let doc = summary(SummaryRecord {
        observations: vec![
            reading("w-new", "vital-signs", "29463-7", 71.5, 9),
            reading("w-old", "vital-signs", "29463-7", 73.0, 8),
            reading("hr", "vital-signs", "8867-4", 64.0, 7),
            reading("cgm", "laboratory", "99504-3", 6.1, 10),
        ],
        ..empty()
    });
    let vitals = section(&doc, "8716-3").expect("a vital signs section");
    assert_eq!(entry_refs(vitals), ["Observation/w-new", "Observation/hr"]);
    let div = vitals["text"]["div"].as_str().unwrap();
    assert!(div.contains("code 29463-7: 71.5 kg on 2026-12-01"), "{div}");
}

#[test]
fn every_reference_in_the_document_resolves_inside_it_and_the_rest_are_kept_by_name() {
    let doc = summary(SummaryRecord {
        prescriptions: vec![prescription("rx-1", "active", "Metformin")],
        allergies: vec![allergy("al-1", "Penicillin", "confirmed")],
        observations: vec![reading("w", "vital-signs", "29463-7", 70.0, 9)],
        ..empty()
    });
    let held: Vec<String> = doc["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            format!(
                "{}/{}",
                e["resource"]["resourceType"].as_str().unwrap(),
                e["resource"]["id"].as_str().unwrap()
            )
        })
        .collect();
    // Every literal reference anywhere in the document, not only the Composition's.
    fn references(v: &Value, out: &mut Vec<String>) {
        match v {
            Value::Object(map) => {
                for (key, value) in map {
                    match (key.as_str(), value) {
                        ("reference", Value::String(r)) => out.push(r.clone()),
                        _ => references(value, out),
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| references(i, out)),
            _ => {}
        }
    }
    let mut named = Vec::new();
    references(&doc, &mut named);
    assert!(named.len() >= 8, "{named:?}");
    for reference in named {
        assert!(held.contains(&reference), "{reference} is not in {held:?}");
    }
    // What the document cannot hold is kept by name.
    let text = doc.to_string();
    assert!(
        text.contains("Dr Okafor") && text.contains("Nurse Lee"),
        "{text}"
    );
}

#[test]
fn sections_carry_loincs_own_display_and_a_title_for_people() {
    let doc = summary(empty());
    let meds = section(&doc, "10160-0").unwrap();
    assert_eq!(meds["title"], "Medication Summary");
    assert_eq!(
        meds["code"]["coding"][0]["display"],
        "History of Medication use Narrative"
    );
    assert_eq!(
        section(&doc, "48765-2").unwrap()["code"]["coding"][0]["display"],
        "Allergies and adverse reactions Document"
    );
}

#[test]
fn a_malformed_composition_from_elsewhere_still_reads() {
    let r: Resource = serde_json::from_value(json!({
        "resourceType": "Composition", "date": "2026-12", "section": [{"title": "Notes"}]
    }))
    .unwrap();
    assert!(matches!(r, Resource::Composition(_)));
}
