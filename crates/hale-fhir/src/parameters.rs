//! FHIR R4 Parameters: the arguments of operations such as `$cancel` and `$reschedule`.

use serde::{Deserialize, Serialize};

use crate::Reference;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Parameters {
    #[serde(default)]
    pub parameter: Vec<Parameter>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_reference: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
}

impl Parameters {
    pub fn reference(&self, name: &str) -> Option<&Reference> {
        self.parameter
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value_reference.as_ref())
    }

    pub fn with_reference(name: &str, reference: Reference) -> Self {
        Self {
            parameter: vec![Parameter {
                name: name.to_owned(),
                value_reference: Some(reference),
                value_string: None,
            }],
        }
    }
}
