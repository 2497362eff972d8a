//! What the patient sees of the hospital's monitoring: the alerts it raised on their data, when
//! the care team saw each one, and the care team's messages.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::episode::Family;
use super::limits::Tier;

/// An alert the hospital raised on the patient's readings or doses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HospitalAlert {
    pub id: String,
    /// The rule and subject, e.g. `out-of-range:blood_pressure` (see [`Family`]).
    pub key: String,
    pub tier: Tier,
    pub raised: DateTime<Utc>,
    /// When the condition ended ("all clear"); `None` while it holds.
    pub cleared: Option<DateTime<Utc>>,
    /// When someone in the care team acknowledged it.
    pub seen: Option<DateTime<Utc>>,
}

impl HospitalAlert {
    pub fn family(&self) -> Option<Family> {
        Family::of(&self.key)
    }

    /// What the alert is about after its family's prefix (a reading kind, a medicine, a device).
    pub fn subject(&self) -> &str {
        self.key.split_once(':').map_or("", |(_, s)| s)
    }
}

/// What the care team shares with the patient: their plan (if enrolled), the alerts the
/// hospital raised, newest first, and the team's messages, newest first.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CareTeam {
    pub plan: Option<super::plan::MonitoringPlan>,
    pub alerts: Vec<HospitalAlert>,
    pub messages: Vec<CareMessage>,
}

/// A message from the care team to the patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareMessage {
    pub id: String,
    /// Who wrote it, as they sign: "Nurse Sam Okafor".
    pub from: String,
    pub text: String,
    pub sent: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_alert_names_its_family_and_subject_from_its_key() {
        let alert = HospitalAlert {
            id: "a1".into(),
            key: "missed-dose:med-1".into(),
            tier: Tier::Amber,
            raised: "2026-12-04T10:00:00Z".parse().unwrap(),
            cleared: None,
            seen: None,
        };
        assert_eq!(alert.family(), Some(Family::MissedDose));
        assert_eq!(alert.subject(), "med-1");
    }
}
