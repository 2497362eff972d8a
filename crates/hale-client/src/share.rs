//! Share codes: making one, listing them with their use, ending one. Read from Hale's JSON API
//! beside FHIR into the domain's types.

use hale_domain::share::{NewShare, Share, ShareCode};
use hale_hospital_json::share as wire;

use crate::{decode, send, ClientError, HospitalClient, Session};

impl HospitalClient {
    /// A new code letting a clinician read the signed-in patient's summary for a day.
    pub async fn create_share(&self, session: &Session) -> Result<NewShare, ClientError> {
        let request = self.http.post(self.api_url(&["shares"])?);
        let made: wire::ShareCreated = decode(send(self.authed(request, session)).await?).await?;
        let code = ShareCode::parse(&made.code).ok_or_else(|| {
            ClientError::InvalidResponse("the hospital's share code is not a code".into())
        })?;
        Ok(NewShare {
            id: made.id,
            code,
            expires: made.expires,
            link: made.link,
        })
    }

    /// The signed-in patient's shares of the last 30 days, newest first.
    pub async fn shares(&self, session: &Session) -> Result<Vec<Share>, ClientError> {
        let request = self.http.get(self.api_url(&["shares"])?);
        let list: Vec<wire::Share> = decode(send(self.authed(request, session)).await?).await?;
        Ok(list
            .into_iter()
            .map(|s| Share {
                id: s.id,
                created: s.created,
                expires: s.expires,
                revoked: s.revoked,
                opened: s.opened,
                views: s.views,
            })
            .collect())
    }

    /// Ends a share now, and the browser session it opened.
    pub async fn revoke_share(&self, session: &Session, id: &str) -> Result<(), ClientError> {
        let request = self.http.post(self.api_url(&["shares", id, "revoke"])?);
        send(self.authed(request, session)).await?;
        Ok(())
    }
}
