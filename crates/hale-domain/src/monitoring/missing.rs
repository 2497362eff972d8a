//! Data that did not come: a planned measurement missing from its window, and a device that was
//! sending and has gone quiet. Each is one episode per subject while it lasts, and ends when
//! data comes.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::episode::Finding;
use super::limits::Tier;
use super::plan::PlannedMeasurement;
use crate::device::ReadingKind;

/// Around each planned time, when a measurement counts for it, and how long after the window
/// closes before it is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MeasurementWindow {
    pub before: Duration,
    pub after: Duration,
    pub grace: Duration,
}

impl Default for MeasurementWindow {
    fn default() -> Self {
        Self {
            before: Duration::hours(2),
            after: Duration::hours(2),
            grace: Duration::hours(1),
        }
    }
}

/// A planned time's window: it opens, it closes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    pub opens: DateTime<Utc>,
    pub closes: DateTime<Utc>,
}

/// The latest planned time of `m` whose window closed (grace included) by `now`, looking back
/// two days.
pub fn latest_closed<Tz: TimeZone>(
    m: &PlannedMeasurement,
    zone: &Tz,
    window: MeasurementWindow,
    now: DateTime<Utc>,
) -> Option<Due> {
    let today = now.with_timezone(zone).date_naive();
    let days = [today, today.pred_opt()?, today.pred_opt()?.pred_opt()?];
    days.iter()
        .flat_map(|day| m.times.iter().filter_map(|t| at(zone, *day, *t)))
        .map(|planned| Due {
            opens: planned - window.before,
            closes: planned + window.after,
        })
        .filter(|d| d.closes + window.grace <= now)
        .max_by_key(|d| d.closes)
}

/// A local time on a day, in UTC; a time the clocks skip is read an hour later.
fn at<Tz: TimeZone>(zone: &Tz, day: NaiveDate, time: chrono::NaiveTime) -> Option<DateTime<Utc>> {
    let local = day.and_time(time);
    zone.from_local_datetime(&local)
        .earliest()
        .or_else(|| {
            zone.from_local_datetime(&(local + Duration::hours(1)))
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
}

/// Each planned measurement whose latest closed window had no reading of its kind from the
/// window's opening on. `last` gives the newest reading of a kind; `enrolled` is when the plan
/// began (a window opening before it is not the patient's to miss).
pub fn missing_data<Tz: TimeZone>(
    measurements: &[PlannedMeasurement],
    last: impl Fn(ReadingKind) -> Option<DateTime<Utc>>,
    zone: &Tz,
    window: MeasurementWindow,
    enrolled: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    measurements
        .iter()
        .filter_map(|m| {
            let due = latest_closed(m, zone, window, now)?;
            let came = last(m.kind).is_some_and(|at| at >= due.opens);
            (due.opens >= enrolled && !came).then(|| Finding::missing(m.kind, Tier::Amber))
        })
        .collect()
}

/// Devices not heard from for `silence` (each with the time it was last heard from).
pub fn silent_devices<'a>(
    last_heard: impl IntoIterator<Item = (&'a str, DateTime<Utc>)>,
    silence: Duration,
    now: DateTime<Utc>,
) -> Vec<Finding> {
    last_heard
        .into_iter()
        .filter(|(_, at)| now - *at >= silence)
        .map(|(device, _)| Finding::silent_device(device, Tier::Amber))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveTime;
    use chrono_tz::Europe::London;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn weight_at_eight() -> PlannedMeasurement {
        PlannedMeasurement {
            kind: ReadingKind::BodyWeight,
            times: vec![NaiveTime::from_hms_opt(8, 0, 0).unwrap()],
        }
    }

    fn missing_at(last: Option<&str>, now: &str) -> bool {
        let last = last.map(t);
        !missing_data(
            &[weight_at_eight()],
            |_| last,
            &London,
            MeasurementWindow::default(),
            t("2026-11-01T00:00:00Z"),
            t(now),
        )
        .is_empty()
    }

    #[test]
    fn a_morning_weight_is_missing_once_its_window_and_grace_have_passed() {
        // Window 06:00–10:00 London (UTC in December), grace to 11:00.
        let cases = [
            (None, "2026-12-04T10:59:00Z", true), // yesterday's window was missed
            (Some("2026-12-03T07:30:00Z"), "2026-12-04T10:59:00Z", false),
            (Some("2026-12-03T07:30:00Z"), "2026-12-04T11:00:00Z", true),
            (Some("2026-12-04T09:55:00Z"), "2026-12-04T11:00:00Z", false),
            (Some("2026-12-04T05:59:00Z"), "2026-12-04T11:00:00Z", true),
            // Late, after the window: data has come, the episode ends.
            (Some("2026-12-04T12:00:00Z"), "2026-12-04T12:01:00Z", false),
        ];
        for (last, now, missing) in cases {
            assert_eq!(missing_at(last, now), missing, "{last:?} at {now}");
        }
    }

    #[test]
    fn the_window_follows_the_local_clock_across_summer_time() {
        // 08:00 London in July is 07:00 UTC: the window is 05:00–09:00 UTC, grace to 10:00.
        let due = latest_closed(
            &weight_at_eight(),
            &London,
            MeasurementWindow::default(),
            t("2026-07-10T10:00:00Z"),
        )
        .unwrap();
        assert_eq!(
            (due.opens, due.closes),
            (t("2026-07-10T05:00:00Z"), t("2026-07-10T09:00:00Z"))
        );
    }

    #[test]
    fn nothing_is_missing_from_before_the_plan_began() {
        let missing = missing_data(
            &[weight_at_eight()],
            |_| None,
            &London,
            MeasurementWindow::default(),
            t("2026-12-04T07:00:00Z"),
            t("2026-12-04T10:30:00Z"),
        );
        assert!(missing.is_empty(), "today's window opened before enrolment");
    }

    #[test]
    fn a_device_is_silent_after_its_quiet_time_and_not_before() {
        let now = t("2026-12-04T12:00:00Z");
        let heard = [
            ("cuff", t("2026-12-02T12:00:00Z")),
            ("scale", t("2026-12-02T12:00:01Z")),
        ];
        let silent = silent_devices(heard, Duration::hours(48), now);
        assert_eq!(silent, [Finding::silent_device("cuff", Tier::Amber)]);
    }
}
