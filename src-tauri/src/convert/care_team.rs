//! The care team screen's fields.

use hale_api::{
    AlertAboutView, AlertTierView, CareMessageView, CareTeamView, HospitalAlertView, LimitView,
    LimitVitalView, NextMeasurementView, PlanView, PlannedMeasurementView,
};
use hale_core::care_team::CareTeamScreen;
use hale_domain::device::{ReadingKind, Vital};
use hale_domain::monitoring::{CareMessage, Family, Tier};

use super::devices::reading_kind_view;
use super::{freshness, local};

pub fn care_team(screen: CareTeamScreen) -> CareTeamView {
    let plan = screen.plan.map(|plan| PlanView {
        measurements: plan
            .measurements
            .iter()
            .map(|m| PlannedMeasurementView {
                kind: reading_kind_view(m.kind),
                times: m.times.clone(),
            })
            .collect(),
        limits: plan
            .limits
            .iter()
            .map(|l| LimitView {
                vital: vital(l.vital),
                unit: unit(l.vital).to_owned(),
                amber_high: l.amber.high,
                amber_low: l.amber.low,
                red_high: l.red.high,
                red_low: l.red.low,
            })
            .collect(),
        measure_now: screen
            .measure_now
            .iter()
            .map(|k| reading_kind_view(*k))
            .collect(),
        next: screen
            .next_measurement
            .map(|(kind, at)| NextMeasurementView {
                kind: reading_kind_view(kind),
                at: local(at),
            }),
    });
    CareTeamView {
        plan,
        alerts: screen
            .alerts
            .iter()
            .map(|a| HospitalAlertView {
                id: a.id.clone(),
                about: match a.family() {
                    Some(Family::OutOfRange) => AlertAboutView::OutOfRange,
                    Some(Family::Trend) => AlertAboutView::Trend,
                    Some(Family::MissingData) => AlertAboutView::MissingData,
                    Some(Family::MissedDose) => AlertAboutView::MissedDose,
                    Some(Family::SilentDevice) => AlertAboutView::SilentDevice,
                    None => AlertAboutView::Other,
                },
                kind: ReadingKind::from_slug(a.subject()).map(reading_kind_view),
                tier: match a.tier {
                    Tier::Red => AlertTierView::Red,
                    Tier::Amber => AlertTierView::Amber,
                },
                raised: local(a.raised),
                cleared: a.cleared.map(local),
                seen: a.seen.map(local),
            })
            .collect(),
        messages: screen.messages.into_iter().map(message).collect(),
        freshness: freshness(screen.freshness),
    }
}

fn vital(v: Vital) -> LimitVitalView {
    match v {
        Vital::Systolic => LimitVitalView::Systolic,
        Vital::Diastolic => LimitVitalView::Diastolic,
        Vital::HeartRate => LimitVitalView::HeartRate,
        Vital::OxygenSaturation => LimitVitalView::OxygenSaturation,
        Vital::BodyTemperature => LimitVitalView::Temperature,
        Vital::BodyWeight => LimitVitalView::Weight,
        Vital::BloodGlucose | Vital::InterstitialGlucose => LimitVitalView::Glucose,
        Vital::MeanArterial | Vital::BodyHeight | Vital::Bmi => LimitVitalView::Other,
    }
}

/// The unit the plan's numbers are in (the hospital's, as the domain keeps them).
fn unit(v: Vital) -> &'static str {
    match v {
        Vital::Systolic | Vital::Diastolic | Vital::MeanArterial => "mmHg",
        Vital::HeartRate => "/min",
        Vital::OxygenSaturation => "%",
        Vital::BodyTemperature => "°C",
        Vital::BodyWeight => "kg",
        Vital::BodyHeight => "cm",
        Vital::Bmi => "kg/m²",
        Vital::BloodGlucose | Vital::InterstitialGlucose => "mmol/L",
    }
}

pub fn message(m: CareMessage) -> CareMessageView {
    CareMessageView {
        id: m.id,
        from: m.from,
        text: m.text,
        sent: local(m.sent),
    }
}
