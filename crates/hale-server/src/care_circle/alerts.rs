//! Alerts to helpers, raised by the hospital from its own records, so they come when the
//! patient's device is off: a dose with no record some time after it was due (an hour by
//! default, `--helper-missed-after`; `hale_domain::care_circle::alerts`), and the care team's
//! own alerts on readings beyond the limits and on data that did not come. Only for grants that
//! include alerts, and only of the kinds the helper chose.
//!
//! Each is raised once per grant and episode (a unique index), by whichever request or
//! instance gets there first, and kept as the record of what the helper was told. They are
//! raised when the helper's app asks, on its live stream or its list: the stream wakes whenever
//! the hospital's alerts change and at least every half minute, so a dose missed an hour ago is
//! told within a minute while the helper's app runs.

use std::collections::BTreeSet;
use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Path, State};
use axum::http::HeaderMap;
use axum::response::IntoResponse;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use hale_domain::care_circle::alerts::{
    missed_doses_for_helper, reading_of_alert, HelperAlertKind, HelperAlertSettings, QuietHours,
};
use hale_domain::care_circle::Permission;
use hale_domain::medication::timing::DailyRoutine;
use hale_domain::monitoring::{Family, Tier};
use hale_hospital_json::care_circle as wire;

use super::grants::{self, HeldGrant, Side};
use crate::auth::PersonToken;
use crate::db::Time;
use crate::{FhirError, ServerState};

/// How far back the list reaches.
const LISTED: Duration = Duration::hours(48);

pub(crate) fn settings_wire(s: &HelperAlertSettings) -> wire::AlertSettings {
    wire::AlertSettings {
        kinds: s.kinds.iter().map(|k| k.code().to_owned()).collect(),
        quiet: s.quiet.map(quiet_wire),
    }
}

fn quiet_wire(q: QuietHours) -> wire::QuietHours {
    wire::QuietHours {
        from: q.from,
        until: q.until,
    }
}

/// `GET /api/care-circle/alerts`: what the hospital raised for the signed-in person about the
/// people they help, the last two days', raising first what is due now.
pub(crate) async fn helper_alerts(
    person: PersonToken,
    State(state): State<ServerState>,
) -> Result<Json<wire::HelperAlerts>, FhirError> {
    let alerts = raise_and_list(&state, &person.person_id, Utc::now()).await?;
    Ok(Json(wire::HelperAlerts { alerts }))
}

/// `GET /api/care-circle/alerts/events`: a stamp whenever the person's alerts change; the app
/// then reads the list. The content never travels here.
pub(crate) async fn helper_alert_events(
    person: PersonToken,
    State(state): State<ServerState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Result<impl IntoResponse, FhirError> {
    crate::live::person_stream(
        state,
        peer,
        &headers,
        person.person_id,
        "helper-alerts",
        |state, person| {
            Box::pin(async move {
                // Raising takes the write lock: run to the end in a task of its own, so a
                // stream its client left (no longer polled) cannot hold the lock.
                let raising =
                    tokio::spawn(async move { raise_and_list(&state, &person, Utc::now()).await });
                let alerts = raising.await.ok()?.ok()?;
                let stamp: Vec<&str> = alerts.iter().map(|a| a.id.as_str()).collect();
                Some((
                    serde_json::json!({ "stamp": stamp.join(",") }).to_string(),
                    false,
                ))
            })
        },
    )
}

/// `POST /api/care-circle/consents/{id}/alerts`: the helper chooses which alerts they get
/// and their quiet hours. Only the helper the grant names.
pub(crate) async fn set_alert_settings(
    person: PersonToken,
    State(state): State<ServerState>,
    Path(consent_id): Path<String>,
    Json(chosen): Json<wire::AlertSettings>,
) -> Result<Json<wire::CircleMember>, FhirError> {
    let mut kinds = Vec::new();
    for code in &chosen.kinds {
        let kind = HelperAlertKind::from_code(code)
            .ok_or_else(|| FhirError::Invalid(format!("unknown alert kind {code:?}")))?;
        kinds.push(kind.code());
    }
    kinds.sort_unstable();
    kinds.dedup();
    let now = Utc::now();
    let mut tx = crate::db::begin_write(&state.db).await?;
    // Another person's grant is not found, so ids cannot be probed.
    let held = grants::list(&mut tx, Side::Helper, &person.person_id)
        .await?
        .into_iter()
        .find(|g| g.consent_id == consent_id)
        .ok_or(FhirError::NotFound)?;
    let time = |t: chrono::NaiveTime| t.format("%H:%M:%S").to_string();
    sqlx::query(
        "INSERT INTO helper_alert_settings (consent_id, kinds, quiet_from, quiet_until, \
         updated_at) VALUES ($1, $2, $3, $4, $5) \
         ON CONFLICT (consent_id) DO UPDATE SET kinds = excluded.kinds, \
         quiet_from = excluded.quiet_from, quiet_until = excluded.quiet_until, \
         updated_at = excluded.updated_at",
    )
    .bind(&held.consent_id)
    .bind(kinds.join(" "))
    .bind(chosen.quiet.map(|q| time(q.from)))
    .bind(chosen.quiet.map(|q| time(q.until)))
    .bind(Time(now))
    .execute(&mut *tx)
    .await?;
    let held = grants::list(&mut tx, Side::Helper, &person.person_id)
        .await?
        .into_iter()
        .find(|g| g.consent_id == consent_id)
        .ok_or_else(|| FhirError::Internal("a grant vanished".into()))?;
    tx.commit().await?;
    Ok(Json(super::member(&state, &held, Side::Helper, now)))
}

/// Raises what is due for each grant `person` holds that includes alerts now, then lists the
/// alerts of those grants from the last two days, of the kinds still chosen, oldest first.
/// What is due is worked out without the write lock, which is taken only to store episodes not
/// seen before: most asks find nothing new, and a person who helps nobody costs one read.
pub(crate) async fn raise_and_list(
    state: &ServerState,
    person: &str,
    now: DateTime<Utc>,
) -> Result<Vec<wire::HelperAlert>, FhirError> {
    let today = grants::today(state, now);
    let mut conn = state.db.acquire().await?;
    let alerted: Vec<HeldGrant> = grants::list(&mut conn, Side::Helper, person)
        .await?
        .into_iter()
        .filter(|g| {
            g.grant
                .in_force(now, today)
                .is_ok_and(|p| p.contains(Permission::Alerts))
        })
        .collect();
    let mut fresh = Vec::new();
    for g in &alerted {
        let known: Vec<(String,)> =
            sqlx::query_as("SELECT episode FROM helper_alert WHERE consent_id = $1")
                .bind(&g.consent_id)
                .fetch_all(&mut *conn)
                .await?;
        let known: BTreeSet<String> = known.into_iter().map(|(e,)| e).collect();
        fresh.extend(
            due(&mut conn, state, g, now)
                .await?
                .into_iter()
                .filter(|e| !known.contains(&e.key))
                .map(|e| (g, e)),
        );
    }
    if !fresh.is_empty() {
        let mut tx = crate::db::begin_write(&state.db).await?;
        let mut raised = 0;
        for (g, episode) in &fresh {
            raised += store(&mut tx, g, episode, now).await?;
        }
        tx.commit().await?;
        if raised > 0 {
            tracing::info!(raised, "alerts raised for a helper");
            // Other streams of the same person (another device) hear of it too.
            state.alerts_changed().await;
        }
    }
    let mut listed = Vec::new();
    for g in &alerted {
        let rows: Vec<ListedRow> = sqlx::query_as(
            "SELECT id, kind, tier, raised_at, reading, due_at FROM helper_alert \
             WHERE consent_id = $1 AND raised_at >= $2 ORDER BY raised_at, id",
        )
        .bind(&g.consent_id)
        .bind(Time(now - LISTED))
        .fetch_all(&mut *conn)
        .await?;
        listed.extend(
            rows.into_iter()
                .filter(|(_, kind, ..)| {
                    HelperAlertKind::from_code(kind).is_some_and(|k| g.alerts.kinds.contains(&k))
                })
                .map(|(id, kind, tier, raised, reading, due)| wire::HelperAlert {
                    id,
                    consent: g.consent_id.clone(),
                    patient: g.patient_id.clone(),
                    patient_name: g.patient_name.clone(),
                    kind,
                    tier,
                    raised: raised.0,
                    reading,
                    due: due.map(|t| t.0),
                    quiet: g.alerts.quiet.map(quiet_wire),
                }),
        );
    }
    listed.sort_by(|a, b| a.raised.cmp(&b.raised).then_with(|| a.id.cmp(&b.id)));
    Ok(listed)
}

/// A listed alert: id, kind, tier, when raised, the kind of reading, when the dose was due.
type ListedRow = (String, String, String, Time, Option<String>, Option<Time>);

/// An episode due for a helper: its key, what it is and what it is about.
struct Episode {
    key: String,
    kind: HelperAlertKind,
    tier: Tier,
    /// The kind of reading's slug, for an alert about one.
    reading: Option<&'static str>,
    /// When a dose with no record was due.
    due: Option<DateTime<Utc>>,
}

/// The episodes due now for one grant.
async fn due(
    conn: &mut sqlx::AnyConnection,
    state: &ServerState,
    g: &HeldGrant,
    now: DateTime<Utc>,
) -> Result<Vec<Episode>, FhirError> {
    let zone = state.hospital.timezone;
    let wanted = &g.alerts.kinds;
    let mut episodes: Vec<Episode> = Vec::new();
    if wanted.contains(&HelperAlertKind::MissedDose) {
        let medicines = crate::medication::active_medicines(conn, &g.patient_id, &zone).await?;
        if !medicines.is_empty() {
            let recorded = crate::monitoring::engine::recorded_doses(
                conn,
                &g.patient_id,
                now - Duration::days(1),
            )
            .await?;
            // The hospital does not know the patient's meal times: `when` codes use a common day.
            let missed = missed_doses_for_helper(
                &medicines,
                |key| recorded.contains(key),
                &DailyRoutine::default(),
                &zone,
                g.grant.start,
                state.helper_missed_after,
                now,
            );
            episodes.extend(missed.into_iter().map(|dose| Episode {
                key: format!("dose:{}", dose.key),
                kind: HelperAlertKind::MissedDose,
                tier: Tier::Amber,
                reading: None,
                due: Some(dose.due),
            }));
        }
    }
    for alert in crate::monitoring::alerts::open_alerts(conn, &g.patient_id).await? {
        let Some(kind) = Family::of(&alert.key).and_then(HelperAlertKind::of_family) else {
            continue;
        };
        // The helper's own rule tells of each dose sooner; the team's later alert on the same
        // dose would tell it twice.
        if kind == HelperAlertKind::MissedDose || !wanted.contains(&kind) {
            continue;
        }
        // An amber alert that turns red is news again.
        episodes.push(Episode {
            key: format!("alert:{}:{}", alert.id, alert.tier.code()),
            kind,
            tier: alert.tier,
            reading: reading_of_alert(&alert.key).map(|r| r.slug()),
            due: None,
        });
    }
    Ok(episodes)
}

/// Stores one episode for grant `g` unless another ask or instance stored it first; returns
/// whether it was new.
async fn store(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    g: &HeldGrant,
    episode: &Episode,
    now: DateTime<Utc>,
) -> Result<u64, FhirError> {
    let id = format!("ha-{:016x}", crate::random::u64()?);
    Ok(sqlx::query(
        "INSERT INTO helper_alert (id, consent_id, patient_id, episode, kind, tier, \
         raised_at, reading, due_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (consent_id, episode) DO NOTHING",
    )
    .bind(&id)
    .bind(&g.consent_id)
    .bind(&g.patient_id)
    .bind(&episode.key)
    .bind(episode.kind.code())
    .bind(episode.tier.code())
    .bind(Time(now))
    .bind(episode.reading)
    .bind(episode.due.map(Time))
    .execute(&mut **tx)
    .await?
    .rows_affected())
}
