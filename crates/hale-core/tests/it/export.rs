//! Exporting the record from the app's side, against a real reference hospital: the whole
//! record (every page of it) and the patient summary, as the files the shell saves; refused
//! while looking after someone, and nothing at all when the hospital cannot be reached.

use std::sync::Arc;

use crate::care_circle::jordan_helps_alex;
use crate::common::{demo, MemoryKeychain};
use chrono::{NaiveDate, Utc};
use hale_core::CoreError;
use hale_domain::care_circle::{Permission, Permissions};
use hale_server::demo::seed::DEMO_PATIENT;
use serde_json::Value;

#[tokio::test]
async fn the_patient_exports_their_whole_record_and_their_patient_summary_as_the_hospital_holds_them(
) {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let export = d.patient.export_record(today).await.unwrap();

    assert_eq!(export.whole_record.name, "hale-record-2026-12-06.json");
    let record: Value = serde_json::from_str(&export.whole_record.contents).unwrap();
    assert_eq!(record["resourceType"], "Bundle");
    assert_eq!(record["type"], "searchset");
    let entries = record["entry"].as_array().unwrap();
    assert_eq!(entries.len(), export.resources);
    assert_eq!(
        record["total"].as_u64(),
        Some(entries.len() as u64),
        "every page was read"
    );
    assert!(
        record["link"]
            .as_array()
            .into_iter()
            .flatten()
            .all(|l| l["relation"] != "next"),
        "no next page is left to follow"
    );
    assert!(entries
        .iter()
        .any(|e| e["resource"]["resourceType"] == "MedicationRequest"));
    assert!(entries
        .iter()
        .all(|e| !e.to_string().contains("\"Patient/") || e.to_string().contains(DEMO_PATIENT.id)));

    let hale_core::export::Summary::Written(summary) = export.summary else {
        panic!("the reference hospital writes one: {:?}", export.summary);
    };
    assert_eq!(summary.name, "hale-patient-summary-2026-12-06.json");
    let document: Value = serde_json::from_str(&summary.contents).unwrap();
    assert_eq!(document["type"], "document");
    assert_eq!(
        document["entry"][0]["resource"]["type"]["coding"][0]["code"],
        "60591-5"
    );
}

#[tokio::test]
async fn a_helper_looking_after_the_patient_cannot_export_their_record() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let shared = Permissions::NONE
        .with(Permission::Medicines)
        .with(Permission::Readings)
        .with(Permission::Appointments);
    let (jordan, _) = jordan_helps_alex(
        &d,
        &dir.path().join("jordan.sqlite"),
        Arc::new(MemoryKeychain::default()),
        shared,
    )
    .await;
    jordan
        .look_after(Some(DEMO_PATIENT.id), Utc::now())
        .await
        .unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let refused = jordan.export_record(today).await;
    assert!(
        matches!(refused, Err(CoreError::PatientsOwn(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn an_export_while_the_hospital_is_unreachable_fails_saying_so() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    d.server.stop().await.unwrap();
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let failed = d.patient.export_record(today).await;
    assert!(
        matches!(
            failed,
            Err(CoreError::Hospital(hale_client::ClientError::Unreachable(
                _
            )))
        ),
        "{failed:?}"
    );
}

#[tokio::test]
async fn the_patient_makes_a_share_code_sees_it_listed_and_ends_it_and_a_helper_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let d = demo(dir.path()).await;
    let made = d.patient.create_share().await.unwrap();
    assert!(made.link.ends_with("/share"), "{}", made.link);
    assert!(made.expires > Utc::now() + chrono::Duration::hours(23));
    let now = Utc::now();
    let listed = d.patient.shares().await.unwrap();
    assert_eq!(listed.len(), 1);
    assert!(matches!(
        listed[0].state(now),
        hale_domain::share::ShareState::Waiting { .. }
    ));
    d.patient.revoke_share(&made.id).await.unwrap();
    let listed = d.patient.shares().await.unwrap();
    assert!(matches!(
        listed[0].state(Utc::now()),
        hale_domain::share::ShareState::Ended {
            end: hale_domain::share::ShareEnd::Revoked(_),
            ..
        }
    ));

    let (jordan, _) = jordan_helps_alex(
        &d,
        &dir.path().join("jordan.sqlite"),
        Arc::new(MemoryKeychain::default()),
        Permissions::NONE.with(Permission::Readings),
    )
    .await;
    jordan
        .look_after(Some(DEMO_PATIENT.id), Utc::now())
        .await
        .unwrap();
    assert!(matches!(
        jordan.create_share().await,
        Err(CoreError::PatientsOwn(_))
    ));
}
