//! `GET /fhir/metadata`: the CapabilityStatement, what this server does as R4 lets a server say
//! it: each resource type's interactions, search parameters, includes, versioning and
//! operations; the `transaction` interaction; and SMART on FHIR's `oauth-uris`.
//!
//! What the server deliberately does not do is listed in docs/hospital-api.md.

use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use hale_fhir::capability::{
    Extension, Implementation, Interaction, Operation, Rest, RestResource, SearchParam, Security,
    Software, PATIENT_FEATURE_URL, SMART_OAUTH_URIS,
};
use hale_fhir::{CapabilityStatement, CodeableConcept, Coding, Resource, FHIR_VERSION};

use crate::error::fhir_json;
use crate::origin::origin;
use crate::ServerState;

/// One resource type as declared.
struct Declared {
    kind: &'static str,
    interactions: &'static [&'static str],
    /// (name, FHIR search parameter type)
    params: &'static [(&'static str, &'static str)],
    /// Resources a search brings along (`search.mode = include`), as `Type:param`.
    includes: &'static [&'static str],
    rev_includes: &'static [&'static str],
    versioned: bool,
    /// Creates must be conditional on the record's identifier (`If-None-Exist`).
    conditional_create: bool,
    operations: &'static [&'static str],
}

const PATIENT: (&str, &str) = ("patient", "reference");

/// What this server offers patients through its JSON API (`/api`), declared with Hale's
/// `patient-feature` extension since FHIR has no words for them.
const PATIENT_FEATURES: &[&str] = &["waiting-times", "parking", "waitlist"];

/// What a declaration leaves out: no parameters, includes, versions or operations.
const PLAIN: Declared = Declared {
    kind: "",
    interactions: &[],
    params: &[],
    includes: &[],
    rev_includes: &[],
    versioned: false,
    conditional_create: false,
    operations: &[],
};

const DECLARED: &[Declared] = &[
    Declared {
        kind: "Appointment",
        interactions: &["read", "vread", "search-type", "create"],
        params: &[PATIENT, ("date", "date")],
        versioned: true,
        conditional_create: true,
        operations: &["cancel", "reschedule", "check-in"],
        ..PLAIN
    },
    Declared {
        kind: "Encounter",
        interactions: &["read", "vread", "search-type"],
        params: &[PATIENT, ("appointment", "reference"), ("status", "token")],
        versioned: true,
        ..PLAIN
    },
    Declared {
        kind: "Slot",
        interactions: &["search-type"],
        params: &[
            ("status", "token"),
            ("start", "date"),
            ("service-type", "token"),
            ("schedule", "reference"),
            ("schedule.actor", "reference"),
        ],
        includes: &["Slot:schedule"],
        ..PLAIN
    },
    Declared {
        kind: "Schedule",
        interactions: &["search-type"],
        ..PLAIN
    },
    Declared {
        kind: "Patient",
        interactions: &["read"],
        operations: &["everything", "summary"],
        ..PLAIN
    },
    Declared {
        kind: "MedicationRequest",
        interactions: &["search-type"],
        params: &[PATIENT, ("status", "token"), ("encounter", "reference")],
        ..PLAIN
    },
    Declared {
        kind: "MedicationAdministration",
        interactions: &["search-type", "create"],
        params: &[PATIENT, ("effective-time", "date"), ("identifier", "token")],
        versioned: true,
        conditional_create: true,
        ..PLAIN
    },
    Declared {
        kind: "Observation",
        interactions: &["search-type", "create"],
        params: &[
            PATIENT,
            ("code", "token"),
            ("date", "date"),
            ("identifier", "token"),
            ("encounter", "reference"),
            ("_lastUpdated", "date"),
        ],
        versioned: true,
        conditional_create: true,
        ..PLAIN
    },
    Declared {
        kind: "Subscription",
        interactions: &["create", "read", "delete"],
        operations: &["status", "events"],
        ..PLAIN
    },
    Declared {
        kind: "Questionnaire",
        interactions: &["read"],
        ..PLAIN
    },
    Declared {
        kind: "QuestionnaireResponse",
        interactions: &["search-type", "create"],
        params: &[PATIENT, ("identifier", "token")],
        conditional_create: true,
        ..PLAIN
    },
    Declared {
        kind: "AllergyIntolerance",
        interactions: &["search-type"],
        params: &[PATIENT],
        ..PLAIN
    },
    Declared {
        kind: "CarePlan",
        interactions: &["search-type"],
        params: &[PATIENT],
        includes: &["CarePlan:goal"],
        ..PLAIN
    },
    Declared {
        kind: "Flag",
        interactions: &["search-type"],
        params: &[PATIENT],
        rev_includes: &["Task:focus"],
        ..PLAIN
    },
    Declared {
        kind: "Communication",
        interactions: &["search-type"],
        params: &[PATIENT, ("encounter", "reference")],
        ..PLAIN
    },
    Declared {
        kind: "Consent",
        interactions: &["search-type"],
        params: &[PATIENT],
        ..PLAIN
    },
    Declared {
        kind: "RelatedPerson",
        interactions: &["search-type"],
        params: &[PATIENT],
        ..PLAIN
    },
];

/// The canonical URL of an operation: FHIR's, or one of Hale's own (described in
/// docs/hospital-api.md).
pub(crate) fn operation_definition(kind: &str, name: &str) -> String {
    match (kind, name) {
        // FHIR's own, as FHIR defines it.
        ("Patient", "everything") => {
            "http://hl7.org/fhir/OperationDefinition/Patient-everything".into()
        }
        // The International Patient Summary IG's.
        ("Patient", "summary") => "http://hl7.org/fhir/uv/ips/OperationDefinition/summary".into(),
        // The Subscriptions R5 Backport IG's.
        ("Subscription", "status" | "events") => format!(
            "http://hl7.org/fhir/uv/subscriptions-backport/OperationDefinition/backport-subscription-{name}"
        ),
        _ => format!("urn:hale:operation:{}-{name}", kind.to_ascii_lowercase()),
    }
}

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_owned()).collect()
}

fn interactions(codes: &[&str]) -> Vec<Interaction> {
    codes
        .iter()
        .map(|c| Interaction {
            code: (*c).to_owned(),
        })
        .collect()
}

impl Declared {
    fn to_fhir(&self) -> RestResource {
        // A subscriber learns the topics here: R4 has no SubscriptionTopic resource.
        let topics = if self.kind == "Subscription" {
            crate::subscriptions::Topic::ALL
                .iter()
                .map(|t| Extension {
                    url: hale_fhir::subscription::TOPIC_CANONICAL.into(),
                    value_canonical: Some(t.canonical()),
                    ..Extension::default()
                })
                .collect()
        } else {
            Vec::new()
        };
        RestResource {
            extension: topics,
            resource_type: self.kind.into(),
            interaction: interactions(self.interactions),
            versioning: Some(
                if self.versioned {
                    "versioned"
                } else {
                    "no-version"
                }
                .into(),
            ),
            conditional_create: self.conditional_create.then_some(true),
            search_include: strings(self.includes),
            search_rev_include: strings(self.rev_includes),
            search_param: self
                .params
                .iter()
                .map(|(name, kind)| SearchParam {
                    name: (*name).into(),
                    param_type: (*kind).into(),
                })
                .collect(),
            operation: self
                .operations
                .iter()
                .map(|name| Operation {
                    name: (*name).into(),
                    definition: operation_definition(self.kind, name),
                })
                .collect(),
        }
    }
}

pub(crate) async fn metadata(State(state): State<ServerState>, headers: HeaderMap) -> Response {
    let origin = origin(&headers);
    let uri = |name: &str, path: &str| Extension {
        url: name.into(),
        value_uri: Some(format!("{origin}{path}")),
        ..Extension::default()
    };
    let statement = CapabilityStatement {
        status: "active".into(),
        date: Utc::now().format("%Y-%m-%d").to_string(),
        kind: "instance".into(),
        fhir_version: FHIR_VERSION.into(),
        format: vec!["json".into()],
        software: Some(Software {
            name: "Hale reference hospital server".into(),
            version: Some(env!("CARGO_PKG_VERSION").into()),
        }),
        implementation: Some(Implementation {
            description: state.hospital.name.clone(),
        }),
        rest: vec![Rest {
            extension: PATIENT_FEATURES
                .iter()
                .map(|code| Extension {
                    url: PATIENT_FEATURE_URL.into(),
                    value_code: Some((*code).into()),
                    ..Extension::default()
                })
                .collect(),
            mode: "server".into(),
            documentation: Some(
                "Every patient endpoint needs a bearer token bound to one patient.".into(),
            ),
            security: Some(Security {
                extension: vec![Extension {
                    url: SMART_OAUTH_URIS.into(),
                    extension: vec![
                        uri("authorize", "/auth/authorize"),
                        uri("token", "/auth/token"),
                        uri("revoke", "/auth/revoke"),
                    ],
                    ..Extension::default()
                }],
                service: vec![CodeableConcept {
                    coding: vec![Coding {
                        system: Some(
                            "http://terminology.hl7.org/CodeSystem/restful-security-service".into(),
                        ),
                        code: Some("SMART-on-FHIR".into()),
                        display: None,
                    }],
                    text: None,
                }],
            }),
            resource: DECLARED.iter().map(Declared::to_fhir).collect(),
            interaction: interactions(&["transaction"]),
        }],
    };
    fhir_json(&Resource::CapabilityStatement(statement))
}
