//! The patient app's use cases, independent of Tauri and of any screen.
//!
//! [`Patient`] ties one hospital (through `hale-client`) to the app's local store
//! (`hale-store`): it signs in, refreshes the patient's records, keeps the local copy current and
//! falls back to that copy, saying so, when the hospital cannot be reached. The Tauri commands
//! are thin wrappers over these methods; the integration tests drive them against a real
//! reference server.
//!
//! The clock is an argument: every use case takes `now`.

pub mod arrival;
pub mod care_circle;
pub mod care_team;
pub mod clinic_readings;
pub mod devices;
pub mod export;
pub mod forms;
pub mod helper_alerts;
pub mod kiosk;
pub mod local_data;
pub mod medicines;
pub mod notices;
pub mod offers;
pub mod parking;
pub mod report;
pub mod share;
pub mod sign_in;
mod signals;
pub mod visits;
pub mod watch;

use std::future::Future;
use std::sync::Arc;

use chrono::{DateTime, Duration, Utc};
use hale_client::{ClientError, HospitalClient, Session, SlotPage, SlotQuery};
use hale_domain::reminder::{normalise_leads, InvalidLeads};
use hale_domain::{
    upcoming, Allowed, Appointment, AppointmentRules, Feature, Lead, Offers, Service, WaitlistEntry,
};
use hale_store::{Owner, Store, StoreError};
use tokio::sync::{Mutex, Notify};

use sign_in::{Keychain, SignIn};

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error(transparent)]
    Hospital(#[from] ClientError),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    InvalidLeads(#[from] InvalidLeads),
    #[error(transparent)]
    InvalidRegistration(#[from] hale_domain::parking::InvalidRegistration),
    #[error(transparent)]
    InvalidVehicleLabel(#[from] hale_domain::parking::InvalidVehicleLabel),
    #[error(transparent)]
    Medicine(#[from] medicines::MedicineError),
    #[error(transparent)]
    Device(#[from] devices::DeviceError),
    #[error(transparent)]
    Form(#[from] forms::FormError),
    /// Nobody is signed in (never, signed out, or the sign-in ended at the hospital).
    #[error("not signed in")]
    NotSignedIn,
    #[error(transparent)]
    SignIn(#[from] hale_client::SignInError),
    #[error("the browser could not be opened: {0}")]
    NoBrowser(String),
    /// Signed in, but this is the patient's own: not for someone looking after them.
    #[error("only the patient may {0}")]
    PatientsOwn(&'static str),
    #[error(transparent)]
    NotOffered(#[from] hale_domain::NotOffered),
}

/// Whether what is shown came from the hospital now or from the local copy.
#[derive(Debug)]
pub enum Freshness {
    Live {
        as_of: DateTime<Utc>,
    },
    /// The hospital could not be asked; `cached_at` is when the copy was made (`None`: never).
    Offline {
        cached_at: Option<DateTime<Utc>>,
        error: ClientError,
    },
}

/// How far back the local copy reaches, so past appointments can be shown.
const HISTORY: Duration = Duration::days(365);

/// What the home screen shows.
#[derive(Debug)]
pub struct Home {
    pub hospital_name: Option<String>,
    pub patient_name: Option<String>,
    /// Upcoming appointments, soonest first, with what the patient may do with each.
    pub appointments: Vec<Upcoming>,
    /// Past, cancelled and missed appointments, most recent first.
    pub past: Vec<Appointment>,
    /// Appointments waiting for an earlier time, with any slot offered. Only known live: an
    /// offer is held for minutes, so a saved copy of one would mislead.
    pub waitlist: Vec<WaitlistEntry>,
    pub freshness: Freshness,
}

/// An upcoming appointment and what the patient may do with it now.
#[derive(Debug, Clone, PartialEq)]
pub struct Upcoming {
    pub appointment: Appointment,
    pub allowed: Allowed,
}

/// The patient's appointments split for the appointments screen.
#[derive(Debug)]
pub struct Appointments {
    /// Soonest first.
    pub upcoming: Vec<Appointment>,
    /// Most recent first: finished, cancelled or missed.
    pub past: Vec<Appointment>,
    pub freshness: Freshness,
}

/// One patient at one hospital, as seen from the app.
#[derive(Debug)]
pub struct Patient {
    client: HospitalClient,
    store: Store,
    keychain: Arc<dyn Keychain>,
    /// Names this hospital in the local store and the keychain. Stable across starts, unlike
    /// the embedded hospital's URL, whose port changes each time.
    hospital_key: String,
    /// Held while a refresh is under way: see [`sign_in`].
    session: Mutex<SignIn>,
    /// Signalled whenever the local copy or a setting changes, so the watch task re-plans.
    changed: Arc<Notify>,
    /// Counts the changes of whose records the app shows (see `care_circle`), for the shell
    /// to tell the screens.
    whose: tokio::sync::watch::Sender<u64>,
    /// The hospital's rules for changing and checking in, as last read (Hale's defaults until
    /// then). Kept in memory: offline, the patient can neither change nor check in anyway.
    rules: std::sync::Mutex<AppointmentRules>,
    /// What the hospital offers in the app, as read at this sign-in (see `offers`).
    offers: std::sync::Mutex<Offers>,
    /// Held while a form's answers are read, changed and saved, so two answers given at once
    /// both stay.
    form_edits: Mutex<()>,
    /// Held while a screen's copy of clinic readings runs (see `clinic_readings`), so screens
    /// opening together ask once.
    clinic_copy: Mutex<()>,
}

impl Patient {
    /// The patient app at the hospital `client` reaches, signed in if `keychain` holds a
    /// sign-in for `hospital_key`.
    pub fn new(
        client: HospitalClient,
        store: Store,
        keychain: Arc<dyn Keychain>,
        hospital_key: impl Into<String>,
    ) -> Self {
        let hospital_key = hospital_key.into();
        Self {
            session: Mutex::new(SignIn::restore(keychain.as_ref(), &hospital_key)),
            client,
            store,
            keychain,
            hospital_key,
            changed: Arc::new(Notify::new()),
            whose: tokio::sync::watch::Sender::new(0),
            rules: std::sync::Mutex::new(AppointmentRules::default()),
            offers: std::sync::Mutex::new(Offers::all()),
            form_edits: Mutex::new(()),
            clinic_copy: Mutex::new(()),
        }
    }

    /// What the patient may do with `appointment` at `now`, by the hospital's rules and within
    /// what it offers.
    pub fn allowed(&self, appointment: &Appointment, now: DateTime<Utc>) -> Allowed {
        self.allowed_within(appointment, now, self.offered())
    }

    fn allowed_within(
        &self,
        appointment: &Appointment,
        now: DateTime<Utc>,
        offers: Offers,
    ) -> Allowed {
        self.rules
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .allowed(appointment, now, offers)
    }

    /// Reads the hospital's rules again, where it offers what they govern (Hale's JSON API has
    /// them: a hospital without changes, check-in or a waitlist in the app is not asked); on
    /// failure the last ones stay.
    async fn refresh_rules(&self, offers: Offers) {
        let governed = [
            Feature::Moving,
            Feature::Cancelling,
            Feature::CheckIn,
            Feature::Waitlist,
        ];
        if !governed.into_iter().any(|f| offers.contains(f)) {
            return;
        }
        match self.client.rules().await {
            Ok(rules) => *self.rules.lock().unwrap_or_else(|e| e.into_inner()) = rules,
            Err(error) => tracing::info!(%error, "the hospital's rules were not read"),
        }
    }

    pub fn hospital_url(&self) -> &str {
        self.client.fhir_base()
    }

    /// The home screen as of `now`: live from the hospital when it answers, else the local copy.
    ///
    /// Errors other than "unreachable" (a refused sign-in, a server fault) still fall back to the
    /// copy, carrying the error, because a patient on the way to an appointment needs its time
    /// and place more than a perfect answer. Only a failing local store is an error.
    pub async fn home(&self, now: DateTime<Utc>) -> Result<Home, CoreError> {
        let appointments = self.appointments(now).await?;
        let profile = self.store.profile(&self.hospital_key).await?;
        let offers = profile.as_ref().map_or_else(Offers::all, |p| p.offers);
        let waitlist = match appointments.freshness {
            Freshness::Live { .. } if !offers.contains(Feature::Waitlist) => {
                self.refresh_rules(offers).await;
                Vec::new()
            }
            Freshness::Live { .. } => {
                // Two small reads the screen waits for: asked together, not one after the other.
                let ((), waitlist) = tokio::join!(self.refresh_rules(offers), self.waitlist());
                waitlist.unwrap_or_else(|error| {
                    tracing::info!(%error, "waitlist not available");
                    Vec::new()
                })
            }
            Freshness::Offline { .. } => Vec::new(),
        };
        Ok(Home {
            hospital_name: profile.as_ref().and_then(|p| p.hospital_name.clone()),
            patient_name: profile.and_then(|p| p.patient_name),
            appointments: appointments
                .upcoming
                .into_iter()
                .map(|appointment| Upcoming {
                    allowed: self.allowed_within(&appointment, now, offers),
                    appointment,
                })
                .collect(),
            past: appointments.past,
            waitlist,
            freshness: appointments.freshness,
        })
    }

    /// Every appointment in the local copy's window, split into upcoming and past, live from
    /// the hospital when it answers and from the copy when it does not.
    pub async fn appointments(&self, now: DateTime<Utc>) -> Result<Appointments, CoreError> {
        let (list, freshness) = match self.fetch_all(now).await {
            Ok(list) => (list, Freshness::Live { as_of: now }),
            Err(CoreError::Hospital(error)) => {
                tracing::info!(%error, "showing the local copy");
                let cached = match self.saved_patient().await? {
                    Some(patient) => self.store.appointments(self.owner(&patient)).await?,
                    None => hale_store::Cached::default(),
                };
                let freshness = Freshness::Offline {
                    cached_at: cached.fetched_at,
                    error,
                };
                (cached.records, freshness)
            }
            Err(store_error) => return Err(store_error),
        };
        let upcoming = upcoming(&list, now);
        let mut past: Vec<Appointment> = list
            .into_iter()
            .filter(|a| !upcoming.iter().any(|u| u.id == a.id))
            .collect();
        past.sort_by(|a, b| b.start.cmp(&a.start).then_with(|| a.id.cmp(&b.id)));
        Ok(Appointments {
            upcoming,
            past,
            freshness,
        })
    }

    /// The hospital's bookable services. Needs the hospital: there is nothing to book offline.
    pub async fn services(&self) -> Result<Vec<Service>, CoreError> {
        // Moving an appointment chooses its new time the way booking does.
        self.require_any(&[Feature::Booking, Feature::Moving])
            .await?;
        self.with_session(|s| async move { self.client.services(&s).await })
            .await
    }

    /// Free slots matching `query`. Needs the hospital.
    pub async fn find_slots(&self, query: &SlotQuery) -> Result<SlotPage, CoreError> {
        self.require_any(&[Feature::Booking, Feature::Moving])
            .await?;
        self.with_session(|s| async move { self.client.free_slots(&s, query).await })
            .await
    }

    /// Books `slot_id`; `request_id` (chosen once per confirmation) makes a retry safe. The
    /// local copy is refreshed afterwards so every screen agrees.
    pub async fn book(
        &self,
        slot_id: &str,
        request_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Appointment, CoreError> {
        self.require(Feature::Booking).await?;
        let booked = self
            .with_session(|s| async move { self.client.book(&s, slot_id, request_id).await })
            .await?;
        self.refresh_quietly(now).await;
        Ok(booked)
    }

    /// Cancels appointment `id`, then refreshes the local copy.
    pub async fn cancel(&self, id: &str, now: DateTime<Utc>) -> Result<Appointment, CoreError> {
        self.require(Feature::Cancelling).await?;
        let cancelled = self
            .with_session(|s| async move { self.client.cancel(&s, id).await })
            .await?;
        self.refresh_quietly(now).await;
        Ok(cancelled)
    }

    /// Moves appointment `id` to `slot_id` in one step, then refreshes the local copy.
    pub async fn reschedule(
        &self,
        id: &str,
        slot_id: &str,
        now: DateTime<Utc>,
    ) -> Result<Appointment, CoreError> {
        self.require(Feature::Moving).await?;
        let moved = self
            .with_session(|s| async move { self.client.reschedule(&s, id, slot_id).await })
            .await?;
        self.refresh_quietly(now).await;
        Ok(moved)
    }

    /// The patient's waitlist entries and offers. Needs the hospital.
    pub async fn waitlist(&self) -> Result<Vec<WaitlistEntry>, CoreError> {
        self.require(Feature::Waitlist).await?;
        self.with_session(|s| async move { self.client.waitlist(&s).await })
            .await
    }

    /// Asks the hospital to offer an earlier time for appointment `id` when one frees up.
    pub async fn join_waitlist(&self, id: &str) -> Result<WaitlistEntry, CoreError> {
        self.require(Feature::Waitlist).await?;
        let entry = self
            .with_session(|s| async move { self.client.join_waitlist(&s, id, None).await })
            .await?;
        // The watch task polls for offers while the patient waits.
        self.changed.notify_one();
        Ok(entry)
    }

    /// Stops waiting for an earlier time.
    pub async fn leave_waitlist(&self, entry: &str) -> Result<(), CoreError> {
        self.require(Feature::Waitlist).await?;
        self.with_session(|s| async move { self.client.leave_waitlist(&s, entry).await })
            .await
    }

    /// Accepts an offered earlier slot: the appointment moves there. Refreshes the local copy.
    pub async fn accept_offer(
        &self,
        offer: &str,
        now: DateTime<Utc>,
    ) -> Result<Appointment, CoreError> {
        self.require(Feature::Waitlist).await?;
        let moved = self
            .with_session(|s| async move { self.client.accept_offer(&s, offer).await })
            .await?;
        self.refresh_quietly(now).await;
        Ok(moved)
    }

    /// Declines an offered slot; the patient keeps waiting for another.
    pub async fn decline_offer(&self, offer: &str) -> Result<(), CoreError> {
        self.require(Feature::Waitlist).await?;
        self.with_session(|s| async move { self.client.decline_offer(&s, offer).await })
            .await
    }

    /// Appointment `id` from the local copy as an iCalendar file's text. Works offline: the
    /// copy is what the patient sees, so it is what they export.
    pub async fn calendar_file(
        &self,
        id: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<(Appointment, String)>, CoreError> {
        if !self.is_signed_in().await {
            return Err(CoreError::NotSignedIn);
        }
        let Some(profile) = self.store.profile(&self.hospital_key).await? else {
            return Ok(None);
        };
        let cached = self
            .store
            .appointments(self.owner(&profile.patient_id))
            .await?;
        Ok(cached.records.into_iter().find(|a| a.id == id).map(|a| {
            let hospital = profile.hospital_name.as_deref().unwrap_or_default();
            let text = hale_domain::ics::calendar_event(&a, hospital, now);
            (a, text)
        }))
    }

    /// The patient signed in at this hospital on this device, if any: whose local copy the
    /// offline paths read. Nobody's once signed out: the copy stays (unless erased) but is
    /// neither shown nor used.
    async fn saved_patient(&self) -> Result<Option<String>, CoreError> {
        if !self.is_signed_in().await {
            return Ok(None);
        }
        Ok(self
            .store
            .profile(&self.hospital_key)
            .await?
            .map(|p| p.patient_id))
    }

    fn owner<'a>(&'a self, patient_id: &'a str) -> Owner<'a> {
        Owner {
            hospital: &self.hospital_key,
            patient_id,
        }
    }

    /// The saved appointments, without asking the hospital (empty before any sign-in).
    pub async fn saved_appointments(&self) -> Result<Vec<Appointment>, CoreError> {
        Ok(match self.saved_patient().await? {
            Some(patient) => self.store.appointments(self.owner(&patient)).await?.records,
            None => Vec::new(),
        })
    }

    /// Shows `text` once for `key`: the key is recorded as shown *before* showing, so two
    /// checks racing (or a restart) cannot both show it; if showing fails the record is removed
    /// and a later check tries again. Returns whether it was shown now.
    pub(crate) async fn notify_once(
        &self,
        patient: &str,
        key: &str,
        text: &hale_domain::reminder::ReminderText,
        notifier: &dyn watch::Notifier,
        now: DateTime<Utc>,
    ) -> Result<bool, CoreError> {
        let keys = [key.to_owned()];
        let shown = self
            .notify_once_for(patient, &keys, |_| text.clone(), notifier, now)
            .await?;
        Ok(shown > 0)
    }

    /// One notification for several keys (doses due at the same moment): each key is recorded
    /// before showing, and the notification shows if any key is new, worded by `text` for the
    /// new keys (so its buttons answer those alone). Returns their number (0: nothing shown).
    pub(crate) async fn notify_once_for(
        &self,
        patient: &str,
        keys: &[String],
        text: impl FnOnce(&[&String]) -> hale_domain::reminder::ReminderText,
        notifier: &dyn watch::Notifier,
        now: DateTime<Utc>,
    ) -> Result<usize, CoreError> {
        let owner = self.owner(patient);
        let mut fresh = Vec::new();
        for key in keys {
            if self.store.mark_reminder_sent(owner, key, now).await? {
                fresh.push(key);
            }
        }
        if fresh.is_empty() {
            return Ok(0);
        }
        match notifier.show(&text(&fresh)) {
            Ok(()) => Ok(fresh.len()),
            Err(error) => {
                tracing::warn!(%error, "a notification could not be shown; will retry");
                for key in fresh {
                    self.store.unmark_reminder_sent(owner, key).await?;
                }
                Ok(0)
            }
        }
    }

    /// Refreshes the local copy from the hospital if it answers; a failure only leaves the
    /// copy a little older, so it is logged, not returned.
    pub async fn refresh(&self, now: DateTime<Utc>) {
        if let Err(error) = self.fetch_all(now).await {
            tracing::info!(%error, "refresh failed; keeping the local copy");
        }
    }

    async fn refresh_quietly(&self, now: DateTime<Utc>) {
        // The change itself succeeded; a failed refresh only leaves the copy a moment older.
        self.refresh(now).await;
    }

    /// Closes the local store at quit: writes in progress finish, and the file is left whole.
    /// Nothing of the outboxes is lost; they resume at the next start.
    pub async fn close(&self) {
        self.store.close().await;
    }

    /// Resolves after the next change to the local copy or to a setting.
    pub async fn changed(&self) {
        self.changed.notified().await;
    }

    /// How long before each appointment the patient wants reminding.
    pub async fn reminder_leads(&self) -> Result<Vec<Lead>, CoreError> {
        Ok(self
            .store
            .reminder_leads()
            .await?
            .unwrap_or_else(|| Lead::DEFAULT.to_vec()))
    }

    /// Changes the reminder leads; returns them normalised (longest first, no repeats).
    pub async fn set_reminder_leads(&self, leads: &[Lead]) -> Result<Vec<Lead>, CoreError> {
        let leads = normalise_leads(leads)?;
        self.store.set_reminder_leads(&leads).await?;
        self.changed.notify_one();
        Ok(leads)
    }

    /// Runs `call` with the session; if the hospital no longer takes the access token, renews
    /// it once with the refresh token and tries again.
    async fn with_session<T, F, Fut>(&self, call: F) -> Result<T, CoreError>
    where
        F: Fn(Session) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let session = self.session().await?;
        let answer = match call(session.clone()).await {
            Err(ClientError::Unauthorized) => {
                self.expire(&session).await;
                let session = self.session().await?;
                call(session).await
            }
            other => other,
        };
        if let Err(ClientError::Refused {
            code: Some(code), ..
        }) = &answer
        {
            self.after_refusal(*code, &session.patient_id).await;
        }
        Ok(answer?)
    }

    /// [`Self::with_session`], also saying whose session the call ran with: what it brings
    /// back is that person's, even if the app has switched to someone else meanwhile.
    async fn with_session_of<T, F, Fut>(&self, call: F) -> Result<(T, String), CoreError>
    where
        F: Fn(Session) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        self.with_session(|s| {
            let patient = s.patient_id.clone();
            let answer = call(s);
            async move { answer.await.map(|t| (t, patient)) }
        })
        .await
    }

    /// `call` with the signed-in person's session, only while they are not looking after
    /// someone, and only if the session was still their own when it ran; else refused as what
    /// only the patient may do (`what`).
    pub(crate) async fn own_session_call<T, F, Fut>(
        &self,
        what: &'static str,
        call: F,
    ) -> Result<T, CoreError>
    where
        F: Fn(Session) -> Fut,
        Fut: Future<Output = Result<T, ClientError>>,
    {
        let own = self.own_id().await?.ok_or(CoreError::NotSignedIn)?;
        if self.saved_patient().await?.as_deref() != Some(own.as_str()) {
            return Err(CoreError::PatientsOwn(what));
        }
        let (answer, patient) = self.with_session_of(call).await?;
        if patient != own {
            return Err(CoreError::PatientsOwn(what));
        }
        Ok(answer)
    }

    /// Whether records of `patient` fetched a moment ago may still be kept: theirs are the
    /// screens' now, or they are the signed-in person's own. A copy deleted in between (a
    /// consent that ended) is not written back.
    pub(crate) async fn may_keep(&self, patient: &str) -> Result<bool, CoreError> {
        Ok(self.saved_patient().await?.as_deref() == Some(patient)
            || self.own_id().await?.as_deref() == Some(patient))
    }

    /// Fetches the patient's appointments of the past year onwards and replaces the local copy.
    async fn fetch_all(&self, now: DateTime<Utc>) -> Result<Vec<Appointment>, CoreError> {
        // The hospital reads a bare date in its own zone; `upcoming` applies the exact instant.
        let from = (now - HISTORY).date_naive();
        let (list, patient) = self
            .with_session_of(|s| async move { self.client.appointments_from(&s, from).await })
            .await?;
        if self.may_keep(&patient).await? {
            self.store
                .replace_appointments(self.owner(&patient), &list, now)
                .await?;
            self.changed.notify_one();
        }
        Ok(list)
    }
}
