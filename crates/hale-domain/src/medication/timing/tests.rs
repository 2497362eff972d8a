//! Timing expansion: every `Timing.repeat` form, DST, bounds and counts.

use super::*;
use chrono_tz::America::New_York;
use chrono_tz::Europe::London;
use PeriodUnit::{Day, Hour, Month, Week, Year};

// ---- helpers -------------------------------------------------------------------------

/// `"2026-01-05 08:00"` as a wall-clock time.
fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
}

fn time(s: &str) -> NaiveTime {
    NaiveTime::parse_from_str(s, "%H:%M").unwrap()
}

/// `"2026-03-29 01:00"` as an instant in UTC.
fn utc(s: &str) -> DateTime<Utc> {
    at(s).and_utc()
}

fn timing(frequency: u32, period: u32, period_unit: PeriodUnit) -> Timing {
    Timing {
        frequency,
        period,
        period_unit,
        time_of_day: vec![],
        day_of_week: vec![],
        when: vec![],
        offset_minutes: 0,
        count: None,
    }
}

fn step(timing: Timing, start: &str, end: Option<&str>) -> DosageStep {
    DosageStep {
        timing,
        bounds: Bounds {
            start: at(start),
            end: end.map(at),
        },
        dose: Some(1.0),
        unit: Some("tablet".into()),
    }
}

/// The doses of `steps` due between two wall-clock times in `zone`.
fn doses_in<Tz: TimeZone>(
    zone: &Tz,
    steps: &[DosageStep],
    from: &str,
    to: &str,
) -> Vec<ScheduledDose> {
    let (from, to) = (resolve(zone, at(from)), resolve(zone, at(to)));
    expand(steps, &DailyRoutine::default(), zone, from, to)
}

fn keys(doses: &[ScheduledDose]) -> Vec<String> {
    doses.iter().map(|d| d.slot.key()).collect()
}

/// `slot key -> due` for each dose.
fn slots_and_dues(doses: &[ScheduledDose]) -> Vec<String> {
    doses
        .iter()
        .map(|d| format!("{} -> {}", d.slot.key(), d.due.format("%Y-%m-%dT%H:%MZ")))
        .collect()
}

/// The slot keys of one step's doses between two London wall-clock times.
#[track_caller]
fn check<S: AsRef<str>>(
    timing: Timing,
    start: &str,
    end: Option<&str>,
    window: (&str, &str),
    want: &[S],
) {
    let doses = doses_in(&London, &[step(timing, start, end)], window.0, window.1);
    let want: Vec<&str> = want.iter().map(AsRef::as_ref).collect();
    assert_eq!(keys(&doses), want);
}

/// Like [`check`], with due times (UTC) as well.
#[track_caller]
fn check_due<Tz: TimeZone>(
    zone: &Tz,
    timing: Timing,
    start: &str,
    window: (&str, &str),
    want: &[&str],
) {
    let doses = doses_in(zone, &[step(timing, start, None)], window.0, window.1);
    assert_eq!(slots_and_dues(&doses), want);
}

/// Wall-clock times of each day, as `"2026-01-05T08:00"` keys for `days` days from the
/// given date.
fn daily(first: &str, days: u64, times: &[&str]) -> Vec<String> {
    let first = NaiveDate::parse_from_str(first, "%Y-%m-%d").unwrap();
    (0..days)
        .flat_map(|d| {
            let date = first + Days::new(d);
            times
                .iter()
                .map(move |t| DoseSlot::Local(date.and_time(time(t))).key())
        })
        .collect()
}

// ---- codes, keys, validation ----------------------------------------------------------

#[test]
fn period_unit_codes_round_trip() {
    let codes = ["s", "min", "h", "d", "wk", "mo", "a"];
    for (unit, code) in PeriodUnit::ALL.into_iter().zip(codes) {
        assert_eq!(unit.code(), code);
        assert_eq!(PeriodUnit::from_code(code), Some(unit));
    }
    for bad in ["", "D", "day", "m", "y"] {
        assert_eq!(PeriodUnit::from_code(bad), None, "{bad}");
    }
}

#[test]
fn when_codes_round_trip_in_value_set_order() {
    let codes = [
        "MORN", "AFT", "EVE", "NIGHT", "WAKE", "HS", "C", "CM", "CD", "CV", "AC", "ACM", "ACD",
        "ACV", "PC", "PCM", "PCD", "PCV",
    ];
    for (when, code) in When::ALL.into_iter().zip(codes) {
        assert_eq!(when.code(), code);
        assert_eq!(When::from_code(code), Some(when));
    }
    assert_eq!(When::from_code("ACM"), Some(When::BeforeBreakfast));
    assert_eq!(When::from_code("HS"), Some(When::Bedtime));
    for bad in ["", "cm", "PHS", "MEAL"] {
        assert_eq!(When::from_code(bad), None, "{bad}");
    }
}

#[test]
fn dose_slot_keys_round_trip() {
    let cases = [
        (DoseSlot::Local(at("2026-03-29 08:00")), "2026-03-29T08:00"),
        (DoseSlot::Local(at("2026-12-31 23:59")), "2026-12-31T23:59"),
        (
            DoseSlot::Instant(utc("2026-03-29 08:00")),
            "2026-03-29T08:00Z",
        ),
        (
            DoseSlot::Instant(utc("2026-01-01 00:00")),
            "2026-01-01T00:00Z",
        ),
    ];
    for (slot, key) in cases {
        assert_eq!(slot.key(), key);
        assert_eq!(DoseSlot::from_key(key), Some(slot), "{key}");
    }
}

#[test]
fn dose_slot_from_key_accepts_only_the_exact_form() {
    let bad = [
        "",
        "2026-03-29",
        "2026-3-29T08:00",
        "2026-03-29T8:00",
        "2026-03-29T08:00:00",
        "2026-03-29 08:00",
        "2026-03-29T24:00",
        "2026-02-30T08:00",
        "2026-03-29T08:00z",
        "2026-03-29T08:00ZZ",
    ];
    for key in bad {
        assert_eq!(DoseSlot::from_key(key), None, "{key}");
    }
}

#[test]
fn validate_refuses_zero_and_too_frequent() {
    use InvalidTiming::{TooFrequent, Zero};
    use PeriodUnit::{Minute, Second};
    let cases: [(u32, u32, PeriodUnit, Result<(), InvalidTiming>); 16] = [
        (1, 1, Day, Ok(())),
        (0, 1, Day, Err(Zero)),
        (1, 0, Day, Err(Zero)),
        (0, 0, Hour, Err(Zero)),
        (1, 15, Minute, Ok(())),
        (1, 14, Minute, Err(TooFrequent)),
        (1, 900, Second, Ok(())),
        (1, 899, Second, Err(TooFrequent)),
        (4, 1, Hour, Ok(())),
        (5, 1, Hour, Err(TooFrequent)),
        (96, 1, Day, Ok(())),
        (97, 1, Day, Err(TooFrequent)),
        // Calendar frequencies are doses per dosing day.
        (97, 2, Day, Err(TooFrequent)),
        (100, 1, Month, Err(TooFrequent)),
        (7, 1, Week, Ok(())),
        (700, 1, Week, Err(TooFrequent)),
    ];
    for (frequency, period, unit, want) in cases {
        let t = timing(frequency, period, unit);
        assert_eq!(
            validate(&t),
            want,
            "{frequency} per {period} {}",
            unit.code()
        );
    }
}

#[test]
fn an_invalid_step_yields_nothing_and_the_others_still_do() {
    let steps = [
        step(timing(0, 1, Day), "2026-01-05 00:00", None),
        step(timing(1, 1, Day), "2026-01-05 00:00", None),
    ];
    let doses = doses_in(&London, &steps, "2026-01-05 00:00", "2026-01-07 00:00");
    assert_eq!(keys(&doses), daily("2026-01-05", 2, &["08:00"]));
    assert!(doses.iter().all(|d| d.step == 1));
}

#[test]
fn default_routine() {
    let r = DailyRoutine::default();
    let got = [
        r.wake,
        r.breakfast,
        r.lunch,
        r.dinner,
        r.bedtime,
        r.morning,
        r.afternoon,
        r.evening,
        r.night,
    ];
    let want = [
        "07:00", "08:00", "12:30", "18:30", "22:30", "08:00", "14:00", "18:00", "22:00",
    ];
    assert_eq!(got.to_vec(), want.map(time).to_vec());
}

// ---- times of a dosing day ------------------------------------------------------------

const JAN: (&str, &str) = ("2026-01-05 00:00", "2026-01-08 00:00");
const MON: &str = "2026-01-05 00:00";

#[test]
fn once_daily_is_at_eight() {
    check(
        timing(1, 1, Day),
        MON,
        None,
        JAN,
        &daily("2026-01-05", 3, &["08:00"]),
    );
    // London is on GMT in January: due at 08:00 UTC.
    check_due(
        &London,
        timing(1, 1, Day),
        MON,
        ("2026-01-05 00:00", "2026-01-06 00:00"),
        &["2026-01-05T08:00 -> 2026-01-05T08:00Z"],
    );
}

#[test]
fn default_times_by_frequency() {
    let cases: [(u32, &[&str]); 6] = [
        (1, &["08:00"]),
        (2, &["08:00", "20:00"]),
        (3, &["08:00", "14:00", "20:00"]),
        (4, &["08:00", "12:00", "16:00", "20:00"]),
        (5, &["08:00", "11:30", "15:00", "18:30", "22:00"]),
        (6, &["08:00", "10:48", "13:36", "16:24", "19:12", "22:00"]),
    ];
    for (frequency, times) in cases {
        let want = daily("2026-01-05", 1, times);
        check(
            timing(frequency, 1, Day),
            MON,
            None,
            ("2026-01-05 00:00", "2026-01-06 00:00"),
            &want,
        );
    }
}

#[test]
fn many_a_day_spread_over_the_whole_day_rather_than_closer_than_15_minutes() {
    let doses = doses_in(
        &London,
        &[step(timing(96, 1, Day), MON, None)],
        "2026-01-05 00:00",
        "2026-01-06 00:00",
    );
    assert_eq!(doses.len(), 96);
    assert!(doses
        .windows(2)
        .all(|w| w[1].due - w[0].due == Duration::minutes(15)));
}

#[test]
fn when_codes_are_placed_on_the_routine() {
    let one_day = ("2026-01-05 00:00", "2026-01-06 00:00");
    use When::*;
    let cases: [(&[When], u32, &[&str]); 10] = [
        (&[Breakfast, Dinner], 0, &["08:00", "18:30"]),
        (&[Meal], 0, &["08:00", "12:30", "18:30"]),
        (&[BeforeBreakfast], 0, &["07:30"]),
        (&[BeforeBreakfast], 60, &["07:00"]),
        (&[BeforeMeal], 0, &["07:30", "12:00", "18:00"]),
        (&[AfterDinner], 0, &["18:30"]),
        (&[AfterDinner], 15, &["18:45"]),
        (&[AfterMeal], 30, &["08:30", "13:00", "19:00"]),
        (&[Bedtime, Wake, Morning], 0, &["07:00", "08:00", "22:30"]),
        // Same time twice is one dose.
        (
            &[Morning, Breakfast, Afternoon, Evening, Night],
            45,
            &["08:00", "14:00", "18:00", "22:00"],
        ),
    ];
    for (when, offset, times) in cases {
        let t = Timing {
            when: when.to_vec(),
            offset_minutes: offset,
            ..timing(when.len() as u32, 1, Day)
        };
        check(t, MON, None, one_day, &daily("2026-01-05", 1, times));
    }
}

#[test]
fn twice_daily_with_breakfast_and_dinner() {
    let t = Timing {
        when: vec![When::Breakfast, When::Dinner],
        ..timing(2, 1, Day)
    };
    check(
        t,
        MON,
        None,
        JAN,
        &daily("2026-01-05", 3, &["08:00", "18:30"]),
    );
}

#[test]
fn before_meal_offsets_stay_on_the_day() {
    let routine = DailyRoutine {
        breakfast: time("00:10"),
        ..DailyRoutine::default()
    };
    assert_eq!(When::BeforeBreakfast.times(&routine, 0), [time("00:00")]);
    assert_eq!(When::AfterDinner.times(&routine, 24 * 60), [time("23:59")]);
}

#[test]
fn explicit_times_win_and_are_sorted_once_each_to_the_minute() {
    let t = Timing {
        time_of_day: vec![time("21:00"), time("09:00"), time("09:00")],
        when: vec![When::Lunch],
        ..timing(2, 1, Day)
    };
    check(
        t,
        MON,
        None,
        JAN,
        &daily("2026-01-05", 3, &["09:00", "21:00"]),
    );
    let with_seconds = Timing {
        time_of_day: vec![NaiveTime::from_hms_opt(9, 0, 30).unwrap()],
        ..timing(1, 1, Day)
    };
    check(
        with_seconds,
        MON,
        None,
        JAN,
        &daily("2026-01-05", 3, &["09:00"]),
    );
}

// ---- sub-day and exact intervals ------------------------------------------------------

#[test]
fn every_8_hours_keeps_wall_clock_times() {
    check(
        timing(1, 8, Hour),
        "2026-01-05 06:00",
        None,
        JAN,
        &daily("2026-01-05", 3, &["06:00", "14:00", "22:00"]),
    );
    // Anchored on the first explicit time; doses before the start are not produced.
    let t = Timing {
        time_of_day: vec![time("06:00")],
        ..timing(1, 8, Hour)
    };
    check(
        t,
        "2026-01-05 10:00",
        None,
        ("2026-01-05 00:00", "2026-01-06 12:00"),
        &["2026-01-05T14:00", "2026-01-05T22:00", "2026-01-06T06:00"],
    );
    // Three a day per 1 d and every 2 of 6 h are the same shape.
    check(
        timing(3, 24, Hour),
        "2026-01-05 07:00",
        None,
        ("2026-01-05 00:00", "2026-01-06 00:00"),
        &["2026-01-05T07:00", "2026-01-05T15:00", "2026-01-05T23:00"],
    );
    check(
        timing(2, 12, Hour),
        "2026-01-05 02:00",
        None,
        ("2026-01-05 00:00", "2026-01-05 12:00"),
        &["2026-01-05T02:00", "2026-01-05T08:00"],
    );
}

#[test]
fn every_8_hours_across_the_spring_change_stays_on_the_clock() {
    check_due(
        &London,
        timing(1, 8, Hour),
        "2026-03-28 06:00",
        ("2026-03-28 20:00", "2026-03-29 15:00"),
        &[
            "2026-03-28T22:00 -> 2026-03-28T22:00Z",
            "2026-03-29T06:00 -> 2026-03-29T05:00Z",
            "2026-03-29T14:00 -> 2026-03-29T13:00Z",
        ],
    );
}

#[test]
fn every_36_hours_is_exact_instants() {
    check(
        timing(1, 36, Hour),
        "2026-01-05 08:00",
        None,
        ("2026-01-05 00:00", "2026-01-09 00:00"),
        &[
            "2026-01-05T08:00Z",
            "2026-01-06T20:00Z",
            "2026-01-08T08:00Z",
        ],
    );
    // Every 5 hours does not divide the day either.
    check(
        timing(1, 5, Hour),
        "2026-01-05 08:00",
        None,
        ("2026-01-05 00:00", "2026-01-06 08:00"),
        &[
            "2026-01-05T08:00Z",
            "2026-01-05T13:00Z",
            "2026-01-05T18:00Z",
            "2026-01-05T23:00Z",
            "2026-01-06T04:00Z",
        ],
    );
}

#[test]
fn every_36_hours_stays_36_hours_across_a_change() {
    // London: from 20:00 GMT on Friday 27 March the next dose is 09:00 BST on Sunday.
    check_due(
        &London,
        timing(1, 36, Hour),
        "2026-03-27 20:00",
        ("2026-03-27 00:00", "2026-04-01 00:00"),
        &[
            "2026-03-27T20:00Z -> 2026-03-27T20:00Z",
            "2026-03-29T08:00Z -> 2026-03-29T08:00Z",
            "2026-03-30T20:00Z -> 2026-03-30T20:00Z",
        ],
    );
    // New York, 8 March 2026: 20:00 EST on the 6th is 01:00 UTC; 36 hours on is 09:00 EDT.
    check_due(
        &New_York,
        timing(1, 36, Hour),
        "2026-03-06 20:00",
        ("2026-03-06 00:00", "2026-03-08 12:00"),
        &[
            "2026-03-07T01:00Z -> 2026-03-07T01:00Z",
            "2026-03-08T13:00Z -> 2026-03-08T13:00Z",
        ],
    );
}

// ---- which days -----------------------------------------------------------------------

#[test]
fn every_other_day() {
    check(
        timing(1, 2, Day),
        MON,
        None,
        ("2026-01-05 00:00", "2026-01-11 00:00"),
        &["2026-01-05T08:00", "2026-01-07T08:00", "2026-01-09T08:00"],
    );
}

#[test]
fn daily_only_on_given_weekdays() {
    let t = Timing {
        day_of_week: vec![Weekday::Sat, Weekday::Sun],
        ..timing(1, 1, Day)
    };
    check(
        t,
        MON,
        None,
        ("2026-01-05 00:00", "2026-01-13 00:00"),
        &["2026-01-10T08:00", "2026-01-11T08:00"],
    );
}

#[test]
fn weekly_on_monday() {
    let t = Timing {
        day_of_week: vec![Weekday::Mon],
        ..timing(1, 1, Week)
    };
    // Starting on Wednesday 7 January: the first Monday is the 12th.
    check(
        t,
        "2026-01-07 00:00",
        None,
        ("2026-01-01 00:00", "2026-01-27 00:00"),
        &["2026-01-12T08:00", "2026-01-19T08:00", "2026-01-26T08:00"],
    );
}

#[test]
fn fortnightly_on_monday() {
    let t = Timing {
        day_of_week: vec![Weekday::Mon],
        ..timing(1, 2, Week)
    };
    check(
        t,
        MON,
        None,
        ("2026-01-01 00:00", "2026-02-03 00:00"),
        &["2026-01-05T08:00", "2026-01-19T08:00", "2026-02-02T08:00"],
    );
}

#[test]
fn weekly_without_day_of_week_is_the_starts_weekday() {
    check(
        timing(1, 1, Week),
        "2026-01-07 00:00",
        None,
        ("2026-01-01 00:00", "2026-01-22 00:00"),
        &["2026-01-07T08:00", "2026-01-14T08:00", "2026-01-21T08:00"],
    );
}

#[test]
fn three_times_a_week_spreads_days_from_the_start() {
    // From Monday: Monday, Wednesday, Friday.
    check(
        timing(3, 1, Week),
        MON,
        None,
        ("2026-01-05 00:00", "2026-01-13 00:00"),
        &[
            "2026-01-05T08:00",
            "2026-01-07T08:00",
            "2026-01-09T08:00",
            "2026-01-12T08:00",
        ],
    );
    // From Thursday: Thursday, Saturday, then Monday of the next week.
    check(
        timing(3, 1, Week),
        "2026-01-08 00:00",
        None,
        ("2026-01-05 00:00", "2026-01-16 00:00"),
        &[
            "2026-01-08T08:00",
            "2026-01-10T08:00",
            "2026-01-12T08:00",
            "2026-01-15T08:00",
        ],
    );
    // With explicit times, each dosing day gets them all.
    let t = Timing {
        time_of_day: vec![time("09:00"), time("21:00")],
        ..timing(2, 1, Week)
    };
    check(
        t,
        MON,
        None,
        ("2026-01-05 00:00", "2026-01-12 00:00"),
        &[
            "2026-01-05T09:00",
            "2026-01-05T21:00",
            "2026-01-08T09:00",
            "2026-01-08T21:00",
        ],
    );
}

#[test]
fn fourteen_a_week_is_twice_a_day() {
    check(
        timing(14, 1, Week),
        MON,
        None,
        ("2026-01-05 00:00", "2026-01-07 00:00"),
        &daily("2026-01-05", 2, &["08:00", "20:00"]),
    );
}

#[test]
fn monthly_on_the_31st_is_clamped_to_short_months() {
    check(
        timing(1, 1, Month),
        "2026-01-31 00:00",
        None,
        ("2026-01-01 00:00", "2026-06-01 00:00"),
        &[
            "2026-01-31T08:00",
            "2026-02-28T08:00",
            "2026-03-31T08:00",
            "2026-04-30T08:00",
            "2026-05-31T08:00",
        ],
    );
    check(
        timing(1, 3, Month),
        "2026-01-31 00:00",
        None,
        ("2026-01-01 00:00", "2027-01-01 00:00"),
        &[
            "2026-01-31T08:00",
            "2026-04-30T08:00",
            "2026-07-31T08:00",
            "2026-10-31T08:00",
        ],
    );
}

#[test]
fn yearly_from_29_february_falls_on_the_28th_in_common_years() {
    check(
        timing(1, 1, Year),
        "2028-02-29 00:00",
        None,
        ("2028-01-01 00:00", "2033-01-01 00:00"),
        &[
            "2028-02-29T08:00",
            "2029-02-28T08:00",
            "2030-02-28T08:00",
            "2031-02-28T08:00",
            "2032-02-29T08:00",
        ],
    );
}

// ---- bounds, count, courses ------------------------------------------------------------

#[test]
fn bounds_start_is_inclusive_and_end_exclusive() {
    let t = || timing(1, 1, Day);
    let window = ("2026-01-01 00:00", "2026-02-01 00:00");
    let cases: [(&str, &str, Vec<String>); 4] = [
        (
            "2026-01-05 08:00",
            "2026-01-08 08:00",
            daily("2026-01-05", 3, &["08:00"]),
        ),
        (
            "2026-01-05 08:00",
            "2026-01-08 08:01",
            daily("2026-01-05", 4, &["08:00"]),
        ),
        (
            "2026-01-05 08:01",
            "2026-01-08 08:00",
            daily("2026-01-06", 2, &["08:00"]),
        ),
        ("2026-01-05 08:00", "2026-01-05 08:00", Vec::new()),
    ];
    for (start, end, want) in cases {
        check(t(), start, Some(end), window, &want);
    }
    // A start with seconds still includes its own minute.
    let mut s = step(t(), "2026-01-05 08:00", Some("2026-01-06 00:00"));
    s.bounds.start += Duration::seconds(30);
    let doses = doses_in(&London, &[s], window.0, window.1);
    assert_eq!(keys(&doses), ["2026-01-05T08:00"]);
    // Exact intervals stop before the end too.
    check(
        timing(1, 36, Hour),
        "2026-01-05 08:00",
        Some("2026-01-08 08:00"),
        window,
        &["2026-01-05T08:00Z", "2026-01-06T20:00Z"],
    );
}

#[test]
fn the_window_is_half_open_on_due_times() {
    let s = [step(timing(1, 1, Day), MON, None)];
    let doses = doses_in(&London, &s, "2026-01-05 08:00", "2026-01-07 08:00");
    assert_eq!(keys(&doses), daily("2026-01-05", 2, &["08:00"]));
    assert!(doses_in(&London, &s, "2026-01-07 08:00", "2026-01-05 08:00").is_empty());
}

#[test]
fn count_stops_the_course_whatever_the_window() {
    let t = || Timing {
        count: Some(10),
        ..timing(2, 1, Day)
    };
    let start = "2026-01-05 08:00";
    let ten = daily("2026-01-05", 5, &["08:00", "20:00"]);
    check(
        t(),
        start,
        None,
        ("2026-01-01 00:00", "2026-02-01 00:00"),
        &ten,
    );
    // From mid-course: the doses before the window still count.
    check(
        t(),
        start,
        None,
        ("2026-01-08 00:00", "2026-02-01 00:00"),
        &ten[6..],
    );
    // After the course: nothing.
    check(
        t(),
        start,
        None,
        ("2026-01-10 00:00", "2026-02-01 00:00"),
        &[] as &[&str],
    );
    // Counted from the start, not from the first day: 20:00 is the first dose.
    check(
        t(),
        "2026-01-05 12:00",
        None,
        ("2026-01-01 00:00", "2026-02-01 00:00"),
        &daily("2026-01-05", 6, &["08:00", "20:00"])[1..11],
    );
    // Exact intervals count from the start too.
    let exact = Timing {
        count: Some(3),
        ..timing(1, 36, Hour)
    };
    check(
        exact,
        "2026-01-05 08:00",
        None,
        ("2026-01-06 00:00", "2026-02-01 00:00"),
        &["2026-01-06T20:00Z", "2026-01-08T08:00Z"],
    );
}

#[test]
fn a_tapering_course_gives_each_step_its_dose_and_stops() {
    let steps: Vec<DosageStep> = [
        (3.0, "2026-01-05 00:00", "2026-01-10 00:00"),
        (2.0, "2026-01-10 00:00", "2026-01-15 00:00"),
        (1.0, "2026-01-15 00:00", "2026-01-20 00:00"),
    ]
    .into_iter()
    .map(|(dose, start, end)| DosageStep {
        dose: Some(dose),
        ..step(timing(1, 1, Day), start, Some(end))
    })
    .collect();
    let doses = doses_in(&London, &steps, "2026-01-01 00:00", "2026-02-01 00:00");
    assert_eq!(keys(&doses), daily("2026-01-05", 15, &["08:00"]));
    let amounts: Vec<(usize, Option<f64>)> = doses.iter().map(|d| (d.step, d.dose)).collect();
    let want: Vec<(usize, Option<f64>)> = [(0, 3.0), (1, 2.0), (2, 1.0)]
        .into_iter()
        .flat_map(|(i, a)| std::iter::repeat_n((i, Some(a)), 5))
        .collect();
    assert_eq!(amounts, want);
    let total: f64 = doses.iter().filter_map(|d| d.dose).sum();
    assert_eq!(total, 30.0);
}

#[test]
fn where_steps_overlap_the_later_step_wins() {
    let first = DosageStep {
        dose: Some(1.0),
        ..step(timing(1, 1, Day), MON, Some("2026-01-10 00:00"))
    };
    let second = DosageStep {
        dose: Some(2.0),
        ..step(
            timing(1, 1, Day),
            "2026-01-08 00:00",
            Some("2026-01-12 00:00"),
        )
    };
    let doses = doses_in(
        &London,
        &[first, second],
        "2026-01-01 00:00",
        "2026-02-01 00:00",
    );
    let got: Vec<(String, usize)> = doses.iter().map(|d| (d.slot.key(), d.step)).collect();
    let want: Vec<(String, usize)> = daily("2026-01-05", 7, &["08:00"])
        .into_iter()
        .zip([0, 0, 0, 1, 1, 1, 1])
        .collect();
    assert_eq!(got, want);
}

// ---- daylight saving -----------------------------------------------------------------

#[test]
fn a_slot_in_the_spring_gap_is_due_at_the_end_of_the_gap() {
    // BST starts at 01:00 UTC on 29 March 2026: 01:00–02:00 local never happens.
    let t = Timing {
        time_of_day: vec![time("01:30")],
        ..timing(1, 1, Day)
    };
    check_due(
        &London,
        t,
        "2026-03-28 00:00",
        ("2026-03-28 00:00", "2026-03-31 00:00"),
        &[
            "2026-03-28T01:30 -> 2026-03-28T01:30Z",
            "2026-03-29T01:30 -> 2026-03-29T01:00Z",
            "2026-03-30T01:30 -> 2026-03-30T00:30Z",
        ],
    );
    // New York, 8 March 2026: 02:30 is skipped; due at 03:00 EDT.
    let t = Timing {
        time_of_day: vec![time("02:30")],
        ..timing(1, 1, Day)
    };
    check_due(
        &New_York,
        t,
        "2026-03-08 00:00",
        ("2026-03-08 00:00", "2026-03-09 00:00"),
        &["2026-03-08T02:30 -> 2026-03-08T07:00Z"],
    );
}

#[test]
fn eight_oclock_stays_eight_oclock_across_the_spring_change() {
    check_due(
        &London,
        timing(1, 1, Day),
        "2026-03-27 00:00",
        ("2026-03-28 00:00", "2026-03-30 00:00"),
        &[
            "2026-03-28T08:00 -> 2026-03-28T08:00Z",
            "2026-03-29T08:00 -> 2026-03-29T07:00Z",
        ],
    );
}

#[test]
fn a_repeated_slot_in_the_autumn_is_due_once_at_its_first_occurrence() {
    let t = || Timing {
        time_of_day: vec![time("01:30")],
        ..timing(1, 1, Day)
    };
    check_due(
        &London,
        t(),
        "2026-10-24 00:00",
        ("2026-10-24 00:00", "2026-10-27 00:00"),
        &[
            "2026-10-24T01:30 -> 2026-10-24T00:30Z",
            "2026-10-25T01:30 -> 2026-10-25T00:30Z",
            "2026-10-26T01:30 -> 2026-10-26T01:30Z",
        ],
    );
    // New York, 1 November 2026: 01:30 EDT is 05:30 UTC.
    check_due(
        &New_York,
        t(),
        "2026-11-01 00:00",
        ("2026-11-01 00:00", "2026-11-02 00:00"),
        &["2026-11-01T01:30 -> 2026-11-01T05:30Z"],
    );
}

#[test]
fn hourly_on_the_autumn_day_is_24_slots_the_repeated_hour_once() {
    let doses = doses_in(
        &London,
        &[step(timing(1, 1, Hour), "2026-10-25 00:00", None)],
        "2026-10-25 00:00",
        "2026-10-26 00:00",
    );
    let hours: Vec<String> = (0..24).map(|h| format!("{h:02}:00")).collect();
    let hours: Vec<&str> = hours.iter().map(String::as_str).collect();
    assert_eq!(keys(&doses), daily("2026-10-25", 1, &hours));
    let dues = slots_and_dues(&doses);
    assert_eq!(dues[1], "2026-10-25T01:00 -> 2026-10-25T00:00Z");
    assert_eq!(dues[2], "2026-10-25T02:00 -> 2026-10-25T02:00Z");
}

#[test]
fn hourly_on_the_spring_day_is_24_slots_the_skipped_hour_at_the_gaps_end() {
    let doses = doses_in(
        &London,
        &[step(timing(1, 1, Hour), "2026-03-29 00:00", None)],
        "2026-03-29 00:00",
        "2026-03-30 00:00",
    );
    let hours: Vec<String> = (0..24).map(|h| format!("{h:02}:00")).collect();
    let hours: Vec<&str> = hours.iter().map(String::as_str).collect();
    assert_eq!(keys(&doses), daily("2026-03-29", 1, &hours));
    let dues = slots_and_dues(&doses);
    assert_eq!(dues[1], "2026-03-29T01:00 -> 2026-03-29T01:00Z");
    assert_eq!(dues[2], "2026-03-29T02:00 -> 2026-03-29T01:00Z");
}

#[test]
fn wall_clock_slots_keep_their_names_in_another_zone() {
    let s = [step(timing(1, 1, Day), MON, None)];
    let london = doses_in(&London, &s, "2026-01-05 00:00", "2026-01-06 00:00");
    let new_york = doses_in(&New_York, &s, "2026-01-05 00:00", "2026-01-06 00:00");
    assert_eq!(keys(&london), keys(&new_york));
    assert_eq!(london[0].due, utc("2026-01-05 08:00"));
    assert_eq!(new_york[0].due, utc("2026-01-05 13:00"));
}

// ---- long windows and the quick path --------------------------------------------------

#[test]
fn ninety_days_of_four_a_day_is_360_doses() {
    // Across the spring change, so one day is 23 hours long.
    let doses = doses_in(
        &London,
        &[step(timing(4, 1, Day), "2026-03-01 00:00", None)],
        "2026-03-01 00:00",
        "2026-05-30 00:00",
    );
    assert_eq!(doses.len(), 360);
    assert_eq!(doses[0].slot.key(), "2026-03-01T08:00");
    assert_eq!(doses[359].slot.key(), "2026-05-29T20:00");
}

#[test]
fn a_window_mid_schedule_matches_expanding_from_the_start() {
    let weekly = |frequency, period, days: Vec<Weekday>| Timing {
        day_of_week: days,
        ..timing(frequency, period, Week)
    };
    let timings = [
        timing(1, 1, Day),
        timing(3, 2, Day),
        timing(1, 8, Hour),
        timing(1, 36, Hour),
        timing(3, 1, Week),
        weekly(1, 2, vec![Weekday::Mon, Weekday::Thu]),
        timing(1, 3, Month),
        timing(1, 1, Year),
        Timing {
            count: Some(500),
            ..timing(2, 1, Day)
        },
    ];
    let start = "2026-01-31 07:00";
    let windows = [
        ("2026-06-10 10:17", "2026-07-20 05:00"),
        ("2026-03-28 23:00", "2026-04-02 00:00"),
        ("2027-01-30 00:00", "2027-03-02 00:00"),
    ];
    for t in timings {
        let s = [step(t.clone(), start, None)];
        for (from, to) in windows {
            let window = doses_in(&London, &s, from, to);
            let from = resolve(&London, at(from));
            let reference: Vec<ScheduledDose> = doses_in(&London, &s, start, to)
                .into_iter()
                .filter(|d| d.due >= from)
                .collect();
            assert_eq!(window, reference, "{t:?} from {from}");
        }
    }
}

#[test]
fn a_far_window_of_an_unbounded_schedule_is_cheap_and_right() {
    let s = [step(timing(2, 1, Day), "2026-01-05 00:00", None)];
    let doses = doses_in(&London, &s, "2126-01-05 00:00", "2126-01-07 00:00");
    assert_eq!(keys(&doses), daily("2126-01-05", 2, &["08:00", "20:00"]));
    let exact = [step(timing(1, 36, Hour), "2026-01-05 08:00", None)];
    let doses = doses_in(&London, &exact, "2126-01-05 00:00", "2126-01-08 00:00");
    assert_eq!(doses.len(), 2);
    assert!(doses
        .windows(2)
        .all(|w| w[1].due - w[0].due == Duration::hours(36)));
}
