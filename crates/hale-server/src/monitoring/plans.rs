//! Enrolment: a patient's monitoring plan, kept by one care team, read by the engine and served
//! to the patient's app as a FHIR CarePlan with its Goals.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::{DateTime, Utc};
use hale_domain::monitoring::MonitoringPlan;
use hale_fhir::Resource;
use sqlx::AnyConnection;

use crate::auth::PatientToken;
use crate::db::Time;
use crate::search::patient_id;
use crate::searchset::{Paging, Search};
use crate::{FhirError, ServerState};

/// A patient enrolled in monitoring.
#[derive(Debug, Clone)]
pub(crate) struct Enrolment {
    pub id: String,
    pub patient_id: String,
    pub plan: MonitoringPlan,
    pub enrolled: DateTime<Utc>,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    patient_id: String,
    plan: String,
    enrolled_at: Time,
}

impl Row {
    fn into_enrolment(self) -> Result<Enrolment, FhirError> {
        let plan = serde_json::from_str(&self.plan)
            .map_err(|e| FhirError::Internal(format!("a stored plan is unreadable: {e}")))?;
        Ok(Enrolment {
            id: self.id,
            patient_id: self.patient_id,
            plan,
            enrolled: self.enrolled_at.0,
        })
    }
}

const COLUMNS: &str = "SELECT id, patient_id, plan, enrolled_at FROM monitoring_plan";

/// The patient's current plan, if they are enrolled.
pub(crate) async fn enrolment(
    conn: &mut AnyConnection,
    patient: &str,
) -> Result<Option<Enrolment>, FhirError> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "{COLUMNS} WHERE patient_id = $1 AND ended_at IS NULL"
    ))
    .bind(patient)
    .fetch_optional(&mut *conn)
    .await?;
    row.map(Row::into_enrolment).transpose()
}

/// Every current enrolment, in patient order.
pub(crate) async fn all_enrolments(db: &sqlx::AnyPool) -> Result<Vec<Enrolment>, FhirError> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{COLUMNS} WHERE ended_at IS NULL ORDER BY patient_id"
    ))
    .fetch_all(db)
    .await?;
    rows.into_iter().map(Row::into_enrolment).collect()
}

/// Enrols `patient` with `team` under `plan`, or replaces the plan of a current enrolment
/// (keeping when it began). The plan is checked first.
pub(crate) async fn enrol(
    conn: &mut AnyConnection,
    patient: &str,
    team: &str,
    plan: MonitoringPlan,
    by: Option<&str>,
    now: DateTime<Utc>,
) -> Result<MonitoringPlan, FhirError> {
    let plan = plan
        .validated()
        .map_err(|e| FhirError::Invalid(format!("the plan cannot be followed: {e}")))?;
    let json = serde_json::to_string(&plan).map_err(|e| FhirError::Internal(e.to_string()))?;
    let id = format!("cp-{:016x}", crate::random::u64()?);
    // An ended enrolment starts again from now; a current one keeps its start.
    sqlx::query(
        "INSERT INTO monitoring_plan (patient_id, id, team_id, plan, enrolled_at, updated_at, updated_by) \
         VALUES ($1, $2, $3, $4, $5, $5, $6) \
         ON CONFLICT (patient_id) DO UPDATE SET team_id = excluded.team_id, plan = excluded.plan, \
         updated_at = excluded.updated_at, updated_by = excluded.updated_by, \
         enrolled_at = CASE WHEN monitoring_plan.ended_at IS NULL THEN monitoring_plan.enrolled_at \
                            ELSE excluded.enrolled_at END, \
         ended_at = NULL",
    )
    .bind(patient)
    .bind(id)
    .bind(team)
    .bind(json)
    .bind(Time(now))
    .bind(by)
    .execute(&mut *conn)
    .await?;
    Ok(plan)
}

/// Ends the patient's enrolment, and with it the monitoring's open alerts and tasks: nobody
/// watches for them any more, so none is left hanging where no team can reach it.
pub(crate) async fn unenrol(
    conn: &mut AnyConnection,
    patient: &str,
    now: DateTime<Utc>,
) -> Result<bool, FhirError> {
    let ended = sqlx::query(
        "UPDATE monitoring_plan SET ended_at = $2, updated_at = $2 \
         WHERE patient_id = $1 AND ended_at IS NULL",
    )
    .bind(patient)
    .bind(Time(now))
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query(
        "UPDATE alert SET status = 'cleared', cleared_at = $2 \
         WHERE patient_id = $1 AND status = 'open'",
    )
    .bind(patient)
    .bind(Time(now))
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE task SET status = 'completed', outcome = 'Monitoring ended', completed_at = $2, \
         updated_at = $2 WHERE patient_id = $1 AND status <> 'completed'",
    )
    .bind(patient)
    .bind(Time(now))
    .execute(&mut *conn)
    .await?;
    Ok(ended == 1)
}

/// `GET /fhir/CarePlan?patient=…`: the patient's current monitoring plan as a CarePlan and its
/// Goals (as `_include=CarePlan:goal` would add them), or an empty bundle when not enrolled.
pub(crate) async fn search_care_plans(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "CarePlan", PAGE)?;
    for (name, value) in search.params() {
        match name.as_ref() {
            "patient" | "subject" => token.require_patient(patient_id(&value))?,
            // The plan's goals always come with it.
            "_include" => search.include(&name, &value, &["CarePlan:goal"])?,
            _ => search.unknown(&name, &value)?,
        }
    }
    let mut conn = state.db.acquire().await?;
    let mut results = Vec::new();
    if let Some(e) = enrolment(&mut conn, &token.patient_id).await? {
        let (care_plan, goals) =
            hale_fhir::care_plan::to_fhir(&e.plan, &e.id, &e.patient_id, e.enrolled);
        // The plan's goals come with it, as `include`s.
        let goals = if token.require_scope("patient/Goal.r").is_ok() {
            goals.into_iter().map(Resource::Goal).collect()
        } else {
            Vec::new()
        };
        results.push((Resource::CarePlan(care_plan), goals));
    }
    Ok(search.page(results, true))
}

/// `patient`'s current monitoring plan and its goals, if enrolled: their part of `$everything`.
pub(crate) async fn care_plan_of(
    conn: &mut AnyConnection,
    patient: &str,
) -> Result<Vec<Resource>, FhirError> {
    let Some(e) = enrolment(conn, patient).await? else {
        return Ok(Vec::new());
    };
    let (care_plan, goals) =
        hale_fhir::care_plan::to_fhir(&e.plan, &e.id, &e.patient_id, e.enrolled);
    Ok(std::iter::once(Resource::CarePlan(care_plan))
        .chain(goals.into_iter().map(Resource::Goal))
        .collect())
}

/// A patient has at most one monitoring plan.
const PAGE: Paging = Paging {
    default: 10,
    max: 10,
};
