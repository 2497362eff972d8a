//! Answers given on a notification, and what the closed app shows at a glance.
//!
//! A button on a notification does exactly what the same button on the screen does, through the
//! same use case: "Taken" is [`Patient::log_dose`], "Snooze" [`Patient::snooze_dose`], "Accept"
//! [`Patient::accept_offer`]. So a dose answered twice (on the notification and on the screen)
//! is still logged once, and the record reaches the hospital through the same outbox.

use chrono::{DateTime, TimeZone, Utc};
use hale_domain::glance::{next_dose, NextDose};
use hale_domain::medication::{Outcome, SkipReason};
use hale_domain::notice::{About, NoticeAction, SNOOZE_MINUTES};

pub use hale_store::Milestone;

use crate::medicines::{LogDose, MedicineError};
use crate::{CoreError, Patient};

/// What came of an answer on a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answered {
    /// Done, as the same button on the screen would have done it.
    Done,
    /// Nothing left to do: the doses were logged already (on the screen, or by an earlier
    /// click on the same notification).
    AlreadyDone,
    /// The notification is about someone else than the person whose records the app shows now
    /// (the patient switched to looking after someone since): nothing was recorded, and the app
    /// opens so they can choose.
    NotInView,
    /// The action does not belong to this notification.
    NotOffered,
}

/// When the next dose and the next appointment are, from the local copy alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Glance {
    pub next_dose: NextDose,
    pub next_appointment: Option<DateTime<Utc>>,
}

impl Patient {
    /// Carries out `action`, chosen on the notification about `about`, at `now`.
    pub async fn answer_notice<Tz: TimeZone>(
        &self,
        about: &About,
        action: NoticeAction,
        zone: &Tz,
        now: DateTime<Utc>,
    ) -> Result<Answered, CoreError> {
        if !about.accepts(action) {
            return Ok(Answered::NotOffered);
        }
        let in_view = self.saved_patient().await?;
        match about {
            About::Doses { patient, doses } => {
                if in_view.as_deref() != Some(patient) {
                    return Ok(Answered::NotInView);
                }
                let mut answered = Answered::AlreadyDone;
                let mut failed = None;
                for dose in doses {
                    let done = match action {
                        NoticeAction::Snooze => self
                            .snooze_dose(&dose.medicine_id, &dose.slot, SNOOZE_MINUTES, zone, now)
                            .await
                            .map(|_| ()),
                        taken_or_skip => {
                            let outcome = if taken_or_skip == NoticeAction::Skip {
                                Outcome::Skipped {
                                    reason: SkipReason::Other,
                                }
                            } else {
                                Outcome::Taken { amount: None }
                            };
                            let log = LogDose {
                                medicine_id: dose.medicine_id.clone(),
                                slot: Some(dose.slot.clone()),
                                outcome,
                                at: None,
                            };
                            self.log_dose(&log, zone, now).await.map(|_| ())
                        }
                    };
                    // One dose that cannot be answered (its medicine stopped since) does not
                    // keep the others from being answered; the failure is told after them.
                    match done {
                        Ok(()) => answered = Answered::Done,
                        Err(CoreError::Medicine(MedicineError::AlreadyLogged)) => {}
                        Err(error) => failed = Some(error),
                    }
                }
                if answered == Answered::Done {
                    tracing::info!(action = action.id(), "dose answered from its notification");
                }
                match failed {
                    Some(error) => Err(error),
                    None => Ok(answered),
                }
            }
            About::Offer { patient, offer_id } => {
                if in_view.as_deref() != Some(patient) {
                    return Ok(Answered::NotInView);
                }
                if action == NoticeAction::Accept {
                    self.accept_offer(offer_id, now).await?;
                } else {
                    self.decline_offer(offer_id).await?;
                }
                tracing::info!(action = action.id(), "offer answered from its notification");
                Ok(Answered::Done)
            }
            About::Shown(_) => Ok(Answered::NotOffered),
        }
    }

    /// The next dose and appointment of the signed-in person, from the device alone (for the
    /// tray, which must not wait on the hospital). Nothing before a sign-in.
    pub async fn glance<Tz>(&self, zone: &Tz, now: DateTime<Utc>) -> Result<Glance, CoreError>
    where
        Tz: TimeZone,
    {
        let medicines = self.medicines_offline(zone, now).await?;
        let appointments = self.saved_appointments().await?;
        Ok(Glance {
            next_dose: next_dose(&medicines.doses, now),
            next_appointment: hale_domain::upcoming(&appointments, now)
                .first()
                .map(|a| a.start),
        })
    }

    /// Whether the app did `milestone` on this device already (told or asked something once).
    pub async fn reached(&self, milestone: Milestone) -> Result<bool, CoreError> {
        Ok(self.store.reached(milestone).await?)
    }

    /// Records `milestone`; `true` the first time only.
    pub async fn reach(&self, milestone: Milestone) -> Result<bool, CoreError> {
        Ok(self.store.reach(milestone).await?)
    }
}
