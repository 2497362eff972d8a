//! The sign-in forms' CSRF guard: a double-submit token, in an HttpOnly, SameSite=Strict cookie
//! and in the form, that must match on the post.
//!
//! Without it a hostile page could post its own name and password to the hospital in the
//! patient's browser ("login CSRF") and have the app signed in to the attacker's account, where
//! the patient's readings would then go. A page elsewhere can neither read the cookie nor make
//! the browser send it (SameSite=Strict), so it cannot post a matching pair.

use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::Response;

use crate::auth::new_token;
use crate::FhirError;

/// Which sign-in form: each has its own cookie, scoped to its own path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Guard {
    /// The patients' SMART sign-in at `/auth/authorize`.
    Patient,
    /// The care team console's at `/console/sign-in`.
    Console,
    /// A clinician's, opening a patient's shared summary at `/share`.
    Share,
}

impl Guard {
    fn cookie(self) -> &'static str {
        match self {
            Self::Patient => "hale_sign_in",
            Self::Console => "hale_console_sign_in",
            Self::Share => "hale_share_form",
        }
    }

    fn path(self) -> &'static str {
        match self {
            Self::Patient => "/auth/authorize",
            Self::Console => "/console/sign-in",
            Self::Share => "/share",
        }
    }

    /// The token this browser already holds for the form, if it looks like one of ours.
    pub(crate) fn held(self, headers: &HeaderMap) -> Option<String> {
        cookie(headers, self.cookie())
            .filter(|t| t.len() == 64 && t.bytes().all(|b| b.is_ascii_hexdigit()))
    }

    /// The browser's token, or a new one: the value to write into the form.
    pub(crate) fn token(self, headers: &HeaderMap) -> Result<String, FhirError> {
        match self.held(headers) {
            Some(token) => Ok(token),
            None => new_token(),
        }
    }

    /// Sets the cookie on a response that carries the form with `token`.
    pub(crate) fn set_cookie(self, response: &mut Response, token: &str) {
        let cookie = format!(
            "{}={token}; Path={}; HttpOnly; SameSite=Strict; Max-Age=3600",
            self.cookie(),
            self.path()
        );
        if let Ok(value) = HeaderValue::from_str(&cookie) {
            response.headers_mut().append(header::SET_COOKIE, value);
        }
    }

    /// Whether a posted form's token is the one its browser holds.
    pub(crate) fn matches(self, headers: &HeaderMap, posted: &str) -> bool {
        self.held(headers)
            .is_some_and(|held| constant_time_eq(held.as_bytes(), posted.as_bytes()))
    }
}

/// One cookie's value from the request's `Cookie` headers.
pub(crate) fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
        .map(|(_, v)| v.to_owned())
}

/// Whether two secrets are equal, in a time that does not tell how much of them matched.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn a_posted_token_must_equal_the_cookie_of_its_own_form() {
        let token = "a".repeat(64);
        let h = with_cookie(&format!("other=1; hale_sign_in={token}"));
        assert!(Guard::Patient.matches(&h, &token));
        assert!(!Guard::Patient.matches(&h, &"b".repeat(64)));
        assert!(!Guard::Patient.matches(&h, ""));
        assert!(!Guard::Console.matches(&h, &token), "another form's cookie");
        assert!(
            !Guard::Patient.matches(&HeaderMap::new(), &token),
            "no cookie"
        );
    }

    #[test]
    fn a_cookie_that_is_not_one_of_ours_is_replaced() {
        let h = with_cookie("hale_sign_in=<script>");
        assert_eq!(Guard::Patient.held(&h), None);
        assert_eq!(Guard::Patient.token(&h).unwrap().len(), 64);
    }
}
