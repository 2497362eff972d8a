//! FHIR R4 Subscription as the Subscriptions R5 Backport IG profiles it (topic-based): the topic
//! is `criteria`, its filters are extensions on `_criteria`, and the channel carries the
//! payload content, heartbeat period, timeout and largest batch as extensions.
//!
//! Notifications are `history` Bundles whose first entry is a [`Parameters`](crate::Parameters)
//! following [`STATUS_PROFILE`].

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Meta;

const BACKPORT: &str = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/";

/// The profile a topic-based R4 Subscription claims.
pub const SUBSCRIPTION_PROFILE: &str =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription";
/// The profile of the Parameters that opens every notification Bundle.
pub const STATUS_PROFILE: &str =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/backport-subscription-status-r4";
/// The CapabilityStatement extension naming a topic the server offers.
pub const TOPIC_CANONICAL: &str =
    "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/capabilitystatement-subscriptiontopic-canonical";

/// The backport extension called `name`, e.g. `backport-filter-criteria`.
pub fn backport(name: &str) -> String {
    format!("{BACKPORT}{name}")
}

/// `requested | active | error | off`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubscriptionStatus {
    #[default]
    Requested,
    Active,
    Error,
    Off,
}

impl SubscriptionStatus {
    pub fn code(self) -> &'static str {
        match self {
            Self::Requested => "requested",
            Self::Active => "active",
            Self::Error => "error",
            Self::Off => "off",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::Requested, Self::Active, Self::Error, Self::Off]
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A simple extension: its URL and one value of the kinds the backport uses.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_string: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_unsigned_int: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_positive_int: Option<u64>,
}

/// The extensions on a primitive element (`_criteria`, `_payload`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ElementExtensions {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscription {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    #[serde(default)]
    pub status: SubscriptionStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
    #[serde(default)]
    pub reason: String,
    /// The topic's canonical URL.
    #[serde(default)]
    pub criteria: String,
    #[serde(default, rename = "_criteria", skip_serializing_if = "Option::is_none")]
    pub criteria_extensions: Option<ElementExtensions>,
    /// Why the server is not delivering, while the status is `error`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default)]
    pub channel: Channel,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Channel {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    #[serde(rename = "type", default)]
    pub channel_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub endpoint: Option<String>,
    /// The MIME type notifications are sent in.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payload: Option<String>,
    #[serde(default, rename = "_payload", skip_serializing_if = "Option::is_none")]
    pub payload_extensions: Option<ElementExtensions>,
    /// HTTP headers to send with each notification, `Name: value`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub header: Vec<String>,
}

fn find<'a>(extensions: &'a [Extension], name: &str) -> impl Iterator<Item = &'a Extension> {
    let url = backport(name);
    extensions.iter().filter(move |e| e.url == url)
}

impl Subscription {
    /// Every `backport-filter-criteria`, e.g. `Observation?patient=Patient/123`.
    pub fn filter_criteria(&self) -> Vec<&str> {
        self.criteria_extensions
            .as_ref()
            .map(|e| {
                find(&e.extension, "backport-filter-criteria")
                    .filter_map(|e| e.value_string.as_deref())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// `backport-payload-content`: `empty`, `id-only` or `full-resource`.
    pub fn payload_content(&self) -> Option<&str> {
        let extensions = &self.channel.payload_extensions.as_ref()?.extension;
        find(extensions, "backport-payload-content").find_map(|e| e.value_code.as_deref())
    }

    /// `backport-heartbeat-period`, in seconds.
    pub fn heartbeat_period(&self) -> Option<u64> {
        find(&self.channel.extension, "backport-heartbeat-period")
            .find_map(|e| e.value_unsigned_int)
    }

    /// `backport-timeout`, in seconds.
    pub fn timeout(&self) -> Option<u64> {
        find(&self.channel.extension, "backport-timeout").find_map(|e| e.value_unsigned_int)
    }

    /// `backport-max-count`: the most events one notification carries.
    pub fn max_count(&self) -> Option<u64> {
        find(&self.channel.extension, "backport-max-count").find_map(|e| e.value_positive_int)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backport_subscription_reads_its_topic_filters_and_channel_settings() {
        let json = serde_json::json!({
            "resourceType": "Subscription",
            "status": "requested",
            "reason": "Readings for the ward",
            "criteria": "https://hale.example/fhir/SubscriptionTopic/observation",
            "_criteria": {"extension": [{
                "url": backport("backport-filter-criteria"),
                "valueString": "Observation?patient=Patient/p-1"
            }]},
            "channel": {
                "extension": [
                    {"url": backport("backport-heartbeat-period"), "valueUnsignedInt": 60},
                    {"url": backport("backport-timeout"), "valueUnsignedInt": 5},
                    {"url": backport("backport-max-count"), "valuePositiveInt": 20}
                ],
                "type": "rest-hook",
                "endpoint": "https://receiver.example/hook",
                "payload": "application/fhir+json",
                "_payload": {"extension": [{
                    "url": backport("backport-payload-content"),
                    "valueCode": "full-resource"
                }]},
                "header": ["Authorization: Bearer abc"]
            }
        });
        let s: Subscription = serde_json::from_value(json).unwrap();
        assert_eq!(s.filter_criteria(), ["Observation?patient=Patient/p-1"]);
        assert_eq!(s.payload_content(), Some("full-resource"));
        assert_eq!(s.heartbeat_period(), Some(60));
        assert_eq!(s.timeout(), Some(5));
        assert_eq!(s.max_count(), Some(20));
        assert_eq!(s.status, SubscriptionStatus::Requested);
        assert_eq!(s.channel.header, ["Authorization: Bearer abc"]);
    }

    #[test]
    fn a_subscription_without_extensions_has_no_settings() {
        let s: Subscription = serde_json::from_value(serde_json::json!({
            "resourceType": "Subscription", "status": "active", "reason": "r",
            "criteria": "x", "channel": {"type": "rest-hook"}
        }))
        .unwrap();
        assert!(s.filter_criteria().is_empty());
        assert_eq!(s.payload_content(), None);
        assert_eq!(s.heartbeat_period(), None);
    }
}
