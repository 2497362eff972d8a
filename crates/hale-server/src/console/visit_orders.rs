//! What a visit leaves behind, written in the console while the patient is at the hospital (or
//! within a day of it): prescriptions written at the visit (a changed dose is a new prescription
//! that stops the one it replaces) and the next steps the clinician writes to the patient. Both
//! reach the patient's app as FHIR resources naming the encounter, which is how the app builds its
//! visit summary. Each form carries a key of its own, so sending it twice writes once.

use std::collections::HashMap;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use hale_fhir::medication::{Dosage, DoseAndRate, Quantity, Timing, TimingRepeat};
use sqlx::AnyConnection;

use super::access::require_team;
use super::layout::{form_key, resent_changed, Problem};
use super::session::{Role, StaffSession};
use crate::auth::Audit;
use crate::clinic_readings::{self, OpenVisit};
use crate::db::Time;
use crate::html::escape;
use crate::ServerState;

/// The units a dose is given in.
const UNITS: [&str; 5] = ["tablet", "capsule", "ml", "puff", "drop"];

/// The schedules the form offers: name, words, how many a day, and when (FHIR `EventTiming`).
const SCHEDULES: [(&str, &str, u32, &[&str]); 5] = [
    ("morning", "once a day in the morning", 1, &["MORN"]),
    ("evening", "once a day in the evening", 1, &["EVE"]),
    ("bedtime", "once a day at bedtime", 1, &["HS"]),
    (
        "twice",
        "twice a day, morning and evening",
        2,
        &["MORN", "EVE"],
    ),
    (
        "meals",
        "three times a day with meals",
        3,
        &["CM", "CD", "CV"],
    ),
];

/// The longest medicine name and next-steps text taken.
const MAX_NAME: usize = 120;
const MAX_STEPS: usize = 2000;

/// Whether `who` may prescribe at the visit: a clinician of the patient's own team (the caller
/// has checked the team).
pub(crate) fn may_prescribe(who: &StaffSession) -> bool {
    who.role == Role::Clinician
}

/// The prescriptions and next steps of `visit`, and the forms to write them for those who may.
pub(crate) async fn part(
    conn: &mut AnyConnection,
    who: &StaffSession,
    may_write: bool,
    visit: &OpenVisit,
    zone: &Tz,
) -> Result<String, Problem> {
    let patient = &visit.patient_id;
    let written: Vec<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT m.medication, m.dosage, p.medication FROM medication_request m \
         LEFT JOIN medication_request p ON p.id = m.prior_id \
         WHERE m.encounter_id = $1 ORDER BY m.authored_on, m.id",
    )
    .bind(&visit.encounter_id)
    .fetch_all(&mut *conn)
    .await?;
    let prescribed: String = written
        .iter()
        .map(|(medicine, dosage, prior)| {
            let how = serde_json::from_str::<Vec<Dosage>>(dosage)
                .ok()
                .and_then(|d| d.into_iter().find_map(|d| d.text))
                .unwrap_or_default();
            let replaces = prior
                .as_ref()
                .map(|p| format!(" (replaces {})", escape(p)))
                .unwrap_or_default();
            format!("<li>{}: {}{replaces}</li>", escape(medicine), escape(&how))
        })
        .collect();
    let steps: Vec<(String, String, Time)> = sqlx::query_as(
        "SELECT s.name, c.text, c.sent_at FROM communication c JOIN staff s ON s.id = c.sender_id \
         WHERE c.encounter_id = $1 ORDER BY c.sent_at, c.id",
    )
    .bind(&visit.encounter_id)
    .fetch_all(&mut *conn)
    .await?;
    let steps: String = steps
        .iter()
        .map(|(by, text, at)| {
            format!(
                "<li>{} <span class=\"muted\">({}, {})</span></li>",
                escape(text),
                escape(by),
                at.0.with_timezone(zone).format("%H:%M")
            )
        })
        .collect();
    let mut html = String::new();
    html.push_str(r#"<h3 id="prescribed-h">Prescribed at this visit</h3>"#);
    html.push_str(&if prescribed.is_empty() {
        r#"<p class="muted">Nothing prescribed at this visit.</p>"#.to_owned()
    } else {
        format!(r#"<ul data-testid="prescribed">{prescribed}</ul>"#)
    });
    if may_write && may_prescribe(who) {
        html.push_str(&prescribe_form(conn, who, visit).await?);
    }
    html.push_str(r#"<h3 id="steps-h">Next steps</h3>"#);
    html.push_str(&if steps.is_empty() {
        r#"<p class="muted">No next steps written yet.</p>"#.to_owned()
    } else {
        format!(r#"<ul data-testid="next-steps">{steps}</ul>"#)
    });
    if may_write {
        html.push_str(&format!(
            r#"<form method="post" action="/console/patients/{pid}/next-steps" class="narrow"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="encounter" value="{encounter}"><input type="hidden" name="key" value="{key}"><label for="ns-text">What happens next, for the patient</label><textarea id="ns-text" name="text" rows="3" maxlength="{MAX_STEPS}" required></textarea><button type="submit">Write next steps</button></form>"#,
            pid = escape(patient),
            csrf = escape(&who.csrf),
            encounter = escape(&visit.encounter_id),
            key = format_args!("{:016x}", crate::random::u64()?),
        ));
    }
    Ok(html)
}

async fn prescribe_form(
    conn: &mut AnyConnection,
    who: &StaffSession,
    visit: &OpenVisit,
) -> Result<String, Problem> {
    let active: Vec<(String, String)> = sqlx::query_as(
        "SELECT id, medication FROM medication_request WHERE patient_id = $1 \
         AND status = 'active' ORDER BY medication, id",
    )
    .bind(&visit.patient_id)
    .fetch_all(&mut *conn)
    .await?;
    let replaces: String = active
        .iter()
        .map(|(id, name)| {
            format!(
                r#"<option value="{}">{}</option>"#,
                escape(id),
                escape(name)
            )
        })
        .collect();
    let units: String = UNITS
        .iter()
        .map(|u| format!(r#"<option value="{u}">{u}</option>"#))
        .collect();
    let schedules: String = SCHEDULES
        .iter()
        .map(|(name, words, _, _)| format!(r#"<option value="{name}">{words}</option>"#))
        .collect();
    Ok(format!(
        r#"<form method="post" action="/console/patients/{pid}/prescriptions" class="narrow prescribe-form"><input type="hidden" name="csrf" value="{csrf}"><input type="hidden" name="encounter" value="{encounter}"><input type="hidden" name="key" value="{key}">
<label for="rx-medicine">Medicine and strength</label><input id="rx-medicine" name="medicine" maxlength="{MAX_NAME}" required autocomplete="off">
<label for="rx-amount">Dose</label><input id="rx-amount" name="amount" inputmode="decimal" required autocomplete="off">
<label for="rx-unit">Unit</label><select id="rx-unit" name="unit">{units}</select>
<label for="rx-schedule">How often</label><select id="rx-schedule" name="schedule">{schedules}</select>
<label for="rx-days">For how many days (empty: until changed)</label><input id="rx-days" name="days" inputmode="numeric" autocomplete="off">
<label for="rx-replaces">Replaces (it stops)</label><select id="rx-replaces" name="replaces"><option value="">Nothing: a new medicine</option>{replaces}</select>
<button type="submit">Prescribe</button></form>"#,
        pid = escape(&visit.patient_id),
        csrf = escape(&who.csrf),
        encounter = escape(&visit.encounter_id),
        key = format_args!("{:016x}", crate::random::u64()?),
    ))
}

/// A prescription as the form gives it, checked.
#[derive(Debug, Clone, PartialEq)]
struct Prescription {
    medicine: String,
    dosage: Dosage,
    replaces: Option<String>,
}

/// Reads the prescribing form: a named medicine, a dose a person takes, a schedule of the list,
/// and an optional number of days.
fn prescription_of(fields: &HashMap<String, String>) -> Result<Prescription, String> {
    let field = |name: &str| fields.get(name).map(|v| v.trim()).unwrap_or_default();
    let medicine = field("medicine");
    if medicine.is_empty() || medicine.chars().count() > MAX_NAME {
        return Err(format!(
            "Please name the medicine and its strength, in at most {MAX_NAME} characters."
        ));
    }
    let amount: f64 = field("amount")
        .replace(',', ".")
        .parse()
        .ok()
        .filter(|a: &f64| a.is_finite() && *a > 0.0 && *a <= 100.0)
        .ok_or_else(|| format!("Dose: '{}' is not an amount to take.", field("amount")))?;
    let unit = UNITS
        .into_iter()
        .find(|u| *u == field("unit"))
        .ok_or("Please choose the dose's unit from the list.")?;
    let (_, words, per_day, when) = SCHEDULES
        .into_iter()
        .find(|(name, ..)| *name == field("schedule"))
        .ok_or("Please choose how often from the list.")?;
    let days = match field("days") {
        "" => None,
        text => Some(
            text.parse::<u32>()
                .ok()
                .filter(|d| (1..=365).contains(d))
                .ok_or_else(|| format!("Days: '{text}' is not a number of days from 1 to 365."))?,
        ),
    };
    let plural = if amount == 1.0 { "" } else { "s" };
    let amount_text = crate::html::decimal(amount);
    let unit_text = if unit == "ml" {
        "ml".to_owned()
    } else {
        format!("{unit}{plural}")
    };
    let mut text = format!("{amount_text} {unit_text} {words}");
    if let Some(d) = days {
        text.push_str(&format!(" for {d} days"));
    }
    let dosage = Dosage {
        text: Some(text),
        timing: Some(Timing {
            repeat: Some(TimingRepeat {
                frequency: Some(per_day),
                period: Some(1.0),
                period_unit: Some("d".into()),
                when: when.iter().map(|w| (*w).to_owned()).collect(),
                bounds_duration: days.map(|d| Quantity::ucum(f64::from(d), "days", "d")),
                ..TimingRepeat::default()
            }),
            code: None,
        }),
        dose_and_rate: vec![DoseAndRate {
            // UCUM: millilitres are `mL`; a tablet or a puff is counted, an annotation.
            dose_quantity: Some(Quantity::ucum(
                amount,
                unit,
                &if unit == "ml" {
                    "mL".to_owned()
                } else {
                    format!("{{{unit}}}")
                },
            )),
        }],
        ..Dosage::default()
    };
    Ok(Prescription {
        medicine: medicine.to_owned(),
        dosage,
        replaces: Some(field("replaces"))
            .filter(|r| !r.is_empty())
            .map(str::to_owned),
    })
}

/// The form key, visit and checks every writing form here shares: the key is letters and digits,
/// and the visit is the patient's current one.
async fn open_visit_of(
    conn: &mut AnyConnection,
    who: &StaffSession,
    patient: &str,
    fields: &HashMap<String, String>,
    now: DateTime<Utc>,
) -> Result<(OpenVisit, String), Problem> {
    let key = form_key(fields, who)?;
    let encounter = fields
        .get("encounter")
        .map(|v| v.trim())
        .unwrap_or_default();
    match clinic_readings::current_visit(conn, patient, now).await? {
        Some(visit) if visit.encounter_id == encounter => Ok((visit, key.to_owned())),
        _ => Err(Problem::new(
            StatusCode::CONFLICT,
            "This visit is over; what is written here belongs to a visit that is open.",
        )
        .for_staff(who)),
    }
}

/// `POST /console/patients/{id}/prescriptions`: a clinician of the patient's team prescribes at
/// the visit, or changes a dose (the new prescription replaces the old, which stops).
pub(crate) async fn prescribe(
    State(state): State<ServerState>,
    who: StaffSession,
    audit: Audit,
    Path(patient): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response, Problem> {
    who.require_csrf(fields.get("csrf").map(String::as_str).unwrap_or_default())?;
    if !may_prescribe(&who) {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Medicines are prescribed by the patient's clinicians.",
        )
        .for_staff(&who));
    }
    let rx = prescription_of(&fields).map_err(|m| Problem::invalid(m).for_staff(&who))?;
    let now = Utc::now();
    let mut tx = crate::db::begin_write(&state.db).await?;
    require_team(&mut tx, &who, &audit, &patient).await?;
    let (visit, key) = open_visit_of(&mut tx, &who, &patient, &fields, now).await?;
    let dosage = serde_json::to_string(&vec![rx.dosage])
        .map_err(|e| crate::FhirError::Internal(e.to_string()))?;
    let done: Option<(String, String, Option<String>)> = sqlx::query_as(
        "SELECT medication, dosage, prior_id FROM medication_request \
         WHERE patient_id = $1 AND form_key = $2",
    )
    .bind(&patient)
    .bind(&key)
    .fetch_optional(&mut *tx)
    .await?;
    if let Some(stored) = done {
        // The same form sent again is done; a changed one under its key is not taken as done.
        if stored != (rx.medicine.clone(), dosage.clone(), rx.replaces.clone()) {
            return Err(resent_changed(&who));
        }
    } else {
        if let Some(prior) = &rx.replaces {
            let stopped = sqlx::query(
                "UPDATE medication_request SET status = 'stopped' \
                 WHERE id = $1 AND patient_id = $2 AND status = 'active'",
            )
            .bind(prior)
            .bind(&patient)
            .execute(&mut *tx)
            .await?;
            if stopped.rows_affected() != 1 {
                return Err(Problem::invalid(
                    "The medicine it replaces is no longer an active prescription of this patient.",
                )
                .for_staff(&who));
            }
        }
        sqlx::query(
            "INSERT INTO medication_request (id, patient_id, status, medication, authored_on, \
             dosage, encounter_id, prior_id, prescriber_staff_id, form_key) \
             VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(format!("mr-{:016x}", crate::random::u64()?))
        .bind(&patient)
        .bind(&rx.medicine)
        .bind(Time(now))
        .bind(dosage)
        .bind(&visit.encounter_id)
        .bind(rx.replaces.as_deref())
        .bind(&who.id)
        .bind(&key)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    state.alerts_changed().await;
    Ok(Redirect::to(&format!("/console/patients/{patient}#prescribed-h")).into_response())
}

/// `POST /console/patients/{id}/next-steps`: what happens next, written at the visit by a nurse
/// or clinician of the patient's team; the patient reads it in the visit summary and among the
/// care team's messages.
pub(crate) async fn next_steps(
    State(state): State<ServerState>,
    who: StaffSession,
    audit: Audit,
    Path(patient): Path<String>,
    Form(fields): Form<HashMap<String, String>>,
) -> Result<Response, Problem> {
    who.require_csrf(fields.get("csrf").map(String::as_str).unwrap_or_default())?;
    // Browsers send a line break as two characters; the textarea counted one.
    let text = fields
        .get("text")
        .map(|t| t.trim().replace("\r\n", "\n"))
        .unwrap_or_default();
    if text.is_empty() || text.chars().count() > MAX_STEPS {
        return Err(Problem::invalid(format!(
            "Next steps need some text, at most {MAX_STEPS} characters."
        ))
        .for_staff(&who));
    }
    if who.role == Role::Admin {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "Next steps are written by the patient's nurses and clinicians.",
        )
        .for_staff(&who));
    }
    let now = Utc::now();
    let mut tx = crate::db::begin_write(&state.db).await?;
    require_team(&mut tx, &who, &audit, &patient).await?;
    let (visit, key) = open_visit_of(&mut tx, &who, &patient, &fields, now).await?;
    let done: Option<(String,)> =
        sqlx::query_as("SELECT text FROM communication WHERE patient_id = $1 AND form_key = $2")
            .bind(&patient)
            .bind(&key)
            .fetch_optional(&mut *tx)
            .await?;
    if let Some((stored,)) = done {
        if stored != text {
            return Err(resent_changed(&who));
        }
    } else {
        sqlx::query(
            "INSERT INTO communication (id, patient_id, sender_id, text, sent_at, encounter_id, \
             form_key) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(format!("cm-{:016x}", crate::random::u64()?))
        .bind(&patient)
        .bind(&who.id)
        .bind(&text)
        .bind(Time(now))
        .bind(&visit.encounter_id)
        .bind(&key)
        .execute(&mut *tx)
        .await?;
    }
    tx.commit().await?;
    state.alerts_changed().await;
    Ok(Redirect::to(&format!("/console/patients/{patient}#steps-h")).into_response())
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
    fn a_prescription_becomes_a_dosage_the_app_can_schedule() {
        let rx = prescription_of(&form(&[
            ("medicine", "Ramipril 2.5 mg capsules"),
            ("amount", "1"),
            ("unit", "capsule"),
            ("schedule", "morning"),
            ("days", ""),
            ("replaces", "mr-0001"),
        ]))
        .unwrap();
        assert_eq!(
            rx.dosage.text.as_deref(),
            Some("1 capsule once a day in the morning")
        );
        assert_eq!(rx.replaces.as_deref(), Some("mr-0001"));
        let (medicine, error) = hale_fhir::MedicationRequest {
            id: Some("mr-new".into()),
            status: "active".into(),
            dosage_instruction: vec![rx.dosage],
            ..hale_fhir::MedicationRequest::default()
        }
        .to_medicine(&Utc);
        assert_eq!(error, None, "Hale can remind the patient of it");
        assert_eq!(medicine.steps.len(), 1);
    }

    #[test]
    fn two_tablets_for_a_week_say_so() {
        let rx = prescription_of(&form(&[
            ("medicine", "Furosemide 40 mg tablets"),
            ("amount", "2"),
            ("unit", "tablet"),
            ("schedule", "twice"),
            ("days", "7"),
        ]))
        .unwrap();
        assert_eq!(
            rx.dosage.text.as_deref(),
            Some("2 tablets twice a day, morning and evening for 7 days")
        );
        assert_eq!(rx.replaces, None);
    }

    #[test]
    fn a_prescription_without_a_name_a_dose_or_a_known_schedule_is_refused() {
        let good = [
            ("medicine", "Ramipril 2.5 mg capsules"),
            ("amount", "1"),
            ("unit", "capsule"),
            ("schedule", "morning"),
        ];
        let with = |name: &str, value: &str| {
            let mut f = form(&good);
            f.insert(name.to_owned(), value.to_owned());
            prescription_of(&f)
        };
        assert!(with("medicine", " ")
            .unwrap_err()
            .contains("name the medicine"));
        assert!(with("amount", "one").unwrap_err().contains("not an amount"));
        assert!(with("amount", "0").is_err());
        assert!(with("unit", "bucket").unwrap_err().contains("unit"));
        assert!(with("schedule", "hourly")
            .unwrap_err()
            .contains("how often"));
        assert!(with("days", "400").unwrap_err().contains("1 to 365"));
    }
}
