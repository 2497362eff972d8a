//! A chart of one kind of reading over the report's period: the values against time, the
//! limits they are judged by as dashed lines, clinic readings as squares and home readings as
//! dots, then the figures in words (count, lowest, highest, average, time in range).

use chrono::{DateTime, TimeZone, Utc};
use hale_domain::report::{Period, Series};

use crate::page::{Document, BODY, MARGIN};
use crate::words;

const HEIGHT: f32 = 130.0;
/// Room at the left for the value scale.
const SCALE: f32 = 36.0;
/// The colours of a series' values (blood pressure has two), dark enough to print.
const COLOURS: [(f32, f32, f32); 2] = [(0.05, 0.35, 0.6), (0.75, 0.35, 0.05)];

pub fn series<Tz: TimeZone>(doc: &mut Document, s: &Series, period: Period, zone: &Tz) {
    doc.room(HEIGHT + 110.0);
    let title = format!("{} ({})", words::kind(s.kind), s.unit);
    doc.subheading(&title);
    let (start, end) = period.bounds(zone);
    let top = doc.take(HEIGHT + 16.0) - 4.0;
    let bottom = top - HEIGHT;
    let left = MARGIN + SCALE;
    let right = MARGIN + BODY;

    // The scale covers every value and every limit, with a little room.
    let values = s.points.iter().flat_map(|p| p.values.iter().copied());
    let limits = s.limits.iter().map(|l| l.value);
    let (mut low, mut high) = values
        .chain(limits)
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), v| {
            (lo.min(v), hi.max(v))
        });
    if !(low.is_finite() && high.is_finite()) {
        return;
    }
    let pad = ((high - low) * 0.1).max(1.0);
    low -= pad;
    high += pad;
    let y_of = |v: f64| bottom + ((v - low) / (high - low)) as f32 * HEIGHT;
    let span = (end - start).num_seconds().max(1) as f32;
    let x_of = |t: DateTime<Utc>| left + (t - start).num_seconds() as f32 / span * (right - left);

    let c = doc.content();
    c.save_state();
    c.set_line_width(0.6).set_stroke_rgb(0.3, 0.3, 0.3);
    c.rect(left, bottom, right - left, HEIGHT).stroke();
    c.set_line_width(0.6).set_stroke_rgb(0.45, 0.45, 0.45);
    c.set_dash_pattern([3.0, 2.0], 0.0);
    for limit in &s.limits {
        let y = y_of(limit.value);
        c.move_to(left, y).line_to(right, y).stroke();
    }
    c.set_dash_pattern([], 0.0);
    for (i, colour) in COLOURS.iter().enumerate().take(s.vitals.len()) {
        c.set_stroke_rgb(colour.0, colour.1, colour.2)
            .set_fill_rgb(colour.0, colour.1, colour.2)
            .set_line_width(1.0);
        for (n, p) in s.points.iter().enumerate() {
            let (x, y) = (x_of(p.at), y_of(p.values[i]));
            if n == 0 {
                c.move_to(x, y);
            } else {
                c.line_to(x, y);
            }
        }
        if s.points.len() > 1 {
            c.stroke();
        }
        for p in &s.points {
            let (x, y) = (x_of(p.at), y_of(p.values[i]));
            let r = if p.clinic { 2.6 } else { 1.8 };
            c.rect(x - r, y - r, 2.0 * r, 2.0 * r).fill_nonzero();
        }
    }
    c.restore_state();

    // The scale and the limits' labels.
    for v in [low + pad, high - pad] {
        doc.text_at(MARGIN, y_of(v) - 3.0, 7.5, false, &number(v));
    }
    // Labels sit above their line; one that would overprint the last moves below its line.
    let mut last_label: Option<f32> = None;
    for limit in &s.limits {
        let label = format!("{} {}", words::limit(limit.kind), number(limit.value));
        let mut y = y_of(limit.value) + 2.0;
        if last_label.is_some_and(|l| (l - y).abs() < 8.0) {
            y -= 10.0;
        }
        last_label = Some(y);
        doc.text_at(
            right - crate::text::width(&label, 7.0) - 2.0,
            y,
            7.0,
            false,
            &label,
        );
    }
    let day = |t: DateTime<Utc>| {
        t.with_timezone(zone)
            .naive_local()
            .format("%-d %b")
            .to_string()
    };
    doc.text_at(left, bottom - 10.0, 7.5, false, &day(start));
    let last = end - chrono::Duration::seconds(1);
    let last_label = day(last);
    let w = crate::text::width(&last_label, 7.5);
    doc.text_at(right - w, bottom - 10.0, 7.5, false, &last_label);

    // The figures in words.
    for (i, vital) in s.vitals.iter().enumerate() {
        let st = s.stats[i];
        let name = if s.vitals.len() > 1 {
            format!("{}: ", capitalised(words::vital(*vital)))
        } else {
            String::new()
        };
        doc.line(
            &format!(
                "{name}{} {}, lowest {}, highest {}, average {} {}",
                st.count,
                if st.count == 1 { "reading" } else { "readings" },
                number(st.min),
                number(st.max),
                number(st.mean),
                s.unit
            ),
            9.5,
        );
    }
    if let Some(t) = s.time_in_range {
        doc.line(
            &format!(
                "Time in the target range: {}% below, {}% in range, {}% above",
                t.below, t.in_range, t.above
            ),
            9.5,
        );
    }
    let clinic = s.points.iter().filter(|p| p.clinic).count();
    let mut key = "Dots are home readings".to_owned();
    if clinic > 0 {
        key.push_str(&format!(", squares the {clinic} taken at the clinic"));
    }
    if !s.limits.is_empty() {
        key.push_str("; dashed lines are the limits named on them");
    }
    key.push('.');
    doc.paragraph(&key, 8.0);
}

/// A value as people write it: one decimal, none when whole.
fn number(v: f64) -> String {
    let text = format!("{v:.1}");
    text.strip_suffix(".0").unwrap_or(&text).to_owned()
}

fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
