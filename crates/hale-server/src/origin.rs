//! Where this server is reached, as the client reached it: the base of the absolute URLs it
//! writes (discovery, token issuer, search links, `Location`).
//!
//! [`trusted_headers`] first makes the two headers it is read from trustworthy: the scheme a
//! proxy forwarded only from the hospital's own proxies, and a `Host` for a request that named
//! its authority in the URI instead (HTTP/2).

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;

use crate::ServerState;

pub(crate) async fn trusted_headers(
    State(state): State<ServerState>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0);
    let trusted =
        peer.is_some_and(|p| crate::client_address::is_trusted_proxy(p, &state.trusted_proxies));
    if !trusted {
        request.headers_mut().remove("x-forwarded-proto");
    }
    if !request.headers().contains_key(header::HOST) {
        let named = request
            .uri()
            .authority()
            .and_then(|a| HeaderValue::from_str(a.as_str()).ok());
        if let Some(host) = named {
            request.headers_mut().insert(header::HOST, host);
        }
    }
    next.run(request).await
}

/// Where this server is reached, from the request: `https://hospital.example` behind the
/// hospital's TLS proxy (which says so in `X-Forwarded-Proto`), `http://127.0.0.1:8080` on a
/// developer's machine.
pub(crate) fn origin(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("localhost");
    let scheme = match headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
    {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

/// `; Secure` for a session cookie when the client reached this server over TLS (the
/// hospital's proxy says so), so a browser never sends it over plain HTTP; nothing on a
/// plain-HTTP developer machine, where a Secure cookie would not be kept at all.
pub(crate) fn secure_attribute(headers: &HeaderMap) -> &'static str {
    if origin(headers).starts_with("https://") {
        "; Secure"
    } else {
        ""
    }
}

/// The FHIR base URL as the client reached it.
pub(crate) fn fhir_base(headers: &HeaderMap) -> String {
    format!("{}/fhir", origin(headers))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (name, value) in pairs {
            h.insert(*name, HeaderValue::from_static(value));
        }
        h
    }

    #[test]
    fn a_session_cookie_is_secure_only_when_the_client_came_over_tls() {
        let proxied = headers(&[("host", "hospital.example"), ("x-forwarded-proto", "https")]);
        assert_eq!(secure_attribute(&proxied), "; Secure");
        let plain = headers(&[("host", "127.0.0.1:8080")]);
        assert_eq!(secure_attribute(&plain), "");
    }
}
