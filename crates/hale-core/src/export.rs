//! The patient's own record, to take to a clinician elsewhere: the whole record as the hospital
//! holds it (a FHIR searchset Bundle) and, when the hospital writes one, the International
//! Patient Summary (a FHIR document). Always live: an export is the record as it is now, never
//! an old copy from the device. The patient's own only: looking after someone never copies the
//! whole of their record (the hospital refuses a helper too).

use chrono::NaiveDate;
use hale_client::ClientError;

use crate::{CoreError, Patient};

/// A record ready to save: the files' names and contents.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordExport {
    pub whole_record: ExportFile,
    /// How many resources the whole record holds, the patient's among them.
    pub resources: usize,
    /// `None` when the hospital writes no patient summary.
    pub summary: Option<ExportFile>,
}

/// One file of an export.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportFile {
    pub name: String,
    /// FHIR JSON, indented to be readable.
    pub contents: String,
}

impl Patient {
    /// The signed-in patient's record, with files named for `today`.
    pub async fn export_record(&self, today: NaiveDate) -> Result<RecordExport, CoreError> {
        let own = self.own_id().await?.ok_or(CoreError::NotSignedIn)?;
        if self.saved_patient().await?.as_deref() != Some(own.as_str()) {
            return Err(CoreError::PatientsOwn("export the record"));
        }
        let ((record, summary), patient) = self
            .with_session_of(|s| async move {
                let record = self.client.whole_record(&s).await?;
                let summary = match self.client.patient_summary(&s).await {
                    Ok(summary) => Some(summary),
                    // A hospital without the IPS operation: the whole record still goes.
                    Err(ClientError::NotFound) => None,
                    Err(e) => return Err(e),
                };
                Ok((record, summary))
            })
            .await?;
        if patient != own {
            return Err(CoreError::PatientsOwn("export the record"));
        }
        let resources = record["entry"].as_array().map_or(0, Vec::len);
        Ok(RecordExport {
            whole_record: file(format!("hale-record-{today}.json"), &record)?,
            resources,
            summary: summary
                .map(|s| file(format!("hale-patient-summary-{today}.json"), &s))
                .transpose()?,
        })
    }
}

fn file(name: String, json: &serde_json::Value) -> Result<ExportFile, CoreError> {
    let contents = serde_json::to_string_pretty(json)
        .map_err(|e| CoreError::Hospital(ClientError::InvalidResponse(e.to_string())))?;
    Ok(ExportFile { name, contents })
}
