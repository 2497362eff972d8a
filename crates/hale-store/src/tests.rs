//! The store against real SQLCipher files in temporary directories.

use std::path::Path;

use chrono::{DateTime, Duration, TimeZone, Utc};
use hale_domain::care_circle::Permission;
use hale_domain::parking::{ParkingSession, Receipt, ReceiptPurpose, Relief};
use hale_domain::{Appointment, AppointmentStatus, BookingReference, Feature, Lead};

use super::*;

fn appt(id: &str, hour: u32) -> Appointment {
    let start = Utc.with_ymd_and_hms(2026, 12, 1, hour, 0, 0).unwrap();
    Appointment {
        id: id.into(),
        reference: Some(BookingReference::from_entropy(u64::from(hour))),
        status: AppointmentStatus::Booked,
        start,
        end: start + Duration::minutes(20),
        service: "Cardiology".into(),
        clinician: Some("Dr Priya Shah".into()),
        location: None,
        form: Some("pre-visit-general".into()),
    }
}

const KEY: StoreKey = StoreKey::from_bytes([42; 32]);

const ALEX: Owner<'static> = Owner {
    hospital: "http://h/fhir",
    patient_id: "pt-1",
};

const SAM: Owner<'static> = Owner {
    hospital: "http://h/fhir",
    patient_id: "pt-2",
};

#[tokio::test]
async fn a_refresh_replaces_the_whole_copy() {
    let store = Store::open_in_memory().await.unwrap();
    let t1 = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
    store
        .replace_appointments(ALEX, &[appt("b", 11), appt("a", 9)], t1)
        .await
        .unwrap();
    let cached = store.appointments(ALEX).await.unwrap();
    assert_eq!(cached.fetched_at, Some(t1));
    assert_eq!(cached.records, vec![appt("a", 9), appt("b", 11)]);

    let t2 = t1 + Duration::hours(1);
    store
        .replace_appointments(ALEX, &[appt("c", 10)], t2)
        .await
        .unwrap();
    let cached = store.appointments(ALEX).await.unwrap();
    assert_eq!(cached.records, vec![appt("c", 10)]);
    assert_eq!(cached.fetched_at, Some(t2));
}

#[tokio::test]
async fn copies_are_kept_apart_per_hospital_and_patient() {
    let store = Store::open_in_memory().await.unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
    store
        .replace_appointments(ALEX, &[appt("a", 9)], now)
        .await
        .unwrap();
    for other in [
        Owner {
            hospital: ALEX.hospital,
            patient_id: "pt-2",
        },
        Owner {
            hospital: "http://elsewhere/fhir",
            patient_id: ALEX.patient_id,
        },
    ] {
        let cached = store.appointments(other).await.unwrap();
        assert_eq!(cached, Cached::default());
    }
}

/// A store file of a few hundred pages, written through to the main file and closed.
async fn written_store(path: &Path) {
    let store = Store::open(path, &KEY).await.unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
    let many: Vec<Appointment> = (0..3000)
        .map(|i| appt(&format!("appointment-{i}"), i % 24))
        .collect();
    store.replace_appointments(ALEX, &many, now).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&store.db)
        .await
        .unwrap();
    store.db.close().await;
}

#[tokio::test]
async fn a_file_damaged_or_cut_short_past_its_first_page_is_found_at_open() {
    let dir = tempfile::tempdir().unwrap();
    let original = dir.path().join("original.sqlite");
    written_store(&original).await;
    let bytes = std::fs::read(&original).unwrap();
    assert!(bytes.len() > 100 * 4096, "{} bytes", bytes.len());

    let cut = dir.path().join("cut.sqlite");
    std::fs::write(&cut, &bytes[..bytes.len() / 2]).unwrap();
    assert!(matches!(
        Store::open(&cut, &KEY).await,
        Err(StoreError::Damaged)
    ));

    // One page in the middle overwritten (a bad sector, a stray write).
    let mut scribbled = bytes.clone();
    let page = 50 * 4096;
    scribbled[page + 100..page + 300].fill(0x5a);
    let damaged = dir.path().join("damaged.sqlite");
    std::fs::write(&damaged, &scribbled).unwrap();
    assert!(matches!(
        Store::open(&damaged, &KEY).await,
        Err(StoreError::Damaged)
    ));

    // The intact file opens with everything in it.
    let store = Store::open(&original, &KEY).await.unwrap();
    assert_eq!(store.appointments(ALEX).await.unwrap().records.len(), 3000);
}

#[tokio::test]
async fn the_cache_survives_reopening_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hale.sqlite");
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
    {
        let store = Store::open(&path, &KEY).await.unwrap();
        store
            .replace_appointments(ALEX, &[appt("a", 9)], now)
            .await
            .unwrap();
        let profile = Profile {
            hospital_name: Some("Hale General".into()),
            patient_id: "pt-1".into(),
            patient_name: Some("Alex Morgan".into()),
            self_id: Some("pt-3".into()),
            helping: Some(Permissions::NONE.with(Permission::Medicines)),
            offers: Offers::NONE.with(Feature::Booking),
        };
        store.save_profile(ALEX.hospital, &profile).await.unwrap();
    }
    let store = Store::open(&path, &KEY).await.unwrap();
    assert_eq!(store.appointments(ALEX).await.unwrap().records.len(), 1);
    let profile = store.profile(ALEX.hospital).await.unwrap().unwrap();
    assert_eq!(profile.patient_id, "pt-1");
    assert_eq!(profile.self_id.as_deref(), Some("pt-3"));
    assert_eq!(
        profile.helping,
        Some(Permissions::NONE.with(Permission::Medicines))
    );
    assert_eq!(profile.offers, Offers::NONE.with(Feature::Booking));
    assert_eq!(store.profile("http://other").await.unwrap(), None);
}

#[tokio::test]
async fn forgetting_a_patient_removes_their_copy_and_leaves_everyone_elses() {
    let store = Store::open_in_memory().await.unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
    for owner in [ALEX, SAM] {
        store
            .replace_appointments(owner, &[appt("a", 9)], now)
            .await
            .unwrap();
        store.mark_reminder_sent(owner, "a#P1D", now).await.unwrap();
    }
    // The profile (whose records are shown) names Sam, and is rewritten, not deleted.
    let profile = Profile {
        hospital_name: None,
        patient_id: SAM.patient_id.into(),
        patient_name: None,
        self_id: Some(ALEX.patient_id.into()),
        helping: Some(Permissions::NONE.with(Permission::Medicines)),
        offers: Offers::all(),
    };
    store.save_profile(SAM.hospital, &profile).await.unwrap();
    store.forget_patient(SAM).await.unwrap();
    assert_eq!(store.profile(SAM.hospital).await.unwrap(), Some(profile));
    assert!(store.appointments(SAM).await.unwrap().records.is_empty());
    assert_eq!(store.appointments(SAM).await.unwrap().fetched_at, None);
    assert!(store.mark_reminder_sent(SAM, "a#P1D", now).await.unwrap());
    assert_eq!(store.appointments(ALEX).await.unwrap().records.len(), 1);
    assert!(!store.mark_reminder_sent(ALEX, "a#P1D", now).await.unwrap());
}

#[tokio::test]
async fn a_reminder_is_marked_sent_once() {
    let store = Store::open_in_memory().await.unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
    assert!(store.mark_reminder_sent(ALEX, "a#P1D", now).await.unwrap());
    assert!(!store.mark_reminder_sent(ALEX, "a#P1D", now).await.unwrap());
    let sent = store
        .sent_reminders(ALEX, now - Duration::days(1))
        .await
        .unwrap();
    assert!(sent.contains("a#P1D"));
    store.unmark_reminder_sent(ALEX, "a#P1D").await.unwrap();
    assert!(store.mark_reminder_sent(ALEX, "a#P1D", now).await.unwrap());
    // Old records are pruned.
    let later = store
        .sent_reminders(ALEX, now + Duration::seconds(1))
        .await
        .unwrap();
    assert!(later.is_empty());
}

#[tokio::test]
async fn reminder_leads_are_saved_and_read_back() {
    let store = Store::open_in_memory().await.unwrap();
    assert_eq!(store.reminder_leads().await.unwrap(), None);
    store
        .set_reminder_leads(&[Lead::Days(2), Lead::Minutes(30)])
        .await
        .unwrap();
    assert_eq!(
        store.reminder_leads().await.unwrap(),
        Some(vec![Lead::Days(2), Lead::Minutes(30)])
    );
    // No reminders at all is a choice too, distinct from never having chosen.
    store.set_reminder_leads(&[]).await.unwrap();
    assert_eq!(store.reminder_leads().await.unwrap(), Some(vec![]));
}

#[tokio::test]
async fn vehicles_are_saved_updated_and_removed() {
    let store = Store::open_in_memory().await.unwrap();
    let car = Vehicle {
        registration: "AB12CDE".into(),
        label: Some("Blue Fiesta".into()),
    };
    store.save_vehicle(&car).await.unwrap();
    store
        .save_vehicle(&Vehicle {
            label: Some("Fiesta".into()),
            ..car.clone()
        })
        .await
        .unwrap();
    let saved = store.vehicles().await.unwrap();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].label.as_deref(), Some("Fiesta"));
    store.remove_vehicle("AB12CDE").await.unwrap();
    assert!(store.vehicles().await.unwrap().is_empty());
}

fn parked(id: &str, started: DateTime<Utc>, relief: Option<Relief>) -> ParkingSession {
    ParkingSession {
        id: id.into(),
        car_park: "cp-main".into(),
        car_park_name: "Main car park".into(),
        registration: "AB12CDE".into(),
        started,
        expires: started + Duration::hours(2),
        ended: None,
        paid_pence: 400,
        relief,
        saved_card_last4: Some("4242".into()),
        receipts: vec![Receipt {
            id: format!("{id}-r1"),
            number: "HALE-PK-000001".into(),
            purpose: ReceiptPurpose::Start,
            minutes: 120,
            amount_pence: 400,
            card_last4: "4242".into(),
            created: started,
        }],
    }
}

#[tokio::test]
async fn the_parking_copy_reads_back_in_typed_rows_newest_first_with_receipts() {
    let store = Store::open_in_memory().await.unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
    assert_eq!(store.parking(ALEX).await.unwrap(), Cached::default());
    let mut newest = parked("pk-2", now, Some(Relief::PercentOff { percent: 50 }));
    newest.receipts.push(Receipt {
        id: "pk-2-r2".into(),
        purpose: ReceiptPurpose::Extend,
        created: now + Duration::minutes(90),
        ..newest.receipts[0].clone()
    });
    let older = parked(
        "pk-1",
        now - Duration::days(3),
        Some(Relief::DailyCap { pence: 0 }),
    );
    let free = parked("pk-0", now - Duration::days(9), Some(Relief::Free));
    let sessions = vec![newest, older, free];
    store.replace_parking(ALEX, &sessions, now).await.unwrap();
    let copy = store.parking(ALEX).await.unwrap();
    assert_eq!((copy.records, copy.fetched_at), (sessions, Some(now)));
}

#[tokio::test]
async fn the_parking_copy_is_replaced_whole_and_kept_per_patient() {
    let store = Store::open_in_memory().await.unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 25, 8, 0, 0).unwrap();
    store
        .replace_parking(ALEX, &[parked("pk-1", now, None)], now)
        .await
        .unwrap();
    store
        .replace_parking(SAM, &[parked("pk-9", now, None)], now)
        .await
        .unwrap();
    let later = now + Duration::hours(1);
    store
        .replace_parking(ALEX, &[parked("pk-2", now, None)], later)
        .await
        .unwrap();
    let alex = store.parking(ALEX).await.unwrap();
    let ids: Vec<&str> = alex.records.iter().map(|s| s.id.as_str()).collect();
    assert_eq!((ids, alex.fetched_at), (vec!["pk-2"], Some(later)));
    assert_eq!(store.parking(SAM).await.unwrap().records[0].id, "pk-9");
}

/// Every file the store writes: the database and its write-ahead log.
fn file_bytes(dir: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        all.extend(std::fs::read(entry.unwrap().path()).unwrap());
    }
    all
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack
        .windows(needle.len())
        .any(|w| w == needle.as_bytes())
}

/// A store holding a profile, an appointment and a vehicle with names found nowhere else.
async fn fill(store: &Store) {
    let mut seen = appt("a1", 9);
    seen.clinician = Some("Dr Quillon Vantablack".into());
    store
        .replace_appointments(ALEX, &[seen], Utc::now())
        .await
        .unwrap();
    let profile = Profile {
        hospital_name: Some("St Elsewhere".into()),
        patient_id: "pt-1".into(),
        patient_name: Some("Zebedee Marchbanks".into()),
        self_id: Some("pt-1".into()),
        helping: None,
        offers: Offers::all(),
    };
    store.save_profile(ALEX.hospital, &profile).await.unwrap();
    let car = Vehicle {
        registration: "ZX71QRT".into(),
        label: Some("Zebedee's car".into()),
    };
    store.save_vehicle(&car).await.unwrap();
}

const NEEDLES: [&str; 4] = ["Zebedee", "Quillon Vantablack", "ZX71QRT", "St Elsewhere"];

/// A store from before encryption (plain SQLite), filled.
async fn plain_store(path: &Path) -> Store {
    let store = Store::connect(Store::file_options(path, None))
        .await
        .unwrap();
    fill(&store).await;
    store
}

#[tokio::test]
async fn the_files_hold_nothing_of_the_patient_in_plain_text() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hale.sqlite");
    let store = Store::open(&path, &KEY).await.unwrap();
    fill(&store).await;
    let bytes = file_bytes(dir.path());
    assert!(bytes.len() > 4096, "the files are there");
    assert!(!contains(&bytes, "SQLite format 3"), "not a plain database");
    for needle in NEEDLES {
        assert!(
            !contains(&bytes, needle),
            "{needle} is readable in the files"
        );
    }
    store.db.close().await;

    // Another key reads nothing; the right one reads everything.
    let wrong = StoreKey::from_bytes([1; 32]);
    assert!(matches!(
        Store::open(&path, &wrong).await,
        Err(StoreError::Unreadable)
    ));
    let again = Store::open(&path, &KEY).await.unwrap();
    let profile = again.profile(ALEX.hospital).await.unwrap().unwrap();
    assert_eq!(profile.patient_name.as_deref(), Some("Zebedee Marchbanks"));
    assert_eq!(again.vehicles().await.unwrap().len(), 1);
}

#[tokio::test]
async fn a_store_from_before_encryption_is_encrypted_in_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("hale.sqlite");
    let plain = plain_store(&path).await;
    plain.db.close().await;
    // The test can fail: the plain file shows the data.
    assert!(contains(&file_bytes(dir.path()), "Zebedee Marchbanks"));

    let store = Store::open(&path, &KEY).await.unwrap();
    let profile = store.profile(ALEX.hospital).await.unwrap().unwrap();
    assert_eq!(profile.patient_name.as_deref(), Some("Zebedee Marchbanks"));
    assert_eq!(store.appointments(ALEX).await.unwrap().records.len(), 1);
    let bytes = file_bytes(dir.path());
    for needle in NEEDLES {
        assert!(!contains(&bytes, needle), "{needle} is still readable");
    }
}

#[test]
fn keys_travel_as_hex_and_never_show_in_debug() {
    let key = StoreKey::generate().unwrap();
    assert_eq!(StoreKey::from_hex(&key.to_hex()), Some(key.clone()));
    assert_ne!(key, StoreKey::generate().unwrap());
    assert_eq!(format!("{key:?}"), "StoreKey(<redacted>)");
    assert_eq!(StoreKey::from_hex("abc"), None);
    assert_eq!(StoreKey::from_hex(&"zz".repeat(32)), None);
}

#[tokio::test]
async fn erasing_leaves_nothing_of_the_patient_in_the_files() {
    // On a plain store, so the test sees the deletion itself, not the encryption.
    let dir = tempfile::tempdir().unwrap();
    let store = plain_store(&dir.path().join("hale.sqlite")).await;
    // The test can fail: the data is in the files before erasing.
    let before = file_bytes(dir.path());
    assert!(contains(&before, "Zebedee Marchbanks"));
    assert!(contains(&before, "Quillon Vantablack"));

    store.erase().await.unwrap();
    let after = file_bytes(dir.path());
    for needle in NEEDLES {
        assert!(!contains(&after, needle), "{needle} is still in the files");
    }
    assert_eq!(store.profile(ALEX.hospital).await.unwrap(), None);
    assert!(store.vehicles().await.unwrap().is_empty());
    // The store still works afterwards.
    store
        .replace_appointments(ALEX, &[appt("a2", 10)], Utc::now())
        .await
        .unwrap();
    assert_eq!(store.appointments(ALEX).await.unwrap().records.len(), 1);
}

#[tokio::test]
async fn the_care_teams_copy_is_replaced_whole_and_read_back_newest_first() {
    use hale_domain::monitoring::{CareMessage, CareTeam, HospitalAlert, Tier};
    let store = Store::open_in_memory().await.unwrap();
    let at = |h| Utc.with_ymd_and_hms(2026, 12, 4, h, 0, 0).unwrap();
    let alert = |id: &str, h, seen: Option<u32>| HospitalAlert {
        id: id.into(),
        key: "out-of-range:blood-pressure".into(),
        tier: Tier::Red,
        raised: at(h),
        cleared: None,
        seen: seen.map(at),
    };
    let team = CareTeam {
        plan: None,
        alerts: vec![alert("a1", 8, Some(9)), alert("a2", 10, None)],
        messages: vec![CareMessage {
            id: "m1".into(),
            from: "Nurse Sam Okafor".into(),
            text: "Please measure again.".into(),
            sent: at(9),
        }],
    };
    store.replace_care_team(ALEX, &team, at(11)).await.unwrap();
    let read = store.care_team(ALEX).await.unwrap();
    assert_eq!(read.fetched_at, Some(at(11)));
    assert_eq!(
        read.records.alerts,
        vec![alert("a2", 10, None), alert("a1", 8, Some(9))]
    );
    assert_eq!(read.records.messages, team.messages);
    assert!(store
        .care_team(SAM)
        .await
        .unwrap()
        .records
        .alerts
        .is_empty());
    store
        .replace_care_team(ALEX, &CareTeam::default(), at(12))
        .await
        .unwrap();
    assert!(store
        .care_team(ALEX)
        .await
        .unwrap()
        .records
        .alerts
        .is_empty());
}

#[tokio::test]
async fn a_profile_from_before_offers_were_kept_assumes_the_hospital_offers_everything() {
    let store = Store::open_in_memory().await.unwrap();
    sqlx::query("INSERT INTO profile (hospital, patient_id) VALUES (?, ?)")
        .bind(ALEX.hospital)
        .bind(ALEX.patient_id)
        .execute(&store.db)
        .await
        .unwrap();
    let profile = store.profile(ALEX.hospital).await.unwrap().unwrap();
    assert_eq!(profile.offers, Offers::all());
}
