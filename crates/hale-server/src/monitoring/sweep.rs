//! The timer: the rules decided by time passing (a planned measurement that did not come, a
//! dose with no record, a device gone quiet) and escalation, for every enrolled patient. The
//! server runs them even when no app is open.

use chrono::{DateTime, Utc};
use hale_domain::monitoring::reconcile;

use super::alerts::{after_new_data, open_alerts};
use super::engine::{evaluate, ON_TIMER};
use super::plans::all_enrolments;
use crate::{FhirError, ServerState};

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub patients: usize,
    /// Patients whose alerts changed.
    pub changed: usize,
}

/// Runs a pass every `MonitoringOptions::every` until the server stops.
pub(crate) async fn sweep_forever(state: ServerState) {
    // The first pass one period after the start: a restarted server catches up then.
    let every = state.monitoring.every;
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + every, every);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        if let Err(e) = sweep(&state, Utc::now()).await {
            // The next tick tries again; nothing is lost by waiting for it.
            tracing::warn!(error = %e, "monitoring pass failed");
        }
    }
}

/// One pass over every enrolled patient at `now`.
pub async fn sweep(state: &ServerState, now: DateTime<Utc>) -> Result<SweepReport, FhirError> {
    let zone = state.hospital.timezone;
    let options = state.monitoring;
    let enrolments = all_enrolments(&state.db).await?;
    let mut report = SweepReport {
        patients: enrolments.len(),
        changed: 0,
    };
    for e in &enrolments {
        // Look first without the write lock: most patients have nothing to change.
        let mut conn = state.db.acquire().await?;
        let noted = evaluate(&mut conn, e, ON_TIMER, &zone, &options, now).await?;
        let open = open_alerts(&mut conn, &e.patient_id).await?;
        let findings: Vec<_> = noted.into_iter().map(|n| n.finding).collect();
        let changes = reconcile(&open, &findings, ON_TIMER, options.escalation, now);
        drop(conn);
        if changes.is_empty() {
            continue;
        }
        // Decide again under the lock, with the enrolment as it is now: another instance may
        // have acted in between, or a clinician changed or ended the plan.
        let mut tx = crate::db::begin_patient_write(&state.db, &e.patient_id).await?;
        let changes =
            after_new_data(&mut tx, &e.patient_id, ON_TIMER, &zone, &options, now).await?;
        tx.commit().await?;
        if !changes.is_empty() {
            report.changed += 1;
        }
    }
    if report.changed > 0 {
        state.alerts_changed().await;
    }
    Ok(report)
}
