//! Parking over real HTTP on a real SQLite file: car parks and tariffs, start / extend / end with
//! the server's prices, declined and insufficient-funds cards, a full car park, invalid
//! registrations, concessions decided from the hospital's records, and payments that are never
//! charged twice however often (or however concurrently) they are sent.

use crate::common::*;
use hale_server::demo::seed::{DEMO_PATIENT, OTHER_PATIENT};
use reqwest::Method;
use serde_json::{json, Value};

const APPROVE: &str = "4242 4242 4242 4242";
const DECLINE: &str = "4000 0000 0000 0002";
const NO_FUNDS: &str = "4000 0000 0000 9995";

fn card(number: &str) -> Value {
    json!({"number": number, "expiry": "12/30", "cvc": "123"})
}

async fn start(
    h: &Hospital,
    token: &str,
    park: &str,
    reg: &str,
    minutes: u32,
    number: &str,
    key: &str,
) -> (u16, Value) {
    h.api(
        Method::POST,
        token,
        "parking/sessions",
        Some(
            json!({"car_park": park, "registration": reg, "minutes": minutes,
                    "card": card(number), "idempotency_key": key}),
        ),
    )
    .await
}

async fn approved_payments(h: &Hospital, key: &str) -> i64 {
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM payment WHERE idempotency_key = $1 AND status = 'approved'",
    )
    .bind(key)
    .fetch_one(&db)
    .await
    .unwrap()
}

#[tokio::test]
async fn car_parks_list_their_tariff_clinics_and_free_spaces() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (code, parks) = h.api(Method::GET, &alex, "car-parks", None).await;
    assert_eq!(code, 200, "{parks}");
    let eye = parks
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["id"] == "cp-eye")
        .unwrap();
    assert_eq!(eye["free_spaces"], 3);
    assert_eq!(eye["clinics"], json!(["cl-ophthalmology"]));
    assert_eq!(eye["tariff"]["daily_cap_pence"], 1000);
    assert_eq!(h.api(Method::GET, "", "car-parks", None).await.0, 401);
}

#[tokio::test]
async fn start_extend_end_with_receipts_and_server_prices() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    // 90 minutes: the "up to 2 hours" band, £4.00.
    let (code, session) = start(&h, &alex, "cp-main", "ab12 cde", 90, APPROVE, "k-start").await;
    assert_eq!(code, 201, "{session}");
    assert_eq!(session["registration"], "AB12 CDE");
    assert_eq!(session["paid_pence"], 400);
    assert_eq!(session["receipts"][0]["amount_pence"], 400);
    assert_eq!(session["receipts"][0]["card_last4"], "4242");
    assert!(session["receipts"][0]["number"]
        .as_str()
        .unwrap()
        .starts_with("HALE-PK-"));
    let id = session["id"].as_str().unwrap().to_owned();

    // 60 more minutes: the whole 150-minute stay is £7.00, so £3.00 is due.
    let (code, extended) = h
        .api(
            Method::POST,
            &alex,
            &format!("parking/sessions/{id}/extend"),
            Some(json!({"minutes": 60, "card": card(APPROVE), "idempotency_key": "k-ext"})),
        )
        .await;
    assert_eq!(code, 200, "{extended}");
    assert_eq!(extended["paid_pence"], 700);
    assert_eq!(extended["receipts"].as_array().unwrap().len(), 2);
    assert_eq!(extended["receipts"][1]["amount_pence"], 300);

    let (code, ended) = h
        .api(
            Method::POST,
            &alex,
            &format!("parking/sessions/{id}/end"),
            None,
        )
        .await;
    assert_eq!(code, 200);
    assert!(ended["ended"].is_string());
    let (code, outcome) = h
        .api(
            Method::POST,
            &alex,
            &format!("parking/sessions/{id}/extend"),
            Some(json!({"minutes": 30, "card": card(APPROVE), "idempotency_key": "k-late"})),
        )
        .await;
    assert_eq!((code, refusal(&outcome)), (409, "session-over"));

    let (_, history) = h.api(Method::GET, &alex, "parking/sessions", None).await;
    assert_eq!(history.as_array().unwrap().len(), 1);
    // Sam sees none of Alex's parking.
    let sam = h.token(&OTHER_PATIENT).await;
    let (_, theirs) = h.api(Method::GET, &sam, "parking/sessions", None).await;
    assert_eq!(theirs, json!([]));
    assert_eq!(
        h.api(
            Method::POST,
            &sam,
            &format!("parking/sessions/{id}/end"),
            None
        )
        .await
        .0,
        404
    );
}

#[tokio::test]
async fn an_extension_charges_the_saved_card_without_its_number_and_only_at_the_price_shown() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    // Starting at a price that is not the price (90 minutes is £4.00): refused, nothing charged.
    let stale_start = json!({"car_park": "cp-main", "registration": "AB12CDE", "minutes": 90,
        "card": card(APPROVE), "idempotency_key": "k-stale-start", "quoted_pence": 250});
    let (code, outcome) = h
        .api(Method::POST, &alex, "parking/sessions", Some(stale_start))
        .await;
    assert_eq!((code, refusal(&outcome)), (409, "price-changed"));
    assert_eq!(approved_payments(&h, "k-stale-start").await, 0);
    let (code, session) = start(&h, &alex, "cp-main", "ab12 cde", 90, APPROVE, "k-saved").await;
    assert_eq!(code, 201, "{session}");
    assert_eq!(session["saved_card_last4"], "4242");
    assert!(
        !session.to_string().contains("tok_"),
        "the processor's token stays at the hospital: {session}"
    );
    let id = session["id"].as_str().unwrap().to_owned();
    let path = format!("parking/sessions/{id}/extend");

    // A price the patient was shown that is no longer the price: nothing is charged.
    let stale = json!({"minutes": 60, "quoted_pence": 200, "idempotency_key": "k-stale"});
    let (code, outcome) = h.api(Method::POST, &alex, &path, Some(stale)).await;
    assert_eq!((code, refusal(&outcome)), (409, "price-changed"));
    assert_eq!(approved_payments(&h, "k-stale").await, 0);

    // Another patient cannot spend Alex's saved card on Alex's session.
    let sam = h.token(&OTHER_PATIENT).await;
    let theirs = json!({"minutes": 60, "idempotency_key": "k-sam"});
    assert_eq!(h.api(Method::POST, &sam, &path, Some(theirs)).await.0, 404);

    // The price shown and no card: the saved card pays, once.
    let body = json!({"minutes": 60, "quoted_pence": 300, "idempotency_key": "k-saved-ext"});
    let (code, extended) = h.api(Method::POST, &alex, &path, Some(body.clone())).await;
    assert_eq!(code, 200, "{extended}");
    assert_eq!(extended["receipts"][1]["amount_pence"], 300);
    assert_eq!(extended["receipts"][1]["card_last4"], "4242");
    let (code, again) = h.api(Method::POST, &alex, &path, Some(body)).await;
    assert_eq!(
        (code, &again),
        (200, &extended),
        "a retry is the same payment"
    );
    assert_eq!(approved_payments(&h, "k-saved-ext").await, 1);
    let (_, listed) = h.api(Method::GET, &alex, "parking/sessions", None).await;
    for answer in [&extended, &listed] {
        assert!(!answer.to_string().contains("tok_"), "{answer}");
    }
    assert_eq!(listed[0]["saved_card_last4"], "4242");

    // Another card typed for an extension is the one saved from then on.
    let other = "5555 5555 5555 4444";
    let body = json!({"minutes": 240, "card": card(other), "idempotency_key": "k-other"});
    let (code, extended) = h.api(Method::POST, &alex, &path, Some(body)).await;
    assert_eq!(code, 200, "{extended}");
    assert_eq!(extended["saved_card_last4"], "4444");

    // With no card saved (a processor that keeps no tokens), a card is asked for.
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    sqlx::query("UPDATE parking_session SET card_token = NULL WHERE id = $1")
        .bind(&id)
        .execute(&db)
        .await
        .unwrap();
    // A day more crosses into a second day's charge, so there is something to pay.
    let no_card = json!({"minutes": 1440, "idempotency_key": "k-no-card"});
    let (code, outcome) = h.api(Method::POST, &alex, &path, Some(no_card)).await;
    assert_eq!((code, refusal(&outcome)), (422, "card-needed"));
}

#[tokio::test]
async fn refusals_charge_nothing_and_keep_their_answer() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (code, outcome) = start(&h, &alex, "cp-main", "AB12 CDE", 60, DECLINE, "k-d").await;
    assert_eq!((code, refusal(&outcome)), (402, "card-declined"));
    let (code, outcome) = start(&h, &alex, "cp-main", "AB12 CDE", 60, NO_FUNDS, "k-f").await;
    assert_eq!((code, refusal(&outcome)), (402, "insufficient-funds"));
    // Retrying a declined decision answers the same, even with a good card: a new decision
    // needs a new key.
    let (code, outcome) = start(&h, &alex, "cp-main", "AB12 CDE", 60, APPROVE, "k-d").await;
    assert_eq!((code, refusal(&outcome)), (402, "card-declined"));
    let (code, outcome) = start(&h, &alex, "cp-main", "NOT A REG", 60, APPROVE, "k-r").await;
    assert_eq!((code, refusal(&outcome)), (422, "invalid-registration"));
    let (code, outcome) = start(&h, &alex, "cp-main", "AB12 CDE", 5, APPROVE, "k-m").await;
    assert_eq!((code, refusal(&outcome)), (422, "bad-duration"));
    let (_, history) = h.api(Method::GET, &alex, "parking/sessions", None).await;
    assert_eq!(history, json!([]), "no session without a payment");
}

#[tokio::test]
async fn a_full_car_park_says_so() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    for (n, reg) in ["AB12 CDE", "CD34 EFG", "EF56 GHJ"].iter().enumerate() {
        assert_eq!(
            start(&h, &alex, "cp-eye", reg, 60, APPROVE, &format!("k{n}"))
                .await
                .0,
            201
        );
    }
    let (code, outcome) = start(&h, &alex, "cp-eye", "GH78 JKL", 60, APPROVE, "k3").await;
    assert_eq!((code, refusal(&outcome)), (409, "car-park-full"));
    assert_eq!(approved_payments(&h, "k3").await, 0);
}

#[tokio::test]
async fn the_same_payment_sent_many_times_at_once_charges_once() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let attempts = (0..10).map(|_| start(&h, &alex, "cp-main", "AB12 CDE", 60, APPROVE, "k-same"));
    let results = futures_join_all(attempts).await;
    let ids: std::collections::HashSet<String> = results
        .iter()
        .map(|(code, s)| {
            assert!(*code == 201 || *code == 200, "{code} {s}");
            s["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids.len(), 1, "one session");
    assert_eq!(results.iter().filter(|(c, _)| *c == 201).count(), 1);
    assert_eq!(approved_payments(&h, "k-same").await, 1);
    let (_, history) = h.api(Method::GET, &alex, "parking/sessions", None).await;
    assert_eq!(history.as_array().unwrap().len(), 1);
    // And sent again later.
    let (code, again) = start(&h, &alex, "cp-main", "AB12 CDE", 60, APPROVE, "k-same").await;
    assert_eq!(
        (code, again["id"].as_str()),
        (200, ids.iter().next().map(String::as_str))
    );
    assert_eq!(approved_payments(&h, "k-same").await, 1);
}

#[tokio::test]
async fn concessions_are_decided_from_records_and_lower_the_price() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let sam = h.token(&OTHER_PATIENT).await;
    let apply = |token: String, body: Value| {
        let h = &h;
        async move {
            h.api(Method::POST, &token, "parking/concessions", Some(body))
                .await
        }
    };
    // Alex has several visits this month: frequent attender, half price.
    let (code, decided) = apply(alex.clone(), json!({"kind": "frequent_attender"})).await;
    assert_eq!(code, 201, "{decided}");
    assert_eq!(decided["status"], "approved");
    assert!(decided["reason"]
        .as_str()
        .unwrap()
        .contains("hospital visits in the last 30 days"));
    let (_, session) = start(&h, &alex, "cp-main", "AB12 CDE", 90, APPROVE, "k-c").await;
    assert_eq!(session["paid_pence"], 200);
    // A badge the register has as expired is refused (whatever expiry the patient types), with
    // the reason; a current one makes parking free.
    let (_, refused) = apply(
        alex.clone(),
        json!({"kind": "blue_badge",
        "blue_badge_number": "EX12345678", "blue_badge_expiry": "2099-01-01"}),
    )
    .await;
    assert_eq!(
        (refused["status"].as_str(), refused["reason"].as_str()),
        (Some("refused"), Some("The blue badge has expired"))
    );
    let (_, badge) = apply(
        alex.clone(),
        json!({"kind": "blue_badge",
        "blue_badge_number": "AB12345678", "blue_badge_expiry": "2099-01-01"}),
    )
    .await;
    assert_eq!(badge["status"], "approved");
    let (_, free) = start(&h, &alex, "cp-main", "CD34 EFG", 120, APPROVE, "k-free").await;
    assert_eq!(free["paid_pence"], 0);
    // Sam's child is admitted: a capped day; Alex has no child admitted.
    let (_, parent) = apply(sam.clone(), json!({"kind": "parent_of_inpatient"})).await;
    assert_eq!(parent["relief"], json!({"kind": "daily_cap", "pence": 300}));
    let (_, no) = apply(alex.clone(), json!({"kind": "parent_of_inpatient"})).await;
    assert_eq!(no["status"], "refused");
    let (_, list) = h.api(Method::GET, &alex, "parking/concessions", None).await;
    assert_eq!(list.as_array().unwrap().len(), 4);
}

#[tokio::test]
async fn another_patients_idempotency_key_never_buys_their_approval() {
    // Regression: the key went to the card processor unscoped, so patient B sending A's key
    // (with a card that would be declined) was answered with A's approval, for any length.
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let sam = h.token(&OTHER_PATIENT).await;
    let (status, _) = start(
        &h,
        &alex,
        "cp-main",
        "AB12 CDE",
        60,
        "4242424242424242",
        "k-shared",
    )
    .await;
    assert_eq!(status, 201);
    let (status, outcome) = start(
        &h,
        &sam,
        "cp-main",
        "XY34 ZZZ",
        480,
        "4000000000000002",
        "k-shared",
    )
    .await;
    assert_eq!(status, 402, "{outcome}");
    assert_eq!(refusal(&outcome), "card-declined");
}

#[tokio::test]
async fn past_impossible_and_malformed_card_details_are_refused_before_any_charge() {
    // Regression: an expiry of "12/20" or "13/99" and a security code of "abc" were charged.
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    for (i, (expiry, cvc)) in [("12/20", "123"), ("13/99", "123"), ("12/30", "abc")]
        .into_iter()
        .enumerate()
    {
        let (status, outcome) = h
            .api(
                Method::POST,
                &alex,
                "parking/sessions",
                Some(
                    json!({"car_park": "cp-main", "registration": "AB12 CDE", "minutes": 60,
                    "card": {"number": "4242424242424242", "expiry": expiry, "cvc": cvc},
                    "idempotency_key": format!("k-card-{i}")}),
                ),
            )
            .await;
        assert_eq!(status, 422, "{expiry} {cvc}: {outcome}");
        assert_eq!(refusal(&outcome), "invalid-card");
    }
    let mut db = h.database().await;
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM payment")
        .fetch_one(&mut db)
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing reached the processor or the ledger");
}

/// A processor that approves a different amount than it was asked for.
#[derive(Debug)]
struct ShortChanging;

impl hale_server::payments::PaymentProvider for ShortChanging {
    fn charge(
        &self,
        _key: &str,
        amount_pence: u32,
        _card: &hale_hospital_json::parking::Card,
    ) -> Result<hale_server::payments::Charge, hale_domain::parking::ParkingRefusal> {
        Ok(hale_server::payments::Charge {
            id: "ch-short".into(),
            amount_pence: amount_pence / 2,
            card_last4: "4242".into(),
            card_token: None,
        })
    }

    fn charge_saved(
        &self,
        _key: &str,
        _amount_pence: u32,
        _token: &str,
    ) -> Result<hale_server::payments::Charge, hale_domain::parking::ParkingRefusal> {
        Err(hale_domain::parking::ParkingRefusal::CardNeeded)
    }
}

#[tokio::test]
async fn an_approval_for_another_amount_than_the_price_buys_nothing() {
    let h = hospital_configured(|o| o.payments = Some(std::sync::Arc::new(ShortChanging))).await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (status, outcome) = start(
        &h,
        &alex,
        "cp-main",
        "AB12 CDE",
        60,
        "4242424242424242",
        "k-short",
    )
    .await;
    assert_eq!(status, 402, "{outcome}");
    let (sessions, _) = h.api(Method::GET, &alex, "parking/sessions", None).await;
    assert_eq!(sessions, 200);
    let mut db = h.database().await;
    let (code,): (String,) =
        sqlx::query_as("SELECT decline_code FROM payment WHERE idempotency_key = 'k-short'")
            .fetch_one(&mut db)
            .await
            .unwrap();
    assert_eq!(code, "amount-mismatch", "recorded, for a refund");
}

#[tokio::test]
async fn a_blue_badge_the_hospital_has_no_record_of_is_refused() {
    // Regression: any well-formed number with a future expiry the patient typed made parking
    // free.
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let (_, decided) = h
        .api(
            Method::POST,
            &alex,
            "parking/concessions",
            Some(json!({"kind": "blue_badge",
                "blue_badge_number": "ZZ99999999", "blue_badge_expiry": "2099-01-01"})),
        )
        .await;
    assert_eq!(decided["status"], "refused", "{decided}");
    let (_, paid) = start(&h, &alex, "cp-main", "AB12 CDE", 120, APPROVE, "k-nobadge").await;
    assert_ne!(paid["paid_pence"], 0);
}

#[tokio::test]
async fn frequent_attendance_counts_visits_attended_not_bookings() {
    // Regression: future bookings counted as visits, so booking three appointments bought
    // half-price parking.
    let h = hospital().await;
    let sam = h.token(&OTHER_PATIENT).await;
    for clinic in ["cl-dermatology", "cl-endocrinology", "cl-ophthalmology"] {
        h.appointment_in(OTHER_PATIENT.id, clinic, 60).await;
    }
    let (_, decided) = h
        .api(
            Method::POST,
            &sam,
            "parking/concessions",
            Some(json!({"kind": "frequent_attender"})),
        )
        .await;
    assert_eq!(decided["status"], "refused", "{decided}");
}

#[tokio::test]
async fn a_childs_admission_concession_ends_at_discharge_and_expiry_is_rechecked_at_use() {
    // Regression: an approved concession applied for ever, after the child went home or the
    // badge expired.
    let h = hospital().await;
    let sam = h.token(&OTHER_PATIENT).await;
    let (_, parent) = h
        .api(
            Method::POST,
            &sam,
            "parking/concessions",
            Some(json!({"kind": "parent_of_inpatient"})),
        )
        .await;
    assert_eq!(parent["status"], "approved");
    assert_eq!(parent["relief_now"], parent["relief"]);
    let mut db = h.database().await;
    sqlx::query(
        "UPDATE child_admission SET discharged_at = '2026-01-01T00:00:00+00:00' \
         WHERE parent_patient_id = $1",
    )
    .bind(OTHER_PATIENT.id)
    .execute(&mut db)
    .await
    .unwrap();
    // The list says so too, so the app quotes what will be charged: still approved, no longer
    // applying (regression: the app quoted the capped price and every payment was refused).
    let (_, list) = h.api(Method::GET, &sam, "parking/concessions", None).await;
    assert_eq!(list[0]["status"], "approved");
    assert!(list[0].get("relief_now").is_none(), "{list}");
    let (_, full) = start(&h, &sam, "cp-main", "XY34 ZZZ", 24 * 60, APPROVE, "k-after").await;
    let (_, capped_would_be) = (300, 0);
    assert!(
        full["paid_pence"].as_u64().unwrap() > capped_would_be as u64 + 300,
        "{full}"
    );

    let alex = h.token(&DEMO_PATIENT).await;
    let (_, badge) = h
        .api(
            Method::POST,
            &alex,
            "parking/concessions",
            Some(json!({"kind": "blue_badge", "blue_badge_number": "AB12345678"})),
        )
        .await;
    assert_eq!(badge["status"], "approved");
    sqlx::query("UPDATE blue_badge SET valid_until = '2020-01-01' WHERE number = 'AB12345678'")
        .execute(&mut db)
        .await
        .unwrap();
    let (_, paid) = start(&h, &alex, "cp-main", "AB12 CDE", 120, APPROVE, "k-expired").await;
    assert_ne!(
        paid["paid_pence"], 0,
        "the expired badge no longer makes parking free"
    );
}
