//! Share codes: the patient lets a clinician elsewhere read their summary in a browser for a
//! day. Live only (a code is the hospital's to make and to end), and the patient's own only:
//! looking after someone never shares their record onward.

use hale_domain::share::{NewShare, Share};

use crate::{CoreError, Patient};

const WHAT: &str = "share the record";

impl Patient {
    /// A new share code.
    pub async fn create_share(&self) -> Result<NewShare, CoreError> {
        self.own_session_call(WHAT, |s| async move { self.client.create_share(&s).await })
            .await
    }

    /// The patient's shares of the last 30 days, newest first.
    pub async fn shares(&self) -> Result<Vec<Share>, CoreError> {
        self.own_session_call(WHAT, |s| async move { self.client.shares(&s).await })
            .await
    }

    /// Ends a share now.
    pub async fn revoke_share(&self, id: &str) -> Result<(), CoreError> {
        self.own_session_call(
            WHAT,
            |s| async move { self.client.revoke_share(&s, id).await },
        )
        .await
    }
}
