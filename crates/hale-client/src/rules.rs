//! The hospital's rules for changing and checking in, read as the domain's.

use hale_domain::AppointmentRules;
use hale_hospital_json::rules::HospitalRules;

use crate::{decode, send, ClientError, HospitalClient};

impl HospitalClient {
    /// `GET /api/rules`: the booking and check-in rules the hospital enforces. Needs no sign-in.
    pub async fn rules(&self) -> Result<AppointmentRules, ClientError> {
        let wire: HospitalRules =
            decode(send(self.http.get(self.api_url(&["rules"])?)).await?).await?;
        Ok(wire.into())
    }
}
