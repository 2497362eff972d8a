//! `GET /fhir/Patient/{id}/$summary`: the patient's International Patient Summary (the IPS IG's
//! operation), a document a clinician anywhere can read. Only the patient themself may ask, as
//! for the whole record (`everything`), and only with the scopes to read each required section:
//! an IPS without its medications or allergies would read as "none", which is worse than none.

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use chrono::Utc;
use hale_fhir::ips::{patient_summary, Author, SummaryRecord};
use hale_fhir::Resource;

use crate::auth::PatientToken;
use crate::{FhirError, ServerState};

/// What the summary reads; each is needed, since each required section must be whole.
pub(crate) const SCOPES: &[&str] = &[
    "patient/Patient.r",
    "patient/MedicationRequest.s",
    "patient/AllergyIntolerance.s",
    "patient/Observation.s",
];

pub(crate) async fn summary(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    token.require_patient(&id)?;
    token.require_patient_themself()?;
    require_scopes(&token)?;
    let document = document(&state, &headers, &id, Utc::now()).await?;
    Ok(crate::resource_response::resource_response(
        StatusCode::OK,
        &Resource::Bundle(document),
    ))
}

/// The patient summary of `id` as of `now`, its entries' `fullUrl`s under this request's base.
pub(crate) async fn document(
    state: &ServerState,
    headers: &HeaderMap,
    id: &str,
    now: chrono::DateTime<Utc>,
) -> Result<hale_fhir::Bundle, FhirError> {
    let mut conn = state.db.acquire().await?;
    let record = load_record(&mut conn, id).await?;
    drop(conn);
    let base = crate::origin::fhir_base(headers);
    let author = Author {
        hospital: &state.hospital.name,
        base: &base,
    };
    Ok(patient_summary(
        record,
        &author,
        &crate::random::uuid()?,
        now,
    ))
}

/// What a summary of `id` is made of, as the hospital holds it now.
async fn load_record(conn: &mut sqlx::AnyConnection, id: &str) -> Result<SummaryRecord, FhirError> {
    let patient = crate::fhir::load_patient(&mut *conn, id)
        .await?
        .ok_or(FhirError::NotFound)?;
    Ok(SummaryRecord {
        patient,
        prescriptions: only(
            crate::medication::requests_of(&mut *conn, id).await?,
            |r| match r {
                Resource::MedicationRequest(m) => Some(m),
                _ => None,
            },
        ),
        allergies: only(
            crate::questionnaire::allergies_of(&mut *conn, id, i64::MAX).await?,
            |r| match r {
                Resource::AllergyIntolerance(a) => Some(a),
                _ => None,
            },
        ),
        observations: only(
            crate::everything::stored(&mut *conn, "observation", "effective_at", id).await?,
            |r| match r {
                Resource::Observation(o) => Some(o),
                _ => None,
            },
        ),
    })
}

/// Refuses a token that could not read the summary itself.
pub(crate) fn require_scopes(token: &PatientToken) -> Result<(), FhirError> {
    for scope in SCOPES {
        token.require_scope(scope)?;
    }
    Ok(())
}

fn only<T>(resources: Vec<Resource>, pick: impl Fn(Resource) -> Option<T>) -> Vec<T> {
    resources.into_iter().filter_map(pick).collect()
}
