//! The one-time code a patient gives the person they invite: twelve Crockford base-32
//! characters (60 random bits), shown as `7K3M-9Q2C-XV4D`, typed or read aloud without
//! confusing 0 with O or 1 with I or L. It lasts a day and works once; the hospital keeps only
//! its hash and limits wrong attempts, so guessing one is hopeless.

use chrono::{DateTime, Duration, Utc};

use super::refusal::CareCircleRefusal;
use crate::BookingReference;

/// How long an invitation can be accepted.
pub const INVITATION_LIFETIME: Duration = Duration::hours(24);

/// A well-formed invitation code, upper case, without separators.
#[derive(Clone, PartialEq, Eq)]
pub struct InvitationCode(String);

impl InvitationCode {
    pub const LEN: usize = 12;

    /// A code from eight random bytes (the first 60 bits are used).
    pub fn from_entropy(bytes: [u8; 8]) -> Self {
        let bits = u64::from_be_bytes(bytes) >> 4;
        let alphabet = BookingReference::CHARACTERS.as_bytes();
        let code = (0..Self::LEN)
            .rev()
            .map(|i| char::from(alphabet[((bits >> (5 * i)) & 31) as usize]))
            .collect();
        Self(code)
    }

    /// Reads a code as a person typed it: any case, spaces and dashes ignored, O read as 0 and
    /// I or L as 1. Anything else is not an invitation.
    pub fn parse(text: &str) -> Result<Self, CareCircleRefusal> {
        let mut code = String::with_capacity(Self::LEN);
        for c in text.chars() {
            let c = match c.to_ascii_uppercase() {
                ' ' | '-' => continue,
                'O' => '0',
                'I' | 'L' => '1',
                c => c,
            };
            if !BookingReference::CHARACTERS.contains(c) || code.len() == Self::LEN {
                return Err(CareCircleRefusal::InvitationInvalid);
            }
            code.push(c);
        }
        if code.len() == Self::LEN {
            Ok(Self(code))
        } else {
            Err(CareCircleRefusal::InvitationInvalid)
        }
    }

    /// The canonical form, which the hospital hashes.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// As shown to the patient: three groups of four.
    pub fn grouped(&self) -> String {
        format!("{}-{}-{}", &self.0[..4], &self.0[4..8], &self.0[8..])
    }
}

// Redacted: a code in a log is a code someone else can accept.
impl std::fmt::Debug for InvitationCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("InvitationCode(…)")
    }
}

/// Whether an invitation made at `created` can still be accepted at `now`.
pub fn still_open(created: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    now >= created && now < created + INVITATION_LIFETIME
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_code_reads_back_however_a_person_types_it() {
        let code = InvitationCode::from_entropy([0xde, 0xad, 0xbe, 0xef, 0x01, 0x23, 0x45, 0x67]);
        assert_eq!(code.as_str().len(), InvitationCode::LEN);
        let grouped = code.grouped();
        assert_eq!(InvitationCode::parse(&grouped), Ok(code.clone()));
        assert_eq!(
            InvitationCode::parse(&format!(" {} ", grouped.to_lowercase())),
            Ok(code.clone())
        );
        assert_eq!(
            InvitationCode::parse("oilo-0000-0000").map(|c| c.as_str().to_owned()),
            Ok("011000000000".to_owned()),
            "O is 0 and I or L is 1, as Crockford reads them"
        );
    }

    #[test]
    fn anything_but_twelve_crockford_characters_is_not_an_invitation() {
        for bad in [
            "",
            "ABCD-EFGH-JKM",
            "ABCD-EFGH-JKMNP",
            "ABCD-EFGH-JKMU",
            "ABCD_EFGH_JKMN",
        ] {
            assert_eq!(
                InvitationCode::parse(bad),
                Err(CareCircleRefusal::InvitationInvalid),
                "{bad}"
            );
        }
    }

    #[test]
    fn different_entropy_gives_different_codes_and_debug_hides_the_code() {
        let a = InvitationCode::from_entropy([0; 8]);
        let b = InvitationCode::from_entropy([0, 0, 0, 0, 0, 0, 0, 0x10]);
        assert_ne!(a, b, "the 60th bit counts");
        assert_eq!(a.as_str(), "000000000000");
        assert!(!format!("{b:?}").contains(b.as_str()));
    }

    #[test]
    fn an_invitation_lasts_a_day() {
        let made: DateTime<Utc> = "2026-12-05T10:00:00Z".parse().unwrap();
        assert!(still_open(made, made));
        assert!(still_open(made, made + Duration::hours(23)));
        assert!(!still_open(made, made + Duration::hours(24)));
        assert!(!still_open(made, made - Duration::seconds(1)));
    }
}
