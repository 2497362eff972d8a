//! Medicines in words, and the adherence chart's geometry.

use chrono::NaiveTime;
use hale_api::{
    DayView, DoseStateView, ScheduleArgs, ScheduleView, SkipReasonView, SupplyView, TallyView,
    WeekdayView,
};

/// Whether the hospital has every dose record yet.
pub fn sync_words(unsynced: u32) -> String {
    match unsynced {
        0 => "Your care team can see every dose you have logged.".to_owned(),
        1 => "1 dose is waiting to be sent to your care team; it goes as soon as the hospital can be reached.".to_owned(),
        n => format!("{n} doses are waiting to be sent to your care team; they go as soon as the hospital can be reached."),
    }
}

/// A class for styling each state.
pub fn dose_state_class(state: &DoseStateView) -> &'static str {
    match state {
        DoseStateView::Upcoming => "upcoming",
        DoseStateView::Due | DoseStateView::Snoozed { .. } => "due",
        DoseStateView::Late => "late",
        DoseStateView::Missed => "missed",
        DoseStateView::Taken { .. } => "taken",
        DoseStateView::Skipped => "skipped",
    }
}

pub fn dose_state_words(state: &DoseStateView) -> String {
    match state {
        DoseStateView::Upcoming => "Coming up".to_owned(),
        DoseStateView::Due => "Due now".to_owned(),
        DoseStateView::Late => "Overdue — take it now, or skip it".to_owned(),
        DoseStateView::Snoozed { until } => {
            format!("Reminding you again at {}", until.format("%H:%M"))
        }
        DoseStateView::Missed => "Missed — you can still log it if you took it".to_owned(),
        DoseStateView::Taken { at, late: false } => format!("Taken at {}", at.format("%H:%M")),
        DoseStateView::Taken { at, late: true } => format!("Taken late, at {}", at.format("%H:%M")),
        DoseStateView::Skipped => "Skipped".to_owned(),
    }
}

/// "In the last 7 days: 86% of doses taken (12 of 14)."
pub fn adherence_words(t: &TallyView, period: &str) -> String {
    let settled = t.taken + t.skipped + t.missed;
    match t.percent {
        None => format!("{period}: no doses yet."),
        Some(p) => {
            let mut text = format!("{period}: {p}% of doses taken ({} of {settled})", t.taken);
            if t.late > 0 {
                text.push_str(&format!(", {} late", t.late));
            }
            text.push('.');
            text
        }
    }
}

/// One bar of the chart, in the SVG's user units. Whole numbers only: floating-point
/// formatting would bring its machinery into the wasm for a chart that needs none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub percent: Option<u8>,
    /// Under the bar: the date with its month ("30 Nov"), every day of a week and every
    /// seventh of a month; "Today" under the last.
    pub label: String,
}

/// The chart's height for a full bar; the labels sit below it.
pub const CHART_HEIGHT: u32 = 100;

/// Bars for `days`, each `slot` units wide with a gap, as tall as the share taken.
pub fn chart_bars(days: &[DayView], slot: u32) -> Vec<Bar> {
    let gap = (slot / 5).clamp(1, 6);
    days.iter()
        .enumerate()
        .map(|(i, d)| {
            let h = u32::from(d.tally.percent.unwrap_or(0)) * CHART_HEIGHT / 100;
            // The last day is today; dates carry their month. A month's bars are labelled a
            // week apart, counted back from today.
            let last = i + 1 == days.len();
            let label = if last {
                "Today".to_owned()
            } else if days.len() <= 7 || (days.len() - 1 - i).is_multiple_of(7) {
                d.date.format("%-d %b").to_string()
            } else {
                String::new()
            };
            Bar {
                x: i as u32 * slot + gap / 2,
                y: CHART_HEIGHT - h,
                width: slot - gap,
                height: h,
                percent: d.tally.percent,
                label,
            }
        })
        .collect()
}

/// The chart as SVG markup: one string instead of typed SVG elements keeps the wasm small (each
/// element and attribute type would be compiled in). Only numbers and day labels made here go
/// into it, and the label with markup characters removed.
pub fn chart_svg(days: &[DayView], label: &str) -> String {
    let slot = if days.len() <= 7 { 44 } else { 11 };
    let width = slot * days.len().max(1) as u32;
    // A margin on the left for the percentage axis; the bars are drawn from `AXIS` on.
    const AXIS: u32 = 30;
    let mut svg = format!(
        r#"<svg viewBox="0 0 {} 128" role="img" aria-label="{}" data-testid="adherence-chart"><g transform="translate({AXIS} 8)">"#,
        width + AXIS + 14,
        label.replace(['"', '<', '>', '&'], "")
    );
    for (percent, y) in [(100, 0), (50, CHART_HEIGHT / 2), (0, CHART_HEIGHT)] {
        svg.push_str(&format!(
            r#"<line class="grid" x1="0" x2="{width}" y1="{y}" y2="{y}"/><text class="tick" x="-4" y="{}" text-anchor="end">{percent} %</text>"#,
            y + 3
        ));
    }
    svg.push_str(&format!(
        r#"<line class="axis" x1="0" x2="0" y1="0" y2="{CHART_HEIGHT}"/>"#
    ));
    for (b, d) in chart_bars(days, slot).into_iter().zip(days) {
        let percent = b.percent.map(|p| p.to_string()).unwrap_or_default();
        let says = match b.percent {
            Some(p) => format!("{}: {p} % of doses taken", d.date.format("%a %-d %b")),
            None => format!("{}: no doses", d.date.format("%a %-d %b")),
        };
        svg.push_str(&format!(
            r#"<rect class="track" x="{x}" y="0" width="{w}" height="{CHART_HEIGHT}"><title>{says}</title></rect><rect class="bar" x="{x}" y="{y}" width="{w}" height="{h}" data-percent="{percent}"><title>{says}</title></rect><text class="tick" x="{cx}" y="{ly}" text-anchor="middle">{label}</text>"#,
            x = b.x,
            w = b.width,
            y = b.y,
            h = b.height,
            cx = b.x + b.width / 2,
            ly = CHART_HEIGHT + 12,
            label = b.label,
        ));
    }
    svg.push_str("</g></svg>");
    svg
}

/// A decimal amount typed by the patient ("12", "2.5", "0,5"), read without floating-point
/// parsing (which would add its tables to the wasm). `None` if it is not one.
pub fn decimal(text: &str) -> Option<f64> {
    let text = text.trim();
    let (whole, fraction) = match text.split_once(['.', ',']) {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    if (whole.is_empty() && fraction.is_empty()) || fraction.len() > 3 {
        return None;
    }
    let digits = |s: &str| s.chars().all(|c| c.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || whole.len() > 6 {
        return None;
    }
    let whole: u32 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let scale = 10u32.pow(fraction.len() as u32);
    let fraction: u32 = if fraction.is_empty() {
        0
    } else {
        fraction.parse().ok()?
    };
    Some(f64::from(whole) + f64::from(fraction) / f64::from(scale))
}

/// An amount to one decimal place ("12", "2.5"), formatted with whole numbers only.
pub fn tenths(value: f64) -> String {
    let tenths = (value * 10.0).round() as i64;
    match tenths % 10 {
        0 => (tenths / 10).to_string(),
        t => format!("{}.{}", tenths / 10, t.abs()),
    }
}

/// What the chart shows, for screen readers and as its caption.
pub fn chart_summary(days: &[DayView]) -> String {
    let counted: Vec<u8> = days.iter().filter_map(|d| d.tally.percent).collect();
    let perfect = counted.iter().filter(|p| **p == 100).count();
    match counted.len() {
        0 => format!("No doses in the last {} days yet.", days.len()),
        n => format!(
            "Doses taken each day over the last {} days: all of them on {perfect} of {n} days with doses.",
            days.len()
        ),
    }
}

pub fn as_needed_words(taken: u32, max: Option<u32>) -> String {
    let times = match taken {
        0 => "Not taken".to_owned(),
        1 => "Taken once".to_owned(),
        n => format!("Taken {n} times"),
    };
    match max {
        Some(m) => format!("{times} in the last 24 hours (at most {m} times a day)."),
        None => format!("{times} in the last 24 hours."),
    }
}

pub fn supply_words(supply: Option<&SupplyView>, unit: &str) -> String {
    let Some(s) = supply else {
        return "Tell Hale how many you have, and it will remind you before they run out."
            .to_owned();
    };
    let left = tenths(s.remaining);
    let plural = if left == "1" { "" } else { "s" };
    match (s.refill, s.days_left) {
        (true, Some(0)) => format!(
            "{left} {unit}{plural} left: you have run out. Ask your GP or pharmacy for more."
        ),
        (true, Some(d)) => format!(
            "{left} {unit}{plural} left: about {d} days. Time to ask your GP or pharmacy for more."
        ),
        (_, Some(d)) if d >= 14 => {
            format!("{left} {unit}{plural} left: enough for two weeks or more.")
        }
        (_, Some(d)) => format!("{left} {unit}{plural} left: about {d} days."),
        (_, None) => format!("{left} {unit}{plural} left."),
    }
}

pub fn skip_reason_code(r: SkipReasonView) -> &'static str {
    match r {
        SkipReasonView::FeltUnwell => "felt-unwell",
        SkipReasonView::SideEffects => "side-effects",
        SkipReasonView::RanOut => "ran-out",
        SkipReasonView::ClinicianAdvice => "clinician-advice",
        SkipReasonView::Other => "other",
    }
}

pub fn skip_reason(code: &str) -> SkipReasonView {
    [
        SkipReasonView::FeltUnwell,
        SkipReasonView::SideEffects,
        SkipReasonView::RanOut,
        SkipReasonView::ClinicianAdvice,
    ]
    .into_iter()
    .find(|r| skip_reason_code(*r) == code)
    .unwrap_or(SkipReasonView::Other)
}

/// A wall-clock time typed as "8:05", "08:05" or "8.05"; the app's one reader of typed times.
pub fn clock_time(text: &str) -> Option<NaiveTime> {
    let (h, m) = text.trim().split_once([':', '.'])?;
    if h.is_empty() || h.len() > 2 || m.is_empty() || m.len() > 2 {
        return None;
    }
    NaiveTime::from_hms_opt(h.parse().ok()?, m.parse().ok()?, 0)
}

/// The moment `time` on the day of `due`, in `due`'s offset: when a missed dose was taken.
pub fn taken_at(
    due: chrono::DateTime<chrono::FixedOffset>,
    time: &str,
) -> Option<chrono::DateTime<chrono::FixedOffset>> {
    let local = due.date_naive().and_time(clock_time(time)?);
    local.and_local_timezone(*due.offset()).single()
}

/// The schedule the add form describes: `kind` is daily, hours or as-needed; `times` a list
/// like "8:00, 20:00"; `hours` the interval.
pub fn schedule(kind: &str, times: &str, hours: &str) -> Result<ScheduleArgs, &'static str> {
    let parsed: Vec<NaiveTime> = times
        .split([',', ' ', ';'])
        .filter(|t| !t.is_empty())
        .map(|t| clock_time(t).ok_or("Write times as HH:MM, e.g. 08:00."))
        .collect::<Result<_, _>>()?;
    match kind {
        "as-needed" => Ok(ScheduleArgs::AsNeeded),
        "hours" => {
            let hours = hours
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|h| (1..=72).contains(h))
                .ok_or("Choose every 1 to 72 hours.")?;
            let first = parsed
                .into_iter()
                .next()
                .ok_or("Give the time of the first dose.")?;
            Ok(ScheduleArgs::EveryHours { hours, first })
        }
        _ if parsed.is_empty() => Err("Give at least one time, e.g. 08:00."),
        _ => Ok(ScheduleArgs::Daily { times: parsed }),
    }
}

/// "2 tablets", "1 capsule", "0.5 tablets": a dose as people write it.
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

/// A schedule in a sentence ("Every day at 08:00 and 20:00").
pub fn schedule_words(schedule: &ScheduleView) -> String {
    let times = |times: &[NaiveTime]| {
        let times: Vec<String> = times
            .iter()
            .map(|t| t.format("%H:%M").to_string())
            .collect();
        match times.as_slice() {
            [] => String::new(),
            [one] => one.clone(),
            [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
        }
    };
    match schedule {
        ScheduleView::AsNeeded => "When needed".to_owned(),
        ScheduleView::EveryHours { hours, from } => {
            format!("Every {hours} hours from {}", times(from))
        }
        ScheduleView::Weekly { days, times: at } => {
            let days: Vec<&str> = days.iter().map(weekday_name).collect();
            format!("Every {} at {}", days.join(", "), times(at))
        }
        ScheduleView::Daily { times: at } => format!("Every day at {}", times(at)),
    }
}

fn weekday_name(d: &WeekdayView) -> &'static str {
    match d {
        WeekdayView::Mon => "Monday",
        WeekdayView::Tue => "Tuesday",
        WeekdayView::Wed => "Wednesday",
        WeekdayView::Thu => "Thursday",
        WeekdayView::Fri => "Friday",
        WeekdayView::Sat => "Saturday",
        WeekdayView::Sun => "Sunday",
    }
}

/// What the patient reads for a reason to skip a dose.
pub fn skip_reason_words(reason: SkipReasonView) -> &'static str {
    match reason {
        SkipReasonView::FeltUnwell => "I felt unwell",
        SkipReasonView::SideEffects => "Side effects",
        SkipReasonView::RanOut => "I ran out",
        SkipReasonView::ClinicianAdvice => "My doctor or nurse said to",
        SkipReasonView::Other => "Another reason",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn tally(taken: u32, missed: u32) -> TallyView {
        let settled = taken + missed;
        TallyView {
            taken,
            late: 0,
            skipped: 0,
            missed,
            percent: (settled > 0).then(|| (taken * 100 / settled) as u8),
        }
    }

    #[test]
    fn adherence_reads_as_a_share_of_doses() {
        assert_eq!(
            adherence_words(&tally(12, 2), "In the last 7 days"),
            "In the last 7 days: 85% of doses taken (12 of 14)."
        );
        assert_eq!(
            adherence_words(&tally(0, 0), "Last 7 days"),
            "Last 7 days: no doses yet."
        );
        let late = TallyView {
            late: 1,
            ..tally(3, 1)
        };
        assert_eq!(
            adherence_words(&late, "Week"),
            "Week: 75% of doses taken (3 of 4), 1 late."
        );
    }

    #[test]
    fn the_chart_has_a_bar_per_day_as_tall_as_the_share_taken() {
        let day = |d: u32, t: TallyView| DayView {
            date: NaiveDate::from_ymd_opt(2026, 12, d).unwrap(),
            tally: t,
        };
        let days = [
            day(1, tally(2, 0)),
            day(2, tally(1, 1)),
            day(3, tally(0, 0)),
        ];
        let bars = chart_bars(&days, 40);
        assert_eq!(bars.len(), 3);
        assert_eq!(
            bars.iter().map(|b| b.height).collect::<Vec<_>>(),
            [100, 50, 0]
        );
        assert_eq!(bars[1].y, 50);
        assert_eq!(bars[0].label, "1 Dec", "dates carry their month");
        assert_eq!(bars[2].label, "Today");
        assert!(bars[2].x + bars[2].width <= 120);
        let svg = chart_svg(&days, "a \"quoted\" <label>");
        assert_eq!(svg.matches(r#"class="bar""#).count(), 3);
        assert!(svg.contains(r#"viewBox="0 0 176 128""#), "{svg}");
        assert!(svg.contains(">100 %<") && svg.contains(">50 %<") && svg.contains(">0 %<"));
        assert!(
            svg.contains("<title>Wed 2 Dec: 50 % of doses taken</title>"),
            "{svg}"
        );
        assert!(svg.contains("<title>Thu 3 Dec: no doses</title>"), "{svg}");
        assert!(svg.contains(r#"aria-label="a quoted label""#));
        assert!(svg.contains(r#"height="50" data-percent="50""#));
        assert_eq!(
            chart_summary(&days),
            "Doses taken each day over the last 3 days: all of them on 1 of 2 days with doses."
        );
    }

    #[test]
    fn typed_amounts_are_read_and_written_without_floating_point_formatting() {
        assert_eq!(decimal("12"), Some(12.0));
        assert_eq!(decimal(" 2.5 "), Some(2.5));
        assert_eq!(decimal("0,25"), Some(0.25));
        assert_eq!(decimal(".5"), Some(0.5));
        for bad in ["", ".", "1.2.3", "-1", "1e3", "abc", "1.2345"] {
            assert_eq!(decimal(bad), None, "{bad}");
        }
        assert_eq!(tenths(12.0), "12");
        assert_eq!(tenths(2.54), "2.5");
        assert_eq!(tenths(0.06), "0.1");
    }

    #[test]
    fn a_missed_dose_can_be_logged_at_the_time_it_was_taken() {
        let due: chrono::DateTime<chrono::FixedOffset> =
            "2026-12-02T08:00:00+01:00".parse().unwrap();
        assert_eq!(
            taken_at(due, "9:15").unwrap().to_rfc3339(),
            "2026-12-02T09:15:00+01:00"
        );
        assert_eq!(clock_time("08.30"), Some(hm(8, 30)));
        for bad in ["", "24:00", "8", "8:7:0", "8:075", "x:10"] {
            assert_eq!(clock_time(bad), None, "{bad}");
        }
    }

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

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
    fn schedules_read_as_a_sentence() {
        assert_eq!(
            schedule_words(&ScheduleView::Daily {
                times: vec![hm(8, 0), hm(13, 0), hm(20, 0)]
            }),
            "Every day at 08:00, 13:00 and 20:00"
        );
        assert_eq!(
            schedule_words(&ScheduleView::EveryHours {
                hours: 8,
                from: vec![hm(6, 0)]
            }),
            "Every 8 hours from 06:00"
        );
        assert_eq!(
            schedule_words(&ScheduleView::Weekly {
                days: vec![WeekdayView::Mon, WeekdayView::Thu],
                times: vec![hm(9, 0)]
            }),
            "Every Monday, Thursday at 09:00"
        );
        assert_eq!(schedule_words(&ScheduleView::AsNeeded), "When needed");
    }

    #[test]
    fn the_add_form_reads_times_and_intervals() {
        assert_eq!(
            schedule("daily", "8:00, 20:30", ""),
            Ok(ScheduleArgs::Daily {
                times: vec![hm(8, 0), hm(20, 30)]
            })
        );
        assert_eq!(
            schedule("hours", "06:00", "8"),
            Ok(ScheduleArgs::EveryHours {
                hours: 8,
                first: hm(6, 0)
            })
        );
        assert_eq!(schedule("as-needed", "", ""), Ok(ScheduleArgs::AsNeeded));
        assert!(schedule("daily", "", "").is_err());
        assert!(schedule("daily", "25:00", "").is_err());
        assert!(schedule("hours", "06:00", "0").is_err());
    }

    #[test]
    fn supply_and_as_needed_counts_read_plainly() {
        let s = SupplyView {
            remaining: 5.0,
            days_left: Some(2),
            refill: true,
        };
        assert_eq!(
            supply_words(Some(&s), "tablet"),
            "5 tablets left: about 2 days. Time to ask your GP or pharmacy for more."
        );
        let plenty = SupplyView {
            remaining: 56.0,
            days_left: Some(14),
            refill: false,
        };
        assert_eq!(
            supply_words(Some(&plenty), "tablet"),
            "56 tablets left: enough for two weeks or more."
        );
        assert_eq!(
            as_needed_words(2, Some(4)),
            "Taken 2 times in the last 24 hours (at most 4 times a day)."
        );
        assert_eq!(
            skip_reason(skip_reason_code(SkipReasonView::RanOut)),
            SkipReasonView::RanOut
        );
    }
}
