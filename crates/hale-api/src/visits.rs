//! The summary of a past visit: what the clinic measured, what it prescribed, and the next
//! steps the care team wrote.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::{AppointmentArgs, CareMessageView, Freshness, ReadingView};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VisitSummaryView {
    pub appointment_id: String,
    pub visit: VisitStageView,
    pub measured: Vec<ReadingView>,
    pub prescribed: Vec<PrescribedView>,
    /// Oldest first.
    pub next_steps: Vec<CareMessageView>,
    pub freshness: Freshness,
}

/// Where the visit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "stage", rename_all = "kebab-case")]
pub enum VisitStageView {
    /// The hospital holds no visit for the appointment (no check-in).
    NoVisit,
    /// The hospital could not be asked (`freshness` says why) and the device has no copy.
    NotRead,
    /// Checked in; the visit has not ended yet.
    Ongoing { arrived: DateTime<FixedOffset> },
    Ended {
        arrived: DateTime<FixedOffset>,
        ended: DateTime<FixedOffset>,
    },
    /// The hospital cancelled the visit (a check-in by mistake).
    Cancelled,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrescribedView {
    pub name: String,
    pub instructions: Option<String>,
    /// `None`: a new medicine. Else what it replaces, which stops (its name, when known).
    pub replaces: Option<ReplacedView>,
    /// Who prescribed it, as they sign.
    pub by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplacedView {
    pub name: Option<String>,
    pub instructions: Option<String>,
}

command!(
    /// The summary of the appointment's visit: from the hospital, else the copy on the device.
    GetVisitSummary = "get_visit_summary", AppointmentArgs => VisitSummaryView
);
