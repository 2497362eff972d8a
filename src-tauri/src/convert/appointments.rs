//! Appointments: the home screen, booking's services and slots, and the slot search's
//! arguments.

use chrono::{DateTime, Duration, Local, NaiveTime, TimeZone, Utc};
use hale_api::ApiError;
use hale_api::{
    AppointmentStage, AppointmentView, ClinicianView, FindSlotsArgs, HomeView, HospitalView,
    OfferView, ServiceView, SlotView, SlotsView, WaitlistView, MAX_SEARCH_DAYS,
};
use hale_client::{SlotPage, SlotQuery};
use hale_domain::{Allowed, WaitlistEntry};

use super::errors::{invalid, require_id};
use super::{freshness, local};

/// Slots per page of search results.
const PAGE: u32 = 40;

pub fn home(home: hale_core::Home, hospital_url: &str, embedded: bool) -> HomeView {
    HomeView {
        hospital: HospitalView {
            name: home.hospital_name,
            base_url: hospital_url.to_owned(),
            embedded,
        },
        patient_name: home.patient_name,
        appointments: home
            .appointments
            .into_iter()
            .map(|u| {
                let entry = home
                    .waitlist
                    .iter()
                    .find(|e| e.appointment == u.appointment.id);
                AppointmentView {
                    waitlist: entry.map(waitlist),
                    ..appointment(u.appointment, u.allowed)
                }
            })
            .collect(),
        past: home
            .past
            .into_iter()
            .map(|a| appointment(a, Allowed::default()))
            .collect(),
        freshness: freshness(home.freshness),
    }
}

/// An appointment and what the core decided the patient may do with it.
pub fn appointment(a: hale_domain::Appointment, allowed: Allowed) -> AppointmentView {
    AppointmentView {
        can_check_in: allowed.can_check_in,
        changeable: allowed.changeable,
        can_move: allowed.can_move,
        can_cancel: allowed.can_cancel,
        can_wait: allowed.can_wait,
        has_form: a.form.is_some() && a.status.is_live(),
        id: a.id,
        reference: a.reference.map(|r| r.to_string()),
        status: stage(a.status),
        start: local(a.start),
        end: local(a.end),
        service: a.service,
        clinician: a.clinician,
        location: a.location,
        waitlist: None,
    }
}

/// A FHIR appointment status as the stage the patient's screens show.
fn stage(status: hale_domain::AppointmentStatus) -> AppointmentStage {
    use hale_domain::AppointmentStatus as S;
    match status {
        S::Proposed | S::Pending | S::Waitlist => AppointmentStage::Requested,
        S::Booked => AppointmentStage::Booked,
        S::Arrived | S::CheckedIn => AppointmentStage::Arrived,
        S::Fulfilled => AppointmentStage::Finished,
        S::Cancelled | S::EnteredInError => AppointmentStage::Cancelled,
        S::Noshow => AppointmentStage::Missed,
    }
}

pub fn waitlist(e: &WaitlistEntry) -> WaitlistView {
    WaitlistView {
        entry_id: e.id.clone(),
        offer: e.offer.as_ref().map(|o| OfferView {
            offer_id: o.id.clone(),
            start: local(o.start),
            end: local(o.end),
            clinician: o.clinician.clone(),
            location: o.location.clone(),
            expires: local(o.expires),
        }),
    }
}

pub fn service(s: hale_domain::Service) -> ServiceView {
    ServiceView {
        code: s.code,
        name: s.name,
        clinicians: s
            .clinicians
            .into_iter()
            .map(|c| ClinicianView {
                id: c.id,
                name: c.name,
            })
            .collect(),
    }
}

pub fn slots(page: SlotPage) -> SlotsView {
    SlotsView {
        slots: page
            .slots
            .into_iter()
            .map(|s| SlotView {
                id: s.id,
                start: local(s.start),
                end: local(s.end),
                service: s.service,
                clinician: s.clinician,
                location: s.location,
            })
            .collect(),
        has_more: page.has_more,
    }
}

/// A slot search from the UI's arguments: days on the device's calendar, never before `now`.
pub fn slot_query(args: &FindSlotsArgs, now: DateTime<Utc>) -> Result<SlotQuery, ApiError> {
    if !(1..=MAX_SEARCH_DAYS).contains(&args.days) {
        return Err(invalid(format!("days must be 1 to {MAX_SEARCH_DAYS}")));
    }
    if args.service_code.is_empty()
        || args.service_code.len() > 32
        || !args.service_code.bytes().all(|b| b.is_ascii_alphanumeric())
    {
        return Err(invalid("service_code is not a code"));
    }
    if let Some(id) = &args.clinician_id {
        require_id("clinician_id", id)?;
    }
    let local_midnight = |date: chrono::NaiveDate| {
        Local
            .from_local_datetime(&date.and_time(NaiveTime::MIN))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    let from = local_midnight(args.from).ok_or_else(|| invalid("from is not a real day here"))?;
    let until = local_midnight(args.from + Duration::days(i64::from(args.days)))
        .ok_or_else(|| invalid("the search ends on a day that does not exist here"))?;
    Ok(SlotQuery {
        service_code: Some(args.service_code.clone()),
        practitioner_id: args.clinician_id.clone(),
        from: Some(from.max(now)),
        until: Some(until),
        count: PAGE,
        offset: args.offset,
    })
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use hale_api::ErrorCode;

    fn args(days: u32, code: &str) -> FindSlotsArgs {
        FindSlotsArgs {
            service_code: code.into(),
            clinician_id: None,
            from: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            days,
            offset: 0,
        }
    }

    #[test]
    fn slot_searches_are_validated_and_never_start_in_the_past() {
        let before = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
        let q = slot_query(&args(7, "394579002"), before).unwrap();
        assert_eq!(q.until.unwrap() - q.from.unwrap(), Duration::days(7));
        let later = Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap();
        assert_eq!(
            slot_query(&args(7, "394579002"), later).unwrap().from,
            Some(later)
        );
        for bad in [
            args(0, "394579002"),
            args(91, "394579002"),
            args(7, ""),
            args(7, "a&b=c"),
        ] {
            assert_eq!(
                slot_query(&bad, before).unwrap_err().code,
                ErrorCode::InvalidArgument
            );
        }
        let mut with_bad_clinician = args(7, "394579002");
        with_bad_clinician.clinician_id = Some("../admin".into());
        assert!(slot_query(&with_bad_clinician, before).is_err());
    }
}
