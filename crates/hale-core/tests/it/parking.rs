//! Parking from the app's use cases against a real reference hospital: vehicles on the device,
//! paying with a retry-safe key, the saved copy offline, and the reminder before parking runs
//! out (time passed in, once only).

use crate::common::{card, quote, Recorder};
use chrono::{Duration, Utc};
use chrono_tz::Europe::London;
use hale_client::ClientError;
use hale_core::{CoreError, Freshness};
use hale_domain::parking::Purchase;
use hale_domain::RefusalCode;

#[tokio::test]
async fn pay_once_see_it_offline_and_be_reminded_before_it_runs_out() {
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::common::demo(dir.path()).await;
    let (server, patient) = (demo.server, demo.patient);

    assert!(matches!(
        patient.save_vehicle("not a reg", None).await,
        Err(CoreError::InvalidRegistration(_))
    ));
    let car = patient
        .save_vehicle("ab12 cde", Some("Fiesta"))
        .await
        .unwrap();
    assert_eq!(car.registration, "AB12CDE");
    assert_eq!(patient.vehicles().await.unwrap(), vec![car.clone()]);

    let now = Utc::now();
    let hour = Purchase {
        minutes: 60,
        quoted_pence: quote(&patient, Some("cp-main"), 60).await,
        key: "core-key-1",
    };
    let first = patient
        .start_parking("cp-main", &car.registration, hour, &card(), now)
        .await
        .unwrap();
    assert!(first.running);
    let first = first.session;
    // The same decision retried (a lost answer, say) is the same session, paid once.
    let again = patient
        .start_parking("cp-main", &car.registration, hour, &card(), now)
        .await
        .unwrap()
        .session;
    assert_eq!(first.id, again.id);
    assert_eq!(first.receipts.len(), 1);

    server.stop().await.unwrap();
    let offline = patient.parking(Utc::now()).await.unwrap();
    assert!(matches!(offline.freshness, Freshness::Offline { .. }));
    // The saved copy is the session as paid, receipt and all, and still running.
    assert_eq!(offline.stays.len(), 1);
    assert_eq!(offline.stays[0].session, first);
    assert!(offline.stays[0].running);
    // Car parks and concessions need the hospital; the vehicles are on the device.
    assert!(offline.car_parks.is_empty() && offline.concessions.is_empty());
    assert_eq!(offline.vehicles, vec![car.clone()]);

    // 15 minutes before the end, once; nothing earlier, nothing twice.
    let recorder = Recorder::default();
    let early = first.expires - Duration::minutes(20);
    let next = patient
        .remind_parking(&recorder, &London, early)
        .await
        .unwrap();
    assert_eq!(next, Some(first.expires - Duration::minutes(15)));
    assert!(recorder.0.lock().unwrap().is_empty());
    let due = first.expires - Duration::minutes(14);
    patient
        .remind_parking(&recorder, &London, due)
        .await
        .unwrap();
    patient
        .remind_parking(&recorder, &London, due)
        .await
        .unwrap();
    let shown = recorder.0.lock().unwrap().clone();
    assert_eq!(shown.len(), 1);
    assert_eq!(shown[0].title, "Parking ends soon");
    assert!(shown[0].body.contains("Main car park"), "{}", shown[0].body);
}

#[tokio::test]
async fn a_wait_that_outlasts_the_parking_is_flagged_once_with_an_extension() {
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::common::demo(dir.path()).await;
    let appointment = demo
        .appointment_at("cl-cardiology", Utc::now() + Duration::minutes(10))
        .await;
    let patient = &demo.patient;
    let now = Utc::now();
    // Fifteen minutes of parking; the appointment is in ten and lasts twenty.
    // Fifteen minutes is not one of the app's choices: priced from the tariff itself.
    let tariff = patient
        .parking(now)
        .await
        .unwrap()
        .car_parks
        .into_iter()
        .find(|o| o.car_park.id == "cp-main")
        .unwrap()
        .car_park
        .tariff;
    let short = Purchase {
        minutes: 15,
        quoted_pence: tariff.price(Duration::minutes(15)),
        key: "short-1",
    };
    patient
        .start_parking("cp-main", "AB12CDE", short, &card(), now)
        .await
        .unwrap();
    let status = patient.check_in(&appointment, now).await.unwrap();
    let recorder = Recorder::default();
    let offer = patient
        .warn_parking_short(&recorder, &London, &status, now)
        .await
        .unwrap();
    assert_eq!(offer, Some(30));
    patient
        .warn_parking_short(&recorder, &London, &status, now)
        .await
        .unwrap();
    let shown = recorder.0.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "once");
    assert_eq!(shown[0].title, "Your parking may run out");
    assert!(
        shown[0].body.contains("extend it by 30 minutes"),
        "{}",
        shown[0].body
    );
}

#[tokio::test]
async fn extending_pays_the_quoted_price_with_the_saved_card_and_a_stale_quote_charges_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::common::demo(dir.path()).await;
    let patient = &demo.patient;
    let hour = Purchase {
        minutes: 60,
        quoted_pence: quote(patient, Some("cp-main"), 60).await,
        key: "saved-1",
    };
    let started = patient
        .start_parking("cp-main", "AB12CDE", hour, &card(), Utc::now())
        .await
        .unwrap()
        .session;
    assert_eq!(started.saved_card_last4.as_deref(), Some("4242"));

    let due = quote(patient, None, 30).await;
    let stale = Purchase {
        minutes: 30,
        quoted_pence: due + 1,
        key: "saved-stale",
    };
    let refused = patient
        .extend_parking(&started.id, stale, None, Utc::now())
        .await;
    assert!(
        matches!(
            refused,
            Err(CoreError::Hospital(ClientError::Refused {
                code: Some(RefusalCode::PriceChanged),
                ..
            }))
        ),
        "{refused:?}"
    );
    let fair = Purchase {
        minutes: 30,
        quoted_pence: due,
        key: "saved-2",
    };
    let extended = patient
        .extend_parking(&started.id, fair, None, Utc::now())
        .await
        .unwrap()
        .session;
    assert_eq!(extended.receipts.len(), 2, "the stale quote bought nothing");
    assert_eq!(extended.receipts[1].amount_pence, due);
    assert_eq!(extended.receipts[1].card_last4, "4242");
    assert_eq!(extended.expires, started.expires + Duration::minutes(30));
}
