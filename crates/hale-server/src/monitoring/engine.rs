//! Runs the monitoring rules of `hale_domain::monitoring` on one enrolled patient's stored
//! data: each family of rules reads what it needs and says which conditions hold now, each with
//! the care team's wording of it. Reading only; [`super::alerts`] turns findings into alerts.
//! Home readings only (`encounter_id IS NULL`): readings taken at a visit are seen by the staff
//! who take them, and must not stand in for a measurement missed at home.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use hale_domain::device::{Reading, ReadingKind, Vital};
use hale_domain::medication::timing::DailyRoutine;
use hale_domain::monitoring::limits::assess;
use hale_domain::monitoring::{doses, missing, Family, Finding, Point, Tier, TrendRule};
use hale_fhir::medication::DOSE_SYSTEM;
use hale_fhir::observation::kind_code;
use hale_fhir::{Observation, Resource};
use sqlx::AnyConnection;

use super::plans::Enrolment;
use super::MonitoringOptions;
use crate::db::Time;
use crate::html::decimal as number;
use crate::FhirError;

/// Families looked at when readings arrive.
pub(crate) const ON_READINGS: &[Family] = &[Family::OutOfRange, Family::Trend];
/// Families looked at when dose records arrive.
pub(crate) const ON_DOSES: &[Family] = &[Family::MissedDose];
/// Families looked at on the timer: what is decided by time passing.
pub(crate) const ON_TIMER: &[Family] = &[
    Family::MissingData,
    Family::MissedDose,
    Family::SilentDevice,
];

/// A condition that holds, and how the console words it ("Blood pressure 185/125 mmHg").
#[derive(Debug, Clone)]
pub(crate) struct Noted {
    pub finding: Finding,
    pub detail: String,
}

/// A device's readings older than this are not the device of a current plan.
const DEVICE_LOOKBACK: Duration = Duration::days(30);

/// Runs `families` for one patient at `now`.
pub(crate) async fn evaluate(
    conn: &mut AnyConnection,
    e: &Enrolment,
    families: &[Family],
    zone: &Tz,
    options: &MonitoringOptions,
    now: DateTime<Utc>,
) -> Result<Vec<Noted>, FhirError> {
    let mut noted = Vec::new();
    for family in families {
        match family {
            Family::OutOfRange => out_of_range(conn, e, &mut noted).await?,
            Family::Trend => trends(conn, e, now, &mut noted).await?,
            Family::MissingData => missing_data(conn, e, zone, options, now, &mut noted).await?,
            Family::MissedDose => missed_doses(conn, e, zone, now, &mut noted).await?,
            Family::SilentDevice => silent_devices(conn, e, options, now, &mut noted).await?,
        }
    }
    Ok(noted)
}

/// The latest reading of each kind the plan has limits for, against those limits.
async fn out_of_range(
    conn: &mut AnyConnection,
    e: &Enrolment,
    noted: &mut Vec<Noted>,
) -> Result<(), FhirError> {
    let kinds: BTreeSet<&'static str> = e
        .plan
        .limits
        .iter()
        .map(|l| kind_code(l.vital.kind()).0)
        .collect();
    for code in kinds {
        let latest: Option<(String,)> = sqlx::query_as(
            "SELECT resource FROM observation WHERE patient_id = $1 AND encounter_id IS NULL AND code = $2 \
             ORDER BY effective_at DESC LIMIT 1",
        )
        .bind(&e.patient_id)
        .bind(code)
        .fetch_optional(&mut *conn)
        .await?;
        let Some(reading) = latest.map(|(json,)| reading_of(&json)).transpose()? else {
            continue;
        };
        if let Some(crossed) = assess(&e.plan.limits, &reading) {
            noted.push(Noted {
                finding: Finding::out_of_range(reading.kind, crossed.tier),
                detail: format!(
                    "{} {} ({} limit)",
                    reading.kind.label(),
                    reading_text(&reading),
                    tier_word(crossed.tier)
                ),
            });
        }
    }
    Ok(())
}

/// Each of the plan's trend rules over its window of readings.
async fn trends(
    conn: &mut AnyConnection,
    e: &Enrolment,
    now: DateTime<Utc>,
    noted: &mut Vec<Noted>,
) -> Result<(), FhirError> {
    for rule in &e.plan.trends {
        let vital = rule.vital();
        let from = now - Duration::days(i64::from(rule.days()));
        let rows: Vec<(String,)> = sqlx::query_as(
            "SELECT resource FROM observation WHERE patient_id = $1 AND encounter_id IS NULL AND code = $2 \
             AND effective_at >= $3 AND effective_at <= $4",
        )
        .bind(&e.patient_id)
        .bind(kind_code(vital.kind()).0)
        .bind(Time(from))
        .bind(Time(now))
        .fetch_all(&mut *conn)
        .await?;
        let mut points = Vec::with_capacity(rows.len());
        for (json,) in rows {
            let reading = reading_of(&json)?;
            if let Some(value) = reading.value(vital) {
                points.push(Point {
                    at: reading.effective,
                    value,
                });
            }
        }
        if let Some(found) = rule.evaluate(&points, now) {
            noted.push(Noted {
                finding: Finding::trend(&rule.key(), found.tier),
                detail: trend_text(rule, found.figure),
            });
        }
    }
    Ok(())
}

async fn missing_data(
    conn: &mut AnyConnection,
    e: &Enrolment,
    zone: &Tz,
    options: &MonitoringOptions,
    now: DateTime<Utc>,
    noted: &mut Vec<Noted>,
) -> Result<(), FhirError> {
    let mut last = Vec::new();
    for m in &e.plan.measurements {
        let at: Option<(Option<Time>,)> = sqlx::query_as(
            "SELECT MAX(effective_at) FROM observation WHERE patient_id = $1 AND encounter_id IS NULL AND code = $2",
        )
        .bind(&e.patient_id)
        .bind(kind_code(m.kind).0)
        .fetch_optional(&mut *conn)
        .await?;
        last.push((m.kind, at.and_then(|(t,)| t).map(|t| t.0)));
    }
    let found = missing::missing_data(
        &e.plan.measurements,
        |kind| {
            last.iter()
                .find(|(k, _)| *k == kind)
                .and_then(|(_, at)| *at)
        },
        zone,
        options.window,
        e.enrolled,
        now,
    );
    noted.extend(found.into_iter().map(|finding| {
        let kind = ReadingKind::from_slug(finding.key.split_once(':').map_or("", |(_, s)| s));
        Noted {
            detail: format!(
                "No {} reading at the planned time",
                kind.map_or("planned", |k| k.label()).to_lowercase()
            ),
            finding,
        }
    }));
    Ok(())
}

async fn missed_doses(
    conn: &mut AnyConnection,
    e: &Enrolment,
    zone: &Tz,
    now: DateTime<Utc>,
    noted: &mut Vec<Noted>,
) -> Result<(), FhirError> {
    let medicines = crate::medication::active_medicines(conn, &e.patient_id, zone).await?;
    if medicines.is_empty() {
        return Ok(());
    }
    // A dose due within the rule's look-back may be recorded up to now.
    let recorded = recorded_doses(conn, &e.patient_id, now - Duration::days(3)).await?;
    // The hospital does not know the patient's own meal times: `when` codes use a common day.
    let found = doses::missed_doses(
        &medicines,
        |key| recorded.contains(key),
        &DailyRoutine::default(),
        zone,
        now,
    );
    noted.extend(found.into_iter().map(|finding| {
        let id = finding.key.split_once(':').map_or("", |(_, s)| s);
        let name = medicines
            .iter()
            .find(|m| m.id == id)
            .map_or("a medicine", |m| m.name.as_str());
        Noted {
            detail: format!("No record of the last dose of {name}"),
            finding,
        }
    }));
    Ok(())
}

/// The dose keys of `patient`'s dose records taken or skipped since `since`.
pub(crate) async fn recorded_doses(
    conn: &mut AnyConnection,
    patient: &str,
    since: DateTime<Utc>,
) -> Result<BTreeSet<String>, FhirError> {
    let recorded: Vec<(String,)> = sqlx::query_as(
        "SELECT identifier_value FROM medication_administration \
         WHERE patient_id = $1 AND identifier_system = $2 AND effective_at >= $3",
    )
    .bind(patient)
    .bind(DOSE_SYSTEM)
    .bind(Time(since))
    .fetch_all(&mut *conn)
    .await?;
    Ok(recorded.into_iter().map(|(k,)| k).collect())
}

async fn silent_devices(
    conn: &mut AnyConnection,
    e: &Enrolment,
    options: &MonitoringOptions,
    now: DateTime<Utc>,
    noted: &mut Vec<Noted>,
) -> Result<(), FhirError> {
    let heard: Vec<(String, Time)> = sqlx::query_as(
        "SELECT device_id, MAX(effective_at) FROM observation \
         WHERE patient_id = $1 AND device_id IS NOT NULL AND encounter_id IS NULL AND effective_at >= $2 \
         GROUP BY device_id",
    )
    .bind(&e.patient_id)
    .bind(Time(now - DEVICE_LOOKBACK))
    .fetch_all(&mut *conn)
    .await?;
    let found = missing::silent_devices(
        heard.iter().map(|(d, t)| (d.as_str(), t.0)),
        options.silence,
        now,
    );
    noted.extend(found.into_iter().map(|finding| Noted {
        detail: format!(
            "A device has sent nothing for {} hours",
            options.silence.num_hours()
        ),
        finding,
    }));
    Ok(())
}

fn reading_of(json: &str) -> Result<Reading, FhirError> {
    match serde_json::from_str(json) {
        Ok(Resource::Observation(o)) => Observation::to_reading(&o)
            .map_err(|e| FhirError::Internal(format!("a stored reading is unreadable: {e}"))),
        _ => Err(FhirError::Internal("a stored reading is unreadable".into())),
    }
}

/// "185/125 mmHg", "84.2 kg".
pub(crate) fn reading_text(reading: &Reading) -> String {
    let unit = reading.values.first().map_or("", |q| q.unit.symbol());
    if reading.kind == ReadingKind::BloodPressure {
        let sys = reading.value(Vital::Systolic).map_or("?".into(), number);
        let dia = reading.value(Vital::Diastolic).map_or("?".into(), number);
        return format!("{sys}/{dia} {unit}");
    }
    let value = reading
        .values
        .first()
        .map_or("?".into(), |q| number(q.value));
    format!("{value} {unit}")
}

fn tier_word(tier: Tier) -> &'static str {
    match tier {
        Tier::Red => "red",
        Tier::Amber => "amber",
    }
}

fn trend_text(rule: &TrendRule, figure: f64) -> String {
    match rule {
        TrendRule::RiseWithin { vital, days, .. } => format!(
            "{} up {} in {days} days",
            vital.kind().label(),
            number(figure)
        ),
        TrendRule::MeanAtOrAbove { days, .. } => {
            format!("{days}-day mean {} above target", number(figure))
        }
        TrendRule::Falling { vital, days, .. } => format!(
            "{} falling {} a day over {days} days",
            vital.kind().label(),
            number(figure.abs())
        ),
        TrendRule::ShareBelow { days, .. } => format!(
            "{}% of the last {days} days below range",
            number(figure * 100.0)
        ),
    }
}
