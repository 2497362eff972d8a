//! A share code: the patient lets a clinician elsewhere read their summary in a browser, for a
//! day, with the patient's date of birth as a second factor. The code opens one browser
//! session; once opened it opens no other, so a code overheard afterwards is worth nothing. The
//! patient sees when it was opened and can end it at any time.

use chrono::{DateTime, Duration, Utc};

use crate::care_circle::InvitationCode;

/// How long a share code, and the view it opens, lasts.
pub const SHARE_LIFETIME: Duration = Duration::hours(24);

/// A well-formed share code. It has the invitation code's form (twelve Crockford base-32
/// characters, 60 random bits, `7K3M-9Q2C-XV4D`): one kind of code for people to type or read
/// aloud, and for the hospital to keep only as a hash.
#[derive(Clone, PartialEq, Eq)]
pub struct ShareCode(InvitationCode);

impl ShareCode {
    /// A code from eight random bytes.
    pub fn from_entropy(bytes: [u8; 8]) -> Self {
        Self(InvitationCode::from_entropy(bytes))
    }

    /// Reads a code as a person typed it; `None` when it cannot be one.
    pub fn parse(text: &str) -> Option<Self> {
        InvitationCode::parse(text).ok().map(Self)
    }

    /// The canonical form, which the hospital hashes.
    pub fn as_str(&self) -> &str {
        self.0.as_str()
    }

    /// As shown to the patient: three groups of four.
    pub fn grouped(&self) -> String {
        self.0.grouped()
    }
}

// Redacted: a code in a log opens someone's record.
impl std::fmt::Debug for ShareCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("ShareCode(…)")
    }
}

/// A share just made: the code is shown to the patient now, and never again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewShare {
    pub id: String,
    pub code: ShareCode,
    pub expires: DateTime<Utc>,
    /// The page the clinician opens and types the code into.
    pub link: String,
}

/// A share as the hospital recorded it, with its use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Share {
    pub id: String,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub revoked: Option<DateTime<Utc>>,
    pub opened: Option<DateTime<Utc>>,
    /// Each time the summary was shown, oldest first.
    pub views: Vec<DateTime<Utc>>,
}

impl Share {
    pub fn state(&self, now: DateTime<Utc>) -> ShareState {
        share_state(self.expires, self.revoked, self.opened, now)
    }
}

/// Where a share stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareState {
    /// Not opened yet; it can be, until it expires.
    Waiting { expires: DateTime<Utc> },
    /// Opened in a browser, which may read the summary until it expires.
    Open {
        opened: DateTime<Utc>,
        expires: DateTime<Utc>,
    },
    /// Over: it expired, or the patient ended it.
    Ended {
        end: ShareEnd,
        opened: Option<DateTime<Utc>>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ShareEnd {
    Expired(DateTime<Utc>),
    Revoked(DateTime<Utc>),
}

/// A share's state at `now`, from what the hospital recorded of it.
pub fn share_state(
    expires: DateTime<Utc>,
    revoked: Option<DateTime<Utc>>,
    opened: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> ShareState {
    match (revoked, opened) {
        (Some(at), _) if at < expires => ShareState::Ended {
            end: ShareEnd::Revoked(at),
            opened,
        },
        _ if now >= expires => ShareState::Ended {
            end: ShareEnd::Expired(expires),
            opened,
        },
        (_, Some(opened)) => ShareState::Open { opened, expires },
        (_, None) => ShareState::Waiting { expires },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(hour: i64) -> DateTime<Utc> {
        "2026-12-06T00:00:00Z".parse::<DateTime<Utc>>().unwrap() + Duration::hours(hour)
    }

    #[test]
    fn a_share_waits_then_is_open_once_opened_and_ends_when_it_expires() {
        let expires = t(24);
        assert_eq!(
            share_state(expires, None, None, t(1)),
            ShareState::Waiting { expires }
        );
        assert_eq!(
            share_state(expires, None, Some(t(2)), t(3)),
            ShareState::Open {
                opened: t(2),
                expires
            }
        );
        assert_eq!(
            share_state(expires, None, Some(t(2)), t(24)),
            ShareState::Ended {
                end: ShareEnd::Expired(expires),
                opened: Some(t(2))
            }
        );
    }

    #[test]
    fn a_revoked_share_has_ended_when_it_was_revoked_whatever_else_happened() {
        let state = share_state(t(24), Some(t(5)), Some(t(2)), t(6));
        assert_eq!(
            state,
            ShareState::Ended {
                end: ShareEnd::Revoked(t(5)),
                opened: Some(t(2))
            }
        );
        // Ending one that had expired changes nothing: it expired.
        assert!(matches!(
            share_state(t(24), Some(t(30)), None, t(31)),
            ShareState::Ended {
                end: ShareEnd::Expired(_),
                ..
            }
        ));
    }

    #[test]
    fn a_share_code_reads_back_as_typed_and_debug_hides_it() {
        let code = ShareCode::from_entropy([1, 2, 3, 4, 5, 6, 7, 8]);
        assert_eq!(
            ShareCode::parse(&code.grouped().to_lowercase()),
            Some(code.clone())
        );
        assert_eq!(ShareCode::parse("nope"), None);
        assert!(!format!("{code:?}").contains(code.as_str()));
    }
}
