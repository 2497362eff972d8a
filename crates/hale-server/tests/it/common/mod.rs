//! Shared support for the server's integration tests: a reference hospital on a fresh database,
//! reached over real HTTP, and small readers for the FHIR JSON it answers with.
//!
//! The database is a temporary SQLite file, or, when `HALE_TEST_POSTGRES` names a PostgreSQL
//! server (`postgres://user@host:port`), a new database on it for each test: the whole suite
//! runs against either (`scripts/test.sh` runs it against both).

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use hale_domain::BookingRules;
use hale_fhir::REQUEST_ID_SYSTEM;
use hale_server::demo::seed::DemoPatient;
use hale_server::{RunningServer, ServerOptions};
use serde_json::{json, Value};

pub struct Hospital {
    _dir: tempfile::TempDir,
    pub server: RunningServer,
    pub http: reqwest::Client,
    pub db_url: String,
}

pub async fn hospital_with(rules: BookingRules) -> Hospital {
    hospital_with_options(rules, hale_domain::WaitlistPolicy::default()).await
}

pub async fn hospital_with_options(
    rules: BookingRules,
    waitlist: hale_domain::WaitlistPolicy,
) -> Hospital {
    hospital_configured(|options| {
        options.rules = rules;
        options.waitlist = waitlist;
    })
    .await
}

/// The demo hospital with its options changed by `configure`.
pub async fn hospital_configured(configure: impl FnOnce(&mut ServerOptions)) -> Hospital {
    let dir = tempfile::tempdir().unwrap();
    let db_url = fresh_database(&dir).await;
    let mut options = ServerOptions::embedded_demo(db_url.clone());
    // Tests drive queues themselves; the demo day would call their patients at random.
    options.simulate_demo_day = false;
    configure(&mut options);
    let server = hale_server::start(&options).await.unwrap();
    Hospital {
        _dir: dir,
        server,
        http: reqwest::Client::new(),
        db_url,
    }
}

/// A new, empty database for one test: a SQLite file in `dir`, or a database of its own on the
/// PostgreSQL server named by `HALE_TEST_POSTGRES`.
pub async fn fresh_database(dir: &tempfile::TempDir) -> String {
    let Ok(server) = std::env::var("HALE_TEST_POSTGRES") else {
        return format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
    };
    sqlx::any::install_default_drivers();
    let name = format!("hale_test_{:016x}", rand_u64());
    let mut admin =
        <sqlx::AnyConnection as sqlx::Connection>::connect(&format!("{server}/postgres"))
            .await
            .expect("HALE_TEST_POSTGRES reachable");
    // Byte-order collation, as the server requires of a hospital database.
    sqlx::Executor::execute(
        &mut admin,
        format!(
            "CREATE DATABASE {name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'"
        )
        .as_str(),
    )
    .await
    .unwrap();
    format!("{server}/{name}")
}

fn rand_u64() -> u64 {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    u64::from_le_bytes(b)
}

pub async fn hospital() -> Hospital {
    hospital_with(BookingRules::default()).await
}

impl Hospital {
    /// A server a test started itself, on `db_url`.
    pub fn around(server: RunningServer, db_url: &str) -> Hospital {
        Hospital {
            _dir: tempfile::tempdir().unwrap(),
            server,
            http: reqwest::Client::new(),
            db_url: db_url.to_owned(),
        }
    }

    /// A second server instance on this one's database, started as the first was (seeding is
    /// idempotent), as a hospital group runs several behind one load balancer.
    pub async fn another_instance(&self) -> Hospital {
        let mut options = ServerOptions::embedded_demo(self.db_url.clone());
        options.simulate_demo_day = false;
        Hospital {
            _dir: tempfile::tempdir().unwrap(),
            server: hale_server::start(&options).await.unwrap(),
            http: reqwest::Client::new(),
            db_url: self.db_url.clone(),
        }
    }
}

impl Hospital {
    pub fn url(&self, path: &str) -> String {
        format!("{}/{path}", self.server.fhir_base())
    }

    pub async fn token(&self, p: &DemoPatient) -> String {
        let body = json!({"identifier": p.mrn, "birth_date": p.birth_date});
        let r: Value = self
            .http
            .post(format!("http://{}/auth/dev/token", self.server.addr))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["access_token"].as_str().unwrap().to_owned()
    }

    /// GETs `path` under the FHIR base, or an absolute URL (a Bundle's link).
    pub async fn get(&self, token: &str, path: &str) -> (u16, Value) {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            self.url(path)
        };
        let r = self.http.get(url).bearer_auth(token).send().await.unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    pub async fn post(&self, token: &str, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .http
            .post(self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    /// Signs `p` in as the app does: authorize with PKCE, post the password, exchange the code.
    /// Returns the token endpoint's JSON.
    pub async fn sign_in_with_scope(&self, p: &DemoPatient, scope: &str) -> Value {
        let verifier = "x".repeat(43) + p.id;
        let (status, location) = self
            .authorize(p.username, p.password, scope, &verifier)
            .await;
        assert_eq!(status, 303, "sign-in should redirect");
        let code = query_param(&location, "code").expect("a code in the redirect");
        let (status, body) = self.exchange(&code, &verifier).await;
        assert_eq!(status, 200, "{body}");
        body
    }

    /// A full-scope access token for `p`, through the real sign-in.
    pub async fn access_token(&self, p: &DemoPatient) -> String {
        self.sign_in(p).await["access_token"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    pub async fn sign_in(&self, p: &DemoPatient) -> Value {
        self.sign_in_with_scope(p, hale_fhir::smart::APP_SCOPE)
            .await
    }

    /// Posts the sign-in form; returns the status and the `Location` it redirects to.
    pub async fn authorize(
        &self,
        username: &str,
        password: &str,
        scope: &str,
        verifier: &str,
    ) -> (u16, String) {
        self.authorize_via(username, password, scope, verifier, &[])
            .await
    }

    /// [`Self::authorize`] with extra request headers (a proxy's `X-Forwarded-For`).
    pub async fn authorize_via(
        &self,
        username: &str,
        password: &str,
        scope: &str,
        verifier: &str,
        headers: &[(&str, &str)],
    ) -> (u16, String) {
        let challenge = hale_fhir::smart::pkce_challenge(verifier);
        let aud = self.server.fhir_base();
        let mut form = vec![
            ("response_type", "code"),
            ("client_id", hale_fhir::smart::APP_CLIENT_ID),
            ("redirect_uri", REDIRECT),
            ("scope", scope),
            ("state", "st-123"),
            ("code_challenge", &challenge),
            ("code_challenge_method", "S256"),
            ("aud", &aud),
        ];
        let page = reqwest::Url::parse_with_params(
            &format!("http://{}/auth/authorize", self.server.addr),
            &form,
        )
        .unwrap();
        let (cookie, csrf) = open_sign_in_form(page.as_str()).await;
        form.extend([
            ("username", username),
            ("password", password),
            ("csrf", &csrf),
        ]);
        let mut request = no_redirects()
            .post(format!("http://{}/auth/authorize", self.server.addr))
            .header("cookie", cookie)
            .form(&form);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        let r = request.send().await.unwrap();
        let location = r
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned())
            .unwrap_or_default();
        (r.status().as_u16(), location)
    }

    /// A connection to this hospital's database, to look at what the server keeps.
    pub async fn database(&self) -> sqlx::AnyConnection {
        sqlx::any::install_default_drivers();
        <sqlx::AnyConnection as sqlx::Connection>::connect(&self.db_url)
            .await
            .unwrap()
    }

    /// `POST /auth/token` with a form; returns the status and the JSON answer.
    pub async fn token_request(&self, form: &[(&str, &str)]) -> (u16, Value) {
        let r = self
            .http
            .post(format!("http://{}/auth/token", self.server.addr))
            .form(form)
            .send()
            .await
            .unwrap();
        (r.status().as_u16(), r.json().await.unwrap())
    }

    pub async fn exchange(&self, code: &str, verifier: &str) -> (u16, Value) {
        self.token_request(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", hale_fhir::smart::APP_CLIENT_ID),
            ("code_verifier", verifier),
        ])
        .await
    }

    pub async fn refresh(&self, refresh_token: &str) -> (u16, Value) {
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", hale_fhir::smart::APP_CLIENT_ID),
        ])
        .await
    }

    /// A refresh that switches the sign-in to `patient` (Hale's patient picker on refresh).
    pub async fn switch(&self, refresh_token: &str, patient: &str) -> (u16, Value) {
        self.token_request(&[
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh_token),
            ("client_id", hale_fhir::smart::APP_CLIENT_ID),
            ("patient", patient),
        ])
        .await
    }

    /// `patient` invites `helper` with `permissions`, `helper` accepts; returns the helper's
    /// token response for the patient (access and refresh tokens, `fhirUser`) and the consent.
    pub async fn helper_for(
        &self,
        patient: &DemoPatient,
        helper: &DemoPatient,
        permissions: &[&str],
    ) -> (Value, String) {
        let patients_token = self.access_token(patient).await;
        let (status, invitation) = self
            .api(
                reqwest::Method::POST,
                &patients_token,
                "care-circle/invitations",
                Some(json!({ "permissions": permissions })),
            )
            .await;
        assert_eq!(status, 201, "{invitation}");
        let own = self.sign_in(helper).await;
        let (status, member) = self
            .api(
                reqwest::Method::POST,
                own["access_token"].as_str().unwrap(),
                "care-circle/invitations/accept",
                Some(json!({"code": invitation["code"], "birth_date": patient.birth_date})),
            )
            .await;
        assert_eq!(status, 201, "{member}");
        let (status, tokens) = self
            .switch(own["refresh_token"].as_str().unwrap(), patient.id)
            .await;
        assert_eq!(status, 200, "{tokens}");
        (tokens, member["consent"].as_str().unwrap().to_owned())
    }

    /// Ends grant `consent` with `token`: the patient revokes, or the helper steps down.
    pub async fn end_grant(&self, token: &str, consent: &str) -> (u16, Value) {
        self.api(
            reqwest::Method::POST,
            token,
            &format!("care-circle/consents/{consent}/revoke"),
            None,
        )
        .await
    }

    /// Free cardiology slots, soonest first.
    pub async fn free_slots(&self, token: &str, extra: &str) -> Vec<Value> {
        let (status, bundle) = self
            .get(
                token,
                &format!("Slot?status=free&service-type=394579002{extra}"),
            )
            .await;
        assert_eq!(status, 200, "{bundle}");
        entries(&bundle, "Slot")
    }

    pub async fn book(&self, token: &str, slot: &str, request_id: Option<&str>) -> (u16, Value) {
        let mut body = json!({
            "resourceType": "Appointment",
            "status": "booked",
            "slot": [{"reference": format!("Slot/{slot}")}],
        });
        if let Some(id) = request_id {
            body["identifier"] = json!([{"system": REQUEST_ID_SYSTEM, "value": id}]);
        }
        self.post(token, "Appointment", body).await
    }

    /// A request to Hale's JSON API (`/api/...`) beside FHIR.
    pub async fn api(
        &self,
        method: reqwest::Method,
        token: &str,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .request(method, format!("http://{}/api/{path}", self.server.addr))
            .bearer_auth(token);
        if let Some(body) = body {
            request = request.json(&body);
        }
        let r = request.send().await.unwrap();
        let status = r.status().as_u16();
        let text = r.text().await.unwrap();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// A device's bearer token through OAuth2 client credentials (`POST /auth/token`).
    pub async fn device_token(&self, device: &hale_server::demo::seed::DemoDevice) -> String {
        let form = [
            ("grant_type", "client_credentials"),
            ("client_id", device.id),
            ("client_secret", device.secret),
        ];
        let r: Value = self
            .http
            .post(format!("http://{}/auth/token", self.server.addr))
            .form(&form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        r["access_token"]
            .as_str()
            .expect("a device token")
            .to_owned()
    }

    /// Registers device `id` holding `scope` (with the demo kiosk's secret), as a hospital's IT
    /// registers a system, and signs it in.
    pub async fn registered_device(&self, id: &'static str, scope: &'static str) -> String {
        let db = hale_server::open_database(&self.db_url).await.unwrap();
        sqlx::query(
            "INSERT INTO device (id, name, secret_hash, scope) \
             SELECT $1, 'Registered in a test', secret_hash, $2 FROM device WHERE id = $3",
        )
        .bind(id)
        .bind(scope)
        .bind(hale_server::demo::seed::DEMO_KIOSK.id)
        .execute(&db)
        .await
        .unwrap();
        self.device_token(&hale_server::demo::seed::DemoDevice {
            id,
            scope,
            ..hale_server::demo::seed::DEMO_KIOSK
        })
        .await
    }

    /// An appointment for `patient` in `clinic` starting `minutes` from now, whatever the time
    /// of day (check-in tests need one inside its window). Returns (id, reference).
    pub async fn appointment_in(
        &self,
        patient: &str,
        clinic: &str,
        minutes: i64,
    ) -> (String, String) {
        let db = hale_server::open_database(&self.db_url).await.unwrap();
        let start = Utc::now() + Duration::minutes(minutes);
        let (id, reference) = hale_server::demo::seed::appointment_at(&db, patient, clinic, start)
            .await
            .unwrap();
        (id, reference.to_string())
    }

    pub async fn live_in_slot(&self, slot: &str) -> i64 {
        let db = hale_server::open_database(&self.db_url).await.unwrap();
        sqlx::query_scalar(
            "SELECT COUNT(*) FROM appointment WHERE slot_id = $1 AND status NOT IN ('cancelled', 'entered-in-error', 'noshow')",
        )
        .bind(slot)
        .fetch_one(&db)
        .await
        .unwrap()
    }
}

/// The app's loopback redirect, as a native app registers it (any port).
pub const REDIRECT: &str = "http://127.0.0.1:49152/callback";

/// Opens a sign-in page as a browser would: its CSRF cookie (`name=value`, for a `Cookie`
/// header) and the token in its form.
pub async fn open_sign_in_form(url: &str) -> (String, String) {
    let r = reqwest::get(url).await.unwrap();
    assert_eq!(r.status(), 200, "{url}");
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.contains("sign_in="))
        .expect("the sign-in page sets its CSRF cookie");
    (cookie, csrf_in(&r.text().await.unwrap()))
}

/// The CSRF token in a page's form.
pub fn csrf_in(page: &str) -> String {
    let at = page
        .find(r#"name="csrf" value=""#)
        .expect("a form with a CSRF token")
        + 19;
    page[at..].split('"').next().unwrap().to_owned()
}

pub fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn query_param(url: &str, name: &str) -> Option<String> {
    let url = url::Url::parse(url).ok()?;
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A `start` filter `weeks` weeks from today.
pub fn weeks_ahead(weeks: i64) -> String {
    format!(
        "&start=ge{}",
        (Utc::now() + Duration::weeks(weeks)).format("%Y-%m-%d")
    )
}

/// The URL of a Bundle's link of `relation` (`self`, `next`).
pub fn link<'a>(bundle: &'a Value, relation: &str) -> Option<&'a str> {
    bundle["link"]
        .as_array()?
        .iter()
        .find(|l| l["relation"] == relation)
        .and_then(|l| l["url"].as_str())
}

pub fn entries(bundle: &Value, resource_type: &str) -> Vec<Value> {
    bundle["entry"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(|e| e["resource"].clone())
        .filter(|r| r["resourceType"] == resource_type)
        .collect()
}

pub fn id(resource: &Value) -> String {
    resource["id"].as_str().unwrap().to_owned()
}

pub fn refusal(outcome: &Value) -> &str {
    outcome["issue"][0]["details"]["coding"][0]["code"]
        .as_str()
        .unwrap_or("")
}

/// Reads server-sent events from `response` until one satisfies `want`, or panics after 10 s.
pub async fn next_event(response: &mut reqwest::Response, want: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + StdDuration::from_secs(10);
    let mut buffer = String::new();
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let chunk = tokio::time::timeout(left, response.chunk())
            .await
            .expect("an event within 10 s")
            .unwrap()
            .expect("the stream stays open");
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            let data: String = frame
                .lines()
                .filter_map(|l| l.strip_prefix("data: ").or_else(|| l.strip_prefix("data:")))
                .collect();
            if let Ok(value) = serde_json::from_str::<Value>(&data) {
                if want(&value) {
                    return value;
                }
            }
        }
    }
}

pub fn waiting_in(board: &Value, clinic: &str) -> u64 {
    board["clinics"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["clinic"] == clinic))
        .and_then(|c| c["waiting"].as_u64())
        .unwrap_or(0)
}

/// Runs futures concurrently on this task (no extra dependency for a join_all).
pub async fn futures_join_all<F: std::future::Future>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output> {
    let handles: Vec<_> = futures.into_iter().map(Box::pin).collect();
    let mut outputs = Vec::with_capacity(handles.len());
    let mut pending: Vec<_> = handles.into_iter().map(Some).collect();
    let mut results: Vec<Option<F::Output>> = (0..pending.len()).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        let mut all_done = true;
        for (i, slot) in pending.iter_mut().enumerate() {
            if let Some(fut) = slot {
                match fut.as_mut().poll(cx) {
                    std::task::Poll::Ready(out) => {
                        results[i] = Some(out);
                        *slot = None;
                    }
                    std::task::Poll::Pending => all_done = false,
                }
            }
        }
        if all_done {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    })
    .await;
    for r in results {
        outputs.push(r.expect("every future finished"));
    }
    outputs
}
