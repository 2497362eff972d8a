//! FHIR R4 Patient, as far as the app shows it.

use serde::{Deserialize, Serialize};

use crate::{HumanName, Identifier};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Patient {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    /// YYYY, YYYY-MM or YYYY-MM-DD, as FHIR `date` allows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub birth_date: Option<String>,
}

impl Patient {
    /// The name to greet the patient with, if the hospital gave one.
    pub fn display_name(&self) -> Option<String> {
        self.name.iter().find_map(HumanName::display)
    }
}
