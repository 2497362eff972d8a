//! The payment-provider interface, and the reference server's sandbox card processor.
//!
//! The sandbox behaves like a card processor's test mode: the published test card numbers
//! approve (4242 4242 4242 4242), decline (4000 0000 0000 0002) or fail for insufficient funds
//! (4000 0000 0000 9995); any other number that passes the Luhn check approves, others are
//! invalid. Like a real processor it remembers idempotency keys: the same key charges once.

use std::collections::HashMap;
use std::sync::Mutex;

use hale_domain::parking::ParkingRefusal;
use hale_hospital_json::parking::Card;

/// A successful charge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charge {
    pub id: String,
    pub amount_pence: u32,
    pub card_last4: String,
}

/// A card processor. A hospital plugs in its own; the reference server uses [`Sandbox`].
pub trait PaymentProvider: Send + Sync + std::fmt::Debug {
    /// Charges `amount_pence` to `card`. Calling again with the same `idempotency_key` returns
    /// the first outcome and charges nothing more.
    fn charge(
        &self,
        idempotency_key: &str,
        amount_pence: u32,
        card: &Card,
    ) -> Result<Charge, ParkingRefusal>;
}

/// The test-mode card processor.
#[derive(Debug, Default)]
pub struct Sandbox {
    seen: Mutex<HashMap<String, Result<Charge, ParkingRefusal>>>,
}

impl Sandbox {
    /// How many charges went through (for tests).
    pub fn approved(&self) -> usize {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.values().filter(|r| r.is_ok()).count()
    }
}

/// Whether `digits` passes the Luhn check every card number carries.
fn luhn(digits: &str) -> bool {
    let sum: u32 = digits
        .chars()
        .rev()
        .filter_map(|c| c.to_digit(10))
        .enumerate()
        .map(|(i, d)| {
            if i % 2 == 1 {
                if d * 2 > 9 {
                    d * 2 - 9
                } else {
                    d * 2
                }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

impl PaymentProvider for Sandbox {
    fn charge(
        &self,
        idempotency_key: &str,
        amount_pence: u32,
        card: &Card,
    ) -> Result<Charge, ParkingRefusal> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(first) = seen.get(idempotency_key) {
            return first.clone();
        }
        let digits: String = card.number.chars().filter(|c| !c.is_whitespace()).collect();
        let outcome = if !(12..=19).contains(&digits.len())
            || !digits.chars().all(|c| c.is_ascii_digit())
            || !luhn(&digits)
            || card.cvc.len() < 3
        {
            Err(ParkingRefusal::InvalidCard)
        } else {
            match digits.as_str() {
                "4000000000000002" => Err(ParkingRefusal::CardDeclined),
                "4000000000009995" => Err(ParkingRefusal::InsufficientFunds),
                _ => Ok(Charge {
                    id: format!("ch_sandbox_{}", seen.len() + 1),
                    amount_pence,
                    card_last4: digits[digits.len() - 4..].to_owned(),
                }),
            }
        };
        seen.insert(idempotency_key.to_owned(), outcome.clone());
        outcome
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(number: &str) -> Card {
        Card {
            number: number.into(),
            expiry: "12/30".into(),
            cvc: "123".into(),
        }
    }

    #[test]
    fn the_published_test_cards_behave_as_documented() {
        let s = Sandbox::default();
        assert_eq!(
            s.charge("k1", 250, &card("4242 4242 4242 4242"))
                .unwrap()
                .card_last4,
            "4242"
        );
        assert_eq!(
            s.charge("k2", 250, &card("4000000000000002")),
            Err(ParkingRefusal::CardDeclined)
        );
        assert_eq!(
            s.charge("k3", 250, &card("4000000000009995")),
            Err(ParkingRefusal::InsufficientFunds)
        );
        assert_eq!(
            s.charge("k4", 250, &card("4242424242424241")),
            Err(ParkingRefusal::InvalidCard)
        );
        assert_eq!(s.approved(), 1);
    }

    #[test]
    fn one_key_charges_once() {
        let s = Sandbox::default();
        let first = s.charge("same", 400, &card("4242424242424242")).unwrap();
        let again = s.charge("same", 400, &card("4242424242424242")).unwrap();
        assert_eq!(first, again);
        assert_eq!(s.approved(), 1);
    }
}
