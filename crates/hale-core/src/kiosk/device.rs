//! The kiosk's own sign-in: client credentials with the check-in scope, renewed once when the
//! hospital says the token expired.

use std::future::Future;

use hale_client::{ClientError, DeviceSession, HospitalClient};
use tokio::sync::Mutex;

pub(super) struct Device {
    pub client: HospitalClient,
    client_id: String,
    secret: String,
    session: Mutex<Option<DeviceSession>>,
}

impl std::fmt::Debug for Device {
    // The secret is a credential: never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Device")
            .field("client_id", &self.client_id)
            .finish_non_exhaustive()
    }
}

impl Device {
    pub fn new(client: HospitalClient, client_id: String, secret: String) -> Self {
        Self {
            client,
            client_id,
            secret,
            session: Mutex::new(None),
        }
    }

    /// Runs `call` with the kiosk's session, signing in first if it has none, and once more if
    /// the hospital answers that the token expired.
    pub async fn with_session<T, F, Fut>(&self, call: F) -> Result<T, ClientError>
    where
        F: Fn(DeviceSession) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        for attempt in 0..2 {
            let session = self.session().await?;
            match call(session).await {
                Err(ClientError::Unauthorized) if attempt == 0 => {
                    *self.session.lock().await = None;
                }
                other => return other,
            }
        }
        Err(ClientError::Unauthorized)
    }

    async fn session(&self) -> Result<DeviceSession, ClientError> {
        let mut guard = self.session.lock().await;
        if let Some(s) = guard.as_ref() {
            return Ok(s.clone());
        }
        let session = self
            .client
            .device_sign_in(&self.client_id, &self.secret)
            .await?;
        *guard = Some(session.clone());
        Ok(session)
    }
}
