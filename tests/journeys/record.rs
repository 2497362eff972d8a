//! Taking the record elsewhere (issue 27): under More, Your record saves two files in the
//! Downloads folder, and says where in words: the whole record as the hospital holds it now (a
//! FHIR searchset Bundle of the patient's own resources) and the International Patient Summary
//! (a FHIR document headed by its Composition). Both are readable by the patient's account only.
//! A share code made there opens the summary in a clinician's Chromium, once, until the patient
//! ends it.

use std::os::unix::fs::PermissionsExt;
use std::time::Duration;

use hale_e2e::browser::{Browser, Engine};
use hale_e2e::{launch_signed_in, Place};
use hale_server::demo::seed::DEMO_PATIENT;
use serde_json::Value;

const WAIT: Duration = Duration::from_secs(60);

/// The file named after "as " in a sentence of the saved message.
fn file_named(sentence: &str) -> &str {
    let name = sentence.split(" as ").nth(1).expect("a file name");
    &name[..name.find(".json").expect("a .json file") + 5]
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn the_patient_saves_their_whole_record_and_their_patient_summary_in_downloads() {
    let data = tempfile::tempdir().unwrap();
    let app = launch_signed_in(data.path(), &[]).await;
    app.go(Place::Record).await;
    app.click("[data-testid=export-record]").await;
    let mut texts = Vec::new();
    for line in app
        .wait_for_all("[data-testid=record-saved] p", 2, WAIT)
        .await
    {
        texts.push(line.text().await.unwrap());
    }
    app.screenshot("record-saved").await;
    let saved = texts.join("\n");
    let lines: Vec<&str> = texts.iter().map(String::as_str).collect();
    assert_eq!(lines.len(), 2, "{saved}");
    assert!(
        lines[0].starts_with("Your whole record (") && lines[0].contains("your Downloads folder"),
        "{saved}"
    );
    assert!(
        !saved.contains(&data.path().display().to_string()),
        "the message names the folder, not the path: {saved}"
    );
    let downloads = data.path().join("Downloads");

    let record_file = downloads.join(file_named(lines[0]));
    let record: Value = serde_json::from_str(&std::fs::read_to_string(&record_file).unwrap())
        .expect("the record is JSON");
    assert_eq!(record["resourceType"], "Bundle");
    assert_eq!(record["type"], "searchset");
    let entries = record["entry"].as_array().unwrap();
    let count = format!("({} entries)", entries.len());
    assert!(lines[0].contains(&count), "{} vs {count}", lines[0]);
    let kinds: Vec<&str> = entries
        .iter()
        .map(|e| e["resource"]["resourceType"].as_str().unwrap())
        .collect();
    for kind in [
        "Patient",
        "Appointment",
        "MedicationRequest",
        "AllergyIntolerance",
    ] {
        assert!(kinds.contains(&kind), "no {kind} in {kinds:?}");
    }
    let patient = entries
        .iter()
        .find(|e| e["resource"]["resourceType"] == "Patient")
        .unwrap();
    assert_eq!(patient["resource"]["id"], DEMO_PATIENT.id);

    let summary_file = downloads.join(file_named(lines[1]));
    let summary: Value = serde_json::from_str(&std::fs::read_to_string(&summary_file).unwrap())
        .expect("the summary is JSON");
    assert_eq!(summary["type"], "document");
    let composition = &summary["entry"][0]["resource"];
    assert_eq!(composition["resourceType"], "Composition");
    assert_eq!(composition["type"]["coding"][0]["code"], "60591-5");
    let sections: Vec<&str> = composition["section"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["code"]["coding"][0]["code"].as_str().unwrap())
        .collect();
    for code in ["10160-0", "48765-2", "11450-4"] {
        assert!(sections.contains(&code), "no section {code}: {sections:?}");
    }

    for file in [&record_file, &summary_file] {
        let mode = std::fs::metadata(file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{} is readable by others", file.display());
    }
    // The readable report of the last 30 days, from what the device holds: a PDF whose text
    // poppler's pdftotext reads back.
    app.click("[data-testid=save-report]").await;
    let saved = app.text_of("[data-testid=report-saved]").await;
    let name = saved
        .split(" as ")
        .nth(1)
        .and_then(|rest| rest.split(". Open").next())
        .unwrap_or_else(|| panic!("no file in {saved:?}"));
    assert!(
        name.starts_with("hale-report-") && name.ends_with(".pdf"),
        "{name}"
    );
    let pdf = downloads.join(name);
    let mode = std::fs::metadata(&pdf).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "the report is readable by others");
    // Kept beside the screenshots, for people to look at.
    let shots = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/e2e");
    let _ = std::fs::create_dir_all(&shots);
    let _ = std::fs::copy(&pdf, shots.join("report.pdf"));
    let text = std::process::Command::new("pdftotext")
        .arg(&pdf)
        .arg("-")
        .output()
        .expect("pdftotext runs (scripts/setup.sh installs poppler-utils)");
    assert!(text.status.success());
    let text = String::from_utf8_lossy(&text.stdout);
    for expected in [
        "Health report",
        "Alex Morgan",
        "Medicines taken",
        "Metformin",
        "Appointments",
    ] {
        assert!(
            text.contains(expected),
            "no {expected:?} in the report:\n{text}"
        );
    }

    let left: Vec<String> = std::fs::read_dir(&downloads)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        left.iter().all(|n| !n.ends_with(".partial")),
        "no half-written file is left: {left:?}"
    );
    app.close().await;
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb, tauri-driver and Chromium (scripts/test.sh)"]
async fn a_clinician_opens_the_shared_summary_in_their_browser_once_and_the_patient_ends_it() {
    let data = tempfile::tempdir().unwrap();
    let app = launch_signed_in(data.path(), &[]).await;
    app.go(Place::Record).await;
    app.click("[data-testid=make-share-code]").await;
    let code = app.text_of("[data-testid=share-code]").await;
    assert_eq!(code.len(), 14, "{code}");
    let words = app.text_of("[data-testid=share-link]").await;
    let link = words
        .split_whitespace()
        .find(|w| w.starts_with("http"))
        .map(|w| w.trim_end_matches('.'))
        .unwrap_or_else(|| panic!("no address in {words:?}"))
        .to_owned();
    assert!(link.ends_with("/share"), "{link}");
    app.wait_until_text("[data-testid=share]", "Not opened yet", WAIT)
        .await;

    // The clinician, in Chromium: the code as read to them, and the patient's date of birth.
    let clinician = Browser::start(Engine::Chromium, 1280, 800).await;
    clinician.open(&link).await;
    let blocking = clinician.axe("the share form").await;
    assert!(blocking.is_empty(), "{blocking:?}");
    let (year, rest) = DEMO_PATIENT.birth_date.split_once('-').unwrap();
    let (month, day) = rest.split_once('-').unwrap();
    clinician.fill("#code", &code.to_lowercase()).await;
    clinician.fill("#day", day).await;
    clinician.fill("#month", month).await;
    clinician.fill("#year", year).await;
    clinician.click("#open").await;
    clinician.wait_for_text("Medication Summary", WAIT).await;
    let page = clinician.text().await;
    for expected in [
        "Patient summary",
        "Allergies and Intolerances",
        "Penicillin",
    ] {
        assert!(page.contains(expected), "no {expected:?} in {page}");
    }
    let blocking = clinician.axe("the shared summary").await;
    assert!(blocking.is_empty(), "{blocking:?}");
    clinician.screenshot("share-summary").await;

    // The patient sees it was opened, and ends it.
    app.go(Place::Today).await;
    app.go(Place::Record).await;
    app.wait_until_text("[data-testid=share]", "Opened", WAIT)
        .await;
    app.wait_until_text("[data-testid=share]", "Viewed once", WAIT)
        .await;
    app.screenshot("share-opened").await;
    app.click("[data-testid=end-share]").await;
    app.wait_until_text("[data-testid=share]", "You ended it", WAIT)
        .await;
    assert!(!app.has("[data-testid=end-share]").await);

    // The clinician's view is over.
    clinician.open(&format!("{link}/summary")).await;
    clinician
        .wait_for_text("This summary is no longer shared", WAIT)
        .await;
    assert!(!clinician.text().await.contains("Penicillin"));
    app.close().await;
}
