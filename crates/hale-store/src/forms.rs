//! Pre-visit forms being filled in: one draft per appointment, its answers saved as the patient
//! gives them (so a restart or a lost network loses nothing), frozen once submitted, and kept
//! in the outbox until the hospital confirms it has the answers.

use chrono::{DateTime, Utc};
use hale_domain::questionnaire::{Form, Response};

use crate::{Owner, Store, StoreError};

/// A form being filled in, or filled in, for one appointment.
#[derive(Debug, Clone, PartialEq)]
pub struct FormDraft {
    pub appointment_id: String,
    /// The form as it was when the patient began.
    pub form: Form,
    pub answers: Response,
    /// The key the hospital stores the answers under: made once, so a resend is stored once.
    pub key: String,
    pub updated_at: DateTime<Utc>,
    pub submitted_at: Option<DateTime<Utc>>,
    pub synced_at: Option<DateTime<Utc>>,
    /// When the hospital refused the answers for good.
    pub refused_at: Option<DateTime<Utc>>,
}

type Row = (
    String,
    String,
    String,
    String,
    DateTime<Utc>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
    Option<DateTime<Utc>>,
);

const SELECT: &str = "SELECT appointment_id, form, answers, response_key, updated_at, \
     submitted_at, synced_at, refused_at FROM form_draft WHERE hospital = ? AND patient_id = ?";

fn read(row: Row) -> Result<FormDraft, StoreError> {
    let (appointment_id, form, answers, key, updated_at, submitted_at, synced_at, refused_at) = row;
    let corrupt = |what: &str, e: serde_json::Error| StoreError::Corrupt(format!("{what}: {e}"));
    Ok(FormDraft {
        appointment_id,
        form: serde_json::from_str(&form).map_err(|e| corrupt("a saved form", e))?,
        answers: serde_json::from_str(&answers).map_err(|e| corrupt("saved answers", e))?,
        key,
        updated_at,
        submitted_at,
        synced_at,
        refused_at,
    })
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| StoreError::Corrupt(e.to_string()))
}

impl Store {
    /// The draft for `appointment_id`, if the patient has begun one.
    pub async fn form_draft(
        &self,
        owner: Owner<'_>,
        appointment_id: &str,
    ) -> Result<Option<FormDraft>, StoreError> {
        let row: Option<Row> = sqlx::query_as(&format!("{SELECT} AND appointment_id = ?"))
            .bind(owner.hospital)
            .bind(owner.patient_id)
            .bind(appointment_id)
            .fetch_optional(&self.db)
            .await?;
        row.map(read).transpose()
    }

    /// Begins a draft unless one exists, and returns the draft as stored: two screens beginning
    /// at once keep one draft and one key. The key is 128 random bits, made here with the row
    /// that keeps it.
    pub async fn begin_form_draft(
        &self,
        owner: Owner<'_>,
        appointment_id: &str,
        form: &Form,
        answers: &Response,
        now: DateTime<Utc>,
    ) -> Result<FormDraft, StoreError> {
        let mut bytes = [0u8; 16];
        getrandom::fill(&mut bytes).map_err(|e| StoreError::Randomness(e.to_string()))?;
        let key: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        sqlx::query(
            "INSERT INTO form_draft (hospital, patient_id, appointment_id, form, answers, \
             response_key, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) \
             ON CONFLICT DO NOTHING",
        )
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(appointment_id)
        .bind(json(form)?)
        .bind(json(answers)?)
        .bind(&key)
        .bind(now)
        .bind(now)
        .execute(&self.db)
        .await?;
        self.form_draft(owner, appointment_id)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a draft just begun is missing".into()))
    }

    /// Saves the answers so far. Returns false, saving nothing, once the form was submitted.
    pub async fn save_form_answers(
        &self,
        owner: Owner<'_>,
        appointment_id: &str,
        answers: &Response,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE form_draft SET answers = ?, updated_at = ? WHERE hospital = ? \
             AND patient_id = ? AND appointment_id = ? AND submitted_at IS NULL",
        )
        .bind(json(answers)?)
        .bind(now)
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(appointment_id)
        .execute(&self.db)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Freezes the answers as sent and puts them in the outbox. Returns false if it was
    /// submitted already (a second tap), changing nothing.
    pub async fn submit_form(
        &self,
        owner: Owner<'_>,
        appointment_id: &str,
        answers: &Response,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE form_draft SET answers = ?, updated_at = ?, submitted_at = ? \
             WHERE hospital = ? AND patient_id = ? AND appointment_id = ? \
             AND submitted_at IS NULL",
        )
        .bind(json(answers)?)
        .bind(now)
        .bind(now)
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(appointment_id)
        .execute(&self.db)
        .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Submitted forms the hospital has not confirmed, oldest first.
    pub async fn unsent_forms(&self, owner: Owner<'_>) -> Result<Vec<FormDraft>, StoreError> {
        let rows: Vec<Row> = sqlx::query_as(&format!(
            "{SELECT} AND submitted_at IS NOT NULL AND synced_at IS NULL AND refused_at IS NULL \
             ORDER BY submitted_at"
        ))
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .fetch_all(&self.db)
        .await?;
        rows.into_iter().map(read).collect()
    }

    /// Records that the hospital refused the answers under `key` for good: out of the outbox.
    pub async fn mark_form_refused(
        &self,
        owner: Owner<'_>,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE form_draft SET refused_at = ? WHERE hospital = ? AND patient_id = ? \
             AND response_key = ? AND submitted_at IS NOT NULL AND synced_at IS NULL",
        )
        .bind(now)
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(key)
        .execute(&self.db)
        .await?;
        Ok(())
    }

    /// Records that the hospital holds the answers stored under `key`.
    pub async fn mark_form_sent(
        &self,
        owner: Owner<'_>,
        key: &str,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        sqlx::query(
            "UPDATE form_draft SET synced_at = ? WHERE hospital = ? AND patient_id = ? \
             AND response_key = ? AND submitted_at IS NOT NULL",
        )
        .bind(now)
        .bind(owner.hospital)
        .bind(owner.patient_id)
        .bind(key)
        .execute(&self.db)
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hale_domain::questionnaire::{Answer, Item, ItemKind};

    fn form() -> Form {
        Form {
            id: "pre-visit-general".into(),
            url: None,
            version: None,
            title: "Before your visit".into(),
            items: vec![Item::question("q", "Question", ItemKind::String)],
        }
    }

    fn answered(text: &str) -> Response {
        let mut r = Response::default();
        r.set(
            &form(),
            &"q#0".parse().unwrap(),
            vec![Answer::String(text.into())],
        )
        .unwrap();
        r
    }

    const OWNER: Owner<'static> = Owner {
        hospital: "http://h/fhir/",
        patient_id: "p1",
    };

    fn at(minute: u32) -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 12, 6, 9, minute, 0).unwrap()
    }

    #[tokio::test]
    async fn a_draft_is_begun_once_saved_as_answered_and_frozen_when_submitted() {
        let store = Store::open_in_memory().await.unwrap();
        let first = store
            .begin_form_draft(OWNER, "ap-1", &form(), &Response::default(), at(0))
            .await
            .unwrap();
        let again = store
            .begin_form_draft(OWNER, "ap-1", &form(), &answered("other"), at(1))
            .await
            .unwrap();
        assert_eq!(first.key.len(), 32);
        assert_eq!(first.key, again.key);
        assert_eq!(
            again.answers,
            Response::default(),
            "the first draft is kept"
        );

        assert!(store
            .save_form_answers(OWNER, "ap-1", &answered("draft"), at(2))
            .await
            .unwrap());
        assert!(
            store.unsent_forms(OWNER).await.unwrap().is_empty(),
            "a draft is not sent"
        );
        assert!(store
            .submit_form(OWNER, "ap-1", &answered("final"), at(3))
            .await
            .unwrap());
        assert!(!store
            .submit_form(OWNER, "ap-1", &answered("twice"), at(4))
            .await
            .unwrap());
        assert!(!store
            .save_form_answers(OWNER, "ap-1", &answered("later"), at(5))
            .await
            .unwrap());

        let unsent = store.unsent_forms(OWNER).await.unwrap();
        assert_eq!(unsent.len(), 1);
        assert_eq!(unsent[0].answers, answered("final"));
        assert_eq!(unsent[0].submitted_at, Some(at(3)));
        store
            .mark_form_sent(OWNER, &first.key, at(6))
            .await
            .unwrap();
        assert!(store.unsent_forms(OWNER).await.unwrap().is_empty());
        let kept = store.form_draft(OWNER, "ap-1").await.unwrap().unwrap();
        assert_eq!(kept.synced_at, Some(at(6)));
    }

    #[tokio::test]
    async fn answers_the_hospital_refused_for_good_leave_the_outbox() {
        let store = Store::open_in_memory().await.unwrap();
        let draft = store
            .begin_form_draft(OWNER, "ap-1", &form(), &answered("x"), at(0))
            .await
            .unwrap();
        store
            .submit_form(OWNER, "ap-1", &answered("x"), at(1))
            .await
            .unwrap();
        store
            .mark_form_refused(OWNER, &draft.key, at(2))
            .await
            .unwrap();
        assert!(store.unsent_forms(OWNER).await.unwrap().is_empty());
        let kept = store.form_draft(OWNER, "ap-1").await.unwrap().unwrap();
        assert_eq!((kept.refused_at, kept.synced_at), (Some(at(2)), None));
    }

    #[tokio::test]
    async fn drafts_are_kept_apart_per_patient_and_forgotten_with_them() {
        let store = Store::open_in_memory().await.unwrap();
        let other = Owner {
            hospital: OWNER.hospital,
            patient_id: "p2",
        };
        store
            .begin_form_draft(OWNER, "ap-1", &form(), &answered("mine"), at(0))
            .await
            .unwrap();
        assert!(store.form_draft(other, "ap-1").await.unwrap().is_none());
        store.forget_patient(OWNER).await.unwrap();
        assert!(store.form_draft(OWNER, "ap-1").await.unwrap().is_none());
    }
}
