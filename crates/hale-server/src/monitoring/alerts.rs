//! Alerts kept as episodes: the engine's findings for one patient reconciled with their open
//! alerts (`hale_domain::monitoring::reconcile`), and the decided changes written. Each new
//! alert gets its worklist Task. Served to the patient as Flags with their Tasks.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use hale_domain::monitoring::{reconcile, Changes, Family, HospitalAlert, OpenAlert, Tier};
use hale_fhir::care_team::{flag, Task};
use hale_fhir::{Period, Reference, Resource};
use sqlx::AnyConnection;

use super::engine::{evaluate, Noted};
use super::plans::Enrolment;
use super::MonitoringOptions;
use crate::auth::PatientToken;
use crate::db::Time;
use crate::search::patient_id;
use crate::searchset::{Paging, Search};
use crate::{FhirError, ServerState};

/// A Task's priority for an alert: amber is routine, red urgent, escalated stat.
fn priority(tier: Tier) -> &'static str {
    match tier {
        Tier::Amber => "routine",
        Tier::Red => "urgent",
    }
}

#[derive(sqlx::FromRow)]
struct OpenRow {
    id: String,
    rule_key: String,
    tier: String,
    raised_at: Time,
    red_since: Option<Time>,
    escalated_at: Option<Time>,
    acknowledged_at: Option<Time>,
}

fn tier_of(code: &str) -> Result<Tier, FhirError> {
    Tier::from_code(code).ok_or_else(|| FhirError::Internal("a stored alert has no tier".into()))
}

pub(crate) async fn open_alerts(
    conn: &mut AnyConnection,
    patient: &str,
) -> Result<Vec<OpenAlert>, FhirError> {
    let rows: Vec<OpenRow> = sqlx::query_as(
        "SELECT a.id, a.rule_key, a.tier, a.raised_at, a.red_since, a.escalated_at, \
         t.acknowledged_at FROM alert a JOIN task t ON t.alert_id = a.id \
         WHERE a.patient_id = $1 AND a.status = 'open'",
    )
    .bind(patient)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(OpenAlert {
                tier: tier_of(&r.tier)?,
                id: r.id,
                key: r.rule_key,
                raised: r.raised_at.0,
                red_since: r.red_since.map(|t| t.0),
                acknowledged: r.acknowledged_at.is_some(),
                escalated: r.escalated_at.is_some(),
            })
        })
        .collect()
}

/// Runs `families` for the enrolled patient and brings their alerts up to date. Call it inside
/// a writing transaction that holds the patient's lock ([`crate::db::begin_patient_write`]) or
/// the hospital's ([`crate::db::begin_write`]). Returns what changed.
async fn check_patient(
    conn: &mut AnyConnection,
    e: &Enrolment,
    families: &[Family],
    zone: &Tz,
    options: &MonitoringOptions,
    now: DateTime<Utc>,
) -> Result<Changes, FhirError> {
    let noted = evaluate(conn, e, families, zone, options, now).await?;
    let open = open_alerts(conn, &e.patient_id).await?;
    let findings: Vec<_> = noted.iter().map(|n| n.finding.clone()).collect();
    let changes = reconcile(&open, &findings, families, options.escalation, now);
    apply(conn, &e.patient_id, &changes, &noted, now).await?;
    Ok(changes)
}

/// Runs the rules on readings (or doses) for `patient` if they are enrolled; a no-op otherwise.
pub(crate) async fn after_new_data(
    conn: &mut AnyConnection,
    patient: &str,
    families: &[Family],
    zone: &Tz,
    options: &MonitoringOptions,
    now: DateTime<Utc>,
) -> Result<Changes, FhirError> {
    match super::plans::enrolment(conn, patient).await? {
        Some(e) => check_patient(conn, &e, families, zone, options, now).await,
        None => Ok(Changes::default()),
    }
}

/// Writes decided changes. A raise that meets an open episode of the same key (another
/// instance got there first) is skipped by the unique index, not doubled.
pub(crate) async fn apply(
    conn: &mut AnyConnection,
    patient: &str,
    changes: &Changes,
    noted: &[Noted],
    now: DateTime<Utc>,
) -> Result<(), FhirError> {
    let detail = |key: &str| {
        noted
            .iter()
            .find(|n| n.finding.key == key)
            .map_or(String::new(), |n| n.detail.clone())
    };
    for f in &changes.raise {
        let id = format!("al-{:016x}", crate::random::u64()?);
        let red_since = (f.tier == Tier::Red).then_some(Time(now));
        let raised = sqlx::query(
            "INSERT INTO alert (id, patient_id, rule_key, tier, status, detail, raised_at, red_since) \
             VALUES ($1, $2, $3, $4, 'open', $5, $6, $7) \
             ON CONFLICT (patient_id, rule_key) WHERE status = 'open' DO NOTHING",
        )
        .bind(&id)
        .bind(patient)
        .bind(&f.key)
        .bind(f.tier.code())
        .bind(detail(&f.key))
        .bind(Time(now))
        .bind(red_since)
        .execute(&mut *conn)
        .await?
        .rows_affected();
        if raised == 1 {
            sqlx::query(
                "INSERT INTO task (id, alert_id, patient_id, status, priority, updated_at) \
                 VALUES ($1, $2, $3, 'requested', $4, $5)",
            )
            .bind(format!("tk-{:016x}", crate::random::u64()?))
            .bind(&id)
            .bind(patient)
            .bind(priority(f.tier))
            .bind(Time(now))
            .execute(&mut *conn)
            .await?;
        }
    }
    for (id, tier) in &changes.worsen {
        let key: Option<(String,)> = sqlx::query_as("SELECT rule_key FROM alert WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *conn)
            .await?;
        let text = key.map_or(String::new(), |(k,)| detail(&k));
        sqlx::query(
            "UPDATE alert SET tier = $2, detail = $3, \
             red_since = CASE WHEN $2 = 'red' THEN $4 ELSE red_since END \
             WHERE id = $1 AND status = 'open'",
        )
        .bind(id)
        .bind(tier.code())
        .bind(text)
        .bind(Time(now))
        .execute(&mut *conn)
        .await?;
        sqlx::query(
            "UPDATE task SET priority = $2, updated_at = $3 \
             WHERE alert_id = $1 AND status <> 'completed' AND priority <> 'stat'",
        )
        .bind(id)
        .bind(priority(*tier))
        .bind(Time(now))
        .execute(&mut *conn)
        .await?;
    }
    for id in &changes.clear {
        sqlx::query(
            "UPDATE alert SET status = 'cleared', cleared_at = $2 WHERE id = $1 AND status = 'open'",
        )
        .bind(id)
        .bind(Time(now))
        .execute(&mut *conn)
        .await?;
    }
    for id in &changes.escalate {
        sqlx::query("UPDATE alert SET escalated_at = $2 WHERE id = $1 AND escalated_at IS NULL")
            .bind(id)
            .bind(Time(now))
            .execute(&mut *conn)
            .await?;
        sqlx::query(
            "UPDATE task SET priority = 'stat', updated_at = $2 \
             WHERE alert_id = $1 AND status <> 'completed'",
        )
        .bind(id)
        .bind(Time(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PatientRow {
    id: String,
    rule_key: String,
    tier: String,
    raised_at: Time,
    cleared_at: Option<Time>,
    acknowledged_at: Option<Time>,
    task_id: String,
    task_status: String,
    task_priority: String,
}

/// An alert as the patient reads it, with its Task's id, status and priority.
pub(crate) struct PatientAlert {
    pub alert: HospitalAlert,
    pub task_id: String,
    pub task_status: String,
    pub task_priority: String,
}

/// The patient's alerts, newest first, with when the care team saw each, and their Task's id
/// and status.
pub(crate) async fn patient_alerts(
    conn: &mut AnyConnection,
    patient: &str,
    limit: i64,
) -> Result<Vec<PatientAlert>, FhirError> {
    let rows: Vec<PatientRow> = sqlx::query_as(
        "SELECT a.id, a.rule_key, a.tier, a.raised_at, a.cleared_at, t.acknowledged_at, \
         t.id AS task_id, t.status AS task_status, t.priority AS task_priority \
         FROM alert a JOIN task t ON t.alert_id = a.id \
         WHERE a.patient_id = $1 ORDER BY a.raised_at DESC, a.id LIMIT $2",
    )
    .bind(patient)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    rows.into_iter()
        .map(|r| {
            Ok(PatientAlert {
                alert: HospitalAlert {
                    tier: tier_of(&r.tier)?,
                    id: r.id,
                    key: r.rule_key,
                    raised: r.raised_at.0,
                    cleared: r.cleared_at.map(|t| t.0),
                    seen: r.acknowledged_at.map(|t| t.0),
                },
                task_id: r.task_id,
                task_status: r.task_status,
                task_priority: r.task_priority,
            })
        })
        .collect()
}

/// An alert as the patient's Flag, and the care team's Task on it.
fn flag_and_task(
    alert: HospitalAlert,
    task_id: String,
    status: String,
    priority: String,
    patient: &str,
) -> (Resource, Resource) {
    let task = Task {
        id: Some(task_id),
        status,
        intent: "order".into(),
        priority,
        focus: Some(Reference::to("Flag", &alert.id, None)),
        for_: Some(Reference::to("Patient", patient, None)),
        authored_on: Some(alert.raised),
        execution_period: alert.seen.map(|at| Period {
            start: Some(at),
            end: None,
        }),
        ..Task::default()
    };
    (
        Resource::Flag(flag(&alert, patient, None)),
        Resource::Task(task),
    )
}

/// Every alert on `patient`'s data with its Task, newest first: their part of `$everything`.
pub(crate) async fn flags_of(
    conn: &mut AnyConnection,
    patient: &str,
) -> Result<Vec<Resource>, FhirError> {
    let alerts = patient_alerts(conn, patient, i64::MAX).await?;
    Ok(alerts
        .into_iter()
        .flat_map(|a| {
            let (flag, task) =
                flag_and_task(a.alert, a.task_id, a.task_status, a.task_priority, patient);
            [flag, task]
        })
        .collect())
}

/// How many of a patient's alerts the app is shown.
const PATIENT_ALERTS: i64 = 100;

/// `GET /fhir/Flag?patient=…`: the alerts the hospital raised on the patient's data, each with
/// the Task focused on it (as `_revinclude=Task:focus` would add), newest first.
pub(crate) async fn search_flags(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "Flag", PAGE)?;
    for (name, value) in search.params() {
        match name.as_ref() {
            "patient" | "subject" => token.require_patient(patient_id(&value))?,
            // Each alert's task always comes with it.
            "_revinclude" => search.include(&name, &value, &["Task:focus"])?,
            _ => search.unknown(&name, &value)?,
        }
    }
    let mut conn = state.db.acquire().await?;
    // Read one past the cap: a patient with more alerts than it gets no `total`.
    let mut alerts = patient_alerts(&mut conn, &token.patient_id, PATIENT_ALERTS + 1).await?;
    let complete = alerts.len() as i64 <= PATIENT_ALERTS;
    alerts.truncate(PATIENT_ALERTS as usize);
    let with_tasks = token.require_scope("patient/Task.r").is_ok();
    let mut results = Vec::new();
    for PatientAlert {
        alert,
        task_id,
        task_status,
        task_priority,
    } in alerts
    {
        let (flag, task) = flag_and_task(
            alert,
            task_id,
            task_status,
            task_priority,
            &token.patient_id,
        );
        // The care team's task on the alert comes with it, as an `include`.
        results.push((flag, if with_tasks { vec![task] } else { Vec::new() }));
    }
    Ok(search.page(results, complete))
}

/// The newest alerts, all on one page unless the client asks for smaller ones.
const PAGE: Paging = Paging {
    default: PATIENT_ALERTS as u32,
    max: PATIENT_ALERTS as u32,
};
