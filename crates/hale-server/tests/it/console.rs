//! The care team console over real HTTP: staff sign in as themselves (and are limited like
//! patients), read only their team's patients unless they break glass (audited, shown to the
//! admin), act only with their session's CSRF token, and what they do reaches the patient.

use crate::common::*;
use crate::monitoring::{bp, send};
use chrono::Utc;
use hale_server::demo::care_team::{
    DemoStaff, DEMO_ADMIN, DEMO_DOCTOR, DEMO_NURSE, OTHER_TEAM_NURSE,
};
use hale_server::demo::seed::{DEMO_PATIENT, DEMO_STAFF, OTHER_PATIENT};
use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use serde_json::Value;

/// A signed-in console: the session cookie and the page's CSRF token.
pub(crate) struct Console<'a> {
    h: &'a Hospital,
    http: reqwest::Client,
    cookie: String,
    pub csrf: String,
}

pub(crate) async fn sign_in<'a>(h: &'a Hospital, who: &DemoStaff) -> Console<'a> {
    let http = no_redirects();
    let r = post_sign_in(h, &http, who.username, who.password).await;
    assert_eq!(r.status(), 303, "{} signs in", who.username);
    let set = r.headers()[SET_COOKIE].to_str().unwrap().to_owned();
    assert!(
        set.contains("HttpOnly")
            && set.contains("SameSite=Strict")
            && set.contains("Path=/console"),
        "{set}"
    );
    let cookie = set.split(';').next().unwrap().to_owned();
    let mut console = Console {
        h,
        http,
        cookie,
        csrf: String::new(),
    };
    let (status, page) = console.get("/console").await;
    assert_eq!(status, 200);
    console.csrf = csrf_in(&page);
    console
}

/// Posts the console's sign-in form as a browser that opened it.
pub(crate) async fn post_sign_in(
    h: &Hospital,
    http: &reqwest::Client,
    username: &str,
    password: &str,
) -> reqwest::Response {
    let (cookie, csrf) =
        open_sign_in_form(&format!("http://{}/console/sign-in", h.server.addr)).await;
    http.post(format!("http://{}/console/sign-in", h.server.addr))
        .header(COOKIE, cookie)
        .form(&[
            ("username", username),
            ("password", password),
            ("csrf", &csrf),
        ])
        .send()
        .await
        .unwrap()
}

fn sets_a_session(r: &reqwest::Response) -> bool {
    r.headers()
        .get_all(SET_COOKIE)
        .iter()
        .any(|v| v.to_str().unwrap().starts_with("hale_console="))
}

impl Console<'_> {
    pub async fn get(&self, path: &str) -> (u16, String) {
        let r = self
            .http
            .get(format!("http://{}{path}", self.h.server.addr))
            .header(COOKIE, &self.cookie)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    }

    /// Posts a form with this session's CSRF token; returns the status and where it redirects.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let mut fields: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        fields.extend_from_slice(form);
        self.post_raw(path, &fields).await
    }

    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> (u16, String) {
        let r = self
            .http
            .post(format!("http://{}{path}", self.h.server.addr))
            .header(COOKIE, &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        let location = r
            .headers()
            .get(LOCATION)
            .map(|l| l.to_str().unwrap().to_owned());
        let body = r.text().await.unwrap();
        (status, location.unwrap_or(body))
    }
}

async fn task_of(h: &Hospital, rule: &str) -> (String, String, Option<String>, Option<String>) {
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    sqlx::query_as(
        "SELECT t.id, t.status, t.owner_id, t.outcome FROM task t JOIN alert a ON a.id = t.alert_id \
         WHERE a.patient_id = $1 AND a.rule_key = $2",
    )
    .bind(DEMO_PATIENT.id)
    .bind(rule)
    .fetch_one(&db)
    .await
    .unwrap()
}

async fn audit_rows(
    h: &Hospital,
    staff: &str,
) -> Vec<(Option<String>, String, i64, Option<String>)> {
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    sqlx::query_as(
        "SELECT patient_id, route, status, reason FROM audit_event \
         WHERE actor_kind = 'staff' AND actor_id = $1 ORDER BY id",
    )
    .bind(staff)
    .fetch_all(&db)
    .await
    .unwrap()
}

#[tokio::test]
async fn staff_sign_in_as_themselves_and_wrong_passwords_are_limited_like_patients() {
    let h = hospital().await;
    let page = reqwest::get(format!("http://{}/console", h.server.addr))
        .await
        .unwrap();
    // Without a session, the console's pages lead to its sign-in page.
    assert!(
        page.url().path().ends_with("/console/sign-in"),
        "{}",
        page.url()
    );
    let text = page.text().await.unwrap();
    assert!(
        text.contains("nurse.okafor"),
        "the demo hospital names its demo logins"
    );
    let http = no_redirects();
    for _ in 0..5 {
        let r = post_sign_in(&h, &http, DEMO_NURSE.username, "guess").await;
        assert_eq!(r.status(), 401);
        assert!(!sets_a_session(&r));
    }
    let r = post_sign_in(&h, &http, DEMO_NURSE.username, DEMO_NURSE.password).await;
    assert_eq!(
        r.status(),
        429,
        "the sixth try is refused, even with the right password"
    );
    // Each try is on the audit trail, by the name tried.
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    let tries: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_event WHERE route = '/console/sign-in' AND actor_id = $1 \
         AND status = 401",
    )
    .bind(DEMO_NURSE.username)
    .fetch_one(&db)
    .await
    .unwrap();
    assert_eq!(tries, 5);
    // Another member of staff is not held up by it.
    sign_in(&h, &DEMO_DOCTOR).await;
}

#[tokio::test]
async fn the_worklist_shows_the_teams_patients_most_urgent_first() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    send(&h, &alex, &bp("w1", 186.0, 124.0, Utc::now())).await;
    let nurse = sign_in(&h, &DEMO_NURSE).await;
    let (status, page) = nurse.get("/console").await;
    assert_eq!(status, 200);
    assert!(page.contains("Alex Morgan"), "{page}");
    assert!(page.contains(r#"<span class="chip red">Red"#), "{page}");
    assert!(!page.contains("Sam Patel"), "Sam is not the team's patient");
    let (_, red_only) = nurse.get("/console/worklist?filter=red").await;
    assert!(red_only.contains("Alex Morgan"));
    let (_, mine) = nurse.get("/console/worklist?filter=mine").await;
    assert!(!mine.contains("Alex Morgan"), "nobody has it yet");
    // Another team's nurse sees none of it.
    let other = sign_in(&h, &OTHER_TEAM_NURSE).await;
    let (_, page) = other.get("/console").await;
    assert!(!page.contains("Alex Morgan"));
}

#[tokio::test]
async fn a_nurse_acknowledges_notes_messages_and_resolves_and_the_patient_sees_it() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    send(&h, &alex, &bp("a1", 185.0, 125.0, Utc::now())).await;
    let rule = "out-of-range:blood-pressure";
    let (task, status, ..) = task_of(&h, rule).await;
    assert_eq!(status, "requested");
    let nurse = sign_in(&h, &DEMO_NURSE).await;

    // Without the session's CSRF token nothing happens.
    let (code, _) = nurse
        .post_raw(
            &format!("/console/tasks/{task}/acknowledge"),
            &[("csrf", "forged")],
        )
        .await;
    assert_eq!(code, 403);
    assert_eq!(task_of(&h, rule).await.1, "requested");

    let (code, to) = nurse
        .post(&format!("/console/tasks/{task}/acknowledge"), &[])
        .await;
    assert_eq!(code, 303);
    assert!(
        to.starts_with(&format!("/console/patients/{}", DEMO_PATIENT.id)),
        "{to}"
    );
    let (_, status, owner, _) = task_of(&h, rule).await;
    assert_eq!(
        (status.as_str(), owner.as_deref()),
        ("accepted", Some(DEMO_NURSE.id))
    );

    let (code, _) = nurse
        .post(
            &format!("/console/tasks/{task}/note"),
            &[("text", "Called, no symptoms.")],
        )
        .await;
    assert_eq!(code, 303);
    let (code, _) = nurse
        .post(
            &format!("/console/patients/{}/message", DEMO_PATIENT.id),
            &[("text", "Please rest 5 minutes and measure again.")],
        )
        .await;
    assert_eq!(code, 303);
    let (code, page) = nurse
        .post(
            &format!("/console/tasks/{task}/resolve"),
            &[("outcome", "made up")],
        )
        .await;
    assert_eq!(code, 422, "{page}");
    let (code, _) = nurse
        .post(
            &format!("/console/tasks/{task}/resolve"),
            &[("outcome", "Advice given to the patient")],
        )
        .await;
    assert_eq!(code, 303);
    let (_, status, _, outcome) = task_of(&h, rule).await;
    assert_eq!(
        (status.as_str(), outcome.as_deref()),
        ("completed", Some("Advice given to the patient"))
    );

    // The patient's app reads when it was seen, and the message with who wrote it.
    let (_, flags) = h
        .get(&alex, &format!("Flag?patient={}", DEMO_PATIENT.id))
        .await;
    let bundle: hale_fhir::Bundle = serde_json::from_value(flags).unwrap();
    let alerts = hale_fhir::care_team::alerts(&bundle).unwrap();
    assert!(alerts
        .iter()
        .find(|a| a.key == rule)
        .unwrap()
        .seen
        .is_some());
    let (code, messages) = h
        .get(&alex, &format!("Communication?patient={}", DEMO_PATIENT.id))
        .await;
    assert_eq!(code, 200);
    let messages: Vec<Value> = entries(&messages, "Communication");
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0]["sender"]["display"], DEMO_NURSE.name);
    let sam = h.token(&OTHER_PATIENT).await;
    let (code, _) = h
        .get(&sam, &format!("Communication?patient={}", DEMO_PATIENT.id))
        .await;
    assert_eq!(code, 403);

    // Every read and action is audited with the nurse's id and the patient.
    let rows = audit_rows(&h, DEMO_NURSE.id).await;
    let acted: Vec<_> = rows
        .iter()
        .filter(|r| r.0.as_deref() == Some(DEMO_PATIENT.id))
        .map(|r| r.1.as_str())
        .collect();
    assert!(acted.contains(&"/console/tasks/{id}/{action}"), "{rows:?}");
    assert!(
        acted.contains(&"/console/patients/{id}/message"),
        "{rows:?}"
    );
}

#[tokio::test]
async fn staff_outside_the_team_are_refused_until_they_break_glass_which_the_admin_sees() {
    let h = hospital().await;
    let outsider = sign_in(&h, &OTHER_TEAM_NURSE).await;
    let path = format!("/console/patients/{}", DEMO_PATIENT.id);
    let (code, page) = outsider.get(&path).await;
    assert_eq!(code, 403);
    assert!(page.contains("not enrolled with your team"));
    assert!(!page.contains("HALE-000001"), "nothing of the record shows");
    // Acting is refused too.
    let alex = h.token(&DEMO_PATIENT).await;
    send(&h, &alex, &bp("g1", 185.0, 125.0, Utc::now())).await;
    let (task, ..) = task_of(&h, "out-of-range:blood-pressure").await;
    let (code, _) = outsider
        .post(&format!("/console/tasks/{task}/acknowledge"), &[])
        .await;
    assert_eq!(code, 403);
    assert_eq!(
        task_of(&h, "out-of-range:blood-pressure").await.1,
        "requested"
    );
    // A reason too short is not a reason.
    let (code, _) = outsider
        .post(&format!("{path}/break-glass"), &[("reason", "need")])
        .await;
    assert_eq!(code, 422);
    let reason = "Patient arrived in respiratory clinic short of breath";
    let (code, _) = outsider
        .post(&format!("{path}/break-glass"), &[("reason", reason)])
        .await;
    assert_eq!(code, 303);
    let (code, page) = outsider.get(&path).await;
    assert_eq!(code, 200);
    assert!(
        page.contains("break glass"),
        "the page says how it was opened"
    );
    let rows = audit_rows(&h, OTHER_TEAM_NURSE.id).await;
    let read = rows
        .iter()
        .rev()
        .find(|r| r.1 == "/console/patients/{id}")
        .unwrap();
    assert_eq!(read.0.as_deref(), Some(DEMO_PATIENT.id));
    assert_eq!(read.2, 200);
    assert_eq!(read.3.as_deref(), Some(reason));
    // The team's admin sees who broke glass and why; a nurse may not open the audit.
    let admin = sign_in(&h, &DEMO_ADMIN).await;
    let (code, page) = admin.get("/console/admin").await;
    assert_eq!(code, 200);
    assert!(
        page.contains(reason) && page.contains(OTHER_TEAM_NURSE.name),
        "{page}"
    );
    let nurse = sign_in(&h, &DEMO_NURSE).await;
    assert_eq!(nurse.get("/console/admin").await.0, 403);
}

#[tokio::test]
async fn only_a_clinician_edits_a_plan_and_a_bad_plan_changes_nothing() {
    let h = hospital().await;
    let path = format!("/console/patients/{}/plan", DEMO_PATIENT.id);
    let nurse = sign_in(&h, &DEMO_NURSE).await;
    let (code, _) = nurse
        .post(&path, &[("times_blood_pressure", "09:00")])
        .await;
    assert_eq!(code, 403);
    let doctor = sign_in(&h, &DEMO_DOCTOR).await;
    let (code, page) = doctor
        .post(
            &path,
            &[
                ("times_blood_pressure", "09:00"),
                ("systolic_amber_high", "170"),
                ("systolic_red_high", "150"),
            ],
        )
        .await;
    assert_eq!(code, 422, "{page}");
    let alex = h.token(&DEMO_PATIENT).await;
    let plan = || async {
        let (_, b) = h
            .get(&alex, &format!("CarePlan?patient={}", DEMO_PATIENT.id))
            .await;
        let cp: hale_fhir::CarePlan =
            serde_json::from_value(entries(&b, "CarePlan")[0].clone()).unwrap();
        let goals: Vec<hale_fhir::Goal> = entries(&b, "Goal")
            .into_iter()
            .map(|g| serde_json::from_value(g).unwrap())
            .collect();
        hale_fhir::care_plan::from_fhir(&cp, &goals).unwrap()
    };
    assert_eq!(plan().await.measurements.len(), 2, "unchanged");
    let (code, _) = doctor
        .post(
            &path,
            &[
                ("times_blood_pressure", "07:30, 19:30"),
                ("systolic_amber_high", "150"),
                ("systolic_red_high", "170"),
            ],
        )
        .await;
    assert_eq!(code, 303);
    let now = plan().await;
    assert_eq!(now.measurements.len(), 1);
    assert_eq!(now.limits[0].red.high, Some(170.0));
    // Unenrolled, the team no longer reads the patient.
    let (code, _) = doctor
        .post(
            &format!("/console/patients/{}/unenrol", DEMO_PATIENT.id),
            &[],
        )
        .await;
    assert_eq!(code, 303);
    assert_eq!(
        doctor
            .get(&format!("/console/patients/{}", DEMO_PATIENT.id))
            .await
            .0,
        403
    );
    // And enrolling again by record number brings the patient back, on the standard plan.
    let (code, _) = doctor
        .post("/console/enrol", &[("mrn", DEMO_PATIENT.mrn)])
        .await;
    assert_eq!(code, 303);
    assert_eq!(
        doctor
            .get(&format!("/console/patients/{}", DEMO_PATIENT.id))
            .await
            .0,
        200
    );
}

#[tokio::test]
async fn the_console_session_opens_no_patient_api_and_patient_tokens_open_no_console() {
    let h = hospital().await;
    let nurse = sign_in(&h, &DEMO_NURSE).await;
    let r = h
        .http
        .get(h.url(&format!("Observation?patient={}", DEMO_PATIENT.id)))
        .header(COOKIE, &nurse.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let alex = h.token(&DEMO_PATIENT).await;
    let staff_device = h.device_token(&DEMO_STAFF).await;
    for token in [alex, staff_device] {
        let r = no_redirects()
            .get(format!(
                "http://{}/console/patients/{}",
                h.server.addr, DEMO_PATIENT.id
            ))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 303, "to the sign-in page");
    }
    // Signed out, the old cookie opens nothing.
    let (code, _) = nurse.post("/console/sign-out", &[]).await;
    assert_eq!(code, 303);
    assert_eq!(
        nurse
            .get(&format!("/console/patients/{}", DEMO_PATIENT.id))
            .await
            .0,
        303
    );
}

#[tokio::test]
async fn breaking_glass_reads_a_record_but_never_takes_over_its_care() {
    let h = hospital().await;
    let outsider = sign_in(&h, &OTHER_TEAM_NURSE).await;
    let path = format!("/console/patients/{}", DEMO_PATIENT.id);
    // A refusal names nobody, and an id that does not exist reads the same.
    let (code, page) = outsider.get(&path).await;
    assert_eq!(code, 403);
    assert!(!page.contains("Alex"), "{page}");
    let (code, missing) = outsider.get("/console/patients/pt-9999").await;
    assert_eq!(code, 403);
    assert_eq!(
        missing.replace("pt-9999", "ID"),
        page.replace(DEMO_PATIENT.id, "ID")
    );
    let (code, _) = outsider
        .post(
            "/console/patients/pt-9999/break-glass",
            &[("reason", "Checking who this is, please")],
        )
        .await;
    assert_eq!(code, 403);
    // Broken glass: the record opens, but the plan and the enrolment stay the team's.
    let reason = "Patient arrived in respiratory clinic short of breath";
    outsider
        .post(&format!("{path}/break-glass"), &[("reason", reason)])
        .await;
    assert_eq!(outsider.get(&path).await.0, 200);
    for (action, form) in [
        ("plan", vec![("times_blood_pressure", "09:00")]),
        ("unenrol", vec![]),
    ] {
        let (code, _) = outsider.post(&format!("{path}/{action}"), &form).await;
        assert_eq!(code, 403, "{action}");
    }
    let nurse = sign_in(&h, &DEMO_NURSE).await;
    assert!(
        nurse.get("/console").await.1.contains("Alex Morgan"),
        "still cardiology's"
    );
}

#[tokio::test]
async fn a_new_limit_clears_an_alert_it_no_longer_justifies_and_unenrolling_closes_the_rest() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    send(&h, &alex, &bp("n1", 172.0, 95.0, Utc::now())).await;
    let db = hale_server::open_database(&h.db_url).await.unwrap();
    let open = || async {
        let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM alert WHERE rule_key = 'out-of-range:blood-pressure' AND status = 'open'")
            .fetch_one(&db)
            .await
            .unwrap();
        n
    };
    assert_eq!(open().await, 1, "amber at 160");
    let doctor = sign_in(&h, &DEMO_DOCTOR).await;
    let plan = format!("/console/patients/{}/plan", DEMO_PATIENT.id);
    let (code, _) = doctor
        .post(
            &plan,
            &[
                ("times_blood_pressure", "08:00, 20:00"),
                ("systolic_amber_high", "175"),
                ("systolic_red_high", "190"),
            ],
        )
        .await;
    assert_eq!(code, 303);
    assert_eq!(
        open().await,
        0,
        "172 is within the new limits: all clear at once"
    );
    send(&h, &alex, &bp("n2", 192.0, 95.0, Utc::now())).await;
    assert_eq!(open().await, 1);
    let (code, _) = doctor
        .post(
            &format!("/console/patients/{}/unenrol", DEMO_PATIENT.id),
            &[],
        )
        .await;
    assert_eq!(code, 303);
    assert_eq!(open().await, 0);
    let unresolved: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM task WHERE status <> 'completed'")
            .fetch_one(&db)
            .await
            .unwrap();
    assert_eq!(unresolved, 0, "nothing left where no team can reach it");
}

#[tokio::test]
async fn a_console_sign_in_posted_from_another_page_is_refused() {
    // Regression (login CSRF): the console's sign-in form carried no token.
    let h = hospital().await;
    let r = no_redirects()
        .post(format!("http://{}/console/sign-in", h.server.addr))
        .form(&[
            ("username", DEMO_NURSE.username),
            ("password", DEMO_NURSE.password),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(!sets_a_session(&r));
}
