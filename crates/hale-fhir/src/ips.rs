//! The International Patient Summary (HL7 IPS IG): a `document` Bundle whose first entry is a
//! Composition (LOINC 60591-5) with the IG's three required sections (medications 10160-0,
//! allergies 48765-2, problems 11450-4) and, when there are any, vital signs (8716-3). A
//! section with nothing to list says why (`emptyReason`) and has no entries; every entry it
//! names is in the Bundle. Pure: the caller loads the record and passes the time.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::composition::{Composition, Narrative, Organization, Section};
use crate::observation::{LOINC, OBSERVATION_CATEGORY};
use crate::{
    AllergyIntolerance, Bundle, BundleEntry, CodeableConcept, Coding, Identifier,
    MedicationRequest, Observation, Patient, Reference, Resource,
};

/// The IPS Bundle profile, which a receiver may check the document against.
pub const BUNDLE_PROFILE: &str = "http://hl7.org/fhir/uv/ips/StructureDefinition/Bundle-uv-ips";
/// The IPS Composition profile.
pub const COMPOSITION_PROFILE: &str =
    "http://hl7.org/fhir/uv/ips/StructureDefinition/Composition-uv-ips";
/// The Composition type of a patient summary.
pub const SUMMARY_TYPE: (&str, &str) = ("60591-5", "Patient summary Document");
/// A section: its LOINC code and that code's display, and the title people read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SectionKind {
    pub code: &'static str,
    pub display: &'static str,
    pub title: &'static str,
}
pub const MEDICATIONS: SectionKind = SectionKind {
    code: "10160-0",
    display: "History of Medication use Narrative",
    title: "Medication Summary",
};
pub const ALLERGIES: SectionKind = SectionKind {
    code: "48765-2",
    display: "Allergies and adverse reactions Document",
    title: "Allergies and Intolerances",
};
pub const PROBLEMS: SectionKind = SectionKind {
    code: "11450-4",
    display: "Problem list - Reported",
    title: "Problem List",
};
pub const VITAL_SIGNS: SectionKind = SectionKind {
    code: "8716-3",
    display: "Vital signs",
    title: "Vital Signs",
};
/// Why a section lists nothing.
const EMPTY_REASON_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/list-empty-reason";

/// What a summary is made of: the patient's record as the hospital holds it.
#[derive(Debug, Clone)]
pub struct SummaryRecord {
    pub patient: Patient,
    /// Every prescription; only the current ones (active or on hold) are summarised.
    pub prescriptions: Vec<MedicationRequest>,
    /// Every allergy record; entered-in-error and refuted ones are left out.
    pub allergies: Vec<AllergyIntolerance>,
    /// Every reading; the latest vital sign of each kind is summarised.
    pub observations: Vec<Observation>,
}

/// Who writes the document, and where it is written.
#[derive(Debug, Clone)]
pub struct Author<'a> {
    /// The hospital's name.
    pub hospital: &'a str,
    /// The FHIR base the entries' `fullUrl`s are under, without a trailing `/`.
    pub base: &'a str,
}

/// The patient summary of `record`, written by `author` at `now`, as document `document_id` (a
/// UUID, also the document's identifier).
pub fn patient_summary(
    record: SummaryRecord,
    author: &Author<'_>,
    document_id: &str,
    now: DateTime<Utc>,
) -> Bundle {
    let patient_id = record.patient.id.clone().unwrap_or_default();
    let patient_ref = format!("Patient/{patient_id}");
    let organization = Organization {
        id: Some("hospital".into()),
        name: Some(author.hospital.into()),
    };
    let mut entries: Vec<Resource> = vec![
        Resource::Patient(record.patient),
        Resource::Organization(organization),
    ];

    let medications: Vec<MedicationRequest> = record
        .prescriptions
        .into_iter()
        .filter(|m| matches!(m.status.as_str(), "active" | "on-hold"))
        .collect();
    let medication_section = section(
        MEDICATIONS,
        medications.iter().map(medication_line).collect(),
        refs("MedicationRequest", medications.iter().map(|m| &m.id)),
        "This hospital holds no current prescriptions for this patient.",
    );
    entries.extend(
        medications
            .into_iter()
            .map(|m| Resource::MedicationRequest(self_contained_prescription(m))),
    );

    let allergies: Vec<AllergyIntolerance> = record
        .allergies
        .into_iter()
        .filter(|a| !allergy_withdrawn(a))
        .collect();
    let allergy_section = section(
        ALLERGIES,
        allergies.iter().map(allergy_line).collect(),
        refs("AllergyIntolerance", allergies.iter().map(|a| &a.id)),
        "This hospital has recorded no allergies or intolerances for this patient.",
    );
    entries.extend(allergies.into_iter().map(Resource::AllergyIntolerance));

    let problem_section = section(
        PROBLEMS,
        Vec::new(),
        Vec::new(),
        "This hospital's record has no problem list.",
    );

    let vitals = latest_vital_signs(record.observations);
    let mut sections = vec![medication_section, allergy_section, problem_section];
    if !vitals.is_empty() {
        sections.push(section(
            VITAL_SIGNS,
            vitals.iter().map(vital_line).collect(),
            refs("Observation", vitals.iter().map(|o| &o.id)),
            "",
        ));
    }
    entries.extend(
        vitals
            .into_iter()
            .map(|o| Resource::Observation(self_contained_reading(o))),
    );

    let hospital_ref = Reference {
        reference: Some("Organization/hospital".into()),
        identifier: None,
        display: Some(author.hospital.into()),
    };
    let composition = Composition {
        id: Some(document_id.into()),
        meta: Some(crate::datatypes::Meta::profile(COMPOSITION_PROFILE)),
        text: None,
        identifier: None,
        status: "final".into(),
        kind: loinc(SUMMARY_TYPE),
        subject: Some(Reference {
            reference: Some(patient_ref),
            identifier: None,
            display: None,
        }),
        date: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        author: vec![hospital_ref.clone()],
        title: format!("Patient summary from {}", author.hospital),
        custodian: Some(hospital_ref),
        section: sections,
    };

    let mut entry = vec![BundleEntry {
        full_url: Some(format!("{}/Composition/{document_id}", author.base)),
        resource: Resource::Composition(composition),
        ..BundleEntry::default()
    }];
    entry.extend(entries.into_iter().map(|resource| {
        let full_url = resource
            .type_and_id()
            .map(|(kind, id)| format!("{}/{kind}/{id}", author.base));
        BundleEntry {
            full_url,
            resource,
            ..BundleEntry::default()
        }
    }));
    Bundle {
        bundle_type: "document".into(),
        meta: Some(crate::datatypes::Meta::profile(BUNDLE_PROFILE)),
        identifier: Some(Identifier {
            system: Some("urn:ietf:rfc:3986".into()),
            value: Some(format!("urn:uuid:{document_id}")),
        }),
        timestamp: Some(now),
        entry,
        ..Bundle::default()
    }
}

/// A reference a reader of the document can follow only by name: the document holds no
/// practitioner, visit or older prescription, and a reader elsewhere has no token to fetch one.
fn by_name(reference: Reference) -> Option<Reference> {
    reference.display.map(|display| Reference {
        reference: None,
        identifier: None,
        display: Some(display),
    })
}

/// A prescription naming only what the document holds (its patient).
fn self_contained_prescription(mut m: MedicationRequest) -> MedicationRequest {
    m.requester = m.requester.and_then(by_name);
    m.encounter = None;
    m.prior_prescription = None;
    m
}

/// A reading naming only what the document holds; its device stays a logical reference (by
/// its identifier, which needs no resource).
fn self_contained_reading(mut o: Observation) -> Observation {
    o.encounter = None;
    o.performer = o.performer.into_iter().filter_map(by_name).collect();
    if let Some(device) = o.device.take() {
        o.device = Some(Reference {
            reference: None,
            ..device
        });
    }
    o
}

fn loinc((code, display): (&str, &str)) -> CodeableConcept {
    CodeableConcept {
        coding: vec![Coding {
            system: Some(LOINC.into()),
            code: Some(code.into()),
            display: Some(display.into()),
        }],
        text: None,
    }
}

/// A section of `lines` naming `entries`, or, with none, saying `none` and why it is empty.
fn section(kind: SectionKind, lines: Vec<String>, entries: Vec<Reference>, none: &str) -> Section {
    let empty = entries.is_empty();
    Section {
        title: kind.title.into(),
        code: loinc((kind.code, kind.display)),
        text: if empty {
            Narrative::generated(&[none], &[])
        } else {
            Narrative::generated(&[], &lines)
        },
        entry: entries,
        // "unavailable", not "nilknown": the hospital holding nothing is not a clinician's
        // judgement that the patient has nothing.
        empty_reason: empty.then(|| CodeableConcept {
            coding: vec![Coding {
                system: Some(EMPTY_REASON_SYSTEM.into()),
                code: Some("unavailable".into()),
                display: Some("Unavailable".into()),
            }],
            text: None,
        }),
    }
}

fn refs<'a>(kind: &str, ids: impl Iterator<Item = &'a Option<String>>) -> Vec<Reference> {
    ids.flatten()
        .map(|id| Reference {
            reference: Some(format!("{kind}/{id}")),
            identifier: None,
            display: None,
        })
        .collect()
}

fn medication_line(m: &MedicationRequest) -> String {
    let name = m.name().unwrap_or("A medicine (unnamed)");
    let how = m.dosage_instruction.iter().find_map(|d| d.text.as_deref());
    let on_hold = if m.status == "on-hold" {
        " (on hold)"
    } else {
        ""
    };
    match how {
        Some(how) => format!("{name}: {how}{on_hold}"),
        None => format!("{name}{on_hold}"),
    }
}

fn allergy_withdrawn(a: &AllergyIntolerance) -> bool {
    a.verification_status
        .as_ref()
        .and_then(|c| c.coding.first())
        .and_then(|c| c.code.as_deref())
        .is_some_and(|s| s == "refuted" || s == "entered-in-error")
}

fn allergy_line(a: &AllergyIntolerance) -> String {
    let substance = a
        .code
        .as_ref()
        .and_then(CodeableConcept::label)
        .unwrap_or("An unnamed substance");
    let status = a
        .clinical_status
        .as_ref()
        .and_then(|c| c.coding.first())
        .and_then(|c| c.code.as_deref())
        .unwrap_or("active");
    let reactions: Vec<&str> = a
        .reaction
        .iter()
        .flat_map(|r| r.manifestation.iter().filter_map(CodeableConcept::label))
        .collect();
    let mut line = substance.to_string();
    if status != "active" {
        line.push_str(&format!(" ({status})"));
    }
    if let Some(c) = &a.criticality {
        line.push_str(&format!(", criticality {c}"));
    }
    if !reactions.is_empty() {
        line.push_str(&format!(": {}", reactions.join(", ")));
    }
    line
}

/// The newest vital sign of each code, in code order: a summary shows where things stand, and
/// the full history is the export's.
fn latest_vital_signs(observations: Vec<Observation>) -> Vec<Observation> {
    let mut latest: BTreeMap<String, Observation> = BTreeMap::new();
    for o in observations {
        let vital = o.category.iter().any(|c| {
            c.coding.iter().any(|c| {
                c.system.as_deref() == Some(OBSERVATION_CATEGORY)
                    && c.code.as_deref() == Some("vital-signs")
            })
        });
        let code = o.code.coding.first().and_then(|c| c.code.clone());
        let (true, Some(code), Some(_), Some(_)) = (vital, code, &o.id, o.effective_date_time)
        else {
            continue;
        };
        if matches!(o.status.as_str(), "entered-in-error" | "cancelled") {
            continue;
        }
        let newer = latest
            .get(&code)
            .is_none_or(|old| old.effective_date_time < o.effective_date_time);
        if newer {
            latest.insert(code, o);
        }
    }
    latest.into_values().collect()
}

fn vital_line(o: &Observation) -> String {
    let what = o.code.label().unwrap_or("A reading");
    let quantity = |q: &crate::medication::Quantity| {
        let value = q.value.map(|v| format!("{v}")).unwrap_or_default();
        match &q.unit {
            Some(unit) => format!("{value} {unit}"),
            None => value,
        }
    };
    let value = match &o.value_quantity {
        Some(q) => quantity(q),
        None => o
            .component
            .iter()
            .filter_map(|c| c.value_quantity.as_ref().map(quantity))
            .collect::<Vec<_>>()
            .join(" / "),
    };
    let when = o
        .effective_date_time
        .map(|t| t.format(" on %Y-%m-%d").to_string())
        .unwrap_or_default();
    format!("{what}: {value}{when}")
}

#[cfg(test)]
mod tests;
