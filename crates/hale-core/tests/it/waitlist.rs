//! The earlier-slot waitlist from the app's use cases, against a real reference hospital: the
//! patient asks, another patient's cancellation frees a slot, the offer is announced once and
//! shown on the home screen, and accepting it moves the appointment in the local copy too.

use std::sync::Mutex;

use chrono::{Duration, NaiveDate, Utc};
use chrono_tz::Europe::London;
use hale_client::{HospitalClient, SlotQuery};
use hale_core::watch::Notifier;
use hale_domain::reminder::ReminderText;
use hale_server::demo::seed::OTHER_PATIENT;

#[derive(Default)]
struct Recorder {
    shown: Mutex<Vec<ReminderText>>,
    changed: Mutex<usize>,
}

impl Notifier for Recorder {
    fn show(&self, text: &ReminderText) -> Result<(), String> {
        self.shown.lock().unwrap().push(text.clone());
        Ok(())
    }

    fn waitlist_changed(&self) {
        *self.changed.lock().unwrap() += 1;
    }
}

#[tokio::test]
async fn an_offer_is_announced_once_shown_at_home_and_accepting_moves_the_appointment() {
    let dir = tempfile::tempdir().unwrap();
    let demo = crate::common::demo(dir.path()).await;
    let (base, patient) = (demo.base.clone(), demo.patient.clone());

    // Alex books dermatology three weeks ahead and asks for an earlier time.
    let query = |weeks: i64| SlotQuery {
        service_code: Some("394582007".into()),
        from: Some(Utc::now() + Duration::weeks(weeks)),
        count: 1,
        ..SlotQuery::default()
    };
    let later = patient.find_slots(&query(3)).await.unwrap().slots[0].clone();
    let booked = patient
        .book(&later.id, "req-wait-1", Utc::now())
        .await
        .unwrap();
    let entry = patient.join_waitlist(&booked.id).await.unwrap();
    assert_eq!(entry.appointment, booked.id);
    assert!(entry.offer.is_none());
    let recorder = Recorder::default();
    assert!(patient
        .announce_offers(&recorder, &London, Utc::now())
        .await
        .unwrap());
    assert!(recorder.shown.lock().unwrap().is_empty());

    // Sam books and cancels a dermatology slot one week ahead: it is held for Alex.
    let client = HospitalClient::new(&base).unwrap();
    let born = NaiveDate::parse_from_str(OTHER_PATIENT.birth_date, "%Y-%m-%d").unwrap();
    let sam = client.dev_sign_in(OTHER_PATIENT.mrn, born).await.unwrap();
    let sooner = client.free_slots(&sam, &query(1)).await.unwrap().slots[0].clone();
    let sams = client.book(&sam, &sooner.id, "req-sam-1").await.unwrap();
    client.cancel(&sam, &sams.id).await.unwrap();

    patient
        .announce_offers(&recorder, &London, Utc::now())
        .await
        .unwrap();
    patient
        .announce_offers(&recorder, &London, Utc::now())
        .await
        .unwrap();
    let shown = recorder.shown.lock().unwrap().clone();
    assert_eq!(shown.len(), 1, "announced once: {shown:?}");
    assert_eq!(shown[0].title, "An earlier appointment is available");
    assert!(!shown[0].body.contains("Dermatology"), "{}", shown[0].body);
    assert_eq!(*recorder.changed.lock().unwrap(), 1);

    let home = patient.home(Utc::now()).await.unwrap();
    let waiting = home
        .waitlist
        .iter()
        .find(|e| e.appointment == booked.id)
        .expect("the entry is on the home screen");
    let offer = waiting.offer.clone().expect("with its offer");
    assert_eq!(offer.slot, sooner.id);

    let moved = patient.accept_offer(&offer.id, Utc::now()).await.unwrap();
    assert_eq!(
        (moved.id.as_str(), moved.start),
        (booked.id.as_str(), sooner.start)
    );
    let home = patient.home(Utc::now()).await.unwrap();
    let mine = home
        .appointments
        .iter()
        .map(|u| &u.appointment)
        .find(|a| a.id == booked.id)
        .unwrap();
    assert_eq!(mine.start, sooner.start, "the local copy moved too");
    assert!(home.waitlist.is_empty());

    // A second accept is refused with a code the app can explain.
    match patient.accept_offer(&offer.id, Utc::now()).await {
        Err(hale_core::CoreError::Hospital(hale_client::ClientError::Refused { code, .. })) => {
            assert_eq!(code, Some(hale_domain::RefusalCode::OfferClosed))
        }
        other => panic!("expected offer-closed, got {other:?}"),
    }
}
