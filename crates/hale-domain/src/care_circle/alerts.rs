//! Alerts to a helper: what the hospital tells a person who helps a patient, and when it may
//! interrupt them.
//!
//! The hospital raises them from its own records, so they come when the patient's device is
//! off: a dose with no record some time after it was due, a reading beyond the care team's
//! limits, a planned measurement that did not come. Each episode reaches each helper once. The
//! helper chooses the kinds they want and quiet hours; quiet hours hold back the notification of
//! an amber alert (it still shows in the app), never of a red one.

use std::collections::BTreeSet;

use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};

use crate::device::ReadingKind;
use crate::medication::timing::{expand, DailyRoutine};
use crate::medication::Medicine;
use crate::monitoring::{Family, Tier};
use crate::notice::{About, Place};
use crate::reminder::ReminderText;

/// How long after a dose was due a helper is told it has no record, unless the hospital sets
/// otherwise: an hour after the patient's reminder, sooner than the care team's own rule,
/// because a relative can act on it.
pub const HELPER_MISSED_AFTER: Duration = Duration::minutes(60);
/// The longest delay a hospital may set.
pub const HELPER_MISSED_AFTER_MAX: Duration = Duration::hours(4);

/// How far back a helper is told of doses with no record: a dose missed the day before is
/// history by the time anyone could act on it. The hospital's delay is at most a third of it
/// ([`HELPER_MISSED_AFTER_MAX`]), so each dose has hours to be told in.
const MISSED_LOOKBACK: Duration = Duration::hours(12);

/// A scheduled dose with no record: its key (`Medicine::dose_key`) and when it was due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnloggedDose {
    pub key: String,
    pub due: DateTime<Utc>,
}

/// The scheduled doses of active medicines due between [`MISSED_LOOKBACK`] ago (or `since`,
/// when the helper's grant began, if later) and `after` ago (the hospital's delay,
/// [`HELPER_MISSED_AFTER`] by default) that have no record. `recorded` says whether a key has
/// one.
pub fn missed_doses_for_helper<Tz: TimeZone>(
    medicines: &[Medicine],
    recorded: impl Fn(&str) -> bool,
    routine: &DailyRoutine,
    zone: &Tz,
    since: DateTime<Utc>,
    after: Duration,
    now: DateTime<Utc>,
) -> Vec<UnloggedDose> {
    let from = since.max(now - MISSED_LOOKBACK);
    // `expand` is half-open: one second more takes in a dose due exactly at the end.
    let until = now - after + Duration::seconds(1);
    medicines
        .iter()
        .filter(|m| m.active && !m.steps.is_empty())
        .flat_map(|m| {
            expand(&m.steps, routine, zone, from, until)
                .into_iter()
                .map(move |d| UnloggedDose {
                    key: m.dose_key(&d.slot.key()),
                    due: d.due,
                })
        })
        .filter(|d| !recorded(&d.key))
        .collect()
}

/// The kind of reading a care team's alert is about, from its key, if it is about one: for
/// the helper's list (a quiet device or a trend names none).
pub fn reading_of_alert(key: &str) -> Option<ReadingKind> {
    match Family::of(key)? {
        Family::OutOfRange | Family::MissingData => ReadingKind::from_slug(key.split_once(':')?.1),
        Family::Trend | Family::MissedDose | Family::SilentDevice => None,
    }
}

/// A kind of alert a helper can choose to get.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HelperAlertKind {
    /// A dose with no record some time after it was due (an hour, unless the hospital sets it).
    MissedDose,
    /// A reading beyond the limits the care team set.
    BeyondLimits,
    /// A planned measurement did not come, or a device went quiet.
    NoData,
}

impl HelperAlertKind {
    pub const ALL: [HelperAlertKind; 3] = [
        HelperAlertKind::MissedDose,
        HelperAlertKind::BeyondLimits,
        HelperAlertKind::NoData,
    ];

    /// Its stable code, as the hospital's JSON and database spell it.
    pub fn code(self) -> &'static str {
        match self {
            HelperAlertKind::MissedDose => "missed-dose",
            HelperAlertKind::BeyondLimits => "beyond-limits",
            HelperAlertKind::NoData => "no-data",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == code)
    }

    /// The kind a hospital alert of `family` is to a helper; `None` for early-warning trends,
    /// which are the care team's to judge.
    pub fn of_family(family: Family) -> Option<Self> {
        match family {
            Family::OutOfRange => Some(HelperAlertKind::BeyondLimits),
            Family::MissingData | Family::SilentDevice => Some(HelperAlertKind::NoData),
            Family::MissedDose => Some(HelperAlertKind::MissedDose),
            Family::Trend => None,
        }
    }
}

/// Quiet hours in the helper's day, from `from` to `until`; across midnight when `until` comes
/// first (22:00 to 07:00).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QuietHours {
    pub from: NaiveTime,
    pub until: NaiveTime,
}

impl QuietHours {
    /// Whether `at` (the helper's local time) falls in them. Equal ends mean none.
    pub fn contains(&self, at: NaiveTime) -> bool {
        if self.from <= self.until {
            self.from <= at && at < self.until
        } else {
            at >= self.from || at < self.until
        }
    }
}

/// What a helper chose to be told.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperAlertSettings {
    pub kinds: BTreeSet<HelperAlertKind>,
    pub quiet: Option<QuietHours>,
}

impl Default for HelperAlertSettings {
    /// Every kind, at any hour: until the helper chooses otherwise.
    fn default() -> Self {
        Self {
            kinds: HelperAlertKind::ALL.into_iter().collect(),
            quiet: None,
        }
    }
}

/// How one alert reaches a helper.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Shown in the app and announced with a notification.
    Notify,
    /// Shown in the app; its notification is held back by quiet hours.
    Quiet,
    /// The helper chose not to get this kind.
    NotWanted,
}

impl HelperAlertSettings {
    /// How an alert of `kind` and `tier` reaches the helper at local time `at`.
    pub fn delivery(&self, kind: HelperAlertKind, tier: Tier, at: NaiveTime) -> Delivery {
        if !self.kinds.contains(&kind) {
            return Delivery::NotWanted;
        }
        match (tier, self.quiet) {
            (Tier::Red, _) | (_, None) => Delivery::Notify,
            (Tier::Amber, Some(q)) if q.contains(at) => Delivery::Quiet,
            (Tier::Amber, Some(_)) => Delivery::Notify,
        }
    }
}

/// One alert to a helper, as their app holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HelperAlert {
    pub id: String,
    pub consent: String,
    pub patient: String,
    pub patient_name: String,
    pub kind: HelperAlertKind,
    pub tier: Tier,
    pub raised: DateTime<Utc>,
    /// The kind of reading beyond the limits or not arrived, when the alert is about one.
    pub reading: Option<ReadingKind>,
    /// When the dose with no record was due.
    pub due: Option<DateTime<Utc>>,
    /// The helper's quiet hours, applied in the helper's own time zone.
    pub quiet: Option<QuietHours>,
}

impl HelperAlert {
    /// How it reaches the helper at their local time `at` (the hospital sends only the kinds
    /// they chose).
    pub fn delivery(&self, at: NaiveTime) -> Delivery {
        HelperAlertSettings {
            kinds: HelperAlertKind::ALL.into_iter().collect(),
            quiet: self.quiet,
        }
        .delivery(self.kind, self.tier, at)
    }
}

/// A helper's notification: whom it is about (the patient shared their name with the helper)
/// and the kind of alert, never the medicine or the value, because it can show on a locked
/// screen.
pub fn helper_alert_text(kind: HelperAlertKind, tier: Tier, patient_name: &str) -> ReminderText {
    let (title, what) = match (kind, tier) {
        (HelperAlertKind::MissedDose, _) => {
            ("A dose has not been logged", "has a dose with no record")
        }
        (HelperAlertKind::BeyondLimits, Tier::Red) => (
            "Urgent: a reading needs attention",
            "has a reading far beyond their care team's limits",
        ),
        (HelperAlertKind::BeyondLimits, Tier::Amber) => (
            "A reading needs attention",
            "has a reading beyond their care team's limits",
        ),
        (HelperAlertKind::NoData, _) => (
            "A reading has not arrived",
            "has a planned reading that has not arrived",
        ),
    };
    ReminderText {
        title: title.to_owned(),
        body: format!("{patient_name} {what}. Open Hale to see more."),
        about: About::Shown(Place::CareCircle),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hm(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn quiet(from: NaiveTime, until: NaiveTime) -> HelperAlertSettings {
        HelperAlertSettings {
            quiet: Some(QuietHours { from, until }),
            ..HelperAlertSettings::default()
        }
    }

    #[test]
    fn quiet_hours_across_midnight_hold_back_amber_alerts_only() {
        let night = quiet(hm(22, 0), hm(7, 0));
        let dose = HelperAlertKind::MissedDose;
        assert_eq!(
            night.delivery(dose, Tier::Amber, hm(23, 30)),
            Delivery::Quiet
        );
        assert_eq!(
            night.delivery(dose, Tier::Amber, hm(6, 59)),
            Delivery::Quiet
        );
        assert_eq!(
            night.delivery(dose, Tier::Amber, hm(7, 0)),
            Delivery::Notify
        );
        assert_eq!(
            night.delivery(dose, Tier::Amber, hm(21, 59)),
            Delivery::Notify
        );
        let reading = HelperAlertKind::BeyondLimits;
        assert_eq!(
            night.delivery(reading, Tier::Red, hm(3, 0)),
            Delivery::Notify,
            "a red reading is never held back"
        );
    }

    #[test]
    fn quiet_hours_within_a_day_and_equal_ends() {
        let afternoon = quiet(hm(13, 0), hm(15, 0));
        let kind = HelperAlertKind::NoData;
        assert_eq!(
            afternoon.delivery(kind, Tier::Amber, hm(14, 0)),
            Delivery::Quiet
        );
        assert_eq!(
            afternoon.delivery(kind, Tier::Amber, hm(15, 0)),
            Delivery::Notify
        );
        let none = quiet(hm(9, 0), hm(9, 0));
        assert_eq!(none.delivery(kind, Tier::Amber, hm(9, 0)), Delivery::Notify);
    }

    #[test]
    fn a_kind_not_chosen_is_not_delivered_even_when_red() {
        let settings = HelperAlertSettings {
            kinds: [HelperAlertKind::MissedDose].into_iter().collect(),
            quiet: None,
        };
        assert_eq!(
            settings.delivery(HelperAlertKind::BeyondLimits, Tier::Red, hm(12, 0)),
            Delivery::NotWanted
        );
    }

    #[test]
    fn a_helper_hears_of_each_dose_with_no_record_an_hour_after_it_was_due_within_half_a_day() {
        use crate::monitoring::doses::tests::twice_a_day;
        use chrono_tz::Europe::London;
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let missed = |recorded: &[&str], since: &str, now: &str| {
            missed_doses_for_helper(
                &[twice_a_day()],
                |key| recorded.contains(&key),
                &DailyRoutine::default(),
                &London,
                t(since),
                HELPER_MISSED_AFTER,
                t(now),
            )
            .into_iter()
            .map(|d| d.key)
            .collect::<Vec<_>>()
        };
        let morning = "rx:ramipril@2026-12-04T08:00";
        let granted = "2026-11-20T00:00:00Z";
        assert!(
            missed(&[], granted, "2026-12-04T08:59:00Z").is_empty(),
            "not an hour yet"
        );
        assert_eq!(missed(&[], granted, "2026-12-04T09:00:00Z"), [morning]);
        assert!(missed(&[morning], granted, "2026-12-04T12:00:00Z").is_empty());
        // Last night's dose is more than half a day old by the afternoon: history, not news.
        assert_eq!(missed(&[], granted, "2026-12-04T12:00:00Z"), [morning]);
        // A dose due before the helper was invited is not theirs to be told of.
        assert!(missed(&[], "2026-12-04T08:30:00Z", "2026-12-04T12:00:00Z").is_empty());
    }

    #[test]
    fn a_hospital_that_sets_a_shorter_delay_tells_helpers_sooner() {
        use crate::monitoring::doses::tests::twice_a_day;
        use chrono_tz::Europe::London;
        let t = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
        let missed = |now: &str| {
            missed_doses_for_helper(
                &[twice_a_day()],
                |_| false,
                &DailyRoutine::default(),
                &London,
                t("2026-12-01T00:00:00Z"),
                Duration::minutes(20),
                t(now),
            )
        };
        assert!(missed("2026-12-04T08:19:00Z").is_empty());
        let after_the_longest = missed_doses_for_helper(
            &[twice_a_day()],
            |_| false,
            &DailyRoutine::default(),
            &London,
            t("2026-12-01T00:00:00Z"),
            HELPER_MISSED_AFTER_MAX,
            t("2026-12-04T12:00:00Z"),
        );
        assert_eq!(
            after_the_longest.first().map(|d| d.key.as_str()),
            Some("rx:ramipril@2026-12-04T08:00"),
            "the longest delay the hospital may set still tells of the morning's dose"
        );
        assert_eq!(
            missed("2026-12-04T08:20:00Z"),
            [UnloggedDose {
                key: "rx:ramipril@2026-12-04T08:00".into(),
                due: t("2026-12-04T08:00:00Z"),
            }],
            "with when it was due, for the helper's list"
        );
    }

    #[test]
    fn a_helpers_notification_names_the_person_and_the_kind_never_the_medicine_or_value() {
        for kind in HelperAlertKind::ALL {
            for tier in [Tier::Amber, Tier::Red] {
                let text = helper_alert_text(kind, tier, "Alex Morgan");
                assert!(text.body.starts_with("Alex Morgan has "), "{text:?}");
                let words = format!("{} {}", text.title, text.body);
                assert!(
                    !words.chars().any(|c| c.is_ascii_digit()),
                    "no value: {words}"
                );
            }
        }
        assert!(
            helper_alert_text(HelperAlertKind::BeyondLimits, Tier::Red, "Alex Morgan")
                .title
                .starts_with("Urgent")
        );
    }

    #[test]
    fn a_helper_is_told_which_reading_an_alert_is_about_and_nothing_for_a_quiet_device() {
        use crate::monitoring::Finding;
        let red = Finding::out_of_range(ReadingKind::BloodPressure, Tier::Red);
        assert_eq!(reading_of_alert(&red.key), Some(ReadingKind::BloodPressure));
        let missing = Finding::missing(ReadingKind::BodyWeight, Tier::Amber);
        assert_eq!(
            reading_of_alert(&missing.key),
            Some(ReadingKind::BodyWeight)
        );
        let quiet = Finding::silent_device("00:5F:BF:3A:51:BD", Tier::Amber);
        assert_eq!(reading_of_alert(&quiet.key), None);
        assert_eq!(reading_of_alert("out-of-range:no-such-kind"), None);
    }

    #[test]
    fn hospital_alerts_map_to_the_kinds_a_helper_chooses_and_trends_stay_with_the_team() {
        assert_eq!(
            HelperAlertKind::of_family(Family::OutOfRange),
            Some(HelperAlertKind::BeyondLimits)
        );
        assert_eq!(
            HelperAlertKind::of_family(Family::SilentDevice),
            Some(HelperAlertKind::NoData)
        );
        assert_eq!(HelperAlertKind::of_family(Family::Trend), None);
        for kind in HelperAlertKind::ALL {
            assert_eq!(HelperAlertKind::from_code(kind.code()), Some(kind));
        }
    }
}
