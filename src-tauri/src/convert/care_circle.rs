//! The care circle, from the core's types to the contract's views, and the permissions back.

use hale_api::{
    CareCircleView, CircleMemberView, GrantStatusView, InvitationView, LookingAfterView,
    PermissionView,
};
use hale_core::care_circle::LookingAfter;
use hale_domain::care_circle::{
    CareCircle, CircleMember, GrantStatus, Invitation, Permission, Permissions,
};

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
    }
}

pub fn care_circle(c: CareCircle) -> CareCircleView {
    CareCircleView {
        helpers: c.helpers.into_iter().map(member).collect(),
        helping: c.helping.into_iter().map(member).collect(),
    }
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
