//! Rate limits on guessing: failed attempts counted per key over a sliding window.
//!
//! One limiter serves the patient sign-in (per account and per network address) and the kiosk
//! identification (per kiosk and per booking reference). Keys carry their kind as a prefix
//! (`account:…`, `ref:…`) so that kinds never collide. In memory: a restart forgets, which lets
//! a locked-out patient back in sooner, never an attacker further.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// How long a failure counts against its keys.
pub(crate) const FAILURE_WINDOW: Duration = Duration::minutes(15);

/// A limit: at most `max` failures per key within [`FAILURE_WINDOW`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limit {
    /// What the key counts, written before it (`account`, `address`, `kiosk`, `ref`).
    pub kind: &'static str,
    pub max: usize,
}

impl Limit {
    fn key(&self, value: &str) -> String {
        format!("{}:{value}", self.kind)
    }
}

/// Failed attempts by key.
#[derive(Debug, Default)]
pub(crate) struct Failures {
    failures: Mutex<HashMap<String, Vec<DateTime<Utc>>>>,
}

impl Failures {
    /// Whether any of `checks` (a limit and the value it counts) has reached its maximum.
    pub(crate) fn blocked(&self, checks: &[(Limit, &str)], now: DateTime<Utc>) -> bool {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        checks.iter().any(|(limit, value)| {
            let list = map.entry(limit.key(value)).or_default();
            list.retain(|t| now - *t < FAILURE_WINDOW);
            list.len() >= limit.max
        })
    }

    /// Counts one failure against every key in `checks`.
    pub(crate) fn fail(&self, checks: &[(Limit, &str)], now: DateTime<Utc>) {
        let mut map = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for (limit, value) in checks {
            map.entry(limit.key(value)).or_default().push(now);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: Limit = Limit {
        kind: "account",
        max: 5,
    };
    const ADDRESS: Limit = Limit {
        kind: "address",
        max: 30,
    };

    #[test]
    fn failures_block_a_key_at_its_limit_within_the_window_only() {
        let failures = Failures::default();
        let t = Utc::now();
        for _ in 0..ACCOUNT.max {
            assert!(!failures.blocked(&[(ACCOUNT, "alex")], t));
            failures.fail(&[(ACCOUNT, "alex"), (ADDRESS, "10.0.0.1")], t);
        }
        assert!(failures.blocked(&[(ACCOUNT, "alex")], t));
        assert!(failures.blocked(&[(ADDRESS, "10.0.0.9"), (ACCOUNT, "alex")], t));
        assert!(!failures.blocked(&[(ACCOUNT, "sam")], t));
        assert!(!failures.blocked(&[(ADDRESS, "10.0.0.1")], t));
        assert!(!failures.blocked(&[(ACCOUNT, "alex")], t + FAILURE_WINDOW));
    }

    #[test]
    fn keys_of_different_kinds_never_count_for_each_other() {
        let failures = Failures::default();
        let t = Utc::now();
        for _ in 0..ACCOUNT.max {
            failures.fail(&[(ACCOUNT, "x")], t);
        }
        let other = Limit {
            kind: "ref",
            max: ACCOUNT.max,
        };
        assert!(!failures.blocked(&[(other, "x")], t));
    }
}
