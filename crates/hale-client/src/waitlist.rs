//! The earlier-slot waitlist: entries, their offers, accepting and declining.

use chrono::{DateTime, Utc};
use hale_domain::waitlist::EntryStatus;
use hale_domain::{WaitlistEntry, WaitlistOffer};
use hale_hospital_json::waitlist as wire;

use crate::{decode, send, ClientError, HospitalClient, Session};

impl HospitalClient {
    /// The patient's waitlist entries, each with its open offer of an earlier slot, if any.
    pub async fn waitlist(&self, session: &Session) -> Result<Vec<WaitlistEntry>, ClientError> {
        let request = self.http.get(self.api_url(&["waitlist"])?);
        let entries: Vec<wire::WaitlistEntry> =
            decode(send(self.authed(request, session)).await?).await?;
        Ok(entries.into_iter().map(entry).collect())
    }

    /// Asks for an earlier time for appointment `id`, nothing before `not_before` (default:
    /// as soon as possible). Asking again returns the same entry.
    pub async fn join_waitlist(
        &self,
        session: &Session,
        id: &str,
        not_before: Option<DateTime<Utc>>,
    ) -> Result<WaitlistEntry, ClientError> {
        let body = wire::JoinWaitlist {
            appointment: id.to_owned(),
            not_before,
        };
        let request = self.http.post(self.api_url(&["waitlist"])?).json(&body);
        Ok(entry(
            decode(send(self.authed(request, session)).await?).await?,
        ))
    }

    /// Stops waiting; a slot held for the entry passes to the next patient.
    pub async fn leave_waitlist(&self, session: &Session, entry: &str) -> Result<(), ClientError> {
        let request = self.http.delete(self.api_url(&["waitlist", entry])?);
        send(self.authed(request, session)).await.map(drop)
    }

    /// Accepts offer `id`: the appointment moves to the held slot. Answers with it, moved.
    pub async fn accept_offer(
        &self,
        session: &Session,
        id: &str,
    ) -> Result<hale_domain::Appointment, ClientError> {
        let url = self.api_url(&["waitlist", "offers", id, "accept"])?;
        self.appointment(self.authed(self.http.post(url), session))
            .await
    }

    /// Declines offer `id`; the patient keeps waiting for another.
    pub async fn decline_offer(&self, session: &Session, id: &str) -> Result<(), ClientError> {
        let url = self.api_url(&["waitlist", "offers", id, "decline"])?;
        send(self.authed(self.http.post(url), session))
            .await
            .map(drop)
    }
}

fn entry(e: wire::WaitlistEntry) -> WaitlistEntry {
    WaitlistEntry {
        id: e.id,
        appointment: e.appointment,
        not_before: e.not_before,
        created: e.created,
        status: match e.status {
            wire::WaitlistStatus::Waiting => EntryStatus::Waiting,
            wire::WaitlistStatus::Fulfilled => EntryStatus::Fulfilled,
            wire::WaitlistStatus::Withdrawn => EntryStatus::Withdrawn,
        },
        offer: e.offer.map(|o| WaitlistOffer {
            id: o.id,
            slot: o.slot,
            start: o.start,
            end: o.end,
            service: o.service,
            clinician: o.clinician,
            location: o.location,
            expires: o.expires,
        }),
    }
}
