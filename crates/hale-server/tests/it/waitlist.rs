//! The earlier-slot waitlist over real HTTP on a real SQLite file: a freed slot is held for the
//! longest-waiting patient it fits, accepting moves their appointment (and passes their old time
//! on), declining and expiry pass the slot to the next patient, and nothing is ever double-booked.

use std::time::Duration as StdDuration;

use crate::common::*;
use chrono::{Duration, Utc};
use hale_domain::{BookingRules, WaitlistPolicy};
use hale_server::demo::seed::{DEMO_PATIENT, OTHER_PATIENT};
use reqwest::Method;
use serde_json::{json, Value};

/// Books the first free cardiology slot `weeks` ahead for `token`; returns (appointment, slot).
async fn book_at(h: &Hospital, token: &str, weeks: i64) -> (String, String) {
    let slot = id(&h.free_slots(token, &weeks_ahead(weeks)).await[0]);
    let (status, appointment) = h.book(token, &slot, None).await;
    assert_eq!(status, 201, "{appointment}");
    (id(&appointment), slot)
}

async fn join(h: &Hospital, token: &str, appointment: &str) -> (u16, Value) {
    h.api(
        Method::POST,
        token,
        "waitlist",
        Some(json!({ "appointment": appointment })),
    )
    .await
}

async fn waitlist(h: &Hospital, token: &str) -> Vec<Value> {
    let (status, list) = h.api(Method::GET, token, "waitlist", None).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().cloned().unwrap_or_default()
}

/// The slot offered to the patient now, if any.
async fn offer(h: &Hospital, token: &str) -> Option<(String, String)> {
    waitlist(h, token).await.into_iter().find_map(|e| {
        let o = &e["offer"];
        Some((o["id"].as_str()?.to_owned(), o["slot"].as_str()?.to_owned()))
    })
}

/// Accepts or declines an offer.
async fn answer(h: &Hospital, token: &str, offer: &str, verb: &str) -> (u16, Value) {
    let path = format!("waitlist/offers/{offer}/{verb}");
    h.api(Method::POST, token, &path, None).await
}

/// Alex (asked first, cardiology in 3 weeks) and Sam (cardiology in 4 weeks) both wait for an
/// earlier time; Sam also holds a spare cardiology appointment in 2 weeks, to cancel.
struct Queue {
    alex: String,
    sam: String,
    alex_appt: String,
    alex_old_slot: String,
    sam_spare: String,
    spare_slot: String,
}

async fn two_waiting(h: &Hospital) -> Queue {
    let alex = h.token(&DEMO_PATIENT).await;
    let sam = h.token(&OTHER_PATIENT).await;
    // Within three weeks: the demo diary reaches 28 days ahead, so four weeks from a Saturday
    // or a Sunday is a weekend at its very end, with no slot after it (these failed on weekends).
    let (alex_appt, alex_old_slot) = book_at(h, &alex, 2).await;
    let (sam_appt, _) = book_at(h, &sam, 3).await;
    let (sam_spare, spare_slot) = book_at(h, &sam, 1).await;
    assert_eq!(join(h, &alex, &alex_appt).await.0, 201);
    assert_eq!(join(h, &sam, &sam_appt).await.0, 201);
    Queue {
        alex,
        sam,
        alex_appt,
        alex_old_slot,
        sam_spare,
        spare_slot,
    }
}

async fn cancel(h: &Hospital, token: &str, appointment: &str) {
    let (status, body) = h
        .post(
            token,
            &format!("Appointment/{appointment}/$cancel"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
}

/// Whether the free-slot search lists `slot` (cardiology, paged through).
async fn is_free(h: &Hospital, token: &str, slot: &str) -> bool {
    let mut offset = 0;
    loop {
        let (_, page) = h
            .get(
                token,
                &format!("Slot?status=free&service-type=394579002&_count=200&_offset={offset}"),
            )
            .await;
        let found = entries(&page, "Slot");
        if found.iter().any(|s| id(s) == slot) {
            return true;
        }
        if found.len() < 200 {
            return false;
        }
        offset += 200;
    }
}

#[tokio::test]
async fn a_freed_slot_goes_to_the_longest_waiting_patient_and_accepting_chains_the_old_time_on() {
    let h = hospital().await;
    let Queue {
        alex,
        sam,
        alex_appt,
        alex_old_slot,
        sam_spare,
        spare_slot: freed,
    } = two_waiting(&h).await;
    assert_eq!(offer(&h, &alex).await, None);

    // Sam cancels an appointment two weeks ahead: Alex asked first, so Alex is offered it.
    cancel(&h, &sam, &sam_spare).await;
    let (alex_offer, slot) = offer(&h, &alex).await.expect("Alex is offered the slot");
    assert_eq!(slot, freed);
    assert_eq!(offer(&h, &sam).await, None, "one slot, one offer");
    let entry = &waitlist(&h, &alex).await[0];
    let expires: chrono::DateTime<Utc> =
        entry["offer"]["expires"].as_str().unwrap().parse().unwrap();
    assert!(
        expires > Utc::now() + Duration::minutes(14),
        "held 15 minutes"
    );

    // While held, nobody else can book it, and it is not listed as free.
    let (status, outcome) = h.book(&sam, &freed, None).await;
    assert_eq!((status, refusal(&outcome)), (409, "slot-taken"));
    assert!(!is_free(&h, &sam, &freed).await);

    // Accepting moves Alex's appointment; Alex's old time is offered on to Sam at once.
    let (status, moved) = answer(&h, &alex, &alex_offer, "accept").await;
    assert_eq!(status, 200, "{moved}");
    assert_eq!(moved["id"], alex_appt.as_str());
    assert_eq!(moved["slot"][0]["reference"], format!("Slot/{freed}"));
    assert_eq!(h.live_in_slot(&freed).await, 1);
    assert!(waitlist(&h, &alex).await.is_empty(), "fulfilled");
    let (sam_offer, slot) = offer(&h, &sam)
        .await
        .expect("Sam is offered Alex's old time");
    assert_eq!(slot, alex_old_slot);

    // Accepting twice is refused: the offer is closed.
    let (status, outcome) = answer(&h, &alex, &alex_offer, "accept").await;
    assert_eq!((status, refusal(&outcome)), (409, "offer-closed"));

    // Sam declines: the slot is free again and Sam keeps waiting.
    let (status, _) = answer(&h, &sam, &sam_offer, "decline").await;
    assert_eq!(status, 204);
    assert!(is_free(&h, &sam, &alex_old_slot).await);
    let sam_list = waitlist(&h, &sam).await;
    assert_eq!(sam_list.len(), 1);
    assert!(sam_list[0].get("offer").is_none());
}

#[tokio::test]
async fn an_unanswered_offer_expires_and_passes_to_the_next_patient() {
    let policy = WaitlistPolicy {
        hold: Duration::seconds(1),
        ..WaitlistPolicy::default()
    };
    let h = hospital_with_options(BookingRules::default(), policy).await;
    let q = two_waiting(&h).await;
    let (alex, sam, freed) = (&q.alex, &q.sam, &q.spare_slot);
    cancel(&h, sam, &q.sam_spare).await;
    let (alex_offer, _) = offer(&h, alex).await.expect("offered to Alex first");

    // The sweeper expires it within a second or two and offers the slot to Sam.
    tokio::time::sleep(StdDuration::from_millis(2500)).await;
    assert_eq!(offer(&h, alex).await, None);
    let (_, slot) = offer(&h, sam).await.expect("passed to Sam");
    assert_eq!(&slot, freed);
    let (status, outcome) = answer(&h, alex, &alex_offer, "accept").await;
    assert_eq!((status, refusal(&outcome)), (409, "offer-closed"));
    assert_eq!(h.live_in_slot(freed).await, 0);

    // Sam lets it lapse too: nobody else waits, so the slot is simply free, and it is not
    // offered to Sam or Alex a second time.
    tokio::time::sleep(StdDuration::from_millis(2500)).await;
    assert_eq!(offer(&h, sam).await, None);
    assert_eq!(offer(&h, alex).await, None);
    assert!(is_free(&h, sam, freed).await);
}

#[tokio::test]
async fn cancelling_a_waiting_appointment_passes_its_held_slot_on() {
    let h = hospital().await;
    let q = two_waiting(&h).await;
    let (alex, sam, freed) = (&q.alex, &q.sam, &q.spare_slot);
    cancel(&h, sam, &q.sam_spare).await;
    assert!(offer(&h, alex).await.is_some());

    cancel(&h, alex, &q.alex_appt).await;
    assert!(waitlist(&h, alex).await.is_empty());
    let (_, slot) = offer(&h, sam).await.expect("passed to Sam");
    assert_eq!(&slot, freed);
}

#[tokio::test]
async fn joining_is_idempotent_checked_and_reversible() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let sam = h.token(&OTHER_PATIENT).await;
    let (alex_appt, _) = book_at(&h, &alex, 3).await;

    let (first_status, first) = join(&h, &alex, &alex_appt).await;
    let (again_status, again) = join(&h, &alex, &alex_appt).await;
    assert_eq!((first_status, again_status), (201, 200));
    assert_eq!(first["id"], again["id"]);
    assert_eq!(waitlist(&h, &alex).await.len(), 1);

    // Another patient's appointment is not there for Sam.
    assert_eq!(join(&h, &sam, &alex_appt).await.0, 404);
    let entry = first["id"].as_str().unwrap();
    let (status, _) = h
        .api(Method::DELETE, &sam, &format!("waitlist/{entry}"), None)
        .await;
    assert_eq!(status, 404);

    // A wish that is not earlier than the appointment itself is refused.
    let (sam_appt, _) = book_at(&h, &sam, 3).await;
    let late = Utc::now() + Duration::weeks(10);
    let (status, _) = h
        .api(
            Method::POST,
            &sam,
            "waitlist",
            Some(json!({ "appointment": sam_appt, "not_before": late })),
        )
        .await;
    assert_eq!(status, 400);

    let (status, _) = h
        .api(Method::DELETE, &alex, &format!("waitlist/{entry}"), None)
        .await;
    assert_eq!(status, 204);
    assert!(waitlist(&h, &alex).await.is_empty());
    let (status, _) = h
        .api(Method::DELETE, &alex, &format!("waitlist/{entry}"), None)
        .await;
    assert_eq!(status, 404);
    // Without a token there is nothing.
    let (status, _) = h.api(Method::GET, "not-a-token", "waitlist", None).await;
    assert_eq!(status, 401);
}

#[tokio::test]
async fn an_appointment_inside_its_change_cutoff_cannot_wait_for_an_earlier_time() {
    let rules = BookingRules {
        change_cutoff: Duration::weeks(5),
        ..BookingRules::default()
    };
    let h = hospital_with(rules).await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (alex_appt, _) = book_at(&h, &alex, 3).await;
    let (status, outcome) = join(&h, &alex, &alex_appt).await;
    assert_eq!((status, refusal(&outcome)), (422, "too-late-to-change"));
}

#[tokio::test]
async fn concurrent_accepts_of_one_offer_move_the_appointment_once() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let sam = h.token(&OTHER_PATIENT).await;
    let (alex_appt, _) = book_at(&h, &alex, 3).await;
    let (sam_spare, freed) = book_at(&h, &sam, 2).await;
    join(&h, &alex, &alex_appt).await;
    cancel(&h, &sam, &sam_spare).await;
    let (offer_id, _) = offer(&h, &alex).await.unwrap();
    let path = format!("waitlist/offers/{offer_id}/accept");
    let attempts = (0..8).map(|_| h.api(Method::POST, &alex, &path, None));
    let results = futures_join_all(attempts).await;
    let ok = results.iter().filter(|(s, _)| *s == 200).count();
    let closed = results
        .iter()
        .filter(|(s, body)| *s == 409 && refusal(body) == "offer-closed")
        .count();
    assert_eq!((ok, closed), (1, 7), "{results:?}");
    assert_eq!(h.live_in_slot(&freed).await, 1);
}
