//! The check-in kiosk: the same binary started with `HALE_KIOSK=1` shows only check-in, signs
//! in as a device, answers every attempt explicitly, returns to the start by itself, and
//! leaves nothing about anyone on its disk.

use std::path::Path;
use std::time::Duration;

use hale_e2e::{launch, RunningApp};
use hale_server::demo::seed::{DEMO_KIOSK, DEMO_PATIENT};
use hale_server::ServerOptions;

const BOOT: Duration = Duration::from_secs(60);
/// WebDriver's Enter key, as a scanner sends after the code.
const ENTER: &str = "\u{E007}";

async fn type_into(app: &RunningApp, css: &str, text: &str) {
    let field = app.wait_for_all(css, 1, BOOT).await;
    field[0].send_keys(text).await.expect("typing");
}

async fn attempt(app: &RunningApp, reference: &str, (d, m, y): (&str, &str, &str)) -> String {
    type_into(app, "[data-testid=kiosk-reference]", reference).await;
    type_into(app, "[data-testid=kiosk-day]", d).await;
    type_into(app, "[data-testid=kiosk-month]", m).await;
    type_into(app, "[data-testid=kiosk-year]", y).await;
    app.click("[data-testid=kiosk-submit]").await;
    app.text_of("[data-testid=kiosk-outcome]").await
}

async fn value_of(app: &RunningApp, css: &str) -> String {
    let field = app.wait_for_all(css, 1, BOOT).await;
    field[0].prop("value").await.unwrap().unwrap_or_default()
}

/// Every file below `dir`, recursively.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for entry in entries.flatten() {
            let path = entry.path();
            if path.is_dir() {
                out.extend(files(&path));
            } else {
                out.push(path);
            }
        }
    }
    out
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn the_kiosk_checks_in_by_reference_and_birth_date_and_forgets() {
    let hospital_dir = tempfile::tempdir().unwrap();
    let db_url = format!(
        "sqlite://{}",
        hospital_dir.path().join("h.sqlite").display()
    );
    let mut options = ServerOptions::embedded_demo(db_url.clone());
    options.simulate_demo_day = false;
    let server = hale_server::start(&options).await.unwrap();
    let db = hale_server::open_database(&db_url).await.unwrap();
    let start = chrono::Utc::now() + chrono::Duration::minutes(10);
    let (appointment, reference) =
        hale_server::demo::seed::appointment_at(&db, DEMO_PATIENT.id, "cl-cardiology", start)
            .await
            .unwrap();
    let reference = reference.to_string();
    let url = server.fhir_base();

    let kiosk_home = tempfile::tempdir().unwrap();
    let env = [
        ("HALE_HOSPITAL_URL", url.as_str()),
        ("HALE_KIOSK", "1"),
        ("HALE_KIOSK_ID", DEMO_KIOSK.id),
        ("HALE_KIOSK_SECRET", DEMO_KIOSK.secret),
        ("HALE_KIOSK_IDLE_SECONDS", "5"),
    ];
    let app = launch(kiosk_home.path(), &env).await;
    app.wait_for_all("[data-testid=kiosk]", 1, BOOT).await;
    assert!(
        !app.has("[data-testid=nav-today]").await,
        "only the check-in flow"
    );
    // It fills the screen, though no window manager runs to grant "full screen".
    let fills = app
        .client
        .execute(
            "return [window.innerWidth, window.innerHeight, screen.width, screen.height];",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fills[0], fills[2], "{fills}");
    assert_eq!(fills[1], fills[3], "{fills}");
    app.screenshot("kiosk").await;
    // The kiosk window's capability grants check-in only: the patient commands are refused even
    // to a script running in it.
    for command in ["get_home", "get_medicines", "sign_in"] {
        let outcome = app.invoke_from_page(command).await;
        assert!(outcome.contains("not allowed"), "{command}: {outcome}");
    }

    // A wrong date of birth: not matched, and no hint of which detail was wrong.
    let said = attempt(&app, &reference, ("1", "1", "1999")).await;
    assert!(said.contains("We could not match you"), "{said}");
    app.click("[data-testid=kiosk-done]").await;
    assert_eq!(value_of(&app, "[data-testid=kiosk-reference]").await, "");

    // A typo in the reference is caught by its check character, before asking the hospital.
    let mut typo: Vec<char> = reference.chars().collect();
    let last = typo.len() - 1;
    typo[last] = if typo[last] == '0' { '1' } else { '0' };
    let typo: String = typo.into_iter().collect();
    let said = attempt(&app, &typo, ("12", "6", "1984")).await;
    assert!(said.contains("doesn't look right"), "{said}");
    app.click("[data-testid=kiosk-done]").await;

    // Scanned (lower case, no dash, then Enter) with the right date of birth: checked in.
    let scanned = format!("{}{ENTER}", reference.replace('-', "").to_lowercase());
    let said = attempt(&app, &scanned, ("12", "06", "1984")).await;
    assert!(said.contains("You're checked in."), "{said}");
    assert!(
        said.contains("Outpatients B, level 2 (Cardiology)"),
        "{said}"
    );
    app.screenshot("kiosk-checked-in").await;
    let status: String = sqlx::query_scalar("SELECT status FROM appointment WHERE id = ?")
        .bind(&appointment)
        .fetch_one(&db)
        .await
        .unwrap();
    assert_eq!(status, "arrived");

    // The outcome goes away by itself, and a half-typed form is forgotten when left idle.
    app.wait_for_all("[data-testid=kiosk-reference]", 1, Duration::from_secs(15))
        .await;
    type_into(&app, "[data-testid=kiosk-reference]", "7K3M").await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(value_of(&app, "[data-testid=kiosk-reference]").await, "");
    app.close().await;
    server.stop().await.unwrap();

    // Nothing about the patient was written on the kiosk.
    let compact = reference.replace('-', "");
    for file in files(kiosk_home.path()) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&compact) && !text.contains(&reference) && !text.contains("1984-06-12"),
            "{} holds patient data",
            file.display()
        );
        assert_ne!(
            file.file_name().unwrap(),
            "hale.sqlite",
            "a kiosk has no store"
        );
    }
}
