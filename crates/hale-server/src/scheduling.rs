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
use hale_fhir::{CodeableConcept, Coding, Reference, Resource, Schedule, Slot};

use crate::auth::PatientToken;
use crate::db::{Sql, Time};
use crate::search::TimeRange;
use crate::searchset::{Paging, Search};
use crate::{FhirError, ServerState};

const SNOMED: &str = "http://snomed.info/sct";
/// Free slots come 50 to a page, up to 200.
const SLOTS: Paging = Paging {
    default: 50,
    max: 200,
};
/// Every schedule fits one page in all but the largest hospitals.
const SCHEDULES: Paging = Paging {
    default: 500,
    max: 1000,
};

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
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "Schedule", SCHEDULES)?;
    for (name, value) in search.params() {
        search.unknown(&name, &value)?;
    }
    let rows = schedules(&state).await?;
    Ok(search.page(
        rows.into_iter()
            .map(|r| (Resource::Schedule(r.into_fhir()), Vec::new()))
            .collect(),
        true,
    ))
}

/// A parsed slot search.
#[derive(Debug, Default)]
struct SlotQuery {
    range: TimeRange,
    service_type: Option<String>,
    schedule: Option<String>,
    practitioner: Option<String>,
}

fn parse_slot_query(search: &mut Search, state: &ServerState) -> Result<SlotQuery, FhirError> {
    let mut q = SlotQuery::default();
    for (name, value) in search.params() {
        match name.as_ref() {
            "status" if value == "free" => {}
            "status" => {
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
            // Its schedules always come with a page of slots.
            "_include" => search.include(&name, &value, &["Slot:schedule"])?,
            _ => search.unknown(&name, &value)?,
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
    let mut search = Search::new(&headers, query.as_deref(), "Slot", SLOTS)?;
    let q = parse_slot_query(&mut search, &state)?;
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
    sql.push(" ORDER BY s.start_at, s.id");
    search.limit(&mut sql);
    let mut rows: Vec<(String, String, Time, Time)> =
        sql.build_query_as().fetch_all(&state.db).await?;
    let more = search.cut(&mut rows);

    let mut included: Vec<&str> = Vec::new();
    for (_, schedule_id, _, _) in &rows {
        if !included.contains(&schedule_id.as_str()) {
            included.push(schedule_id);
        }
    }
    let page_schedules = schedules_named(&state, &included).await?;
    let slots = rows
        .iter()
        .map(|(id, schedule_id, start, end)| {
            let schedule = page_schedules.iter().find(|s| &s.id == schedule_id);
            Resource::Slot(Slot {
                id: Some(id.clone()),
                service_type: schedule
                    .map(ScheduleRow::service_type)
                    .into_iter()
                    .collect(),
                schedule: Reference::to("Schedule", schedule_id, None),
                status: "free".into(),
                start: start.0,
                end: end.0,
            })
        })
        .collect();
    // The page's schedules follow its slots, in the order the slots first name them.
    let schedules = page_schedules
        .into_iter()
        .map(|row| Resource::Schedule(row.into_fhir()))
        .collect();
    tracing::debug!(slots = rows.len(), "slot search");
    Ok(search.bundle(slots, schedules, more))
}
