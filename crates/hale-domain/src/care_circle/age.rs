//! The age rules a hospital applies to a parent or guardian's access to a child's record:
//! full access under 13, from 13 to 17 only with the young person's recorded assent, and none
//! from the 18th birthday, by itself.

use chrono::{Datelike, NaiveDate};

/// From this birthday a young person's assent is needed.
pub const ASSENT_AGE: u32 = 13;
/// From this birthday a parent's access ends: the patient is an adult.
pub const ADULT_AGE: u32 = 18;

/// Whole years between `born` and `day` (0 before the first birthday). A birthday on 29 February
/// comes on 1 March in other years, as UK law counts it.
pub fn age_on(born: NaiveDate, day: NaiveDate) -> u32 {
    if day < born {
        return 0;
    }
    let years = day.year() - born.year();
    let birthday_this_year = NaiveDate::from_ymd_opt(day.year(), born.month(), born.day())
        .unwrap_or_else(|| {
            NaiveDate::from_ymd_opt(day.year(), 3, 1).expect("1 March exists every year")
        });
    let had_birthday = day >= birthday_this_year;
    u32::try_from(if had_birthday { years } else { years - 1 }).unwrap_or(0)
}

/// What a recorded parent or guardian may have of a child's record on one day.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GuardianAccess {
    /// Under 13: full access, without asking the child.
    Full,
    /// 13 to 17: only what the young person assented to, if they did.
    WithAssent,
    /// 18 or over: the access has ended; an adult invites whom they choose.
    Ended,
}

/// The access a guardian has on `today` to a child born on `born`.
pub fn guardian_access(born: NaiveDate, today: NaiveDate) -> GuardianAccess {
    match age_on(born, today) {
        a if a < ASSENT_AGE => GuardianAccess::Full,
        a if a < ADULT_AGE => GuardianAccess::WithAssent,
        _ => GuardianAccess::Ended,
    }
}

/// The day a guardian's access ends by itself: the 18th birthday.
pub fn adulthood(born: NaiveDate) -> NaiveDate {
    let year = born.year() + i32::try_from(ADULT_AGE).unwrap_or(18);
    NaiveDate::from_ymd_opt(year, born.month(), born.day())
        .unwrap_or_else(|| NaiveDate::from_ymd_opt(year, 3, 1).expect("1 March exists"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn an_age_counts_whole_years_and_turns_on_the_birthday() {
        let born = d(2013, 6, 12);
        assert_eq!(age_on(born, d(2026, 6, 11)), 12);
        assert_eq!(age_on(born, d(2026, 6, 12)), 13);
        assert_eq!(age_on(born, d(2013, 1, 1)), 0, "not born yet");
    }

    #[test]
    fn a_leap_day_birthday_comes_on_the_first_of_march_in_other_years() {
        let born = d(2008, 2, 29);
        assert_eq!(age_on(born, d(2026, 2, 28)), 17);
        assert_eq!(age_on(born, d(2026, 3, 1)), 18);
        assert_eq!(adulthood(born), d(2026, 3, 1));
    }

    #[test]
    fn a_guardian_has_full_access_under_13_needs_assent_to_17_and_none_from_18() {
        let born = d(2010, 9, 1);
        assert_eq!(guardian_access(born, d(2023, 8, 31)), GuardianAccess::Full);
        assert_eq!(
            guardian_access(born, d(2023, 9, 1)),
            GuardianAccess::WithAssent
        );
        assert_eq!(
            guardian_access(born, d(2028, 8, 31)),
            GuardianAccess::WithAssent
        );
        assert_eq!(guardian_access(born, d(2028, 9, 1)), GuardianAccess::Ended);
        assert_eq!(adulthood(born), d(2028, 9, 1));
    }
}
