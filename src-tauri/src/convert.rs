//! Hand-written conversions from the core's types to the IPC contract's, at the boundary.

use chrono::{DateTime, Duration, Local, NaiveTime, TimeZone, Utc};
use hale_api::{
    ApiError, AppointmentStage, AppointmentView, ClinicWaitView, ClinicianView, ErrorCode,
    FindSlotsArgs, Freshness, HomeView, HospitalView, OfferView, QueueState, QueueView,
    ReminderChoice, ReminderLead, ReminderSettings, ServiceView, SlotView, SlotsView,
    WaitingTimesView, WaitlistView, MAX_SEARCH_DAYS,
};
use hale_client::{ClientError, SlotPage, SlotQuery};
use hale_core::CoreError;
use hale_domain::{Allowed, Lead, RefusalCode};

pub mod devices;
mod medicines;
pub use medicines::{log_dose, medicines, new_medicine};

/// Slots per page of search results.
const PAGE: u32 = 40;

pub fn home(home: hale_core::Home, hospital_url: &str, embedded: bool) -> HomeView {
    HomeView {
        hospital: HospitalView {
            name: home
                .hospital_name
                .unwrap_or_else(|| "Your hospital".to_owned()),
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

pub fn freshness(f: hale_core::Freshness) -> Freshness {
    match f {
        hale_core::Freshness::Live { as_of } => Freshness::Live { as_of },
        hale_core::Freshness::Offline { cached_at, error } => Freshness::Offline {
            cached_at,
            error: client_error(&error),
        },
    }
}

/// An appointment and what the core decided the patient may do with it.
pub fn appointment(a: hale_domain::Appointment, allowed: Allowed) -> AppointmentView {
    AppointmentView {
        can_check_in: allowed.can_check_in,
        changeable: allowed.changeable,
        id: a.id,
        reference: a.reference.map(|r| r.to_string()),
        status: stage(a.status),
        start: a.start.with_timezone(&Local).fixed_offset(),
        end: a.end.with_timezone(&Local).fixed_offset(),
        service: a.service,
        clinician: a.clinician,
        location: a.location,
        waitlist: None,
    }
}

pub fn vehicle(v: hale_store::Vehicle) -> hale_api::VehicleView {
    hale_api::VehicleView {
        registration: hale_domain::parking::Registration::parse(&v.registration)
            .map(|r| r.to_string())
            .unwrap_or(v.registration),
        label: v.label,
    }
}

/// A registration as the store keeps it, or why it is not one.
pub fn registration(text: &str) -> Result<String, ApiError> {
    hale_domain::parking::Registration::parse(text)
        .map(|r| r.as_str().to_owned())
        .map_err(|e| ApiError::new(ErrorCode::InvalidRegistration, e.to_string()))
}

/// A vehicle's own name ("Blue Fiesta"): short, printable, blank meaning none.
pub fn vehicle_label(label: Option<String>) -> Result<Option<String>, ApiError> {
    match label.map(|l| l.trim().to_owned()).filter(|l| !l.is_empty()) {
        None => Ok(None),
        Some(l) if l.chars().count() <= 40 && !l.chars().any(char::is_control) => Ok(Some(l)),
        Some(_) => Err(invalid("a vehicle's name is up to 40 printable characters")),
    }
}

pub fn card(c: hale_api::CardArgs) -> hale_client::Card {
    hale_client::Card {
        number: c.number,
        expiry: c.expiry,
        cvc: c.cvc,
    }
}

pub fn parking_session(
    s: &hale_client::ParkingSession,
    now: DateTime<Utc>,
) -> hale_api::ParkingSessionView {
    let local = |t: DateTime<Utc>| t.with_timezone(&Local).fixed_offset();
    hale_api::ParkingSessionView {
        id: s.id.clone(),
        car_park_name: s.car_park_name.clone(),
        registration: s.registration.clone(),
        started: local(s.started),
        expires: local(s.expires),
        ended: s.ended.map(local),
        running: s.ended.is_none() && s.expires > now,
        paid_pence: s.paid_pence,
        receipts: s
            .receipts
            .iter()
            .map(|r| hale_api::ReceiptView {
                number: r.number.clone(),
                purpose: r.purpose.clone(),
                minutes: r.minutes,
                amount_pence: r.amount_pence,
                card_last4: r.card_last4.clone(),
                created: local(r.created),
            })
            .collect(),
    }
}

pub fn concession_kind(k: hale_api::ConcessionKindView) -> hale_domain::parking::ConcessionKind {
    use hale_api::ConcessionKindView as V;
    use hale_domain::parking::ConcessionKind as K;
    match k {
        V::BlueBadge => K::BlueBadge,
        V::FrequentAttender => K::FrequentAttender,
        V::ParentOfInpatient => K::ParentOfInpatient,
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

pub fn concession(c: &hale_client::Concession) -> hale_api::ConcessionView {
    use hale_api::ConcessionKindView as V;
    use hale_domain::parking::{ConcessionKind as K, Relief};
    hale_api::ConcessionView {
        kind: match c.kind {
            K::BlueBadge => V::BlueBadge,
            K::FrequentAttender => V::FrequentAttender,
            K::ParentOfInpatient => V::ParentOfInpatient,
        },
        approved: c.status == hale_client::ConcessionStatus::Approved,
        reason: c.reason.clone(),
        effect: c.relief.map(|r| match r {
            Relief::Free => hale_api::ReliefView::Free,
            Relief::PercentOff { percent } => hale_api::ReliefView::PercentOff { percent },
            Relief::DailyCap { pence } => hale_api::ReliefView::DailyCap { pence },
        }),
        decided: c.decided.with_timezone(&Local).fixed_offset(),
    }
}

/// The parking screen: the car park nearest the next appointment's clinic is suggested.
pub fn parking(
    parking: hale_core::parking::Parking,
    car_parks: Vec<hale_client::CarPark>,
    concessions: &[hale_client::Concession],
    vehicles: Vec<hale_store::Vehicle>,
    upcoming: &[hale_domain::Appointment],
    now: DateTime<Utc>,
) -> hale_api::ParkingView {
    let next_clinic = upcoming.first().map(|a| a.service.clone());
    let mut sessions: Vec<_> = parking
        .sessions
        .iter()
        .map(|s| parking_session(s, now))
        .collect();
    sessions.sort_by_key(|s| !s.running);
    hale_api::ParkingView {
        vehicles: vehicles.into_iter().map(vehicle).collect(),
        car_parks: car_parks
            .into_iter()
            .map(|c| hale_api::CarParkView {
                suggested_for: next_clinic
                    .clone()
                    .filter(|clinic| c.clinic_names.contains(clinic)),
                prices: hale_api::PARKING_CHOICES
                    .iter()
                    .map(|m| (*m, c.tariff.price(Duration::minutes(i64::from(*m)))))
                    .collect(),
                id: c.id,
                name: c.name,
                location: c.location,
                free_spaces: c.free_spaces,
            })
            .collect(),
        sessions,
        concessions: concessions.iter().map(concession).collect(),
        freshness: freshness(parking.freshness),
    }
}

pub fn waiting_times(board: &hale_core::WaitingTimes) -> WaitingTimesView {
    WaitingTimesView {
        updated: board.updated.with_timezone(&Local).fixed_offset(),
        clinics: board
            .clinics
            .iter()
            .map(|c| ClinicWaitView {
                name: c.name.clone(),
                location: c.location.clone(),
                waiting: c.waiting,
                estimate_minutes: c.estimate_minutes,
                running_late_minutes: c.running_late_minutes,
            })
            .collect(),
    }
}

pub fn queue(s: &hale_core::QueueStatus) -> QueueView {
    QueueView {
        encounter_id: s.encounter.clone(),
        appointment_id: s.appointment.clone(),
        state: match s.state {
            hale_core::QueueState::Waiting => QueueState::Waiting,
            hale_core::QueueState::Called => QueueState::Called,
            hale_core::QueueState::Finished => QueueState::Finished,
        },
        clinic: s.clinic.clone(),
        location: s.location.clone(),
        position: s.position,
        estimate_minutes: s.estimate_minutes,
        room: s.room.clone(),
        updated: s.updated.with_timezone(&Local).fixed_offset(),
    }
}

pub fn waitlist(e: &hale_core::WaitlistEntry) -> WaitlistView {
    WaitlistView {
        entry_id: e.id.clone(),
        offer: e.offer.as_ref().map(|o| OfferView {
            offer_id: o.id.clone(),
            start: o.start.with_timezone(&Local).fixed_offset(),
            end: o.end.with_timezone(&Local).fixed_offset(),
            clinician: o.clinician.clone(),
            location: o.location.clone(),
            expires: o.expires.with_timezone(&Local).fixed_offset(),
        }),
    }
}

pub fn lead(l: ReminderLead) -> Lead {
    match l {
        ReminderLead::Days(d) => Lead::Days(d),
        ReminderLead::Minutes(m) => Lead::Minutes(m),
    }
}

fn lead_view(l: Lead) -> ReminderLead {
    match l {
        Lead::Days(d) => ReminderLead::Days(d),
        Lead::Minutes(m) => ReminderLead::Minutes(m),
    }
}

/// Every offered lead, plus any chosen one not offered (kept from an older version), longest first.
pub fn reminder_settings(chosen: &[Lead]) -> ReminderSettings {
    let mut leads: Vec<Lead> = Lead::CHOICES.to_vec();
    leads.extend(chosen.iter().filter(|l| !Lead::CHOICES.contains(l)));
    let choices = leads
        .into_iter()
        .map(|l| ReminderChoice {
            lead: lead_view(l),
            label: l.to_string(),
            chosen: chosen.contains(&l),
        })
        .collect();
    ReminderSettings { choices }
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
                start: s.start.with_timezone(&Local).fixed_offset(),
                end: s.end.with_timezone(&Local).fixed_offset(),
                service: s.service,
                clinician: s.clinician,
                location: s.location,
            })
            .collect(),
        has_more: page.has_more,
    }
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::new(ErrorCode::InvalidArgument, message)
}

/// Refuses an id that is not a FHIR resource id before it can reach a URL.
pub fn require_id(name: &str, value: &str) -> Result<(), ApiError> {
    if hale_api::is_identifier(value) {
        Ok(())
    } else {
        Err(invalid(format!("{name} is not a valid id")))
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

pub fn client_error(e: &ClientError) -> ApiError {
    let code = match e {
        ClientError::Unreachable(_) => ErrorCode::HospitalUnreachable,
        ClientError::Unauthorized => ErrorCode::NotSignedIn,
        ClientError::Forbidden(_) => ErrorCode::Forbidden,
        ClientError::Refused { code, .. } => refusal(*code),
        ClientError::NotFound | ClientError::Rejected { .. } | ClientError::InvalidUrl(_) => {
            ErrorCode::HospitalRejected
        }
        ClientError::Server { .. } | ClientError::InvalidResponse(_) => ErrorCode::HospitalError,
    };
    ApiError::new(code, e.to_string())
}

/// A hospital's refusal as the contract's error code. Exhaustive: a new refusal does not compile
/// until it has its code here; one the hospital names but this version does not know is `Refused`.
fn refusal(code: Option<RefusalCode>) -> ErrorCode {
    let Some(code) = code else {
        return ErrorCode::Refused;
    };
    match code {
        RefusalCode::SlotTaken => ErrorCode::SlotTaken,
        RefusalCode::TooLateToChange => ErrorCode::TooLateToChange,
        RefusalCode::Overlaps => ErrorCode::Overlaps,
        RefusalCode::BeyondHorizon => ErrorCode::BeyondHorizon,
        RefusalCode::InThePast => ErrorCode::InThePast,
        RefusalCode::NotChangeable => ErrorCode::NotChangeable,
        RefusalCode::OfferClosed => ErrorCode::OfferClosed,
        RefusalCode::ArrivalTooEarly => ErrorCode::TooEarlyToCheckIn,
        RefusalCode::ArrivalTooLate | RefusalCode::NotCheckable => ErrorCode::CannotCheckIn,
        RefusalCode::InvalidRegistration => ErrorCode::InvalidRegistration,
        RefusalCode::CarParkFull => ErrorCode::CarParkFull,
        RefusalCode::CardDeclined => ErrorCode::CardDeclined,
        RefusalCode::InsufficientFunds => ErrorCode::InsufficientFunds,
        RefusalCode::InvalidCard => ErrorCode::InvalidCard,
        RefusalCode::SessionOver => ErrorCode::ParkingOver,
        RefusalCode::BadDuration => ErrorCode::InvalidArgument,
    }
}

pub fn core_error(e: CoreError) -> ApiError {
    match e {
        CoreError::Hospital(e) => client_error(&e),
        CoreError::InvalidLeads(e) => invalid(e.to_string()),
        CoreError::InvalidRegistration(e) => {
            ApiError::new(ErrorCode::InvalidRegistration, e.to_string())
        }
        CoreError::Medicine(e) => medicines::medicine_error(e),
        CoreError::Device(hale_core::devices::DeviceError::NotSignedIn) => {
            ApiError::new(ErrorCode::NotSignedIn, "sign in before pairing a device")
        }
        CoreError::Device(e @ hale_core::devices::DeviceError::Threshold(_)) => {
            invalid(e.to_string())
        }
        CoreError::Store(e) => {
            tracing::error!(error = %e, "local store failed");
            ApiError::new(ErrorCode::LocalStorage, e.to_string())
        }
        CoreError::NotSignedIn => ApiError::new(ErrorCode::NotSignedIn, "not signed in"),
        CoreError::SignIn(e) => ApiError::new(ErrorCode::SignInNotFinished, e.to_string()),
        CoreError::NoBrowser(e) => ApiError::new(ErrorCode::NoBrowser, e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vehicle_names_are_short_and_printable() {
        assert_eq!(vehicle_label(None).unwrap(), None);
        assert_eq!(vehicle_label(Some("  ".into())).unwrap(), None);
        assert_eq!(
            vehicle_label(Some(" Blue Fiesta ".into())).unwrap(),
            Some("Blue Fiesta".into())
        );
        assert!(vehicle_label(Some("x".repeat(41))).is_err());
        assert!(vehicle_label(Some("car\u{0}".into())).is_err());
    }

    #[test]
    fn the_ui_offers_the_parking_lengths_the_domain_knows() {
        assert_eq!(hale_api::PARKING_CHOICES, hale_domain::parking::CHOICES);
    }

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

    #[test]
    fn each_client_failure_has_the_code_the_ui_acts_on() {
        let cases = [
            (
                ClientError::Unreachable("x".into()),
                ErrorCode::HospitalUnreachable,
            ),
            (ClientError::Unauthorized, ErrorCode::NotSignedIn),
            (ClientError::Forbidden("x".into()), ErrorCode::Forbidden),
            (
                ClientError::Refused {
                    code: Some(RefusalCode::TooLateToChange),
                    message: "x".into(),
                },
                ErrorCode::TooLateToChange,
            ),
            (
                ClientError::Refused {
                    code: None,
                    message: "x".into(),
                },
                ErrorCode::Refused,
            ),
            (
                ClientError::Server {
                    status: 503,
                    diagnostics: "x".into(),
                },
                ErrorCode::HospitalError,
            ),
            (
                ClientError::Rejected {
                    status: 400,
                    diagnostics: "x".into(),
                },
                ErrorCode::HospitalRejected,
            ),
        ];
        // Every refusal the hospital can give has a contract code of its own kind.
        for r in RefusalCode::ALL {
            assert_ne!(refusal(Some(r)), ErrorCode::Refused, "{r:?}");
        }
        for (error, code) in cases {
            assert_eq!(client_error(&error).code, code, "{error}");
        }
    }
}
