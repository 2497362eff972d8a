//! What the care team does: acknowledge, assign to me, add a note and resolve a task; message
//! the patient (a Communication); edit the plan, enrol and unenrol. Every action checks the
//! session's CSRF token and the person's reach, is audited, and tells the live views.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{NaiveTime, Utc};
use hale_domain::monitoring::{Band, MonitoringPlan, PlannedMeasurement, TrendRule, VitalLimits};
use serde::Deserialize;
use std::collections::HashMap;

use super::access::{require, require_team};
use super::layout::Problem;
use super::patient::{LIMIT_FIELDS, MEASUREMENT_FIELDS, OUTCOMES};
use super::session::StaffSession;
use crate::auth::Audit;
use crate::db::Time;
use crate::monitoring::plans::{enrol as enrol_plan, enrolment};
use crate::ServerState;

const MAX_NOTE: usize = 2000;
const MAX_MESSAGE: usize = 1000;

#[derive(Debug, Deserialize)]
pub(crate) struct TaskForm {
    csrf: String,
    #[serde(default)]
    text: String,
    #[serde(default)]
    outcome: String,
}

fn back_to(patient: &str) -> Response {
    Redirect::to(&format!("/console/patients/{patient}#alerts-h")).into_response()
}

/// `POST /console/tasks/{id}/{action}`: acknowledge | assign | note | resolve.
pub(crate) async fn task(
    State(state): State<ServerState>,
    who: StaffSession,
    audit: Audit,
    Path((task_id, action)): Path<(String, String)>,
    Form(form): Form<TaskForm>,
) -> Result<Response, Problem> {
    who.require_csrf(&form.csrf)?;
    let now = Utc::now();
    let mut tx = crate::db::begin_write(&state.db).await?;
    let found: Option<(String, String)> =
        sqlx::query_as("SELECT patient_id, status FROM task WHERE id = $1")
            .bind(&task_id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((patient, status)) = found else {
        return Err(Problem::new(StatusCode::NOT_FOUND, "There is no such task.").for_staff(&who));
    };
    require(&mut tx, &who, &audit, &patient).await?;
    if status == "completed" {
        return Err(Problem::invalid("This alert has already been resolved.").for_staff(&who));
    }
    match action.as_str() {
        "acknowledge" => {
            // Acknowledging takes the task, unless someone already has it.
            sqlx::query(
                "UPDATE task SET status = 'accepted', acknowledged_at = $2, acknowledged_by = $3, \
                 owner_id = COALESCE(owner_id, $3), updated_at = $2 \
                 WHERE id = $1 AND acknowledged_at IS NULL",
            )
            .bind(&task_id)
            .bind(Time(now))
            .bind(&who.id)
            .execute(&mut *tx)
            .await?;
        }
        "assign" => {
            sqlx::query("UPDATE task SET owner_id = $2, updated_at = $3 WHERE id = $1")
                .bind(&task_id)
                .bind(&who.id)
                .bind(Time(now))
                .execute(&mut *tx)
                .await?;
        }
        "note" => {
            let text = form.text.trim();
            if text.is_empty() || text.chars().count() > MAX_NOTE {
                return Err(Problem::invalid(format!(
                    "A note needs some text, at most {MAX_NOTE} characters."
                ))
                .for_staff(&who));
            }
            sqlx::query(
                "INSERT INTO task_note (task_id, staff_id, text, written_at) VALUES ($1, $2, $3, $4)",
            )
            .bind(&task_id)
            .bind(&who.id)
            .bind(text)
            .bind(Time(now))
            .execute(&mut *tx)
            .await?;
        }
        "resolve" => {
            let outcome = form.outcome.trim();
            if !OUTCOMES.contains(&outcome) {
                return Err(
                    Problem::invalid("Please choose an outcome from the list.").for_staff(&who)
                );
            }
            // Resolving is acknowledging too, if nobody had.
            sqlx::query(
                "UPDATE task SET status = 'completed', outcome = $2, completed_at = $3, \
                 acknowledged_at = COALESCE(acknowledged_at, $3), \
                 acknowledged_by = COALESCE(acknowledged_by, $4), \
                 owner_id = COALESCE(owner_id, $4), updated_at = $3 WHERE id = $1",
            )
            .bind(&task_id)
            .bind(outcome)
            .bind(Time(now))
            .bind(&who.id)
            .execute(&mut *tx)
            .await?;
        }
        _ => {
            return Err(
                Problem::new(StatusCode::NOT_FOUND, "There is no such action.").for_staff(&who),
            )
        }
    }
    tx.commit().await?;
    state.alerts_changed().await;
    Ok(back_to(&patient))
}

#[derive(Debug, Deserialize)]
pub(crate) struct MessageForm {
    csrf: String,
    text: String,
}

/// `POST /console/patients/{id}/message`: a message to the patient, shown in their app.
pub(crate) async fn message(
    State(state): State<ServerState>,
    who: StaffSession,
    audit: Audit,
    Path(patient): Path<String>,
    Form(form): Form<MessageForm>,
) -> Result<Response, Problem> {
    who.require_csrf(&form.csrf)?;
    let text = form.text.trim();
    if text.is_empty() || text.chars().count() > MAX_MESSAGE {
        return Err(Problem::invalid(format!(
            "A message needs some text, at most {MAX_MESSAGE} characters."
        ))
        .for_staff(&who));
    }
    let mut tx = crate::db::begin_write(&state.db).await?;
    require(&mut tx, &who, &audit, &patient).await?;
    // A message about the patient's newest unresolved alert is about that alert's task.
    let task: Option<(String,)> = sqlx::query_as(
        "SELECT t.id FROM task t JOIN alert a ON a.id = t.alert_id \
         WHERE t.patient_id = $1 AND t.status <> 'completed' ORDER BY a.raised_at DESC LIMIT 1",
    )
    .bind(&patient)
    .fetch_optional(&mut *tx)
    .await?;
    sqlx::query(
        "INSERT INTO communication (id, patient_id, sender_id, task_id, text, sent_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(format!("cm-{:016x}", crate::random::u64()?))
    .bind(&patient)
    .bind(&who.id)
    .bind(task.map(|(t,)| t))
    .bind(text)
    .bind(Time(Utc::now()))
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    state.alerts_changed().await;
    Ok(Redirect::to(&format!("/console/patients/{patient}#msg-h")).into_response())
}

/// Reads "08:00, 20:00" as times of day.
fn times(text: &str) -> Result<Vec<NaiveTime>, String> {
    text.split([',', ' ', ';'])
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(|t| {
            NaiveTime::parse_from_str(t, "%H:%M")
                .map_err(|_| format!("'{t}' is not a time of day like 08:00"))
        })
        .collect()
}

fn number(fields: &HashMap<String, String>, name: &str) -> Result<Option<f64>, String> {
    match fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => v
            .replace(',', ".")
            .parse::<f64>()
            .ok()
            .filter(|n| n.is_finite())
            .map(Some)
            .ok_or_else(|| format!("'{v}' is not a number")),
    }
}

/// The plan a form describes; trend rules are kept from `previous` (they are not on the form).
fn plan_from_form(
    fields: &HashMap<String, String>,
    previous: Option<&MonitoringPlan>,
) -> Result<MonitoringPlan, String> {
    let mut measurements = Vec::new();
    for (kind, field) in MEASUREMENT_FIELDS {
        let t = times(
            fields
                .get(&format!("times_{field}"))
                .map_or("", String::as_str),
        )?;
        if !t.is_empty() {
            measurements.push(PlannedMeasurement { kind, times: t });
        }
    }
    let mut limits = Vec::new();
    for (vital, field) in LIMIT_FIELDS {
        let amber = Band {
            high: number(fields, &format!("{field}_amber_high"))?,
            low: number(fields, &format!("{field}_amber_low"))?,
        };
        let red = Band {
            high: number(fields, &format!("{field}_red_high"))?,
            low: number(fields, &format!("{field}_red_low"))?,
        };
        if amber != Band::default() || red != Band::default() {
            limits.push(VitalLimits { vital, amber, red });
        }
    }
    let measured: Vec<_> = measurements.iter().map(|m| m.kind).collect();
    let trends = previous
        .map(|p| p.trends.clone())
        .unwrap_or_else(TrendRule::defaults)
        .into_iter()
        .filter(|r| measured.contains(&r.vital().kind()))
        .collect();
    MonitoringPlan {
        measurements,
        limits,
        trends,
    }
    .validated()
    .map_err(|e| e.to_string())
}

/// `POST /console/patients/{id}/plan`: a clinician changes the plan.
pub(crate) async fn edit_plan(
    State(state): State<ServerState>,
    who: StaffSession,
    audit: Audit,
    Path(patient): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response, Problem> {
    who.require_csrf(fields.get("csrf").map_or("", String::as_str))?;
    who.require_clinician()?;
    let mut tx = crate::db::begin_write(&state.db).await?;
    // The team's own patient: breaking glass reads a record, it does not take over its care.
    require_team(&mut tx, &who, &audit, &patient).await?;
    let current = enrolment(&mut tx, &patient).await?;
    let plan = plan_from_form(&fields, current.as_ref().map(|e| &e.plan)).map_err(|why| {
        Problem::invalid(format!("The plan was not saved: {why}.")).for_staff(&who)
    })?;
    let now = Utc::now();
    enrol_plan(&mut tx, &patient, &who.team_id, plan, Some(&who.id), now).await?;
    recheck(&state, &mut tx, &patient, now).await?;
    tx.commit().await?;
    state.alerts_changed().await;
    Ok(Redirect::to(&format!("/console/patients/{patient}#plan-h")).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    csrf: String,
}

/// `POST /console/patients/{id}/unenrol`: ends monitoring; open tasks stay to be resolved.
pub(crate) async fn unenrol(
    State(state): State<ServerState>,
    who: StaffSession,
    audit: Audit,
    Path(patient): Path<String>,
    Form(form): Form<CsrfOnly>,
) -> Result<Response, Problem> {
    who.require_csrf(&form.csrf)?;
    who.require_clinician()?;
    let mut tx = crate::db::begin_write(&state.db).await?;
    require_team(&mut tx, &who, &audit, &patient).await?;
    crate::monitoring::plans::unenrol(&mut tx, &patient, Utc::now()).await?;
    tx.commit().await?;
    state.alerts_changed().await;
    Ok(Redirect::to("/console").into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct EnrolForm {
    csrf: String,
    mrn: String,
}

/// `POST /console/enrol`: a clinician enrols a patient, by record number, with the team on the
/// standard blood pressure plan, to be tailored on the patient's page.
pub(crate) async fn enrol(
    State(state): State<ServerState>,
    who: StaffSession,
    audit: Audit,
    Form(form): Form<EnrolForm>,
) -> Result<Response, Problem> {
    who.require_csrf(&form.csrf)?;
    who.require_clinician()?;
    let mut tx = crate::db::begin_write(&state.db).await?;
    let found: Option<(String,)> = sqlx::query_as("SELECT id FROM patient WHERE mrn = $1")
        .bind(form.mrn.trim())
        .fetch_optional(&mut *tx)
        .await?;
    let Some((patient,)) = found else {
        return Err(Problem::invalid("No patient has that medical record number.").for_staff(&who));
    };
    audit.patient(&patient);
    let taken: Option<(String,)> = sqlx::query_as(
        "SELECT team_id FROM monitoring_plan WHERE patient_id = $1 AND ended_at IS NULL",
    )
    .bind(&patient)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some((team,)) = taken {
        if team != who.team_id {
            return Err(
                Problem::invalid("This patient is already monitored by another team.")
                    .for_staff(&who),
            );
        }
    } else {
        let now = Utc::now();
        let plan = standard_plan();
        enrol_plan(&mut tx, &patient, &who.team_id, plan, Some(&who.id), now).await?;
        recheck(&state, &mut tx, &patient, now).await?;
    }
    tx.commit().await?;
    state.alerts_changed().await;
    Ok(Redirect::to(&format!("/console/patients/{patient}#plan-h")).into_response())
}

/// Runs every rule for the patient under their plan as it now stands, so an alert the new
/// limits no longer justify clears at once (and one they now call for is raised).
async fn recheck(
    state: &ServerState,
    tx: &mut sqlx::AnyConnection,
    patient: &str,
    now: chrono::DateTime<Utc>,
) -> Result<(), Problem> {
    crate::monitoring::alerts::after_new_data(
        tx,
        patient,
        &hale_domain::monitoring::Family::ALL,
        &state.hospital.timezone,
        &state.monitoring,
        now,
    )
    .await?;
    Ok(())
}

/// Blood pressure morning and evening, with common hypertension thresholds.
fn standard_plan() -> MonitoringPlan {
    let mut fields = HashMap::new();
    for (k, v) in [
        ("times_blood_pressure", "08:00, 20:00"),
        ("systolic_amber_high", "160"),
        ("systolic_red_high", "180"),
        ("systolic_amber_low", "90"),
        ("systolic_red_low", "80"),
        ("diastolic_amber_high", "100"),
        ("diastolic_red_high", "120"),
    ] {
        fields.insert(k.to_owned(), v.to_owned());
    }
    plan_from_form(&fields, None).unwrap_or_else(|_| MonitoringPlan {
        measurements: Vec::new(),
        limits: Vec::new(),
        trends: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plan_form_reads_times_and_limits_and_refuses_nonsense() {
        let mut f: HashMap<String, String> = HashMap::new();
        f.insert("times_blood_pressure".into(), "20:00, 08:00".into());
        f.insert("times_weight".into(), "08:00".into());
        f.insert("systolic_amber_high".into(), "150".into());
        f.insert("systolic_red_high".into(), "175".into());
        let plan = plan_from_form(&f, None).unwrap();
        assert_eq!(plan.measurements.len(), 2);
        assert_eq!(
            plan.measurements[0].times[0].format("%H:%M").to_string(),
            "08:00"
        );
        assert_eq!(plan.limits[0].red.high, Some(175.0));
        // Weight and blood pressure are measured: their default trends apply, no others.
        assert!(plan.trends.iter().all(|t| matches!(
            t.vital().kind(),
            hale_domain::device::ReadingKind::BloodPressure
                | hale_domain::device::ReadingKind::BodyWeight
        )));

        f.insert("times_weight".into(), "8 o'clock".into());
        assert!(plan_from_form(&f, None).unwrap_err().contains("not a time"));
        f.insert("times_weight".into(), "08:00".into());
        f.insert("systolic_red_high".into(), "140".into());
        assert!(plan_from_form(&f, None).is_err(), "red inside amber");
        f.insert("systolic_red_high".into(), "lots".into());
        assert!(plan_from_form(&f, None)
            .unwrap_err()
            .contains("not a number"));
    }

    #[test]
    fn the_standard_plan_is_a_valid_one() {
        assert_eq!(standard_plan().measurements.len(), 1);
        assert_eq!(standard_plan().limits.len(), 2);
    }
}
