//! What every request must be before a handler sees it.
//!
//! - A URI of at most [`MAX_URI`] bytes: a longer one is refused with a 414 OperationOutcome.
//!   (hyper itself refuses a URI past 64 KiB, with an empty 414, before any of this runs.)
//! - Under `/fhir`, asking for a format the server writes, which is JSON only: `_format=xml`, or
//!   an `Accept` that takes only XML or Turtle, is 406, as R4 says (http.html#mime-type), rather
//!   than JSON the client cannot read.

use axum::extract::Request;
use axum::http::{header, HeaderMap};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::FhirError;

/// The longest request URI read: the longest search Hale makes is far shorter.
pub(crate) const MAX_URI: usize = 8 * 1024;

pub(crate) async fn apply(request: Request, next: Next) -> Response {
    match check(&request) {
        Ok(()) => next.run(request).await,
        Err(error) => error.into_response(),
    }
}

fn check(request: &Request) -> Result<(), FhirError> {
    let uri = request.uri();
    let length = uri.path().len() + uri.query().map_or(0, |q| q.len() + 1);
    if length > MAX_URI {
        return Err(FhirError::UriTooLong);
    }
    if !uri.path().starts_with("/fhir") {
        return Ok(());
    }
    let format = url::form_urlencoded::parse(uri.query().unwrap_or_default().as_bytes())
        .find(|(name, _)| name == "_format")
        .map(|(_, value)| value.into_owned());
    match format {
        Some(format) if !is_json(&format) => Err(FhirError::NotAcceptable(format!(
            "this server writes JSON only, not '{format}' (use _format=json)"
        ))),
        Some(_) => Ok(()),
        None if accepts_json(request.headers()) => Ok(()),
        None => Err(FhirError::NotAcceptable(
            "this server writes JSON only (Accept: application/fhir+json)".into(),
        )),
    }
}

/// `_format` values that name JSON (R4 http.html#mime-type). A `+` a client left unencoded
/// arrives as a space (`application/fhir json`), and is read as the `+` it was.
fn is_json(format: &str) -> bool {
    let media = format
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .replace(' ', "+");
    matches!(
        media.to_ascii_lowercase().as_str(),
        "json" | "application/json" | "application/fhir+json" | "text/json"
    )
}

/// Whether the `Accept` header (absent: anything) takes JSON.
fn accepts_json(headers: &HeaderMap) -> bool {
    let mut ranges = headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(|r| {
            r.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|r| !r.is_empty())
        .peekable();
    if ranges.peek().is_none() {
        return true;
    }
    ranges.any(|r| {
        r == "*/*"
            || r == "application/*"
            || r == "text/event-stream"
            || r == "application/fhir+json"
            || r == "application/json"
            || r == "text/json"
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Body;

    fn request(uri: &str, accept: Option<&str>) -> Request {
        let mut builder = Request::builder().uri(uri);
        if let Some(a) = accept {
            builder = builder.header(header::ACCEPT, a);
        }
        builder.body(Body::empty()).unwrap()
    }

    #[test]
    fn json_in_any_of_its_names_is_served_and_xml_is_not_acceptable() {
        for ok in [
            "json",
            "application/fhir+json",
            "application/json; charset=utf-8",
        ] {
            let uri = format!("/fhir/Slot?_format={}", urlencode(ok));
            assert!(check(&request(&uri, None)).is_ok(), "{ok}");
        }
        // Regression: an unencoded `+` (a space once decoded) was not acceptable.
        let unencoded = "/fhir/Slot?_format=application/fhir+json";
        assert!(check(&request(unencoded, None)).is_ok());
        for refused in ["xml", "application/fhir+xml", "ttl"] {
            let uri = format!("/fhir/Slot?_format={}", urlencode(refused));
            assert!(
                matches!(
                    check(&request(&uri, None)),
                    Err(FhirError::NotAcceptable(_))
                ),
                "{refused}"
            );
        }
    }

    #[test]
    fn an_accept_header_taking_only_xml_is_not_acceptable_but_a_browsers_is() {
        let xml = request("/fhir/metadata", Some("application/fhir+xml"));
        assert!(matches!(check(&xml), Err(FhirError::NotAcceptable(_))));
        let browser = request(
            "/fhir/metadata",
            Some("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
        );
        assert!(check(&browser).is_ok());
        let fhir = request("/fhir/metadata", Some("application/fhir+json"));
        assert!(check(&fhir).is_ok());
        // Outside /fhir the format is the page's own business.
        assert!(check(&request("/console", Some("text/html"))).is_ok());
    }

    #[test]
    fn a_uri_past_the_limit_is_too_long() {
        let long = format!("/fhir/Slot?start={}", "x".repeat(MAX_URI));
        assert!(matches!(
            check(&request(&long, None)),
            Err(FhirError::UriTooLong)
        ));
        let short = format!("/fhir/Slot?start={}", "x".repeat(MAX_URI - 100));
        assert!(check(&request(&short, None)).is_ok());
    }

    fn urlencode(s: &str) -> String {
        url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
    }
}
