//! SQLite's write-ahead log reaches the database file on the server's own schedule, not inside
//! a writer's commit (`db::checkpoint_forever`).

use std::time::{Duration, Instant};

use crate::common::*;
use hale_server::demo::seed::DEMO_PATIENT;
use hale_server::ServerOptions;

/// Whether the database file alone, without its log, holds appointment `id`. A copy taken
/// while a checkpoint writes the file may be torn (only file and log together are whole then):
/// that reads as not yet.
async fn file_alone_holds(file: &std::path::Path, id: &str) -> bool {
    let copy = tempfile::tempdir().unwrap();
    let path = copy.path().join("file-alone.sqlite");
    std::fs::copy(file, &path).unwrap();
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}?mode=ro", path.display());
    let Ok(mut db) = <sqlx::AnyConnection as sqlx::Connection>::connect(&url).await else {
        return false;
    };
    let found: Result<Option<(String,)>, _> =
        sqlx::query_as("SELECT id FROM appointment WHERE id = ?")
            .bind(id)
            .fetch_optional(&mut db)
            .await;
    matches!(found, Ok(Some(_)))
}

/// A booking is a few pages of log: by default SQLite would copy it into the file only at the
/// commit that crosses 1,000 pages, or when the server stops.
#[tokio::test]
async fn a_write_reaches_the_database_file_while_the_server_runs_without_a_writers_help() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("hospital.sqlite");
    let url = format!("sqlite://{}", file.display());
    let mut options = ServerOptions::embedded_demo(url.clone());
    options.simulate_demo_day = false;
    let h = Hospital::around(hale_server::start(&options).await.unwrap(), &url);
    let alex = h.token(&DEMO_PATIENT).await;
    let slot = id(&h.free_slots(&alex, &weeks_ahead(3)).await[0]);
    let (status, appointment) = h.book(&alex, &slot, None).await;
    assert_eq!(status, 201, "{appointment}");
    let booked = id(&appointment);
    let deadline = Instant::now() + Duration::from_secs(10);
    while !file_alone_holds(&file, &booked).await {
        assert!(
            Instant::now() < deadline,
            "the booking is still only in the log after 10 s"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    h.server.stop().await.unwrap();
}
