//! Parking: car parks, sessions with their receipts, and concessions.

use hale_fhir::parking::{
    ApplyConcession, CarPark, Card, Concession, ExtendParking, ParkingSession, StartParking,
};

use crate::{decode, send, ClientError, HospitalClient, Session};

impl HospitalClient {
    /// Every car park with its tariff and free spaces.
    pub async fn car_parks(&self, session: &Session) -> Result<Vec<CarPark>, ClientError> {
        let request = self.http.get(self.api_url(&["car-parks"])?);
        decode(send(self.authed(request, session)).await?).await
    }

    /// Pays for `minutes` of parking from now. `key` names this payment decision: a retry with
    /// the same key returns the first outcome and never charges again.
    pub async fn start_parking(
        &self,
        session: &Session,
        car_park: &str,
        registration: &str,
        minutes: u32,
        card: &Card,
        key: &str,
    ) -> Result<ParkingSession, ClientError> {
        let body = StartParking {
            car_park: car_park.to_owned(),
            registration: registration.to_owned(),
            minutes,
            card: card.clone(),
            idempotency_key: key.to_owned(),
        };
        let request = self
            .http
            .post(self.api_url(&["parking", "sessions"])?)
            .json(&body);
        decode(send(self.authed(request, session)).await?).await
    }

    /// Pays for `minutes` more of parking session `id`.
    pub async fn extend_parking(
        &self,
        session: &Session,
        id: &str,
        minutes: u32,
        card: &Card,
        key: &str,
    ) -> Result<ParkingSession, ClientError> {
        let body = ExtendParking {
            minutes,
            card: card.clone(),
            idempotency_key: key.to_owned(),
        };
        let url = self.api_url(&["parking", "sessions", id, "extend"])?;
        let request = self.http.post(url).json(&body);
        decode(send(self.authed(request, session)).await?).await
    }

    /// Ends parking session `id` (the car has left).
    pub async fn end_parking(
        &self,
        session: &Session,
        id: &str,
    ) -> Result<ParkingSession, ClientError> {
        let url = self.api_url(&["parking", "sessions", id, "end"])?;
        decode(send(self.authed(self.http.post(url), session)).await?).await
    }

    /// The patient's parking sessions, newest first, with receipts.
    pub async fn parking_sessions(
        &self,
        session: &Session,
    ) -> Result<Vec<ParkingSession>, ClientError> {
        let request = self.http.get(self.api_url(&["parking", "sessions"])?);
        decode(send(self.authed(request, session)).await?).await
    }

    /// Applies for a concession; the hospital decides at once and says why.
    pub async fn apply_concession(
        &self,
        session: &Session,
        application: &ApplyConcession,
    ) -> Result<Concession, ClientError> {
        let request = self
            .http
            .post(self.api_url(&["parking", "concessions"])?)
            .json(application);
        decode(send(self.authed(request, session)).await?).await
    }

    /// The patient's concession decisions.
    pub async fn concessions(&self, session: &Session) -> Result<Vec<Concession>, ClientError> {
        let request = self.http.get(self.api_url(&["parking", "concessions"])?);
        decode(send(self.authed(request, session)).await?).await
    }
}
