//! Passwords of patients and of staff: Argon2id PHC strings, checked off the async workers, in
//! the same time whether or not the name exists, behind the limits on guessing.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;

use std::net::IpAddr;

use chrono::{DateTime, Utc};
use sqlx::AnyPool;

use crate::limits::{self, Limit};
use crate::{FhirError, ServerState};

/// Whose sign-in names are looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Accounts {
    Patients,
    Staff,
}

/// Failed sign-ins allowed before waits begin: per patient account, per staff account, and per
/// network address.
pub(crate) const PER_ACCOUNT: Limit = Limit {
    kind: "account",
    free: 5,
};
pub(crate) const PER_STAFF_ACCOUNT: Limit = Limit {
    kind: "staff",
    free: 5,
};
pub(crate) const PER_ADDRESS: Limit = Limit {
    kind: "address",
    free: 30,
};
/// An account's attempts from a place it signed in from before: counted apart from the
/// account's others, so a stranger's guesses do not shut the patient out at home.
const PER_USUAL_PLACE: Limit = Limit {
    kind: "usual",
    free: 5,
};

/// How many Argon2 checks run at once on one instance: each takes 19 MiB and a core for a
/// moment, so a burst of sign-ins queues rather than exhausting the machine.
pub(crate) const CONCURRENT_CHECKS: usize = 4;
/// How long a sign-in waits for a turn at the check before it is told the server is busy.
const CHECK_QUEUE: std::time::Duration = std::time::Duration::from_secs(10);

/// What a sign-in attempt came to.
#[derive(Debug)]
pub(crate) enum SignIn {
    /// The id of the patient or member of staff.
    Verified(String),
    Wrong,
    /// Too many attempts: the next may come after this long.
    Wait(chrono::Duration),
    /// Longer than any sign-in name; refused unchecked and uncounted.
    NameTooLong,
    /// Every check is busy; try again shortly.
    Busy,
}

/// Checks a sign-in from `address`: the attempt is reserved against the limits first, then the
/// password is checked (at most [`CONCURRENT_CHECKS`] at a time), and a success clears the
/// account's count and remembers the place.
pub(crate) async fn sign_in(
    state: &ServerState,
    accounts: Accounts,
    username: &str,
    password: &str,
    address: IpAddr,
    now: DateTime<Utc>,
) -> Result<SignIn, FhirError> {
    let username = username.trim();
    if username.chars().count() > limits::MAX_VALUE_CHARS {
        return Ok(SignIn::NameTooLong);
    }
    let account = username.to_lowercase();
    let address = address.to_string();
    let usual = limits::usual_place(&account, &address);
    let account_limit = match accounts {
        Accounts::Patients => PER_ACCOUNT,
        Accounts::Staff => PER_STAFF_ACCOUNT,
    };
    let at_usual_place = limits::is_usual_place(&state.db, &account, &address, now).await?;
    // The address first: an address over its allowance creates no account keys.
    let account_check = if at_usual_place {
        (PER_USUAL_PLACE, usual.as_str())
    } else {
        (account_limit, account.as_str())
    };
    let checks = [(PER_ADDRESS, address.as_str()), account_check];
    if let Err(wait) = limits::reserve(&state.db, &checks, now).await? {
        return Ok(SignIn::Wait(wait));
    }
    let Ok(_turn) = tokio::time::timeout(CHECK_QUEUE, state.password_checks.acquire()).await else {
        return Ok(SignIn::Busy);
    };
    let Some(id) = verify(&state.db, accounts, username, password).await? else {
        return Ok(SignIn::Wrong);
    };
    // A success is no guess: the address gets its attempt back, the account starts afresh.
    limits::refund(&state.db, &[(PER_ADDRESS, address.as_str())]).await?;
    limits::clear(&state.db, &[account_check]).await?;
    limits::remember_usual_place(&state.db, &account, &address, now).await?;
    Ok(SignIn::Verified(id))
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
async fn verify(
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
    let matches = matches(stored, password).await?;
    Ok(patient.filter(|_| matches))
}

/// Whether `secret` is the one a stored Argon2id PHC string was made from. Argon2 is
/// deliberately slow, so it runs off the async workers.
pub(crate) async fn matches(stored: String, secret: &str) -> Result<bool, FhirError> {
    let secret = secret.to_owned();
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&stored)
            .map(|hash| {
                Argon2::default()
                    .verify_password(secret.as_bytes(), &hash)
                    .is_ok()
            })
            .unwrap_or(false)
    })
    .await
    .map_err(|e| FhirError::Internal(e.to_string()))
}

/// Whether `username` signs in with `password`, unlimited: for the start-up check that no
/// published demo password guards a real hospital, never for a request.
pub(crate) async fn holds_password(
    db: &AnyPool,
    accounts: Accounts,
    username: &str,
    password: &str,
) -> Result<bool, FhirError> {
    Ok(verify(db, accounts, username, password).await?.is_some())
}

/// An Argon2id hash of a random password nobody knows, checked when the name is unknown.
pub(crate) const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA$Q3Vr0yX3Zl5k1W8rL6uY2yZ4G2n0dJgq6vZ3mX0mQ3k";

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
