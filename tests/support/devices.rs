//! Bluetooth devices in journeys: a simulated device paired in the app until the app listens to
//! it, and its readings waited for at the hospital.

use std::time::{Duration, Instant};

use hale_bluez_sim::Simulator;

use crate::{Place, RunningApp};

const WAIT: Duration = Duration::from_secs(60);

/// On Devices: scans, pairs the found device named `name` (at `address` in `sim`), and waits
/// until the app shows it connected and listens to its `characteristic`.
pub async fn pair_and_listen(
    app: &RunningApp,
    sim: &Simulator,
    name: &str,
    address: &str,
    characteristic: u16,
) {
    app.go(Place::Devices).await;
    app.click("[data-testid=scan]").await;
    app.pair(name).await;
    app.wait_until_text("[data-testid=device-link]", "Connected", WAIT)
        .await;
    let started = Instant::now();
    while !sim.is_subscribed(address, characteristic).await {
        assert!(started.elapsed() < WAIT, "the app never listened to {name}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the hospital whose database is `db` holds a reading from the device at
/// `address` (its identifiers start with the device's address).
pub async fn wait_for_reading_from(db: &sqlx::AnyPool, address: &str) {
    let started = Instant::now();
    loop {
        let held: i64 =
            sqlx::query_scalar("SELECT COUNT(*) FROM observation WHERE identifier_value LIKE $1")
                .bind(format!("{address}/%"))
                .fetch_one(db)
                .await
                .expect("count readings");
        if held > 0 {
            return;
        }
        assert!(
            started.elapsed() < WAIT,
            "no reading from {address} reached the hospital"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}
