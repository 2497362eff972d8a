//! The demo patients' prescriptions, and a month of the demo patient's dose records so the app
//! has a history to show: a realistic mix of schedules in FHIR `Timing` terms.
//!
//! Dates are relative to the first seeding and then stay put (rows are inserted once), as a real
//! prescription's would.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use hale_domain::medication::timing::{expand, DailyRoutine};
use hale_fhir::medication::{
    DatePeriod, Dosage, DoseAndRate, Quantity, Ratio, Timing, TimingRepeat, DOSE_SYSTEM,
    SKIP_REASON_SYSTEM,
};
use hale_fhir::{
    CodeableConcept, Coding, Identifier, MedicationAdministration, Reference, Resource,
};
use sqlx::{Any, Transaction};

use super::seed::{DEMO_PATIENT, HOSPITAL_TZ, OTHER_PATIENT};
use crate::db::Time;
use crate::FhirError;

/// One demo prescription: id, patient, medicine, prescriber, days before the seed it was
/// written, dispensed quantity and unit, and its dosage steps.
struct Prescription {
    id: &'static str,
    patient: &'static str,
    medicine: &'static str,
    prescriber: &'static str,
    written_days_ago: i64,
    dispensed: (f64, &'static str),
    dosage: Vec<Dosage>,
}

fn dose(value: f64, unit: &str) -> Vec<DoseAndRate> {
    vec![DoseAndRate {
        dose_quantity: Some(Quantity::ucum(value, unit, &format!("{{{unit}}}"))),
    }]
}

fn repeat(frequency: u32, period: f64, unit: &str) -> TimingRepeat {
    TimingRepeat {
        frequency: Some(frequency),
        period: Some(period),
        period_unit: Some(unit.into()),
        ..TimingRepeat::default()
    }
}

fn dosage(text: &str, repeat: TimingRepeat, amount: f64, unit: &str) -> Dosage {
    Dosage {
        text: Some(text.into()),
        timing: Some(Timing {
            repeat: Some(repeat),
            code: None,
        }),
        dose_and_rate: dose(amount, unit),
        ..Dosage::default()
    }
}

fn prescriptions(today: NaiveDate) -> Vec<Prescription> {
    let day = |offset: i64| {
        (today + Duration::days(offset))
            .format("%Y-%m-%d")
            .to_string()
    };
    let taper = |sequence: u32, tablets: f64, from: i64, to: i64| Dosage {
        sequence: Some(sequence),
        timing: Some(Timing {
            repeat: Some(TimingRepeat {
                when: vec!["CM".into()],
                bounds_period: Some(DatePeriod {
                    start: Some(day(from)),
                    end: Some(day(to)),
                }),
                ..repeat(1, 1.0, "d")
            }),
            code: None,
        }),
        text: Some(format!(
            "{} mg ({tablets} tablets) once a day with breakfast, days {}–{}",
            tablets * 5.0,
            from + 4,
            to + 4
        )),
        dose_and_rate: dose(tablets, "tablet"),
        ..Dosage::default()
    };
    vec![
        Prescription {
            id: "mr-0001",
            patient: DEMO_PATIENT.id,
            medicine: "Atorvastatin 20 mg tablets",
            prescriber: "pr-cardiology-1",
            written_days_ago: 60,
            dispensed: (28.0, "tablet"),
            dosage: vec![dosage(
                "1 tablet once a day at bedtime",
                TimingRepeat {
                    when: vec!["HS".into()],
                    ..repeat(1, 1.0, "d")
                },
                1.0,
                "tablet",
            )],
        },
        Prescription {
            id: "mr-0002",
            patient: DEMO_PATIENT.id,
            medicine: "Metformin 500 mg tablets",
            prescriber: "pr-endocrinology-1",
            written_days_ago: 90,
            dispensed: (56.0, "tablet"),
            dosage: vec![dosage(
                "1 tablet twice a day with breakfast and evening meal",
                TimingRepeat {
                    when: vec!["CM".into(), "CV".into()],
                    ..repeat(2, 1.0, "d")
                },
                1.0,
                "tablet",
            )],
        },
        Prescription {
            id: "mr-0003",
            patient: DEMO_PATIENT.id,
            medicine: "Amoxicillin 500 mg capsules",
            prescriber: "pr-dermatology-1",
            written_days_ago: 2,
            dispensed: (21.0, "capsule"),
            dosage: vec![dosage(
                "1 capsule every 8 hours for 7 days",
                TimingRepeat {
                    time_of_day: vec!["06:00:00".into()],
                    bounds_duration: Some(Quantity::ucum(7.0, "days", "d")),
                    ..repeat(1, 8.0, "h")
                },
                1.0,
                "capsule",
            )],
        },
        Prescription {
            id: "mr-0004",
            patient: DEMO_PATIENT.id,
            medicine: "Alendronic acid 70 mg tablets",
            prescriber: "pr-endocrinology-2",
            written_days_ago: 30,
            dispensed: (4.0, "tablet"),
            dosage: vec![Dosage {
                patient_instruction: Some(
                    "Swallow whole with a full glass of water, 30 minutes before breakfast; stay upright."
                        .into(),
                ),
                ..dosage(
                    "1 tablet once a week on Monday, before breakfast",
                    TimingRepeat {
                        day_of_week: vec!["mon".into()],
                        when: vec!["ACM".into()],
                        offset: Some(30),
                        ..repeat(1, 1.0, "wk")
                    },
                    1.0,
                    "tablet",
                )
            }],
        },
        Prescription {
            id: "mr-0005",
            patient: DEMO_PATIENT.id,
            medicine: "Prednisolone 5 mg tablets",
            prescriber: "pr-dermatology-2",
            written_days_ago: 3,
            dispensed: (60.0, "tablet"),
            dosage: vec![
                taper(1, 6.0, -3, 1),
                taper(2, 4.0, 2, 6),
                taper(3, 2.0, 7, 11),
            ],
        },
        Prescription {
            id: "mr-0006",
            patient: DEMO_PATIENT.id,
            medicine: "Salbutamol 100 micrograms inhaler",
            prescriber: "pr-cardiology-2",
            written_days_ago: 120,
            dispensed: (200.0, "puff"),
            dosage: vec![Dosage {
                text: Some("2 puffs when needed for breathlessness, up to 4 times a day".into()),
                as_needed_boolean: Some(true),
                dose_and_rate: dose(2.0, "puff"),
                max_dose_per_period: Some(Ratio {
                    numerator: Some(Quantity::ucum(8.0, "puff", "{puff}")),
                    denominator: Some(Quantity::ucum(1.0, "day", "d")),
                }),
                ..Dosage::default()
            }],
        },
        Prescription {
            id: "mr-0101",
            patient: OTHER_PATIENT.id,
            medicine: "Levothyroxine 50 micrograms tablets",
            prescriber: "pr-endocrinology-2",
            written_days_ago: 200,
            dispensed: (28.0, "tablet"),
            dosage: vec![dosage(
                "1 tablet each morning",
                TimingRepeat {
                    time_of_day: vec!["07:00:00".into()],
                    ..repeat(1, 1.0, "d")
                },
                1.0,
                "tablet",
            )],
        },
    ]
}

/// How many days of dose records the demo patient arrives with: a month, as the app's adherence
/// chart shows.
const HISTORY_DAYS: i64 = 31;

/// Inserts the demo prescriptions (once) and, the first time, the demo patient's recent history.
pub(crate) async fn seed(
    tx: &mut Transaction<'_, Any>,
    now: DateTime<Utc>,
) -> Result<(), FhirError> {
    let today = now.with_timezone(&HOSPITAL_TZ).date_naive();
    for p in prescriptions(today) {
        let authored = now - Duration::days(p.written_days_ago);
        let json =
            serde_json::to_string(&p.dosage).map_err(|e| FhirError::Internal(e.to_string()))?;
        let inserted = sqlx::query(
            "INSERT INTO medication_request (id, patient_id, status, medication, \
             authored_on, requester_id, dosage, dispense_quantity, dispense_unit) \
             VALUES ($1, $2, 'active', $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(p.id)
        .bind(p.patient)
        .bind(p.medicine)
        .bind(Time(authored))
        .bind(p.prescriber)
        .bind(&json)
        .bind(p.dispensed.0)
        .bind(p.dispensed.1)
        .execute(&mut **tx)
        .await?
        .rows_affected()
            == 1;
        if inserted && p.patient == DEMO_PATIENT.id {
            history(tx, &p, authored, now).await?;
        }
    }
    Ok(())
}

/// A believable record of the last month: most doses taken a few minutes either side of
/// their time, one in ten forgotten, the odd one skipped because the patient felt unwell.
async fn history(
    tx: &mut Transaction<'_, Any>,
    p: &Prescription,
    authored: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<(), FhirError> {
    let course_start = authored.with_timezone(&HOSPITAL_TZ).naive_local();
    let steps = p
        .dosage
        .iter()
        .filter(|d| !d.as_needed())
        .map(|d| d.to_step(course_start))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| FhirError::Internal(format!("demo dosage: {e}")))?;
    // Stop short of the last few hours (doses still due, not yet missed) so today's doses are
    // the patient's to log.
    let until = now - Duration::hours(3);
    let from = now - Duration::days(HISTORY_DAYS);
    let doses = expand(&steps, &DailyRoutine::default(), &HOSPITAL_TZ, from, until);
    for (i, dose) in doses.iter().enumerate() {
        let (status, reason, at) = match i % 10 {
            3 => continue,
            7 if i % 20 == 7 => ("not-done", Some("felt-unwell"), dose.due),
            k => (
                "completed",
                None,
                dose.due + Duration::minutes(k as i64 * 4 - 12),
            ),
        };
        let identifier = format!("rx:{}@{}", p.id, dose.slot.key());
        let record = MedicationAdministration {
            id: Some(format!("ma-demo-{}-{i}", p.id)),
            meta: Some(hale_fhir::Meta::version(1, now)),
            identifier: vec![Identifier {
                system: Some(DOSE_SYSTEM.into()),
                value: Some(identifier.clone()),
            }],
            status: status.into(),
            status_reason: reason
                .map(|code| CodeableConcept {
                    coding: vec![Coding {
                        system: Some(SKIP_REASON_SYSTEM.into()),
                        code: Some(code.into()),
                        display: None,
                    }],
                    text: None,
                })
                .into_iter()
                .collect(),
            medication_codeable_concept: Some(CodeableConcept {
                coding: Vec::new(),
                text: Some(p.medicine.into()),
            }),
            subject: Reference::to("Patient", p.patient, None),
            effective_date_time: Some(at),
            performer: Vec::new(),
            request: Some(Reference::to("MedicationRequest", p.id, None)),
            dosage: None,
            note: Vec::new(),
        };
        let json = serde_json::to_string(&Resource::MedicationAdministration(record))
            .map_err(|e| FhirError::Internal(e.to_string()))?;
        sqlx::query(
            "INSERT INTO medication_administration (id, patient_id, identifier_system, \
             identifier_value, request_id, status, effective_at, resource, received_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING",
        )
        .bind(format!("ma-demo-{}-{i}", p.id))
        .bind(p.patient)
        .bind(DOSE_SYSTEM)
        .bind(&identifier)
        .bind(p.id)
        .bind(status)
        .bind(Time(at))
        .bind(&json)
        .bind(Time(now))
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}
