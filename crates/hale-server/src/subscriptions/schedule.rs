//! What a subscription needs next, and when: the handshake first, then its events in order, a
//! heartbeat when it has been quiet, waits that double after each failure. Pure: `now` is
//! passed in, and the delivery task does what this decides.

use chrono::{DateTime, Duration, Utc};
use hale_fhir::SubscriptionStatus;

/// The first wait after a failure; each further failure doubles it, up to [`LONGEST_WAIT`].
pub(crate) const FIRST_WAIT: Duration = Duration::seconds(1);
/// A receiver down for hours is tried every few minutes, its events kept meanwhile.
pub(crate) const LONGEST_WAIT: Duration = Duration::minutes(5);

/// Where one subscription stands, as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Standing {
    pub(crate) status: SubscriptionStatus,
    pub(crate) handshake_done: bool,
    pub(crate) events_since_start: i64,
    pub(crate) delivered_through: i64,
    pub(crate) failures: i64,
    pub(crate) next_attempt_at: Option<DateTime<Utc>>,
    pub(crate) last_sent_at: Option<DateTime<Utc>>,
    pub(crate) created_at: DateTime<Utc>,
    pub(crate) heartbeat_seconds: Option<i64>,
    pub(crate) end: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Step {
    /// Its end has come: turn it off.
    Expire,
    Handshake,
    /// Send the events after `delivered_through`.
    Deliver,
    Heartbeat,
    /// Nothing until then (a retry, a heartbeat, the end).
    WaitUntil(DateTime<Utc>),
    /// Nothing until an event comes.
    Idle,
}

/// What `s` needs at `now`.
pub(crate) fn next_step(s: &Standing, now: DateTime<Utc>) -> Step {
    if s.status == SubscriptionStatus::Off {
        return Step::Idle;
    }
    if s.end.is_some_and(|end| end <= now) {
        return Step::Expire;
    }
    let until = |t: DateTime<Utc>| Step::WaitUntil(s.end.map_or(t, |end| end.min(t)));
    if s.failures > 0 {
        if let Some(at) = s.next_attempt_at.filter(|at| *at > now) {
            return until(at);
        }
    }
    if !s.handshake_done {
        return Step::Handshake;
    }
    if s.events_since_start > s.delivered_through {
        return Step::Deliver;
    }
    if let Some(period) = s.heartbeat_seconds {
        let due = s.last_sent_at.unwrap_or(s.created_at) + Duration::seconds(period);
        // A failing subscription's retry is its heartbeat: it tells the receiver it is back.
        return if due <= now || s.failures > 0 {
            Step::Heartbeat
        } else {
            until(due)
        };
    }
    match s.end {
        Some(end) => Step::WaitUntil(end),
        None => Step::Idle,
    }
}

/// How long to wait after the `failures`-th failure in a row.
pub(crate) fn retry_after(failures: i64) -> Duration {
    let doublings = failures.saturating_sub(1).clamp(0, 20) as u32;
    let wait = FIRST_WAIT * 2_i32.saturating_pow(doublings);
    wait.min(LONGEST_WAIT)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        format!("2026-12-06T{s}Z").parse().unwrap()
    }

    fn active() -> Standing {
        Standing {
            status: SubscriptionStatus::Active,
            handshake_done: true,
            events_since_start: 0,
            delivered_through: 0,
            failures: 0,
            next_attempt_at: None,
            last_sent_at: Some(at("10:00:00")),
            created_at: at("09:00:00"),
            heartbeat_seconds: None,
            end: None,
        }
    }

    #[test]
    fn a_new_subscription_shakes_hands_before_anything_else() {
        let s = Standing {
            status: SubscriptionStatus::Requested,
            handshake_done: false,
            events_since_start: 3,
            ..active()
        };
        assert_eq!(next_step(&s, at("10:00:00")), Step::Handshake);
    }

    #[test]
    fn undelivered_events_are_sent_and_a_quiet_one_waits_for_events() {
        let s = Standing {
            events_since_start: 5,
            delivered_through: 4,
            ..active()
        };
        assert_eq!(next_step(&s, at("10:00:00")), Step::Deliver);
        assert_eq!(next_step(&active(), at("10:00:00")), Step::Idle);
    }

    #[test]
    fn a_heartbeat_is_due_a_period_after_the_last_notification() {
        let s = Standing {
            heartbeat_seconds: Some(60),
            ..active()
        };
        assert_eq!(
            next_step(&s, at("10:00:30")),
            Step::WaitUntil(at("10:01:00"))
        );
        assert_eq!(next_step(&s, at("10:01:00")), Step::Heartbeat);
    }

    #[test]
    fn after_a_failure_nothing_is_tried_before_the_wait_is_over() {
        let s = Standing {
            status: SubscriptionStatus::Error,
            events_since_start: 2,
            failures: 3,
            next_attempt_at: Some(at("10:00:04")),
            ..active()
        };
        assert_eq!(
            next_step(&s, at("10:00:01")),
            Step::WaitUntil(at("10:00:04"))
        );
        assert_eq!(next_step(&s, at("10:00:04")), Step::Deliver);
    }

    #[test]
    fn a_failing_heartbeat_subscription_retries_with_a_heartbeat_when_nothing_is_pending() {
        let s = Standing {
            status: SubscriptionStatus::Error,
            failures: 1,
            next_attempt_at: Some(at("10:00:01")),
            heartbeat_seconds: Some(3600),
            ..active()
        };
        assert_eq!(next_step(&s, at("10:00:02")), Step::Heartbeat);
    }

    #[test]
    fn a_subscription_past_its_end_expires_and_waits_never_outlast_it() {
        let s = Standing {
            heartbeat_seconds: Some(3600),
            end: Some(at("10:30:00")),
            ..active()
        };
        assert_eq!(
            next_step(&s, at("10:10:00")),
            Step::WaitUntil(at("10:30:00"))
        );
        assert_eq!(next_step(&s, at("10:30:00")), Step::Expire);
        let off = Standing {
            status: SubscriptionStatus::Off,
            ..s
        };
        assert_eq!(next_step(&off, at("11:00:00")), Step::Idle);
    }

    #[test]
    fn waits_double_from_one_second_to_five_minutes() {
        let secs: Vec<i64> = (1..=12).map(|f| retry_after(f).num_seconds()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]);
        assert_eq!(retry_after(i64::MAX), LONGEST_WAIT);
        assert_eq!(retry_after(0), FIRST_WAIT);
    }
}
