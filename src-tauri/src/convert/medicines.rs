//! Medicines between the core and the contract.

use chrono::{DateTime, Local, NaiveDate, NaiveTime, Utc, Weekday};
use hale_api::{
    AddMedicineArgs, ApiError, DayView, DoseOutcomeArgs, DoseStateView, DoseView, ErrorCode,
    LogDoseArgs, MedicineSource, MedicineView, MedicinesView, ScheduleArgs, SkipReasonChoice,
    SkipReasonView, SupplyView, TallyView, WeekdayView,
};
use hale_core::medicines::{
    DoseItem, LogDose, MedicineError, MedicineStatus, Medicines, NewMedicine,
};
use hale_domain::medication::adherence::{DoseState, Tally};
use hale_domain::medication::timing::{Bounds, DosageStep, PeriodUnit, Timing};
use hale_domain::medication::{Outcome, SkipReason, Source};

use super::invalid;

fn local(t: DateTime<Utc>) -> DateTime<chrono::FixedOffset> {
    t.with_timezone(&Local).fixed_offset()
}

pub fn medicines(m: Medicines) -> MedicinesView {
    MedicinesView {
        doses: m.doses.into_iter().map(dose).collect(),
        medicines: m.medicines.into_iter().map(medicine).collect(),
        week: tally(m.week),
        month: tally(m.month),
        daily: m
            .daily
            .into_iter()
            .map(|(date, t)| DayView {
                date,
                tally: tally(t),
            })
            .collect(),
        unsynced: m.unsynced,
        skip_reasons: SkipReason::ALL
            .into_iter()
            .map(|r| SkipReasonChoice {
                reason: skip_view(r),
                label: r.label().to_owned(),
            })
            .collect(),
        freshness: super::freshness(m.freshness),
    }
}

fn tally(t: Tally) -> TallyView {
    TallyView {
        taken: t.taken,
        late: t.late,
        skipped: t.skipped,
        missed: t.missed,
        percent: t.percent(),
    }
}

/// "2 tablets", "1 capsule", "0.5 tablet".
pub fn amount(value: Option<f64>, unit: Option<&str>) -> Option<String> {
    let value = value?;
    let number = if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        format!("{value}")
    };
    Some(match unit {
        Some(u) if value != 1.0 && !u.ends_with('s') => format!("{number} {u}s"),
        Some(u) => format!("{number} {u}"),
        None => number,
    })
}

fn dose(d: DoseItem) -> DoseView {
    DoseView {
        amount: amount(d.dose, d.unit.as_deref()),
        medicine_id: d.medicine_id,
        name: d.name,
        slot: d.slot,
        due: local(d.due),
        state: match d.state {
            DoseState::Upcoming => DoseStateView::Upcoming,
            DoseState::Due => DoseStateView::Due,
            DoseState::Snoozed { until } => DoseStateView::Snoozed {
                until: local(until),
            },
            DoseState::Missed => DoseStateView::Missed,
            DoseState::Taken { at, late } => DoseStateView::Taken {
                at: local(at),
                late,
            },
            DoseState::Skipped => DoseStateView::Skipped,
        },
    }
}

fn medicine(s: MedicineStatus) -> MedicineView {
    let m = s.medicine;
    let instructions = m.instructions.clone().or_else(|| describe(&m));
    MedicineView {
        unscheduled: m.steps.is_empty() && m.as_needed.is_none(),
        as_needed: m.as_needed.is_some(),
        max_per_day: m.as_needed.as_ref().and_then(|a| a.max_per_day),
        taken_last_day: s.taken_last_day,
        id: m.id,
        name: m.name,
        source: match m.source {
            Source::Prescription => MedicineSource::Prescription,
            Source::Own => MedicineSource::Own,
        },
        instructions,
        unit: m.unit,
        active: m.active,
        supply: s.supply.map(|o| SupplyView {
            remaining: o.remaining,
            days_left: o.days_left,
            refill: o.refill,
        }),
        week: tally(s.week),
        month: tally(s.month),
    }
}

/// A plain summary of a schedule the patient chose ("Every day at 08:00 and 20:00").
fn describe(m: &hale_domain::medication::Medicine) -> Option<String> {
    if m.as_needed.is_some() {
        return Some("When needed".to_owned());
    }
    let t = &m.steps.first()?.timing;
    let times: Vec<String> = t
        .time_of_day
        .iter()
        .map(|t| t.format("%H:%M").to_string())
        .collect();
    let times = match times.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    Some(match t.period_unit {
        PeriodUnit::Hour => format!("Every {} hours from {times}", t.period),
        PeriodUnit::Week => {
            let days: Vec<&str> = t.day_of_week.iter().map(|d| weekday_name(*d)).collect();
            format!("Every {} at {times}", days.join(", "))
        }
        _ => format!("Every day at {times}"),
    })
}

fn weekday_name(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "Monday",
        Weekday::Tue => "Tuesday",
        Weekday::Wed => "Wednesday",
        Weekday::Thu => "Thursday",
        Weekday::Fri => "Friday",
        Weekday::Sat => "Saturday",
        Weekday::Sun => "Sunday",
    }
}

fn skip_view(r: SkipReason) -> SkipReasonView {
    match r {
        SkipReason::FeltUnwell => SkipReasonView::FeltUnwell,
        SkipReason::SideEffects => SkipReasonView::SideEffects,
        SkipReason::RanOut => SkipReasonView::RanOut,
        SkipReason::ClinicianAdvice => SkipReasonView::ClinicianAdvice,
        SkipReason::Other => SkipReasonView::Other,
    }
}

fn skip_reason(r: SkipReasonView) -> SkipReason {
    match r {
        SkipReasonView::FeltUnwell => SkipReason::FeltUnwell,
        SkipReasonView::SideEffects => SkipReason::SideEffects,
        SkipReasonView::RanOut => SkipReason::RanOut,
        SkipReasonView::ClinicianAdvice => SkipReason::ClinicianAdvice,
        SkipReasonView::Other => SkipReason::Other,
    }
}

/// Ids and slots are short, printable tokens; anything else is refused before the core sees it.
pub fn require_token(name: &str, value: &str) -> Result<(), ApiError> {
    let ok = !value.is_empty()
        && value.len() <= 80
        && value
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_:.@".contains(c));
    if ok {
        Ok(())
    } else {
        Err(invalid(format!("'{name}' is not a valid identifier")))
    }
}

pub fn log_dose(args: LogDoseArgs) -> Result<LogDose, ApiError> {
    require_token("medicine_id", &args.medicine_id)?;
    if let Some(slot) = &args.slot {
        require_token("slot", slot)?;
    }
    Ok(LogDose {
        medicine_id: args.medicine_id,
        slot: args.slot,
        outcome: match args.outcome {
            DoseOutcomeArgs::Taken { amount } => Outcome::Taken { amount },
            DoseOutcomeArgs::Skipped { reason } => Outcome::Skipped {
                reason: skip_reason(reason),
            },
        },
        at: args.at.map(|t| t.with_timezone(&Utc)),
    })
}

fn time(text: &str) -> Result<NaiveTime, ApiError> {
    NaiveTime::parse_from_str(text, "%H:%M")
        .map_err(|_| invalid(format!("'{text}' is not a time (HH:MM)")))
}

fn weekday(d: &WeekdayView) -> Weekday {
    match d {
        WeekdayView::Mon => Weekday::Mon,
        WeekdayView::Tue => Weekday::Tue,
        WeekdayView::Wed => Weekday::Wed,
        WeekdayView::Thu => Weekday::Thu,
        WeekdayView::Fri => Weekday::Fri,
        WeekdayView::Sat => Weekday::Sat,
        WeekdayView::Sun => Weekday::Sun,
    }
}

/// The patient's new medicine; its course starts today (local) and runs `for_days` if given.
pub fn new_medicine(args: AddMedicineArgs, today: NaiveDate) -> Result<NewMedicine, ApiError> {
    if args.dose.is_some_and(|d| !(d > 0.0 && d < 1000.0)) {
        return Err(invalid("the dose must be above zero"));
    }
    if args.for_days.is_some_and(|d| !(1..=366).contains(&d)) {
        return Err(invalid("a course lasts 1 to 366 days"));
    }
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
    let timing = match &args.schedule {
        ScheduleArgs::AsNeeded => None,
        ScheduleArgs::Daily { times } => {
            if times.is_empty() || times.len() > 12 {
                return Err(invalid("choose 1 to 12 times a day"));
            }
            let times = times
                .iter()
                .map(|t| time(t))
                .collect::<Result<Vec<_>, _>>()?;
            Some(Timing {
                frequency: times.len() as u32,
                time_of_day: times,
                ..blank
            })
        }
        ScheduleArgs::EveryHours { hours, first } => {
            if !(1..=72).contains(hours) {
                return Err(invalid("every 1 to 72 hours"));
            }
            Some(Timing {
                period: *hours,
                period_unit: PeriodUnit::Hour,
                time_of_day: vec![time(first)?],
                ..blank
            })
        }
        ScheduleArgs::Weekly { days, time: at } => {
            if days.is_empty() {
                return Err(invalid("choose at least one day"));
            }
            Some(Timing {
                period_unit: PeriodUnit::Week,
                frequency: days.len() as u32,
                day_of_week: days.iter().map(weekday).collect(),
                time_of_day: vec![time(at)?],
                ..blank
            })
        }
    };
    let start = today.and_time(NaiveTime::MIN);
    let end = args
        .for_days
        .and_then(|d| today.checked_add_days(chrono::Days::new(u64::from(d))))
        .map(|d| d.and_time(NaiveTime::MIN));
    let unit = args
        .unit
        .map(|u| u.trim().to_owned())
        .filter(|u| !u.is_empty() && u.len() <= 30);
    Ok(NewMedicine {
        name: args.name,
        instructions: None,
        dose: args.dose,
        unit: unit.clone(),
        step: timing.map(|timing| DosageStep {
            timing,
            bounds: Bounds { start, end },
            dose: args.dose,
            unit,
        }),
    })
}

pub fn medicine_error(e: MedicineError) -> ApiError {
    let code = match e {
        MedicineError::UnknownMedicine | MedicineError::UnknownDose => ErrorCode::UnknownMedicine,
        MedicineError::AlreadyLogged => ErrorCode::DoseAlreadyLogged,
        MedicineError::InTheFuture => ErrorCode::InTheFuture,
        MedicineError::NotOwn => ErrorCode::Forbidden,
        MedicineError::Invalid(_) => ErrorCode::InvalidArgument,
    };
    ApiError::new(code, e.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_as_people_write_them() {
        assert_eq!(
            amount(Some(2.0), Some("tablet")).as_deref(),
            Some("2 tablets")
        );
        assert_eq!(
            amount(Some(1.0), Some("capsule")).as_deref(),
            Some("1 capsule")
        );
        assert_eq!(
            amount(Some(0.5), Some("tablet")).as_deref(),
            Some("0.5 tablets")
        );
        assert_eq!(amount(Some(2.0), Some("puffs")).as_deref(), Some("2 puffs"));
        assert_eq!(amount(None, Some("tablet")), None);
    }

    #[test]
    fn a_new_medicine_is_checked_and_scheduled_from_today() {
        let today = NaiveDate::from_ymd_opt(2026, 12, 2).unwrap();
        let args = |schedule| AddMedicineArgs {
            name: "Vitamin D".into(),
            dose: Some(1.0),
            unit: Some("capsule".into()),
            schedule,
            for_days: Some(10),
        };
        let daily = new_medicine(
            args(ScheduleArgs::Daily {
                times: vec!["08:00".into(), "20:00".into()],
            }),
            today,
        )
        .unwrap();
        let step = daily.step.unwrap();
        assert_eq!(step.timing.frequency, 2);
        assert_eq!(
            step.bounds.end.unwrap().date(),
            today + chrono::Duration::days(10)
        );
        for bad in [
            ScheduleArgs::Daily { times: vec![] },
            ScheduleArgs::Daily {
                times: vec!["25:00".into()],
            },
            ScheduleArgs::EveryHours {
                hours: 0,
                first: "08:00".into(),
            },
            ScheduleArgs::Weekly {
                days: vec![],
                time: "08:00".into(),
            },
        ] {
            assert_eq!(
                new_medicine(args(bad), today).unwrap_err().code,
                ErrorCode::InvalidArgument
            );
        }
        assert!(new_medicine(args(ScheduleArgs::AsNeeded), today)
            .unwrap()
            .step
            .is_none());
    }

    #[test]
    fn identifiers_from_the_ui_are_plain_tokens() {
        assert!(require_token("slot", "2026-12-02T08:00").is_ok());
        assert!(require_token("medicine_id", "rx:mr-0001").is_ok());
        assert!(require_token("slot", "").is_err());
        assert!(require_token("slot", "x'; DROP TABLE").is_err());
    }
}
