//! The hospital's monitoring as FHIR R4, as the patient's app reads it:
//! - an alert is a `Flag` on the patient (active while the condition holds, `period.end` when it
//!   cleared), its tier in the standard `flag-priority` extension (PH red, PM amber), its rule
//!   in `code` under [`ALERT_RULE_SYSTEM`];
//! - the care team's work on it is a `Task` whose `focus` is the Flag: `requested`, then
//!   `accepted` when someone acknowledges it (`executionPeriod.start` is when), then `completed`
//!   with an outcome;
//! - a message to the patient is a `Communication` with the sender's name.

use chrono::{DateTime, Utc};
use hale_domain::monitoring::{CareMessage, HospitalAlert, Tier};
use serde::{Deserialize, Serialize};

use crate::{Bundle, CodeableConcept, Coding, Period, Reference, Resource};

/// The code system of an alert's rule key (`out-of-range:blood_pressure`, …).
pub const ALERT_RULE_SYSTEM: &str = "urn:hale:alert-rule";
/// The standard extension giving a Flag's priority.
pub const FLAG_PRIORITY_URL: &str = "http://hl7.org/fhir/StructureDefinition/flag-priority";
/// Its code system: PN none, PL low, PM medium, PH high.
pub const FLAG_PRIORITY_SYSTEM: &str = "http://hl7.org/fhir/flag-priority-code";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Extension {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value_codeable_concept: Option<CodeableConcept>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Flag {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extension: Vec<Extension>,
    /// active | inactive | entered-in-error
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub category: Vec<CodeableConcept>,
    pub code: CodeableConcept,
    pub subject: Reference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Task {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// requested | accepted | completed | …
    pub status: String,
    /// order
    pub intent: String,
    /// routine | urgent | asap | stat
    pub priority: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub focus: Option<Reference>,
    #[serde(rename = "for", default, skip_serializing_if = "Option::is_none")]
    pub for_: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authored_on: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<Reference>,
    /// Starts when the care team acknowledged the alert.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_period: Option<Period>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Communication {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// completed
    pub status: String,
    pub subject: Reference,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recipient: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sent: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub about: Vec<Reference>,
    /// The visit it was written at: the next steps the hospital recorded for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub payload: Vec<CommunicationPayload>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CommunicationPayload {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content_string: Option<String>,
}

/// Why the hospital's monitoring records cannot be read; nothing is guessed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CareTeamMappingError {
    #[error("a Flag has no id")]
    NoId,
    #[error("a Flag has no Hale rule code")]
    NoRule,
    #[error("a Flag's priority is not PH or PM")]
    NoTier,
    #[error("a Flag has no start")]
    NoStart,
    #[error("a Communication has no text, sender or time")]
    IncompleteMessage,
}

fn tier_code(tier: Tier) -> &'static str {
    match tier {
        Tier::Red => "PH",
        Tier::Amber => "PM",
    }
}

/// An alert as a Flag; `text` is the care team's wording of it.
pub fn flag(alert: &HospitalAlert, patient_id: &str, text: Option<String>) -> Flag {
    let coded = |system: &str, code: &str| CodeableConcept {
        coding: vec![Coding {
            system: Some(system.to_owned()),
            code: Some(code.to_owned()),
            display: None,
        }],
        text: None,
    };
    Flag {
        id: Some(alert.id.clone()),
        extension: vec![Extension {
            url: FLAG_PRIORITY_URL.to_owned(),
            value_codeable_concept: Some(coded(FLAG_PRIORITY_SYSTEM, tier_code(alert.tier))),
        }],
        status: if alert.cleared.is_some() {
            "inactive"
        } else {
            "active"
        }
        .to_owned(),
        category: vec![coded(
            "http://terminology.hl7.org/CodeSystem/flag-category",
            "clinical",
        )],
        code: CodeableConcept {
            text,
            ..coded(ALERT_RULE_SYSTEM, &alert.key)
        },
        subject: Reference::to("Patient", patient_id, None),
        period: Some(Period {
            start: Some(alert.raised),
            end: alert.cleared,
        }),
    }
}

/// The alerts in a bundle of Flags and the Tasks focused on them, newest first. A Flag's alert
/// is seen when its Task was accepted or completed (`executionPeriod.start`).
pub fn alerts(bundle: &Bundle) -> Result<Vec<HospitalAlert>, CareTeamMappingError> {
    let tasks: Vec<&Task> = bundle
        .entry
        .iter()
        .filter_map(|e| match &e.resource {
            Resource::Task(t) => Some(t),
            _ => None,
        })
        .collect();
    let mut out = Vec::new();
    for entry in &bundle.entry {
        let Resource::Flag(f) = &entry.resource else {
            continue;
        };
        let id = f.id.clone().ok_or(CareTeamMappingError::NoId)?;
        let key = f
            .code
            .coding
            .iter()
            .find(|c| c.system.as_deref() == Some(ALERT_RULE_SYSTEM))
            .and_then(|c| c.code.clone())
            .ok_or(CareTeamMappingError::NoRule)?;
        let tier = f
            .extension
            .iter()
            .filter(|e| e.url == FLAG_PRIORITY_URL)
            .filter_map(|e| e.value_codeable_concept.as_ref())
            .flat_map(|c| &c.coding)
            .find_map(|c| match c.code.as_deref() {
                Some("PH") => Some(Tier::Red),
                Some("PM") => Some(Tier::Amber),
                _ => None,
            })
            .ok_or(CareTeamMappingError::NoTier)?;
        let period = f.period.clone().unwrap_or_default();
        let seen = tasks
            .iter()
            .find(|t| t.focus.as_ref().and_then(|r| r.id_of("Flag")) == Some(id.as_str()))
            .filter(|t| matches!(t.status.as_str(), "accepted" | "in-progress" | "completed"))
            .and_then(|t| t.execution_period.as_ref()?.start);
        out.push(HospitalAlert {
            id,
            key,
            tier,
            raised: period.start.ok_or(CareTeamMappingError::NoStart)?,
            cleared: period.end,
            seen,
        });
    }
    out.sort_by_key(|a| std::cmp::Reverse(a.raised));
    Ok(out)
}

impl Communication {
    pub fn from_message(message: &CareMessage, patient_id: &str) -> Self {
        Self {
            id: Some(message.id.clone()),
            status: "completed".into(),
            subject: Reference::to("Patient", patient_id, None),
            recipient: vec![Reference::to("Patient", patient_id, None)],
            sender: Some(Reference {
                display: Some(message.from.clone()),
                ..Reference::default()
            }),
            sent: Some(message.sent),
            about: Vec::new(),
            encounter: None,
            payload: vec![CommunicationPayload {
                content_string: Some(message.text.clone()),
            }],
        }
    }

    pub fn to_message(&self) -> Result<CareMessage, CareTeamMappingError> {
        let incomplete = CareTeamMappingError::IncompleteMessage;
        Ok(CareMessage {
            id: self.id.clone().ok_or(CareTeamMappingError::NoId)?,
            from: self
                .sender
                .as_ref()
                .and_then(|s| s.display.clone())
                .ok_or(incomplete.clone())?,
            text: self
                .payload
                .iter()
                .find_map(|p| p.content_string.clone())
                .ok_or(incomplete.clone())?,
            sent: self.sent.ok_or(incomplete)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn alert(cleared: bool) -> HospitalAlert {
        HospitalAlert {
            id: "al-1".into(),
            key: "out-of-range:blood_pressure".into(),
            tier: Tier::Red,
            raised: "2026-12-04T10:00:00Z".parse().unwrap(),
            cleared: cleared.then(|| "2026-12-04T12:00:00Z".parse().unwrap()),
            seen: None,
        }
    }

    #[test]
    fn a_red_alert_is_an_active_high_priority_flag() {
        let json = serde_json::to_value(Resource::Flag(flag(&alert(false), "pt-1", None))).unwrap();
        assert_eq!(json["resourceType"], "Flag");
        assert_eq!(json["status"], "active");
        assert_eq!(json["extension"][0]["url"], FLAG_PRIORITY_URL);
        assert_eq!(
            json["extension"][0]["valueCodeableConcept"]["coding"][0]["code"],
            "PH"
        );
        assert_eq!(json["subject"]["reference"], "Patient/pt-1");
        assert!(json["period"].get("end").is_none());
    }

    #[test]
    fn an_alert_reads_back_with_when_its_task_was_accepted() {
        let seen: DateTime<Utc> = "2026-12-04T10:05:00Z".parse().unwrap();
        let task = Task {
            id: Some("tk-1".into()),
            status: "accepted".into(),
            intent: "order".into(),
            priority: "urgent".into(),
            focus: Some(Reference::to("Flag", "al-1", None)),
            execution_period: Some(Period {
                start: Some(seen),
                end: None,
            }),
            ..Task::default()
        };
        let bundle = Bundle::searchset([
            Resource::Flag(flag(&alert(true), "pt-1", Some("BP 185/125".into()))),
            Resource::Task(task),
        ]);
        let text = serde_json::to_string(&bundle).unwrap();
        let back: Bundle = serde_json::from_str(&text).unwrap();
        let read = alerts(&back).unwrap();
        assert_eq!(
            read,
            vec![HospitalAlert {
                seen: Some(seen),
                ..alert(true)
            }]
        );
    }

    #[test]
    fn a_requested_task_is_not_yet_seen() {
        let task = Task {
            status: "requested".into(),
            focus: Some(Reference::to("Flag", "al-1", None)),
            execution_period: Some(Period {
                start: Some("2026-12-04T10:05:00Z".parse().unwrap()),
                end: None,
            }),
            ..Task::default()
        };
        let bundle = Bundle::searchset([
            Resource::Flag(flag(&alert(false), "pt-1", None)),
            Resource::Task(task),
        ]);
        assert_eq!(alerts(&bundle).unwrap()[0].seen, None);
    }

    #[test]
    fn a_flag_without_a_tier_is_refused() {
        let mut f = flag(&alert(false), "pt-1", None);
        f.extension.clear();
        let bundle = Bundle::searchset([Resource::Flag(f)]);
        assert_eq!(alerts(&bundle), Err(CareTeamMappingError::NoTier));
    }

    #[test]
    fn a_message_round_trips_as_a_communication() {
        let m = CareMessage {
            id: "cm-1".into(),
            from: "Nurse Sam Okafor".into(),
            text: "Please sit for 5 minutes and measure again.".into(),
            sent: "2026-12-04T10:06:00Z".parse().unwrap(),
        };
        let c = Communication::from_message(&m, "pt-1");
        let json = serde_json::to_string(&Resource::Communication(c)).unwrap();
        let Resource::Communication(back) = serde_json::from_str(&json).unwrap() else {
            panic!("not a Communication")
        };
        assert_eq!(back.to_message().unwrap(), m);
    }
}
