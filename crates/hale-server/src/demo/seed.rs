//! The demo hospital: clinics, clinicians, weeks of slots and two patients with appointments.
//!
//! Seeding is idempotent and relative to the time passed in: each start tops the slots up to
//! [`HORIZON_DAYS`] ahead and books the demo patients new appointments when theirs have passed,
//! so a demo hospital left for a month still shows a living diary.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, TimeZone, Utc, Weekday};
use chrono_tz::Tz;
use sqlx::{Any, AnyPool, Transaction};

use hale_domain::BookingReference;

use crate::db::Time;
use crate::FhirError;

/// The demo hospital's name.
pub const HOSPITAL_NAME: &str = "Hale General Hospital (demo)";
/// The demo hospital's time zone: clinics run on local wall-clock time.
pub const HOSPITAL_TZ: Tz = chrono_tz::Europe::London;
/// How far ahead slots exist.
pub const HORIZON_DAYS: i64 = 28;
/// How far back slots exist, for past appointments.
const HISTORY_DAYS: i64 = 14;
const SLOT_MINUTES: i64 = 20;

/// A seeded patient's sign-in details (development sign-in).
#[derive(Debug, Clone, Copy)]
pub struct DemoPatient {
    pub id: &'static str,
    pub mrn: &'static str,
    pub birth_date: &'static str,
    pub given: &'static str,
    pub family: &'static str,
    /// The patient's sign-in name and password on the demo hospital (public: it is a demo).
    pub username: &'static str,
    pub password: &'static str,
}

/// The patient the app signs in as on the demo hospital.
pub const DEMO_PATIENT: DemoPatient = DemoPatient {
    id: "pt-0001",
    mrn: "HALE-000001",
    birth_date: "1984-06-12",
    given: "Alex",
    family: "Morgan",
    username: "alex",
    password: "hale-demo-alex",
};

/// A second patient, so tests can show one patient never sees another's records.
pub const OTHER_PATIENT: DemoPatient = DemoPatient {
    id: "pt-0002",
    mrn: "HALE-000002",
    birth_date: "1990-02-03",
    given: "Sam",
    family: "Patel",
    username: "sam",
    password: "hale-demo-sam",
};

/// The demo hospital's register of blue badges (number, valid until): a current one and an
/// expired one, for trying the parking concession.
/// Alex's partner, who helps Alex once Alex invites them (the care circle); a person with a
/// sign-in of their own at the hospital.
pub const DEMO_HELPER: DemoPatient = DemoPatient {
    id: "pt-0003",
    mrn: "HALE-000003",
    birth_date: "1982-09-30",
    given: "Jordan",
    family: "Morgan",
    username: "jordan",
    password: "hale-demo-jordan",
};

pub const DEMO_BLUE_BADGES: [(&str, &str); 2] =
    [("AB12345678", "2099-01-01"), ("EX12345678", "2020-01-01")];

/// A device registered with the demo hospital (OAuth2 client credentials).
#[derive(Debug, Clone, Copy)]
pub struct DemoDevice {
    pub id: &'static str,
    pub name: &'static str,
    pub secret: &'static str,
    pub scope: &'static str,
}

/// The demo hospital's lobby kiosk: it may check patients in, nothing else.
pub const DEMO_KIOSK: DemoDevice = DemoDevice {
    id: "kiosk-lobby",
    name: "Main entrance check-in kiosk",
    secret: "demo-kiosk-secret",
    scope: hale_fhir::smart::KIOSK_SCOPE,
};

/// The demo hospital's staff console: it may call and finish visits.
pub const DEMO_STAFF: DemoDevice = DemoDevice {
    id: "staff-console",
    name: "Outpatients staff console",
    secret: "demo-staff-secret",
    scope: hale_fhir::smart::STAFF_SCOPE,
};

/// The demo hospital's cardiology clinic vital-signs monitor: it may record readings taken at
/// a visit, nothing else.
pub const DEMO_CLINIC_MONITOR: DemoDevice = DemoDevice {
    id: "monitor-cardiology",
    name: "Cardiology clinic vital-signs monitor",
    secret: "demo-monitor-secret",
    scope: hale_fhir::smart::CLINIC_DEVICE_SCOPE,
};

/// Every device the demo hospital registers.
pub const DEMO_DEVICES: [DemoDevice; 3] = [DEMO_KIOSK, DEMO_STAFF, DEMO_CLINIC_MONITOR];

struct Clinic {
    id: &'static str,
    name: &'static str,
    snomed: &'static str,
    location: &'static str,
    clinicians: [&'static str; 2],
}

const CLINICS: [Clinic; 4] = [
    Clinic {
        id: "cl-cardiology",
        name: "Cardiology",
        snomed: "394579002",
        location: "Outpatients B, level 2",
        clinicians: ["Dr Priya Shah", "Dr Tom Okafor"],
    },
    Clinic {
        id: "cl-endocrinology",
        name: "Diabetes and endocrinology",
        snomed: "394583002",
        location: "Diabetes centre, ground floor",
        clinicians: ["Dr Helen Price", "Dr Marek Nowak"],
    },
    Clinic {
        id: "cl-dermatology",
        name: "Dermatology",
        snomed: "394582007",
        location: "Outpatients A, level 1",
        clinicians: ["Dr Aisha Rahman", "Dr Ben Carter"],
    },
    Clinic {
        id: "cl-ophthalmology",
        name: "Ophthalmology",
        snomed: "394594003",
        location: "Eye unit, level 3",
        clinicians: ["Dr Lucy Evans", "Dr Kenji Mori"],
    },
];

/// Clinic sessions in local time: (start, number of slots).
const SESSIONS: [((u32, u32), i64); 2] = [((9, 0), 9), ((13, 30), 9)];

/// Appointments each demo patient should always have ahead: (clinic, days from today, local time).
const DEMO_BOOKINGS: [(&str, i64, (u32, u32)); 3] = [
    ("cl-cardiology", 2, (10, 0)),
    ("cl-endocrinology", 6, (14, 0)),
    ("cl-ophthalmology", 13, (9, 40)),
];
const OTHER_BOOKINGS: [(&str, i64, (u32, u32)); 1] = [("cl-cardiology", 3, (11, 0))];

/// Creates or tops up the demo hospital as of `now`.
pub async fn ensure_demo(db: &AnyPool, now: DateTime<Utc>) -> Result<(), FhirError> {
    let mut tx = crate::db::begin_write(db).await?;
    sqlx::query(
        "INSERT INTO hospital (id, name, timezone) VALUES (1, $1, $2) ON CONFLICT DO NOTHING",
    )
    .bind(HOSPITAL_NAME)
    .bind(HOSPITAL_TZ.name())
    .execute(&mut *tx)
    .await?;
    for clinic in &CLINICS {
        sqlx::query(
            "INSERT INTO clinic (id, name, specialty_code, location) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
        )
        .bind(clinic.id)
        .bind(clinic.name)
        .bind(clinic.snomed)
        .bind(clinic.location)
        .execute(&mut *tx)
        .await?;
        for (i, name) in clinic.clinicians.iter().enumerate() {
            let practitioner = format!("pr-{}-{}", &clinic.id[3..], i + 1);
            sqlx::query(
                "INSERT INTO practitioner (id, name, clinic_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(&practitioner)
            .bind(name)
            .bind(clinic.id)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO schedule (id, practitioner_id, clinic_id) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
            )
            .bind(format!("sc-{}", &practitioner[3..]))
            .bind(&practitioner)
            .bind(clinic.id)
            .execute(&mut *tx)
            .await?;
        }
    }
    add_slots(&mut tx, now).await?;
    seed_car_parks(&mut tx).await?;
    // The hospital's register of blue badges: one current, one expired.
    for (number, valid_until) in DEMO_BLUE_BADGES {
        sqlx::query(
            "INSERT INTO blue_badge (number, valid_until) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        )
        .bind(number)
        .bind(valid_until)
        .execute(&mut *tx)
        .await?;
    }
    for device in DEMO_DEVICES {
        let exists: Option<(String,)> = sqlx::query_as("SELECT id FROM device WHERE id = $1")
            .bind(device.id)
            .fetch_optional(&mut *tx)
            .await?;
        // Hashed only when new: Argon2 at every start would slow the app's.
        if exists.is_none() {
            sqlx::query(
                "INSERT INTO device (id, name, secret_hash, scope) VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            )
            .bind(device.id)
            .bind(device.name)
            .bind(crate::oauth::hash_device_secret(device.secret)?)
            .bind(device.scope)
            .execute(&mut *tx)
            .await?;
        }
    }
    let today = now.with_timezone(&HOSPITAL_TZ).date_naive();
    for (patient, bookings) in [
        (DEMO_PATIENT, &DEMO_BOOKINGS[..]),
        (OTHER_PATIENT, &OTHER_BOOKINGS[..]),
        (DEMO_HELPER, &[][..]),
    ] {
        let inserted = sqlx::query(
            "INSERT INTO patient (id, mrn, given, family, birth_date) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(patient.id)
        .bind(patient.mrn)
        .bind(patient.given)
        .bind(patient.family)
        .bind(patient.birth_date)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let logins: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM patient_login WHERE patient_id = $1")
                .bind(patient.id)
                .fetch_one(&mut *tx)
                .await?;
        if logins == 0 {
            sqlx::query(
                "INSERT INTO patient_login (patient_id, username, password_hash) VALUES ($1, $2, $3)",
            )
            .bind(patient.id)
            .bind(patient.username)
            .bind(crate::password::hash(patient.password)?)
            .execute(&mut *tx)
            .await?;
        }
        if inserted && patient.id == OTHER_PATIENT.id {
            // Sam's child is staying in hospital: the parent concession has a case to approve.
            sqlx::query(
                "INSERT INTO child_admission (parent_patient_id, admitted_at) VALUES ($1, $2)",
            )
            .bind(patient.id)
            .bind(Time(now - Duration::days(2)))
            .execute(&mut *tx)
            .await?;
        }
        if inserted && patient.id == DEMO_PATIENT.id {
            // Three finished visits this month: history has something in it, and Alex is a
            // frequent attender for the parking concession (which counts attended visits).
            for (clinic, days_ago) in [
                ("cl-dermatology", HISTORY_DAYS),
                ("cl-cardiology", 10),
                ("cl-endocrinology", 7),
            ] {
                book_first_free(
                    &mut tx,
                    patient.id,
                    clinic,
                    today - Duration::days(days_ago),
                    (9, 0),
                    "fulfilled",
                    now,
                )
                .await?;
            }
        }
        let upcoming: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM appointment a JOIN slot s ON s.id = a.slot_id \
             WHERE a.patient_id = $1 AND a.status = 'booked' AND s.start_at > $2",
        )
        .bind(patient.id)
        .bind(Time(now))
        .fetch_one(&mut *tx)
        .await?;
        for (clinic, days, time) in bookings.iter().skip(upcoming as usize) {
            book_first_free(
                &mut tx,
                patient.id,
                clinic,
                today + Duration::days(*days),
                *time,
                "booked",
                now,
            )
            .await?;
        }
    }
    super::medicines::seed(&mut tx, now).await?;
    super::care_team::seed(&mut tx, now).await?;
    super::forms::seed(&mut tx).await?;
    tx.commit().await?;
    Ok(())
}

fn local_instant(day: NaiveDate, (h, m): (u32, u32)) -> DateTime<Utc> {
    let naive = day.and_time(NaiveTime::from_hms_opt(h, m, 0).unwrap_or(NaiveTime::MIN));
    // Clinics never start inside a DST gap (those are at 01:00 in London); earliest() covers overlaps.
    HOSPITAL_TZ
        .from_local_datetime(&naive)
        .earliest()
        .map_or_else(|| Utc.from_utc_datetime(&naive), |t| t.with_timezone(&Utc))
}

/// Adds weekday slots for every schedule from the day after the last seeded one up to the horizon.
async fn add_slots(tx: &mut Transaction<'_, Any>, now: DateTime<Utc>) -> Result<(), FhirError> {
    let today = now.with_timezone(&HOSPITAL_TZ).date_naive();
    let last: Option<Time> = sqlx::query_scalar("SELECT MAX(start_at) FROM slot")
        .fetch_one(&mut **tx)
        .await?;
    let first_day = last.map_or(today - Duration::days(HISTORY_DAYS), |t| {
        t.0.with_timezone(&HOSPITAL_TZ).date_naive() + Duration::days(1)
    });
    let schedules: Vec<(String,)> = sqlx::query_as("SELECT id FROM schedule ORDER BY id")
        .fetch_all(&mut **tx)
        .await?;
    let mut day = first_day;
    while day <= today + Duration::days(HORIZON_DAYS) {
        if !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            for (schedule,) in &schedules {
                for (start, count) in SESSIONS {
                    let first = local_instant(day, start);
                    for n in 0..count {
                        let begins = first + Duration::minutes(SLOT_MINUTES * n);
                        sqlx::query(
                            "INSERT INTO slot (id, schedule_id, start_at, end_at, status) \
                             VALUES ($1, $2, $3, $4, 'free') ON CONFLICT DO NOTHING",
                        )
                        .bind(format!(
                            "sl-{}-{}",
                            &schedule[3..],
                            begins.format("%Y%m%d%H%M")
                        ))
                        .bind(schedule)
                        .bind(Time(begins))
                        .bind(Time(begins + Duration::minutes(SLOT_MINUTES)))
                        .execute(&mut **tx)
                        .await?;
                    }
                }
            }
        }
        day += Duration::days(1);
    }
    Ok(())
}

/// Books the first free slot of `clinic` at or after local `time` on `day`.
async fn book_first_free(
    tx: &mut Transaction<'_, Any>,
    patient: &str,
    clinic: &str,
    day: NaiveDate,
    time: (u32, u32),
    status: &str,
    now: DateTime<Utc>,
) -> Result<(), FhirError> {
    // A target on a weekend moves to the next weekday at the same time, so two bookings meant
    // for different days never collapse onto Monday morning.
    let mut day = day;
    while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
        day += Duration::days(1);
    }
    let slot: Option<(String,)> = sqlx::query_as(
        "SELECT s.id FROM slot s JOIN schedule sc ON sc.id = s.schedule_id \
         WHERE sc.clinic_id = $1 AND s.status = 'free' AND s.start_at >= $2 \
         ORDER BY s.start_at, s.id LIMIT 1",
    )
    .bind(clinic)
    .bind(Time(local_instant(day, time)))
    .fetch_optional(&mut **tx)
    .await?;
    let Some((slot,)) = slot else {
        return Ok(()); // The diary is full up to the horizon: nothing to book.
    };
    crate::appointments::insert_appointment(tx, patient, &slot, status, None, now).await?;
    sqlx::query("UPDATE slot SET status = 'busy' WHERE id = $1")
        .bind(&slot)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// An appointment for `patient` in `clinic` at `start`, whatever the clinic's hours: a slot is
/// made for it. For demonstrations and tests of what happens on the day (check-in windows,
/// queues), which need an appointment minutes away at any time of day. Returns its id and
/// booking reference.
pub async fn appointment_at(
    db: &AnyPool,
    patient: &str,
    clinic: &str,
    start: DateTime<Utc>,
) -> Result<(String, BookingReference), FhirError> {
    let mut tx = crate::db::begin_write(db).await?;
    let schedule: Option<(String,)> =
        sqlx::query_as("SELECT id FROM schedule WHERE clinic_id = $1 ORDER BY id LIMIT 1")
            .bind(clinic)
            .fetch_optional(&mut *tx)
            .await?;
    let (schedule,) =
        schedule.ok_or_else(|| FhirError::Invalid(format!("no clinic '{clinic}'")))?;
    let slot = format!("sl-extra-{:016x}", crate::random::u64()?);
    sqlx::query(
        "INSERT INTO slot (id, schedule_id, start_at, end_at, status) VALUES ($1, $2, $3, $4, 'busy')",
    )
    .bind(&slot)
    .bind(&schedule)
    .bind(Time(start))
    .bind(Time(start + Duration::minutes(SLOT_MINUTES)))
    .execute(&mut *tx)
    .await?;
    let id = crate::appointments::insert_appointment(
        &mut tx,
        patient,
        &slot,
        "booked",
        None,
        Utc::now(),
    )
    .await?;
    let (reference,): (String,) =
        sqlx::query_as("SELECT booking_reference FROM appointment WHERE id = $1")
            .bind(&id)
            .fetch_one(&mut *tx)
            .await?;
    tx.commit().await?;
    let reference = reference
        .parse()
        .map_err(|e| FhirError::Internal(format!("stored reference: {e}")))?;
    Ok((id, reference))
}

/// The demo tariff: 20 minutes free, then £2.50 to an hour, £4 to two, £7 to four, £12 to a
/// day, never more than £10 a day.
pub fn demo_tariff() -> hale_domain::parking::Tariff {
    use hale_domain::parking::{Band, Tariff};
    Tariff {
        bands: [(20, 0), (60, 250), (120, 400), (240, 700), (1440, 1200)]
            .into_iter()
            .map(|(up_to_minutes, pence)| Band {
                up_to_minutes,
                pence,
            })
            .collect(),
        daily_cap_pence: 1000,
    }
}

/// The demo car parks: a large main one and a small one by the eye unit (3 spaces, so "full" is
/// easy to see).
pub const DEMO_CAR_PARKS: [(&str, &str, &str, i64, &[&str]); 2] = [
    (
        "cp-main",
        "Main car park",
        "Hospital Road entrance",
        400,
        &["cl-cardiology", "cl-dermatology", "cl-endocrinology"],
    ),
    (
        "cp-eye",
        "Eye unit car park",
        "Beside the eye unit, Mill Lane",
        3,
        &["cl-ophthalmology"],
    ),
];

async fn seed_car_parks(tx: &mut Transaction<'_, Any>) -> Result<(), FhirError> {
    let tariff =
        serde_json::to_string(&demo_tariff()).map_err(|e| FhirError::Internal(e.to_string()))?;
    for (id, name, location, capacity, clinics) in DEMO_CAR_PARKS {
        sqlx::query(
            "INSERT INTO car_park (id, name, location, capacity, tariff) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        )
        .bind(id)
        .bind(name)
        .bind(location)
        .bind(capacity)
        .bind(&tariff)
        .execute(&mut **tx)
        .await?;
        for clinic in clinics {
            sqlx::query(
                "INSERT INTO car_park_clinic (car_park_id, clinic_id) VALUES ($1, $2) ON CONFLICT DO NOTHING",
            )
            .bind(id)
            .bind(clinic)
            .execute(&mut **tx)
            .await?;
        }
    }
    Ok(())
}
