//! The care circle as FHIR R4, after the RelatedPerson Consent pattern (J. Moehrke's
//! RelatedPerson Consent IG, and the NHS's validated relationships service):
//! - the helper is a `RelatedPerson` whose `patient` is the patient they help, `relationship`
//!   a v3-RoleCode (`FAMMEMB`, or `GUARD` for a guardian the hospital recorded);
//! - what they may do is a `Consent`: scope `patient-privacy`, category v3-ActCode `INFA`
//!   (information access), the patient as `patient` and, when the patient chose, `performer`;
//!   `policyRule` `OPTIN`; one `provision` of type `permit` whose actor is the RelatedPerson
//!   (role v3-ParticipationType `IRCP`, information recipient) over the grant's `period`, with a
//!   nested provision per permission: its Hale code, the resource types it opens (`class`) and
//!   `access` (seeing) or `use` (acting for the patient);
//! - `status` is `active` while it allows something, `proposed` while a young person's assent
//!   is awaited, and `inactive` once revoked, expired or ended at 18.

use chrono::{DateTime, NaiveDate, Utc};
use hale_domain::care_circle::{Basis, Grant, Permission, Permissions};
use serde::{Deserialize, Serialize};

use crate::{CodeableConcept, Coding, HumanName, Period, Reference};

/// The code system of Hale's care circle permissions (`appointments`, `medicines`, …).
pub const PERMISSION_SYSTEM: &str = "urn:hale:care-circle-permission";
const RESOURCE_TYPES: &str = "http://hl7.org/fhir/resource-types";
const ROLE_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-RoleCode";
const ACT_CODE: &str = "http://terminology.hl7.org/CodeSystem/v3-ActCode";
const CONSENT_ACTION: &str = "http://terminology.hl7.org/CodeSystem/consentaction";

/// The FHIR resource types a permission lets a helper read, and the scopes acting on it adds
/// (when the grant also holds `act`). The hospital narrows a helper's token with this table.
pub fn covers(p: Permission) -> (&'static [&'static str], &'static [&'static str]) {
    match p {
        Permission::Appointments => (
            &["Appointment", "Encounter", "Schedule", "Slot"],
            &["patient/Appointment.cu", "patient/Encounter.c"],
        ),
        Permission::Medicines => (
            &["MedicationRequest", "MedicationAdministration"],
            &["patient/MedicationAdministration.c"],
        ),
        Permission::Readings => (
            &[
                "Observation",
                "CarePlan",
                "Goal",
                "Flag",
                "Task",
                "Communication",
            ],
            &[],
        ),
        Permission::Alerts | Permission::ActOnBehalf => (&[], &[]),
    }
}

/// A RelatedPerson: who helps whom.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RelatedPerson {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    pub active: bool,
    pub patient: Reference,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub relationship: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub name: Vec<HumanName>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Consent {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// draft | proposed | active | rejected | inactive | entered-in-error
    pub status: String,
    pub scope: CodeableConcept,
    pub category: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date_time: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy_rule: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub provision: Option<Provision>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Provision {
    /// deny | permit
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub actor: Vec<ProvisionActor>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub action: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub class: Vec<Coding>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub code: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub provision: Vec<Provision>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProvisionActor {
    pub role: CodeableConcept,
    pub reference: Reference,
}

fn coded(system: &str, code: &str) -> CodeableConcept {
    CodeableConcept {
        coding: vec![Coding {
            system: Some(system.into()),
            code: Some(code.into()),
            display: None,
        }],
        text: None,
    }
}

/// One helper's grant as the hospital holds it, for writing as FHIR.
#[derive(Debug, Clone)]
pub struct CareGrant<'a> {
    pub consent_id: &'a str,
    pub related_person_id: &'a str,
    pub patient_id: &'a str,
    pub helper_name: &'a str,
    pub grant: &'a Grant,
    pub created: DateTime<Utc>,
    /// What the grant allows now (`Grant::in_force`), which decides the status.
    pub in_force: bool,
}

impl CareGrant<'_> {
    fn period(&self) -> Period {
        Period {
            start: Some(self.grant.start),
            end: self.grant.revoked.or(self.grant.end),
        }
    }

    fn guardian(&self) -> Option<(NaiveDate, Option<NaiveDate>)> {
        match self.grant.basis {
            Basis::Guardian { child_born, assent } => Some((child_born, assent)),
            Basis::Invited => None,
        }
    }

    pub fn related_person(&self) -> RelatedPerson {
        let relationship = if self.guardian().is_some() {
            "GUARD"
        } else {
            "FAMMEMB"
        };
        RelatedPerson {
            id: Some(self.related_person_id.into()),
            active: self.in_force,
            patient: Reference::to("Patient", self.patient_id, None),
            relationship: vec![coded(ROLE_CODE, relationship)],
            name: vec![HumanName {
                text: Some(self.helper_name.into()),
                ..HumanName::default()
            }],
            period: Some(self.period()),
        }
    }

    pub fn consent(&self) -> Consent {
        let status = if self.in_force {
            "active"
        } else if self.grant.revoked.is_none()
            && matches!(self.guardian(), Some((_, None)))
            && self.grant.end.is_none_or(|e| e > self.created)
        {
            // A guardian's grant waiting for the young person's assent.
            "proposed"
        } else {
            "inactive"
        };
        let nested = self
            .grant
            .permissions
            .iter()
            .map(|p| {
                let (types, _) = covers(p);
                let action = if p == Permission::ActOnBehalf {
                    "use"
                } else {
                    "access"
                };
                Provision {
                    kind: Some("permit".into()),
                    action: vec![coded(CONSENT_ACTION, action)],
                    class: types
                        .iter()
                        .map(|t| Coding {
                            system: Some(RESOURCE_TYPES.into()),
                            code: Some((*t).into()),
                            display: None,
                        })
                        .collect(),
                    code: vec![coded(PERMISSION_SYSTEM, p.code())],
                    ..Provision::default()
                }
            })
            .collect();
        let patient = Reference::to("Patient", self.patient_id, None);
        Consent {
            id: Some(self.consent_id.into()),
            status: status.into(),
            scope: coded(
                "http://terminology.hl7.org/CodeSystem/consentscope",
                "patient-privacy",
            ),
            category: vec![coded(ACT_CODE, "INFA")],
            patient: Some(patient.clone()),
            date_time: Some(self.created),
            // The patient chose an invited helper; a guardian is the hospital's record.
            performer: if self.guardian().is_none() {
                vec![patient]
            } else {
                Vec::new()
            },
            policy_rule: Some(coded(ACT_CODE, "OPTIN")),
            provision: Some(Provision {
                kind: Some("permit".into()),
                period: Some(self.period()),
                actor: vec![ProvisionActor {
                    role: coded(
                        "http://terminology.hl7.org/CodeSystem/v3-ParticipationType",
                        "IRCP",
                    ),
                    reference: Reference::to(
                        "RelatedPerson",
                        self.related_person_id,
                        Some(self.helper_name.into()),
                    ),
                }],
                provision: nested,
                ..Provision::default()
            }),
        }
    }
}

/// The permissions a Consent written by [`CareGrant::consent`] grants (codes Hale does not know
/// are skipped: a newer hospital's permission is not guessed at).
pub fn permissions(consent: &Consent) -> Permissions {
    consent
        .provision
        .iter()
        .flat_map(|p| &p.provision)
        .filter(|p| p.kind.as_deref() == Some("permit"))
        .flat_map(|p| &p.code)
        .flat_map(|c| &c.coding)
        .filter(|c| c.system.as_deref() == Some(PERMISSION_SYSTEM))
        .filter_map(|c| c.code.as_deref().and_then(Permission::from_code))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grant(permissions: &[Permission], basis: Basis) -> Grant {
        Grant {
            permissions: permissions.iter().copied().collect(),
            basis,
            start: "2026-12-05T10:00:00Z".parse().unwrap(),
            end: Some("2027-12-05T10:00:00Z".parse().unwrap()),
            revoked: None,
        }
    }

    fn care<'a>(g: &'a Grant, in_force: bool) -> CareGrant<'a> {
        CareGrant {
            consent_id: "cn-1",
            related_person_id: "rp-1",
            patient_id: "pt-1",
            helper_name: "Sam Morgan",
            grant: g,
            created: g.start,
            in_force,
        }
    }

    #[test]
    fn a_consent_names_its_helper_and_one_permit_per_permission_and_reads_back() {
        let g = grant(
            &[Permission::Medicines, Permission::ActOnBehalf],
            Basis::Invited,
        );
        let c = care(&g, true).consent();
        let json = serde_json::to_value(Resource::Consent(c.clone())).unwrap();
        assert_eq!(json["resourceType"], "Consent");
        assert_eq!(json["status"], "active");
        assert_eq!(json["scope"]["coding"][0]["code"], "patient-privacy");
        assert_eq!(json["performer"][0]["reference"], "Patient/pt-1");
        let provision = &json["provision"];
        assert_eq!(provision["type"], "permit");
        assert_eq!(
            provision["actor"][0]["reference"]["reference"],
            "RelatedPerson/rp-1"
        );
        assert_eq!(provision["period"]["end"], "2027-12-05T10:00:00Z");
        assert_eq!(
            provision["provision"][0]["class"][1]["code"],
            "MedicationAdministration"
        );
        assert_eq!(
            provision["provision"][1]["action"][0]["coding"][0]["code"],
            "use"
        );
        let back: Resource = serde_json::from_value(json).unwrap();
        let Resource::Consent(back) = back else {
            panic!("not a Consent")
        };
        assert_eq!(permissions(&back), g.permissions);
    }

    #[test]
    fn a_revoked_grant_is_inactive_and_a_guardian_awaiting_assent_is_proposed() {
        let mut g = grant(&[Permission::Readings], Basis::Invited);
        g.revoked = Some("2026-12-06T10:00:00Z".parse().unwrap());
        let c = care(&g, false).consent();
        assert_eq!(c.status, "inactive");
        assert_eq!(
            c.provision.unwrap().period.unwrap().end,
            g.revoked,
            "the period ends when it was revoked"
        );
        let guardian = grant(
            &[Permission::Readings],
            Basis::Guardian {
                child_born: "2012-01-01".parse().unwrap(),
                assent: None,
            },
        );
        let c = care(&guardian, false);
        assert_eq!(c.consent().status, "proposed");
        assert!(c.consent().performer.is_empty());
        assert_eq!(
            c.related_person().relationship[0].coding[0].code.as_deref(),
            Some("GUARD")
        );
    }

    use crate::Resource;
}
