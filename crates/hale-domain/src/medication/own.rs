//! A medicine the patient adds themself: the schedules they can choose, and the rules a new one
//! must pass before it becomes a [`Medicine`] with a course from the day it was added.

use chrono::{Days, NaiveDateTime, NaiveTime, Weekday};

use super::timing::{validate, Bounds, DosageStep, PeriodUnit, Timing};
use super::{AsNeeded, Medicine, Source};

/// The schedules a patient can choose (prescriptions carry any FHIR `Timing`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnSchedule {
    /// Each day at these wall-clock times.
    Daily { times: Vec<NaiveTime> },
    /// Every `hours` hours from `first`.
    EveryHours { hours: u32, first: NaiveTime },
    /// On these days at `time`.
    Weekly { days: Vec<Weekday>, time: NaiveTime },
    /// Only when needed: no doses on the list, each one logged as taken.
    AsNeeded,
}

/// A medicine the patient is adding.
#[derive(Debug, Clone, PartialEq)]
pub struct NewMedicine {
    pub name: String,
    pub dose: Option<f64>,
    pub unit: Option<String>,
    pub schedule: OwnSchedule,
    /// How many days the course lasts, from the day it is added; `None` for no end.
    pub for_days: Option<u32>,
}

/// Why a new medicine is refused, in words for the patient.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidMedicine {
    #[error("give the medicine a name (up to 120 letters)")]
    Name,
    #[error("the dose must be above zero")]
    Dose,
    #[error("a course lasts 1 to 366 days")]
    Course,
    #[error("choose 1 to 12 times a day")]
    TimesPerDay,
    #[error("every 1 to 72 hours")]
    Hours,
    #[error("choose at least one day")]
    NoDays,
    #[error("{0}")]
    Timing(String),
}

/// How long before it was added a new medicine's doses are listed.
const LOG_BACK: chrono::Duration = chrono::Duration::hours(1);

/// Where a new medicine's course starts: an hour before it was added; for a dose every few
/// hours, the first dose time on that grid from then on (the grid is anchored at the course's
/// start, so it must fall on the patient's first-dose time).
fn course_start(schedule: &OwnSchedule, added: NaiveDateTime) -> NaiveDateTime {
    let from = added - LOG_BACK;
    let OwnSchedule::EveryHours { hours, first } = schedule else {
        return from;
    };
    let base = added.date().and_time(*first);
    if from <= base {
        return base;
    }
    let span = i64::from((*hours).max(1)) * 3600;
    let steps = ((from - base).num_seconds() + span - 1) / span;
    base + chrono::Duration::seconds(steps * span)
}

/// Longest name and unit kept.
const MAX_NAME: usize = 120;
const MAX_UNIT: usize = 30;

impl NewMedicine {
    /// The medicine as the device keeps it, with id `id`, added at `added` (the patient's local
    /// time), or why it cannot be added. Its course starts an hour before it was added, so the
    /// dose just taken can be logged, but no earlier dose counts as missed: a medicine added
    /// today starts with a clean record.
    pub fn into_medicine(
        self,
        id: String,
        added: NaiveDateTime,
    ) -> Result<Medicine, InvalidMedicine> {
        let today = added.date();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME {
            return Err(InvalidMedicine::Name);
        }
        if self.dose.is_some_and(|d| !(d > 0.0 && d < 1000.0)) {
            return Err(InvalidMedicine::Dose);
        }
        if self.for_days.is_some_and(|d| !(1..=366).contains(&d)) {
            return Err(InvalidMedicine::Course);
        }
        let unit = self
            .unit
            .map(|u| u.trim().to_owned())
            .filter(|u| !u.is_empty() && u.len() <= MAX_UNIT);
        let timing = timing(&self.schedule)?;
        if let Some(t) = &timing {
            validate(t).map_err(|e| InvalidMedicine::Timing(e.to_string()))?;
        }
        let start = course_start(&self.schedule, added);
        let end = self
            .for_days
            .and_then(|d| today.checked_add_days(Days::new(u64::from(d))))
            .map(|d| d.and_time(NaiveTime::MIN));
        Ok(Medicine {
            id,
            name: name.to_owned(),
            instructions: None,
            source: Source::Own,
            as_needed: timing.is_none().then_some(AsNeeded {
                dose: self.dose,
                max_per_day: None,
            }),
            steps: timing
                .map(|timing| DosageStep {
                    timing,
                    bounds: Bounds { start, end },
                    dose: self.dose,
                    unit: unit.clone(),
                })
                .into_iter()
                .collect(),
            unit,
            active: true,
        })
    }
}

/// The FHIR `Timing` of a chosen schedule; `None` for "when needed".
fn timing(schedule: &OwnSchedule) -> Result<Option<Timing>, InvalidMedicine> {
    let blank = Timing {
        frequency: 1,
        period: 1,
        period_unit: PeriodUnit::Day,
        time_of_day: Vec::new(),
        day_of_week: Vec::new(),
        when: Vec::new(),
        offset_minutes: 0,
        count: None,
    };
    Ok(Some(match schedule {
        OwnSchedule::AsNeeded => return Ok(None),
        OwnSchedule::Daily { times } => {
            if times.is_empty() || times.len() > 12 {
                return Err(InvalidMedicine::TimesPerDay);
            }
            Timing {
                frequency: times.len() as u32,
                time_of_day: times.clone(),
                ..blank
            }
        }
        OwnSchedule::EveryHours { hours, first } => {
            if !(1..=72).contains(hours) {
                return Err(InvalidMedicine::Hours);
            }
            Timing {
                period: *hours,
                period_unit: PeriodUnit::Hour,
                time_of_day: vec![*first],
                ..blank
            }
        }
        OwnSchedule::Weekly { days, time } => {
            if days.is_empty() {
                return Err(InvalidMedicine::NoDays);
            }
            Timing {
                period_unit: PeriodUnit::Week,
                frequency: days.len() as u32,
                day_of_week: days.clone(),
                time_of_day: vec![*time],
                ..blank
            }
        }
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 4).unwrap()
    }

    /// When the patient adds the medicine: 14:00 on `today`.
    fn added() -> NaiveDateTime {
        today().and_hms_opt(14, 0, 0).unwrap()
    }

    #[test]
    fn a_dose_every_few_hours_keeps_the_patients_first_dose_time_as_its_grid() {
        let start = |hours, first| course_start(&OwnSchedule::EveryHours { hours, first }, added());
        // Every 5 hours from 08:00, added at 14:00: 13:00 is on the grid and within the hour.
        assert_eq!(start(5, hm(8, 0)), today().and_hms_opt(13, 0, 0).unwrap());
        // Every 7 hours from 08:00: 15:00 is the next on the grid.
        assert_eq!(start(7, hm(8, 0)), today().and_hms_opt(15, 0, 0).unwrap());
        // A first dose still to come today starts the course.
        assert_eq!(start(6, hm(18, 0)), today().and_hms_opt(18, 0, 0).unwrap());
    }

    /// Regression: a medicine added in the afternoon with a morning time showed 0 % taken,
    /// its morning dose counted as missed before the patient ever had it on the list.
    #[test]
    fn a_medicine_added_today_starts_with_a_clean_record_and_the_dose_just_taken_can_be_logged() {
        use chrono::TimeZone;
        let m = new(OwnSchedule::Daily {
            times: vec![hm(8, 0), hm(13, 30), hm(20, 0)],
        })
        .into_medicine("own:1".into(), added())
        .unwrap();
        let now = chrono::Utc.from_local_datetime(&added()).single().unwrap();
        let view = super::super::overview::overview(
            std::slice::from_ref(&m),
            &[],
            &Default::default(),
            &Default::default(),
            &chrono::Utc,
            now,
        );
        let slots: Vec<_> = view.doses.iter().map(|d| d.slot.clone()).collect();
        assert!(
            !slots.iter().any(|s| s.ends_with("T08:00")),
            "the morning dose predates it: {slots:?}"
        );
        assert!(slots.iter().any(|s| s.ends_with("T13:30")), "{slots:?}");
        assert_eq!(view.medicines[0].week.percent(), None, "no 0 %");
    }

    fn new(schedule: OwnSchedule) -> NewMedicine {
        NewMedicine {
            name: " Vitamin D ".into(),
            dose: Some(1.0),
            unit: Some(" capsule ".into()),
            schedule,
            for_days: Some(7),
        }
    }

    #[test]
    fn a_daily_medicine_runs_from_today_for_its_course_with_its_dose() {
        let m = new(OwnSchedule::Daily {
            times: vec![hm(8, 0), hm(20, 0)],
        })
        .into_medicine("own:1".into(), added())
        .unwrap();
        assert_eq!(m.name, "Vitamin D");
        assert_eq!(m.unit.as_deref(), Some("capsule"));
        assert_eq!(m.source, Source::Own);
        assert!(m.as_needed.is_none());
        let step = &m.steps[0];
        assert_eq!(step.timing.frequency, 2);
        assert_eq!(step.timing.time_of_day, [hm(8, 0), hm(20, 0)]);
        assert_eq!(step.bounds.start, added() - chrono::Duration::hours(1));
        assert_eq!(
            step.bounds.end,
            NaiveDate::from_ymd_opt(2026, 12, 11).map(|d| d.and_time(NaiveTime::MIN))
        );
        assert_eq!(step.dose, Some(1.0));
    }

    #[test]
    fn a_medicine_taken_when_needed_has_no_schedule() {
        let m = new(OwnSchedule::AsNeeded)
            .into_medicine("own:2".into(), added())
            .unwrap();
        assert!(m.steps.is_empty());
        assert_eq!(m.as_needed.unwrap().dose, Some(1.0));
    }

    #[test]
    fn every_hours_and_weekly_become_their_fhir_timing() {
        let hours = new(OwnSchedule::EveryHours {
            hours: 8,
            first: hm(6, 0),
        })
        .into_medicine("own:3".into(), added())
        .unwrap();
        assert_eq!(hours.steps[0].timing.period_unit, PeriodUnit::Hour);
        assert_eq!(hours.steps[0].timing.period, 8);
        let weekly = new(OwnSchedule::Weekly {
            days: vec![Weekday::Mon, Weekday::Thu],
            time: hm(9, 0),
        })
        .into_medicine("own:4".into(), added())
        .unwrap();
        assert_eq!(weekly.steps[0].timing.period_unit, PeriodUnit::Week);
        assert_eq!(
            weekly.steps[0].timing.day_of_week,
            [Weekday::Mon, Weekday::Thu]
        );
    }

    #[test]
    fn each_rule_refuses_what_breaks_it() {
        let daily = || OwnSchedule::Daily {
            times: vec![hm(8, 0)],
        };
        let cases = [
            (
                NewMedicine {
                    name: "  ".into(),
                    ..new(daily())
                },
                InvalidMedicine::Name,
            ),
            (
                NewMedicine {
                    dose: Some(0.0),
                    ..new(daily())
                },
                InvalidMedicine::Dose,
            ),
            (
                NewMedicine {
                    for_days: Some(0),
                    ..new(daily())
                },
                InvalidMedicine::Course,
            ),
            (
                new(OwnSchedule::Daily { times: Vec::new() }),
                InvalidMedicine::TimesPerDay,
            ),
            (
                new(OwnSchedule::EveryHours {
                    hours: 0,
                    first: hm(6, 0),
                }),
                InvalidMedicine::Hours,
            ),
            (
                new(OwnSchedule::Weekly {
                    days: Vec::new(),
                    time: hm(9, 0),
                }),
                InvalidMedicine::NoDays,
            ),
        ];
        for (medicine, why) in cases {
            assert_eq!(
                medicine.into_medicine("own:x".into(), added()),
                Err(why.clone()),
                "{why}"
            );
        }
    }
}
