//! Devices and their readings: pairing, storing what a device measured (locally first, so
//! nothing is lost offline), alerting on dangerous readings, and relaying the outbox to the
//! hospital as FHIR Observations exactly once.

use chrono::{DateTime, Duration, TimeZone, Utc};
use futures_util::StreamExt;
use hale_client::OutgoingReading;
use hale_domain::device::reading::readings;
use hale_domain::device::{
    Assessment, Measurement, ReadingKind, RecordProgress, Thresholds, Withheld,
};
use hale_domain::notice::{About, Place};
use hale_domain::reminder::ReminderText;
use hale_store::{PairedDevice, StoredReading};

use crate::medicines::SyncReport;
use crate::{watch, CoreError, Patient};

/// Readings per transaction: large enough that a day of 1 Hz heart rate relays in seconds,
/// small enough that one request never holds the hospital's database for long.
pub const RELAY_BATCH: u32 = 1000;

/// Batches on their way at once: while the hospital stores one, the next is read, encoded and
/// sent. More would only queue behind the hospital's one writer.
const RELAY_IN_FLIGHT: usize = 2;

/// At most one alert per kind of reading in this window: a heart rate stream above its
/// threshold for an hour alerts twice, not 3,600 times.
const ALERT_WINDOW_MIN: i64 = 30;

/// What a batch of measurements gave.
#[derive(Debug, Default)]
pub struct Recorded {
    /// Keys of the readings stored now (a reading already stored is not counted again).
    pub stored: Vec<String>,
    /// Readings that crossed a threshold, newly stored.
    pub alerts: Vec<Assessment>,
    /// Alert notifications shown (fewer than alerts within one window).
    pub notified: usize,
    /// Values the devices said are not patient data, one list per measurement: shown, never
    /// stored or relayed.
    pub withheld: Vec<Vec<Withheld>>,
}

#[derive(Debug, thiserror::Error)]
pub enum DeviceError {
    #[error("sign in before pairing a device, so its readings reach your record")]
    NotSignedIn,
    #[error(transparent)]
    Threshold(#[from] hale_domain::device::alert::InvalidThreshold),
    #[error(transparent)]
    LooserThanPlan(#[from] hale_domain::monitoring::patient_side::LooserThanPlan),
}

impl Patient {
    async fn signed_in_patient(&self) -> Result<String, CoreError> {
        self.own_id()
            .await?
            .ok_or_else(|| DeviceError::NotSignedIn.into())
    }

    /// Remembers a device the patient paired.
    pub async fn pair_device(&self, device: &PairedDevice) -> Result<(), CoreError> {
        let patient = self.signed_in_patient().await?;
        self.store.save_device(self.owner(&patient), device).await?;
        Ok(())
    }

    pub async fn paired_devices(&self) -> Result<Vec<PairedDevice>, CoreError> {
        match self.own_id().await? {
            Some(patient) => Ok(self.store.devices(self.owner(&patient)).await?),
            None => Ok(Vec::new()),
        }
    }

    pub async fn forget_device(&self, id: &str) -> Result<bool, CoreError> {
        let patient = self.signed_in_patient().await?;
        Ok(self.store.forget_device(self.owner(&patient), id).await?)
    }

    /// Stores the readings in `measurements` from `device` (each with the time it was
    /// received) in one transaction with the device's `progress` (the stored records received
    /// in full, as the device service decided), then notifies the patient of any new reading
    /// that crossed a threshold.
    pub async fn record_measurements<Tz: TimeZone>(
        &self,
        device: &str,
        measurements: &[(Measurement, DateTime<Utc>)],
        progress: Option<&RecordProgress>,
        zone: &Tz,
        notifier: &dyn watch::Notifier,
        now: DateTime<Utc>,
    ) -> Result<Recorded, CoreError> {
        let patient = self.signed_in_patient().await?;
        let owner = self.owner(&patient);
        let thresholds = self.alert_thresholds(owner).await?;
        let mut batch = Vec::new();
        let mut assessments = Vec::new();
        let mut withheld = Vec::new();
        for (m, received) in measurements {
            let found = readings(device, m, *received, zone);
            if !found.withheld.is_empty() {
                withheld.push(found.withheld);
            }
            for reading in found.kept {
                let assessment = thresholds.assess(&reading);
                batch.push((reading, assessment.as_ref().map(|a| a.interpretation)));
                assessments.push(assessment);
            }
        }
        let stored = self
            .store
            .store_readings(
                owner,
                device,
                &batch,
                progress.map(|p| p.last),
                progress.and_then(|p| p.session.as_deref()),
                now,
            )
            .await?;
        let mut recorded = Recorded {
            stored,
            withheld,
            ..Recorded::default()
        };
        for ((reading, _), assessment) in batch.iter().zip(assessments) {
            let Some(assessment) = assessment else {
                continue;
            };
            if !recorded.stored.contains(&reading.key) {
                continue;
            }
            // Old records downloaded from a meter's memory are charted and relayed, but an
            // alert now about a reading from last week would alarm without helping.
            if now - reading.effective < Duration::hours(1) {
                let window = reading.effective.timestamp() / (ALERT_WINDOW_MIN * 60);
                let key = format!("alert:{}:{window}", reading.kind.slug());
                let text = ReminderText {
                    title: "Check this reading".into(),
                    body: assessment.message.clone(),
                    about: About::Shown(Place::Devices),
                };
                if self
                    .notify_once(&patient, &key, &text, notifier, now)
                    .await?
                {
                    recorded.notified += 1;
                }
            }
            recorded.alerts.push(assessment);
        }
        if !recorded.stored.is_empty() {
            // The watch task is not woken: readings change no reminder, and the device service
            // relays fresh readings itself, coalesced.
            tracing::info!(
                stored = recorded.stored.len(),
                alerts = recorded.alerts.len(),
                "readings stored"
            );
        }
        Ok(recorded)
    }

    /// Sends every reading the hospital has not confirmed, in batches, marking each batch synced
    /// only once the hospital answered for it. A batch whose answer was lost is sent again and
    /// the hospital, matching each identifier, stores every reading once.
    pub async fn relay_readings(&self, now: DateTime<Utc>) -> Result<SyncReport, CoreError> {
        let Some(patient) = self.saved_patient().await? else {
            return Ok(SyncReport::default());
        };
        // While the person looks after someone, the sign-in is that someone's: the person's
        // own readings wait until they are back.
        if self.own_id().await?.as_deref() != Some(patient.as_str()) {
            return Ok(SyncReport::default());
        }
        let owner = self.owner(&patient);
        // Each batch is read after the last one read, not after the last one confirmed, so the
        // next batch travels while the hospital stores this one. A batch whose answer is lost
        // stays in the outbox and is sent again; the hospital's conditional create keeps each
        // reading stored once.
        let mut in_flight = futures_util::stream::FuturesOrdered::new();
        let mut after: Option<String> = None;
        let mut more = true;
        let mut report = SyncReport::default();
        loop {
            if more && in_flight.len() < RELAY_IN_FLIGHT {
                let batch = {
                    let read = self
                        .store
                        .unsynced_readings(owner, after.as_deref(), RELAY_BATCH);
                    let mut read = std::pin::pin!(read);
                    // The batches in flight go on while this one is read: they use the store
                    // too, and one waiting unpolled on it would block the read.
                    loop {
                        tokio::select! {
                            batch = &mut read => break batch?,
                            Some(part) = in_flight.next() => report.add(part?),
                        }
                    }
                };
                more = batch.len() == RELAY_BATCH as usize;
                if let Some(last) = batch.last() {
                    after = Some(last.reading.key.clone());
                    in_flight.push_back(self.relay_batch(&patient, batch, now));
                }
                continue;
            }
            match in_flight.next().await {
                Some(part) => report.add(part?),
                None => return Ok(report),
            }
        }
    }

    /// Sends one batch of the outbox and marks what the hospital confirmed.
    async fn relay_batch(
        &self,
        patient: &str,
        batch: Vec<StoredReading>,
        now: DateTime<Utc>,
    ) -> Result<SyncReport, CoreError> {
        let outgoing: Vec<OutgoingReading<'_>> = batch
            .iter()
            .map(|r| OutgoingReading {
                reading: &r.reading,
                device_label: r.device_name.as_deref().unwrap_or("Bluetooth device"),
                interpretation: r.interpretation,
            })
            .collect();
        let answers = self
            .with_session(|s| {
                let outgoing = &outgoing;
                async move { self.client.send_readings(&s, patient, outgoing).await }
            })
            .await?;
        let report = SyncReport::of(&answers);
        let keys: Vec<String> = batch.into_iter().map(|r| r.reading.key).collect();
        self.store
            .mark_readings_synced(self.owner(patient), &keys, now)
            .await?;
        tracing::info!(sent = keys.len(), "readings confirmed by the hospital");
        Ok(report)
    }

    /// Relays the outbox if anything waits in it (cheap when nothing does).
    pub async fn relay_pending(&self, now: DateTime<Utc>) -> Result<SyncReport, CoreError> {
        let Some(patient) = self.saved_patient().await? else {
            return Ok(SyncReport::default());
        };
        if self
            .store
            .unsynced_reading_count(self.owner(&patient))
            .await?
            == 0
        {
            return Ok(SyncReport::default());
        }
        self.relay_readings(now).await
    }

    /// Readings of `kind` since `since`, oldest first, for a chart.
    pub async fn readings(
        &self,
        kind: ReadingKind,
        since: DateTime<Utc>,
    ) -> Result<Vec<StoredReading>, CoreError> {
        match self.own_id().await? {
            Some(patient) => Ok(self
                .store
                .readings(self.owner(&patient), kind, since)
                .await?),
            None => Ok(Vec::new()),
        }
    }

    /// The newest reading of each kind, and how many wait to be relayed.
    pub async fn latest_readings(&self) -> Result<(Vec<StoredReading>, u32), CoreError> {
        match self.own_id().await? {
            Some(patient) => {
                let owner = self.owner(&patient);
                Ok((
                    self.store.latest_readings(owner).await?,
                    self.store.unsynced_reading_count(owner).await?,
                ))
            }
            None => Ok((Vec::new(), 0)),
        }
    }

    pub async fn thresholds(&self) -> Result<Thresholds, CoreError> {
        match self.own_id().await? {
            Some(patient) => Ok(self.store.thresholds(self.owner(&patient)).await?),
            None => Ok(Thresholds::default()),
        }
    }

    /// Saves the patient's thresholds after checking each lies where an alert still means danger.
    /// The care team's plan may set red limits: an alert may be stricter than those, never looser.
    pub async fn set_thresholds(&self, thresholds: &Thresholds) -> Result<Thresholds, CoreError> {
        thresholds.validate().map_err(DeviceError::from)?;
        // The plan in view would be the other person's: one's own limits are set as oneself.
        if self.looking_after().await?.is_some() {
            return Err(CoreError::Hospital(hale_client::ClientError::Refused {
                code: Some(hale_domain::RefusalCode::NotPermitted),
                message: "go back to your own records to change your alerts".into(),
            }));
        }
        if let Some(plan) = self.saved_plan().await? {
            hale_domain::monitoring::patient_side::check_not_looser(thresholds, &plan)
                .map_err(DeviceError::from)?;
        }
        let patient = self.signed_in_patient().await?;
        self.store
            .set_thresholds(self.owner(&patient), thresholds)
            .await?;
        Ok(*thresholds)
    }
}
