//! Parking: car parks, sessions with their receipts, and concessions, read into the domain's
//! types.

use hale_domain::parking::{
    CarPark, Card, Concession, ConcessionApplication, ConcessionStatus, ParkingSession, Purchase,
    Receipt, ReceiptPurpose,
};
use hale_hospital_json::parking as wire;

use crate::{decode, send, ClientError, HospitalClient, Session};

impl HospitalClient {
    /// Every car park with its tariff and free spaces.
    pub async fn car_parks(&self, session: &Session) -> Result<Vec<CarPark>, ClientError> {
        let request = self.http.get(self.api_url(&["car-parks"])?);
        let car_parks: Vec<wire::CarPark> =
            decode(send(self.authed(request, session)).await?).await?;
        Ok(car_parks.into_iter().map(car_park).collect())
    }

    /// Pays for `minutes` of parking from now. `key` names this payment decision: a retry with
    /// the same key returns the first outcome and never charges again.
    pub async fn start_parking(
        &self,
        session: &Session,
        car_park: &str,
        registration: &str,
        purchase: Purchase<'_>,
        card: &Card,
    ) -> Result<ParkingSession, ClientError> {
        let body = wire::StartParking {
            car_park: car_park.to_owned(),
            registration: registration.to_owned(),
            minutes: purchase.minutes,
            card: wire_card(card),
            idempotency_key: purchase.key.to_owned(),
            quoted_pence: Some(purchase.quoted_pence),
        };
        let request = self
            .http
            .post(self.api_url(&["parking", "sessions"])?)
            .json(&body);
        parking_session(decode(send(self.authed(request, session)).await?).await?)
    }

    /// Pays for more of parking session `id`, with `card`, or with `None` the card saved with
    /// the session at the hospital's processor.
    pub async fn extend_parking(
        &self,
        session: &Session,
        id: &str,
        purchase: Purchase<'_>,
        card: Option<&Card>,
    ) -> Result<ParkingSession, ClientError> {
        let body = wire::ExtendParking {
            minutes: purchase.minutes,
            card: card.map(wire_card),
            idempotency_key: purchase.key.to_owned(),
            quoted_pence: Some(purchase.quoted_pence),
        };
        let url = self.api_url(&["parking", "sessions", id, "extend"])?;
        let request = self.http.post(url).json(&body);
        parking_session(decode(send(self.authed(request, session)).await?).await?)
    }

    /// Ends parking session `id` (the car has left).
    pub async fn end_parking(
        &self,
        session: &Session,
        id: &str,
    ) -> Result<ParkingSession, ClientError> {
        let url = self.api_url(&["parking", "sessions", id, "end"])?;
        parking_session(decode(send(self.authed(self.http.post(url), session)).await?).await?)
    }

    /// The patient's parking sessions, newest first, with receipts.
    pub async fn parking_sessions(
        &self,
        session: &Session,
    ) -> Result<Vec<ParkingSession>, ClientError> {
        let request = self.http.get(self.api_url(&["parking", "sessions"])?);
        let sessions: Vec<wire::ParkingSession> =
            decode(send(self.authed(request, session)).await?).await?;
        sessions.into_iter().map(parking_session).collect()
    }

    /// Applies for a concession; the hospital decides at once and says why.
    pub async fn apply_concession(
        &self,
        session: &Session,
        application: &ConcessionApplication,
    ) -> Result<Concession, ClientError> {
        let body = wire::ApplyConcession {
            kind: application.kind,
            blue_badge_number: application.blue_badge_number.clone(),
            blue_badge_expiry: application.blue_badge_expiry,
        };
        let request = self
            .http
            .post(self.api_url(&["parking", "concessions"])?)
            .json(&body);
        Ok(concession(
            decode(send(self.authed(request, session)).await?).await?,
        ))
    }

    /// The patient's concession decisions.
    pub async fn concessions(&self, session: &Session) -> Result<Vec<Concession>, ClientError> {
        let request = self.http.get(self.api_url(&["parking", "concessions"])?);
        let decided: Vec<wire::Concession> =
            decode(send(self.authed(request, session)).await?).await?;
        Ok(decided.into_iter().map(concession).collect())
    }
}

fn wire_card(c: &Card) -> wire::Card {
    wire::Card {
        number: c.number.clone(),
        expiry: c.expiry.clone(),
        cvc: c.cvc.clone(),
    }
}

fn car_park(c: wire::CarPark) -> CarPark {
    CarPark {
        id: c.id,
        name: c.name,
        location: c.location,
        free_spaces: c.free_spaces,
        clinic_names: c.clinic_names,
        tariff: c.tariff,
    }
}

fn parking_session(s: wire::ParkingSession) -> Result<ParkingSession, ClientError> {
    let receipts = s
        .receipts
        .into_iter()
        .map(|r| {
            Ok(Receipt {
                purpose: ReceiptPurpose::from_code(&r.purpose).ok_or_else(|| {
                    ClientError::InvalidResponse(format!("a receipt for '{}'", r.purpose))
                })?,
                id: r.id,
                number: r.number,
                minutes: r.minutes,
                amount_pence: r.amount_pence,
                card_last4: r.card_last4,
                created: r.created,
            })
        })
        .collect::<Result<_, ClientError>>()?;
    Ok(ParkingSession {
        id: s.id,
        car_park: s.car_park,
        car_park_name: s.car_park_name,
        registration: s.registration,
        started: s.started,
        expires: s.expires,
        ended: s.ended,
        paid_pence: s.paid_pence,
        relief: s.relief,
        saved_card_last4: s.saved_card_last4,
        receipts,
    })
}

fn concession(c: wire::Concession) -> Concession {
    Concession {
        id: c.id,
        kind: c.kind,
        status: match c.status {
            wire::ConcessionStatus::Approved => ConcessionStatus::Approved,
            wire::ConcessionStatus::Refused => ConcessionStatus::Refused,
        },
        reason: c.reason,
        relief: c.relief,
        relief_now: c.relief_now,
        decided: c.decided,
    }
}
