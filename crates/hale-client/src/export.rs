//! The patient's own record, to take to another clinician: the whole record
//! (`Patient/{id}/$everything`, every page) and the International Patient Summary
//! (`Patient/{id}/$summary`). Both are kept as the JSON the hospital wrote, not read into Hale's
//! types, so the copy holds what Hale does not model too.

use serde_json::Value;

use crate::{unexpected, ClientError, HospitalClient, Session};

impl HospitalClient {
    /// The signed-in patient's whole record, as one searchset Bundle. Asked in the largest
    /// pages the reference hospital gives, so a record of years of readings is a few requests.
    pub async fn whole_record(&self, session: &Session) -> Result<Value, ClientError> {
        let mut url = self.url(&format!("Patient/{}/$everything", session.patient_id))?;
        url.query_pairs_mut().append_pair("_count", "5000");
        self.json_pages(session, url).await
    }

    /// The signed-in patient's International Patient Summary, a document Bundle.
    pub async fn patient_summary(&self, session: &Session) -> Result<Value, ClientError> {
        let url = self.url(&format!("Patient/{}/$summary", session.patient_id))?;
        let document: Value = self
            .fetch_json(self.authed(self.http.get(url), session))
            .await?;
        if document["resourceType"] != "Bundle" || document["type"] != "document" {
            return Err(unexpected("a document Bundle"));
        }
        Ok(document)
    }
}
