//! The care team's messages as the patient's app reads them: FHIR Communications, newest
//! first, each naming who wrote it.

use axum::extract::{RawQuery, State};
use axum::http::HeaderMap;
use axum::response::Response;
use hale_domain::monitoring::CareMessage;
use hale_fhir::{Communication, Reference, Resource};

use crate::auth::PatientToken;
use crate::db::Time;
use crate::search::patient_id;
use crate::searchset::{Paging, Search};
use crate::{FhirError, ServerState};

/// How many messages the app is shown.
const MESSAGES: i64 = 100;

/// `GET /fhir/Communication?patient=…`.
pub(crate) async fn search(
    token: PatientToken,
    State(state): State<ServerState>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    let mut search = Search::new(&headers, query.as_deref(), "Communication", PAGE)?;
    for (name, value) in search.params() {
        match name.as_ref() {
            "patient" | "subject" => token.require_patient(patient_id(&value))?,
            _ => search.unknown(&name, &value)?,
        }
    }
    let rows: Vec<(String, String, String, Time, Option<String>)> = sqlx::query_as(
        "SELECT c.id, s.name, c.text, c.sent_at, c.task_id FROM communication c \
         JOIN staff s ON s.id = c.sender_id WHERE c.patient_id = $1 \
         ORDER BY c.sent_at DESC, c.id LIMIT $2",
    )
    .bind(&token.patient_id)
    .bind(MESSAGES + 1)
    .fetch_all(&state.db)
    .await?;
    // Read one past the cap: a patient with more messages than it gets no `total`.
    let complete = rows.len() as i64 <= MESSAGES;
    let resources = rows
        .into_iter()
        .take(MESSAGES as usize)
        .map(|(id, from, text, sent, task)| {
            let mut c = Communication::from_message(
                &CareMessage {
                    id,
                    from,
                    text,
                    sent: sent.0,
                },
                &token.patient_id,
            );
            c.about = task
                .map(|t| Reference::to("Task", &t, None))
                .into_iter()
                .collect();
            (Resource::Communication(c), Vec::new())
        });
    Ok(search.page(resources.collect(), complete))
}

/// The newest messages, all on one page unless the client asks for smaller ones.
const PAGE: Paging = Paging {
    default: MESSAGES as u32,
    max: MESSAGES as u32,
};
