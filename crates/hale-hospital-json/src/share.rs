//! Share codes, part of Hale's JSON API beside FHIR (`/api/shares`): the patient lets a
//! clinician elsewhere read their patient summary in a browser (`/share`) for a day, with their
//! date of birth as a second factor. FHIR has no resource for a one-time code. Times are RFC 3339
//! UTC.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// `POST /api/shares`: the code made (shown once; the hospital keeps only its hash) and where
/// the clinician opens it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShareCreated {
    pub id: String,
    /// `7K3M-9Q2C-XV4D`: twelve Crockford base-32 characters.
    pub code: String,
    pub expires: DateTime<Utc>,
    /// The page the clinician opens, e.g. `https://hospital.example/share`.
    pub link: String,
}

// Redacted by hand: a code in a log opens the patient's summary.
impl std::fmt::Debug for ShareCreated {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ShareCreated")
            .field("id", &self.id)
            .field("code", &"<redacted>")
            .field("expires", &self.expires)
            .finish()
    }
}

/// `GET /api/shares`: the patient's shares of the last 30 days, newest first, with their use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Share {
    pub id: String,
    pub created: DateTime<Utc>,
    pub expires: DateTime<Utc>,
    pub revoked: Option<DateTime<Utc>>,
    /// When a browser opened it (it opens one, once).
    pub opened: Option<DateTime<Utc>>,
    /// Each time the summary was shown, oldest first.
    pub views: Vec<DateTime<Utc>>,
}
