//! The International Patient Summary over real HTTP (`Patient/{id}/$summary`): a document the
//! FHIR R4 JSON schema accepts, headed by a patient summary Composition with the IPS's required
//! sections, every entry it names inside it; the patient's own, for the patient themself only.

use std::collections::BTreeSet;

use crate::common::*;
use crate::everything::{lived_in, schema_errors};
use hale_server::demo::seed::{DEMO_HELPER, DEMO_PATIENT, OTHER_PATIENT};
use serde_json::Value;

const SUMMARY: &str = "Patient/pt-0001/$summary";

fn section<'a>(composition: &'a Value, code: &str) -> &'a Value {
    composition["section"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["code"]["coding"][0]["code"] == code)
        .unwrap_or_else(|| panic!("no section {code} in {composition}"))
}

#[tokio::test]
async fn the_summary_is_an_ips_document_of_the_patients_own_that_the_fhir_schema_accepts() {
    let h = hospital().await;
    let alex = lived_in(&h).await;
    let (status, doc) = h.get(&alex, SUMMARY).await;
    assert_eq!(status, 200, "{doc}");
    assert_eq!(doc["resourceType"], "Bundle");
    assert_eq!(doc["type"], "document");
    assert!(doc["timestamp"].is_string() && doc["identifier"]["value"].is_string());
    let entries = doc["entry"].as_array().unwrap();
    let composition = &entries[0]["resource"];
    assert_eq!(composition["resourceType"], "Composition");
    assert_eq!(composition["type"]["coding"][0]["code"], "60591-5");
    assert_eq!(composition["subject"]["reference"], "Patient/pt-0001");
    assert!(composition["title"]
        .as_str()
        .unwrap()
        .starts_with("Patient summary from "));

    // The demo's prescriptions and allergies, and the red reading just sent.
    let meds = section(composition, "10160-0");
    assert!(!meds["entry"].as_array().unwrap().is_empty(), "{meds}");
    let allergies = section(composition, "48765-2");
    assert!(
        allergies["text"]["div"]
            .as_str()
            .unwrap()
            .contains("Penicillin"),
        "{allergies}"
    );
    let problems = section(composition, "11450-4");
    assert_eq!(problems["emptyReason"]["coding"][0]["code"], "unavailable");
    let vitals = section(composition, "8716-3");
    assert!(
        vitals["text"]["div"].as_str().unwrap().contains("185"),
        "the newest blood pressure: {vitals}"
    );

    // Each entry is whole and addressable, and the document holds everything it names.
    let full_urls: BTreeSet<&str> = entries
        .iter()
        .map(|e| e["fullUrl"].as_str().expect("a fullUrl"))
        .collect();
    assert_eq!(full_urls.len(), entries.len(), "full URLs are unique");
    let held: BTreeSet<String> = entries
        .iter()
        .map(|e| {
            let r = &e["resource"];
            format!(
                "{}/{}",
                r["resourceType"].as_str().unwrap(),
                r["id"].as_str().unwrap()
            )
        })
        .collect();
    for s in composition["section"].as_array().unwrap() {
        for r in s["entry"].as_array().into_iter().flatten() {
            let r = r["reference"].as_str().unwrap();
            assert!(held.contains(r), "{r} is named but not in the document");
        }
    }
    assert!(held.contains("Organization/hospital"));
    let text = doc.to_string();
    assert!(!text.contains(OTHER_PATIENT.id), "another patient's data");

    let errors = schema_errors(&doc);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[tokio::test]
async fn only_the_patient_themself_with_every_sections_scope_gets_their_summary() {
    let h = hospital().await;
    let sam = h.token(&OTHER_PATIENT).await;
    assert_eq!(
        h.get(&sam, SUMMARY).await.0,
        403,
        "another patient's summary"
    );
    let (tokens, _) = h
        .helper_for(
            &DEMO_PATIENT,
            &DEMO_HELPER,
            &["medicines", "readings", "appointments"],
        )
        .await;
    let helper = tokens["access_token"].as_str().unwrap();
    assert_eq!(h.get(helper, SUMMARY).await.0, 403, "a helper");
    // Without the allergies' scope the summary would read as "no allergies": refused instead.
    let narrow = h
        .sign_in_with_scope(
            &DEMO_PATIENT,
            "launch/patient openid patient/Patient.r patient/MedicationRequest.s patient/Observation.s",
        )
        .await;
    let (status, outcome) = h
        .get(narrow["access_token"].as_str().unwrap(), SUMMARY)
        .await;
    assert_eq!(status, 403, "{outcome}");
}
