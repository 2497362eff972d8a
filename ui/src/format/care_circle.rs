//! The care circle's words: what each permission lets a helper do, where a grant stands, and
//! the banner shown while looking after someone.

use chrono::{DateTime, FixedOffset};
use hale_api::{
    AlertSettingsView, AlertTierView, GrantStatusView, HelperAlertKindView, HelperAlertView,
    PermissionView, ALERT_KIND_CHOICES, PERMISSION_CHOICES,
};

/// The invitation form's line for a permission.
pub fn permission_choice(p: PermissionView) -> &'static str {
    match p {
        PermissionView::Appointments => "See your appointments and your place in the queue",
        PermissionView::Medicines => "See your medicines and the doses you log",
        PermissionView::Readings => "See your readings and the alerts the hospital raised",
        PermissionView::Alerts => {
            "Be alerted by the hospital: missed doses, readings beyond your limits, readings that do not arrive"
        }
        PermissionView::ActOnBehalf => {
            "Act for you: book, move and cancel appointments, check in, log doses"
        }
    }
}

/// A permission in a list ("medicines and doses").
fn permission_noun(p: PermissionView) -> &'static str {
    match p {
        PermissionView::Appointments => "appointments",
        PermissionView::Medicines => "medicines and doses",
        PermissionView::Readings => "readings",
        PermissionView::Alerts => "alerts",
        PermissionView::ActOnBehalf => "acting for them",
    }
}

/// "appointments, readings and alerts".
fn listed(items: &[&str]) -> String {
    match items {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// What a grant allows, as a sentence ("Shares medicines and doses and readings.").
pub fn shared_words(permissions: &[PermissionView]) -> String {
    let nouns: Vec<&str> = PERMISSION_CHOICES
        .iter()
        .filter(|p| permissions.contains(p))
        .map(|p| permission_noun(*p))
        .collect();
    if nouns.is_empty() {
        "Shares nothing.".to_owned()
    } else {
        format!("Shares {}.", listed(&nouns))
    }
}

/// What a grant leaves out, so a screen that cannot show something says why (`None`: nothing
/// is left out).
pub fn not_shared_words(permissions: &[PermissionView]) -> Option<String> {
    let nouns: Vec<&str> = PERMISSION_CHOICES
        .iter()
        .filter(|p| !permissions.contains(p))
        .map(|p| permission_noun(*p))
        .collect();
    (!nouns.is_empty()).then(|| format!("Not shared with you: {}.", listed(&nouns)))
}

/// The banner while the screens show someone else's records.
pub fn looking_after_words(name: Option<&str>) -> String {
    match name {
        Some(name) => format!("You are looking after {name}"),
        None => "You are looking after someone you help".to_owned(),
    }
}

pub fn grant_status_words(status: GrantStatusView) -> &'static str {
    match status {
        GrantStatusView::Active => "Active",
        GrantStatusView::Revoked => "Ended",
        GrantStatusView::Expired => "Expired",
        GrantStatusView::AssentNeeded => "Waiting for the young person's agreement",
        GrantStatusView::NowAdult => "Ended at 18",
    }
}

/// "Since 5 Dec 2026, until 5 Dec 2027".
pub fn grant_dates(since: DateTime<FixedOffset>, until: Option<DateTime<FixedOffset>>) -> String {
    let since = format!("Since {}", since.format("%-d %b %Y"));
    match until {
        Some(until) => format!("{since}, until {}", until.format("%-d %b %Y")),
        None => since,
    }
}

/// When an invitation code stops working ("Works until 21:04 on Sun 6 Dec.").
pub fn invitation_expiry(expires: DateTime<FixedOffset>) -> String {
    format!(
        "Works once, until {} on {}.",
        expires.format("%H:%M"),
        expires.format("%a %-d %b")
    )
}

/// The line of a helper's alert choice.
pub fn alert_kind_choice(k: HelperAlertKindView) -> &'static str {
    match k {
        HelperAlertKindView::MissedDose => "A dose still not logged well after its reminder",
        HelperAlertKindView::BeyondLimits => "A reading beyond the care team's limits",
        HelperAlertKindView::NoData => "A planned reading that did not arrive",
    }
}

fn alert_kind_noun(k: HelperAlertKindView) -> &'static str {
    match k {
        HelperAlertKindView::MissedDose => "missed doses",
        HelperAlertKindView::BeyondLimits => "readings beyond the limits",
        HelperAlertKindView::NoData => "readings that did not arrive",
    }
}

/// Which alerts a helper gets, as both people read it.
pub fn alert_settings_words(s: &AlertSettingsView) -> String {
    let nouns: Vec<&str> = ALERT_KIND_CHOICES
        .iter()
        .filter(|k| s.kinds.contains(k))
        .map(|k| alert_kind_noun(*k))
        .collect();
    let kinds = if nouns.is_empty() {
        "No alerts.".to_owned()
    } else {
        format!("Alerts: {}.", listed(&nouns))
    };
    match (&s.quiet_from, &s.quiet_until) {
        (Some(from), Some(until)) if !nouns.is_empty() => {
            format!("{kinds} Quiet {from}–{until}, except red readings.")
        }
        _ => kinds,
    }
}

/// One alert in the helper's list: who and what (shown in the app, never in a notification).
pub fn helper_alert_words(a: &HelperAlertView) -> String {
    // The kind of reading in running text: "blood pressure", but "BMI".
    let reading = a.reading.map(|k| {
        let label = super::reading_label(k);
        if label.chars().all(|c| c.is_uppercase()) {
            label.to_owned()
        } else {
            label.to_lowercase()
        }
    });
    let what = match (a.kind, a.tier, reading) {
        (HelperAlertKindView::MissedDose, ..) => match a.due {
            Some(due) => format!("the {} dose has not been logged", super::time(due)),
            None => "a dose has not been logged".to_owned(),
        },
        (HelperAlertKindView::BeyondLimits, tier, reading) => {
            let what = reading.unwrap_or_else(|| "a reading".to_owned());
            match tier {
                AlertTierView::Red => format!("{what} is far beyond the limits: check on them now"),
                AlertTierView::Amber => format!("{what} is beyond the limits"),
            }
        }
        (HelperAlertKindView::NoData, _, Some(reading)) => {
            format!("a planned {reading} reading has not arrived")
        }
        (HelperAlertKindView::NoData, _, None) => {
            "a device or a planned reading has gone quiet".to_owned()
        }
    };
    format!("{}: {what}", a.patient_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use hale_api::ReadingKindView;

    #[test]
    fn what_a_grant_shares_and_leaves_out_is_listed_in_the_forms_order() {
        let chosen = [PermissionView::Readings, PermissionView::Medicines];
        assert_eq!(
            shared_words(&chosen),
            "Shares medicines and doses and readings."
        );
        assert_eq!(
            not_shared_words(&chosen).as_deref(),
            Some("Not shared with you: appointments, alerts and acting for them.")
        );
        assert_eq!(not_shared_words(&PERMISSION_CHOICES), None);
        assert_eq!(shared_words(&[]), "Shares nothing.");
    }

    #[test]
    fn a_helpers_alert_choices_read_the_same_to_both_people() {
        let night = AlertSettingsView {
            kinds: vec![HelperAlertKindView::NoData, HelperAlertKindView::MissedDose],
            quiet_from: Some("22:00".into()),
            quiet_until: Some("07:00".into()),
        };
        assert_eq!(
            alert_settings_words(&night),
            "Alerts: missed doses and readings that did not arrive. Quiet 22:00–07:00, except red readings."
        );
        let none = AlertSettingsView {
            kinds: vec![],
            quiet_from: None,
            quiet_until: None,
        };
        assert_eq!(alert_settings_words(&none), "No alerts.");
    }

    #[test]
    fn a_helpers_list_says_which_reading_and_which_dose_by_its_time() {
        let zone = FixedOffset::east_opt(0).unwrap();
        let at = zone.with_ymd_and_hms(2026, 12, 5, 21, 4, 0).unwrap();
        let alert = |kind, tier, reading, due| HelperAlertView {
            id: "ha-1".into(),
            patient_id: "pat-1".into(),
            patient_name: "Alex Morgan".into(),
            kind,
            tier,
            raised: at,
            reading,
            due,
        };
        let red = alert(
            HelperAlertKindView::BeyondLimits,
            AlertTierView::Red,
            Some(ReadingKindView::BloodPressure),
            None,
        );
        assert_eq!(
            helper_alert_words(&red),
            "Alex Morgan: blood pressure is far beyond the limits: check on them now"
        );
        let dose = alert(
            HelperAlertKindView::MissedDose,
            AlertTierView::Amber,
            None,
            Some(zone.with_ymd_and_hms(2026, 12, 5, 8, 0, 0).unwrap()),
        );
        assert_eq!(
            helper_alert_words(&dose),
            "Alex Morgan: the 08:00 dose has not been logged"
        );
        let bmi = alert(
            HelperAlertKindView::NoData,
            AlertTierView::Amber,
            Some(ReadingKindView::Bmi),
            None,
        );
        assert_eq!(
            helper_alert_words(&bmi),
            "Alex Morgan: a planned BMI reading has not arrived"
        );
        let quiet = alert(
            HelperAlertKindView::NoData,
            AlertTierView::Amber,
            None,
            None,
        );
        assert_eq!(
            helper_alert_words(&quiet),
            "Alex Morgan: a device or a planned reading has gone quiet"
        );
    }

    #[test]
    fn the_banner_names_the_person_looked_after() {
        assert_eq!(
            looking_after_words(Some("Alex Morgan")),
            "You are looking after Alex Morgan"
        );
        assert_eq!(
            looking_after_words(None),
            "You are looking after someone you help"
        );
    }

    #[test]
    fn a_grant_shows_its_dates_and_an_invitation_its_expiry() {
        let zone = FixedOffset::east_opt(0).unwrap();
        let since = zone.with_ymd_and_hms(2026, 12, 5, 21, 4, 0).unwrap();
        let until = zone.with_ymd_and_hms(2027, 12, 5, 21, 4, 0).unwrap();
        assert_eq!(
            grant_dates(since, Some(until)),
            "Since 5 Dec 2026, until 5 Dec 2027"
        );
        assert_eq!(grant_dates(since, None), "Since 5 Dec 2026");
        assert_eq!(
            invitation_expiry(since),
            "Works once, until 21:04 on Sat 5 Dec."
        );
    }
}
