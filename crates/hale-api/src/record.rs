//! The patient's own record, taken elsewhere.

use serde::{Deserialize, Serialize};

use crate::NoArgs;

command! {
    /// Saves the patient's own record in the Downloads folder, as the hospital holds it now:
    /// the whole record (a FHIR Bundle) and, when the hospital writes one, the International
    /// Patient Summary (a FHIR document). The patient's own only: refused while looking after
    /// someone (`Forbidden`).
    ExportRecord = "export_record", NoArgs => ExportedRecord
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedRecord {
    /// Where the whole record was written.
    pub record_path: String,
    /// How many entries the whole record holds.
    pub resources: u32,
    /// Where the patient summary was written; `None` when the hospital writes none.
    pub summary_path: Option<String>,
}
