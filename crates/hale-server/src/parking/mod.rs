//! Parking: car parks, prepaid sessions (start, extend, end), payments that never double-charge,
//! receipts, and concessions decided by rules over the hospital's own data.
//!
//! Prices come from the pure tariff (`hale_domain::parking`). A payment decision is keyed by a
//! client-chosen idempotency key: in one writing transaction (`db::begin_write`) the server looks for the
//! key first and answers with the first attempt's outcome if it exists; otherwise it charges the
//! provider (which also remembers the key) and records the outcome under that key. A retried,
//! repeated or concurrent request therefore charges once.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use hale_domain::parking::{
    blue_badge_number_ok, check_minutes, BadgeOnRegister, ConcessionDecision, ConcessionFacts,
    ConcessionKind, ParkingRefusal, Registration, Relief, Tariff,
};
use hale_hospital_json::parking::{
    ApplyConcession, CarPark, Concession, ConcessionStatus, ExtendParking, ParkingSession, Receipt,
    StartParking,
};
use sqlx::{Any, AnyPool, Transaction};

mod ledger;

use crate::auth::PatientToken;
use crate::db::begin_write;
use crate::db::Time;
use crate::{FhirError, ServerState};
use ledger::{check_key, check_quote, earlier_outcome, pay, save_card, PayWith, PaymentRecord};

fn tariff_of(json: &str) -> Result<Tariff, FhirError> {
    serde_json::from_str(json).map_err(|e| FhirError::Internal(format!("stored tariff: {e}")))
}

async fn active_in(
    db: impl sqlx::any::AnyExecutor<'_>,
    car_park: &str,
    now: DateTime<Utc>,
) -> Result<u32, FhirError> {
    let (n,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM parking_session WHERE car_park_id = $1 AND ended_at IS NULL AND expires_at > $2",
    )
    .bind(car_park)
    .bind(Time(now))
    .fetch_one(db)
    .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// `GET /api/car-parks`: every car park with its tariff, free spaces and nearby clinics.
pub(crate) async fn car_parks(
    _token: PatientToken,
    State(state): State<ServerState>,
) -> Result<Json<Vec<CarPark>>, FhirError> {
    let now = Utc::now();
    let rows: Vec<(String, String, String, i64, String)> =
        sqlx::query_as("SELECT id, name, location, capacity, tariff FROM car_park ORDER BY name")
            .fetch_all(&state.db)
            .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, name, location, capacity, tariff) in rows {
        let clinics: Vec<(String, String)> = sqlx::query_as(
            "SELECT cc.clinic_id, c.name FROM car_park_clinic cc JOIN clinic c ON c.id = cc.clinic_id \
             WHERE cc.car_park_id = $1 ORDER BY cc.clinic_id",
        )
                .bind(&id)
                .fetch_all(&state.db)
                .await?;
        let capacity = u32::try_from(capacity).unwrap_or(0);
        let used = active_in(&state.db, &id, now).await?;
        out.push(CarPark {
            free_spaces: capacity.saturating_sub(used),
            capacity,
            clinic_names: clinics.iter().map(|(_, n)| n.clone()).collect(),
            clinics: clinics.into_iter().map(|(c, _)| c).collect(),
            tariff: tariff_of(&tariff)?,
            id,
            name,
            location,
        });
    }
    Ok(Json(out))
}

/// The most generous of the patient's approved concessions for a stay of `stay`, if any.
async fn best_relief(
    tx: &mut Transaction<'_, Any>,
    state: &ServerState,
    patient: &str,
    tariff: &Tariff,
    stay: Duration,
    now: DateTime<Utc>,
) -> Result<Option<Relief>, FhirError> {
    let rows: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT kind, badge_number FROM concession WHERE patient_id = $1 AND status = 'approved'",
    )
    .bind(patient)
    .fetch_all(&mut **tx)
    .await?;
    let mut reliefs = Vec::new();
    for (kind, badge) in rows {
        reliefs.extend(relief_now(tx, state, patient, &kind, badge.as_deref(), now).await?);
    }
    Ok(tariff.best_relief(stay, &reliefs))
}

/// What an approved concession does today. Each approval is decided again on today's records
/// (a badge expired or struck off, a child discharged, visits aged out of the window all end
/// it), and with today's policy: what the patient is quoted and what they are charged alike.
async fn relief_now(
    db: &mut sqlx::AnyConnection,
    state: &ServerState,
    patient: &str,
    kind: &str,
    badge: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Option<Relief>, FhirError> {
    let Some(kind) = ConcessionKind::from_code(kind) else {
        return Ok(None);
    };
    let facts = concession_facts(db, state, patient, badge, now).await?;
    Ok(
        match state.concessions.decide(kind, &facts, now.date_naive()) {
            ConcessionDecision::Approved { relief, .. } => Some(relief),
            ConcessionDecision::Refused { .. } => None,
        },
    )
}

/// A blue badge number as the register keeps it: upper case, no spaces.
fn register_number(number: &str) -> String {
    number
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect::<String>()
        .to_uppercase()
}

/// What the hospital's own records say about a patient's concessions now.
async fn concession_facts(
    db: &mut sqlx::AnyConnection,
    state: &ServerState,
    patient: &str,
    badge_number: Option<&str>,
    now: DateTime<Utc>,
) -> Result<ConcessionFacts, FhirError> {
    let blue_badge = match badge_number.filter(|n| blue_badge_number_ok(n)) {
        None => BadgeOnRegister::Malformed,
        Some(number) => {
            let row: Option<(String,)> =
                sqlx::query_as("SELECT valid_until FROM blue_badge WHERE number = $1")
                    .bind(register_number(number))
                    .fetch_optional(&mut *db)
                    .await?;
            match row.and_then(|(d,)| d.parse::<chrono::NaiveDate>().ok()) {
                Some(until) => BadgeOnRegister::ValidUntil(until),
                None => BadgeOnRegister::NotRegistered,
            }
        }
    };
    let window = Duration::days(i64::from(state.concessions.frequent_window_days));
    // Visits attended, not bookings: anyone can book three appointments.
    let (visits,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM appointment a JOIN slot s ON s.id = a.slot_id WHERE a.patient_id = $1 \
         AND a.status IN ('arrived', 'fulfilled') AND s.start_at >= $2 AND s.start_at <= $3",
    )
    .bind(patient)
    .bind(Time(now - window))
    .bind(Time(now))
    .fetch_one(&mut *db)
    .await?;
    let (children,): (i64,) = sqlx::query_as(
        "SELECT COUNT(*) FROM child_admission WHERE parent_patient_id = $1 AND discharged_at IS NULL",
    )
    .bind(patient)
    .fetch_one(&mut *db)
    .await?;
    Ok(ConcessionFacts {
        blue_badge,
        visits_in_window: u32::try_from(visits).unwrap_or(0),
        child_admitted: children > 0,
    })
}

/// The answer a repeated payment decision gets: the session it paid for, or its refusal.
async fn answer_earlier(
    state: &ServerState,
    patient: &str,
    earlier: Result<String, ParkingRefusal>,
) -> Result<Response, FhirError> {
    let session = earlier?;
    Ok(Json(session_json(&state.db, patient, &session).await?).into_response())
}

#[derive(sqlx::FromRow)]
struct ReceiptRow {
    id: String,
    receipt_number: String,
    purpose: String,
    minutes: i64,
    amount_pence: i64,
    card_last4: String,
    created_at: Time,
}

#[derive(sqlx::FromRow)]
struct ConcessionRow {
    id: String,
    kind: String,
    status: String,
    relief: Option<String>,
    reason: String,
    decided_at: Time,
    badge_number: Option<String>,
}

async fn session_json(db: &AnyPool, patient: &str, id: &str) -> Result<ParkingSession, FhirError> {
    type Row = (
        String,
        String,
        String,
        String,
        Time,
        Time,
        Option<Time>,
        i64,
        Option<String>,
        Option<String>,
    );
    // The token itself never leaves the server: only whether there is one, by its digits.
    let row: Option<Row> = sqlx::query_as(
        "SELECT s.id, s.car_park_id, c.name, s.registration, s.started_at, s.expires_at, s.ended_at, \
         s.paid_pence, s.relief, CASE WHEN s.card_token IS NULL THEN NULL ELSE s.card_last4 END \
         FROM parking_session s JOIN car_park c ON c.id = s.car_park_id \
         WHERE s.id = $1 AND s.patient_id = $2",
    )
    .bind(id)
    .bind(patient)
    .fetch_optional(db)
    .await?;
    let (id, car_park, car_park_name, registration, started, expires, ended, paid, relief, saved) =
        row.ok_or(FhirError::NotFound)?;
    let receipts: Vec<ReceiptRow> = sqlx::query_as(
        "SELECT id, receipt_number, purpose, minutes, amount_pence, card_last4, created_at FROM payment \
         WHERE session_id = $1 AND status = 'approved' ORDER BY created_at, id",
    )
    .bind(&id)
    .fetch_all(db)
    .await?;
    let shown = Registration::parse(&registration)
        .map(|r| r.to_string())
        .unwrap_or(registration);
    Ok(ParkingSession {
        id,
        car_park,
        car_park_name,
        registration: shown,
        started: started.0,
        expires: expires.0,
        ended: ended.map(|t| t.0),
        paid_pence: u32::try_from(paid).unwrap_or(0),
        relief: relief.and_then(|r| serde_json::from_str(&r).ok()),
        saved_card_last4: saved,
        receipts: receipts
            .into_iter()
            .map(|r| Receipt {
                id: r.id,
                number: r.receipt_number,
                purpose: r.purpose,
                minutes: u32::try_from(r.minutes).unwrap_or(0),
                amount_pence: u32::try_from(r.amount_pence).unwrap_or(0),
                card_last4: r.card_last4,
                created: r.created_at.0,
            })
            .collect(),
    })
}

/// `POST /api/parking/sessions`: pay for `minutes` of parking from now.
pub(crate) async fn start(
    token: PatientToken,
    State(state): State<ServerState>,
    Json(request): Json<StartParking>,
) -> Result<Response, FhirError> {
    let registration = Registration::parse(&request.registration).map_err(ParkingRefusal::from)?;
    let stay = check_minutes(request.minutes)?;
    check_key(&request.idempotency_key)?;
    let now = Utc::now();
    let patient = &token.patient_id;
    let mut tx = begin_write(&state.db).await?;
    if let Some(earlier) = earlier_outcome(&mut tx, patient, &request.idempotency_key).await? {
        drop(tx);
        return answer_earlier(&state, patient, earlier).await;
    }
    let park: Option<(i64, String)> =
        sqlx::query_as("SELECT capacity, tariff FROM car_park WHERE id = $1")
            .bind(&request.car_park)
            .fetch_optional(&mut *tx)
            .await?;
    let (capacity, tariff) = park.ok_or(FhirError::NotFound)?;
    if i64::from(active_in(&mut *tx, &request.car_park, now).await?) >= capacity {
        return Err(ParkingRefusal::CarParkFull.into());
    }
    let tariff = tariff_of(&tariff)?;
    let relief = best_relief(&mut tx, &state, patient, &tariff, stay, now).await?;
    let price = tariff.price_with(stay, relief);
    check_quote(request.quoted_pence, price)?;
    let session = format!("pk-{:016x}", crate::random::u64()?);
    let record = PaymentRecord {
        patient,
        key: &request.idempotency_key,
        session: Some(&session),
        purpose: "start",
        minutes: request.minutes,
        with: PayWith::Card(&request.card),
    };
    // The session row must exist before the payment that references it.
    sqlx::query(
        "INSERT INTO parking_session (id, patient_id, car_park_id, registration, started_at, expires_at, relief, paid_pence) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&session)
    .bind(patient)
    .bind(&request.car_park)
    .bind(registration.as_str())
    .bind(Time(now))
    .bind(Time(now + stay))
    .bind(relief.and_then(|r| serde_json::to_string(&r).ok()))
    .bind(i64::from(price))
    .execute(&mut *tx)
    .await?;
    match pay(&mut tx, &state, &record, price, now).await? {
        Ok(charge) => {
            save_card(&mut tx, &session, &charge).await?;
            tx.commit().await?;
            tracing::info!("parking started");
            let body = session_json(&state.db, patient, &session).await?;
            Ok((StatusCode::CREATED, Json(body)).into_response())
        }
        Err(refusal) => {
            // Keep the declined payment (so a retry with this key gets the same answer) but
            // not the session it would have paid for.
            sqlx::query("UPDATE payment SET session_id = NULL WHERE session_id = $1")
                .bind(&session)
                .execute(&mut *tx)
                .await?;
            sqlx::query("DELETE FROM parking_session WHERE id = $1")
                .bind(&session)
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Err(refusal.into())
        }
    }
}

/// `POST /api/parking/sessions/{id}/extend`: pay for more time; the price is the tariff's
/// price of the whole stay less what was paid.
pub(crate) async fn extend(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
    Json(request): Json<ExtendParking>,
) -> Result<Response, FhirError> {
    let more = check_minutes(request.minutes)?;
    check_key(&request.idempotency_key)?;
    let now = Utc::now();
    let patient = &token.patient_id;
    let mut tx = begin_write(&state.db).await?;
    if let Some(earlier) = earlier_outcome(&mut tx, patient, &request.idempotency_key).await? {
        drop(tx);
        return answer_earlier(&state, patient, earlier).await;
    }
    type Row = (
        Time,
        Time,
        Option<Time>,
        i64,
        String,
        Option<String>,
        Option<String>,
    );
    let row: Option<Row> = sqlx::query_as(
        "SELECT s.started_at, s.expires_at, s.ended_at, s.paid_pence, c.tariff, s.card_token, \
         s.card_last4 FROM parking_session s JOIN car_park c ON c.id = s.car_park_id \
         WHERE s.id = $1 AND s.patient_id = $2",
    )
    .bind(&id)
    .bind(patient)
    .fetch_optional(&mut *tx)
    .await?;
    let (started, expires, ended, paid, tariff, token, last4) = row.ok_or(FhirError::NotFound)?;
    let (started, expires) = (started.0, expires.0);
    if ended.is_some() || expires <= now {
        return Err(ParkingRefusal::SessionOver.into());
    }
    let tariff = tariff_of(&tariff)?;
    // An extension is a use: the concessions are decided again on today's records, so a relief
    // that has ended (a child discharged, a badge expired) no longer lowers the price.
    let relief = best_relief(
        &mut tx,
        &state,
        patient,
        &tariff,
        expires + more - started,
        now,
    )
    .await?;
    let new_expiry = expires + more;
    let total = tariff.price_with(new_expiry - started, relief);
    let due = total.saturating_sub(u32::try_from(paid).unwrap_or(0));
    check_quote(request.quoted_pence, due)?;
    let record = PaymentRecord {
        patient,
        key: &request.idempotency_key,
        session: Some(&id),
        purpose: "extend",
        minutes: request.minutes,
        with: match &request.card {
            Some(card) => PayWith::Card(card),
            None => PayWith::Saved(token.zip(last4)),
        },
    };
    match pay(&mut tx, &state, &record, due, now).await? {
        Ok(charge) => {
            // A new card typed for an extension is the one saved from now on.
            save_card(&mut tx, &id, &charge).await?;
            sqlx::query("UPDATE parking_session SET expires_at = $1, paid_pence = paid_pence + $2, relief = $4 WHERE id = $3")
                .bind(Time(new_expiry))
                .bind(i64::from(due))
                .bind(&id)
                .bind(relief.and_then(|r| serde_json::to_string(&r).ok()))
                .execute(&mut *tx)
                .await?;
            tx.commit().await?;
            Ok(Json(session_json(&state.db, patient, &id).await?).into_response())
        }
        Err(refusal) => {
            sqlx::query(
                "UPDATE payment SET session_id = NULL WHERE idempotency_key = $1 AND patient_id = $2",
            )
            .bind(&request.idempotency_key)
            .bind(patient)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
            Err(refusal.into())
        }
    }
}

/// `POST /api/parking/sessions/{id}/end`: the car has left. Prepaid time is not refunded.
pub(crate) async fn end(
    token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<Json<ParkingSession>, FhirError> {
    let now = Utc::now();
    let done = sqlx::query(
        "UPDATE parking_session SET ended_at = $1, card_token = NULL WHERE id = $2 AND patient_id = $3 \
         AND ended_at IS NULL",
    )
    .bind(Time(now))
    .bind(&id)
    .bind(&token.patient_id)
    .execute(&state.db)
    .await?;
    let session = session_json(&state.db, &token.patient_id, &id).await?;
    if done.rows_affected() == 0 && session.ended.is_none() {
        return Err(FhirError::NotFound);
    }
    Ok(Json(session))
}

/// `GET /api/parking/sessions`: the patient's sessions, newest first, with receipts.
pub(crate) async fn sessions(
    token: PatientToken,
    State(state): State<ServerState>,
) -> Result<Json<Vec<ParkingSession>>, FhirError> {
    let ids: Vec<(String,)> = sqlx::query_as(
        "SELECT id FROM parking_session WHERE patient_id = $1 ORDER BY started_at DESC, id",
    )
    .bind(&token.patient_id)
    .fetch_all(&state.db)
    .await?;
    let mut out = Vec::with_capacity(ids.len());
    for (id,) in ids {
        out.push(session_json(&state.db, &token.patient_id, &id).await?);
    }
    Ok(Json(out))
}

/// `POST /api/parking/concessions`: apply; the server decides now, from its own records, and
/// records the decision with its reason.
pub(crate) async fn apply_concession(
    token: PatientToken,
    State(state): State<ServerState>,
    Json(request): Json<ApplyConcession>,
) -> Result<Response, FhirError> {
    let now = Utc::now();
    let patient = &token.patient_id;
    let badge = request
        .blue_badge_number
        .as_deref()
        .filter(|n| blue_badge_number_ok(n))
        .map(register_number);
    let mut conn = state.db.acquire().await?;
    let facts = concession_facts(&mut conn, &state, patient, badge.as_deref(), now).await?;
    drop(conn);
    let decision = state
        .concessions
        .decide(request.kind, &facts, now.date_naive());
    let (status, relief, reason) = match decision {
        ConcessionDecision::Approved { relief, reason } => {
            (ConcessionStatus::Approved, Some(relief), reason)
        }
        ConcessionDecision::Refused { reason } => (ConcessionStatus::Refused, None, reason),
    };
    let status_code = match status {
        ConcessionStatus::Approved => "approved",
        ConcessionStatus::Refused => "refused",
    };
    let id = format!("co-{:016x}", crate::random::u64()?);
    sqlx::query(
        "INSERT INTO concession (id, patient_id, kind, status, relief, reason, decided_at, badge_number) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&id)
    .bind(patient)
    .bind(request.kind.code())
    .bind(status_code)
    .bind(relief.and_then(|r| serde_json::to_string(&r).ok()))
    .bind(&reason)
    .bind(Time(now))
    .bind(badge.filter(|_| request.kind == ConcessionKind::BlueBadge))
    .execute(&state.db)
    .await?;
    tracing::info!(status = status_code, "concession decided");
    let body = Concession {
        id,
        kind: request.kind,
        status,
        reason,
        relief,
        // Decided just now, on today's records.
        relief_now: relief,
        decided: now,
    };
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /api/parking/concessions`: the patient's decisions, newest first.
pub(crate) async fn concessions(
    token: PatientToken,
    State(state): State<ServerState>,
) -> Result<Json<Vec<Concession>>, FhirError> {
    let rows: Vec<ConcessionRow> = sqlx::query_as(
        "SELECT id, kind, status, relief, reason, decided_at, badge_number FROM concession \
         WHERE patient_id = $1 ORDER BY decided_at DESC, id",
    )
    .bind(&token.patient_id)
    .fetch_all(&state.db)
    .await?;
    let now = Utc::now();
    let mut conn = state.db.acquire().await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let approved = r.status == "approved";
        let relief_now = if approved {
            relief_now(
                &mut conn,
                &state,
                &token.patient_id,
                &r.kind,
                r.badge_number.as_deref(),
                now,
            )
            .await?
        } else {
            None
        };
        let (Ok(kind), Ok(status)) = (
            serde_json::from_value(serde_json::Value::String(r.kind)),
            serde_json::from_value(serde_json::Value::String(r.status)),
        ) else {
            continue;
        };
        out.push(Concession {
            id: r.id,
            kind,
            status,
            reason: r.reason,
            relief: r.relief.and_then(|x| serde_json::from_str(&x).ok()),
            relief_now,
            decided: r.decided_at.0,
        });
    }
    Ok(Json(out))
}
