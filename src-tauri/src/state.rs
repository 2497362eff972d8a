//! The state every command shares, built once in `setup` before any window loads.

use std::path::Path;
use std::sync::Arc;

use hale_api::LocalDataReset;
use hale_client::HospitalClient;
use hale_core::kiosk::Kiosk;
use hale_core::local_data::SetAside;
use hale_core::Patient;
use hale_server::{DatabaseKey, RunningServer, ServerOptions};
use hale_store::StoreKey;

use crate::config::KioskConfig;
use crate::keychain::SystemKeychain;
use crate::{AppConfig, HospitalChoice};

/// The store's name for the embedded demo hospital, whose URL changes with every start.
const EMBEDDED_KEY: &str = "embedded:demo";

#[derive(Debug)]
pub struct AppState {
    pub patient: Arc<Patient>,
    /// Whether the hospital is the embedded demo one.
    pub embedded: bool,
    /// What this start did with local data it could not use (told to the patient).
    pub local_data_reset: Option<LocalDataReset>,
    /// Kept so the embedded server lives as long as the app.
    _server: Option<RunningServer>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot create the data directory {0}: {1}")]
    DataDir(String, std::io::Error),
    #[error("cannot open the local store: {0}")]
    LocalData(#[from] hale_core::local_data::LocalDataError),
    #[error("cannot use the local store: {0}")]
    Store(#[from] hale_store::StoreError),
    #[error("cannot start the embedded hospital: {0}")]
    Server(#[from] hale_server::FhirError),
    #[error("bad hospital address: {0}")]
    Client(#[from] hale_client::ClientError),
}

/// The hospital the app talks to: its FHIR base, its key in the local store, and the embedded
/// server when the app runs one.
///
/// The embedded hospital keeps this user's relayed readings and doses, so its file is encrypted
/// with the store's `key`. Without a key (a kiosk, or a run whose keychain is out of reach) it
/// keeps everything in memory and writes nothing to disk.
async fn hospital(
    config: &AppConfig,
    data_dir: &Path,
    key: Option<&StoreKey>,
) -> Result<(HospitalClient, String, Option<RunningServer>), StartError> {
    match &config.hospital {
        HospitalChoice::EmbeddedDemo => {
            std::fs::create_dir_all(data_dir)
                .map_err(|e| StartError::DataDir(data_dir.display().to_string(), e))?;
            let key = key.and_then(|k| DatabaseKey::from_hex(&k.to_hex()));
            let url = match &key {
                Some(_) => format!(
                    "sqlite://{}",
                    data_dir.join("demo-hospital.sqlite").display()
                ),
                None => "sqlite::memory:".to_owned(),
            };
            let mut options = ServerOptions::embedded_demo(url);
            options.database_key = key;
            options.simulate_demo_day = config.demo_simulation;
            // The app signs in like any other: through the hospital's page, never a shortcut.
            options.dev_sign_in = false;
            // The embedded hospital holds this user's readings: only this app may ask it.
            let secret = hale_server::new_app_secret()?;
            options.app_secret = Some(secret.clone());
            let server = hale_server::start(&options).await?;
            let client = HospitalClient::embedded(
                &server.fhir_base(),
                hale_server::APP_SECRET_HEADER,
                &secret,
            )?;
            Ok((client, EMBEDDED_KEY.to_owned(), Some(server)))
        }
        HospitalChoice::Remote(url) => Ok((HospitalClient::new(url)?, url.clone(), None)),
    }
}

/// A check-in kiosk's state: the device sign-in, and in memory only, the form of whoever has
/// just checked in.
#[derive(Debug)]
pub struct KioskState {
    pub kiosk: Kiosk,
    _server: Option<RunningServer>,
}

impl KioskState {
    /// A kiosk opens no store: with a remote hospital it writes nothing to disk at all.
    pub async fn start(
        config: &AppConfig,
        kiosk: &KioskConfig,
        data_dir: &Path,
    ) -> Result<Self, StartError> {
        let (client, _, server) = hospital(config, data_dir, None).await?;
        tracing::info!(embedded = server.is_some(), "kiosk started");
        Ok(Self {
            kiosk: Kiosk::new(
                client,
                kiosk.client_id.clone(),
                kiosk.secret.clone(),
                // A backstop: the screen forgets the form when it goes back to the start, and
                // the hospital's grant for it lasts no longer than this.
                chrono::Duration::minutes(30),
            ),
            _server: server,
        })
    }
}

impl AppState {
    pub async fn start(config: AppConfig, data_dir: &Path) -> Result<Self, StartError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StartError::DataDir(data_dir.display().to_string(), e))?;
        let opened = hale_core::local_data::open_store(
            &data_dir.join("hale.sqlite"),
            &SystemKeychain,
            &data_dir.join("hale.key"),
        )
        .await?;
        tracing::info!(key_place = ?opened.key_place, set_aside = ?opened.set_aside, "local data opened");
        let (client, hospital_key, server) =
            hospital(&config, data_dir, opened.key.as_ref()).await?;
        tracing::info!(embedded = server.is_some(), "hospital chosen");
        Ok(Self {
            local_data_reset: opened.set_aside.map(|reason| match reason {
                SetAside::Unreadable => LocalDataReset::Unreadable,
                SetAside::Damaged => LocalDataReset::Damaged,
            }),
            patient: Arc::new(Patient::new(
                client,
                opened.store,
                Arc::new(SystemKeychain),
                hospital_key,
            )),
            embedded: server.is_some(),
            _server: server,
        })
    }
}
