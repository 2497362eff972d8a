//! The care circle through two apps on one hospital: the patient's, and their partner's, each
//! with its own store and keychain, signed in as themselves.

use std::sync::Arc;

use crate::common::{
    cuff, demo, pressure, restarted, signed_in, Demo, MemoryKeychain, Recorder, STORE_KEY,
};
use chrono::{NaiveDate, Utc};
use chrono_tz::Europe::London;
use hale_client::ClientError;
use hale_core::medicines::LogDose;
use hale_core::{CoreError, Freshness, Patient};
use hale_domain::care_circle::alerts::HelperAlertKind;
use hale_domain::care_circle::{CircleMember, GrantStatus, Permission, Permissions};
use hale_domain::medication::Outcome;
use hale_domain::monitoring::Tier;
use hale_domain::RefusalCode;
use hale_server::demo::seed::{DEMO_HELPER, DEMO_PATIENT};
use hale_store::{Owner, Store};

const CUFF: &str = "AA:00:00:00:00:0C";

/// Jordan, signed in with their own app on the store at `store`, accepts Alex's invitation to
/// share `shared`; returns Jordan's app and the grant as Jordan sees it.
pub(crate) async fn jordan_helps_alex(
    hospital: &Demo,
    store: &std::path::Path,
    keychain: Arc<MemoryKeychain>,
    shared: Permissions,
) -> (Patient, CircleMember) {
    let jordan = signed_in(&hospital.base, store, keychain, DEMO_HELPER).await;
    let invitation = hospital.patient.invite(shared).await.unwrap();
    let born: NaiveDate = DEMO_PATIENT.birth_date.parse().unwrap();
    let grant = jordan
        .accept_invitation(&invitation.code, born)
        .await
        .unwrap();
    (jordan, grant)
}

#[tokio::test]
async fn a_patient_invites_their_partner_who_accepts_and_both_see_who_has_what_until_it_ends() {
    let dir = tempfile::tempdir().unwrap();
    let hospital = demo(dir.path()).await;
    let alex = &hospital.patient;
    let jordan = signed_in(
        &hospital.base,
        &dir.path().join("jordan.sqlite"),
        Arc::new(MemoryKeychain::default()),
        DEMO_HELPER,
    )
    .await;
    let shared: Permissions = [Permission::Medicines, Permission::Alerts]
        .into_iter()
        .collect();
    let invitation = alex.invite(shared).await.unwrap();
    assert_eq!(invitation.permissions, shared);
    let born: NaiveDate = DEMO_PATIENT.birth_date.parse().unwrap();

    let wrong = jordan
        .accept_invitation(&invitation.code, born.succ_opt().unwrap())
        .await;
    assert!(
        matches!(
            wrong,
            Err(CoreError::Hospital(ClientError::Refused {
                code: Some(RefusalCode::InvitationInvalid),
                ..
            }))
        ),
        "{wrong:?}"
    );
    let accepted = jordan
        .accept_invitation(&invitation.code, born)
        .await
        .unwrap();
    assert_eq!(accepted.name, "Alex Morgan");
    assert_eq!(accepted.initials(), "AM");
    assert_eq!(accepted.status, GrantStatus::Active);

    let alexs = alex.care_circle().await.unwrap();
    assert_eq!(alexs.helpers.len(), 1);
    assert_eq!(alexs.helpers[0].name, "Jordan Morgan");
    assert_eq!(alexs.helpers[0].permissions, shared);
    assert!(alexs.helping.is_empty());
    let jordans = jordan.care_circle().await.unwrap();
    assert_eq!(jordans.helping[0].patient, DEMO_PATIENT.id);

    let ended = alex.end_grant(&accepted.consent).await.unwrap();
    assert_eq!(ended.status, GrantStatus::Revoked);
    let jordans = jordan.care_circle().await.unwrap();
    assert_eq!(jordans.helping[0].status, GrantStatus::Revoked);
}

#[tokio::test]
async fn a_helper_looks_after_the_patient_across_a_restart_and_their_copy_goes_when_the_consent_ends_while_closed(
) {
    let dir = tempfile::tempdir().unwrap();
    let hospital = demo(dir.path()).await;
    let alex = &hospital.patient;
    let jordans_store = dir.path().join("jordan.sqlite");
    let keychain = Arc::new(MemoryKeychain::default());
    let shared = Permissions::NONE.with(Permission::Medicines);
    let (jordan, grant) =
        jordan_helps_alex(&hospital, &jordans_store, keychain.clone(), shared).await;
    let now = Utc::now();
    assert_eq!(jordan.looking_after().await.unwrap(), None);

    let looking = jordan
        .look_after(Some(DEMO_PATIENT.id), now)
        .await
        .unwrap()
        .expect("looking after Alex");
    assert_eq!(looking.name.as_deref(), Some("Alex Morgan"));
    assert_eq!(looking.permissions, shared);
    let m = jordan.medicines(&London, now).await.unwrap();
    assert!(matches!(m.freshness, Freshness::Live { .. }));
    assert_eq!(m.medicines.len(), 6, "Alex's prescriptions");
    // Appointments were not shared: refused as such, and the consent stands.
    let appointments = jordan.appointments(now).await.unwrap();
    assert!(
        matches!(
            appointments.freshness,
            Freshness::Offline {
                error: ClientError::Refused {
                    code: Some(RefusalCode::NotPermitted),
                    ..
                },
                ..
            }
        ),
        "{:?}",
        appointments.freshness
    );
    assert_eq!(jordan.looking_after().await.unwrap(), Some(looking.clone()));
    // Seeing is not acting: a dose logged without "act for you" is refused before it is kept.
    let dose = m.doses.first().expect("one of Alex's doses").clone();
    let log = LogDose {
        medicine_id: dose.medicine_id.clone(),
        slot: Some(dose.slot.clone()),
        outcome: Outcome::Taken { amount: None },
        at: Some(now),
    };
    let refused = jordan.log_dose(&log, &London, now).await;
    assert!(
        matches!(
            refused,
            Err(CoreError::Hospital(ClientError::Refused {
                code: Some(RefusalCode::NotPermitted),
                ..
            }))
        ),
        "{refused:?}"
    );
    assert_eq!(jordan.medicines(&London, now).await.unwrap().unsynced, 0);

    // Started again, the app is still looking after Alex, and says so before asking anyone.
    drop(jordan);
    let jordan = restarted(&hospital.base, &jordans_store, keychain.clone()).await;
    assert_eq!(jordan.looking_after().await.unwrap(), Some(looking));
    assert_eq!(
        jordan
            .medicines(&London, now)
            .await
            .unwrap()
            .medicines
            .len(),
        6
    );

    // Alex stops sharing while Jordan's app is closed: the renewal at the next start is
    // refused on the way, and that alone deletes the copy.
    drop(jordan);
    alex.end_grant(&grant.consent).await.unwrap();
    let jordan = restarted(&hospital.base, &jordans_store, keychain.clone()).await;
    let after = jordan.medicines(&London, now).await.unwrap();
    assert!(
        matches!(
            after.freshness,
            Freshness::Offline {
                error: ClientError::Refused {
                    code: Some(RefusalCode::ConsentRevoked),
                    ..
                },
                ..
            }
        ),
        "{:?}",
        after.freshness
    );
    assert_eq!(
        jordan.looking_after().await.unwrap(),
        None,
        "back to Jordan"
    );
    assert!(after.medicines.is_empty(), "nothing of Alex's is shown");
    drop(jordan);

    let store = Store::open(&jordans_store, &STORE_KEY).await.unwrap();
    let alexs = Owner {
        hospital: &hospital.base,
        patient_id: DEMO_PATIENT.id,
    };
    let copy = store.medicines(alexs).await.unwrap();
    assert!(copy.records.is_empty());
    assert_eq!(copy.fetched_at, None, "the copy of Alex is gone");
}

#[tokio::test]
async fn a_person_cannot_look_after_someone_they_do_not_help() {
    let dir = tempfile::tempdir().unwrap();
    let hospital = demo(dir.path()).await;
    let refused = hospital
        .patient
        .look_after(Some(DEMO_HELPER.id), Utc::now())
        .await;
    assert!(
        matches!(
            refused,
            Err(CoreError::Hospital(ClientError::Refused {
                code: Some(RefusalCode::NotPermitted),
                ..
            }))
        ),
        "{refused:?}"
    );
    assert_eq!(hospital.patient.looking_after().await.unwrap(), None);
    assert!(hospital
        .patient
        .medicines(&London, Utc::now())
        .await
        .is_ok());
}

#[tokio::test]
async fn a_helper_is_notified_once_of_the_patients_red_reading_by_name_never_value_whoever_they_look_after(
) {
    let dir = tempfile::tempdir().unwrap();
    let hospital = demo(dir.path()).await;
    let alex = &hospital.patient;
    let shared: Permissions = [Permission::Readings, Permission::Alerts]
        .into_iter()
        .collect();
    let jordans_store = dir.path().join("jordan.sqlite");
    let (jordan, _) = jordan_helps_alex(&hospital, &jordans_store, Arc::default(), shared).await;
    let now = Utc::now();
    // Jordan is looking at Alex's records when it happens; the alert is Jordan's own all the same.
    jordan.look_after(Some(DEMO_PATIENT.id), now).await.unwrap();

    // Alex's cuff measures 185/125; Alex's app relays it; the hospital raises it red.
    alex.pair_device(&cuff(CUFF, now)).await.unwrap();
    alex.record_measurements(
        CUFF,
        &[(pressure(185, 125), now)],
        None,
        &London,
        &Recorder::default(),
        now,
    )
    .await
    .unwrap();
    alex.relay_pending(now).await.unwrap();

    let told = Recorder::default();
    let alerts = jordan
        .announce_helper_alerts(&told, &London, Utc::now())
        .await
        .unwrap();
    let red: Vec<_> = alerts
        .iter()
        .filter(|a| a.kind == HelperAlertKind::BeyondLimits)
        .collect();
    assert_eq!(red.len(), 1, "{alerts:?}");
    assert_eq!(red[0].tier, Tier::Red);
    assert_eq!(red[0].patient_name, "Alex Morgan");
    let shown = told.0.lock().unwrap().clone();
    let urgent: Vec<_> = shown
        .iter()
        .filter(|t| t.title.starts_with("Urgent"))
        .collect();
    assert_eq!(urgent.len(), 1, "{shown:?}");
    // The person and the kind, never the value.
    assert!(
        urgent[0].body.starts_with("Alex Morgan has a reading"),
        "{shown:?}"
    );
    for text in &shown {
        let words = format!("{} {}", text.title, text.body);
        assert!(!words.contains("185") && !words.contains("125"), "{words}");
    }
    // Asked again, and after a restart's worth of asking: nothing is shown twice.
    let again = Recorder::default();
    jordan
        .announce_helper_alerts(&again, &London, Utc::now())
        .await
        .unwrap();
    assert!(again.0.lock().unwrap().is_empty());
}

#[tokio::test]
async fn a_copy_of_someone_whose_consent_ended_goes_when_the_helper_reads_their_circle() {
    let dir = tempfile::tempdir().unwrap();
    let hospital = demo(dir.path()).await;
    let alex = &hospital.patient;
    let jordans_store = dir.path().join("jordan.sqlite");
    let shared = Permissions::NONE.with(Permission::Medicines);
    let (jordan, grant) =
        jordan_helps_alex(&hospital, &jordans_store, Arc::default(), shared).await;
    let now = Utc::now();
    jordan.look_after(Some(DEMO_PATIENT.id), now).await.unwrap();
    assert_eq!(
        jordan
            .medicines(&London, now)
            .await
            .unwrap()
            .medicines
            .len(),
        6
    );
    // Back to Jordan's own records; then Alex stops sharing.
    jordan.look_after(None, now).await.unwrap();
    alex.end_grant(&grant.consent).await.unwrap();
    let circle = jordan.care_circle().await.unwrap();
    assert_eq!(circle.helping[0].status, GrantStatus::Revoked);
    drop(jordan);
    let store = Store::open(&jordans_store, &STORE_KEY).await.unwrap();
    let alexs = Owner {
        hospital: &hospital.base,
        patient_id: DEMO_PATIENT.id,
    };
    assert_eq!(store.medicines(alexs).await.unwrap().fetched_at, None);
}
