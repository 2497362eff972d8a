//! Readings taken at the visit, recorded by staff: a form on the patient's page while they are
//! at the hospital (checked in within the day), and what it has recorded so far. Each form
//! carries a key of its own, so sending it twice records each reading once.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use hale_domain::device::{Quantity, Reading, ReadingKind, Unit, Vital};
use hale_fhir::observation::CLINIC_READING_SYSTEM;
use hale_fhir::{Identifier, Observation, Reference, Resource};
use sqlx::AnyConnection;

use super::access::{require_team, Reach};
use super::layout::Problem;
use super::session::{Role, StaffSession};
use crate::auth::Audit;
use crate::clinic_readings::{self, Taker};
use crate::html::escape;
use crate::{FhirError, ServerState};

/// The form's fields: name, label, what it measures, and its unit.
const FIELDS: [(&str, &str, Vital, Unit); 6] = [
    ("systolic", "Systolic (mmHg)", Vital::Systolic, Unit::MmHg),
    (
        "diastolic",
        "Diastolic (mmHg)",
        Vital::Diastolic,
        Unit::MmHg,
    ),
    ("pulse", "Pulse (/min)", Vital::HeartRate, Unit::PerMinute),
    ("weight", "Weight (kg)", Vital::BodyWeight, Unit::Kilogram),
    (
        "temperature",
        "Temperature (°C)",
        Vital::BodyTemperature,
        Unit::Celsius,
    ),
    ("spo2", "SpO2 (%)", Vital::OxygenSaturation, Unit::Percent),
];

/// Whether `who`, reaching the patient by `reach`, may record readings for them: a nurse or
/// clinician of the patient's own team (see [`record`]).
pub(crate) fn may_record(who: &StaffSession, reach: &Reach) -> bool {
    *reach == Reach::Team && who.role != Role::Admin
}

/// The "At this visit" section: the readings recorded at the visit while the patient is at
/// the hospital, and the form to record more for those who `may_record`.
pub(crate) async fn section(
    conn: &mut AnyConnection,
    who: &StaffSession,
    may_record: bool,
    id: &str,
    zone: &Tz,
    now: DateTime<Utc>,
) -> Result<String, Problem> {
    let head = r#"<section aria-labelledby="clinic-h"><h2 id="clinic-h">At this visit</h2>"#;
    let Some(visit) = clinic_readings::current_visit(conn, id, now).await? else {
        return Ok(format!(
            r#"{head}<p class="muted">Readings taken at a visit are recorded here once the patient has checked in.</p></section>"#
        ));
    };
    let taken = taken_at(conn, &visit.encounter_id, zone).await?;
    let taken = if taken.is_empty() {
        r#"<p class="muted">Nothing recorded at this visit yet.</p>"#.to_owned()
    } else {
        format!(r#"<ul class="clinic-readings">{taken}</ul>"#)
    };
    let orders = super::visit_orders::part(conn, who, may_record, &visit, zone).await?;
    if !may_record {
        return Ok(format!(
            r#"{head}{taken}<p class="muted">Readings are recorded by the patient's own team's nurses and clinicians.</p>{orders}</section>"#
        ));
    }
    let inputs: String = FIELDS
        .iter()
        .map(|(name, label, _, _)| {
            format!(
                r#"<label for="cr-{name}">{label}</label><input id="cr-{name}" name="{name}" inputmode="decimal" autocomplete="off">"#
            )
        })
        .collect();
    Ok(format!(
        r#"{head}<p>Checked in at {arrived}. Readings recorded here appear in the patient's app as clinic readings.</p>{taken}
<form method="post" action="/console/patients/{pid}/readings" class="narrow clinic-form"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="encounter" value="{encounter}"><input type="hidden" name="key" value="{key}">{inputs}
<button type="submit">Record readings</button></form>{orders}</section>"#,
        arrived = visit.arrived_at.with_timezone(zone).format("%H:%M"),
        pid = escape(id),
        csrf = escape(&who.csrf),
        encounter = escape(&visit.encounter_id),
        key = format_args!("{:016x}", crate::random::u64()?),
    ))
}

/// The readings taken at the visit `encounter`, as list items ("Blood pressure 142/88 mmHg,
/// pulse 71 /min at 09:20, by Dr Priya Shah"); empty when there are none.
pub(crate) async fn taken_at(
    conn: &mut AnyConnection,
    encounter: &str,
    zone: &Tz,
) -> Result<String, Problem> {
    let rows: Vec<(String,)> = sqlx::query_as(
        "SELECT resource FROM observation WHERE encounter_id = $1 ORDER BY effective_at, id",
    )
    .bind(encounter)
    .fetch_all(&mut *conn)
    .await?;
    let mut taken = String::new();
    for (json,) in rows {
        let Ok(Resource::Observation(o)) = serde_json::from_str::<Resource>(&json) else {
            continue;
        };
        let Ok(reading) = o.to_reading_keyed(o.id.as_deref().unwrap_or_default()) else {
            continue;
        };
        let by = o
            .performer
            .first()
            .and_then(|p| p.display.clone())
            .unwrap_or_else(|| "the clinic's monitor".to_owned());
        let mut text = crate::monitoring::engine::reading_text(&reading);
        if let (ReadingKind::BloodPressure, Some(pulse)) =
            (reading.kind, reading.value(Vital::HeartRate))
        {
            text.push_str(&format!(", pulse {} /min", crate::html::decimal(pulse)));
        }
        taken.push_str(&format!(
            "<li>{} {} at {}, by {}</li>",
            escape(reading.kind.label()),
            escape(&text),
            reading.effective.with_timezone(zone).format("%H:%M"),
            escape(&by)
        ));
    }
    Ok(taken)
}

/// `POST /console/patients/{id}/readings`: the readings a member of staff took at the visit.
pub(crate) async fn record(
    State(state): State<ServerState>,
    who: StaffSession,
    audit: Audit,
    Path(patient): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response, Problem> {
    let field = |name: &str| fields.get(name).map(|v| v.trim()).unwrap_or_default();
    who.require_csrf(field("csrf"))?;
    let key = super::layout::form_key(&fields, &who)?;
    let now = Utc::now();
    let readings =
        readings_of(&fields, key, now).map_err(|m| Problem::invalid(m).for_staff(&who))?;
    // Taking readings is care of the patient: their own team's nurses and clinicians, not an
    // admin, and not someone who broke glass to read the record (`may_record`).
    if who.role == Role::Admin {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Readings are recorded by the patient's nurses and clinicians.",
        )
        .for_staff(&who));
    }
    let mut tx = crate::db::begin_write(&state.db).await?;
    require_team(&mut tx, &who, &audit, &patient).await?;
    let taker = Taker::Staff {
        id: &who.id,
        name: &who.name,
    };
    for reading in readings {
        let mut observation = Observation::from_reading(&reading, &patient, "", None);
        observation.identifier = vec![Identifier {
            system: Some(CLINIC_READING_SYSTEM.into()),
            value: Some(reading.key.clone()),
        }];
        observation.encounter = Some(Reference::to("Encounter", field("encounter"), None));
        let condition = format!("identifier={CLINIC_READING_SYSTEM}|{}", reading.key);
        let refused = |e: FhirError| match e {
            FhirError::Invalid(why) => Problem::invalid(why).for_staff(&who),
            other => Problem::from(other),
        };
        let (_, checked) =
            clinic_readings::check(&mut tx, observation, Some(&condition), taker, now)
                .await
                .map_err(refused)?;
        let (created, stored) = clinic_readings::store(&mut tx, &patient, checked, now)
            .await
            .map_err(refused)?;
        if !created && !same_values(&stored, &reading) {
            return Err(super::layout::resent_changed(&who));
        }
    }
    tx.commit().await?;
    Ok(Redirect::to(&format!("/console/patients/{patient}#clinic-h")).into_response())
}

/// Whether the reading stored under a form's key holds the values sent now: the same form sent
/// again, not one changed and sent under its spent key.
fn same_values(stored: &Observation, sent: &Reading) -> bool {
    stored.to_reading_keyed("").is_ok_and(|r| {
        r.values.len() == sent.values.len()
            && sent
                .values
                .iter()
                .all(|q| r.value(q.vital) == Some(q.value))
    })
}

/// The readings a filled-in form gives, keyed by the form's `key`: a blood pressure needs both
/// pressures (the pulse goes with it when both are there); every value must be a number a body
/// can read.
fn readings_of(
    fields: &HashMap<String, String>,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Vec<Reading>, String> {
    let mut values = Vec::new();
    for (name, label, vital, unit) in FIELDS {
        let Some(text) = fields.get(name).map(|v| v.trim()).filter(|v| !v.is_empty()) else {
            continue;
        };
        let value: f64 = text
            .replace(',', ".")
            .parse()
            .ok()
            .filter(|v: &f64| v.is_finite())
            .ok_or_else(|| format!("{label}: '{text}' is not a number."))?;
        let q = Quantity { vital, value, unit };
        if !q.plausible() {
            return Err(format!(
                "{label}: {text} is not a value a body can read; please check it."
            ));
        }
        values.push(q);
    }
    let has = |v: Vital| values.iter().any(|q| q.vital == v);
    let pressure = has(Vital::Systolic);
    if pressure != has(Vital::Diastolic) {
        return Err("A blood pressure needs both the systolic and the diastolic pressure.".into());
    }
    if values.is_empty() {
        return Err("Please enter at least one reading.".into());
    }
    let mut readings: Vec<Reading> = Vec::new();
    for q in values {
        let kind = match q.vital {
            Vital::Systolic | Vital::Diastolic => ReadingKind::BloodPressure,
            Vital::HeartRate if pressure => ReadingKind::BloodPressure,
            other => other.kind(),
        };
        match readings.iter_mut().find(|r| r.kind == kind) {
            Some(r) => r.values.push(q),
            None => readings.push(Reading {
                key: format!("{key}-{}", kind.slug()),
                device: String::new(),
                kind,
                effective: now,
                device_clock: true,
                values: vec![q],
                context: None,
            }),
        }
    }
    Ok(readings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn a_blood_pressure_with_its_pulse_is_one_reading_and_a_weight_another() {
        let now = Utc::now();
        let r = readings_of(
            &form(&[
                ("systolic", "142"),
                ("diastolic", "88"),
                ("pulse", "71"),
                ("weight", "82,4"),
            ]),
            "k1",
            now,
        )
        .unwrap();
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].kind, ReadingKind::BloodPressure);
        assert_eq!(r[0].key, "k1-blood-pressure");
        assert_eq!(r[0].value(Vital::HeartRate), Some(71.0));
        assert_eq!(r[1].kind, ReadingKind::BodyWeight);
        assert_eq!(r[1].value(Vital::BodyWeight), Some(82.4));
    }

    #[test]
    fn a_pulse_alone_is_a_heart_rate() {
        let r = readings_of(&form(&[("pulse", "64")]), "k", Utc::now()).unwrap();
        assert_eq!(r[0].kind, ReadingKind::HeartRate);
    }

    #[test]
    fn half_a_blood_pressure_an_empty_form_and_nonsense_are_refused() {
        let now = Utc::now();
        assert!(readings_of(&form(&[("systolic", "140")]), "k", now)
            .unwrap_err()
            .contains("both"));
        assert!(readings_of(&form(&[]), "k", now).is_err());
        assert!(readings_of(&form(&[("weight", "heavy")]), "k", now)
            .unwrap_err()
            .contains("not a number"));
        assert!(readings_of(&form(&[("spo2", "140")]), "k", now)
            .unwrap_err()
            .contains("check it"));
    }
}
