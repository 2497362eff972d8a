//! The care circle's invitations and the list of who helps whom, part of Hale's JSON API beside
//! FHIR (`/api/care-circle`). The grants themselves are FHIR (`Consent` and `RelatedPerson`);
//! FHIR has no resource for a one-time invitation code, and a SMART token is bound to one
//! patient, so the people a signed-in person may switch between are listed here, as SMART's
//! patient picker would offer them. Times are RFC 3339 UTC.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /api/care-circle/invitations`: the patient invites someone, choosing first what they
/// may see and do (care circle permission codes: `appointments`, `medicines`, `readings`,
/// `alerts`, `act`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitationRequest {
    pub permissions: Vec<String>,
}

/// The invitation made: the code to pass on (shown once; the hospital keeps only its hash).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Invitation {
    /// `7K3M-9Q2C-XV4D`: twelve Crockford base-32 characters.
    pub code: String,
    pub expires: DateTime<Utc>,
    pub permissions: Vec<String>,
}

/// `POST /api/care-circle/invitations/accept`: the invited person, signed in with their own
/// account, gives the code and confirms the patient's date of birth.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AcceptInvitation {
    pub code: String,
    pub birth_date: NaiveDate,
}

// Redacted by hand: a code in a log is a code someone else can accept, and a date of birth is
// the patient's.
impl std::fmt::Debug for Invitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invitation")
            .field("code", &"<redacted>")
            .field("expires", &self.expires)
            .field("permissions", &self.permissions)
            .finish()
    }
}

impl std::fmt::Debug for AcceptInvitation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AcceptInvitation { <redacted> }")
    }
}

/// `GET /api/care-circle`: both directions, so each person sees who has what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CareCircle {
    /// People who help the signed-in person.
    pub helpers: Vec<CircleMember>,
    /// People the signed-in person helps.
    pub helping: Vec<CircleMember>,
}

/// One grant, seen from either side.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CircleMember {
    /// The FHIR Consent.
    pub consent: String,
    /// The helper's FHIR RelatedPerson.
    pub related_person: String,
    /// The patient who is helped.
    pub patient: String,
    /// The other person's name: the helper's to the patient, the patient's to the helper.
    pub name: String,
    pub permissions: Vec<String>,
    pub basis: GrantBasis,
    pub status: GrantStatus,
    pub since: DateTime<Utc>,
    /// When it ends by itself (an adult's invitation lasts a set time; a parent's ends at 18).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
    /// Which alerts the helper gets and when they are quiet; present when the grant includes
    /// alerts, so both people see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub alerts: Option<AlertSettings>,
}

/// What a helper chose to be alerted of (`POST /api/care-circle/consents/{id}/alerts`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AlertSettings {
    /// Kind codes: `missed-dose`, `beyond-limits`, `no-data`.
    pub kinds: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet: Option<QuietHours>,
}

/// Quiet hours in the helper's own day, `HH:MM:SS`; across midnight when `until` is earlier.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuietHours {
    pub from: NaiveTime,
    pub until: NaiveTime,
}

/// The alerts the hospital raised for the signed-in helper (`GET /api/care-circle/alerts`),
/// the last two days', oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelperAlerts {
    pub alerts: Vec<HelperAlert>,
}

/// One alert to one helper, raised once per episode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HelperAlert {
    pub id: String,
    pub consent: String,
    pub patient: String,
    pub patient_name: String,
    /// `missed-dose`, `beyond-limits` or `no-data`.
    pub kind: String,
    /// `amber` or `red`.
    pub tier: String,
    pub raised: DateTime<Utc>,
    /// The kind of reading beyond the limits or not arrived (`blood-pressure`, ...), when the
    /// alert is about one. For the helper's list, never a notification.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reading: Option<String>,
    /// When the dose with no record was due.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub due: Option<DateTime<Utc>>,
    /// The helper's quiet hours, which the app applies in its own time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiet: Option<QuietHours>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GrantBasis {
    /// The patient invited them.
    Invited,
    /// The hospital records them as the patient's parent or guardian.
    Guardian,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum GrantStatus {
    Active,
    Revoked,
    Expired,
    /// A young person of 13 to 17 has not yet agreed.
    AssentNeeded,
    /// The patient turned 18: a parent's access ended.
    NowAdult,
}
