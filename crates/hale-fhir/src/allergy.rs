//! FHIR R4 `AllergyIntolerance`: what the hospital recorded a patient to react to. The app reads
//! only the substance's name, to prefill a form for the patient to confirm.

use serde::{Deserialize, Serialize};

use crate::{CodeableConcept, Coding, Reference};

pub const CLINICAL_STATUS_SYSTEM: &str =
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-clinical";
pub const VERIFICATION_STATUS_SYSTEM: &str =
    "http://terminology.hl7.org/CodeSystem/allergyintolerance-verification";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AllergyIntolerance {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clinical_status: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub verification_status: Option<CodeableConcept>,
    /// allergy | intolerance
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    /// low | high | unable-to-assess
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub criticality: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    pub patient: Reference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recorded_date: Option<chrono::NaiveDate>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reaction: Vec<AllergyReaction>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AllergyReaction {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub manifestation: Vec<CodeableConcept>,
}

impl AllergyIntolerance {
    /// The substance's name, for an allergy that is active and not refuted; `None` otherwise.
    pub fn current_substance(&self) -> Option<&str> {
        let status = |c: &Option<CodeableConcept>| {
            c.as_ref()
                .and_then(|c| c.coding.first())
                .and_then(|c| c.code.clone())
        };
        if status(&self.clinical_status).is_some_and(|s| s != "active") {
            return None;
        }
        if status(&self.verification_status)
            .is_some_and(|s| s == "refuted" || s == "entered-in-error")
        {
            return None;
        }
        self.code.as_ref()?.label()
    }

    /// A status CodeableConcept in one of the AllergyIntolerance code systems.
    pub fn status(system: &str, code: &str) -> CodeableConcept {
        CodeableConcept {
            coding: vec![Coding {
                system: Some(system.into()),
                code: Some(code.into()),
                display: None,
            }],
            text: None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(v: serde_json::Value) -> AllergyIntolerance {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn only_an_active_allergy_not_refuted_names_its_substance() {
        let base = json!({
            "resourceType": "AllergyIntolerance",
            "clinicalStatus": {"coding": [{"system": CLINICAL_STATUS_SYSTEM, "code": "active"}]},
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "764146007", "display": "Penicillin"}]},
            "patient": {"reference": "Patient/p"}
        });
        assert_eq!(read(base.clone()).current_substance(), Some("Penicillin"));
        let mut resolved = base.clone();
        resolved["clinicalStatus"]["coding"][0]["code"] = json!("resolved");
        assert_eq!(read(resolved).current_substance(), None);
        let mut refuted = base;
        refuted["verificationStatus"] =
            json!({"coding": [{"system": VERIFICATION_STATUS_SYSTEM, "code": "refuted"}]});
        assert_eq!(read(refuted).current_substance(), None);
    }
}
