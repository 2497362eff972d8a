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
    pub summary: Summary,
}

/// The patient summary of an export, or why there is none.
#[derive(Debug, Clone, PartialEq)]
pub enum Summary {
    Written(ExportFile),
    /// The hospital does not offer the IPS operation.
    NotOffered,
    /// The hospital refused it to this sign-in (one made before Hale asked for what the summary
    /// reads); signing in again gives it.
    NotPermitted,
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
        let (record, summary) = self
            .own_session_call("export the record", |s| async move {
                let record = self.client.whole_record(&s).await?;
                let summary = match self.client.patient_summary(&s).await {
                    Ok(summary) => Ok(summary),
                    // Without the summary the whole record still goes, saying why.
                    Err(ClientError::Forbidden(_)) => Err(Summary::NotPermitted),
                    Err(e) if not_offered(&e) => Err(Summary::NotOffered),
                    Err(e) => return Err(e),
                };
                Ok((record, summary))
            })
            .await?;
        let resources = record["entry"].as_array().map_or(0, Vec::len);
        Ok(RecordExport {
            whole_record: file(format!("hale-record-{today}.json"), &record)?,
            resources,
            summary: match summary {
                Ok(s) => Summary::Written(file(format!("hale-patient-summary-{today}.json"), &s)?),
                Err(why) => why,
            },
        })
    }
}

/// How FHIR servers answer an operation they do not have: not found, not allowed on the
/// resource, not implemented, or a bad request naming the unknown operation.
fn not_offered(e: &ClientError) -> bool {
    match e {
        ClientError::NotFound => true,
        ClientError::Rejected { status, .. } => matches!(status, 400 | 405 | 501),
        ClientError::Server { status, .. } => *status == 501,
        _ => false,
    }
}

fn file(name: String, json: &serde_json::Value) -> Result<ExportFile, CoreError> {
    let contents = serde_json::to_string_pretty(json)
        .map_err(|e| CoreError::Hospital(ClientError::InvalidResponse(e.to_string())))?;
    Ok(ExportFile { name, contents })
}
