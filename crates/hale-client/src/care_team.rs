//! The care team's side, as the patient's app reads it: the monitoring plan (a CarePlan with
//! its Goals), the alerts the hospital raised (Flags with their Tasks) and the team's messages
//! (Communications), read into the domain's types; and a live signal when any of them changes.

use hale_domain::monitoring::{CareTeam, MonitoringPlan};
use hale_fhir::{CarePlan, Goal, Resource};
use reqwest::header;

use crate::sse::{EventStream, Updates};
use crate::{send, ClientError, HospitalClient, Session};

impl HospitalClient {
    /// Everything the care team shares with the patient, in three searches.
    pub async fn care_team(&self, session: &Session) -> Result<CareTeam, ClientError> {
        let plans = self.search(session, "CarePlan", &[]).await?;
        let mut care_plan: Option<CarePlan> = None;
        let mut goals: Vec<Goal> = Vec::new();
        for entry in plans.entry {
            match entry.resource {
                Resource::CarePlan(c) if c.status == "active" => care_plan = Some(c),
                Resource::Goal(g) => goals.push(g),
                _ => {}
            }
        }
        let plan: Option<MonitoringPlan> = care_plan
            .map(|c| hale_fhir::care_plan::from_fhir(&c, &goals))
            .transpose()
            .map_err(|e| ClientError::InvalidResponse(format!("the monitoring plan: {e}")))?;
        let flags = self.search(session, "Flag", &[]).await?;
        let alerts = hale_fhir::care_team::alerts(&flags)
            .map_err(|e| ClientError::InvalidResponse(format!("an alert: {e}")))?;
        let communications = self.search(session, "Communication", &[]).await?;
        let mut messages = Vec::new();
        for entry in communications.entry {
            if let Resource::Communication(c) = entry.resource {
                messages.push(
                    c.to_message()
                        .map_err(|e| ClientError::InvalidResponse(format!("a message: {e}")))?,
                );
            }
        }
        messages.sort_by_key(|m| std::cmp::Reverse(m.sent));
        Ok(CareTeam {
            plan,
            alerts,
            messages,
        })
    }

    /// A signal each time the care team's side of the patient changes (an alert raised,
    /// acknowledged or cleared, a message, a new plan); read it again with [`Self::care_team`].
    pub async fn care_team_events(&self, session: &Session) -> Result<Updates<()>, ClientError> {
        let url = self.api_url(&["care-team", "events"])?;
        let request = self
            .streaming
            .get(url)
            .header(header::ACCEPT, "text/event-stream");
        let events = EventStream::new(send(self.authed(request, session)).await?);
        Ok(Updates::new(events, |_| Ok(())))
    }
}
