//! One connected device: connect, discover, read what decoding needs (a CGM's features and
//! session start), subscribe, download stored records (a glucose meter's or a CGM's), then
//! decode notifications into measurement batches until the link drops.

use std::time::Duration;

use btleplug::api::{Characteristic as GattCharacteristic, Peripheral as _, WriteType};
use btleplug::platform::Peripheral;
use chrono::{DateTime, Duration as Span, Utc};
use futures_util::StreamExt;
use hale_domain::device::blood_pressure::{kpa_to_mmhg, PressureUnit};
use hale_domain::device::racp::{self, Records, Response};
use hale_domain::device::{decode_with, Characteristic, Context, Measurement, RecordProgress};
use tokio::sync::{broadcast, mpsc};

use crate::{short_uuid, Batch, BleError, BleEvent, SessionNews, Watched, CONNECT_TIMEOUT};

/// A stream (a heart rate strap at 1 Hz, a continuous oximeter) is handed on at least this often,
/// so the screen stays live and a crash loses at most this much.
const FLUSH_EVERY: Duration = Duration::from_secs(1);
/// … or at this many measurements, whichever comes first (a glucose download arrives at once).
const FLUSH_AT: usize = 200;
/// How long a glucose measurement that announced its context waits for it before it is handed
/// on without (the context follows at once; a meter that never sends it loses nothing else).
const CONTEXT_WAIT: Span = Span::seconds(2);

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

        let context = self.read_context().await?;
        let racp = characteristics.iter().find(|c| {
            short_uuid(&c.uuid) == Some(Characteristic::RecordAccessControlPoint.uuid16())
        });
        let mut downloading = false;
        // A CGM in another session than the one last downloaded counts its records from 0
        // again: everything it holds is new.
        let record_session = context.cgm_session.and_then(|s| s.id());
        let same_session = self.watched.record_session == record_session;
        if let (true, Some(racp_char)) = (self.watched.device_type.keeps_records(), racp) {
            let which = match self.watched.last_sequence {
                Some(last) if same_session => Records::After(last),
                _ => Records::All,
            };
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
        // The newest stored record handed on so far; it becomes progress only once the download
        // is complete (or, after it, with each live batch).
        let mut handed_on: Option<u16> = None;
        let mut tick = tokio::time::interval(FLUSH_EVERY);
        loop {
            tokio::select! {
                notification = notifications.next() => {
                    let Some(n) = notification else { break };
                    let Some(characteristic) = short_uuid(&n.uuid).and_then(Characteristic::from_uuid16) else { continue };
                    match decode_with(characteristic, &n.value, &context) {
                        Ok(Measurement::RecordAccess(response)) => {
                            handed_on = handed_on.max(self.flush(&mut pending, None).await?);
                            if downloading {
                                downloading = false;
                                let complete = match response {
                                    Response::Outcome { code, .. } if !code.is_complete() => {
                                        tracing::warn!(?code, "download incomplete");
                                        false
                                    }
                                    _ => true,
                                };
                                // Progress only for a download received in full: an incomplete
                                // one is asked for again from where the store stands.
                                let progress = handed_on.filter(|_| complete).map(|last| RecordProgress {
                                    last,
                                    session: record_session.clone(),
                                });
                                self.record_progress(progress, true).await?;
                            }
                        }
                        Ok(Measurement::CuffPressure(m)) => {
                            if let Some(v) = m.systolic.value() {
                                let mmhg = if m.unit == PressureUnit::KPa { kpa_to_mmhg(v) } else { v };
                                let _ = self.events.send(BleEvent::CuffPressure { device: device.clone(), mmhg });
                            }
                        }
                        Ok(Measurement::IntermediateTemperature(m)) => {
                            if let Some(value) = m.value.value() {
                                let _ = self.events.send(BleEvent::IntermediateTemperature { device: device.clone(), value, unit: m.unit });
                            }
                        }
                        // The context goes with the measurement it follows (same sequence number).
                        Ok(Measurement::GlucoseContext(c)) => {
                            let waiting = pending.iter_mut().rev().find_map(|(m, _)| match m {
                                Measurement::Glucose(g) if g.sequence == c.sequence && g.context.is_none() => Some(g),
                                _ => None,
                            });
                            match waiting {
                                Some(g) => g.context = Some(c),
                                None => tracing::warn!("a glucose context arrived without its measurement"),
                            }
                        }
                        Ok(m) => {
                            // Strictly increasing, to the millisecond keys are made of.
                            let now = Utc::now();
                            let at = match last_received {
                                Some(last) if now <= last => last + Span::milliseconds(1),
                                _ => now,
                            };
                            last_received = Some(at);
                            pending.push((m, at));
                            if pending.len() >= FLUSH_AT {
                                handed_on = handed_on.max(self.flush_ready(&mut pending, downloading, &record_session).await?);
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
                    handed_on = handed_on.max(self.flush_ready(&mut pending, downloading, &record_session).await?);
                    // A device that vanished (out of range, switched off) may never send a
                    // disconnection event; asking is the reliable way to notice.
                    if !self.peripheral.is_connected().await.unwrap_or(false) {
                        break;
                    }
                }
            }
        }
        // The link is gone: everything still held goes on (live records carry their progress;
        // a download cut short does not).
        let progress = live_progress(downloading, &pending, &record_session);
        self.flush(&mut pending, progress).await.map(|_| ())
    }

    /// Reads what decoding this device's values needs: a CGM's features (whether each value
    /// ends in an E2E-CRC) and its session start (which places each record in time). A value
    /// that cannot be read or decoded leaves the context without it: a CGM's records are then
    /// withheld, never placed at a guessed time.
    async fn read_context(&self) -> Result<Context, BleError> {
        let mut context = Context::default();
        for wanted in self.watched.device_type.context() {
            let Some(c) = self
                .peripheral
                .characteristics()
                .into_iter()
                .find(|c| short_uuid(&c.uuid) == Some(wanted.uuid16()))
            else {
                continue;
            };
            let value = self.peripheral.read(&c).await.map_err(connect_error)?;
            match decode_with(*wanted, &value, &context) {
                Ok(m) => context.learn(&m),
                Err(error) => {
                    tracing::warn!(%error, characteristic = wanted.uuid16(), "malformed value");
                    let _ = self.events.send(BleEvent::Malformed {
                        device: self.watched.id.clone(),
                        characteristic: wanted.uuid16(),
                        error: error.to_string(),
                    });
                }
            }
        }
        Ok(context)
    }

    /// Connects, discovers, and subscribes to every measurement characteristic the device has
    /// (and the RACP of a device that keeps records). The notification stream is opened before subscribing so no
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
        if self.watched.device_type.keeps_records() {
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

    /// Tells the service how far the stored records have been handed on (its copy, for a
    /// reconnect within this run) and whether the download asked for at connection is over.
    async fn progress(&self, progress: Option<&RecordProgress>, downloaded: bool) {
        let _ = self
            .news
            .send(SessionNews::Progress {
                device: self.watched.id.clone(),
                last_sequence: progress.map(|p| p.last),
                record_session: progress.and_then(|p| p.session.clone()),
                downloaded,
            })
            .await;
    }

    /// Hands on what is ready: everything but a glucose measurement at the end that still
    /// waits for its announced context (for at most [`CONTEXT_WAIT`]). Outside a download the
    /// batch's newest stored record is its progress. Returns the newest record handed on.
    async fn flush_ready(
        &self,
        pending: &mut Vec<(Measurement, DateTime<Utc>)>,
        downloading: bool,
        record_session: &Option<String>,
    ) -> Result<Option<u16>, BleError> {
        let now = Utc::now();
        let waiting = |(m, at): &(Measurement, DateTime<Utc>)| {
            matches!(m, Measurement::Glucose(g) if g.context_follows && g.context.is_none())
                && now - *at < CONTEXT_WAIT
        };
        let keep = pending.iter().rev().take_while(|p| waiting(p)).count();
        let mut held = pending.split_off(pending.len() - keep);
        let progress = live_progress(downloading, pending, record_session);
        if progress.is_some() {
            self.progress(progress.as_ref(), false).await;
        }
        let handed = self.flush(pending, progress).await?;
        pending.append(&mut held);
        Ok(handed)
    }

    /// Stores a completed download's progress (a batch with no readings of its own) and tells
    /// the service the download is over.
    async fn record_progress(
        &self,
        progress: Option<RecordProgress>,
        downloaded: bool,
    ) -> Result<(), BleError> {
        self.progress(progress.as_ref(), downloaded).await;
        if progress.is_some() {
            self.batches
                .send(Batch {
                    device: self.watched.id.clone(),
                    measurements: Vec::new(),
                    progress,
                })
                .await
                .map_err(|_| BleError::Stopped)?;
        }
        Ok(())
    }

    /// Hands `pending` on as one batch with `progress`; returns the newest stored record in it.
    async fn flush(
        &self,
        pending: &mut Vec<(Measurement, DateTime<Utc>)>,
        progress: Option<RecordProgress>,
    ) -> Result<Option<u16>, BleError> {
        if pending.is_empty() {
            return Ok(None);
        }
        let handed = newest(pending);
        let batch = Batch {
            device: self.watched.id.clone(),
            measurements: std::mem::take(pending),
            progress,
        };
        // Waits (back-pressure) rather than dropping when the store falls behind.
        self.batches
            .send(batch)
            .await
            .map_err(|_| BleError::Stopped)?;
        Ok(handed)
    }
}

/// The progress a live batch carries: its newest stored record, in this session. None during a
/// download, whose progress waits for its end.
fn live_progress(
    downloading: bool,
    measurements: &[(Measurement, DateTime<Utc>)],
    session: &Option<String>,
) -> Option<RecordProgress> {
    if downloading {
        return None;
    }
    newest(measurements).map(|last| RecordProgress {
        last,
        session: session.clone(),
    })
}

/// The newest stored-record number among `measurements`.
fn newest(measurements: &[(Measurement, DateTime<Utc>)]) -> Option<u16> {
    measurements
        .iter()
        .filter_map(|(m, _)| m.record_number())
        .max()
}
