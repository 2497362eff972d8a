//! Signing the patient in and keeping them signed in (SMART standalone launch, RFC 8252).
//!
//! The patient signs in on the hospital's own page in their browser; the app listens on a
//! loopback port for the answer and exchanges its code for tokens. The access token lives in
//! memory only; the refresh token is kept in the [`Keychain`] so the next start needs no sign-in.
//! The hospital rotates refresh tokens and treats a spent one as stolen, so every refresh happens
//! under the session lock: two refreshing at once would sign the patient out.

use std::fmt;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Utc};
use hale_client::{ClientError, LoopbackRedirect, Session, Tokens};
use hale_domain::care_circle::Permissions;
use hale_store::Profile;

use crate::{CoreError, Patient};

/// How long the patient has to finish signing in in the browser.
pub const SIGN_IN_TIMEOUT: StdDuration = StdDuration::from_secs(10 * 60);

/// Opens a web page where the patient can use it (the system browser, in the app).
pub trait Browser: Send + Sync {
    fn open(&self, url: &str) -> Result<(), String>;
}

/// Where the refresh token is kept between starts: the operating system's keychain in the app.
/// `account` names the hospital.
pub trait Keychain: Send + Sync + fmt::Debug {
    fn load(&self, account: &str) -> Result<Option<String>, KeychainError>;
    fn save(&self, account: &str, secret: &str) -> Result<(), KeychainError>;
    fn delete(&self, account: &str) -> Result<(), KeychainError>;
}

#[derive(Debug, thiserror::Error)]
#[error("the keychain failed: {0}")]
pub struct KeychainError(pub String);

/// Where the patient's sign-in stands.
pub(crate) enum SignIn {
    Out,
    /// A refresh token (from the keychain, or behind an access token the hospital no longer
    /// takes) not yet exchanged: signed in, but the hospital has not been asked yet.
    Refreshable {
        refresh_token: String,
    },
    In {
        tokens: Tokens,
        /// Whether the patient's and hospital's names have been saved since.
        profiled: bool,
    },
}

impl fmt::Debug for SignIn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Tokens are credentials: their presence only.
        f.write_str(match self {
            Self::Out => "Out",
            Self::Refreshable { .. } => "Refreshable",
            Self::In { .. } => "In",
        })
    }
}

impl SignIn {
    /// The state at start: signed in if the keychain holds a refresh token for `account`.
    pub(crate) fn restore(keychain: &dyn Keychain, account: &str) -> Self {
        match keychain.load(account) {
            Ok(Some(refresh_token)) => Self::Refreshable { refresh_token },
            Ok(None) => Self::Out,
            Err(error) => {
                tracing::warn!(%error, "no saved sign-in could be read; the patient signs in");
                Self::Out
            }
        }
    }
}

/// How a sign-out went at the hospital.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignedOut {
    /// The hospital ended the sign-in.
    Revoked,
    /// The hospital could not be told; the app forgot the sign-in all the same, and the
    /// hospital's side ends when its refresh token expires.
    NotRevoked,
}

impl Patient {
    /// Whether the patient is signed in (possibly offline, with a sign-in not yet renewed).
    pub async fn is_signed_in(&self) -> bool {
        !matches!(*self.session.lock().await, SignIn::Out)
    }

    /// Signs the patient in through `browser`: opens the hospital's sign-in page there and
    /// waits (up to [`SIGN_IN_TIMEOUT`]) for the answer on a loopback port.
    pub async fn sign_in(
        &self,
        browser: &dyn Browser,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let listener = LoopbackRedirect::bind().await?;
        let authorization = self.client.authorization(listener.redirect_uri()).await?;
        browser
            .open(authorization.url.as_str())
            .map_err(CoreError::NoBrowser)?;
        let callback = listener
            .wait(authorization.state().to_owned(), SIGN_IN_TIMEOUT)
            .await?;
        let tokens = self
            .client
            .finish_sign_in(&authorization, &callback, now)
            .await??;
        let mut guard = self.session.lock().await;
        self.remember(&tokens.refresh_token);
        *guard = SignIn::In {
            tokens,
            profiled: false,
        };
        self.ensure_profile(&mut guard).await?;
        drop(guard);
        tracing::info!("signed in");
        self.changed.notify_one();
        Ok(())
    }

    /// Signs out: forgets the tokens here and asks the hospital to end the sign-in. With
    /// `erase`, also removes everything the app keeps on this device.
    pub async fn sign_out(&self, erase: bool) -> Result<SignedOut, CoreError> {
        let previous = std::mem::replace(&mut *self.session.lock().await, SignIn::Out);
        self.forget();
        let refresh_token = match previous {
            SignIn::Out => None,
            SignIn::Refreshable { refresh_token } => Some(refresh_token),
            SignIn::In { tokens, .. } => Some(tokens.refresh_token),
        };
        let outcome = match refresh_token {
            None => SignedOut::Revoked,
            Some(token) => match self.revoke(&token).await {
                Ok(()) => SignedOut::Revoked,
                Err(error) => {
                    tracing::info!(%error, "the hospital could not be told of the sign-out");
                    SignedOut::NotRevoked
                }
            },
        };
        if erase {
            self.store.erase().await?;
            tracing::info!("local data removed");
        }
        tracing::info!(?outcome, "signed out");
        self.changed.notify_one();
        Ok(outcome)
    }

    async fn revoke(&self, refresh_token: &str) -> Result<(), CoreError> {
        Ok(self.client.revoke(refresh_token).await?)
    }

    /// Keeps `refresh_token` for the next start. A keychain that fails costs the patient a
    /// sign-in at the next start, nothing more.
    pub(crate) fn remember(&self, refresh_token: &str) {
        if let Err(error) = self.keychain.save(&self.hospital_key, refresh_token) {
            tracing::warn!(%error, "the sign-in will not be remembered");
        }
    }

    /// Removes the kept sign-in (signed out here, or ended at the hospital).
    pub(crate) fn forget(&self) {
        if let Err(error) = self.keychain.delete(&self.hospital_key) {
            tracing::warn!(%error, "the saved sign-in could not be removed");
        }
    }

    /// The current session, renewing it with the refresh token if needed. A refusal met on
    /// the way (a helper's renewed sign-in whose consent has since ended) is acted on like any
    /// other, once the session lock is free again.
    pub(crate) async fn session(&self) -> Result<Session, CoreError> {
        let (answer, patient) = self.session_locked().await;
        if let (
            Err(CoreError::Hospital(ClientError::Refused {
                code: Some(code), ..
            })),
            Some(patient),
        ) = (&answer, patient)
        {
            self.after_refusal(*code, &patient).await;
        }
        answer
    }

    /// [`Self::session`] under the lock, with whose session it is when known.
    async fn session_locked(&self) -> (Result<Session, CoreError>, Option<String>) {
        let mut guard = self.session.lock().await;
        let answer = self.renew(&mut guard).await;
        let patient = match &*guard {
            SignIn::In { tokens, .. } => Some(tokens.session.patient_id.clone()),
            _ => None,
        };
        (answer, patient)
    }

    async fn renew(&self, guard: &mut SignIn) -> Result<Session, CoreError> {
        if let SignIn::Refreshable { refresh_token } = &*guard {
            // `now` only anchors the token's expiry time, which the core does not act on.
            match self.client.refresh_session(refresh_token, Utc::now()).await {
                Ok(tokens) => {
                    self.remember(&tokens.refresh_token);
                    *guard = SignIn::In {
                        tokens,
                        profiled: false,
                    };
                }
                Err(ClientError::Unauthorized) => {
                    // Revoked, expired or replayed: the sign-in is over.
                    tracing::info!("the sign-in has ended; the patient signs in again");
                    *guard = SignIn::Out;
                    self.forget();
                    return Err(CoreError::NotSignedIn);
                }
                Err(other) => return Err(other.into()),
            }
        }
        self.ensure_profile(guard).await
    }

    /// Saves who is signed in and what the hospital is called, once per sign-in; returns the
    /// session.
    async fn ensure_profile(&self, state: &mut SignIn) -> Result<Session, CoreError> {
        let SignIn::In { tokens, profiled } = state else {
            return Err(CoreError::NotSignedIn);
        };
        let session = tokens.session.clone();
        if !*profiled {
            let patient = self.client.patient(&session).await?;
            let capability = self.client.capability().await?;
            let previous = self.store.profile(&self.hospital_key).await?;
            let (self_id, helping) = if tokens.as_helper {
                // The grant was read when the helper chose this patient (`look_after`); a
                // profile for someone else cannot say what it allows, so it shows nothing
                // allowed until chosen again. The hospital decides either way.
                let helping = previous
                    .as_ref()
                    .filter(|p| p.patient_id == session.patient_id)
                    .and_then(|p| p.helping)
                    .unwrap_or(Permissions::NONE);
                (previous.and_then(|p| p.self_id), Some(helping))
            } else {
                (Some(session.patient_id.clone()), None)
            };
            let offers = hale_client::offers(&capability);
            let profile = Profile {
                offers,
                hospital_name: capability.implementation.map(|i| i.description),
                patient_id: session.patient_id.clone(),
                patient_name: patient.display_name(),
                self_id,
                helping,
            };
            self.store
                .save_profile(&self.hospital_key, &profile)
                .await?;
            self.remember_offers(offers);
            *profiled = true;
        }
        Ok(session)
    }

    /// After the hospital refused `failed`: if it is still the current access token, the next
    /// [`Self::session`] renews it with the refresh token. (If another call renewed it already,
    /// nothing changes, so one expiry costs one refresh.)
    pub(crate) async fn expire(&self, failed: &Session) {
        let mut guard = self.session.lock().await;
        if let SignIn::In { tokens, .. } = &*guard {
            if tokens.session == *failed {
                *guard = SignIn::Refreshable {
                    refresh_token: tokens.refresh_token.clone(),
                };
            }
        }
    }
}
