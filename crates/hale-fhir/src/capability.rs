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
    /// Hale's [`PATIENT_FEATURE_URL`]: what the hospital offers patients beyond FHIR's REST.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    pub mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub documentation: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub security: Option<Security>,
    #[serde(default)]
    pub resource: Vec<RestResource>,
    /// Whole-system interactions, e.g. `transaction`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub interaction: Vec<Interaction>,
}

/// How clients authenticate: SMART on FHIR names its endpoints in the `oauth-uris` extension.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Security {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service: Vec<crate::CodeableConcept>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_canonical: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
}

/// The extension SMART App Launch puts on `rest.security`.
pub const SMART_OAUTH_URIS: &str =
    "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

/// Hale's extension on `rest`, repeated once per feature a hospital offers patients outside
/// FHIR's REST (its JSON API), as a `valueCode`: `waiting-times`, `parking`, `waitlist`. A
/// hospital without it offers none of them. Described in docs/hospital-api.md.
pub const PATIENT_FEATURE_URL: &str =
    "https://hale.example/fhir/StructureDefinition/patient-feature";

/// An operation a resource type takes, e.g. `$cancel`, named without its `$`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Operation {
    pub name: String,
    pub definition: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RestResource {
    /// For Subscription, the topics offered (the backport's `subscriptiontopic-canonical`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(rename = "type")]
    pub resource_type: String,
    #[serde(default)]
    pub interaction: Vec<Interaction>,
    /// `no-version`, `versioned` (meta.versionId kept and vread offered) or `versioned-update`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub versioning: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conditional_create: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search_include: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search_rev_include: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub search_param: Vec<SearchParam>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub operation: Vec<Operation>,
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
    /// The server's declarations of `resource_type` (a `rest` entry in `client` mode says what
    /// the software does as a client, not what it serves).
    pub fn resources<'a>(
        &'a self,
        resource_type: &'a str,
    ) -> impl Iterator<Item = &'a RestResource> {
        self.rest
            .iter()
            .filter(|r| r.mode == "server")
            .flat_map(|r| &r.resource)
            .filter(move |r| r.resource_type == resource_type)
    }

    /// Whether the server supports `interaction` (e.g. "search-type") on `resource_type`.
    pub fn supports(&self, resource_type: &str, interaction: &str) -> bool {
        self.resources(resource_type)
            .flat_map(|r| &r.interaction)
            .any(|i| i.code == interaction)
    }
}
