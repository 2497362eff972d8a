//! Parking reminders: before a session runs out, and when the clinic's wait may outlast it.

use chrono::{DateTime, Duration, TimeZone, Utc};
use hale_domain::notice::{About, Place};
use hale_domain::parking::ParkingSession;
use hale_domain::queue::QueueStatus;
use hale_domain::reminder::ReminderText;

use crate::watch::Notifier;
use crate::{CoreError, Patient};

/// How long before a session runs out the patient is reminded.
pub const EXPIRY_REMINDER: Duration = Duration::minutes(15);

impl Patient {
    /// Reminds, once per session and end time, [`EXPIRY_REMINDER`] before a running session
    /// ends. Returns when the next such reminder falls due. Works from the saved copy.
    pub async fn remind_parking<Tz>(
        &self,
        notifier: &dyn Notifier,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<Option<DateTime<Utc>>, CoreError>
    where
        Tz: TimeZone,
        Tz::Offset: std::fmt::Display,
    {
        let Some(patient) = self.saved_patient().await? else {
            return Ok(None);
        };
        let (sessions, _) = self.parking_copy().await?;
        let mut next = None;
        for s in sessions.iter().filter(|s| s.is_running(now)) {
            let due = s.expires - EXPIRY_REMINDER;
            if due > now {
                next = Some(next.map_or(due, |n: DateTime<Utc>| n.min(due)));
                continue;
            }
            let key = format!("parking:{}@{}", s.id, s.expires.timestamp());
            self.notify_once(&patient, &key, &parking_text(s, zone), notifier, now)
                .await?;
        }
        Ok(next)
    }

    /// After a queue update: if the visit is now expected to end after the patient's running
    /// parking runs out, say so once (per session and end time), with the extension that would
    /// cover it. The visit is expected to end when the patient is called (now + the estimate)
    /// plus the appointment's booked length.
    pub async fn warn_parking_short<Tz>(
        &self,
        notifier: &dyn Notifier,
        zone: &Tz,
        status: &QueueStatus,
        now: DateTime<Utc>,
    ) -> Result<Option<u32>, CoreError>
    where
        Tz: TimeZone,
        Tz::Offset: std::fmt::Display,
    {
        let (Some(estimate), Some(appointment)) = (status.estimate, &status.appointment) else {
            return Ok(None);
        };
        let Some(patient) = self.saved_patient().await? else {
            return Ok(None);
        };
        let booked = self.store.appointments(self.owner(&patient)).await?.records;
        let length = booked
            .iter()
            .find(|a| &a.id == appointment)
            .map_or(Duration::minutes(20), |a| a.end - a.start);
        let visit_ends = now + estimate + length;
        let (sessions, _) = self.parking_copy().await?;
        for s in sessions.iter().filter(|s| s.is_running(now)) {
            let Some(minutes) = hale_domain::parking::extension_needed(s.expires, visit_ends)
            else {
                continue;
            };
            let key = format!("parking-short:{}@{}", s.id, s.expires.timestamp());
            let text = ReminderText {
                title: "Your parking may run out".to_owned(),
                body: format!(
                    "The clinic's wait means your visit may end around {}, after your parking ends at {}. Open Hale to extend it by {}.",
                    visit_ends.with_timezone(zone).format("%H:%M"),
                    s.expires.with_timezone(zone).format("%H:%M"),
                    spoken_minutes(minutes)
                ),
                about: About::Shown(Place::Parking),
            };
            self.notify_once(&patient, &key, &text, notifier, now)
                .await?;
            return Ok(Some(minutes));
        }
        Ok(None)
    }
}

fn spoken_minutes(m: u32) -> String {
    match (m / 60, m % 60) {
        (0, m) => format!("{m} minutes"),
        (1, 0) => "1 hour".to_owned(),
        (h, 0) => format!("{h} hours"),
        (h, m) => format!("{h} h {m} min"),
    }
}

fn parking_text<Tz>(s: &ParkingSession, zone: &Tz) -> ReminderText
where
    Tz: TimeZone,
    Tz::Offset: std::fmt::Display,
{
    ReminderText {
        title: "Parking ends soon".to_owned(),
        body: format!(
            "Your parking at {} ends at {}. Open Hale to extend it.",
            s.car_park_name,
            s.expires.with_timezone(zone).format("%H:%M")
        ),
        about: About::Shown(Place::Parking),
    }
}
