//! The demo hospital's care teams: cardiology (a doctor, a nurse on call, and the team's admin)
//! watching Alex Morgan's blood pressure and weight, and a respiratory team that does not, so
//! the console shows what a team member outside a patient's team may and may not see.

use chrono::{DateTime, NaiveTime, Utc};
use hale_domain::device::{ReadingKind, Vital};
use hale_domain::monitoring::{Band, MonitoringPlan, PlannedMeasurement, TrendRule, VitalLimits};
use sqlx::{Any, Transaction};

use super::seed::DEMO_PATIENT;
use crate::FhirError;

/// A seeded member of staff (their demo password is public: it is a demo).
#[derive(Debug, Clone, Copy)]
pub struct DemoStaff {
    pub id: &'static str,
    pub name: &'static str,
    pub role: &'static str,
    pub team: &'static str,
    pub username: &'static str,
    pub password: &'static str,
    pub on_call: bool,
}

pub const CARDIOLOGY: (&str, &str) = ("team-cardiology", "Cardiology remote monitoring");
pub const RESPIRATORY: (&str, &str) = ("team-respiratory", "Respiratory remote monitoring");

pub const DEMO_DOCTOR: DemoStaff = DemoStaff {
    id: "st-shah",
    name: "Dr Priya Shah",
    role: "clinician",
    team: CARDIOLOGY.0,
    username: "dr.shah",
    password: "hale-demo-shah",
    on_call: false,
};

pub const DEMO_NURSE: DemoStaff = DemoStaff {
    id: "st-okafor",
    name: "Nurse Sam Okafor",
    role: "nurse",
    team: CARDIOLOGY.0,
    username: "nurse.okafor",
    password: "hale-demo-okafor",
    on_call: true,
};

pub const DEMO_ADMIN: DemoStaff = DemoStaff {
    id: "st-lee",
    name: "Jordan Lee",
    role: "admin",
    team: CARDIOLOGY.0,
    username: "admin.lee",
    password: "hale-demo-lee",
    on_call: false,
};

/// In another team: Alex is not theirs to read without breaking glass.
pub const OTHER_TEAM_NURSE: DemoStaff = DemoStaff {
    id: "st-reyes",
    name: "Nurse Ana Reyes",
    role: "nurse",
    team: RESPIRATORY.0,
    username: "nurse.reyes",
    password: "hale-demo-reyes",
    on_call: true,
};

pub const DEMO_STAFF_MEMBERS: [DemoStaff; 4] =
    [DEMO_DOCTOR, DEMO_NURSE, DEMO_ADMIN, OTHER_TEAM_NURSE];

/// Blood pressure morning and evening, weight every morning; red at 180/120, amber at 160/100.
pub fn demo_plan() -> MonitoringPlan {
    let at = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap_or_default();
    let measured = [Vital::Systolic, Vital::BodyWeight];
    MonitoringPlan {
        measurements: vec![
            PlannedMeasurement {
                kind: ReadingKind::BloodPressure,
                times: vec![at(8), at(20)],
            },
            PlannedMeasurement {
                kind: ReadingKind::BodyWeight,
                times: vec![at(8)],
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
        trends: TrendRule::defaults()
            .into_iter()
            .filter(|r| measured.contains(&r.vital()))
            .collect(),
    }
}

/// Adds the teams and their staff, and enrols Alex once: a plan a clinician later ends or
/// changes stays as they left it.
pub(super) async fn seed(
    tx: &mut Transaction<'_, Any>,
    now: DateTime<Utc>,
) -> Result<(), FhirError> {
    for (id, name) in [CARDIOLOGY, RESPIRATORY] {
        sqlx::query("INSERT INTO care_team (id, name) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id)
            .bind(name)
            .execute(&mut **tx)
            .await?;
    }
    for s in DEMO_STAFF_MEMBERS {
        let known: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM staff WHERE id = $1")
            .bind(s.id)
            .fetch_one(&mut **tx)
            .await?;
        if known == 0 {
            sqlx::query(
                "INSERT INTO staff (id, name, role, team_id, username, password_hash, on_call) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(s.id)
            .bind(s.name)
            .bind(s.role)
            .bind(s.team)
            .bind(s.username)
            .bind(crate::password::hash(s.password)?)
            .bind(i64::from(s.on_call))
            .execute(&mut **tx)
            .await?;
        }
    }
    let plans: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM monitoring_plan WHERE patient_id = $1")
            .bind(DEMO_PATIENT.id)
            .fetch_one(&mut **tx)
            .await?;
    if plans == 0 {
        crate::monitoring::plans::enrol(
            tx,
            DEMO_PATIENT.id,
            CARDIOLOGY.0,
            demo_plan(),
            Some(DEMO_DOCTOR.id),
            now,
        )
        .await?;
    }
    Ok(())
}
