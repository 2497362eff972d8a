//! A subscribed resource as it is now, for `full-resource` notifications: the same FHIR the
//! server's own reads and `$everything` give.

use std::collections::HashMap;

use hale_fhir::Resource;

use super::notification::Event;
use super::request::Content;
use super::store::EventRow;
use crate::{FhirError, ServerState};

/// Tables read in one query per notification, since a busy subscription's carries up to a
/// hundred of their resources.
const BATCHED: [(&str, &str); 2] = [
    ("Observation", "observation"),
    ("QuestionnaireResponse", "questionnaire_response"),
];

/// The current resource of each event, by `(type, id)`.
pub(crate) async fn current_of(
    state: &ServerState,
    events: &[EventRow],
) -> Result<HashMap<(String, String), Resource>, FhirError> {
    let mut found = HashMap::new();
    for (kind, table) in BATCHED {
        let wanted: Vec<&EventRow> = events.iter().filter(|e| e.resource_type == kind).collect();
        if wanted.is_empty() {
            continue;
        }
        let marks: Vec<String> = (1..=wanted.len()).map(|i| format!("${i}")).collect();
        let sql = format!(
            "SELECT id, patient_id, resource FROM {table} WHERE id IN ({})",
            marks.join(", ")
        );
        let mut query = sqlx::query_as::<_, (String, String, String)>(&sql);
        for e in &wanted {
            query = query.bind(&e.resource_id);
        }
        for (id, patient, json) in query.fetch_all(&state.db).await? {
            // Only the patient the event named: an id is never trusted alone.
            if !wanted
                .iter()
                .any(|e| e.resource_id == id && e.patient_id == patient)
            {
                continue;
            }
            let resource = serde_json::from_str(&json)
                .map_err(|e| FhirError::Internal(format!("a stored {table} is unreadable: {e}")))?;
            found.insert((kind.to_owned(), id), resource);
        }
    }
    for e in events {
        if matches!(
            e.resource_type.as_str(),
            "Observation" | "QuestionnaireResponse"
        ) {
            continue;
        }
        let key = (e.resource_type.clone(), e.resource_id.clone());
        if found.contains_key(&key) {
            continue;
        }
        if let Some(r) = current(state, &e.resource_type, &e.resource_id, &e.patient_id).await? {
            found.insert(key, r);
        }
    }
    Ok(found)
}

/// The current `kind/id` of `patient`, or `None` if it is gone: the kinds [`current_of`] does
/// not read in one query per table.
async fn current(
    state: &ServerState,
    kind: &str,
    id: &str,
    patient: &str,
) -> Result<Option<Resource>, FhirError> {
    match kind {
        "Appointment" => Ok(crate::fhir::load_appointment(state, patient, id)
            .await?
            .map(Resource::Appointment)),
        "Task" => {
            let mut conn = state.db.acquire().await?;
            let found = crate::monitoring::alerts::flags_of(&mut conn, patient).await?;
            Ok(found
                .into_iter()
                .find(|r| r.type_and_id() == Some(("Task", id))))
        }
        other => Err(FhirError::Internal(format!("no subscribable {other}"))),
    }
}

/// `pending` as notification events, with their current resources for `full-resource`.
pub(crate) async fn events_with(
    state: &ServerState,
    content: Content,
    pending: &[EventRow],
) -> Result<Vec<Event>, FhirError> {
    let resources = if content == Content::FullResource {
        current_of(state, pending).await?
    } else {
        Default::default()
    };
    Ok(pending
        .iter()
        .map(|stored| {
            let mut event = stored.event();
            // An appointment changed twice is carried (as it is now) by both events.
            event.resource = resources
                .get(&(stored.resource_type.clone(), stored.resource_id.clone()))
                .cloned();
            event
        })
        .collect())
}
