//! Medicines between the core and the contract.

use chrono::{DateTime, Local, Utc, Weekday};
use hale_api::{
    AddMedicineArgs, ApiError, DayView, DoseOutcomeArgs, DoseStateView, DoseView, ErrorCode,
    LogDoseArgs, MedicineSource, MedicineView, MedicinesView, ScheduleArgs, ScheduleView,
    SkipReasonView, SupplyView, TallyView, WeekdayView,
};
use hale_core::medicines::{
    DoseItem, LogDose, MedicineError, MedicineStatus, Medicines, NewMedicine, OwnSchedule,
};
use hale_domain::medication::adherence::{DoseState, Tally};
use hale_domain::medication::timing::PeriodUnit;
use hale_domain::medication::{Outcome, SkipReason, Source};

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
        skip_reasons: SkipReason::ALL.into_iter().map(skip_view).collect(),
        freshness: super::freshness(m.freshness),
        undo: None,
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

fn dose(d: DoseItem) -> DoseView {
    DoseView {
        dose: d.dose,
        unit: d.unit,
        medicine_id: d.medicine_id,
        name: d.name,
        slot: d.slot,
        due: local(d.due),
        state: match d.state {
            DoseState::Upcoming => DoseStateView::Upcoming,
            DoseState::Due => DoseStateView::Due,
            DoseState::Late => DoseStateView::Late,
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
    MedicineView {
        schedule: schedule(&m),
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
        instructions: m.instructions,
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

/// The schedule in the contract's terms, where it is one the screens can describe: "when
/// needed", or the first step's times by day, by hours or by weekday.
fn schedule(m: &hale_domain::medication::Medicine) -> Option<ScheduleView> {
    if m.as_needed.is_some() {
        return Some(ScheduleView::AsNeeded);
    }
    let t = &m.steps.first()?.timing;
    let times = t.time_of_day.clone();
    Some(match t.period_unit {
        PeriodUnit::Hour => ScheduleView::EveryHours {
            hours: t.period,
            from: times,
        },
        PeriodUnit::Week => ScheduleView::Weekly {
            days: t.day_of_week.iter().map(|d| weekday_view(*d)).collect(),
            times,
        },
        _ => ScheduleView::Daily { times },
    })
}

fn weekday_view(d: Weekday) -> WeekdayView {
    match d {
        Weekday::Mon => WeekdayView::Mon,
        Weekday::Tue => WeekdayView::Tue,
        Weekday::Wed => WeekdayView::Wed,
        Weekday::Thu => WeekdayView::Thu,
        Weekday::Fri => WeekdayView::Fri,
        Weekday::Sat => WeekdayView::Sat,
        Weekday::Sun => WeekdayView::Sun,
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

pub fn log_dose(args: LogDoseArgs) -> Result<LogDose, ApiError> {
    super::require_id("medicine_id", &args.medicine_id)?;
    if let Some(slot) = &args.slot {
        super::require_id("slot", slot)?;
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

/// The patient's new medicine, as they described it (the core checks it).
pub fn new_medicine(args: AddMedicineArgs) -> NewMedicine {
    NewMedicine {
        name: args.name,
        dose: args.dose,
        unit: args.unit,
        schedule: match args.schedule {
            ScheduleArgs::AsNeeded => OwnSchedule::AsNeeded,
            ScheduleArgs::Daily { times } => OwnSchedule::Daily { times },
            ScheduleArgs::EveryHours { hours, first } => OwnSchedule::EveryHours { hours, first },
            ScheduleArgs::Weekly { days, time } => OwnSchedule::Weekly {
                days: days.iter().map(weekday).collect(),
                time,
            },
        },
        for_days: args.for_days,
    }
}

pub fn medicine_error(e: MedicineError) -> ApiError {
    let code = match e {
        MedicineError::UnknownMedicine | MedicineError::UnknownDose => ErrorCode::UnknownMedicine,
        MedicineError::AlreadyLogged => ErrorCode::DoseAlreadyLogged,
        MedicineError::TooLateToUndo => ErrorCode::TooLateToUndo,
        MedicineError::InTheFuture => ErrorCode::InTheFuture,
        MedicineError::NotOwn => ErrorCode::Forbidden,
        MedicineError::Invalid(_) => ErrorCode::InvalidArgument,
    };
    ApiError::new(code, e.to_string())
}
