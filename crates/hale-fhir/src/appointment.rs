//! FHIR R4 Appointment and its mapping to `hale_domain::Appointment`.

use chrono::{DateTime, Utc};
use hale_domain::AppointmentStatus;
use serde::{Deserialize, Serialize};

use crate::{CodeableConcept, Identifier, Reference, BOOKING_REFERENCE_SYSTEM};

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Appointment {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<crate::datatypes::Meta>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub identifier: Vec<Identifier>,
    pub status: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub service_type: Vec<CodeableConcept>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minutes_duration: Option<u32>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub slot: Vec<Reference>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participant: Vec<AppointmentParticipant>,
    /// What supports the appointment; a `Questionnaire` here is the form the hospital asks the
    /// patient to fill in before the visit.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub supporting_information: Vec<Reference>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct AppointmentParticipant {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub actor: Option<Reference>,
    /// accepted | declined | tentative | needs-action
    pub status: String,
}

/// Why a FHIR Appointment from a hospital cannot be shown to the patient.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MappingError {
    #[error("the Appointment has no id")]
    MissingId,
    #[error("Appointment {0} has no start or end time")]
    MissingTime(String),
    #[error("Appointment {id} has an unknown status '{status}'")]
    UnknownStatus { id: String, status: String },
    #[error("Appointment {0} is invalid: {1}")]
    Invalid(String, hale_domain::InvalidAppointment),
}

impl Appointment {
    fn actor_display(&self, resource_type: &str) -> Option<String> {
        self.participant
            .iter()
            .filter_map(|p| p.actor.as_ref())
            .find(|actor| actor.id_of(resource_type).is_some())
            .and_then(|actor| actor.display.clone())
    }

    /// Maps the resource to the domain, refusing what the app could not show honestly.
    ///
    /// A booking-reference identifier that fails its check is dropped rather than trusted: the
    /// appointment is still real, but the patient must not be shown a code the kiosk will refuse.
    pub fn to_domain(&self) -> Result<hale_domain::Appointment, MappingError> {
        let id = self.id.clone().ok_or(MappingError::MissingId)?;
        let status = AppointmentStatus::from_fhir_code(&self.status).ok_or_else(|| {
            MappingError::UnknownStatus {
                id: id.clone(),
                status: self.status.clone(),
            }
        })?;
        let (Some(start), Some(end)) = (self.start, self.end) else {
            return Err(MappingError::MissingTime(id));
        };
        let reference = self
            .identifier
            .iter()
            .filter(|i| i.system.as_deref() == Some(BOOKING_REFERENCE_SYSTEM))
            .find_map(|i| i.value.as_deref()?.parse().ok());
        let service = self
            .service_type
            .iter()
            .find_map(CodeableConcept::label)
            .map(str::to_owned)
            .or_else(|| self.description.clone())
            .unwrap_or_else(|| "Appointment".to_owned());
        let appointment = hale_domain::Appointment {
            id: id.clone(),
            reference,
            status,
            start,
            end,
            service,
            clinician: self.actor_display("Practitioner"),
            location: self.actor_display("Location"),
            form: self
                .supporting_information
                .iter()
                .find_map(|r| r.id_of("Questionnaire"))
                .map(str::to_owned),
        };
        appointment
            .validate()
            .map_err(|e| MappingError::Invalid(id, e))?;
        Ok(appointment)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hale_domain::BookingReference;

    fn sample() -> serde_json::Value {
        let reference = BookingReference::from_entropy(42);
        serde_json::json!({
            "resourceType": "Appointment",
            "id": "ap-1",
            "identifier": [{"system": BOOKING_REFERENCE_SYSTEM, "value": reference.compact()}],
            "status": "booked",
            "serviceType": [{"coding": [{"system": "http://snomed.info/sct", "code": "394579002",
                                          "display": "Cardiology"}]}],
            "start": "2026-12-01T09:20:00Z",
            "end": "2026-12-01T09:40:00+00:00",
            "participant": [
                {"actor": {"reference": "Patient/pt-1", "display": "Alex Morgan"}, "status": "accepted"},
                {"actor": {"reference": "Practitioner/pr-1", "display": "Dr Priya Shah"}, "status": "accepted"},
                {"actor": {"reference": "Location/lo-1", "display": "Outpatients B, level 2"}, "status": "accepted"}
            ]
        })
    }

    fn map(json: serde_json::Value) -> Result<hale_domain::Appointment, MappingError> {
        let crate::Resource::Appointment(a) = serde_json::from_value(json).unwrap() else {
            panic!("not an appointment")
        };
        a.to_domain()
    }

    #[test]
    fn maps_every_field_the_app_shows() {
        let a = map(sample()).unwrap();
        assert_eq!(a.id, "ap-1");
        assert_eq!(a.reference, Some(BookingReference::from_entropy(42)));
        assert_eq!(a.status, AppointmentStatus::Booked);
        assert_eq!(a.service, "Cardiology");
        assert_eq!(a.clinician.as_deref(), Some("Dr Priya Shah"));
        assert_eq!(a.location.as_deref(), Some("Outpatients B, level 2"));
        assert_eq!((a.end - a.start).num_minutes(), 20);
    }

    #[test]
    fn refuses_what_cannot_be_shown_honestly() {
        let mut j = sample();
        j["status"] = "confirmed".into();
        assert!(matches!(map(j), Err(MappingError::UnknownStatus { .. })));
        let mut j = sample();
        j.as_object_mut().unwrap().remove("start");
        assert_eq!(map(j), Err(MappingError::MissingTime("ap-1".into())));
        let mut j = sample();
        j["end"] = "2026-12-01T08:00:00Z".into();
        assert!(matches!(map(j), Err(MappingError::Invalid(..))));
        let mut j = sample();
        j.as_object_mut().unwrap().remove("id");
        assert_eq!(map(j), Err(MappingError::MissingId));
    }

    #[test]
    fn a_booking_reference_that_fails_its_check_is_dropped() {
        let mut j = sample();
        j["identifier"][0]["value"] = "0000-0001".into();
        assert_eq!(map(j).unwrap().reference, None);
    }

    #[test]
    fn round_trips_through_json() {
        let crate::Resource::Appointment(a) = serde_json::from_value(sample()).unwrap() else {
            panic!()
        };
        let again = serde_json::to_value(crate::Resource::Appointment(a.clone())).unwrap();
        assert_eq!(again["start"], "2026-12-01T09:20:00Z");
        assert_eq!(again["serviceType"][0]["coding"][0]["code"], "394579002");
        let crate::Resource::Appointment(b) = serde_json::from_value(again).unwrap() else {
            panic!()
        };
        assert_eq!(a, b);
    }
}
