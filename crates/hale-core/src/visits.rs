//! The summary of a past visit: read from the hospital as the patient opens it (the visit, then
//! the records naming it), kept on the device, and shown from the device when the hospital
//! cannot be asked. The patient's own only: while looking after someone, nothing is read.

use chrono::{DateTime, TimeZone, Utc};
use hale_domain::visit_summary::VisitSummary;

use crate::{CoreError, Freshness, Patient};

/// What the visit summary screen shows.
#[derive(Debug)]
pub struct VisitSummaryScreen {
    pub found: VisitFound,
    pub freshness: Freshness,
}

/// What is known of the appointment's visit.
#[derive(Debug, Clone, PartialEq)]
pub enum VisitFound {
    Summary(VisitSummary),
    /// The hospital said it holds no visit for the appointment (the patient did not check in).
    NoVisit,
    /// The hospital could not be asked (or refused), and the device has no copy.
    NotRead,
}

impl Patient {
    /// The summary of `appointment_id`'s visit: live when the hospital answers, else the copy
    /// kept from the last time, saying so.
    pub async fn visit_summary<Tz: TimeZone>(
        &self,
        appointment_id: &str,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<VisitSummaryScreen, CoreError> {
        let own = self.own_id().await?.ok_or(CoreError::NotSignedIn)?;
        if self.saved_patient().await?.as_deref() != Some(own.as_str()) {
            return Err(CoreError::PatientsOwn("read a visit summary"));
        }
        let live = self
            .with_session_of(|s| async move {
                let Some(visit) = self.client.visit_of(&s, appointment_id).await? else {
                    return Ok(None);
                };
                if visit.cancelled {
                    return Ok(Some(VisitSummary::of(
                        visit,
                        Vec::new(),
                        Vec::new(),
                        &[],
                        Vec::new(),
                    )));
                }
                let records = self.client.visit_records(&s, &visit, zone).await?;
                if records.skipped > 0 {
                    tracing::warn!(skipped = records.skipped, "visit records Hale cannot read");
                }
                // Every prescription, stopped ones too, so a changed dose names what it replaced.
                let known = self.client.prescriptions(&s, zone).await?.medicines;
                Ok(Some(VisitSummary::of(
                    visit,
                    records.measured,
                    records.written,
                    &known,
                    records.next_steps,
                )))
            })
            .await;
        let owner = self.owner(&own);
        match live {
            Ok((summary, patient)) if patient == own => {
                if let Some(summary) = &summary {
                    self.store
                        .save_visit_summary(owner, appointment_id, summary, now)
                        .await?;
                }
                Ok(VisitSummaryScreen {
                    found: summary.map_or(VisitFound::NoVisit, VisitFound::Summary),
                    freshness: Freshness::Live { as_of: now },
                })
            }
            // The app switched to someone else meanwhile: their visit is not this screen's.
            Ok(_) => Err(CoreError::PatientsOwn("read a visit summary")),
            Err(CoreError::Hospital(error)) => {
                let saved = self.store.visit_summary(owner, appointment_id).await?;
                let cached_at = saved.as_ref().map(|(_, at)| *at);
                Ok(VisitSummaryScreen {
                    found: saved.map_or(VisitFound::NotRead, |(s, _)| VisitFound::Summary(s)),
                    freshness: Freshness::Offline { cached_at, error },
                })
            }
            Err(other) => Err(other),
        }
    }
}
