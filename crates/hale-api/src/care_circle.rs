//! The care circle: the people who help the patient, the people the patient helps, inviting
//! and accepting, ending a grant, and looking after someone.

use chrono::{DateTime, FixedOffset};
use serde::{Deserialize, Serialize};

use crate::{AlertTierView, NoArgs, ReadingKindView};

/// Sent when whose records the screens show changes: the payload is the new
/// `Option<LookingAfterView>`.
pub const LOOKING_AFTER_EVENT: &str = "hale://looking-after-changed";

/// Sent when the alerts the hospital raised for the signed-in person as a helper change (no
/// payload): the care circle screen reads them again.
pub const HELPER_ALERTS_EVENT: &str = "hale://helper-alerts-changed";

/// What a patient lets a helper see or do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PermissionView {
    Appointments,
    Medicines,
    Readings,
    /// Be alerted by the hospital: missed doses, readings beyond the limits, no data.
    Alerts,
    /// Book, move, cancel, check in and log doses for the patient.
    ActOnBehalf,
}

/// Every permission, in the order the invitation form offers them.
pub const PERMISSION_CHOICES: [PermissionView; 5] = [
    PermissionView::Appointments,
    PermissionView::Medicines,
    PermissionView::Readings,
    PermissionView::Alerts,
    PermissionView::ActOnBehalf,
];

/// Where a grant stands, as the hospital decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantStatusView {
    Active,
    Revoked,
    Expired,
    /// A young person of 13 to 17 has not agreed to it.
    AssentNeeded,
    /// The patient turned 18: a parent's access ended.
    NowAdult,
}

/// One grant, seen from either side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircleMemberView {
    pub consent_id: String,
    /// The patient who is helped.
    pub patient_id: String,
    /// The other person: the helper, to the patient; the patient, to the helper.
    pub name: String,
    pub initials: String,
    pub permissions: Vec<PermissionView>,
    /// Recorded by the hospital as parent or guardian (else invited by the patient).
    pub guardian: bool,
    pub status: GrantStatusView,
    pub since: DateTime<FixedOffset>,
    pub until: Option<DateTime<FixedOffset>>,
    /// What the helper chose to be alerted of, when the grant includes alerts (both people see
    /// it).
    pub alerts: Option<AlertSettingsView>,
}

/// A kind of alert a helper can choose.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HelperAlertKindView {
    MissedDose,
    BeyondLimits,
    NoData,
}

/// Every kind, in the order the choices show.
pub const ALERT_KIND_CHOICES: [HelperAlertKindView; 3] = [
    HelperAlertKindView::MissedDose,
    HelperAlertKindView::BeyondLimits,
    HelperAlertKindView::NoData,
];

/// A helper's alert choices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSettingsView {
    pub kinds: Vec<HelperAlertKindView>,
    /// Quiet hours, `HH:MM` in the helper's own day; both or neither.
    pub quiet_from: Option<String>,
    pub quiet_until: Option<String>,
}

/// One alert the hospital raised for the signed-in helper.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelperAlertView {
    pub id: String,
    pub patient_id: String,
    pub patient_name: String,
    pub kind: HelperAlertKindView,
    pub tier: AlertTierView,
    pub raised: DateTime<FixedOffset>,
    /// The kind of reading beyond the limits or not arrived, when it is about one.
    pub reading: Option<ReadingKindView>,
    /// When the dose with no record was due.
    pub due: Option<DateTime<FixedOffset>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSettingsArgs {
    pub consent_id: String,
    pub kinds: Vec<HelperAlertKindView>,
    /// `HH:MM`, as a time input gives it; both or neither.
    pub quiet_from: Option<String>,
    pub quiet_until: Option<String>,
}

/// The care circle screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareCircleView {
    /// People who help the signed-in person.
    pub helpers: Vec<CircleMemberView>,
    /// People the signed-in person helps.
    pub helping: Vec<CircleMemberView>,
    /// What the hospital raised for the signed-in person about the people they help, the last
    /// two days', newest first.
    pub alerts: Vec<HelperAlertView>,
}

/// Someone the signed-in person is looking after: every screen shows their records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookingAfterView {
    pub patient_id: String,
    pub name: Option<String>,
    pub initials: String,
    /// What their consent allows; what it leaves out, screens say so.
    pub permissions: Vec<PermissionView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteArgs {
    pub permissions: Vec<PermissionView>,
}

/// A code made for a helper, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationView {
    /// Grouped for reading aloud, e.g. `7K3M-9Q2C-XV4D`.
    pub code: String,
    pub expires: DateTime<FixedOffset>,
    pub permissions: Vec<PermissionView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptInvitationArgs {
    /// As typed: any case, with or without spaces and dashes.
    pub code: String,
    /// The patient's date of birth, `YYYY-MM-DD` (as an HTML date input gives it).
    pub birth_date: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConsentArgs {
    pub consent_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LookAfterArgs {
    /// Someone the signed-in person helps; `None` for their own records.
    pub patient_id: Option<String>,
}

command!(
    /// Who helps the signed-in person, and whom they help. Asked as the person themself: if
    /// they were looking after someone, they are back to their own records.
    GetCareCircle = "get_care_circle", NoArgs => CareCircleView
);
command!(
    /// Makes a one-time code, for 24 hours, letting someone help with the chosen permissions.
    InviteHelper = "invite_helper", InviteArgs => InvitationView
);
command!(
    /// Accepts an invitation to help, confirming the patient's date of birth.
    AcceptInvitation = "accept_invitation", AcceptInvitationArgs => CircleMemberView
);
command!(
    /// Ends a grant: the patient's helper loses access at once, or the helper steps down.
    EndGrant = "end_grant", ConsentArgs => CircleMemberView
);
command!(
    /// The signed-in helper chooses which alerts of a grant they get, and their quiet hours.
    SetAlertSettings = "set_alert_settings", AlertSettingsArgs => CircleMemberView
);
command!(
    /// What the hospital raised for the signed-in person about the people they help, newest
    /// first, whoever they are looking after.
    GetHelperAlerts = "get_helper_alerts", NoArgs => Vec<HelperAlertView>
);
command!(
    /// Whose records the screens show, when not the signed-in person's own.
    GetLookingAfter = "get_looking_after", NoArgs => Option<LookingAfterView>
);
command!(
    /// Looks after someone the signed-in person helps, or goes back to their own records.
    LookAfter = "look_after", LookAfterArgs => Option<LookingAfterView>
);
