//! A visit and what it left behind: the Encounter that check-in opened for an appointment, and
//! the records naming it (readings the clinic took, prescriptions written there, the next steps
//! the care team wrote), read into the domain's types for the visit summary.

use chrono::TimeZone;
use hale_domain::device::Reading;
use hale_domain::monitoring::CareMessage;
use hale_domain::visit_summary::{Visit, Written};
use hale_fhir::{Encounter, Resource};

use crate::observation::clinic_reading;
use crate::{ClientError, HospitalClient, Session};

/// The records naming one visit, as the hospital holds them.
#[derive(Debug, Clone, PartialEq)]
pub struct VisitRecords {
    pub measured: Vec<Reading>,
    pub written: Vec<Written>,
    pub next_steps: Vec<CareMessage>,
    /// Records Hale cannot read (a reading it cannot chart, a message without text).
    pub skipped: usize,
}

impl HospitalClient {
    /// The visit of `appointment_id`, if the patient checked in for it.
    pub async fn visit_of(
        &self,
        session: &Session,
        appointment_id: &str,
    ) -> Result<Option<Visit>, ClientError> {
        let reference = format!("Appointment/{appointment_id}");
        let bundle = self
            .search(session, "Encounter", &[("appointment", &reference)])
            .await?;
        // One visit per appointment; should a hospital hold more, the newest is the visit.
        Ok(bundle
            .entry
            .into_iter()
            .filter_map(|e| match e.resource {
                Resource::Encounter(e) => visit(&e),
                _ => None,
            })
            .max_by_key(|v| v.arrived))
    }

    /// Everything naming `visit`, with prescriptions read as medicines whose times are in
    /// `zone`.
    pub async fn visit_records<Tz: TimeZone>(
        &self,
        session: &Session,
        visit: &Visit,
        zone: &Tz,
    ) -> Result<VisitRecords, ClientError> {
        let encounter = format!("Encounter/{}", visit.encounter_id);
        let at_visit = [("encounter", encounter.as_str())];
        let mut records = VisitRecords {
            measured: Vec::new(),
            written: Vec::new(),
            next_steps: Vec::new(),
            skipped: 0,
        };
        for entry in self.search(session, "Observation", &at_visit).await?.entry {
            if let Resource::Observation(o) = entry.resource {
                match clinic_reading(&o) {
                    Some((reading, _)) => records.measured.push(reading),
                    None => records.skipped += 1,
                }
            }
        }
        for entry in self
            .search(session, "MedicationRequest", &at_visit)
            .await?
            .entry
        {
            if let Resource::MedicationRequest(r) = entry.resource {
                records.written.push(Written {
                    medicine: r.to_medicine(zone).0,
                    replaces: r
                        .prior_prescription
                        .as_ref()
                        .and_then(|p| p.id_of("MedicationRequest"))
                        .map(str::to_owned),
                    by: r.requester.as_ref().and_then(|p| p.display.clone()),
                });
            }
        }
        for entry in self
            .search(session, "Communication", &at_visit)
            .await?
            .entry
        {
            if let Resource::Communication(c) = entry.resource {
                match c.to_message() {
                    Ok(m) => records.next_steps.push(m),
                    Err(_) => records.skipped += 1,
                }
            }
        }
        Ok(records)
    }
}

/// A visit as the domain sees it; an encounter without an id or a start is not one Hale can
/// show.
fn visit(e: &Encounter) -> Option<Visit> {
    let period = e.period.as_ref()?;
    Some(Visit {
        encounter_id: e.id.clone()?,
        arrived: period.start?,
        ended: period.end.filter(|_| e.status == "finished"),
        cancelled: e.status == "cancelled",
    })
}
