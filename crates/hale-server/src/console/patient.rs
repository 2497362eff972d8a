//! A patient as the care team sees them: the banner with standing alerts, the alerts and their
//! tasks with the actions on them, each vital over 24 hours, 7 or 30 days against the plan's
//! limits, adherence per medicine, appointments and visits, the plan, and messages.

use std::collections::BTreeMap;
use std::fmt::Write;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use hale_domain::device::{Reading, ReadingKind, Vital};
use hale_domain::medication::timing::{expand, DailyRoutine};
use hale_domain::monitoring::MonitoringPlan;
use hale_fhir::medication::DOSE_SYSTEM;
use hale_fhir::{Observation, Resource};
use serde::Deserialize;
use sqlx::AnyConnection;

use super::access::{reach, Reach};
use super::chart::{svg, Series};
use super::layout::{page as frame, Place, Problem};
use super::session::{Role, StaffSession};
use super::worklist::ago;
use crate::auth::Audit;
use crate::db::Time;
use crate::html::escape;
use crate::monitoring::plans::{enrolment, Enrolment};
use crate::ServerState;

/// The chart's span.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) enum Span {
    Day,
    #[default]
    Week,
    Month,
}

impl Span {
    const ALL: [(Self, &'static str, &'static str); 3] = [
        (Self::Day, "24h", "24 hours"),
        (Self::Week, "7d", "7 days"),
        (Self::Month, "30d", "30 days"),
    ];

    /// An unknown span reads as the default: a mistyped address still shows the patient.
    fn from_code(code: Option<&str>) -> Self {
        Self::ALL
            .iter()
            .find(|(_, c, _)| Some(*c) == code)
            .map_or(Self::default(), |(s, _, _)| *s)
    }

    fn length(self) -> Duration {
        match self {
            Self::Day => Duration::hours(24),
            Self::Week => Duration::days(7),
            Self::Month => Duration::days(30),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct PatientQuery {
    span: Option<String>,
    /// `alerts`: the alerts section alone, for the live refresh.
    part: Option<String>,
}

#[derive(sqlx::FromRow)]
struct PatientRow {
    given: String,
    family: String,
    mrn: String,
    birth_date: String,
}

/// `GET /console/patients/{id}`.
pub(crate) async fn page(
    State(state): State<ServerState>,
    who: StaffSession,
    audit: Audit,
    Path(id): Path<String>,
    Query(q): Query<PatientQuery>,
) -> Result<Response, Problem> {
    let mut conn = state.db.acquire().await?;
    audit.patient(&id);
    let now = Utc::now();
    // Access first: a refusal names nobody and reads the same whether or not the id exists.
    let reach = reach(&mut conn, &who, &id, now).await?;
    if reach == Reach::None {
        return Ok(break_glass_page(&who, &id));
    }
    if let Reach::BrokeGlass(reason) = &reach {
        audit.reason(reason);
    }
    let patient: Option<PatientRow> =
        sqlx::query_as("SELECT given, family, mrn, birth_date FROM patient WHERE id = $1")
            .bind(&id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some(patient) = patient else {
        return Err(
            Problem::new(StatusCode::NOT_FOUND, "There is no such patient.").for_staff(&who),
        );
    };
    let name = format!("{} {}", patient.given, patient.family);
    let zone = state.hospital.timezone;
    let alerts = alerts_section(&mut conn, &who, &id, now).await?;
    if q.part.as_deref() == Some("alerts") {
        let mut response = Html(alerts).into_response();
        crate::html::protect(response.headers_mut(), "default-src 'none'");
        return Ok(response);
    }
    let e = enrolment(&mut conn, &id).await?;
    let banner = banner(&mut conn, &id, &patient, &reach).await?;
    let span = Span::from_code(q.span.as_deref());
    let vitals = vitals_section(&mut conn, &id, e.as_ref(), span, &zone, now).await?;
    let adherence = adherence_section(&mut conn, &id, &zone, now).await?;
    let visits = visits_section(&mut conn, &id, &zone).await?;
    let may_record = super::clinic::may_record(&who, &reach);
    let clinic = super::clinic::section(&mut conn, &who, may_record, &id, &zone, now).await?;
    let plan = plan_section(&who, &id, e.as_ref(), &zone);
    let messages = messages_section(&mut conn, &who, &id, &zone).await?;
    let main = format!(
        r#"{banner}<div id="alerts" data-live="/console/patients/{pid}?part=alerts" aria-live="polite">{alerts}</div>{vitals}{adherence}{clinic}{visits}{plan}{messages}"#,
        pid = escape(&id),
    );
    Ok(frame(
        StatusCode::OK,
        Some(&who),
        Place::Patient,
        &name,
        &main,
    ))
}

fn break_glass_page(who: &StaffSession, id: &str) -> Response {
    let main = format!(
        r#"<h1>Not your team's patient</h1><p role="alert" class="problem">This patient is not enrolled with your team.</p>
<p>To read their record in an emergency, say why. Your reason is recorded and shown to your team's admin, and access lasts one hour.</p>
<form method="post" action="/console/patients/{id}/break-glass" class="narrow"><input type="hidden" name="csrf" value="{csrf}">
<label for="reason">Reason</label><textarea id="reason" name="reason" required minlength="10" maxlength="500"></textarea>
<button type="submit" class="danger">Break glass and open the record</button></form>"#,
        id = escape(id),
        csrf = escape(&who.csrf)
    );
    frame(
        StatusCode::FORBIDDEN,
        Some(who),
        Place::Patient,
        "Not your team's patient",
        &main,
    )
}

async fn banner(
    conn: &mut AnyConnection,
    id: &str,
    p: &PatientRow,
    reach: &Reach,
) -> Result<String, Problem> {
    let flags: Vec<(String, String)> = sqlx::query_as(
        "SELECT tier, detail FROM alert WHERE patient_id = $1 AND status = 'open' \
         ORDER BY CASE tier WHEN 'red' THEN 0 ELSE 1 END, raised_at",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let chips: String = flags
        .iter()
        .map(|(tier, detail)| {
            format!(
                r#"<li class="chip {t}">{}</li>"#,
                escape(detail),
                t = escape(tier)
            )
        })
        .collect();
    let glass = match reach {
        Reach::BrokeGlass(reason) => format!(
            r#"<p class="problem">Read outside your team (break glass): {}</p>"#,
            escape(reason)
        ),
        _ => String::new(),
    };
    Ok(format!(
        r#"<section class="banner" aria-labelledby="who"><h1 id="who">{} {}</h1><p>MRN {} · born {}</p>{glass}<ul class="flags" aria-label="Standing alerts">{chips}</ul></section>"#,
        escape(&p.given),
        escape(&p.family),
        escape(&p.mrn),
        escape(&p.birth_date),
    ))
}

#[derive(sqlx::FromRow)]
struct AlertRow {
    id: String,
    tier: String,
    status: String,
    detail: String,
    raised_at: Time,
    cleared_at: Option<Time>,
    escalated_at: Option<Time>,
    task_id: String,
    task_status: String,
    priority: String,
    owner: Option<String>,
    acknowledged_at: Option<Time>,
    acknowledged_by: Option<String>,
    outcome: Option<String>,
}

/// The outcomes a task is resolved with.
pub(crate) const OUTCOMES: [&str; 6] = [
    "Advice given to the patient",
    "Medication changed",
    "Appointment booked",
    "Referred to urgent care",
    "No action needed",
    "Reading was wrong (device or technique)",
];

async fn alerts_section(
    conn: &mut AnyConnection,
    who: &StaffSession,
    id: &str,
    now: DateTime<Utc>,
) -> Result<String, Problem> {
    let rows: Vec<AlertRow> = sqlx::query_as(
        "SELECT a.id, a.tier, a.status, a.detail, a.raised_at, a.cleared_at, a.escalated_at, \
                t.id AS task_id, t.status AS task_status, t.priority, o.name AS owner, \
                t.acknowledged_at, k.name AS acknowledged_by, t.outcome \
         FROM alert a JOIN task t ON t.alert_id = a.id \
         LEFT JOIN staff o ON o.id = t.owner_id LEFT JOIN staff k ON k.id = t.acknowledged_by \
         WHERE a.patient_id = $1 ORDER BY CASE WHEN t.status = 'completed' THEN 1 ELSE 0 END, \
                a.raised_at DESC LIMIT 50",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let notes: Vec<(String, String, String, Time)> = sqlx::query_as(
        "SELECT n.task_id, s.name, n.text, n.written_at FROM task_note n \
         JOIN staff s ON s.id = n.staff_id JOIN task t ON t.id = n.task_id \
         WHERE t.patient_id = $1 ORDER BY n.written_at",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let csrf = escape(&who.csrf);
    let mut out =
        String::from(r#"<section aria-labelledby="alerts-h"><h2 id="alerts-h">Alerts</h2>"#);
    if rows.is_empty() {
        out.push_str(r#"<p class="muted">No alerts have been raised.</p>"#);
    }
    for r in &rows {
        let state = match (r.status.as_str(), r.task_status.as_str()) {
            (_, "completed") => format!("Resolved: {}", escape(r.outcome.as_deref().unwrap_or(""))),
            ("cleared", _) => "All clear (condition ended), to resolve".to_owned(),
            _ => "Open".to_owned(),
        };
        let ack = match (&r.acknowledged_at, &r.acknowledged_by) {
            (Some(at), Some(by)) => {
                format!("Acknowledged by {} {} ago", escape(by), ago(at.0, now))
            }
            _ => "Not acknowledged".to_owned(),
        };
        let escalated = if r.escalated_at.is_some() {
            r#" <span class="chip red">Escalated</span>"#
        } else {
            ""
        };
        let cleared = r.cleared_at.as_ref().map_or(String::new(), |t| {
            format!(", cleared {} ago", ago(t.0, now))
        });
        let task_notes: String = notes
            .iter()
            .filter(|n| n.0 == r.task_id)
            .map(|n| {
                format!(
                    "<li><b>{}</b> ({} ago): {}</li>",
                    escape(&n.1),
                    ago(n.3 .0, now),
                    escape(&n.2)
                )
            })
            .collect();
        let tid = escape(&r.task_id);
        let actions = if r.task_status == "completed" {
            String::new()
        } else {
            let ack_button = if r.acknowledged_at.is_none() {
                format!(
                    r#"<form method="post" action="/console/tasks/{tid}/acknowledge"><input type="hidden" name="csrf" value="{csrf}"><button type="submit" class="primary">Acknowledge</button></form>"#
                )
            } else {
                String::new()
            };
            let outcomes: String = OUTCOMES
                .iter()
                .map(|o| format!("<option>{}</option>", escape(o)))
                .collect();
            format!(
                r#"<div class="actions">{ack_button}
<form method="post" action="/console/tasks/{tid}/assign"><input type="hidden" name="csrf" value="{csrf}"><button type="submit">Assign to me</button></form>
<form method="post" action="/console/tasks/{tid}/note"><input type="hidden" name="csrf" value="{csrf}"><label for="note-{tid}">Note</label><input id="note-{tid}" name="text" required maxlength="2000"><button type="submit">Add note</button></form>
<form method="post" action="/console/tasks/{tid}/resolve"><input type="hidden" name="csrf" value="{csrf}"><label for="outcome-{tid}">Outcome</label><select id="outcome-{tid}" name="outcome" required>{outcomes}</select><button type="submit">Resolve</button></form></div>"#
            )
        };
        let _ = write!(
            out,
            r#"<article class="alert {tier}" data-alert="{aid}" data-task-status="{ts}"><h3><span class="chip {tier}">{tier_word}</span> {detail}{escalated}</h3>
<p>Raised {raised} ago{cleared} · {state} · {ack} · {owner} · priority {priority}</p><ul class="notes">{task_notes}</ul>{actions}</article>"#,
            tier = escape(&r.tier),
            aid = escape(&r.id),
            ts = escape(&r.task_status),
            tier_word = if r.tier == "red" { "Red" } else { "Amber" },
            detail = escape(&r.detail),
            raised = ago(r.raised_at.0, now),
            owner = r
                .owner
                .as_deref()
                .map_or("Nobody has it".to_owned(), |o| format!(
                    "With {}",
                    escape(o)
                )),
            priority = escape(&r.priority),
        );
    }
    out.push_str("</section>");
    Ok(out)
}

/// The vitals each kind of reading shows, in order.
const CHARTED: [Vital; 8] = [
    Vital::Systolic,
    Vital::Diastolic,
    Vital::HeartRate,
    Vital::BodyWeight,
    Vital::OxygenSaturation,
    Vital::BodyTemperature,
    Vital::BloodGlucose,
    Vital::InterstitialGlucose,
];

fn vital_label(v: Vital) -> &'static str {
    match v {
        Vital::Systolic => "Systolic blood pressure",
        Vital::Diastolic => "Diastolic blood pressure",
        Vital::HeartRate => "Heart rate",
        Vital::BodyWeight => "Weight",
        Vital::OxygenSaturation => "Oxygen saturation",
        Vital::BodyTemperature => "Temperature",
        Vital::BloodGlucose => "Blood glucose",
        Vital::InterstitialGlucose => "Sensor glucose",
        _ => "Reading",
    }
}

/// Readings beyond this many in a span are thinned to every n-th for the chart.
const MAX_POINTS: usize = 600;

async fn vitals_section(
    conn: &mut AnyConnection,
    id: &str,
    e: Option<&Enrolment>,
    span: Span,
    zone: &Tz,
    now: DateTime<Utc>,
) -> Result<String, Problem> {
    let from = now - span.length();
    // Home readings: those taken at a visit are listed with the visit.
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT resource FROM observation WHERE patient_id = $1 AND encounter_id IS NULL \
         AND effective_at >= $2 ORDER BY effective_at",
    )
    .bind(id)
    .bind(Time(from))
    .fetch_all(&mut *conn)
    .await?;
    let mut series: BTreeMap<usize, Vec<(DateTime<Utc>, f64)>> = BTreeMap::new();
    for (json,) in rows {
        let Ok(Resource::Observation(o)) = serde_json::from_str::<Resource>(&json) else {
            continue;
        };
        let Ok(reading) = Observation::to_reading(&o) else {
            continue;
        };
        add(&mut series, &reading);
    }
    let tabs: String = Span::ALL
        .iter()
        .map(|(s, code, label)| {
            let current = if *s == span {
                r#" aria-current="true""#
            } else {
                ""
            };
            format!(r#"<li><a href="?span={code}#vitals-h"{current}>{label}</a></li>"#)
        })
        .collect();
    let mut out = format!(
        r#"<section aria-labelledby="vitals-h"><h2 id="vitals-h">Readings</h2><ul class="filters">{tabs}</ul>"#
    );
    if series.is_empty() {
        out.push_str(r#"<p class="muted">No readings in this time.</p>"#);
    }
    for (index, points) in &series {
        let vital = CHARTED[*index];
        let step = points.len().div_ceil(MAX_POINTS).max(1);
        let shown: Vec<_> = points.iter().copied().step_by(step).collect();
        let limits = e.and_then(|e| e.plan.limits.iter().find(|l| l.vital == vital));
        let unit = match vital {
            Vital::Systolic | Vital::Diastolic => "mmHg",
            Vital::HeartRate => "/min",
            Vital::BodyWeight => "kg",
            Vital::OxygenSaturation => "%",
            Vital::BodyTemperature => "°C",
            _ => "mmol/L",
        };
        let id = format!("chart-{index}");
        let _ = write!(
            out,
            r#"<figure><figcaption>{}</figcaption>{}</figure>"#,
            vital_label(vital),
            svg(
                &Series {
                    id: &id,
                    label: vital_label(vital),
                    unit,
                    points: &shown,
                    limits,
                },
                from,
                now,
                zone
            )
        );
    }
    out.push_str("</section>");
    Ok(out)
}

fn add(series: &mut BTreeMap<usize, Vec<(DateTime<Utc>, f64)>>, reading: &Reading) {
    for (i, vital) in CHARTED.iter().enumerate() {
        if let Some(v) = reading.value(*vital) {
            series.entry(i).or_default().push((reading.effective, v));
        }
    }
}

async fn adherence_section(
    conn: &mut AnyConnection,
    id: &str,
    zone: &Tz,
    now: DateTime<Utc>,
) -> Result<String, Problem> {
    let medicines = crate::medication::active_medicines(conn, id, zone).await?;
    let from = now - Duration::days(7);
    let records: Vec<(String, String)> = sqlx::query_as(
        "SELECT identifier_value, status FROM medication_administration \
         WHERE patient_id = $1 AND identifier_system = $2 AND effective_at >= $3",
    )
    .bind(id)
    .bind(DOSE_SYSTEM)
    .bind(Time(from - Duration::days(1)))
    .fetch_all(&mut *conn)
    .await?;
    let status_of: BTreeMap<&str, &str> = records
        .iter()
        .map(|(k, s)| (k.as_str(), s.as_str()))
        .collect();
    let mut rows = String::new();
    for m in medicines.iter().filter(|m| !m.steps.is_empty()) {
        // Doses due in the last 7 days, up to two hours ago (later ones may still be taken).
        let doses = expand(
            &m.steps,
            &DailyRoutine::default(),
            zone,
            from,
            now - Duration::hours(2),
        );
        let (mut taken, mut skipped, mut missed) = (0, 0, Vec::new());
        for d in &doses {
            match status_of.get(m.dose_key(&d.slot.key()).as_str()) {
                Some(&"completed") => taken += 1,
                Some(_) => skipped += 1,
                None => missed.push(d.due),
            }
        }
        let share = if doses.is_empty() {
            "—".to_owned()
        } else {
            format!("{}%", taken * 100 / doses.len())
        };
        let missed_list: Vec<String> = missed
            .iter()
            .rev()
            .take(5)
            .map(|t| t.with_timezone(zone).format("%a %d/%m %H:%M").to_string())
            .collect();
        let _ = write!(
            rows,
            "<tr><th scope=\"row\">{}</th><td>{share}</td><td>{taken}</td><td>{skipped}</td><td>{}</td><td>{}</td></tr>",
            escape(&m.name),
            missed.len(),
            missed_list.join(", ")
        );
    }
    if rows.is_empty() {
        return Ok(r#"<section aria-labelledby="adh-h"><h2 id="adh-h">Medicines</h2><p class="muted">No scheduled medicines.</p></section>"#.to_owned());
    }
    Ok(format!(
        r#"<section aria-labelledby="adh-h"><h2 id="adh-h">Medicines, last 7 days</h2><table><thead><tr><th scope="col">Medicine</th><th scope="col">Taken</th><th scope="col">Doses taken</th><th scope="col">Skipped</th><th scope="col">Missed</th><th scope="col">Latest missed</th></tr></thead><tbody>{rows}</tbody></table></section>"#
    ))
}

async fn visits_section(conn: &mut AnyConnection, id: &str, zone: &Tz) -> Result<String, Problem> {
    type Row = (
        Time,
        String,
        String,
        Option<String>,
        Option<String>,
        Option<Time>,
        Option<String>,
    );
    // The newest answers sent for each appointment, shown with it.
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT s.start_at, c.name, a.status, e.status, q.resource, q.authored_at, e.id \
         FROM appointment a \
         JOIN slot s ON s.id = a.slot_id JOIN schedule sc ON sc.id = s.schedule_id \
         JOIN clinic c ON c.id = sc.clinic_id LEFT JOIN encounter e ON e.appointment_id = a.id \
         LEFT JOIN questionnaire_response q ON q.id = (SELECT q2.id FROM questionnaire_response q2 \
           WHERE q2.appointment_id = a.id AND q2.patient_id = a.patient_id \
           ORDER BY q2.received_at DESC, q2.id DESC LIMIT 1) \
         WHERE a.patient_id = $1 ORDER BY s.start_at DESC LIMIT 12",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    // The readings taken at each visit, listed with it.
    let mut measured = Vec::with_capacity(rows.len());
    for row in &rows {
        measured.push(match &row.6 {
            Some(encounter) => super::clinic::taken_at(conn, encounter, zone).await?,
            None => String::new(),
        });
    }
    let items: String = rows
        .iter()
        .zip(measured)
        .map(|((at, clinic, status, visit, form, sent, _), measured)| {
            let visit = visit
                .as_deref()
                .map_or(String::new(), |v| format!(" · visit {}", escape(v)));
            let answers = match (form, sent) {
                (Some(form), Some(sent)) => super::answers::answers_html(
                    form,
                    &sent
                        .0
                        .with_timezone(zone)
                        .format("%a %d/%m/%Y %H:%M")
                        .to_string(),
                ),
                _ => String::new(),
            };
            let measured = if measured.is_empty() {
                measured
            } else {
                format!(r#"<ul class="clinic-readings" aria-label="Measured at the visit">{measured}</ul>"#)
            };
            format!(
                "<li>{} · {} · {}{visit}{answers}{measured}</li>",
                at.0.with_timezone(zone).format("%a %d/%m/%Y %H:%M"),
                escape(clinic),
                escape(status)
            )
        })
        .collect();
    Ok(format!(
        r#"<section aria-labelledby="visits-h"><h2 id="visits-h">Appointments and visits</h2><ul>{}</ul></section>"#,
        if items.is_empty() {
            r#"<li class="muted">None</li>"#.to_owned()
        } else {
            items
        }
    ))
}

/// The vitals a plan may set limits for, with their form field names.
pub(crate) const LIMIT_FIELDS: [(Vital, &str); 6] = [
    (Vital::Systolic, "systolic"),
    (Vital::Diastolic, "diastolic"),
    (Vital::HeartRate, "heart_rate"),
    (Vital::BodyWeight, "weight"),
    (Vital::OxygenSaturation, "spo2"),
    (Vital::BodyTemperature, "temperature"),
];

/// The measurements a plan may ask for, with their form field names.
pub(crate) const MEASUREMENT_FIELDS: [(ReadingKind, &str); 6] = [
    (ReadingKind::BloodPressure, "blood_pressure"),
    (ReadingKind::BodyWeight, "weight"),
    (ReadingKind::OxygenSaturation, "spo2"),
    (ReadingKind::HeartRate, "heart_rate"),
    (ReadingKind::BodyTemperature, "temperature"),
    (ReadingKind::BloodGlucose, "glucose"),
];

fn plan_section(who: &StaffSession, id: &str, e: Option<&Enrolment>, zone: &Tz) -> String {
    let Some(e) = e else {
        return r#"<section aria-labelledby="plan-h"><h2 id="plan-h">Monitoring plan</h2><p class="muted">Not enrolled.</p></section>"#.to_owned();
    };
    let plan: &MonitoringPlan = &e.plan;
    let fmt = |v: Option<f64>| v.map_or(String::new(), crate::html::decimal);
    let summary: String = plan
        .measurements
        .iter()
        .map(|m| {
            let times: Vec<String> = m
                .times
                .iter()
                .map(|t| t.format("%H:%M").to_string())
                .collect();
            format!("<li>{} at {}</li>", m.kind.label(), times.join(" and "))
        })
        .collect();
    let limits: String = plan
        .limits
        .iter()
        .map(|l| {
            format!(
                "<li>{}: amber at {} or more{}, red at {} or more{}</li>",
                vital_label(l.vital),
                fmt(l.amber.high),
                l.amber
                    .low
                    .map_or(String::new(), |v| format!(" or below {}", fmt(Some(v)))),
                fmt(l.red.high),
                l.red
                    .low
                    .map_or(String::new(), |v| format!(" or below {}", fmt(Some(v)))),
            )
        })
        .collect();
    let mut out = format!(
        r#"<section aria-labelledby="plan-h"><h2 id="plan-h">Monitoring plan</h2><p>Enrolled {}.</p><ul>{summary}</ul><ul>{limits}</ul>"#,
        e.enrolled.with_timezone(zone).format("%d/%m/%Y")
    );
    if who.role == Role::Clinician {
        let csrf = escape(&who.csrf);
        let measurements: String = MEASUREMENT_FIELDS
            .iter()
            .map(|(kind, field)| {
                let times = plan
                    .measurements
                    .iter()
                    .find(|m| m.kind == *kind)
                    .map(|m| m.times.iter().map(|t| t.format("%H:%M").to_string()).collect::<Vec<_>>().join(", "))
                    .unwrap_or_default();
                format!(
                    r#"<label for="m-{field}">{} times (e.g. 08:00, 20:00)</label><input id="m-{field}" name="times_{field}" value="{}">"#,
                    kind.label(),
                    escape(&times)
                )
            })
            .collect();
        let limit_inputs: String = LIMIT_FIELDS
            .iter()
            .map(|(vital, field)| {
                let l = plan.limits.iter().find(|l| l.vital == *vital);
                let value = |f: fn(&hale_domain::monitoring::VitalLimits) -> Option<f64>| l.and_then(f).map_or(String::new(), |v| fmt(Some(v)));
                format!(
                    r#"<fieldset><legend>{label}</legend>
<label for="{field}-amber-high">Amber at or above</label><input id="{field}-amber-high" name="{field}_amber_high" inputmode="decimal" value="{}">
<label for="{field}-red-high">Red at or above</label><input id="{field}-red-high" name="{field}_red_high" inputmode="decimal" value="{}">
<label for="{field}-amber-low">Amber below</label><input id="{field}-amber-low" name="{field}_amber_low" inputmode="decimal" value="{}">
<label for="{field}-red-low">Red below</label><input id="{field}-red-low" name="{field}_red_low" inputmode="decimal" value="{}"></fieldset>"#,
                    value(|l| l.amber.high),
                    value(|l| l.red.high),
                    value(|l| l.amber.low),
                    value(|l| l.red.low),
                    label = vital_label(*vital),
                )
            })
            .collect();
        let _ = write!(
            out,
            r#"<details><summary>Edit the plan</summary><form method="post" action="/console/patients/{pid}/plan" class="plan"><input type="hidden" name="csrf" value="{csrf}">{measurements}{limit_inputs}<button type="submit" class="primary">Save the plan</button></form></details>
<form method="post" action="/console/patients/{pid}/unenrol"><input type="hidden" name="csrf" value="{csrf}"><button type="submit" class="danger">Unenrol from monitoring</button></form>"#,
            pid = escape(id)
        );
    }
    out.push_str("</section>");
    out
}

async fn messages_section(
    conn: &mut AnyConnection,
    who: &StaffSession,
    id: &str,
    zone: &Tz,
) -> Result<String, Problem> {
    let rows: Vec<(String, String, Time)> = sqlx::query_as(
        "SELECT s.name, c.text, c.sent_at FROM communication c JOIN staff s ON s.id = c.sender_id \
         WHERE c.patient_id = $1 ORDER BY c.sent_at DESC LIMIT 20",
    )
    .bind(id)
    .fetch_all(&mut *conn)
    .await?;
    let items: String = rows
        .iter()
        .map(|(from, text, at)| {
            format!(
                "<li><b>{}</b>, {}: {}</li>",
                escape(from),
                at.0.with_timezone(zone).format("%d/%m %H:%M"),
                escape(text)
            )
        })
        .collect();
    Ok(format!(
        r#"<section aria-labelledby="msg-h"><h2 id="msg-h">Messages to the patient</h2><ul class="messages">{items}</ul>
<form method="post" action="/console/patients/{pid}/message" class="narrow"><input type="hidden" name="csrf" value="{csrf}">
<label for="message">Message</label><textarea id="message" name="text" required maxlength="1000"></textarea>
<button type="submit">Send to the patient</button></form></section>"#,
        pid = escape(id),
        csrf = escape(&who.csrf)
    ))
}
