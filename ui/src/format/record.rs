//! The exported record in words.

use hale_api::{ExportedRecord, NewShareView, ShareStateView, ShareView, SummaryFileView};

use super::saved_where;

/// What was saved and where, a sentence per file.
pub fn record_saved_words(saved: &ExportedRecord) -> Vec<String> {
    let (place, name) = saved_where(&saved.record_path);
    let entries = match saved.resources {
        1 => "1 entry".to_owned(),
        n => format!("{n} entries"),
    };
    let mut words = vec![format!(
        "Your whole record ({entries}) is saved to {place} as {name}."
    )];
    words.push(match &saved.summary {
        SummaryFileView::Saved { path } => {
            let (place, name) = saved_where(path);
            format!(
                "Your patient summary is saved to {place} as {name}. \
                 A doctor's system that reads FHIR can open both."
            )
        }
        SummaryFileView::NotOffered => "This hospital does not write a patient summary, so \
                                        only the whole record was saved."
            .to_owned(),
        SummaryFileView::NotPermitted => "Hale needs your permission to read your patient \
                                          summary: sign out, then sign in again to give it. \
                                          The whole record was saved."
            .to_owned(),
    });
    words
}

/// Where the report went.
pub fn report_saved_words(path: &str) -> String {
    let (place, name) = saved_where(path);
    format!("Saved to {place} as {name}. Open it to read or print it.")
}

/// Why the export is not offered while looking after someone.
pub fn record_not_yours_words(name: Option<&str>) -> String {
    let who = name.unwrap_or("the person you look after");
    format!("Only {who} can save a copy of their own record, from their own sign-in.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn saved(summary: Option<&str>, resources: u32) -> ExportedRecord {
        ExportedRecord {
            record_path: "/home/alex/Downloads/hale-record-2026-12-06.json".into(),
            resources,
            summary: summary.map_or(SummaryFileView::NotOffered, |p| SummaryFileView::Saved {
                path: p.to_owned(),
            }),
        }
    }

    #[test]
    fn an_export_names_each_file_and_its_folder() {
        let words = record_saved_words(&saved(
            Some("/home/alex/Downloads/hale-patient-summary-2026-12-06.json"),
            87,
        ));
        assert_eq!(
            words[0],
            "Your whole record (87 entries) is saved to your Downloads folder as hale-record-2026-12-06.json."
        );
        assert!(words[1].starts_with(
            "Your patient summary is saved to your Downloads folder as hale-patient-summary-2026-12-06.json."
        ));
    }

    #[test]
    fn a_hospital_without_a_summary_is_said_to_write_none() {
        let words = record_saved_words(&saved(None, 1));
        assert!(words[0].contains("(1 entry)"), "{}", words[0]);
        assert!(words[1].contains("does not write a patient summary"));
        let refused = record_saved_words(&ExportedRecord {
            summary: SummaryFileView::NotPermitted,
            ..saved(None, 3)
        });
        assert!(refused[1].contains("sign in again"), "{}", refused[1]);
    }

    #[test]
    fn looking_after_someone_names_who_may_export() {
        assert_eq!(
            record_not_yours_words(Some("Alex")),
            "Only Alex can save a copy of their own record, from their own sign-in."
        );
        assert!(record_not_yours_words(None).contains("the person you look after"));
    }
}

/// What the patient gives the clinician with a new code.
pub fn new_share_words(made: &NewShareView) -> String {
    format!(
        "Give this code to the clinician, with the address {}. They will also need your date \
         of birth. It works in one browser, until {}.",
        made.link,
        made.expires.format("%a %-d %b at %H:%M")
    )
}

/// Where one share stands, and how it was used.
pub fn share_words(share: &ShareView) -> String {
    let at = |t: &chrono::DateTime<chrono::FixedOffset>| t.format("%a %-d %b at %H:%M").to_string();
    let made = format!("Made {}.", at(&share.created));
    let used = match (share.views, &share.last_view) {
        (0, _) | (_, None) => String::new(),
        (1, Some(last)) => format!(" Viewed once, {}.", at(last)),
        (n, Some(last)) => format!(" Viewed {n} times, last {}.", at(last)),
    };
    let state = match share.state {
        ShareStateView::Waiting { expires } => {
            format!(" Not opened yet; it works until {}.", at(&expires))
        }
        ShareStateView::Open { opened, expires } => format!(
            " Opened {} in one browser, which can read your summary until {}.",
            at(&opened),
            at(&expires)
        ),
        ShareStateView::Expired { opened: None } => " It expired unused.".to_owned(),
        ShareStateView::Expired { opened: Some(o) } => {
            format!(" Opened {}; it has expired.", at(&o))
        }
        ShareStateView::Revoked { at: end, .. } => format!(" You ended it {}.", at(&end)),
    };
    format!("{made}{state}{used}")
}

/// Whether the patient can still end a share.
pub fn share_can_end(share: &ShareView) -> bool {
    matches!(
        share.state,
        ShareStateView::Waiting { .. } | ShareStateView::Open { .. }
    )
}

#[cfg(test)]
mod share_tests {
    use super::*;
    use chrono::{DateTime, FixedOffset};

    fn t(text: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(text).unwrap()
    }

    fn share(state: ShareStateView, views: u32) -> ShareView {
        ShareView {
            id: "sh-1".into(),
            created: t("2026-12-06T20:00:00+00:00"),
            state,
            views,
            last_view: (views > 0).then(|| t("2026-12-06T21:30:00+00:00")),
        }
    }

    #[test]
    fn a_share_says_when_it_was_made_opened_and_viewed() {
        let open = share(
            ShareStateView::Open {
                opened: t("2026-12-06T21:00:00+00:00"),
                expires: t("2026-12-07T20:00:00+00:00"),
            },
            2,
        );
        assert_eq!(
            share_words(&open),
            "Made Sun 6 Dec at 20:00. Opened Sun 6 Dec at 21:00 in one browser, which can read \
             your summary until Mon 7 Dec at 20:00. Viewed 2 times, last Sun 6 Dec at 21:30."
        );
        assert!(share_can_end(&open));
    }

    #[test]
    fn an_ended_share_says_how_and_cannot_be_ended_again() {
        let waiting = share(
            ShareStateView::Waiting {
                expires: t("2026-12-07T20:00:00+00:00"),
            },
            0,
        );
        assert!(share_words(&waiting).contains("Not opened yet"));
        let revoked = share(
            ShareStateView::Revoked {
                at: t("2026-12-06T22:00:00+00:00"),
                opened: None,
            },
            0,
        );
        assert!(share_words(&revoked).ends_with("You ended it Sun 6 Dec at 22:00."));
        assert!(!share_can_end(&revoked));
        let expired = share(ShareStateView::Expired { opened: None }, 0);
        assert!(share_words(&expired).contains("expired unused"));
    }

    #[test]
    fn a_new_code_says_where_to_open_it_and_until_when() {
        let made = NewShareView {
            id: "sh-1".into(),
            code: "7K3M-9Q2C-XV4D".into(),
            expires: t("2026-12-07T20:00:00+00:00"),
            link: "https://hospital.example/share".into(),
        };
        let words = new_share_words(&made);
        assert!(words.contains("https://hospital.example/share"), "{words}");
        assert!(words.contains("until Mon 7 Dec at 20:00"), "{words}");
        assert!(!words.contains("7K3M"), "the code is shown on its own");
    }
}
