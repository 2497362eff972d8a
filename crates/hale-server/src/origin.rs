//! Where this server is reached, as the client reached it: the base of the absolute URLs it
//! writes (discovery, token issuer, search links, `Location`).

use axum::http::{header, HeaderMap};

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

/// The FHIR base URL as the client reached it.
pub(crate) fn fhir_base(headers: &HeaderMap) -> String {
    format!("{}/fhir", origin(headers))
}
