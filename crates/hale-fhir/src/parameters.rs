//! FHIR R4 Parameters: the arguments of operations such as `$cancel` and `$reschedule`, and the
//! status a Subscription notification opens with.

use serde::{Deserialize, Serialize};

use crate::datatypes::Meta;
use crate::Reference;

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Parameters {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default)]
    pub parameter: Vec<Parameter>,
}

/// One parameter: a name with one value, or with parts (`part`) when it is a group.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Parameter {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_reference: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_canonical: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_instant: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part: Vec<Parameter>,
}

impl Parameter {
    pub fn reference(name: &str, reference: Reference) -> Self {
        Self {
            name: name.to_owned(),
            value_reference: Some(reference),
            ..Self::default()
        }
    }

    pub fn string(name: &str, value: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            value_string: Some(value.into()),
            ..Self::default()
        }
    }

    pub fn code(name: &str, value: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            value_code: Some(value.into()),
            ..Self::default()
        }
    }

    pub fn canonical(name: &str, value: impl Into<String>) -> Self {
        Self {
            name: name.to_owned(),
            value_canonical: Some(value.into()),
            ..Self::default()
        }
    }

    pub fn instant(name: &str, value: chrono::DateTime<chrono::Utc>) -> Self {
        Self {
            name: name.to_owned(),
            value_instant: Some(value),
            ..Self::default()
        }
    }

    pub fn parts(name: &str, part: Vec<Parameter>) -> Self {
        Self {
            name: name.to_owned(),
            part,
            ..Self::default()
        }
    }
}

impl Parameters {
    pub fn reference(&self, name: &str) -> Option<&Reference> {
        self.parameter
            .iter()
            .find(|p| p.name == name)
            .and_then(|p| p.value_reference.as_ref())
    }

    /// The first parameter called `name`.
    pub fn named(&self, name: &str) -> Option<&Parameter> {
        self.parameter.iter().find(|p| p.name == name)
    }

    pub fn with_reference(name: &str, reference: Reference) -> Self {
        Self {
            parameter: vec![Parameter::reference(name, reference)],
            ..Self::default()
        }
    }
}
