//! The patient's settings on this device: when to be reminded of appointments.

use serde::{Deserialize, Serialize};

use crate::NoArgs;

/// How long before an appointment a reminder comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReminderLead {
    /// Calendar days before, at the same wall-clock time.
    Days(u16),
    /// Minutes before, exactly.
    Minutes(u32),
}

/// One lead the patient may choose, with its words and whether it is chosen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderChoice {
    pub lead: ReminderLead,
    /// E.g. "1 day before".
    pub label: String,
    pub chosen: bool,
}

/// The reminder settings screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReminderSettings {
    /// Every choice, longest lead first.
    pub choices: Vec<ReminderChoice>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SetRemindersArgs {
    /// The leads wanted; empty turns appointment reminders off.
    pub leads: Vec<ReminderLead>,
}

command!(
    /// The reminder choices and which are on.
    GetReminders = "get_reminders", NoArgs => ReminderSettings
);
command!(
    /// Replaces the chosen reminder leads; answers with the settings as saved.
    SetReminders = "set_reminders", SetRemindersArgs => ReminderSettings
);
