//! The check-in kiosk: the same binary started with `HALE_KIOSK=1` shows only check-in, signs
//! in as a device, answers every attempt explicitly, returns to the start by itself, and
//! leaves nothing about anyone on its disk.

use std::path::Path;
use std::time::Duration;

use hale_domain::BookingReference;
use hale_e2e::{launch, RunningApp};
use hale_server::demo::seed::{DEMO_KIOSK, DEMO_PATIENT, HOSPITAL_NAME};
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

/// The demo hospital with no simulated day (so queues hold only the journey's patients).
struct Hospital {
    server: hale_server::RunningServer,
    db: sqlx::AnyPool,
    _dir: tempfile::TempDir,
}

impl Hospital {
    async fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let db_url = format!("sqlite://{}", dir.path().join("h.sqlite").display());
        let mut options = ServerOptions::embedded_demo(db_url.clone());
        options.simulate_demo_day = false;
        let server = hale_server::start(&options).await.unwrap();
        let db = hale_server::open_database(&db_url).await.unwrap();
        Self {
            server,
            db,
            _dir: dir,
        }
    }

    /// The demo patient's appointment at `clinic`, `minutes` from now: its id, reference and
    /// start.
    async fn appointment_in(
        &self,
        clinic: &str,
        minutes: i64,
    ) -> (String, BookingReference, chrono::DateTime<chrono::Utc>) {
        let start = chrono::Utc::now() + chrono::Duration::minutes(minutes);
        let (id, reference) =
            hale_server::demo::seed::appointment_at(&self.db, DEMO_PATIENT.id, clinic, start)
                .await
                .unwrap();
        (id, reference, start)
    }

    /// A kiosk on this hospital that forgets after `idle_seconds`, and its home directory.
    async fn kiosk(&self, idle_seconds: u32) -> (RunningApp, tempfile::TempDir) {
        let url = self.server.fhir_base();
        let idle = idle_seconds.to_string();
        let home = tempfile::tempdir().unwrap();
        let env = [
            ("HALE_HOSPITAL_URL", url.as_str()),
            ("HALE_KIOSK", "1"),
            ("HALE_KIOSK_ID", DEMO_KIOSK.id),
            ("HALE_KIOSK_SECRET", DEMO_KIOSK.secret),
            ("HALE_KIOSK_IDLE_SECONDS", idle.as_str()),
        ];
        let app = launch(home.path(), &env).await;
        app.wait_for_all("[data-testid=kiosk]", 1, BOOT).await;
        (app, home)
    }

    async fn status_of(&self, appointment: &str) -> String {
        sqlx::query_scalar("SELECT status FROM appointment WHERE id = ?")
            .bind(appointment)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}

/// Fails if any file below the kiosk's home holds one of `secrets`, or is a patient store.
fn assert_kept_none(home: &Path, secrets: &[&str]) {
    for file in files(home) {
        let bytes = std::fs::read(&file).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        for secret in secrets {
            assert!(!text.contains(secret), "{} holds {secret}", file.display());
        }
        assert_ne!(
            file.file_name().unwrap(),
            "hale.sqlite",
            "a kiosk has no store"
        );
    }
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
    let hospital = Hospital::start().await;
    let (appointment, reference, _) = hospital.appointment_in("cl-cardiology", 10).await;
    let reference = reference.to_string();
    let (app, kiosk_home) = hospital.kiosk(5).await;
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
    assert_eq!(hospital.status_of(&appointment).await, "arrived");

    // The outcome goes away by itself, and a half-typed form is forgotten when left idle.
    app.wait_for_all("[data-testid=kiosk-reference]", 1, Duration::from_secs(15))
        .await;
    type_into(&app, "[data-testid=kiosk-reference]", "7K3M").await;
    tokio::time::sleep(Duration::from_secs(7)).await;
    assert_eq!(value_of(&app, "[data-testid=kiosk-reference]").await, "");
    app.close().await;
    hospital.server.stop().await.unwrap();

    // Nothing about the patient was written on the kiosk, and it has no store.
    let compact = reference.replace('-', "");
    assert_kept_none(
        kiosk_home.path(),
        &[compact.as_str(), reference.as_str(), "1984-06-12"],
    );
}

/// Taps each key of `keys` on the kiosk's on-screen keypad.
async fn tap_keys(app: &RunningApp, keys: &str) {
    for c in keys.chars() {
        app.click(&format!("[data-testid=kiosk-key-{c}]")).await;
    }
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn at_full_hd_a_patient_checks_in_in_polish_with_the_on_screen_keypad_alone() {
    let hospital = Hospital::start().await;
    let (appointment, reference, _) = hospital.appointment_in("cl-cardiology", 10).await;
    let (_, later_reference, later) = hospital.appointment_in("cl-dermatology", 180).await;
    let (app, _kiosk_home) = hospital.kiosk(15).await;
    let size = app
        .client
        .execute("return [window.innerWidth, window.innerHeight];", vec![])
        .await
        .unwrap();
    assert_eq!(
        size,
        serde_json::json!([1920, 1080]),
        "a Full HD kiosk screen"
    );
    app.wait_until_text("[data-testid=kiosk-hospital]", HOSPITAL_NAME, BOOT)
        .await;

    // Polski, then everything by tapping: the reference's eight characters, then the date of
    // birth's eight digits (the keypad turns to digits and moves on by itself).
    app.click("[data-testid=kiosk-lang-pl]").await;
    app.wait_for_all("main[lang=pl]", 1, BOOT).await;
    app.wait_until_text("h1", "Potwierdź przybycie na wizytę", BOOT)
        .await;
    app.screenshot("kiosk-1920x1080-pl-start").await;
    let problems = app.box_problems().await;
    assert!(problems.is_empty(), "{problems:?}");
    let compact = |r: &BookingReference| r.compact().to_owned();
    tap_keys(&app, &compact(&later_reference)).await;
    assert!(
        !app.has("[data-testid=kiosk-key-K]").await,
        "after a whole reference the keypad offers digits"
    );
    tap_keys(&app, "12061984").await;
    app.click("[data-testid=kiosk-submit]").await;
    // Too early: it says when check-in opens, in the kiosk's local time.
    let opens = (later - chrono::Duration::minutes(30))
        .with_timezone(&chrono::Local)
        .format("%H:%M")
        .to_string();
    let said = app.text_of("[data-testid=kiosk-outcome]").await;
    assert!(said.contains("jeszcze za wcześnie"), "{said}");
    assert!(said.contains(&format!("od {opens}")), "{said}");
    assert!(
        !app.has("[data-testid=kiosk-try-again]").await,
        "retyping will not help"
    );
    app.wait_until_text(
        "[data-testid=kiosk-clears-in]",
        "Ekran wyczyści się za",
        BOOT,
    )
    .await;
    app.screenshot("kiosk-1920x1080-pl-too-early").await;
    let problems = app.box_problems().await;
    assert!(problems.is_empty(), "{problems:?}");
    app.click("[data-testid=kiosk-done]").await;
    // The next person starts in English.
    app.wait_for_all("main[lang=en-GB]", 1, BOOT).await;

    // A mistyped year: not matched, and Try again keeps what was typed.
    app.click("[data-testid=kiosk-lang-pl]").await;
    tap_keys(&app, &compact(&reference)).await;
    tap_keys(&app, "12061985").await;
    app.click("[data-testid=kiosk-submit]").await;
    let said = app.text_of("[data-testid=kiosk-outcome]").await;
    assert!(said.contains("Nie znaleźliśmy tej wizyty"), "{said}");
    app.screenshot("kiosk-1920x1080-pl-try-again").await;
    app.click("[data-testid=kiosk-try-again]").await;
    assert_eq!(value_of(&app, "[data-testid=kiosk-year]").await, "1985");
    app.click("[data-testid=kiosk-year]").await;
    tap_keys(&app, "7").await;
    assert_eq!(
        value_of(&app, "[data-testid=kiosk-year]").await,
        "1985",
        "a full field takes no more"
    );
    app.click("[data-testid=kiosk-key-delete]").await;
    tap_keys(&app, "4").await;
    assert_eq!(value_of(&app, "[data-testid=kiosk-year]").await, "1984");
    assert_eq!(
        value_of(&app, "[data-testid=kiosk-reference]").await,
        reference.to_string(),
        "typed on the keypad, shown as printed"
    );
    app.click("[data-testid=kiosk-submit]").await;
    app.wait_until_text(
        "[data-testid=kiosk-outcome]",
        "Przybycie potwierdzone.",
        BOOT,
    )
    .await;
    let said = app.text_of("[data-testid=kiosk-outcome]").await;
    assert!(
        said.contains("Outpatients B, level 2 (Cardiology)"),
        "{said}"
    );
    assert!(said.contains("Miejsce w kolejce: "), "{said}");
    app.screenshot("kiosk-1920x1080-pl-checked-in").await;
    assert_eq!(hospital.status_of(&appointment).await, "arrived");

    // Left alone, a half-typed form warns where it can be seen, then clears, back in English.
    app.click("[data-testid=kiosk-done]").await;
    app.click("[data-testid=kiosk-lang-pl]").await;
    tap_keys(&app, "7K3").await;
    app.wait_until_text(
        "[data-testid=kiosk-clears-in]",
        "Czy nadal tu jesteś?",
        Duration::from_secs(15),
    )
    .await;
    app.screenshot("kiosk-1920x1080-pl-still-there").await;
    app.wait_for_all("main[lang=en-GB]", 1, Duration::from_secs(15))
        .await;
    assert_eq!(value_of(&app, "[data-testid=kiosk-reference]").await, "");
    app.close().await;
    hospital.server.stop().await.unwrap();
}

/// How many of the form's inputs hold an answer (a ticked choice, or typed text).
async fn answered(app: &RunningApp) -> u64 {
    app.client
        .execute(
            "return [...document.querySelectorAll('.questionnaire input, .questionnaire textarea')]
                .filter(i => (i.type === 'radio' || i.type === 'checkbox') ? i.checked : i.value !== '')
                .length;",
            vec![],
        )
        .await
        .unwrap()
        .as_u64()
        .unwrap()
}

async fn click_id(app: &RunningApp, id: &str) {
    app.wait_for_all(&format!("#{id}"), 1, BOOT).await;
    app.click(&format!("#{id}")).await;
}

/// Checks the demo patient in with `reference` and opens the form the kiosk then offers.
async fn open_form(app: &RunningApp, reference: &str) {
    let said = attempt(app, reference, ("12", "06", "1984")).await;
    assert!(said.contains("You're checked in."), "{said}");
    assert!(said.contains("answer a few questions"), "{said}");
    app.click("[data-testid=kiosk-form-start]").await;
    app.wait_until_text(
        "[data-testid=form-title]",
        "Before your heart clinic visit",
        BOOT,
    )
    .await;
    app.wait_for_all("[data-testid=form-question]", 1, BOOT)
        .await;
}

#[tokio::test]
#[ignore = "end-to-end: needs the release app, Xvfb and tauri-driver (scripts/test.sh)"]
async fn after_checking_in_the_kiosk_takes_the_pre_visit_form_sends_it_once_and_forgets_it() {
    let hospital = Hospital::start().await;
    let (appointment, reference, _) = hospital.appointment_in("cl-cardiology", 10).await;
    let reference = reference.to_string();
    let (app, kiosk_home) = hospital.kiosk(90).await;

    // Blank: a public screen shows nothing the hospital or a phone knows of the patient.
    open_form(&app, &reference).await;
    assert_eq!(answered(&app).await, 0);
    assert!(!app.has("[data-testid=kiosk-clears-in]").await);
    // Leaving without sending forgets what was answered, in the shell too.
    click_id(&app, "q-symptoms-0-chest-pain-0-0").await;
    assert_eq!(answered(&app).await, 1);
    app.click("[data-testid=kiosk-form-done]").await;
    assert_eq!(value_of(&app, "[data-testid=kiosk-reference]").await, "");
    let refused = app.invoke_from_page("get_kiosk_form").await;
    assert!(refused.contains("cannot be changed now"), "{refused}");
    open_form(&app, &reference).await;
    assert_eq!(answered(&app).await, 0, "the last answers were forgotten");

    // Sending too soon points at what is missing.
    app.click("[data-testid=send-form]").await;
    app.wait_until_text(
        "[data-testid=form-status]",
        "2 answers need your attention",
        BOOT,
    )
    .await;
    let axe = crate::accessibility::axe_source();
    let findings = crate::accessibility::audit(&app, &axe).await;
    assert!(findings.blocking.is_empty(), "{:?}", findings.blocking);
    let question = "Will my pacemaker check be today too?";
    click_id(&app, "q-symptoms-0-chest-pain-0-1").await;
    click_id(&app, "q-symptoms-0-breathless-0-1").await;
    type_into(&app, "#q-questions-0", question).await;
    click_id(&app, "q-symptoms-0-ankles-0-1").await;
    app.screenshot("kiosk-form").await;
    app.click("[data-testid=send-form]").await;
    app.wait_until_text(
        "[data-testid=kiosk-form-sent]",
        "this kiosk has forgotten them",
        BOOT,
    )
    .await;
    assert!(!app.has("[data-testid=send-form]").await, "sent once");
    assert!(
        !app.has("[data-testid=form-question]").await,
        "the answers are not left on the screen"
    );
    app.screenshot("kiosk-form-sent").await;
    let findings = crate::accessibility::audit(&app, &axe).await;
    assert!(findings.blocking.is_empty(), "{:?}", findings.blocking);
    let held: Vec<String> =
        sqlx::query_scalar("SELECT resource FROM questionnaire_response WHERE appointment_id = ?")
            .bind(&appointment)
            .fetch_all(&hospital.db)
            .await
            .unwrap();
    assert_eq!(held.len(), 1, "{held:?}");
    assert!(held[0].contains(question), "{}", held[0]);
    assert!(held[0].contains("Patient/pt-0001"), "{}", held[0]);

    // Done: back to the start.
    app.click("[data-testid=kiosk-form-done]").await;
    assert_eq!(value_of(&app, "[data-testid=kiosk-reference]").await, "");
    app.close().await;
    hospital.server.stop().await.unwrap();

    // Nothing of the patient or their answers was written on the kiosk.
    let compact = reference.replace('-', "");
    assert_kept_none(
        kiosk_home.path(),
        &[
            compact.as_str(),
            reference.as_str(),
            "1984-06-12",
            question,
            "pacemaker",
        ],
    );
}
