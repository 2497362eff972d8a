//! The demo hospital's data, straight from its database: seeding is idempotent, keeps the
//! patients' diaries alive, and the schema itself refuses a double booking.

use chrono::{Duration, TimeZone, Utc};
use hale_server::demo::seed::{ensure_demo, DEMO_PATIENT, OTHER_PATIENT};
use hale_server::DbTime;
use sqlx::AnyPool;

async fn database() -> (tempfile::TempDir, AnyPool) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::common::fresh_database(&dir).await;
    let pool = hale_server::open_database(&url).await.unwrap();
    (dir, pool)
}

async fn count(db: &AnyPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(db).await.unwrap()
}

async fn upcoming(db: &AnyPool, patient: &str, now: chrono::DateTime<Utc>) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(*) FROM appointment a JOIN slot s ON s.id = a.slot_id \
         WHERE a.patient_id = $1 AND a.status = 'booked' AND s.start_at > $2",
    )
    .bind(patient)
    .bind(DbTime(now))
    .fetch_one(db)
    .await
    .unwrap()
}

#[tokio::test]
async fn seeding_twice_changes_nothing() {
    let (_dir, db) = database().await;
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    ensure_demo(&db, now).await.unwrap();
    let slots = count(&db, "SELECT COUNT(*) FROM slot").await;
    let appointments = count(&db, "SELECT COUNT(*) FROM appointment").await;
    assert!(slots > 1000, "weeks of slots for 8 clinicians: {slots}");
    // Three upcoming and three past for the demo patient, one for the other.
    assert_eq!(appointments, 7);
    ensure_demo(&db, now).await.unwrap();
    assert_eq!(count(&db, "SELECT COUNT(*) FROM slot").await, slots);
    assert_eq!(
        count(&db, "SELECT COUNT(*) FROM appointment").await,
        appointments
    );
    assert_eq!(upcoming(&db, DEMO_PATIENT.id, now).await, 3);
    assert_eq!(upcoming(&db, OTHER_PATIENT.id, now).await, 1);
}

#[tokio::test]
async fn a_month_later_the_diary_is_topped_up() {
    let (_dir, db) = database().await;
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    ensure_demo(&db, now).await.unwrap();
    let later = now + Duration::days(30);
    assert_eq!(upcoming(&db, DEMO_PATIENT.id, later).await, 0);
    ensure_demo(&db, later).await.unwrap();
    assert_eq!(upcoming(&db, DEMO_PATIENT.id, later).await, 3);
    let DbTime(last_slot) = sqlx::query_scalar("SELECT MAX(start_at) FROM slot")
        .fetch_one(&db)
        .await
        .unwrap();
    assert!(last_slot > later + Duration::days(20));
}

#[tokio::test]
async fn slots_follow_london_wall_clock_time_across_the_clock_change() {
    let (_dir, db) = database().await;
    // Seeding from mid-October covers 25 October 2026, when London leaves summer time.
    let now = Utc.with_ymd_and_hms(2026, 10, 15, 9, 0, 0).unwrap();
    ensure_demo(&db, now).await.unwrap();
    let first_start = |day: &'static str| {
        let db = db.clone();
        async move {
            let DbTime(t) = sqlx::query_scalar(
                "SELECT MIN(start_at) FROM slot WHERE substr(start_at, 1, 10) = $1",
            )
            .bind(day)
            .fetch_one(&db)
            .await
            .unwrap();
            t
        }
    };
    // 09:00 local is 08:00 UTC in summer time and 09:00 UTC after it.
    assert_eq!(
        first_start("2026-10-23").await.format("%H:%M").to_string(),
        "08:00"
    );
    assert_eq!(
        first_start("2026-10-26").await.format("%H:%M").to_string(),
        "09:00"
    );
}

#[tokio::test]
async fn the_database_refuses_a_second_live_appointment_in_one_slot() {
    let (_dir, db) = database().await;
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap();
    ensure_demo(&db, now).await.unwrap();
    let (slot,): (String,) = sqlx::query_as(
        "SELECT slot_id FROM appointment WHERE patient_id = $1 AND status = 'booked' LIMIT 1",
    )
    .bind(OTHER_PATIENT.id)
    .fetch_one(&db)
    .await
    .unwrap();
    let insert = |id: &'static str, reference: &'static str, status: &'static str| {
        sqlx::query(
            "INSERT INTO appointment (id, patient_id, slot_id, status, booking_reference, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(id)
        .bind(DEMO_PATIENT.id)
        .bind(slot.clone())
        .bind(status)
        .bind(reference)
        .bind(DbTime(now))
        .execute(&db)
    };
    let err = insert("ap-double", "ZZZZ-ZZZZ", "booked")
        .await
        .unwrap_err();
    assert!(
        err.as_database_error()
            .is_some_and(|e| e.is_unique_violation()),
        "{err}"
    );
    // A cancelled record in the same slot is history, not a booking: allowed.
    insert("ap-old", "YYYY-YYYY", "cancelled").await.unwrap();
}
