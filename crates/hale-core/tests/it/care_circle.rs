//! The care circle through two apps on one hospital: the patient's, and their partner's, each
//! with its own store and keychain, signed in as themselves.

use std::sync::Arc;

use crate::common::{demo, signed_in, MemoryKeychain};
use chrono::NaiveDate;
use hale_client::ClientError;
use hale_core::CoreError;
use hale_domain::care_circle::{GrantStatus, Permission, Permissions};
use hale_domain::RefusalCode;
use hale_server::demo::seed::{DEMO_HELPER, DEMO_PATIENT};

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
