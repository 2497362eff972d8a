//! The patient's cached appointments and who last signed in at each hospital.

use chrono::{DateTime, Utc};
use hale_domain::care_circle::{Permission, Permissions};
use hale_domain::{Appointment, AppointmentStatus, Offers};

use crate::fetched::{fetched_at, mark_fetched};
use crate::{Cached, Owner, Profile, Store, StoreError};

const APPOINTMENTS: &str = "Appointment";

impl Store {
    /// Replaces the patient's cached appointments with `appointments`, fetched at `fetched_at`.
    pub async fn replace_appointments(
        &self,
        owner: Owner<'_>,
        appointments: &[Appointment],
        fetched_at: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.db.begin().await?;
        sqlx::query("DELETE FROM appointment WHERE hospital = ? AND patient_id = ?")
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .execute(&mut *tx)
            .await?;
        for a in appointments {
            sqlx::query(
                "INSERT INTO appointment (hospital, patient_id, id, reference, status, start_at, \
                 end_at, service, clinician, location, form) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .bind(&a.id)
            .bind(a.reference.as_ref().map(|r| r.compact().to_owned()))
            .bind(a.status.fhir_code())
            .bind(a.start)
            .bind(a.end)
            .bind(&a.service)
            .bind(&a.clinician)
            .bind(&a.location)
            .bind(&a.form)
            .execute(&mut *tx)
            .await?;
        }
        mark_fetched(&mut tx, owner, APPOINTMENTS, fetched_at).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The patient's cached appointments, by start time.
    pub async fn appointments(
        &self,
        owner: Owner<'_>,
    ) -> Result<Cached<Vec<Appointment>>, StoreError> {
        type Row = (
            String,
            Option<String>,
            String,
            DateTime<Utc>,
            DateTime<Utc>,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = sqlx::query_as(
            "SELECT id, reference, status, start_at, end_at, service, clinician, location, form \
             FROM appointment WHERE hospital = ? AND patient_id = ? ORDER BY start_at, id",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_all(&self.db)
        .await?;
        let records = rows
            .into_iter()
            .map(
                |(id, reference, status, start, end, service, clinician, location, form)| {
                    let status = AppointmentStatus::from_fhir_code(&status).ok_or_else(|| {
                        StoreError::Corrupt(format!("unknown appointment status '{status}'"))
                    })?;
                    let reference = reference
                        .map(|r| r.parse())
                        .transpose()
                        .map_err(|e| StoreError::Corrupt(format!("booking reference: {e}")))?;
                    Ok(Appointment {
                        id,
                        reference,
                        status,
                        start,
                        end,
                        service,
                        clinician,
                        location,
                        form,
                    })
                },
            )
            .collect::<Result<Vec<_>, StoreError>>()?;
        let fetched_at = fetched_at(&self.db, owner, APPOINTMENTS).await?;
        Ok(Cached {
            records,
            fetched_at,
        })
    }

    /// Remembers who signed in at `hospital` and what the hospital and patient are called.
    pub async fn save_profile(&self, hospital: &str, profile: &Profile) -> Result<(), StoreError> {
        sqlx::query(
            "INSERT INTO profile (hospital, hospital_name, patient_id, patient_name, self_id, \
             helping, offers) VALUES (?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT (hospital) DO UPDATE SET hospital_name = excluded.hospital_name, \
             patient_id = excluded.patient_id, patient_name = excluded.patient_name, \
             self_id = excluded.self_id, helping = excluded.helping, offers = excluded.offers",
        )
        .bind(hospital)
        .bind(&profile.hospital_name)
        .bind(&profile.patient_id)
        .bind(&profile.patient_name)
        .bind(&profile.self_id)
        .bind(profile.helping.map(permission_codes))
        .bind(profile.offers.to_codes())
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// The last patient who signed in at `hospital`, if any.
    pub async fn profile(&self, hospital: &str) -> Result<Option<Profile>, StoreError> {
        type Row = (
            Option<String>,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let row: Option<Row> = sqlx::query_as(
            "SELECT hospital_name, patient_id, patient_name, self_id, helping, offers \
             FROM profile WHERE hospital = ?",
        )
        .bind(hospital)
        .fetch_optional(&self.db)
        .await?;
        Ok(row.map(
            |(hospital_name, patient_id, patient_name, self_id, helping, offers)| Profile {
                hospital_name,
                patient_id,
                patient_name,
                self_id,
                helping: helping.as_deref().map(permissions_of),
                offers: offers
                    .as_deref()
                    .map_or_else(Offers::all, Offers::from_codes),
            },
        ))
    }
}

fn permission_codes(permissions: Permissions) -> String {
    permissions
        .iter()
        .map(Permission::code)
        .collect::<Vec<_>>()
        .join(" ")
}

/// Codes this version does not know are left out: a newer version's grant shows as narrower,
/// never wider.
fn permissions_of(codes: &str) -> Permissions {
    codes
        .split_whitespace()
        .filter_map(Permission::from_code)
        .collect()
}
