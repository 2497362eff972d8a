//! The earlier-slot waitlist (`/api/waitlist`, Hale JSON beside FHIR; see docs/hospital-api.md).
//!
//! Every freed slot goes through [`release_slot`], in the transaction that frees it: the slot is
//! set free and, if a waiting patient fits (`hale_domain::WaitlistPolicy::first_fit`), held for
//! them at once as `busy-tentative` with an offer that expires. Declining, expiry and accepting
//! (which frees the accepted patient's old slot) all release slots the same way, so offers chain
//! from one patient to the next without a scheduler of their own. Expiry is applied by a
//! sweeper task every second and before every waitlist read.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use hale_domain::{AppointmentStatus, Refusal, Span, Waiting};
use hale_hospital_json::waitlist::{JoinWaitlist, WaitlistEntry, WaitlistOffer, WaitlistStatus};
use sqlx::{Any, AnyPool, Transaction};

use crate::appointments::{appointment_response, current, live_spans};
use crate::auth::PatientToken;
use crate::db::begin_write;
use crate::db::Time;
use crate::{FhirError, ServerState};

/// Frees `slot` and offers it to the first waiting patient it fits, if any.
pub(crate) async fn release_slot(
    tx: &mut Transaction<'_, Any>,
    state: &ServerState,
    slot: &str,
    now: DateTime<Utc>,
) -> Result<(), FhirError> {
    let freed: Option<(Time, Time, String)> = sqlx::query_as(
        "UPDATE slot SET status = 'free' WHERE id = $1 \
         RETURNING start_at, end_at, (SELECT clinic_id FROM schedule WHERE id = slot.schedule_id)",
    )
    .bind(slot)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((start, end, clinic)) = freed else {
        return Ok(());
    };
    let freed = Span {
        start: start.0,
        end: end.0,
    };
    if freed.start < now + state.waitlist.min_notice {
        return Ok(());
    }
    // Waiting entries for the same clinic with no open offer that have not had this slot before.
    type Row = (String, Time, Time, Time, String, String, String);
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT w.id, w.created_at, w.not_before, s.start_at, a.status, a.patient_id, a.id \
         FROM waitlist_entry w JOIN appointment a ON a.id = w.appointment_id \
         JOIN slot s ON s.id = a.slot_id JOIN schedule sc ON sc.id = s.schedule_id \
         WHERE w.status = 'waiting' AND sc.clinic_id = $1 AND s.start_at > $2 \
         AND NOT EXISTS (SELECT 1 FROM waitlist_offer o WHERE o.entry_id = w.id \
                         AND (o.status = 'open' OR o.slot_id = $3)) \
         ORDER BY w.created_at, w.id",
    )
    .bind(&clinic)
    .bind(Time(freed.start))
    .bind(slot)
    .fetch_all(&mut **tx)
    .await?;
    let mut waiting = Vec::with_capacity(rows.len());
    for (entry, since, not_before, current_start, status, patient, appointment) in rows {
        let Some(current_status) = AppointmentStatus::from_fhir_code(&status) else {
            continue;
        };
        waiting.push(Waiting {
            entry,
            since: since.0,
            current_start: current_start.0,
            current_status,
            not_before: not_before.0,
            others: live_spans(tx, &patient, Some(&appointment)).await?,
        });
    }
    let Some(chosen) = state.waitlist.first_fit(&state.rules, now, freed, &waiting) else {
        return Ok(());
    };
    sqlx::query("UPDATE slot SET status = 'busy-tentative' WHERE id = $1 AND status = 'free'")
        .bind(slot)
        .execute(&mut **tx)
        .await?;
    sqlx::query(
        "INSERT INTO waitlist_offer (id, entry_id, slot_id, offered_at, expires_at, status) \
         VALUES ($1, $2, $3, $4, $5, 'open')",
    )
    .bind(format!("of-{:016x}", crate::random::u64()?))
    .bind(&chosen.entry)
    .bind(slot)
    .bind(Time(now))
    .bind(Time(now + state.waitlist.hold))
    .execute(&mut **tx)
    .await?;
    tracing::info!("waitlist offer made");
    Ok(())
}

/// Ends the open offers of `entry` (withdrawn) and releases their slots.
async fn withdraw_offers(
    tx: &mut Transaction<'_, Any>,
    state: &ServerState,
    entry: &str,
    now: DateTime<Utc>,
) -> Result<(), FhirError> {
    let slots: Vec<(String,)> = sqlx::query_as(
        "UPDATE waitlist_offer SET status = 'withdrawn' WHERE entry_id = $1 AND status = 'open' \
         RETURNING slot_id",
    )
    .bind(entry)
    .fetch_all(&mut **tx)
    .await?;
    for (slot,) in slots {
        release_slot(tx, state, &slot, now).await?;
    }
    Ok(())
}

/// Takes appointment `id` off the waitlist (it was cancelled), releasing any slot held for it.
pub(crate) async fn withdraw_appointment(
    tx: &mut Transaction<'_, Any>,
    state: &ServerState,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(), FhirError> {
    let entries: Vec<(String,)> = sqlx::query_as(
        "UPDATE waitlist_entry SET status = 'withdrawn' WHERE appointment_id = $1 AND status = 'waiting' \
         RETURNING id",
    )
    .bind(id)
    .fetch_all(&mut **tx)
    .await?;
    for (entry,) in entries {
        withdraw_offers(tx, state, &entry, now).await?;
    }
    Ok(())
}

/// Expires the offers whose hold ran out and passes their slots on. Returns how many expired.
pub(crate) async fn expire_offers(
    state: &ServerState,
    now: DateTime<Utc>,
) -> Result<usize, FhirError> {
    let due: Option<(i64,)> = sqlx::query_as(
        "SELECT 1 FROM waitlist_offer WHERE status = 'open' AND expires_at <= $1 LIMIT 1",
    )
    .bind(Time(now))
    .fetch_optional(&state.db)
    .await?;
    if due.is_none() {
        // The common case takes no write lock.
        return Ok(0);
    }
    let mut tx = begin_write(&state.db).await?;
    let expired: Vec<(String,)> = sqlx::query_as(
        "UPDATE waitlist_offer SET status = 'expired' WHERE status = 'open' AND expires_at <= $1 \
         RETURNING slot_id",
    )
    .bind(Time(now))
    .fetch_all(&mut *tx)
    .await?;
    for (slot,) in &expired {
        release_slot(&mut tx, state, slot, now).await?;
    }
    tx.commit().await?;
    if !expired.is_empty() {
        tracing::info!(count = expired.len(), "waitlist offers expired");
    }
    Ok(expired.len())
}

/// Runs [`expire_offers`] every second until the task is aborted.
pub(crate) async fn sweep_forever(state: ServerState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1));
    let mut tick_count: u64 = 1;
    loop {
        tick.tick().await;
        if let Err(error) = expire_offers(&state, Utc::now()).await {
            tracing::warn!(%error, "waitlist sweep failed");
        }
        // The attempt counts' expired rows go with the same tick, a minute apart.
        if tick_count.is_multiple_of(60) {
            if let Err(error) = crate::limits::prune(&state.db, Utc::now()).await {
                tracing::warn!(%error, "attempt limits not pruned");
            }
        }
        tick_count = tick_count.wrapping_add(1);
    }
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: String,
    appointment_id: String,
    not_before: Time,
    created_at: Time,
    status: String,
    offer_id: Option<String>,
    slot_id: Option<String>,
    start_at: Option<Time>,
    end_at: Option<Time>,
    expires_at: Option<Time>,
    service: Option<String>,
    clinician: Option<String>,
    location: Option<String>,
}

impl EntryRow {
    fn into_json(self) -> Result<WaitlistEntry, FhirError> {
        let status = WaitlistStatus::from_code(&self.status)
            .ok_or_else(|| FhirError::Internal(format!("waitlist status '{}'", self.status)))?;
        let offer = match (
            self.offer_id,
            self.slot_id,
            self.start_at,
            self.end_at,
            self.expires_at,
        ) {
            (Some(id), Some(slot), Some(start), Some(end), Some(expires)) => Some(WaitlistOffer {
                id,
                slot,
                start: start.0,
                end: end.0,
                service: self.service.unwrap_or_default(),
                clinician: self.clinician,
                location: self.location,
                expires: expires.0,
            }),
            _ => None,
        };
        Ok(WaitlistEntry {
            id: self.id,
            appointment: self.appointment_id,
            not_before: self.not_before.0,
            created: self.created_at.0,
            status,
            offer,
        })
    }
}

const ENTRY_SELECT: &str = "SELECT w.id, w.appointment_id, w.not_before, w.created_at, w.status, \
    o.id AS offer_id, o.slot_id, s.start_at, s.end_at, o.expires_at, \
    c.name AS service, pr.name AS clinician, c.location \
    FROM waitlist_entry w JOIN appointment a ON a.id = w.appointment_id \
    LEFT JOIN waitlist_offer o ON o.entry_id = w.id AND o.status = 'open' \
    LEFT JOIN slot s ON s.id = o.slot_id LEFT JOIN schedule sc ON sc.id = s.schedule_id \
    LEFT JOIN clinic c ON c.id = sc.clinic_id LEFT JOIN practitioner pr ON pr.id = sc.practitioner_id";

async fn entries(db: &AnyPool, patient: &str) -> Result<Vec<WaitlistEntry>, FhirError> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "{ENTRY_SELECT} WHERE a.patient_id = $1 AND w.status = 'waiting' ORDER BY w.created_at, w.id"
    ))
    .bind(patient)
    .fetch_all(db)
    .await?;
    rows.into_iter().map(EntryRow::into_json).collect()
}

async fn entry(db: &AnyPool, id: &str) -> Result<WaitlistEntry, FhirError> {
    let row: Option<EntryRow> = sqlx::query_as(&format!("{ENTRY_SELECT} WHERE w.id = $1"))
        .bind(id)
        .fetch_optional(db)
        .await?;
    row.ok_or(FhirError::NotFound)?.into_json()
}

/// `GET /api/waitlist`: the patient's waiting entries, each with its open offer.
pub(crate) async fn list(
    token: PatientToken,
    State(state): State<ServerState>,
) -> Result<Json<Vec<WaitlistEntry>>, FhirError> {
    expire_offers(&state, Utc::now()).await?;
    Ok(Json(entries(&state.db, &token.patient_id).await?))
}

/// `POST /api/waitlist`: wait for an earlier time for a booked appointment. Asking again for the
/// same appointment returns the entry already there (200) instead of a second one (201).
pub(crate) async fn join(
    token: PatientToken,
    State(state): State<ServerState>,
    Json(body): Json<JoinWaitlist>,
) -> Result<Response, FhirError> {
    let now = Utc::now();
    let mut tx = begin_write(&state.db).await?;
    let (_, start, status) = current(&mut tx, &token.patient_id, &body.appointment).await?;
    state.rules.check_change(now, start, status)?;
    let existing: Option<(String,)> = sqlx::query_as(
        "SELECT id FROM waitlist_entry WHERE appointment_id = $1 AND status = 'waiting'",
    )
    .bind(&body.appointment)
    .fetch_optional(&mut *tx)
    .await?;
    let (id, code) = match existing {
        Some((id,)) => (id, StatusCode::OK),
        None => {
            let not_before = body.not_before.unwrap_or(now).max(now);
            if not_before >= start {
                return Err(FhirError::Invalid(
                    "not_before must be earlier than the appointment".into(),
                ));
            }
            let id = format!("wl-{:016x}", crate::random::u64()?);
            sqlx::query(
                "INSERT INTO waitlist_entry (id, appointment_id, not_before, created_at, status) \
                 VALUES ($1, $2, $3, $4, 'waiting')",
            )
            .bind(&id)
            .bind(&body.appointment)
            .bind(Time(not_before))
            .bind(Time(now))
            .execute(&mut *tx)
            .await?;
            (id, StatusCode::CREATED)
        }
    };
    tx.commit().await?;
    Ok((code, Json(entry(&state.db, &id).await?)).into_response())
}

/// The entry `id` if it is the patient's and waiting.
async fn own_entry(
    tx: &mut Transaction<'_, Any>,
    patient: &str,
    id: &str,
) -> Result<(), FhirError> {
    let found: Option<(String,)> = sqlx::query_as(
        "SELECT w.id FROM waitlist_entry w JOIN appointment a ON a.id = w.appointment_id \
         WHERE w.id = $1 AND a.patient_id = $2 AND w.status = 'waiting'",
    )
    .bind(id)
    .bind(patient)
    .fetch_optional(&mut **tx)
    .await?;
    found.map(|_| ()).ok_or(FhirError::NotFound)
}

/// `DELETE /api/waitlist/{id}`: stop waiting; a slot held for the entry passes on.
pub(crate) async fn leave(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<StatusCode, FhirError> {
    let now = Utc::now();
    let mut tx = begin_write(&state.db).await?;
    own_entry(&mut tx, &token.patient_id, &id).await?;
    sqlx::query("UPDATE waitlist_entry SET status = 'withdrawn' WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    withdraw_offers(&mut tx, &state, &id, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The open, unexpired offer `id` of the patient: (entry, appointment, slot).
async fn open_offer(
    tx: &mut Transaction<'_, Any>,
    patient: &str,
    id: &str,
    now: DateTime<Utc>,
) -> Result<(String, String, String), FhirError> {
    let row: Option<(String, String, String, String, Time)> = sqlx::query_as(
        "SELECT o.entry_id, w.appointment_id, o.slot_id, o.status, o.expires_at \
         FROM waitlist_offer o JOIN waitlist_entry w ON w.id = o.entry_id \
         JOIN appointment a ON a.id = w.appointment_id WHERE o.id = $1 AND a.patient_id = $2",
    )
    .bind(id)
    .bind(patient)
    .fetch_optional(&mut **tx)
    .await?;
    let (entry, appointment, slot, status, expires) = row.ok_or(FhirError::NotFound)?;
    if status != "open" || expires.0 <= now {
        return Err(Refusal::OfferClosed.into());
    }
    Ok((entry, appointment, slot))
}

/// `POST /api/waitlist/offers/{id}/accept`: move the appointment to the held slot, in one step.
/// Answers with the moved FHIR Appointment.
pub(crate) async fn accept(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let now = Utc::now();
    let mut tx = begin_write(&state.db).await?;
    let (entry, appointment, slot) = open_offer(&mut tx, &token.patient_id, &id, now).await?;
    let (old_slot, start, status) = current(&mut tx, &token.patient_id, &appointment).await?;
    let held: Option<(Time, Time)> = sqlx::query_as(
        "UPDATE slot SET status = 'busy' WHERE id = $1 AND status = 'busy-tentative' \
         RETURNING start_at, end_at",
    )
    .bind(&slot)
    .fetch_optional(&mut *tx)
    .await?;
    let (new_start, new_end) = held.ok_or(Refusal::OfferClosed)?;
    let others = live_spans(&mut tx, &token.patient_id, Some(&appointment)).await?;
    let span = Span {
        start: new_start.0,
        end: new_end.0,
    };
    state
        .rules
        .check_reschedule(now, start, status, span, &others)?;
    sqlx::query(
        "UPDATE appointment SET slot_id = $1, version_id = version_id + 1, last_updated = $2 \
         WHERE id = $3",
    )
    .bind(&slot)
    .bind(Time(now))
    .bind(&appointment)
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE waitlist_offer SET status = 'accepted' WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE waitlist_entry SET status = 'fulfilled' WHERE id = $1")
        .bind(&entry)
        .execute(&mut *tx)
        .await?;
    // The patient's old time goes to whoever waits for it.
    release_slot(&mut tx, &state, &old_slot, now).await?;
    tx.commit().await?;
    appointment_response(&state, &token, &appointment, StatusCode::OK).await
}

/// `POST /api/waitlist/offers/{id}/decline`: pass the held slot on; the patient keeps waiting.
pub(crate) async fn decline(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<StatusCode, FhirError> {
    let now = Utc::now();
    let mut tx = begin_write(&state.db).await?;
    let (_, _, slot) = open_offer(&mut tx, &token.patient_id, &id, now).await?;
    sqlx::query("UPDATE waitlist_offer SET status = 'declined' WHERE id = $1")
        .bind(&id)
        .execute(&mut *tx)
        .await?;
    release_slot(&mut tx, &state, &slot, now).await?;
    tx.commit().await?;
    Ok(StatusCode::NO_CONTENT)
}
