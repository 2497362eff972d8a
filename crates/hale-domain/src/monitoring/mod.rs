//! Remote monitoring's rules, as the hospital runs them on every reading and dose record it
//! stores and on a timer: a patient's [`plan`] (what to measure, when, and their limits),
//! readings beyond the plan's red and amber [`limits`], early-warning [`trend`]s, [`missing`]
//! data and silent devices, and missed [`doses`]. Each rule yields the conditions that hold now;
//! [`episode::reconcile`] turns them into alerts raised once per episode, cleared when the
//! condition ends, and escalated when a red one is not acknowledged in time.
//!
//! Pure: the clock, the zone and the data are arguments.

pub mod care_team;
pub mod doses;
pub mod episode;
pub mod limits;
pub mod missing;
pub mod patient_side;
pub mod plan;
pub mod trend;
pub mod worklist;

pub use care_team::{CareMessage, CareTeam, HospitalAlert};
pub use episode::{reconcile, Changes, EscalationPolicy, Family, Finding, OpenAlert};
pub use limits::{Band, Crossed, Tier, VitalLimits};
pub use plan::{MonitoringPlan, PlannedMeasurement};
pub use trend::{Point, TrendRule};
