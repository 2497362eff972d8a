//! The care team's messages as the patient's app reads them: FHIR Communications, newest
//! first, each naming who wrote it.

use axum::extract::{RawQuery, State};
use axum::response::Response;
use hale_domain::monitoring::CareMessage;
use hale_fhir::{Bundle, Communication, Reference, Resource};

use crate::auth::PatientToken;
use crate::db::Time;
use crate::error::fhir_json;
use crate::search::patient_id;
use crate::{FhirError, ServerState};

/// How many messages the app is shown.
const MESSAGES: i64 = 100;

/// `GET /fhir/Communication?patient=…`.
pub(crate) async fn search(
    token: PatientToken,
    State(state): State<ServerState>,
    RawQuery(query): RawQuery,
) -> Result<Response, FhirError> {
    for (name, value) in url::form_urlencoded::parse(query.unwrap_or_default().as_bytes()) {
        if matches!(name.as_ref(), "patient" | "subject") {
            token.require_patient(patient_id(&value))?;
        }
    }
    let rows: Vec<(String, String, String, Time, Option<String>)> = sqlx::query_as(
        "SELECT c.id, s.name, c.text, c.sent_at, c.task_id FROM communication c \
         JOIN staff s ON s.id = c.sender_id WHERE c.patient_id = $1 \
         ORDER BY c.sent_at DESC, c.id LIMIT $2",
    )
    .bind(&token.patient_id)
    .bind(MESSAGES)
    .fetch_all(&state.db)
    .await?;
    let resources = rows.into_iter().map(|(id, from, text, sent, task)| {
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
        Resource::Communication(c)
    });
    Ok(fhir_json(&Resource::Bundle(Bundle::searchset(resources))))
}
