//! The consents the hospital holds, read into the domain's `Grant`, and what one allows now.

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use hale_domain::care_circle::alerts::{HelperAlertKind, HelperAlertSettings, QuietHours};
use hale_domain::care_circle::{Basis, Denied, Grant, Permission, Permissions};
use hale_fhir::consent::covers;
use hale_fhir::smart::Scopes;
use hale_hospital_json::care_circle::{GrantBasis, GrantStatus};

use crate::db::Time;
use crate::{FhirError, ServerState};

/// One consent with the two people it joins.
#[derive(Debug, Clone)]
pub(crate) struct HeldGrant {
    pub consent_id: String,
    pub related_person_id: String,
    pub patient_id: String,
    pub patient_name: String,
    pub helper_name: String,
    pub grant: Grant,
    pub created: DateTime<Utc>,
    /// What the helper chose to be alerted of (everything, until they choose).
    pub alerts: HelperAlertSettings,
}

type Row = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Time,
    Option<Time>,
    Option<Time>,
    Time,
    Option<String>,
    Option<String>,
    Option<String>,
);

const SELECT: &str = "SELECT c.id, c.related_person_id, c.patient_id, \
     p.given || ' ' || p.family, h.given || ' ' || h.family, p.birth_date, c.permissions, \
     c.basis, c.assent_on, c.starts_at, c.ends_at, c.revoked_at, c.created_at, \
     s.kinds, s.quiet_from, s.quiet_until \
     FROM consent c JOIN related_person r ON r.id = c.related_person_id \
     JOIN patient p ON p.id = c.patient_id JOIN patient h ON h.id = r.person_id \
     LEFT JOIN helper_alert_settings s ON s.consent_id = c.id";

fn held(row: Row) -> Result<HeldGrant, FhirError> {
    let (
        consent_id,
        related_person_id,
        patient_id,
        patient_name,
        helper_name,
        born,
        permissions,
        basis,
        assent,
        starts,
        ends,
        revoked,
        created,
        alert_kinds,
        quiet_from,
        quiet_until,
    ) = row;
    let day = |s: &str| {
        s.parse::<NaiveDate>()
            .map_err(|_| FhirError::Internal("a stored date is not a date".into()))
    };
    let basis = match basis.as_str() {
        "guardian" => Basis::Guardian {
            child_born: day(&born)?,
            assent: assent.as_deref().map(day).transpose()?,
        },
        _ => Basis::Invited,
    };
    Ok(HeldGrant {
        consent_id,
        related_person_id,
        patient_id,
        patient_name,
        helper_name,
        grant: Grant {
            permissions: parse_permissions(&permissions),
            basis,
            start: starts.0,
            end: ends.map(|t| t.0),
            revoked: revoked.map(|t| t.0),
        },
        created: created.0,
        alerts: alert_settings(alert_kinds, quiet_from, quiet_until),
    })
}

/// A helper's stored alert choices; codes and times this version cannot read are left out.
fn alert_settings(
    kinds: Option<String>,
    from: Option<String>,
    until: Option<String>,
) -> HelperAlertSettings {
    let Some(kinds) = kinds else {
        return HelperAlertSettings::default();
    };
    let time = |t: Option<String>| t.and_then(|t| t.parse::<NaiveTime>().ok());
    HelperAlertSettings {
        kinds: kinds
            .split_ascii_whitespace()
            .filter_map(HelperAlertKind::from_code)
            .collect(),
        quiet: time(from)
            .zip(time(until))
            .map(|(from, until)| QuietHours { from, until }),
    }
}

/// The consent a helper's requests are checked against: the live one (neither revoked nor
/// superseded by a newer invitation), else the newest.
pub(crate) async fn for_helper(
    conn: &mut sqlx::AnyConnection,
    related_person_id: &str,
) -> Result<Option<HeldGrant>, FhirError> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE c.related_person_id = $1 \
         ORDER BY CASE WHEN c.revoked_at IS NULL AND c.superseded_at IS NULL THEN 0 ELSE 1 END, \
         c.created_at DESC LIMIT 1"
    ))
    .bind(related_person_id)
    .fetch_optional(conn)
    .await?;
    row.map(held).transpose()
}

/// Every consent one patient gave, or one person holds, newest first.
pub(crate) async fn list(
    conn: &mut sqlx::AnyConnection,
    side: Side,
    id: &str,
) -> Result<Vec<HeldGrant>, FhirError> {
    let column = match side {
        Side::Patient => "c.patient_id",
        Side::Helper => "r.person_id",
    };
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT} WHERE {column} = $1 ORDER BY c.created_at DESC, c.id"
    ))
    .bind(id)
    .fetch_all(conn)
    .await?;
    rows.into_iter().map(held).collect()
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Side {
    /// The grants a patient gave.
    Patient,
    /// The grants a person holds for others.
    Helper,
}

pub(crate) fn parse_permissions(text: &str) -> Permissions {
    text.split_ascii_whitespace()
        .filter_map(Permission::from_code)
        .collect()
}

pub(crate) fn permission_codes(p: Permissions) -> Vec<String> {
    p.iter().map(|p| p.code().to_owned()).collect()
}

/// The hospital's date now, which the age rules count in.
pub(crate) fn today(state: &ServerState, now: DateTime<Utc>) -> NaiveDate {
    now.with_timezone(&state.hospital.timezone).date_naive()
}

/// The scopes `permissions` open: reading what each covers (with the patient's name, which
/// every screen shows), and, with `act`, changing it. Parking, the waitlist and the care
/// circle itself are the patient's own.
pub(crate) fn scopes(permissions: Permissions) -> Scopes {
    let mut out = vec!["patient/Patient.r".to_owned()];
    let acts = permissions.contains(Permission::ActOnBehalf);
    for p in permissions.iter() {
        let (types, act) = covers(p);
        out.extend(types.iter().map(|t| format!("patient/{t}.rs")));
        if acts {
            out.extend(act.iter().map(|s| (*s).to_owned()));
        }
    }
    Scopes::parse(&out.join(" "))
}

/// The permission a scope falls under, to name what a helper was refused.
pub(crate) fn permission_for(scope: &str) -> Permission {
    let resource = scope
        .split_once('/')
        .and_then(|(_, rest)| rest.split_once('.'))
        .map(|(t, letters)| (t, letters.chars().any(|c| "cud".contains(c))));
    match resource {
        Some((_, true)) | None => Permission::ActOnBehalf,
        Some((t, false)) => Permission::ALL
            .into_iter()
            .find(|p| covers(*p).0.contains(&t))
            .unwrap_or(Permission::ActOnBehalf),
    }
}

/// Where a grant stands now, as both people are shown it.
pub(crate) fn status(g: &HeldGrant, now: DateTime<Utc>, today: NaiveDate) -> GrantStatus {
    match g.grant.in_force(now, today) {
        Ok(_) => GrantStatus::Active,
        Err(Denied::Revoked) => GrantStatus::Revoked,
        Err(Denied::AssentNeeded) => GrantStatus::AssentNeeded,
        Err(Denied::NowAdult) => GrantStatus::NowAdult,
        Err(Denied::NotYet | Denied::Expired | Denied::NotPermitted(_)) => GrantStatus::Expired,
    }
}

pub(crate) fn basis(g: &Grant) -> GrantBasis {
    match g.basis {
        Basis::Invited => GrantBasis::Invited,
        Basis::Guardian { .. } => GrantBasis::Guardian,
    }
}

/// The end a grant reaches by itself: its own, or a guardian's at the child's 18th birthday.
pub(crate) fn until(g: &HeldGrant, state: &ServerState) -> Option<DateTime<Utc>> {
    let adulthood = match g.grant.basis {
        Basis::Guardian { child_born, .. } => hale_domain::care_circle::age::adulthood(child_born)
            .and_hms_opt(0, 0, 0)
            .and_then(|d| d.and_local_timezone(state.hospital.timezone).earliest())
            .map(|d| d.with_timezone(&Utc)),
        Basis::Invited => None,
    };
    g.grant.revoked.or(g.grant.end).or(adulthood)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_permission_opens_its_own_resources_and_acting_only_what_is_also_seen() {
        let medicines: Permissions = [Permission::Medicines].into_iter().collect();
        let s = scopes(medicines);
        assert!(s.allows("patient/MedicationAdministration.s"));
        assert!(s.allows("patient/Patient.r"));
        assert!(
            !s.allows("patient/MedicationAdministration.c"),
            "seeing is not logging"
        );
        assert!(!s.allows("patient/Observation.s"));
        assert!(!s.allows("hale/parking") && !s.allows("hale/care-circle"));
        let acting = scopes(medicines.with(Permission::ActOnBehalf));
        assert!(acting.allows("patient/MedicationAdministration.c"));
        assert!(
            !acting.allows("patient/Appointment.c"),
            "acting on medicines books nothing: appointments were not shared"
        );
    }

    #[test]
    fn a_refused_scope_names_the_permission_it_needed() {
        assert_eq!(
            permission_for("patient/Observation.s"),
            Permission::Readings
        );
        assert_eq!(permission_for("patient/Slot.s"), Permission::Appointments);
        assert_eq!(
            permission_for("patient/Appointment.c"),
            Permission::ActOnBehalf
        );
        assert_eq!(permission_for("hale/parking"), Permission::ActOnBehalf);
    }
}
