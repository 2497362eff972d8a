//! What booking, the waitlist and the demo seed share about appointments: creating one, reading
//! its current state, the patient's other live appointments, and the answer that shows one.

use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, Utc};
use hale_domain::{AppointmentStatus, BookingReference, Span};
use hale_fhir::Resource;
use sqlx::{Any, Transaction};

use crate::auth::PatientToken;
use crate::db::Time;
use crate::fhir::load_appointment;
use crate::resource_response::resource_response;
use crate::{FhirError, ServerState};

/// The spans of the patient's live appointments, but `except` (the one being moved).
pub(crate) async fn live_spans(
    tx: &mut Transaction<'_, Any>,
    patient: &str,
    except: Option<&str>,
) -> Result<Vec<Span>, FhirError> {
    let rows: Vec<(Time, Time)> = sqlx::query_as(
        "SELECT s.start_at, s.end_at FROM appointment a JOIN slot s ON s.id = a.slot_id \
         WHERE a.patient_id = $1 AND a.status IN ('booked', 'pending', 'proposed', 'arrived', 'checked-in') \
         AND a.id <> $2",
    )
    .bind(patient)
    .bind(except.unwrap_or(""))
    .fetch_all(&mut **tx)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(start, end)| Span {
            start: start.0,
            end: end.0,
        })
        .collect())
}

/// The appointment as the patient sees it, answered with `status` (and its location when created).
pub(crate) async fn appointment_response(
    state: &ServerState,
    token: &PatientToken,
    id: &str,
    status: StatusCode,
) -> Result<Response, FhirError> {
    let appointment = load_appointment(state, &token.patient_id, id)
        .await?
        .ok_or(FhirError::NotFound)?;
    Ok(resource_response(
        status,
        &Resource::Appointment(appointment),
    ))
}

/// Writes a new appointment with a fresh id and booking reference; the one place appointments
/// are created (bookings and the demo seed). The caller has already claimed the slot.
pub(crate) async fn insert_appointment(
    tx: &mut Transaction<'_, Any>,
    patient: &str,
    slot: &str,
    status: &str,
    request_id: Option<&str>,
    now: DateTime<Utc>,
) -> Result<String, FhirError> {
    let id = format!("ap-{:016x}", crate::random::u64()?);
    let reference = BookingReference::from_entropy(crate::random::u64()?);
    sqlx::query(
        "INSERT INTO appointment (id, patient_id, slot_id, status, booking_reference, created_at, request_id) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(&id)
    .bind(patient)
    .bind(slot)
    .bind(status)
    .bind(reference.compact())
    .bind(Time(now))
    .bind(request_id)
    .execute(&mut **tx)
    .await?;
    Ok(id)
}

/// The appointment's current slot, start and status, if it is the patient's.
pub(crate) async fn current(
    tx: &mut Transaction<'_, Any>,
    patient: &str,
    id: &str,
) -> Result<(String, DateTime<Utc>, AppointmentStatus), FhirError> {
    let row: Option<(String, Time, String)> = sqlx::query_as(
        "SELECT a.slot_id, s.start_at, a.status FROM appointment a JOIN slot s ON s.id = a.slot_id \
         WHERE a.id = $1 AND a.patient_id = $2",
    )
    .bind(id)
    .bind(patient)
    .fetch_optional(&mut **tx)
    .await?;
    let (slot, start, status) = row.ok_or(FhirError::NotFound)?;
    let status = AppointmentStatus::from_fhir_code(&status)
        .ok_or_else(|| FhirError::Internal(format!("stored status '{status}'")))?;
    Ok((slot, start.0, status))
}
