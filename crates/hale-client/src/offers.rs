//! What a hospital offers patients in the app, read from its CapabilityStatement.
//!
//! FHIR says what the standard features need. Booking is a Slot and a Schedule search and a
//! conditional Appointment create (so that a retry cannot book twice); moving is the Appointment
//! operation `$reschedule` and the same searches, to choose the new time; cancelling and checking
//! in are the operations `$cancel` and `$check-in`. Waiting times, parking and the waitlist are
//! Hale's JSON API, which FHIR has no words for: a hospital declares each with Hale's
//! `patient-feature` extension on `rest`. Anything not declared is not offered.

use hale_domain::{Feature, Offers};
use hale_fhir::capability::PATIENT_FEATURE_URL;
use hale_fhir::CapabilityStatement;

/// The features `capability` declares.
pub fn offers(capability: &CapabilityStatement) -> Offers {
    let appointment_operation = |name: &str| {
        capability
            .resources("Appointment")
            .flat_map(|r| &r.operation)
            .any(|o| o.name.trim_start_matches('$') == name)
    };
    let declared: Vec<Feature> = capability
        .rest
        .iter()
        .filter(|r| r.mode == "server")
        .flat_map(|r| &r.extension)
        .filter(|e| e.url == PATIENT_FEATURE_URL)
        .filter_map(|e| e.value_code.as_deref().and_then(Feature::from_code))
        // Only the features FHIR has no words for are taken from the extension: a hospital
        // cannot declare booking there without the FHIR interactions booking needs.
        .filter(|f| {
            matches!(
                f,
                Feature::WaitingTimes | Feature::Parking | Feature::Waitlist
            )
        })
        .collect();
    // Choosing a time: free slots, and the schedules that say whose they are.
    let slots = capability.supports("Slot", "search-type")
        && capability.supports("Schedule", "search-type");
    let standard = [
        (
            Feature::Booking,
            slots
                && capability.supports("Appointment", "create")
                && capability
                    .resources("Appointment")
                    .any(|r| r.conditional_create == Some(true)),
        ),
        (
            Feature::Moving,
            slots && appointment_operation("reschedule"),
        ),
        (Feature::Cancelling, appointment_operation("cancel")),
        (Feature::CheckIn, appointment_operation("check-in")),
    ];
    standard
        .into_iter()
        .filter_map(|(feature, offered)| offered.then_some(feature))
        .chain(declared)
        .collect()
}

#[cfg(test)]
mod tests {
    use hale_fhir::capability::{Extension, Interaction, Operation, Rest, RestResource};

    use super::*;

    fn resource(kind: &str, interactions: &[&str], operations: &[&str]) -> RestResource {
        RestResource {
            resource_type: kind.into(),
            interaction: interactions
                .iter()
                .map(|c| Interaction { code: (*c).into() })
                .collect(),
            operation: operations
                .iter()
                .map(|n| Operation {
                    name: (*n).into(),
                    definition: format!("urn:test:{n}"),
                })
                .collect(),
            ..RestResource::default()
        }
    }

    fn feature(code: &str) -> Extension {
        Extension {
            url: PATIENT_FEATURE_URL.into(),
            value_code: Some(code.into()),
            ..Extension::default()
        }
    }

    fn statement(rest: Rest) -> CapabilityStatement {
        CapabilityStatement {
            status: "active".into(),
            date: "2026-12-07".into(),
            kind: "instance".into(),
            fhir_version: "4.0.1".into(),
            format: vec!["json".into()],
            software: None,
            implementation: None,
            rest: vec![rest],
        }
    }

    /// A plain FHIR server: every type readable, searchable and creatable (conditionally), no
    /// operations.
    fn plain() -> Rest {
        Rest {
            mode: "server".into(),
            resource: [
                "Patient",
                "Appointment",
                "Slot",
                "Schedule",
                "MedicationRequest",
            ]
            .iter()
            .map(|k| RestResource {
                conditional_create: Some(true),
                ..resource(k, &["read", "search-type", "create"], &[])
            })
            .collect(),
            ..Rest::default()
        }
    }

    #[test]
    fn a_plain_fhir_server_offers_booking_and_nothing_that_needs_operations_or_hales_api() {
        assert_eq!(
            offers(&statement(plain())),
            Offers::NONE.with(Feature::Booking)
        );
    }

    #[test]
    fn a_server_without_slots_to_search_offers_no_booking() {
        let mut rest = plain();
        rest.resource.retain(|r| r.resource_type != "Slot");
        assert_eq!(offers(&statement(rest)), Offers::NONE);
    }

    #[test]
    fn a_server_whose_appointment_create_is_not_conditional_offers_no_booking() {
        let mut rest = plain();
        rest.resource[1].conditional_create = None;
        assert_eq!(offers(&statement(rest)), Offers::NONE);
    }

    #[test]
    fn appointment_operations_offer_moving_cancelling_and_check_in_each_on_its_own() {
        let mut rest = plain();
        rest.resource[1] = resource("Appointment", &["read"], &["cancel", "$check-in"]);
        assert_eq!(
            offers(&statement(rest)),
            Offers::NONE
                .with(Feature::Cancelling)
                .with(Feature::CheckIn)
        );
    }

    #[test]
    fn moving_needs_the_searches_that_choose_a_new_time_as_well_as_its_operation() {
        let mut rest = plain();
        rest.resource[1] = resource("Appointment", &["read"], &["reschedule"]);
        assert_eq!(
            offers(&statement(rest.clone())),
            Offers::NONE.with(Feature::Moving)
        );
        rest.resource.retain(|r| r.resource_type != "Schedule");
        assert_eq!(offers(&statement(rest)), Offers::NONE);
    }

    #[test]
    fn hales_extension_offers_waiting_times_parking_and_the_waitlist_but_never_booking() {
        let mut rest = plain();
        rest.resource.clear();
        rest.extension = vec![
            feature("parking"),
            feature("waitlist"),
            feature("booking"),
            feature("valet"),
            Extension {
                url: "https://elsewhere.example/feature".into(),
                value_code: Some("waiting-times".into()),
                ..Extension::default()
            },
        ];
        assert_eq!(
            offers(&statement(rest)),
            Offers::NONE.with(Feature::Parking).with(Feature::Waitlist)
        );
    }

    #[test]
    fn a_client_mode_rest_entry_offers_nothing() {
        let mut rest = plain();
        rest.mode = "client".into();
        rest.extension = vec![feature("parking")];
        assert_eq!(offers(&statement(rest)), Offers::NONE);
    }
}
