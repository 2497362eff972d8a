//! The visit summary in words.

use hale_api::{ErrorCode, Freshness, PrescribedView, ReadingView, VisitStageView};

use super::reading_label;

/// Where the visit stands, as the summary's first line.
pub fn visit_stage_words(stage: VisitStageView) -> String {
    match stage {
        VisitStageView::NoVisit => {
            "The hospital has no record of a visit for this appointment.".to_owned()
        }
        VisitStageView::Ongoing { arrived } => format!(
            "You checked in at {}. What the clinic records during your visit appears here.",
            arrived.format("%H:%M")
        ),
        VisitStageView::Ended { arrived, ended } => format!(
            "You were at the hospital on {}, from {} to {}.",
            arrived.format("%a %-d %b"),
            arrived.format("%H:%M"),
            ended.format("%H:%M")
        ),
        VisitStageView::Cancelled => "The hospital cancelled this visit.".to_owned(),
        VisitStageView::NotRead => {
            "Hale could not read this visit from the hospital yet.".to_owned()
        }
    }
}

/// What to do when the hospital refused to say: a sign-in from before Hale read visits lacks the
/// permission, which signing in again gives.
pub fn visit_refused_hint(freshness: &Freshness) -> Option<&'static str> {
    match freshness {
        Freshness::Offline { error, .. } if error.code == ErrorCode::Forbidden => Some(
            "Hale needs your permission to read your visits: sign out, then sign in again to give it.",
        ),
        _ => None,
    }
}

/// What a visit with nothing recorded says: while it goes on, more may come.
pub fn visit_empty_words(stage: VisitStageView) -> &'static str {
    match stage {
        VisitStageView::Ongoing { .. } => "Nothing has been recorded at this visit yet.",
        _ => "Nothing was recorded at this visit.",
    }
}

/// "Blood pressure 146/91 mmHg, 09:24".
pub fn measured_words(r: &ReadingView) -> String {
    format!(
        "{} {} {}, {}",
        reading_label(r.kind),
        r.value,
        r.unit,
        r.at.format("%H:%M")
    )
}

/// A prescription's heading ("New medicine" or "Dose changed") and what to know about it.
pub fn prescribed_words(p: &PrescribedView) -> (&'static str, String) {
    let how = p.instructions.clone().unwrap_or_default();
    match &p.replaces {
        None => ("New medicine", how),
        Some(old) => {
            let instead = match (&old.name, &old.instructions) {
                (Some(name), Some(was)) => format!("Instead of {name} ({was}), which stops."),
                (Some(name), None) => format!("Instead of {name}, which stops."),
                _ => "It replaces an earlier prescription, which stops.".to_owned(),
            };
            (
                "Changed",
                format!("{how}. {instead}")
                    .trim_start_matches(". ")
                    .to_owned(),
            )
        }
    }
}

/// "Prescribed by Dr Priya Shah", when the hospital says who.
pub fn prescribed_by(p: &PrescribedView) -> Option<String> {
    p.by.as_ref().map(|by| format!("Prescribed by {by}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;
    use hale_api::ReplacedView;

    fn rx(replaces: Option<ReplacedView>) -> PrescribedView {
        PrescribedView {
            name: "Atorvastatin 40 mg tablets".into(),
            instructions: Some("1 tablet once a day at bedtime".into()),
            replaces,
            by: Some("Dr Priya Shah".into()),
        }
    }

    #[test]
    fn a_changed_dose_says_what_it_replaces_and_that_the_old_one_stops() {
        let (title, detail) = prescribed_words(&rx(Some(ReplacedView {
            name: Some("Atorvastatin 20 mg tablets".into()),
            instructions: Some("1 tablet at bedtime".into()),
        })));
        assert_eq!(title, "Changed");
        assert_eq!(
            detail,
            "1 tablet once a day at bedtime. Instead of Atorvastatin 20 mg tablets (1 tablet at bedtime), which stops."
        );
        let (_, unknown) = prescribed_words(&rx(Some(ReplacedView {
            name: None,
            instructions: None,
        })));
        assert!(unknown.ends_with("It replaces an earlier prescription, which stops."));
    }

    #[test]
    fn a_refusal_says_how_to_give_the_permission_and_being_offline_does_not() {
        let offline = |code| Freshness::Offline {
            cached_at: None,
            error: hale_api::ApiError::new(code, "x"),
        };
        assert!(visit_refused_hint(&offline(ErrorCode::Forbidden))
            .unwrap()
            .contains("sign in again"));
        assert_eq!(
            visit_refused_hint(&offline(ErrorCode::HospitalUnreachable)),
            None
        );
    }

    #[test]
    fn a_new_medicine_is_called_new_and_names_its_prescriber() {
        let p = rx(None);
        assert_eq!(
            prescribed_words(&p),
            ("New medicine", "1 tablet once a day at bedtime".to_owned())
        );
        assert_eq!(
            prescribed_by(&p).as_deref(),
            Some("Prescribed by Dr Priya Shah")
        );
    }

    #[test]
    fn an_ended_visit_says_when_and_an_ongoing_one_says_more_may_come() {
        let at = |t: &str| DateTime::parse_from_rfc3339(t).unwrap();
        assert_eq!(
            visit_stage_words(VisitStageView::Ended {
                arrived: at("2026-12-01T09:20:00+00:00"),
                ended: at("2026-12-01T10:05:00+00:00"),
            }),
            "You were at the hospital on Tue 1 Dec, from 09:20 to 10:05."
        );
        assert!(visit_stage_words(VisitStageView::Ongoing {
            arrived: at("2026-12-01T09:20:00+00:00")
        })
        .contains("appears here"));
    }
}
