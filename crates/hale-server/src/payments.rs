//! The payment-provider interface, and the reference server's sandbox card processor.
//!
//! The sandbox behaves like a card processor's test mode: the published test card numbers
//! approve (4242 4242 4242 4242), decline (4000 0000 0000 0002) or fail for insufficient funds
//! (4000 0000 0000 9995); any other number that passes the Luhn check approves, others are
//! invalid. Like a real processor it remembers idempotency keys: the same key charges once. And
//! like one, it returns a token with an approval that charges the same card again (for an
//! extension) without the number; the sandbox keeps its tokens in memory, so they last as long
//! as the server process.

use std::collections::HashMap;
use std::sync::Mutex;

use hale_domain::parking::{check_card, expiry_ok, ParkingRefusal};
use hale_hospital_json::parking::Card;

/// A successful charge.
#[derive(Clone, PartialEq, Eq)]
pub struct Charge {
    pub id: String,
    pub amount_pence: u32,
    pub card_last4: String,
    /// Charges the same card again through [`PaymentProvider::charge_saved`], when the
    /// processor keeps one. The server stores it with the session; it never leaves the server.
    pub card_token: Option<String>,
}

impl std::fmt::Debug for Charge {
    // The token charges the card: as good as the card, so never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Charge")
            .field("id", &self.id)
            .field("amount_pence", &self.amount_pence)
            .field("card_last4", &self.card_last4)
            .finish_non_exhaustive()
    }
}

/// A card processor. A hospital plugs in its own; the reference server uses [`Sandbox`].
pub trait PaymentProvider: Send + Sync + std::fmt::Debug {
    /// Charges `amount_pence` to `card`. Calling again with the same `idempotency_key` returns
    /// the first outcome and charges nothing more. The server derives the key from the patient
    /// and the app's key ([`processor_key`]), so one patient's key never meets another's charge.
    fn charge(
        &self,
        idempotency_key: &str,
        amount_pence: u32,
        card: &Card,
    ) -> Result<Charge, ParkingRefusal>;

    /// Charges `amount_pence` to the card behind `token`, one this processor returned with an
    /// earlier approval; idempotent as [`PaymentProvider::charge`]. A token it does not know
    /// answers [`ParkingRefusal::CardNeeded`].
    fn charge_saved(
        &self,
        idempotency_key: &str,
        amount_pence: u32,
        token: &str,
    ) -> Result<Charge, ParkingRefusal>;
}

/// The idempotency key the processor sees: the patient's own key, scoped to the patient. An
/// unscoped key let patient B, sending A's key, be answered with A's approval.
pub fn processor_key(patient: &str, key: &str) -> String {
    use sha2::{Digest, Sha256};
    // The patient's length first, so no split of one string into patient and key is another's.
    let digest = Sha256::digest(format!("{}:{patient}{key}", patient.len()).as_bytes());
    let hex: String = digest.iter().map(|b| format!("{b:02x}")).collect();
    format!("hale-{hex}")
}

/// The test-mode card processor.
#[derive(Debug, Default)]
pub struct Sandbox {
    seen: Mutex<HashMap<String, Result<Charge, ParkingRefusal>>>,
    tokens: Mutex<HashMap<String, SavedCard>>,
}

/// What a processor keeps to charge a card again: never its security code, which is for the
/// card holder's own payments only.
#[derive(Clone)]
struct SavedCard {
    number: String,
    expiry: String,
}

impl std::fmt::Debug for SavedCard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SavedCard(<redacted>)")
    }
}

impl Sandbox {
    /// How many charges went through (for tests).
    pub fn approved(&self) -> usize {
        let seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        seen.values().filter(|r| r.is_ok()).count()
    }
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
        // It refuses what a real processor refuses: a bad number, a past or impossible expiry,
        // a security code that is not digits.
        let today = chrono::Utc::now().date_naive();
        let outcome = check_card(&card.number, &card.expiry, &card.cvc, today)
            .and_then(|()| self.approve(seen.len(), amount_pence, &card.number, &card.expiry));
        seen.insert(idempotency_key.to_owned(), outcome.clone());
        outcome
    }

    fn charge_saved(
        &self,
        idempotency_key: &str,
        amount_pence: u32,
        token: &str,
    ) -> Result<Charge, ParkingRefusal> {
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(first) = seen.get(idempotency_key) {
            return first.clone();
        }
        let card = self
            .tokens
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(token)
            .cloned();
        let today = chrono::Utc::now().date_naive();
        let outcome = match card {
            Some(card) if !expiry_ok(&card.expiry, today) => Err(ParkingRefusal::InvalidCard),
            // The same card, the same rules: a card that declines declines again.
            Some(card) => self.approve(seen.len(), amount_pence, &card.number, &card.expiry),
            None => Err(ParkingRefusal::CardNeeded),
        };
        seen.insert(idempotency_key.to_owned(), outcome.clone());
        outcome
    }
}

impl Sandbox {
    /// What test mode answers for a checked card; an approval carries a token for the card.
    fn approve(
        &self,
        charges: usize,
        amount_pence: u32,
        number: &str,
        expiry: &str,
    ) -> Result<Charge, ParkingRefusal> {
        let digits: String = number.chars().filter(|c| !c.is_whitespace()).collect();
        match digits.as_str() {
            "4000000000000002" => Err(ParkingRefusal::CardDeclined),
            "4000000000009995" => Err(ParkingRefusal::InsufficientFunds),
            _ => {
                // Unguessable, or none at all: a token is as good as the card.
                let token = crate::random::u64()
                    .ok()
                    .map(|n| format!("tok_sandbox_{n:016x}"));
                if let Some(token) = &token {
                    self.tokens
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .insert(
                            token.clone(),
                            SavedCard {
                                number: digits.clone(),
                                expiry: expiry.to_owned(),
                            },
                        );
                }
                Ok(Charge {
                    id: format!("ch_sandbox_{}", charges + 1),
                    amount_pence,
                    card_last4: digits[digits.len() - 4..].to_owned(),
                    card_token: token,
                })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::test_rng::Rng;

    /// A short text of few letters, so random pairs often share prefixes and splits.
    fn text(rng: &mut Rng) -> String {
        let len = rng.below(6);
        (0..len)
            .map(|_| ['a', 'b', '\n', ':', '1'][rng.below(5) as usize])
            .collect()
    }

    #[test]
    fn processor_keys_are_the_same_for_one_patients_key_and_differ_for_any_other_pair() {
        let mut rng = Rng(0x1234_5678_9abc_def1);
        let mut seen: HashMap<String, (String, String)> = HashMap::new();
        for _ in 0..20_000 {
            let pair = (text(&mut rng), text(&mut rng));
            let key = processor_key(&pair.0, &pair.1);
            assert_eq!(key, processor_key(&pair.0, &pair.1), "stable");
            if let Some(other) = seen.insert(key, pair.clone()) {
                assert_eq!(other, pair, "two pairs share a processor key");
            }
        }
        // The split that a plain separator would confuse.
        assert_ne!(processor_key("a\nb", "c"), processor_key("a", "b\nc"));
        assert_ne!(processor_key("1:a", "b"), processor_key("1", ":ab"));
    }

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
    fn a_token_charges_the_same_card_again_and_an_unknown_one_asks_for_a_card() {
        let s = Sandbox::default();
        let first = s.charge("k1", 400, &card("4242424242424242")).unwrap();
        let token = first.card_token.clone().unwrap();
        let again = s.charge_saved("k2", 150, &token).unwrap();
        assert_eq!(
            (again.amount_pence, again.card_last4.as_str()),
            (150, "4242")
        );
        assert_eq!(
            s.charge_saved("k2", 150, &token).unwrap(),
            again,
            "one key, one charge"
        );
        assert_eq!(s.approved(), 2);
        assert_eq!(
            s.charge_saved("k3", 150, "tok_sandbox_forged"),
            Err(ParkingRefusal::CardNeeded)
        );
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
