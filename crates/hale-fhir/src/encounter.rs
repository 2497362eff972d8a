//! FHIR R4 Encounter: a patient's visit, opened by check-in (`arrived`), then `in-progress` when
//! they are called to a room, then `finished`.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{CodeableConcept, Coding, Reference};

/// The HL7 v3 ActCode system of `Encounter.class`; Hale's visits are `AMB` (ambulatory).
pub const ACT_CODE_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Encounter {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<crate::datatypes::Meta>,
    /// planned | arrived | triaged | in-progress | onleave | finished | cancelled
    pub status: String,
    pub class: Coding,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_type: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub appointment: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub location: Vec<EncounterLocation>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Period {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EncounterLocation {
    pub location: Reference,
}

impl Encounter {
    /// The ambulatory class every Hale visit has.
    pub fn ambulatory() -> Coding {
        Coding {
            system: Some(ACT_CODE_SYSTEM.into()),
            code: Some("AMB".into()),
            display: Some("ambulatory".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arrived_encounter_has_the_r4_shape() {
        let e = Encounter {
            id: Some("en-1".into()),
            status: "arrived".into(),
            class: Encounter::ambulatory(),
            subject: Some(Reference::to("Patient", "pt-1", None)),
            appointment: vec![Reference::to("Appointment", "ap-1", None)],
            period: Some(Period {
                start: Some("2026-12-01T09:35:00Z".parse().unwrap()),
                end: None,
            }),
            ..Encounter::default()
        };
        let json = serde_json::to_value(crate::Resource::Encounter(e.clone())).unwrap();
        assert_eq!(json["resourceType"], "Encounter");
        assert_eq!(json["class"]["code"], "AMB");
        assert_eq!(json["appointment"][0]["reference"], "Appointment/ap-1");
        assert_eq!(json["period"]["start"], "2026-12-01T09:35:00Z");
        assert!(json.get("location").is_none());
        let back: crate::Resource = serde_json::from_value(json).unwrap();
        assert_eq!(back, crate::Resource::Encounter(e));
    }
}
