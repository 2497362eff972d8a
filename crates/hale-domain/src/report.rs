//! A readable report for a chosen period, for the patient to save, print or take to a
//! clinician: their readings as series with the limits they are judged against, adherence per
//! medicine, and their appointments. Decided here from the device's own records; a renderer
//! only lays it out. Pure: time and zone are passed in.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use crate::appointment::{Appointment, AppointmentStatus};
use crate::device::alert::Thresholds;
use crate::device::reading::{Reading, ReadingKind, Vital};
use crate::device::time_in_range::{time_in_range, TimeInRange, TARGET_HIGH, TARGET_LOW};
use crate::medication::adherence::{tally, DosePolicy, Tally};
use crate::medication::timing::{expand, DailyRoutine};
use crate::medication::{DoseRecord, Medicine, Outcome};

/// The longest period a report covers.
pub const MAX_DAYS: i64 = 366;

/// The days a report covers, both included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PeriodError {
    #[error("the period ends before it starts")]
    Backwards,
    #[error("a report covers at most {MAX_DAYS} days")]
    TooLong,
    #[error("the period starts in the future")]
    Future,
}

impl Period {
    /// `from` to `to`, both included; refused when it cannot be reported on `today`.
    pub fn new(from: NaiveDate, to: NaiveDate, today: NaiveDate) -> Result<Self, PeriodError> {
        if to < from {
            return Err(PeriodError::Backwards);
        }
        if (to - from).num_days() + 1 > MAX_DAYS {
            return Err(PeriodError::TooLong);
        }
        if from > today {
            return Err(PeriodError::Future);
        }
        Ok(Self { from, to })
    }

    pub fn from(&self) -> NaiveDate {
        self.from
    }

    pub fn to(&self) -> NaiveDate {
        self.to
    }

    /// The period as instants in `zone`: from the first day's start to the day after the last.
    pub fn bounds<Tz: TimeZone>(&self, zone: &Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        let start = |d: NaiveDate| {
            let midnight = d.and_hms_opt(0, 0, 0).unwrap_or_default();
            zone.from_local_datetime(&midnight)
                .earliest()
                .map_or_else(|| midnight.and_utc(), |t| t.with_timezone(&Utc))
        };
        (start(self.from), start(self.to + Duration::days(1)))
    }
}

/// What a report holds.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub period: Period,
    pub made: DateTime<Utc>,
    pub patient: Option<String>,
    pub hospital: Option<String>,
    /// One series per kind of reading taken in the period, in a fixed order.
    pub readings: Vec<Series>,
    /// One line per medicine with doses in the period, by name.
    pub adherence: Vec<MedicineAdherence>,
    /// Appointments starting in the period, in order.
    pub appointments: Vec<Appointment>,
}

/// The readings of one kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Series {
    pub kind: ReadingKind,
    pub unit: String,
    /// What each point's values are (systolic then diastolic for blood pressure).
    pub vitals: Vec<Vital>,
    pub points: Vec<Point>,
    /// Per vital, in `vitals`' order.
    pub stats: Vec<Stats>,
    /// The lines the readings are judged against.
    pub limits: Vec<Limit>,
    /// For glucose: the share of readings below, in and above the target range.
    pub time_in_range: Option<TimeInRange>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub at: DateTime<Utc>,
    pub values: Vec<f64>,
    /// Taken at the clinic, not at home.
    pub clinic: bool,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Stats {
    pub count: usize,
    pub min: f64,
    pub max: f64,
    pub mean: f64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub kind: LimitKind,
    pub value: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LimitKind {
    /// The patient's own alert: at or above it.
    AlertAbove,
    /// The patient's own alert: below it.
    AlertBelow,
    /// The edges of the glucose target range (3.9–10.0 mmol/L).
    TargetLow,
    TargetHigh,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MedicineAdherence {
    pub name: String,
    /// Scheduled doses that fell due in the period, settled.
    pub scheduled: Tally,
    /// As-needed doses taken in the period.
    pub as_needed_taken: u32,
}

/// The order series appear in: the readings people are most often asked about first.
pub const ORDER: [ReadingKind; 9] = [
    ReadingKind::BloodPressure,
    ReadingKind::HeartRate,
    ReadingKind::BloodGlucose,
    ReadingKind::InterstitialGlucose,
    ReadingKind::OxygenSaturation,
    ReadingKind::BodyTemperature,
    ReadingKind::BodyWeight,
    ReadingKind::BodyHeight,
    ReadingKind::Bmi,
];

/// What the device holds, for [`report`].
#[derive(Debug, Clone, Copy)]
pub struct Records<'a> {
    /// Each reading, and whether the clinic took it.
    pub readings: &'a [(Reading, bool)],
    pub thresholds: &'a Thresholds,
    pub medicines: &'a [Medicine],
    pub doses: &'a [DoseRecord],
    pub appointments: &'a [Appointment],
}

/// The report of `period` from `records`, as of `now` in `zone`.
pub fn report<Tz: TimeZone>(
    period: Period,
    records: Records<'_>,
    patient: Option<String>,
    hospital: Option<String>,
    zone: &Tz,
    now: DateTime<Utc>,
) -> Report {
    let (start, end) = period.bounds(zone);
    let within = |t: DateTime<Utc>| t >= start && t < end;
    let readings = ORDER
        .iter()
        .filter_map(|kind| {
            let taken: Vec<&(Reading, bool)> = records
                .readings
                .iter()
                .filter(|(r, _)| r.kind == *kind && within(r.effective))
                .collect();
            series(*kind, &taken, records.thresholds)
        })
        .collect();

    let policy = DosePolicy::default();
    let routine = DailyRoutine::default();
    let settled_until = end.min(now);
    let mut adherence: Vec<MedicineAdherence> = records
        .medicines
        .iter()
        .filter_map(|m| {
            let due: Vec<(DateTime<Utc>, Option<&DoseRecord>)> =
                expand(&m.steps, &routine, zone, start, settled_until)
                    .into_iter()
                    .map(|d| {
                        let key = m.dose_key(&d.slot.key());
                        (d.due, records.doses.iter().find(|r| r.key() == key))
                    })
                    .collect();
            let as_needed_taken = records
                .doses
                .iter()
                .filter(|r| {
                    // By its slot: a record read back from the hospital has no due time.
                    r.medicine_id == m.id
                        && Medicine::is_as_needed_slot(&r.slot)
                        && within(r.at)
                        && matches!(r.outcome, Outcome::Taken { .. })
                })
                .count();
            if due.is_empty() && as_needed_taken == 0 {
                return None;
            }
            Some(MedicineAdherence {
                name: m.name.clone(),
                scheduled: tally(due, now, &policy),
                as_needed_taken: u32::try_from(as_needed_taken).unwrap_or(u32::MAX),
            })
        })
        .collect();
    adherence.sort_by(|a, b| a.name.cmp(&b.name));

    let mut appointments: Vec<Appointment> = records
        .appointments
        .iter()
        .filter(|a| within(a.start) && a.status != AppointmentStatus::EnteredInError)
        .cloned()
        .collect();
    appointments.sort_by_key(|a| a.start);

    Report {
        period,
        made: now,
        patient,
        hospital,
        readings,
        adherence,
        appointments,
    }
}

fn series(kind: ReadingKind, taken: &[&(Reading, bool)], t: &Thresholds) -> Option<Series> {
    let first = taken.first()?;
    let vitals: Vec<Vital> = if kind == ReadingKind::BloodPressure {
        vec![Vital::Systolic, Vital::Diastolic]
    } else {
        first.0.values.iter().take(1).map(|q| q.vital).collect()
    };
    let unit = first
        .0
        .values
        .first()
        .map(|q| q.unit.symbol().to_owned())
        .unwrap_or_default();
    let mut points: Vec<Point> = taken
        .iter()
        .map(|(r, clinic)| Point {
            at: r.effective,
            values: vitals.iter().filter_map(|v| r.value(*v)).collect(),
            clinic: *clinic,
        })
        .filter(|p| p.values.len() == vitals.len())
        .collect();
    points.sort_by_key(|p| p.at);
    if points.is_empty() {
        return None;
    }
    let stats = (0..vitals.len())
        .map(|i| stats(points.iter().map(|p| p.values[i])))
        .collect();
    let glucose = matches!(
        kind,
        ReadingKind::BloodGlucose | ReadingKind::InterstitialGlucose
    );
    let above = |value| Limit {
        kind: LimitKind::AlertAbove,
        value,
    };
    let below = |value| Limit {
        kind: LimitKind::AlertBelow,
        value,
    };
    let limits = match kind {
        ReadingKind::BloodPressure => vec![above(t.systolic_high), above(t.diastolic_high)],
        ReadingKind::HeartRate => vec![above(t.heart_rate_high)],
        ReadingKind::OxygenSaturation => vec![below(t.spo2_low)],
        ReadingKind::BodyTemperature => vec![below(t.temperature_low), above(t.temperature_high)],
        ReadingKind::BloodGlucose | ReadingKind::InterstitialGlucose => vec![
            below(t.glucose_low),
            Limit {
                kind: LimitKind::TargetLow,
                value: TARGET_LOW,
            },
            Limit {
                kind: LimitKind::TargetHigh,
                value: TARGET_HIGH,
            },
            above(t.glucose_high),
        ],
        ReadingKind::BodyWeight | ReadingKind::BodyHeight | ReadingKind::Bmi => Vec::new(),
    };
    let time_in_range = glucose.then(|| time_in_range(points.iter().map(|p| p.values[0])));
    Some(Series {
        kind,
        unit,
        vitals,
        points,
        stats,
        limits,
        time_in_range,
    })
}

fn stats(values: impl Iterator<Item = f64>) -> Stats {
    let values: Vec<f64> = values.filter(|v| v.is_finite()).collect();
    let count = values.len();
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mean = if count == 0 {
        0.0
    } else {
        values.iter().sum::<f64>() / count as f64
    };
    Stats {
        count,
        min,
        max,
        mean,
    }
}

#[cfg(test)]
mod tests;
