//! Arrival: check-in (from the app or a kiosk), each clinic's queue, staff calling and finishing
//! visits, and the waiting times computed from them.
//!
//! Check-in marks the Appointment `arrived` and opens an Encounter (`arrived`) in one
//! transaction; a second check-in returns the same Encounter. The queue model and its estimates
//! are pure (`hale_domain::arrival`); this module only loads what they need. Every change to a
//! queue bumps [`ServerState::queue`], which wakes the live streams (`live.rs`).

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use hale_domain::arrival::{ClinicQueue, Queued};
use hale_domain::{AppointmentStatus, ArrivalRefusal, BookingReference};
use hale_fhir::Resource;
use hale_hospital_json::arrival::{
    CallNext, Called, ClinicWaitingTime, KioskCheckIn, KioskOutcome, QueueState, QueueStatus,
    WaitingTimes,
};
use sqlx::{Any, AnyConnection, AnyPool, Transaction};

use crate::auth::{Audit, DeviceToken, PatientToken};
use crate::db::begin_write;
use crate::db::Time;
use crate::encounter::encounter_row;
use crate::limits::Limit;
use crate::resource_response::resource_response;
use crate::{FhirError, ServerState};

/// Tells the live streams that a queue changed: this instance's at once, and other instances on
/// the same database through it. Called after the change committed; should the announcement
/// fail, the other instances' streams still catch up at their next periodic refresh.
pub(crate) async fn queue_changed(state: &ServerState) {
    state.queue.send_modify(|v| *v = v.wrapping_add(1));
    if let Err(e) = crate::db::announce(&state.db, crate::db::QUEUE_CHANNEL).await {
        tracing::warn!(error = %e, "queue change not announced to other instances");
    }
}

/// A clinic's queue as the pure model sees it.
/// On the caller's connection: inside a writing transaction, the queue it is about to change.
pub(crate) async fn clinic_queue(
    db: &mut AnyConnection,
    clinic: &str,
) -> Result<ClinicQueue, FhirError> {
    let waiting: Vec<(String, Time, Time)> = sqlx::query_as(
        "SELECT id, scheduled_at, arrived_at FROM encounter WHERE clinic_id = $1 AND status = 'arrived'",
    )
    .bind(clinic)
    .fetch_all(&mut *db)
    .await?;
    let finished: Vec<(Time, Time)> = sqlx::query_as(
        "SELECT called_at, finished_at FROM encounter WHERE clinic_id = $1 AND status = 'finished' \
         AND called_at IS NOT NULL ORDER BY finished_at DESC LIMIT $2",
    )
    .bind(clinic)
    .bind(hale_domain::arrival::RECENT_CONSULTATIONS as i64)
    .fetch_all(&mut *db)
    .await?;
    let clinicians: (i64,) =
        sqlx::query_as("SELECT COUNT(*) FROM practitioner WHERE clinic_id = $1")
            .bind(clinic)
            .fetch_one(&mut *db)
            .await?;
    let last_call: Option<(Time, Time)> = sqlx::query_as(
        "SELECT scheduled_at, called_at FROM encounter WHERE clinic_id = $1 AND called_at IS NOT NULL \
         ORDER BY called_at DESC LIMIT 1",
    )
    .bind(clinic)
    .fetch_optional(&mut *db)
    .await?;
    Ok(ClinicQueue {
        waiting: waiting
            .into_iter()
            .map(|(id, scheduled, arrived)| Queued {
                id,
                scheduled: scheduled.0,
                arrived: arrived.0,
            })
            .collect(),
        // Newest last, as the model expects.
        recent: finished
            .into_iter()
            .rev()
            .map(|(called, finished)| finished.0 - called.0)
            .collect(),
        clinicians: u32::try_from(clinicians.0).unwrap_or(1),
        last_call: last_call.map(|(scheduled, called)| (scheduled.0, called.0)),
    })
}

/// The waiting-times board at `now`.
pub(crate) async fn waiting_times(
    db: &AnyPool,
    now: DateTime<Utc>,
) -> Result<WaitingTimes, FhirError> {
    let clinics: Vec<(String, String, String)> =
        sqlx::query_as("SELECT id, name, location FROM clinic ORDER BY name")
            .fetch_all(db)
            .await?;
    let mut out = Vec::with_capacity(clinics.len());
    let mut conn = db.acquire().await?;
    for (clinic, name, location) in clinics {
        let summary = clinic_queue(&mut conn, &clinic).await?.summary(now);
        out.push(ClinicWaitingTime {
            clinic,
            name,
            location,
            waiting: u32::try_from(summary.waiting).unwrap_or(u32::MAX),
            estimate_minutes: round_up_minutes(summary.estimate),
            running_late_minutes: summary.running_late.num_minutes(),
        });
    }
    Ok(WaitingTimes {
        updated: now,
        clinics: out,
    })
}

/// Minutes, rounded up: "about 1 minute" rather than "0" while anyone is ahead.
fn round_up_minutes(d: Duration) -> i64 {
    (d.num_seconds() + 59).div_euclid(60).max(0)
}

/// Checks in appointment `id` in `tx`: marks it arrived and opens its encounter, or returns the
/// encounter a previous check-in opened. Refuses outside the arrival window.
async fn check_in(
    tx: &mut Transaction<'_, Any>,
    state: &ServerState,
    appointment: &str,
    source: &str,
    now: DateTime<Utc>,
) -> Result<(String, String), FhirError> {
    let row: Option<(String, Time, String)> = sqlx::query_as(
        "SELECT a.status, s.start_at, sc.clinic_id FROM appointment a JOIN slot s ON s.id = a.slot_id \
         JOIN schedule sc ON sc.id = s.schedule_id WHERE a.id = $1",
    )
    .bind(appointment)
    .fetch_optional(&mut **tx)
    .await?;
    let (status, start, clinic) = row.ok_or(FhirError::NotFound)?;
    let status = AppointmentStatus::from_fhir_code(&status)
        .ok_or_else(|| FhirError::Internal(format!("stored status '{status}'")))?;
    let existing: Option<(String,)> =
        sqlx::query_as("SELECT id FROM encounter WHERE appointment_id = $1")
            .bind(appointment)
            .fetch_optional(&mut **tx)
            .await?;
    if let Some((id,)) = existing {
        return Ok((id, clinic));
    }
    state.arrival.check(now, start.0, status)?;
    sqlx::query(
        "UPDATE appointment SET status = 'arrived', version_id = version_id + 1, \
         last_updated = $1 WHERE id = $2",
    )
    .bind(Time(now))
    .bind(appointment)
    .execute(&mut **tx)
    .await?;
    let id = format!("en-{:016x}", crate::random::u64()?);
    sqlx::query(
        "INSERT INTO encounter (id, appointment_id, clinic_id, scheduled_at, status, arrived_at, source) \
         VALUES ($1, $2, $3, $4, 'arrived', $5, $6)",
    )
    .bind(&id)
    .bind(appointment)
    .bind(&clinic)
    .bind(start)
    .bind(Time(now))
    .bind(source)
    .execute(&mut **tx)
    .await?;
    Ok((id, clinic))
}

/// `POST /fhir/Appointment/{id}/$check-in`: the patient checks in from the app. Answers with
/// the Encounter (201 when opened now, 200 when it already was).
pub(crate) async fn patient_check_in(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let now = Utc::now();
    let mut tx = begin_write(&state.db).await?;
    let owner: Option<(String,)> =
        sqlx::query_as("SELECT patient_id FROM appointment WHERE id = $1")
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?;
    // Another patient's appointment is "not found", so ids cannot be probed.
    match owner {
        Some((patient,)) if patient == token.patient_id => {}
        _ => return Err(FhirError::NotFound),
    }
    let already: Option<(String,)> =
        sqlx::query_as("SELECT id FROM encounter WHERE appointment_id = $1")
            .bind(&id)
            .fetch_optional(&mut *tx)
            .await?;
    let (encounter, _) = check_in(&mut tx, &state, &id, "app", now).await?;
    tx.commit().await?;
    queue_changed(&state).await;
    let row = encounter_row(&state.db, &encounter)
        .await?
        .ok_or(FhirError::NotFound)?;
    let status = if already.is_some() {
        StatusCode::OK
    } else {
        StatusCode::CREATED
    };
    Ok(resource_response(
        status,
        &Resource::Encounter(row.into_fhir()),
    ))
}

/// Where encounter `id` stands at `now`, for its patient.
pub(crate) async fn queue_status(
    db: &AnyPool,
    patient: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<QueueStatus, FhirError> {
    let row = encounter_row(db, id)
        .await?
        .filter(|r| r.patient_id.as_deref() == Some(patient))
        .ok_or(FhirError::NotFound)?;
    let (state, place) = match row.status.as_str() {
        "arrived" => {
            let place = clinic_queue(&mut *db.acquire().await?, &row.clinic_id)
                .await?
                .place(id, now);
            (QueueState::Waiting, place)
        }
        "in-progress" => (QueueState::Called, None),
        _ => (QueueState::Finished, None),
    };
    Ok(QueueStatus {
        encounter: row.id,
        appointment: row.appointment_id,
        state,
        clinic: row.clinic_name,
        location: row.location,
        position: place.map(|p| u32::try_from(p.position).unwrap_or(u32::MAX)),
        estimate_minutes: place.map(|p| round_up_minutes(p.estimate)),
        room: row.room,
        updated: now,
    })
}

/// `GET /api/queue/{encounter}`: the patient's place, estimate, or the room they are called to.
pub(crate) async fn get_queue_status(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<Json<QueueStatus>, FhirError> {
    Ok(Json(
        queue_status(&state.db, &token.patient_id, &id, Utc::now()).await?,
    ))
}

/// `GET /api/waiting-times`: every department's live estimate. Not patient data: no token.
pub(crate) async fn get_waiting_times(
    State(state): State<ServerState>,
) -> Result<Response, FhirError> {
    let json = board_json(&state).await?;
    Ok((
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json,
    )
        .into_response())
}

/// The board as JSON, from the cache while no queue changed: one request computes, the others
/// that missed wait for it rather than all reading the queues at once.
pub(crate) async fn board_json(state: &ServerState) -> Result<axum::body::Bytes, FhirError> {
    if let Some(json) = state.board.fresh(*state.queue.borrow()) {
        return Ok(json);
    }
    let _computing = state.board.computing.lock().await;
    let version = *state.queue.borrow();
    if let Some(json) = state.board.fresh(version) {
        return Ok(json);
    }
    let board = waiting_times(&state.db, Utc::now()).await?;
    let json = axum::body::Bytes::from(
        serde_json::to_vec(&board).map_err(|e| FhirError::Internal(e.to_string()))?,
    );
    state.board.store(version, json.clone());
    Ok(json)
}

/// How long a computed board is served while no queue changes: its estimates move with the
/// clock, a second at a time at most.
const BOARD_MAX_AGE: std::time::Duration = std::time::Duration::from_secs(1);

/// The waiting-times board as last computed, shared by every request for it. Computing it reads
/// every clinic's queue, and a hospital's screens and patients' apps ask far more often than
/// queues change: a board is reused until a queue changes (on this instance or, through the
/// database's announcements, another) or it is [`BOARD_MAX_AGE`] old.
#[derive(Debug, Default)]
pub(crate) struct BoardCache {
    current: std::sync::RwLock<Option<(u64, std::time::Instant, axum::body::Bytes)>>,
    computing: tokio::sync::Mutex<()>,
}

impl BoardCache {
    /// The board's JSON, if one was computed at queue version `version` less than
    /// [`BOARD_MAX_AGE`] ago.
    fn fresh(&self, version: u64) -> Option<axum::body::Bytes> {
        let current = self.current.read().unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .filter(|(v, at, _)| *v == version && at.elapsed() < BOARD_MAX_AGE)
            .map(|(_, _, json)| json.clone())
    }

    fn store(&self, version: u64, json: axum::body::Bytes) {
        *self.current.write().unwrap_or_else(|e| e.into_inner()) =
            Some((version, std::time::Instant::now(), json));
    }
}

/// Failed kiosk identifications allowed per window, per reference and per kiosk.
const PER_REFERENCE: Limit = Limit {
    kind: "ref",
    free: 5,
};
const PER_KIOSK: Limit = Limit {
    kind: "kiosk",
    free: 20,
};

/// `POST /api/kiosk/check-in`: a kiosk checks a patient in by booking reference and date of
/// birth. Every answer is an explicit outcome; too many failures answer 429.
pub(crate) async fn kiosk_check_in(
    token: DeviceToken,
    audit: Audit,
    State(state): State<ServerState>,
    Json(request): Json<KioskCheckIn>,
) -> Result<Response, FhirError> {
    let now = Utc::now();
    // Normalised, so "7k3m 9q2c" and "7K3M-9Q2C" count as one reference.
    let reference = request.reference.parse::<BookingReference>().ok();
    let key = reference
        .as_ref()
        .map(|r| r.compact().to_owned())
        .unwrap_or_else(|| request.reference.trim().to_uppercase());
    if key.chars().count() > crate::limits::MAX_VALUE_CHARS {
        return Err(FhirError::Invalid(
            "a booking reference has at most 128 characters".into(),
        ));
    }
    // Reserved before the lookup, so parallel guesses cannot pass the count together.
    let checks = [
        (PER_KIOSK, token.device_id.as_str()),
        (PER_REFERENCE, key.as_str()),
    ];
    if crate::limits::reserve(&state.db, &checks, now)
        .await?
        .is_err()
    {
        tracing::warn!("kiosk check-in rate-limited");
        return Ok((
            StatusCode::TOO_MANY_REQUESTS,
            Json(KioskOutcome::TooManyAttempts),
        )
            .into_response());
    }
    let matched: Option<(String, String)> = match &reference {
        Some(reference) => sqlx::query_as(
            "SELECT a.id, a.patient_id FROM appointment a JOIN patient p ON p.id = a.patient_id \
                 WHERE a.booking_reference = $1 AND p.birth_date = $2",
        )
        .bind(reference.compact())
        .bind(request.birth_date.trim())
        .fetch_optional(&state.db)
        .await?,
        None => None,
    };
    let Some((appointment, patient)) = matched else {
        tracing::info!("kiosk check-in not matched");
        return Ok(Json(KioskOutcome::NotMatched).into_response());
    };
    // A match is no guess: it counts against neither the kiosk nor the reference.
    crate::limits::refund(&state.db, &checks).await?;
    audit.patient(&patient);
    let mut tx = begin_write(&state.db).await?;
    let outcome = match check_in(&mut tx, &state, &appointment, "kiosk", now).await {
        Ok((encounter, clinic)) => {
            tx.commit().await?;
            queue_changed(&state).await;
            let queue = clinic_queue(&mut *state.db.acquire().await?, &clinic).await?;
            let place = queue.place(&encounter, now);
            let (name, location): (String, String) =
                sqlx::query_as("SELECT name, location FROM clinic WHERE id = $1")
                    .bind(&clinic)
                    .fetch_one(&state.db)
                    .await?;
            KioskOutcome::CheckedIn {
                clinic: name,
                location,
                position: place.map_or(0, |p| u32::try_from(p.position).unwrap_or(u32::MAX)),
                estimate_minutes: place.map_or(0, |p| round_up_minutes(p.estimate)),
                // The form is an offer: a check-in never fails for it.
                form_grant: crate::kiosk_form::offer(
                    &state.db,
                    &token.device_id,
                    &appointment,
                    now,
                )
                .await
                .unwrap_or_else(|error| {
                    tracing::warn!(%error, "no kiosk form offered");
                    None
                }),
            }
        }
        Err(FhirError::Arrival(refusal)) => KioskOutcome::SeeReception {
            reason: refusal.code().into(),
            opens: match refusal {
                ArrivalRefusal::TooEarly { opens } => Some(opens),
                _ => None,
            },
        },
        Err(other) => return Err(other),
    };
    tracing::info!("kiosk check-in answered");
    Ok(Json(outcome).into_response())
}

/// Names the patient of encounter `id` in the staff console's audit row.
async fn audit_encounter(state: &ServerState, audit: &Audit, id: &str) -> Result<(), FhirError> {
    if let Some(patient) = encounter_row(&state.db, id)
        .await?
        .and_then(|r| r.patient_id)
    {
        audit.patient(&patient);
    }
    Ok(())
}

/// Calls the next waiting patient of `clinic` to `room`, if anyone waits.
pub(crate) async fn call_next(
    state: &ServerState,
    clinic: &str,
    room: &str,
    now: DateTime<Utc>,
) -> Result<Option<String>, FhirError> {
    let mut tx = begin_write(&state.db).await?;
    let queue = clinic_queue(&mut tx, clinic).await?;
    let Some(next) = queue.in_order().first().map(|q| q.id.clone()) else {
        return Ok(None);
    };
    sqlx::query(
        "UPDATE encounter SET status = 'in-progress', called_at = $1, room = $2, \
         version_id = version_id + 1, last_updated = $1 WHERE id = $3 AND status = 'arrived'",
    )
    .bind(Time(now))
    .bind(room)
    .bind(&next)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    queue_changed(state).await;
    Ok(Some(next))
}

/// Finishes visit `id`; its appointment is fulfilled.
pub(crate) async fn finish(
    state: &ServerState,
    id: &str,
    now: DateTime<Utc>,
) -> Result<bool, FhirError> {
    let mut tx = begin_write(&state.db).await?;
    let done: Option<(Option<String>,)> = sqlx::query_as(
        "UPDATE encounter SET status = 'finished', finished_at = $1, \
         version_id = version_id + 1, last_updated = $1 WHERE id = $2 AND status = 'in-progress' \
         RETURNING appointment_id",
    )
    .bind(Time(now))
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((appointment,)) = done else {
        return Ok(false);
    };
    if let Some(appointment) = appointment {
        sqlx::query(
            "UPDATE appointment SET status = 'fulfilled', version_id = version_id + 1, \
             last_updated = $1 WHERE id = $2",
        )
        .bind(Time(now))
        .bind(appointment)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    queue_changed(state).await;
    Ok(true)
}

/// `POST /api/clinics/{clinic}/call-next` (staff): call the next patient to a room.
pub(crate) async fn staff_call_next(
    _token: DeviceToken,
    audit: Audit,
    State(state): State<ServerState>,
    Path(clinic): Path<String>,
    Json(request): Json<CallNext>,
) -> Result<Json<Called>, FhirError> {
    let room = request.room.trim();
    if room.is_empty() || room.len() > 40 {
        return Err(FhirError::Invalid("room must be 1 to 40 characters".into()));
    }
    let encounter = call_next(&state, &clinic, room, Utc::now())
        .await?
        .ok_or(FhirError::NotFound)?;
    audit_encounter(&state, &audit, &encounter).await?;
    Ok(Json(Called {
        encounter,
        room: room.to_owned(),
    }))
}

/// `POST /api/encounters/{id}/finish` (staff): the visit is over.
pub(crate) async fn staff_finish(
    _token: DeviceToken,
    audit: Audit,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<StatusCode, FhirError> {
    if finish(&state, &id, Utc::now()).await? {
        audit_encounter(&state, &audit, &id).await?;
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(FhirError::NotFound)
    }
}
