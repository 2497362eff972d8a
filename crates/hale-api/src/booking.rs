//! Finding a slot, booking it, and changing a booking.

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::{AppointmentView, NoArgs};

command! {
    /// The hospital's bookable services and their clinicians.
    ListServices = "list_services", NoArgs => Vec<ServiceView>
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ServiceView {
    /// Pass back as [`FindSlotsArgs::service_code`].
    pub code: String,
    pub name: String,
    pub clinicians: Vec<ClinicianView>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClinicianView {
    pub id: String,
    pub name: String,
}

command! {
    /// Free slots for a service, soonest first.
    FindSlots = "find_slots", FindSlotsArgs => SlotsView
}

/// The longest search window, in days.
pub const MAX_SEARCH_DAYS: u32 = 90;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FindSlotsArgs {
    pub service_code: String,
    pub clinician_id: Option<String>,
    /// The first day to search, on the device's calendar.
    pub from: NaiveDate,
    /// How many days from `from` (1 to [`MAX_SEARCH_DAYS`]).
    pub days: u32,
    /// Slots to skip, for "show more".
    pub offset: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotsView {
    pub slots: Vec<SlotView>,
    pub has_more: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlotView {
    pub id: String,
    pub start: DateTime<FixedOffset>,
    pub end: DateTime<FixedOffset>,
    pub service: String,
    pub clinician: Option<String>,
    pub location: Option<String>,
}

command! {
    /// Books a slot.
    BookSlot = "book_slot", BookSlotArgs => AppointmentView
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookSlotArgs {
    pub slot_id: String,
    /// Chosen once per confirmation, so that a retry of the same confirmation books once.
    pub request_id: String,
}

command! {
    /// Cancels an appointment.
    CancelAppointment = "cancel_appointment", AppointmentArgs => AppointmentView
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppointmentArgs {
    pub appointment_id: String,
}

command! {
    /// Moves an appointment to another slot in one step.
    RescheduleAppointment = "reschedule_appointment", RescheduleArgs => AppointmentView
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RescheduleArgs {
    pub appointment_id: String,
    pub slot_id: String,
}

command! {
    /// Saves an appointment as an iCalendar (.ics) file in the Downloads folder.
    ExportCalendar = "export_calendar", AppointmentArgs => ExportedFile
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExportedFile {
    /// Where the file was written, to show the patient.
    pub path: String,
}

/// Whether `id` may name something in a command: a hospital resource (a FHIR `id`), a medicine,
/// a dose's slot or a device. 1 to 80 of `A–Z a–z 0–9 - _ : . @`, and not dots alone (a URL
/// would read those as a step up its path). The shell refuses anything else before it reaches a
/// URL or the store; the app's one check of ids.
pub fn is_identifier(id: &str) -> bool {
    (1..=80).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_:.@".contains(&b))
        && !id.bytes().all(|b| b == b'.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_short_plain_tokens_that_cannot_step_up_a_path() {
        for good in [
            "sl-cardiology-1-202612011000",
            "ap-0123abcd.x",
            "rx:mr-0001",
            "2026-12-02T08:00",
            "00:1B:DC:0F:33:03",
        ] {
            assert!(is_identifier(good), "{good:?}");
        }
        for bad in [
            "",
            "a/b",
            "../x",
            "..",
            ".",
            "a b",
            "é",
            &"x".repeat(81),
            "a?b=c",
            "x'; DROP TABLE",
        ] {
            assert!(!is_identifier(bad), "{bad:?}");
        }
    }
}
