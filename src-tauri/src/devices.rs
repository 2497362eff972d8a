//! The Bluetooth service wired to the patient: measurement batches are stored (and alerted on)
//! through `hale-core`, then relayed; link changes and scan results go to an open screen.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{Local, Utc};
use hale_ble::{Batch, BleEvent, BleHandle, Watched};
use hale_core::watch::Notifier;
use hale_core::Patient;
use tauri::{AppHandle, Emitter, Runtime};
use tokio::sync::{mpsc, Notify};

use crate::convert;

/// Fresh readings are relayed at most this often: a 1 Hz stream goes up in batches, not one
/// request a second.
const RELAY_COALESCE: Duration = Duration::from_secs(5);

/// The running device service of one app.
#[derive(Debug)]
pub struct Devices {
    pub ble: BleHandle,
    /// Why Bluetooth cannot be used, once the service found out.
    pub unavailable: Arc<Mutex<Option<hale_ble::NoBluetooth>>>,
}

impl Devices {
    /// Starts the service and its forwarders, and watches the paired devices. Must run inside
    /// the async runtime.
    pub fn start<R: Runtime>(
        patient: Arc<Patient>,
        notifier: Arc<dyn Notifier>,
        app: AppHandle<R>,
    ) -> Self {
        let (ble, batches) = hale_ble::start();
        let unavailable = Arc::new(Mutex::new(None));
        let relay = Arc::new(Notify::new());
        tokio::spawn(store_batches(
            patient.clone(),
            notifier,
            batches,
            relay.clone(),
            app.clone(),
        ));
        tokio::spawn(relay_fresh(patient.clone(), relay, app.clone()));
        tokio::spawn(forward_events(ble.events(), unavailable.clone(), app));
        let watcher = ble.clone();
        tokio::spawn(async move { watch_paired(&patient, &watcher).await });
        Self { ble, unavailable }
    }
}

/// Hands the paired devices to the service, so they reconnect whenever they are in range.
pub async fn watch_paired(patient: &Patient, ble: &BleHandle) {
    match patient.paired_devices().await {
        Ok(devices) => {
            let watched = devices
                .into_iter()
                .map(|d| Watched {
                    id: d.id,
                    device_type: d.device_type,
                    last_sequence: d.last_sequence,
                    record_session: d.record_session,
                })
                .collect();
            if let Err(error) = ble.watch(watched).await {
                tracing::warn!(%error, "paired devices not watched");
            }
        }
        Err(error) => tracing::warn!(%error, "paired devices unreadable"),
    }
}

async fn store_batches<R: Runtime>(
    patient: Arc<Patient>,
    notifier: Arc<dyn Notifier>,
    mut batches: mpsc::Receiver<Batch>,
    relay: Arc<Notify>,
    app: AppHandle<R>,
) {
    while let Some(batch) = batches.recv().await {
        // A store failure (a full disk) is retried rather than dropping the readings; the BLE
        // service waits meanwhile (the channel is bounded), so nothing is lost.
        let mut delay = Duration::from_millis(200);
        let recorded = loop {
            match patient
                .record_measurements(
                    &batch.device,
                    &batch.measurements,
                    batch.progress.as_ref(),
                    &Local,
                    notifier.as_ref(),
                    Utc::now(),
                )
                .await
            {
                Ok(recorded) => break recorded,
                Err(error) => {
                    tracing::warn!(%error, "readings not stored yet; retrying");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(10));
                }
            }
        };
        // The last measurement whose values a device said are not patient data, shown for what
        // it is (a continuous oximeter still settling sends one a second; the screen shows the
        // latest).
        if let Some(last) = recorded.withheld.last() {
            let event = convert::devices::withheld(last);
            if let Err(error) = app.emit(hale_api::DEVICES_EVENT, event) {
                tracing::warn!(%error, "could not tell the screen about a withheld value");
            }
        }
        if !recorded.stored.is_empty() {
            // The screen shows the newest of each kind; tell it those, not "reload".
            let (latest, unsynced) = match patient.latest_readings().await {
                Ok(found) => found,
                Err(error) => {
                    tracing::warn!(%error, "the newest readings could not be read back");
                    (Vec::new(), 0)
                }
            };
            let event = hale_api::DeviceEventView::ReadingsStored {
                count: recorded.stored.len(),
                alerts: recorded.alerts.iter().map(|a| a.message.clone()).collect(),
                latest: latest.iter().map(convert::devices::reading).collect(),
                unsynced,
            };
            if let Err(error) = app.emit(hale_api::DEVICES_EVENT, event) {
                tracing::warn!(%error, "could not tell the screen about new readings");
            }
            relay.notify_one();
        }
    }
}

async fn relay_fresh<R: Runtime>(patient: Arc<Patient>, relay: Arc<Notify>, app: AppHandle<R>) {
    loop {
        relay.notified().await;
        tokio::time::sleep(RELAY_COALESCE).await;
        match patient.relay_pending(Utc::now()).await {
            Ok(report) => {
                tracing::info!(created = report.created, "readings relayed");
                // Sent even when this pass found nothing: the watch task may have relayed them
                // meanwhile, and the screen's relay status should say so either way.
                let count = report.created + report.already_there;
                let unsynced = match patient.latest_readings().await {
                    Ok((_, unsynced)) => unsynced,
                    Err(error) => {
                        tracing::warn!(%error, "the outbox could not be counted");
                        continue;
                    }
                };
                let event = hale_api::DeviceEventView::ReadingsRelayed { count, unsynced };
                if let Err(error) = app.emit(hale_api::DEVICES_EVENT, event) {
                    tracing::warn!(%error, "could not tell the screen about relayed readings");
                }
            }
            // Offline: the readings wait in the outbox; the watch task tries again.
            Err(error) => tracing::info!(%error, "readings not relayed yet"),
        }
    }
}

async fn forward_events<R: Runtime>(
    mut events: tokio::sync::broadcast::Receiver<BleEvent>,
    unavailable: Arc<Mutex<Option<hale_ble::NoBluetooth>>>,
    app: AppHandle<R>,
) {
    loop {
        let event = match events.recv().await {
            Ok(event) => event,
            // The screen missed some progress; the next event or a reload catches up.
            Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => continue,
            Err(tokio::sync::broadcast::error::RecvError::Closed) => return,
        };
        if let BleEvent::Unavailable(why) = &event {
            *unavailable.lock().unwrap_or_else(|p| p.into_inner()) = Some(*why);
        }
        if let Err(error) = app.emit(hale_api::DEVICES_EVENT, convert::devices::event(event)) {
            tracing::warn!(%error, "could not send a device event to the screen");
        }
    }
}
