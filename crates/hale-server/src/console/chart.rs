//! A vital over time as an accessible inline SVG: the values, the plan's amber and red limits
//! as lines, values beyond them marked, and axes with the range and the times. Pure.

use std::fmt::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use hale_domain::monitoring::{Tier, VitalLimits};

use crate::html::{decimal as number, escape};

const W: f64 = 640.0;
const H: f64 = 200.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// One chart's content.
pub(crate) struct Series<'a> {
    pub id: &'a str,
    pub label: &'a str,
    pub unit: &'a str,
    pub points: &'a [(DateTime<Utc>, f64)],
    pub limits: Option<&'a VitalLimits>,
}

/// The chart from `from` to `to`, times on its axis in `zone`.
pub(crate) fn svg(s: &Series<'_>, from: DateTime<Utc>, to: DateTime<Utc>, zone: &Tz) -> String {
    let mut values: Vec<f64> = s.points.iter().map(|p| p.1).collect();
    if let Some(l) = s.limits {
        values.extend(
            [l.amber.high, l.amber.low, l.red.high, l.red.low]
                .into_iter()
                .flatten(),
        );
    }
    let (mut lo, mut hi) = values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(*v), b.max(*v))
        });
    if !lo.is_finite() {
        (lo, hi) = (0.0, 1.0);
    }
    let pad = ((hi - lo) * 0.1).max(1.0);
    (lo, hi) = (lo - pad, hi + pad);
    let span = (to - from).num_seconds().max(1) as f64;
    let x = |t: DateTime<Utc>| LEFT + (t - from).num_seconds() as f64 / span * (W - LEFT - RIGHT);
    let y = |v: f64| TOP + (hi - v) / (hi - lo) * (H - TOP - BOTTOM);
    let mut out = String::new();
    let latest = s.points.last().map_or("no readings".to_owned(), |(t, v)| {
        format!(
            "latest {} {} at {}",
            number(*v),
            s.unit,
            t.with_timezone(zone).format("%d/%m %H:%M")
        )
    });
    let _ = write!(
        out,
        r#"<svg class="chart" viewBox="0 0 {W} {H}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{label}</title><desc id="{id}-d">{n} readings, {latest}</desc>"#,
        id = escape(s.id),
        label = escape(s.label),
        n = s.points.len(),
    );
    // Axes: the value range on the left, the time range below.
    let _ = write!(
        out,
        r#"<line class="axis" x1="{LEFT}" y1="{TOP}" x2="{LEFT}" y2="{b}"/><line class="axis" x1="{LEFT}" y1="{b}" x2="{r}" y2="{b}"/>"#,
        b = H - BOTTOM,
        r = W - RIGHT
    );
    for v in [lo + pad, (lo + hi) / 2.0, hi - pad] {
        let _ = write!(
            out,
            r#"<text class="tick" x="{}" y="{}" text-anchor="end">{}</text>"#,
            LEFT - 6.0,
            y(v) + 4.0,
            number(v.round())
        );
    }
    for (t, anchor) in [
        (from, "start"),
        (from + (to - from) / 2, "middle"),
        (to, "end"),
    ] {
        let _ = write!(
            out,
            r#"<text class="tick" x="{:.1}" y="{}" text-anchor="{anchor}">{}</text>"#,
            x(t),
            H - 8.0,
            t.with_timezone(zone).format("%d/%m %H:%M")
        );
    }
    if let Some(l) = s.limits {
        for (tier, band) in [("amber", l.amber), ("red", l.red)] {
            for v in [band.high, band.low].into_iter().flatten() {
                let _ = write!(
                    out,
                    r#"<line class="limit {tier}" x1="{LEFT}" y1="{yv:.1}" x2="{r}" y2="{yv:.1}"/>"#,
                    yv = y(v),
                    r = W - RIGHT
                );
            }
        }
    }
    let path: Vec<String> = s
        .points
        .iter()
        .map(|(t, v)| format!("{:.1},{:.1}", x(*t), y(*v)))
        .collect();
    if path.len() > 1 {
        let _ = write!(
            out,
            r#"<polyline class="line" points="{}"/>"#,
            path.join(" ")
        );
    }
    for (t, v) in s.points {
        let tier = s.limits.and_then(|l| l.tier(*v)).map(|(tier, _)| tier);
        let (class, r) = match tier {
            Some(Tier::Red) => ("point red", 5.0),
            Some(Tier::Amber) => ("point amber", 4.5),
            None => ("point", 2.5),
        };
        let _ = write!(
            out,
            r#"<circle class="{class}" cx="{:.1}" cy="{:.1}" r="{r}"/>"#,
            x(*t),
            y(*v)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use hale_domain::device::Vital;
    use hale_domain::monitoring::Band;

    #[test]
    fn a_chart_marks_values_beyond_the_limits_and_describes_itself() {
        let from: DateTime<Utc> = "2026-12-04T00:00:00Z".parse().unwrap();
        let to: DateTime<Utc> = "2026-12-05T00:00:00Z".parse().unwrap();
        let points = [
            ("2026-12-04T08:00:00Z".parse().unwrap(), 130.0),
            ("2026-12-04T20:00:00Z".parse().unwrap(), 185.0),
        ];
        let limits = VitalLimits {
            vital: Vital::Systolic,
            amber: Band {
                high: Some(160.0),
                low: None,
            },
            red: Band {
                high: Some(180.0),
                low: None,
            },
        };
        let svg = svg(
            &Series {
                id: "sys",
                label: "Systolic <mmHg>",
                unit: "mmHg",
                points: &points,
                limits: Some(&limits),
            },
            from,
            to,
            &chrono_tz::Europe::London,
        );
        assert!(svg.contains(r#"<title id="sys-t">Systolic &lt;mmHg&gt;</title>"#));
        assert!(svg.contains("2 readings, latest 185 mmHg at 04/12 20:00"));
        assert_eq!(svg.matches(r#"class="point red""#).count(), 1);
        assert_eq!(svg.matches(r#"class="limit amber""#).count(), 1);
        assert_eq!(svg.matches(r#"class="limit red""#).count(), 1);
    }
}
