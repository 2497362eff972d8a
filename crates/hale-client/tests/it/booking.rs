//! Booking through the hospital client against the real reference server: find, book, move,
//! cancel, and refusals that arrive as codes the app can explain.

use chrono::{Duration, NaiveDate, Utc};
use hale_client::{ClientError, HospitalClient, Session, SlotQuery};
use hale_domain::{AppointmentStatus, RefusalCode};
use hale_server::demo::seed::{DemoPatient, DEMO_PATIENT, OTHER_PATIENT};
use hale_server::ServerOptions;

async fn sign_in(client: &HospitalClient, p: &DemoPatient) -> Session {
    let born = NaiveDate::parse_from_str(p.birth_date, "%Y-%m-%d").unwrap();
    client.dev_sign_in(p.mrn, born).await.unwrap()
}

fn refusal_code(e: ClientError) -> Option<RefusalCode> {
    match e {
        ClientError::Refused { code, .. } => code,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn find_book_move_and_cancel() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
    let server = hale_server::start(&ServerOptions::embedded_demo(url))
        .await
        .unwrap();
    let client = HospitalClient::new(&server.fhir_base()).unwrap();
    let alex = sign_in(&client, &DEMO_PATIENT).await;
    let sam = sign_in(&client, &OTHER_PATIENT).await;

    let query = SlotQuery {
        service_code: Some("394583002".into()),
        // Past the demo patient's own bookings (the last is within 15 days): a move into slot
        // 2 must not overlap one, whatever the day the test runs.
        from: Some(Utc::now() + Duration::days(20)),
        count: 5,
        ..SlotQuery::default()
    };
    let page = client.free_slots(&alex, &query).await.unwrap();
    assert_eq!(page.slots.len(), 5);
    assert!(page.has_more);
    assert!(page
        .slots
        .iter()
        .all(|s| s.service == "Diabetes and endocrinology"));
    assert!(page
        .slots
        .iter()
        .all(|s| s.clinician.is_some() && s.location.is_some()));
    assert!(page.slots[0].start >= query.from.unwrap());
    let next = client
        .free_slots(
            &alex,
            &SlotQuery {
                offset: 5,
                ..query.clone()
            },
        )
        .await
        .unwrap();
    assert!(next.slots[0].start >= page.slots[4].start);

    let booked = client
        .book(&alex, &page.slots[0].id, "req-a")
        .await
        .unwrap();
    assert_eq!(booked.status, AppointmentStatus::Booked);
    assert_eq!(booked.start, page.slots[0].start);
    assert!(booked.reference.is_some());
    // The same request again is the same appointment.
    let again = client
        .book(&alex, &page.slots[0].id, "req-a")
        .await
        .unwrap();
    assert_eq!(again.id, booked.id);

    let lost = client
        .book(&sam, &page.slots[0].id, "req-b")
        .await
        .unwrap_err();
    assert_eq!(refusal_code(lost), Some(RefusalCode::SlotTaken));

    let moved = client
        .reschedule(&alex, &booked.id, &page.slots[2].id)
        .await
        .unwrap();
    assert_eq!(
        (moved.id.as_str(), moved.start),
        (booked.id.as_str(), page.slots[2].start)
    );
    assert_eq!(moved.reference, booked.reference);
    // The same move again (its first answer lost) answers with the appointment where it is.
    let again = client
        .reschedule(&alex, &booked.id, &page.slots[2].id)
        .await
        .unwrap();
    assert_eq!((again.id, again.start), (moved.id.clone(), moved.start));

    let cancelled = client.cancel(&alex, &booked.id).await.unwrap();
    assert_eq!(cancelled.status, AppointmentStatus::Cancelled);
    // A cancelled appointment cannot be moved, not even to its own slot; a repeated cancel
    // answers with it as it is.
    let moved_again = client
        .reschedule(&alex, &booked.id, &page.slots[2].id)
        .await;
    assert!(
        matches!(
            moved_again,
            Err(ClientError::Refused {
                code: Some(RefusalCode::NotChangeable),
                ..
            })
        ),
        "a cancelled appointment cannot be moved: {moved_again:?}"
    );
    let twice = client.cancel(&alex, &booked.id).await.unwrap();
    assert_eq!(twice.status, AppointmentStatus::Cancelled);

    // Another patient's appointment does not exist for Sam.
    assert!(matches!(
        client.cancel(&sam, &booked.id).await,
        Err(ClientError::NotFound)
    ));
    server.stop().await.unwrap();
}
