//! The last copy of what the care team shares with the patient, shown offline like every
//! other screen, and what the app's own alerts and measurement reminders follow.

use chrono::{DateTime, Utc};
use hale_domain::monitoring::{CareMessage, CareTeam, HospitalAlert, MonitoringPlan, Tier};

use crate::fetched::{fetched_at, mark_fetched};
use crate::{Cached, Owner, Store, StoreError};

const CARE_TEAM: &str = "care-team";

type AlertRow = (
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

impl Store {
    /// Replaces the copy in one transaction.
    pub async fn replace_care_team(
        &self,
        owner: Owner<'_>,
        team: &CareTeam,
        fetched: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        for table in ["care_plan", "hospital_alert", "care_message"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE hospital = ? AND patient_id = ?"
            ))
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .execute(&mut *tx)
            .await?;
        }
        if let Some(plan) = &team.plan {
            let json = serde_json::to_string(plan)
                .map_err(|e| StoreError::Corrupt(format!("plan: {e}")))?;
            sqlx::query("INSERT INTO care_plan (hospital, patient_id, plan) VALUES (?, ?, ?)")
                .bind(owner.hospital)
                .bind(owner.patient_id)
                .bind(json)
                .execute(&mut *tx)
                .await?;
        }
        for a in &team.alerts {
            sqlx::query(
                "INSERT INTO hospital_alert (hospital, patient_id, id, rule_key, tier, raised, cleared, seen) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .bind(&a.id)
            .bind(&a.key)
            .bind(a.tier.code())
            .bind(a.raised)
            .bind(a.cleared)
            .bind(a.seen)
            .execute(&mut *tx)
            .await?;
        }
        for m in &team.messages {
            sqlx::query(
                "INSERT INTO care_message (hospital, patient_id, id, sender, body, sent) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .bind(&m.id)
            .bind(&m.from)
            .bind(&m.text)
            .bind(m.sent)
            .execute(&mut *tx)
            .await?;
        }
        mark_fetched(&mut tx, owner, CARE_TEAM, fetched).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The care team's plan alone, as last copied: what the app's alerts and measurement
    /// reminders follow, read on every batch of device readings.
    pub async fn care_plan(&self, owner: Owner<'_>) -> Result<Option<MonitoringPlan>, StoreError> {
        let plan: Option<String> =
            sqlx::query_scalar("SELECT plan FROM care_plan WHERE hospital = ? AND patient_id = ?")
                .bind(owner.hospital)
                .bind(owner.patient_id)
                .fetch_optional(&self.db)
                .await?;
        plan.map(|p| serde_json::from_str(&p))
            .transpose()
            .map_err(|e| StoreError::Corrupt(format!("plan: {e}")))
    }

    /// The copy, newest alerts and messages first, and when it was fetched.
    pub async fn care_team(&self, owner: Owner<'_>) -> Result<Cached<CareTeam>, StoreError> {
        let plan = self.care_plan(owner).await?;
        let rows: Vec<AlertRow> = sqlx::query_as(
            "SELECT id, rule_key, tier, raised, cleared, seen FROM hospital_alert \
             WHERE hospital = ? AND patient_id = ? ORDER BY raised DESC, id",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_all(&self.db)
        .await?;
        let alerts = rows
            .into_iter()
            .map(|(id, key, tier, raised, cleared, seen)| {
                Ok(HospitalAlert {
                    tier: Tier::from_code(&tier)
                        .ok_or_else(|| StoreError::Corrupt(format!("alert tier '{tier}'")))?,
                    id,
                    key,
                    raised,
                    cleared,
                    seen,
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let messages: Vec<(String, String, String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT id, sender, body, sent FROM care_message \
             WHERE hospital = ? AND patient_id = ? ORDER BY sent DESC, id",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_all(&self.db)
        .await?;
        Ok(Cached {
            records: CareTeam {
                plan,
                alerts,
                messages: messages
                    .into_iter()
                    .map(|(id, from, text, sent)| CareMessage {
                        id,
                        from,
                        text,
                        sent,
                    })
                    .collect(),
            },
            fetched_at: fetched_at(&self.db, owner, CARE_TEAM).await?,
        })
    }
}
