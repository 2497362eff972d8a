//! Remote monitoring in the hospital: each enrolled patient's [`plans`], the [`engine`] that
//! runs `hale_domain::monitoring`'s rules on the patient's stored data, the [`alerts`] it keeps
//! (one per episode, with a worklist Task each), and the [`sweep`] that runs the time-based
//! rules on a timer.
//!
//! The rules on readings run inside the transaction that stores the readings, and the rules on
//! doses inside the one that stores the dose records: a reading is never stored without being
//! looked at, and a crash loses neither. Every change to a patient's alerts happens under
//! their write lock (`crate::db::begin_patient_write`, or the hospital-wide
//! `crate::db::begin_write`) and behind a unique index of open episodes, so several server
//! instances raise each alert once.

pub(crate) mod alerts;
pub(crate) mod engine;
pub(crate) mod messages;
pub(crate) mod plans;
pub(crate) mod sweep;

pub use sweep::SweepReport;

use chrono::Duration;
use hale_domain::monitoring::missing::MeasurementWindow;
use hale_domain::monitoring::EscalationPolicy;

/// How the hospital runs its monitoring.
#[derive(Debug, Clone, Copy)]
pub struct MonitoringOptions {
    /// Around each planned measurement, when it counts, and the grace before it is missing.
    pub window: MeasurementWindow,
    /// A device that sent readings and has been quiet this long raises an alert.
    pub silence: Duration,
    /// When an unacknowledged red alert is escalated.
    pub escalation: EscalationPolicy,
    /// How often the time-based rules run.
    pub every: std::time::Duration,
}

impl Default for MonitoringOptions {
    fn default() -> Self {
        Self {
            window: MeasurementWindow::default(),
            silence: Duration::hours(48),
            escalation: EscalationPolicy::default(),
            every: std::time::Duration::from_secs(60),
        }
    }
}
