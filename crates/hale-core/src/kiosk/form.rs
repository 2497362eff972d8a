//! The pre-visit form at the kiosk, held in memory only. It is offered by a check-in, opened
//! blank (a public screen shows none of the patient's medicines, allergies or readings, so
//! nothing is prefilled), answered as in the app, and sent once on a key made when it was
//! offered, so pressing Send again after a lost answer stores it once. Sent, refused, left
//! untouched for the kiosk's idle time, or followed by another check-in, it is forgotten.

use chrono::{DateTime, Duration, Utc};
use hale_client::{ClientError, KioskFormOpened, Stored};
use hale_domain::questionnaire::{
    parse_answer, prefilled, pruned, validate, Form, Known, Path, Problem, Response,
};
use hale_domain::queue::FormGrant;
use std::sync::atomic::{AtomicU64, Ordering};

use tokio::sync::Mutex;

use super::device::Device;
use crate::forms::{shown, FormError, FormFor, FormStage, PreVisitForm};
use crate::CoreError;

pub(super) struct FormDesk {
    draft: Mutex<Option<Draft>>,
    /// Bumped each time the form is forgotten, so a check-in answered after the screen moved on
    /// (a slow hospital) cannot put its form in front of the next person.
    generation: AtomicU64,
    /// How long an untouched form is kept.
    idle: Duration,
}

impl std::fmt::Debug for FormDesk {
    // The answers are the patient's: never in a log.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FormDesk")
            .field("idle", &self.idle)
            .finish_non_exhaustive()
    }
}

struct Draft {
    grant: FormGrant,
    /// The response's key: one per offer.
    key: String,
    /// Once the hospital has sent the form.
    opened: Option<Opened>,
    touched: DateTime<Utc>,
    /// Set at the first attempt to send: the answers are frozen from then on, so a send whose
    /// outcome was lost and is tried again carries the very answers the key may already hold.
    sending: bool,
}

struct Opened {
    visit: FormFor,
    form: Form,
    answers: Response,
}

impl FormDesk {
    pub fn new(idle: Duration) -> Self {
        Self {
            draft: Mutex::new(None),
            generation: AtomicU64::new(0),
            idle,
        }
    }

    /// Forgets the form, and returns the generation a check-in begun now belongs to.
    pub async fn forget(&self) -> u64 {
        let mut guard = self.draft.lock().await;
        *guard = None;
        self.generation.fetch_add(1, Ordering::SeqCst) + 1
    }

    /// Holds `grant`'s form for the person just checked in, unless the screen has moved on
    /// since their check-in began (`generation`).
    pub async fn offer(&self, grant: FormGrant, generation: u64, now: DateTime<Utc>) {
        let mut bytes = [0u8; 16];
        let key = match getrandom::fill(&mut bytes) {
            Ok(()) => bytes.iter().map(|b| format!("{b:02x}")).collect(),
            // Without a key it could not be sent exactly once: not offered.
            Err(error) => {
                tracing::warn!(%error, "no randomness for a kiosk form's key");
                return;
            }
        };
        let mut guard = self.draft.lock().await;
        if self.generation.load(Ordering::SeqCst) != generation {
            return;
        }
        *guard = Some(Draft {
            grant,
            key,
            opened: None,
            touched: now,
            sending: false,
        });
    }

    /// The form, asked of the hospital at its first showing.
    pub async fn open(
        &self,
        device: &Device,
        now: DateTime<Utc>,
    ) -> Result<PreVisitForm, CoreError> {
        let mut guard = self.draft.lock().await;
        let draft = live(&mut guard, self.idle, now)?;
        if draft.opened.is_none() {
            let grant = &draft.grant;
            let opened = device
                .with_session(|s| async move { device.client.kiosk_form(&s, grant).await })
                .await;
            let KioskFormOpened {
                service,
                start,
                form,
            } = match opened {
                Ok(opened) => opened,
                Err(error) => return Err(gone_if_refused(&mut guard, error)),
            };
            let nothing = Known {
                medicines: Vec::new(),
                allergies: Vec::new(),
                readings: Vec::new(),
            };
            let answers = prefilled(&form, &nothing);
            draft.opened = Some(Opened {
                visit: FormFor {
                    appointment_id: None,
                    service,
                    start,
                },
                form,
                answers,
            });
        }
        let opened = draft.opened.as_ref().ok_or(FormError::NotBegun)?;
        Ok(open_screen(opened, None))
    }

    pub async fn answer(
        &self,
        path: &str,
        values: &[String],
        now: DateTime<Utc>,
    ) -> Result<PreVisitForm, CoreError> {
        let mut guard = self.draft.lock().await;
        let opened = opened(&mut guard, self.idle, now)?;
        let path: Path = path.parse().map_err(FormError::Path)?;
        let item = path.item(&opened.form).map_err(FormError::Path)?;
        let mut answers = Vec::new();
        for value in values {
            match parse_answer(item, value) {
                Ok(Some(answer)) => answers.push(answer),
                Ok(None) => {}
                Err(kind) => return Ok(open_screen(opened, Some(Problem { path, kind }))),
            }
        }
        opened
            .answers
            .set(&opened.form, &path, answers)
            .map_err(FormError::Path)?;
        Ok(open_screen(opened, None))
    }

    pub async fn change_group(
        &self,
        path: &str,
        add: bool,
        now: DateTime<Utc>,
    ) -> Result<PreVisitForm, CoreError> {
        let mut guard = self.draft.lock().await;
        let opened = opened(&mut guard, self.idle, now)?;
        let path: Path = path.parse().map_err(FormError::Path)?;
        if add {
            opened.answers.add_instance(&opened.form, &path)
        } else {
            opened
                .answers
                .remove_instance(&opened.form, &path)
                .map(|()| path.clone())
        }
        .map_err(FormError::Path)?;
        Ok(open_screen(opened, None))
    }

    /// Sends the answers while nothing stops them, and forgets them once the hospital has them
    /// (or refused them for good). While it cannot be reached they stay, for Send again.
    pub async fn submit(
        &self,
        device: &Device,
        now: DateTime<Utc>,
    ) -> Result<PreVisitForm, CoreError> {
        let mut guard = self.draft.lock().await;
        let draft = live(&mut guard, self.idle, now)?;
        let opened = draft.opened.as_ref().ok_or(FormError::NotBegun)?;
        if !validate(&opened.form, &opened.answers).is_empty() {
            return Ok(open_screen(opened, None));
        }
        draft.sending = true;
        let (grant, key) = (&draft.grant, &draft.key);
        let opened = draft.opened.as_ref().ok_or(FormError::NotBegun)?;
        let sent = pruned(&opened.form, &opened.answers);
        let answer = device
            .with_session(|s| {
                let sent = &sent;
                async move {
                    device
                        .client
                        .kiosk_send_form(&s, grant, &opened.form, sent, key, now)
                        .await
                }
            })
            .await;
        let visit = opened.visit.clone();
        match answer {
            Ok(stored) => {
                if stored == Stored::AlreadyThere {
                    tracing::info!("a kiosk form the hospital already had");
                }
                *guard = None;
                Ok(PreVisitForm {
                    visit,
                    stage: FormStage::Submitted {
                        at: now,
                        confirmed: true,
                    },
                    title: None,
                    lines: Vec::new(),
                    problems: 0,
                })
            }
            Err(error) => Err(gone_if_refused(&mut guard, error)),
        }
    }
}

/// The draft while it is live: one untouched for longer than `idle` is forgotten.
fn live(
    guard: &mut Option<Draft>,
    idle: Duration,
    now: DateTime<Utc>,
) -> Result<&mut Draft, CoreError> {
    if guard.as_ref().is_some_and(|d| now - d.touched > idle) {
        *guard = None;
    }
    let draft = guard.as_mut().ok_or(FormError::Closed)?;
    draft.touched = now;
    Ok(draft)
}

/// The opened form while its answers may still change.
fn opened(
    guard: &mut Option<Draft>,
    idle: Duration,
    now: DateTime<Utc>,
) -> Result<&mut Opened, CoreError> {
    let draft = live(guard, idle, now)?;
    if draft.sending {
        return Err(FormError::AlreadySent.into());
    }
    draft
        .opened
        .as_mut()
        .ok_or_else(|| FormError::NotBegun.into())
}

fn open_screen(opened: &Opened, typed: Option<Problem>) -> PreVisitForm {
    shown(
        opened.visit.clone(),
        FormStage::Open,
        &opened.form,
        &opened.answers,
        typed,
    )
}

/// A grant the hospital no longer honours (expired, or the form answered meanwhile) closes the
/// form here too; anything else leaves it to try again.
fn gone_if_refused(guard: &mut Option<Draft>, error: ClientError) -> CoreError {
    match &error {
        ClientError::NotFound | ClientError::Rejected { status: 409, .. } => {
            tracing::info!(%error, "a kiosk form is no longer open");
            *guard = None;
            FormError::Closed.into()
        }
        _ => error.into(),
    }
}
