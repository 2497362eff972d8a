//! Which patients a member of staff may read: those enrolled with their team. Anyone else is
//! read only after breaking glass: a stated reason, granting an hour, audited with the reason
//! and listed for the team's admin.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Duration, Utc};
use serde::Deserialize;
use sqlx::AnyConnection;

use super::layout::Problem;
use super::session::StaffSession;
use crate::auth::Audit;
use crate::db::Time;
use crate::ServerState;

/// How long a break-glass grant lasts.
pub(crate) const BREAK_GLASS_FOR: Duration = Duration::hours(1);
/// A reason is a sentence, not a keystroke.
const MIN_REASON: usize = 10;
const MAX_REASON: usize = 500;

/// Why a member of staff may read a patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Reach {
    /// The patient is enrolled with their team.
    Team,
    /// They broke glass, for this reason, within the hour.
    BrokeGlass(String),
    /// Neither: refused.
    None,
}

pub(crate) async fn reach(
    conn: &mut AnyConnection,
    who: &StaffSession,
    patient: &str,
    now: DateTime<Utc>,
) -> Result<Reach, Problem> {
    let team: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM monitoring_plan WHERE patient_id = $1 AND team_id = $2 \
         AND ended_at IS NULL",
    )
    .bind(patient)
    .bind(&who.team_id)
    .fetch_one(&mut *conn)
    .await?;
    if team > 0 {
        return Ok(Reach::Team);
    }
    let glass: Option<(String,)> = sqlx::query_as(
        "SELECT reason FROM break_glass WHERE staff_id = $1 AND patient_id = $2 \
         AND expires_at > $3 ORDER BY expires_at DESC LIMIT 1",
    )
    .bind(&who.id)
    .bind(patient)
    .bind(Time(now))
    .fetch_optional(&mut *conn)
    .await?;
    Ok(glass.map_or(Reach::None, |(reason,)| Reach::BrokeGlass(reason)))
}

/// The refusal for a patient one may not reach; the same whether or not the patient exists, so
/// ids cannot be probed.
pub(crate) fn refused(who: &StaffSession) -> Problem {
    Problem::new(
        StatusCode::FORBIDDEN,
        "This patient is not enrolled with your team.",
    )
    .for_staff(who)
}

/// Checks `who`'s team monitors `patient` (breaking glass does not count): for what changes the
/// team's own care of the patient, such as the plan.
pub(crate) async fn require_team(
    conn: &mut AnyConnection,
    who: &StaffSession,
    audit: &Audit,
    patient: &str,
) -> Result<(), Problem> {
    audit.patient(patient);
    match reach(conn, who, patient, Utc::now()).await? {
        Reach::Team => Ok(()),
        _ => Err(refused(who)),
    }
}

/// Checks `who` may act on `patient`, noting the patient (and a break-glass reason) for the
/// audit row. Refuses with 403 otherwise.
pub(crate) async fn require(
    conn: &mut AnyConnection,
    who: &StaffSession,
    audit: &Audit,
    patient: &str,
) -> Result<Reach, Problem> {
    audit.patient(patient);
    let reach = reach(conn, who, patient, Utc::now()).await?;
    match &reach {
        Reach::Team => {}
        Reach::BrokeGlass(reason) => audit.reason(reason),
        Reach::None => return Err(refused(who)),
    }
    Ok(reach)
}

#[derive(Debug, Deserialize)]
pub(crate) struct BreakGlassForm {
    csrf: String,
    reason: String,
}

/// `POST /console/patients/{id}/break-glass`: reads a patient outside the team for an hour,
/// for a stated reason.
pub(crate) async fn break_glass(
    State(state): State<ServerState>,
    who: StaffSession,
    audit: Audit,
    Path(patient): Path<String>,
    Form(form): Form<BreakGlassForm>,
) -> Result<Response, Problem> {
    who.require_csrf(&form.csrf)?;
    let reason = form.reason.trim();
    if reason.chars().count() < MIN_REASON || reason.chars().count() > MAX_REASON {
        return Err(Problem::invalid(format!(
            "Please say why you need this patient's record, in {MIN_REASON} to {MAX_REASON} characters."
        ))
        .for_staff(&who));
    }
    let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM patient WHERE id = $1")
        .bind(&patient)
        .fetch_one(&state.db)
        .await?;
    if known == 0 {
        // Answered as for a patient one may not reach: ids cannot be probed.
        return Err(refused(&who));
    }
    let now = Utc::now();
    sqlx::query(
        "INSERT INTO break_glass (staff_id, patient_id, reason, granted_at, expires_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&who.id)
    .bind(&patient)
    .bind(reason)
    .bind(Time(now))
    .bind(Time(now + BREAK_GLASS_FOR))
    .execute(&state.db)
    .await?;
    audit.patient(&patient);
    audit.reason(reason);
    Ok(Redirect::to(&format!("/console/patients/{patient}")).into_response())
}
