//! What the app offers for an appointment follows the hospital's own rules, read from it, not
//! Hale's defaults.

use std::sync::Arc;

use chrono::{Duration, Utc};
use hale_domain::AppointmentRules;
use hale_server::demo::seed::DEMO_PATIENT;
use hale_server::ServerOptions;

use crate::common::{signed_in, MemoryKeychain};

#[tokio::test]
async fn a_hospital_with_a_ten_day_cut_off_lets_only_later_appointments_be_changed() {
    let dir = tempfile::tempdir().unwrap();
    let db_url = format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
    let mut options = ServerOptions::embedded_demo(db_url);
    options.simulate_demo_day = false;
    options.rules.change_cutoff = Duration::days(10);
    let server = hale_server::start(&options).await.unwrap();
    let patient = signed_in(
        &server.fhir_base(),
        &dir.path().join("app.sqlite"),
        Arc::new(MemoryKeychain::default()),
        DEMO_PATIENT,
    )
    .await;

    let now = Utc::now();
    let home = patient.home(now).await.unwrap();
    // The demo patient has appointments 2, 6 and 13 days ahead: Hale's 24-hour default would
    // let the last two be changed; this hospital lets only the one more than 10 days away.
    let changeable: Vec<(i64, bool)> = home
        .appointments
        .iter()
        .map(|u| ((u.appointment.start - now).num_days(), u.allowed.changeable))
        .collect();
    assert!(
        changeable.iter().any(|(days, ok)| *days >= 10 && *ok),
        "{changeable:?}"
    );
    assert!(
        changeable.iter().all(|(days, ok)| *days >= 10 || !ok),
        "{changeable:?}"
    );
    let defaults = AppointmentRules::default();
    assert!(
        home.appointments
            .iter()
            .any(|u| (u.appointment.start - now).num_days() < 10
                && defaults
                    .allowed(&u.appointment, now, hale_domain::Offers::all())
                    .changeable),
        "the defaults would have said otherwise"
    );
    server.stop().await.unwrap();
}
