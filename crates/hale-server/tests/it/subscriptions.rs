//! FHIR Subscriptions (R4 Backport, rest-hook) against a real receiver on loopback: the
//! handshake, numbered events from each topic, a receiver down then up (every event later, in
//! order, none twice), heartbeats, `$status` and `$events`, and who may subscribe to what.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use chrono::Utc;
use hale_server::demo::seed::{DEMO_KIOSK, DEMO_PATIENT, OTHER_PATIENT};
use serde_json::{json, Value};
use tokio::sync::{oneshot, Notify};

use crate::common::*;

const BACKPORT: &str = "http://hl7.org/fhir/uv/subscriptions-backport/StructureDefinition/";
const TOPICS: &str = "https://hale.example/fhir/SubscriptionTopic/";
/// What an integration engine is registered with: subscriptions, and reading what they name.
const ENGINE_SCOPE: &str = "system/Subscription.cruds system/Observation.rs \
    system/Appointment.rs system/QuestionnaireResponse.rs system/Task.rs";

/// One notification as the receiver took it.
#[derive(Clone, Debug)]
struct Got {
    body: Value,
    authorization: Option<String>,
}

/// A rest-hook receiver on loopback, recording what it is sent.
struct Receiver {
    addr: SocketAddr,
    got: Arc<Mutex<Vec<Got>>>,
    arrived: Arc<Notify>,
    stop: Option<oneshot::Sender<()>>,
    task: tokio::task::JoinHandle<()>,
}

impl Receiver {
    async fn start() -> Receiver {
        Self::start_at("127.0.0.1:0".parse().unwrap(), Arc::default()).await
    }

    /// A receiver on `addr`, adding to `got` (to restart one where it was).
    async fn start_at(addr: SocketAddr, got: Arc<Mutex<Vec<Got>>>) -> Receiver {
        let arrived = Arc::new(Notify::new());
        let (stop, stopped) = oneshot::channel::<()>();
        let app = axum::Router::new().route(
            "/hook",
            post({
                let got = got.clone();
                let arrived = arrived.clone();
                move |headers: HeaderMap, body: String| async move {
                    got.lock().unwrap().push(Got {
                        body: serde_json::from_str(&body).unwrap(),
                        authorization: headers
                            .get("authorization")
                            .map(|v| v.to_str().unwrap().to_owned()),
                    });
                    arrived.notify_waiters();
                    StatusCode::OK
                }
            }),
        );
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let task = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Receiver {
            addr,
            got,
            arrived,
            stop: Some(stop),
            task,
        }
    }

    fn url(&self) -> String {
        format!("http://{}/hook", self.addr)
    }

    /// Stops listening and closes its connections: the endpoint is down.
    async fn stop(mut self) -> (SocketAddr, Arc<Mutex<Vec<Got>>>) {
        let _ = self.stop.take().unwrap().send(());
        self.task.await.unwrap();
        (self.addr, self.got)
    }

    fn all(&self) -> Vec<Got> {
        self.got.lock().unwrap().clone()
    }

    /// Waits (at most 20 s) until what arrived satisfies `done`.
    async fn until(&self, what: &str, done: impl Fn(&[Got]) -> bool) -> Vec<Got> {
        let deadline = tokio::time::Instant::now() + StdDuration::from_secs(20);
        loop {
            let arrived = self.arrived.notified();
            let got = self.all();
            if done(&got) {
                return got;
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                let got = self.all();
                assert!(done(&got), "{what}: not received; got {got:#?}");
                return got;
            }
        }
    }
}

fn status_of(n: &Value) -> &Value {
    assert_eq!(n["type"], "history", "{n}");
    &n["entry"][0]["resource"]
}

fn param<'a>(parameters: &'a Value, name: &str) -> Option<&'a Value> {
    parameters["parameter"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == name)
}

fn kind(n: &Value) -> String {
    param(status_of(n), "type").unwrap()["valueCode"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// The (number, focus) of each event a notification carries.
fn events(n: &Value) -> Vec<(u64, String)> {
    status_of(n)["parameter"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == "notification-event")
        .map(|e| {
            let part = |name: &str| {
                e["part"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|p| p["name"] == name)
                    .cloned()
                    .unwrap_or(Value::Null)
            };
            (
                part("event-number")["valueString"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap(),
                part("focus")["valueReference"]["reference"]
                    .as_str()
                    .unwrap_or_default()
                    .to_owned(),
            )
        })
        .collect()
}

/// Every event received, in the order received.
fn all_events(got: &[Got]) -> Vec<(u64, String)> {
    got.iter()
        .filter(|g| kind(&g.body) == "event-notification")
        .flat_map(|g| events(&g.body))
        .collect()
}

fn subscription(topic: &str, filters: &[&str], endpoint: &str, content: &str) -> Value {
    json!({
        "resourceType": "Subscription",
        "status": "requested",
        "reason": "The ward's integration engine",
        "criteria": format!("{TOPICS}{topic}"),
        "_criteria": {"extension": filters.iter().map(|f| json!({
            "url": format!("{BACKPORT}backport-filter-criteria"), "valueString": f
        })).collect::<Vec<_>>()},
        "channel": {
            "type": "rest-hook",
            "endpoint": endpoint,
            "payload": "application/fhir+json",
            "_payload": {"extension": [{
                "url": format!("{BACKPORT}backport-payload-content"), "valueCode": content
            }]},
            "header": ["Authorization: Bearer receiver-secret"]
        }
    })
}

async fn subscribe(h: &Hospital, token: &str, body: Value) -> String {
    let (status, made) = h.post(token, "Subscription", body).await;
    assert_eq!(status, 201, "{made}");
    assert_eq!(made["status"], "requested", "{made}");
    id(&made)
}

/// A home heart-rate reading for `patient`, sent as the app sends it; returns its id.
async fn reading(h: &Hospital, token: &str, patient: &str, key: &str) -> String {
    let body = json!({
        "resourceType": "Observation",
        "identifier": [{"system": "urn:hale:reading", "value": key}],
        "status": "final",
        "category": [{"coding": [{"system": "http://terminology.hl7.org/CodeSystem/observation-category", "code": "vital-signs"}]}],
        "code": {"coding": [{"system": "http://loinc.org", "code": "8867-4"}]},
        "subject": {"reference": format!("Patient/{patient}")},
        "effectiveDateTime": Utc::now().to_rfc3339(),
        "valueQuantity": {"value": 72, "unit": "/min", "system": "http://unitsofmeasure.org", "code": "/min"},
    });
    let r = h
        .http
        .post(h.url("Observation"))
        .bearer_auth(token)
        .header(
            "If-None-Exist",
            format!("identifier=urn:hale:reading|{key}"),
        )
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    id(&r.json().await.unwrap())
}

async fn read(h: &Hospital, token: &str, sub: &str) -> Value {
    let (status, body) = h.get(token, &format!("Subscription/{sub}")).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// Waits (at most 10 s) until the subscription reads as `status`.
async fn until_status(h: &Hospital, token: &str, sub: &str, status: &str) -> Value {
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(10);
    loop {
        let shown = read(h, token, sub).await;
        if shown["status"] == status {
            return shown;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "not {status}: {shown}"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_subscriber_shakes_hands_then_hears_each_new_reading_of_its_patient_numbered_in_order() {
    let h = hospital().await;
    let engine = h.registered_device("engine", ENGINE_SCOPE).await;
    let alex = h.token(&DEMO_PATIENT).await;
    let sam = h.token(&OTHER_PATIENT).await;
    let receiver = Receiver::start().await;
    let filter = format!("Observation?patient=Patient/{}", DEMO_PATIENT.id);
    let sub = subscribe(
        &h,
        &engine,
        subscription("observation", &[&filter], &receiver.url(), "full-resource"),
    )
    .await;

    let got = receiver.until("the handshake", |g| !g.is_empty()).await;
    assert_eq!(kind(&got[0].body), "handshake");
    assert_eq!(
        got[0].authorization.as_deref(),
        Some("Bearer receiver-secret"),
        "the channel's header goes with each notification"
    );
    let shown = until_status(&h, &engine, &sub, "active").await;
    assert!(
        shown["channel"].get("header").is_none(),
        "headers are never shown back"
    );
    assert_eq!(
        shown["_criteria"]["extension"][0]["valueString"], filter,
        "{shown}"
    );

    let mut made = Vec::new();
    for n in 0..3 {
        made.push(reading(&h, &alex, DEMO_PATIENT.id, &format!("sub/alex/{n}")).await);
        reading(&h, &sam, OTHER_PATIENT.id, &format!("sub/sam/{n}")).await;
    }
    let got = receiver
        .until("three events", |g| all_events(g).len() >= 3)
        .await;
    let heard = all_events(&got);
    let base = h.server.fhir_base();
    assert_eq!(
        heard,
        made.iter()
            .enumerate()
            .map(|(i, id)| (i as u64 + 1, format!("{base}/Observation/{id}")))
            .collect::<Vec<_>>(),
        "Alex's readings only, numbered from 1 in order"
    );
    // Full-resource: each reading is in the notification that names it.
    let carried: Vec<String> = got
        .iter()
        .flat_map(|g| g.body["entry"].as_array().unwrap().iter().skip(1))
        .map(|e| e["resource"]["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(carried, made);
    for g in &got[1..] {
        let p = status_of(&g.body);
        assert_eq!(
            p["meta"]["profile"][0],
            format!("{BACKPORT}backport-subscription-status-r4")
        );
        assert_eq!(
            param(p, "subscription").unwrap()["valueReference"]["reference"],
            format!("{base}/Subscription/{sub}")
        );
    }

    let (status, answer) = h.get(&engine, &format!("Subscription/{sub}/$status")).await;
    assert_eq!(status, 200, "{answer}");
    let p = &answer["entry"][0]["resource"];
    assert_eq!(param(p, "type").unwrap()["valueCode"], "query-status");
    assert_eq!(param(p, "status").unwrap()["valueCode"], "active");
    assert_eq!(
        param(p, "events-since-subscription-start").unwrap()["valueString"],
        "3"
    );

    // A receiver that lost events asks for them again by number.
    let (status, again) = h
        .get(
            &engine,
            &format!("Subscription/{sub}/$events?eventsSinceNumber=2&eventsUntilNumber=3&content=id-only"),
        )
        .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(kind(&again), "query-event");
    assert_eq!(events(&again), heard[1..].to_vec(), "events 2 and 3 again");
    assert!(
        again["entry"][1].get("resource").is_none(),
        "id-only as asked"
    );

    let (status, _) = h
        .get(
            &engine,
            &format!("Subscription/{sub}/$events?eventsSinceNumber=zero"),
        )
        .await;
    assert_eq!(status, 400);

    // Each disclosure is audited: which system was told about whom (written just after the
    // receiver answered). Never Sam: none of Sam's readings went out.
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(10);
    loop {
        let told: Vec<(Option<String>, i64)> = sqlx::query_as(
            "SELECT patient_id, COUNT(*) FROM audit_event WHERE actor_kind = 'device' \
             AND actor_id = 'engine' AND route = 'rest-hook notification' GROUP BY patient_id",
        )
        .fetch_all(&db)
        .await
        .unwrap();
        let notifications = got.len() as i64 - 1;
        if told == [(Some(DEMO_PATIENT.id.to_owned()), notifications)] {
            break;
        }
        assert!(tokio::time::Instant::now() < deadline, "{told:?}");
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn a_receiver_that_is_down_gets_every_event_later_in_order_and_none_twice() {
    let h = hospital().await;
    let engine = h.registered_device("engine", ENGINE_SCOPE).await;
    let alex = h.token(&DEMO_PATIENT).await;
    let receiver = Receiver::start().await;
    let sub = subscribe(
        &h,
        &engine,
        subscription("observation", &[], &receiver.url(), "id-only"),
    )
    .await;
    receiver.until("the handshake", |g| !g.is_empty()).await;
    let (addr, got) = receiver.stop().await;

    let mut made = Vec::new();
    for n in 0..5 {
        made.push(reading(&h, &alex, DEMO_PATIENT.id, &format!("down/{n}")).await);
    }
    // The server notices, says why, and keeps the events.
    let failing = until_status(&h, &engine, &sub, "error").await;
    assert_eq!(
        failing["error"], "the endpoint could not be reached",
        "{failing}"
    );

    let receiver = Receiver::start_at(addr, got).await;
    let got = receiver
        .until("the events kept while it was down", |g| {
            all_events(g).len() >= 5
        })
        .await;
    let base = h.server.fhir_base();
    assert_eq!(
        all_events(&got),
        made.iter()
            .enumerate()
            .map(|(i, id)| (i as u64 + 1, format!("{base}/Observation/{id}")))
            .collect::<Vec<_>>(),
        "each event once, in order"
    );
    until_status(&h, &engine, &sub, "active").await;

    // And what comes next follows on.
    let next = reading(&h, &alex, DEMO_PATIENT.id, "down/after").await;
    let got = receiver
        .until("the next event", |g| all_events(g).len() >= 6)
        .await;
    assert_eq!(
        all_events(&got)[5],
        (6, format!("{base}/Observation/{next}"))
    );
}

#[tokio::test]
async fn appointments_cancelled_or_arrived_reach_a_subscriber_filtered_on_those_statuses() {
    let h = hospital().await;
    let engine = h.registered_device("engine", ENGINE_SCOPE).await;
    let alex = h.token(&DEMO_PATIENT).await;
    let receiver = Receiver::start().await;
    subscribe(
        &h,
        &engine,
        subscription(
            "appointment",
            &["Appointment?status=cancelled,arrived"],
            &receiver.url(),
            "full-resource",
        ),
    )
    .await;
    receiver.until("the handshake", |g| !g.is_empty()).await;

    let (to_cancel, _) = h
        .appointment_in(DEMO_PATIENT.id, "cl-cardiology", 60 * 24 * 9)
        .await;
    let (to_attend, _) = h.appointment_in(DEMO_PATIENT.id, "cl-cardiology", 10).await;
    let (status, body) = h
        .post(
            &alex,
            &format!("Appointment/{to_cancel}/$cancel"),
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let (status, body) = h
        .post(
            &alex,
            &format!("Appointment/{to_attend}/$check-in"),
            json!({}),
        )
        .await;
    assert_eq!(status, 201, "{body}");

    let got = receiver
        .until("the cancellation and the arrival", |g| {
            all_events(g).len() >= 2
        })
        .await;
    let carried: Vec<(String, String)> = got
        .iter()
        .flat_map(|g| g.body["entry"].as_array().unwrap().iter().skip(1))
        .map(|e| {
            (
                e["resource"]["id"].as_str().unwrap().to_owned(),
                e["resource"]["status"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        carried,
        [
            (to_cancel.clone(), "cancelled".to_owned()),
            (to_attend.clone(), "arrived".to_owned())
        ],
        "not the bookings themselves"
    );
    let updates: Vec<&str> = got
        .iter()
        .flat_map(|g| g.body["entry"].as_array().unwrap().iter().skip(1))
        .map(|e| e["request"]["method"].as_str().unwrap())
        .collect();
    assert_eq!(updates, ["PUT", "PUT"]);
}

#[tokio::test]
async fn a_quiet_subscription_hears_a_heartbeat_each_period() {
    let h = hospital().await;
    let engine = h.registered_device("engine", ENGINE_SCOPE).await;
    let receiver = Receiver::start().await;
    let mut body = subscription("questionnaire-response", &[], &receiver.url(), "empty");
    body["channel"]["extension"] = json!([{
        "url": format!("{BACKPORT}backport-heartbeat-period"), "valueUnsignedInt": 5
    }]);
    let sub = subscribe(&h, &engine, body).await;
    let started = tokio::time::Instant::now();
    let got = receiver
        .until("a heartbeat", |g| {
            g.iter().any(|n| kind(&n.body) == "heartbeat")
        })
        .await;
    assert_eq!(kind(&got[0].body), "handshake");
    assert!(
        started.elapsed() >= StdDuration::from_secs(4),
        "not before its period: {:?}",
        started.elapsed()
    );
    let p = status_of(&got[1].body);
    assert_eq!(
        param(p, "events-since-subscription-start").unwrap()["valueString"],
        "0"
    );

    // Nothing yet to ask for again: an empty answer, not an error.
    for query in ["", "?eventsSinceNumber=1"] {
        let (status, none) = h
            .get(&engine, &format!("Subscription/{sub}/$events{query}"))
            .await;
        assert_eq!(status, 200, "{none}");
        assert_eq!(kind(&none), "query-event");
        assert!(events(&none).is_empty());
    }
}

#[tokio::test]
async fn only_a_system_holding_the_subscription_and_topic_scopes_may_subscribe_and_only_to_its_own()
{
    let h = hospital().await;
    let engine = h.registered_device("engine", ENGINE_SCOPE).await;
    let other = h.registered_device("other-engine", ENGINE_SCOPE).await;
    let readings_only = h
        .registered_device(
            "readings-engine",
            "system/Subscription.cruds system/Observation.rs",
        )
        .await;
    let alex = h.token(&DEMO_PATIENT).await;
    let kiosk = h.device_token(&DEMO_KIOSK).await;
    let receiver = Receiver::start().await;
    let body = subscription("observation", &[], &receiver.url(), "id-only");

    for (token, who) in [(&alex, "a patient"), (&kiosk, "a kiosk")] {
        let (status, _) = h.post(token, "Subscription", body.clone()).await;
        assert_eq!(status, 403, "{who}");
    }
    let alerts = subscription("monitoring-alert", &[], &receiver.url(), "id-only");
    let (status, refused) = h.post(&readings_only, "Subscription", alerts).await;
    assert_eq!(status, 403, "{refused}");
    assert!(refused.to_string().contains("system/Task.r"), "{refused}");

    let sub = subscribe(&h, &engine, body.clone()).await;
    for path in [
        format!("Subscription/{sub}"),
        format!("Subscription/{sub}/$status"),
        format!("Subscription/{sub}/$events"),
    ] {
        assert_eq!(
            h.get(&other, &path).await.0,
            404,
            "{path}: another system's"
        );
        assert_eq!(h.get(&alex, &path).await.0, 403, "{path}: a patient");
    }
    let gone = h
        .http
        .delete(h.url(&format!("Subscription/{sub}")))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 404, "another system cannot end it");
    let gone = h
        .http
        .delete(h.url(&format!("Subscription/{sub}")))
        .bearer_auth(&engine)
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status().as_u16(), 204);
    assert_eq!(h.get(&engine, &format!("Subscription/{sub}")).await.0, 404);

    // Bad requests say what is wrong, and nothing is made.
    for (change, says) in [
        (
            json!({"criteria": "http://hl7.org/SubscriptionTopic/admission"}),
            "topic this server offers",
        ),
        (
            json!({"channel": {"type": "rest-hook", "endpoint": "http://receiver.example/hook"}}),
            "must use https",
        ),
        (
            json!({"channel": {"type": "email", "endpoint": "mailto:a@b.example"}}),
            "use rest-hook",
        ),
        (
            json!({"_criteria": {"extension": [{"url": format!("{BACKPORT}backport-filter-criteria"), "valueString": "Observation?code=8867-4"}]}}),
            "cannot be filtered",
        ),
    ] {
        let mut bad = body.clone();
        for (k, v) in change.as_object().unwrap() {
            bad[k] = v.clone();
        }
        let (status, outcome) = h.post(&engine, "Subscription", bad).await;
        assert_eq!(status, 400, "{outcome}");
        assert!(outcome.to_string().contains(says), "{says}: {outcome}");
    }
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM subscription")
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn a_monitoring_alert_raised_on_a_reading_reaches_the_alert_topic_with_its_task() {
    let h = hospital().await;
    let engine = h.registered_device("engine", ENGINE_SCOPE).await;
    let alex = h.token(&DEMO_PATIENT).await;
    let receiver = Receiver::start().await;
    let filter = format!("Task?patient=Patient/{}&status=requested", DEMO_PATIENT.id);
    subscribe(
        &h,
        &engine,
        subscription(
            "monitoring-alert",
            &[&filter],
            &receiver.url(),
            "full-resource",
        ),
    )
    .await;
    receiver.until("the handshake", |g| !g.is_empty()).await;

    let high = crate::monitoring::bp("sub", 185.0, 125.0, Utc::now());
    assert_eq!(crate::monitoring::send(&h, &alex, &high).await, 201);
    let got = receiver
        .until("the alert's task", |g| !all_events(g).is_empty())
        .await;
    let task = &got[1].body["entry"][1]["resource"];
    assert_eq!(task["resourceType"], "Task", "{task}");
    assert_eq!(task["status"], "requested");
    assert_eq!(task["priority"], "urgent");
    assert_eq!(
        all_events(&got).len(),
        1,
        "the reading itself is another topic"
    );
}

#[tokio::test]
async fn changes_made_on_two_server_instances_reach_the_subscriber_once_each_numbered_without_gaps()
{
    let a = hospital().await;
    let b = a.another_instance().await;
    let engine = a.registered_device("engine", ENGINE_SCOPE).await;
    let on_a = a.token(&DEMO_PATIENT).await;
    let on_b = b.token(&DEMO_PATIENT).await;
    let receiver = Receiver::start().await;
    subscribe(
        &a,
        &engine,
        subscription("observation", &[], &receiver.url(), "id-only"),
    )
    .await;
    receiver.until("the handshake", |g| !g.is_empty()).await;

    let mut made = Vec::new();
    for n in 0..10 {
        let (h, token) = if n % 2 == 0 { (&a, &on_a) } else { (&b, &on_b) };
        made.push(reading(h, token, DEMO_PATIENT.id, &format!("two/{n}")).await);
    }
    let got = receiver
        .until("ten events", |g| all_events(g).len() >= 10)
        .await;
    // Give a doubled delivery time to show itself.
    tokio::time::sleep(StdDuration::from_millis(500)).await;
    let heard = all_events(&receiver.all());
    assert_eq!(heard.len(), 10, "{got:#?}");
    let numbers: Vec<u64> = heard.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, (1..=10).collect::<Vec<_>>());
    let mut ids: Vec<String> = heard
        .iter()
        .map(|(_, focus)| focus.rsplit('/').next().unwrap().to_owned())
        .collect();
    ids.sort();
    made.sort();
    assert_eq!(ids, made);
}

#[tokio::test]
async fn a_system_whose_registration_is_revoked_or_narrowed_hears_nothing_more() {
    let h = hospital().await;
    let engine = h.registered_device("engine", ENGINE_SCOPE).await;
    let narrowed = h.registered_device("narrowed-engine", ENGINE_SCOPE).await;
    let alex = h.token(&DEMO_PATIENT).await;
    let revoked_receiver = Receiver::start().await;
    let narrowed_receiver = Receiver::start().await;
    let body = |r: &Receiver| subscription("observation", &[], &r.url(), "id-only");
    subscribe(&h, &engine, body(&revoked_receiver)).await;
    let narrowed_sub = subscribe(&h, &narrowed, body(&narrowed_receiver)).await;
    for r in [&revoked_receiver, &narrowed_receiver] {
        r.until("the handshake", |g| !g.is_empty()).await;
    }
    reading(&h, &alex, DEMO_PATIENT.id, "rev/0").await;
    for r in [&revoked_receiver, &narrowed_receiver] {
        r.until("the first event", |g| all_events(g).len() == 1)
            .await;
    }

    let db = hale_server::open_database(&h.db_url).await.unwrap();
    sqlx::query("UPDATE device SET revoked_at = $1 WHERE id = 'engine'")
        .bind(hale_server::DbTime(Utc::now()))
        .execute(&db)
        .await
        .unwrap();
    sqlx::query(
        "UPDATE device SET scope = 'system/Subscription.cruds' WHERE id = 'narrowed-engine'",
    )
    .execute(&db)
    .await
    .unwrap();
    reading(&h, &alex, DEMO_PATIENT.id, "rev/1").await;
    // A control: a third system still hears the reading, so the others had their chance.
    let control = Receiver::start().await;
    let watcher = h.registered_device("control-engine", ENGINE_SCOPE).await;
    subscribe(&h, &watcher, body(&control)).await;
    control.until("the handshake", |g| !g.is_empty()).await;
    reading(&h, &alex, DEMO_PATIENT.id, "rev/2").await;
    control
        .until("the control's event", |g| all_events(g).len() == 1)
        .await;
    tokio::time::sleep(StdDuration::from_millis(300)).await;
    assert_eq!(all_events(&revoked_receiver.all()).len(), 1, "revoked");
    assert_eq!(all_events(&narrowed_receiver.all()).len(), 1, "narrowed");
    // Nor may the narrowed system ask for the events again.
    let (status, refused) = h
        .get(
            &narrowed,
            &format!("Subscription/{narrowed_sub}/$events?content=full-resource"),
        )
        .await;
    assert_eq!(status, 403, "{refused}");
}

#[tokio::test]
async fn a_rescheduled_appointment_reaches_its_patients_subscriber_at_its_new_time() {
    let h = hospital().await;
    let engine = h.registered_device("engine", ENGINE_SCOPE).await;
    let alex = h.token(&DEMO_PATIENT).await;
    let later = format!(
        "&start=ge{}",
        (Utc::now() + chrono::Duration::days(4)).format("%Y-%m-%d")
    );
    let slots = h.free_slots(&alex, &later).await;
    let (from, to) = (id(&slots[0]), id(&slots[3]));
    let (status, booked) = h.book(&alex, &from, None).await;
    assert_eq!(status, 201, "{booked}");
    let receiver = Receiver::start().await;
    let filter = format!("Appointment?patient=Patient/{}", DEMO_PATIENT.id);
    subscribe(
        &h,
        &engine,
        subscription("appointment", &[&filter], &receiver.url(), "full-resource"),
    )
    .await;
    receiver.until("the handshake", |g| !g.is_empty()).await;

    let move_to = json!({"resourceType": "Parameters",
        "parameter": [{"name": "slot", "valueReference": {"reference": format!("Slot/{to}")}}]});
    let (status, moved) = h
        .post(
            &alex,
            &format!("Appointment/{}/$reschedule", id(&booked)),
            move_to,
        )
        .await;
    assert!(status == 200 || status == 201, "{moved}");
    let got = receiver
        .until("the move", |g| !all_events(g).is_empty())
        .await;
    let carried = &got[1].body["entry"][1];
    assert_eq!(carried["request"]["method"], "PUT");
    assert_eq!(carried["resource"]["start"], slots[3]["start"], "{carried}");
}
