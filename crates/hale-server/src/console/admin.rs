//! The team admin's view of access: every break-glass read of the team's patients or by the
//! team's staff, with its reason, and the team's recent audit trail by person.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use chrono::Utc;
use chrono_tz::Tz;

use super::layout::{page as frame, Place, Problem};
use super::session::{Role, StaffSession};
use crate::db::Time;
use crate::html::escape;
use crate::ServerState;

/// When, who, which patient (MRN), action, route, status, reason.
type TrailRow = (
    Time,
    String,
    Option<String>,
    String,
    String,
    i64,
    Option<String>,
);

fn when(t: &Time, zone: &Tz) -> String {
    t.0.with_timezone(zone).format("%d/%m/%Y %H:%M").to_string()
}

/// `GET /console/admin`.
pub(crate) async fn page(
    State(state): State<ServerState>,
    who: StaffSession,
) -> Result<Response, Problem> {
    if who.role != Role::Admin {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Only the team's admin sees the audit trail.",
        )
        .for_staff(&who));
    }
    let zone = state.hospital.timezone;
    let glass: Vec<(Time, String, String, String, String)> = sqlx::query_as(
        "SELECT b.granted_at, s.name, p.given || ' ' || p.family, p.mrn, b.reason \
         FROM break_glass b JOIN staff s ON s.id = b.staff_id JOIN patient p ON p.id = b.patient_id \
         WHERE s.team_id = $1 OR b.patient_id IN \
               (SELECT patient_id FROM monitoring_plan WHERE team_id = $1) \
         ORDER BY b.granted_at DESC LIMIT 200",
    )
    .bind(&who.team_id)
    .fetch_all(&state.db)
    .await?;
    let glass_rows: String = glass
        .iter()
        .map(|(at, by, patient, mrn, reason)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{} ({})</td><td>{}</td></tr>",
                when(at, &zone),
                escape(by),
                escape(patient),
                escape(mrn),
                escape(reason)
            )
        })
        .collect();
    let trail: Vec<TrailRow> = sqlx::query_as(
        "SELECT e.recorded_at, s.name, p.mrn, e.action, e.route, e.status, e.reason \
             FROM audit_event e JOIN staff s ON s.id = e.actor_id AND e.actor_kind = 'staff' \
             LEFT JOIN patient p ON p.id = e.patient_id \
             WHERE s.team_id = $1 ORDER BY e.id DESC LIMIT 200",
    )
    .bind(&who.team_id)
    .fetch_all(&state.db)
    .await?;
    let trail_rows: String = trail
        .iter()
        .map(|(at, by, mrn, action, route, status, reason)| {
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td></tr>",
                when(at, &zone),
                escape(by),
                escape(mrn.as_deref().unwrap_or("—")),
                escape(action),
                escape(route),
                status,
                escape(reason.as_deref().unwrap_or(""))
            )
        })
        .collect();
    let main = format!(
        r#"<h1>Audit · {team}</h1>
<section aria-labelledby="glass-h"><h2 id="glass-h">Break-glass reads</h2>
<table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Patient</th><th scope="col">Reason</th></tr></thead><tbody>{glass_rows}</tbody></table></section>
<section aria-labelledby="trail-h"><h2 id="trail-h">Recent reads and actions by the team</h2>
<table><thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Patient</th><th scope="col">Action</th><th scope="col">Page</th><th scope="col">Status</th><th scope="col">Reason</th></tr></thead><tbody>{trail_rows}</tbody></table></section>
<p class="muted">As of {now}.</p>"#,
        team = escape(&who.team_name),
        now = Utc::now().with_timezone(&zone).format("%d/%m/%Y %H:%M"),
    );
    Ok(frame(
        StatusCode::OK,
        Some(&who),
        Place::Admin,
        "Audit",
        &main,
    ))
}
