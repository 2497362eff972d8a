//! One connected device: connect, discover, subscribe, download stored glucose records, then
//! decode notifications into measurement batches until the link drops.

use std::time::Duration;

use btleplug::api::{Characteristic as GattCharacteristic, Peripheral as _, WriteType};
use btleplug::platform::Peripheral;
use chrono::{DateTime, Duration as Span, Utc};
use futures_util::StreamExt;
use hale_domain::device::blood_pressure::{kpa_to_mmhg, PressureUnit};
use hale_domain::device::racp::{self, Records, Response};
use hale_domain::device::{decode, Characteristic, DeviceType, Measurement};
use tokio::sync::{broadcast, mpsc};

use crate::{short_uuid, Batch, BleError, BleEvent, SessionNews, Watched, CONNECT_TIMEOUT};

/// A stream (a heart rate strap at 1 Hz, a continuous oximeter) is handed on at least this often,
/// so the screen stays live and a crash loses at most this much.
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// … or at this many measurements, whichever comes first (a glucose download arrives at once).
const FLUSH_AT: usize = 200;

pub(crate) struct Session {
    pub peripheral: Peripheral,
    pub watched: Watched,
    pub events: broadcast::Sender<BleEvent>,
    pub batches: mpsc::Sender<Batch>,
    pub news: mpsc::Sender<SessionNews>,
}

fn connect_error(e: impl std::fmt::Display) -> BleError {
    BleError::Connect(e.to_string())
}

impl Session {
    pub async fn run(self) -> Result<(), BleError> {
        let device = self.watched.id.clone();
        let (characteristics, mut notifications) =
            tokio::time::timeout(CONNECT_TIMEOUT, self.open())
                .await
                .map_err(|_| BleError::Connect("timed out".into()))??;
        let _ = self
            .news
            .send(SessionNews::Connected {
                device: device.clone(),
            })
            .await;

        let racp = characteristics.iter().find(|c| {
            short_uuid(&c.uuid) == Some(Characteristic::RecordAccessControlPoint.uuid16())
        });
        let mut downloading = false;
        if let (DeviceType::Glucose, Some(racp_char)) = (self.watched.device_type, racp) {
            let which = self
                .watched
                .last_sequence
                .map_or(Records::All, Records::After);
            if let Some(request) = racp::report_records(which) {
                self.peripheral
                    .write(racp_char, &request, WriteType::WithResponse)
                    .await
                    .map_err(connect_error)?;
                downloading = true;
                let _ = self.events.send(BleEvent::Link {
                    device: device.clone(),
                    link: crate::Link::Downloading,
                });
            }
        }

        let mut pending: Vec<(Measurement, DateTime<Utc>)> = Vec::new();
        let mut last_received: Option<DateTime<Utc>> = None;
        let mut newest_sequence = None;
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        loop {
            tokio::select! {
                notification = notifications.next() => {
                    let Some(n) = notification else { break };
                    let Some(characteristic) = short_uuid(&n.uuid).and_then(Characteristic::from_uuid16) else { continue };
                    match decode(characteristic, &n.value) {
                        Ok(Measurement::RecordAccess(response)) => {
                            self.flush(&mut pending).await?;
                            if downloading {
                                downloading = false;
                                if let Response::Outcome { code, .. } = response {
                                    if !code.is_complete() {
                                        tracing::warn!(?code, "glucose download incomplete");
                                    }
                                }
                                let _ = self.news.send(SessionNews::Downloaded { device: device.clone(), last_sequence: newest_sequence }).await;
                            }
                        }
                        Ok(Measurement::CuffPressure(m)) => {
                            if let Some(v) = m.systolic.value() {
                                let mmhg = if m.unit == PressureUnit::KPa { kpa_to_mmhg(v) } else { v };
                                let _ = self.events.send(BleEvent::CuffPressure { device: device.clone(), mmhg });
                            }
                        }
                        // The meal context is not stored yet; its measurement is.
                        Ok(Measurement::GlucoseContext(_)) => {}
                        Ok(m) => {
                            if let Measurement::Glucose(g) = &m {
                                newest_sequence = newest_sequence.max(Some(g.sequence));
                            }
                            // Strictly increasing, to the millisecond keys are made of.
                            let now = Utc::now();
                            let at = match last_received {
                                Some(last) if now <= last => last + Span::milliseconds(1),
                                _ => now,
                            };
                            last_received = Some(at);
                            pending.push((m, at));
                            if pending.len() >= FLUSH_AT {
                                self.flush(&mut pending).await?;
                            }
                        }
                        Err(error) => {
                            tracing::warn!(%error, characteristic = characteristic.uuid16(), "malformed value");
                            let _ = self.events.send(BleEvent::Malformed {
                                device: device.clone(),
                                characteristic: characteristic.uuid16(),
                                error: error.to_string(),
                            });
                        }
                    }
                }
                _ = tick.tick() => {
                    self.flush(&mut pending).await?;
                    // A device that vanished (out of range, switched off) may never send a
                    // disconnection event; asking is the reliable way to notice.
                    if !self.peripheral.is_connected().await.unwrap_or(false) {
                        break;
                    }
                }
            }
        }
        self.flush(&mut pending).await
    }

    /// Connects, discovers, and subscribes to every measurement characteristic the device has
    /// (and a glucose meter's RACP). The notification stream is opened before subscribing so no
    /// value sent right after subscription is missed.
    async fn open(
        &self,
    ) -> Result<
        (
            Vec<GattCharacteristic>,
            std::pin::Pin<
                Box<dyn futures_util::Stream<Item = btleplug::api::ValueNotification> + Send>,
            >,
        ),
        BleError,
    > {
        let p = &self.peripheral;
        if !p.is_connected().await.unwrap_or(false) {
            p.connect().await.map_err(connect_error)?;
        }
        p.discover_services().await.map_err(connect_error)?;
        let notifications = p.notifications().await.map_err(connect_error)?;
        let mut wanted: Vec<u16> = self
            .watched
            .device_type
            .measurements()
            .iter()
            .map(|c| c.uuid16())
            .collect();
        if self.watched.device_type == DeviceType::Glucose {
            wanted.push(Characteristic::RecordAccessControlPoint.uuid16());
        }
        let characteristics: Vec<GattCharacteristic> = p
            .characteristics()
            .into_iter()
            .filter(|c| short_uuid(&c.uuid).is_some_and(|u| wanted.contains(&u)))
            .collect();
        if characteristics.is_empty() {
            return Err(BleError::Connect(
                "the device offers none of its measurements".into(),
            ));
        }
        for c in &characteristics {
            p.subscribe(c).await.map_err(connect_error)?;
        }
        Ok((characteristics, notifications))
    }

    async fn flush(&self, pending: &mut Vec<(Measurement, DateTime<Utc>)>) -> Result<(), BleError> {
        if pending.is_empty() {
            return Ok(());
        }
        let batch = Batch {
            device: self.watched.id.clone(),
            measurements: std::mem::take(pending),
        };
        // Waits (back-pressure) rather than dropping when the store falls behind.
        self.batches
            .send(batch)
            .await
            .map_err(|_| BleError::Stopped)
    }
}
