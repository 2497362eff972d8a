//! Appointment reminders: when each is due, which are due now, and what they say.
//!
//! A reminder is due a *lead* before its appointment. Leads in days keep the wall-clock time
//! ("the day before, at the same time"), so across a daylight-saving change a one-day lead is 23
//! or 25 hours; leads in minutes are exact durations. The zone is an argument: the app passes the
//! device's zone, tests pass a named one.
//!
//! Each reminder has a key naming its appointment, that appointment's start and the lead. A moved
//! appointment therefore gets fresh reminders, and the app records sent keys so a restart never
//! repeats one. When the app was not running at a reminder's time, only the latest missed reminder
//! of each appointment is shown on return, and only while the appointment is still ahead.

use std::collections::HashSet;
use std::fmt;

use chrono::{DateTime, Days, Duration, LocalResult, NaiveDateTime, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::notice::{About, Place};
use crate::{Appointment, AppointmentStatus};

/// How long before an appointment a reminder is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Lead {
    /// That many calendar days before, at the same wall-clock time.
    Days(u16),
    /// That many minutes before, exactly.
    Minutes(u32),
}

impl Lead {
    /// The leads a patient may choose from, longest first.
    pub const CHOICES: [Lead; 6] = [
        Lead::Days(7),
        Lead::Days(2),
        Lead::Days(1),
        Lead::Minutes(120),
        Lead::Minutes(60),
        Lead::Minutes(30),
    ];

    /// The default: the day before and two hours before.
    pub const DEFAULT: [Lead; 2] = [Lead::Days(1), Lead::Minutes(120)];

    /// When a reminder with this lead is due for an appointment starting at `start`, in `zone`.
    pub fn due_before<Tz: TimeZone>(self, start: DateTime<Utc>, zone: &Tz) -> DateTime<Utc> {
        match self {
            Lead::Minutes(m) => start - Duration::minutes(i64::from(m)),
            Lead::Days(d) => {
                let local = start.with_timezone(zone).naive_local();
                let earlier = local
                    .checked_sub_days(Days::new(u64::from(d)))
                    .unwrap_or(local);
                resolve(zone, earlier)
            }
        }
    }

    /// A short stable text form, used in reminder keys and storage: `P1D`, `PT120M` (ISO 8601
    /// durations).
    pub fn to_iso(self) -> String {
        match self {
            Lead::Days(d) => format!("P{d}D"),
            Lead::Minutes(m) => format!("PT{m}M"),
        }
    }

    /// Reads the form [`Lead::to_iso`] writes.
    pub fn from_iso(text: &str) -> Option<Lead> {
        if let Some(m) = text.strip_prefix("PT").and_then(|t| t.strip_suffix('M')) {
            return m.parse().ok().map(Lead::Minutes);
        }
        let d = text.strip_prefix('P').and_then(|t| t.strip_suffix('D'))?;
        d.parse().ok().map(Lead::Days)
    }

    /// Rough length, to order leads and to reject absurd ones.
    fn approx_minutes(self) -> u64 {
        match self {
            Lead::Days(d) => u64::from(d) * 24 * 60,
            Lead::Minutes(m) => u64::from(m),
        }
    }
}

impl fmt::Display for Lead {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Lead::Days(1) => f.write_str("1 day before"),
            Lead::Days(d) => write!(f, "{d} days before"),
            Lead::Minutes(m) if m % 60 == 0 && m >= 60 => match m / 60 {
                1 => f.write_str("1 hour before"),
                h => write!(f, "{h} hours before"),
            },
            Lead::Minutes(m) => write!(f, "{m} minutes before"),
        }
    }
}

/// Why a set of leads cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InvalidLeads {
    #[error("at most {max} reminders per appointment")]
    TooMany { max: usize },
    #[error("a reminder can be at most 28 days before an appointment")]
    TooEarly,
    #[error("a reminder must come at least 5 minutes before an appointment")]
    TooLate,
}

/// Checks and normalises a patient's choice of leads: longest first, no repeats.
pub fn normalise_leads(leads: &[Lead]) -> Result<Vec<Lead>, InvalidLeads> {
    const MAX: usize = 6;
    let mut out: Vec<Lead> = Vec::with_capacity(leads.len());
    for lead in leads {
        if lead.approx_minutes() > 28 * 24 * 60 {
            return Err(InvalidLeads::TooEarly);
        }
        if lead.approx_minutes() < 5 {
            return Err(InvalidLeads::TooLate);
        }
        if !out.contains(lead) {
            out.push(*lead);
        }
    }
    if out.len() > MAX {
        return Err(InvalidLeads::TooMany { max: MAX });
    }
    out.sort_by_key(|l| std::cmp::Reverse(l.approx_minutes()));
    Ok(out)
}

/// The instant a wall-clock time names in `zone`. A time skipped by a clock change becomes the
/// first minute after the gap; a time that happens twice is its first occurrence.
pub(crate) fn resolve<Tz: TimeZone>(zone: &Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let mut probe = local;
    // Gaps are at most a few hours; step minute by minute to the first time that exists.
    for _ in 0..(24 * 60) {
        match zone.from_local_datetime(&probe) {
            LocalResult::Single(t) => return t.with_timezone(&Utc),
            LocalResult::Ambiguous(first, _) => return first.with_timezone(&Utc),
            LocalResult::None => probe += Duration::minutes(1),
        }
    }
    // No zone has a day-long gap; treat the wall-clock time as UTC rather than fail.
    local.and_utc()
}

/// One reminder of one appointment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reminder {
    /// Stable across restarts; changes when the appointment moves.
    pub key: String,
    pub appointment_id: String,
    pub lead: Lead,
    pub due: DateTime<Utc>,
    pub start: DateTime<Utc>,
}

/// Every reminder of the appointments that want one, by due time.
///
/// Only booked (or pending) appointments get reminders: an arrived patient needs none and a
/// cancelled appointment must not remind anyone.
pub fn schedule<Tz: TimeZone>(
    appointments: &[Appointment],
    leads: &[Lead],
    zone: &Tz,
) -> Vec<Reminder> {
    let mut out: Vec<Reminder> = appointments
        .iter()
        .filter(|a| {
            matches!(
                a.status,
                AppointmentStatus::Booked | AppointmentStatus::Pending
            )
        })
        .flat_map(|a| {
            leads.iter().map(move |lead| Reminder {
                key: format!(
                    "{}@{}#{}",
                    a.id,
                    a.start.format("%Y-%m-%dT%H:%M:%SZ"),
                    lead.to_iso()
                ),
                appointment_id: a.id.clone(),
                lead: *lead,
                due: lead.due_before(a.start, zone),
                start: a.start,
            })
        })
        .collect();
    out.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.key.cmp(&b.key)));
    out
}

/// What to do at `now`: the reminders to show and when to look again.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// To show now, by due time.
    pub due_now: Vec<Reminder>,
    /// The next time a reminder falls due, if any.
    pub next: Option<DateTime<Utc>>,
}

/// Decides which reminders to show at `now`, given the keys already shown.
///
/// Per appointment still ahead, only the latest reminder already due counts: if it was shown,
/// nothing is; if not, it is shown now. Earlier missed reminders are superseded, so a patient
/// returning after a week sees one reminder per appointment, not a backlog.
pub fn plan(reminders: &[Reminder], sent: &HashSet<String>, now: DateTime<Utc>) -> Plan {
    let mut latest: Vec<&Reminder> = Vec::new();
    for r in reminders.iter().filter(|r| r.due <= now && r.start > now) {
        match latest
            .iter_mut()
            .find(|l| l.appointment_id == r.appointment_id)
        {
            Some(l) if r.due > l.due => *l = r,
            Some(_) => {}
            None => latest.push(r),
        }
    }
    let mut due_now: Vec<Reminder> = latest
        .into_iter()
        .filter(|r| !sent.contains(&r.key))
        .cloned()
        .collect();
    due_now.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.key.cmp(&b.key)));
    let next = reminders
        .iter()
        .filter(|r| r.due > now && r.start > now)
        .map(|r| r.due)
        .min();
    Plan { due_now, next }
}

/// The words of a reminder shown at `now`.
///
/// Notifications can appear on a locked screen, so the text says when, never what for: the
/// clinic's name can itself be sensitive. The app shows the rest once opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReminderText {
    pub title: String,
    /// The words beside the buttons, or the whole text where there are none (see
    /// [`ReminderText::body_for`]).
    pub body: String,
    /// What it is about: the screen a click opens, and which buttons it may carry.
    pub about: About,
}

impl ReminderText {
    /// The body as shown: where the notification cannot carry its buttons, it says to open the
    /// app instead.
    pub fn body_for(&self, with_buttons: bool) -> String {
        match self.about.open_hint() {
            Some(hint) if !with_buttons => format!("{} {hint}", self.body),
            _ => self.body.clone(),
        }
    }
}

/// "today at 09:40", "tomorrow at 09:40", "on Tuesday at 09:40", "on Tuesday 9 June at 09:40".
pub fn spoken_when<Tz: TimeZone>(at: DateTime<Utc>, now: DateTime<Utc>, zone: &Tz) -> String
where
    Tz::Offset: fmt::Display,
{
    let local = at.with_timezone(zone);
    let today = now.with_timezone(zone).date_naive();
    let time = local.format("%H:%M");
    match (local.date_naive() - today).num_days() {
        0 => format!("today at {time}"),
        1 => format!("tomorrow at {time}"),
        2..=6 => format!("on {} at {time}", local.format("%A")),
        _ => format!("on {} at {time}", local.format("%A %-d %B")),
    }
}

pub fn reminder_text<Tz: TimeZone>(
    start: DateTime<Utc>,
    now: DateTime<Utc>,
    zone: &Tz,
) -> ReminderText
where
    Tz::Offset: fmt::Display,
{
    let when = spoken_when(start, now, zone);
    ReminderText {
        title: "Appointment reminder".to_owned(),
        body: format!("You have a hospital appointment {when}. Open Hale for the details."),
        about: About::Shown(Place::Appointments),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono_tz::Europe::London;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn london(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        London
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .earliest()
            .unwrap()
            .with_timezone(&Utc)
    }

    fn appt(id: &str, start: DateTime<Utc>, status: AppointmentStatus) -> Appointment {
        Appointment {
            id: id.into(),
            reference: None,
            status,
            start,
            end: start + Duration::minutes(20),
            service: "Cardiology".into(),
            clinician: None,
            location: None,
            form: None,
        }
    }

    #[test]
    fn a_day_before_keeps_the_wall_clock_time_when_the_clocks_go_back() {
        // BST ends at 02:00 on Sunday 25 October 2026: Saturday 10:00 BST to Sunday 10:00 GMT
        // is 25 hours.
        let start = london(2026, 10, 25, 10, 0);
        let due = Lead::Days(1).due_before(start, &London);
        assert_eq!(due, london(2026, 10, 24, 10, 0));
        assert_eq!(start - due, Duration::hours(25));
    }

    #[test]
    fn a_day_before_keeps_the_wall_clock_time_when_the_clocks_go_forward() {
        // BST starts at 01:00 GMT on Sunday 29 March 2026: Saturday 10:00 GMT to Sunday
        // 10:00 BST is 23 hours.
        let start = london(2026, 3, 29, 10, 0);
        let due = Lead::Days(1).due_before(start, &London);
        assert_eq!(due, utc(2026, 3, 28, 10, 0));
        assert_eq!(start - due, Duration::hours(23));
    }

    #[test]
    fn a_day_before_a_time_the_clocks_skipped_is_the_end_of_the_gap() {
        // Monday 30 March 01:30 BST; Sunday 29 March 01:30 never happened in London.
        let start = london(2026, 3, 30, 1, 30);
        let due = Lead::Days(1).due_before(start, &London);
        // 02:00 BST, the first minute after the jump, is 01:00 UTC.
        assert_eq!(due, utc(2026, 3, 29, 1, 0));
    }

    #[test]
    fn a_day_before_a_time_that_happened_twice_is_its_first_occurrence() {
        // Monday 26 October 01:30 GMT; Sunday 25 October 01:30 happened at 00:30 and 01:30 UTC.
        let start = london(2026, 10, 26, 1, 30);
        let due = Lead::Days(1).due_before(start, &London);
        assert_eq!(due, utc(2026, 10, 25, 0, 30));
    }

    #[test]
    fn minute_leads_are_exact_durations_across_a_change() {
        // Sunday 25 October 02:30 GMT: two hours earlier is 01:30 BST (00:30 UTC).
        let start = london(2026, 10, 25, 2, 30);
        assert_eq!(
            Lead::Minutes(120).due_before(start, &London),
            utc(2026, 10, 25, 0, 30)
        );
    }

    #[test]
    fn schedule_covers_booked_appointments_only_and_sorts_by_due_time() {
        use AppointmentStatus::*;
        let list = [
            appt("b", utc(2026, 6, 10, 9, 0), Booked),
            appt("a", utc(2026, 6, 9, 9, 0), Booked),
            appt("c", utc(2026, 6, 9, 10, 0), Cancelled),
            appt("d", utc(2026, 6, 9, 11, 0), Arrived),
        ];
        let all = schedule(&list, &Lead::DEFAULT, &London);
        let got: Vec<(&str, Lead)> = all
            .iter()
            .map(|r| (r.appointment_id.as_str(), r.lead))
            .collect();
        assert_eq!(
            got,
            [
                ("a", Lead::Days(1)),
                ("a", Lead::Minutes(120)),
                ("b", Lead::Days(1)),
                ("b", Lead::Minutes(120)),
            ]
        );
        assert_eq!(all[0].key, "a@2026-06-09T09:00:00Z#P1D");
        assert_eq!(all[1].key, "a@2026-06-09T09:00:00Z#PT120M");
    }

    #[test]
    fn moving_an_appointment_changes_its_reminder_keys() {
        let before = schedule(
            &[appt("a", utc(2026, 6, 9, 9, 0), AppointmentStatus::Booked)],
            &[Lead::Days(1)],
            &London,
        );
        let after = schedule(
            &[appt("a", utc(2026, 6, 9, 11, 0), AppointmentStatus::Booked)],
            &[Lead::Days(1)],
            &London,
        );
        assert_ne!(before[0].key, after[0].key);
        assert_eq!(after[0].due, utc(2026, 6, 8, 11, 0));
    }

    #[test]
    fn plan_shows_a_reminder_once_then_waits_for_the_next() {
        let list = [appt("a", utc(2026, 6, 9, 9, 0), AppointmentStatus::Booked)];
        let all = schedule(&list, &Lead::DEFAULT, &London);
        let mut sent = HashSet::new();

        // 09:00 UTC is 10:00 BST: the day-before reminder is due at 10:00 BST on the 8th.
        let early = plan(&all, &sent, utc(2026, 6, 8, 8, 0));
        assert!(early.due_now.is_empty());
        assert_eq!(early.next, Some(utc(2026, 6, 8, 9, 0)));

        let day_before = plan(&all, &sent, utc(2026, 6, 8, 9, 0));
        assert_eq!(day_before.due_now.len(), 1);
        assert_eq!(day_before.due_now[0].lead, Lead::Days(1));
        assert_eq!(day_before.next, Some(utc(2026, 6, 9, 7, 0)));
        sent.insert(day_before.due_now[0].key.clone());

        // A restart an hour later shows nothing again.
        assert!(plan(&all, &sent, utc(2026, 6, 8, 10, 0)).due_now.is_empty());

        let two_hours = plan(&all, &sent, utc(2026, 6, 9, 7, 0));
        assert_eq!(two_hours.due_now.len(), 1);
        assert_eq!(two_hours.due_now[0].lead, Lead::Minutes(120));
        assert_eq!(two_hours.next, None);
    }

    #[test]
    fn after_a_long_absence_only_the_latest_missed_reminder_is_shown() {
        let list = [appt("a", utc(2026, 6, 9, 9, 0), AppointmentStatus::Booked)];
        let all = schedule(&list, &Lead::DEFAULT, &London);
        let sent = HashSet::new();
        let back = plan(&all, &sent, utc(2026, 6, 9, 8, 0));
        assert_eq!(back.due_now.len(), 1);
        assert_eq!(back.due_now[0].lead, Lead::Minutes(120));

        // Once it was shown, the superseded day-before reminder does not resurface.
        let sent: HashSet<String> = back.due_now.iter().map(|r| r.key.clone()).collect();
        assert!(plan(&all, &sent, utc(2026, 6, 9, 8, 30)).due_now.is_empty());
    }

    #[test]
    fn no_reminder_once_the_appointment_has_started() {
        let list = [appt("a", utc(2026, 6, 9, 9, 0), AppointmentStatus::Booked)];
        let all = schedule(&list, &Lead::DEFAULT, &London);
        let late = plan(&all, &HashSet::new(), utc(2026, 6, 9, 9, 0));
        assert!(late.due_now.is_empty());
        assert_eq!(late.next, None);
    }

    #[test]
    fn leads_are_normalised_and_checked() {
        assert_eq!(
            normalise_leads(&[Lead::Minutes(120), Lead::Days(1), Lead::Minutes(120)]),
            Ok(vec![Lead::Days(1), Lead::Minutes(120)])
        );
        assert_eq!(
            normalise_leads(&[Lead::Days(29)]),
            Err(InvalidLeads::TooEarly)
        );
        assert_eq!(
            normalise_leads(&[Lead::Minutes(1)]),
            Err(InvalidLeads::TooLate)
        );
        assert_eq!(normalise_leads(&[]), Ok(vec![]));
        let many: Vec<Lead> = (1..=7).map(Lead::Days).collect();
        assert_eq!(
            normalise_leads(&many),
            Err(InvalidLeads::TooMany { max: 6 })
        );
    }

    #[test]
    fn leads_round_trip_through_their_iso_form() {
        for lead in Lead::CHOICES {
            assert_eq!(Lead::from_iso(&lead.to_iso()), Some(lead));
        }
        for bad in ["", "P", "PT", "P1H", "PTxM", "1D", "P-1D"] {
            assert_eq!(Lead::from_iso(bad), None, "{bad}");
        }
    }

    #[test]
    fn leads_read_as_words() {
        let words: Vec<String> = Lead::CHOICES.iter().map(ToString::to_string).collect();
        assert_eq!(
            words,
            [
                "7 days before",
                "2 days before",
                "1 day before",
                "2 hours before",
                "1 hour before",
                "30 minutes before"
            ]
        );
    }

    #[test]
    fn the_text_says_when_in_the_patients_zone_and_never_what_for() {
        let start = london(2026, 6, 9, 9, 40);
        let text = |now| reminder_text(start, now, &London).body;
        assert_eq!(
            text(london(2026, 6, 9, 7, 40)),
            "You have a hospital appointment today at 09:40. Open Hale for the details."
        );
        assert!(text(london(2026, 6, 8, 23, 59)).contains("tomorrow at 09:40"));
        assert!(text(london(2026, 6, 5, 9, 0)).contains("on Tuesday at 09:40"));
        assert!(text(london(2026, 6, 1, 9, 0)).contains("on Tuesday 9 June at 09:40"));
        assert!(!text(london(2026, 6, 8, 9, 40)).contains("Cardiology"));
    }
}
