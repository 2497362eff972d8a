//! Passwords of patients and of staff: Argon2id PHC strings, checked off the async workers, in
//! the same time whether or not the name exists.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use sqlx::AnyPool;

use crate::FhirError;

/// Whose sign-in names are looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accounts {
    Patients,
    Staff,
}

impl Accounts {
    fn query(self) -> &'static str {
        match self {
            Self::Patients => {
                "SELECT patient_id, password_hash FROM patient_login WHERE lower(username) = lower($1)"
            }
            Self::Staff => "SELECT id, password_hash FROM staff WHERE lower(username) = lower($1)",
        }
    }
}

/// The id of the patient or member of staff whose login matches, if any. Unknown names cost as
/// much as wrong passwords, so timing does not tell which names exist.
pub(crate) async fn verify(
    db: &AnyPool,
    accounts: Accounts,
    username: &str,
    password: &str,
) -> Result<Option<String>, FhirError> {
    let row: Option<(String, String)> = sqlx::query_as(accounts.query())
        .bind(username)
        .fetch_optional(db)
        .await?;
    let (patient, stored) = match row {
        Some((p, h)) => (Some(p), h),
        None => (None, DUMMY_HASH.to_owned()),
    };
    let password = password.to_owned();
    // Argon2 is deliberately slow: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|hash| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| FhirError::Internal(e.to_string()))?;
    Ok(patient.filter(|_| matches))
}

/// An Argon2id hash of a random password nobody knows, checked when the name is unknown.
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Q3Vr0yX3Zl5k1W8rL6uY2yZ4G2n0dJgq6vZ3mX0mQ3k";

/// An Argon2id PHC string for `password`, with a random salt.
pub(crate) fn hash(password: &str) -> Result<String, FhirError> {
    let salt_bytes = crate::random::bytes::<16>()?;
    let salt = SaltString::encode_b64(&salt_bytes)
        .map_err(|e| FhirError::Internal(format!("salt: {e}")))?;
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| FhirError::Internal(format!("password hash: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify_and_the_dummy_hash_parses() {
        let hash = hash("correct horse").unwrap();
        let parsed = PasswordHash::new(&hash).unwrap();
        assert!(Argon2::default()
            .verify_password(b"correct horse", &parsed)
            .is_ok());
        assert!(Argon2::default()
            .verify_password(b"wrong", &parsed)
            .is_err());
        assert!(PasswordHash::new(DUMMY_HASH).is_ok());
    }
}
