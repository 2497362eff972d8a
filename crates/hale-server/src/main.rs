//! `hale-hospital`: the reference hospital server on its own.

use std::net::SocketAddr;

use std::sync::Arc;

use hale_server::payments::Sandbox;
use hale_server::ServerOptions;

const USAGE: &str = "\
hale-hospital: Hale's reference hospital server (FHIR R4 over HTTP)

USAGE: hale-hospital [--database URL] [--bind ADDR] [--waitlist-hold MINUTES]
                     [--helper-days DAYS] [--helper-missed-after MINUTES]
                     [--trusted-proxy IP]... [--payments PROVIDER]
                     [--demo [--no-simulation] [--dev-sign-in]]

  --database URL     sqlite://FILE, or postgres://USER@HOST/DB shared by several instances
                     [env HALE_DATABASE_URL, default sqlite://hale-hospital.db]
  --bind ADDR        address to listen on   [env HALE_BIND, default 127.0.0.1:8080]
  --waitlist-hold M  minutes a freed slot is held for a waiting patient   [default 15]
  --helper-days D    days an adult patient's invitation lets a helper in before it ends
                     by itself (the patient can invite them again)   [default 365]
  --helper-missed-after M  minutes after a dose was due that a helper who chose to be
                     told hears it has no record (15 to 240)   [default 60]
  --trusted-proxy IP a load balancer or reverse proxy in front of the server, whose
                     Forwarded / X-Forwarded-For headers name the client (repeatable)
  --payments NAME    the card processor for parking: `sandbox` (the test-mode processor,
                     with --demo only). Without one, parking cannot be paid for.
  --demo             seed (or top up) the demo hospital, with its published logins and
                     the sandbox card processor. Never for real patients: without it the
                     server refuses a database that holds the demo's credentials.
  --no-simulation    with --demo: do not run the demo's simulated clinic day
  --dev-sign-in      with --demo, on loopback: the development sign-in (POST /auth/dev/token)
";

fn parse_args() -> Result<ServerOptions, String> {
    let database = std::env::var("HALE_DATABASE_URL")
        .unwrap_or_else(|_| "sqlite://hale-hospital.db".to_owned());
    let bind = std::env::var("HALE_BIND")
        .unwrap_or_else(|_| "127.0.0.1:8080".to_owned())
        .parse()
        .map_err(|e| format!("HALE_BIND: {e}"))?;
    let mut options = ServerOptions::hospital(database, bind);
    let (mut demo, mut simulate, mut payments) = (false, true, None::<String>);
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--database" => options.database_url = args.next().ok_or("--database needs a URL")?,
            "--bind" => {
                let value = args.next().ok_or("--bind needs an address")?;
                options.bind = value
                    .parse::<SocketAddr>()
                    .map_err(|e| format!("--bind {value}: {e}"))?;
            }
            "--waitlist-hold" => {
                let value = args.next().ok_or("--waitlist-hold needs minutes")?;
                let minutes: u16 = value
                    .parse()
                    .map_err(|e| format!("--waitlist-hold {value}: {e}"))?;
                if minutes == 0 {
                    return Err("--waitlist-hold must be at least 1 minute".into());
                }
                options.waitlist.hold = chrono::Duration::minutes(i64::from(minutes));
            }
            "--helper-days" => {
                let value = args.next().ok_or("--helper-days needs a number of days")?;
                let days: u16 = value
                    .parse()
                    .map_err(|e| format!("--helper-days {value}: {e}"))?;
                if days == 0 {
                    return Err("--helper-days must be at least 1 day".into());
                }
                options.helper_period = chrono::Duration::days(i64::from(days));
            }
            "--helper-missed-after" => {
                let value = args.next().ok_or("--helper-missed-after needs minutes")?;
                let minutes: u16 = value
                    .parse()
                    .map_err(|e| format!("--helper-missed-after {value}: {e}"))?;
                // Under a quarter of an hour would ring while the patient is still taking it;
                // over four hours, a dose is old news before anyone hears of it.
                let max = hale_domain::care_circle::alerts::HELPER_MISSED_AFTER_MAX.num_minutes();
                if !(15..=max).contains(&i64::from(minutes)) {
                    return Err(format!("--helper-missed-after must be 15 to {max} minutes"));
                }
                options.helper_missed_after = chrono::Duration::minutes(i64::from(minutes));
            }
            "--trusted-proxy" => {
                let value = args.next().ok_or("--trusted-proxy needs an address")?;
                options.trusted_proxies.push(
                    value
                        .parse()
                        .map_err(|e| format!("--trusted-proxy {value}: {e}"))?,
                );
            }
            "--payments" => payments = Some(args.next().ok_or("--payments needs a provider")?),
            "--demo" => demo = true,
            "--no-simulation" => simulate = false,
            "--dev-sign-in" => options.dev_sign_in = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument '{other}'")),
        }
    }
    if options.dev_sign_in && !demo {
        return Err("--dev-sign-in is for the demo hospital: add --demo".into());
    }
    options.seed_demo = demo;
    options.simulate_demo_day = demo && simulate;
    options.payments = match (payments.as_deref(), demo) {
        (None, false) => None,
        (None | Some("sandbox"), true) => Some(Arc::new(Sandbox::default())),
        (Some("sandbox"), false) => {
            return Err("the sandbox card processor approves made-up cards: --demo only".into())
        }
        (Some(other), _) => return Err(format!("unknown card processor '{other}'")),
    };
    Ok(options)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .init();
    let options = match parse_args() {
        Ok(o) => o,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}\n");
            }
            eprint!("{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    let server = match hale_server::start(&options).await {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    eprintln!("FHIR endpoint: {}", server.fhir_base());
    let _ = tokio::signal::ctrl_c().await;
    let _ = server.stop().await;
    std::process::ExitCode::SUCCESS
}
