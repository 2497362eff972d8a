//! The care circle: people a patient lets help them (FHIR `RelatedPerson`) and what each may
//! see and do (FHIR `Consent`, shaped as `hale_fhir::consent` says).
//!
//! A helper signs in with their own account and switches to a patient who invited them (the
//! token endpoint's `patient` parameter); that token names their RelatedPerson, and
//! [`consent_scopes`] narrows it by the consent at every request, in `auth::authorize`, so a
//! revocation or an expiry refuses their very next request. `invitations` makes and accepts the
//! one-time codes; `grants` reads the consents into the domain's `Grant`.

mod alerts;
mod grants;
mod invitations;

use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use hale_domain::care_circle::{CareCircleRefusal, Permission};
use hale_fhir::consent::CareGrant;
use hale_fhir::smart::Scopes;
use hale_fhir::Resource;
use hale_hospital_json::care_circle::{CareCircle, CircleMember};

pub(crate) use alerts::{helper_alert_events, helper_alerts, raise_and_list, set_alert_settings};
pub(crate) use grants::permission_for;
use grants::{HeldGrant, Side};
pub(crate) use invitations::{accept, invite};

use crate::auth::PatientToken;
use crate::db::Time;
use crate::search::patient_id;
use crate::searchset::{Paging, Search};
use crate::{FhirError, ServerState};

/// What the consent behind a helper's token allows now, as scopes, or why it allows nothing
/// (revoked, expired, assent awaited, the patient now an adult). Read through `conn`, so a
/// caller holding the write lock decides on what its transaction sees.
pub(crate) async fn consent_scopes(
    state: &ServerState,
    conn: &mut sqlx::AnyConnection,
    related_person_id: &str,
    patient_id: &str,
    now: DateTime<Utc>,
) -> Result<Result<Scopes, CareCircleRefusal>, FhirError> {
    let held = grants::for_helper(conn, related_person_id)
        .await?
        .filter(|g| g.patient_id == patient_id)
        .ok_or_else(|| FhirError::Forbidden("no consent names this helper".into()))?;
    Ok(held
        .grant
        .in_force(now, grants::today(state, now))
        .map(grants::scopes)
        .map_err(CareCircleRefusal::ConsentEnded))
}

/// One grant as `side`'s person sees it: the other person's name.
fn member(state: &ServerState, g: &HeldGrant, seen_by: Side, now: DateTime<Utc>) -> CircleMember {
    CircleMember {
        consent: g.consent_id.clone(),
        related_person: g.related_person_id.clone(),
        patient: g.patient_id.clone(),
        name: match seen_by {
            Side::Patient => g.helper_name.clone(),
            Side::Helper => g.patient_name.clone(),
        },
        permissions: grants::permission_codes(g.grant.permissions),
        basis: grants::basis(&g.grant),
        status: grants::status(g, now, grants::today(state, now)),
        since: g.grant.start,
        until: grants::until(g, state),
        alerts: g
            .grant
            .permissions
            .contains(Permission::Alerts)
            .then(|| alerts::settings_wire(&g.alerts)),
    }
}

/// `GET /api/care-circle`: who helps me, and whom I help.
pub(crate) async fn circle(
    token: PatientToken,
    State(state): State<ServerState>,
) -> Result<Json<CareCircle>, FhirError> {
    token.require_patient_themself()?;
    let now = Utc::now();
    let mut conn = state.db.acquire().await?;
    let helpers = grants::list(&mut conn, Side::Patient, &token.patient_id).await?;
    let helping = grants::list(&mut conn, Side::Helper, &token.patient_id).await?;
    Ok(Json(CareCircle {
        helpers: helpers
            .iter()
            .map(|g| member(&state, g, Side::Patient, now))
            .collect(),
        helping: helping
            .iter()
            .map(|g| member(&state, g, Side::Helper, now))
            .collect(),
    }))
}

/// `POST /api/care-circle/consents/{id}/revoke`: the patient ends a helper's access, or the
/// helper steps down. It takes effect at the helper's next request; revoking twice answers
/// the same.
pub(crate) async fn revoke(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(consent_id): Path<String>,
) -> Result<Json<CircleMember>, FhirError> {
    token.require_patient_themself()?;
    let now = Utc::now();
    let mut tx = crate::db::begin_write(&state.db).await?;
    let me = &token.patient_id;
    // Another person's consent is not found, so ids cannot be probed.
    let mine: Option<(String,)> = sqlx::query_as(
        "SELECT c.patient_id FROM consent c JOIN related_person r ON r.id = c.related_person_id \
         WHERE c.id = $1 AND (c.patient_id = $2 OR r.person_id = $2)",
    )
    .bind(&consent_id)
    .bind(me)
    .fetch_optional(&mut *tx)
    .await?;
    let (patient,) = mine.ok_or(FhirError::NotFound)?;
    sqlx::query("UPDATE consent SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL")
        .bind(Time(now))
        .bind(&consent_id)
        .execute(&mut *tx)
        .await?;
    let side = if patient == *me {
        Side::Patient
    } else {
        Side::Helper
    };
    if matches!(side, Side::Patient) {
        // A code is nobody's in particular: one the revoked helper holds would let them back.
        // The patient's open invitations end with a revocation; they can make new ones.
        sqlx::query(
            "UPDATE care_invitation SET expires_at = $1 \
             WHERE patient_id = $2 AND accepted_at IS NULL AND expires_at > $1",
        )
        .bind(Time(now))
        .bind(me)
        .execute(&mut *tx)
        .await?;
    }
    let held = grants::list(&mut tx, side, me)
        .await?
        .into_iter()
        .find(|g| g.consent_id == consent_id)
        .ok_or_else(|| FhirError::Internal("a revoked consent vanished".into()))?;
    tx.commit().await?;
    tracing::info!("a care circle consent was revoked");
    Ok(Json(member(&state, &held, side, now)))
}

const PAGE: Paging = Paging {
    default: 50,
    max: 200,
};

async fn patient_grants(
    state: &ServerState,
    token: &PatientToken,
    search: &mut Search,
) -> Result<Vec<HeldGrant>, FhirError> {
    for (name, value) in search.params() {
        match name.as_ref() {
            "patient" => token.require_patient(patient_id(&value))?,
            _ => search.unknown(&name, &value)?,
        }
    }
    let mut conn = state.db.acquire().await?;
    grants::list(&mut conn, Side::Patient, &token.patient_id).await
}

fn care_grant<'a>(state: &ServerState, g: &'a HeldGrant, now: DateTime<Utc>) -> CareGrant<'a> {
    CareGrant {
        consent_id: &g.consent_id,
        related_person_id: &g.related_person_id,
        patient_id: &g.patient_id,
        helper_name: &g.helper_name,
        grant: &g.grant,
        created: g.created,
        in_force: g.grant.in_force(now, grants::today(state, now)).is_ok(),
    }
}

/// The consents `patient` gave (ended ones too) and the people they name, each once as they
/// are now: their part of `$everything`.
pub(crate) async fn circle_of(
    state: &ServerState,
    conn: &mut sqlx::AnyConnection,
    patient: &str,
) -> Result<Vec<Resource>, FhirError> {
    let held = grants::list(conn, Side::Patient, patient).await?;
    let now = Utc::now();
    let mut seen = std::collections::HashSet::new();
    let mut out: Vec<Resource> = held
        .iter()
        .map(|g| Resource::Consent(care_grant(state, g, now).consent()))
        .collect();
    out.extend(
        held.iter()
            .filter(|g| seen.insert(g.related_person_id.clone()))
            .map(|g| Resource::RelatedPerson(care_grant(state, g, now).related_person())),
    );
    Ok(out)
}

/// `GET /fhir/Consent?patient=`: the consents the patient gave, ended ones included.
pub(crate) async fn search_consents(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "Consent", PAGE)?;
    let held = patient_grants(&state, &token, &mut search).await?;
    let now = Utc::now();
    let results = held
        .iter()
        .map(|g| {
            (
                Resource::Consent(care_grant(&state, g, now).consent()),
                Vec::new(),
            )
        })
        .collect();
    Ok(search.page(results, true).into_response())
}

/// `GET /fhir/RelatedPerson?patient=`: the people who help the patient, or did.
pub(crate) async fn search_related_persons(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "RelatedPerson", PAGE)?;
    let held = patient_grants(&state, &token, &mut search).await?;
    let now = Utc::now();
    let mut seen = std::collections::HashSet::new();
    let results = held
        .iter()
        // Newest consent first, so each helper appears once, as they are now.
        .filter(|g| seen.insert(g.related_person_id.clone()))
        .map(|g| {
            (
                Resource::RelatedPerson(care_grant(&state, g, now).related_person()),
                Vec::new(),
            )
        })
        .collect();
    Ok(search.page(results, true).into_response())
}
