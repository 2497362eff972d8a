//! SMART App Launch token exchange shapes, and Hale's development sign-in request.

use serde::{Deserialize, Serialize};

/// An OAuth2 token response with SMART's `patient` launch context.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub scope: String,
    /// The id of the patient the token is bound to.
    pub patient: String,
}

/// Hale's development sign-in (`POST /auth/dev/token` on the reference server): a medical record
/// number and a date of birth. Not part of SMART; real hospitals sign in with OAuth2 + PKCE.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DevSignIn {
    pub identifier: String,
    /// YYYY-MM-DD.
    pub birth_date: String,
}

/// An OAuth2 client-credentials token request (RFC 6749 §4.4), form-encoded, as a kiosk or a
/// staff console sends it with its registered id and secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientCredentials {
    /// Must be `client_credentials`.
    pub grant_type: String,
    pub client_id: String,
    pub client_secret: String,
}

/// The token a device receives: no patient, a scope limited to its job.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceTokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub scope: String,
}

/// The scope of a check-in kiosk: it may check patients in, nothing else.
pub const KIOSK_SCOPE: &str = "system/Encounter.c hale/check-in";
/// The scope of a clinic's staff console: it may call and finish visits.
pub const STAFF_SCOPE: &str = "system/Encounter.u hale/queue";
/// The scope of a clinic's vital-signs monitor: it may record readings taken at a visit.
pub const CLINIC_DEVICE_SCOPE: &str = "system/Observation.c";

/// The one public client the reference server knows: the Hale app. Native apps cannot keep a
/// secret (RFC 8252 §8.5), so it proves itself with PKCE alone.
pub const APP_CLIENT_ID: &str = "hale-app";

/// Everything the Hale app asks for when a patient signs in, in SMART v2 syntax
/// (`c`reate, `r`ead, `u`pdate, `d`elete, `s`earch), plus Hale's own API beside FHIR.
pub const APP_SCOPE: &str = "launch/patient openid fhirUser offline_access \
patient/Patient.r patient/Appointment.crus patient/Encounter.crs patient/Schedule.s \
patient/Slot.s patient/MedicationRequest.s patient/MedicationAdministration.cs \
patient/Observation.cs patient/CarePlan.rs patient/Goal.rs patient/Flag.rs patient/Task.rs \
patient/Communication.rs patient/Consent.rs patient/RelatedPerson.rs patient/Questionnaire.r \
patient/QuestionnaireResponse.cs patient/AllergyIntolerance.s hale/waitlist hale/parking \
hale/care-circle";

/// A set of granted scopes, and the question every endpoint asks of it: does it allow this?
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Splits a space-separated scope string (RFC 6749 §3.3), dropping repeats.
    pub fn parse(text: &str) -> Self {
        let mut items: Vec<String> = Vec::new();
        for item in text.split_ascii_whitespace() {
            if !items.iter().any(|i| i == item) {
                items.push(item.to_owned());
            }
        }
        Self(items)
    }

    /// Whether `required` (one scope, e.g. `patient/Appointment.u` or `hale/parking`) is
    /// granted. Resource scopes match by context, type (or `*`) and every permission letter;
    /// SMART v1's `read`/`write`/`*` are understood. Anything else must match exactly.
    pub fn allows(&self, required: &str) -> bool {
        self.0.iter().any(|granted| covers(granted, required))
    }

    /// The scopes of `requested` that `offered` allows, in the order requested: what a
    /// server grants when a client asks for more than it offers.
    pub fn granted(requested: &str, offered: &Scopes) -> Self {
        Self(
            Self::parse(requested)
                .0
                .into_iter()
                .filter(|s| offered.allows(s))
                .collect(),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }
}

impl std::fmt::Display for Scopes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// `context/Type.permissions`, with the permissions as SMART v2 letters.
fn resource_scope(scope: &str) -> Option<(&str, &str, String)> {
    let (context, rest) = scope.split_once('/')?;
    if !matches!(context, "patient" | "user" | "system") {
        return None;
    }
    let (resource, permissions) = rest.split_once('.')?;
    let letters = match permissions {
        "read" => "rs".to_owned(),
        "write" => "cud".to_owned(),
        "*" => "cruds".to_owned(),
        v2 if !v2.is_empty() && v2.chars().all(|c| "cruds".contains(c)) => v2.to_owned(),
        _ => return None,
    };
    Some((context, resource, letters))
}

fn covers(granted: &str, required: &str) -> bool {
    match (resource_scope(granted), resource_scope(required)) {
        (Some((gc, gr, gp)), Some((rc, rr, rp))) => {
            gc == rc && (gr == "*" || gr == rr) && rp.chars().all(|c| gp.contains(c))
        }
        (None, None) => granted == required,
        _ => false,
    }
}

/// PKCE's S256 code challenge (RFC 7636 §4.2): BASE64URL(SHA-256(verifier)), no padding.
pub fn pkce_challenge(verifier: &str) -> String {
    use base64::Engine as _;
    use sha2::Digest as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(sha2::Sha256::digest(verifier))
}

/// Whether `verifier` has the shape RFC 7636 §4.1 requires: 43–128 unreserved characters.
pub fn pkce_verifier_is_valid(verifier: &str) -> bool {
    (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b))
}

/// `GET [base]/.well-known/smart-configuration` (SMART App Launch 2.x).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SmartConfiguration {
    pub issuer: String,
    pub authorization_endpoint: String,
    pub token_endpoint: String,
    pub revocation_endpoint: String,
    pub grant_types_supported: Vec<String>,
    pub response_types_supported: Vec<String>,
    pub token_endpoint_auth_methods_supported: Vec<String>,
    pub code_challenge_methods_supported: Vec<String>,
    pub scopes_supported: Vec<String>,
    pub capabilities: Vec<String>,
}

/// The token endpoint's answer to a patient's sign-in or refresh: SMART's `patient` context,
/// and a refresh token that is replaced at every use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PatientTokenResponse {
    pub access_token: String,
    pub token_type: String,
    pub expires_in: i64,
    pub scope: String,
    pub patient: String,
    /// Only when the grant includes `offline_access` (SMART App Launch v2).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub refresh_token: Option<String>,
    /// Who the user is: `Patient/…` for their own records, `RelatedPerson/…` while they act
    /// for someone who invited them. SMART carries `fhirUser` in an OpenID id_token; Hale's
    /// server issues none yet, so it is a launch context parameter of the token response.
    #[serde(rename = "fhirUser", default, skip_serializing_if = "Option::is_none")]
    pub fhir_user: Option<String>,
}

/// An OAuth2 error answer (RFC 6749 §5.2), e.g. `invalid_grant`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OAuthError {
    pub error: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_description: Option<String>,
    /// Hale's refusal code (as in an OperationOutcome) when a refresh asked to act for a patient
    /// and was refused: the sign-in itself still stands, unlike any other `invalid_grant`.
    /// RFC 6749 §5.2 lets an error answer carry further parameters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hale_refusal: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resource_scopes_match_by_type_and_every_letter() {
        let s = Scopes::parse("launch/patient patient/Appointment.crus patient/Observation.cs");
        assert!(s.allows("patient/Appointment.r"));
        assert!(s.allows("patient/Appointment.cu"));
        assert!(!s.allows("patient/Appointment.d"));
        assert!(!s.allows("patient/Appointment.rd"));
        assert!(s.allows("patient/Observation.c"));
        assert!(!s.allows("patient/Observation.r"));
        assert!(!s.allows("user/Appointment.r"), "another context");
        assert!(!s.allows("patient/Encounter.r"), "another type");
        assert!(s.allows("launch/patient"));
        assert!(!s.allows("hale/parking"));
    }

    #[test]
    fn wildcards_and_v1_permissions_are_understood() {
        let s = Scopes::parse("patient/*.read system/Encounter.write");
        assert!(s.allows("patient/Slot.s"));
        assert!(s.allows("patient/Patient.r"));
        assert!(!s.allows("patient/Patient.u"));
        assert!(s.allows("system/Encounter.cu"));
        assert!(!s.allows("system/Encounter.r"));
    }

    #[test]
    fn malformed_scopes_grant_nothing() {
        for bad in [
            "patient/Appointment.",
            "patient/Appointment.x",
            "patient/.r",
            "nobody/A.r",
        ] {
            let s = Scopes::parse(bad);
            assert!(!s.allows("patient/Appointment.r"), "{bad}");
        }
        assert!(!Scopes::parse("").allows("launch/patient"));
    }

    #[test]
    fn a_server_grants_only_what_it_offers() {
        let offered = Scopes::parse(APP_SCOPE);
        let granted = Scopes::granted(
            "openid patient/Appointment.r patient/Appointment.d hale/parking system/*.*",
            &offered,
        );
        assert_eq!(
            granted.to_string(),
            "openid patient/Appointment.r hale/parking"
        );
    }

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
        assert!(pkce_verifier_is_valid(
            "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
        ));
        assert!(!pkce_verifier_is_valid("short"));
        assert!(!pkce_verifier_is_valid(&"a".repeat(129)));
        assert!(!pkce_verifier_is_valid(&format!("{}+", "a".repeat(43))));
    }
}
