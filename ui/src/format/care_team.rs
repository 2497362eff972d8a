//! Words for the Care team screen.

use chrono::{DateTime, FixedOffset, NaiveTime};
use hale_api::{AlertAboutView, AlertTierView, HospitalAlertView, LimitView, LimitVitalView};

use super::{reading_label, tenths};

/// "Blood pressure at 08:00 and 20:00".
pub fn planned_words(kind: hale_api::ReadingKindView, times: &[NaiveTime]) -> String {
    let times: Vec<String> = times
        .iter()
        .map(|t| t.format("%H:%M").to_string())
        .collect();
    let joined = match times.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    };
    format!("{} at {joined}", reading_label(kind))
}

fn vital_words(v: LimitVitalView) -> &'static str {
    match v {
        LimitVitalView::Systolic => "Blood pressure (upper number)",
        LimitVitalView::Diastolic => "Blood pressure (lower number)",
        LimitVitalView::HeartRate => "Heart rate",
        LimitVitalView::OxygenSaturation => "Oxygen saturation",
        LimitVitalView::Temperature => "Temperature",
        LimitVitalView::Weight => "Weight",
        LimitVitalView::Glucose => "Glucose",
        LimitVitalView::Other => "Another reading",
    }
}

fn number(v: f64) -> String {
    tenths(v)
}

/// "Blood pressure (upper number): your care team is told at 180 mmHg or more, or below 80
/// mmHg; they review it at 160 mmHg or more, or below 90 mmHg."
pub fn limit_words(l: &LimitView) -> String {
    let band = |high: Option<f64>, low: Option<f64>| {
        let mut parts = Vec::new();
        if let Some(h) = high {
            parts.push(format!("{} {} or more", number(h), l.unit));
        }
        if let Some(lo) = low {
            parts.push(format!("below {} {}", number(lo), l.unit));
        }
        parts.join(", or ")
    };
    let red = band(l.red_high, l.red_low);
    let amber = band(l.amber_high, l.amber_low);
    match (red.is_empty(), amber.is_empty()) {
        (false, false) => format!(
            "{}: urgent at {red}; reviewed the same day at {amber}.",
            vital_words(l.vital)
        ),
        (false, true) => format!("{}: urgent at {red}.", vital_words(l.vital)),
        (true, false) => format!(
            "{}: reviewed the same day at {amber}.",
            vital_words(l.vital)
        ),
        (true, true) => format!("{}: no limits set.", vital_words(l.vital)),
    }
}

/// What a hospital alert was about, in the patient's words.
pub fn alert_words(a: &HospitalAlertView) -> String {
    let kind = a.kind.map(reading_label).map(str::to_lowercase);
    match a.about {
        AlertAboutView::OutOfRange => match kind {
            Some(k) => format!("Your {k} was outside the limits your care team set"),
            None => "A reading was outside the limits your care team set".to_owned(),
        },
        AlertAboutView::Trend => {
            "Your readings showed a change your care team watches for".to_owned()
        }
        AlertAboutView::MissingData => match kind {
            Some(k) => format!("A planned {k} reading did not arrive"),
            None => "A planned reading did not arrive".to_owned(),
        },
        AlertAboutView::MissedDose => "A dose of your medicine was not recorded".to_owned(),
        AlertAboutView::SilentDevice => "One of your devices stopped sending readings".to_owned(),
        AlertAboutView::Other => "Your care team was alerted".to_owned(),
    }
}

pub fn tier_words(tier: AlertTierView) -> &'static str {
    match tier {
        AlertTierView::Red => "Urgent",
        AlertTierView::Amber => "To review",
    }
}

/// "Seen by your care team at 14:05", or that they have not seen it yet.
pub fn seen_words(seen: Option<DateTime<FixedOffset>>, raised: DateTime<FixedOffset>) -> String {
    match seen {
        Some(t) if t.date_naive() == raised.date_naive() => {
            format!("Seen by your care team at {}", t.format("%H:%M"))
        }
        Some(t) => format!("Seen by your care team on {}", t.format("%-d %b at %H:%M")),
        None => "Your care team has been told and will look at it".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hale_api::ReadingKindView;

    fn t(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    #[test]
    fn planned_times_read_as_a_list() {
        let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
        assert_eq!(
            planned_words(ReadingKindView::BloodPressure, &[at(8), at(20)]),
            "Blood pressure at 08:00 and 20:00"
        );
        assert_eq!(
            planned_words(ReadingKindView::BodyWeight, &[at(8)]),
            "Weight at 08:00"
        );
        assert_eq!(
            planned_words(ReadingKindView::BodyWeight, &[at(7), at(12), at(19)]),
            "Weight at 07:00, 12:00 and 19:00"
        );
    }

    #[test]
    fn limits_say_when_the_team_acts_and_when_it_reviews() {
        let l = LimitView {
            vital: LimitVitalView::Systolic,
            unit: "mmHg".into(),
            amber_high: Some(160.0),
            amber_low: None,
            red_high: Some(180.0),
            red_low: Some(80.0),
        };
        assert_eq!(
            limit_words(&l),
            "Blood pressure (upper number): urgent at 180 mmHg or more, or below 80 mmHg; \
             reviewed the same day at 160 mmHg or more."
        );
    }

    #[test]
    fn an_alert_says_when_the_team_saw_it() {
        let raised = t("2026-12-04T14:00:00+00:00");
        assert_eq!(
            seen_words(Some(t("2026-12-04T14:05:00+00:00")), raised),
            "Seen by your care team at 14:05"
        );
        assert_eq!(
            seen_words(Some(t("2026-12-05T09:30:00+00:00")), raised),
            "Seen by your care team on 5 Dec at 09:30"
        );
        assert!(seen_words(None, raised).contains("will look"));
        let a = HospitalAlertView {
            id: "a".into(),
            about: AlertAboutView::OutOfRange,
            kind: Some(ReadingKindView::BloodPressure),
            tier: AlertTierView::Red,
            raised,
            cleared: None,
            seen: None,
        };
        assert_eq!(
            alert_words(&a),
            "Your blood pressure was outside the limits your care team set"
        );
    }
}
