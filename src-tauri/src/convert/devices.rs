//! Devices and readings between the core and the IPC contract.

use chrono::{DateTime, Duration, Local, Utc};
use hale_api::{
    ApiError, ChartPoint, ChartRange, ClinicCopyView, DeviceEventView, DeviceKind, DevicesView,
    DiscoveredView, ErrorCode, LinkView, MealView, NoBluetoothView, PairedDeviceView,
    ReadingKindView, ReadingView, ReadingsView, TargetRangeView, ThresholdsView, WithheldReason,
    WithheldView,
};
use hale_ble::{BleError, BleEvent, Link, NoBluetooth};
use hale_domain::device::glucose::Meal;
use hale_domain::device::thermometer::TemperatureUnit;
use hale_domain::device::time_in_range::{time_in_range, TARGET_HIGH, TARGET_LOW};
use hale_domain::device::{
    DeviceType, Interpretation, NotPatientData, Quantity, Reading, ReadingKind, Thresholds, Vital,
    Withheld,
};
use hale_store::{PairedDevice, StoredReading};

use super::errors::invalid;

pub fn kind(t: DeviceType) -> DeviceKind {
    match t {
        DeviceType::HeartRate => DeviceKind::HeartRate,
        DeviceType::BloodPressure => DeviceKind::BloodPressure,
        DeviceType::Thermometer => DeviceKind::Thermometer,
        DeviceType::Glucose => DeviceKind::Glucose,
        DeviceType::ContinuousGlucose => DeviceKind::ContinuousGlucose,
        DeviceType::PulseOximeter => DeviceKind::PulseOximeter,
        DeviceType::WeightScale => DeviceKind::WeightScale,
    }
}

pub fn device_type(k: DeviceKind) -> DeviceType {
    match k {
        DeviceKind::HeartRate => DeviceType::HeartRate,
        DeviceKind::BloodPressure => DeviceType::BloodPressure,
        DeviceKind::Thermometer => DeviceType::Thermometer,
        DeviceKind::Glucose => DeviceType::Glucose,
        DeviceKind::ContinuousGlucose => DeviceType::ContinuousGlucose,
        DeviceKind::PulseOximeter => DeviceType::PulseOximeter,
        DeviceKind::WeightScale => DeviceType::WeightScale,
    }
}

pub fn reading_kind_view(k: ReadingKind) -> ReadingKindView {
    match k {
        ReadingKind::HeartRate => ReadingKindView::HeartRate,
        ReadingKind::BloodPressure => ReadingKindView::BloodPressure,
        ReadingKind::OxygenSaturation => ReadingKindView::OxygenSaturation,
        ReadingKind::BodyTemperature => ReadingKindView::BodyTemperature,
        ReadingKind::BodyWeight => ReadingKindView::BodyWeight,
        ReadingKind::BodyHeight => ReadingKindView::BodyHeight,
        ReadingKind::Bmi => ReadingKindView::Bmi,
        ReadingKind::BloodGlucose => ReadingKindView::BloodGlucose,
        ReadingKind::InterstitialGlucose => ReadingKindView::InterstitialGlucose,
    }
}

fn meal(m: Meal) -> Option<MealView> {
    match m {
        Meal::BeforeMeal => Some(MealView::BeforeMeal),
        Meal::AfterMeal => Some(MealView::AfterMeal),
        Meal::Fasting => Some(MealView::Fasting),
        Meal::Casual => Some(MealView::Casual),
        Meal::Bedtime => Some(MealView::Bedtime),
        Meal::Reserved(_) => None,
    }
}

fn withheld_reason(r: NotPatientData) -> WithheldReason {
    use NotPatientData as N;
    use WithheldReason as W;
    match r {
        N::Demonstration => W::Demonstration,
        N::Testing => W::Testing,
        N::ControlSolution => W::ControlSolution,
        N::SensorFault => W::SensorFault,
        N::Invalid => W::Invalid,
        N::Unavailable => W::Unavailable,
        N::UnknownTime => W::UnknownTime,
        N::Unsuccessful => W::Unsuccessful,
        N::AboveRange => W::AboveRange,
        N::BelowRange => W::BelowRange,
        N::Calibrating => W::Calibrating,
        N::Questionable => W::Questionable,
        N::BodyMovement => W::BodyMovement,
        N::CuffTooLoose => W::CuffTooLoose,
        N::ImproperPosition => W::ImproperPosition,
        N::Ongoing => W::Ongoing,
        N::EarlyEstimate => W::EarlyEstimate,
    }
}

/// The values of one measurement a device said are not patient data, for the screen.
pub fn withheld(measurement: &[Withheld]) -> DeviceEventView {
    DeviceEventView::Withheld {
        device: measurement
            .first()
            .map(|w| w.device.clone())
            .unwrap_or_default(),
        values: measurement
            .iter()
            .map(|w| {
                let (value, unit) = shown(w.kind, &w.values);
                WithheldView {
                    kind: reading_kind_view(w.kind),
                    value: (!value.is_empty()).then_some(value),
                    unit,
                    reason: withheld_reason(w.reason),
                }
            })
            .collect(),
    }
}

pub fn reading_kind(k: ReadingKindView) -> ReadingKind {
    ReadingKind::ALL
        .into_iter()
        .find(|r| reading_kind_view(*r) == k)
        .unwrap_or(ReadingKind::HeartRate)
}

fn link(l: Link) -> LinkView {
    match l {
        Link::Connecting => LinkView::Connecting,
        Link::Connected => LinkView::Connected,
        Link::Downloading => LinkView::Downloading,
        Link::Disconnected => LinkView::Disconnected,
        Link::Failed(why) => LinkView::Failed(why),
    }
}

/// A MAC-style Bluetooth address, as btleplug prints them.
pub fn require_address(id: &str) -> Result<(), ApiError> {
    let parts: Vec<&str> = id.split(':').collect();
    if parts.len() == 6
        && parts
            .iter()
            .all(|p| p.len() == 2 && p.chars().all(|c| c.is_ascii_hexdigit()))
    {
        Ok(())
    } else {
        Err(invalid(format!("'{id}' is not a Bluetooth address")))
    }
}

pub fn require_name(name: &str) -> Result<String, ApiError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 60 || name.chars().any(char::is_control) {
        return Err(invalid("a device name is 1 to 60 characters"));
    }
    Ok(name.to_owned())
}

pub fn ble_error(e: BleError) -> ApiError {
    match e {
        BleError::Unavailable(_) => ApiError::new(ErrorCode::BluetoothUnavailable, e.to_string()),
        BleError::NotFound | BleError::Connect(_) => {
            ApiError::new(ErrorCode::DeviceUnreachable, e.to_string())
        }
        BleError::Stopped => ApiError::new(ErrorCode::Internal, e.to_string()),
    }
}

fn number(v: f64, unit: hale_domain::device::Unit) -> String {
    use hale_domain::device::Unit;
    match unit {
        Unit::PerMinute | Unit::MmHg | Unit::Percent => format!("{v:.0}"),
        Unit::Kilogram | Unit::Pound => format!("{v:.1}"),
        _ => format!("{v:.1}"),
    }
}

/// A reading's values as shown: "140/90" and "mmHg", or "72" and "bpm".
fn shown(kind: ReadingKind, values: &[Quantity]) -> (String, String) {
    let value = |vital| values.iter().find(|q| q.vital == vital).map(|q| q.value);
    if kind == ReadingKind::BloodPressure {
        match (value(Vital::Systolic), value(Vital::Diastolic)) {
            (Some(sys), Some(dia)) => (format!("{sys:.0}/{dia:.0}"), "mmHg".to_owned()),
            _ => (String::new(), "mmHg".to_owned()),
        }
    } else {
        let first = values.first();
        (
            first.map(|v| number(v.value, v.unit)).unwrap_or_default(),
            first
                .map(|v| v.unit.symbol().to_owned())
                .unwrap_or_default(),
        )
    }
}

/// What a copy of the clinic's readings brought, for the Devices screen.
pub fn clinic_copy(new: usize, latest: &[StoredReading], unsynced: u32) -> ClinicCopyView {
    ClinicCopyView {
        new: u32::try_from(new).unwrap_or(u32::MAX),
        latest: latest.iter().map(reading).collect(),
        unsynced,
    }
}

pub fn reading(r: &StoredReading) -> ReadingView {
    let q = &r.reading;
    ReadingView {
        flag: r.interpretation.map(|i| match i {
            Interpretation::High => "High".to_owned(),
            Interpretation::Low => "Low".to_owned(),
        }),
        device: r.device_name.clone(),
        synced: r.synced,
        meal: q.context.as_ref().and_then(|c| c.meal).and_then(meal),
        clinic: r.encounter.is_some(),
        ..clinic_reading(q)
    }
}

/// A reading the clinic took at a visit, as the visit summary shows it: the hospital's, so
/// never flagged against the patient's own alert limits and never waiting to be sent.
pub fn clinic_reading(q: &Reading) -> ReadingView {
    let (value, unit) = shown(q.kind, &q.values);
    ReadingView {
        kind: reading_kind_view(q.kind),
        value,
        unit,
        at: q.effective.with_timezone(&Local).fixed_offset(),
        flag: None,
        device: None,
        synced: true,
        meal: q.context.as_ref().and_then(|c| c.meal).and_then(meal),
        clinic: true,
    }
}

pub fn thresholds(t: Thresholds) -> ThresholdsView {
    ThresholdsView {
        systolic_high: t.systolic_high,
        diastolic_high: t.diastolic_high,
        spo2_low: t.spo2_low,
        heart_rate_high: t.heart_rate_high,
        glucose_low: t.glucose_low,
        glucose_high: t.glucose_high,
        temperature_high: t.temperature_high,
        temperature_low: t.temperature_low,
    }
}

pub fn thresholds_from(v: ThresholdsView) -> Thresholds {
    Thresholds {
        systolic_high: v.systolic_high,
        diastolic_high: v.diastolic_high,
        spo2_low: v.spo2_low,
        heart_rate_high: v.heart_rate_high,
        glucose_low: v.glucose_low,
        glucose_high: v.glucose_high,
        temperature_high: v.temperature_high,
        temperature_low: v.temperature_low,
    }
}

pub fn devices_view(
    paired: Vec<PairedDevice>,
    links: &std::collections::HashMap<String, Link>,
    latest: &[StoredReading],
    unsynced: u32,
    t: Thresholds,
    unavailable: Option<NoBluetooth>,
) -> DevicesView {
    DevicesView {
        devices: paired
            .into_iter()
            .map(|d| PairedDeviceView {
                link: links
                    .get(&d.id)
                    .cloned()
                    .map_or(LinkView::Disconnected, link),
                id: d.id,
                name: d.name,
                kind: kind(d.device_type),
                last_seen: d
                    .last_seen_at
                    .map(|t| t.with_timezone(&Local).fixed_offset()),
            })
            .collect(),
        latest: latest.iter().map(reading).collect(),
        unsynced,
        thresholds: thresholds(t),
        unavailable: unavailable.map(no_bluetooth),
    }
}

pub fn no_bluetooth(why: NoBluetooth) -> NoBluetoothView {
    match why {
        NoBluetooth::NoService => NoBluetoothView::NoService,
        NoBluetooth::NoAdapter => NoBluetoothView::NoAdapter,
        NoBluetooth::Off => NoBluetoothView::Off,
        NoBluetooth::NotAllowed => NoBluetoothView::NotAllowed,
        NoBluetooth::Failed => NoBluetoothView::Failed,
    }
}

/// The start of a chart's range ending at `now`.
pub fn range_start(range: ChartRange, now: DateTime<Utc>) -> DateTime<Utc> {
    now - match range {
        ChartRange::Day => Duration::days(1),
        ChartRange::Week => Duration::days(7),
        ChartRange::Month => Duration::days(30),
    }
}

pub fn chart(
    kind: ReadingKind,
    range: ChartRange,
    readings: &[StoredReading],
    now: DateTime<Utc>,
) -> ReadingsView {
    let unit = readings
        .last()
        .and_then(|r| r.reading.values.first())
        .map(|q| q.unit.symbol().to_owned())
        .unwrap_or_default();
    let target_range = matches!(
        kind,
        ReadingKind::BloodGlucose | ReadingKind::InterstitialGlucose
    )
    .then(|| {
        let t = time_in_range(
            readings
                .iter()
                .filter_map(|r| r.reading.values.first().map(|q| q.value)),
        );
        TargetRangeView {
            low: TARGET_LOW,
            high: TARGET_HIGH,
            below_percent: t.below,
            in_range_percent: t.in_range,
            above_percent: t.above,
        }
    });
    ReadingsView {
        kind: reading_kind_view(kind),
        range,
        unit,
        target_range,
        points: readings
            .iter()
            .map(|r| ChartPoint {
                at: r.reading.effective.with_timezone(&Local).fixed_offset(),
                values: if kind == ReadingKind::BloodPressure {
                    [Vital::Systolic, Vital::Diastolic]
                        .iter()
                        .filter_map(|v| r.reading.value(*v))
                        .collect()
                } else {
                    r.reading.values.iter().take(1).map(|q| q.value).collect()
                },
                flagged: r.interpretation.is_some(),
                clinic: r.encounter.is_some(),
            })
            .collect(),
        from: range_start(range, now).with_timezone(&Local).fixed_offset(),
        to: now.with_timezone(&Local).fixed_offset(),
    }
}

pub fn event(e: BleEvent) -> DeviceEventView {
    match e {
        BleEvent::Discovered(d) => DeviceEventView::Discovered(DiscoveredView {
            id: d.id,
            name: d.name,
            kind: kind(d.device_type),
            rssi: d.rssi,
        }),
        BleEvent::Link { device, link: l } => DeviceEventView::Link {
            device,
            link: link(l),
        },
        BleEvent::CuffPressure { device, mmhg } => DeviceEventView::CuffPressure { device, mmhg },
        BleEvent::IntermediateTemperature {
            device,
            value,
            unit,
        } => DeviceEventView::LiveTemperature {
            device,
            value,
            unit: match unit {
                TemperatureUnit::Celsius => "°C",
                TemperatureUnit::Fahrenheit => "°F",
            }
            .to_owned(),
        },
        BleEvent::Malformed {
            device,
            characteristic,
            error,
        } => DeviceEventView::Malformed {
            device,
            message: format!(
                "A value from characteristic {characteristic:#06x} could not be read ({error})."
            ),
        },
        BleEvent::Unavailable(why) => DeviceEventView::Unavailable {
            reason: no_bluetooth(why),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_and_names_are_checked() {
        assert!(require_address("AA:BB:CC:DD:EE:0F").is_ok());
        for bad in [
            "",
            "AA:BB",
            "AA:BB:CC:DD:EE:GG",
            "AA-BB-CC-DD-EE-FF",
            "AA:BB:CC:DD:EE:FF:00",
        ] {
            assert_eq!(
                require_address(bad).unwrap_err().code,
                ErrorCode::InvalidArgument,
                "{bad}"
            );
        }
        assert_eq!(require_name("  Cuff ").unwrap(), "Cuff");
        assert!(require_name("").is_err());
        assert!(require_name(&"x".repeat(61)).is_err());
    }

    #[test]
    fn kinds_round_trip() {
        for t in DeviceType::ALL {
            assert_eq!(device_type(kind(t)), t);
        }
        for k in ReadingKind::ALL {
            assert_eq!(reading_kind(reading_kind_view(k)), k);
        }
    }
}
