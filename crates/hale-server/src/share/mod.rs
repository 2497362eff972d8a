//! Share codes (`/api/shares`): the patient lets a clinician elsewhere read their patient
//! summary in a browser for a day (`page.rs`), with their date of birth as a second factor. Only
//! the patient themself makes, lists and ends them, and only with the scopes to read the summary
//! themself. A code is stored as a hash, opens one browser session, once, and shows nothing
//! after it expires or is ended; each view is recorded for the patient to see.

pub(crate) mod page;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::Json;
use chrono::{Duration, Utc};
use hale_domain::share::{ShareCode, SHARE_LIFETIME};
use hale_hospital_json::share::{Share, ShareCreated};

use crate::auth::{hash_token, PatientToken};
use crate::db::Time;
use crate::{FhirError, ServerState};

/// Shares a patient may have open at once: each is anybody's who holds it and the birth date.
const OPEN_SHARES: i64 = 5;
/// How far back the list reaches.
const LISTED_FOR: Duration = Duration::days(30);

/// `POST /api/shares`.
pub(crate) async fn create(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
) -> Result<(StatusCode, Json<ShareCreated>), FhirError> {
    token.require_patient_themself()?;
    crate::summary::require_scopes(&token)?;
    let now = Utc::now();
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM share_code \
         WHERE patient_id = $1 AND revoked_at IS NULL AND expires_at > $2",
    )
    .bind(&token.patient_id)
    .bind(Time(now))
    .fetch_one(&state.db)
    .await?;
    if open >= OPEN_SHARES {
        return Err(FhirError::TooMany(
            "a patient may have 5 share codes open at once; end one, or wait a day",
        ));
    }
    let code = ShareCode::from_entropy(crate::random::bytes::<8>()?);
    let id = format!("sh-{:016x}", crate::random::u64()?);
    let expires = now + SHARE_LIFETIME;
    sqlx::query(
        "INSERT INTO share_code (id, code_hash, patient_id, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&id)
    .bind(hash_token(code.as_str()))
    .bind(&token.patient_id)
    .bind(Time(now))
    .bind(Time(expires))
    .execute(&state.db)
    .await?;
    tracing::info!("a share code was made");
    Ok((
        StatusCode::CREATED,
        Json(ShareCreated {
            id,
            code: code.grouped(),
            expires,
            link: format!("{}/share", crate::origin::origin(&headers)),
        }),
    ))
}

/// `GET /api/shares`.
pub(crate) async fn list(
    token: PatientToken,
    State(state): State<ServerState>,
) -> Result<Json<Vec<Share>>, FhirError> {
    token.require_patient_themself()?;
    crate::summary::require_scopes(&token)?;
    let since = Utc::now() - LISTED_FOR;
    type Row = (String, Time, Time, Option<Time>, Option<Time>);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, created_at, expires_at, revoked_at, opened_at FROM share_code \
         WHERE patient_id = $1 AND created_at > $2 ORDER BY created_at DESC, id",
    )
    .bind(&token.patient_id)
    .bind(Time(since))
    .fetch_all(&state.db)
    .await?;
    let views: Vec<(String, Time)> = sqlx::query_as(
        "SELECT v.share_id, v.viewed_at FROM share_view v JOIN share_code s ON s.id = v.share_id \
         WHERE s.patient_id = $1 AND s.created_at > $2 ORDER BY v.viewed_at",
    )
    .bind(&token.patient_id)
    .bind(Time(since))
    .fetch_all(&state.db)
    .await?;
    Ok(Json(
        rows.into_iter()
            .map(|(id, created, expires, revoked, opened)| Share {
                views: views
                    .iter()
                    .filter(|(share, _)| *share == id)
                    .map(|(_, at)| at.0)
                    .collect(),
                id,
                created: created.0,
                expires: expires.0,
                revoked: revoked.map(|t| t.0),
                opened: opened.map(|t| t.0),
            })
            .collect(),
    ))
}

/// `POST /api/shares/{id}/revoke`: ends the share, and the browser session it opened, now.
/// Ending one already over changes nothing.
pub(crate) async fn revoke(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<StatusCode, FhirError> {
    token.require_patient_themself()?;
    crate::summary::require_scopes(&token)?;
    let now = Utc::now();
    let ended = sqlx::query(
        "UPDATE share_code SET revoked_at = $1 \
         WHERE id = $2 AND patient_id = $3 AND revoked_at IS NULL AND expires_at > $1",
    )
    .bind(Time(now))
    .bind(&id)
    .bind(&token.patient_id)
    .execute(&state.db)
    .await?
    .rows_affected();
    if ended == 0 {
        let theirs: Option<(String,)> =
            sqlx::query_as("SELECT id FROM share_code WHERE id = $1 AND patient_id = $2")
                .bind(&id)
                .bind(&token.patient_id)
                .fetch_optional(&state.db)
                .await?;
        if theirs.is_none() {
            return Err(FhirError::NotFound);
        }
    } else {
        tracing::info!("a share code was ended");
    }
    Ok(StatusCode::NO_CONTENT)
}
