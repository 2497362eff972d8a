//! FHIR R4 general-purpose data types used by the resources Hale exchanges.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// A resource's `meta`: which version this is and when it last changed. The server sets it; a
/// client sending one has it ignored.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Meta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_updated: Option<DateTime<Utc>>,
    /// Profiles the resource claims to follow, such as the IPS's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub profile: Vec<String>,
}

impl Meta {
    pub fn version(version: i64, last_updated: DateTime<Utc>) -> Self {
        Self {
            version_id: Some(version.to_string()),
            last_updated: Some(last_updated),
            profile: Vec::new(),
        }
    }

    /// A meta that only claims `profile`.
    pub fn profile(profile: &str) -> Self {
        Self {
            profile: vec![profile.into()],
            ..Self::default()
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Reference {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// A logical reference, e.g. a device by its Bluetooth address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

impl Reference {
    pub fn to(resource_type: &str, id: &str, display: Option<String>) -> Self {
        Self {
            reference: Some(format!("{resource_type}/{id}")),
            identifier: None,
            display,
        }
    }

    /// The id of the referenced resource when it is a relative reference to `resource_type`.
    pub fn id_of(&self, resource_type: &str) -> Option<&str> {
        self.reference
            .as_deref()?
            .strip_prefix(resource_type)?
            .strip_prefix('/')
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Identifier {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
}

impl Identifier {
    /// The value of the identifier of `system` among `identifiers`, if any.
    pub fn value_in<'a>(identifiers: &'a [Identifier], system: &str) -> Option<&'a str> {
        identifiers
            .iter()
            .find(|i| i.system.as_deref() == Some(system))
            .and_then(|i| i.value.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Coding {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct CodeableConcept {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coding: Vec<Coding>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

impl CodeableConcept {
    /// What to show a person: the text, else the first coding's display, else its code.
    pub fn label(&self) -> Option<&str> {
        self.text.as_deref().or_else(|| {
            self.coding
                .iter()
                .find_map(|c| c.display.as_deref().or(c.code.as_deref()))
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct HumanName {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub family: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub given: Vec<String>,
}

impl HumanName {
    /// The name as a person would write it: the text, else given names then family name.
    pub fn display(&self) -> Option<String> {
        if let Some(text) = &self.text {
            return Some(text.clone());
        }
        let parts: Vec<&str> = self
            .given
            .iter()
            .map(String::as_str)
            .chain(self.family.as_deref())
            .collect();
        (!parts.is_empty()).then(|| parts.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_ids_are_read_only_for_the_named_type() {
        let r = Reference::to("Practitioner", "pr-1", None);
        assert_eq!(r.id_of("Practitioner"), Some("pr-1"));
        assert_eq!(r.id_of("Patient"), None);
        assert_eq!(r.id_of("Practitione"), None);
    }

    #[test]
    fn labels_fall_back_from_text_to_display_to_code() {
        let code_only = CodeableConcept {
            coding: vec![Coding {
                code: Some("394579002".into()),
                ..Default::default()
            }],
            text: None,
        };
        assert_eq!(code_only.label(), Some("394579002"));
        let with_text = CodeableConcept {
            text: Some("Cardiology".into()),
            ..code_only
        };
        assert_eq!(with_text.label(), Some("Cardiology"));
    }

    #[test]
    fn names_join_given_and_family() {
        let n = HumanName {
            text: None,
            family: Some("Morgan".into()),
            given: vec!["Alex".into(), "J".into()],
        };
        assert_eq!(n.display().as_deref(), Some("Alex J Morgan"));
        assert_eq!(HumanName::default().display(), None);
    }
}
