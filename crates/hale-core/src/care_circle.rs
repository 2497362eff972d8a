//! The care circle from the app: the signed-in person's helpers and the people they help,
//! invitations made and accepted, grants ended, and looking after someone.
//!
//! The circle is always asked of the hospital, never read from a copy: a grant is the
//! hospital's to decide, and a copy could show access that has ended. Looking after someone
//! renews the sign-in for them (`patient=` on refresh): every use case then reads and writes
//! their records, and the store keeps them under their id, apart from the helper's own. When
//! the hospital says the consent has ended, that copy is deleted and the helper is back to
//! their own records.

use chrono::{DateTime, NaiveDate, Utc};
use hale_client::ClientError;
use hale_domain::care_circle::{
    CareCircle, CircleMember, GrantStatus, Invitation, InvitationCode, Permission, Permissions,
};
use hale_domain::RefusalCode;
use hale_store::Profile;

use crate::sign_in::SignIn;
use crate::{CoreError, Patient};

/// Whose records the screens show, when they are not the signed-in person's own.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LookingAfter {
    pub patient_id: String,
    pub name: Option<String>,
    /// What their consent allows the helper.
    pub permissions: Permissions,
}

impl LookingAfter {
    /// For the banner: up to two initials (none while the name is unknown).
    pub fn initials(&self) -> String {
        self.name
            .as_deref()
            .map(hale_domain::care_circle::circle::initials)
            .unwrap_or_default()
    }
}

/// The refusals meaning a consent has ended (not merely that it leaves something out).
fn ends_the_consent(code: RefusalCode) -> bool {
    matches!(
        code,
        RefusalCode::ConsentRevoked
            | RefusalCode::ConsentExpired
            | RefusalCode::AssentNeeded
            | RefusalCode::NowAdult
    )
}

impl Patient {
    /// Who helps the signed-in person, and whom they help. Asked as the person themself,
    /// going back to their own records first if they were looking after someone.
    pub async fn care_circle(&self) -> Result<CareCircle, CoreError> {
        self.be_myself(Utc::now()).await?;
        let circle = self
            .with_session(|s| async move { self.client.care_circle(&s).await })
            .await?;
        // A grant that ended while the person was on their own records leaves no copy either.
        for ended in circle
            .helping
            .iter()
            .filter(|m| m.status != GrantStatus::Active)
        {
            self.store
                .forget_patient(self.owner(&ended.patient))
                .await?;
        }
        Ok(circle)
    }

    /// A one-time code, for a day, letting someone help with `permissions`.
    pub async fn invite(&self, permissions: Permissions) -> Result<Invitation, CoreError> {
        self.be_myself(Utc::now()).await?;
        self.with_session(|s| async move { self.client.invite(&s, permissions).await })
            .await
    }

    /// Accepts an invitation to help, with the patient's date of birth as the patient gave it.
    pub async fn accept_invitation(
        &self,
        code: &InvitationCode,
        birth_date: NaiveDate,
    ) -> Result<CircleMember, CoreError> {
        self.be_myself(Utc::now()).await?;
        self.with_session(
            |s| async move { self.client.accept_invitation(&s, code, birth_date).await },
        )
        .await
    }

    /// Ends grant `consent`: the patient's helper loses access at their next request, or the
    /// signed-in helper steps down (and their copy of that patient's records goes).
    pub async fn end_grant(&self, consent: &str) -> Result<CircleMember, CoreError> {
        self.be_myself(Utc::now()).await?;
        let ended = self
            .with_session(|s| async move { self.client.end_grant(&s, consent).await })
            .await?;
        let session = self.session().await?;
        if ended.patient != session.patient_id {
            self.store
                .forget_patient(self.owner(&ended.patient))
                .await?;
        }
        Ok(ended)
    }

    /// Whom the screens are about, if not the signed-in person: read from the device, so the
    /// banner shows offline too.
    pub async fn looking_after(&self) -> Result<Option<LookingAfter>, CoreError> {
        if !self.is_signed_in().await {
            return Ok(None);
        }
        Ok(self.store.profile(&self.hospital_key).await?.and_then(|p| {
            p.helping.map(|permissions| LookingAfter {
                patient_id: p.patient_id,
                name: p.patient_name,
                permissions,
            })
        }))
    }

    /// Looks after `patient` (someone whose active grant names the signed-in person), or, with
    /// `None`, goes back to the person's own records. Needs the hospital.
    pub async fn look_after(
        &self,
        patient: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Option<LookingAfter>, CoreError> {
        self.be_myself(now).await?;
        let Some(patient) = patient else {
            return Ok(None);
        };
        let circle = self
            .with_session(|s| async move { self.client.care_circle(&s).await })
            .await?;
        let Some(grant) = circle
            .helping
            .into_iter()
            .find(|m| m.patient == patient && m.status == GrantStatus::Active)
        else {
            return Err(CoreError::Hospital(ClientError::Refused {
                code: Some(RefusalCode::NotPermitted),
                message: "you do not help this patient now".into(),
            }));
        };
        let looking = LookingAfter {
            patient_id: grant.patient,
            name: Some(grant.name),
            permissions: grant.permissions,
        };
        self.switch_session(&looking.patient_id, Some(&looking), now)
            .await?;
        tracing::info!("looking after someone in the care circle");
        Ok(Some(looking))
    }

    /// Goes back to the signed-in person's own records if the screens show someone else's,
    /// sending what was logged for that someone first: once back, it would wait until the
    /// helper looked after them again.
    async fn be_myself(&self, now: DateTime<Utc>) -> Result<(), CoreError> {
        if self.looking_after().await?.is_none() {
            return Ok(());
        }
        self.flush_outboxes(now).await;
        self.back_to_myself(now).await
    }

    /// Goes back to the signed-in person's own records, sending nothing first.
    async fn back_to_myself(&self, now: DateTime<Utc>) -> Result<(), CoreError> {
        let Some(profile) = self.store.profile(&self.hospital_key).await? else {
            return Ok(());
        };
        if profile.helping.is_none() {
            return Ok(());
        }
        // A profile from before the person's own id was kept cannot say whom to go back to:
        // signing in again sets it.
        let me = profile.self_id.ok_or(CoreError::NotSignedIn)?;
        self.switch_session(&me, None, now).await
    }

    async fn flush_outboxes(&self, now: DateTime<Utc>) {
        // Doses still within their few seconds for "Undo" go too: switching away makes them
        // final, rather than leaving them until the helper comes back.
        let all_held = now + crate::medicines::SEND_AFTER;
        if let Err(error) = self.sync_pending(all_held).await {
            tracing::info!(%error, "doses not yet sent before switching");
        }
        if let Err(error) = self.relay_pending(now).await {
            tracing::info!(%error, "readings not yet sent before switching");
        }
    }

    /// Renews the sign-in for `patient` under the session lock and records whose records the
    /// screens now show. A refused switch leaves the sign-in as it was.
    async fn switch_session(
        &self,
        patient: &str,
        looking: Option<&LookingAfter>,
        now: DateTime<Utc>,
    ) -> Result<(), CoreError> {
        let mut guard = self.session.lock().await;
        let refresh_token = match &*guard {
            SignIn::Out => return Err(CoreError::NotSignedIn),
            SignIn::Refreshable { refresh_token } => refresh_token.clone(),
            SignIn::In { tokens, .. } => tokens.refresh_token.clone(),
        };
        let tokens = match self
            .client
            .switch_session(&refresh_token, patient, now)
            .await
        {
            Ok(tokens) => tokens,
            Err(ClientError::Unauthorized) => {
                tracing::info!("the sign-in has ended; the patient signs in again");
                *guard = SignIn::Out;
                self.forget();
                return Err(CoreError::NotSignedIn);
            }
            Err(other) => return Err(other.into()),
        };
        // The old refresh token is spent now: the new one is kept before anything else can
        // fail, or the next refresh would be a replay and end the sign-in.
        self.remember(&tokens.refresh_token);
        let session = tokens.session.clone();
        *guard = SignIn::In {
            tokens,
            profiled: false,
        };
        let previous = self.store.profile(&self.hospital_key).await?;
        let name = match looking {
            Some(l) => l.name.clone(),
            None => self.client.patient(&session).await?.display_name(),
        };
        let profile = Profile {
            offers: previous
                .as_ref()
                .map_or_else(|| self.offered(), |p| p.offers),
            hospital_name: previous.as_ref().and_then(|p| p.hospital_name.clone()),
            patient_id: patient.to_owned(),
            patient_name: name,
            self_id: previous
                .and_then(|p| p.self_id)
                .or_else(|| looking.is_none().then(|| patient.to_owned())),
            helping: looking.map(|l| l.permissions),
        };
        self.store
            .save_profile(&self.hospital_key, &profile)
            .await?;
        self.remember_offers(profile.offers);
        if let SignIn::In { profiled, .. } = &mut *guard {
            *profiled = true;
        }
        drop(guard);
        self.changed.notify_one();
        self.whose.send_modify(|n| *n = n.wrapping_add(1));
        Ok(())
    }

    /// Changes each time the app starts showing someone else's records (or the person's own
    /// again): a switch, or a consent that ended on the way. The value is only a counter.
    pub fn whose_changes(&self) -> tokio::sync::watch::Receiver<u64> {
        self.whose.subscribe()
    }

    /// Refuses a change the consent does not let the helper make (`needs` and acting on the
    /// patient's behalf), before anything is written on the device: a change kept here that
    /// the hospital would refuse would never reach the patient's record.
    pub(crate) async fn may_change(&self, needs: Permission) -> Result<(), CoreError> {
        match self.looking_after().await? {
            Some(l)
                if !(l.permissions.contains(needs)
                    && l.permissions.contains(Permission::ActOnBehalf)) =>
            {
                Err(CoreError::Hospital(ClientError::Refused {
                    code: Some(RefusalCode::NotPermitted),
                    message: "the patient has not let you do this for them".into(),
                }))
            }
            _ => Ok(()),
        }
    }

    /// The signed-in person's own patient id, whoever they are looking after: whose devices
    /// and readings these are (a helper's cuff measures the helper), and whose alerts as a
    /// helper are noted as shown.
    pub(crate) async fn own_id(&self) -> Result<Option<String>, CoreError> {
        if !self.is_signed_in().await {
            return Ok(None);
        }
        Ok(self
            .store
            .profile(&self.hospital_key)
            .await?
            .map(|p| match (p.helping, p.self_id) {
                (Some(_), Some(me)) => me,
                _ => p.patient_id,
            }))
    }

    /// After the hospital refused a call made for `patient` with `code`: if it says the
    /// consent of the person being looked after has ended, their copy is deleted and the
    /// helper is back to their own records. Nothing happens if the app has since switched to
    /// someone else. Any failure here leaves the next refusal to try again.
    pub(crate) async fn after_refusal(&self, code: RefusalCode, patient: &str) {
        if !ends_the_consent(code) {
            return;
        }
        let Ok(Some(looking)) = self.looking_after().await else {
            return;
        };
        if looking.patient_id != patient {
            return;
        }
        let forgotten = self
            .store
            .forget_patient(self.owner(&looking.patient_id))
            .await;
        if let Err(error) = forgotten {
            tracing::warn!(%error, "the ended consent's copy could not be deleted");
            return;
        }
        tracing::info!("a consent ended; its copy is deleted");
        if let Err(error) = self.back_to_myself(Utc::now()).await {
            tracing::info!(%error, "could not go back to the helper's own records yet");
        }
    }
}
