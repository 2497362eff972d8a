//! The app's configuration, from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `HALE_HOSPITAL_URL` | FHIR base URL of the hospital to use | the embedded demo hospital |
//! | `HALE_OFFER_POLL_SECONDS` | how often to ask for earlier-slot offers while waiting (1–3600) | 60 |
//! | `HALE_DEMO_SIMULATION` | `off` stops the embedded demo hospital's simulated clinic day | on |
//! | `HALE_KIOSK` (or the `--kiosk` argument) | `1`: run as a check-in kiosk | off |
//! | `HALE_KIOSK_ID`, `HALE_KIOSK_SECRET` | the kiosk's registered device credentials | the demo kiosk, with the demo hospital only |
//! | `HALE_KIOSK_IDLE_SECONDS` | kiosk: back to the start after this long without input (5–3600) | 60 |
//!
//! `HALE_WEBKIT_COMPOSITING` is read before GTK starts, by `webview.rs`.

/// Which hospital the app talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HospitalChoice {
    /// Start the reference server in-process on loopback, seeded with the demo hospital.
    EmbeddedDemo,
    /// A hospital elsewhere, by its FHIR base URL.
    Remote(String),
}

/// How a kiosk signs in and behaves.
#[derive(Clone, PartialEq, Eq)]
pub struct KioskConfig {
    pub client_id: String,
    pub secret: String,
    pub idle_seconds: u32,
}

impl std::fmt::Debug for KioskConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KioskConfig")
            .field("client_id", &self.client_id)
            .field("idle_seconds", &self.idle_seconds)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConfig {
    pub hospital: HospitalChoice,
    /// How often the watch task asks for waitlist offers while the patient waits.
    pub offer_poll: std::time::Duration,
    /// Run the embedded demo hospital's simulated clinic day.
    pub demo_simulation: bool,
    /// Set when the app runs as a check-in kiosk.
    pub kiosk: Option<KioskConfig>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
}

impl AppConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        let kiosk_flag = std::env::args().skip(1).any(|a| a == "--kiosk");
        Self::from_lookup(|name| std::env::var(name).ok(), kiosk_flag)
    }

    /// Reads the configuration through `lookup` (and whether `--kiosk` was given), so tests need
    /// not touch the process environment.
    pub fn from_lookup(
        lookup: impl Fn(&str) -> Option<String>,
        kiosk_flag: bool,
    ) -> Result<Self, ConfigError> {
        let get = |name: &str| {
            lookup(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let hospital = match get("HALE_HOSPITAL_URL") {
            Some(url) => {
                hale_client::HospitalClient::new(&url).map_err(|e| ConfigError::Invalid {
                    name: "HALE_HOSPITAL_URL",
                    message: e.to_string(),
                })?;
                HospitalChoice::Remote(url)
            }
            None => HospitalChoice::EmbeddedDemo,
        };
        let offer_poll = match get("HALE_OFFER_POLL_SECONDS") {
            None => hale_core::watch::WatchOptions::default().offer_poll,
            Some(text) => match text.parse::<u64>() {
                Ok(seconds @ 1..=3600) => std::time::Duration::from_secs(seconds),
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "HALE_OFFER_POLL_SECONDS",
                        message: format!(
                            "'{text}' is not a whole number of seconds from 1 to 3600"
                        ),
                    })
                }
            },
        };
        let demo_simulation = !matches!(
            get("HALE_DEMO_SIMULATION").as_deref(),
            Some("off" | "0" | "false" | "no")
        );
        let kiosk_on = kiosk_flag
            || matches!(
                get("HALE_KIOSK").as_deref(),
                Some("1" | "true" | "yes" | "on")
            );
        let kiosk = if kiosk_on {
            let (client_id, secret) =
                match (get("HALE_KIOSK_ID"), get("HALE_KIOSK_SECRET")) {
                    (Some(id), Some(secret)) => (id, secret),
                    // The demo kiosk's credentials only open the demo hospital.
                    (None, None) if hospital == HospitalChoice::EmbeddedDemo => (
                        hale_server::demo::seed::DEMO_KIOSK.id.to_owned(),
                        hale_server::demo::seed::DEMO_KIOSK.secret.to_owned(),
                    ),
                    _ => return Err(ConfigError::Invalid {
                        name: "HALE_KIOSK_ID",
                        message:
                            "a kiosk for another hospital needs HALE_KIOSK_ID and HALE_KIOSK_SECRET"
                                .into(),
                    }),
                };
            let idle_seconds = match get("HALE_KIOSK_IDLE_SECONDS") {
                None => 60,
                Some(text) => match text.parse::<u32>() {
                    Ok(s @ 5..=3600) => s,
                    _ => {
                        return Err(ConfigError::Invalid {
                            name: "HALE_KIOSK_IDLE_SECONDS",
                            message: format!("'{text}' is not a whole number from 5 to 3600"),
                        })
                    }
                },
            };
            Some(KioskConfig {
                client_id,
                secret,
                idle_seconds,
            })
        } else {
            None
        };
        Ok(Self {
            hospital,
            offer_poll,
            demo_simulation,
            kiosk,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<AppConfig, String> {
        AppConfig::from_lookup(
            |name| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| (*v).to_owned())
            },
            false,
        )
        .map_err(|e| e.to_string())
    }

    #[test]
    fn kiosk_mode_takes_credentials_and_an_idle_timeout() {
        assert_eq!(config(&[]).unwrap().kiosk, None);
        let demo = config(&[("HALE_KIOSK", "1")]).unwrap().kiosk.unwrap();
        assert_eq!(demo.client_id, hale_server::demo::seed::DEMO_KIOSK.id);
        assert_eq!(demo.idle_seconds, 60);
        // Another hospital's kiosk must bring its own credentials.
        let e = config(&[
            ("HALE_KIOSK", "1"),
            ("HALE_HOSPITAL_URL", "https://h.example/fhir"),
        ])
        .unwrap_err();
        assert!(e.starts_with("HALE_KIOSK_ID"), "{e}");
        let k = config(&[
            ("HALE_KIOSK", "yes"),
            ("HALE_HOSPITAL_URL", "https://h.example/fhir"),
            ("HALE_KIOSK_ID", "kiosk-7"),
            ("HALE_KIOSK_SECRET", "s3cret"),
            ("HALE_KIOSK_IDLE_SECONDS", "30"),
        ])
        .unwrap()
        .kiosk
        .unwrap();
        assert_eq!((k.client_id.as_str(), k.idle_seconds), ("kiosk-7", 30));
        assert!(!format!("{k:?}").contains("s3cret"), "no secret in Debug");
        let e = config(&[("HALE_KIOSK", "1"), ("HALE_KIOSK_IDLE_SECONDS", "1")]).unwrap_err();
        assert!(e.starts_with("HALE_KIOSK_IDLE_SECONDS"), "{e}");
        assert!(
            !config(&[("HALE_DEMO_SIMULATION", "off")])
                .unwrap()
                .demo_simulation
        );
        assert!(config(&[]).unwrap().demo_simulation);
    }

    #[test]
    fn defaults_to_the_embedded_demo_hospital() {
        let c = config(&[]).unwrap();
        assert_eq!(c.hospital, HospitalChoice::EmbeddedDemo);
    }

    #[test]
    fn a_hospital_url_selects_a_remote_hospital() {
        let c = config(&[("HALE_HOSPITAL_URL", " https://fhir.example.org/r4 ")]).unwrap();
        assert_eq!(
            c.hospital,
            HospitalChoice::Remote("https://fhir.example.org/r4".into())
        );
        // Blank means unset.
        assert_eq!(
            config(&[("HALE_HOSPITAL_URL", "  ")]).unwrap().hospital,
            HospitalChoice::EmbeddedDemo
        );
    }

    #[test]
    fn bad_values_name_the_variable() {
        let e = config(&[("HALE_HOSPITAL_URL", "ftp://x")]).unwrap_err();
        assert!(e.starts_with("HALE_HOSPITAL_URL"), "{e}");
        for bad in ["0", "-1", "3601", "soon"] {
            let e = config(&[("HALE_OFFER_POLL_SECONDS", bad)]).unwrap_err();
            assert!(e.starts_with("HALE_OFFER_POLL_SECONDS"), "{e}");
        }
        let c = config(&[("HALE_OFFER_POLL_SECONDS", "2")]).unwrap();
        assert_eq!(c.offer_poll, std::time::Duration::from_secs(2));
    }
}
