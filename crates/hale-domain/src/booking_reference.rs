//! Booking references: short codes a patient can read out, type at a kiosk or carry as a QR code.
//!
//! A reference is seven Crockford base-32 characters and a Luhn mod 32 check character, shown as
//! `7K3M-9Q2C`. Crockford's alphabet leaves out I, L, O and U, so a reference read aloud or typed
//! from paper is hard to get wrong, and the check character catches every single mistyped
//! character and most swaps of two neighbours before the hospital is even asked.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

const ALPHABET: &[u8] = BookingReference::CHARACTERS.as_bytes();
const DATA_LEN: usize = 7;

/// A validated booking reference.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct BookingReference([u8; DATA_LEN + 1]);

/// Why a typed or scanned booking reference was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingReferenceError {
    #[error("a booking reference has 8 characters, this one has {0}")]
    WrongLength(usize),
    #[error("'{0}' cannot appear in a booking reference")]
    InvalidCharacter(char),
    #[error("this booking reference has a typing mistake (its check character does not match)")]
    CheckFailed,
}

fn value_of(c: char) -> Option<u8> {
    // Crockford decoding: lower case is accepted, O reads as 0 and I or L as 1.
    let c = match c.to_ascii_uppercase() {
        'O' => '0',
        'I' | 'L' => '1',
        other => other,
    };
    ALPHABET
        .iter()
        .position(|&a| a as char == c)
        .map(|p| p as u8)
}

/// Luhn mod N over digit values, with the doubling starting at the rightmost data digit.
fn check_value(digits: &[u8]) -> u8 {
    let n = ALPHABET.len() as u32;
    let mut factor = 2;
    let mut sum = 0;
    for &d in digits.iter().rev() {
        let addend = factor * u32::from(d);
        sum += addend / n + addend % n;
        factor = if factor == 2 { 1 } else { 2 };
    }
    ((n - sum % n) % n) as u8
}

impl BookingReference {
    /// Every character a reference can hold, in value order.
    pub const CHARACTERS: &'static str = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    /// Its length, the check character included.
    pub const LEN: usize = DATA_LEN + 1;

    /// Makes a reference from 35 bits of entropy supplied by the caller (the hospital's random
    /// source). Higher bits are ignored.
    pub fn from_entropy(entropy: u64) -> Self {
        let mut digits = [0u8; DATA_LEN];
        for (i, d) in digits.iter_mut().enumerate() {
            *d = ((entropy >> (5 * (DATA_LEN - 1 - i))) & 0x1f) as u8;
        }
        let mut out = [0u8; DATA_LEN + 1];
        for (o, d) in out.iter_mut().zip(digits) {
            *o = ALPHABET[d as usize];
        }
        out[DATA_LEN] = ALPHABET[check_value(&digits) as usize];
        Self(out)
    }

    /// The eight characters without the separator, as stored and as encoded in a QR code.
    pub fn compact(&self) -> &str {
        // Only ASCII from ALPHABET is ever stored.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

impl FromStr for BookingReference {
    type Err = BookingReferenceError;

    /// Accepts what people type: any case, spaces and dashes anywhere, O for 0, I or L for 1.
    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let mut digits = Vec::with_capacity(DATA_LEN + 1);
        for c in input.chars().filter(|c| !c.is_whitespace() && *c != '-') {
            digits.push(value_of(c).ok_or(BookingReferenceError::InvalidCharacter(c))?);
        }
        if digits.len() != DATA_LEN + 1 {
            return Err(BookingReferenceError::WrongLength(digits.len()));
        }
        if check_value(&digits[..DATA_LEN]) != digits[DATA_LEN] {
            return Err(BookingReferenceError::CheckFailed);
        }
        let mut out = [0u8; DATA_LEN + 1];
        for (o, d) in out.iter_mut().zip(&digits) {
            *o = ALPHABET[*d as usize];
        }
        Ok(Self(out))
    }
}

impl fmt::Display for BookingReference {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.compact();
        write!(f, "{}-{}", &s[..4], &s[4..])
    }
}

impl Serialize for BookingReference {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.compact())
    }
}

impl<'de> Deserialize<'de> for BookingReference {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, expect: Result<&str, BookingReferenceError>) {
        let got = input.parse::<BookingReference>().map(|r| r.to_string());
        assert_eq!(
            got.as_deref().map_err(Clone::clone),
            expect,
            "input {input:?}"
        );
    }

    #[test]
    fn generated_references_parse_back_to_themselves() {
        for entropy in [0u64, 1, 31, 32, 0x7_ffff_ffff, 0x1234_5678, u64::MAX] {
            let r = BookingReference::from_entropy(entropy);
            assert_eq!(r.to_string().parse::<BookingReference>(), Ok(r));
            assert_eq!(r.compact().parse::<BookingReference>(), Ok(r));
        }
    }

    #[test]
    fn all_zero_entropy_has_a_zero_check() {
        assert_eq!(BookingReference::from_entropy(0).to_string(), "0000-0000");
    }

    #[test]
    fn typing_variants_are_accepted() {
        let r = BookingReference::from_entropy(0x2_3456_789a).to_string();
        check(&r.to_lowercase(), Ok(&r));
        check(&r.replace('-', " "), Ok(&r));
        check(&format!("  {}  ", r.replace('-', "")), Ok(&r));
    }

    #[test]
    fn crockford_lookalikes_read_as_digits() {
        let r = BookingReference::from_entropy(1).to_string(); // "0000-001x"
        let typed = r.replacen('0', "O", 2).replacen('1', "l", 1);
        check(&typed, Ok(&r));
    }

    #[test]
    fn every_single_character_mistake_is_caught() {
        let r = BookingReference::from_entropy(0x5_a5a5_a5a5);
        let original = r.compact().to_owned();
        for pos in 0..original.len() {
            for &c in ALPHABET {
                let c = c as char;
                if original.as_bytes()[pos] as char == c {
                    continue;
                }
                let mut typed: Vec<char> = original.chars().collect();
                typed[pos] = c;
                let typed: String = typed.into_iter().collect();
                assert_eq!(
                    typed.parse::<BookingReference>(),
                    Err(BookingReferenceError::CheckFailed),
                    "{typed} was accepted"
                );
            }
        }
    }

    #[test]
    fn wrong_length_and_bad_characters_are_named() {
        check("ABC", Err(BookingReferenceError::WrongLength(3)));
        check("0000-00000", Err(BookingReferenceError::WrongLength(9)));
        check(
            "0000-00U0",
            Err(BookingReferenceError::InvalidCharacter('U')),
        );
        check(
            "0000-00*0",
            Err(BookingReferenceError::InvalidCharacter('*')),
        );
    }

    #[test]
    fn serde_uses_the_compact_form_and_validates() {
        let r = BookingReference::from_entropy(77);
        let json = serde_json::to_string(&r).unwrap();
        assert_eq!(json, format!("\"{}\"", r.compact()));
        assert_eq!(serde_json::from_str::<BookingReference>(&json).unwrap(), r);
        assert!(serde_json::from_str::<BookingReference>("\"0000-0001\"").is_err());
    }
}
