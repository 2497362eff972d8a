//! The embedded hospital's database at rest: encrypted with the key the app gives it, or kept
//! in memory when the app has none. Regression tests for finding 10 of the second security
//! review: the file held the user's relayed readings in the clear.

use crate::common::*;
use hale_server::demo::seed::DEMO_PATIENT;
use hale_server::{DatabaseKey, ServerOptions};

const SQLITE_HEADER: &[u8] = b"SQLite format 3\0";

fn key(digit: char) -> DatabaseKey {
    DatabaseKey::from_hex(&digit.to_string().repeat(64)).unwrap()
}

/// Starts the demo hospital on `url` with `key`, books a slot for the demo patient, stops it,
/// and returns the booked appointment's id.
async fn book_one(url: &str, key: Option<DatabaseKey>) -> String {
    let mut options = ServerOptions::embedded_demo(url);
    options.simulate_demo_day = false;
    options.database_key = key;
    let server = hale_server::start(&options).await.unwrap();
    let h = Hospital::around(server, url);
    let alex = h.token(&DEMO_PATIENT).await;
    let slot = id(&h.free_slots(&alex, &weeks_ahead(3)).await[0]);
    let (status, appointment) = h.book(&alex, &slot, None).await;
    assert_eq!(status, 201, "{appointment}");
    h.server.stop().await.unwrap();
    id(&appointment)
}

async fn appointment_ids(url: &str, key: Option<DatabaseKey>) -> Result<Vec<String>, String> {
    let mut options = ServerOptions::embedded_demo(url);
    options.simulate_demo_day = false;
    options.database_key = key;
    let server = hale_server::start(&options)
        .await
        .map_err(|e| e.to_string())?;
    let h = Hospital::around(server, url);
    let alex = h.token(&DEMO_PATIENT).await;
    let (_, bundle) = h.get(&alex, "Appointment").await;
    h.server.stop().await.unwrap();
    Ok(entries(&bundle, "Appointment").iter().map(id).collect())
}

#[tokio::test]
async fn the_embedded_hospitals_file_is_unreadable_without_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo-hospital.sqlite");
    let url = format!("sqlite://{}", file.display());
    let booked = book_one(&url, Some(key('a'))).await;
    let bytes = std::fs::read(&file).unwrap();
    assert_ne!(&bytes[..16], SQLITE_HEADER, "the file is not plain SQLite");
    // Its key opens it again, with the booking in it.
    assert!(appointment_ids(&url, Some(key('a')))
        .await
        .unwrap()
        .contains(&booked));
    // No key does not open it: a clear error, the file untouched.
    assert!(appointment_ids(&url, None).await.is_err());
    assert!(appointment_ids(&url, Some(key('a')))
        .await
        .unwrap()
        .contains(&booked));
}

#[tokio::test]
async fn a_file_another_key_cannot_read_is_set_aside_and_the_hospital_begins_anew() {
    // Regression: a new store key (the keychain lost its entry) left the app unable to start,
    // its embedded hospital refusing the old file at every launch.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo-hospital.sqlite");
    let url = format!("sqlite://{}", file.display());
    let booked = book_one(&url, Some(key('a'))).await;
    let ids = appointment_ids(&url, Some(key('b'))).await.unwrap();
    assert!(!ids.contains(&booked), "a new hospital: {ids:?}");
    let aside = dir.path().join("demo-hospital.sqlite-unreadable-1");
    assert!(aside.exists(), "the old file is kept aside");
    // The old file still opens with the old key.
    let old = format!("sqlite://{}", aside.display());
    assert!(appointment_ids(&old, Some(key('a')))
        .await
        .unwrap()
        .contains(&booked));
}

#[tokio::test]
async fn a_plain_file_from_before_is_encrypted_in_place_with_its_records() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("demo-hospital.sqlite");
    let url = format!("sqlite://{}", file.display());
    let booked = book_one(&url, None).await;
    assert_eq!(&std::fs::read(&file).unwrap()[..16], SQLITE_HEADER);
    let ids = appointment_ids(&url, Some(key('c'))).await.unwrap();
    assert!(ids.contains(&booked), "{ids:?}");
    assert_ne!(&std::fs::read(&file).unwrap()[..16], SQLITE_HEADER);
}

#[tokio::test]
async fn a_hospital_kept_in_memory_is_one_database_for_all_its_connections() {
    // Regression: sqlx's `Any` driver made every connection to `sqlite::memory:` a database
    // of its own, so a booking written on one was missing on the next.
    let mut options = ServerOptions::embedded_demo("sqlite::memory:");
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.unwrap();
    let h = Hospital::around(server, "sqlite::memory:");
    let alex = h.token(&DEMO_PATIENT).await;
    let mut booked = Vec::new();
    // One slot on each of three days: no two overlap.
    let slots = h
        .free_slots(&alex, &format!("{}&_count=200", weeks_ahead(2)))
        .await;
    let mut days = Vec::new();
    for slot in slots {
        let day = slot["start"].as_str().unwrap()[..10].to_owned();
        if days.contains(&day) || days.len() == 3 {
            continue;
        }
        days.push(day);
        let (status, appointment) = h.book(&alex, &id(&slot), None).await;
        assert_eq!(status, 201, "{appointment}");
        booked.push(id(&appointment));
    }
    // Read at once, the lists come through several connections: each sees every booking.
    let lists = futures_join_all((0..8).map(|_| h.get(&alex, "Appointment"))).await;
    for (_, bundle) in lists {
        let listed: Vec<String> = entries(&bundle, "Appointment").iter().map(id).collect();
        assert!(booked.iter().all(|b| listed.contains(b)), "{listed:?}");
    }
}
