//! Words for the Devices screen (its chart is `readings_chart`).

use hale_api::{
    DeviceKind, LinkView, MealView, ReadingKindView, ReadingView, TargetRangeView, WithheldReason,
    WithheldView,
};

use super::tenths;

/// Why Bluetooth cannot be used, in the patient's words (never the platform's message).
pub fn no_bluetooth_words(why: hale_api::NoBluetoothView) -> &'static str {
    use hale_api::NoBluetoothView as N;
    match why {
        N::NoAdapter => "This computer has no Bluetooth.",
        N::NoService => "This computer has no Bluetooth, or its Bluetooth isn't running.",
        N::Off => "Bluetooth is switched off. Switch it on in your computer's settings.",
        N::NotAllowed => "Hale isn't allowed to use Bluetooth. You can allow it in your settings.",
        N::Failed => "Bluetooth isn't working right now. Try again in a moment.",
    }
}

pub fn device_kind_label(kind: DeviceKind) -> &'static str {
    match kind {
        DeviceKind::HeartRate => "Heart rate monitor",
        DeviceKind::BloodPressure => "Blood pressure monitor",
        DeviceKind::Thermometer => "Thermometer",
        DeviceKind::Glucose => "Glucose meter",
        DeviceKind::ContinuousGlucose => "Continuous glucose monitor",
        DeviceKind::PulseOximeter => "Pulse oximeter",
        DeviceKind::WeightScale => "Weight scale",
    }
}

pub fn reading_label(kind: ReadingKindView) -> &'static str {
    match kind {
        ReadingKindView::HeartRate => "Heart rate",
        ReadingKindView::BloodPressure => "Blood pressure",
        ReadingKindView::OxygenSaturation => "Oxygen saturation",
        ReadingKindView::BodyTemperature => "Temperature",
        ReadingKindView::BodyWeight => "Weight",
        ReadingKindView::BodyHeight => "Height",
        ReadingKindView::Bmi => "BMI",
        ReadingKindView::BloodGlucose => "Blood glucose",
        ReadingKindView::InterstitialGlucose => "Sensor glucose",
    }
}

/// When a reading was taken and by what: "3 Dec 14:05, Omron M3", or "…, at the clinic".
pub fn reading_source(r: &ReadingView) -> String {
    let by = if r.clinic {
        Some("at the clinic".to_owned())
    } else {
        r.device.clone()
    };
    format!(
        "{}{}",
        r.at.format("%e %b %H:%M"),
        by.map(|d| format!(", {d}")).unwrap_or_default()
    )
}

pub fn meal_words(meal: MealView) -> &'static str {
    match meal {
        MealView::BeforeMeal => "Before a meal",
        MealView::AfterMeal => "After a meal",
        MealView::Fasting => "Fasting",
        MealView::Casual => "Casual",
        MealView::Bedtime => "At bedtime",
    }
}

/// What the device said about a measurement of `kind` Hale did not record, and what to do.
fn withheld_reason_words(reason: WithheldReason, kind: ReadingKindView) -> &'static str {
    use WithheldReason as W;
    let glucose = matches!(
        kind,
        ReadingKindView::BloodGlucose | ReadingKindView::InterstitialGlucose
    );
    match reason {
        // Beyond-range advice differs: a LO glucose needs treating now, a pulse beyond a
        // monitor's range a repeat (and help if unwell).
        W::AboveRange | W::BelowRange if !glucose => {
            "it is beyond what the device can measure: measure again, and get help if you feel unwell"
        }
        W::UnknownTime => {
            "the sensor does not know when its session started, so the value cannot be placed in time"
        }
        W::Demonstration => "the device marked the measurement as demonstration data",
        W::Testing => "the device marked the measurement as test data",
        W::ControlSolution => "the measurement was a control-solution test",
        W::SensorFault => "the device reports a sensor problem: check the sensor is on properly",
        W::Invalid => "the device marked the measurement as invalid: measure again",
        W::Unavailable => "the device had no measurement to give",
        W::Unsuccessful => "the measurement did not succeed: measure again",
        W::AboveRange => {
            "the result is above what the device can measure (HI): if you feel unwell, get help now"
        }
        W::BelowRange => {
            "the result is below what the device can measure (LO): treat a low now and get help if you feel unwell"
        }
        W::Calibrating => "the device was calibrating",
        W::Questionable => "the device marked the measurement as questionable: measure again",
        W::BodyMovement => "you moved during the measurement: sit still and measure again",
        W::CuffTooLoose => "the cuff was too loose: refit it and measure again",
        W::ImproperPosition => "your arm was not at heart level: measure again",
        W::Ongoing => "the device is still measuring",
        W::EarlyEstimate => "the value is an early estimate; the final value follows",
    }
}

/// A label inside a sentence: "heart rate", but "BMI".
fn in_sentence(label: &str) -> String {
    let mut chars = label.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if second.is_lowercase() => {
            first.to_lowercase().chain(label.chars().skip(1)).collect()
        }
        _ => label.to_owned(),
    }
}

/// "Not recorded: Oxygen saturation 91 % and heart rate 72 bpm, because the device marked the
/// measurement as questionable: measure again." One sentence per reason.
pub fn withheld_words(values: &[WithheldView]) -> String {
    let mut reasons: Vec<WithheldReason> = Vec::new();
    for v in values {
        if !reasons.contains(&v.reason) {
            reasons.push(v.reason);
        }
    }
    // The advice for a reason follows the first value withheld for it.
    let kind_of = |reason: WithheldReason| {
        values
            .iter()
            .find(|v| v.reason == reason)
            .map_or(ReadingKindView::HeartRate, |v| v.kind)
    };
    reasons
        .into_iter()
        .map(|reason| {
            let what: Vec<String> = values
                .iter()
                .filter(|v| v.reason == reason)
                .enumerate()
                .map(|(i, v)| {
                    let label = reading_label(v.kind);
                    let label = if i == 0 {
                        label.to_owned()
                    } else {
                        in_sentence(label)
                    };
                    match &v.value {
                        Some(value) => format!("{label} {value} {}", v.unit),
                        None => label,
                    }
                })
                .collect();
            format!(
                "Not recorded: {}, because {}.",
                what.join(" and "),
                withheld_reason_words(reason, kind_of(reason))
            )
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// "Time in range 72 % (3.9–10 mmol/L): 5 % below, 23 % above."
pub fn time_in_range_words(t: &TargetRangeView, unit: &str) -> String {
    format!(
        "Time in range {} % ({}–{} {unit}): {} % below, {} % above.",
        t.in_range_percent,
        tenths(t.low),
        tenths(t.high),
        t.below_percent,
        t.above_percent
    )
}

pub fn link_words(link: &LinkView) -> String {
    match link {
        LinkView::Connecting => "Connecting…".into(),
        LinkView::Connected => "Connected".into(),
        LinkView::Downloading => "Fetching stored readings…".into(),
        LinkView::Disconnected => "Not connected: it reconnects when it is on and nearby".into(),
        LinkView::Failed(why) => {
            format!("Could not connect ({why}). Hale tries again when it is nearby.")
        }
    }
}

/// Signal strength in words: RSSI in dBm is meaningless to most people.
pub fn signal_words(rssi: Option<i16>) -> &'static str {
    match rssi {
        Some(r) if r >= -60 => "strong signal",
        Some(r) if r >= -80 => "fair signal",
        Some(_) => "weak signal: bring it closer",
        None => "signal unknown",
    }
}

/// "3 readings are waiting to reach the hospital." or nothing to say.
pub fn relay_words(unsynced: u32) -> &'static str {
    if unsynced == 0 {
        "Every reading has reached the hospital."
    } else {
        "Some readings are waiting to reach the hospital; they go as soon as it can be reached."
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_for_signal_and_links() {
        assert_eq!(signal_words(Some(-50)), "strong signal");
        assert_eq!(signal_words(Some(-90)), "weak signal: bring it closer");
        assert!(link_words(&LinkView::Failed("timed out".into())).contains("timed out"));
    }

    #[test]
    fn time_in_range_is_said_with_the_range_and_both_sides() {
        let t = TargetRangeView {
            low: 3.9,
            high: 10.0,
            below_percent: 5,
            in_range_percent: 72,
            above_percent: 23,
        };
        assert_eq!(
            time_in_range_words(&t, "mmol/L"),
            "Time in range 72 % (3.9–10 mmol/L): 5 % below, 23 % above."
        );
    }

    #[test]
    fn withheld_values_are_named_with_what_the_device_said() {
        let v = |kind, value: Option<&str>, unit: &str, reason| WithheldView {
            kind,
            value: value.map(str::to_owned),
            unit: unit.to_owned(),
            reason,
        };
        assert_eq!(
            withheld_words(&[
                v(
                    ReadingKindView::OxygenSaturation,
                    Some("91"),
                    "%",
                    WithheldReason::Questionable
                ),
                v(
                    ReadingKindView::HeartRate,
                    Some("72"),
                    "bpm",
                    WithheldReason::Questionable
                ),
            ]),
            "Not recorded: Oxygen saturation 91 % and heart rate 72 bpm, because the device \
             marked the measurement as questionable: measure again."
        );
        assert!(withheld_words(&[v(
            ReadingKindView::BloodGlucose,
            None,
            "mmol/L",
            WithheldReason::BelowRange
        )])
        .starts_with(
            "Not recorded: Blood glucose, because the result is below what the device can measure (LO)"
        ));
        // A pulse beyond the monitor's range gets no glucose advice.
        let pulse = withheld_words(&[v(
            ReadingKindView::HeartRate,
            None,
            "bpm",
            WithheldReason::BelowRange,
        )]);
        assert!(!pulse.contains("treat a low"), "{pulse}");
        // Two reasons, two sentences.
        let two = withheld_words(&[
            v(
                ReadingKindView::BloodPressure,
                Some("120/80"),
                "mmHg",
                WithheldReason::CuffTooLoose,
            ),
            v(
                ReadingKindView::HeartRate,
                None,
                "bpm",
                WithheldReason::AboveRange,
            ),
        ]);
        assert_eq!(two.matches("Not recorded").count(), 2, "{two}");
        assert_eq!(in_sentence("BMI"), "BMI");
    }
}
