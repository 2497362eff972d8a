//! Booking, cancelling and rescheduling appointments.
//!
//! Every change runs in one writing transaction ([`crate::db::begin_write`]): it takes the
//! database's write lock, across every server instance, before it reads, so the rules are checked against data no other booking can change underneath. The
//! slot is claimed with a conditional update (`… WHERE status = 'free'`), and the schema's
//! partial unique index refuses a second live appointment in a slot even if code were wrong.
//! A booking may carry a client-chosen request id: repeating the request returns the first
//! result instead of booking twice. Likewise a cancel of a cancelled appointment, or a move to
//! the slot the appointment already holds, answers with the appointment as it is: that is what
//! a retry after a lost answer looks like, and it must not tell the patient it failed.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Json;
use chrono::Utc;
use hale_domain::{AppointmentStatus, Refusal, Span};
use hale_fhir::{Appointment, Parameters, Resource, REQUEST_ID_SYSTEM};
use sqlx::{Any, Transaction};

use crate::appointments::{appointment_response, current, insert_appointment, live_spans};
use crate::auth::PatientToken;
use crate::db::begin_write;
use crate::db::Time;
use crate::{FhirError, ServerState};

/// Claims a free slot, or says why not: no such slot (404) or already taken (409).
async fn claim_slot(tx: &mut Transaction<'_, Any>, slot: &str) -> Result<Span, FhirError> {
    let claimed: Option<(Time, Time)> = sqlx::query_as(
        "UPDATE slot SET status = 'busy' WHERE id = $1 AND status = 'free' RETURNING start_at, end_at",
    )
    .bind(slot)
    .fetch_optional(&mut **tx)
    .await?;
    if let Some((start, end)) = claimed {
        return Ok(Span {
            start: start.0,
            end: end.0,
        });
    }
    let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM slot WHERE id = $1")
        .bind(slot)
        .fetch_optional(&mut **tx)
        .await?;
    match exists {
        Some(_) => Err(Refusal::SlotTaken.into()),
        None => Err(FhirError::Invalid(format!("there is no slot '{slot}'"))),
    }
}

async fn existing_request(
    state: &ServerState,
    patient: &str,
    request_id: &str,
) -> Result<Option<String>, FhirError> {
    let id: Option<(String,)> =
        sqlx::query_as("SELECT id FROM appointment WHERE patient_id = $1 AND request_id = $2")
            .bind(patient)
            .bind(request_id)
            .fetch_optional(&state.db)
            .await?;
    Ok(id.map(|(id,)| id))
}

/// `POST /fhir/Appointment`: book the slot named in `slot[0]` for the token's patient. The
/// request id (an identifier of the `REQUEST_ID_SYSTEM`) makes a retry answer the first
/// booking; a conditional create (`If-None-Exist`) may name only that identifier.
pub(crate) async fn create_appointment(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: axum::http::HeaderMap,
    Json(body): Json<Resource>,
) -> Result<Response, FhirError> {
    let Resource::Appointment(request) = body else {
        return Err(FhirError::Invalid("the body must be an Appointment".into()));
    };
    let slot = booking_slot(&request, &token)?;
    let request_id = request
        .identifier
        .iter()
        .find(|i| i.system.as_deref() == Some(REQUEST_ID_SYSTEM))
        .and_then(|i| i.value.clone());
    if request_id
        .as_ref()
        .is_some_and(|r| r.len() > crate::conditional::MAX_IDENTIFIER)
    {
        return Err(FhirError::Invalid(format!(
            "a request id has at most {} characters",
            crate::conditional::MAX_IDENTIFIER
        )));
    }
    if let Some(condition) = crate::conditional::if_none_exist(&headers) {
        let (system, value) = crate::conditional::condition_identifier(&condition)?;
        if system != REQUEST_ID_SYSTEM || request_id.as_deref() != Some(value.as_str()) {
            return Err(FhirError::Invalid(format!(
                "a booking's condition must be identifier={REQUEST_ID_SYSTEM}|(its request id)"
            )));
        }
    }
    if let Some(request_id) = &request_id {
        if let Some(id) = existing_request(&state, &token.patient_id, request_id).await? {
            return appointment_response(&state, &token, &id, StatusCode::OK).await;
        }
    }
    match book(&state, &token, &slot, request_id.as_deref()).await {
        Ok(id) => appointment_response(&state, &token, &id, StatusCode::CREATED).await,
        // The same request may have won the race in another connection: answer with its result.
        Err(e) => match &request_id {
            Some(request_id) => {
                match existing_request(&state, &token.patient_id, request_id).await? {
                    Some(id) => appointment_response(&state, &token, &id, StatusCode::OK).await,
                    None => Err(e),
                }
            }
            None => Err(e),
        },
    }
}

fn booking_slot(request: &Appointment, token: &PatientToken) -> Result<String, FhirError> {
    for participant in &request.participant {
        if let Some(patient) = participant.actor.as_ref().and_then(|a| a.id_of("Patient")) {
            token.require_patient(patient)?;
        }
    }
    match request.slot.as_slice() {
        [one] => one
            .id_of("Slot")
            .map(str::to_owned)
            .ok_or_else(|| FhirError::Invalid("slot must reference a Slot".into())),
        _ => Err(FhirError::Invalid(
            "an Appointment to book names exactly one slot".into(),
        )),
    }
}

async fn book(
    state: &ServerState,
    token: &PatientToken,
    slot: &str,
    request_id: Option<&str>,
) -> Result<String, FhirError> {
    let mut tx = begin_write(&state.db).await?;
    let span = claim_slot(&mut tx, slot).await?;
    let others = live_spans(&mut tx, &token.patient_id, None).await?;
    // Dropping the transaction on a refusal rolls the claim back.
    state.rules.check_booking(Utc::now(), span, &others)?;
    let id = insert_appointment(
        &mut tx,
        &token.patient_id,
        slot,
        "booked",
        request_id,
        Utc::now(),
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// `POST /fhir/Appointment/{id}/$cancel`: cancels and frees the slot.
pub(crate) async fn cancel_appointment(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let mut tx = begin_write(&state.db).await?;
    let (slot, start, status) = current(&mut tx, &token.patient_id, &id).await?;
    if status == AppointmentStatus::Cancelled {
        // A repeat (the app's first answer was lost): the appointment is what was asked for.
        drop(tx);
        return appointment_response(&state, &token, &id, StatusCode::OK).await;
    }
    let now = Utc::now();
    state.rules.check_change(now, start, status)?;
    sqlx::query(
        "UPDATE appointment SET status = 'cancelled', version_id = version_id + 1, \
         last_updated = $1 WHERE id = $2",
    )
    .bind(Time(now))
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    crate::waitlist::withdraw_appointment(&mut tx, &state, &id, now).await?;
    crate::waitlist::release_slot(&mut tx, &state, &slot, now).await?;
    tx.commit().await?;
    appointment_response(&state, &token, &id, StatusCode::OK).await
}

/// `POST /fhir/Appointment/{id}/$reschedule` with a `slot` parameter: one atomic step that
/// takes the new slot and frees the old, or changes nothing.
pub(crate) async fn reschedule_appointment(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
    Json(body): Json<Resource>,
) -> Result<Response, FhirError> {
    let Resource::Parameters(parameters) = body else {
        return Err(FhirError::Invalid("the body must be Parameters".into()));
    };
    let new_slot = new_slot(&parameters)?;
    let mut tx = begin_write(&state.db).await?;
    let (old_slot, start, status) = current(&mut tx, &token.patient_id, &id).await?;
    let changeable = matches!(
        status,
        AppointmentStatus::Booked | AppointmentStatus::Pending | AppointmentStatus::Proposed
    );
    if old_slot == new_slot && changeable {
        // A repeat of a move already made (its answer was lost): nothing left to do.
        drop(tx);
        return appointment_response(&state, &token, &id, StatusCode::OK).await;
    }
    state.rules.check_change(Utc::now(), start, status)?;
    let span = claim_slot(&mut tx, &new_slot).await?;
    let others = live_spans(&mut tx, &token.patient_id, Some(&id)).await?;
    state
        .rules
        .check_reschedule(Utc::now(), start, status, span, &others)?;
    sqlx::query(
        "UPDATE appointment SET slot_id = $1, version_id = version_id + 1, last_updated = $2 \
         WHERE id = $3",
    )
    .bind(&new_slot)
    .bind(Time(Utc::now()))
    .bind(&id)
    .execute(&mut *tx)
    .await?;
    crate::waitlist::release_slot(&mut tx, &state, &old_slot, Utc::now()).await?;
    tx.commit().await?;
    appointment_response(&state, &token, &id, StatusCode::OK).await
}

fn new_slot(parameters: &Parameters) -> Result<String, FhirError> {
    parameters
        .reference("slot")
        .and_then(|r| r.id_of("Slot"))
        .map(str::to_owned)
        .ok_or_else(|| {
            FhirError::Invalid("a 'slot' parameter referencing a Slot is required".into())
        })
}
