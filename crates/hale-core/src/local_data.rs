//! Opening the encrypted local store: where its key lives, and what happens when it cannot be
//! read.
//!
//! The key is random and lives in the operating system's keychain. Where there is no keychain
//! it lives in a file readable by the user alone, beside the data: weaker (it protects copies of
//! the database without the key file, such as backups of the one file, not a whole stolen
//! account), but the data is never lost to a missing keychain. A key file found once a keychain
//! exists moves into the keychain. A keychain that cannot be read while a store exists (locked,
//! or its service away for now) makes a run that keeps nothing on disk, leaving the store for
//! when the keychain is back. A store that cannot be read with the key is moved aside, kept (the
//! right key may come back), and a new one is started; the hospital's copy refills it.

use std::path::{Path, PathBuf};

use hale_store::{Store, StoreError, StoreKey};

use crate::sign_in::Keychain;

/// The keychain account of the local store's key (hospitals' accounts are their keys or URLs).
pub const STORE_KEY_ACCOUNT: &str = "local-data-key";

/// Why the local data could not be opened at all (a store that cannot be read is set aside
/// instead, see [`open_store`]).
#[derive(Debug, thiserror::Error)]
pub enum LocalDataError {
    /// The keychain entry or the key file holds something that is not a key: someone else wrote
    /// it, or it was damaged. It is left as it is, for a person to look at.
    #[error("the {0:?} holds a local data key that is not a key")]
    NotAKey(KeyPlace),
    #[error("the local data key file: {0}")]
    KeyFile(#[from] std::io::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Where the local store's key was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyPlace {
    Keychain,
    /// The fallback where there is no keychain: a file only its user may read.
    File,
    /// The keychain holding the key could not be read: this run keeps its data in memory only.
    Memory,
}

/// The key to open the store with, or none for now.
#[derive(Debug)]
pub enum KeyChoice {
    Key(StoreKey, KeyPlace),
    /// The keychain cannot be read and the existing store was not encrypted under a key file:
    /// its key is in the keychain, out of reach for now.
    OutOfReach,
}

/// The local store's key, creating one the first time (`store_exists`: whether the store's
/// file is there already).
pub fn store_key(
    keychain: &dyn Keychain,
    key_file: &Path,
    store_exists: bool,
) -> Result<KeyChoice, LocalDataError> {
    let from_file = read_key_file(key_file)?;
    match keychain.load(STORE_KEY_ACCOUNT) {
        Ok(Some(hex)) => {
            let key =
                StoreKey::from_hex(&hex).ok_or(LocalDataError::NotAKey(KeyPlace::Keychain))?;
            Ok(KeyChoice::Key(key, KeyPlace::Keychain))
        }
        Ok(None) => {
            let key = match from_file {
                Some(key) => key,
                None => StoreKey::generate()?,
            };
            match keychain.save(STORE_KEY_ACCOUNT, &key.to_hex()) {
                Ok(()) => {
                    if key_file.exists() {
                        std::fs::remove_file(key_file)?;
                        tracing::info!("the local data key moved into the keychain");
                    }
                    Ok(KeyChoice::Key(key, KeyPlace::Keychain))
                }
                Err(error) => {
                    tracing::warn!(%error, "the keychain refused the local data key");
                    if !key_file.exists() {
                        write_key_file(key_file, &key)?;
                    }
                    Ok(KeyChoice::Key(key, KeyPlace::File))
                }
            }
        }
        Err(error) => match from_file {
            Some(key) => Ok(KeyChoice::Key(key, KeyPlace::File)),
            None if store_exists => {
                tracing::warn!(%error, "the keychain holding the local data key cannot be read");
                Ok(KeyChoice::OutOfReach)
            }
            None => {
                tracing::warn!(%error, "no keychain: the local data key is kept in a file");
                let key = StoreKey::generate()?;
                write_key_file(key_file, &key)?;
                Ok(KeyChoice::Key(key, KeyPlace::File))
            }
        },
    }
}

fn read_key_file(path: &Path) -> Result<Option<StoreKey>, LocalDataError> {
    match std::fs::read_to_string(path) {
        Ok(text) => StoreKey::from_hex(&text)
            .map(Some)
            .ok_or(LocalDataError::NotAKey(KeyPlace::File)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e.into()),
    }
}

fn write_key_file(path: &Path, key: &StoreKey) -> Result<(), LocalDataError> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(key.to_hex().as_bytes())?;
    file.sync_all()?;
    Ok(())
}

/// Why the store on disk was set aside and a new one started.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SetAside {
    /// It cannot be read with this device's key.
    Unreadable,
    /// Pages of it are damaged or missing.
    Damaged,
}

/// The store the app runs on, where its key is, and what happened to the one before, if it
/// could not be used (the app tells the patient, and the hospital's copy refills the new one).
#[derive(Debug)]
pub struct OpenedStore {
    pub store: Store,
    pub key_place: KeyPlace,
    pub set_aside: Option<SetAside>,
    /// The store's key, for other files of this user's data (the embedded hospital's); `None`
    /// when the key is out of reach and nothing is kept on disk this run.
    pub key: Option<StoreKey>,
}

/// Opens the store at `path` with its key. One that cannot be read with the key, or is damaged,
/// is moved aside with its write-ahead log (to `…unreadable-N`; kept: the right key may come
/// back, and a damaged file may still hold records worth recovering by hand) and a new, empty
/// one is opened in its place.
pub async fn open_store(
    path: &Path,
    keychain: &dyn Keychain,
    key_file: &Path,
) -> Result<OpenedStore, LocalDataError> {
    let (key, key_place) = match store_key(keychain, key_file, path.exists())? {
        KeyChoice::Key(key, place) => (key, place),
        KeyChoice::OutOfReach => {
            tracing::warn!("this run keeps nothing on disk; the local data waits for its key");
            return Ok(OpenedStore {
                store: Store::open_in_memory().await?,
                key_place: KeyPlace::Memory,
                set_aside: None,
                key: None,
            });
        }
    };
    let reason = match Store::open(path, &key).await {
        Ok(store) => {
            return Ok(OpenedStore {
                store,
                key_place,
                set_aside: None,
                key: Some(key),
            })
        }
        Err(StoreError::Unreadable) => SetAside::Unreadable,
        Err(StoreError::Damaged) => SetAside::Damaged,
        Err(other) => return Err(other.into()),
    };
    let aside = aside_name(path);
    tracing::warn!(
        ?reason,
        "the local data could not be used; kept aside, starting afresh"
    );
    hale_store::move_store(path, &aside)?;
    Ok(OpenedStore {
        store: Store::open(path, &key).await?,
        key_place,
        set_aside: Some(reason),
        key: Some(key),
    })
}

fn aside_name(path: &Path) -> PathBuf {
    let mut n = 1;
    loop {
        let mut name = path.as_os_str().to_owned();
        name.push(format!(".unreadable-{n}"));
        let candidate = PathBuf::from(name);
        if !candidate.exists() {
            return candidate;
        }
        n += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sign_in::KeychainError;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// A keychain that works, or one that is not there at all.
    #[derive(Debug, Default)]
    struct TestKeychain {
        entries: Mutex<HashMap<String, String>>,
        missing: bool,
    }

    impl Keychain for TestKeychain {
        fn load(&self, account: &str) -> Result<Option<String>, KeychainError> {
            if self.missing {
                return Err(KeychainError("no secret service".into()));
            }
            Ok(self.entries.lock().unwrap().get(account).cloned())
        }
        fn save(&self, account: &str, secret: &str) -> Result<(), KeychainError> {
            if self.missing {
                return Err(KeychainError("no secret service".into()));
            }
            self.entries
                .lock()
                .unwrap()
                .insert(account.into(), secret.into());
            Ok(())
        }
        fn delete(&self, account: &str) -> Result<(), KeychainError> {
            self.entries.lock().unwrap().remove(account);
            Ok(())
        }
    }

    fn absent() -> TestKeychain {
        TestKeychain {
            missing: true,
            ..TestKeychain::default()
        }
    }

    #[test]
    fn the_key_is_made_once_and_kept_in_the_keychain() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hale.key");
        let keychain = TestKeychain::default();
        let (first, place) = key(store_key(&keychain, &file, false));
        assert_eq!(place, KeyPlace::Keychain);
        assert!(!file.exists(), "no file when there is a keychain");
        let (second, _) = key(store_key(&keychain, &file, true));
        assert_eq!(first, second);
    }

    #[test]
    fn without_a_keychain_the_key_is_a_private_file_that_later_moves_into_one() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hale.key");
        let (first, place) = key(store_key(&absent(), &file, false));
        assert_eq!(place, KeyPlace::File);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&file).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "readable by its user alone");
        }
        assert_eq!(key(store_key(&absent(), &file, true)).0, first);

        let keychain = TestKeychain::default();
        let (moved, place) = key(store_key(&keychain, &file, true));
        assert_eq!((moved, place), (first, KeyPlace::Keychain));
        assert!(
            !file.exists(),
            "the file is gone once the keychain has the key"
        );
    }

    #[test]
    fn a_key_that_is_not_a_key_is_named_where_it_was_and_left_there() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("hale.key");
        let keychain = TestKeychain::default();
        keychain.save(STORE_KEY_ACCOUNT, "not hex").unwrap();
        assert!(matches!(
            store_key(&keychain, &file, true),
            Err(LocalDataError::NotAKey(KeyPlace::Keychain))
        ));
        assert_eq!(
            keychain.load(STORE_KEY_ACCOUNT).unwrap().as_deref(),
            Some("not hex")
        );
        std::fs::write(&file, "0123").unwrap();
        assert!(matches!(
            store_key(&absent(), &file, true),
            Err(LocalDataError::NotAKey(KeyPlace::File))
        ));
        assert!(file.exists(), "kept for a person to look at");
    }

    fn key(choice: Result<KeyChoice, LocalDataError>) -> (StoreKey, KeyPlace) {
        match choice.unwrap() {
            KeyChoice::Key(key, place) => (key, place),
            KeyChoice::OutOfReach => panic!("no key"),
        }
    }

    #[tokio::test]
    async fn a_keychain_out_of_reach_leaves_the_store_for_later_and_keeps_nothing_now() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hale.sqlite");
        let file = dir.path().join("hale.key");
        let keychain = TestKeychain::default();
        let opened = open_store(&path, &keychain, &file).await.unwrap();
        let (store, place) = (opened.store, opened.key_place);
        assert_eq!(place, KeyPlace::Keychain);
        store.set_reminder_leads(&[]).await.unwrap();
        // Closed, not dropped: a dropped pool closes its connections later, on their own
        // threads, which raced the next open and, at the test binary's exit, SQLCipher's own
        // teardown ("double free or corruption", seen in CI).
        store.close().await;

        // The keychain is away (locked, its service not running): no key file is made, the
        // store is left alone, and this run's store is in memory.
        let run = open_store(&path, &absent(), &file).await.unwrap();
        assert_eq!(run.key_place, KeyPlace::Memory);
        let run = run.store;
        assert_eq!(run.reminder_leads().await.unwrap(), None);
        assert!(!file.exists());
        // Back with the keychain, the store is as it was.
        let back = open_store(&path, &keychain, &file).await.unwrap().store;
        assert_eq!(back.reminder_leads().await.unwrap(), Some(Vec::new()));
        run.close().await;
        back.close().await;
    }

    #[tokio::test]
    async fn a_store_the_key_cannot_read_is_kept_aside_and_a_new_one_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hale.sqlite");
        let file = dir.path().join("hale.key");
        let other = StoreKey::from_bytes([9; 32]);
        let old = Store::open(&path, &other).await.unwrap();
        old.set_reminder_leads(&[]).await.unwrap();
        old.close().await;

        let keychain = TestKeychain::default();
        let opened = open_store(&path, &keychain, &file).await.unwrap();
        assert_eq!(opened.set_aside, Some(SetAside::Unreadable));
        let store = opened.store;
        assert_eq!(store.reminder_leads().await.unwrap(), None, "a new store");
        let aside = dir.path().join("hale.sqlite.unreadable-1");
        assert!(aside.exists(), "the old one is kept");
        // The one kept aside still opens with its own key.
        let kept = Store::open(&aside, &other).await.unwrap();
        assert_eq!(kept.reminder_leads().await.unwrap(), Some(Vec::new()));
        store.close().await;
        kept.close().await;
    }

    #[tokio::test]
    async fn a_damaged_store_is_kept_aside_with_its_log_and_a_new_one_opens() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("hale.sqlite");
        let file = dir.path().join("hale.key");
        let keychain = TestKeychain::default();
        let first = open_store(&path, &keychain, &file).await.unwrap();
        assert_eq!(first.set_aside, None);
        let leads = [hale_domain::Lead::Days(1)];
        first.store.set_reminder_leads(&leads).await.unwrap();
        first.store.close().await;
        // Cut short past its first page, as a disk that filled up mid-write leaves it.
        let bytes = std::fs::read(&path).unwrap();
        assert!(bytes.len() > 4096 * 2);
        std::fs::write(&path, &bytes[..4096 + 1000]).unwrap();

        let opened = open_store(&path, &keychain, &file).await.unwrap();
        assert_eq!(opened.set_aside, Some(SetAside::Damaged));
        assert_eq!(
            opened.store.reminder_leads().await.unwrap(),
            None,
            "a new store"
        );
        assert!(dir.path().join("hale.sqlite.unreadable-1").exists());
        // The next start finds the new store whole.
        opened.store.close().await;
        let again = open_store(&path, &keychain, &file).await.unwrap();
        assert_eq!(again.set_aside, None);
        again.store.close().await;
    }
}
