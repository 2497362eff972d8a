//! The care circle, from the core's types to the contract's views, and the permissions back.

use chrono::NaiveTime;
use hale_api::{
    AlertSettingsArgs, AlertSettingsView, AlertTierView, ApiError, CareCircleView,
    CircleMemberView, GrantStatusView, HelperAlertKindView, HelperAlertView, InvitationView,
    LookingAfterView, PermissionView,
};
use hale_core::care_circle::LookingAfter;
use hale_domain::care_circle::alerts::{
    HelperAlert, HelperAlertKind, HelperAlertSettings, QuietHours,
};
use hale_domain::care_circle::{
    CareCircle, CircleMember, GrantStatus, Invitation, Permission, Permissions,
};
use hale_domain::monitoring::Tier;

use super::local;

fn permission_view(p: Permission) -> PermissionView {
    match p {
        Permission::Appointments => PermissionView::Appointments,
        Permission::Medicines => PermissionView::Medicines,
        Permission::Readings => PermissionView::Readings,
        Permission::Alerts => PermissionView::Alerts,
        Permission::ActOnBehalf => PermissionView::ActOnBehalf,
    }
}

pub fn permissions(chosen: &[PermissionView]) -> Permissions {
    chosen
        .iter()
        .map(|p| match p {
            PermissionView::Appointments => Permission::Appointments,
            PermissionView::Medicines => Permission::Medicines,
            PermissionView::Readings => Permission::Readings,
            PermissionView::Alerts => Permission::Alerts,
            PermissionView::ActOnBehalf => Permission::ActOnBehalf,
        })
        .collect()
}

fn permission_views(p: Permissions) -> Vec<PermissionView> {
    p.iter().map(permission_view).collect()
}

pub fn member(m: CircleMember) -> CircleMemberView {
    CircleMemberView {
        initials: m.initials(),
        consent_id: m.consent,
        patient_id: m.patient,
        name: m.name,
        permissions: permission_views(m.permissions),
        guardian: m.guardian,
        status: match m.status {
            GrantStatus::Active => GrantStatusView::Active,
            GrantStatus::Revoked => GrantStatusView::Revoked,
            GrantStatus::Expired => GrantStatusView::Expired,
            GrantStatus::AssentNeeded => GrantStatusView::AssentNeeded,
            GrantStatus::NowAdult => GrantStatusView::NowAdult,
        },
        since: local(m.since),
        until: m.until.map(local),
        alerts: m.alerts.as_ref().map(alert_settings),
    }
}

/// The screen's care circle, with the helper's alerts newest first.
pub fn care_circle(c: CareCircle, alerts: Vec<HelperAlert>) -> CareCircleView {
    CareCircleView {
        helpers: c.helpers.into_iter().map(member).collect(),
        helping: c.helping.into_iter().map(member).collect(),
        alerts: helper_alerts(alerts),
    }
}

/// A helper's alerts, newest first, whoever each is about.
pub fn helper_alerts(mut alerts: Vec<HelperAlert>) -> Vec<HelperAlertView> {
    // Doses found missed together read latest first, like everything else.
    alerts.sort_by(|a, b| (b.raised, b.due, &b.id).cmp(&(a.raised, a.due, &a.id)));
    alerts.into_iter().map(helper_alert).collect()
}

fn kind_view(k: HelperAlertKind) -> HelperAlertKindView {
    match k {
        HelperAlertKind::MissedDose => HelperAlertKindView::MissedDose,
        HelperAlertKind::BeyondLimits => HelperAlertKindView::BeyondLimits,
        HelperAlertKind::NoData => HelperAlertKindView::NoData,
    }
}

fn hhmm(t: NaiveTime) -> String {
    t.format("%H:%M").to_string()
}

fn alert_settings(s: &HelperAlertSettings) -> AlertSettingsView {
    AlertSettingsView {
        kinds: s.kinds.iter().map(|k| kind_view(*k)).collect(),
        quiet_from: s.quiet.map(|q| hhmm(q.from)),
        quiet_until: s.quiet.map(|q| hhmm(q.until)),
    }
}

fn helper_alert(a: HelperAlert) -> HelperAlertView {
    HelperAlertView {
        id: a.id,
        patient_id: a.patient,
        patient_name: a.patient_name,
        kind: kind_view(a.kind),
        tier: match a.tier {
            Tier::Red => AlertTierView::Red,
            Tier::Amber => AlertTierView::Amber,
        },
        raised: local(a.raised),
        reading: a.reading.map(super::devices::reading_kind_view),
        due: a.due.map(local),
    }
}

/// The helper's choices from the screen; quiet hours are both times or neither.
pub fn alert_choices(args: &AlertSettingsArgs) -> Result<HelperAlertSettings, ApiError> {
    let time = |t: &str| {
        NaiveTime::parse_from_str(t.trim(), "%H:%M")
            .map_err(|_| super::invalid_argument("a quiet hour is not a time (HH:MM)"))
    };
    let quiet = match (args.quiet_from.as_deref(), args.quiet_until.as_deref()) {
        (None | Some(""), None | Some("")) => None,
        (Some(from), Some(until)) if !from.is_empty() && !until.is_empty() => Some(QuietHours {
            from: time(from)?,
            until: time(until)?,
        }),
        _ => {
            return Err(super::invalid_argument(
                "quiet hours need both a start and an end",
            ))
        }
    };
    Ok(HelperAlertSettings {
        kinds: args
            .kinds
            .iter()
            .map(|k| match k {
                HelperAlertKindView::MissedDose => HelperAlertKind::MissedDose,
                HelperAlertKindView::BeyondLimits => HelperAlertKind::BeyondLimits,
                HelperAlertKindView::NoData => HelperAlertKind::NoData,
            })
            .collect(),
        quiet,
    })
}

pub fn invitation(i: Invitation) -> InvitationView {
    InvitationView {
        code: i.code.grouped(),
        expires: local(i.expires),
        permissions: permission_views(i.permissions),
    }
}

pub fn looking_after(l: LookingAfter) -> LookingAfterView {
    LookingAfterView {
        initials: l.initials(),
        patient_id: l.patient_id,
        name: l.name,
        permissions: permission_views(l.permissions),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use hale_api::ErrorCode;

    fn args(from: Option<&str>, until: Option<&str>) -> AlertSettingsArgs {
        AlertSettingsArgs {
            consent_id: "cn-1".into(),
            kinds: vec![HelperAlertKindView::MissedDose],
            quiet_from: from.map(str::to_owned),
            quiet_until: until.map(str::to_owned),
        }
    }

    #[test]
    fn quiet_hours_are_both_times_or_neither_and_a_bad_time_is_refused_clearly() {
        let night = alert_choices(&args(Some("22:00"), Some("07:00"))).unwrap();
        assert_eq!(night.quiet.map(|q| hhmm(q.from)).as_deref(), Some("22:00"));
        assert_eq!(night.kinds.len(), 1);
        assert_eq!(alert_choices(&args(Some(""), None)).unwrap().quiet, None);
        for (from, until) in [
            (Some("22:00"), None),
            (None, Some("07:00")),
            (Some("10pm"), Some("07:00")),
        ] {
            let refused = alert_choices(&args(from, until)).unwrap_err();
            assert_eq!(
                refused.code,
                ErrorCode::InvalidArgument,
                "{from:?} {until:?}"
            );
        }
    }
}
