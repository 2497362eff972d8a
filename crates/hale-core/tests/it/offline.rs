//! The app's use cases against a real reference hospital over HTTP, with a real SQLite store:
//! live data is cached, and the cache is what the patient sees when the hospital is gone.

use std::sync::Arc;

use crate::common::{restarted, signed_in, MemoryKeychain};
use chrono::Utc;
use hale_client::ClientError;
use hale_core::{CoreError, Freshness, Patient};
use hale_server::demo::seed::DEMO_PATIENT;
use hale_server::{RunningServer, ServerOptions};

async fn hospital(dir: &std::path::Path) -> RunningServer {
    let url = format!("sqlite://{}", dir.join("hospital.sqlite").display());
    hale_server::start(&ServerOptions::embedded_demo(url))
        .await
        .expect("server starts")
}

async fn app(fhir_base: &str, dir: &std::path::Path, keychain: Arc<MemoryKeychain>) -> Patient {
    signed_in(fhir_base, &dir.join("app.sqlite"), keychain, DEMO_PATIENT).await
}

#[tokio::test]
async fn live_data_is_cached_and_shown_when_the_hospital_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let server = hospital(dir.path()).await;
    let base = server.fhir_base();
    let keychain = Arc::new(MemoryKeychain::default());
    let patient = app(&base, dir.path(), keychain.clone()).await;

    let fetched_at = Utc::now();
    let live = patient.home(fetched_at).await.unwrap();
    assert!(
        matches!(live.freshness, Freshness::Live { .. }),
        "{:?}",
        live.freshness
    );
    assert_eq!(live.patient_name.as_deref(), Some("Alex Morgan"));
    assert_eq!(
        live.hospital_name.as_deref(),
        Some(hale_server::demo::seed::HOSPITAL_NAME)
    );
    assert!(live.appointments.len() >= 3, "{:?}", live.appointments);
    assert!(live
        .appointments
        .iter()
        .all(|u| u.appointment.end > fetched_at));

    server.stop().await.unwrap();

    let offline = patient.home(Utc::now()).await.unwrap();
    match &offline.freshness {
        Freshness::Offline {
            cached_at: Some(t),
            error: ClientError::Unreachable(_),
        } => assert_eq!(*t, fetched_at),
        other => panic!("expected offline with a cached copy, got {other:?}"),
    }
    assert_eq!(offline.appointments, live.appointments);
    assert_eq!(offline.patient_name.as_deref(), Some("Alex Morgan"));

    // A new start of the app with the hospital still down is still signed in (the keychain
    // keeps the sign-in) and finds the same copy on disk.
    drop(patient);
    let again = restarted(&base, &dir.path().join("app.sqlite"), keychain)
        .await
        .home(Utc::now())
        .await
        .unwrap();
    assert!(matches!(
        again.freshness,
        Freshness::Offline {
            cached_at: Some(_),
            ..
        }
    ));
    assert_eq!(again.appointments, live.appointments);
}

#[tokio::test]
async fn a_first_start_asks_for_a_sign_in_and_shows_nothing_made_up() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 (discard) on loopback: nothing listens there.
    let base = "http://127.0.0.1:9/fhir";
    let patient = restarted(
        base,
        &dir.path().join("app.sqlite"),
        Arc::new(MemoryKeychain::default()),
    )
    .await;
    assert!(!patient.is_signed_in().await);
    assert!(matches!(
        patient.home(Utc::now()).await,
        Err(CoreError::NotSignedIn)
    ));
    assert!(patient.saved_appointments().await.unwrap().is_empty());
    // Signing in needs the hospital, and says so.
    let signing_in = patient
        .sign_in(&crate::common::TestBrowser(DEMO_PATIENT), Utc::now())
        .await;
    assert!(
        matches!(
            signing_in,
            Err(CoreError::Hospital(ClientError::Unreachable(_)))
        ),
        "{signing_in:?}"
    );
}
