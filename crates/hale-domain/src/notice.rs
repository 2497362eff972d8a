//! What a notification is about, and what the patient can do from it without opening the app.
//!
//! Every notification names the place in the app that shows its subject, so a click opens that
//! screen. Two kinds can also be answered on the notification itself, where the platform shows
//! buttons: a dose reminder (Taken, Snooze, Skip) and an earlier-slot offer (Accept, Decline).
//! Where it cannot, the words say to open the app instead ([`ReminderText::body_for`]).
//!
//! [`ReminderText::body_for`]: crate::reminder::ReminderText::body_for

use serde::{Deserialize, Serialize};

/// The place in the app a notification opens on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Place {
    Today,
    Appointments,
    Medicines,
    Parking,
    WaitingTimes,
    Devices,
    CareTeam,
    CareCircle,
}

/// One scheduled dose, as the medicines screen names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DoseRef {
    pub medicine_id: String,
    /// The dose's slot key ([`crate::medication::timing::DoseSlot::key`]).
    pub slot: String,
}

/// What a notification is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "about", rename_all = "snake_case")]
pub enum About {
    /// Doses due at one moment, of `patient` (whose app reminded them).
    Doses {
        patient: String,
        doses: Vec<DoseRef>,
    },
    /// An earlier slot offered to `patient`.
    Offer { patient: String, offer_id: String },
    /// Anything else: the place that shows it.
    Shown(Place),
}

/// What the patient can do on a notification besides opening it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NoticeAction {
    Taken,
    Snooze,
    Skip,
    Accept,
    Decline,
}

/// How long "Snooze" on a dose reminder waits, in minutes.
pub const SNOOZE_MINUTES: u32 = 10;

impl NoticeAction {
    pub const ALL: [NoticeAction; 5] = [
        NoticeAction::Taken,
        NoticeAction::Snooze,
        NoticeAction::Skip,
        NoticeAction::Accept,
        NoticeAction::Decline,
    ];

    /// The stable identifier the notification server reports back.
    pub fn id(self) -> &'static str {
        match self {
            NoticeAction::Taken => "taken",
            NoticeAction::Snooze => "snooze",
            NoticeAction::Skip => "skip",
            NoticeAction::Accept => "accept",
            NoticeAction::Decline => "decline",
        }
    }

    pub fn from_id(id: &str) -> Option<NoticeAction> {
        NoticeAction::ALL.into_iter().find(|a| a.id() == id)
    }

    /// The button's words.
    pub fn title(self) -> &'static str {
        match self {
            NoticeAction::Taken => "Taken",
            NoticeAction::Snooze => "Snooze 10 min",
            NoticeAction::Skip => "Skip",
            NoticeAction::Accept => "Accept",
            NoticeAction::Decline => "Decline",
        }
    }
}

/// The kinds of notification with buttons: each kind's buttons are registered once with the
/// platform, and a notification names its kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    Dose,
    Offer,
}

impl ActionKind {
    pub const ALL: [ActionKind; 2] = [ActionKind::Dose, ActionKind::Offer];

    pub fn id(self) -> &'static str {
        match self {
            ActionKind::Dose => "hale-dose",
            ActionKind::Offer => "hale-offer",
        }
    }

    pub fn actions(self) -> &'static [NoticeAction] {
        match self {
            ActionKind::Dose => &[
                NoticeAction::Taken,
                NoticeAction::Snooze,
                NoticeAction::Skip,
            ],
            ActionKind::Offer => &[NoticeAction::Accept, NoticeAction::Decline],
        }
    }
}

impl About {
    /// Where a click on the notification (or any of its buttons) takes the patient.
    pub fn place(&self) -> Place {
        match self {
            About::Doses { .. } => Place::Medicines,
            About::Offer { .. } => Place::Appointments,
            About::Shown(place) => *place,
        }
    }

    /// Which buttons it carries, if any.
    pub fn action_kind(&self) -> Option<ActionKind> {
        match self {
            About::Doses { .. } => Some(ActionKind::Dose),
            About::Offer { .. } => Some(ActionKind::Offer),
            About::Shown(_) => None,
        }
    }

    /// Whether `action` answers this notification (a stale or forged id answers nothing).
    pub fn accepts(&self, action: NoticeAction) -> bool {
        self.action_kind()
            .is_some_and(|kind| kind.actions().contains(&action))
    }

    /// What the words add when the platform shows no buttons.
    pub(crate) fn open_hint(&self) -> Option<&'static str> {
        match self {
            About::Doses { doses, .. } if doses.len() > 1 => Some("Open Hale to log them."),
            About::Doses { .. } => Some("Open Hale to log it."),
            About::Offer { .. } => Some("Open Hale to accept or decline it."),
            About::Shown(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dose() -> About {
        About::Doses {
            patient: "p1".into(),
            doses: vec![DoseRef {
                medicine_id: "rx:1".into(),
                slot: "2026-12-06T08:00".into(),
            }],
        }
    }

    #[test]
    fn a_dose_reminder_offers_taken_snooze_and_skip_and_opens_medicines() {
        let about = dose();
        assert_eq!(about.action_kind(), Some(ActionKind::Dose));
        assert_eq!(about.place(), Place::Medicines);
        for action in [
            NoticeAction::Taken,
            NoticeAction::Snooze,
            NoticeAction::Skip,
        ] {
            assert!(about.accepts(action));
        }
        assert!(!about.accepts(NoticeAction::Accept));
    }

    #[test]
    fn an_offer_is_accepted_or_declined_and_nothing_else() {
        let about = About::Offer {
            patient: "p1".into(),
            offer_id: "o1".into(),
        };
        assert!(about.accepts(NoticeAction::Accept));
        assert!(about.accepts(NoticeAction::Decline));
        assert!(!about.accepts(NoticeAction::Taken));
        assert_eq!(about.place(), Place::Appointments);
    }

    #[test]
    fn other_notifications_have_no_buttons_and_open_their_place() {
        let about = About::Shown(Place::Parking);
        assert_eq!(about.action_kind(), None);
        assert!(NoticeAction::ALL.iter().all(|a| !about.accepts(*a)));
        assert_eq!(about.place(), Place::Parking);
    }

    #[test]
    fn action_ids_read_back_and_unknown_ids_are_none() {
        for action in NoticeAction::ALL {
            assert_eq!(NoticeAction::from_id(action.id()), Some(action));
        }
        assert_eq!(NoticeAction::from_id("default"), None);
        assert_eq!(NoticeAction::from_id("TAKEN"), None);
    }

    #[test]
    fn what_a_notification_is_about_survives_the_platform_round_trip() {
        let about = dose();
        let json = serde_json::to_value(&about).unwrap();
        assert_eq!(json["about"], "doses");
        assert_eq!(serde_json::from_value::<About>(json).unwrap(), about);
        for about in [
            About::Shown(Place::CareCircle),
            About::Offer {
                patient: "p1".into(),
                offer_id: "o1".into(),
            },
        ] {
            let json = serde_json::to_value(&about).unwrap();
            assert_eq!(serde_json::from_value::<About>(json).unwrap(), about);
        }
    }
}
