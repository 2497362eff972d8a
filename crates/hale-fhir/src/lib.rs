//! The subset of HL7 FHIR R4 that Hale speaks, as plain serde types, and the mapping between those
//! resources and Hale's domain.
//!
//! Both the hospital client and the reference hospital server use these types, so the two sides
//! cannot drift apart on field names. Only elements Hale reads or writes are modelled; unknown
//! elements in incoming JSON are ignored, as FHIR's forward-compatibility rules expect of a reader.

pub mod allergy;
pub mod appointment;
pub mod capability;
pub mod care_plan;
pub mod care_team;
pub mod composition;
pub mod consent;
pub mod datatypes;
pub mod encounter;
pub mod glucose_context;
pub mod ips;
pub mod medication;
pub mod observation;
pub mod outcome;
pub mod parameters;
pub mod patient;
pub mod questionnaire;
pub mod scheduling;
pub mod smart;
pub mod subscription;

pub use allergy::AllergyIntolerance;
pub use appointment::{Appointment, AppointmentParticipant, MappingError};
pub use capability::CapabilityStatement;
pub use care_plan::{CarePlan, Goal};
pub use care_team::{Communication, Flag, Task};
pub use composition::{Composition, Organization};
pub use consent::{Consent, RelatedPerson};
pub use datatypes::{CodeableConcept, Coding, HumanName, Identifier, Meta, Reference};
pub use encounter::{Encounter, EncounterLocation, Period};
pub use medication::{MedicationAdministration, MedicationRequest};
pub use observation::Observation;
pub use outcome::{IssueSeverity, IssueType, OperationOutcome, OutcomeIssue};
pub use parameters::{Parameter, Parameters};
pub use patient::Patient;
pub use questionnaire::{Questionnaire, QuestionnaireResponse};
pub use scheduling::{Schedule, Slot};
pub use subscription::{Subscription, SubscriptionStatus};

use serde::{Deserialize, Serialize};

/// The FHIR version this crate models.
pub const FHIR_VERSION: &str = "4.0.1";

/// The media type of FHIR JSON.
pub const FHIR_JSON: &str = "application/fhir+json";

/// The identifier system of a client-chosen booking request id: a repeated request with the same
/// id is answered with the appointment already made, never booked twice.
pub const REQUEST_ID_SYSTEM: &str = "urn:hale:request-id";

/// The identifier system of Hale booking references (see `hale_domain::BookingReference`).
pub const BOOKING_REFERENCE_SYSTEM: &str = "urn:hale:booking-reference";

/// Any resource Hale knows, tagged by `resourceType` as FHIR JSON is. The default is
/// [`Resource::Other`], which is also what a transaction-response entry without a resource reads as.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(tag = "resourceType")]
#[allow(clippy::large_enum_variant)]
pub enum Resource {
    Appointment(Appointment),
    Patient(Patient),
    OperationOutcome(OperationOutcome),
    CapabilityStatement(CapabilityStatement),
    Bundle(Bundle),
    Schedule(Schedule),
    Slot(Slot),
    Parameters(Parameters),
    Encounter(Encounter),
    MedicationRequest(MedicationRequest),
    MedicationAdministration(MedicationAdministration),
    Observation(Observation),
    CarePlan(CarePlan),
    Goal(Goal),
    Flag(Flag),
    Task(Task),
    Communication(Communication),
    Consent(Consent),
    RelatedPerson(RelatedPerson),
    Questionnaire(Questionnaire),
    QuestionnaireResponse(QuestionnaireResponse),
    AllergyIntolerance(AllergyIntolerance),
    Composition(Composition),
    Organization(Organization),
    Subscription(Subscription),
    /// A resource type Hale does not read; kept so a bundle that includes one still decodes.
    #[default]
    #[serde(other)]
    Other,
}

impl Resource {
    fn is_other(&self) -> bool {
        matches!(self, Resource::Other)
    }

    /// The version the server gave the resource, for those Hale versions.
    pub fn meta(&self) -> Option<&Meta> {
        match self {
            Self::Appointment(r) => r.meta.as_ref(),
            Self::Encounter(r) => r.meta.as_ref(),
            Self::Observation(r) => r.meta.as_ref(),
            Self::MedicationAdministration(r) => r.meta.as_ref(),
            Self::Questionnaire(r) => r.meta.as_ref(),
            Self::QuestionnaireResponse(r) => r.meta.as_ref(),
            _ => None,
        }
    }

    /// The resource's type and id, `("Appointment", "ap-1")`, for those that have an id.
    pub fn type_and_id(&self) -> Option<(&'static str, &str)> {
        let (kind, id) = match self {
            Self::Appointment(r) => ("Appointment", &r.id),
            Self::Patient(r) => ("Patient", &r.id),
            Self::Schedule(r) => ("Schedule", &r.id),
            Self::Slot(r) => ("Slot", &r.id),
            Self::Encounter(r) => ("Encounter", &r.id),
            Self::MedicationRequest(r) => ("MedicationRequest", &r.id),
            Self::MedicationAdministration(r) => ("MedicationAdministration", &r.id),
            Self::Observation(r) => ("Observation", &r.id),
            Self::CarePlan(r) => ("CarePlan", &r.id),
            Self::Goal(r) => ("Goal", &r.id),
            Self::Flag(r) => ("Flag", &r.id),
            Self::Task(r) => ("Task", &r.id),
            Self::Communication(r) => ("Communication", &r.id),
            Self::Consent(r) => ("Consent", &r.id),
            Self::RelatedPerson(r) => ("RelatedPerson", &r.id),
            Self::Questionnaire(r) => ("Questionnaire", &r.id),
            Self::QuestionnaireResponse(r) => ("QuestionnaireResponse", &r.id),
            Self::AllergyIntolerance(r) => ("AllergyIntolerance", &r.id),
            Self::Composition(r) => ("Composition", &r.id),
            Self::Organization(r) => ("Organization", &r.id),
            Self::Subscription(r) => ("Subscription", &r.id),
            Self::OperationOutcome(_)
            | Self::CapabilityStatement(_)
            | Self::Bundle(_)
            | Self::Parameters(_)
            | Self::Other => return None,
        };
        Some((kind, id.as_deref()?))
    }
}

/// A FHIR Bundle; Hale reads and writes `searchset` bundles, and sends `transaction` bundles of
/// conditional creates (answered by a `transaction-response`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Bundle {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<Meta>,
    /// A document's identity, the same in every copy of it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<Identifier>,
    #[serde(rename = "type")]
    pub bundle_type: String,
    /// When a document was assembled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<chrono::DateTime<chrono::Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub link: Vec<BundleLink>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<BundleEntry>,
}

/// A link of a bundle; `next` pages through search results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleLink {
    pub relation: String,
    pub url: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleEntry {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub full_url: Option<String>,
    #[serde(default, skip_serializing_if = "Resource::is_other")]
    pub resource: Resource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub search: Option<BundleSearch>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<BundleRequest>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<BundleResponse>,
}

/// Why a search result is in the Bundle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleSearch {
    pub mode: SearchMode,
}

/// `match`: it met the search's criteria; `include`: another result refers to it (or it to
/// one, as a Task to its Flag).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SearchMode {
    Match,
    Include,
    Outcome,
}

/// What a transaction entry asks: `POST MedicationAdministration` with `ifNoneExist:
/// identifier=SYSTEM|VALUE` creates the resource only if none has that identifier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BundleRequest {
    pub method: String,
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub if_none_exist: Option<String>,
}

/// How a transaction entry went: `201 Created` (new) or `200 OK` (it already existed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BundleResponse {
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
}

impl Bundle {
    /// A `searchset` bundle holding `resources`, its total being their number.
    pub fn searchset(resources: impl IntoIterator<Item = Resource>) -> Self {
        let entry: Vec<BundleEntry> = resources
            .into_iter()
            .map(|resource| BundleEntry {
                resource,
                ..BundleEntry::default()
            })
            .collect();
        Self {
            bundle_type: "searchset".into(),
            total: Some(entry.len() as u32),
            link: Vec::new(),
            entry,
            ..Self::default()
        }
    }

    /// The URL of the next page, if the server has more.
    pub fn next_page(&self) -> Option<&str> {
        self.link
            .iter()
            .find(|l| l.relation == "next")
            .map(|l| l.url.as_str())
    }

    /// A `transaction` bundle of conditional creates: each resource is created unless one with
    /// its identifier (`system|value`) exists.
    pub fn conditional_creates(
        entries: impl IntoIterator<Item = (Resource, &'static str, String)>,
    ) -> Self {
        let entry = entries
            .into_iter()
            .map(|(resource, resource_type, identifier)| BundleEntry {
                full_url: None,
                resource,
                search: None,
                request: Some(BundleRequest {
                    method: "POST".into(),
                    url: resource_type.into(),
                    if_none_exist: Some(format!("identifier={identifier}")),
                }),
                response: None,
            })
            .collect();
        Self {
            bundle_type: "transaction".into(),
            total: None,
            link: Vec::new(),
            entry,
            ..Self::default()
        }
    }

    /// The appointments in the bundle, in order; other entries (e.g. outcomes) are skipped.
    pub fn appointments(&self) -> impl Iterator<Item = &Appointment> {
        self.entry.iter().filter_map(|e| match &e.resource {
            Resource::Appointment(a) => Some(a),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_resource_types_in_a_bundle_do_not_break_decoding() {
        let json = r#"{"resourceType":"Bundle","type":"searchset","entry":[
            {"resource":{"resourceType":"Practitioner","id":"p1"}},
            {"resource":{"resourceType":"Appointment","id":"a1","status":"booked"}}]}"#;
        let Resource::Bundle(bundle) = serde_json::from_str(json).unwrap() else {
            panic!("not a bundle");
        };
        assert_eq!(bundle.entry.len(), 2);
        assert_eq!(bundle.entry[0].resource, Resource::Other);
        assert_eq!(bundle.appointments().count(), 1);
    }

    #[test]
    fn searchset_counts_its_entries() {
        let b = Bundle::searchset([Resource::Other, Resource::Other]);
        assert_eq!(b.total, Some(2));
        let json = serde_json::to_value(Resource::Bundle(b)).unwrap();
        assert_eq!(json["resourceType"], "Bundle");
        assert_eq!(json["type"], "searchset");
    }
}
