//! The medicines screen, decided: today's doses with their states, each medicine's adherence and
//! supply, and the month's daily tallies, from what the device holds at `now` in `zone`.

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::adherence::{self, DosePolicy, DoseState, Tally};
use super::supply::{self, Outlook, LOOKAHEAD_DAYS};
use super::timing::{expand, DailyRoutine, ScheduledDose};
use super::{DoseRecord, Medicine, Outcome};

/// How far back adherence is counted (the month view) and records are kept in view.
pub const HISTORY_DAYS: i64 = 30;

/// One dose on the patient's day.
#[derive(Debug, Clone, PartialEq)]
pub struct DoseItem {
    pub medicine_id: String,
    pub name: String,
    pub slot: String,
    pub due: DateTime<Utc>,
    pub dose: Option<f64>,
    pub unit: Option<String>,
    pub state: DoseState,
}

/// A medicine with how it is going.
#[derive(Debug, Clone, PartialEq)]
pub struct MedicineStatus {
    pub medicine: Medicine,
    /// `None` until the patient counts their supply.
    pub supply: Option<Outlook>,
    pub week: Tally,
    pub month: Tally,
    /// Doses of an as-needed medicine in the last 24 hours.
    pub taken_last_day: u32,
}

/// What the medicines screen shows, before the shell adds how fresh it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Overview {
    pub medicines: Vec<MedicineStatus>,
    /// Today's doses, and earlier ones still due or missed in the last 24 hours, by due time.
    pub doses: Vec<DoseItem>,
    pub week: Tally,
    pub month: Tally,
    /// One tally per local day, the last 30 days, oldest first.
    pub daily: Vec<(NaiveDate, Tally)>,
}

/// The scheduled dose of `medicine` in `slot`, if it is one of its doses from the last month
/// to the next day (a patient logs today's, or catches up on recent ones).
pub fn find_dose<Tz: TimeZone>(
    medicine: &Medicine,
    slot: &str,
    zone: &Tz,
    now: DateTime<Utc>,
) -> Option<ScheduledDose> {
    expand(
        &medicine.steps,
        &DailyRoutine::default(),
        zone,
        now - Duration::days(HISTORY_DAYS),
        now + Duration::days(1),
    )
    .into_iter()
    .find(|d| d.slot.key() == slot)
}

/// The medicines screen's decided content from what the device holds, given `now` and `zone`.
pub fn overview<Tz: TimeZone>(
    medicines: &[Medicine],
    records: &[DoseRecord],
    snoozes: &HashMap<String, DateTime<Utc>>,
    supplies: &HashMap<String, (f64, DateTime<Utc>)>,
    zone: &Tz,
    now: DateTime<Utc>,
) -> Overview {
    let policy = DosePolicy::default();
    let routine = DailyRoutine::default();
    let by_key: HashMap<String, &DoseRecord> = records.iter().map(|r| (r.key(), r)).collect();
    let local_today = now.with_timezone(zone).date_naive();
    let start_of_today = zone
        .from_local_datetime(&local_today.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map_or(now - Duration::hours(12), |t| t.with_timezone(&Utc));
    let show_from = start_of_today.min(now - Duration::hours(24));
    let show_until = start_of_today + Duration::hours(26);
    let month_from = now - Duration::days(HISTORY_DAYS);
    let week_from = now - Duration::days(7);

    let mut doses = Vec::new();
    let mut statuses = Vec::new();
    let mut all_month: Vec<(DateTime<Utc>, Option<&DoseRecord>)> = Vec::new();
    for m in medicines {
        let expanded = if m.active {
            expand(&m.steps, &routine, zone, month_from, show_until)
        } else {
            Vec::new()
        };
        let mut month = Vec::new();
        for d in &expanded {
            let key = m.dose_key(&d.slot.key());
            let record = by_key.get(&key).copied();
            if d.due <= now {
                month.push((d.due, record));
            }
            if d.due >= show_from && d.due < show_until {
                let state = policy.state(d.due, record, snoozes.get(&key).copied(), now);
                // Yesterday's settled doses are history; only unsettled ones stay on today's list.
                let today = d.due >= start_of_today;
                if today
                    || matches!(
                        state,
                        DoseState::Due
                            | DoseState::Late
                            | DoseState::Snoozed { .. }
                            | DoseState::Missed
                    )
                {
                    doses.push(DoseItem {
                        medicine_id: m.id.clone(),
                        name: m.name.clone(),
                        slot: d.slot.key(),
                        due: d.due,
                        dose: d.dose,
                        unit: m.unit.clone(),
                        state,
                    });
                }
            }
        }
        let week = adherence::tally(
            month.iter().filter(|(due, _)| *due >= week_from).copied(),
            now,
            &policy,
        );
        let month_tally = adherence::tally(month.iter().copied(), now, &policy);
        all_month.extend(month);
        let supply = supplies.get(&m.id).map(|(amount, counted)| {
            let taken = records
                .iter()
                .filter(|r| r.medicine_id == m.id && r.at >= *counted)
                .filter_map(|r| match r.outcome {
                    Outcome::Taken { amount } => Some(amount.unwrap_or(1.0)),
                    Outcome::Skipped { .. } => None,
                });
            let left = supply::remaining(*amount, taken);
            let upcoming = if m.active {
                expand(
                    &m.steps,
                    &routine,
                    zone,
                    now,
                    now + Duration::days(i64::from(LOOKAHEAD_DAYS)),
                )
            } else {
                Vec::new()
            };
            supply::outlook(left, &upcoming, now)
        });
        let taken_last_day = records
            .iter()
            .filter(|r| {
                r.medicine_id == m.id && r.due.is_none() && r.at > now - Duration::hours(24)
            })
            .filter(|r| matches!(r.outcome, Outcome::Taken { .. }))
            .count() as u32;
        statuses.push(MedicineStatus {
            medicine: m.clone(),
            supply,
            week,
            month: month_tally,
            taken_last_day,
        });
    }
    doses.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.name.cmp(&b.name)));
    let week = adherence::tally(
        all_month
            .iter()
            .filter(|(due, _)| *due >= week_from)
            .copied(),
        now,
        &policy,
    );
    let month = adherence::tally(all_month.iter().copied(), now, &policy);
    let daily = adherence::daily(
        all_month.iter().copied(),
        now,
        zone,
        HISTORY_DAYS as u32,
        &policy,
    );
    Overview {
        medicines: statuses,
        doses,
        week,
        month,
        daily,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medication::timing::{Bounds, DosageStep, PeriodUnit, Timing};
    use crate::medication::{DoseRecord, Medicine, Outcome, Source};
    use chrono::{NaiveDate, TimeZone};

    fn medicine(id: &str, times: &[(u32, u32)]) -> Medicine {
        let start = NaiveDate::from_ymd_opt(2026, 11, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        Medicine {
            id: id.into(),
            name: id.into(),
            instructions: None,
            source: Source::Own,
            steps: vec![DosageStep {
                timing: Timing {
                    frequency: times.len() as u32,
                    period: 1,
                    period_unit: PeriodUnit::Day,
                    time_of_day: times
                        .iter()
                        .map(|(h, m)| chrono::NaiveTime::from_hms_opt(*h, *m, 0).unwrap())
                        .collect(),
                    day_of_week: Vec::new(),
                    when: Vec::new(),
                    offset_minutes: 0,
                    count: None,
                },
                bounds: Bounds { start, end: None },
                dose: Some(1.0),
                unit: Some("tablet".into()),
            }],
            as_needed: None,
            unit: Some("tablet".into()),
            active: true,
        }
    }

    fn at(d: u32, h: u32, m: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, d, h, m, 0).unwrap()
    }

    #[test]
    fn todays_list_has_todays_doses_and_yesterdays_unsettled_ones() {
        let meds = [medicine("own:a", &[(8, 0), (20, 0)])];
        let taken = DoseRecord {
            medicine_id: "own:a".into(),
            slot: "2026-12-02T08:00".into(),
            due: None,
            outcome: Outcome::Taken { amount: None },
            at: at(2, 8, 5),
        };
        let view = overview(
            &meds,
            &[taken],
            &HashMap::new(),
            &HashMap::new(),
            &Utc,
            at(2, 9, 0),
        );
        let slots: Vec<(&str, DoseState)> = view
            .doses
            .iter()
            .map(|d| (d.slot.as_str(), d.state))
            .collect();
        assert_eq!(
            slots,
            [
                ("2026-12-01T20:00", DoseState::Missed),
                (
                    "2026-12-02T08:00",
                    DoseState::Taken {
                        at: at(2, 8, 5),
                        late: false
                    }
                ),
                ("2026-12-02T20:00", DoseState::Upcoming),
            ]
        );
        // A month of two doses a day, one taken: the tally counts settled doses only.
        assert_eq!(view.month.taken, 1);
        assert_eq!(view.month.settled(), 60);
    }

    #[test]
    fn a_stopped_medicine_has_no_doses() {
        let mut m = medicine("own:a", &[(8, 0)]);
        m.active = false;
        let view = overview(
            &[m],
            &[],
            &HashMap::new(),
            &HashMap::new(),
            &Utc,
            at(2, 9, 0),
        );
        assert!(view.doses.is_empty());
        assert_eq!(view.month.settled(), 0);
    }

    #[test]
    fn the_supply_counts_down_from_the_last_count() {
        let meds = [medicine("own:a", &[(8, 0), (20, 0)])];
        let taken = |d: u32, h: u32| DoseRecord {
            medicine_id: "own:a".into(),
            slot: format!("2026-12-0{d}T{h:02}:00"),
            due: None,
            outcome: Outcome::Taken { amount: Some(1.0) },
            at: at(d, h, 0),
        };
        let records = [taken(1, 8), taken(1, 20), taken(2, 8)];
        let supplies = HashMap::from([("own:a".to_owned(), (10.0, at(1, 12, 0)))]);
        let view = overview(
            &meds,
            &records,
            &HashMap::new(),
            &supplies,
            &Utc,
            at(2, 9, 0),
        );
        let outlook = view.medicines[0].supply.unwrap();
        assert_eq!(outlook.remaining, 8.0);
        // Eight doses last until the 6th at 08:00; the one at 20:00 that day is not covered.
        assert_eq!(outlook.days_left, Some(4));
        assert!(outlook.refill);
    }
}
