//! Share codes over real HTTP, as a clinician's browser uses them: the patient makes a code;
//! the code and their date of birth open one browser session that shows their summary,
//! read-only; the code then opens no other; it ends when it expires or the patient ends it; wrong
//! tries are limited; each view is recorded for the patient and in the audit log. Only the
//! patient themself makes, lists and ends codes.

use crate::common::*;
use chrono::{Duration, Utc};
use hale_server::demo::seed::{DEMO_HELPER, DEMO_PATIENT, OTHER_PATIENT};
use reqwest::Method;
use serde_json::Value;

/// A clinician's browser: the share form's CSRF cookie and token, then the session cookie.
struct Browser {
    http: reqwest::Client,
    base: String,
    form_cookie: String,
    csrf: String,
    session: Option<String>,
}

impl Browser {
    async fn open(h: &Hospital) -> Self {
        let base = format!("http://{}", h.server.addr);
        let http = no_redirects();
        let r = http.get(format!("{base}/share")).send().await.unwrap();
        assert_eq!(r.status(), 200);
        let form_cookie = set_cookie(&r, "hale_share_form=").expect("the form's CSRF cookie");
        let page = r.text().await.unwrap();
        assert!(page.contains("Open a shared patient summary"), "{page}");
        Self {
            http,
            base,
            form_cookie,
            csrf: csrf_in(&page),
            session: None,
        }
    }

    /// Posts the form; the status, and the page it answered with.
    async fn enter(&mut self, code: &str, born: &str) -> (u16, String) {
        let r = self
            .http
            .post(format!("{}/share", self.base))
            .header("cookie", &self.form_cookie)
            .form(&[
                ("code", code),
                ("year", &born[..4]),
                ("month", &born[5..7]),
                ("day", &born[8..]),
                ("csrf", &self.csrf),
            ])
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        if status == 303 {
            assert_eq!(r.headers()["location"], "/share/summary");
            self.session = set_cookie(&r, "hale_share=");
        }
        (status, r.text().await.unwrap())
    }

    async fn summary(&self) -> (u16, String) {
        let mut request = self.http.get(format!("{}/share/summary", self.base));
        if let Some(session) = &self.session {
            request = request.header("cookie", session);
        }
        let r = request.send().await.unwrap();
        assert_eq!(r.headers()["cache-control"], "no-store");
        (r.status().as_u16(), r.text().await.unwrap())
    }
}

fn set_cookie(r: &reqwest::Response, name: &str) -> Option<String> {
    r.headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with(name))
}

async fn make(h: &Hospital, token: &str) -> Value {
    let (status, made) = h.api(Method::POST, token, "shares", None).await;
    assert_eq!(status, 201, "{made}");
    made
}

async fn shares(h: &Hospital, token: &str) -> Vec<Value> {
    let (status, list) = h.api(Method::GET, token, "shares", None).await;
    assert_eq!(status, 200, "{list}");
    list.as_array().unwrap().clone()
}

#[tokio::test]
async fn a_code_and_the_birth_date_open_one_browser_session_on_the_summary_and_the_patient_sees_it_used(
) {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let made = make(&h, &alex).await;
    let code = made["code"].as_str().unwrap();
    assert!(made["link"].as_str().unwrap().ends_with("/share"), "{made}");
    let expires: chrono::DateTime<Utc> = made["expires"].as_str().unwrap().parse().unwrap();
    assert!(
        (expires - Utc::now() - Duration::hours(24))
            .num_seconds()
            .abs()
            < 60
    );

    let mut clinician = Browser::open(&h).await;
    assert_eq!(clinician.summary().await.0, 403, "no session, no summary");
    let (status, _) = clinician
        .enter(&code.to_lowercase(), DEMO_PATIENT.birth_date)
        .await;
    assert_eq!(status, 303, "the code as typed, in any case");
    let (status, page) = clinician.summary().await;
    assert_eq!(status, 200, "{page}");
    for expected in [
        "Patient summary",
        DEMO_PATIENT.birth_date,
        "Medication Summary",
        "Allergies and Intolerances",
        "Penicillin",
        "Problem List",
    ] {
        assert!(page.contains(expected), "no {expected:?} in {page}");
    }
    assert!(!page.contains(OTHER_PATIENT.id));
    assert_eq!(
        clinician.summary().await.0,
        200,
        "the session reads it again"
    );

    // The code opens no second session, even with the right birth date.
    let mut another = Browser::open(&h).await;
    let (status, page) = another.enter(code, DEMO_PATIENT.birth_date).await;
    assert_eq!(status, 403, "{page}");
    assert!(page.contains("do not open a summary"), "{page}");

    let listed = shares(&h, &alex).await;
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["id"], made["id"]);
    assert!(listed[0]["opened"].is_string(), "{listed:?}");
    assert_eq!(listed[0]["views"].as_array().unwrap().len(), 2);
    assert!(
        !listed[0].to_string().contains(code),
        "the code is shown once, when made"
    );

    let mut db = h.database().await;
    let audited: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_event WHERE actor_kind = 'share' AND actor_id = $1 \
         AND patient_id = $2",
    )
    .bind(made["id"].as_str().unwrap())
    .bind(DEMO_PATIENT.id)
    .fetch_one(&mut db)
    .await
    .unwrap();
    assert_eq!(audited, 3, "the opening and both views");
}

#[tokio::test]
async fn an_ended_or_expired_share_shows_nothing_more() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let made = make(&h, &alex).await;
    let mut clinician = Browser::open(&h).await;
    let code = made["code"].as_str().unwrap();
    assert_eq!(clinician.enter(code, DEMO_PATIENT.birth_date).await.0, 303);
    assert_eq!(clinician.summary().await.0, 200);
    let id = made["id"].as_str().unwrap();
    let (status, _) = h
        .api(Method::POST, &alex, &format!("shares/{id}/revoke"), None)
        .await;
    assert_eq!(status, 204);
    let (status, page) = clinician.summary().await;
    assert_eq!(status, 403);
    assert!(page.contains("no longer shared"), "{page}");
    assert!(!page.contains("Penicillin"));
    let (status, _) = h
        .api(Method::POST, &alex, &format!("shares/{id}/revoke"), None)
        .await;
    assert_eq!(status, 204, "ending it again changes nothing");
    assert!(shares(&h, &alex).await[0]["revoked"].is_string());

    // A code past its day: neither its session nor the code itself opens anything.
    let later = make(&h, &alex).await;
    let mut opened = Browser::open(&h).await;
    assert_eq!(
        opened
            .enter(later["code"].as_str().unwrap(), DEMO_PATIENT.birth_date)
            .await
            .0,
        303
    );
    let unused = make(&h, &alex).await;
    let mut db = h.database().await;
    sqlx::query("UPDATE share_code SET expires_at = $1 WHERE id IN ($2, $3)")
        .bind(hale_server::DbTime(Utc::now() - Duration::seconds(1)))
        .bind(later["id"].as_str().unwrap())
        .bind(unused["id"].as_str().unwrap())
        .execute(&mut db)
        .await
        .unwrap();
    assert_eq!(opened.summary().await.0, 403, "its session ended with it");
    let mut fresh = Browser::open(&h).await;
    let (status, _) = fresh
        .enter(unused["code"].as_str().unwrap(), DEMO_PATIENT.birth_date)
        .await;
    assert_eq!(status, 403, "an expired code opens nothing");
}

#[tokio::test]
async fn wrong_birth_dates_and_guessed_codes_are_refused_alike_and_then_slowed() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let made = make(&h, &alex).await;
    let code = made["code"].as_str().unwrap();
    let mut guesser = Browser::open(&h).await;
    let (wrong_date, page_a) = guesser.enter(code, "1984-06-13").await;
    let (wrong_code, page_b) = guesser
        .enter("AAAA-BBBB-CCCC", DEMO_PATIENT.birth_date)
        .await;
    assert_eq!((wrong_date, wrong_code), (403, 403));
    assert_eq!(page_a, page_b, "a guesser learns nothing from the answer");
    // Five wrong dates for one code, then it waits, even with the right one.
    for _ in 0..4 {
        assert_eq!(guesser.enter(code, "2000-01-01").await.0, 403);
    }
    let (status, page) = guesser.enter(code, DEMO_PATIENT.birth_date).await;
    assert_eq!(status, 429, "{page}");
    assert!(page.contains("Too many tries"), "{page}");
    // A posted form without its own CSRF cookie is refused before anything is checked.
    let r = no_redirects()
        .post(format!("http://{}/share", h.server.addr))
        .form(&[
            ("code", code),
            ("year", "1984"),
            ("month", "06"),
            ("day", "12"),
            ("csrf", &guesser.csrf),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
}

#[tokio::test]
async fn only_the_patient_themself_makes_lists_and_ends_their_share_codes() {
    let h = hospital().await;
    let alex = h.token(&DEMO_PATIENT).await;
    let made = make(&h, &alex).await;
    let id = made["id"].as_str().unwrap();
    let sam = h.token(&OTHER_PATIENT).await;
    assert!(shares(&h, &sam).await.is_empty(), "Sam sees none of Alex's");
    let (status, _) = h
        .api(Method::POST, &sam, &format!("shares/{id}/revoke"), None)
        .await;
    assert_eq!(status, 404, "another patient's share is not there for Sam");
    let (tokens, _) = h
        .helper_for(
            &DEMO_PATIENT,
            &DEMO_HELPER,
            &["medicines", "readings", "appointments"],
        )
        .await;
    let helper = tokens["access_token"].as_str().unwrap();
    assert_eq!(h.api(Method::POST, helper, "shares", None).await.0, 403);
    assert_eq!(h.api(Method::GET, helper, "shares", None).await.0, 403);
    // Five open at once at most: each is a key to the record.
    for _ in 0..4 {
        make(&h, &alex).await;
    }
    let (status, _) = h.api(Method::POST, &alex, "shares", None).await;
    assert_eq!(status, 429);
}
