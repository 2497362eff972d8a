//! The worklist: the team's enrolled patients, most urgent first (`hale_domain`'s order), with
//! counts, filters and who has each. The page and its live-refreshed fragment.

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Utc};
use hale_domain::monitoring::worklist::{compare, Urgency};
use hale_domain::monitoring::Tier;
use serde::Deserialize;

use super::layout::{page as frame, Place, Problem};
use super::session::{Role, StaffSession};
use crate::db::Time;
use crate::html::escape;
use crate::ServerState;

/// One patient's line on the worklist.
#[derive(Debug, Clone)]
pub struct Line {
    pub patient_id: String,
    pub name: String,
    pub mrn: String,
    pub red: i64,
    pub amber: i64,
    pub urgency: Urgency,
    /// Who has the patient's unresolved alerts, if someone took them.
    pub owner: Option<String>,
    pub owner_is_me: bool,
}

#[derive(sqlx::FromRow)]
struct Row {
    id: String,
    given: String,
    family: String,
    mrn: String,
    red: Option<i64>,
    amber: Option<i64>,
    waiting_since: Option<Time>,
    owner_id: Option<String>,
    owner_name: Option<String>,
    last_reading: Option<Time>,
}

/// The team's worklist in order. One query, whatever the number of patients.
pub async fn lines(
    db: &sqlx::AnyPool,
    team_id: &str,
    me: &str,
) -> Result<Vec<Line>, crate::FhirError> {
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT p.id, p.given, p.family, p.mrn, w.red, w.amber, w.waiting_since, \
                w.owner_id, st.name AS owner_name, \
                (SELECT MAX(o.effective_at) FROM observation o WHERE o.patient_id = p.id AND o.encounter_id IS NULL) AS last_reading \
         FROM monitoring_plan mp JOIN patient p ON p.id = mp.patient_id \
         LEFT JOIN (SELECT t.patient_id, \
                           SUM(CASE WHEN a.tier = 'red' THEN 1 ELSE 0 END) AS red, \
                           SUM(CASE WHEN a.tier = 'amber' THEN 1 ELSE 0 END) AS amber, \
                           MIN(a.raised_at) AS waiting_since, MAX(t.owner_id) AS owner_id \
                    FROM task t JOIN alert a ON a.id = t.alert_id \
                    WHERE t.status <> 'completed' GROUP BY t.patient_id) w ON w.patient_id = p.id \
         LEFT JOIN staff st ON st.id = w.owner_id \
         WHERE mp.team_id = $1 AND mp.ended_at IS NULL",
    )
    .bind(team_id)
    .fetch_all(db)
    .await?;
    let mut lines: Vec<Line> = rows
        .into_iter()
        .map(|r| {
            let red = r.red.unwrap_or(0);
            let amber = r.amber.unwrap_or(0);
            let worst = if red > 0 {
                Some(Tier::Red)
            } else if amber > 0 {
                Some(Tier::Amber)
            } else {
                None
            };
            Line {
                name: format!("{} {}", r.given, r.family),
                patient_id: r.id,
                mrn: r.mrn,
                red,
                amber,
                urgency: Urgency {
                    worst,
                    waiting_since: r.waiting_since.map(|t| t.0),
                    last_reading: r.last_reading.map(|t| t.0),
                },
                owner_is_me: r.owner_id.as_deref() == Some(me),
                owner: r.owner_name,
            }
        })
        .collect();
    lines.sort_by(|a, b| compare(&a.urgency, &b.urgency).then(a.name.cmp(&b.name)));
    Ok(lines)
}

/// Which lines to show.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Filter {
    #[default]
    All,
    Red,
    Amber,
    Mine,
    Unassigned,
}

impl Filter {
    const ALL: [(Self, &'static str); 5] = [
        (Self::All, "All"),
        (Self::Red, "Red"),
        (Self::Amber, "Amber"),
        (Self::Mine, "Mine"),
        (Self::Unassigned, "Unassigned"),
    ];

    fn code(self) -> &'static str {
        match self {
            Self::All => "all",
            Self::Red => "red",
            Self::Amber => "amber",
            Self::Mine => "mine",
            Self::Unassigned => "unassigned",
        }
    }

    /// An unknown filter reads as all: a mistyped address still shows the worklist.
    fn from_code(code: Option<&str>) -> Self {
        Self::ALL
            .iter()
            .map(|(f, _)| *f)
            .find(|f| Some(f.code()) == code)
            .unwrap_or_default()
    }

    fn keeps(self, l: &Line) -> bool {
        match self {
            Self::All => true,
            Self::Red => l.red > 0,
            Self::Amber => l.red == 0 && l.amber > 0,
            Self::Mine => l.owner_is_me,
            Self::Unassigned => (l.red + l.amber) > 0 && l.owner.is_none(),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct WorklistQuery {
    filter: Option<String>,
}

impl WorklistQuery {
    fn filter(&self) -> Filter {
        Filter::from_code(self.filter.as_deref())
    }
}

/// How long ago, in a few characters: "5 min", "3 h", "2 d".
pub(crate) fn ago(at: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = (now - at).num_minutes().max(0);
    if minutes < 60 {
        format!("{minutes} min")
    } else if minutes < 48 * 60 {
        format!("{} h", minutes / 60)
    } else {
        format!("{} d", minutes / (24 * 60))
    }
}

fn render(lines: &[Line], filter: Filter, now: DateTime<Utc>) -> String {
    let count = |f: Filter| lines.iter().filter(|l| f.keeps(l)).count();
    let filters: String = Filter::ALL
        .iter()
        .map(|(f, label)| {
            let current = if *f == filter { r#" aria-current="true""# } else { "" };
            format!(
                r#"<li><a href="/console?filter={}"{current}>{label} <span class="count">{}</span></a></li>"#,
                f.code(),
                count(*f)
            )
        })
        .collect();
    let rows: String = lines
        .iter()
        .filter(|l| filter.keeps(l))
        .map(|l| {
            let severity = match l.urgency.worst {
                Some(Tier::Red) => format!(r#"<span class="chip red">Red · {}</span>"#, l.red + l.amber),
                Some(Tier::Amber) => format!(r#"<span class="chip amber">Amber · {}</span>"#, l.amber),
                None => r#"<span class="chip calm">No alerts</span>"#.to_owned(),
            };
            let waiting = l
                .urgency
                .waiting_since
                .map_or("—".to_owned(), |t| ago(t, now));
            let last = l
                .urgency
                .last_reading
                .map_or("never".to_owned(), |t| format!("{} ago", ago(t, now)));
            let owner = l.owner.as_deref().map_or("—".to_owned(), escape);
            format!(
                r#"<tr data-patient="{id}"><td>{severity}</td><th scope="row"><a href="/console/patients/{id}">{name}</a><br><span class="muted">{mrn}</span></th><td>{waiting}</td><td>{last}</td><td>{owner}</td></tr>"#,
                id = escape(&l.patient_id),
                name = escape(&l.name),
                mrn = escape(&l.mrn),
            )
        })
        .collect();
    let empty = if rows.is_empty() {
        r#"<p class="muted">No patients match this filter.</p>"#
    } else {
        ""
    };
    format!(
        r#"<nav aria-label="Filters"><ul class="filters">{filters}</ul></nav>
<table class="worklist"><caption class="sr-only">Patients, most urgent first</caption>
<thead><tr><th scope="col">Alerts</th><th scope="col">Patient</th><th scope="col">Waiting</th><th scope="col">Last reading</th><th scope="col">Who has it</th></tr></thead>
<tbody>{rows}</tbody></table>{empty}"#
    )
}

/// `GET /console`: the worklist.
pub(crate) async fn page(
    State(state): State<ServerState>,
    who: StaffSession,
    Query(q): Query<WorklistQuery>,
) -> Result<Response, Problem> {
    let lines = lines(&state.db, &who.team_id, &who.id).await?;
    let enrol = if who.role == Role::Clinician {
        format!(
            r#"<details class="enrol"><summary>Enrol a patient</summary>
<form method="post" action="/console/enrol"><input type="hidden" name="csrf" value="{}">
<label for="mrn">Medical record number</label><input id="mrn" name="mrn" required>
<button type="submit">Enrol with the standard blood pressure plan</button></form></details>"#,
            escape(&who.csrf)
        )
    } else {
        String::new()
    };
    let main = format!(
        r#"<h1>Worklist · {team}</h1>{enrol}
<div id="worklist" data-live="/console/worklist?filter={filter}" aria-live="polite">{list}</div>"#,
        team = escape(&who.team_name),
        filter = q.filter().code(),
        list = render(&lines, q.filter(), Utc::now()),
    );
    Ok(frame(
        StatusCode::OK,
        Some(&who),
        Place::Worklist,
        "Worklist",
        &main,
    ))
}

/// `GET /console/worklist`: the list alone, which the page fetches when something changed.
pub(crate) async fn fragment(
    State(state): State<ServerState>,
    who: StaffSession,
    Query(q): Query<WorklistQuery>,
) -> Result<Response, Problem> {
    let lines = lines(&state.db, &who.team_id, &who.id).await?;
    let mut response = Html(render(&lines, q.filter(), Utc::now())).into_response();
    crate::html::protect(response.headers_mut(), "default-src 'none'");
    Ok(response)
}
