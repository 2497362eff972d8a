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

/// The free slots of a search result, each with its clinician and place from the included
/// Schedules. A slot whose schedule was not included still maps, without those names.
pub fn offered_slots(bundle: &crate::Bundle) -> Vec<hale_domain::OfferedSlot> {
    let schedules: Vec<&Schedule> = bundle
        .entry
        .iter()
        .filter_map(|e| match &e.resource {
            crate::Resource::Schedule(s) => Some(s),
            _ => None,
        })
        .collect();
    bundle
        .entry
        .iter()
        .filter_map(|e| match &e.resource {
            crate::Resource::Slot(slot) if slot.status == "free" && slot.end > slot.start => {
                Some(slot)
            }
            _ => None,
        })
        .filter_map(|slot| {
            let schedule = slot.schedule.id_of("Schedule").and_then(|id| {
                schedules
                    .iter()
                    .find(|s| s.id.as_deref() == Some(id))
                    .copied()
            });
            let service = slot
                .service_type
                .iter()
                .chain(schedule.iter().flat_map(|s| &s.service_type))
                .find_map(CodeableConcept::label)
                .unwrap_or("Appointment")
                .to_owned();
            Some(hale_domain::OfferedSlot {
                id: slot.id.clone()?,
                start: slot.start,
                end: slot.end,
                service,
                clinician: schedule
                    .and_then(|s| s.actor_display("Practitioner"))
                    .map(str::to_owned),
                location: schedule
                    .and_then(|s| s.actor_display("Location"))
                    .map(str::to_owned),
            })
        })
        .collect()
}

/// The services in a bundle of Schedules, each with its clinicians, in the bundle's order.
pub fn services(bundle: &crate::Bundle) -> Vec<hale_domain::Service> {
    let mut services: Vec<hale_domain::Service> = Vec::new();
    for entry in &bundle.entry {
        let crate::Resource::Schedule(schedule) = &entry.resource else {
            continue;
        };
        let Some(concept) = schedule.service_type.first() else {
            continue;
        };
        let Some(code) = concept.coding.iter().find_map(|c| c.code.clone()) else {
            continue;
        };
        let name = concept.label().unwrap_or(&code).to_owned();
        let clinician = schedule.actor.iter().find_map(|a| {
            Some(hale_domain::Clinician {
                id: a.id_of("Practitioner")?.to_owned(),
                name: a.display.clone()?,
            })
        });
        let index = match services.iter().position(|s| s.code == code) {
            Some(i) => i,
            None => {
                services.push(hale_domain::Service {
                    code,
                    name,
                    clinicians: Vec::new(),
                });
                services.len() - 1
            }
        };
        if let Some(c) = clinician {
            if !services[index].clinicians.contains(&c) {
                services[index].clinicians.push(c);
            }
        }
    }
    services
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slots_take_names_from_their_included_schedule() {
        let json = serde_json::json!({
            "resourceType": "Bundle", "type": "searchset",
            "entry": [
                {"resource": {"resourceType": "Slot", "id": "s1", "status": "free",
                    "schedule": {"reference": "Schedule/sc1"},
                    "start": "2026-12-01T09:00:00Z", "end": "2026-12-01T09:20:00Z"}},
                {"resource": {"resourceType": "Slot", "id": "s2", "status": "busy",
                    "schedule": {"reference": "Schedule/sc1"},
                    "start": "2026-12-01T09:20:00Z", "end": "2026-12-01T09:40:00Z"}},
                {"resource": {"resourceType": "Slot", "id": "s3", "status": "free",
                    "schedule": {"reference": "Schedule/missing"},
                    "start": "2026-12-01T09:40:00Z", "end": "2026-12-01T10:00:00Z"}},
                {"resource": {"resourceType": "Schedule", "id": "sc1",
                    "serviceType": [{"text": "Cardiology"}],
                    "actor": [{"reference": "Practitioner/p1", "display": "Dr Priya Shah"},
                              {"reference": "Location/l1", "display": "Outpatients B"}]}}
            ]
        });
        let crate::Resource::Bundle(bundle) = serde_json::from_value(json).unwrap() else {
            panic!()
        };
        let slots = offered_slots(&bundle);
        assert_eq!(slots.len(), 2, "busy slots are not offered");
        assert_eq!(slots[0].service, "Cardiology");
        assert_eq!(slots[0].clinician.as_deref(), Some("Dr Priya Shah"));
        assert_eq!(slots[0].location.as_deref(), Some("Outpatients B"));
        assert_eq!(slots[1].id, "s3");
        assert_eq!(slots[1].clinician, None);
    }

    #[test]
    fn schedules_group_into_services_with_their_clinicians() {
        let schedule = |id: &str, code: &str, name: &str, who: &str, pid: &str| {
            serde_json::json!({"resource": {"resourceType": "Schedule", "id": id,
                "serviceType": [{"coding": [{"code": code, "display": name}]}],
                "actor": [{"reference": format!("Practitioner/{pid}"), "display": who}]}})
        };
        let json = serde_json::json!({"resourceType": "Bundle", "type": "searchset", "entry": [
            schedule("a", "394579002", "Cardiology", "Dr Shah", "p1"),
            schedule("b", "394582007", "Dermatology", "Dr Carter", "p2"),
            schedule("c", "394579002", "Cardiology", "Dr Okafor", "p3"),
        ]});
        let crate::Resource::Bundle(bundle) = serde_json::from_value(json).unwrap() else {
            panic!()
        };
        let services = services(&bundle);
        assert_eq!(services.len(), 2);
        assert_eq!(services[0].name, "Cardiology");
        let names: Vec<&str> = services[0]
            .clinicians
            .iter()
            .map(|c| c.name.as_str())
            .collect();
        assert_eq!(names, ["Dr Shah", "Dr Okafor"]);
        assert_eq!(services[1].clinicians[0].id, "p2");
    }
}
