//! Whether a database holds the demo hospital's published credentials: a server started without
//! `--demo` refuses such a database, since anyone can read those passwords and secrets in this
//! repository.

use sqlx::AnyPool;

use super::care_team::DEMO_STAFF_MEMBERS;
use super::seed::{DEMO_DEVICES, DEMO_HELPER, DEMO_PATIENT, OTHER_PATIENT};
use crate::password::{holds_password, Accounts};
use crate::FhirError;

/// The first published login or device secret that still works on `db`, by name.
pub(crate) async fn published_in(db: &AnyPool) -> Result<Option<String>, FhirError> {
    for device in DEMO_DEVICES {
        if crate::oauth::device_secret_works(db, device.id, device.secret).await? {
            return Ok(Some(format!("the device secret of '{}'", device.id)));
        }
    }
    for patient in [DEMO_PATIENT, OTHER_PATIENT, DEMO_HELPER] {
        if holds_password(db, Accounts::Patients, patient.username, patient.password).await? {
            return Ok(Some(format!("the patient login '{}'", patient.username)));
        }
    }
    for staff in DEMO_STAFF_MEMBERS {
        if holds_password(db, Accounts::Staff, staff.username, staff.password).await? {
            return Ok(Some(format!("the staff login '{}'", staff.username)));
        }
    }
    Ok(None)
}
