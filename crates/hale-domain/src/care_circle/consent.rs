//! What a person helping a patient may see and do, and whether one request is within it now.
//!
//! The hospital keeps each grant as a FHIR `Consent` whose actor is the helper's
//! `RelatedPerson`; this is its meaning, decided without I/O. A consent is checked on every
//! request, so a revocation or an expiry takes effect at the helper's next request.

use chrono::{DateTime, NaiveDate, Utc};

use super::age::{guardian_access, GuardianAccess};

/// One thing a patient can let a helper see or do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Permission {
    /// See appointments and the queue.
    Appointments,
    /// See medicines and the dose log.
    Medicines,
    /// See readings and the alerts raised on them.
    Readings,
    /// Be alerted: missed doses, readings beyond the thresholds, no data.
    Alerts,
    /// Act on the patient's behalf: book, move, cancel, check in, log a dose.
    ActOnBehalf,
}

impl Permission {
    pub const ALL: [Permission; 5] = [
        Permission::Appointments,
        Permission::Medicines,
        Permission::Readings,
        Permission::Alerts,
        Permission::ActOnBehalf,
    ];

    /// Its stable code, as the hospital stores it and the app sends it.
    pub fn code(self) -> &'static str {
        match self {
            Permission::Appointments => "appointments",
            Permission::Medicines => "medicines",
            Permission::Readings => "readings",
            Permission::Alerts => "alerts",
            Permission::ActOnBehalf => "act",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.code() == code)
    }

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// A set of permissions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Permissions(u8);

impl Permissions {
    pub const NONE: Permissions = Permissions(0);

    pub fn all() -> Self {
        Permission::ALL.into_iter().collect()
    }

    pub fn contains(self, p: Permission) -> bool {
        self.0 & p.bit() != 0
    }

    pub fn with(self, p: Permission) -> Self {
        Permissions(self.0 | p.bit())
    }

    pub fn iter(self) -> impl Iterator<Item = Permission> {
        Permission::ALL
            .into_iter()
            .filter(move |p| self.contains(*p))
    }

    /// Only what both allow.
    pub fn and(self, other: Permissions) -> Self {
        Permissions(self.0 & other.0)
    }
}

impl FromIterator<Permission> for Permissions {
    fn from_iter<I: IntoIterator<Item = Permission>>(iter: I) -> Self {
        iter.into_iter()
            .fold(Permissions::NONE, |set, p| set.with(p))
    }
}

/// What a helper's request is about, as the hospital's access rules name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Appointments,
    Medicines,
    Readings,
    Alerts,
}

/// One request a helper makes for the patient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read what `Subject` covers.
    Read(Subject),
    /// Change something for the patient: book, move, cancel, check in, log a dose.
    Act(Subject),
}

impl Access {
    /// The permission this request needs.
    pub fn needs(self) -> Permission {
        match self {
            Access::Read(Subject::Appointments) => Permission::Appointments,
            Access::Read(Subject::Medicines) => Permission::Medicines,
            Access::Read(Subject::Readings) => Permission::Readings,
            Access::Read(Subject::Alerts) => Permission::Alerts,
            Access::Act(_) => Permission::ActOnBehalf,
        }
    }

    /// Acting on something also needs seeing it: a helper who may book but not see
    /// appointments could not know what they booked.
    fn also_needs(self) -> Option<Permission> {
        match self {
            Access::Act(subject) => Some(Access::Read(subject).needs()),
            Access::Read(_) => None,
        }
    }
}

/// Why the helper holds the grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// The patient, an adult, invited them and chose what they may do.
    Invited,
    /// The hospital records them as the parent or guardian of a patient born on `child_born`;
    /// `assent` is when a young person of 13 to 17 agreed, if they have.
    Guardian {
        child_born: NaiveDate,
        assent: Option<NaiveDate>,
    },
}

/// A helper's grant for one patient.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grant {
    pub permissions: Permissions,
    pub basis: Basis,
    pub start: DateTime<Utc>,
    /// When it ends by itself (an adult proxy's period); `None` for no end of its own.
    pub end: Option<DateTime<Utc>>,
    pub revoked: Option<DateTime<Utc>>,
}

/// Why a helper's request is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("the grant has not started")]
    NotYet,
    #[error("the grant has expired")]
    Expired,
    #[error("the patient revoked the grant")]
    Revoked,
    #[error("the young person has not assented")]
    AssentNeeded,
    #[error("the patient is now an adult")]
    NowAdult,
    #[error("the grant does not include {0:?}")]
    NotPermitted(Permission),
}

impl Grant {
    /// What the grant allows at `now` (`today` is the hospital's date, for the age rules), or
    /// why it allows nothing.
    pub fn in_force(&self, now: DateTime<Utc>, today: NaiveDate) -> Result<Permissions, Denied> {
        if self.revoked.is_some_and(|r| r <= now) {
            return Err(Denied::Revoked);
        }
        if now < self.start {
            return Err(Denied::NotYet);
        }
        if self.end.is_some_and(|e| e <= now) {
            return Err(Denied::Expired);
        }
        match self.basis {
            Basis::Invited => Ok(self.permissions),
            Basis::Guardian { child_born, assent } => match guardian_access(child_born, today) {
                GuardianAccess::Full => Ok(self.permissions),
                GuardianAccess::WithAssent if assent.is_some() => Ok(self.permissions),
                GuardianAccess::WithAssent => Err(Denied::AssentNeeded),
                GuardianAccess::Ended => Err(Denied::NowAdult),
            },
        }
    }

    /// Whether `access` is within the grant at `now`.
    pub fn check(
        &self,
        access: Access,
        now: DateTime<Utc>,
        today: NaiveDate,
    ) -> Result<(), Denied> {
        let allowed = self.in_force(now, today)?;
        for needed in std::iter::once(access.needs()).chain(access.also_needs()) {
            if !allowed.contains(needed) {
                return Err(Denied::NotPermitted(needed));
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn invited(permissions: &[Permission]) -> Grant {
        Grant {
            permissions: permissions.iter().copied().collect(),
            basis: Basis::Invited,
            start: t("2026-12-01T09:00:00Z"),
            end: Some(t("2027-12-01T09:00:00Z")),
            revoked: None,
        }
    }

    const NOW: &str = "2026-12-05T10:00:00Z";

    #[test]
    fn a_helper_reads_exactly_what_the_patient_chose() {
        let g = invited(&[Permission::Medicines, Permission::Alerts]);
        let (now, today) = (t(NOW), day("2026-12-05"));
        assert_eq!(
            g.check(Access::Read(Subject::Medicines), now, today),
            Ok(())
        );
        assert_eq!(g.check(Access::Read(Subject::Alerts), now, today), Ok(()));
        assert_eq!(
            g.check(Access::Read(Subject::Appointments), now, today),
            Err(Denied::NotPermitted(Permission::Appointments))
        );
        assert_eq!(
            g.check(Access::Read(Subject::Readings), now, today),
            Err(Denied::NotPermitted(Permission::Readings))
        );
    }

    #[test]
    fn acting_needs_both_the_permission_to_act_and_to_see_what_is_acted_on() {
        let (now, today) = (t(NOW), day("2026-12-05"));
        let act_only = invited(&[Permission::ActOnBehalf]);
        assert_eq!(
            act_only.check(Access::Act(Subject::Appointments), now, today),
            Err(Denied::NotPermitted(Permission::Appointments))
        );
        let see_only = invited(&[Permission::Appointments]);
        assert_eq!(
            see_only.check(Access::Act(Subject::Appointments), now, today),
            Err(Denied::NotPermitted(Permission::ActOnBehalf))
        );
        let both = invited(&[Permission::Appointments, Permission::ActOnBehalf]);
        assert_eq!(
            both.check(Access::Act(Subject::Appointments), now, today),
            Ok(())
        );
        assert_eq!(
            both.check(Access::Act(Subject::Medicines), now, today),
            Err(Denied::NotPermitted(Permission::Medicines)),
            "booking for someone does not let you log their doses"
        );
    }

    #[test]
    fn a_revoked_or_expired_grant_allows_nothing_from_that_moment() {
        let today = day("2026-12-05");
        let mut g = invited(&Permission::ALL);
        g.revoked = Some(t(NOW));
        let before = t("2026-12-05T09:59:59Z");
        assert_eq!(
            g.check(Access::Read(Subject::Medicines), before, today),
            Ok(())
        );
        assert_eq!(
            g.check(Access::Read(Subject::Medicines), t(NOW), today),
            Err(Denied::Revoked)
        );
        let g = invited(&Permission::ALL);
        assert_eq!(
            g.check(
                Access::Read(Subject::Medicines),
                t("2027-12-01T09:00:00Z"),
                today
            ),
            Err(Denied::Expired)
        );
        assert_eq!(
            g.check(
                Access::Read(Subject::Medicines),
                t("2026-11-30T09:00:00Z"),
                today
            ),
            Err(Denied::NotYet)
        );
    }

    #[test]
    fn a_guardian_needs_assent_from_13_and_loses_access_at_18_whatever_was_granted() {
        let guardian = |assent| Grant {
            permissions: Permissions::all(),
            basis: Basis::Guardian {
                child_born: day("2013-06-12"),
                assent,
            },
            start: t("2020-01-01T00:00:00Z"),
            end: None,
            revoked: None,
        };
        let read = Access::Read(Subject::Readings);
        let at = |d: &str| (t(&format!("{d}T12:00:00Z")), day(d));
        let (now, today) = at("2026-06-11");
        assert_eq!(guardian(None).check(read, now, today), Ok(()), "aged 12");
        let (now, today) = at("2026-06-12");
        assert_eq!(
            guardian(None).check(read, now, today),
            Err(Denied::AssentNeeded),
            "13 today"
        );
        assert_eq!(
            guardian(Some(day("2026-06-12"))).check(read, now, today),
            Ok(())
        );
        let (now, today) = at("2031-06-12");
        assert_eq!(
            guardian(Some(day("2026-06-12"))).check(read, now, today),
            Err(Denied::NowAdult),
            "18 today: it ends by itself"
        );
    }

    #[test]
    fn permission_codes_read_back_and_sets_hold_what_was_put_in() {
        for p in Permission::ALL {
            assert_eq!(Permission::from_code(p.code()), Some(p));
        }
        let set: Permissions = [Permission::Readings, Permission::Alerts]
            .into_iter()
            .collect();
        assert_eq!(
            set.iter().collect::<Vec<_>>(),
            [Permission::Readings, Permission::Alerts]
        );
        assert_eq!(
            set.and([Permission::Alerts].into_iter().collect()),
            [Permission::Alerts].into_iter().collect()
        );
        assert_eq!(Permission::from_code("everything"), None);
    }
}
