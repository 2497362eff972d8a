//! Appointments as the patient sees them, and which of them are still ahead.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::BookingReference;

/// The lifecycle of an appointment, with the same meaning as FHIR R4 `Appointment.status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AppointmentStatus {
    Proposed,
    Pending,
    Booked,
    Arrived,
    Fulfilled,
    Cancelled,
    Noshow,
    EnteredInError,
    CheckedIn,
    Waitlist,
}

impl AppointmentStatus {
    const ALL: [(AppointmentStatus, &'static str); 10] = [
        (Self::Proposed, "proposed"),
        (Self::Pending, "pending"),
        (Self::Booked, "booked"),
        (Self::Arrived, "arrived"),
        (Self::Fulfilled, "fulfilled"),
        (Self::Cancelled, "cancelled"),
        (Self::Noshow, "noshow"),
        (Self::EnteredInError, "entered-in-error"),
        (Self::CheckedIn, "checked-in"),
        (Self::Waitlist, "waitlist"),
    ];

    /// The FHIR R4 code of this status.
    pub fn fhir_code(self) -> &'static str {
        Self::ALL
            .iter()
            .find(|(status, _)| *status == self)
            .map(|(_, code)| *code)
            .unwrap_or("entered-in-error")
    }

    /// Parses a FHIR R4 `Appointment.status` code.
    pub fn from_fhir_code(code: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .find(|(_, c)| *c == code)
            .map(|(status, _)| *status)
    }

    /// Whether the appointment still needs the patient: it is neither over nor void.
    pub fn is_live(self) -> bool {
        !matches!(
            self,
            Self::Fulfilled | Self::Cancelled | Self::Noshow | Self::EnteredInError
        )
    }
}

/// One appointment of the signed-in patient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Appointment {
    /// The hospital's id of the appointment (FHIR `Appointment.id`).
    pub id: String,
    /// The reference the patient quotes at reception or types at a kiosk, when the hospital gave one.
    pub reference: Option<BookingReference>,
    pub status: AppointmentStatus,
    pub start: DateTime<Utc>,
    pub end: DateTime<Utc>,
    /// What the appointment is for, e.g. "Cardiology outpatient clinic".
    pub service: String,
    pub clinician: Option<String>,
    pub location: Option<String>,
    /// The hospital's id of the form it asks the patient to fill in before the visit
    /// (`Appointment.supportingInformation` naming a `Questionnaire`).
    #[serde(default)]
    pub form: Option<String>,
}

/// Why an appointment received from elsewhere cannot be accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidAppointment {
    #[error("the appointment has no id")]
    MissingId,
    #[error("the appointment ends before it starts")]
    EndsBeforeStart,
}

impl Appointment {
    /// Checks the invariants every stored or shown appointment holds.
    pub fn validate(&self) -> Result<(), InvalidAppointment> {
        if self.id.trim().is_empty() {
            return Err(InvalidAppointment::MissingId);
        }
        if self.end < self.start {
            return Err(InvalidAppointment::EndsBeforeStart);
        }
        Ok(())
    }
}

/// The appointments still ahead of the patient at `now`, soonest first.
///
/// An appointment under way (started, not yet ended) still counts: the patient may be in the
/// waiting room. Cancelled, missed, finished and erroneous ones do not.
pub fn upcoming(appointments: &[Appointment], now: DateTime<Utc>) -> Vec<Appointment> {
    let mut ahead: Vec<Appointment> = appointments
        .iter()
        .filter(|a| a.status.is_live() && a.end > now)
        .cloned()
        .collect();
    ahead.sort_by(|a, b| a.start.cmp(&b.start).then_with(|| a.id.cmp(&b.id)));
    ahead
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 29, h, m, 0).unwrap()
    }

    fn appt(id: &str, start: (u32, u32), status: AppointmentStatus) -> Appointment {
        Appointment {
            id: id.into(),
            reference: None,
            status,
            start: at(start.0, start.1),
            end: at(start.0, start.1) + chrono::Duration::minutes(20),
            service: "Cardiology".into(),
            clinician: None,
            location: None,
            form: None,
        }
    }

    fn check(list: &[Appointment], now: DateTime<Utc>, expect: &[&str]) {
        let got: Vec<String> = upcoming(list, now).into_iter().map(|a| a.id).collect();
        assert_eq!(got, expect);
    }

    #[test]
    fn upcoming_sorts_soonest_first() {
        use AppointmentStatus::Booked;
        let list = [appt("b", (11, 0), Booked), appt("a", (9, 0), Booked)];
        check(&list, at(8, 0), &["a", "b"]);
    }

    #[test]
    fn upcoming_keeps_an_appointment_under_way_and_drops_one_that_ended() {
        use AppointmentStatus::Booked;
        let list = [appt("past", (7, 0), Booked), appt("now", (8, 50), Booked)];
        check(&list, at(9, 0), &["now"]);
        check(&list, at(9, 10), &[]);
    }

    #[test]
    fn upcoming_drops_void_statuses() {
        use AppointmentStatus::*;
        let list = [
            appt("c", (10, 0), Cancelled),
            appt("n", (10, 0), Noshow),
            appt("e", (10, 0), EnteredInError),
            appt("f", (10, 0), Fulfilled),
            appt("ok", (10, 0), CheckedIn),
        ];
        check(&list, at(9, 0), &["ok"]);
    }

    #[test]
    fn equal_starts_are_ordered_by_id_so_the_list_is_stable() {
        use AppointmentStatus::Booked;
        let list = [appt("z", (10, 0), Booked), appt("y", (10, 0), Booked)];
        check(&list, at(9, 0), &["y", "z"]);
    }

    #[test]
    fn every_status_round_trips_through_its_fhir_code() {
        for (status, code) in AppointmentStatus::ALL {
            assert_eq!(status.fhir_code(), code);
            assert_eq!(AppointmentStatus::from_fhir_code(code), Some(status));
            // The serde name must equal the FHIR code, since both cross the wire.
            assert_eq!(serde_json::to_value(status).unwrap(), code);
        }
        assert_eq!(AppointmentStatus::from_fhir_code("Booked"), None);
    }
}
