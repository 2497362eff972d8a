//! The patient's saved vehicles and the last copy of their parking from the hospital.

use chrono::{DateTime, Utc};

use crate::{Cached, Owner, Store, StoreError};

/// A vehicle the patient saved on this device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vehicle {
    /// Normalised (see `hale_domain::parking::Registration`).
    pub registration: String,
    pub label: Option<String>,
}

impl Store {
    /// The saved vehicles, by registration.
    pub async fn vehicles(&self) -> Result<Vec<Vehicle>, StoreError> {
        let rows: Vec<(String, Option<String>)> =
            sqlx::query_as("SELECT registration, label FROM vehicle ORDER BY registration")
                .fetch_all(&self.db)
                .await?;
        Ok(rows
            .into_iter()
            .map(|(registration, label)| Vehicle {
                registration,
                label,
            })
            .collect())
    }

    /// Saves a vehicle (again: updates its label).
    pub async fn save_vehicle(&self, vehicle: &Vehicle) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO vehicle (registration, label) VALUES (?, ?) \
             ON CONFLICT (registration) DO UPDATE SET label = excluded.label",
        )
        .bind(&vehicle.registration)
        .bind(&vehicle.label)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    pub async fn remove_vehicle(&self, registration: &str) -> Result<(), StoreError> {
        sqlx::query("DELETE FROM vehicle WHERE registration = ?")
            .bind(registration)
            .execute(&self.db)
            .await?;
        Ok(())
    }

    /// Replaces the copy of the patient's parking sessions (the hospital's JSON).
    pub async fn replace_parking(
        &self,
        owner: Owner<'_>,
        sessions_json: &str,
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO parking_copy (hospital, patient_id, sessions, fetched_at) VALUES (?, ?, ?, ?) \
             ON CONFLICT (hospital, patient_id) DO UPDATE SET sessions = excluded.sessions, \
             fetched_at = excluded.fetched_at",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(sessions_json)
        .bind(fetched_at)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// The copy of the patient's parking sessions, if any.
    pub async fn parking(&self, owner: Owner<'_>) -> Result<Cached<Option<String>>, StoreError> {
        let row: Option<(String, DateTime<Utc>)> = sqlx::query_as(
            "SELECT sessions, fetched_at FROM parking_copy WHERE hospital = ? AND patient_id = ?",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_optional(&self.db)
        .await?;
        Ok(match row {
            Some((json, at)) => Cached {
                records: Some(json),
                fetched_at: Some(at),
            },
            None => Cached::default(),
        })
    }
}
