//! The patient's saved vehicles and the last copy of their parking from the hospital.

use chrono::{DateTime, Utc};
use hale_domain::parking::{ParkingSession, Receipt, ReceiptPurpose, Relief};

use crate::fetched::{fetched_at, mark_fetched};
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

    /// Replaces the copy of the patient's parking sessions, in the hospital's order (newest
    /// first), with their receipts.
    pub async fn replace_parking(
        &self,
        owner: Owner<'_>,
        sessions: &[ParkingSession],
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        for table in ["parking_receipt", "parking_session"] {
            sqlx::query(&format!(
                "DELETE FROM {table} WHERE hospital = ? AND patient_id = ?"
            ))
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .execute(&mut *tx)
            .await?;
        }
        for s in sessions {
            let (relief_kind, relief_amount) = match s.relief {
                None => (None, None),
                Some(Relief::Free) => (Some("free"), None),
                Some(Relief::PercentOff { percent }) => {
                    (Some("percent_off"), Some(u32::from(percent)))
                }
                Some(Relief::DailyCap { pence }) => (Some("daily_cap"), Some(pence)),
            };
            sqlx::query(
                "INSERT INTO parking_session (hospital, patient_id, id, car_park, car_park_name, \
                 registration, started, expires, ended, paid_pence, relief_kind, relief_amount, \
                 saved_card_last4) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .bind(&s.id)
            .bind(&s.car_park)
            .bind(&s.car_park_name)
            .bind(&s.registration)
            .bind(s.started)
            .bind(s.expires)
            .bind(s.ended)
            .bind(s.paid_pence)
            .bind(relief_kind)
            .bind(relief_amount)
            .bind(&s.saved_card_last4)
            .execute(&mut *tx)
            .await?;
            for r in &s.receipts {
                sqlx::query(
                    "INSERT INTO parking_receipt (hospital, patient_id, session_id, id, number, \
                     purpose, minutes, amount_pence, card_last4, created) \
                     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(owner.hospital)
                .bind(owner.patient_id)
                .bind(&s.id)
                .bind(&r.id)
                .bind(&r.number)
                .bind(r.purpose.code())
                .bind(r.minutes)
                .bind(r.amount_pence)
                .bind(&r.card_last4)
                .bind(r.created)
                .execute(&mut *tx)
                .await?;
            }
        }
        mark_fetched(&mut tx, owner, PARKING, fetched_at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The copy of the patient's parking sessions, newest first, and when it was made.
    pub async fn parking(
        &self,
        owner: Owner<'_>,
    ) -> Result<Cached<Vec<ParkingSession>>, StoreError> {
        let rows: Vec<SessionRow> = sqlx::query_as(
            "SELECT id, car_park, car_park_name, registration, started, expires, ended, \
             paid_pence, relief_kind, relief_amount, saved_card_last4 FROM parking_session \
             WHERE hospital = ? AND patient_id = ? ORDER BY started DESC, id DESC",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_all(&self.db)
        .await?;
        let receipts: Vec<ReceiptRow> = sqlx::query_as(
            "SELECT session_id, id, number, purpose, minutes, amount_pence, card_last4, created \
             FROM parking_receipt WHERE hospital = ? AND patient_id = ? ORDER BY created, id",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_all(&self.db)
        .await?;
        let mut sessions = rows
            .into_iter()
            .map(SessionRow::into_session)
            .collect::<Result<Vec<_>, _>>()?;
        for r in receipts {
            let session_id = r.session_id.clone();
            if let Some(s) = sessions.iter_mut().find(|s| s.id == session_id) {
                s.receipts.push(r.into_receipt()?);
            }
        }
        Ok(Cached {
            records: sessions,
            fetched_at: fetched_at(&self.db, owner, PARKING).await?,
        })
    }
}

const PARKING: &str = "Parking";

#[derive(sqlx::FromRow)]
struct SessionRow {
    id: String,
    car_park: String,
    car_park_name: String,
    registration: String,
    started: DateTime<Utc>,
    expires: DateTime<Utc>,
    ended: Option<DateTime<Utc>>,
    paid_pence: u32,
    relief_kind: Option<String>,
    relief_amount: Option<u32>,
    saved_card_last4: Option<String>,
}

impl SessionRow {
    fn into_session(self) -> Result<ParkingSession, StoreError> {
        let amount = || {
            self.relief_amount
                .ok_or_else(|| StoreError::Corrupt("a parking relief without its amount".into()))
        };
        let relief = match self.relief_kind.as_deref() {
            None => None,
            Some("free") => Some(Relief::Free),
            Some("percent_off") => Some(Relief::PercentOff {
                percent: u8::try_from(amount()?)
                    .map_err(|_| StoreError::Corrupt("a parking relief over 100%".into()))?,
            }),
            Some("daily_cap") => Some(Relief::DailyCap { pence: amount()? }),
            Some(other) => {
                return Err(StoreError::Corrupt(format!("parking relief '{other}'")));
            }
        };
        Ok(ParkingSession {
            id: self.id,
            car_park: self.car_park,
            car_park_name: self.car_park_name,
            registration: self.registration,
            started: self.started,
            expires: self.expires,
            ended: self.ended,
            paid_pence: self.paid_pence,
            relief,
            saved_card_last4: self.saved_card_last4,
            receipts: Vec::new(),
        })
    }
}

#[derive(sqlx::FromRow)]
struct ReceiptRow {
    session_id: String,
    id: String,
    number: String,
    purpose: String,
    minutes: u32,
    amount_pence: u32,
    card_last4: String,
    created: DateTime<Utc>,
}

impl ReceiptRow {
    fn into_receipt(self) -> Result<Receipt, StoreError> {
        Ok(Receipt {
            purpose: ReceiptPurpose::from_code(&self.purpose).ok_or_else(|| {
                StoreError::Corrupt(format!("receipt purpose '{}'", self.purpose))
            })?,
            id: self.id,
            number: self.number,
            minutes: self.minutes,
            amount_pence: self.amount_pence,
            card_last4: self.card_last4,
            created: self.created,
        })
    }
}
