//! The patient's sign-in through the core, against the real reference hospital: the code flow
//! through a test browser on the hospital's own page, silent renewal when the access token
//! expires (once, however many calls are waiting), the keychain across restarts, and sign-out.

use std::sync::Arc;

use crate::common::{restarted, signed_in, MemoryKeychain, TestBrowser};
use chrono::Utc;
use hale_client::{ClientError, HospitalClient};
use hale_core::sign_in::{Keychain, SignedOut};
use hale_core::{CoreError, Freshness};
use hale_server::demo::seed::{DEMO_PATIENT, OTHER_PATIENT};
use hale_server::{RunningServer, ServerOptions, TokenLifetimes};

/// The demo hospital with access tokens that last one second, so tests see them expire.
async fn hospital(dir: &std::path::Path) -> RunningServer {
    let url = format!("sqlite://{}", dir.join("hospital.sqlite").display());
    let mut options = ServerOptions::embedded_demo(url);
    options.simulate_demo_day = false;
    options.tokens = TokenLifetimes {
        access: chrono::Duration::seconds(1),
        ..TokenLifetimes::default()
    };
    hale_server::start(&options).await.expect("server starts")
}

/// One hospital, an empty keychain and where the app's store goes.
struct Setup {
    _dir: tempfile::TempDir,
    server: RunningServer,
    base: String,
    keychain: Arc<MemoryKeychain>,
    store: std::path::PathBuf,
}

impl Setup {
    /// The app on this setup's store, signed in as the demo patient.
    async fn demo_patient(&self) -> hale_core::Patient {
        signed_in(&self.base, &self.store, self.keychain.clone(), DEMO_PATIENT).await
    }
}

async fn setup() -> Setup {
    let dir = tempfile::tempdir().unwrap();
    let server = hospital(dir.path()).await;
    let base = server.fhir_base();
    let store = dir.path().join("app.sqlite");
    Setup {
        _dir: dir,
        server,
        base,
        keychain: Arc::new(MemoryKeychain::default()),
        store,
    }
}

/// What another opening of the store file (with its key) finds of the demo patient: the saved
/// profile's name and the number of saved appointments.
async fn stored(store: &std::path::Path, base: &str) -> (Option<String>, usize) {
    let copy = hale_store::Store::open(store, &crate::common::STORE_KEY)
        .await
        .unwrap();
    let name = copy
        .profile(base)
        .await
        .unwrap()
        .and_then(|p| p.patient_name);
    let owner = hale_store::Owner {
        hospital: base,
        patient_id: DEMO_PATIENT.id,
    };
    (name, copy.appointments(owner).await.unwrap().records.len())
}

fn saved(keychain: &MemoryKeychain, base: &str) -> Option<String> {
    keychain.load(base).unwrap()
}

#[tokio::test]
async fn the_patient_signs_in_on_the_hospitals_page_and_stays_signed_in_across_restarts() {
    let t = setup().await;

    let fresh = restarted(&t.base, &t.store, t.keychain.clone()).await;
    assert!(!fresh.is_signed_in().await, "nobody is signed in at first");
    fresh
        .sign_in(&TestBrowser(OTHER_PATIENT), Utc::now())
        .await
        .unwrap();
    assert!(fresh.is_signed_in().await);
    let home = fresh.home(Utc::now()).await.unwrap();
    assert_eq!(home.patient_name.as_deref(), Some("Sam Patel"));
    let first = saved(&t.keychain, &t.base).expect("the refresh token is kept");
    drop(fresh);

    // The next start renews the sign-in from the keychain: no browser, and the rotated refresh
    // token replaces the spent one.
    let again = restarted(&t.base, &t.store, t.keychain.clone()).await;
    assert!(again.is_signed_in().await);
    let home = again.home(Utc::now()).await.unwrap();
    assert!(matches!(home.freshness, Freshness::Live { .. }));
    assert_eq!(home.patient_name.as_deref(), Some("Sam Patel"));
    let second = saved(&t.keychain, &t.base).unwrap();
    assert_ne!(first, second, "rotated");
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn an_expired_access_token_is_renewed_once_however_many_calls_wait() {
    let t = setup().await;
    let patient = t.demo_patient().await;
    let before = saved(&t.keychain, &t.base).unwrap();

    for _ in 0..2 {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        // Several calls at once find the token expired. Rotation makes a second refresh with the
        // same token a replay, which would end the sign-in: all of them must still succeed.
        let (services, waitlist, home) = tokio::join!(
            patient.services(),
            patient.waitlist(),
            patient.home(Utc::now())
        );
        services.unwrap();
        waitlist.unwrap();
        assert!(matches!(home.unwrap().freshness, Freshness::Live { .. }));
        assert!(patient.is_signed_in().await);
    }
    assert_ne!(saved(&t.keychain, &t.base).unwrap(), before);
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn a_sign_in_ended_at_the_hospital_signs_the_patient_out_here() {
    let t = setup().await;
    let patient = t.demo_patient().await;
    patient.home(Utc::now()).await.unwrap();
    drop(patient);

    // The hospital ends the sign-in (as a sign-out elsewhere, or IT, would).
    let client = HospitalClient::new(&t.base).unwrap();
    let token = saved(&t.keychain, &t.base).unwrap();
    client.revoke(&token).await.unwrap();

    let again = restarted(&t.base, &t.store, t.keychain.clone()).await;
    assert!(matches!(
        again.home(Utc::now()).await,
        Err(CoreError::NotSignedIn)
    ));
    assert!(!again.is_signed_in().await);
    assert_eq!(
        saved(&t.keychain, &t.base),
        None,
        "the dead token is forgotten"
    );
    // Nothing of the patient's is used while signed out.
    assert!(again.saved_appointments().await.unwrap().is_empty());
    t.server.stop().await.unwrap();
}

#[tokio::test]
async fn signing_out_revokes_at_the_hospital_and_can_remove_everything_here() {
    let t = setup().await;
    let patient = t.demo_patient().await;
    patient.home(Utc::now()).await.unwrap();
    let token = saved(&t.keychain, &t.base).unwrap();
    let (name, appointments) = stored(&t.store, &t.base).await;
    assert_eq!(name.as_deref(), Some("Alex Morgan"));
    assert!(appointments >= 3);

    assert_eq!(patient.sign_out(true).await.unwrap(), SignedOut::Revoked);
    assert!(!patient.is_signed_in().await);
    assert_eq!(saved(&t.keychain, &t.base), None);
    assert!(matches!(
        patient.home(Utc::now()).await,
        Err(CoreError::NotSignedIn)
    ));
    // The hospital no longer honours the sign-in.
    let client = HospitalClient::new(&t.base).unwrap();
    assert!(matches!(
        client.refresh_session(&token, Utc::now()).await,
        Err(ClientError::Unauthorized)
    ));
    // The local copy is gone, not merely hidden (the store's own tests show the erased rows
    // leave no trace in the file either).
    assert_eq!(stored(&t.store, &t.base).await, (None, 0), "nothing left");

    // Signed out while the hospital is away: forgotten here all the same, and said so.
    let patient = t.demo_patient().await;
    t.server.stop().await.unwrap();
    assert_eq!(
        patient.sign_out(false).await.unwrap(),
        SignedOut::NotRevoked
    );
    assert!(!patient.is_signed_in().await);
    assert_eq!(saved(&t.keychain, &t.base), None);
}
