//! Readings the clinic took at the patient's visits, copied from the hospital so the charts
//! show them beside the home readings, marked as the clinic's. Copied, never relayed back.
//!
//! Each copy asks for what the hospital stored since a little before the newest reading already
//! copied, in the hospital's own time (its `meta.lastUpdated`), so neither clock skew nor a
//! reading committed while another copy ran is missed; a reading copied twice is stored once.

use chrono::{DateTime, Duration, Utc};

use crate::{CoreError, Patient};

/// How far before the newest copied reading the next copy asks again.
const OVERLAP: Duration = Duration::minutes(5);

impl Patient {
    /// Copies the clinic readings the hospital stored since the last copy. Returns how many
    /// were new. Only the signed-in person's own: while they look after someone, nothing.
    pub async fn sync_clinic_readings(&self, now: DateTime<Utc>) -> Result<usize, CoreError> {
        let Some(own) = self.own_id().await? else {
            return Ok(0);
        };
        if self.saved_patient().await?.as_deref() != Some(own.as_str()) {
            return Ok(0);
        }
        let since = self
            .store
            .clinic_readings_as_of(self.owner(&own))
            .await?
            .map(|t| t - OVERLAP);
        let (found, patient) = self
            .with_session_of(|s| async move { self.client.clinic_readings(&s, since).await })
            .await?;
        if patient != own {
            return Ok(0);
        }
        if found.skipped > 0 {
            tracing::warn!(skipped = found.skipped, "clinic readings Hale cannot chart");
        }
        let new = self
            .store
            .store_clinic_readings(self.owner(&own), &found.readings, found.newest, now)
            .await?;
        if new > 0 {
            tracing::info!(new, "clinic readings copied");
            self.changed.notify_one();
        }
        Ok(new)
    }

    /// [`Self::sync_clinic_readings`] for a screen showing readings: how many were new, none
    /// when the hospital is out of reach (the copy stays as it was) or when a screen's copy is
    /// already under way (a screen opened twice at once asks once; the first answer carries
    /// what it found, and the watch loop's copies run apart from this).
    pub async fn catch_up_clinic_readings(&self, now: DateTime<Utc>) -> usize {
        let Ok(_copying) = self.clinic_copy.try_lock() else {
            return 0;
        };
        match self.sync_clinic_readings(now).await {
            Ok(new) => new,
            Err(error) => {
                tracing::info!(%error, "clinic readings not copied");
                0
            }
        }
    }
}
