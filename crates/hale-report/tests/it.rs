//! The report read back as a person's PDF reader reads it: rendered, then its text extracted by
//! poppler's `pdftotext` (an independent PDF parser; scripts/setup.sh installs it), which must
//! find the titles, the charts' figures, each medicine's adherence and the appointments.

use std::process::Command;

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use hale_domain::appointment::{Appointment, AppointmentStatus};
use hale_domain::device::{Quantity, Reading, ReadingKind, Thresholds, Unit, Vital};
use hale_domain::medication::timing::{Bounds, DosageStep, PeriodUnit, Timing};
use hale_domain::medication::{DoseRecord, Medicine, Outcome, Source};
use hale_domain::report::{report, Period, Records};

fn at(d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap()
}

fn reading(kind: ReadingKind, d: u32, values: &[(Vital, f64, Unit)]) -> Reading {
    Reading {
        key: format!("dev/{kind:?}/{d}"),
        device: "dev".into(),
        kind,
        effective: at(d, 8),
        device_clock: true,
        values: values
            .iter()
            .map(|(vital, value, unit)| Quantity {
                vital: *vital,
                value: *value,
                unit: *unit,
            })
            .collect(),
        context: None,
    }
}

fn medicine(name: &str) -> Medicine {
    Medicine {
        id: name.into(),
        name: name.into(),
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
                start: NaiveDate::from_ymd_opt(2026, 11, 1)
                    .unwrap()
                    .and_hms_opt(0, 0, 0)
                    .unwrap(),
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

fn text_of(pdf: &[u8]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("report.pdf");
    std::fs::write(&file, pdf).unwrap();
    let out = Command::new("pdftotext")
        .arg(&file)
        .arg("-")
        .output()
        .expect("pdftotext runs (poppler-utils; scripts/setup.sh installs it)");
    assert!(
        out.status.success(),
        "pdftotext could not read the report: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn the_pdf_holds_the_chart_titles_their_figures_adherence_and_appointments() {
    let bp = |d, sys, dia| {
        (
            reading(
                ReadingKind::BloodPressure,
                d,
                &[
                    (Vital::Systolic, sys, Unit::MmHg),
                    (Vital::Diastolic, dia, Unit::MmHg),
                ],
            ),
            d == 12,
        )
    };
    let readings = vec![
        bp(10, 130.0, 80.0),
        bp(11, 142.0, 88.0),
        bp(12, 150.0, 95.0),
        (
            reading(
                ReadingKind::BloodGlucose,
                13,
                &[(Vital::BloodGlucose, 6.2, Unit::MmolPerL)],
            ),
            false,
        ),
        (
            reading(
                ReadingKind::BodyWeight,
                14,
                &[(Vital::BodyWeight, 82.4, Unit::Kilogram)],
            ),
            false,
        ),
    ];
    let metformin = medicine("Metformin 500 mg");
    let doses: Vec<DoseRecord> = (10..=15)
        .map(|d| DoseRecord {
            medicine_id: metformin.id.clone(),
            slot: format!("2026-11-{d:02}T08:00"),
            due: Some(at(d, 8)),
            outcome: Outcome::Taken { amount: None },
            at: at(d, 8),
        })
        .collect();
    let appointment = Appointment {
        id: "ap-1".into(),
        reference: None,
        status: AppointmentStatus::Fulfilled,
        start: at(12, 9),
        end: at(12, 10),
        service: "Cardiology".into(),
        clinician: Some("Dr Okafor".into()),
        location: None,
        form: None,
    };
    let r = report(
        Period::new(
            NaiveDate::from_ymd_opt(2026, 11, 10).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 16).unwrap(),
            NaiveDate::from_ymd_opt(2026, 11, 20).unwrap(),
        )
        .unwrap(),
        Records {
            readings: &readings,
            thresholds: &Thresholds::default(),
            medicines: &[metformin],
            doses: &doses,
            appointments: &[appointment],
        },
        Some("Alex Morgan".into()),
        Some("Hale General Hospital".into()),
        &Utc,
        at(20, 12),
    );
    let pdf = hale_report::pdf(&r, &Utc);
    assert!(pdf.starts_with(b"%PDF-"));
    let text = text_of(&pdf);
    for expected in [
        "Health report",
        "Alex Morgan, 10 November 2026 to 16 November 2026",
        "Blood pressure (mmHg)",
        "Systolic: 3 readings, lowest 130, highest 150, average 140.7 mmHg",
        "Diastolic: 3 readings, lowest 80, highest 95, average 87.7 mmHg",
        "squares the 1 taken at the clinic",
        "Blood glucose (mmol/L)",
        "Time in the target range: 0% below, 100% in range, 0% above",
        "Weight (kg)",
        "1 reading, lowest 82.4, highest 82.4",
        "Metformin 500 mg",
        "85%",
        "\nAdherence\n",
        "Cardiology, Dr Okafor",
        "attended",
    ] {
        assert!(text.contains(expected), "no {expected:?} in:\n{text}");
    }
}
