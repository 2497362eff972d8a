//! Limits on guessing: attempts counted per key in the database, with delays that grow.
//!
//! One limiter serves the patient and staff sign-ins (per account, per network address) and the
//! kiosk identification (per kiosk, per booking reference). Keys carry their kind as a prefix
//! (`account:…`, `ref:…`) so that kinds never collide.
//!
//! Why it is built this way:
//! - **Reserved first.** An attempt is counted before the password is checked, with a
//!   compare-and-swap on its row, so sixty parallel guesses cannot all pass a check made before
//!   any of them was recorded. A success then clears its account's count.
//! - **In the database.** Several instances behind a load balancer share one count.
//! - **Progressive.** Past a few free attempts each further one waits longer (30 s, 1 min, 2 min,
//!   … up to 15 min) instead of a hard refusal, so an attacker cannot shut a patient out for
//!   long, and a refused attempt is not counted, so hammering does not extend the wait.
//! - **Bounded.** Values are short (longer names are refused before they get here); an address
//!   is checked before an account, so one address creates at most its allowance of account keys;
//!   rows expire and are pruned.

use chrono::{DateTime, Duration, Utc};
use sqlx::AnyPool;

use crate::db::Time;
use crate::FhirError;

/// The longest value a key may count (a sign-in name, a booking reference): longer ones are
/// refused by their handlers as bad input.
pub(crate) const MAX_VALUE_CHARS: usize = 128;

/// A quiet key is forgotten after this long.
const FORGET_AFTER: Duration = Duration::hours(24);
/// The first wait past the free attempts; each further attempt doubles it.
const FIRST_WAIT: Duration = Duration::seconds(30);
/// The longest wait between attempts.
const LONGEST_WAIT: Duration = Duration::minutes(15);
/// How long an address a patient signed in from stays their usual place.
const KNOWN_FOR: Duration = Duration::days(90);
/// Compare-and-swap rounds before a contended key answers "wait".
const ROUNDS: usize = 3;

/// A limit: `free` attempts per key, then waits that grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Limit {
    /// What the key counts, written before it (`account`, `address`, `kiosk`, `ref`).
    pub kind: &'static str,
    pub free: u32,
}

impl Limit {
    fn key(&self, value: &str) -> String {
        format!("{}:{value}", self.kind)
    }
}

/// How long the next attempt on a key with `attempts` counted, the last at `last`, must wait;
/// `None` when it may go now. Pure, so the policy is tested with time passed in.
pub(crate) fn wait(
    limit: Limit,
    attempts: u32,
    last: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Option<Duration> {
    if now - last >= FORGET_AFTER || attempts < limit.free {
        return None;
    }
    let doublings = (attempts - limit.free).min(10);
    let delay = (FIRST_WAIT * 2i32.pow(doublings)).min(LONGEST_WAIT);
    let ready = last + delay;
    (now < ready).then(|| ready - now)
}

/// Reserves one attempt against every key in `checks`, in order: `Ok(())` when each allowed it,
/// else how long to wait. Keys before the refusing one keep their count (that attempt was made
/// from that address); keys after it are never created.
pub(crate) async fn reserve(
    db: &AnyPool,
    checks: &[(Limit, &str)],
    now: DateTime<Utc>,
) -> Result<Result<(), Duration>, FhirError> {
    for (limit, value) in checks {
        if let Some(wait) = reserve_one(db, *limit, value, now).await? {
            return Ok(Err(wait));
        }
    }
    Ok(Ok(()))
}

async fn reserve_one(
    db: &AnyPool,
    limit: Limit,
    value: &str,
    now: DateTime<Utc>,
) -> Result<Option<Duration>, FhirError> {
    let key = limit.key(value);
    let expires = Time(now + FORGET_AFTER);
    for _ in 0..ROUNDS {
        let row: Option<(i64, Time)> =
            sqlx::query_as("SELECT attempts, last_at FROM attempt_limit WHERE key = $1")
                .bind(&key)
                .fetch_optional(db)
                .await?;
        let changed = match row {
            None => sqlx::query(
                "INSERT INTO attempt_limit (key, attempts, last_at, expires_at) \
                 VALUES ($1, 1, $2, $3) ON CONFLICT (key) DO NOTHING",
            )
            .bind(&key)
            .bind(Time(now))
            .bind(expires)
            .execute(db)
            .await?
            .rows_affected(),
            Some((seen, last)) => {
                let counted = if now - last.0 >= FORGET_AFTER {
                    0
                } else {
                    u32::try_from(seen).unwrap_or(u32::MAX)
                };
                if let Some(wait) = wait(limit, counted, last.0, now) {
                    return Ok(Some(wait));
                }
                // Only if nobody counted an attempt since it was read.
                sqlx::query(
                    "UPDATE attempt_limit SET attempts = $1, last_at = $2, expires_at = $3 \
                     WHERE key = $4 AND attempts = $5 AND last_at = $6",
                )
                .bind(i64::from(counted) + 1)
                .bind(Time(now))
                .bind(expires)
                .bind(&key)
                .bind(seen)
                .bind(last)
                .execute(db)
                .await?
                .rows_affected()
            }
        };
        if changed == 1 {
            return Ok(None);
        }
    }
    // Others are guessing on this key at this very moment.
    Ok(Some(Duration::seconds(1)))
}

/// Forgets the count on `checks` (after a success).
pub(crate) async fn clear(db: &AnyPool, checks: &[(Limit, &str)]) -> Result<(), FhirError> {
    for (limit, value) in checks {
        sqlx::query("DELETE FROM attempt_limit WHERE key = $1")
            .bind(limit.key(value))
            .execute(db)
            .await?;
    }
    Ok(())
}

/// Takes back one counted attempt on each of `checks` (an attempt that turned out no guess).
pub(crate) async fn refund(db: &AnyPool, checks: &[(Limit, &str)]) -> Result<(), FhirError> {
    for (limit, value) in checks {
        sqlx::query(
            "UPDATE attempt_limit SET attempts = attempts - 1 WHERE key = $1 AND attempts > 0",
        )
        .bind(limit.key(value))
        .execute(db)
        .await?;
    }
    Ok(())
}

/// The key of an account's attempts from one address it signed in from before.
pub(crate) fn usual_place(account: &str, address: &str) -> String {
    format!("{account}@{address}")
}

/// Whether `account` signed in from `address` within [`KNOWN_FOR`].
pub(crate) async fn is_usual_place(
    db: &AnyPool,
    account: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<bool, FhirError> {
    let row: Option<(Time,)> =
        sqlx::query_as("SELECT expires_at FROM attempt_limit WHERE key = $1")
            .bind(format!("known:{}", usual_place(account, address)))
            .fetch_optional(db)
            .await?;
    Ok(row.is_some_and(|(expires,)| expires.0 > now))
}

/// Records that `account` signed in from `address`.
pub(crate) async fn remember_usual_place(
    db: &AnyPool,
    account: &str,
    address: &str,
    now: DateTime<Utc>,
) -> Result<(), FhirError> {
    sqlx::query(
        "INSERT INTO attempt_limit (key, attempts, last_at, expires_at) VALUES ($1, 0, $2, $3) \
         ON CONFLICT (key) DO UPDATE SET last_at = $2, expires_at = $3",
    )
    .bind(format!("known:{}", usual_place(account, address)))
    .bind(Time(now))
    .bind(Time(now + KNOWN_FOR))
    .execute(db)
    .await?;
    Ok(())
}

/// Deletes the rows that no longer count.
pub(crate) async fn prune(db: &AnyPool, now: DateTime<Utc>) -> Result<u64, FhirError> {
    Ok(
        sqlx::query("DELETE FROM attempt_limit WHERE expires_at < $1")
            .bind(Time(now))
            .execute(db)
            .await?
            .rows_affected(),
    )
}

/// A short "try again in …" for pages and outcomes.
pub(crate) fn wait_words(wait: Duration) -> String {
    let seconds = wait.num_seconds().max(1);
    if seconds == 1 {
        "1 second".to_owned()
    } else if seconds < 60 {
        format!("{seconds} seconds")
    } else {
        let minutes = (seconds + 59) / 60;
        if minutes == 1 {
            "1 minute".to_owned()
        } else {
            format!("{minutes} minutes")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ACCOUNT: Limit = Limit {
        kind: "account",
        free: 5,
    };

    #[test]
    fn the_free_attempts_need_no_wait_and_then_each_waits_twice_as_long_up_to_fifteen_minutes() {
        let t = Utc::now();
        for n in 0..ACCOUNT.free {
            assert_eq!(wait(ACCOUNT, n, t, t), None);
        }
        assert_eq!(wait(ACCOUNT, 5, t, t), Some(Duration::seconds(30)));
        assert_eq!(wait(ACCOUNT, 6, t, t), Some(Duration::seconds(60)));
        assert_eq!(wait(ACCOUNT, 7, t, t), Some(Duration::seconds(120)));
        assert_eq!(wait(ACCOUNT, 12, t, t), Some(LONGEST_WAIT));
        assert_eq!(wait(ACCOUNT, 400, t, t), Some(LONGEST_WAIT));
    }

    #[test]
    fn a_wait_shrinks_as_time_passes_and_ends() {
        let t = Utc::now();
        assert_eq!(
            wait(ACCOUNT, 5, t, t + Duration::seconds(20)),
            Some(Duration::seconds(10))
        );
        assert_eq!(wait(ACCOUNT, 5, t, t + Duration::seconds(30)), None);
        assert_eq!(wait(ACCOUNT, 50, t, t + LONGEST_WAIT), None);
    }

    #[test]
    fn a_quiet_key_is_forgotten() {
        let t = Utc::now();
        assert_eq!(wait(ACCOUNT, 50, t, t + FORGET_AFTER), None);
    }

    use crate::test_rng::Rng;

    #[tokio::test]
    async fn random_sequences_of_attempts_in_the_database_follow_the_policy_step_by_step() {
        // The database's count (reserve, clear, refund, forgetting) against a model of the
        // policy: every answer, allowed or "wait this long", is the one the policy gives.
        let db = crate::db::open_database("sqlite::memory:").await.unwrap();
        let start = Utc::now();
        for seed in 1..=60u64 {
            let mut rng = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15));
            let value = format!("sequence-{seed}");
            let checks = [(ACCOUNT, value.as_str())];
            let (mut attempts, mut last, mut now) = (0u32, start, start);
            for step in 0..40 {
                now += Duration::seconds(rng.below(300) as i64);
                if rng.below(25) == 0 {
                    now += FORGET_AFTER;
                }
                match rng.below(12) {
                    0 => {
                        clear(&db, &checks).await.unwrap();
                        attempts = 0;
                    }
                    1 => {
                        refund(&db, &checks).await.unwrap();
                        attempts = attempts.saturating_sub(1);
                    }
                    _ => {
                        let counted = if now - last >= FORGET_AFTER {
                            0
                        } else {
                            attempts
                        };
                        let expected = wait(ACCOUNT, counted, last, now);
                        let got = reserve(&db, &checks, now).await.unwrap();
                        match (got, expected) {
                            (Ok(()), None) => (attempts, last) = (counted + 1, now),
                            (Err(w), Some(e)) => assert_eq!(w, e, "seed {seed} step {step}"),
                            other => panic!("seed {seed} step {step}: {other:?}"),
                        }
                    }
                }
            }
        }
    }

    #[tokio::test]
    async fn a_guesser_trying_every_five_seconds_for_a_day_gets_about_a_hundred_guesses() {
        // Slowed, not locked out: the patient can still get in, the guesser gets few tries.
        let db = crate::db::open_database("sqlite::memory:").await.unwrap();
        let start = Utc::now();
        let checks = [(ACCOUNT, "guessed")];
        let mut allowed = 0;
        let mut t = start;
        while t < start + Duration::hours(23) {
            if reserve(&db, &checks, t).await.unwrap().is_ok() {
                allowed += 1;
            }
            t += Duration::seconds(5);
        }
        // 5 free, 6 growing waits to 15 minutes, then one each 15 minutes.
        let ceiling = 5 + 6 + (23 * 60 / 15);
        assert!(
            (ceiling - 5..=ceiling).contains(&allowed),
            "{allowed} of a ceiling of {ceiling}"
        );
    }

    #[test]
    fn waits_are_worded_in_whole_seconds_or_minutes() {
        assert_eq!(wait_words(Duration::seconds(30)), "30 seconds");
        assert_eq!(wait_words(Duration::seconds(61)), "2 minutes");
        assert_eq!(wait_words(Duration::seconds(60)), "1 minute");
        assert_eq!(wait_words(Duration::milliseconds(10)), "1 second");
    }
}
