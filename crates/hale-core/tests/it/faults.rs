//! The hospital failing in the middle of what the patient does, from the app's use cases against
//! a real reference hospital over real HTTP: booking, moving, cancelling, checking in and paying
//! for parking, each tried
//! - with the hospital stopped: a clear "cannot be reached" error, and nothing changed there;
//! - with the hospital's answer lost after it acted (the connection dies before the first byte
//!   of the answer, as a dropped mobile connection or a crash after commit does): the retry the
//!   app makes with the same request succeeds, and the hospital holds the change once.
//!
//! The hospital is restarted on the same database and address between the two, as after a
//! crash. The link between app and hospital is a loopback TCP relay that can lose an answer.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

use crate::common::{signed_in, MemoryKeychain};
use chrono::{DateTime, Duration, Utc};
use hale_client::{ClientError, SlotQuery};
use hale_core::{CoreError, Patient};
use hale_server::demo::seed::DEMO_PATIENT;
use hale_server::payments::Sandbox;
use hale_server::{RunningServer, ServerOptions};
use sqlx::AnyPool;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// A loopback relay between the app and the hospital that can lose the hospital's next answer.
struct Link {
    addr: SocketAddr,
    lose_next: Arc<AtomicBool>,
    lost: Arc<AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Link {
    async fn to(upstream: SocketAddr) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let lose_next = Arc::new(AtomicBool::new(false));
        let lost = Arc::new(AtomicUsize::new(0));
        let (lose, count) = (lose_next.clone(), lost.clone());
        let task = tokio::spawn(async move {
            while let Ok((app, _)) = listener.accept().await {
                tokio::spawn(relay(app, upstream, lose.clone(), count.clone()));
            }
        });
        Self {
            addr,
            lose_next,
            lost,
            task,
        }
    }

    fn fhir_base(&self) -> String {
        format!("http://{}/fhir", self.addr)
    }

    /// Loses the next answer the hospital sends (on any connection).
    fn lose_next_answer(&self) {
        self.lose_next.store(true, Ordering::SeqCst);
    }

    fn answers_lost(&self) -> usize {
        self.lost.load(Ordering::SeqCst)
    }
}

impl Drop for Link {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One app connection: requests go through untouched; an answer to lose closes the app's side
/// before its first byte. A hospital that is down closes the app's connection at once.
async fn relay(
    app: TcpStream,
    upstream: SocketAddr,
    lose: Arc<AtomicBool>,
    lost: Arc<AtomicUsize>,
) {
    let Ok(hospital) = TcpStream::connect(upstream).await else {
        return;
    };
    let (mut app_read, mut app_write) = app.into_split();
    let (mut hospital_read, mut hospital_write) = hospital.into_split();
    let requests = tokio::spawn(async move {
        let _ = tokio::io::copy(&mut app_read, &mut hospital_write).await;
        let _ = hospital_write.shutdown().await;
    });
    let mut buffer = vec![0u8; 64 * 1024];
    loop {
        let n = match hospital_read.read(&mut buffer).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        if lose.swap(false, Ordering::SeqCst) {
            lost.fetch_add(1, Ordering::SeqCst);
            break;
        }
        if app_write.write_all(&buffer[..n]).await.is_err() {
            break;
        }
    }
    // Dropping both halves of the app's side closes its connection.
    requests.abort();
}

/// The hospital, restartable on the same database, address and card processor.
struct Hospital {
    options: ServerOptions,
    server: Option<RunningServer>,
    db: AnyPool,
    sandbox: Arc<Sandbox>,
}

impl Hospital {
    async fn start(dir: &std::path::Path) -> Self {
        let url = format!("sqlite://{}", dir.join("hospital.sqlite").display());
        let sandbox = Arc::new(Sandbox::default());
        let mut options = ServerOptions::embedded_demo(url.clone());
        options.simulate_demo_day = false;
        options.payments = Some(sandbox.clone());
        let server = hale_server::start(&options).await.unwrap();
        // Later starts reuse the address (the link points at it); seeding again is idempotent.
        options.bind = server.addr;
        let db = hale_server::open_database(&url).await.unwrap();
        Self {
            options,
            server: Some(server),
            db,
            sandbox,
        }
    }

    async fn stop(&mut self) {
        if let Some(server) = self.server.take() {
            server.stop().await.unwrap();
        }
    }

    async fn restart(&mut self) {
        self.stop().await;
        self.server = Some(hale_server::start(&self.options).await.unwrap());
    }

    async fn count(&self, sql: &str, bind: &str) -> i64 {
        sqlx::query_scalar(sql)
            .bind(bind.to_owned())
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// Live (not cancelled) appointments in `slot`.
    async fn live_in_slot(&self, slot: &str) -> i64 {
        self.count(
            "SELECT COUNT(*) FROM appointment WHERE slot_id = $1 AND status <> 'cancelled'",
            slot,
        )
        .await
    }
}

async fn setup(dir: &std::path::Path) -> (Hospital, Link, Patient) {
    let hospital = Hospital::start(dir).await;
    let link = Link::to(hospital.options.bind).await;
    let patient = signed_in(
        &link.fhir_base(),
        &dir.join("app.sqlite"),
        Arc::new(MemoryKeychain::default()),
        DEMO_PATIENT,
    )
    .await;
    (hospital, link, patient)
}

fn unreachable<T: std::fmt::Debug>(result: Result<T, CoreError>) -> bool {
    matches!(
        result,
        Err(CoreError::Hospital(ClientError::Unreachable(_)))
    )
}

/// Three free dermatology slots a fortnight ahead (every rule allows changing them).
async fn slots(patient: &Patient) -> Vec<(String, DateTime<Utc>)> {
    let query = SlotQuery {
        service_code: Some("394582007".into()),
        from: Some(Utc::now() + Duration::days(14)),
        count: 20,
        ..SlotQuery::default()
    };
    let page = patient.find_slots(&query).await.unwrap();
    assert!(page.slots.len() >= 3, "free slots to work with");
    page.slots
        .iter()
        .step_by(2)
        .take(3)
        .map(|s| (s.id.clone(), s.start))
        .collect()
}

#[tokio::test]
async fn booking_moving_and_cancelling_survive_a_stopped_hospital_and_lost_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (mut hospital, link, patient) = setup(dir.path()).await;
    let slots = slots(&patient).await;
    let ((first, _), (second, second_start)) = (slots[0].clone(), slots[1].clone());

    // Booking while the hospital is down: a clear error, nothing booked.
    hospital.stop().await;
    assert!(unreachable(
        patient.book(&first, "fault-book-1", Utc::now()).await
    ));
    hospital.restart().await;
    assert_eq!(hospital.live_in_slot(&first).await, 0);

    // The hospital books, and its answer is lost: the app sees the same error...
    link.lose_next_answer();
    assert!(unreachable(
        patient.book(&first, "fault-book-1", Utc::now()).await
    ));
    assert_eq!(link.answers_lost(), 1);
    assert_eq!(
        hospital.live_in_slot(&first).await,
        1,
        "the hospital did book"
    );
    // ...and its retry (the confirmation's same request id) is that booking, not a second one.
    let booked = patient
        .book(&first, "fault-book-1", Utc::now())
        .await
        .unwrap();
    assert_eq!(hospital.live_in_slot(&first).await, 1);
    assert_eq!(
        hospital
            .count(
                "SELECT COUNT(*) FROM appointment WHERE request_id = $1",
                "fault-book-1"
            )
            .await,
        1
    );

    // Moving it: down, then the answer lost, then the retry.
    hospital.stop().await;
    assert!(unreachable(
        patient.reschedule(&booked.id, &second, Utc::now()).await
    ));
    hospital.restart().await;
    assert_eq!(hospital.live_in_slot(&first).await, 1, "nothing moved");
    link.lose_next_answer();
    assert!(unreachable(
        patient.reschedule(&booked.id, &second, Utc::now()).await
    ));
    let moved = patient
        .reschedule(&booked.id, &second, Utc::now())
        .await
        .expect("the retried move answers with the appointment where it is");
    assert_eq!(
        (moved.id.as_str(), moved.start),
        (booked.id.as_str(), second_start)
    );
    assert_eq!(hospital.live_in_slot(&first).await, 0);
    assert_eq!(hospital.live_in_slot(&second).await, 1);

    // Cancelling it: down, then the answer lost, then the retry.
    hospital.stop().await;
    assert!(unreachable(patient.cancel(&booked.id, Utc::now()).await));
    hospital.restart().await;
    assert_eq!(hospital.live_in_slot(&second).await, 1, "nothing cancelled");
    link.lose_next_answer();
    assert!(unreachable(patient.cancel(&booked.id, Utc::now()).await));
    let cancelled = patient
        .cancel(&booked.id, Utc::now())
        .await
        .expect("the retried cancel answers with the cancelled appointment");
    assert_eq!(cancelled.status, hale_domain::AppointmentStatus::Cancelled);
    assert_eq!(hospital.live_in_slot(&second).await, 0);
    assert_eq!(link.answers_lost(), 3);

    // The home screen agrees with the hospital: the one booking, cancelled.
    let all = patient.appointments(Utc::now()).await.unwrap();
    let ours: Vec<_> = all
        .past
        .iter()
        .chain(all.upcoming.iter())
        .filter(|a| a.id == booked.id)
        .collect();
    assert_eq!(ours.len(), 1);
    hospital.stop().await;
}

#[tokio::test]
async fn a_check_in_survives_a_stopped_hospital_and_a_lost_answer() {
    let dir = tempfile::tempdir().unwrap();
    let (mut hospital, link, patient) = setup(dir.path()).await;
    let (appointment, _) = hale_server::demo::seed::appointment_at(
        &hospital.db,
        DEMO_PATIENT.id,
        "cl-cardiology",
        Utc::now() + Duration::minutes(10),
    )
    .await
    .unwrap();
    let encounters = "SELECT COUNT(*) FROM encounter WHERE appointment_id = $1";

    hospital.stop().await;
    assert!(unreachable(
        patient.check_in(&appointment, Utc::now()).await
    ));
    hospital.restart().await;
    assert_eq!(hospital.count(encounters, &appointment).await, 0);

    link.lose_next_answer();
    assert!(unreachable(
        patient.check_in(&appointment, Utc::now()).await
    ));
    assert_eq!(
        hospital.count(encounters, &appointment).await,
        1,
        "checked in"
    );
    let status = patient.check_in(&appointment, Utc::now()).await.unwrap();
    let again = patient.queue_status(&status.encounter).await.unwrap();
    assert_eq!(again.appointment.as_deref(), Some(appointment.as_str()));
    assert_eq!(hospital.count(encounters, &appointment).await, 1, "once");
    hospital.stop().await;
}

#[tokio::test]
async fn parking_is_paid_once_through_a_stopped_hospital_and_lost_answers() {
    let dir = tempfile::tempdir().unwrap();
    let (mut hospital, link, patient) = setup(dir.path()).await;
    let car = patient.save_vehicle("AB12 CDE", None).await.unwrap();
    let patient_id = DEMO_PATIENT.id;
    let payments = "SELECT COUNT(*) FROM payment WHERE patient_id = $1";
    let sessions = "SELECT COUNT(*) FROM parking_session WHERE patient_id = $1";
    // One decision to pay for an hour: every attempt carries its key.
    let card = crate::common::card();
    let hour = hale_domain::parking::Purchase {
        minutes: 60,
        quoted_pence: crate::common::quote(&patient, Some("cp-main"), 60).await,
        key: "fault-pay-1",
    };
    let pay_an_hour =
        || patient.start_parking("cp-main", &car.registration, hour, &card, Utc::now());

    hospital.stop().await;
    let down = pay_an_hour().await;
    assert!(unreachable(down));
    hospital.restart().await;
    assert_eq!(
        hospital.count(payments, patient_id).await,
        0,
        "nothing charged"
    );

    // Paid, and the answer lost: the retry with the same key is the same payment.
    link.lose_next_answer();
    let lost = pay_an_hour().await;
    assert!(unreachable(lost));
    let session = pay_an_hour().await.unwrap().session;
    assert_eq!(session.receipts.len(), 1);

    // Extending: down, then the answer lost, then the retry.
    let half_hour = hale_domain::parking::Purchase {
        minutes: 30,
        quoted_pence: crate::common::quote(&patient, None, 30).await,
        key: "fault-pay-2",
    };
    hospital.stop().await;
    let down = patient
        .extend_parking(&session.id, half_hour, Some(&card), Utc::now())
        .await;
    assert!(unreachable(down));
    hospital.restart().await;
    link.lose_next_answer();
    let lost = patient
        .extend_parking(&session.id, half_hour, Some(&card), Utc::now())
        .await;
    assert!(unreachable(lost));
    let extended = patient
        .extend_parking(&session.id, half_hour, Some(&card), Utc::now())
        .await
        .unwrap()
        .session;
    assert_eq!(extended.id, session.id);
    assert_eq!(extended.receipts.len(), 2);
    assert_eq!(extended.expires, session.expires + Duration::minutes(30));

    assert_eq!(link.answers_lost(), 2);
    assert_eq!(hospital.count(sessions, patient_id).await, 1, "one session");
    assert_eq!(
        hospital.count(payments, patient_id).await,
        2,
        "two payments"
    );
    assert_eq!(
        hospital.sandbox.approved(),
        2,
        "two charges at the processor"
    );
    hospital.stop().await;
}
