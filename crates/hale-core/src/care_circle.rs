//! The care circle from the app: the signed-in person's helpers and the people they help,
//! invitations made and accepted, grants ended. Always asked of the hospital, never from a
//! copy: a grant is the hospital's to decide, and a copy could show access that has ended.

use chrono::NaiveDate;
use hale_domain::care_circle::{CareCircle, CircleMember, Invitation, InvitationCode, Permissions};

use crate::{CoreError, Patient};

impl Patient {
    /// Who helps the signed-in person, and whom they help.
    pub async fn care_circle(&self) -> Result<CareCircle, CoreError> {
        self.with_session(|s| async move { self.client.care_circle(&s).await })
            .await
    }

    /// A one-time code, for a day, letting someone help with `permissions`.
    pub async fn invite(&self, permissions: Permissions) -> Result<Invitation, CoreError> {
        self.with_session(|s| async move { self.client.invite(&s, permissions).await })
            .await
    }

    /// Accepts an invitation to help, with the patient's date of birth as the patient gave it.
    pub async fn accept_invitation(
        &self,
        code: &InvitationCode,
        birth_date: NaiveDate,
    ) -> Result<CircleMember, CoreError> {
        self.with_session(
            |s| async move { self.client.accept_invitation(&s, code, birth_date).await },
        )
        .await
    }

    /// Ends grant `consent`: the patient's helper loses access at their next request, or the
    /// signed-in helper steps down.
    pub async fn end_grant(&self, consent: &str) -> Result<CircleMember, CoreError> {
        self.with_session(|s| async move { self.client.end_grant(&s, consent).await })
            .await
    }
}
