//! Words for what the hospital does not offer in the app.

use hale_api::{AppointmentStage, AppointmentView, FeatureView, OffersView};

/// The sentence shown where a feature would be: who does not offer it, and what to do instead.
pub fn not_offered(feature: FeatureView, hospital: Option<&str>) -> String {
    let who = hospital.unwrap_or("Your hospital");
    let (what, instead) = match feature {
        FeatureView::Booking => ("booking", "To book an appointment, please call the clinic."),
        FeatureView::Moving => (
            "moving appointments",
            "To move an appointment, please call the clinic.",
        ),
        FeatureView::Cancelling => (
            "cancelling appointments",
            "To cancel an appointment, please call the clinic.",
        ),
        FeatureView::CheckIn => (
            "check-in",
            "When you arrive, please check in at reception or a kiosk.",
        ),
        FeatureView::WaitingTimes => (
            "waiting times",
            "Reception can tell you how long the wait is.",
        ),
        FeatureView::Parking => ("parking payment", "Please pay at the car park's machines."),
        FeatureView::Waitlist => (
            "a waiting list for earlier times",
            "To ask for an earlier time, please call the clinic.",
        ),
    };
    format!("{who} does not offer {what} in the app. {instead}")
}

/// The hint under an appointment the hospital's rules would let change, but which it does not
/// let the patient move or cancel in the app.
pub fn change_not_offered(hospital: Option<&str>) -> String {
    let who = hospital.unwrap_or("Your hospital");
    format!(
        "{who} does not offer changing appointments in the app. To change this one, please call the clinic."
    )
}

/// What an appointment's card says about changing it, if anything: offline, too soon, or what
/// the hospital (`offers`, `None` until known) does not let the patient do in the app.
pub fn change_hint(
    appointment: &AppointmentView,
    offline: bool,
    offers: Option<&OffersView>,
) -> Option<String> {
    let hospital = offers.and_then(|o| o.hospital_name.as_deref());
    let offered = |f| offers.is_none_or(|o| o.offers(f));
    let (moving, cancelling) = (
        offered(FeatureView::Moving),
        offered(FeatureView::Cancelling),
    );
    if offline {
        Some("Changes need the hospital; try again when you are online.".to_owned())
    } else if appointment.status == AppointmentStage::Arrived {
        None
    } else if !moving && !cancelling {
        Some(change_not_offered(hospital))
    } else if !appointment.changeable {
        Some("This appointment is too soon to change in the app. To change it, please call the clinic.".to_owned())
    } else if !cancelling {
        Some(not_offered(FeatureView::Cancelling, hospital))
    } else if !moving {
        Some(not_offered(FeatureView::Moving, hospital))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn booked(changeable: bool) -> AppointmentView {
        let start = chrono::DateTime::parse_from_rfc3339("2026-12-09T10:00:00+00:00").unwrap();
        AppointmentView {
            id: "a1".into(),
            reference: None,
            status: AppointmentStage::Booked,
            start,
            end: start + chrono::Duration::minutes(20),
            service: "Cardiology".into(),
            clinician: None,
            location: None,
            waitlist: None,
            can_check_in: false,
            changeable,
            can_move: changeable,
            can_cancel: changeable,
            can_wait: changeable,
            has_form: false,
        }
    }

    fn offering(features: &[FeatureView]) -> OffersView {
        OffersView {
            hospital_name: Some("St Elsewhere".into()),
            offered: features.to_vec(),
        }
    }

    #[test]
    fn a_hospital_offering_every_change_leaves_a_changeable_card_without_a_hint() {
        assert_eq!(
            change_hint(&booked(true), false, Some(&OffersView::everything())),
            None
        );
        assert_eq!(change_hint(&booked(true), false, None), None);
    }

    #[test]
    fn a_hospital_offering_no_changes_says_so_even_when_too_soon_would_apply() {
        for changeable in [true, false] {
            let hint = change_hint(&booked(changeable), false, Some(&offering(&[]))).unwrap();
            assert!(
                hint.starts_with("St Elsewhere does not offer changing appointments"),
                "{hint}"
            );
        }
    }

    #[test]
    fn only_the_change_not_offered_is_named() {
        let hint = change_hint(
            &booked(true),
            false,
            Some(&offering(&[FeatureView::Moving])),
        );
        assert!(hint
            .unwrap()
            .starts_with("St Elsewhere does not offer cancelling appointments"));
        let hint = change_hint(
            &booked(true),
            false,
            Some(&offering(&[FeatureView::Cancelling])),
        );
        assert!(hint
            .unwrap()
            .starts_with("St Elsewhere does not offer moving appointments"));
    }

    #[test]
    fn offline_and_too_soon_come_before_the_rest() {
        let all = OffersView::everything();
        assert!(change_hint(&booked(true), true, Some(&all))
            .unwrap()
            .contains("online"));
        assert!(change_hint(&booked(false), false, Some(&all))
            .unwrap()
            .contains("too soon"));
    }

    #[test]
    fn the_sentence_names_the_hospital_the_feature_and_what_to_do_instead() {
        assert_eq!(
            not_offered(FeatureView::Parking, Some("St Elsewhere")),
            "St Elsewhere does not offer parking payment in the app. Please pay at the car park's machines."
        );
    }

    #[test]
    fn a_hospital_without_a_name_is_the_patients_hospital() {
        assert!(not_offered(FeatureView::Booking, None)
            .starts_with("Your hospital does not offer booking in the app."));
        assert!(change_not_offered(None).starts_with("Your hospital does not offer changing"));
    }
}
