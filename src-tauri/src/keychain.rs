//! The sign-in kept between starts, in the operating system's keychain (`keyring`): Secret
//! Service on Linux (GNOME Keyring, KWallet), Keychain on macOS, Credential Manager on Windows.
//!
//! Where there is none (no Secret Service on the session bus, a locked or refused store), every
//! operation fails, the core logs it, and nothing is kept: the patient signs in at each start.
//! The token is never written anywhere else instead.

use hale_core::sign_in::{Keychain, KeychainError};

/// The keychain's service name for Hale's entries; the account is the hospital's key.
const SERVICE: &str = "org.hale.app";

#[derive(Debug, Default)]
pub struct SystemKeychain;

#[cfg(not(any(target_os = "linux", target_os = "macos", target_os = "windows")))]
impl Keychain for SystemKeychain {
    // Mobile keystores are not wired yet: nothing is kept, the patient signs in at each start.
    fn load(&self, _: &str) -> Result<Option<String>, KeychainError> {
        Ok(None)
    }
    fn save(&self, _: &str, _: &str) -> Result<(), KeychainError> {
        Err(KeychainError("no keychain on this platform".into()))
    }
    fn delete(&self, _: &str) -> Result<(), KeychainError> {
        Ok(())
    }
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
fn entry(account: &str) -> Result<keyring::Entry, KeychainError> {
    keyring::Entry::new(SERVICE, account).map_err(failure)
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
fn failure(e: keyring::Error) -> KeychainError {
    // keyring's messages name the store's failure, never the secret.
    KeychainError(e.to_string())
}

#[cfg(any(target_os = "linux", target_os = "macos", target_os = "windows"))]
impl Keychain for SystemKeychain {
    fn load(&self, account: &str) -> Result<Option<String>, KeychainError> {
        match entry(account)?.get_password() {
            Ok(secret) => Ok(Some(secret)),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(failure(e)),
        }
    }

    fn save(&self, account: &str, secret: &str) -> Result<(), KeychainError> {
        entry(account)?.set_password(secret).map_err(failure)
    }

    fn delete(&self, account: &str) -> Result<(), KeychainError> {
        match entry(account)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(failure(e)),
        }
    }
}
