//! Booking over real HTTP against the reference server on a real SQLite file: slot search,
//! book, cancel, reschedule, every rule, and races that must never double-book.

use crate::common::*;
use chrono::{Duration, Utc};
use hale_domain::BookingRules;
use hale_server::demo::seed::{DEMO_PATIENT, OTHER_PATIENT};
use serde_json::{json, Value};

#[tokio::test]
async fn slot_search_offers_free_future_slots_soonest_first_with_their_schedules() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (_, bundle) = h
        .get(
            &alex,
            "Slot?status=free&service-type=http://snomed.info/sct|394579002&_count=5",
        )
        .await;
    let slots = entries(&bundle, "Slot");
    assert_eq!(slots.len(), 5);
    let starts: Vec<&str> = slots.iter().map(|s| s["start"].as_str().unwrap()).collect();
    assert!(starts.windows(2).all(|w| w[0] <= w[1]), "{starts:?}");
    let now = Utc::now().to_rfc3339();
    assert!(starts.iter().all(|s| *s > now.as_str()), "no past slots");
    // The schedules of those slots come along, naming clinician and place.
    let schedules = entries(&bundle, "Schedule");
    assert!(!schedules.is_empty());
    for s in &slots {
        let schedule = s["schedule"]["reference"].as_str().unwrap();
        assert!(schedules
            .iter()
            .any(|sc| format!("Schedule/{}", id(sc)) == schedule));
    }
    assert_eq!(
        schedules[0]["actor"][0]["display"]
            .as_str()
            .map(|d| d.starts_with("Dr ")),
        Some(true)
    );

    // Paging: the next link continues where the first page ended.
    let next = link(&bundle, "next").unwrap();
    assert!(next.contains("_offset=5"), "{next}");
    let r: Value = h
        .http
        .get(next)
        .bearer_auth(&alex)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let page2 = entries(&r, "Slot");
    assert_eq!(page2.len(), 5);
    assert!(page2[0]["start"].as_str().unwrap() >= starts[4]);
    assert!(!slots.iter().any(|s| page2.iter().any(|p| id(p) == id(s))));

    // Another clinic's slots are not cardiology's.
    let (_, derm) = h.get(&alex, "Slot?service-type=394582007&_count=3").await;
    assert!(entries(&derm, "Slot")
        .iter()
        .all(|s| s["serviceType"][0]["coding"][0]["code"] == "394582007"));
    // Patients cannot list busy slots, and bad numbers are named.
    assert_eq!(h.get(&alex, "Slot?status=busy").await.0, 400);
    assert_eq!(h.get(&alex, "Slot?_count=many").await.0, 400);
}

#[tokio::test]
async fn booking_takes_the_slot_and_a_second_booking_of_it_is_a_conflict() {
    let h = hospital().await;
    let (alex, sam) = (h.token(&DEMO_PATIENT).await, h.token(&OTHER_PATIENT).await);
    let slot = id(&h.free_slots(&alex, "&start=ge2000-01-01").await[10]);

    let (status, booked) = h.book(&alex, &slot, None).await;
    assert_eq!(status, 201, "{booked}");
    assert_eq!(booked["status"], "booked");
    assert_eq!(booked["slot"][0]["reference"], format!("Slot/{slot}"));
    let reference = booked["identifier"][0]["value"].as_str().unwrap();
    assert!(reference.parse::<hale_domain::BookingReference>().is_ok());

    // Gone from the free list, present in the patient's list.
    assert!(!h
        .free_slots(&alex, "&_count=200")
        .await
        .iter()
        .any(|s| id(s) == slot));
    let (_, mine) = h.get(&alex, "Appointment?date=ge2000-01-01").await;
    assert!(entries(&mine, "Appointment")
        .iter()
        .any(|a| id(a) == id(&booked)));

    let (status, outcome) = h.book(&sam, &slot, None).await;
    assert_eq!(status, 409, "{outcome}");
    assert_eq!(outcome["issue"][0]["code"], "conflict");
    assert_eq!(refusal(&outcome), "slot-taken");
    assert_eq!(h.live_in_slot(&slot).await, 1);
}

#[tokio::test]
async fn many_concurrent_bookings_of_one_slot_make_exactly_one_appointment() {
    let h = hospital().await;
    let (alex, sam) = (h.token(&DEMO_PATIENT).await, h.token(&OTHER_PATIENT).await);
    // Three weeks out, beyond every seeded appointment, so neither patient is refused for an
    // overlap and the only way to lose is the race.
    let slot = id(&h.free_slots(&alex, &weeks_ahead(3)).await[0]);
    let attempts = (0..24).map(|i| {
        let token = if i % 2 == 0 {
            alex.clone()
        } else {
            sam.clone()
        };
        let h = &h;
        let slot = slot.clone();
        async move { h.book(&token, &slot, Some(&format!("race-{i}"))).await }
    });
    let results = futures_join_all(attempts).await;
    let created = results.iter().filter(|(s, _)| *s == 201).count();
    let conflicts = results
        .iter()
        .filter(|(s, o)| *s == 409 && refusal(o) == "slot-taken")
        .count();
    assert_eq!((created, conflicts), (1, 23), "{results:?}");
    assert_eq!(h.live_in_slot(&slot).await, 1);
}

#[tokio::test]
async fn a_repeated_booking_request_returns_the_first_result_and_books_once() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let slots = h.free_slots(&alex, &weeks_ahead(3)).await;
    let (first_status, first) = h.book(&alex, &id(&slots[30]), Some("req-1")).await;
    assert_eq!(first_status, 201);
    // A retry after a lost response, even naming the same slot again, is answered, not re-run.
    let (again_status, again) = h.book(&alex, &id(&slots[30]), Some("req-1")).await;
    assert_eq!((again_status, id(&again)), (200, id(&first)));
    // Concurrent duplicates of a new request also book once.
    let dupes = (0..8).map(|_| {
        let (h, alex, slot) = (&h, alex.clone(), id(&slots[40]));
        async move { h.book(&alex, &slot, Some("req-2")).await }
    });
    let results = futures_join_all(dupes).await;
    let ids: std::collections::BTreeSet<String> = results.iter().map(|(_, a)| id(a)).collect();
    assert_eq!(ids.len(), 1, "{results:?}");
    assert!(results.iter().all(|(s, _)| *s == 201 || *s == 200));
    assert_eq!(h.live_in_slot(&id(&slots[40])).await, 1);
}

#[tokio::test]
async fn a_conditional_booking_may_name_only_its_own_request_id() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let slots = h.free_slots(&alex, &weeks_ahead(3)).await;
    let slot = id(&slots[12]);
    let body = json!({
        "resourceType": "Appointment",
        "status": "booked",
        "slot": [{"reference": format!("Slot/{slot}")}],
        "identifier": [{"system": hale_fhir::REQUEST_ID_SYSTEM, "value": "req-7"}],
    });
    let post = |condition: String| {
        h.http
            .post(h.url("Appointment"))
            .bearer_auth(&alex)
            .header("If-None-Exist", condition)
            .json(&body)
            .send()
    };
    // Another identifier, or another request's: refused, and nothing booked.
    for condition in [
        "identifier=https://elsewhere.example|req-7".to_owned(),
        format!("identifier={}|req-8", hale_fhir::REQUEST_ID_SYSTEM),
        "patient=Patient/pt-0001".to_owned(),
    ] {
        let r = post(condition.clone()).await.unwrap();
        assert_eq!(r.status().as_u16(), 400, "{condition}");
    }
    assert_eq!(h.live_in_slot(&slot).await, 0);
    // Its own request id: booked once however often it is sent.
    let own = format!("identifier={}|req-7", hale_fhir::REQUEST_ID_SYSTEM);
    let first = post(own.clone()).await.unwrap().status().as_u16();
    let again = post(own).await.unwrap().status().as_u16();
    assert_eq!((first, again), (201, 200));
    assert_eq!(h.live_in_slot(&slot).await, 1);
}

#[tokio::test]
async fn the_rules_refuse_with_their_codes() {
    let h = hospital_with(BookingRules {
        horizon: Duration::days(7),
        change_cutoff: Duration::hours(24),
    })
    .await;
    let alex = h.token(&DEMO_PATIENT).await;

    // Beyond the horizon.
    let far = h
        .free_slots(
            &alex,
            &format!(
                "&start=ge{}",
                (Utc::now() + Duration::days(10)).format("%Y-%m-%d")
            ),
        )
        .await;
    let (status, outcome) = h.book(&alex, &id(&far[0]), None).await;
    assert_eq!(
        (status, refusal(&outcome)),
        (422, "beyond-horizon"),
        "{outcome}"
    );
    assert_eq!(outcome["issue"][0]["code"], "business-rule");
    assert_eq!(
        h.live_in_slot(&id(&far[0])).await,
        0,
        "a refusal leaves the slot free"
    );

    // In the past: a slot from last week, named directly.
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    let past: String =
        sqlx::query_scalar("SELECT id FROM slot WHERE status = 'free' AND start_at < $1 LIMIT 1")
            .bind(hale_server::DbTime(Utc::now() - Duration::days(1)))
            .fetch_one(&db)
            .await
            .unwrap();
    let (status, outcome) = h.book(&alex, &past, None).await;
    assert_eq!((status, refusal(&outcome)), (422, "in-the-past"));

    // Overlapping the patient's own appointment: the same time at another clinician.
    let (_, mine) = h.get(&alex, "Appointment?patient=Patient/pt-0001").await;
    let first = entries(&mine, "Appointment")
        .into_iter()
        .find(|a| a["status"] == "booked")
        .unwrap();
    let start = first["start"].as_str().unwrap();
    let same_time: String =
        sqlx::query_scalar("SELECT id FROM slot WHERE status = 'free' AND start_at = $1 LIMIT 1")
            .bind(hale_server::DbTime(
                chrono::DateTime::parse_from_rfc3339(start)
                    .unwrap()
                    .with_timezone(&Utc),
            ))
            .fetch_one(&db)
            .await
            .unwrap();
    let (status, outcome) = h.book(&alex, &same_time, None).await;
    assert_eq!((status, refusal(&outcome)), (422, "overlaps"));

    // Unknown slots and malformed bodies are invalid, not conflicts.
    assert_eq!(h.book(&alex, "sl-nope", None).await.0, 400);
    let (status, _) = h
        .post(&alex, "Appointment", json!({"resourceType": "Patient"}))
        .await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn cancelling_frees_the_slot_once_and_respects_the_cutoff() {
    let h = hospital().await;
    let (alex, sam) = (h.token(&DEMO_PATIENT).await, h.token(&OTHER_PATIENT).await);
    let slot = id(&h
        .free_slots(
            &alex,
            &format!(
                "&start=ge{}",
                (Utc::now() + Duration::days(3)).format("%Y-%m-%d")
            ),
        )
        .await[0]);
    let (_, booked) = h.book(&alex, &slot, None).await;
    let path = format!("Appointment/{}/$cancel", id(&booked));

    // Another patient cannot even see it.
    assert_eq!(h.post(&sam, &path, json!({})).await.0, 404);

    let (status, cancelled) = h.post(&alex, &path, json!({})).await;
    assert_eq!(
        (status, cancelled["status"].as_str()),
        (200, Some("cancelled"))
    );
    let day = cancelled["start"].as_str().unwrap()[..10].to_owned();
    let offered = h
        .free_slots(&alex, &format!("&start={day}&_count=200"))
        .await;
    assert!(
        offered.iter().any(|s| id(s) == slot),
        "the slot is offered again"
    );
    assert_eq!(h.live_in_slot(&slot).await, 0);

    // Cancelling again (a retry after a lost answer) answers with it, still cancelled.
    let (status, again) = h.post(&alex, &path, json!({})).await;
    assert_eq!((status, again["status"].as_str()), (200, Some("cancelled")));
    assert_eq!(h.live_in_slot(&slot).await, 0);

    // Inside the cutoff: a hospital with a 30-day cutoff refuses.
    let strict = hospital_with(BookingRules {
        horizon: Duration::days(90),
        change_cutoff: Duration::days(30),
    })
    .await;
    let alex = strict.token(&DEMO_PATIENT).await;
    let (_, mine) = strict.get(&alex, "Appointment").await;
    let upcoming = entries(&mine, "Appointment")
        .into_iter()
        .find(|a| a["status"] == "booked")
        .unwrap();
    let (status, outcome) = strict
        .post(
            &alex,
            &format!("Appointment/{}/$cancel", id(&upcoming)),
            json!({}),
        )
        .await;
    assert_eq!((status, refusal(&outcome)), (422, "too-late-to-change"));
}

#[tokio::test]
async fn rescheduling_moves_in_one_step_or_not_at_all() {
    let h = hospital().await;
    let (alex, sam) = (h.token(&DEMO_PATIENT).await, h.token(&OTHER_PATIENT).await);
    let later = format!(
        "&start=ge{}",
        (Utc::now() + Duration::days(4)).format("%Y-%m-%d")
    );
    let slots = h.free_slots(&alex, &later).await;
    let (old, new, taken) = (id(&slots[0]), id(&slots[3]), id(&slots[6]));
    let (_, booked) = h.book(&alex, &old, None).await;
    let (status, _) = h.book(&sam, &taken, None).await;
    assert_eq!(status, 201);
    let path = format!("Appointment/{}/$reschedule", id(&booked));
    let to = |slot: &str| {
        json!({"resourceType": "Parameters",
               "parameter": [{"name": "slot", "valueReference": {"reference": format!("Slot/{slot}")}}]})
    };

    // Into a taken slot: refused, and nothing moved.
    let (status, outcome) = h.post(&alex, &path, to(&taken)).await;
    assert_eq!((status, refusal(&outcome)), (409, "slot-taken"));
    assert_eq!(h.live_in_slot(&old).await, 1);
    assert_eq!(h.live_in_slot(&taken).await, 1);

    let (status, moved) = h.post(&alex, &path, to(&new)).await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(id(&moved), id(&booked), "same appointment");
    assert_eq!(
        moved["identifier"], booked["identifier"],
        "same booking reference"
    );
    assert_eq!(moved["slot"][0]["reference"], format!("Slot/{new}"));
    assert_eq!(h.live_in_slot(&old).await, 0);
    assert_eq!(h.live_in_slot(&new).await, 1);
    // The same move again (a retry after a lost answer): answered with it, nothing changes.
    let (status, again) = h.post(&alex, &path, to(&new)).await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["slot"][0]["reference"], format!("Slot/{new}"));
    assert_eq!(h.live_in_slot(&new).await, 1);

    // The old slot is offered again.
    let day = slots[0]["start"].as_str().unwrap()[..10].to_owned();
    let offered = h
        .free_slots(&alex, &format!("&start={day}&_count=200"))
        .await;
    assert!(offered.iter().any(|s| id(s) == old));
    // Missing parameter.
    assert_eq!(
        h.post(&alex, &path, json!({"resourceType": "Parameters"}))
            .await
            .0,
        400
    );
}
