//! Parking: the screen the core decided, a session as it stands, vehicles, cards and
//! concessions.

use hale_api::{
    ApiError, CarParkView, ConcessionKindView, ConcessionView, ErrorCode, ParkingSessionView,
    ParkingView, ReceiptPurposeView, ReceiptView, ReliefView, VehicleView,
};
use hale_domain::parking::{
    Card, Concession, ConcessionApplication, ConcessionKind, ConcessionStatus, ReceiptPurpose,
    Registration, Relief, Stay,
};

use super::{freshness, local};

/// The parking screen, as the core decided it.
pub fn parking(p: hale_core::parking::Parking) -> ParkingView {
    ParkingView {
        vehicles: p.vehicles.into_iter().map(vehicle).collect(),
        car_parks: p
            .car_parks
            .into_iter()
            .map(|o| CarParkView {
                id: o.car_park.id,
                name: o.car_park.name,
                location: o.car_park.location,
                free_spaces: o.car_park.free_spaces,
                suggested_for: o.suggested_for,
                prices: o.prices,
                prices_for_you: o.prices_for_you,
            })
            .collect(),
        sessions: p.stays.into_iter().map(stay).collect(),
        concessions: p.concessions.into_iter().map(concession).collect(),
        freshness: freshness(p.freshness),
    }
}

/// A session as it stands.
pub fn stay(s: Stay) -> ParkingSessionView {
    let Stay {
        session: s,
        running,
        extend_prices,
    } = s;
    ParkingSessionView {
        id: s.id,
        car_park_name: s.car_park_name,
        registration: s.registration,
        started: local(s.started),
        expires: local(s.expires),
        ended: s.ended.map(local),
        running,
        paid_pence: s.paid_pence,
        saved_card: s.saved_card_last4,
        extend_prices,
        receipts: s
            .receipts
            .into_iter()
            .map(|r| ReceiptView {
                number: r.number,
                purpose: match r.purpose {
                    ReceiptPurpose::Start => ReceiptPurposeView::Start,
                    ReceiptPurpose::Extend => ReceiptPurposeView::Extend,
                },
                minutes: r.minutes,
                amount_pence: r.amount_pence,
                card_last4: r.card_last4,
                created: local(r.created),
            })
            .collect(),
    }
}

pub fn vehicle(v: hale_store::Vehicle) -> VehicleView {
    VehicleView {
        // Shown as the plate reads ("AB12 CDE"); the store keeps it without spaces.
        registration: Registration::parse(&v.registration)
            .map(|r| r.to_string())
            .unwrap_or(v.registration),
        label: v.label,
    }
}

/// A registration as the store keeps it, or why it is not one.
pub fn registration(text: &str) -> Result<String, ApiError> {
    Registration::parse(text)
        .map(|r| r.as_str().to_owned())
        .map_err(|e| ApiError::new(ErrorCode::InvalidRegistration, e.to_string()))
}

pub fn card(c: hale_api::CardArgs) -> Card {
    Card {
        number: c.number,
        expiry: c.expiry,
        cvc: c.cvc,
    }
}

/// An application from the UI's arguments; a blank badge number is none.
pub fn concession_application(
    args: hale_api::ApplyConcessionArgs,
) -> Result<ConcessionApplication, ApiError> {
    let expiry =
        match args.blue_badge_expiry.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(text) => Some(chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").map_err(
                |_| ApiError::new(ErrorCode::InvalidArgument, "the expiry date is not a date"),
            )?),
        };
    Ok(ConcessionApplication {
        kind: match args.kind {
            ConcessionKindView::BlueBadge => ConcessionKind::BlueBadge,
            ConcessionKindView::FrequentAttender => ConcessionKind::FrequentAttender,
            ConcessionKindView::ParentOfInpatient => ConcessionKind::ParentOfInpatient,
        },
        blue_badge_number: args.blue_badge_number.filter(|n| !n.trim().is_empty()),
        blue_badge_expiry: expiry,
    })
}

pub fn concession(c: Concession) -> ConcessionView {
    ConcessionView {
        kind: match c.kind {
            ConcessionKind::BlueBadge => ConcessionKindView::BlueBadge,
            ConcessionKind::FrequentAttender => ConcessionKindView::FrequentAttender,
            ConcessionKind::ParentOfInpatient => ConcessionKindView::ParentOfInpatient,
        },
        approved: match c.status {
            ConcessionStatus::Approved => true,
            ConcessionStatus::Refused => false,
        },
        reason: c.reason,
        effect: c.relief.map(|r| match r {
            Relief::Free => ReliefView::Free,
            Relief::PercentOff { percent } => ReliefView::PercentOff { percent },
            Relief::DailyCap { pence } => ReliefView::DailyCap { pence },
        }),
        applies_now: c.relief_now.is_some(),
        decided: local(c.decided),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_ui_offers_the_parking_lengths_the_domain_knows() {
        assert_eq!(hale_api::PARKING_CHOICES, hale_domain::parking::CHOICES);
    }
}
