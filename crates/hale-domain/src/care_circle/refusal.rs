//! Why the hospital says no to something in the care circle, each with its stable wire code.

use super::consent::Denied;
use crate::RefusalCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum CareCircleRefusal {
    /// Unknown, used, expired, or the date of birth given does not match: one answer for all,
    /// so a guesser learns nothing.
    #[error("this invitation cannot be accepted")]
    InvitationInvalid,
    #[error("a person cannot be their own helper")]
    InviteYourself,
    #[error("this person already helps the patient")]
    AlreadyHelping,
    /// A young person's parents are recorded by the hospital; a child does not invite.
    #[error("only an adult patient can invite a helper")]
    MinorCannotInvite,
    #[error("an invitation must allow at least one thing")]
    NothingChosen,
    /// The helper's grant allows nothing now.
    #[error("the patient's consent no longer allows this: {0}")]
    ConsentEnded(Denied),
}

impl CareCircleRefusal {
    pub fn refusal_code(self) -> RefusalCode {
        match self {
            Self::InvitationInvalid => RefusalCode::InvitationInvalid,
            Self::InviteYourself => RefusalCode::InviteYourself,
            Self::AlreadyHelping => RefusalCode::AlreadyHelping,
            Self::MinorCannotInvite => RefusalCode::MinorCannotInvite,
            Self::NothingChosen => RefusalCode::NothingChosen,
            Self::ConsentEnded(denied) => match denied {
                Denied::Revoked => RefusalCode::ConsentRevoked,
                Denied::NotYet | Denied::Expired => RefusalCode::ConsentExpired,
                Denied::AssentNeeded => RefusalCode::AssentNeeded,
                Denied::NowAdult => RefusalCode::NowAdult,
                Denied::NotPermitted(_) => RefusalCode::NotPermitted,
            },
        }
    }

    pub fn code(self) -> &'static str {
        self.refusal_code().code()
    }

    /// Whether the helper's access to this patient has ended as a whole (their app forgets
    /// its copy), rather than this one request being outside it.
    pub fn ends_access(self) -> bool {
        matches!(self, Self::ConsentEnded(d) if !matches!(d, Denied::NotPermitted(_)))
    }
}
