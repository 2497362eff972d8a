//! The app's configuration, from the environment.
//!
//! | variable | meaning | default |
//! |---|---|---|
//! | `HALE_HOSPITAL_URL` | FHIR base URL of the hospital to use | the embedded demo hospital |
//! | `HALE_PATIENT_MRN` | medical record number for the development sign-in | the demo patient |
//! | `HALE_PATIENT_BIRTH_DATE` | date of birth (YYYY-MM-DD) for the development sign-in | the demo patient |
//! | `HALE_OFFER_POLL_SECONDS` | how often to ask for earlier-slot offers while waiting (1–3600) | 60 |

use chrono::NaiveDate;
use hale_core::Identity;
use hale_server::seed::DEMO_PATIENT;

/// Which hospital the app talks to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HospitalChoice {
    /// Start the reference server in-process on loopback, seeded with the demo hospital.
    EmbeddedDemo,
    /// A hospital elsewhere, by its FHIR base URL.
    Remote(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppConfig {
    pub hospital: HospitalChoice,
    pub identity: Identity,
    /// How often the watch task asks for waitlist offers while the patient waits.
    pub offer_poll: std::time::Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{name}: {message}")]
    Invalid { name: &'static str, message: String },
}

impl AppConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads the configuration through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
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
        let identifier = get("HALE_PATIENT_MRN").unwrap_or_else(|| DEMO_PATIENT.mrn.to_owned());
        let birth_date =
            get("HALE_PATIENT_BIRTH_DATE").unwrap_or_else(|| DEMO_PATIENT.birth_date.to_owned());
        let birth_date = NaiveDate::parse_from_str(&birth_date, "%Y-%m-%d").map_err(|e| {
            ConfigError::Invalid {
                name: "HALE_PATIENT_BIRTH_DATE",
                message: format!("'{birth_date}' is not YYYY-MM-DD: {e}"),
            }
        })?;
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
        Ok(Self {
            hospital,
            identity: Identity::Development {
                identifier,
                birth_date,
            },
            offer_poll,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(vars: &[(&str, &str)]) -> Result<AppConfig, String> {
        AppConfig::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
        .map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_to_the_embedded_demo_hospital_and_patient() {
        let c = config(&[]).unwrap();
        assert_eq!(c.hospital, HospitalChoice::EmbeddedDemo);
        let Identity::Development { identifier, .. } = c.identity;
        assert_eq!(identifier, DEMO_PATIENT.mrn);
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
        let e = config(&[("HALE_PATIENT_BIRTH_DATE", "12/06/1984")]).unwrap_err();
        assert!(e.starts_with("HALE_PATIENT_BIRTH_DATE"), "{e}");
        for bad in ["0", "-1", "3601", "soon"] {
            let e = config(&[("HALE_OFFER_POLL_SECONDS", bad)]).unwrap_err();
            assert!(e.starts_with("HALE_OFFER_POLL_SECONDS"), "{e}");
        }
        let c = config(&[("HALE_OFFER_POLL_SECONDS", "2")]).unwrap();
        assert_eq!(c.offer_poll, std::time::Duration::from_secs(2));
    }
}
