//! Invitations: the patient chooses what a helper may see and do and gets a one-time code; the
//! helper, signed in with their own account, gives the code and the patient's date of birth.
//! The code is stored hashed, works once and for a day, and wrong codes are limited per account
//! as passwords are.

use axum::extract::State;
use axum::http::StatusCode;
use axum::Json;
use chrono::{NaiveDate, Utc};
use hale_domain::care_circle::age::{age_on, ADULT_AGE};
use hale_domain::care_circle::{
    CareCircleRefusal, InvitationCode, Permission, Permissions, INVITATION_LIFETIME,
};
use hale_hospital_json::care_circle::{
    AcceptInvitation, CircleMember, Invitation, InvitationRequest,
};

use super::grants::{self, Side};
use crate::auth::{hash_token, PatientToken};
use crate::db::Time;
use crate::limits::Limit;
use crate::{FhirError, ServerState};

/// Wrong invitation codes (or dates of birth) one account may try before waits begin.
const PER_ACCOUNT: Limit = Limit {
    kind: "invitation",
    free: 5,
};

/// Codes a patient may have waiting at once: a code is anybody's who holds it.
const OPEN_INVITATIONS: i64 = 5;

/// `POST /api/care-circle/invitations`.
pub(crate) async fn invite(
    token: PatientToken,
    State(state): State<ServerState>,
    Json(request): Json<InvitationRequest>,
) -> Result<(StatusCode, Json<Invitation>), FhirError> {
    token.require_patient_themself()?;
    let mut permissions = Permissions::NONE;
    for code in &request.permissions {
        let p = Permission::from_code(code).ok_or_else(|| {
            FhirError::Invalid(format!("'{code}' is not a care circle permission"))
        })?;
        permissions = permissions.with(p);
    }
    if permissions == Permissions::NONE {
        return Err(CareCircleRefusal::NothingChosen.into());
    }
    let now = Utc::now();
    let born = birth_date(&state, &token.patient_id).await?;
    if age_on(born, grants::today(&state, now)) < ADULT_AGE {
        return Err(CareCircleRefusal::MinorCannotInvite.into());
    }
    let open: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM care_invitation \
         WHERE patient_id = $1 AND accepted_at IS NULL AND expires_at > $2",
    )
    .bind(&token.patient_id)
    .bind(Time(now))
    .fetch_one(&state.db)
    .await?;
    if open >= OPEN_INVITATIONS {
        return Err(FhirError::TooMany(
            "a patient may have 5 invitations open at once; they end after a day",
        ));
    }
    let code = InvitationCode::from_entropy(crate::random::bytes::<8>()?);
    let expires = now + INVITATION_LIFETIME;
    sqlx::query(
        "INSERT INTO care_invitation (code_hash, patient_id, permissions, created_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(hash_token(code.as_str()))
    .bind(&token.patient_id)
    .bind(grants::permission_codes(permissions).join(" "))
    .bind(Time(now))
    .bind(Time(expires))
    .execute(&state.db)
    .await?;
    Ok((
        StatusCode::CREATED,
        Json(Invitation {
            code: code.grouped(),
            expires,
            permissions: grants::permission_codes(permissions),
        }),
    ))
}

async fn birth_date(state: &ServerState, patient: &str) -> Result<NaiveDate, FhirError> {
    let born: String = sqlx::query_scalar("SELECT birth_date FROM patient WHERE id = $1")
        .bind(patient)
        .fetch_one(&state.db)
        .await?;
    born.parse()
        .map_err(|_| FhirError::Internal("a stored birth date is not a date".into()))
}

/// `POST /api/care-circle/invitations/accept`.
pub(crate) async fn accept(
    token: PatientToken,
    State(state): State<ServerState>,
    Json(request): Json<AcceptInvitation>,
) -> Result<(StatusCode, Json<CircleMember>), FhirError> {
    token.require_patient_themself()?;
    let person = token.patient_id.clone();
    let now = Utc::now();
    let limit = [(PER_ACCOUNT, person.as_str())];
    if crate::limits::reserve(&state.db, &limit, now)
        .await?
        .is_err()
    {
        return Err(FhirError::TooMany(
            "too many invitation codes tried; please wait and try again",
        ));
    }
    let code = InvitationCode::parse(&request.code)?;
    let mut tx = crate::db::begin_write(&state.db).await?;
    let found: Option<(String, String, Time, Option<Time>, String)> = sqlx::query_as(
        "SELECT i.patient_id, i.permissions, i.expires_at, i.accepted_at, p.birth_date \
         FROM care_invitation i JOIN patient p ON p.id = i.patient_id WHERE i.code_hash = $1",
    )
    .bind(hash_token(code.as_str()))
    .fetch_optional(&mut *tx)
    .await?;
    // Unknown, used, expired and a wrong date of birth are one answer: a guesser learns nothing.
    let Some((patient, permissions, expires, None, born)) = found else {
        return Err(CareCircleRefusal::InvitationInvalid.into());
    };
    if expires.0 <= now || born != request.birth_date.to_string() {
        return Err(CareCircleRefusal::InvitationInvalid.into());
    }
    if patient == person {
        return Err(CareCircleRefusal::InviteYourself.into());
    }
    let existing: Option<(String,)> =
        sqlx::query_as("SELECT id FROM related_person WHERE patient_id = $1 AND person_id = $2")
            .bind(&patient)
            .bind(&person)
            .fetch_optional(&mut *tx)
            .await?;
    let related_person = match existing {
        Some((id,)) => {
            if let Some(live) = grants::for_helper(&mut tx, &id).await? {
                let in_force = live.grant.in_force(now, grants::today(&state, now)).is_ok();
                if in_force {
                    return Err(CareCircleRefusal::AlreadyHelping.into());
                }
                // An ended grant gives way to the new one; it stays, as it ended, as the record.
                sqlx::query(
                    "UPDATE consent SET superseded_at = $1 WHERE id = $2 \
                     AND revoked_at IS NULL AND superseded_at IS NULL",
                )
                .bind(Time(now))
                .bind(&live.consent_id)
                .execute(&mut *tx)
                .await?;
            }
            id
        }
        None => {
            let id = format!("rp-{:016x}", crate::random::u64()?);
            sqlx::query(
                "INSERT INTO related_person (id, patient_id, person_id, created_at) \
                 VALUES ($1, $2, $3, $4)",
            )
            .bind(&id)
            .bind(&patient)
            .bind(&person)
            .bind(Time(now))
            .execute(&mut *tx)
            .await?;
            id
        }
    };
    let consent = format!("cn-{:016x}", crate::random::u64()?);
    sqlx::query(
        "INSERT INTO consent (id, related_person_id, patient_id, permissions, basis, starts_at, \
         ends_at, created_at) VALUES ($1, $2, $3, $4, 'invited', $5, $6, $5)",
    )
    .bind(&consent)
    .bind(&related_person)
    .bind(&patient)
    .bind(&permissions)
    .bind(Time(now))
    .bind(Time(now + state.helper_period))
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE care_invitation SET accepted_at = $1, consent_id = $2 WHERE code_hash = $3",
    )
    .bind(Time(now))
    .bind(&consent)
    .bind(hash_token(code.as_str()))
    .execute(&mut *tx)
    .await?;
    let held = grants::for_helper(&mut tx, &related_person)
        .await?
        .ok_or_else(|| FhirError::Internal("a new consent vanished".into()))?;
    tx.commit().await?;
    crate::limits::clear(&state.db, &limit).await?;
    tracing::info!("a care circle invitation was accepted");
    Ok((
        StatusCode::CREATED,
        Json(super::member(&state, &held, Side::Helper, now)),
    ))
}
