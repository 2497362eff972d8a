//! Schedules and free slots: what a patient can book.
//!
//! `GET /fhir/Schedule` lists who offers which service where; `GET /fhir/Slot` searches free
//! slots soonest first ("next available"), paged, and includes the Schedules of the slots it
//! returns (`search.mode = include`) so a client can show the clinician and place without a
//! second request.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use chrono::Utc;
use hale_fhir::{
    Bundle, BundleEntry, BundleLink, CodeableConcept, Coding, Reference, Resource, Schedule, Slot,
};

use crate::auth::PatientToken;
use crate::db::{Sql, Time};
use crate::error::fhir_json;
use crate::search::TimeRange;
use crate::{FhirError, ServerState};

const SNOMED: &str = "http://snomed.info/sct";
const DEFAULT_COUNT: u32 = 50;
const MAX_COUNT: u32 = 200;

#[derive(Debug, sqlx::FromRow)]
struct ScheduleRow {
    id: String,
    practitioner_id: String,
    practitioner_name: String,
    clinic_id: String,
    clinic_name: String,
    specialty_code: String,
    location: String,
}

impl ScheduleRow {
    fn service_type(&self) -> CodeableConcept {
        CodeableConcept {
            coding: vec![Coding {
                system: Some(SNOMED.into()),
                code: Some(self.specialty_code.clone()),
                display: Some(self.clinic_name.clone()),
            }],
            text: Some(self.clinic_name.clone()),
        }
    }

    fn into_fhir(self) -> Schedule {
        Schedule {
            id: Some(self.id.clone()),
            active: true,
            service_type: vec![self.service_type()],
            actor: vec![
                Reference::to(
                    "Practitioner",
                    &self.practitioner_id,
                    Some(self.practitioner_name),
                ),
                Reference::to("Location", &self.clinic_id, Some(self.location)),
            ],
        }
    }
}

const SCHEDULE_SELECT: &str = "SELECT sc.id, pr.id AS practitioner_id, \
     pr.name AS practitioner_name, c.id AS clinic_id, c.name AS clinic_name, c.specialty_code, \
     c.location FROM schedule sc JOIN practitioner pr ON pr.id = sc.practitioner_id \
     JOIN clinic c ON c.id = sc.clinic_id";

async fn schedules(state: &ServerState) -> Result<Vec<ScheduleRow>, FhirError> {
    Ok(
        sqlx::query_as(&format!("{SCHEDULE_SELECT} ORDER BY c.name, pr.name"))
            .fetch_all(&state.db)
            .await?,
    )
}

/// The schedules named, in the order of `ids` (a page of slots needs only its own, and a large
/// hospital has hundreds).
async fn schedules_named(state: &ServerState, ids: &[&str]) -> Result<Vec<ScheduleRow>, FhirError> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = Sql::new(SCHEDULE_SELECT);
    sql.push(" WHERE sc.id IN (")
        .push_list(ids.iter().map(|id| (*id).to_owned()))
        .push(")");
    let mut rows: Vec<ScheduleRow> = sql.build_query_as().fetch_all(&state.db).await?;
    rows.sort_by_key(|r| ids.iter().position(|id| *id == r.id));
    Ok(rows)
}

/// `GET /fhir/Schedule`: every bookable schedule.
pub(crate) async fn search_schedules(
    _token: PatientToken,
    State(state): State<ServerState>,
) -> Result<Response, FhirError> {
    let rows = schedules(&state).await?;
    let bundle = Bundle::searchset(rows.into_iter().map(|r| Resource::Schedule(r.into_fhir())));
    Ok(fhir_json(&Resource::Bundle(bundle)))
}

/// A parsed slot search.
#[derive(Debug, Default)]
struct SlotQuery {
    range: TimeRange,
    service_type: Option<String>,
    schedule: Option<String>,
    practitioner: Option<String>,
    count: u32,
    offset: u32,
}

fn parse_slot_query(query: &str, state: &ServerState) -> Result<SlotQuery, FhirError> {
    let mut q = SlotQuery {
        count: DEFAULT_COUNT,
        ..SlotQuery::default()
    };
    let number = |name: &str, value: &str| {
        value
            .parse::<u32>()
            .map_err(|_| FhirError::Invalid(format!("{name} must be a whole number")))
    };
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "status" if value != "free" => {
                return Err(FhirError::Invalid(
                    "patients may search free slots only (status=free)".into(),
                ))
            }
            "start" => q.range.narrow(&value, state.hospital.timezone)?,
            // `system|code` or a bare code.
            "service-type" => {
                q.service_type = Some(value.rsplit('|').next().unwrap_or_default().to_owned())
            }
            "schedule" => {
                q.schedule = Some(value.strip_prefix("Schedule/").unwrap_or(&value).to_owned())
            }
            "schedule.actor" => match value.strip_prefix("Practitioner/") {
                Some(id) => q.practitioner = Some(id.to_owned()),
                None => {
                    return Err(FhirError::Invalid(
                        "schedule.actor must reference a Practitioner".into(),
                    ))
                }
            },
            "_count" => q.count = number("_count", &value)?.clamp(1, MAX_COUNT),
            "_offset" => q.offset = number("_offset", &value)?,
            _ => {}
        }
    }
    Ok(q)
}

/// `GET /fhir/Slot?status=free&start=ge…&service-type=…&schedule.actor=Practitioner/…`
pub(crate) async fn search_slots(
    _token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let query = query.unwrap_or_default();
    let q = parse_slot_query(&query, &state)?;
    // A patient is never offered a slot that has already begun.
    let from = q.range.from.map_or(Utc::now(), |f| f.max(Utc::now()));
    let mut sql = Sql::new(
        "SELECT s.id, s.schedule_id, s.start_at, s.end_at FROM slot s \
         JOIN schedule sc ON sc.id = s.schedule_id JOIN clinic c ON c.id = sc.clinic_id \
         WHERE s.status = 'free' AND s.start_at >= ",
    );
    sql.push_bind(Time(from));
    if let Some(until) = q.range.until {
        sql.push(" AND s.start_at < ").push_bind(Time(until));
    }
    if let Some(code) = &q.service_type {
        sql.push(" AND c.specialty_code = ").push_bind(code);
    }
    if let Some(schedule) = &q.schedule {
        sql.push(" AND sc.id = ").push_bind(schedule);
    }
    if let Some(practitioner) = &q.practitioner {
        sql.push(" AND sc.practitioner_id = ")
            .push_bind(practitioner);
    }
    // One row more than asked tells whether there is a next page.
    sql.push(" ORDER BY s.start_at, s.id LIMIT ")
        .push_bind(i64::from(q.count) + 1)
        .push(" OFFSET ")
        .push_bind(i64::from(q.offset));
    let mut rows: Vec<(String, String, Time, Time)> =
        sql.build_query_as().fetch_all(&state.db).await?;
    let more = rows.len() > q.count as usize;
    rows.truncate(q.count as usize);

    let mut included: Vec<&str> = Vec::new();
    for (_, schedule_id, _, _) in &rows {
        if !included.contains(&schedule_id.as_str()) {
            included.push(schedule_id);
        }
    }
    let page_schedules = schedules_named(&state, &included).await?;
    let mut entry = Vec::with_capacity(rows.len() + included.len());
    for (id, schedule_id, start, end) in &rows {
        let schedule = page_schedules.iter().find(|s| &s.id == schedule_id);
        entry.push(BundleEntry {
            full_url: None,
            resource: Resource::Slot(Slot {
                id: Some(id.clone()),
                service_type: schedule
                    .map(ScheduleRow::service_type)
                    .into_iter()
                    .collect(),
                schedule: Reference::to("Schedule", schedule_id, None),
                status: "free".into(),
                start: start.0,
                end: end.0,
            }),
            ..BundleEntry::default()
        });
    }
    let total = entry.len() as u32;
    // The page's schedules follow its slots, in the order the slots first name them.
    for row in page_schedules {
        entry.push(BundleEntry {
            full_url: None,
            resource: Resource::Schedule(row.into_fhir()),
            ..BundleEntry::default()
        });
    }
    let mut link = Vec::new();
    if more {
        link.push(BundleLink {
            relation: "next".into(),
            url: next_page_url(&headers, &query, q.offset + q.count),
        });
    }
    let bundle = Bundle {
        bundle_type: "searchset".into(),
        total: None,
        link,
        entry,
    };
    tracing::debug!(slots = total, "slot search");
    Ok(fhir_json(&Resource::Bundle(bundle)))
}

fn next_page_url(headers: &HeaderMap, query: &str, offset: u32) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let mut params = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if name != "_offset" {
            params.append_pair(&name, &value);
        }
    }
    params.append_pair("_offset", &offset.to_string());
    format!("http://{host}/fhir/Slot?{}", params.finish())
}
