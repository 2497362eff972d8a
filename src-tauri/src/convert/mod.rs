//! Field mapping from the core's decided results to the IPC contract's views, one file per
//! feature, and the core's errors as the contract's stable codes. Nothing here decides or words:
//! the core has decided, and the UI words.

mod appointments;
mod arrival;
mod background;
mod care_circle;
mod care_team;
pub mod devices;
mod errors;
mod forms;
mod medicines;
mod offers;
mod parking;
mod record;
mod settings;
mod visits;

use chrono::{DateTime, FixedOffset, Local, Utc};
use hale_api::Freshness;

pub use appointments::{appointment, home, service, slot_query, slots, waitlist};
pub use arrival::{kiosk_outcome, queue, waiting_times};
pub use background::place;
pub use care_circle::{
    alert_choices, care_circle, helper_alerts, invitation, looking_after, member, permissions,
};
pub use care_team::care_team;
pub use errors::{client_error, core_error, invalid as invalid_argument, require_id};
pub use forms::form;
pub use medicines::{log_dose, medicines, new_medicine};
pub use offers::offers;
pub use parking::{card, concession, concession_application, parking, registration, stay, vehicle};
pub use record::{new_share, shares};
pub use settings::{lead, reminder_settings};
pub use visits::visit_summary;

pub fn freshness(f: hale_core::Freshness) -> Freshness {
    match f {
        hale_core::Freshness::Live { as_of } => Freshness::Live { as_of },
        hale_core::Freshness::Offline { cached_at, error } => Freshness::Offline {
            cached_at,
            error: client_error(&error),
        },
    }
}

/// A time on the device's clock, as the screens show it.
fn local(t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&Local).fixed_offset()
}
