//! Pre-visit forms: the hospital's Questionnaires (read by id; an appointment names its form in
//! `supportingInformation`), the patients' QuestionnaireResponses (conditional creates on the
//! app's key, checked against the form they answer, stored once), and search of a patient's
//! own responses and allergies.

use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use chrono::{DateTime, Utc};
use hale_domain::questionnaire::{is_enabled, validate, Form, Response as Answers};
use hale_fhir::allergy::{CLINICAL_STATUS_SYSTEM, VERIFICATION_STATUS_SYSTEM};
use hale_fhir::questionnaire::{ResponseHeader, RESPONSE_SYSTEM};
use hale_fhir::{
    AllergyIntolerance, CodeableConcept, Coding, Questionnaire, QuestionnaireResponse, Reference,
    Resource,
};
use sqlx::AnyConnection;

use crate::auth::PatientToken;
use crate::conditional::{
    condition_identifier, conditional_created, if_none_exist, split_identifier,
    stored_by_identifier,
};
use crate::db::Time;
use crate::resource_response::resource_response;
use crate::search::patient_id;
use crate::searchset::{Paging, Search};
use crate::{FhirError, ServerState};

/// The SQL giving the form an appointment asks for, where `c` is its clinic: the clinic's
/// specialty's form, else the hospital's general one (a macro, so queries can `concat!` it).
macro_rules! assigned_form {
    () => {
        "(SELECT q.id FROM questionnaire q \
          WHERE q.specialty_code = c.specialty_code OR q.specialty_code IS NULL \
          ORDER BY CASE WHEN q.specialty_code IS NULL THEN 1 ELSE 0 END, q.id LIMIT 1)"
    };
}
pub(crate) use assigned_form;

/// `GET /fhir/Questionnaire/{id}`: a form, to any signed-in patient (forms hold no patient data).
pub(crate) async fn read(
    _token: PatientToken,
    State(state): State<ServerState>,
    Path(id): Path<String>,
) -> Result<Response, FhirError> {
    let json: Option<String> =
        sqlx::query_scalar("SELECT resource FROM questionnaire WHERE id = $1")
            .bind(&id)
            .fetch_optional(&state.db)
            .await?;
    let resource = parse(&json.ok_or(FhirError::NotFound)?)?;
    Ok(resource_response(StatusCode::OK, &resource))
}

fn parse(json: &str) -> Result<Resource, FhirError> {
    serde_json::from_str(json)
        .map_err(|e| FhirError::Internal(format!("a stored resource is unreadable: {e}")))
}

/// The stored form a response names, by `url|version`, `url`, or `Questionnaire/{id}`.
async fn form_named(tx: &mut AnyConnection, canonical: &str) -> Result<(String, Form), FhirError> {
    let unknown = || FhirError::Invalid("the response names no form of this hospital".into());
    let json: Option<String> = if let Some(id) = canonical.strip_prefix("Questionnaire/") {
        sqlx::query_scalar("SELECT resource FROM questionnaire WHERE id = $1")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?
    } else {
        match canonical.split_once('|') {
            Some((url, version)) => {
                sqlx::query_scalar(
                    "SELECT resource FROM questionnaire WHERE url = $1 AND version = $2",
                )
                .bind(url)
                .bind(version)
                .fetch_optional(&mut *tx)
                .await?
            }
            // Without a version, the newest; versions are compared as the hospital wrote them.
            None => {
                sqlx::query_scalar(
                    "SELECT resource FROM questionnaire WHERE url = $1 \
                     ORDER BY version DESC LIMIT 1",
                )
                .bind(canonical)
                .fetch_optional(&mut *tx)
                .await?
            }
        }
    };
    let Resource::Questionnaire(q) = parse(&json.ok_or_else(unknown)?)? else {
        return Err(unknown());
    };
    let form = q
        .to_form()
        .map_err(|e| FhirError::Internal(format!("a stored form is unreadable: {e}")))?;
    Ok((form.id.clone(), form))
}

/// Every answered item sits where the form has it, answers only questions the form asks given
/// the other answers, and nothing stops the form being sent.
fn check_answers(form: &Form, answers: &Answers) -> Result<(), FhirError> {
    for (path, node) in answers.paths() {
        let item = path
            .item(form)
            .map_err(|e| FhirError::Invalid(e.to_string()))?;
        if node.answers.is_empty() {
            continue;
        }
        if !item.kind.is_question() {
            return Err(FhirError::Invalid(format!("{path} takes no answers")));
        }
        if !is_enabled(form, answers, &path) {
            return Err(FhirError::Invalid(format!(
                "{path} is not asked given the other answers"
            )));
        }
    }
    if let Some(problem) = validate(form, answers).first() {
        return Err(FhirError::Invalid(format!(
            "the answer at {} is {}",
            problem.path,
            serde_json::to_value(problem.kind)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        )));
    }
    Ok(())
}

/// A sent form as it arrived, before it is checked against the form and stored.
pub(crate) struct Received {
    pub system: String,
    pub key: String,
    pub canonical: String,
    pub answers: Answers,
    pub authored: DateTime<Utc>,
    /// Whom the sender says it is about, if anyone.
    pub subject: Option<String>,
    pub appointment: Option<String>,
}

/// Reads a completed response sent as a conditional create on its own key.
pub(crate) fn received(headers: &HeaderMap, body: Resource) -> Result<Received, FhirError> {
    let Resource::QuestionnaireResponse(qr) = body else {
        return Err(FhirError::Invalid(
            "expected a QuestionnaireResponse".into(),
        ));
    };
    let condition = if_none_exist(headers).ok_or_else(|| {
        FhirError::Invalid(
            "answers are accepted only as conditional creates (If-None-Exist: identifier=…)".into(),
        )
    })?;
    let (system, key) = condition_identifier(&condition)?;
    if system != RESPONSE_SYSTEM || qr.key() != Some(key.as_str()) {
        return Err(FhirError::Invalid(
            "the response does not carry the identifier its condition names".into(),
        ));
    }
    if qr.status != "completed" {
        return Err(FhirError::Invalid(format!(
            "status '{}' is not a sent form's status",
            qr.status
        )));
    }
    let authored = qr
        .authored
        .ok_or_else(|| FhirError::Invalid("the response has no authored time".into()))?;
    let canonical = qr
        .questionnaire
        .clone()
        .ok_or_else(|| FhirError::Invalid("the response names no form".into()))?;
    let answers = qr
        .answers()
        .map_err(|e| FhirError::Invalid(e.to_string()))?;
    Ok(Received {
        system,
        key,
        canonical,
        answers,
        authored,
        subject: qr
            .subject
            .as_ref()
            .map(|s| s.id_of("Patient").unwrap_or_default().to_owned()),
        appointment: qr.appointment_id().map(str::to_owned),
    })
}

/// `POST /fhir/QuestionnaireResponse` with `If-None-Exist: identifier=urn:hale:questionnaire-response|KEY`.
pub(crate) async fn create_response(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    Json(body): Json<Resource>,
) -> Result<Response, FhirError> {
    let sent = received(&headers, body)?;
    if sent.subject.as_deref() != Some(token.patient_id.as_str()) {
        return Err(FhirError::Forbidden(
            "a patient may answer only for themself".into(),
        ));
    }
    let mut tx = crate::db::begin_write(&state.db).await?;
    if let Some(stored) = stored_by_identifier(
        &mut tx,
        "questionnaire_response",
        &token.patient_id,
        &sent.system,
        &sent.key,
    )
    .await?
    {
        tx.commit().await?;
        return Ok(conditional_created(false, &stored));
    }
    let (_, resource) = store_response(&mut tx, &token.patient_id, &sent).await?;
    tx.commit().await?;
    Ok(conditional_created(true, &resource))
}

/// Whether `appointment`'s form was answered, from anywhere.
pub(crate) async fn answered(
    conn: &mut AnyConnection,
    appointment: &str,
) -> Result<bool, FhirError> {
    let n: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM questionnaire_response WHERE appointment_id = $1")
            .bind(appointment)
            .fetch_one(&mut *conn)
            .await?;
    Ok(n > 0)
}

/// Stores `sent` as `patient_id`'s, once checked against the form it answers and its
/// appointment's form; the caller commits `tx`. Answers whose key is already stored are the
/// caller's to find first.
pub(crate) async fn store_response(
    tx: &mut AnyConnection,
    patient_id: &str,
    sent: &Received,
) -> Result<(String, Resource), FhirError> {
    let now = Utc::now();
    let (questionnaire_id, form) = form_named(tx, &sent.canonical).await?;
    check_answers(&form, &sent.answers)?;
    if let Some(appointment) = &sent.appointment {
        // One response per appointment, wherever it was filled in (the app or a kiosk).
        if answered(tx, appointment).await? {
            return Err(FhirError::Conflict(
                "this appointment's form was already answered".into(),
            ));
        }
        // The appointment's own form: its clinic's, else the general one.
        let assigned: Option<(Option<String>,)> = sqlx::query_as(concat!(
            "SELECT ",
            assigned_form!(),
            " FROM appointment a JOIN slot s ON s.id = a.slot_id \
             JOIN schedule sc ON sc.id = s.schedule_id JOIN clinic c ON c.id = sc.clinic_id \
             WHERE a.id = $1 AND a.patient_id = $2"
        ))
        .bind(appointment)
        .bind(patient_id)
        .fetch_optional(&mut *tx)
        .await?;
        match assigned {
            None => {
                return Err(FhirError::Invalid(
                    "the response names an appointment that is not the patient's".into(),
                ))
            }
            Some((form_id,)) if form_id.as_deref() != Some(questionnaire_id.as_str()) => {
                return Err(FhirError::Invalid(
                    "the response answers another form than its appointment's".into(),
                ))
            }
            Some(_) => {}
        }
    }
    // Stored as the form words it, whatever words the client sent with the answers.
    let mut qr = QuestionnaireResponse::completed(
        &form,
        &sent.answers,
        &ResponseHeader {
            key: sent.key.clone(),
            patient_id: patient_id.to_owned(),
            appointment_id: sent.appointment.clone(),
            authored: sent.authored,
        },
    );
    let id = format!("qr-{:016x}", crate::random::u64()?);
    qr.id = Some(id.clone());
    qr.meta = Some(hale_fhir::Meta::version(1, now));
    let resource = Resource::QuestionnaireResponse(qr);
    let json = serde_json::to_string(&resource).map_err(|e| FhirError::Internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO questionnaire_response (id, patient_id, identifier_system, identifier_value, \
         questionnaire_id, appointment_id, authored_at, received_at, resource) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
    )
    .bind(&id)
    .bind(patient_id)
    .bind(&sent.system)
    .bind(&sent.key)
    .bind(&questionnaire_id)
    .bind(sent.appointment.as_deref())
    .bind(Time(sent.authored))
    .bind(Time(now))
    .bind(&json)
    .execute(&mut *tx)
    .await?;
    Ok((id, resource))
}

/// `GET /fhir/QuestionnaireResponse?patient=…[&identifier=…]`: the patient's own, newest first.
pub(crate) async fn search_responses(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "QuestionnaireResponse", PAGE)?;
    let mut identifier = None;
    for (name, value) in search.params() {
        match name.as_ref() {
            "patient" | "subject" => token.require_patient(patient_id(&value))?,
            "identifier" => identifier = Some(split_identifier(&value)?),
            _ => search.unknown(&name, &value)?,
        }
    }
    let rows: Vec<(String,)> = match &identifier {
        Some((system, value)) => {
            sqlx::query_as(
                "SELECT resource FROM questionnaire_response WHERE patient_id = $1 \
                 AND identifier_system = $2 AND identifier_value = $3",
            )
            .bind(&token.patient_id)
            .bind(system)
            .bind(value)
            .fetch_all(&state.db)
            .await?
        }
        None => {
            sqlx::query_as(
                "SELECT resource FROM questionnaire_response WHERE patient_id = $1 \
                 ORDER BY authored_at DESC, id LIMIT $2",
            )
            .bind(&token.patient_id)
            .bind(PAGE.max as i64 + 1)
            .fetch_all(&state.db)
            .await?
        }
    };
    let complete = rows.len() <= PAGE.max as usize;
    let resources = rows
        .into_iter()
        .take(PAGE.max as usize)
        .map(|(json,)| Ok((parse(&json)?, Vec::new())))
        .collect::<Result<Vec<_>, FhirError>>()?;
    Ok(search.page(resources, complete))
}

const PAGE: Paging = Paging {
    default: 100,
    max: 100,
};

/// `GET /fhir/AllergyIntolerance?patient=…`: what the hospital recorded the patient reacts to.
pub(crate) async fn search_allergies(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "AllergyIntolerance", PAGE)?;
    for (name, value) in search.params() {
        match name.as_ref() {
            "patient" => token.require_patient(patient_id(&value))?,
            _ => search.unknown(&name, &value)?,
        }
    }
    let mut conn = state.db.acquire().await?;
    let mut allergies = allergies_of(&mut conn, &token.patient_id, PAGE.max as i64 + 1).await?;
    let complete = allergies.len() <= PAGE.max as usize;
    allergies.truncate(PAGE.max as usize);
    let resources = allergies.into_iter().map(|a| (a, Vec::new())).collect();
    Ok(search.page(resources, complete))
}

/// Up to `limit` of what the hospital recorded `patient` to react to, oldest first.
pub(crate) async fn allergies_of(
    conn: &mut AnyConnection,
    patient: &str,
    limit: i64,
) -> Result<Vec<Resource>, FhirError> {
    type Row = (
        String,
        String,
        String,
        String,
        String,
        String,
        Option<String>,
        String,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT id, substance_system, substance_code, substance, kind, criticality, reaction, \
         recorded_on FROM allergy WHERE patient_id = $1 ORDER BY recorded_on, id LIMIT $2",
    )
    .bind(patient)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, system, code, substance, kind, criticality, reaction, recorded)| {
                Resource::AllergyIntolerance(AllergyIntolerance {
                    id: Some(id),
                    clinical_status: Some(AllergyIntolerance::status(
                        CLINICAL_STATUS_SYSTEM,
                        "active",
                    )),
                    verification_status: Some(AllergyIntolerance::status(
                        VERIFICATION_STATUS_SYSTEM,
                        "confirmed",
                    )),
                    kind: Some(kind),
                    criticality: Some(criticality),
                    code: Some(CodeableConcept {
                        coding: vec![Coding {
                            system: Some(system),
                            code: Some(code),
                            display: Some(substance.clone()),
                        }],
                        text: Some(substance),
                    }),
                    patient: Reference::to("Patient", patient, None),
                    recorded_date: recorded.parse().ok(),
                    reaction: reaction
                        .map(|r| hale_fhir::allergy::AllergyReaction {
                            manifestation: vec![CodeableConcept {
                                coding: Vec::new(),
                                text: Some(r),
                            }],
                        })
                        .into_iter()
                        .collect(),
                })
            },
        )
        .collect())
}

/// Stores a form (a demo's, or a hospital's own), asked before `specialty`'s appointments, or
/// before every other appointment when `None`. A form already stored under its URL and version
/// is left as it is.
pub(crate) async fn publish(
    tx: &mut AnyConnection,
    form: &Form,
    specialty: Option<&str>,
) -> Result<(), FhirError> {
    form.check()
        .map_err(|e| FhirError::Invalid(format!("the form cannot be shown: {e}")))?;
    let url = form
        .url
        .clone()
        .ok_or_else(|| FhirError::Invalid("a published form needs a canonical URL".into()))?;
    let version = form.version.clone().unwrap_or_else(|| "1".into());
    let json = serde_json::to_string(&Resource::Questionnaire(Questionnaire::from_form(form)))
        .map_err(|e| FhirError::Internal(e.to_string()))?;
    sqlx::query(
        "INSERT INTO questionnaire (id, url, version, specialty_code, resource) \
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
    )
    .bind(&form.id)
    .bind(&url)
    .bind(&version)
    .bind(specialty)
    .bind(&json)
    .execute(&mut *tx)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use hale_domain::questionnaire::{Answer, Answered, Item, ItemKind};

    fn form() -> Form {
        Form {
            id: "f".into(),
            url: Some("https://hale.example/f".into()),
            version: Some("1".into()),
            title: "T".into(),
            items: vec![
                Item::question("a", "A", ItemKind::Boolean).required(),
                Item::group("g", "G", vec![Item::question("b", "B", ItemKind::Integer)]),
            ],
        }
    }

    fn answers(nodes: Vec<Answered>) -> Answers {
        Answers { items: nodes }
    }

    fn node(id: &str, answers: Vec<Answer>, items: Vec<Answered>) -> Answered {
        Answered {
            link_id: id.into(),
            answers,
            items,
        }
    }

    #[test]
    fn answers_where_the_form_has_no_such_item_are_refused() {
        let f = form();
        let ok = answers(vec![
            node("a", vec![Answer::Boolean(true)], vec![]),
            node(
                "g",
                vec![],
                vec![node("b", vec![Answer::Integer(2)], vec![])],
            ),
        ]);
        assert!(check_answers(&f, &ok).is_ok());
        let stray = answers(vec![
            node("a", vec![Answer::Boolean(true)], vec![]),
            node("b", vec![Answer::Integer(2)], vec![]),
        ]);
        assert!(check_answers(&f, &stray).is_err(), "b sits in g");
        let missing = answers(vec![]);
        let err = check_answers(&f, &missing).unwrap_err().to_string();
        assert!(err.contains("a#0 is required"), "{err}");
    }
}
