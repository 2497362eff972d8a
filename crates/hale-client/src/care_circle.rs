//! The care circle: inviting a helper, accepting an invitation, the two-sided list, ending a
//! grant. Read from Hale's JSON API beside FHIR into the domain's types.

use chrono::NaiveDate;
use hale_domain::care_circle::{
    CareCircle, CircleMember, GrantStatus, Invitation, InvitationCode, Permission, Permissions,
};
use hale_hospital_json::care_circle as wire;

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
    }
}
