//! Shared set-up for the core's integration tests: a real reference hospital on a temporary
//! SQLite file (its demo clinic day off, so tests drive queues themselves) and the demo patient
//! signed in from an app store in the same directory.

#![allow(dead_code)] // each test binary uses its own part

use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, NaiveDate, Utc};
use hale_client::HospitalClient;
use hale_core::watch::Notifier;
use hale_core::{Identity, Patient};
use hale_domain::reminder::ReminderText;
use hale_server::seed::DEMO_PATIENT;
use hale_server::{RunningServer, ServerOptions};
use hale_store::Store;

pub struct Demo {
    pub server: RunningServer,
    pub base: String,
    pub db_url: String,
    pub patient: Arc<Patient>,
}

pub fn demo_identity() -> Identity {
    Identity::Development {
        identifier: DEMO_PATIENT.mrn.into(),
        birth_date: NaiveDate::parse_from_str(DEMO_PATIENT.birth_date, "%Y-%m-%d").unwrap(),
    }
}

pub async fn demo(dir: &Path) -> Demo {
    let db_url = format!("sqlite://{}", dir.join("hospital.sqlite").display());
    let mut options = ServerOptions::embedded_demo(db_url.clone());
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.unwrap();
    let base = server.fhir_base();
    let store = Store::open(&dir.join("app.sqlite")).await.unwrap();
    let patient = Arc::new(Patient::new(
        HospitalClient::new(&base).unwrap(),
        store,
        demo_identity(),
        base.clone(),
    ));
    Demo {
        server,
        base,
        db_url,
        patient,
    }
}

impl Demo {
    /// An appointment for the demo patient in `clinic` at `start`, whatever the clinic's hours.
    pub async fn appointment_at(&self, clinic: &str, start: DateTime<Utc>) -> String {
        let db = hale_server::open_database(&self.db_url).await.unwrap();
        hale_server::seed::appointment_at(&db, DEMO_PATIENT.id, clinic, start)
            .await
            .unwrap()
            .0
    }
}

/// Records the notifications it is asked to show.
#[derive(Default)]
pub struct Recorder(pub Mutex<Vec<ReminderText>>);

impl Notifier for Recorder {
    fn show(&self, text: &ReminderText) -> Result<(), String> {
        self.0.lock().unwrap().push(text.clone());
        Ok(())
    }
}

impl Recorder {
    pub fn bodies(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|t| t.body.clone())
            .collect()
    }
}
