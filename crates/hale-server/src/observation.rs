//! Vital-sign Observations from patients' devices: conditional creates (alone or in a
//! transaction), and search for the patient (the care team reads them in the console).

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Duration, Utc};
use hale_domain::device::Reading;
use hale_fhir::observation::{kind_code, LOINC, READING_SYSTEM};
use hale_fhir::{Observation, Resource};
use sqlx::AnyConnection;

use crate::auth::{Audit, PatientToken, Recorder};
use crate::clinic_readings::{self, Taker};
use crate::conditional::{condition_identifier, split_identifier};
use crate::conditional::{conditional_created, if_none_exist};
use crate::db::{Backend, Sql, Time};
use crate::search::{patient_id, TimeRange};
use crate::searchset::{Paging, Search};
use crate::{FhirError, ServerState};

/// A device clock may run this far ahead of the server's.
const FUTURE_TOLERANCE: Duration = Duration::minutes(10);
/// Readings come 500 to a page unless the client asks for up to 5,000.
const PAGE: Paging = Paging {
    default: 500,
    max: 5000,
};

/// `POST /fhir/Observation` with `If-None-Exist: identifier=SYSTEM|VALUE`: a home reading from
/// the patient's app, or a reading a clinic's monitor took at a visit.
pub(crate) async fn create(
    recorder: Recorder,
    audit: Audit,
    State(state): State<ServerState>,
    headers: HeaderMap,
    Json(body): Json<Resource>,
) -> Result<Response, FhirError> {
    let Resource::Observation(observation) = body else {
        return Err(FhirError::Invalid("expected an Observation".into()));
    };
    let condition = if_none_exist(&headers);
    let token = match recorder {
        Recorder::Patient(token) => token,
        Recorder::Clinic(device) => {
            // A clinic's reading changes only the patient it names; one that names none is
            // refused by the check, under the hospital-wide lock.
            let named = observation
                .subject
                .as_ref()
                .and_then(|s| s.id_of("Patient"))
                .map(str::to_owned);
            let mut tx = match &named {
                Some(patient) => {
                    // Audited under the patient it names, refused or not.
                    audit.patient(patient);
                    crate::db::begin_patient_write(&state.db, patient).await?
                }
                None => crate::db::begin_write(&state.db).await?,
            };
            let now = Utc::now();
            let taker = Taker::Device(&device.device_id);
            let (patient, checked) =
                clinic_readings::check(&mut tx, observation, condition.as_deref(), taker, now)
                    .await?;
            let (created, stored) = clinic_readings::store(&mut tx, &patient, checked, now).await?;
            tx.commit().await?;
            // Remote monitoring watches home readings only: nothing to evaluate.
            return Ok(conditional_created(created, &Resource::Observation(stored)));
        }
    };
    let mut tx = crate::db::begin_patient_write(&state.db, &token.patient_id).await?;
    let now = Utc::now();
    let (created, stored) = store(&mut tx, &token, observation, condition.as_deref(), now).await?;
    let changes = if created {
        crate::monitoring::alerts::after_new_data(
            &mut tx,
            &token.patient_id,
            crate::monitoring::engine::ON_READINGS,
            &state.hospital.timezone,
            &state.monitoring,
            now,
        )
        .await?
    } else {
        Default::default()
    };
    tx.commit().await?;
    if !changes.is_empty() {
        state.alerts_changed().await;
    }
    Ok(conditional_created(created, &Resource::Observation(stored)))
}

/// Checks one Observation and stores it unless one with its identifier exists. Returns whether
/// it was created, and the Observation as stored.
pub(crate) async fn store(
    tx: &mut AnyConnection,
    token: &PatientToken,
    observation: Observation,
    condition: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(bool, Observation), FhirError> {
    let checked = check(token, observation, condition, now)?;
    store_one(tx, &token.patient_id, checked, now).await
}

/// Stores one checked reading of `patient` unless one with its identifier exists.
pub(crate) async fn store_one(
    tx: &mut AnyConnection,
    patient: &str,
    checked: Checked,
    now: DateTime<Utc>,
) -> Result<(bool, Observation), FhirError> {
    store_checked(tx, patient, vec![checked], now)
        .await?
        .pop()
        .ok_or_else(|| FhirError::Internal("a stored reading has no outcome".into()))
}

/// An Observation that passed [`check`] (or, taken at a visit, `clinic_readings::check`), with
/// the row it is stored as.
pub(crate) struct Checked {
    observation: Observation,
    /// The Observation as stored, encoded before the writing transaction begins.
    json: String,
    id: String,
    system: String,
    value: String,
    code: &'static str,
    effective: DateTime<Utc>,
    interpretation: Option<&'static str>,
    /// The patient's device that took it, so a device gone quiet is noticed; none for a clinic
    /// reading.
    device: Option<String>,
    /// The visit a clinic reading was taken at.
    encounter: Option<String>,
}

impl Checked {
    /// The visit a clinic reading was taken at.
    pub(crate) fn encounter(&self) -> Option<&str> {
        self.encounter.as_deref()
    }
}

/// Checks that `observation` is a reading `token`'s patient may record from home under
/// `condition`, and gives it its server id.
pub(crate) fn check(
    token: &PatientToken,
    observation: Observation,
    condition: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Checked, FhirError> {
    let (system, value) = identified(&observation, condition)?;
    // Under another system a patient could take the key a clinic's monitor will use, and its
    // reading would be answered with theirs.
    if system != READING_SYSTEM {
        return Err(FhirError::Invalid(format!(
            "a patient's readings are named in {READING_SYSTEM}"
        )));
    }
    if observation
        .subject
        .as_ref()
        .and_then(|s| s.id_of("Patient"))
        != Some(token.patient_id.as_str())
    {
        return Err(FhirError::Forbidden(
            "a patient may record only their own readings".into(),
        ));
    }
    // A clinic reading is the clinic's word: a patient's upload is a home reading.
    if observation.encounter.is_some() {
        return Err(FhirError::Forbidden(
            "a patient's own readings are home readings; the clinic records those taken at a visit"
                .into(),
        ));
    }
    let reading = observation
        .to_reading()
        .map_err(|e| FhirError::Invalid(e.to_string()))?;
    let device = reading.device.clone();
    // Who took a home reading is the patient: no one else is named.
    let mut observation = observation;
    observation.performer.clear();
    finish_check(
        observation,
        system,
        value,
        &reading,
        now,
        Some(device),
        None,
    )
}

/// The identifier a conditional create names, checked against the Observation's own.
pub(crate) fn identified(
    observation: &Observation,
    condition: Option<&str>,
) -> Result<(String, String), FhirError> {
    let condition = condition.ok_or_else(|| {
        FhirError::Invalid(
            "readings are accepted only as conditional creates (If-None-Exist: identifier=…)"
                .into(),
        )
    })?;
    let (system, value) = condition_identifier(condition)?;
    if observation.identifier_value(&system) != Some(value.as_str()) {
        return Err(FhirError::Invalid(
            "the Observation does not carry the identifier its condition names".into(),
        ));
    }
    Ok((system, value))
}

/// The checks every reading passes, home or clinic, and its server id.
pub(crate) fn finish_check(
    mut observation: Observation,
    system: String,
    value: String,
    reading: &Reading,
    now: DateTime<Utc>,
    device: Option<String>,
    encounter: Option<String>,
) -> Result<Checked, FhirError> {
    if !matches!(
        observation.status.as_str(),
        "final" | "amended" | "preliminary"
    ) {
        return Err(FhirError::Invalid(format!(
            "status '{}' is not a reading's status",
            observation.status
        )));
    }
    if reading.effective > now + FUTURE_TOLERANCE {
        return Err(FhirError::Invalid(
            "effectiveDateTime is in the future".into(),
        ));
    }
    let id = format!("obs-{:016x}", crate::random::u64()?);
    observation.id = Some(id.clone());
    // A reading never changes once stored: version 1, from when it arrived.
    observation.meta = Some(hale_fhir::Meta::version(1, now));
    let resource = Resource::Observation(observation);
    let json = serde_json::to_string(&resource).map_err(|e| FhirError::Internal(e.to_string()))?;
    let Resource::Observation(observation) = resource else {
        return Err(FhirError::Internal("an Observation changed type".into()));
    };
    Ok(Checked {
        interpretation: observation.interpretation().map(|i| i.code()),
        observation,
        json,
        id,
        system,
        value,
        code: kind_code(reading.kind).0,
        effective: reading.effective,
        device,
        encounter,
    })
}

/// Rows per INSERT (11 parameters each), inside SQLite's (32,766) and PostgreSQL's (65,535)
/// limits on parameters.
const ROWS_PER_INSERT: usize = 250;

/// Stores each checked Observation of `patient` unless one with its identifier exists; returns,
/// in order, whether each was created and the Observation as stored (the earlier copy for a
/// repeat, including one repeated within `checked`).
pub(crate) async fn store_checked(
    tx: &mut AnyConnection,
    patient: &str,
    checked: Vec<Checked>,
    now: DateTime<Utc>,
) -> Result<Vec<(bool, Observation)>, FhirError> {
    // Insert first and look only on a conflict: fresh readings (the common case) cost one
    // statement per chunk. Many rows per statement, because each statement is a round trip to
    // the database; no RETURNING, because sqlx hands each returned row over separately, which
    // costs as much again (BENCHMARKS.md, relay).
    let mut created = std::collections::HashSet::new();
    for chunk in checked.chunks(ROWS_PER_INSERT) {
        let mut sql = Sql::for_many(
            Backend::of_connection(tx),
            "INSERT INTO observation (id, patient_id, identifier_system, identifier_value, code, \
             effective_at, interpretation, resource, received_at, device_id, encounter_id) VALUES ",
        );
        for (i, c) in chunk.iter().enumerate() {
            sql.push(if i == 0 { "(" } else { ", (" })
                .push_bind(c.id.as_str())
                .push(", ")
                .push_bind(patient)
                .push(", ")
                .push_bind(c.system.as_str())
                .push(", ")
                .push_bind(c.value.as_str())
                .push(", ")
                .push_bind(c.code)
                .push(", ")
                .push_bind(Time(c.effective))
                .push(", ")
                .push_bind(c.interpretation)
                .push(", ")
                .push_bind(c.json.as_str())
                .push(", ")
                .push_bind(Time(now))
                .push(", ")
                .push_bind(c.device.as_deref())
                .push(", ")
                .push_bind(c.encounter.as_deref())
                .push(")");
        }
        sql.push(" ON CONFLICT (patient_id, identifier_system, identifier_value) DO NOTHING");
        let inserted = sql
            .build()
            // Full chunks reuse one prepared statement; a statement per other length would
            // crowd the connection's statement cache.
            .persistent(chunk.len() == ROWS_PER_INSERT)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        let ids = chunk.iter().map(|c| c.id.as_str());
        if usize::try_from(inserted).ok() == Some(chunk.len()) {
            created.extend(ids.map(str::to_owned));
            continue;
        }
        // Some were there before. The ids are this request's own, so those now stored are
        // exactly the ones this statement created.
        let mut sql = Sql::for_many(
            Backend::of_connection(tx),
            "SELECT id FROM observation WHERE id IN (",
        );
        sql.push_list(ids).push(")");
        let found: Vec<(String,)> = sql
            .build_query_as()
            .persistent(false)
            .fetch_all(&mut *tx)
            .await?;
        created.extend(found.into_iter().map(|(id,)| id));
    }
    let mut outcomes = Vec::with_capacity(checked.len());
    for c in checked {
        if created.contains(&c.id) {
            outcomes.push((true, c.observation));
            continue;
        }
        // Stored before (a retry, an earlier entry, or a concurrent request): that copy.
        let stored = existing(tx, patient, &c.system, &c.value)
            .await?
            .ok_or_else(|| FhirError::Internal("a conflicting reading vanished".into()))?;
        outcomes.push((false, stored));
    }
    Ok(outcomes)
}

async fn existing(
    tx: &mut AnyConnection,
    patient: &str,
    system: &str,
    value: &str,
) -> Result<Option<Observation>, FhirError> {
    match crate::conditional::stored_by_identifier(tx, "observation", patient, system, value)
        .await?
    {
        Some(Resource::Observation(o)) => Ok(Some(o)),
        Some(_) => Err(FhirError::Internal("stored observation unreadable".into())),
        None => Ok(None),
    }
}

/// `GET /fhir/Observation?patient=…[&code=[SYSTEM|]CODE,…][&date=…][&identifier=…]
/// [&encounter=…][&encounter:missing=true|false][&_lastUpdated=…][&_count=…]`: readings oldest
/// first, paged by `_count` with a `next` link. A code matches the Observation's own code (a
/// panel's, not its components'), as FHIR's `code` parameter does. `encounter:missing=false`
/// is the clinic readings (taken at a visit); `_lastUpdated` is when the hospital stored them.
pub(crate) async fn search(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "Observation", PAGE)?;
    let mut patient = None;
    let mut codes: Vec<String> = Vec::new();
    let mut range = TimeRange::default();
    let mut identifier = None;
    // Each `encounter` parameter is one of its comma-separated visits; repeated, all must hold.
    let mut encounters: Vec<Vec<String>> = Vec::new();
    let mut at_visit = None;
    let mut stored = TimeRange::default();
    for (name, value) in search.params() {
        match name.as_ref() {
            "patient" | "subject" => patient = Some(patient_id(&value).to_owned()),
            "code" => {
                let mut tokens = Vec::new();
                crate::search::push_values("code", &value, &mut tokens)?;
                if codes.len() + tokens.len() > crate::search::MAX_VALUES {
                    return Err(FhirError::Invalid(format!(
                        "'code' takes at most {} values",
                        crate::search::MAX_VALUES
                    )));
                }
                for token in &tokens {
                    let code = match token.split_once('|') {
                        Some((system, code)) if system == LOINC || system.is_empty() => code,
                        Some(_) => {
                            return Err(FhirError::Invalid(format!(
                                "unknown code system in '{token}'"
                            )))
                        }
                        None => token,
                    };
                    codes.push(code.to_owned());
                }
            }
            "date" => range.narrow(&value, state.hospital.timezone)?,
            "identifier" => identifier = Some(split_identifier(&value)?),
            "encounter" => encounters.push(crate::search::references("Encounter", &value)?),
            "encounter:missing" => {
                at_visit = Some(match value.as_str() {
                    "false" => true,
                    "true" => false,
                    _ => {
                        return Err(FhirError::Invalid(
                            "'encounter:missing' is true or false".into(),
                        ))
                    }
                });
            }
            "_lastUpdated" => stored.narrow(&value, state.hospital.timezone)?,
            _ => search.unknown(&name, &value)?,
        }
    }
    // The care team reads readings in the console, under its own access rule.
    let patient = match patient {
        Some(p) => {
            token.require_patient(&p)?;
            p
        }
        None => token.patient_id.clone(),
    };
    let mut sql = Sql::new("SELECT resource FROM observation WHERE patient_id = ");
    sql.push_bind(&patient);
    if !codes.is_empty() {
        sql.push(" AND code IN (");
        sql.push_list(codes.iter());
        sql.push(")");
    }
    if let Some(from) = range.from {
        sql.push(" AND effective_at >= ").push_bind(Time(from));
    }
    if let Some(until) = range.until {
        sql.push(" AND effective_at < ").push_bind(Time(until));
    }
    if let Some((system, value)) = &identifier {
        sql.push(" AND identifier_system = ").push_bind(system);
        sql.push(" AND identifier_value = ").push_bind(value);
    }
    for any in &encounters {
        sql.push(" AND encounter_id IN (");
        sql.push_list(any.iter());
        sql.push(")");
    }
    match at_visit {
        Some(true) => sql.push(" AND encounter_id IS NOT NULL"),
        Some(false) => sql.push(" AND encounter_id IS NULL"),
        None => &mut sql,
    };
    if let Some(from) = stored.from {
        sql.push(" AND received_at >= ").push_bind(Time(from));
    }
    if let Some(until) = stored.until {
        sql.push(" AND received_at < ").push_bind(Time(until));
    }
    sql.push(" ORDER BY effective_at, id");
    search.limit(&mut sql);
    let mut rows: Vec<(String,)> = sql.build_query_as().fetch_all(&state.db).await?;
    let more = search.cut(&mut rows);
    let resources = rows
        .into_iter()
        .map(|(json,)| {
            serde_json::from_str(&json)
                .map_err(|e| FhirError::Internal(format!("stored observation unreadable: {e}")))
        })
        .collect::<Result<Vec<Resource>, _>>()?;
    Ok(search.bundle(resources, Vec::new(), more))
}
