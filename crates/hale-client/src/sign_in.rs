//! A native app's SMART sign-in (RFC 8252): discovery, an authorization URL with PKCE (S256)
//! and a fresh `state`, a one-shot loopback listener for the browser's redirect, the code
//! exchange, silent refresh and revocation.

use std::fmt;
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use hale_domain::RefusalCode;
use hale_fhir::smart::{
    pkce_challenge, OAuthError, PatientTokenResponse, SmartConfiguration, APP_CLIENT_ID, APP_SCOPE,
};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use url::Url;

use crate::{decode, without_url, ClientError, HospitalClient, Session};

/// A sign-in under way: the URL to open in the browser, and what checks its answer.
pub struct Authorization {
    pub url: Url,
    redirect_uri: String,
    state: String,
    verifier: String,
}

impl Authorization {
    /// The `state` the answer must carry.
    pub fn state(&self) -> &str {
        &self.state
    }
}

impl fmt::Debug for Authorization {
    // The verifier is the proof of this sign-in: never logged.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Authorization").finish_non_exhaustive()
    }
}

/// What a sign-in or a refresh yields.
#[derive(Clone, PartialEq, Eq)]
pub struct Tokens {
    pub session: Session,
    pub refresh_token: String,
    /// When the access token stops working, a little early so a request in flight makes it.
    pub expires_at: DateTime<Utc>,
    /// The signed-in person acts for someone who chose them as a helper (`fhirUser` names a
    /// RelatedPerson); the session's patient is that someone.
    pub as_helper: bool,
}

impl fmt::Debug for Tokens {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tokens")
            .field("session", &self.session)
            .field("refresh_token", &"<redacted>")
            .field("expires_at", &self.expires_at)
            .field("as_helper", &self.as_helper)
            .finish()
    }
}

/// Why the browser's answer is not a sign-in.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignInError {
    #[error("the sign-in was not completed ({0})")]
    Refused(String),
    #[error("the answer does not belong to this sign-in")]
    WrongState,
    #[error("the answer carries no code")]
    NoCode,
    /// RFC 9207: the answer names another server than the one asked (a mix-up attack).
    #[error("the answer came from another server")]
    WrongIssuer,
    #[error("the browser did not come back in time")]
    TimedOut,
    #[error("the loopback listener failed: {0}")]
    Listener(String),
}

fn random_text() -> Result<String, ClientError> {
    use base64::Engine as _;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| ClientError::InvalidResponse(format!("no randomness: {e}")))?;
    // 43 unreserved characters: a valid PKCE verifier (RFC 7636 §4.1) and a fine state.
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The answer had this error in place of a code: say so without echoing its text.
fn refused(callback: &Url) -> Option<SignInError> {
    callback
        .query_pairs()
        .find(|(k, _)| k == "error")
        .map(|(_, v)| SignInError::Refused(v.chars().take(40).collect()))
}

impl HospitalClient {
    /// `GET [base]/.well-known/smart-configuration`.
    pub async fn smart_configuration(&self) -> Result<SmartConfiguration, ClientError> {
        let url = self.url(".well-known/smart-configuration")?;
        decode(crate::send(self.http.get(url)).await?).await
    }

    /// The hospital's SMART endpoints, asked the first time they are needed.
    async fn smart(&self) -> Result<&SmartConfiguration, ClientError> {
        self.smart
            .get_or_try_init(|| async {
                let config = self.smart_configuration().await?;
                // The hospital's own answer may not steer sign-ins onto plain http either.
                for endpoint in [&config.authorization_endpoint, &config.token_endpoint] {
                    let url =
                        Url::parse(endpoint).map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
                    crate::check_transport(&url)?;
                }
                Ok(config)
            })
            .await
    }

    /// Starts a sign-in answered at `redirect_uri` (a loopback address).
    pub async fn authorization(&self, redirect_uri: &str) -> Result<Authorization, ClientError> {
        let config = self.smart().await?;
        let verifier = random_text()?;
        let state = random_text()?;
        let mut url = Url::parse(&config.authorization_endpoint)
            .map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", APP_CLIENT_ID)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", APP_SCOPE)
            .append_pair("state", &state)
            .append_pair("code_challenge", &pkce_challenge(&verifier))
            .append_pair("code_challenge_method", "S256")
            .append_pair("aud", self.fhir_base().trim_end_matches('/'));
        Ok(Authorization {
            url,
            redirect_uri: redirect_uri.to_owned(),
            state,
            verifier,
        })
    }

    /// Checks the browser's answer (`callback`, the URL it was redirected to) and exchanges its
    /// code for tokens.
    pub async fn finish_sign_in(
        &self,
        authorization: &Authorization,
        callback: &Url,
        now: DateTime<Utc>,
    ) -> Result<Result<Tokens, SignInError>, ClientError> {
        let param = |name: &str| {
            callback
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        // The state first: an answer to someone else's request is ignored whatever it says.
        if param("state").as_deref() != Some(authorization.state.as_str()) {
            return Ok(Err(SignInError::WrongState));
        }
        if let Some(refusal) = refused(callback) {
            return Ok(Err(refusal));
        }
        let Some(code) = param("code") else {
            return Ok(Err(SignInError::NoCode));
        };
        // RFC 9207: a code must come from the hospital this sign-in asked, never another
        // server the browser was steered to.
        let issuer = param("iss");
        if issuer.as_deref().map(|i| i.trim_end_matches('/'))
            != Some(self.fhir_base().trim_end_matches('/'))
        {
            return Ok(Err(SignInError::WrongIssuer));
        }
        let form = [
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", authorization.redirect_uri.as_str()),
            ("client_id", APP_CLIENT_ID),
            ("code_verifier", authorization.verifier.as_str()),
        ];
        self.token_request(&form, now).await.map(Ok)
    }

    /// A new access token from the refresh token, which is spent: keep the new one.
    /// `Unauthorized` means the sign-in is over (revoked, expired or replayed).
    pub async fn refresh_session(
        &self,
        refresh_token: &str,
        now: DateTime<Utc>,
    ) -> Result<Tokens, ClientError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", APP_CLIENT_ID),
        ];
        self.token_request(&form, now).await
    }

    /// Renews the session for another patient: someone the signed-in person helps, or (with
    /// their own id) themself again. A refusal (`ClientError::Refused`) leaves `refresh_token`
    /// valid; `Unauthorized` means the sign-in is over.
    pub async fn switch_session(
        &self,
        refresh_token: &str,
        patient: &str,
        now: DateTime<Utc>,
    ) -> Result<Tokens, ClientError> {
        let form = [
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", APP_CLIENT_ID),
            ("patient", patient),
        ];
        self.token_request(&form, now).await
    }

    /// Sign-out: ends the sign-in at the hospital (RFC 7009).
    pub async fn revoke(&self, refresh_token: &str) -> Result<(), ClientError> {
        let config = self.smart().await?;
        let url = Url::parse(&config.revocation_endpoint)
            .map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        crate::send(
            self.http
                .post(url)
                .form(&[("token", refresh_token), ("client_id", APP_CLIENT_ID)]),
        )
        .await?;
        Ok(())
    }

    async fn token_request(
        &self,
        form: &[(&str, &str)],
        now: DateTime<Utc>,
    ) -> Result<Tokens, ClientError> {
        let config = self.smart().await?;
        let url = Url::parse(&config.token_endpoint)
            .map_err(|e| ClientError::InvalidUrl(e.to_string()))?;
        let response = self
            .http
            .post(url)
            .form(form)
            .send()
            .await
            .map_err(|e| ClientError::Unreachable(without_url(&e)))?;
        let status = response.status();
        if status == StatusCode::BAD_REQUEST || status == StatusCode::UNAUTHORIZED {
            // invalid_grant and invalid_client both mean: sign in again, unless the hospital
            // names a refusal: then only the switch of patient was refused.
            let error: Result<OAuthError, _> = decode(response).await;
            if let Ok(OAuthError {
                hale_refusal: Some(code),
                error_description,
                ..
            }) = &error
            {
                return Err(ClientError::Refused {
                    code: RefusalCode::from_code(code),
                    message: error_description.clone().unwrap_or_else(|| code.clone()),
                });
            }
            tracing::info!(
                error = error
                    .as_ref()
                    .map(|e| e.error.as_str())
                    .unwrap_or("unreadable"),
                "token request refused"
            );
            return Err(ClientError::Unauthorized);
        }
        if status.is_server_error() {
            return Err(ClientError::Server {
                status: status.as_u16(),
                diagnostics: status.canonical_reason().unwrap_or("error").to_owned(),
            });
        }
        if !status.is_success() {
            return Err(ClientError::Rejected {
                status: status.as_u16(),
                diagnostics: status.canonical_reason().unwrap_or("error").to_owned(),
            });
        }
        let token: PatientTokenResponse = decode(response).await?;
        // The app asks for offline_access; without a refresh token it could not stay signed in.
        let refresh_token = token.refresh_token.ok_or_else(|| ClientError::Rejected {
            status: 200,
            diagnostics: "the hospital granted no lasting sign-in (offline_access)".into(),
        })?;
        let margin = Duration::seconds(30).min(Duration::seconds(token.expires_in / 2));
        Ok(Tokens {
            session: Session::new(token.access_token, token.patient),
            refresh_token,
            expires_at: now + Duration::seconds(token.expires_in) - margin,
            as_helper: token
                .fhir_user
                .is_some_and(|u| u.starts_with("RelatedPerson/")),
        })
    }
}

/// A one-shot listener on a loopback port for the browser's redirect (RFC 8252 §7.3).
#[derive(Debug)]
pub struct LoopbackRedirect {
    listener: TcpListener,
    redirect_uri: String,
}

/// What the browser shows once it has handed the answer over.
const DONE_PAGE: &str = "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
<title>Hale</title></head><body style=\"font:1.1rem system-ui,sans-serif;margin:3rem\">\
<h1>You can go back to Hale</h1><p>This window can be closed.</p></body></html>";

impl LoopbackRedirect {
    /// Listens on 127.0.0.1 at a port the system picks.
    pub async fn bind() -> Result<Self, SignInError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| SignInError::Listener(e.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|e| SignInError::Listener(e.to_string()))?
            .port();
        Ok(Self {
            listener,
            redirect_uri: format!("http://127.0.0.1:{port}/callback"),
        })
    }

    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits for the browser to arrive at `/callback` and returns the full URL it asked for.
    /// Other requests (a favicon, a stray probe) are answered 404 and waiting goes on.
    pub async fn wait(self, state: String, timeout: StdDuration) -> Result<Url, SignInError> {
        tokio::time::timeout(timeout, self.accept_callback(&state))
            .await
            .map_err(|_| SignInError::TimedOut)?
    }

    /// The first request for exactly `/callback` carrying this sign-in's `state`. Anything else
    /// (another path, a prefix like `/callbackX`, a page elsewhere guessing the port) is
    /// answered 404 and waiting goes on, so a stray request cannot end the sign-in.
    async fn accept_callback(&self, state: &str) -> Result<Url, SignInError> {
        loop {
            let (mut stream, _) = self
                .listener
                .accept()
                .await
                .map_err(|e| SignInError::Listener(e.to_string()))?;
            let mut buffer = vec![0u8; 8192];
            let mut filled = 0;
            // Only the request line matters; read until it is complete (or the buffer is full).
            while filled < buffer.len() {
                let Ok(Ok(n)) = tokio::time::timeout(
                    StdDuration::from_secs(5),
                    stream.read(&mut buffer[filled..]),
                )
                .await
                else {
                    break;
                };
                if n == 0 {
                    break;
                }
                filled += n;
                if buffer[..filled].windows(2).any(|w| w == b"\r\n") {
                    break;
                }
            }
            let head = String::from_utf8_lossy(&buffer[..filled]);
            let target = head
                .lines()
                .next()
                .and_then(|line| line.strip_prefix("GET "))
                .and_then(|rest| rest.split(' ').next());
            let url = target
                .and_then(|t| Url::parse(&format!("http://127.0.0.1{t}")).ok())
                .filter(|u| u.path() == "/callback")
                .filter(|u| {
                    u.query_pairs()
                        .any(|(k, v)| k == "state" && v.as_ref() == state)
                });
            let reply = match url {
                Some(_) => format!(
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\
                     Content-Length: {}\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n{DONE_PAGE}",
                    DONE_PAGE.len()
                ),
                None => "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_owned(),
            };
            let _ = stream.write_all(reply.as_bytes()).await;
            let _ = stream.shutdown().await;
            if let Some(url) = url {
                return Ok(url);
            }
        }
    }
}
