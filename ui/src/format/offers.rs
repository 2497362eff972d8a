//! Words for what the hospital does not offer in the app.

use hale_api::FeatureView;

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

#[cfg(test)]
mod tests {
    use super::*;

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
