//! The readable report: the device's own readings, doses and appointments for a period,
//! decided by `hale_domain::report` and laid out as PDF by `hale-report`. From the device alone,
//! so it works offline; the patient's own only, as the export is.

use chrono::{DateTime, TimeZone, Utc};
use hale_domain::report::{report, Period, Records, ORDER};

use crate::{CoreError, Patient};

/// A report ready to save.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportFile {
    pub name: String,
    pub pdf: Vec<u8>,
}

impl Patient {
    /// The report of `period`, its times in `zone`, as of `now`.
    pub async fn report<Tz: TimeZone>(
        &self,
        period: Period,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<ReportFile, CoreError>
    where
        Tz::Offset: std::fmt::Display,
    {
        let own = self.own_id().await?.ok_or(CoreError::NotSignedIn)?;
        if self.saved_patient().await?.as_deref() != Some(own.as_str()) {
            return Err(CoreError::PatientsOwn("make a report"));
        }
        let owner = self.owner(&own);
        let (start, _) = period.bounds(zone);
        let mut readings = Vec::new();
        for kind in ORDER {
            for stored in self.store.readings(owner, kind, start).await? {
                readings.push((stored.reading, stored.encounter.is_some()));
            }
        }
        let thresholds = self.store.thresholds(owner).await?;
        let medicines = self.store.medicines(owner).await?.records;
        let doses = self.store.dose_records(owner, start).await?;
        let appointments = self.store.appointments(owner).await?.records;
        let profile = self.store.profile(&self.hospital_key).await?;
        let decided = report(
            period,
            Records {
                readings: &readings,
                thresholds: &thresholds,
                medicines: &medicines,
                doses: &doses,
                appointments: &appointments,
            },
            profile.as_ref().and_then(|p| p.patient_name.clone()),
            profile.and_then(|p| p.hospital_name),
            zone,
            now,
        );
        Ok(ReportFile {
            name: format!(
                "hale-report-{}-to-{}.pdf",
                period.from().format("%Y-%m-%d"),
                period.to().format("%Y-%m-%d")
            ),
            pdf: hale_report::pdf(&decided, zone),
        })
    }
}
