//! The payment ledger: one row per payment decision, keyed by (patient, idempotency key) and
//! looked up before any charge in the same writing transaction, so a retried, repeated or
//! concurrent request charges once; the charge itself, with a typed card or the processor's token
//! of the session's saved card; and the refusal of a price that is not the one shown.

use chrono::{DateTime, Utc};
use hale_domain::parking::{check_card, ParkingRefusal};
use hale_hospital_json::parking::Card;
use sqlx::{Any, Transaction};

use crate::db::Time;
use crate::payments::Charge;
use crate::{FhirError, ServerState};

pub(super) fn check_key(key: &str) -> Result<(), FhirError> {
    if key.is_empty() || key.len() > 100 {
        return Err(FhirError::Invalid(
            "idempotency_key must be 1 to 100 characters".into(),
        ));
    }
    Ok(())
}

/// The outcome already recorded under `key`, if any: the session it paid for, or its refusal.
pub(super) async fn earlier_outcome(
    tx: &mut Transaction<'_, Any>,
    patient: &str,
    key: &str,
) -> Result<Option<Result<String, ParkingRefusal>>, FhirError> {
    let row: Option<(String, Option<String>, Option<String>)> = sqlx::query_as(
        "SELECT status, session_id, decline_code FROM payment WHERE patient_id = $1 AND idempotency_key = $2",
    )
    .bind(patient)
    .bind(key)
    .fetch_optional(&mut **tx)
    .await?;
    Ok(row.map(
        |(status, session, decline)| match (status.as_str(), session) {
            ("approved", Some(session)) => Ok(session),
            _ => Err(match decline.as_deref() {
                Some("insufficient-funds") => ParkingRefusal::InsufficientFunds,
                Some("invalid-card") => ParkingRefusal::InvalidCard,
                Some("card-needed") => ParkingRefusal::CardNeeded,
                _ => ParkingRefusal::CardDeclined,
            }),
        },
    ))
}

/// What a payment is made with.
pub(super) enum PayWith<'a> {
    /// A card typed for this payment.
    Card(&'a Card),
    /// The processor's token of the card saved with the session, and its last four digits.
    Saved(Option<(String, String)>),
}

/// What one payment records.
pub(super) struct PaymentRecord<'a> {
    pub(super) patient: &'a str,
    pub(super) key: &'a str,
    pub(super) session: Option<&'a str>,
    pub(super) purpose: &'a str,
    pub(super) minutes: u32,
    pub(super) with: PayWith<'a>,
}

/// Refuses a payment whose shown price is not the price: nothing is charged, and the app shows
/// the new one. Apps that show no price (older ones) send none.
pub(super) fn check_quote(quoted: Option<u32>, due: u32) -> Result<(), ParkingRefusal> {
    match quoted {
        Some(q) if q != due => Err(ParkingRefusal::PriceChanged),
        _ => Ok(()),
    }
}

/// Keeps the processor's token of the card that paid for `session`, for its extensions.
pub(super) async fn save_card(
    tx: &mut Transaction<'_, Any>,
    session: &str,
    charge: &Charge,
) -> Result<(), FhirError> {
    if let Some(token) = &charge.card_token {
        sqlx::query("UPDATE parking_session SET card_token = $1, card_last4 = $2 WHERE id = $3")
            .bind(token)
            .bind(&charge.card_last4)
            .bind(session)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Charges `amount` (nothing to charge for a free stay) and records the outcome under the key.
pub(super) async fn pay(
    tx: &mut Transaction<'_, Any>,
    state: &ServerState,
    record: &PaymentRecord<'_>,
    amount: u32,
    now: DateTime<Utc>,
) -> Result<Result<Charge, ParkingRefusal>, FhirError> {
    let last4: String = match &record.with {
        PayWith::Card(card) => card
            .number
            .chars()
            .filter(char::is_ascii_digit)
            .collect::<Vec<_>>()
            .iter()
            .rev()
            .take(4)
            .rev()
            .collect(),
        PayWith::Saved(saved) => saved.as_ref().map(|(_, l)| l.clone()).unwrap_or_default(),
    };
    let mut mismatch = false;
    let outcome = if amount == 0 {
        Ok(Charge {
            id: "free".into(),
            amount_pence: 0,
            card_last4: last4.clone(),
            card_token: None,
        })
    } else {
        let Some(processor) = &state.payments else {
            return Err(FhirError::Unavailable(
                "this hospital takes no card payments here: no card processor is configured",
            ));
        };
        let key = crate::payments::processor_key(record.patient, record.key);
        let charged = match &record.with {
            PayWith::Card(card) => {
                check_card(&card.number, &card.expiry, &card.cvc, now.date_naive())?;
                processor.charge(&key, amount, card)
            }
            PayWith::Saved(Some((token, _))) => processor.charge_saved(&key, amount, token),
            PayWith::Saved(None) => return Err(ParkingRefusal::CardNeeded.into()),
        };
        match charged {
            // What is bought is what is paid: an approval for another amount buys nothing.
            Ok(charge) if charge.amount_pence != amount => {
                tracing::error!(
                    charged = charge.amount_pence,
                    price = amount,
                    "the card processor charged another amount than the price; refund it"
                );
                mismatch = true;
                Err(ParkingRefusal::CardDeclined)
            }
            other => other,
        }
    };
    // A token the processor no longer knows is forgotten here too: the app then asks for a card
    // instead of offering one that cannot pay.
    if let (Err(ParkingRefusal::CardNeeded), Some(session)) = (&outcome, record.session) {
        sqlx::query(
            "UPDATE parking_session SET card_token = NULL, card_last4 = NULL WHERE id = $1",
        )
        .bind(session)
        .execute(&mut **tx)
        .await?;
    }
    let (status, decline, receipt) = match &outcome {
        Ok(_) => {
            let (n,): (i64,) =
                sqlx::query_as("SELECT COUNT(*) FROM payment WHERE receipt_number IS NOT NULL")
                    .fetch_one(&mut **tx)
                    .await?;
            ("approved", None, Some(format!("HALE-PK-{:06}", n + 1)))
        }
        Err(_) if mismatch => ("declined", Some("amount-mismatch"), None),
        Err(refusal) => ("declined", Some(refusal.code()), None),
    };
    sqlx::query(
        "INSERT INTO payment (id, patient_id, idempotency_key, session_id, purpose, minutes, amount_pence, \
         status, decline_code, card_last4, receipt_number, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(format!("pay-{:016x}", crate::random::u64()?))
    .bind(record.patient)
    .bind(record.key)
    .bind(record.session)
    .bind(record.purpose)
    .bind(i64::from(record.minutes))
    .bind(i64::from(amount))
    .bind(status)
    .bind(decline)
    .bind(&last4)
    .bind(receipt)
    .bind(Time(now))
    .execute(&mut **tx)
    .await?;
    Ok(outcome)
}
