//! A free slot as offered to the patient for booking.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::Span;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OfferedSlot {
    /// The hospital's id of the slot (FHIR `Slot.id`), quoted when booking it.
    pub id: String,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// What the slot is for, e.g. "Cardiology".
    pub service: String,
    pub clinician: Option<String>,
    pub location: Option<String>,
}

impl OfferedSlot {
    pub fn span(&self) -> Span {
        Span {
            start: self.start,
            end: self.end,
        }
    }
}
