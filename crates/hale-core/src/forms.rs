//! Pre-visit forms: beginning one (the hospital's form, prefilled from what the device and the
//! hospital know), answering it on the device (offline too, every answer saved as given),
//! sending it once, and the outbox that delivers it when the hospital answers.

use chrono::{DateTime, Utc};
use hale_client::{ClientError, Stored};
use hale_domain::questionnaire::{
    lines, parse_answer, prefilled, pruned, validate, Form, FormState, FormWindow, Known,
    KnownMedicine, KnownReading, Line, Path, PathError, Problem, Response,
};
use hale_domain::Appointment;
use hale_store::FormDraft;

use crate::{CoreError, Patient};

/// Where one appointment's form stands for the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormStage {
    /// The hospital asks for no form before this appointment.
    NoForm,
    NotYet {
        opens: DateTime<Utc>,
    },
    Open,
    /// The appointment is over or no longer live, and the form was never sent.
    Closed,
    /// Sent by the patient; `confirmed` once the hospital has it.
    Submitted {
        at: DateTime<Utc>,
        confirmed: bool,
    },
    /// Sent, and refused by the hospital for good (its form or the appointment changed).
    Refused {
        at: DateTime<Utc>,
    },
}

/// The visit a form is for, as its screen names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormFor {
    /// `None` at the kiosk, which is never told.
    pub appointment_id: Option<String>,
    pub service: String,
    pub start: DateTime<Utc>,
}

impl From<&Appointment> for FormFor {
    fn from(a: &Appointment) -> Self {
        Self {
            appointment_id: Some(a.id.clone()),
            service: a.service.clone(),
            start: a.start,
        }
    }
}

/// One appointment's pre-visit form, as the screen shows it (in the app or at the kiosk).
#[derive(Debug, Clone, PartialEq)]
pub struct PreVisitForm {
    pub visit: FormFor,
    pub stage: FormStage,
    /// The form's title, once the patient has begun it.
    pub title: Option<String>,
    pub lines: Vec<Line>,
    /// How many answers stop it being sent now (each also at its line).
    pub problems: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormError {
    #[error("no such appointment")]
    NoSuchAppointment,
    #[error("the form has not been begun")]
    NotBegun,
    #[error("the form was sent and can no longer change")]
    AlreadySent,
    #[error("the form cannot be changed now")]
    Closed,
    #[error(transparent)]
    Path(#[from] PathError),
}

impl Patient {
    /// The pre-visit form of `appointment_id`: the draft on the device if the patient began
    /// one, else, while the form is open, a new draft of the hospital's form prefilled from the
    /// medicines and readings on the device and the allergies the hospital recorded. Beginning
    /// needs the hospital once; everything after works offline.
    pub async fn pre_visit_form(
        &self,
        appointment_id: &str,
        now: DateTime<Utc>,
    ) -> Result<PreVisitForm, CoreError> {
        let patient = self.require_patient().await?;
        let owner = self.owner(&patient);
        let appointment = self.appointment_on_device(&patient, appointment_id).await?;
        if let Some(draft) = self.store.form_draft(owner, appointment_id).await? {
            return Ok(screen(appointment, &draft, None, now));
        }
        let Some(form_id) = appointment.form.clone() else {
            return Ok(without_draft(appointment, FormStage::NoForm));
        };
        match FormWindow::state(&appointment, now) {
            FormState::Open => {}
            FormState::NotYet { opens } => {
                return Ok(without_draft(appointment, FormStage::NotYet { opens }))
            }
            FormState::Closed => return Ok(without_draft(appointment, FormStage::Closed)),
        }
        let form = self
            .with_session(|s| {
                let form_id = &form_id;
                async move { self.client.form(&s, form_id).await }
            })
            .await?;
        // The allergies only prefill: without them the patient types their own.
        let allergies = self
            .with_session(|s| async move { self.client.allergies(&s).await })
            .await
            .unwrap_or_else(|error| {
                tracing::info!(%error, "allergies not read for a form");
                Vec::new()
            });
        let known = Known {
            medicines: self
                .store
                .medicines(owner)
                .await?
                .records
                .into_iter()
                .filter(|m| m.active)
                .map(|m| KnownMedicine {
                    name: m.name,
                    how: m.instructions,
                })
                .collect(),
            allergies,
            readings: self
                .store
                .latest_home_readings(owner)
                .await?
                .into_iter()
                .flat_map(|stored| {
                    let at = stored.reading.effective;
                    stored
                        .reading
                        .values
                        .into_iter()
                        .map(move |q| KnownReading {
                            vital: q.vital,
                            value: q.value,
                            unit: q.unit.ucum().to_owned(),
                            at,
                        })
                })
                .collect(),
        };
        let answers = prefilled(&form, &known);
        let draft = self
            .store
            .begin_form_draft(owner, appointment_id, &form, &answers, now)
            .await?;
        Ok(screen(appointment, &draft, None, now))
    }

    /// Answers the question at `path` with what the patient typed or chose (several values for
    /// a question that repeats; none clears it). A value that does not fit the question is not
    /// saved, and the screen says why at the question.
    pub async fn answer_form(
        &self,
        appointment_id: &str,
        path: &str,
        values: &[String],
        now: DateTime<Utc>,
    ) -> Result<PreVisitForm, CoreError> {
        let _editing = self.form_edits.lock().await;
        let (patient, appointment, mut draft) = self.open_draft(appointment_id, now).await?;
        let path: Path = path.parse().map_err(FormError::Path)?;
        let item = path.item(&draft.form).map_err(FormError::Path)?;
        let mut answers = Vec::new();
        for value in values {
            match parse_answer(item, value) {
                Ok(Some(answer)) => answers.push(answer),
                Ok(None) => {}
                Err(kind) => {
                    let problem = Problem { path, kind };
                    return Ok(screen(appointment, &draft, Some(problem), now));
                }
            }
        }
        draft
            .answers
            .set(&draft.form, &path, answers)
            .map_err(FormError::Path)?;
        self.save_answers(&patient, &draft, now).await?;
        Ok(screen(appointment, &draft, None, now))
    }

    /// Fills the repeating group at `path` in once more (`add`), or removes that filling-in.
    pub async fn change_form_group(
        &self,
        appointment_id: &str,
        path: &str,
        add: bool,
        now: DateTime<Utc>,
    ) -> Result<PreVisitForm, CoreError> {
        let _editing = self.form_edits.lock().await;
        let (patient, appointment, mut draft) = self.open_draft(appointment_id, now).await?;
        let path: Path = path.parse().map_err(FormError::Path)?;
        if add {
            draft.answers.add_instance(&draft.form, &path)
        } else {
            draft
                .answers
                .remove_instance(&draft.form, &path)
                .map(|()| path.clone())
        }
        .map_err(FormError::Path)?;
        self.save_answers(&patient, &draft, now).await?;
        Ok(screen(appointment, &draft, None, now))
    }

    /// Sends the form: refused, with each problem at its question, while anything stops it;
    /// otherwise frozen on the device and in the outbox, then sent if the hospital answers
    /// (the watch task sends it later if not). A second send changes nothing.
    pub async fn submit_form(
        &self,
        appointment_id: &str,
        now: DateTime<Utc>,
    ) -> Result<PreVisitForm, CoreError> {
        let editing = self.form_edits.lock().await;
        let patient = self.require_patient().await?;
        let owner = self.owner(&patient);
        let appointment = self.appointment_on_device(&patient, appointment_id).await?;
        let draft = self
            .store
            .form_draft(owner, appointment_id)
            .await?
            .ok_or(FormError::NotBegun)?;
        if draft.submitted_at.is_none() {
            if FormWindow::state(&appointment, now) != FormState::Open {
                return Err(FormError::Closed.into());
            }
            if !validate(&draft.form, &draft.answers).is_empty() {
                return Ok(screen(appointment, &draft, None, now));
            }
            let sent = pruned(&draft.form, &draft.answers);
            self.store
                .submit_form(owner, appointment_id, &sent, now)
                .await?;
            drop(editing);
            self.changed.notify_one();
            if let Err(error) = self.sync_forms(now).await {
                tracing::info!(%error, "a form waits in the outbox");
            }
        }
        let draft = self
            .store
            .form_draft(owner, appointment_id)
            .await?
            .ok_or(FormError::NotBegun)?;
        Ok(screen(appointment, &draft, None, now))
    }

    /// Sends every submitted form the hospital has not confirmed, each as a conditional create
    /// on its key, so one whose answer was lost is stored once when sent again. Each goes on its
    /// own: one the hospital refuses for good leaves the outbox (its screen says so) and holds
    /// up no other; while the hospital cannot be reached, all wait. The first error that leaves
    /// a form waiting is returned once the rest were tried.
    pub async fn sync_forms(&self, now: DateTime<Utc>) -> Result<usize, CoreError> {
        let Some(patient) = self.saved_patient().await? else {
            return Ok(0);
        };
        let owner = self.owner(&patient);
        let mut sent = 0;
        let mut waiting = None;
        for draft in self.store.unsent_forms(owner).await? {
            let authored = draft.submitted_at.unwrap_or(now);
            let answer = self
                .with_session(|s| {
                    let draft = &draft;
                    async move {
                        self.client
                            .send_form_response(
                                &s,
                                &draft.form,
                                &draft.answers,
                                &draft.key,
                                &draft.appointment_id,
                                authored,
                            )
                            .await
                    }
                })
                .await;
            match answer {
                Ok(stored) => {
                    if stored == Stored::AlreadyThere {
                        tracing::info!("a form the hospital already had");
                    }
                    self.store.mark_form_sent(owner, &draft.key, now).await?;
                    sent += 1;
                }
                Err(CoreError::Hospital(error)) if refused_for_good(&error) => {
                    tracing::warn!(%error, "the hospital refused a form");
                    self.store.mark_form_refused(owner, &draft.key, now).await?;
                }
                Err(error) => {
                    waiting.get_or_insert(error);
                }
            }
        }
        if sent > 0 {
            tracing::info!(sent, "forms confirmed by the hospital");
        }
        match waiting {
            Some(error) => Err(error),
            None => Ok(sent),
        }
    }

    async fn appointment_on_device(
        &self,
        patient: &str,
        appointment_id: &str,
    ) -> Result<Appointment, CoreError> {
        self.store
            .appointments(self.owner(patient))
            .await?
            .records
            .into_iter()
            .find(|a| a.id == appointment_id)
            .ok_or_else(|| FormError::NoSuchAppointment.into())
    }

    /// The draft of `appointment_id` while the patient may still change it.
    async fn open_draft(
        &self,
        appointment_id: &str,
        now: DateTime<Utc>,
    ) -> Result<(String, Appointment, FormDraft), CoreError> {
        let patient = self.require_patient().await?;
        let appointment = self.appointment_on_device(&patient, appointment_id).await?;
        let draft = self
            .store
            .form_draft(self.owner(&patient), appointment_id)
            .await?
            .ok_or(FormError::NotBegun)?;
        if draft.submitted_at.is_some() {
            return Err(FormError::AlreadySent.into());
        }
        if FormWindow::state(&appointment, now) != FormState::Open {
            return Err(FormError::Closed.into());
        }
        Ok((patient, appointment, draft))
    }

    async fn save_answers(
        &self,
        patient: &str,
        draft: &FormDraft,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let saved = self
            .store
            .save_form_answers(
                self.owner(patient),
                &draft.appointment_id,
                &draft.answers,
                now,
            )
            .await?;
        if !saved {
            return Err(FormError::AlreadySent.into());
        }
        Ok(())
    }
}

/// Whether the hospital will never take these answers as they are: it read them and said no.
/// A lost connection, a sign-in to renew or a fault on its side passes.
fn refused_for_good(error: &ClientError) -> bool {
    match error {
        ClientError::Rejected { status, .. } => !matches!(status, 408 | 429),
        ClientError::Refused { .. } | ClientError::NotFound => true,
        _ => false,
    }
}

fn without_draft(appointment: Appointment, stage: FormStage) -> PreVisitForm {
    PreVisitForm {
        visit: FormFor::from(&appointment),
        stage,
        title: None,
        lines: Vec::new(),
        problems: 0,
    }
}

/// The patient's draft as the screen shows it.
fn screen(
    appointment: Appointment,
    draft: &FormDraft,
    typed: Option<Problem>,
    now: DateTime<Utc>,
) -> PreVisitForm {
    let stage = match draft.submitted_at {
        Some(_) if draft.refused_at.is_some() => FormStage::Refused {
            at: draft.refused_at.unwrap_or(now),
        },
        Some(at) => FormStage::Submitted {
            at,
            confirmed: draft.synced_at.is_some(),
        },
        None => match FormWindow::state(&appointment, now) {
            FormState::Open => FormStage::Open,
            FormState::NotYet { opens } => FormStage::NotYet { opens },
            FormState::Closed => FormStage::Closed,
        },
    };
    shown(
        FormFor::from(&appointment),
        stage,
        &draft.form,
        &draft.answers,
        typed,
    )
}

/// `answers` to `form` at `stage`: while it is open, with everything that stops it being sent
/// at its question (the screen chooses when to say so), and `typed`, a value just refused, at its.
pub(crate) fn shown(
    visit: FormFor,
    stage: FormStage,
    form: &Form,
    answers: &Response,
    typed: Option<Problem>,
) -> PreVisitForm {
    let mut problems = if stage == FormStage::Open {
        validate(form, answers)
    } else {
        Vec::new()
    };
    if let Some(typed) = typed {
        problems.retain(|p| p.path != typed.path);
        problems.push(typed);
    }
    PreVisitForm {
        stage,
        title: Some(form.title.clone()),
        lines: lines(form, answers, &problems),
        problems: problems.len(),
        visit,
    }
}
