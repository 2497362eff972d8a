//! What a patient can book: services, who offers them, and free slots.

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

/// A bookable service (a clinic's specialty) and the clinicians who offer it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Service {
    /// The service's code (SNOMED CT), used to search its slots.
    pub code: String,
    pub name: String,
    pub clinicians: Vec<Clinician>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clinician {
    pub id: String,
    pub name: String,
}
