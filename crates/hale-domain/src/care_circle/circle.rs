//! The care circle as the app holds it: who helps the signed-in person, whom they help, each
//! grant with where it stands.

use chrono::{DateTime, Utc};

use super::alerts::HelperAlertSettings;
use super::consent::Permissions;
use super::invitation::InvitationCode;

/// Where a grant stands, as the hospital decided it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GrantStatus {
    Active,
    Revoked,
    Expired,
    /// A young person of 13 to 17 has not agreed to their parent seeing their records.
    AssentNeeded,
    /// The patient turned 18: a parent's access ended.
    NowAdult,
}

/// One grant, seen from either side.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CircleMember {
    pub consent: String,
    /// The patient who is helped.
    pub patient: String,
    /// The other person: the helper, to the patient; the patient, to the helper.
    pub name: String,
    pub permissions: Permissions,
    /// The hospital records them as the patient's parent or guardian (else: invited).
    pub guardian: bool,
    pub status: GrantStatus,
    pub since: DateTime<Utc>,
    pub until: Option<DateTime<Utc>>,
    /// What the helper chose to be alerted of, when the grant includes alerts.
    pub alerts: Option<HelperAlertSettings>,
}

impl CircleMember {
    /// Up to two initials of the other person's name, for the banner and the switcher.
    pub fn initials(&self) -> String {
        initials(&self.name)
    }
}

/// Up to two initials of `name` (its first and last words), upper case.
pub fn initials(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let picked = match words.as_slice() {
        [] => Vec::new(),
        [one] => vec![*one],
        [first, .., last] => vec![*first, *last],
    };
    picked
        .iter()
        .filter_map(|w| w.chars().next())
        .flat_map(char::to_uppercase)
        .collect()
}

/// Both sides of the signed-in person's care circle.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CareCircle {
    pub helpers: Vec<CircleMember>,
    pub helping: Vec<CircleMember>,
}

/// An invitation made: the code to pass on, shown once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invitation {
    pub code: InvitationCode,
    pub expires: DateTime<Utc>,
    pub permissions: Permissions,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: &str) -> CircleMember {
        CircleMember {
            consent: "cn-1".into(),
            patient: "pt-1".into(),
            name: name.into(),
            permissions: Permissions::NONE,
            guardian: false,
            status: GrantStatus::Active,
            since: DateTime::<Utc>::MIN_UTC,
            until: None,
            alerts: None,
        }
    }

    #[test]
    fn initials_are_the_first_and_last_names_first_letters() {
        assert_eq!(named("Alex Morgan").initials(), "AM");
        assert_eq!(named("Mary Ann de la Cruz").initials(), "MC");
        assert_eq!(named("Cher").initials(), "C");
        assert_eq!(named("łukasz żak").initials(), "ŁŻ");
        assert_eq!(named("  ").initials(), "");
    }
}
