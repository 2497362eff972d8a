//! The readable report as a PDF: [`hale_domain::report::Report`], which the domain decided, laid
//! out on A4 pages with the standard Helvetica font (no font to embed), a chart per kind of
//! reading with its limits, a table of adherence per medicine, and the appointments. Pure: the
//! bytes are returned for the shell to save.
//!
//! The words are English, like the hospital-facing documents; times are in the zone given.

mod chart;
mod page;
mod text;
mod words;

use chrono::TimeZone;
use hale_domain::report::Report;

use page::Document;

/// The report as PDF bytes, its times in `zone`.
pub fn pdf<Tz: TimeZone>(report: &Report, zone: &Tz) -> Vec<u8>
where
    Tz::Offset: std::fmt::Display,
{
    let mut doc = Document::new();
    let local = |t: chrono::DateTime<chrono::Utc>| t.with_timezone(zone).naive_local();
    doc.title("Health report");
    let who = report.patient.as_deref().unwrap_or("Patient");
    doc.line(
        &format!(
            "{who}, {} to {}",
            report.period.from().format("%-d %B %Y"),
            report.period.to().format("%-d %B %Y")
        ),
        12.0,
    );
    let mut made = format!(
        "Made by Hale on {} from the readings, doses and appointments on this device",
        local(report.made).format("%-d %B %Y at %H:%M")
    );
    if let Some(hospital) = &report.hospital {
        made.push_str(&format!(" (hospital: {hospital})"));
    }
    made.push('.');
    doc.paragraph(&made, 9.0);

    doc.heading("Readings");
    if report.readings.is_empty() {
        doc.paragraph("No readings were taken in this period.", 10.0);
    }
    for series in &report.readings {
        chart::series(&mut doc, series, report.period, zone);
    }

    doc.heading("Medicines taken");
    if report.adherence.is_empty() {
        doc.paragraph("No doses fell due in this period.", 10.0);
    } else {
        doc.table(
            &[
                ("Medicine", 0.0),
                ("Taken", 230.0),
                ("Late", 275.0),
                ("Skipped", 315.0),
                ("Missed", 370.0),
                ("Adherence", 420.0),
            ],
            report
                .adherence
                .iter()
                .map(|m| {
                    let t = m.scheduled;
                    let percent = t
                        .percent()
                        .map_or_else(|| "none due".to_owned(), |p| format!("{p}%"));
                    let mut name = m.name.clone();
                    if m.as_needed_taken > 0 {
                        name.push_str(&format!(" (+{} as needed)", m.as_needed_taken));
                    }
                    vec![
                        name,
                        t.taken.to_string(),
                        t.late.to_string(),
                        t.skipped.to_string(),
                        t.missed.to_string(),
                        percent,
                    ]
                })
                .collect(),
        );
        doc.paragraph(
            "Adherence is the share of doses that fell due and were taken; a dose not logged within 4 hours counts as missed.",
            8.0,
        );
    }

    doc.heading("Appointments");
    if report.appointments.is_empty() {
        doc.paragraph("No appointments in this period.", 10.0);
    } else {
        doc.table(
            &[("When", 0.0), ("Service", 130.0), ("Status", 380.0)],
            report
                .appointments
                .iter()
                .map(|a| {
                    let mut service = a.service.clone();
                    if let Some(c) = &a.clinician {
                        service.push_str(&format!(", {c}"));
                    }
                    vec![
                        local(a.start).format("%a %-d %b %Y %H:%M").to_string(),
                        service,
                        words::status(a.status).to_owned(),
                    ]
                })
                .collect(),
        );
    }
    doc.finish(who)
}
