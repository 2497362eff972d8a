//! Shared set-up for the core's integration tests: a real reference hospital on a temporary
//! SQLite file (its demo clinic day off, so tests drive queues themselves) and the demo patient
//! signed in, through the hospital's sign-in page, from an app store in the same directory.

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use hale_client::HospitalClient;
use hale_core::sign_in::{Browser, Keychain, KeychainError};
use hale_core::watch::Notifier;
use hale_core::Patient;
use hale_domain::reminder::ReminderText;
use hale_server::demo::seed::{DemoPatient, DEMO_PATIENT};
use hale_server::{RunningServer, ServerOptions};
use hale_store::{Store, StoreKey};

/// The local store's key in the core's tests (the app's is random and in the keychain).
pub const STORE_KEY: StoreKey = StoreKey::from_bytes([7; 32]);

pub struct Demo {
    pub server: RunningServer,
    pub base: String,
    pub db_url: String,
    pub patient: Arc<Patient>,
    pub keychain: Arc<MemoryKeychain>,
}

/// A keychain in memory, shared by the "restarts" within one test.
#[derive(Debug, Default)]
pub struct MemoryKeychain(Mutex<HashMap<String, String>>);

impl Keychain for MemoryKeychain {
    fn load(&self, account: &str) -> Result<Option<String>, KeychainError> {
        Ok(self.0.lock().unwrap().get(account).cloned())
    }
    fn save(&self, account: &str, secret: &str) -> Result<(), KeychainError> {
        self.0
            .lock()
            .unwrap()
            .insert(account.to_owned(), secret.to_owned());
        Ok(())
    }
    fn delete(&self, account: &str) -> Result<(), KeychainError> {
        self.0.lock().unwrap().remove(account);
        Ok(())
    }
}

/// The patient's browser: signs in as `patient` on whatever page the app opens.
pub struct TestBrowser(pub DemoPatient);

impl Browser for TestBrowser {
    fn open(&self, url: &str) -> Result<(), String> {
        let url = url::Url::parse(url).map_err(|e| e.to_string())?;
        let (username, password) = (self.0.username, self.0.password);
        tokio::spawn(async move { hale_test_browser::sign_in(&url, username, password).await });
        Ok(())
    }
}

/// The app on the store at `path`, signed in as `who` at `base` (the keychain keeps the sign-in
/// for a later "restart").
pub async fn signed_in(
    base: &str,
    path: &Path,
    keychain: Arc<MemoryKeychain>,
    who: DemoPatient,
) -> Patient {
    let store = Store::open(path, &STORE_KEY).await.unwrap();
    let patient = Patient::new(HospitalClient::new(base).unwrap(), store, keychain, base);
    patient
        .sign_in(&TestBrowser(who), Utc::now())
        .await
        .expect("signed in through the hospital's page");
    patient
}

/// The app on the store at `path` as it starts again: no new sign-in, only the keychain's.
pub async fn restarted(base: &str, path: &Path, keychain: Arc<MemoryKeychain>) -> Patient {
    let store = Store::open(path, &STORE_KEY).await.unwrap();
    Patient::new(HospitalClient::new(base).unwrap(), store, keychain, base)
}

pub async fn demo(dir: &Path) -> Demo {
    let db_url = format!("sqlite://{}", dir.join("hospital.sqlite").display());
    let mut options = ServerOptions::embedded_demo(db_url.clone());
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.unwrap();
    let base = server.fhir_base();
    let keychain = Arc::new(MemoryKeychain::default());
    let patient = signed_in(
        &base,
        &dir.join("app.sqlite"),
        keychain.clone(),
        DEMO_PATIENT,
    )
    .await;
    Demo {
        server,
        base,
        db_url,
        patient: Arc::new(patient),
        keychain,
    }
}

impl Demo {
    /// An appointment for the demo patient in `clinic` at `start`, whatever the clinic's hours.
    pub async fn appointment_at(&self, clinic: &str, start: DateTime<Utc>) -> String {
        let db = hale_server::open_database(&self.db_url).await.unwrap();
        hale_server::demo::seed::appointment_at(&db, DEMO_PATIENT.id, clinic, start)
            .await
            .unwrap()
            .0
    }
}

/// What the parking screen asks now for `minutes` at `car_park`, or to extend the running
/// session by them: the quote a payment sends back, as the app sends it.
pub async fn quote(patient: &Patient, car_park: Option<&str>, minutes: u32) -> u32 {
    let parking = patient.parking(Utc::now()).await.unwrap();
    let prices = match car_park {
        Some(id) => {
            parking
                .car_parks
                .into_iter()
                .find(|o| o.car_park.id == id)
                .unwrap()
                .prices_for_you
        }
        None => {
            parking
                .stays
                .into_iter()
                .find(|s| s.running)
                .unwrap()
                .extend_prices
        }
    };
    prices.into_iter().find(|(m, _)| *m == minutes).unwrap().1
}

/// The payment processor's test card that is always approved.
pub fn card() -> hale_domain::parking::Card {
    hale_domain::parking::Card {
        number: "4242424242424242".into(),
        expiry: "12/30".into(),
        cvc: "123".into(),
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
            .map(|t| t.body_for(false))
            .collect()
    }
}

/// A member of the care team signed in to the hospital's console, as their browser would be.
pub struct Staff {
    http: reqwest::Client,
    root: String,
    cookie: String,
    csrf: String,
}

impl Staff {
    pub async fn sign_in(
        server: &RunningServer,
        who: &hale_server::demo::care_team::DemoStaff,
    ) -> Self {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap();
        let root = format!("http://{}", server.addr);
        // The sign-in form first, as a browser opens it: its CSRF cookie and token.
        let form = http
            .get(format!("{root}/console/sign-in"))
            .send()
            .await
            .unwrap();
        let guard = form.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let form_csrf = csrf_in(&form.text().await.unwrap());
        let r = http
            .post(format!("{root}/console/sign-in"))
            .header("cookie", guard)
            .form(&[
                ("username", who.username),
                ("password", who.password),
                ("csrf", &form_csrf),
            ])
            .send()
            .await
            .unwrap();
        let cookie = r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .split(';')
            .next()
            .unwrap()
            .to_owned();
        let page = http
            .get(format!("{root}/console"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        let csrf = csrf_in(&page);
        Self {
            http,
            root,
            cookie,
            csrf,
        }
    }

    /// Posts a console form; returns the status.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> u16 {
        let mut fields = vec![("csrf", self.csrf.as_str())];
        fields.extend_from_slice(form);
        self.http
            .post(format!("{}{path}", self.root))
            .header("cookie", &self.cookie)
            .form(&fields)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

/// The CSRF token in a console page's form.
fn csrf_in(page: &str) -> String {
    let at = page.find(r#"name="csrf" value=""#).unwrap() + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

/// A blood pressure cuff paired at `now` under Bluetooth address `id`.
pub fn cuff(id: &str, now: DateTime<Utc>) -> hale_store::PairedDevice {
    hale_store::PairedDevice {
        id: id.into(),
        name: "Cuff".into(),
        device_type: hale_domain::device::DeviceType::BloodPressure,
        paired_at: now,
        last_seen_at: None,
        last_sequence: None,
        record_session: None,
    }
}

/// A blood pressure as the cuff sends it (mmHg, no time stamp, so "now").
pub fn pressure(sys: u8, dia: u8) -> hale_domain::device::Measurement {
    hale_domain::device::decode(
        hale_domain::device::Characteristic::BloodPressureMeasurement,
        &[0x00, sys, 0x00, dia, 0x00, 0x5F, 0x00],
    )
    .unwrap()
}
