//! Dosage schedules in FHIR `Timing` semantics, and their expansion into dose times.
//!
//! A step is either *wall-clock* or *exact-interval*. Calendar units (days, weeks, months,
//! years) and sub-day intervals that divide 24 hours exactly (every 1, 2, 3, 4, 6, 8 or 12
//! hours…) are wall-clock: each dose is a local date and time, a [`DoseSlot::Local`], and a
//! daylight-saving change keeps the time, so 08:00 stays 08:00. A slot the clocks skip is due at
//! the end of the gap; a slot the clocks repeat is due once, at its first occurrence; every slot
//! is exactly one dose, so an hourly schedule has 24 doses on a 23- or 25-hour day. Any other
//! interval (every 36 hours, every 5 hours) is exact: doses are instants, a [`DoseSlot::Instant`],
//! that many hours apart from the step's start, so 36 hours stay 36 hours across a change.
//!
//! The travel rule: the zone is an argument (the app passes the device's), and a wall-clock slot
//! is due at its local time in that zone, so a patient who flies takes the 08:00 dose at 08:00
//! where they are, under the same slot name. Exact-interval doses keep their spacing; their
//! anchor is the step's start read in the zone given, so a caller that must keep them fixed
//! while the patient travels passes the zone the course began in.
//!
//! Times of a dosing day come from `timeOfDay`, else from `when` codes placed on the patient's
//! [`DailyRoutine`], else from defaults by frequency (08:00; 08:00 and 20:00; …). Hale schedules
//! to the minute: seconds are dropped, which keeps slot keys exact. A step's bounds are local
//! wall-clock times, start inclusive and end exclusive, and its `count` counts doses from its
//! start whatever window is asked for. A step that fails [`validate`] yields no doses.

use std::collections::BTreeMap;

use chrono::{
    DateTime, Datelike, Days, Duration, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone,
    Timelike, Utc, Weekday,
};
use serde::{Deserialize, Serialize};

use crate::reminder::resolve;

const MINUTE_SECS: u64 = 60;
const DAY_SECS: u64 = 24 * 60 * 60;
/// The shortest interval between doses Hale will remind.
const MIN_INTERVAL_SECS: u64 = 15 * MINUTE_SECS;
/// At most this many doses on one day, from the same 15-minute limit.
const MAX_PER_DAY: u64 = DAY_SECS / MIN_INTERVAL_SECS;
const NANOS_PER_SEC: i128 = 1_000_000_000;

/// FHIR `Timing.repeat.periodUnit`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PeriodUnit {
    Second,
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl PeriodUnit {
    /// Every unit, shortest first.
    pub const ALL: [PeriodUnit; 7] = [
        PeriodUnit::Second,
        PeriodUnit::Minute,
        PeriodUnit::Hour,
        PeriodUnit::Day,
        PeriodUnit::Week,
        PeriodUnit::Month,
        PeriodUnit::Year,
    ];

    /// The FHIR code: `s`, `min`, `h`, `d`, `wk`, `mo`, `a`.
    pub fn code(self) -> &'static str {
        match self {
            PeriodUnit::Second => "s",
            PeriodUnit::Minute => "min",
            PeriodUnit::Hour => "h",
            PeriodUnit::Day => "d",
            PeriodUnit::Week => "wk",
            PeriodUnit::Month => "mo",
            PeriodUnit::Year => "a",
        }
    }

    pub fn from_code(code: &str) -> Option<PeriodUnit> {
        PeriodUnit::ALL.into_iter().find(|u| u.code() == code)
    }

    /// Nominal length. A month counts as its shortest so that validation errs on the strict side.
    fn seconds(self) -> u64 {
        match self {
            PeriodUnit::Second => 1,
            PeriodUnit::Minute => MINUTE_SECS,
            PeriodUnit::Hour => 60 * MINUTE_SECS,
            PeriodUnit::Day => DAY_SECS,
            PeriodUnit::Week => 7 * DAY_SECS,
            PeriodUnit::Month => 28 * DAY_SECS,
            PeriodUnit::Year => 365 * DAY_SECS,
        }
    }
}

/// FHIR event timing (`Timing.repeat.when`, value set `event-timing`): the codes Hale places on
/// the patient's day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum When {
    /// MORN, AFT, EVE, NIGHT
    Morning,
    Afternoon,
    Evening,
    Night,
    /// WAKE: on waking; HS: at bedtime
    Wake,
    Bedtime,
    /// C, CM, CD, CV: with a meal (any meal = all three), breakfast, lunch, dinner
    Meal,
    Breakfast,
    Lunch,
    Dinner,
    /// AC, ACM, ACD, ACV: before a meal
    BeforeMeal,
    BeforeBreakfast,
    BeforeLunch,
    BeforeDinner,
    /// PC, PCM, PCD, PCV: after a meal
    AfterMeal,
    AfterBreakfast,
    AfterLunch,
    AfterDinner,
}

impl When {
    /// Every code Hale places, in the order above.
    pub const ALL: [When; 18] = [
        When::Morning,
        When::Afternoon,
        When::Evening,
        When::Night,
        When::Wake,
        When::Bedtime,
        When::Meal,
        When::Breakfast,
        When::Lunch,
        When::Dinner,
        When::BeforeMeal,
        When::BeforeBreakfast,
        When::BeforeLunch,
        When::BeforeDinner,
        When::AfterMeal,
        When::AfterBreakfast,
        When::AfterLunch,
        When::AfterDinner,
    ];

    /// The FHIR code (`MORN`, `CM`, `ACV`, …).
    pub fn code(self) -> &'static str {
        match self {
            When::Morning => "MORN",
            When::Afternoon => "AFT",
            When::Evening => "EVE",
            When::Night => "NIGHT",
            When::Wake => "WAKE",
            When::Bedtime => "HS",
            When::Meal => "C",
            When::Breakfast => "CM",
            When::Lunch => "CD",
            When::Dinner => "CV",
            When::BeforeMeal => "AC",
            When::BeforeBreakfast => "ACM",
            When::BeforeLunch => "ACD",
            When::BeforeDinner => "ACV",
            When::AfterMeal => "PC",
            When::AfterBreakfast => "PCM",
            When::AfterLunch => "PCD",
            When::AfterDinner => "PCV",
        }
    }

    /// Reads a FHIR code; codes are case-sensitive, as in FHIR.
    pub fn from_code(code: &str) -> Option<When> {
        When::ALL.into_iter().find(|w| w.code() == code)
    }

    /// The wall-clock times this code means on the patient's day.
    ///
    /// Only meal codes take the offset: before-meal codes come that long before (half an hour
    /// when none is given, the usual instruction), after-meal codes that long after (at the meal
    /// when none is given). An offset never moves a dose across midnight, as that would put it
    /// on another day.
    fn times(self, routine: &DailyRoutine, offset_minutes: u32) -> Vec<NaiveTime> {
        let r = routine;
        let meals = [r.breakfast, r.lunch, r.dinner];
        let before = if offset_minutes == 0 {
            -30
        } else {
            -i64::from(offset_minutes)
        };
        let after = i64::from(offset_minutes);
        match self {
            When::Morning => vec![r.morning],
            When::Afternoon => vec![r.afternoon],
            When::Evening => vec![r.evening],
            When::Night => vec![r.night],
            When::Wake => vec![r.wake],
            When::Bedtime => vec![r.bedtime],
            When::Meal => meals.to_vec(),
            When::Breakfast => vec![r.breakfast],
            When::Lunch => vec![r.lunch],
            When::Dinner => vec![r.dinner],
            When::BeforeMeal => meals.iter().map(|&m| shift(m, before)).collect(),
            When::BeforeBreakfast => vec![shift(r.breakfast, before)],
            When::BeforeLunch => vec![shift(r.lunch, before)],
            When::BeforeDinner => vec![shift(r.dinner, before)],
            When::AfterMeal => meals.iter().map(|&m| shift(m, after)).collect(),
            When::AfterBreakfast => vec![shift(r.breakfast, after)],
            When::AfterLunch => vec![shift(r.lunch, after)],
            When::AfterDinner => vec![shift(r.dinner, after)],
        }
    }
}

/// The patient's day: the wall-clock times that `when` codes mean for them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DailyRoutine {
    pub wake: NaiveTime,
    pub breakfast: NaiveTime,
    pub lunch: NaiveTime,
    pub dinner: NaiveTime,
    pub bedtime: NaiveTime,
    pub morning: NaiveTime,
    pub afternoon: NaiveTime,
    pub evening: NaiveTime,
    pub night: NaiveTime,
}

impl Default for DailyRoutine {
    /// A common day, until the patient sets their own.
    fn default() -> Self {
        DailyRoutine {
            wake: hm(7, 0),
            breakfast: hm(8, 0),
            lunch: hm(12, 30),
            dinner: hm(18, 30),
            bedtime: hm(22, 30),
            morning: hm(8, 0),
            afternoon: hm(14, 0),
            evening: hm(18, 0),
            night: hm(22, 0),
        }
    }
}

/// `Timing.repeat` without its bounds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Timing {
    /// Times per period (at least 1).
    pub frequency: u32,
    /// Length of the period in `period_unit` (at least 1).
    pub period: u32,
    pub period_unit: PeriodUnit,
    /// Explicit wall-clock times (`timeOfDay`).
    pub time_of_day: Vec<NaiveTime>,
    /// Only on these days (`dayOfWeek`); empty means any day.
    pub day_of_week: Vec<Weekday>,
    /// Event times (`when`), placed on the patient's [`DailyRoutine`].
    pub when: Vec<When>,
    /// Minutes from the event (`offset`): before it for AC codes, after it for PC codes.
    pub offset_minutes: u32,
    /// At most this many doses in the whole course (`count`).
    pub count: Option<u32>,
}

/// When a dosage step applies: from `start` (inclusive) to `end` (exclusive), wall-clock times
/// in the patient's zone (`boundsPeriod`, or `boundsDuration` added to the start).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bounds {
    pub start: NaiveDateTime,
    pub end: Option<NaiveDateTime>,
}

/// One step of a course (a tapering course has several, in order), with its dose.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DosageStep {
    pub timing: Timing,
    pub bounds: Bounds,
    /// Amount per dose, in `unit` (e.g. 2 "tablet"); `None` where the prescription gives none.
    pub dose: Option<f64>,
    pub unit: Option<String>,
}

/// Which dose a scheduled time is: its name, stable across restarts and zone changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DoseSlot {
    /// A wall-clock slot: due at this local time in whatever zone the device is in.
    Local(NaiveDateTime),
    /// An exact-interval dose (e.g. every 36 hours): due at this instant.
    Instant(DateTime<Utc>),
}

const KEY_FORMAT: &str = "%Y-%m-%dT%H:%M";

impl DoseSlot {
    /// `2026-03-29T08:00` for a wall-clock slot, `2026-03-29T08:00Z` for an instant.
    pub fn key(&self) -> String {
        match self {
            DoseSlot::Local(t) => t.format(KEY_FORMAT).to_string(),
            DoseSlot::Instant(t) => format!("{}Z", t.format(KEY_FORMAT)),
        }
    }

    /// Reads a key [`DoseSlot::key`] wrote. Only the exact form is accepted, so one dose never
    /// has two keys.
    pub fn from_key(key: &str) -> Option<DoseSlot> {
        let slot = match key.strip_suffix('Z') {
            Some(local) => DoseSlot::Instant(
                NaiveDateTime::parse_from_str(local, KEY_FORMAT)
                    .ok()?
                    .and_utc(),
            ),
            None => DoseSlot::Local(NaiveDateTime::parse_from_str(key, KEY_FORMAT).ok()?),
        };
        (slot.key() == key).then_some(slot)
    }
}

/// One dose the schedule asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledDose {
    pub slot: DoseSlot,
    pub due: DateTime<Utc>,
    /// Index of the step in the course this dose belongs to.
    pub step: usize,
    pub dose: Option<f64>,
}

/// Every dose of `steps` due in `[from, to)`, by due time, each slot once.
///
/// Where two steps name the same slot the later step's dose is kept: a later step of a taper
/// overrides. Steps that fail [`validate`] yield nothing.
pub fn expand<Tz: TimeZone>(
    steps: &[DosageStep],
    routine: &DailyRoutine,
    zone: &Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Vec<ScheduledDose> {
    let mut by_slot: BTreeMap<DoseSlot, ScheduledDose> = BTreeMap::new();
    if from < to {
        let window = Window::new(zone, from, to);
        for (index, step) in steps.iter().enumerate() {
            if validate(&step.timing).is_err() {
                continue;
            }
            for (slot, due) in step_doses(step, routine, &window) {
                let dose = ScheduledDose {
                    slot,
                    due,
                    step: index,
                    dose: step.dose,
                };
                by_slot.insert(slot, dose);
            }
        }
    }
    let mut out: Vec<ScheduledDose> = by_slot.into_values().collect();
    out.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.slot.cmp(&b.slot)));
    out
}

/// Why a timing cannot be scheduled (from FHIR input that Hale cannot honour).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidTiming {
    #[error("frequency and period must be at least 1")]
    Zero,
    #[error("a dose more often than every 15 minutes is not a schedule Hale can remind")]
    TooFrequent,
}

/// Checks a timing before it is stored or expanded.
///
/// Besides the average interval (period / frequency), the doses of one dosing day count: for
/// days, weeks, months and years the frequency is spread over a day, so more than 96 a day
/// (one per 15 minutes) is refused too.
pub fn validate(timing: &Timing) -> Result<(), InvalidTiming> {
    if timing.frequency == 0 || timing.period == 0 {
        return Err(InvalidTiming::Zero);
    }
    let frequency = u64::from(timing.frequency);
    let span = u64::from(timing.period) * timing.period_unit.seconds();
    if span < frequency * MIN_INTERVAL_SECS {
        return Err(InvalidTiming::TooFrequent);
    }
    let per_day = match timing.period_unit {
        PeriodUnit::Second | PeriodUnit::Minute | PeriodUnit::Hour => 1,
        PeriodUnit::Day | PeriodUnit::Month | PeriodUnit::Year => frequency,
        PeriodUnit::Week => frequency.div_ceil(week_day_count(timing)),
    };
    if per_day > MAX_PER_DAY {
        return Err(InvalidTiming::TooFrequent);
    }
    Ok(())
}

/// The part of time a call to [`expand`] asks about.
struct Window<'z, Tz: TimeZone> {
    zone: &'z Tz,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    /// Local dates to walk: a day either side, as a slot near midnight can fall due on the
    /// neighbouring date once a clock change moves it.
    first_date: NaiveDate,
    last_date: NaiveDate,
}

impl<'z, Tz: TimeZone> Window<'z, Tz> {
    fn new(zone: &'z Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Self {
        let first = from.with_timezone(zone).date_naive();
        let last = to.with_timezone(zone).date_naive();
        Window {
            zone,
            from,
            to,
            first_date: first.pred_opt().unwrap_or(first),
            last_date: last.succ_opt().unwrap_or(last),
        }
    }

    fn contains(&self, due: DateTime<Utc>) -> bool {
        self.from <= due && due < self.to
    }
}

/// How a valid step's doses are laid out.
#[derive(Debug)]
enum Plan {
    /// Wall-clock slots: on the calendar's dates (those on `only` days, if any) at `times`.
    WallClock {
        calendar: Calendar,
        times: Vec<NaiveTime>,
        only: Vec<Weekday>,
    },
    /// Instants `frequency` per `span_secs` seconds from the start.
    Exact { span_secs: u64, frequency: u32 },
}

/// Which dates are dosing days, as numbered periods from the step's start.
#[derive(Debug)]
enum Calendar {
    /// Every that many days from the start date.
    Days(u64),
    /// Every that many weeks, counted from the Monday-based week holding the start, on these
    /// days (days after Monday, ascending).
    Weeks(u64, Vec<u64>),
    /// Every that many months on the start's day of the month, or the month's last day when it
    /// is shorter (years are twelve months, so 29 February falls on the 28th).
    Months(u64),
}

impl Calendar {
    /// The first day of period `index` and its dosing dates, ascending; `None` past the end of
    /// the calendar.
    fn period(&self, start: NaiveDate, index: u64) -> Option<(NaiveDate, Vec<NaiveDate>)> {
        match self {
            Calendar::Days(every) => {
                let date = start.checked_add_days(Days::new(index.checked_mul(*every)?))?;
                Some((date, vec![date]))
            }
            Calendar::Weeks(every, offsets) => {
                let weeks = index.checked_mul(*every)?.checked_mul(7)?;
                let monday = monday_of(start).checked_add_days(Days::new(weeks))?;
                let dates = offsets
                    .iter()
                    .filter_map(|&o| monday.checked_add_days(Days::new(o)))
                    .collect();
                Some((monday, dates))
            }
            Calendar::Months(every) => {
                let months = u32::try_from(index.checked_mul(*every)?).ok()?;
                // Always from the start, never from the previous date, so a clamped 28 February
                // does not drag March to the 28th.
                let date = start.checked_add_months(Months::new(months))?;
                Some((date, vec![date]))
            }
        }
    }

    /// The last period that can start on or before `date`: where to begin walking when
    /// nothing before the window needs counting.
    fn period_near(&self, start: NaiveDate, date: NaiveDate) -> u64 {
        let (elapsed, every) = match self {
            Calendar::Days(every) => ((date - start).num_days(), *every),
            Calendar::Weeks(every, _) => {
                ((monday_of(date) - monday_of(start)).num_days() / 7, *every)
            }
            Calendar::Months(every) => {
                let months = |d: NaiveDate| i64::from(d.year()) * 12 + i64::from(d.month0());
                (months(date) - months(start), *every)
            }
        };
        u64::try_from(elapsed).unwrap_or(0) / every
    }
}

/// The slots of one step in the window, with their due times.
fn step_doses<Tz: TimeZone>(
    step: &DosageStep,
    routine: &DailyRoutine,
    window: &Window<'_, Tz>,
) -> Vec<(DoseSlot, DateTime<Utc>)> {
    // Slots are whole minutes, so a start with seconds must not push the first dose out.
    let bounds = Bounds {
        start: to_minute(step.bounds.start),
        end: step.bounds.end,
    };
    let timing = &step.timing;
    let mut out = Vec::new();
    match plan(timing, bounds.start, routine) {
        Plan::WallClock {
            calendar,
            times,
            only,
        } => wall_clock_doses(
            &calendar,
            &times,
            &only,
            &bounds,
            timing.count,
            window,
            &mut out,
        ),
        Plan::Exact {
            span_secs,
            frequency,
        } => exact_doses(
            span_secs,
            frequency,
            &bounds,
            timing.count,
            window,
            &mut out,
        ),
    }
    out
}

fn plan(timing: &Timing, start: NaiveDateTime, routine: &DailyRoutine) -> Plan {
    let frequency = u64::from(timing.frequency);
    let period = u64::from(timing.period);
    match timing.period_unit {
        PeriodUnit::Second | PeriodUnit::Minute | PeriodUnit::Hour => {
            let span = period * timing.period_unit.seconds();
            if !(DAY_SECS * frequency).is_multiple_of(span) {
                return Plan::Exact {
                    span_secs: span,
                    frequency: timing.frequency,
                };
            }
            // The interval divides the day: the same wall-clock times every day, counted
            // from the anchor round the clock.
            let per_day = DAY_SECS * frequency / span;
            let anchor = timing.time_of_day.first().map_or(start.time(), |&t| t);
            let anchor = u64::from(anchor.num_seconds_from_midnight());
            let times = (0..per_day)
                .map(|k| time_of_day_secs((anchor + k * DAY_SECS / per_day) % DAY_SECS))
                .collect();
            Plan::WallClock {
                calendar: Calendar::Days(1),
                times: sorted_times(times),
                only: timing.day_of_week.clone(),
            }
        }
        PeriodUnit::Day => Plan::WallClock {
            calendar: Calendar::Days(period),
            times: day_times(timing, frequency, routine),
            only: timing.day_of_week.clone(),
        },
        PeriodUnit::Week => {
            let mut days: Vec<u64> = if timing.day_of_week.is_empty() {
                // `frequency` dosing days a week, spread from the start's weekday.
                let first = u64::from(start.weekday().num_days_from_monday());
                let n = frequency.min(7);
                (0..n).map(|k| (first + k * 7 / n) % 7).collect()
            } else {
                timing
                    .day_of_week
                    .iter()
                    .map(|d| u64::from(d.num_days_from_monday()))
                    .collect()
            };
            days.sort();
            days.dedup();
            let per_day = frequency.div_ceil(days.len() as u64);
            Plan::WallClock {
                calendar: Calendar::Weeks(period, days),
                times: day_times(timing, per_day, routine),
                only: Vec::new(),
            }
        }
        PeriodUnit::Month => Plan::WallClock {
            calendar: Calendar::Months(period),
            times: day_times(timing, frequency, routine),
            only: timing.day_of_week.clone(),
        },
        PeriodUnit::Year => Plan::WallClock {
            calendar: Calendar::Months(period * 12),
            times: day_times(timing, frequency, routine),
            only: timing.day_of_week.clone(),
        },
    }
}

/// How many days of a week a weekly timing doses on (see [`plan`]).
fn week_day_count(timing: &Timing) -> u64 {
    if timing.day_of_week.is_empty() {
        u64::from(timing.frequency).clamp(1, 7)
    } else {
        let mut days = timing.day_of_week.clone();
        days.sort_by_key(|d| d.num_days_from_monday());
        days.dedup();
        days.len() as u64
    }
}

/// The wall-clock times of one dosing day: explicit times, else `when` codes on the routine,
/// else defaults for `per_day` doses.
fn day_times(timing: &Timing, per_day: u64, routine: &DailyRoutine) -> Vec<NaiveTime> {
    let times = if !timing.time_of_day.is_empty() {
        timing.time_of_day.clone()
    } else if !timing.when.is_empty() {
        timing
            .when
            .iter()
            .flat_map(|w| w.times(routine, timing.offset_minutes))
            .collect()
    } else {
        default_times(per_day)
    };
    sorted_times(times)
}

/// Times for `n` doses a day when the prescription names none: the usual 1–4 a day, else spread
/// evenly over the waking day, 08:00 to 22:00 — or over the whole day from 08:00 when the
/// waking day would put them closer than 15 minutes.
fn default_times(n: u64) -> Vec<NaiveTime> {
    const EIGHT: u64 = 8 * 60;
    let minutes: Vec<u64> = match n {
        0 | 1 => vec![EIGHT],
        2 => vec![EIGHT, 20 * 60],
        3 => vec![EIGHT, 14 * 60, 20 * 60],
        4 => vec![EIGHT, 12 * 60, 16 * 60, 20 * 60],
        _ => {
            let waking = 14 * 60;
            if waking / (n - 1) >= 15 {
                // Rounded to the nearest minute.
                (0..n)
                    .map(|k| EIGHT + (2 * k * waking + (n - 1)) / (2 * (n - 1)))
                    .collect()
            } else {
                (0..n)
                    .map(|k| (EIGHT + k * 24 * 60 / n) % (24 * 60))
                    .collect()
            }
        }
    };
    minutes
        .into_iter()
        .map(|m| time_of_day_secs(m * MINUTE_SECS))
        .collect()
}

fn wall_clock_doses<Tz: TimeZone>(
    calendar: &Calendar,
    times: &[NaiveTime],
    only: &[Weekday],
    bounds: &Bounds,
    count: Option<u32>,
    window: &Window<'_, Tz>,
    out: &mut Vec<(DoseSlot, DateTime<Utc>)>,
) {
    let start = bounds.start.date();
    // A counted course is numbered from its start, so walk from there; otherwise begin at the
    // window, which keeps a long-running schedule cheap to expand.
    let mut index = match count {
        Some(_) => 0,
        None => calendar.period_near(start, window.first_date),
    };
    let mut counted: u32 = 0;
    loop {
        let Some((period_start, dates)) = calendar.period(start, index) else {
            return;
        };
        if period_start > window.last_date {
            return;
        }
        for date in dates {
            if date > window.last_date {
                return;
            }
            if !only.is_empty() && !only.contains(&date.weekday()) {
                continue;
            }
            for &time in times {
                let slot = date.and_time(time);
                if slot < bounds.start {
                    continue;
                }
                if bounds.end.is_some_and(|end| slot >= end) || count.is_some_and(|c| counted >= c)
                {
                    return;
                }
                counted += 1;
                if date < window.first_date {
                    continue;
                }
                let due = resolve(window.zone, slot);
                if window.contains(due) {
                    out.push((DoseSlot::Local(slot), due));
                }
            }
        }
        index += 1;
    }
}

fn exact_doses<Tz: TimeZone>(
    span_secs: u64,
    frequency: u32,
    bounds: &Bounds,
    count: Option<u32>,
    window: &Window<'_, Tz>,
    out: &mut Vec<(DoseSlot, DateTime<Utc>)>,
) {
    let first = resolve(window.zone, bounds.start);
    let end = bounds.end.map(|e| resolve(window.zone, e));
    let span = i128::from(span_secs) * NANOS_PER_SEC;
    let frequency = i128::from(frequency);
    // Dose k is at first + k·span/frequency, so jump straight to the last one before the window;
    // k still counts from the start, which is what `count` limits.
    let mut k: i128 = if window.from > first {
        nanos(window.from - first) * frequency / span
    } else {
        0
    };
    loop {
        if count.is_some_and(|c| k >= i128::from(c)) {
            return;
        }
        let Some(due) = after(first, k * span / frequency) else {
            return;
        };
        if due >= window.to || end.is_some_and(|e| due >= e) {
            return;
        }
        if due >= window.from {
            out.push((DoseSlot::Instant(due), due));
        }
        k += 1;
    }
}

/// `at` plus `nanos`, down to the minute; `None` out of chrono's range.
fn after(at: DateTime<Utc>, nanos: i128) -> Option<DateTime<Utc>> {
    let secs = i64::try_from(nanos.div_euclid(NANOS_PER_SEC)).ok()?;
    let t = at.checked_add_signed(Duration::try_seconds(secs)?)?;
    DateTime::from_timestamp(t.timestamp().div_euclid(60) * 60, 0)
}

fn nanos(d: Duration) -> i128 {
    i128::from(d.num_seconds()) * NANOS_PER_SEC + i128::from(d.subsec_nanos())
}

fn monday_of(date: NaiveDate) -> NaiveDate {
    let back = u64::from(date.weekday().num_days_from_monday());
    date.checked_sub_days(Days::new(back)).unwrap_or(date)
}

/// `t` moved by `minutes`, held within its day.
fn shift(t: NaiveTime, minutes: i64) -> NaiveTime {
    let at = i64::from(t.num_seconds_from_midnight() / 60) + minutes;
    let at = at.clamp(0, 24 * 60 - 1).unsigned_abs();
    time_of_day_secs(at * MINUTE_SECS)
}

/// The time `secs` after midnight, down to the minute (`secs` below a day).
fn time_of_day_secs(secs: u64) -> NaiveTime {
    let minutes = (secs / MINUTE_SECS) % (24 * 60);
    // Both fit a u32 by the modulo above.
    hm((minutes / 60) as u32, (minutes % 60) as u32)
}

fn hm(hour: u32, minute: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(hour, minute, 0).unwrap_or(NaiveTime::MIN)
}

fn to_minute(t: NaiveDateTime) -> NaiveDateTime {
    t.date().and_time(hm(t.hour(), t.minute()))
}

/// Times down to the minute, ascending, each once.
fn sorted_times(times: Vec<NaiveTime>) -> Vec<NaiveTime> {
    let mut times: Vec<NaiveTime> = times
        .into_iter()
        .map(|t| hm(t.hour(), t.minute()))
        .collect();
    times.sort();
    times.dedup();
    times
}

#[cfg(test)]
mod tests;
