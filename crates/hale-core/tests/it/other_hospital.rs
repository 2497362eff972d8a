//! The app's use cases at a hospital that is not Hale's: an independent FHIR R4 server with the
//! demo patient's record. What it offers works; what it does not (its CapabilityStatement says)
//! is refused before any request, and the app still knows after a restart without it.

use std::sync::Arc;

use chrono::Utc;
use hale_core::{CoreError, Freshness};
use hale_domain::{Feature, NotOffered, Offers};
use hale_other_hospital::{copy_demo_patient, OtherHospital};
use hale_server::demo::seed::DEMO_PATIENT;

use crate::common::{restarted, signed_in, MemoryKeychain};

fn refused(answer: Result<impl std::fmt::Debug, CoreError>) -> Feature {
    match answer {
        Err(CoreError::NotOffered(NotOffered(feature))) => feature,
        other => panic!("not refused as not offered: {other:?}"),
    }
}

#[tokio::test]
async fn at_a_hospital_without_hales_features_they_are_refused_unasked_and_the_record_still_works()
{
    let other = OtherHospital::with_demo_sign_in();
    copy_demo_patient(&other.base).await;
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("app.sqlite");
    let keychain = Arc::new(MemoryKeychain::default());
    let patient = signed_in(&other.base, &store, keychain.clone(), DEMO_PATIENT).await;
    let now = Utc::now();

    let offered = patient.hospital_offers().await.unwrap();
    assert_eq!(
        offered.hospital_name.as_deref(),
        Some("Riverside Community Hospital")
    );
    assert_eq!(offered.offers, Offers::NONE.with(Feature::Booking));

    let home = patient.home(now).await.unwrap();
    assert!(
        matches!(home.freshness, Freshness::Live { .. }),
        "{:?}",
        home.freshness
    );
    assert!(home.appointments.len() >= 3, "{:?}", home.appointments);
    assert!(home.waitlist.is_empty());
    for upcoming in &home.appointments {
        let allowed = upcoming.allowed;
        assert!(
            !allowed.can_move && !allowed.can_cancel && !allowed.can_wait && !allowed.can_check_in,
            "{allowed:?}"
        );
    }

    let id = home.appointments[0].appointment.id.clone();
    assert_eq!(refused(patient.cancel(&id, now).await), Feature::Cancelling);
    assert_eq!(
        refused(patient.reschedule(&id, "any-slot", now).await),
        Feature::Moving
    );
    assert_eq!(refused(patient.check_in(&id, now).await), Feature::CheckIn);
    assert_eq!(refused(patient.join_waitlist(&id).await), Feature::Waitlist);
    assert_eq!(
        refused(patient.waiting_times().await),
        Feature::WaitingTimes
    );
    assert_eq!(refused(patient.parking(now).await), Feature::Parking);
    // The medicines are read there too.
    let medicines = patient
        .medicines(&chrono_tz::Europe::London, now)
        .await
        .unwrap();
    assert!(!medicines.medicines.is_empty());

    // Started again with that hospital gone, the app still knows what it offers.
    let base = other.base.clone();
    drop(other);
    drop(patient);
    let offline = restarted(&base, &store, keychain).await;
    assert_eq!(
        offline.offers().await.unwrap(),
        Offers::NONE.with(Feature::Booking)
    );
    // Its saved appointments still offer no change the hospital does not.
    let home = offline.home(now).await.unwrap();
    assert!(matches!(home.freshness, Freshness::Offline { .. }));
    assert!(!home.appointments.is_empty());
    assert!(home
        .appointments
        .iter()
        .all(|u| !u.allowed.can_move && !u.allowed.can_cancel && !u.allowed.can_wait));
}

#[tokio::test]
async fn hales_own_hospital_offers_every_feature_in_its_capability_statement() {
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::common::demo(dir.path()).await;
    assert_eq!(demo.patient.offers().await.unwrap(), Offers::all());
}
