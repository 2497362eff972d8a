//! "Add to calendar": an appointment as an iCalendar (RFC 5545) event.
//!
//! Times are written in UTC (`…Z`), which every calendar accepts and which cannot be misread
//! across a daylight-saving change. Lines end in CRLF and are folded at 75 octets, never inside
//! a UTF-8 character; text values are escaped as §3.3.11 requires.

use chrono::{DateTime, Utc};

use crate::Appointment;

/// The calendar's product identifier.
const PRODID: &str = "-//Hale//Hale patient app//EN";

/// One VEVENT in a VCALENDAR for `appointment`. `stamp` is when the file is made (DTSTAMP);
/// `organiser` names the hospital in the summary. The UID is stable per appointment, so
/// importing an updated file replaces the event instead of adding a second one.
pub fn calendar_event(appointment: &Appointment, organiser: &str, stamp: DateTime<Utc>) -> String {
    let mut summary = format!("{} appointment", appointment.service);
    if !organiser.is_empty() {
        summary.push_str(&format!(" ({organiser})"));
    }
    let mut description = Vec::new();
    if let Some(c) = &appointment.clinician {
        description.push(format!("With {c}."));
    }
    if let Some(r) = &appointment.reference {
        description.push(format!("Booking reference {r}."));
    }
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        format!("PRODID:{PRODID}"),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}@hale.appointment", escape(&appointment.id)),
        format!("DTSTAMP:{}", utc(stamp)),
        format!("DTSTART:{}", utc(appointment.start)),
        format!("DTEND:{}", utc(appointment.end)),
        format!("SUMMARY:{}", escape(&summary)),
    ];
    if let Some(location) = &appointment.location {
        lines.push(format!("LOCATION:{}", escape(location)));
    }
    if !description.is_empty() {
        lines.push(format!("DESCRIPTION:{}", escape(&description.join(" "))));
    }
    let status = if appointment.status.is_live() {
        "CONFIRMED"
    } else {
        "CANCELLED"
    };
    lines.push(format!("STATUS:{status}"));
    lines.push("END:VEVENT".to_owned());
    lines.push("END:VCALENDAR".to_owned());
    lines.iter().map(|l| fold(l)).collect()
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// Escapes a TEXT value: backslash, semicolon, comma and newlines.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded into lines of at most 75 octets, each ending in CRLF; continuation
/// lines start with a space.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 70 * 3 + 2);
    let mut width = 0;
    for c in line.chars() {
        let len = c.len_utf8();
        // The first line holds 75 octets; continuations 74 after their leading space.
        if width + len > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += len;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{AppointmentStatus, BookingReference};
    use chrono::TimeZone;

    fn appointment() -> Appointment {
        let start = Utc.with_ymd_and_hms(2026, 3, 29, 8, 30, 0).unwrap();
        Appointment {
            id: "ap-1".into(),
            reference: Some(BookingReference::from_entropy(42)),
            status: AppointmentStatus::Booked,
            start,
            end: start + chrono::Duration::minutes(20),
            service: "Cardiology".into(),
            clinician: Some("Dr Priya Shah".into()),
            location: Some("Outpatients B, level 2; east wing".into()),
            form: None,
        }
    }

    fn stamp() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
    }

    #[test]
    fn an_event_has_every_required_property_in_utc() {
        let ics = calendar_event(&appointment(), "Hale General", stamp());
        let lines: Vec<&str> = ics.split("\r\n").collect();
        for expected in [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "BEGIN:VEVENT",
            "UID:ap-1@hale.appointment",
            "DTSTAMP:20260301T120000Z",
            // 29 March 2026 is the day London's clocks go forward: UTC keeps it unambiguous.
            "DTSTART:20260329T083000Z",
            "DTEND:20260329T085000Z",
            "SUMMARY:Cardiology appointment (Hale General)",
            "STATUS:CONFIRMED",
            "END:VEVENT",
            "END:VCALENDAR",
        ] {
            assert!(lines.contains(&expected), "missing {expected} in\n{ics}");
        }
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(!ics.replace("\r\n", "").contains('\n'), "bare LF");
    }

    #[test]
    fn text_is_escaped() {
        let ics = calendar_event(&appointment(), "", stamp());
        assert!(
            ics.contains("LOCATION:Outpatients B\\, level 2\\; east wing\r\n"),
            "{ics}"
        );
        assert!(ics.contains("SUMMARY:Cardiology appointment\r\n"));
        assert_eq!(escape("a\\b\nc"), "a\\\\b\\nc");
    }

    #[test]
    fn long_lines_fold_at_75_octets_without_splitting_characters() {
        let long = format!("DESCRIPTION:{}", "é".repeat(100));
        let folded = fold(&long);
        for line in folded.trim_end_matches("\r\n").split("\r\n") {
            assert!(line.len() <= 75, "{} octets: {line}", line.len());
        }
        let unfolded = folded.trim_end_matches("\r\n").replace("\r\n ", "");
        assert_eq!(unfolded, long);
        assert_eq!(fold("SHORT"), "SHORT\r\n");
    }

    #[test]
    fn a_cancelled_appointment_exports_as_cancelled() {
        let mut a = appointment();
        a.status = AppointmentStatus::Cancelled;
        assert!(calendar_event(&a, "", stamp()).contains("STATUS:CANCELLED\r\n"));
    }
}
