//! Bluetooth devices: scanning, pairing, each device's link, the latest readings, charts, and
//! the patient's alert thresholds.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::NoArgs;

/// The event the shell emits while devices are scanned, connect, or send readings.
pub const DEVICES_EVENT: &str = "hale://devices";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeviceKind {
    HeartRate,
    BloodPressure,
    Thermometer,
    Glucose,
    ContinuousGlucose,
    PulseOximeter,
    WeightScale,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadingKindView {
    HeartRate,
    BloodPressure,
    OxygenSaturation,
    BodyTemperature,
    BodyWeight,
    BodyHeight,
    Bmi,
    BloodGlucose,
    /// A continuous glucose monitor's sensor glucose.
    InterstitialGlucose,
}

/// Why a device's value was not recorded: the device itself said it is not a reading of the
/// patient. Mirrors the domain's `NotPatientData`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WithheldReason {
    Demonstration,
    Testing,
    ControlSolution,
    SensorFault,
    Invalid,
    Unavailable,
    UnknownTime,
    Unsuccessful,
    AboveRange,
    BelowRange,
    Calibrating,
    Questionable,
    BodyMovement,
    CuffTooLoose,
    ImproperPosition,
    Ongoing,
    EarlyEstimate,
}

/// One value a device withheld.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WithheldView {
    pub kind: ReadingKindView,
    /// The value as the device gave it ("91"), if it gave a usable number.
    pub value: Option<String>,
    pub unit: String,
    pub reason: WithheldReason,
}

/// The patient's target range on a glucose chart, and how much of the range's readings lay
/// below, in and above it (the International Consensus on Time in Range: 3.9–10.0 mmol/L).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct TargetRangeView {
    pub low: f64,
    pub high: f64,
    /// Whole percentages of the readings, adding up to 100 (or all 0 with no readings).
    pub below_percent: u8,
    pub in_range_percent: u8,
    pub above_percent: u8,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "state", content = "detail")]
pub enum LinkView {
    Connecting,
    Connected,
    Downloading,
    Disconnected,
    /// Why the last attempt failed, in words for the patient.
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairedDeviceView {
    pub id: String,
    pub name: String,
    pub kind: DeviceKind,
    pub link: LinkView,
    pub last_seen: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadingView {
    pub kind: ReadingKindView,
    /// E.g. "185/95" or "72".
    pub value: String,
    /// E.g. "mmHg".
    pub unit: String,
    pub at: DateTime<FixedOffset>,
    /// The alert threshold crossed, in words ("High", "Low"), if any.
    pub flag: Option<String>,
    pub device: Option<String>,
    /// The hospital has confirmed it.
    pub synced: bool,
    /// For a glucose reading, the meal the meter recorded it against.
    #[serde(default)]
    pub meal: Option<MealView>,
    /// Taken by the clinic at a visit, not at home.
    #[serde(default)]
    pub clinic: bool,
}

/// When a glucose reading was taken relative to a meal, as the meter recorded it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MealView {
    BeforeMeal,
    AfterMeal,
    Fasting,
    Casual,
    Bedtime,
}

/// The patient's alert thresholds, as the settings form edits them.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ThresholdsView {
    pub systolic_high: f64,
    pub diastolic_high: f64,
    pub spo2_low: f64,
    pub heart_rate_high: f64,
    pub glucose_low: f64,
    pub glucose_high: f64,
    pub temperature_high: f64,
    pub temperature_low: f64,
}

/// What a copy of the clinic's readings brought.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClinicCopyView {
    /// Readings new to the device; 0 when the hospital could not be reached.
    pub new: u32,
    /// The newest reading of each kind now.
    pub latest: Vec<ReadingView>,
    /// Readings the hospital has not confirmed yet.
    pub unsynced: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DevicesView {
    pub devices: Vec<PairedDeviceView>,
    /// The newest reading of each kind.
    pub latest: Vec<ReadingView>,
    /// Readings the hospital has not confirmed yet.
    pub unsynced: u32,
    pub thresholds: ThresholdsView,
    /// Why Bluetooth could not be used, the last time it was tried (`CheckBluetooth` looks
    /// afresh).
    pub unavailable: Option<NoBluetoothView>,
}

/// Why Bluetooth cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoBluetoothView {
    /// The system's Bluetooth service is not running (or there is none).
    NoService,
    NoAdapter,
    Off,
    NotAllowed,
    Failed,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DiscoveredView {
    pub id: String,
    pub name: String,
    pub kind: DeviceKind,
    pub rssi: Option<i16>,
}

/// What the shell tells an open Devices screen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event")]
pub enum DeviceEventView {
    Discovered(DiscoveredView),
    Link {
        device: String,
        link: LinkView,
    },
    CuffPressure {
        device: String,
        mmhg: f64,
    },
    /// A thermometer's value while it measures (shown live, never stored).
    LiveTemperature {
        device: String,
        value: f64,
        /// "°C" or "°F".
        unit: String,
    },
    /// The values of one measurement the device said are not readings of the patient: shown,
    /// never recorded.
    Withheld {
        device: String,
        values: Vec<WithheldView>,
    },
    /// A device sent something it could not read; it stays connected.
    Malformed {
        device: String,
        message: String,
    },
    /// New readings were stored: the newest of each kind now, and how many wait to be relayed
    /// (the screen updates in place; no reload).
    ReadingsStored {
        count: usize,
        alerts: Vec<String>,
        latest: Vec<ReadingView>,
        unsynced: u32,
    },
    /// Readings reached the hospital: how many still wait.
    ReadingsRelayed {
        count: usize,
        unsynced: u32,
    },
    Unavailable {
        reason: NoBluetoothView,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanArgs {
    pub on: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PairArgs {
    pub id: String,
    pub name: String,
    pub kind: DeviceKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceArgs {
    pub id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChartRange {
    Day,
    Week,
    Month,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadingsArgs {
    pub kind: ReadingKindView,
    pub range: ChartRange,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartPoint {
    pub at: DateTime<FixedOffset>,
    /// One value, or systolic then diastolic for blood pressure.
    pub values: Vec<f64>,
    pub flagged: bool,
    /// Taken by the clinic at a visit, not at home.
    #[serde(default)]
    pub clinic: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReadingsView {
    pub kind: ReadingKindView,
    pub range: ChartRange,
    pub unit: String,
    /// Oldest first.
    pub points: Vec<ChartPoint>,
    /// For glucose: the target range and the time in it.
    pub target_range: Option<TargetRangeView>,
    pub from: DateTime<FixedOffset>,
    pub to: DateTime<FixedOffset>,
}

command!(
    /// Whether Bluetooth can be used now, looked at afresh (the Devices screen asks as it
    /// opens; other screens never wake the adapter).
    CheckBluetooth = "check_bluetooth", NoArgs => Option<NoBluetoothView>
);
command!(
    /// The Devices screen: paired devices and their links, the latest readings, thresholds.
    /// From the device alone: never waits on the hospital.
    GetDevices = "get_devices", NoArgs => DevicesView
);
command!(
    /// Copies the readings the clinic took at visits from the hospital (the Devices screen
    /// asks as it opens): how many were new, and the newest of each kind now.
    CopyClinicReadings = "copy_clinic_readings", NoArgs => ClinicCopyView
);
command!(
    /// Starts or stops looking for devices; found ones arrive as `DEVICES_EVENT`s.
    ScanDevices = "scan_devices", ScanArgs => ()
);
command!(
    /// Connects to a found device and remembers it; answers once it is connected.
    PairDevice = "pair_device", PairArgs => DevicesView
);
command!(
    /// Disconnects a device and forgets it (its readings stay).
    ForgetDevice = "forget_device", DeviceArgs => DevicesView
);
command!(
    /// One kind of reading over a day, a week or a month, for a chart.
    GetReadings = "get_readings", ReadingsArgs => ReadingsView
);
command!(
    /// Saves the patient's alert thresholds (each must lie where an alert still means danger).
    SetThresholds = "set_thresholds", ThresholdsView => ThresholdsView
);
