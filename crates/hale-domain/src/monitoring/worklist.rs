//! The care team's worklist order: the most severe open alert first, then whoever has waited
//! longest for someone to act, then whoever has been quiet longest.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};

use super::limits::Tier;

/// What the order looks at for one patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Urgency {
    /// The worst tier among the patient's unresolved alerts, if any.
    pub worst: Option<Tier>,
    /// When the oldest unresolved alert was raised.
    pub waiting_since: Option<DateTime<Utc>>,
    /// When the newest reading was taken; `None` if none ever came.
    pub last_reading: Option<DateTime<Utc>>,
}

/// Orders two patients for the worklist: `Less` comes first.
pub fn compare(a: &Urgency, b: &Urgency) -> Ordering {
    // Red before amber before none.
    b.worst
        .cmp(&a.worst)
        // Waiting longer first; someone waiting before nobody waiting.
        .then_with(|| match (a.waiting_since, b.waiting_since) {
            (Some(x), Some(y)) => x.cmp(&y),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => Ordering::Equal,
        })
        // Quiet longer first; never heard from first of all.
        .then_with(|| a.last_reading.cmp(&b.last_reading))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(h: u32) -> Option<DateTime<Utc>> {
        Some(format!("2026-12-04T{h:02}:00:00Z").parse().unwrap())
    }

    fn u(
        worst: Option<Tier>,
        waiting: Option<DateTime<Utc>>,
        last: Option<DateTime<Utc>>,
    ) -> Urgency {
        Urgency {
            worst,
            waiting_since: waiting,
            last_reading: last,
        }
    }

    #[test]
    fn the_worklist_puts_severity_then_waiting_then_silence_first() {
        let cases = [
            // (name, urgency)
            ("calm, measured at 9", u(None, None, t(9))),
            ("amber since 8", u(Some(Tier::Amber), t(8), t(9))),
            ("red since 10", u(Some(Tier::Red), t(10), t(10))),
            ("red since 7", u(Some(Tier::Red), t(7), t(10))),
            ("calm, never measured", u(None, None, None)),
            (
                "amber since 8, quiet since 5",
                u(Some(Tier::Amber), t(8), t(5)),
            ),
            ("calm, measured at 6", u(None, None, t(6))),
        ];
        let mut sorted = cases.to_vec();
        sorted.sort_by(|a, b| compare(&a.1, &b.1));
        let names: Vec<&str> = sorted.iter().map(|(n, _)| *n).collect();
        assert_eq!(
            names,
            [
                "red since 7",
                "red since 10",
                "amber since 8, quiet since 5",
                "amber since 8",
                "calm, never measured",
                "calm, measured at 6",
                "calm, measured at 9",
            ]
        );
    }
}
