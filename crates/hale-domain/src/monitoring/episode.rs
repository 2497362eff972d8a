//! Alerts are raised once per episode: while a condition holds, its alert stays open (its tier
//! may rise); when the condition ends it is cleared ("all clear"); if the condition comes back,
//! that is a new episode and a new alert. An evaluation pass yields the conditions that hold now
//! ([`Finding`]s); [`reconcile`] compares them with the open alerts and says what to change.
//! The store enforces "one open alert per patient and key" with a unique index, so two server
//! instances deciding the same change at once still raise it once.

use chrono::{DateTime, Duration, Utc};

use super::limits::Tier;
use crate::device::ReadingKind;

/// The kinds of rule, each evaluated on its own occasion (a reading arriving, or the timer).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// The latest reading of a kind is beyond the plan's limits.
    OutOfRange,
    /// An early-warning trend holds.
    Trend,
    /// A planned measurement did not come.
    MissingData,
    /// A scheduled dose has no record.
    MissedDose,
    /// A device that was sending has gone quiet.
    SilentDevice,
}

impl Family {
    pub const ALL: [Self; 5] = [
        Self::OutOfRange,
        Self::Trend,
        Self::MissingData,
        Self::MissedDose,
        Self::SilentDevice,
    ];

    /// The prefix of its alerts' keys.
    pub fn code(self) -> &'static str {
        match self {
            Self::OutOfRange => "out-of-range",
            Self::Trend => "trend",
            Self::MissingData => "missing",
            Self::MissedDose => "missed-dose",
            Self::SilentDevice => "silent-device",
        }
    }

    /// The family an alert key belongs to.
    pub fn of(key: &str) -> Option<Self> {
        let prefix = key.split_once(':').map_or(key, |(p, _)| p);
        Self::ALL.into_iter().find(|f| f.code() == prefix)
    }
}

/// A condition that holds now, under a stable key naming the episode's subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub key: String,
    pub tier: Tier,
}

impl Finding {
    pub fn out_of_range(kind: ReadingKind, tier: Tier) -> Self {
        Self::new(Family::OutOfRange, kind.slug(), tier)
    }

    /// `rule` is the trend rule's own key (`TrendRule::key`).
    pub fn trend(rule: &str, tier: Tier) -> Self {
        Self::new(Family::Trend, rule, tier)
    }

    pub fn missing(kind: ReadingKind, tier: Tier) -> Self {
        Self::new(Family::MissingData, kind.slug(), tier)
    }

    pub fn missed_dose(medicine_id: &str, tier: Tier) -> Self {
        Self::new(Family::MissedDose, medicine_id, tier)
    }

    pub fn silent_device(device: &str, tier: Tier) -> Self {
        Self::new(Family::SilentDevice, device, tier)
    }

    fn new(family: Family, subject: &str, tier: Tier) -> Self {
        Self {
            key: format!("{}:{subject}", family.code()),
            tier,
        }
    }
}

/// An alert not yet cleared.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenAlert {
    pub id: String,
    pub key: String,
    pub tier: Tier,
    pub raised: DateTime<Utc>,
    /// When it became red (raised red, or worsened to red); `None` while amber.
    pub red_since: Option<DateTime<Utc>>,
    pub acknowledged: bool,
    pub escalated: bool,
}

/// When an alert red for a while and not acknowledged is escalated (priority up, the on-call person told).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EscalationPolicy {
    pub red_unacknowledged_for: Duration,
}

impl Default for EscalationPolicy {
    fn default() -> Self {
        Self {
            red_unacknowledged_for: Duration::minutes(15),
        }
    }
}

/// What to change so the open alerts match the findings.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Changes {
    /// New episodes.
    pub raise: Vec<Finding>,
    /// Open alerts whose condition got worse: (alert id, new tier).
    pub worsen: Vec<(String, Tier)>,
    /// Open alerts whose condition has ended.
    pub clear: Vec<String>,
    /// Open red alerts nobody has acknowledged in time.
    pub escalate: Vec<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.raise.is_empty()
            && self.worsen.is_empty()
            && self.clear.is_empty()
            && self.escalate.is_empty()
    }
}

/// Compares one patient's open alerts with what a pass found. Only alerts of the `evaluated`
/// families can clear: a pass run for a new reading says nothing about missed doses. A tier
/// never drops within an episode (the worst it was is what the care team should see).
pub fn reconcile(
    open: &[OpenAlert],
    findings: &[Finding],
    evaluated: &[Family],
    policy: EscalationPolicy,
    now: DateTime<Utc>,
) -> Changes {
    let mut changes = Changes::default();
    for f in findings {
        match open.iter().find(|a| a.key == f.key) {
            None => {
                if !changes.raise.iter().any(|r| r.key == f.key) {
                    changes.raise.push(f.clone());
                }
            }
            Some(a) if f.tier > a.tier => changes.worsen.push((a.id.clone(), f.tier)),
            Some(_) => {}
        }
    }
    for a in open {
        let evaluated_now = Family::of(&a.key).is_some_and(|f| evaluated.contains(&f));
        if evaluated_now && !findings.iter().any(|f| f.key == a.key) {
            changes.clear.push(a.id.clone());
            continue;
        }
        // Measured from when it became red: one that turns red on this pass waits its time.
        let red_long_enough = a
            .red_since
            .is_some_and(|since| now - since >= policy.red_unacknowledged_for);
        if a.tier == Tier::Red && red_long_enough && !a.acknowledged && !a.escalated {
            changes.escalate.push(a.id.clone());
        }
    }
    changes
}

#[cfg(test)]
mod tests {
    use super::*;

    fn now() -> DateTime<Utc> {
        "2026-12-04T10:00:00Z".parse().unwrap()
    }

    fn open(id: &str, key: &str, tier: Tier, minutes_ago: i64) -> OpenAlert {
        OpenAlert {
            id: id.into(),
            key: key.into(),
            tier,
            raised: now() - Duration::minutes(minutes_ago),
            red_since: (tier == Tier::Red).then(|| now() - Duration::minutes(minutes_ago)),
            acknowledged: false,
            escalated: false,
        }
    }

    fn bp(tier: Tier) -> Finding {
        Finding::out_of_range(ReadingKind::BloodPressure, tier)
    }

    const READING: &[Family] = &[Family::OutOfRange, Family::Trend];
    const TIMER: &[Family] = &[
        Family::MissingData,
        Family::MissedDose,
        Family::SilentDevice,
    ];

    fn run(open: &[OpenAlert], findings: &[Finding], evaluated: &[Family]) -> Changes {
        reconcile(
            open,
            findings,
            evaluated,
            EscalationPolicy::default(),
            now(),
        )
    }

    #[test]
    fn a_condition_is_raised_once_kept_while_it_holds_and_cleared_when_it_ends() {
        let first = run(&[], &[bp(Tier::Amber)], READING);
        assert_eq!(first.raise, [bp(Tier::Amber)]);
        let raised = [open("a1", &bp(Tier::Amber).key, Tier::Amber, 1)];
        assert!(run(&raised, &[bp(Tier::Amber)], READING).is_empty());
        let ended = run(&raised, &[], READING);
        assert_eq!(ended.clear, ["a1"]);
        // It comes back: a new episode.
        assert_eq!(run(&[], &[bp(Tier::Amber)], READING).raise.len(), 1);
    }

    #[test]
    fn a_worse_value_raises_the_tier_and_a_better_one_does_not_lower_it() {
        let amber = [open("a1", &bp(Tier::Amber).key, Tier::Amber, 1)];
        let worse = run(&amber, &[bp(Tier::Red)], READING);
        assert_eq!(worse.worsen, [("a1".to_owned(), Tier::Red)]);
        assert!(worse.raise.is_empty());
        let red = [open("a1", &bp(Tier::Red).key, Tier::Red, 1)];
        assert!(run(&red, &[bp(Tier::Amber)], READING).is_empty());
    }

    #[test]
    fn only_the_families_a_pass_evaluated_can_clear() {
        let missed = Finding::missed_dose("rx:1", Tier::Amber);
        let alerts = [open("d1", &missed.key, Tier::Amber, 5)];
        assert!(
            run(&alerts, &[], READING).is_empty(),
            "a reading says nothing of doses"
        );
        assert_eq!(run(&alerts, &[], TIMER).clear, ["d1"]);
    }

    #[test]
    fn a_red_alert_nobody_acknowledged_for_fifteen_minutes_is_escalated_once() {
        let key = bp(Tier::Red).key;
        let cases = [
            (open("r1", &key, Tier::Red, 14), false),
            (open("r1", &key, Tier::Red, 15), true),
            (
                OpenAlert {
                    acknowledged: true,
                    ..open("r1", &key, Tier::Red, 60)
                },
                false,
            ),
            (
                OpenAlert {
                    escalated: true,
                    ..open("r1", &key, Tier::Red, 60)
                },
                false,
            ),
            (open("r1", &key, Tier::Amber, 60), false),
        ];
        for (alert, escalates) in cases {
            let changes = run(std::slice::from_ref(&alert), &[], TIMER);
            assert_eq!(changes.escalate == ["r1"], escalates, "{alert:?}");
        }
        // An amber alert that turns red now waits its fifteen minutes from now.
        let amber = [open("r1", &key, Tier::Amber, 30)];
        assert!(run(&amber, &[bp(Tier::Red)], READING).escalate.is_empty());
    }

    #[test]
    fn a_finding_twice_in_one_pass_is_raised_once() {
        let changes = run(&[], &[bp(Tier::Amber), bp(Tier::Amber)], READING);
        assert_eq!(changes.raise.len(), 1);
    }

    #[test]
    fn every_family_reads_back_from_its_keys() {
        let findings = [
            (bp(Tier::Red), Family::OutOfRange),
            (
                Finding::trend("rise:body_weight:3d", Tier::Amber),
                Family::Trend,
            ),
            (
                Finding::missing(ReadingKind::BodyWeight, Tier::Amber),
                Family::MissingData,
            ),
            (
                Finding::missed_dose("rx:1", Tier::Amber),
                Family::MissedDose,
            ),
            (
                Finding::silent_device("AA:BB", Tier::Amber),
                Family::SilentDevice,
            ),
        ];
        for (f, family) in findings {
            assert_eq!(Family::of(&f.key), Some(family), "{}", f.key);
        }
        assert_eq!(Family::of("nonsense:x"), None);
    }
}
