//! The alerts the hospital raises for the signed-in person as a helper (a dose someone they
//! help has not logged, a reading beyond that person's limits, a reading that did not come),
//! followed live while the app runs and announced once each, whoever the person is looking
//! after at the time. The notification names the person and the kind of alert, never the
//! medicine or the value.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use hale_domain::care_circle::alerts::{
    helper_alert_text, Delivery, HelperAlert, HelperAlertSettings,
};
use hale_domain::care_circle::CircleMember;

use crate::arrival::{LiveHandle, LiveSink};
use crate::signals::{self, Signal};
use crate::watch::Notifier;
use crate::{CoreError, Patient};

/// Older alerts are listed, not announced: an app started after two days off does not ring
/// for each thing it missed. Long enough for a night's quiet hours to end within it.
const ANNOUNCE_WITHIN: Duration = Duration::hours(12);
/// How often the list is looked at again without a signal: quiet hours end by the clock.
const RECHECK: StdDuration = StdDuration::from_secs(60);

impl Patient {
    /// What the hospital raised for the signed-in person about the people they help, the last
    /// two days', oldest first. Needs the hospital.
    pub async fn helper_alerts(&self) -> Result<Vec<HelperAlert>, CoreError> {
        self.with_session(|s| async move { self.client.helper_alerts(&s).await })
            .await
    }

    /// Announces each recent alert once (`notify_once`, keyed by the alert), as its quiet
    /// hours allow at `now` in `zone`: one held back by quiet hours is announced when they end,
    /// if still recent. Returns the alerts, for the screen.
    pub async fn announce_helper_alerts<Tz: TimeZone>(
        &self,
        notifier: &dyn Notifier,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<Vec<HelperAlert>, CoreError> {
        let alerts = self.helper_alerts().await?;
        let Some(me) = self.own_id().await? else {
            return Ok(alerts);
        };
        let at = now.with_timezone(zone).time();
        for a in &alerts {
            if now - a.raised > ANNOUNCE_WITHIN || a.delivery(at) != Delivery::Notify {
                continue;
            }
            let key = format!("helper-alert:{}", a.id);
            let text = helper_alert_text(a.kind, a.tier, &a.patient_name);
            if self.notify_once(&me, &key, &text, notifier, now).await? {
                tracing::info!(kind = a.kind.code(), "a helper's alert announced");
            }
        }
        Ok(alerts)
    }

    /// The signed-in helper chooses which alerts of grant `consent` they get, and when quiet.
    pub async fn set_alert_settings(
        &self,
        consent: &str,
        settings: &HelperAlertSettings,
    ) -> Result<CircleMember, CoreError> {
        self.with_session(
            |s| async move { self.client.set_alert_settings(&s, consent, settings).await },
        )
        .await
    }
}

/// Listens for the hospital's signal that the signed-in person's alerts as a helper changed;
/// on each, announces what is new and tells the screen. Reconnects after a lost connection.
pub fn follow_helper_alerts<Tz>(
    patient: Arc<Patient>,
    notifier: Arc<dyn Notifier>,
    sink: Arc<dyn LiveSink>,
    zone: Tz,
) -> LiveHandle
where
    Tz: TimeZone + Clone + Send + Sync + 'static,
    Tz::Offset: Send + Sync,
{
    // Whether the last list held an alert back for quiet hours, which end by the clock, not
    // by a signal: only then is it looked at again.
    let held_back = Arc::new(AtomicBool::new(false));
    let (rechecked, zone_again) = (patient.clone(), zone.clone());
    let (recheck_notifier, recheck_held) = (notifier.clone(), held_back.clone());
    let recheck = async move {
        loop {
            tokio::time::sleep(RECHECK).await;
            if !recheck_held.load(Ordering::Relaxed) {
                continue;
            }
            let now = Utc::now();
            if let Ok(alerts) = rechecked
                .announce_helper_alerts(recheck_notifier.as_ref(), &zone_again, now)
                .await
            {
                recheck_held.store(any_held(&alerts, &zone_again, now), Ordering::Relaxed);
            }
        }
    };
    let follow = async move {
        signals::follow(&patient, Signal::HelperAlerts, || async {
            let now = Utc::now();
            match patient
                .announce_helper_alerts(notifier.as_ref(), &zone, now)
                .await
            {
                Ok(alerts) => {
                    held_back.store(any_held(&alerts, &zone, now), Ordering::Relaxed);
                    sink.helper_alerts_changed();
                }
                Err(error) => tracing::info!(%error, "helper alerts not read"),
            }
        })
        .await;
    };
    LiveHandle::spawn(async move {
        tokio::join!(follow, recheck);
    })
}

/// Whether quiet hours hold back any of `alerts` at `now`.
fn any_held<Tz: TimeZone>(alerts: &[HelperAlert], zone: &Tz, now: DateTime<Utc>) -> bool {
    let at = now.with_timezone(zone).time();
    alerts.iter().any(|a| a.delivery(at) == Delivery::Quiet)
}
