//! The exported record in words.

use hale_api::ExportedRecord;

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
    words.push(match &saved.summary_path {
        Some(path) => {
            let (place, name) = saved_where(path);
            format!(
                "Your patient summary is saved to {place} as {name}. \
                 A doctor's system that reads FHIR can open both."
            )
        }
        None => "This hospital does not write a patient summary, so only the whole record \
                 was saved."
            .to_owned(),
    });
    words
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
            summary_path: summary.map(str::to_owned),
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
