//! The care team's messages as the patient's app reads them: FHIR Communications, newest
//! first, each naming who wrote it.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hale_domain::monitoring::CareMessage;
use hale_fhir::{Communication, Reference, Resource};
use sqlx::AnyConnection;

use crate::auth::PatientToken;
use crate::db::{Sql, Time};
use crate::search::patient_id;
use crate::searchset::{Paging, Search};
use crate::{FhirError, ServerState};

type Row = (String, String, String, Time, Option<String>, Option<String>);

/// How many messages the app is shown.
const MESSAGES: i64 = 100;

/// `GET /fhir/Communication?patient=…[&encounter=…]`.
pub(crate) async fn search(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "Communication", PAGE)?;
    let mut encounters: Vec<Vec<String>> = Vec::new();
    for (name, value) in search.params() {
        match name.as_ref() {
            "patient" | "subject" => token.require_patient(patient_id(&value))?,
            "encounter" => encounters.push(crate::search::references("Encounter", &value)?),
            _ => search.unknown(&name, &value)?,
        }
    }
    let mut sql = Sql::new(COLUMNS);
    sql.push_bind(&token.patient_id);
    // A comma means any of these visits; a repeated parameter, each of them.
    for any_of in &encounters {
        sql.push(" AND c.encounter_id IN (");
        sql.push_list(any_of.iter());
        sql.push(")");
    }
    sql.push(" ORDER BY c.sent_at DESC, c.id LIMIT ");
    sql.push_bind(MESSAGES + 1);
    let rows: Vec<Row> = sql.build_query_as().fetch_all(&state.db).await?;
    // Read one past the cap: a patient with more messages than it gets no `total`.
    let complete = rows.len() as i64 <= MESSAGES;
    let resources = rows
        .into_iter()
        .take(MESSAGES as usize)
        .map(|row| (communication(row, &token.patient_id), Vec::new()));
    Ok(search.page(resources.collect(), complete))
}

/// SELECTs a [`Row`]: the message, its sender's name, what it is about.
const COLUMNS: &str = "SELECT c.id, s.name, c.text, c.sent_at, c.task_id, c.encounter_id \
    FROM communication c JOIN staff s ON s.id = c.sender_id WHERE c.patient_id = ";

fn communication((id, from, text, sent, task, encounter): Row, patient: &str) -> Resource {
    let mut c = Communication::from_message(
        &CareMessage {
            id,
            from,
            text,
            sent: sent.0,
        },
        patient,
    );
    c.about = task
        .map(|t| Reference::to("Task", &t, None))
        .into_iter()
        .collect();
    c.encounter = encounter.map(|e| Reference::to("Encounter", &e, None));
    Resource::Communication(c)
}

/// Every message the care team sent `patient`, oldest first: their part of `$everything`.
pub(crate) async fn messages_of(
    conn: &mut AnyConnection,
    patient: &str,
) -> Result<Vec<Resource>, FhirError> {
    let rows: Vec<Row> = sqlx::query_as(&format!("{COLUMNS}$1 ORDER BY c.sent_at, c.id"))
        .bind(patient)
        .fetch_all(&mut *conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|row| communication(row, patient))
        .collect())
}

/// The newest messages, all on one page unless the client asks for smaller ones.
const PAGE: Paging = Paging {
    default: MESSAGES as u32,
    max: MESSAGES as u32,
};
