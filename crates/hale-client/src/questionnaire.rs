//! Pre-visit forms: the form an appointment names, the allergies the hospital recorded (to
//! prefill it), and the answers sent as a conditional create on the key the app made, so a
//! resend after a lost answer is stored once.

use chrono::{DateTime, Utc};
use hale_domain::questionnaire::{Form, Response};
use hale_fhir::questionnaire::{ResponseHeader, RESPONSE_SYSTEM};
use hale_fhir::{QuestionnaireResponse, Resource};
use reqwest::StatusCode;

use crate::{send, unexpected, ClientError, HospitalClient, Session, Stored};

impl HospitalClient {
    /// The hospital's form `id`, refused whole if it holds an item Hale cannot show.
    pub async fn form(&self, session: &Session, id: &str) -> Result<Form, ClientError> {
        if !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '.')
        {
            return Err(ClientError::InvalidUrl(
                "a form id with other characters".into(),
            ));
        }
        let request = self.http.get(self.url(&format!("Questionnaire/{id}"))?);
        match self.fetch(self.authed(request, session)).await? {
            Resource::Questionnaire(q) => q
                .to_form()
                .map_err(|e| ClientError::InvalidResponse(e.to_string())),
            _ => Err(unexpected("Questionnaire")),
        }
    }

    /// The substances the hospital recorded the patient to be allergic or intolerant to.
    pub async fn allergies(&self, session: &Session) -> Result<Vec<String>, ClientError> {
        let bundle = self.search(session, "AllergyIntolerance", &[]).await?;
        Ok(bundle
            .entry
            .iter()
            .filter_map(|e| match &e.resource {
                Resource::AllergyIntolerance(a) => a.current_substance().map(str::to_owned),
                _ => None,
            })
            .collect())
    }

    /// Sends the signed-in patient's completed answers to `form`, filled in for
    /// `appointment_id` and sent at `authored`, as a conditional create on `key`.
    pub async fn send_form_response(
        &self,
        session: &Session,
        form: &Form,
        response: &Response,
        key: &str,
        appointment_id: &str,
        authored: DateTime<Utc>,
    ) -> Result<Stored, ClientError> {
        let header = ResponseHeader {
            key: key.to_owned(),
            patient_id: session.patient_id.clone(),
            appointment_id: Some(appointment_id.to_owned()),
            authored,
        };
        let body = Resource::QuestionnaireResponse(QuestionnaireResponse::completed(
            form, response, &header,
        ));
        let request = self
            .http
            .post(self.url("QuestionnaireResponse")?)
            .header(
                "If-None-Exist",
                format!("identifier={RESPONSE_SYSTEM}|{key}"),
            )
            .header(reqwest::header::CONTENT_TYPE, hale_fhir::FHIR_JSON)
            .body(
                serde_json::to_vec(&body)
                    .map_err(|e| ClientError::InvalidResponse(e.to_string()))?,
            );
        let answer = send(self.authed(request, session)).await?;
        match answer.status() {
            StatusCode::CREATED => Ok(Stored::Created),
            StatusCode::OK => Ok(Stored::AlreadyThere),
            other => Err(ClientError::InvalidResponse(format!(
                "unexpected status {other} to a conditional create"
            ))),
        }
    }
}
