//! Following one of the hospital's signal streams ("something changed: read it again") for as
//! long as the app runs: opened while someone is signed in, opened again a few seconds after a
//! lost connection, and asked seldom after the hospital refused it.

use std::future::Future;
use std::time::Duration as StdDuration;

use crate::{CoreError, Patient};

/// How long to wait before listening again after the signal dropped.
const RECONNECT: StdDuration = StdDuration::from_secs(3);
/// How long to wait when the hospital refuses the signal: a sign-in made before the feature
/// was part of the app lacks its scopes until the person signs in again, and asking every few
/// seconds would only fill the hospital's audit log.
const REFUSED_WAIT: StdDuration = StdDuration::from_secs(600);

/// A signal stream the hospital offers the signed-in person.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Signal {
    /// The patient's care team side: plan, alerts, messages.
    CareTeam,
    /// The person's alerts as a helper.
    HelperAlerts,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::CareTeam => "care team",
            Signal::HelperAlerts => "helper alerts",
        }
    }
}

/// Calls `on_signal` each time the hospital signals `signal`, for ever: run it in a task.
pub(crate) async fn follow<F, Fut>(patient: &Patient, signal: Signal, mut on_signal: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = ()>,
{
    loop {
        let mut wait = RECONNECT;
        if patient.is_signed_in().await {
            let events = patient
                .with_session(|s| async move {
                    match signal {
                        Signal::CareTeam => patient.client.care_team_events(&s).await,
                        Signal::HelperAlerts => patient.client.helper_alert_events(&s).await,
                    }
                })
                .await;
            match events {
                Ok(mut updates) => {
                    while let Ok(Some(())) = updates.next().await {
                        on_signal().await;
                    }
                }
                Err(CoreError::Hospital(hale_client::ClientError::Forbidden(_))) => {
                    tracing::info!(signal = signal.name(), "the hospital refuses this signal");
                    wait = REFUSED_WAIT;
                }
                // A hospital that is not Hale's (or an older one) has no such stream: asking
                // every few seconds would only fill its logs.
                Err(CoreError::Hospital(hale_client::ClientError::NotFound)) => {
                    tracing::info!(signal = signal.name(), "the hospital has no such signal");
                    wait = REFUSED_WAIT;
                }
                Err(error) => {
                    tracing::info!(%error, signal = signal.name(), "signal not available")
                }
            }
        }
        tokio::time::sleep(wait).await;
    }
}
