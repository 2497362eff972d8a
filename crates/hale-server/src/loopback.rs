//! Guards for a server on a loopback address, above all the app's embedded hospital.
//!
//! - **Host.** A web page can point a name it controls at 127.0.0.1 (DNS rebinding) and then
//!   read this server as same-origin. A loopback server answers only requests whose `Host` is a
//!   loopback name or address.
//! - **The app's secret.** The embedded hospital holds the user's real readings and doses, and
//!   its demo logins are public: any other program on the machine could sign in as the demo
//!   patient and read them. With [`crate::ServerOptions::app_secret`], `/fhir` and `/api` answer
//!   only requests carrying that per-run secret, which only the app that started the server
//!   knows. The sign-in page and the console stay reachable for the browser, which cannot carry
//!   it; what they hand out is useless under `/fhir` and `/api` without the secret.

use axum::extract::{Request, State};
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::sign_in_form::constant_time_eq;
use crate::{FhirError, ServerState};

/// The header the app sends its per-run secret in.
pub const APP_SECRET_HEADER: &str = "x-hale-app";

pub(crate) async fn guard(
    State(state): State<ServerState>,
    request: Request,
    next: Next,
) -> Response {
    if state.loopback_only && !loopback_host(request.headers()) {
        return FhirError::Forbidden("this server answers only requests to this machine".into())
            .into_response();
    }
    if let Some(secret) = &state.app_secret {
        let path = request.uri().path();
        let guarded = path.starts_with("/fhir/") && !path.starts_with("/fhir/.well-known")
            || path == "/fhir"
            || path.starts_with("/api/");
        let presented = request
            .headers()
            .get(APP_SECRET_HEADER)
            .and_then(|v| v.to_str().ok());
        if guarded && !presented.is_some_and(|p| constant_time_eq(p.as_bytes(), secret.as_bytes()))
        {
            return FhirError::Forbidden(
                "only the app that started this hospital may ask it".into(),
            )
            .into_response();
        }
    }
    next.run(request).await
}

fn loopback_host(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST).and_then(|h| h.to_str().ok()) else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn host(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::HOST, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn only_loopback_hosts_pass() {
        for ok in [
            "127.0.0.1:8080",
            "localhost:1",
            "[::1]:8080",
            "127.0.0.1",
            "LOCALHOST",
        ] {
            assert!(loopback_host(&host(ok)), "{ok}");
        }
        for bad in [
            "evil.example:8080",
            "evil.example",
            "10.0.0.1:80",
            "[2001:db8::1]:80",
        ] {
            assert!(!loopback_host(&host(bad)), "{bad}");
        }
        assert!(!loopback_host(&HeaderMap::new()));
    }
}
