//! FHIR R4 Schedule and Slot: who offers which service when.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::{CodeableConcept, Reference};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Schedule {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default = "yes")]
    pub active: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_type: Vec<CodeableConcept>,
    /// The practitioner and the location whose time this is.
    #[serde(default)]
    pub actor: Vec<Reference>,
}

fn yes() -> bool {
    true
}

impl Schedule {
    /// The display of the first actor of `resource_type` (e.g. "Practitioner").
    pub fn actor_display(&self, resource_type: &str) -> Option<&str> {
        self.actor
            .iter()
            .find(|a| a.id_of(resource_type).is_some())
            .and_then(|a| a.display.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Slot {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_type: Vec<CodeableConcept>,
    pub schedule: Reference,
    /// free | busy | busy-unavailable | busy-tentative | entered-in-error
    pub status: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
}
