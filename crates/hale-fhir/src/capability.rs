//! FHIR R4 CapabilityStatement: what a hospital's FHIR server says it can do.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CapabilityStatement {
    pub status: String,
    pub date: String,
    pub kind: String,
    pub fhir_version: String,
    pub format: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub software: Option<Software>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub implementation: Option<Implementation>,
    #[serde(default)]
    pub rest: Vec<Rest>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Software {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Implementation {
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Rest {
    pub mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    #[serde(default)]
    pub resource: Vec<RestResource>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestResource {
    #[serde(rename = "type")]
    pub resource_type: String,
    #[serde(default)]
    pub interaction: Vec<Interaction>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search_param: Vec<SearchParam>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Interaction {
    pub code: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct SearchParam {
    pub name: String,
    #[serde(rename = "type")]
    pub param_type: String,
}

impl CapabilityStatement {
    /// Whether the server supports `interaction` (e.g. "search-type") on `resource_type`.
    pub fn supports(&self, resource_type: &str, interaction: &str) -> bool {
        self.rest
            .iter()
            .flat_map(|r| &r.resource)
            .filter(|r| r.resource_type == resource_type)
            .flat_map(|r| &r.interaction)
            .any(|i| i.code == interaction)
    }
}
