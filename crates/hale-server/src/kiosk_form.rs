//! The pre-visit form at the kiosk. Right after checking someone in, a kiosk may offer their
//! appointment's form: the check-in answer carries a grant for that one appointment, which the
//! kiosk sends back to read the form and to send the answers, once. The kiosk learns the form,
//! the clinic and the time, never who the patient is nor which appointment; the grant is kept as a hash, belongs to
//! the kiosk it was given to, lasts [`GRANT_LIFETIME`], and is spent by the response it carries.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use hale_domain::queue::FormGrant;
use hale_fhir::Resource;
use hale_hospital_json::arrival::{KioskForm, KIOSK_FORM_GRANT};
use sqlx::{AnyConnection, AnyPool};

use crate::auth::{hash_token, new_token, Audit, DeviceToken};
use crate::conditional::stored_by_identifier;
use crate::db::{begin_write, Time};
use crate::questionnaire::{assigned_form, received, store_response};
use crate::{FhirError, ServerState};

/// Long enough to fill a form in while waiting to be called; short enough that a grant left on
/// a kiosk is soon worth nothing.
pub(crate) const GRANT_LIFETIME: Duration = Duration::minutes(30);

/// A grant for `appointment`'s form, given to the kiosk `device_id` that has just checked its
/// patient in: `None` when the appointment has no form, its answers are already in, or the
/// patient is no longer waiting for the visit (checking in again after being seen).
pub(crate) async fn offer(
    db: &AnyPool,
    device_id: &str,
    appointment: &str,
    now: DateTime<Utc>,
) -> Result<Option<FormGrant>, FhirError> {
    let row: Option<(String, Option<String>, i64)> = sqlx::query_as(concat!(
        "SELECT a.patient_id, ",
        assigned_form!(),
        ", (SELECT COUNT(*) FROM questionnaire_response r WHERE r.appointment_id = a.id) \
         FROM appointment a JOIN slot s ON s.id = a.slot_id \
         JOIN schedule sc ON sc.id = s.schedule_id JOIN clinic c ON c.id = sc.clinic_id \
         WHERE a.id = $1 AND a.status = 'arrived'"
    ))
    .bind(appointment)
    .fetch_optional(db)
    .await?;
    let Some((patient, Some(form), 0)) = row else {
        return Ok(None);
    };
    let grant = new_token()?;
    let mut tx = begin_write(db).await?;
    // Spent and unspent alike, an expired grant opens nothing: dropped as new ones are made.
    sqlx::query("DELETE FROM kiosk_form_grant WHERE expires_at <= $1")
        .bind(Time(now))
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "INSERT INTO kiosk_form_grant (token_hash, device_id, appointment_id, patient_id, \
         questionnaire_id, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(hash_token(&grant))
    .bind(device_id)
    .bind(appointment)
    .bind(&patient)
    .bind(&form)
    .bind(Time(now + GRANT_LIFETIME))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Some(FormGrant::new(grant)))
}

/// What a live grant opens.
struct Grant {
    hash: String,
    appointment: String,
    patient: String,
    questionnaire: String,
    /// The response it was spent on.
    response: Option<String>,
}

/// The live grant in the request's header, given to this kiosk. Any other (unknown, expired,
/// another kiosk's) is not found: a kiosk cannot tell which.
async fn grant(
    conn: &mut AnyConnection,
    headers: &HeaderMap,
    kiosk: &DeviceToken,
    now: DateTime<Utc>,
) -> Result<Grant, FhirError> {
    let token = headers
        .get(KIOSK_FORM_GRANT)
        .and_then(|v| v.to_str().ok())
        .filter(|t| !t.is_empty() && t.len() <= 128)
        .ok_or_else(|| FhirError::Invalid(format!("the {KIOSK_FORM_GRANT} header is missing")))?;
    let hash = hash_token(token);
    let row: Option<(String, String, String, Option<String>)> = sqlx::query_as(
        "SELECT appointment_id, patient_id, questionnaire_id, response_id FROM kiosk_form_grant \
         WHERE token_hash = $1 AND device_id = $2 AND expires_at > $3",
    )
    .bind(&hash)
    .bind(&kiosk.device_id)
    .bind(Time(now))
    .fetch_optional(&mut *conn)
    .await?;
    let (appointment, patient, questionnaire, response) = row.ok_or(FhirError::NotFound)?;
    Ok(Grant {
        hash,
        appointment,
        patient,
        questionnaire,
        response,
    })
}

/// `GET /api/kiosk/form`: the form a grant is for, while it is not yet sent.
pub(crate) async fn read(
    kiosk: DeviceToken,
    audit: Audit,
    State(state): State<ServerState>,
    headers: HeaderMap,
) -> Result<Json<KioskForm<Resource>>, FhirError> {
    let mut conn = state.db.acquire().await?;
    let grant = grant(&mut conn, &headers, &kiosk, Utc::now()).await?;
    audit.patient(&grant.patient);
    if grant.response.is_some()
        || crate::questionnaire::answered(&mut conn, &grant.appointment).await?
    {
        return Err(FhirError::Conflict("this form was already sent".into()));
    }
    let (resource, service, start): (String, String, Time) = sqlx::query_as(
        "SELECT q.resource, c.name, s.start_at FROM questionnaire q, appointment a \
         JOIN slot s ON s.id = a.slot_id JOIN schedule sc ON sc.id = s.schedule_id \
         JOIN clinic c ON c.id = sc.clinic_id WHERE q.id = $1 AND a.id = $2",
    )
    .bind(&grant.questionnaire)
    .bind(&grant.appointment)
    .fetch_one(&mut *conn)
    .await?;
    let questionnaire = serde_json::from_str(&resource)
        .map_err(|e| FhirError::Internal(format!("a stored form is unreadable: {e}")))?;
    Ok(Json(KioskForm {
        service,
        start: start.0,
        questionnaire,
    }))
}

/// `POST /api/kiosk/form`: the answers, a QuestionnaireResponse that names no one, sent as a
/// conditional create on its key (`If-None-Exist`). Stored as the grant's patient's, for its
/// appointment: 201 once, 200 for the same key again, 409 for another response on a spent grant.
/// The kiosk gets no resource back: it would name the patient.
pub(crate) async fn answer(
    kiosk: DeviceToken,
    audit: Audit,
    State(state): State<ServerState>,
    headers: HeaderMap,
    Json(body): Json<Resource>,
) -> Result<Response, FhirError> {
    let mut sent = received(&headers, body)?;
    if sent.subject.is_some() || sent.appointment.is_some() {
        return Err(FhirError::Invalid(
            "a kiosk's answers name no one: the grant says whose they are".into(),
        ));
    }
    let mut tx = begin_write(&state.db).await?;
    let grant = grant(&mut tx, &headers, &kiosk, Utc::now()).await?;
    audit.patient(&grant.patient);
    if stored_by_identifier(
        &mut tx,
        "questionnaire_response",
        &grant.patient,
        &sent.system,
        &sent.key,
    )
    .await?
    .is_some()
    {
        tx.commit().await?;
        return Ok(StatusCode::OK.into_response());
    }
    // Spent by another response (answered meanwhile from the app, `store_response` refuses).
    if grant.response.is_some() {
        return Err(FhirError::Conflict("this form was already sent".into()));
    }
    sent.appointment = Some(grant.appointment.clone());
    let (id, _) = store_response(&mut tx, &grant.patient, &sent).await?;
    sqlx::query("UPDATE kiosk_form_grant SET response_id = $1 WHERE token_hash = $2")
        .bind(&id)
        .bind(&grant.hash)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    tracing::info!("kiosk form received");
    Ok(StatusCode::CREATED.into_response())
}
