//! Things the app tells or asks the patient once on this device, and remembers having done.

use crate::{Store, StoreError};

/// Something done once per device.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Milestone {
    /// The patient was told, the first time they closed the window, that Hale keeps running to
    /// remind them, and how to quit.
    TrayExplained,
    /// The patient was asked whether Hale should start when they log in.
    StartAtLoginAsked,
}

impl Milestone {
    fn name(self) -> &'static str {
        match self {
            Milestone::TrayExplained => "milestone:tray_explained",
            Milestone::StartAtLoginAsked => "milestone:start_at_login_asked",
        }
    }
}

impl Store {
    /// Whether `milestone` was reached on this device.
    pub async fn reached(&self, milestone: Milestone) -> Result<bool, StoreError> {
        let value: Option<String> = sqlx::query_scalar("SELECT value FROM setting WHERE name = ?")
            .bind(milestone.name())
            .fetch_optional(&self.db)
            .await?;
        Ok(value.is_some())
    }

    /// Records `milestone`. Returns whether it is new, so two callers racing cannot both tell
    /// the patient.
    pub async fn reach(&self, milestone: Milestone) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "INSERT INTO setting (name, value) VALUES (?, '1') ON CONFLICT (name) DO NOTHING",
        )
        .bind(milestone.name())
        .execute(&self.db)
        .await?;
        Ok(done.rows_affected() == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_milestone_is_reached_once_and_remembered() {
        let store = Store::open_in_memory().await.unwrap();
        assert!(!store.reached(Milestone::TrayExplained).await.unwrap());
        assert!(store.reach(Milestone::TrayExplained).await.unwrap());
        assert!(
            !store.reach(Milestone::TrayExplained).await.unwrap(),
            "only the first is new"
        );
        assert!(store.reached(Milestone::TrayExplained).await.unwrap());
        assert!(!store.reached(Milestone::StartAtLoginAsked).await.unwrap());
    }
}
