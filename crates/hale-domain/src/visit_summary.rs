//! What a visit left behind, as the patient reads it afterwards: what the clinic measured, what
//! it prescribed (a new medicine, or a changed dose that replaces an earlier prescription), and
//! the next steps the care team wrote. The hospital's records name the visit (FHIR `encounter`);
//! this module decides what the summary says from them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::device::Reading;
use crate::medication::Medicine;
use crate::monitoring::CareMessage;

/// A visit as the hospital recorded it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visit {
    pub encounter_id: String,
    pub arrived: DateTime<Utc>,
    /// When it ended; `None` while the patient is still at the hospital.
    pub ended: Option<DateTime<Utc>>,
    /// The hospital cancelled it (checked in by mistake): nothing is summarised.
    pub cancelled: bool,
}

/// A prescription written at the visit, as the hospital holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Written {
    pub medicine: Medicine,
    /// The id of the prescription it replaces (FHIR `priorPrescription`), if any.
    pub replaces: Option<String>,
    /// Who prescribed it, as they sign.
    pub by: Option<String>,
}

/// A prescription in the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Prescribed {
    pub name: String,
    /// The prescriber's words, e.g. "1 capsule once a day in the morning".
    pub instructions: Option<String>,
    pub change: Change,
    pub by: Option<String>,
}

/// Whether a prescription is new to the patient or changes one they had.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    New,
    /// It replaces an earlier prescription, which stops.
    Replaces {
        /// The earlier medicine's name and instructions, when the app has them.
        name: Option<String>,
        instructions: Option<String>,
    },
}

/// The summary of one visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitSummary {
    pub visit: Visit,
    /// Oldest first.
    pub measured: Vec<Reading>,
    /// In the order they were written.
    pub prescribed: Vec<Prescribed>,
    /// Oldest first: the order in which they were written, which is the order to read them.
    pub next_steps: Vec<CareMessage>,
}

impl VisitSummary {
    /// Decides the summary of `visit` from the records naming it. `known` are the patient's
    /// prescriptions (every status), where a replaced one is found by id (`rx:{id}`).
    pub fn of(
        visit: Visit,
        mut measured: Vec<Reading>,
        written: Vec<Written>,
        known: &[Medicine],
        mut next_steps: Vec<CareMessage>,
    ) -> Self {
        measured.sort_by(|a, b| a.effective.cmp(&b.effective).then(a.key.cmp(&b.key)));
        measured.dedup_by(|a, b| a.key == b.key);
        next_steps.sort_by(|a, b| a.sent.cmp(&b.sent).then(a.id.cmp(&b.id)));
        let prescribed = written
            .into_iter()
            .map(|w| {
                let change = match w.replaces {
                    None => Change::New,
                    Some(id) => {
                        let earlier = known.iter().find(|m| m.id == format!("rx:{id}"));
                        Change::Replaces {
                            name: earlier.map(|m| m.name.clone()),
                            instructions: earlier.and_then(|m| m.instructions.clone()),
                        }
                    }
                };
                Prescribed {
                    name: w.medicine.name,
                    instructions: w.medicine.instructions,
                    change,
                    by: w.by,
                }
            })
            .collect();
        Self {
            visit,
            measured,
            prescribed,
            next_steps,
        }
    }

    /// Whether the visit left nothing to show.
    pub fn is_empty(&self) -> bool {
        self.measured.is_empty() && self.prescribed.is_empty() && self.next_steps.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{Quantity, ReadingKind, Unit, Vital};
    use crate::medication::Source;

    fn at(hm: &str) -> DateTime<Utc> {
        format!("2026-12-01T{hm}:00Z").parse().unwrap()
    }

    fn medicine(id: &str, name: &str, how: &str) -> Medicine {
        Medicine {
            id: format!("rx:{id}"),
            name: name.into(),
            instructions: Some(how.into()),
            source: Source::Prescription,
            steps: Vec::new(),
            as_needed: None,
            unit: None,
            active: true,
        }
    }

    fn weight(key: &str, when: &str) -> Reading {
        Reading {
            key: key.into(),
            device: "clinic".into(),
            kind: ReadingKind::BodyWeight,
            effective: at(when),
            device_clock: true,
            values: vec![Quantity {
                vital: Vital::BodyWeight,
                value: 82.4,
                unit: Unit::Kilogram,
            }],
            context: None,
        }
    }

    fn message(id: &str, when: &str) -> CareMessage {
        CareMessage {
            id: id.into(),
            from: "Dr Priya Shah".into(),
            text: format!("step {id}"),
            sent: at(when),
        }
    }

    fn visit() -> Visit {
        Visit {
            encounter_id: "en-1".into(),
            arrived: at("09:00"),
            ended: Some(at("10:00")),
            cancelled: false,
        }
    }

    #[test]
    fn a_changed_dose_names_the_medicine_it_replaces_and_a_new_one_says_it_is_new() {
        let known = [medicine(
            "mr-1",
            "Atorvastatin 20 mg tablets",
            "1 at bedtime",
        )];
        let written = vec![
            Written {
                medicine: medicine("mr-9", "Atorvastatin 40 mg tablets", "1 at bedtime"),
                replaces: Some("mr-1".into()),
                by: Some("Dr Priya Shah".into()),
            },
            Written {
                medicine: medicine("mr-10", "Ramipril 2.5 mg capsules", "1 in the morning"),
                replaces: None,
                by: None,
            },
        ];
        let s = VisitSummary::of(visit(), Vec::new(), written, &known, Vec::new());
        assert_eq!(
            s.prescribed[0].change,
            Change::Replaces {
                name: Some("Atorvastatin 20 mg tablets".into()),
                instructions: Some("1 at bedtime".into()),
            }
        );
        assert_eq!(s.prescribed[1].change, Change::New);
        assert!(!s.is_empty());
    }

    #[test]
    fn a_replaced_prescription_the_app_never_saw_is_still_a_change() {
        let written = vec![Written {
            medicine: medicine("mr-9", "Atorvastatin 40 mg tablets", "1 at bedtime"),
            replaces: Some("mr-unknown".into()),
            by: None,
        }];
        let s = VisitSummary::of(visit(), Vec::new(), written, &[], Vec::new());
        assert_eq!(
            s.prescribed[0].change,
            Change::Replaces {
                name: None,
                instructions: None
            }
        );
    }

    #[test]
    fn readings_and_next_steps_read_oldest_first_and_a_reading_copied_twice_counts_once() {
        let s = VisitSummary::of(
            visit(),
            vec![
                weight("clinic/b", "09:40"),
                weight("clinic/a", "09:20"),
                weight("clinic/a", "09:20"),
            ],
            Vec::new(),
            &[],
            vec![message("2", "09:55"), message("1", "09:50")],
        );
        let keys: Vec<_> = s.measured.iter().map(|r| r.key.as_str()).collect();
        assert_eq!(keys, ["clinic/a", "clinic/b"]);
        let ids: Vec<_> = s.next_steps.iter().map(|m| m.id.as_str()).collect();
        assert_eq!(ids, ["1", "2"]);
    }

    #[test]
    fn a_visit_with_no_records_is_empty() {
        let s = VisitSummary::of(visit(), Vec::new(), Vec::new(), &[], Vec::new());
        assert!(s.is_empty());
    }
}
