//! The app's use cases against a real reference hospital over HTTP, with a real SQLite store:
//! live data is cached, and the cache is what the patient sees when the hospital is gone.

use chrono::{NaiveDate, Utc};
use hale_client::{ClientError, HospitalClient};
use hale_core::{Freshness, Identity, Patient};
use hale_server::seed::DEMO_PATIENT;
use hale_server::{RunningServer, ServerOptions};
use hale_store::Store;

async fn hospital(dir: &std::path::Path) -> RunningServer {
    let url = format!("sqlite://{}", dir.join("hospital.sqlite").display());
    hale_server::start(&ServerOptions::embedded_demo(url))
        .await
        .expect("server starts")
}

fn demo_identity() -> Identity {
    Identity::Development {
        identifier: DEMO_PATIENT.mrn.into(),
        birth_date: NaiveDate::parse_from_str(DEMO_PATIENT.birth_date, "%Y-%m-%d").unwrap(),
    }
}

async fn app(fhir_base: &str, dir: &std::path::Path) -> Patient {
    let store = Store::open(&dir.join("app.sqlite")).await.unwrap();
    Patient::new(
        HospitalClient::new(fhir_base).unwrap(),
        store,
        demo_identity(),
        fhir_base,
    )
}

#[tokio::test]
async fn live_data_is_cached_and_shown_when_the_hospital_goes_away() {
    let dir = tempfile::tempdir().unwrap();
    let server = hospital(dir.path()).await;
    let base = server.fhir_base();
    let patient = app(&base, dir.path()).await;

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
        Some(hale_server::seed::HOSPITAL_NAME)
    );
    assert!(live.appointments.len() >= 3, "{:?}", live.appointments);
    assert!(live.appointments.iter().all(|a| a.end > fetched_at));

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

    // A new start of the app with the hospital still down finds the same copy on disk.
    drop(patient);
    let restarted = app(&base, dir.path()).await;
    let again = restarted.home(Utc::now()).await.unwrap();
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
async fn a_first_start_without_the_hospital_says_so_and_shows_nothing_made_up() {
    let dir = tempfile::tempdir().unwrap();
    // Port 9 (discard) on loopback: nothing listens there.
    let patient = app("http://127.0.0.1:9/fhir", dir.path()).await;
    let home = patient.home(Utc::now()).await.unwrap();
    assert!(home.appointments.is_empty());
    assert!(matches!(
        home.freshness,
        Freshness::Offline {
            cached_at: None,
            error: ClientError::Unreachable(_)
        }
    ));
}

#[tokio::test]
async fn a_refused_sign_in_falls_back_to_the_copy_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let server = hospital(dir.path()).await;
    let store = Store::open(&dir.path().join("app.sqlite")).await.unwrap();
    let wrong = Identity::Development {
        identifier: DEMO_PATIENT.mrn.into(),
        birth_date: NaiveDate::from_ymd_opt(1999, 1, 1).unwrap(),
    };
    let base = server.fhir_base();
    let patient = Patient::new(
        HospitalClient::new(&base).unwrap(),
        store,
        wrong,
        base.as_str(),
    );
    let home = patient.home(Utc::now()).await.unwrap();
    assert!(matches!(
        home.freshness,
        Freshness::Offline {
            error: ClientError::Unauthorized,
            ..
        }
    ));
    assert!(home.appointments.is_empty());
    server.stop().await.unwrap();
}
