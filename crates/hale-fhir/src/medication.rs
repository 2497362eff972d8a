//! FHIR R4 medicines: `MedicationRequest` (a prescription, whose `dosageInstruction` carries the
//! `Timing`), and `MedicationAdministration` (one dose the patient took or did not take).
//!
//! Hale records the patient's own doses as MedicationAdministration rather than
//! MedicationStatement: each record is one event at one time, taken (`completed`) or not
//! (`not-done` with a `statusReason`), linked to the prescription it fulfils through `request`.
//! That is what adherence needs. MedicationStatement summarises ongoing use ("takes atorvastatin
//! at night") and has no place for a single dose's outcome.
//!
//! The mapping to the domain (`Dosage` → [`DosageStep`]) lives here too; it refuses what Hale
//! could not schedule honestly and says why.

use chrono::{DateTime, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc, Weekday};
use hale_domain::medication::timing::{
    validate, Bounds, DosageStep, InvalidTiming, PeriodUnit, Timing as DomainTiming, When,
};
use hale_domain::medication::{AsNeeded, DoseRecord, Medicine, Outcome, SkipReason, Source};
use serde::{Deserialize, Serialize};

use crate::{CodeableConcept, Coding, Identifier, Reference};

/// The identifier system of a dose record: `{medicine}@{slot}`, so the same dose sent twice is
/// stored once (conditional create on it).
pub const DOSE_SYSTEM: &str = "urn:hale:dose";

/// UCUM, the system of `Quantity.code`.
pub const UCUM: &str = "http://unitsofmeasure.org";

/// The reasons a dose was not taken (`MedicationAdministration.statusReason`), Hale's own
/// small code system: the patient picks one in the app.
pub const SKIP_REASON_SYSTEM: &str = "urn:hale:dose-skip-reason";

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MedicationRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// active | on-hold | cancelled | completed | entered-in-error | stopped | draft | unknown
    pub status: String,
    /// proposal | plan | order | …; a prescription is an `order`.
    pub intent: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medication_codeable_concept: Option<CodeableConcept>,
    pub subject: Reference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authored_on: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requester: Option<Reference>,
    /// The visit it was written at, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encounter: Option<Reference>,
    /// The prescription this one replaces (a changed dose is a new prescription).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub prior_prescription: Option<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dosage_instruction: Vec<Dosage>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dispense_request: Option<DispenseRequest>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DispenseRequest {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quantity: Option<Quantity>,
}

/// FHIR `Dosage`: how a medicine is taken.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Dosage {
    /// Order of steps (a tapering course has several).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub patient_instruction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timing: Option<Timing>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_needed_boolean: Option<bool>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dose_and_rate: Vec<DoseAndRate>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_dose_per_period: Option<Ratio>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DoseAndRate {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose_quantity: Option<Quantity>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Ratio {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub numerator: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub denominator: Option<Quantity>,
}

/// FHIR `Quantity` (also `Duration`, which is a Quantity with a time unit).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Quantity {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub system: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
}

impl Quantity {
    /// `value` of a UCUM unit, e.g. `Quantity::ucum(2.0, "tablet", "{tablet}")`.
    pub fn ucum(value: f64, unit: &str, code: &str) -> Self {
        Self {
            value: Some(value),
            unit: Some(unit.to_owned()),
            system: Some(UCUM.to_owned()),
            code: Some(code.to_owned()),
        }
    }
}

/// FHIR `Timing`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Timing {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub repeat: Option<TimingRepeat>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<CodeableConcept>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TimingRepeat {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds_duration: Option<Quantity>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bounds_period: Option<DatePeriod>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub count: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub frequency: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub period_unit: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub day_of_week: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub time_of_day: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub when: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offset: Option<u32>,
}

/// A `Period` whose ends may be dates or dateTimes, as `boundsPeriod` allows; kept as text and
/// read in the patient's wall-clock time.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DatePeriod {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct MedicationAdministration {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<crate::datatypes::Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    /// completed (taken) | not-done (skipped) | in-progress | on-hold | stopped | entered-in-error
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub status_reason: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medication_codeable_concept: Option<CodeableConcept>,
    pub subject: Reference,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_date_time: Option<DateTime<Utc>>,
    /// Who recorded the dose, when not the patient: the helper's RelatedPerson. The hospital
    /// sets it from the token; what a client sends is replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub performer: Vec<AdministrationPerformer>,
    /// The prescription this dose fulfils; none for a medicine the patient added.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request: Option<Reference>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dosage: Option<AdministrationDosage>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub note: Vec<Annotation>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AdministrationPerformer {
    pub actor: Reference,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AdministrationDosage {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dose: Option<Quantity>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Annotation {
    pub text: String,
}

impl MedicationAdministration {
    /// The value of the identifier of `system`, if any.
    pub fn identifier_value(&self, system: &str) -> Option<&str> {
        Identifier::value_in(&self.identifier, system)
    }
}

/// Why a prescription's dosage cannot become a schedule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DosageError {
    #[error("the dosage has no timing and is not 'as needed'")]
    NoTiming,
    #[error("unknown period unit '{0}'")]
    PeriodUnit(String),
    #[error("the period {0} is not a whole number")]
    FractionalPeriod(String),
    #[error("unknown day of week '{0}'")]
    DayOfWeek(String),
    #[error("unknown time of day '{0}'")]
    TimeOfDay(String),
    #[error("unknown event timing '{0}'")]
    When(String),
    #[error("unreadable bounds '{0}'")]
    Bounds(String),
    #[error(transparent)]
    Invalid(#[from] InvalidTiming),
}

impl Dosage {
    /// Whether this dosage is taken only when needed (FHIR `asNeededBoolean`).
    pub fn as_needed(&self) -> bool {
        self.as_needed_boolean == Some(true)
    }

    /// The amount per dose and its unit, when the prescription gives them.
    pub fn dose(&self) -> (Option<f64>, Option<String>) {
        let q = self
            .dose_and_rate
            .iter()
            .find_map(|d| d.dose_quantity.as_ref());
        (
            q.and_then(|q| q.value),
            q.and_then(|q| q.unit.clone().or_else(|| q.code.clone())),
        )
    }

    /// This dosage as a domain step, its bounds read in wall-clock time; `course_start` is where
    /// a `boundsDuration` (or no bounds at all) starts: the prescription's authoring time.
    pub fn to_step(&self, course_start: NaiveDateTime) -> Result<DosageStep, DosageError> {
        let repeat = self
            .timing
            .as_ref()
            .and_then(|t| t.repeat.as_ref())
            .ok_or(DosageError::NoTiming)?;
        let unit_code = repeat.period_unit.as_deref().unwrap_or("d");
        let period_unit = PeriodUnit::from_code(unit_code)
            .ok_or_else(|| DosageError::PeriodUnit(unit_code.to_owned()))?;
        let period = repeat.period.unwrap_or(1.0);
        if period.fract() != 0.0 || !(1.0..=1000.0).contains(&period) {
            return Err(DosageError::FractionalPeriod(period.to_string()));
        }
        let day_of_week = repeat
            .day_of_week
            .iter()
            .map(|d| weekday(d).ok_or_else(|| DosageError::DayOfWeek(d.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let time_of_day = repeat
            .time_of_day
            .iter()
            .map(|t| {
                NaiveTime::parse_from_str(t, "%H:%M:%S")
                    .map_err(|_| DosageError::TimeOfDay(t.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let when = repeat
            .when
            .iter()
            .map(|w| When::from_code(w).ok_or_else(|| DosageError::When(w.clone())))
            .collect::<Result<Vec<_>, _>>()?;
        let timing = DomainTiming {
            frequency: repeat.frequency.unwrap_or(1),
            period: period as u32,
            period_unit,
            time_of_day,
            day_of_week,
            when,
            offset_minutes: repeat.offset.unwrap_or(0),
            count: repeat.count,
        };
        validate(&timing)?;
        let bounds = bounds(repeat, course_start)?;
        let (dose, unit) = self.dose();
        Ok(DosageStep {
            timing,
            bounds,
            dose,
            unit,
        })
    }
}

impl MedicationRequest {
    /// The medicine's name as prescribed.
    pub fn name(&self) -> Option<&str> {
        self.medication_codeable_concept
            .as_ref()
            .and_then(CodeableConcept::label)
    }

    /// This prescription as a medicine on the patient's list, its bounds read as wall-clock time
    /// in `zone`. A dosage Hale cannot schedule leaves the medicine without reminders (its
    /// instructions still show) rather than guessing; the error says which.
    pub fn to_medicine<Tz: TimeZone>(&self, zone: &Tz) -> (Medicine, Option<DosageError>) {
        let id = format!("rx:{}", self.id.as_deref().unwrap_or_default());
        let course_start = self
            .authored_on
            .map(|t| t.with_timezone(zone).naive_local())
            .unwrap_or_default();
        let mut dosages: Vec<&Dosage> = self.dosage_instruction.iter().collect();
        dosages.sort_by_key(|d| d.sequence.unwrap_or(0));
        let mut error = None;
        let mut steps = Vec::new();
        let mut as_needed = None;
        for d in &dosages {
            if d.as_needed() {
                let (dose, _) = d.dose();
                let max_per_day = d.max_dose_per_period.as_ref().and_then(|r| {
                    let per = r.numerator.as_ref()?.value?;
                    let days = r.denominator.as_ref()?.value?;
                    let each = dose.unwrap_or(1.0);
                    (days > 0.0 && each > 0.0).then(|| (per / days / each).floor() as u32)
                });
                as_needed = Some(AsNeeded { dose, max_per_day });
                continue;
            }
            match d.to_step(course_start) {
                Ok(step) => steps.push(step),
                Err(e) => error = Some(e),
            }
        }
        if error.is_some() {
            steps.clear();
        }
        let mut instructions: Vec<&str> =
            dosages.iter().filter_map(|d| d.text.as_deref()).collect();
        instructions.extend(
            dosages
                .iter()
                .filter_map(|d| d.patient_instruction.as_deref()),
        );
        let unit = dosages.iter().find_map(|d| d.dose().1);
        let medicine = Medicine {
            id,
            name: self.name().unwrap_or("Unnamed medicine").to_owned(),
            instructions: (!instructions.is_empty()).then(|| instructions.join(". ")),
            source: Source::Prescription,
            steps,
            as_needed,
            unit,
            active: self.status == "active",
        };
        (medicine, error)
    }
}

impl MedicationAdministration {
    /// A dose record as the hospital receives it: one event, taken (`completed`) or not
    /// (`not-done` with the reason), named by its dose key so it is stored once.
    pub fn from_record(record: &DoseRecord, medicine: &Medicine, patient_id: &str) -> Self {
        let (status, status_reason, dose) = match record.outcome {
            Outcome::Taken { amount } => (
                "completed",
                Vec::new(),
                amount.map(|value| AdministrationDosage {
                    dose: Some(Quantity {
                        value: Some(value),
                        unit: medicine.unit.clone(),
                        ..Quantity::default()
                    }),
                }),
            ),
            Outcome::Skipped { reason } => (
                "not-done",
                vec![CodeableConcept {
                    coding: vec![Coding {
                        system: Some(SKIP_REASON_SYSTEM.into()),
                        code: Some(reason.code().into()),
                        display: Some(reason.label().into()),
                    }],
                    text: None,
                }],
                None,
            ),
        };
        Self {
            id: None,
            meta: None,
            identifier: vec![Identifier {
                system: Some(DOSE_SYSTEM.into()),
                value: Some(record.key()),
            }],
            status: status.into(),
            status_reason,
            medication_codeable_concept: Some(CodeableConcept {
                coding: Vec::new(),
                text: Some(medicine.name.clone()),
            }),
            subject: Reference::to("Patient", patient_id, None),
            effective_date_time: Some(record.at),
            performer: Vec::new(),
            request: medicine
                .id
                .strip_prefix("rx:")
                .map(|id| Reference::to("MedicationRequest", id, None)),
            dosage: dose,
            note: Vec::new(),
        }
    }

    /// The dose record this administration carries, if it names one (a Hale dose identifier).
    pub fn to_record(&self) -> Option<DoseRecord> {
        let (medicine_id, slot) = self.identifier_value(DOSE_SYSTEM)?.split_once('@')?;
        let outcome = match self.status.as_str() {
            "completed" => Outcome::Taken {
                amount: self
                    .dosage
                    .as_ref()
                    .and_then(|d| d.dose.as_ref())
                    .and_then(|q| q.value),
            },
            "not-done" => Outcome::Skipped {
                reason: self
                    .status_reason
                    .iter()
                    .flat_map(|r| &r.coding)
                    .filter(|c| c.system.as_deref() == Some(SKIP_REASON_SYSTEM))
                    .find_map(|c| c.code.as_deref().and_then(SkipReason::from_code))
                    .unwrap_or(SkipReason::Other),
            },
            _ => return None,
        };
        Some(DoseRecord {
            medicine_id: medicine_id.to_owned(),
            slot: slot.to_owned(),
            due: None,
            outcome,
            at: self.effective_date_time?,
        })
    }
}

fn weekday(code: &str) -> Option<Weekday> {
    Some(match code {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

/// The FHIR `days-of-week` code of a weekday.
pub fn weekday_code(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "mon",
        Weekday::Tue => "tue",
        Weekday::Wed => "wed",
        Weekday::Thu => "thu",
        Weekday::Fri => "fri",
        Weekday::Sat => "sat",
        Weekday::Sun => "sun",
    }
}

fn bounds(repeat: &TimingRepeat, course_start: NaiveDateTime) -> Result<Bounds, DosageError> {
    if let Some(period) = &repeat.bounds_period {
        let start = match &period.start {
            Some(s) => wall_clock(s, false)?,
            None => course_start,
        };
        let end = period
            .end
            .as_deref()
            .map(|e| wall_clock(e, true))
            .transpose()?;
        return Ok(Bounds { start, end });
    }
    if let Some(duration) = &repeat.bounds_duration {
        let value = duration.value.unwrap_or(0.0);
        let unit = duration
            .code
            .as_deref()
            .or(duration.unit.as_deref())
            .unwrap_or("d");
        let whole = value as u64;
        let err = || DosageError::Bounds(format!("{value} {unit}"));
        if value.fract() != 0.0 || value < 0.0 {
            return Err(err());
        }
        let end = match unit {
            "h" => course_start.checked_add_signed(chrono::Duration::hours(whole as i64)),
            "d" | "day" | "days" => course_start.checked_add_days(Days::new(whole)),
            "wk" | "week" | "weeks" => course_start.checked_add_days(Days::new(whole * 7)),
            "mo" | "month" | "months" => course_start.checked_add_months(Months::new(whole as u32)),
            _ => None,
        }
        .ok_or_else(err)?;
        return Ok(Bounds {
            start: course_start,
            end: Some(end),
        });
    }
    Ok(Bounds {
        start: course_start,
        end: None,
    })
}

/// A FHIR date or dateTime as wall-clock time. A bare date ending a period includes that whole
/// day (so the end is the next midnight, exclusive); a dateTime keeps its clock time, because a
/// dose schedule means the patient's local time wherever they are.
fn wall_clock(text: &str, is_end: bool) -> Result<NaiveDateTime, DosageError> {
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        let day = if is_end { date.succ_opt() } else { Some(date) };
        return day
            .map(|d| d.and_time(NaiveTime::MIN))
            .ok_or_else(|| DosageError::Bounds(text.to_owned()));
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.naive_local());
    }
    NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S")
        .map_err(|_| DosageError::Bounds(text.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn start() -> NaiveDateTime {
        NaiveDate::from_ymd_opt(2026, 12, 1)
            .unwrap()
            .and_hms_opt(10, 0, 0)
            .unwrap()
    }

    fn dosage(json: &str) -> Dosage {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn twice_daily_with_meals_reads_its_when_codes() {
        let d = dosage(
            r#"{"text":"1 tablet twice a day with breakfast and dinner",
                "timing":{"repeat":{"frequency":2,"period":1,"periodUnit":"d","when":["CM","CV"]}},
                "doseAndRate":[{"doseQuantity":{"value":1,"unit":"tablet","system":"http://unitsofmeasure.org","code":"{tablet}"}}]}"#,
        );
        let step = d.to_step(start()).unwrap();
        assert_eq!(step.timing.when, vec![When::Breakfast, When::Dinner]);
        assert_eq!(step.timing.period_unit, PeriodUnit::Day);
        assert_eq!(
            (step.dose, step.unit.as_deref()),
            (Some(1.0), Some("tablet"))
        );
        assert_eq!(
            step.bounds,
            Bounds {
                start: start(),
                end: None
            }
        );
    }

    #[test]
    fn bounds_duration_counts_from_the_course_start() {
        let d = dosage(
            r#"{"timing":{"repeat":{"frequency":1,"period":8,"periodUnit":"h",
                "boundsDuration":{"value":7,"unit":"days","system":"http://unitsofmeasure.org","code":"d"}}}}"#,
        );
        let step = d.to_step(start()).unwrap();
        assert_eq!(step.bounds.end, Some(start() + chrono::Duration::days(7)));
    }

    #[test]
    fn a_bounds_period_of_dates_includes_its_last_day() {
        let d = dosage(
            r#"{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d",
                "boundsPeriod":{"start":"2026-12-03","end":"2026-12-07"}}}}"#,
        );
        let b = d.to_step(start()).unwrap().bounds;
        assert_eq!(b.start.to_string(), "2026-12-03 00:00:00");
        assert_eq!(b.end.unwrap().to_string(), "2026-12-08 00:00:00");
    }

    #[test]
    fn weekly_on_a_day_with_an_offset_before_breakfast() {
        let d = dosage(
            r#"{"timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"wk","dayOfWeek":["mon"],
                "when":["ACM"],"offset":30}}}"#,
        );
        let t = d.to_step(start()).unwrap().timing;
        assert_eq!(t.day_of_week, vec![Weekday::Mon]);
        assert_eq!((t.when[0], t.offset_minutes), (When::BeforeBreakfast, 30));
    }

    #[test]
    fn what_cannot_be_scheduled_is_refused_with_a_reason() {
        let cases = [
            (r#"{"text":"as directed"}"#, DosageError::NoTiming),
            (
                r#"{"timing":{"repeat":{"period":1,"periodUnit":"fortnight"}}}"#,
                DosageError::PeriodUnit("fortnight".into()),
            ),
            (
                r#"{"timing":{"repeat":{"period":0.5,"periodUnit":"d"}}}"#,
                DosageError::FractionalPeriod("0.5".into()),
            ),
            (
                r#"{"timing":{"repeat":{"dayOfWeek":["someday"]}}}"#,
                DosageError::DayOfWeek("someday".into()),
            ),
            (
                r#"{"timing":{"repeat":{"timeOfDay":["25:00:00"]}}}"#,
                DosageError::TimeOfDay("25:00:00".into()),
            ),
            (
                r#"{"timing":{"repeat":{"when":["LUNCHTIME"]}}}"#,
                DosageError::When("LUNCHTIME".into()),
            ),
            (
                r#"{"timing":{"repeat":{"frequency":10,"period":1,"periodUnit":"h"}}}"#,
                DosageError::Invalid(InvalidTiming::TooFrequent),
            ),
        ];
        for (json, expected) in cases {
            assert_eq!(dosage(json).to_step(start()), Err(expected), "{json}");
        }
    }

    #[test]
    fn a_prescription_becomes_a_medicine_with_its_steps_in_sequence() {
        let json = r#"{"resourceType":"MedicationRequest","id":"mr-5","status":"active","intent":"order",
            "medicationCodeableConcept":{"text":"Prednisolone 5 mg tablets"},
            "subject":{"reference":"Patient/pt-1"},"authoredOn":"2026-12-01T10:00:00Z",
            "dosageInstruction":[
              {"sequence":2,"text":"4 tablets","timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d","when":["CM"],
                "boundsPeriod":{"start":"2026-12-06","end":"2026-12-10"}}},"doseAndRate":[{"doseQuantity":{"value":4,"unit":"tablet"}}]},
              {"sequence":1,"text":"6 tablets","timing":{"repeat":{"frequency":1,"period":1,"periodUnit":"d","when":["CM"],
                "boundsPeriod":{"start":"2026-12-01","end":"2026-12-05"}}},"doseAndRate":[{"doseQuantity":{"value":6,"unit":"tablet"}}]}]}"#;
        let crate::Resource::MedicationRequest(r) = serde_json::from_str(json).unwrap() else {
            panic!("not a MedicationRequest");
        };
        let (m, error) = r.to_medicine(&Utc);
        assert_eq!(error, None);
        assert_eq!(m.id, "rx:mr-5");
        assert_eq!(m.name, "Prednisolone 5 mg tablets");
        assert_eq!(
            m.steps.iter().map(|s| s.dose).collect::<Vec<_>>(),
            [Some(6.0), Some(4.0)]
        );
        assert_eq!(m.instructions.as_deref(), Some("6 tablets. 4 tablets"));
        assert!(m.active && m.as_needed.is_none());
    }

    #[test]
    fn an_as_needed_prescription_has_no_schedule_and_a_daily_maximum() {
        let r = MedicationRequest {
            id: Some("mr-6".into()),
            status: "active".into(),
            dosage_instruction: vec![dosage(
                r#"{"asNeededBoolean":true,"doseAndRate":[{"doseQuantity":{"value":2,"unit":"puff"}}],
                    "maxDosePerPeriod":{"numerator":{"value":8},"denominator":{"value":1,"unit":"d"}}}"#,
            )],
            ..MedicationRequest::default()
        };
        let (m, error) = r.to_medicine(&Utc);
        assert_eq!(error, None);
        assert!(m.steps.is_empty());
        assert_eq!(
            m.as_needed,
            Some(AsNeeded {
                dose: Some(2.0),
                max_per_day: Some(4)
            })
        );
    }

    #[test]
    fn a_dosage_hale_cannot_schedule_leaves_the_medicine_without_reminders() {
        let r = MedicationRequest {
            id: Some("mr-7".into()),
            status: "active".into(),
            dosage_instruction: vec![dosage(r#"{"text":"as directed by the clinic"}"#)],
            ..MedicationRequest::default()
        };
        let (m, error) = r.to_medicine(&Utc);
        assert_eq!(error, Some(DosageError::NoTiming));
        assert!(m.steps.is_empty());
        assert_eq!(m.instructions.as_deref(), Some("as directed by the clinic"));
    }

    #[test]
    fn a_dose_record_goes_to_the_hospital_and_comes_back_the_same() {
        let medicine = Medicine {
            id: "rx:mr-1".into(),
            name: "Metformin 500 mg tablets".into(),
            instructions: None,
            source: Source::Prescription,
            steps: Vec::new(),
            as_needed: None,
            unit: Some("tablet".into()),
            active: true,
        };
        for outcome in [
            Outcome::Taken { amount: Some(1.0) },
            Outcome::Skipped {
                reason: SkipReason::SideEffects,
            },
        ] {
            let record = DoseRecord {
                medicine_id: medicine.id.clone(),
                slot: "2026-12-01T08:00".into(),
                due: None,
                outcome,
                at: "2026-12-01T08:04:00Z".parse().unwrap(),
            };
            let a = MedicationAdministration::from_record(&record, &medicine, "pt-1");
            assert_eq!(
                a.request,
                Some(Reference::to("MedicationRequest", "mr-1", None))
            );
            assert_eq!(
                a.identifier_value(DOSE_SYSTEM),
                Some("rx:mr-1@2026-12-01T08:00")
            );
            assert_eq!(a.to_record(), Some(record));
        }
    }

    #[test]
    fn an_administration_has_the_r4_shape() {
        let a = MedicationAdministration {
            identifier: vec![Identifier {
                system: Some(DOSE_SYSTEM.into()),
                value: Some("rx:mr-1@2026-12-01T08:00".into()),
            }],
            status: "not-done".into(),
            status_reason: vec![CodeableConcept {
                text: Some("Felt unwell".into()),
                ..Default::default()
            }],
            subject: Reference::to("Patient", "pt-1", None),
            effective_date_time: Some("2026-12-01T08:05:00Z".parse().unwrap()),
            request: Some(Reference::to("MedicationRequest", "mr-1", None)),
            ..Default::default()
        };
        let json =
            serde_json::to_value(crate::Resource::MedicationAdministration(a.clone())).unwrap();
        assert_eq!(json["resourceType"], "MedicationAdministration");
        assert_eq!(json["effectiveDateTime"], "2026-12-01T08:05:00Z");
        assert_eq!(json["statusReason"][0]["text"], "Felt unwell");
        assert_eq!(
            a.identifier_value(DOSE_SYSTEM),
            Some("rx:mr-1@2026-12-01T08:00")
        );
        let back: crate::Resource = serde_json::from_value(json).unwrap();
        assert_eq!(back, crate::Resource::MedicationAdministration(a));
    }
}
