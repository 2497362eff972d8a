//! The patient's own record, taken elsewhere: saved as files, or shown to a clinician through
//! a share code.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{ExportedFile, NoArgs};

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
    pub summary: SummaryFileView,
}

/// The patient summary's file, or why there is none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum SummaryFileView {
    Saved {
        path: String,
    },
    /// The hospital writes no patient summary.
    NotOffered,
    /// The hospital refused it to this sign-in; signing in again gives it.
    NotPermitted,
}

command! {
    /// Makes a code that lets a clinician elsewhere read the patient's summary in a browser for
    /// a day, with the patient's date of birth. The code is shown once.
    CreateShareCode = "create_share_code", NoArgs => NewShareView
}

command! {
    /// The patient's share codes of the last 30 days, with when each was used.
    GetShareCodes = "get_share_codes", NoArgs => SharesView
}

command! {
    /// Ends a share code now, and the browser view it opened; answers the list as it is then.
    RevokeShareCode = "revoke_share_code", ShareArgs => SharesView
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareArgs {
    pub share_id: String,
}

/// A code just made, shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewShareView {
    pub id: String,
    /// Grouped for reading aloud, e.g. `7K3M-9Q2C-XV4D`.
    pub code: String,
    pub expires: DateTime<FixedOffset>,
    /// The address the clinician opens, e.g. `https://hospital.example/share`.
    pub link: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SharesView {
    /// Newest first.
    pub shares: Vec<ShareView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareView {
    pub id: String,
    pub created: DateTime<FixedOffset>,
    pub state: ShareStateView,
    /// How many times the summary was shown.
    pub views: u32,
    pub last_view: Option<DateTime<FixedOffset>>,
}

/// Where a share stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", rename_all = "kebab-case")]
pub enum ShareStateView {
    Waiting {
        expires: DateTime<FixedOffset>,
    },
    Open {
        opened: DateTime<FixedOffset>,
        expires: DateTime<FixedOffset>,
    },
    Expired {
        opened: Option<DateTime<FixedOffset>>,
    },
    Revoked {
        at: DateTime<FixedOffset>,
        opened: Option<DateTime<FixedOffset>>,
    },
}

command! {
    /// Saves a readable report (PDF) of the patient's readings, doses and appointments from
    /// `from` to `to` (both included, at most 366 days, not starting in the future) in the
    /// Downloads folder. Made from the device's own records, so it works offline.
    SaveReport = "save_report", ReportArgs => ExportedFile
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportArgs {
    pub from: NaiveDate,
    pub to: NaiveDate,
}
