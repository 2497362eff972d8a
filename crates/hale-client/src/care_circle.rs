//! The care circle: inviting a helper, accepting an invitation, the two-sided list, ending a
//! grant. Read from Hale's JSON API beside FHIR into the domain's types.

use chrono::NaiveDate;
use hale_domain::care_circle::alerts::{
    HelperAlert, HelperAlertKind, HelperAlertSettings, QuietHours,
};
use hale_domain::care_circle::{
    CareCircle, CircleMember, GrantStatus, Invitation, InvitationCode, Permission, Permissions,
};
use hale_domain::device::ReadingKind;
use hale_domain::monitoring::Tier;
use hale_hospital_json::care_circle as wire;
use reqwest::header;

use crate::sse::{EventStream, Updates};
use crate::{decode, send, ClientError, HospitalClient, Session};

impl HospitalClient {
    /// Who helps the signed-in person, and whom they help.
    pub async fn care_circle(&self, session: &Session) -> Result<CareCircle, ClientError> {
        let request = self.http.get(self.api_url(&["care-circle"])?);
        let circle: wire::CareCircle = decode(send(self.authed(request, session)).await?).await?;
        Ok(CareCircle {
            helpers: circle.helpers.into_iter().map(member).collect(),
            helping: circle.helping.into_iter().map(member).collect(),
        })
    }

    /// A one-time code letting someone help with `permissions`.
    pub async fn invite(
        &self,
        session: &Session,
        permissions: Permissions,
    ) -> Result<Invitation, ClientError> {
        let body = wire::InvitationRequest {
            permissions: permissions.iter().map(|p| p.code().to_owned()).collect(),
        };
        let url = self.api_url(&["care-circle", "invitations"])?;
        let request = self.http.post(url).json(&body);
        let made: wire::Invitation = decode(send(self.authed(request, session)).await?).await?;
        let code = InvitationCode::parse(&made.code).map_err(|_| {
            ClientError::InvalidResponse("the hospital's invitation code is not a code".into())
        })?;
        Ok(Invitation {
            code,
            expires: made.expires,
            permissions: permissions_of(&made.permissions),
        })
    }

    /// Accepts an invitation to help, confirming the patient's date of birth.
    pub async fn accept_invitation(
        &self,
        session: &Session,
        code: &InvitationCode,
        birth_date: NaiveDate,
    ) -> Result<CircleMember, ClientError> {
        let body = wire::AcceptInvitation {
            code: code.as_str().to_owned(),
            birth_date,
        };
        let url = self.api_url(&["care-circle", "invitations", "accept"])?;
        let request = self.http.post(url).json(&body);
        Ok(member(
            decode(send(self.authed(request, session)).await?).await?,
        ))
    }

    /// Ends grant `consent`: a patient's helper loses access, or a helper steps down.
    pub async fn end_grant(
        &self,
        session: &Session,
        consent: &str,
    ) -> Result<CircleMember, ClientError> {
        let url = self.api_url(&["care-circle", "consents", consent, "revoke"])?;
        Ok(member(
            decode(send(self.authed(self.http.post(url), session)).await?).await?,
        ))
    }
}

impl HospitalClient {
    /// What the hospital raised for the signed-in person about the people they help (the last
    /// two days'), raising first what is due. Works whoever the session is looking after.
    pub async fn helper_alerts(&self, session: &Session) -> Result<Vec<HelperAlert>, ClientError> {
        let request = self.http.get(self.api_url(&["care-circle", "alerts"])?);
        let list: wire::HelperAlerts = decode(send(self.authed(request, session)).await?).await?;
        // An alert of a kind or tier this version does not know is left out, never guessed at.
        Ok(list.alerts.into_iter().filter_map(helper_alert).collect())
    }

    /// A signal each time the signed-in person's alerts as a helper change; read them again
    /// with [`Self::helper_alerts`].
    pub async fn helper_alert_events(&self, session: &Session) -> Result<Updates<()>, ClientError> {
        let url = self.api_url(&["care-circle", "alerts", "events"])?;
        let request = self
            .streaming
            .get(url)
            .header(header::ACCEPT, "text/event-stream");
        let events = EventStream::new(send(self.authed(request, session)).await?);
        Ok(Updates::new(events, |_| Ok(())))
    }

    /// The signed-in helper chooses which alerts of grant `consent` they get, and when quiet.
    pub async fn set_alert_settings(
        &self,
        session: &Session,
        consent: &str,
        settings: &HelperAlertSettings,
    ) -> Result<CircleMember, ClientError> {
        let body = wire::AlertSettings {
            kinds: settings.kinds.iter().map(|k| k.code().to_owned()).collect(),
            quiet: settings.quiet.map(|q| wire::QuietHours {
                from: q.from,
                until: q.until,
            }),
        };
        let url = self.api_url(&["care-circle", "consents", consent, "alerts"])?;
        let request = self.http.post(url).json(&body);
        Ok(member(
            decode(send(self.authed(request, session)).await?).await?,
        ))
    }
}

fn helper_alert(a: wire::HelperAlert) -> Option<HelperAlert> {
    Some(HelperAlert {
        kind: HelperAlertKind::from_code(&a.kind)?,
        tier: Tier::from_code(&a.tier)?,
        id: a.id,
        consent: a.consent,
        patient: a.patient,
        patient_name: a.patient_name,
        raised: a.raised,
        // A kind of reading this app does not know yet is left out, not the alert.
        reading: a.reading.as_deref().and_then(ReadingKind::from_slug),
        due: a.due,
        quiet: a.quiet.map(quiet),
    })
}

fn quiet(q: wire::QuietHours) -> QuietHours {
    QuietHours {
        from: q.from,
        until: q.until,
    }
}

fn alert_settings(s: wire::AlertSettings) -> HelperAlertSettings {
    HelperAlertSettings {
        kinds: s
            .kinds
            .iter()
            .filter_map(|k| HelperAlertKind::from_code(k))
            .collect(),
        quiet: s.quiet.map(quiet),
    }
}

/// Codes this version does not know are left out, never guessed at.
fn permissions_of(codes: &[String]) -> Permissions {
    codes
        .iter()
        .filter_map(|c| Permission::from_code(c))
        .collect()
}

fn member(m: wire::CircleMember) -> CircleMember {
    CircleMember {
        permissions: permissions_of(&m.permissions),
        consent: m.consent,
        patient: m.patient,
        name: m.name,
        guardian: m.basis == wire::GrantBasis::Guardian,
        status: match m.status {
            wire::GrantStatus::Active => GrantStatus::Active,
            wire::GrantStatus::Revoked => GrantStatus::Revoked,
            wire::GrantStatus::Expired => GrantStatus::Expired,
            wire::GrantStatus::AssentNeeded => GrantStatus::AssentNeeded,
            wire::GrantStatus::NowAdult => GrantStatus::NowAdult,
        },
        since: m.since,
        until: m.until,
        alerts: m.alerts.map(alert_settings),
    }
}
