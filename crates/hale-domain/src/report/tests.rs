use chrono::{NaiveTime, TimeZone};

use super::*;
use crate::device::reading::{Quantity, Unit};
use crate::medication::timing::{Bounds, DosageStep, PeriodUnit, Timing};
use crate::medication::{SkipReason, Source};

fn day(d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, d).unwrap()
}

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
}

fn bp(d: u32, sys: f64, dia: f64, clinic: bool) -> (Reading, bool) {
    let q = |vital, value| Quantity {
        vital,
        value,
        unit: Unit::MmHg,
    };
    (
        Reading {
            key: format!("cuff/bp/{d}"),
            device: "cuff".into(),
            kind: ReadingKind::BloodPressure,
            effective: at(d, 8),
            device_clock: true,
            values: vec![q(Vital::Systolic, sys), q(Vital::Diastolic, dia)],
            context: None,
        },
        clinic,
    )
}

fn glucose(d: u32, value: f64) -> (Reading, bool) {
    (
        Reading {
            key: format!("meter/g/{d}"),
            device: "meter".into(),
            kind: ReadingKind::BloodGlucose,
            effective: at(d, 7),
            device_clock: true,
            values: vec![Quantity {
                vital: Vital::BloodGlucose,
                value,
                unit: Unit::MmolPerL,
            }],
            context: None,
        },
        false,
    )
}

fn daily(id: &str) -> Medicine {
    Medicine {
        id: id.into(),
        name: id.into(),
        instructions: None,
        source: Source::Own,
        steps: vec![DosageStep {
            timing: Timing {
                frequency: 1,
                period: 1,
                period_unit: PeriodUnit::Day,
                time_of_day: vec![NaiveTime::from_hms_opt(8, 0, 0).unwrap()],
                day_of_week: Vec::new(),
                when: Vec::new(),
                offset_minutes: 0,
                count: None,
            },
            bounds: Bounds {
                start: day(1).and_hms_opt(0, 0, 0).unwrap(),
                end: None,
            },
            dose: Some(1.0),
            unit: Some("tablet".into()),
        }],
        as_needed: None,
        unit: Some("tablet".into()),
        active: true,
    }
}

fn dose(m: &Medicine, d: u32, outcome: Outcome) -> DoseRecord {
    DoseRecord {
        medicine_id: m.id.clone(),
        slot: format!("2026-11-{d:02}T08:00"),
        due: Some(at(d, 8)),
        outcome,
        at: at(d, 8),
    }
}

fn build(readings: &[(Reading, bool)], medicines: &[Medicine], doses: &[DoseRecord]) -> Report {
    report(
        Period::new(day(10), day(16), day(20)).unwrap(),
        Records {
            readings,
            thresholds: &Thresholds::default(),
            medicines,
            doses,
            appointments: &[],
        },
        Some("Alex Morgan".into()),
        None,
        &Utc,
        at(20, 12),
    )
}

#[test]
fn a_period_is_whole_days_forward_within_a_year_and_not_in_the_future() {
    assert_eq!(
        Period::new(day(16), day(10), day(20)),
        Err(PeriodError::Backwards)
    );
    assert_eq!(
        Period::new(day(21), day(22), day(20)),
        Err(PeriodError::Future)
    );
    let long = Period::new(
        NaiveDate::from_ymd_opt(2025, 10, 31).unwrap(),
        day(1),
        day(20),
    );
    assert_eq!(long, Err(PeriodError::TooLong));
    let p = Period::new(day(10), day(16), day(20)).unwrap();
    assert_eq!(p.bounds(&Utc), (at(10, 0), at(17, 0)), "both days included");
}

#[test]
fn readings_in_the_period_form_a_series_with_their_stats_and_limits() {
    let r = build(
        &[
            bp(9, 200.0, 120.0, false),
            bp(11, 130.0, 80.0, false),
            bp(12, 150.0, 95.0, true),
            glucose(13, 3.5),
            glucose(14, 6.0),
        ],
        &[],
        &[],
    );
    let bp = &r.readings[0];
    assert_eq!(bp.kind, ReadingKind::BloodPressure);
    assert_eq!(bp.points.len(), 2, "the 9th is before the period");
    assert!(bp.points[1].clinic);
    assert_eq!(bp.vitals, [Vital::Systolic, Vital::Diastolic]);
    assert_eq!(bp.stats[0].max, 150.0);
    assert_eq!(bp.stats[1].mean, 87.5);
    assert_eq!(bp.unit, "mmHg");
    assert!(bp.limits.iter().all(|l| l.kind == LimitKind::AlertAbove));
    let g = &r.readings[1];
    assert_eq!(g.kind, ReadingKind::BloodGlucose);
    let tir = g.time_in_range.unwrap();
    assert_eq!((tir.below, tir.in_range, tir.above), (50, 50, 0));
    assert!(g
        .limits
        .iter()
        .any(|l| l.kind == LimitKind::TargetLow && l.value == 3.9));
}

#[test]
fn adherence_counts_each_medicines_doses_due_in_the_period() {
    let m = daily("Metformin");
    let doses = [
        dose(&m, 10, Outcome::Taken { amount: None }),
        dose(&m, 11, Outcome::Taken { amount: None }),
        dose(
            &m,
            12,
            Outcome::Skipped {
                reason: SkipReason::SideEffects,
            },
        ),
        dose(&m, 9, Outcome::Taken { amount: None }),
        // Read back from the hospital, a scheduled dose's record has no due time.
        DoseRecord {
            due: None,
            ..dose(&m, 13, Outcome::Taken { amount: None })
        },
        DoseRecord {
            medicine_id: m.id.clone(),
            slot: Medicine::as_needed_slot(at(14, 15)),
            due: None,
            outcome: Outcome::Taken { amount: None },
            at: at(14, 15),
        },
    ];
    let r = build(&[], &[m], &doses);
    assert_eq!(r.adherence.len(), 1);
    let t = r.adherence[0].scheduled;
    assert_eq!(
        (t.taken, t.skipped, t.missed),
        (3, 1, 3),
        "10th to 16th: 7 doses"
    );
    assert_eq!(r.adherence[0].as_needed_taken, 1);
    assert!(r.readings.is_empty());
}
