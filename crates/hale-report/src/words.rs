//! The report's names for things.

use hale_domain::appointment::AppointmentStatus;
use hale_domain::device::{ReadingKind, Vital};
use hale_domain::report::LimitKind;

pub fn kind(kind: ReadingKind) -> &'static str {
    match kind {
        ReadingKind::BloodPressure => "Blood pressure",
        ReadingKind::HeartRate => "Heart rate",
        ReadingKind::BloodGlucose => "Blood glucose",
        ReadingKind::InterstitialGlucose => "Sensor glucose",
        ReadingKind::OxygenSaturation => "Oxygen saturation",
        ReadingKind::BodyTemperature => "Temperature",
        ReadingKind::BodyWeight => "Weight",
        ReadingKind::BodyHeight => "Height",
        ReadingKind::Bmi => "Body mass index",
    }
}

pub fn vital(vital: Vital) -> &'static str {
    match vital {
        Vital::Systolic => "systolic",
        Vital::Diastolic => "diastolic",
        Vital::MeanArterial => "mean arterial",
        Vital::HeartRate => "heart rate",
        Vital::OxygenSaturation => "SpO2",
        Vital::BodyTemperature => "temperature",
        Vital::BodyWeight => "weight",
        Vital::BodyHeight => "height",
        Vital::Bmi => "BMI",
        Vital::BloodGlucose | Vital::InterstitialGlucose => "glucose",
    }
}

pub fn limit(kind: LimitKind) -> &'static str {
    match kind {
        LimitKind::AlertAbove => "your alert above",
        LimitKind::AlertBelow => "your alert below",
        LimitKind::TargetLow => "target range from",
        LimitKind::TargetHigh => "target range to",
    }
}

pub fn status(status: AppointmentStatus) -> &'static str {
    match status {
        AppointmentStatus::Proposed | AppointmentStatus::Pending => "requested",
        AppointmentStatus::Booked => "booked",
        AppointmentStatus::Arrived | AppointmentStatus::CheckedIn => "checked in",
        AppointmentStatus::Fulfilled => "attended",
        AppointmentStatus::Cancelled => "cancelled",
        AppointmentStatus::Noshow => "missed",
        AppointmentStatus::EnteredInError => "entered in error",
        AppointmentStatus::Waitlist => "on the waiting list",
    }
}
