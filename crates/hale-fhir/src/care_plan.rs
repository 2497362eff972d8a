//! A monitoring plan as FHIR R4: a `CarePlan` whose activities are the planned measurements
//! (`detail.code` the reading's LOINC code, `detail.scheduledTiming` the local times of day), and
//! two `Goal`s, one per tier, whose targets are the bands of values that are fine for each vital
//! (`measure` its LOINC code, `detailRange` the band). `Goal.priority` names the tier:
//! `high-priority` is red (act now), `medium-priority` amber (review today).
//!
//! One reading of FHIR's: Hale reads `detailRange.high` as the value from which an alert is
//! raised ("180 or more"), the way clinicians write thresholds, and `low` as the lowest value
//! that is fine. The trend rules are the hospital's configuration, not part of the CarePlan.

use chrono::{DateTime, NaiveTime, Utc};
use hale_domain::device::{ReadingKind, Unit, Vital};
use hale_domain::monitoring::{Band, MonitoringPlan, PlannedMeasurement, Tier, VitalLimits};
use serde::{Deserialize, Serialize};

use crate::medication::{Quantity, Timing, TimingRepeat};
use crate::observation::{kind_code, kind_of, loinc, vital_code, vital_of, LOINC};
use crate::{CodeableConcept, Coding, Period, Reference};

/// The code system of `Goal.priority`.
pub const GOAL_PRIORITY: &str = "http://terminology.hl7.org/CodeSystem/goal-priority";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CarePlan {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// active | completed | revoked | …
    pub status: String,
    /// plan
    pub intent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    pub subject: Reference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub goal: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub activity: Vec<CarePlanActivity>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CarePlanActivity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<ActivityDetail>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ActivityDetail {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
    /// scheduled | in-progress | completed | cancelled | …
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scheduled_timing: Option<Timing>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Goal {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// active | completed | cancelled | …
    pub lifecycle_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<CodeableConcept>,
    pub description: CodeableConcept,
    pub subject: Reference,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub target: Vec<GoalTarget>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GoalTarget {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail_range: Option<Range>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Range {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub low: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub high: Option<Quantity>,
}

/// Why a CarePlan cannot be read as a monitoring plan; nothing is guessed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum PlanMappingError {
    #[error("the plan is {0}, not active")]
    NotActive(String),
    #[error("an activity measures '{0}', which Hale does not know")]
    UnknownMeasurement(String),
    #[error("an activity's time of day '{0}' is not a time")]
    BadTime(String),
    #[error("a goal's priority is not high-priority or medium-priority")]
    UnknownTier,
    #[error("a goal's target measures '{0}', which Hale does not know")]
    UnknownVital(String),
    #[error("a goal's limit for {vital} is in '{unit}', not {expected}")]
    WrongUnit {
        vital: String,
        unit: String,
        expected: &'static str,
    },
    #[error(transparent)]
    Invalid(#[from] hale_domain::monitoring::plan::InvalidPlan),
}

/// The unit Hale keeps each vital's limits in.
fn limit_unit(vital: Vital) -> Unit {
    match vital {
        Vital::HeartRate => Unit::PerMinute,
        Vital::Systolic | Vital::Diastolic | Vital::MeanArterial => Unit::MmHg,
        Vital::OxygenSaturation => Unit::Percent,
        Vital::BodyTemperature => Unit::Celsius,
        Vital::BodyWeight => Unit::Kilogram,
        Vital::BodyHeight => Unit::Centimetre,
        Vital::Bmi => Unit::KgPerM2,
        Vital::BloodGlucose | Vital::InterstitialGlucose => Unit::MmolPerL,
    }
}

fn tier_coding(tier: Tier) -> Coding {
    let (code, display) = match tier {
        Tier::Red => ("high-priority", "High Priority"),
        Tier::Amber => ("medium-priority", "Medium Priority"),
    };
    Coding {
        system: Some(GOAL_PRIORITY.into()),
        code: Some(code.into()),
        display: Some(display.into()),
    }
}

fn tier_of(priority: Option<&CodeableConcept>) -> Option<Tier> {
    priority?
        .coding
        .iter()
        .filter(|c| c.system.as_deref() == Some(GOAL_PRIORITY))
        .find_map(|c| match c.code.as_deref() {
            Some("high-priority") => Some(Tier::Red),
            Some("medium-priority") => Some(Tier::Amber),
            _ => None,
        })
}

/// The plan as a CarePlan (`plan_id`) and its two Goals (`{plan_id}-red`, `{plan_id}-amber`).
pub fn to_fhir(
    plan: &MonitoringPlan,
    plan_id: &str,
    patient_id: &str,
    enrolled: DateTime<Utc>,
) -> (CarePlan, Vec<Goal>) {
    let subject = Reference::to("Patient", patient_id, None);
    let goals: Vec<Goal> = [Tier::Red, Tier::Amber]
        .into_iter()
        .map(|tier| {
            let target = plan
                .limits
                .iter()
                .map(|l| {
                    let band = match tier {
                        Tier::Red => l.red,
                        Tier::Amber => l.amber,
                    };
                    let unit = limit_unit(l.vital);
                    let quantity = |v: f64| Quantity::ucum(v, unit.ucum(), unit.ucum());
                    GoalTarget {
                        measure: Some(CodeableConcept {
                            coding: vec![loinc(vital_code(l.vital))],
                            text: None,
                        }),
                        detail_range: Some(Range {
                            low: band.low.map(quantity),
                            high: band.high.map(quantity),
                        }),
                    }
                })
                .collect();
            Goal {
                id: Some(format!("{plan_id}-{}", tier.code())),
                lifecycle_status: "active".into(),
                priority: Some(CodeableConcept {
                    coding: vec![tier_coding(tier)],
                    text: None,
                }),
                description: CodeableConcept {
                    coding: Vec::new(),
                    text: Some(
                        match tier {
                            Tier::Red => "Limits to act on at once",
                            Tier::Amber => "Limits to review the same day",
                        }
                        .into(),
                    ),
                },
                subject: subject.clone(),
                target,
            }
        })
        .collect();
    let activity = plan
        .measurements
        .iter()
        .map(|m| CarePlanActivity {
            detail: Some(ActivityDetail {
                code: Some(CodeableConcept {
                    coding: vec![loinc(kind_code(m.kind))],
                    text: None,
                }),
                status: "scheduled".into(),
                scheduled_timing: Some(Timing {
                    repeat: Some(TimingRepeat {
                        frequency: u32::try_from(m.times.len()).ok(),
                        period: Some(1.0),
                        period_unit: Some("d".into()),
                        time_of_day: m
                            .times
                            .iter()
                            .map(|t| t.format("%H:%M:%S").to_string())
                            .collect(),
                        ..TimingRepeat::default()
                    }),
                    code: None,
                }),
            }),
        })
        .collect();
    let care_plan = CarePlan {
        id: Some(plan_id.into()),
        status: "active".into(),
        intent: "plan".into(),
        title: Some("Remote monitoring".into()),
        subject,
        period: Some(Period {
            start: Some(enrolled),
            end: None,
        }),
        goal: goals
            .iter()
            .filter_map(|g| g.id.as_deref())
            .map(|id| Reference::to("Goal", id, None))
            .collect(),
        activity,
    };
    (care_plan, goals)
}

/// Reads an active CarePlan and its Goals back as a monitoring plan (without trend rules, which
/// the hospital keeps as configuration). Goals the CarePlan does not name are ignored.
pub fn from_fhir(care_plan: &CarePlan, goals: &[Goal]) -> Result<MonitoringPlan, PlanMappingError> {
    if care_plan.status != "active" {
        return Err(PlanMappingError::NotActive(care_plan.status.clone()));
    }
    let mut measurements = Vec::new();
    for detail in care_plan.activity.iter().filter_map(|a| a.detail.as_ref()) {
        let code = detail
            .code
            .iter()
            .flat_map(|c| &c.coding)
            .find(|c| c.system.as_deref() == Some(LOINC))
            .and_then(|c| c.code.clone())
            .unwrap_or_default();
        let kind: ReadingKind =
            kind_of(&code).ok_or_else(|| PlanMappingError::UnknownMeasurement(code.clone()))?;
        let times = detail
            .scheduled_timing
            .iter()
            .filter_map(|t| t.repeat.as_ref())
            .flat_map(|r| &r.time_of_day)
            .map(|t| {
                NaiveTime::parse_from_str(t, "%H:%M:%S")
                    .map_err(|_| PlanMappingError::BadTime(t.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        measurements.push(PlannedMeasurement { kind, times });
    }
    let named = |g: &&Goal| {
        g.id.as_deref()
            .is_some_and(|id| care_plan.goal.iter().any(|r| r.id_of("Goal") == Some(id)))
    };
    let mut limits: Vec<VitalLimits> = Vec::new();
    for goal in goals.iter().filter(named) {
        let tier = tier_of(goal.priority.as_ref()).ok_or(PlanMappingError::UnknownTier)?;
        for target in &goal.target {
            let code = target
                .measure
                .iter()
                .flat_map(|m| &m.coding)
                .find(|c| c.system.as_deref() == Some(LOINC))
                .and_then(|c| c.code.clone())
                .unwrap_or_default();
            let vital = vital_of(&code).ok_or(PlanMappingError::UnknownVital(code))?;
            let range = target.detail_range.clone().unwrap_or_default();
            let value = |q: Option<Quantity>| -> Result<Option<f64>, PlanMappingError> {
                let Some(q) = q else { return Ok(None) };
                let expected = limit_unit(vital).ucum();
                if q.code.as_deref() != Some(expected) {
                    return Err(PlanMappingError::WrongUnit {
                        vital: vital_code(vital).1.to_owned(),
                        unit: q.code.unwrap_or_default(),
                        expected,
                    });
                }
                Ok(q.value)
            };
            let band = Band {
                high: value(range.high)?,
                low: value(range.low)?,
            };
            let entry = match limits.iter_mut().find(|l| l.vital == vital) {
                Some(entry) => entry,
                None => {
                    limits.push(VitalLimits {
                        vital,
                        amber: Band::default(),
                        red: Band::default(),
                    });
                    limits.last_mut().expect("just pushed")
                }
            };
            match tier {
                Tier::Red => entry.red = band,
                Tier::Amber => entry.amber = band,
            }
        }
    }
    Ok(MonitoringPlan {
        measurements,
        limits,
        trends: Vec::new(),
    }
    .validated()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, 0, 0).unwrap()
    }

    /// The demo patient's plan: blood pressure morning and evening, weight every morning.
    fn plan() -> MonitoringPlan {
        MonitoringPlan {
            measurements: vec![
                PlannedMeasurement {
                    kind: ReadingKind::BloodPressure,
                    times: vec![t(8), t(20)],
                },
                PlannedMeasurement {
                    kind: ReadingKind::BodyWeight,
                    times: vec![t(8)],
                },
            ],
            limits: vec![
                VitalLimits {
                    vital: Vital::Systolic,
                    amber: Band {
                        high: Some(160.0),
                        low: Some(90.0),
                    },
                    red: Band {
                        high: Some(180.0),
                        low: Some(80.0),
                    },
                },
                VitalLimits {
                    vital: Vital::Diastolic,
                    amber: Band {
                        high: Some(100.0),
                        low: None,
                    },
                    red: Band {
                        high: Some(120.0),
                        low: None,
                    },
                },
            ],
            trends: Vec::new(),
        }
    }

    fn enrolled() -> DateTime<Utc> {
        "2026-12-01T09:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_plan_goes_out_as_a_careplan_with_a_goal_per_tier_and_reads_back_whole() {
        let (care_plan, goals) = to_fhir(&plan(), "cp-1", "pt-1", enrolled());
        let json = serde_json::to_value(&care_plan).unwrap();
        assert_eq!(json["status"], "active");
        assert_eq!(json["intent"], "plan");
        assert_eq!(json["subject"]["reference"], "Patient/pt-1");
        assert_eq!(json["goal"][0]["reference"], "Goal/cp-1-red");
        let bp = &json["activity"][0]["detail"];
        assert_eq!(bp["code"]["coding"][0]["code"], "85354-9");
        assert_eq!(
            bp["scheduledTiming"]["repeat"]["timeOfDay"],
            serde_json::json!(["08:00:00", "20:00:00"])
        );
        let red = serde_json::to_value(&goals[0]).unwrap();
        assert_eq!(red["lifecycleStatus"], "active");
        assert_eq!(red["priority"]["coding"][0]["code"], "high-priority");
        assert_eq!(red["target"][0]["measure"]["coding"][0]["code"], "8480-6");
        assert_eq!(red["target"][0]["detailRange"]["high"]["value"], 180.0);
        assert_eq!(red["target"][0]["detailRange"]["high"]["code"], "mm[Hg]");

        // Through JSON and back, as a client would read it.
        let care_plan: CarePlan = serde_json::from_value(json).unwrap();
        let goals: Vec<Goal> = goals
            .iter()
            .map(|g| serde_json::from_value(serde_json::to_value(g).unwrap()).unwrap())
            .collect();
        assert_eq!(from_fhir(&care_plan, &goals).unwrap(), plan());
    }

    #[test]
    fn a_careplan_hale_cannot_follow_is_refused_not_guessed() {
        let (care_plan, goals) = to_fhir(&plan(), "cp-1", "pt-1", enrolled());
        let mut revoked = care_plan.clone();
        revoked.status = "revoked".into();
        assert_eq!(
            from_fhir(&revoked, &goals),
            Err(PlanMappingError::NotActive("revoked".into()))
        );

        let mut unknown = care_plan.clone();
        unknown.activity[0].detail.as_mut().unwrap().code = Some(CodeableConcept {
            coding: vec![loinc(("2093-3", "Cholesterol"))],
            text: None,
        });
        assert_eq!(
            from_fhir(&unknown, &goals),
            Err(PlanMappingError::UnknownMeasurement("2093-3".into()))
        );

        let mut pounds = goals.clone();
        let high = pounds[0].target[0]
            .detail_range
            .as_mut()
            .unwrap()
            .high
            .as_mut()
            .unwrap();
        high.code = Some("[lb_av]".into());
        assert!(matches!(
            from_fhir(&care_plan, &pounds),
            Err(PlanMappingError::WrongUnit { .. })
        ));

        let mut no_tier = goals.clone();
        no_tier[1].priority = None;
        assert_eq!(
            from_fhir(&care_plan, &no_tier),
            Err(PlanMappingError::UnknownTier)
        );

        // Red closer to normal than amber cannot mean anything.
        let mut inside = goals.clone();
        inside[0].target[0].detail_range.as_mut().unwrap().high =
            Some(Quantity::ucum(150.0, "mm[Hg]", "mm[Hg]"));
        assert!(matches!(
            from_fhir(&care_plan, &inside),
            Err(PlanMappingError::Invalid(_))
        ));
    }

    #[test]
    fn goals_the_careplan_does_not_name_are_not_its_limits() {
        let (care_plan, mut goals) = to_fhir(&plan(), "cp-1", "pt-1", enrolled());
        goals[0].id = Some("someone-elses".into());
        let read = from_fhir(&care_plan, &goals).unwrap();
        assert!(read.limits.iter().all(|l| l.red == Band::default()));
    }
}
