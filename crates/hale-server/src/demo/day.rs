//! The demo hospital's simulated clinic day, so waiting times move while someone looks.
//!
//! Only for the demo hospital (`ServerOptions::simulate_demo_day`; the `hale-hospital` binary's
//! `--no-simulation` and the app's `HALE_DEMO_SIMULATION=off` switch it off). Every few seconds
//! each clinic may gain a simulated visitor, calls the next patient when a room is free (real
//! patients who checked in are called the same way), and finishes visits that have lasted
//! their simulated length. It acts only through the same functions staff endpoints use, so the
//! queue model sees exactly what a real clinic would produce. Its day runs fast: visits last one
//! to four minutes.

use chrono::{DateTime, Duration, Utc};

use crate::arrival::{call_next, finish, queue_changed};
use crate::db::Time;
use crate::{FhirError, ServerState};

const TICK: std::time::Duration = std::time::Duration::from_secs(4);
const MAX_WAITING: i64 = 5;

/// Runs the simulation until the task is aborted.
pub(crate) async fn run(state: ServerState) {
    let mut tick = tokio::time::interval(TICK);
    loop {
        tick.tick().await;
        if let Err(error) = step(&state, Utc::now()).await {
            tracing::warn!(%error, "demo day step failed");
        }
    }
}

/// How long simulated visit `id` lasts: 60 to 240 seconds, fixed per visit.
fn visit_length(id: &str) -> Duration {
    let h = id
        .bytes()
        .fold(0u32, |h, b| h.wrapping_mul(31).wrapping_add(u32::from(b)));
    Duration::seconds(60 + i64::from(h % 181))
}

async fn step(state: &ServerState, now: DateTime<Utc>) -> Result<(), FhirError> {
    let clinics: Vec<(String, i64)> = sqlx::query_as(
        "SELECT c.id, COUNT(p.id) FROM clinic c LEFT JOIN practitioner p ON p.clinic_id = c.id GROUP BY c.id",
    )
    .fetch_all(&state.db)
    .await?;
    for (clinic, rooms) in clinics {
        let in_progress: Vec<(String, Time, String)> = sqlx::query_as(
            "SELECT id, called_at, room FROM encounter WHERE clinic_id = $1 AND status = 'in-progress'",
        )
        .bind(&clinic)
        .fetch_all(&state.db)
        .await?;
        let mut busy = Vec::new();
        for (id, called, room) in in_progress {
            if now - called.0 >= visit_length(&id) {
                finish(state, &id, now).await?;
            } else {
                busy.push(room);
            }
        }
        for n in 1..=rooms.max(1) {
            let room = format!("Room {n}");
            if !busy.contains(&room) && call_next(state, &clinic, &room, now).await?.is_none() {
                break;
            }
        }
        let waiting: (i64,) = sqlx::query_as(
            "SELECT COUNT(*) FROM encounter WHERE clinic_id = $1 AND status = 'arrived'",
        )
        .bind(&clinic)
        .fetch_one(&state.db)
        .await?;
        // A visitor arrives in about one tick in three while the queue is short.
        if waiting.0 < MAX_WAITING && crate::random::u64()? % 3 == 0 {
            let offset =
                Duration::minutes(i64::try_from(crate::random::u64()? % 20).unwrap_or(0) - 5);
            sqlx::query(
                "INSERT INTO encounter (id, appointment_id, clinic_id, scheduled_at, status, arrived_at, source) \
                 VALUES ($1, NULL, $2, $3, 'arrived', $4, 'simulation')",
            )
            .bind(format!("en-sim-{:016x}", crate::random::u64()?))
            .bind(&clinic)
            .bind(Time(now + offset))
            .bind(Time(now))
            .execute(&state.db)
            .await?;
            queue_changed(state).await;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_visits_last_one_to_four_minutes_and_are_stable() {
        for id in ["en-sim-0", "en-sim-1", "en-sim-ffff", ""] {
            let d = visit_length(id);
            assert!(
                d >= Duration::seconds(60) && d <= Duration::seconds(240),
                "{d}"
            );
            assert_eq!(d, visit_length(id));
        }
    }
}
