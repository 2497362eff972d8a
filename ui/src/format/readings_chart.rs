//! The readings chart, drawn as SVG markup: axes with the unit, dates with the month, a marker
//! at the present moment, the target band, and each reading a point that says its value (on
//! hover as a tooltip, on a tap through the screen). A reading the clinic took at a visit is a
//! square, not a dot, with a key saying so. Positions are whole pixels, so no float
//! formatting is compiled in for them (it would add its tables to the wasm).

use chrono::{DateTime, Duration, FixedOffset, TimeZone};
use hale_api::{ChartPoint, ReadingKindView};

use super::{reading_label, tenths};

/// The chart's box and margins, in SVG user units.
const W: i64 = 360;
const H: i64 = 160;
const LEFT: i64 = 48;
const RIGHT: i64 = 10;
const TOP: i64 = 18;
const BOTTOM: i64 = 22;
const PLOT_W: i64 = W - LEFT - RIGHT;
const PLOT_H: i64 = H - TOP - BOTTOM;

/// What a chart spans and how its values are read.
#[derive(Debug, Clone, Copy)]
pub struct ChartFrame<'a> {
    pub from: DateTime<FixedOffset>,
    pub to: DateTime<FixedOffset>,
    /// Where the "Now" marker goes, when it falls inside.
    pub now: DateTime<FixedOffset>,
    pub unit: &'a str,
    /// A target range (low, high), drawn behind the lines; the scale stretches to show it.
    pub band: Option<(f64, f64)>,
}

/// Markup characters out of text that goes into the SVG.
fn plain(text: &str) -> String {
    text.replace(['"', '<', '>', '&'], "")
}

/// "3 Dec 14:05: 120/80 mmHg", a point's words.
pub fn point_words(p: &ChartPoint, unit: &str) -> String {
    let values: Vec<String> = p.values.iter().map(|v| tenths(*v)).collect();
    format!(
        "{}: {} {unit}{}{}",
        p.at.format("%-d %b %H:%M"),
        values.join("/"),
        if p.clinic { ", at the clinic" } else { "" },
        if p.flagged {
            " (crossed an alert threshold)"
        } else {
            ""
        }
    )
}

/// The times along the bottom: every 6 hours over a day, each day over a week, each week over
/// longer, at whole hours or midnights of the chart's own offset.
fn ticks(
    from: DateTime<FixedOffset>,
    to: DateTime<FixedOffset>,
) -> Vec<(DateTime<FixedOffset>, String)> {
    let span = to - from;
    let (step, format) = if span <= Duration::hours(36) {
        (Duration::hours(6), "%H:%M")
    } else if span <= Duration::days(9) {
        (Duration::days(1), "%-d %b")
    } else {
        (Duration::days(7), "%-d %b")
    };
    let midnight = from
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|m| from.offset().from_local_datetime(&m).single())
        .unwrap_or(from);
    let mut out = Vec::new();
    let mut t = midnight;
    while t <= to && out.len() < 40 {
        if t >= from {
            out.push((t, t.format(format).to_string()));
        }
        t += step;
    }
    out
}

/// The chart for `points`, one line per value (two for blood pressure), labelled `label`.
pub fn readings_svg(points: &[ChartPoint], frame: &ChartFrame<'_>, label: &str) -> String {
    let mut svg = format!(
        r#"<svg viewBox="0 0 {W} {H}" role="img" aria-label="{}" data-testid="readings-chart">"#,
        plain(label)
    );
    let (from, to) = (frame.from.timestamp(), frame.to.timestamp());
    let values: Vec<f64> = points
        .iter()
        .flat_map(|p| p.values.iter().copied())
        .filter(|v| v.is_finite())
        .collect();
    if values.is_empty() || to <= from {
        svg.push_str("</svg>");
        return svg;
    }
    let band = frame.band;
    let lo = values
        .iter()
        .copied()
        .chain(band.map(|b| b.0))
        .fold(f64::INFINITY, f64::min);
    let hi = values
        .iter()
        .copied()
        .chain(band.map(|b| b.1))
        .fold(f64::NEG_INFINITY, f64::max);
    let span = if hi - lo < 1e-9 { 1.0 } else { hi - lo };
    let x = |t: i64| {
        LEFT + ((t - from) as f64 / (to - from) as f64 * PLOT_W as f64).clamp(0.0, PLOT_W as f64)
            as i64
    };
    let y = |v: f64| TOP + PLOT_H - ((v - lo) / span * PLOT_H as f64) as i64;
    // The unit, above the value axis.
    svg.push_str(&format!(
        r#"<text class="unit" x="0" y="10">{}</text>"#,
        plain(frame.unit)
    ));
    if let Some((low, high)) = band {
        svg.push_str(&format!(
            r#"<rect class="target" data-testid="target-range" x="{LEFT}" y="{}" width="{PLOT_W}" height="{}"/>"#,
            y(high),
            (y(low) - y(high)).max(1)
        ));
    }
    // Values: the lowest, the middle and the highest, with faint lines across.
    for v in [lo, (lo + hi) / 2.0, hi] {
        svg.push_str(&format!(
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{yv}" y2="{yv}"/><text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            LEFT + PLOT_W,
            LEFT - 4,
            y(v) + 3,
            tenths(v),
            yv = y(v),
        ));
    }
    // Times, with the month.
    for (t, words) in ticks(frame.from, frame.to) {
        let tx = x(t.timestamp());
        svg.push_str(&format!(
            r#"<line class="grid" x1="{tx}" x2="{tx}" y1="{TOP}" y2="{}"/><text class="tick" x="{tx}" y="{}" text-anchor="middle">{words}</text>"#,
            TOP + PLOT_H,
            H - 6,
        ));
    }
    svg.push_str(&format!(
        r#"<line class="axis" x1="{LEFT}" x2="{LEFT}" y1="{TOP}" y2="{b}"/><line class="axis" x1="{LEFT}" x2="{}" y1="{b}" y2="{b}"/>"#,
        LEFT + PLOT_W,
        b = TOP + PLOT_H,
    ));
    let now = frame.now.timestamp();
    if now > from && now <= to {
        let nx = x(now);
        svg.push_str(&format!(
            r#"<line class="now" data-testid="now-marker" x1="{nx}" x2="{nx}" y1="{TOP}" y2="{}"/><text class="tick now-label" x="{nx}" y="{}" text-anchor="middle">Now</text>"#,
            TOP + PLOT_H,
            TOP - 5,
        ));
    }
    let lines = points.iter().map(|p| p.values.len()).max().unwrap_or(0);
    for line in 0..lines {
        let path: Vec<String> = points
            .iter()
            .filter_map(|p| {
                p.values
                    .get(line)
                    .map(|v| format!("{},{}", x(p.at.timestamp()), y(*v)))
            })
            .collect();
        svg.push_str(&format!(
            r#"<polyline class="line line-{line}" fill="none" points="{}"/>"#,
            path.join(" ")
        ));
    }
    // Each reading a point that names its value: a tooltip on hover, and `data-says` for a tap.
    for p in points {
        let words = plain(&point_words(p, frame.unit));
        if p.clinic {
            for v in &p.values {
                svg.push_str(&format!(
                    r#"<rect class="point clinic" data-testid="clinic-point" x="{}" y="{}" width="9" height="9" data-says="{words}"><title>{words}</title></rect>"#,
                    x(p.at.timestamp()) - 4,
                    y(*v) - 4,
                ));
            }
            continue;
        }
        for (i, v) in p.values.iter().enumerate() {
            let class = if p.flagged && i == 0 {
                "point flag"
            } else {
                "point"
            };
            svg.push_str(&format!(
                r#"<circle class="{class}" cx="{}" cy="{}" r="{}" data-says="{words}"><title>{words}</title></circle>"#,
                x(p.at.timestamp()),
                y(*v),
                if p.flagged && i == 0 { 5 } else { 3 },
            ));
        }
    }
    // The key sits left, beside the unit, clear of the "Now" label at the right.
    if points.iter().any(|p| p.clinic) {
        let kx = LEFT + 8;
        svg.push_str(&format!(
            r#"<rect class="clinic key" x="{kx}" y="2" width="8" height="8"/><text class="tick" x="{}" y="10">At the clinic</text>"#,
            kx + 12
        ));
    }
    svg.push_str("</svg>");
    svg
}

/// What the chart shows, in words: for screen readers, and as its caption.
pub fn readings_summary(kind: ReadingKindView, points: &[ChartPoint], unit: &str) -> String {
    let label = reading_label(kind);
    let Some(last) = points.last() else {
        return format!("No {} readings in this period.", label.to_lowercase());
    };
    let first_values: Vec<f64> = points
        .iter()
        .filter_map(|p| p.values.first().copied())
        .collect();
    let highest = first_values
        .iter()
        .copied()
        .fold(f64::NEG_INFINITY, f64::max);
    let lowest = first_values.iter().copied().fold(f64::INFINITY, f64::min);
    let latest: Vec<String> = last.values.iter().map(|v| tenths(*v)).collect();
    let mut text = format!(
        "{label}: {} {}, the latest {} {unit} on {}.",
        points.len(),
        if points.len() == 1 {
            "reading"
        } else {
            "readings"
        },
        latest.join("/"),
        last.at.format("%-d %b at %H:%M"),
    );
    if points.len() > 1 {
        text.push_str(&format!(
            " Highest {}, lowest {}.",
            tenths(highest),
            tenths(lowest)
        ));
    }
    let flagged = points.iter().filter(|p| p.flagged).count();
    if flagged > 0 {
        text.push_str(&format!(" {flagged} crossed an alert threshold."));
    }
    match points.iter().filter(|p| p.clinic).count() {
        0 => {}
        1 => text.push_str(" 1 was taken at the clinic."),
        n => text.push_str(&format!(" {n} were taken at the clinic.")),
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn point(when: &str, values: &[f64], flagged: bool) -> ChartPoint {
        ChartPoint {
            at: at(when),
            values: values.to_vec(),
            flagged,
            clinic: false,
        }
    }

    fn frame(band: Option<(f64, f64)>, days: i64) -> ChartFrame<'static> {
        let from = at("2026-12-01T00:00:00Z");
        ChartFrame {
            from,
            to: from + Duration::days(days),
            now: from + Duration::hours(18),
            unit: "mmHg",
            band,
        }
    }

    #[test]
    fn a_chart_has_axes_with_its_unit_times_a_now_marker_and_points_that_say_their_value() {
        let points = [
            point("2026-12-01T00:00:00Z", &[120.0, 80.0], false),
            point("2026-12-01T12:00:00Z", &[185.0, 95.0], true),
            point("2026-12-02T00:00:00Z", &[130.0, 85.0], false),
        ];
        let svg = readings_svg(&points, &frame(None, 1), "Blood pressure");
        assert_eq!(svg.matches("<polyline").count(), 2);
        // The highest value at the plot's top, the lowest at its bottom, noon in the middle.
        assert!(
            svg.contains(&format!("{},{}", LEFT + PLOT_W / 2, TOP)),
            "{svg}"
        );
        assert!(svg.contains(&format!("{LEFT},{}", TOP + PLOT_H)), "{svg}");
        assert!(svg.contains(r#"class="unit" x="0" y="10">mmHg<"#), "{svg}");
        for tick in [
            ">80<", ">132.5<", ">185<", ">00:00<", ">06:00<", ">12:00<", ">18:00<",
        ] {
            assert!(svg.contains(tick), "{tick} in {svg}");
        }
        assert!(svg.contains(r#"data-testid="now-marker""#));
        assert_eq!(svg.matches("class=\"point flag\"").count(), 1);
        assert!(
            svg.contains("<title>1 Dec 12:00: 185/95 mmHg (crossed an alert threshold)</title>")
        );
    }

    #[test]
    fn a_clinic_reading_is_a_square_with_a_key_and_its_words_say_where_it_was_taken() {
        let mut at_clinic = point("2026-12-01T12:00:00Z", &[142.0, 88.0], false);
        at_clinic.clinic = true;
        let points = [
            point("2026-12-01T00:00:00Z", &[120.0, 80.0], false),
            at_clinic,
        ];
        let svg = readings_svg(&points, &frame(None, 1), "Blood pressure");
        assert_eq!(svg.matches(r#"data-testid="clinic-point""#).count(), 2);
        assert_eq!(
            svg.matches("<circle").count(),
            2,
            "the home reading's two dots"
        );
        assert!(svg.contains(">At the clinic</text>"), "{svg}");
        assert!(svg.contains("<title>1 Dec 12:00: 142/88 mmHg, at the clinic</title>"));
        assert!(
            readings_summary(ReadingKindView::BloodPressure, &points, "mmHg")
                .ends_with(" 1 was taken at the clinic.")
        );
        let home = readings_svg(&points[..1], &frame(None, 1), "Blood pressure");
        assert!(!home.contains("At the clinic"));
    }

    #[test]
    fn a_week_is_marked_by_day_and_a_month_by_week_each_with_its_month() {
        let points = [point("2026-12-02T09:00:00Z", &[70.0], false)];
        let week = readings_svg(&points, &frame(None, 7), "Heart rate");
        for day in [">1 Dec<", ">4 Dec<", ">8 Dec<"] {
            assert!(week.contains(day), "{day} in {week}");
        }
        let month = readings_svg(&points, &frame(None, 30), "Heart rate");
        for day in [">1 Dec<", ">8 Dec<", ">29 Dec<"] {
            assert!(month.contains(day), "{day} in {month}");
        }
        assert!(!month.contains(">2 Dec<"));
    }

    #[test]
    fn a_glucose_chart_draws_its_target_range_behind_the_trace() {
        let points = [
            point("2026-12-01T00:00:00Z", &[5.0], false),
            point("2026-12-01T12:00:00Z", &[6.0], false),
        ];
        let svg = readings_svg(&points, &frame(Some((3.9, 10.0)), 1), "Sensor glucose");
        // The scale stretches to the band: 10.0 at the plot's top, 3.9 at its bottom.
        assert!(
            svg.contains(&format!(
                r#"data-testid="target-range" x="{LEFT}" y="{TOP}" width="{PLOT_W}" height="{PLOT_H}""#
            )),
            "{svg}"
        );
        assert!(svg.find("target-range") < svg.find("<polyline"));
    }

    #[test]
    fn an_empty_chart_draws_nothing_and_its_words_say_so() {
        assert!(readings_svg(&[], &frame(None, 1), "x").ends_with("></svg>"));
        assert_eq!(
            readings_summary(ReadingKindView::HeartRate, &[], "bpm"),
            "No heart rate readings in this period."
        );
        let points = [
            point("2026-12-01T00:00:00Z", &[72.0], false),
            point("2026-12-01T01:00:00Z", &[131.0], true),
        ];
        assert_eq!(
            readings_summary(ReadingKindView::HeartRate, &points, "bpm"),
            "Heart rate: 2 readings, the latest 131 bpm on 1 Dec at 01:00. Highest 131, lowest 72. 1 crossed an alert threshold."
        );
    }
}
