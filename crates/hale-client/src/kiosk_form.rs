//! The pre-visit form at the kiosk: read with the grant its check-in gave, and the answers sent
//! with it once, as a conditional create on the kiosk's key. The kiosk never learns whose form it
//! is: the response it sends names no patient, and the hospital sends nothing back.

use chrono::{DateTime, Utc};
use hale_domain::questionnaire::{Form, Response};
use hale_domain::queue::FormGrant;
use hale_fhir::questionnaire::{ResponseHeader, RESPONSE_SYSTEM};
use hale_fhir::{QuestionnaireResponse, Resource};
use hale_hospital_json::arrival::{KioskForm, KIOSK_FORM_GRANT};
use reqwest::StatusCode;

use crate::{decode, send, ClientError, DeviceSession, HospitalClient, Stored};

/// The form a grant opens, and what it is for.
#[derive(Debug, Clone, PartialEq)]
pub struct KioskFormOpened {
    pub service: String,
    pub start: DateTime<Utc>,
    pub form: Form,
}

impl HospitalClient {
    /// `GET /api/kiosk/form`: the form `grant` is for, refused whole if it holds an item Hale
    /// cannot show.
    pub async fn kiosk_form(
        &self,
        device: &DeviceSession,
        grant: &FormGrant,
    ) -> Result<KioskFormOpened, ClientError> {
        let request = self
            .http
            .get(self.api_url(&["kiosk", "form"])?)
            .bearer_auth(&device.access_token)
            .header(KIOSK_FORM_GRANT, grant.secret());
        let opened: KioskForm<Resource> = decode(send(request).await?).await?;
        let Resource::Questionnaire(questionnaire) = opened.questionnaire else {
            return Err(crate::unexpected("Questionnaire"));
        };
        Ok(KioskFormOpened {
            service: opened.service,
            start: opened.start,
            form: questionnaire
                .to_form()
                .map_err(|e| ClientError::InvalidResponse(e.to_string()))?,
        })
    }

    /// `POST /api/kiosk/form`: the completed answers to `form`, sent at `authored`, as a
    /// conditional create on `key`, so a resend after a lost answer is stored once.
    pub async fn kiosk_send_form(
        &self,
        device: &DeviceSession,
        grant: &FormGrant,
        form: &Form,
        response: &Response,
        key: &str,
        authored: DateTime<Utc>,
    ) -> Result<Stored, ClientError> {
        let header = ResponseHeader {
            key: key.to_owned(),
            patient_id: String::new(),
            appointment_id: None,
            authored,
        };
        let mut answers = QuestionnaireResponse::completed(form, response, &header);
        // Whose it is, the grant says: the kiosk never knows.
        answers.subject = None;
        let body = serde_json::to_vec(&Resource::QuestionnaireResponse(answers))
            .map_err(|e| ClientError::InvalidResponse(e.to_string()))?;
        let request = self
            .http
            .post(self.api_url(&["kiosk", "form"])?)
            .bearer_auth(&device.access_token)
            .header(KIOSK_FORM_GRANT, grant.secret())
            .header(
                "If-None-Exist",
                format!("identifier={RESPONSE_SYSTEM}|{key}"),
            )
            .header(reqwest::header::CONTENT_TYPE, hale_fhir::FHIR_JSON)
            .body(body);
        let answer = send(request).await?;
        match answer.status() {
            StatusCode::CREATED => Ok(Stored::Created),
            StatusCode::OK => Ok(Stored::AlreadyThere),
            other => Err(ClientError::InvalidResponse(format!(
                "unexpected status {other} to a conditional create"
            ))),
        }
    }
}
