//! Hospital parking: vehicle registrations, tariffs and concessions, as plain rules.
//!
//! A tariff is data: bands of stay length with their prices (e.g. the first 20 minutes free,
//! then up to 1 hour, up to 2 hours, …) and a daily cap. A stay is priced on its real elapsed
//! time, so a stay across midnight or across a daylight-saving change costs what its minutes
//! cost: one hour in the car park is one hour whatever the clocks did. Stays longer than a day
//! pay the cap for each whole 24 hours and the band price (capped) for the rest.
//!
//! Money is whole pence (`u32`), never floating point.

use std::fmt;

use chrono::Duration;
use serde::{Deserialize, Serialize};

use crate::RefusalCode;

mod card;
mod overview;
mod records;

pub use card::{check_card, expiry_ok, luhn};
pub use overview::{overview, CarParkOffer, ParkingOverview, Stay};
pub use records::{
    CarPark, Card, Concession, ConcessionApplication, ConcessionStatus, ParkingSession, Purchase,
    Receipt, ReceiptPurpose,
};

/// A UK vehicle registration, normalised: upper case, no spaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Registration(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidRegistration {
    #[error("a registration has 2 to 7 letters and digits")]
    Length,
    #[error("a registration has only letters and digits")]
    Characters,
    #[error("that is not a UK registration format")]
    Format,
}

impl Registration {
    /// Parses current (AB12 CDE), prefix (A123 BCD), suffix (ABC 123D) and dateless (1234 AB,
    /// ABC 123) formats, ignoring spaces and case.
    pub fn parse(text: &str) -> Result<Self, InvalidRegistration> {
        let s: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .collect::<String>()
            .to_uppercase();
        if !(2..=7).contains(&s.len()) {
            return Err(InvalidRegistration::Length);
        }
        if !s.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(InvalidRegistration::Characters);
        }
        // Shape: L for a letter, D for a digit, runs collapsed with their lengths.
        let shape: String = s
            .chars()
            .map(|c| if c.is_ascii_digit() { 'D' } else { 'L' })
            .collect();
        let valid = matches!(shape.as_str(), "LLDDLLL") // current, 2001 onwards
            || is_runs(&shape, &[('L', 1, 1), ('D', 1, 3), ('L', 3, 3)]) // prefix
            || is_runs(&shape, &[('L', 3, 3), ('D', 1, 3), ('L', 1, 1)]) // suffix
            || is_runs(&shape, &[('D', 1, 4), ('L', 1, 3)]) // dateless
            || is_runs(&shape, &[('L', 1, 3), ('D', 1, 4)]); // dateless
        if valid {
            Ok(Self(s))
        } else {
            Err(InvalidRegistration::Format)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Whether `shape` is exactly the runs given as (kind, min length, max length).
fn is_runs(shape: &str, runs: &[(char, usize, usize)]) -> bool {
    let mut rest = shape;
    for &(kind, min, max) in runs {
        let n = rest.chars().take_while(|c| *c == kind).count();
        if n < min || n > max {
            return false;
        }
        rest = &rest[n..];
    }
    rest.is_empty()
}

impl TryFrom<String> for Registration {
    type Error = InvalidRegistration;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<Registration> for String {
    fn from(r: Registration) -> Self {
        r.0
    }
}

impl fmt::Display for Registration {
    /// Shown as on the plate: "AB12 CDE", "A123 BCD", "ABC 123D", "1234 AB", "ABC 1".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = &self.0;
        let shape: String = s
            .chars()
            .map(|c| if c.is_ascii_digit() { 'D' } else { 'L' })
            .collect();
        let first_run = shape.chars().take_while(|c| shape.starts_with(*c)).count();
        let last_run = shape
            .chars()
            .rev()
            .take_while(|c| shape.ends_with(*c))
            .count();
        // Suffix plates and letters-first dateless ones break after the letters; the rest
        // before the final letters.
        let split = if is_runs(&shape, &[('L', 3, 3), ('D', 1, 3), ('L', 1, 1)])
            || is_runs(&shape, &[('L', 1, 3), ('D', 1, 4)])
        {
            first_run
        } else {
            s.len() - last_run
        };
        if split == 0 || split >= s.len() {
            f.write_str(s)
        } else {
            write!(f, "{} {}", &s[..split], &s[split..])
        }
    }
}

/// A vehicle's own name ("Blue Fiesta") is at most this many characters.
pub const VEHICLE_LABEL_MAX: usize = 40;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a vehicle's name is up to {VEHICLE_LABEL_MAX} printable characters")]
pub struct InvalidVehicleLabel;

/// A vehicle's own name, trimmed; blank means none.
pub fn vehicle_label(label: Option<&str>) -> Result<Option<String>, InvalidVehicleLabel> {
    match label.map(str::trim).filter(|l| !l.is_empty()) {
        None => Ok(None),
        Some(l) if l.chars().count() <= VEHICLE_LABEL_MAX && !l.chars().any(char::is_control) => {
            Ok(Some(l.to_owned()))
        }
        Some(_) => Err(InvalidVehicleLabel),
    }
}

/// One band: stays up to `up_to_minutes` cost `pence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Band {
    pub up_to_minutes: u32,
    pub pence: u32,
}

/// A car park's tariff.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tariff {
    /// Ascending by `up_to_minutes`; the last band should reach 24 hours.
    pub bands: Vec<Band>,
    /// The most a stay pays per 24 hours.
    pub daily_cap_pence: u32,
}

/// What a concession does to the price.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Relief {
    Free,
    /// Percent off, 1 to 99.
    PercentOff {
        percent: u8,
    },
    /// A lower daily cap.
    DailyCap {
        pence: u32,
    },
}

const DAY_MINUTES: i64 = 24 * 60;

impl Tariff {
    /// The price of a stay of `stay`, before concessions. A partial minute counts as a minute.
    pub fn price(&self, stay: Duration) -> u32 {
        self.price_with_cap(stay, self.daily_cap_pence)
    }

    fn price_with_cap(&self, stay: Duration, cap: u32) -> u32 {
        let minutes = (stay.num_seconds().max(0) + 59) / 60;
        let days = minutes / DAY_MINUTES;
        let rest = minutes % DAY_MINUTES;
        let whole_days = u32::try_from(days).unwrap_or(u32::MAX).saturating_mul(cap);
        let rest_price = if rest == 0 {
            0
        } else {
            self.band_price(rest).min(cap)
        };
        whole_days.saturating_add(rest_price)
    }

    /// The price of the first band reaching `minutes`; past the last band, the cap.
    fn band_price(&self, minutes: i64) -> u32 {
        self.bands
            .iter()
            .find(|b| i64::from(b.up_to_minutes) >= minutes)
            .map_or(self.daily_cap_pence, |b| b.pence)
    }

    /// The most generous of `reliefs` for a stay of `stay`: the one the hospital applies.
    pub fn best_relief(&self, stay: Duration, reliefs: &[Relief]) -> Option<Relief> {
        reliefs
            .iter()
            .copied()
            .min_by_key(|r| self.price_with(stay, Some(*r)))
    }

    /// What is still due to make a stay that started at `started` end at `until`, when
    /// `paid` is paid already, with the best of `reliefs`.
    pub fn due(
        &self,
        started: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
        paid: u32,
        reliefs: &[Relief],
    ) -> u32 {
        let stay = until - started;
        self.price_with(stay, self.best_relief(stay, reliefs))
            .saturating_sub(paid)
    }

    /// The price of a stay of `stay` with `relief` applied.
    pub fn price_with(&self, stay: Duration, relief: Option<Relief>) -> u32 {
        match relief {
            None => self.price(stay),
            Some(Relief::Free) => 0,
            Some(Relief::PercentOff { percent }) => {
                let full = u64::from(self.price(stay));
                let off = u64::from(percent.min(100));
                // Round the discounted price down to the penny, in the patient's favour.
                u32::try_from(full * (100 - off) / 100).unwrap_or(u32::MAX)
            }
            Some(Relief::DailyCap { pence }) => {
                self.price_with_cap(stay, pence.min(self.daily_cap_pence))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tariff() -> Tariff {
        Tariff {
            bands: vec![
                Band {
                    up_to_minutes: 20,
                    pence: 0,
                },
                Band {
                    up_to_minutes: 60,
                    pence: 250,
                },
                Band {
                    up_to_minutes: 120,
                    pence: 400,
                },
                Band {
                    up_to_minutes: 240,
                    pence: 700,
                },
                Band {
                    up_to_minutes: 1440,
                    pence: 1200,
                },
            ],
            daily_cap_pence: 1000,
        }
    }

    fn m(minutes: i64) -> Duration {
        Duration::minutes(minutes)
    }

    #[test]
    fn registrations_in_every_uk_format_and_nothing_else() {
        for (typed, stored, shown) in [
            ("ab12 cde", "AB12CDE", "AB12 CDE"),
            ("A123 BCD", "A123BCD", "A123 BCD"),
            ("ABC 123D", "ABC123D", "ABC 123D"),
            ("1234 AB", "1234AB", "1234 AB"),
            ("abc 1", "ABC1", "ABC 1"),
        ] {
            let r = Registration::parse(typed).unwrap();
            assert_eq!(
                (r.as_str(), r.to_string().as_str()),
                (stored, shown),
                "{typed}"
            );
        }
        assert_eq!(Registration::parse("A"), Err(InvalidRegistration::Length));
        assert_eq!(
            Registration::parse("AB12CDEF"),
            Err(InvalidRegistration::Length)
        );
        assert_eq!(
            Registration::parse("AB12 CD!"),
            Err(InvalidRegistration::Characters)
        );
        for bad in ["ABCDEFG", "1234567", "A1B2C3", "AB123CD", "ABCD12"] {
            assert_eq!(
                Registration::parse(bad),
                Err(InvalidRegistration::Format),
                "{bad}"
            );
        }
    }

    #[test]
    fn every_band_boundary() {
        let t = tariff();
        for (minutes, pence) in [
            (0, 0),
            (20, 0),
            (21, 250),
            (60, 250),
            (61, 400),
            (120, 400),
            (121, 700),
            (240, 700),
            // 4 h 1 min would be 12.00 by band, but the daily cap is 10.00.
            (241, 1000),
            (1440, 1000),
        ] {
            assert_eq!(t.price(m(minutes)), pence, "{minutes} min");
        }
        // A partial minute is a minute.
        assert_eq!(t.price(Duration::seconds(20 * 60 + 1)), 250);
    }

    #[test]
    fn long_stays_pay_the_cap_per_day_then_the_band() {
        let t = tariff();
        assert_eq!(
            t.price(m(1441)),
            1000,
            "a day and a minute: the minute is free"
        );
        assert_eq!(t.price(m(1440 + 30)), 1250);
        assert_eq!(t.price(m(2 * 1440 + 300)), 3000);
    }

    #[test]
    fn a_stay_across_midnight_or_a_clock_change_costs_its_real_minutes() {
        use chrono::{TimeZone, Utc};
        use chrono_tz::Europe::London;
        let t = tariff();
        // 23:30 to 00:45 the next day: 75 minutes.
        let a = Utc.with_ymd_and_hms(2026, 12, 1, 23, 30, 0).unwrap();
        let b = Utc.with_ymd_and_hms(2026, 12, 2, 0, 45, 0).unwrap();
        assert_eq!(t.price(b - a), 400);
        // 00:30 to 02:30 on the wall clock on 29 March 2026 in London is one real hour.
        let a = London.with_ymd_and_hms(2026, 3, 29, 0, 30, 0).unwrap();
        let b = London.with_ymd_and_hms(2026, 3, 29, 2, 30, 0).unwrap();
        assert_eq!(b - a, m(60));
        assert_eq!(t.price(b - a), 250);
        // 00:30 to 01:30 (second time) on 25 October 2026 is two real hours.
        let a = London.with_ymd_and_hms(2026, 10, 25, 0, 30, 0).unwrap();
        let b = London
            .with_ymd_and_hms(2026, 10, 25, 1, 30, 0)
            .latest()
            .unwrap();
        assert_eq!(t.price(b - a), 400);
    }

    #[test]
    fn each_concession() {
        let t = tariff();
        assert_eq!(t.price_with(m(90), Some(Relief::Free)), 0);
        assert_eq!(
            t.price_with(m(90), Some(Relief::PercentOff { percent: 50 })),
            200
        );
        // 2.50 less 33 % is 1.675: rounded down to 1.67.
        assert_eq!(
            t.price_with(m(45), Some(Relief::PercentOff { percent: 33 })),
            167
        );
        assert_eq!(
            t.price_with(m(300), Some(Relief::DailyCap { pence: 300 })),
            300
        );
        assert_eq!(
            t.price_with(m(30), Some(Relief::DailyCap { pence: 300 })),
            250
        );
        assert_eq!(
            t.price_with(m(2 * 1440), Some(Relief::DailyCap { pence: 300 })),
            600
        );
        // A "cap" above the tariff's own never raises the price.
        assert_eq!(
            t.price_with(m(300), Some(Relief::DailyCap { pence: 5000 })),
            1000
        );
        assert_eq!(t.price_with(m(90), None), 400);
    }
}

/// The concessions a patient may apply for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConcessionKind {
    BlueBadge,
    FrequentAttender,
    ParentOfInpatient,
}

impl ConcessionKind {
    pub fn code(self) -> &'static str {
        match self {
            Self::BlueBadge => "blue_badge",
            Self::FrequentAttender => "frequent_attender",
            Self::ParentOfInpatient => "parent_of_inpatient",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [
            Self::BlueBadge,
            Self::FrequentAttender,
            Self::ParentOfInpatient,
        ]
        .into_iter()
        .find(|k| k.code() == code)
    }
}

/// What the hospital knows when it decides, gathered from its own records.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ConcessionFacts {
    /// The patient's blue badge as the hospital's register has it.
    pub blue_badge: BadgeOnRegister,
    /// The visits the patient attended in the policy's window before now (bookings do not
    /// count: anyone can book).
    pub visits_in_window: u32,
    /// Whether the hospital has a child of the patient's admitted now.
    pub child_admitted: bool,
}

/// A blue badge looked up in the hospital's register.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BadgeOnRegister {
    /// No number given, or not one in the form badges have.
    #[default]
    Malformed,
    /// A well-formed number the register does not have.
    NotRegistered,
    /// On the register, valid until this day (the register's date, not the patient's).
    ValidUntil(chrono::NaiveDate),
}

/// The hospital's concession rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConcessionPolicy {
    pub frequent_visits: u32,
    pub frequent_window_days: u32,
    pub blue_badge: Relief,
    pub frequent_attender: Relief,
    pub parent_of_inpatient: Relief,
}

impl Default for ConcessionPolicy {
    /// Modelled on NHS England's guidance: free for blue badge holders, reduced for frequent
    /// outpatient attenders, capped for parents staying with a sick child.
    fn default() -> Self {
        Self {
            frequent_visits: 3,
            frequent_window_days: 30,
            blue_badge: Relief::Free,
            frequent_attender: Relief::PercentOff { percent: 50 },
            parent_of_inpatient: Relief::DailyCap { pence: 300 },
        }
    }
}

/// The decision on an application, with its reason in words the patient can read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConcessionDecision {
    Approved { relief: Relief, reason: String },
    Refused { reason: String },
}

impl ConcessionPolicy {
    pub fn decide(
        &self,
        kind: ConcessionKind,
        facts: &ConcessionFacts,
        today: chrono::NaiveDate,
    ) -> ConcessionDecision {
        use ConcessionDecision::{Approved, Refused};
        match kind {
            ConcessionKind::BlueBadge => match facts.blue_badge {
                BadgeOnRegister::ValidUntil(until) if until >= today => Approved {
                    relief: self.blue_badge,
                    reason: format!("Blue badge valid until {}", until.format("%-d %B %Y")),
                },
                BadgeOnRegister::ValidUntil(_) => Refused {
                    reason: "The blue badge has expired".into(),
                },
                BadgeOnRegister::NotRegistered => Refused {
                    reason: "The hospital has no record of this blue badge; please show it at \
                             reception"
                        .into(),
                },
                BadgeOnRegister::Malformed => Refused {
                    reason: "The blue badge number is not in the right format".into(),
                },
            },
            ConcessionKind::FrequentAttender => {
                let (n, days) = (facts.visits_in_window, self.frequent_window_days);
                if n >= self.frequent_visits {
                    Approved {
                        relief: self.frequent_attender,
                        reason: format!("{n} hospital visits in the last {days} days"),
                    }
                } else {
                    Refused {
                        reason: format!(
                            "{n} hospital visits in the last {days} days; {} are needed",
                            self.frequent_visits
                        ),
                    }
                }
            }
            ConcessionKind::ParentOfInpatient => {
                if facts.child_admitted {
                    Approved {
                        relief: self.parent_of_inpatient,
                        reason: "Your child is staying in hospital".into(),
                    }
                } else {
                    Refused {
                        reason: "The hospital has no child of yours admitted now".into(),
                    }
                }
            }
        }
    }
}

/// Whether a blue badge number looks like one: 9 to 20 letters and digits.
pub fn blue_badge_number_ok(number: &str) -> bool {
    let n: String = number.chars().filter(|c| !c.is_whitespace()).collect();
    (9..=20).contains(&n.len()) && n.chars().all(|c| c.is_ascii_alphanumeric())
}

#[cfg(test)]
mod concession_tests {
    use super::*;
    use chrono::NaiveDate;

    fn day(d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, d).unwrap()
    }

    #[test]
    fn a_badge_the_register_does_not_have_is_refused_with_what_to_do() {
        let facts = ConcessionFacts {
            blue_badge: BadgeOnRegister::NotRegistered,
            visits_in_window: 0,
            child_admitted: false,
        };
        let decision =
            ConcessionPolicy::default().decide(ConcessionKind::BlueBadge, &facts, day(1));
        assert!(
            matches!(&decision, ConcessionDecision::Refused { reason } if reason.contains("reception")),
            "{decision:?}"
        );
    }

    #[test]
    fn each_concession_is_decided_with_a_reason() {
        let p = ConcessionPolicy::default();
        let facts = |badge: Option<NaiveDate>, visits, child| ConcessionFacts {
            blue_badge: badge.map_or(BadgeOnRegister::Malformed, BadgeOnRegister::ValidUntil),
            visits_in_window: visits,
            child_admitted: child,
        };
        use ConcessionDecision::*;
        use ConcessionKind::*;
        assert_eq!(
            p.decide(BlueBadge, &facts(Some(day(31)), 0, false), day(1)),
            Approved {
                relief: Relief::Free,
                reason: "Blue badge valid until 31 December 2026".into()
            }
        );
        assert!(matches!(
            p.decide(BlueBadge, &facts(Some(day(1)), 0, false), day(2)),
            Refused { .. }
        ));
        assert!(matches!(
            p.decide(BlueBadge, &facts(None, 0, false), day(2)),
            Refused { .. }
        ));
        assert_eq!(
            p.decide(FrequentAttender, &facts(None, 2, false), day(1)),
            Refused {
                reason: "2 hospital visits in the last 30 days; 3 are needed".into()
            }
        );
        assert!(matches!(
            p.decide(FrequentAttender, &facts(None, 3, false), day(1)),
            Approved {
                relief: Relief::PercentOff { percent: 50 },
                ..
            }
        ));
        assert!(matches!(
            p.decide(ParentOfInpatient, &facts(None, 0, true), day(1)),
            Approved {
                relief: Relief::DailyCap { pence: 300 },
                ..
            }
        ));
        assert!(matches!(
            p.decide(ParentOfInpatient, &facts(None, 9, false), day(1)),
            Refused { .. }
        ));
    }

    #[test]
    fn blue_badge_numbers() {
        assert!(blue_badge_number_ok("AB12 3456 7890 1234"));
        assert!(!blue_badge_number_ok("1234"));
        assert!(!blue_badge_number_ok("AB12-3456-7890"));
    }
}

/// Why a parking request is refused. Each has a stable wire code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParkingRefusal {
    #[error("invalid registration: {0}")]
    InvalidRegistration(#[from] InvalidRegistration),
    #[error("the car park is full")]
    CarParkFull,
    #[error("the card was declined")]
    CardDeclined,
    #[error("the card has insufficient funds")]
    InsufficientFunds,
    #[error("the card details are not valid")]
    InvalidCard,
    #[error("this parking session is over")]
    SessionOver,
    #[error("parking is bought for 15 minutes to 24 hours at a time")]
    BadDuration,
    /// The amount the app showed is not what is due now (a concession ended since, say):
    /// nothing is charged, and the app shows the new price.
    #[error("the price has changed since it was shown")]
    PriceChanged,
    /// No card was given and none is saved for this session.
    #[error("a card is needed for this payment")]
    CardNeeded,
}

impl ParkingRefusal {
    /// Its kind on the wire.
    pub fn refusal_code(&self) -> RefusalCode {
        match self {
            Self::InvalidRegistration(_) => RefusalCode::InvalidRegistration,
            Self::CarParkFull => RefusalCode::CarParkFull,
            Self::CardDeclined => RefusalCode::CardDeclined,
            Self::InsufficientFunds => RefusalCode::InsufficientFunds,
            Self::InvalidCard => RefusalCode::InvalidCard,
            Self::SessionOver => RefusalCode::SessionOver,
            Self::PriceChanged => RefusalCode::PriceChanged,
            Self::CardNeeded => RefusalCode::CardNeeded,
            Self::BadDuration => RefusalCode::BadDuration,
        }
    }

    /// Its stable wire code (FHIR `OperationOutcome.issue.details`).
    pub fn code(&self) -> &'static str {
        self.refusal_code().code()
    }
}

/// Checks a bought duration: whole minutes, 15 minutes to 24 hours.
pub fn check_minutes(minutes: u32) -> Result<Duration, ParkingRefusal> {
    if (15..=24 * 60).contains(&minutes) {
        Ok(Duration::minutes(i64::from(minutes)))
    } else {
        Err(ParkingRefusal::BadDuration)
    }
}

/// The lengths of parking the app offers, in minutes.
pub const CHOICES: [u32; 5] = [30, 60, 120, 240, 480];

/// If a visit expected to end at `visit_ends` outlasts parking that runs out at `expires`, the
/// shortest offered extension that covers it (the longest when none does).
pub fn extension_needed(
    expires: chrono::DateTime<chrono::Utc>,
    visit_ends: chrono::DateTime<chrono::Utc>,
) -> Option<u32> {
    let short = visit_ends - expires;
    if short <= Duration::zero() {
        return None;
    }
    let minutes = (short.num_seconds() + 59) / 60;
    Some(
        CHOICES
            .iter()
            .copied()
            .find(|c| i64::from(*c) >= minutes)
            .unwrap_or(CHOICES[CHOICES.len() - 1]),
    )
}

#[cfg(test)]
mod extension_tests {
    use super::*;

    #[test]
    fn vehicle_names_are_short_and_printable() {
        assert_eq!(vehicle_label(None), Ok(None));
        assert_eq!(vehicle_label(Some("  ")), Ok(None));
        assert_eq!(
            vehicle_label(Some(" Blue Fiesta ")),
            Ok(Some("Blue Fiesta".into()))
        );
        assert_eq!(
            vehicle_label(Some(&"x".repeat(40))).map(|l| l.map(|l| l.len())),
            Ok(Some(40))
        );
        assert_eq!(
            vehicle_label(Some(&"x".repeat(41))),
            Err(InvalidVehicleLabel)
        );
        assert_eq!(vehicle_label(Some("car\u{0}")), Err(InvalidVehicleLabel));
    }
    use chrono::{TimeZone, Utc};

    #[test]
    fn an_extension_covers_the_shortfall_with_the_nearest_offered_length() {
        let expires = Utc.with_ymd_and_hms(2026, 12, 1, 14, 30, 0).unwrap();
        let at = |m: i64| expires + Duration::minutes(m);
        assert_eq!(extension_needed(expires, at(-5)), None);
        assert_eq!(extension_needed(expires, at(0)), None);
        assert_eq!(extension_needed(expires, at(1)), Some(30));
        assert_eq!(extension_needed(expires, at(31)), Some(60));
        assert_eq!(extension_needed(expires, at(600)), Some(480));
    }
}
