//! Hale's reference hospital server.
//!
//! A small but real hospital back end so that the app runs out of the box: FHIR R4 JSON over
//! HTTP (axum), data in SQLite or PostgreSQL through sqlx (several instances may share one
//! PostgreSQL database), and a seeded demo hospital. The app starts it embedded on a loopback
//! port by default; hospitals or developers run it alone as the `hale-hospital` binary.
//!
//! Every patient endpoint needs a bearer token bound to one patient and answers only with that
//! patient's data. Tokens come from the SMART on FHIR authorization server in `oauth`
//! (authorization code with PKCE, rotating refresh tokens, revocation); `auth::rule` is the one
//! table of who may call what, deny by default. A development sign-in (`POST /auth/dev/token`,
//! medical record number and date of birth) exists for tests and is off unless
//! [`ServerOptions::dev_sign_in`] switches it on.

mod appointments;
mod arrival;
mod auth;
mod booking;
mod capability;
mod care_circle;
mod client_address;
mod clinic_readings;
mod conditional;
mod console;
mod db;
pub mod demo;
mod encounter;
mod encryption;
mod error;
mod everything;
mod fhir;
mod html;
mod kiosk_form;
mod limits;
mod live;
mod live_slots;
mod loopback;
mod medication;
pub mod monitoring;
mod oauth;
mod observation;
mod origin;
mod parking;
mod password;
pub mod payments;
mod questionnaire;
mod random;
mod request_policy;
mod resource_response;
mod response_policy;
mod rules;
mod scheduling;
mod search;
mod searchset;
mod share;
mod sign_in_form;
mod subscriptions;
mod summary;
#[cfg(test)]
mod test_rng;
mod transaction;
mod waitlist;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::{delete, get, post};
use axum::Router;
use chrono_tz::Tz;
use hale_domain::{ArrivalWindow, BookingRules, WaitlistPolicy};
use sqlx::AnyPool;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use db::{open_database, open_database_keyed, Backend, Time as DbTime};
pub use db::{patient_lock, HOSPITAL_LOCK, PATIENT_LOCKS};
pub use encryption::DatabaseKey;
pub use error::FhirError;
pub use loopback::APP_SECRET_HEADER;
pub use monitoring::MonitoringOptions;
pub use oauth::TokenLifetimes;

/// How to run a hospital server.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    /// The database: `sqlite:///var/lib/hale/hospital.db` (one machine), `sqlite::memory:`, or
    /// `postgres://hale@db.example/hale` (several instances may share it).
    pub database_url: String,
    /// Where to listen; port 0 picks a free port.
    pub bind: SocketAddr,
    /// Seed (or top up) the demo hospital on start.
    pub seed_demo: bool,
    /// Offer the development sign-in. Never on for a real hospital.
    pub dev_sign_in: bool,
    /// The booking policy the server enforces.
    pub rules: BookingRules,
    /// How long a freed slot is held for a waiting patient, and how soon is too soon to offer.
    pub waitlist: WaitlistPolicy,
    /// When check-in is open around an appointment.
    pub arrival: ArrivalWindow,
    /// Run the demo hospital's simulated clinic day (only with `seed_demo`).
    pub simulate_demo_day: bool,
    /// The card processor parking payments go to; none, and parking cannot be paid for here.
    pub payments: Option<Arc<dyn payments::PaymentProvider>>,
    /// How long patients' access and refresh tokens live.
    pub tokens: TokenLifetimes,
    /// How the hospital watches enrolled patients' readings and doses.
    pub monitoring: MonitoringOptions,
    /// The load balancers and reverse proxies in front of this server, whose forwarding headers
    /// name the client's address. Empty: the TCP peer is the client.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// A per-run secret the app presents in [`APP_SECRET_HEADER`]: with it, `/fhir` and `/api`
    /// answer only the app that started the server (the embedded hospital).
    pub app_secret: Option<String>,
    /// Encrypt a SQLite database with this key (the embedded hospital, on the patient's own
    /// machine). None: a plain file, for a server whose disks the hospital encrypts.
    pub database_key: Option<DatabaseKey>,
    /// How long an adult patient's invitation lets a helper in before it ends by itself (the
    /// patient can invite them again).
    pub helper_period: chrono::Duration,
    /// How long after a dose was due a helper who wants to know hears it has no record.
    pub helper_missed_after: chrono::Duration,
}

impl ServerOptions {
    /// A hospital's own server: no demo data, no development sign-in, no card processor until
    /// one is named.
    pub fn hospital(database_url: impl Into<String>, bind: SocketAddr) -> Self {
        Self {
            database_url: database_url.into(),
            bind,
            seed_demo: false,
            dev_sign_in: false,
            rules: BookingRules::default(),
            waitlist: WaitlistPolicy::default(),
            arrival: ArrivalWindow::default(),
            simulate_demo_day: false,
            payments: None,
            tokens: TokenLifetimes::default(),
            monitoring: MonitoringOptions::default(),
            trusted_proxies: Vec::new(),
            app_secret: None,
            database_key: None,
            helper_period: chrono::Duration::days(365),
            helper_missed_after: hale_domain::care_circle::alerts::HELPER_MISSED_AFTER,
        }
    }

    /// The embedded demo hospital: loopback, a free port, seeded, development sign-in on.
    pub fn embedded_demo(database_url: impl Into<String>) -> Self {
        Self {
            database_url: database_url.into(),
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            seed_demo: true,
            dev_sign_in: true,
            rules: BookingRules::default(),
            waitlist: WaitlistPolicy::default(),
            arrival: ArrivalWindow::default(),
            simulate_demo_day: true,
            payments: Some(Arc::new(payments::Sandbox::default())),
            tokens: TokenLifetimes::default(),
            monitoring: MonitoringOptions::default(),
            trusted_proxies: Vec::new(),
            app_secret: None,
            database_key: None,
            helper_period: chrono::Duration::days(365),
            helper_missed_after: hale_domain::care_circle::alerts::HELPER_MISSED_AFTER,
        }
    }
}

/// What every handler shares.
#[derive(Debug, Clone)]
pub struct ServerState {
    pub(crate) db: AnyPool,
    pub(crate) hospital: Arc<HospitalInfo>,
    pub(crate) dev_sign_in: bool,
    pub(crate) rules: BookingRules,
    pub(crate) waitlist: WaitlistPolicy,
    pub(crate) arrival: ArrivalWindow,
    /// Bumped on every queue change; live streams wait on it.
    pub(crate) queue: Arc<tokio::sync::watch::Sender<u64>>,
    /// The waiting-times board, computed once for many requests.
    pub(crate) board: Arc<arrival::BoardCache>,
    pub(crate) payments: Option<Arc<dyn payments::PaymentProvider>>,
    pub(crate) concessions: hale_domain::parking::ConcessionPolicy,
    pub(crate) tokens: TokenLifetimes,
    /// How long an adult's invitation lasts ([`ServerOptions::helper_period`]).
    pub(crate) helper_period: chrono::Duration,
    /// [`ServerOptions::helper_missed_after`].
    pub(crate) helper_missed_after: chrono::Duration,
    /// Listening on loopback: requests must name a loopback host (DNS rebinding).
    pub(crate) loopback_only: bool,
    /// [`ServerOptions::app_secret`].
    pub(crate) app_secret: Option<Arc<str>>,
    /// Places for open live streams, per client and in total.
    pub(crate) live_slots: Arc<live_slots::LiveSlots>,
    /// Turns at the password check (Argon2), shared by every sign-in on this instance.
    pub(crate) password_checks: Arc<tokio::sync::Semaphore>,
    /// Proxies whose forwarding headers are believed ([`ServerOptions::trusted_proxies`]).
    pub(crate) trusted_proxies: Arc<[std::net::IpAddr]>,
    /// The demo patient's credentials, named on the sign-in page (demo hospital only).
    pub(crate) demo_logins: Vec<oauth::DemoLogin>,
    /// The demo care team's logins, named on the console's sign-in page (demo hospital only).
    pub(crate) demo_staff: Vec<console::session::DemoStaffLogin>,
    /// Turns true when the server stops, so live streams end and shutdown need not wait.
    pub(crate) closing: tokio::sync::watch::Receiver<bool>,
    pub(crate) monitoring: MonitoringOptions,
    /// Bumped on every change to alerts and the worklist; the console's live views wait on it.
    pub(crate) alerts: Arc<tokio::sync::watch::Sender<u64>>,
    /// Bumped after every write: the subscription delivery task wakes on it.
    pub(crate) events: Arc<tokio::sync::watch::Sender<u64>>,
}

impl ServerState {
    /// Where a request came from, believing forwarding headers from trusted proxies only.
    pub(crate) fn client_address(
        &self,
        peer: SocketAddr,
        headers: &axum::http::HeaderMap,
    ) -> std::net::IpAddr {
        client_address::client_address(peer, headers, &self.trusted_proxies)
    }

    /// Tells the live views that alerts changed: this instance's at once, other instances' on
    /// the same database through it. Called after the change committed.
    pub(crate) async fn alerts_changed(&self) {
        self.alerts.send_modify(|v| *v = v.wrapping_add(1));
        if let Err(e) = db::announce(&self.db, db::ALERTS_CHANNEL).await {
            tracing::warn!(error = %e, "alert change not announced to other instances");
        }
    }
}

/// The hospital's own description, from its database.
#[derive(Debug, Clone)]
pub struct HospitalInfo {
    pub name: String,
    pub timezone: Tz,
}

/// A new random secret for [`ServerOptions::app_secret`] (256 bits, hex).
pub fn new_app_secret() -> Result<String, FhirError> {
    auth::new_token()
}

/// Builds the HTTP routes over an opened, migrated database, and the state they share.
async fn router(
    db: AnyPool,
    options: &ServerOptions,
    closing: tokio::sync::watch::Receiver<bool>,
) -> Result<(Router, ServerState), FhirError> {
    let hospital = Arc::new(db::hospital_info(&db).await?);
    let state = ServerState {
        db,
        hospital,
        dev_sign_in: options.dev_sign_in,
        rules: options.rules,
        waitlist: options.waitlist,
        arrival: options.arrival,
        queue: Arc::new(tokio::sync::watch::Sender::new(0)),
        board: Arc::new(arrival::BoardCache::default()),
        payments: options.payments.clone(),
        concessions: hale_domain::parking::ConcessionPolicy::default(),
        tokens: options.tokens,
        helper_period: options.helper_period,
        helper_missed_after: options.helper_missed_after,
        loopback_only: options.bind.ip().is_loopback(),
        app_secret: options.app_secret.as_deref().map(Arc::from),
        live_slots: Arc::new(live_slots::LiveSlots::default()),
        password_checks: Arc::new(tokio::sync::Semaphore::new(password::CONCURRENT_CHECKS)),
        trusted_proxies: options.trusted_proxies.clone().into(),
        demo_logins: if options.seed_demo {
            vec![
                oauth::DemoLogin {
                    who: "a patient",
                    username: demo::seed::DEMO_PATIENT.username,
                    password: demo::seed::DEMO_PATIENT.password,
                },
                oauth::DemoLogin {
                    who: "Alex's partner, who helps Alex",
                    username: demo::seed::DEMO_HELPER.username,
                    password: demo::seed::DEMO_HELPER.password,
                },
            ]
        } else {
            Vec::new()
        },
        demo_staff: if options.seed_demo {
            demo::care_team::DEMO_STAFF_MEMBERS
                .iter()
                .map(|s| console::session::DemoStaffLogin {
                    name: s.name,
                    username: s.username,
                    password: s.password,
                })
                .collect()
        } else {
            Vec::new()
        },
        closing,
        monitoring: options.monitoring,
        alerts: Arc::new(tokio::sync::watch::Sender::new(0)),
        events: Arc::new(tokio::sync::watch::Sender::new(0)),
    };
    oauth::register_app_client(&state.db).await?;
    let routes = Router::new()
        .route("/fhir/metadata", get(capability::metadata))
        .route(
            "/fhir/Appointment",
            get(fhir::search_appointments).post(booking::create_appointment),
        )
        .route("/fhir/Appointment/{id}", get(fhir::read_appointment))
        .route(
            "/fhir/Appointment/{id}/_history/{vid}",
            get(fhir::vread_appointment),
        )
        .route(
            "/fhir/Appointment/{id}/$cancel",
            post(booking::cancel_appointment),
        )
        .route(
            "/fhir/Appointment/{id}/$reschedule",
            post(booking::reschedule_appointment),
        )
        .route(
            "/fhir/Appointment/{id}/$check-in",
            post(arrival::patient_check_in),
        )
        .route("/fhir/Encounter", get(encounter::search_encounters))
        .route("/fhir/Encounter/{id}", get(encounter::read_encounter))
        .route(
            "/fhir/Encounter/{id}/_history/{vid}",
            get(encounter::vread_encounter),
        )
        .route("/fhir/Schedule", get(scheduling::search_schedules))
        .route("/fhir/Slot", get(scheduling::search_slots))
        .route("/fhir/Patient/{id}", get(fhir::read_patient))
        .route(
            "/fhir/Patient/{id}/$everything",
            get(everything::everything),
        )
        .route("/fhir/Patient/{id}/$summary", get(summary::summary))
        .route("/api/shares", get(share::list).post(share::create))
        .route("/api/shares/{id}/revoke", post(share::revoke))
        .route("/share", get(share::page::form).post(share::page::open))
        .route("/share/summary", get(share::page::summary))
        // The FHIR base itself takes transaction Bundles, written with or without the slash.
        .route("/fhir", post(transaction::transaction))
        .route("/fhir/", post(transaction::transaction))
        .route("/fhir/MedicationRequest", get(medication::search_requests))
        .route(
            "/fhir/MedicationAdministration",
            get(medication::search_administrations).post(medication::create_administration),
        )
        .route(
            "/fhir/Observation",
            get(observation::search).post(observation::create),
        )
        .route("/fhir/Questionnaire/{id}", get(questionnaire::read))
        .route(
            "/fhir/QuestionnaireResponse",
            get(questionnaire::search_responses).post(questionnaire::create_response),
        )
        .route(
            "/fhir/AllergyIntolerance",
            get(questionnaire::search_allergies),
        )
        .route("/fhir/CarePlan", get(monitoring::plans::search_care_plans))
        .route("/fhir/Flag", get(monitoring::alerts::search_flags))
        .route("/fhir/Consent", get(care_circle::search_consents))
        .route(
            "/fhir/RelatedPerson",
            get(care_circle::search_related_persons),
        )
        .route("/api/care-circle", get(care_circle::circle))
        .route("/api/care-circle/invitations", post(care_circle::invite))
        .route(
            "/api/care-circle/invitations/accept",
            post(care_circle::accept),
        )
        .route(
            "/api/care-circle/consents/{id}/revoke",
            post(care_circle::revoke),
        )
        .route(
            "/api/care-circle/consents/{id}/alerts",
            post(care_circle::set_alert_settings),
        )
        .route("/api/care-circle/alerts", get(care_circle::helper_alerts))
        .route(
            "/api/care-circle/alerts/events",
            get(care_circle::helper_alert_events),
        )
        .route("/api/waitlist", get(waitlist::list).post(waitlist::join))
        .route("/api/waitlist/{id}", delete(waitlist::leave))
        .route("/api/waitlist/offers/{id}/accept", post(waitlist::accept))
        .route("/api/waitlist/offers/{id}/decline", post(waitlist::decline))
        .route("/api/rules", get(rules::rules))
        .route("/api/waiting-times", get(arrival::get_waiting_times))
        .route("/api/waiting-times/events", get(live::waiting_times_events))
        .route("/api/queue/{id}", get(arrival::get_queue_status))
        .route("/api/queue/{id}/events", get(live::queue_events))
        .route("/api/care-team/events", get(live::care_team_events))
        .route("/api/kiosk/check-in", post(arrival::kiosk_check_in))
        .route(
            "/api/kiosk/form",
            get(kiosk_form::read).post(kiosk_form::answer),
        )
        .route(
            "/api/clinics/{clinic}/call-next",
            post(arrival::staff_call_next),
        )
        .route("/api/encounters/{id}/finish", post(arrival::staff_finish))
        .route("/api/car-parks", get(parking::car_parks))
        .route(
            "/api/parking/sessions",
            get(parking::sessions).post(parking::start),
        )
        .route("/api/parking/sessions/{id}/extend", post(parking::extend))
        .route("/api/parking/sessions/{id}/end", post(parking::end))
        .route(
            "/api/parking/concessions",
            get(parking::concessions).post(parking::apply_concession),
        )
        .route(
            "/fhir/.well-known/smart-configuration",
            get(oauth::smart_configuration),
        )
        .route(
            "/.well-known/smart-configuration",
            get(oauth::smart_configuration),
        )
        .route(
            "/auth/authorize",
            get(oauth::authorize_page).post(oauth::authorize_submit),
        )
        .route("/auth/token", post(oauth::token))
        .route("/auth/revoke", post(oauth::revoke))
        .route("/auth/dev/token", post(oauth::dev_token))
        .route("/health", get(|| async { "ok" }))
        .route("/fhir/Communication", get(monitoring::messages::search))
        .route("/fhir/Subscription", post(subscriptions::create))
        .route(
            "/fhir/Subscription/{id}",
            get(subscriptions::read).delete(subscriptions::delete),
        )
        .route(
            "/fhir/Subscription/{id}/$status",
            get(subscriptions::status),
        )
        .route(
            "/fhir/Subscription/{id}/$events",
            get(subscriptions::events),
        )
        .merge(console::routes())
        // Every matched route passes its access rule first (and is audited).
        .route_layer(axum::middleware::from_fn_with_state(
            state.clone(),
            auth::authorize,
        ))
        .fallback(|| async { FhirError::NotFound })
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            subscriptions::wake_after_writes,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            loopback::guard,
        ))
        .layer(axum::middleware::from_fn(
            resource_response::absolute_location,
        ))
        .layer(axum::middleware::from_fn(request_policy::apply))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            origin::trusted_headers,
        ))
        .layer(axum::middleware::from_fn(response_policy::apply))
        .layer(axum::middleware::from_fn(log_request))
        .with_state(state.clone());
    Ok((routes, state))
}

/// Logs method, route template, status and latency. Never the raw URI: its path and query can
/// name a patient.
async fn log_request(req: Request, next: Next) -> Response {
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_else(|| "(unmatched)".to_owned());
    let started = Instant::now();
    let response = next.run(req).await;
    tracing::info!(
        %method,
        route,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
        "request"
    );
    response
}

/// How long [`RunningServer::stop`] lets requests in flight finish.
pub const STOP_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// A server running on a tokio task; dropping the handle does not stop it, [`RunningServer::stop`] does.
#[derive(Debug)]
pub struct RunningServer {
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    closing: tokio::sync::watch::Sender<bool>,
    task: JoinHandle<std::io::Result<()>>,
    /// Background tasks (waitlist sweeper, monitoring timer, demo day); stopped with the server.
    background: Vec<JoinHandle<()>>,
    state: ServerState,
}

impl RunningServer {
    /// The base URL of the FHIR endpoint, e.g. `http://127.0.0.1:41234/fhir`.
    pub fn fhir_base(&self) -> String {
        format!("http://{}/fhir", self.addr)
    }

    /// Runs the monitoring timer's pass now, as if the clock read `now`: for tests, benchmarks
    /// and an operator who will not wait for the next tick.
    pub async fn monitoring_pass(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<monitoring::SweepReport, FhirError> {
        monitoring::sweep::sweep(&self.state, now).await
    }

    /// Raises and lists the alerts for `person` as helper, as if the clock read `now` (what
    /// `GET /api/care-circle/alerts` does at the real time): for tests.
    pub async fn helper_alerts(
        &self,
        person: &str,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<hale_hospital_json::care_circle::HelperAlert>, FhirError> {
        care_circle::raise_and_list(&self.state, person, now).await
    }

    /// Stops accepting connections, ends live streams, lets requests in flight finish (for at
    /// most [`STOP_GRACE`]), and waits for the task.
    pub async fn stop(mut self) -> std::io::Result<()> {
        let _ = self.closing.send(true);
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        for task in &self.background {
            task.abort();
        }
        match tokio::time::timeout(STOP_GRACE, &mut self.task).await {
            Ok(joined) => joined.unwrap_or_else(|e| Err(std::io::Error::other(e))),
            Err(_) => {
                // A client holding a connection open must not keep the server alive.
                self.task.abort();
                Ok(())
            }
        }
    }
}

/// Opens the database, migrates and seeds it as asked, binds, and serves on a tokio task.
pub async fn start(options: &ServerOptions) -> Result<RunningServer, FhirError> {
    // The development sign-in takes a record number and a birth date: never off this machine.
    if options.dev_sign_in && !options.bind.ip().is_loopback() {
        return Err(FhirError::Invalid(format!(
            "the development sign-in is for this machine only; it cannot listen on {}",
            options.bind
        )));
    }
    let db = open_database_keyed(&options.database_url, options.database_key.as_ref()).await?;
    if options.seed_demo {
        demo::seed::ensure_demo(&db, chrono::Utc::now()).await?;
    } else if let Some(found) = demo::credentials::published_in(&db).await? {
        // Published passwords and secrets must never guard a real hospital's patients.
        return Err(FhirError::Invalid(format!(
            "this database holds the demo hospital's published credentials ({found}); \
             start with --demo, or use a database without the demo hospital"
        )));
    }
    let (closing, closing_rx) = tokio::sync::watch::channel(false);
    let (app, state) = router(db, options, closing_rx).await?;
    let listener = TcpListener::bind(options.bind)
        .await
        .map_err(|e| FhirError::Internal(format!("cannot listen on {}: {e}", options.bind)))?;
    let addr = listener
        .local_addr()
        .map_err(|e| FhirError::Internal(e.to_string()))?;
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        // The peer address feeds the sign-in rate limit.
        axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(async {
            let _ = rx.await;
        })
        .await
    });
    let mut background = vec![
        tokio::spawn(waitlist::sweep_forever(state.clone())),
        tokio::spawn(monitoring::sweep::sweep_forever(state.clone())),
        tokio::spawn(subscriptions::delivery::deliver_forever(state.clone())),
        tokio::spawn(db::checkpoint_forever(state.db.clone())),
    ];
    #[cfg(feature = "postgres")]
    if Backend::of(&state.db) == Backend::Postgres {
        background.push(tokio::spawn(live::follow_other_instances(
            options.database_url.clone(),
            vec![
                (db::QUEUE_CHANNEL, state.queue.clone()),
                (db::ALERTS_CHANNEL, state.alerts.clone()),
                (db::EVENTS_CHANNEL, state.events.clone()),
            ],
        )));
    }
    if options.seed_demo && options.simulate_demo_day {
        background.push(tokio::spawn(demo::day::run(state.clone())));
    }
    tracing::info!(%addr, "hospital server listening");
    Ok(RunningServer {
        addr,
        shutdown: Some(tx),
        closing,
        task,
        background,
        state,
    })
}
