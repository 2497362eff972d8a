//! Test support only: a hospital that is not Hale's.
//!
//! An independent, open-source FHIR R4 server: Medplum's fhir-router over its in-memory
//! repository, behind the small Node wrapper in `tests/fhir-server` (which `scripts/setup.sh`
//! installs). [`copy_demo_patient`] fills it with the demo patient's record from a reference
//! server, so that Hale's client and the real app can be run against it.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use hale_server::demo::seed::DEMO_PATIENT;
use hale_server::ServerOptions;
use serde_json::Value;

/// The independent server, stopped when dropped.
#[derive(Debug)]
pub struct OtherHospital {
    child: Child,
    /// Its FHIR base URL, `http://127.0.0.1:PORT/fhir`.
    pub base: String,
}

impl Drop for OtherHospital {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl OtherHospital {
    /// Starts the server on a free loopback port. Without a sign-in it takes any bearer token.
    pub fn start() -> Self {
        Self::launch(None)
    }

    /// Starts the server with a SMART sign-in for the demo patient (the demo's name and
    /// password), as the real app signs in to any hospital.
    pub fn with_demo_sign_in() -> Self {
        Self::launch(Some(format!(
            "{}:{}:{}",
            DEMO_PATIENT.username, DEMO_PATIENT.password, DEMO_PATIENT.id
        )))
    }

    /// How many `kind` resources of the demo patient it holds.
    pub async fn held(&self, kind: &str) -> u64 {
        let bundle: Value = reqwest::get(format!(
            "{}/{kind}?patient=Patient/{}&_summary=count",
            self.base, DEMO_PATIENT.id
        ))
        .await
        .expect("the server answers")
        .json()
        .await
        .expect("a Bundle");
        bundle["total"].as_u64().expect("a total")
    }

    fn launch(login: Option<String>) -> Self {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fhir-server");
        assert!(
            dir.join("node_modules/@medplum/fhir-router").is_dir(),
            "tests/fhir-server has no node_modules: run scripts/setup.sh"
        );
        let mut command = Command::new("node");
        command
            .arg("server.mjs")
            .current_dir(&dir)
            .env_remove("HALE_FHIR_LOGIN")
            .stdout(Stdio::piped());
        if let Some(login) = login {
            command.env("HALE_FHIR_LOGIN", login);
        }
        let mut child = command.spawn().expect("node starts");
        let mut port = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut port)
            .expect("the port");
        let port: u16 = port.trim().parse().expect("a port number");
        Self {
            child,
            base: format!("http://127.0.0.1:{port}/fhir"),
        }
    }
}

/// Copies the demo patient's (Alex's) Patient, Appointments, MedicationRequests and the hospital's forms from the
/// reference server to `to`, keeping their ids (an update that creates). Returns the forms' ids.
pub async fn copy_demo_patient(to: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("hospital.sqlite").display());
    let server = hale_server::start(&ServerOptions::embedded_demo(url.clone()))
        .await
        .unwrap();
    let from = server.fhir_base();
    let http = reqwest::Client::new();
    let signed_in: Value = http
        .post(format!("http://{}/auth/dev/token", server.addr))
        .json(&serde_json::json!({"identifier": DEMO_PATIENT.mrn, "birth_date": DEMO_PATIENT.birth_date}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = signed_in["access_token"].as_str().unwrap().to_owned();
    let get = |path: String| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            let r = http.get(&path).bearer_auth(token).send().await.unwrap();
            assert!(r.status().is_success(), "{path}: {}", r.status());
            r.json::<Value>().await.unwrap()
        }
    };
    let me = format!("patient=Patient/{}", DEMO_PATIENT.id);
    let mut resources = vec![get(format!("{from}/Patient/{}", DEMO_PATIENT.id)).await];
    for search in [
        format!("{from}/Appointment?{me}"),
        format!("{from}/MedicationRequest?{me}"),
    ] {
        let bundle = get(search).await;
        for entry in bundle["entry"].as_array().unwrap() {
            if entry["search"]["mode"] == "match" {
                resources.push(entry["resource"].clone());
            }
        }
    }
    let db = hale_server::open_database(&url).await.unwrap();
    let forms: Vec<(String,)> = sqlx::query_as("SELECT id FROM questionnaire ORDER BY id")
        .fetch_all(&db)
        .await
        .unwrap();
    for (id,) in &forms {
        resources.push(get(format!("{from}/Questionnaire/{id}")).await);
    }
    for mut r in resources {
        r.as_object_mut().unwrap().remove("meta");
        let path = format!(
            "{to}/{}/{}",
            r["resourceType"].as_str().unwrap(),
            r["id"].as_str().unwrap()
        );
        let put = http
            .put(path)
            .header("Content-Type", "application/fhir+json")
            .json(&r)
            .send()
            .await
            .unwrap();
        assert!(put.status().is_success(), "{}", put.text().await.unwrap());
    }
    server.stop().await.unwrap();
    forms.into_iter().map(|(id,)| id).collect()
}
