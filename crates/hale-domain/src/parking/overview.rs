//! What the parking screen shows, decided: which car park to suggest, what each length of stay
//! costs there, and which sessions are running.

use chrono::{DateTime, Duration, Utc};

use super::{CarPark, ParkingSession, Relief, CHOICES};

/// A car park as the patient is offered it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CarParkOffer {
    pub car_park: CarPark,
    /// The clinic of the patient's next appointment, when this car park is nearest to it.
    pub suggested_for: Option<String>,
    /// (minutes, pence) for each of [`CHOICES`], before concessions.
    pub prices: Vec<(u32, u32)>,
    /// (minutes, pence) for each of [`CHOICES`], after the patient's concessions: what the
    /// pay button asks.
    pub prices_for_you: Vec<(u32, u32)>,
}

/// A session as it stands at one moment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stay {
    pub session: ParkingSession,
    pub running: bool,
    /// (minutes, pence due) to extend it by each of [`CHOICES`], after the patient's
    /// concessions: filled by [`overview`] for a running session whose tariff it knows, empty
    /// otherwise.
    pub extend_prices: Vec<(u32, u32)>,
}

impl Stay {
    pub fn at(session: ParkingSession, now: DateTime<Utc>) -> Self {
        Self {
            running: session.is_running(now),
            session,
            extend_prices: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkingOverview {
    pub car_parks: Vec<CarParkOffer>,
    /// A running session first, then the rest newest first.
    pub stays: Vec<Stay>,
}

/// The parking screen at `now`, for a patient whose next appointment is at `next_clinic` and
/// whose approved concessions do `reliefs`. `sessions` come newest first, as the hospital
/// lists them. Prices are the hospital's own arithmetic (`Tariff::due`), so the amount on the
/// pay button is the amount charged; the hospital refuses a payment quoted otherwise.
pub fn overview(
    sessions: Vec<ParkingSession>,
    car_parks: Vec<CarPark>,
    next_clinic: Option<&str>,
    reliefs: &[Relief],
    now: DateTime<Utc>,
) -> ParkingOverview {
    let mut stays: Vec<Stay> = sessions.into_iter().map(|s| Stay::at(s, now)).collect();
    // Stable: the rest keep their newest-first order.
    stays.sort_by_key(|s| !s.running);
    // Each running session priced on its own: two cars can be parked at once.
    for stay in stays.iter_mut().filter(|s| s.running) {
        let Some(park) = car_parks.iter().find(|p| p.id == stay.session.car_park) else {
            continue;
        };
        let s = &stay.session;
        stay.extend_prices = CHOICES
            .iter()
            .map(|m| {
                let until = s.expires + Duration::minutes(i64::from(*m));
                (*m, park.tariff.due(s.started, until, s.paid_pence, reliefs))
            })
            .collect();
    }
    let car_parks = car_parks
        .into_iter()
        .map(|car_park| {
            let stay = |m: u32| Duration::minutes(i64::from(m));
            CarParkOffer {
                suggested_for: next_clinic
                    .filter(|clinic| car_park.clinic_names.iter().any(|c| c == clinic))
                    .map(str::to_owned),
                prices: CHOICES
                    .iter()
                    .map(|m| (*m, car_park.tariff.price(stay(*m))))
                    .collect(),
                prices_for_you: CHOICES
                    .iter()
                    .map(|m| (*m, car_park.tariff.due(now, now + stay(*m), 0, reliefs)))
                    .collect(),
                car_park,
            }
        })
        .collect();
    ParkingOverview { car_parks, stays }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::parking::{Band, Tariff};

    fn t(s: &str) -> DateTime<Utc> {
        s.parse().unwrap()
    }

    fn car_park(id: &str, clinics: &[&str]) -> CarPark {
        CarPark {
            id: id.into(),
            name: format!("Car park {id}"),
            location: "By the main entrance".into(),
            free_spaces: 12,
            clinic_names: clinics.iter().map(|c| (*c).to_owned()).collect(),
            tariff: Tariff {
                bands: vec![
                    Band {
                        up_to_minutes: 60,
                        pence: 250,
                    },
                    Band {
                        up_to_minutes: 24 * 60,
                        pence: 900,
                    },
                ],
                daily_cap_pence: 900,
            },
        }
    }

    fn session(id: &str, expires: &str) -> ParkingSession {
        ParkingSession {
            id: id.into(),
            car_park: "a".into(),
            car_park_name: "Car park a".into(),
            registration: "AB12CDE".into(),
            started: t("2026-12-04T08:00:00Z"),
            expires: t(expires),
            ended: None,
            paid_pence: 250,
            relief: None,
            saved_card_last4: None,
            receipts: Vec::new(),
        }
    }

    #[test]
    fn the_car_park_nearest_the_next_appointments_clinic_is_suggested_for_it() {
        let o = overview(
            Vec::new(),
            vec![
                car_park("a", &["Cardiology"]),
                car_park("b", &["Dermatology"]),
            ],
            Some("Dermatology"),
            &[],
            t("2026-12-04T09:00:00Z"),
        );
        assert_eq!(o.car_parks[0].suggested_for, None);
        assert_eq!(o.car_parks[1].suggested_for.as_deref(), Some("Dermatology"));
    }

    #[test]
    fn without_an_appointment_no_car_park_is_suggested() {
        let o = overview(
            Vec::new(),
            vec![car_park("a", &["Cardiology"])],
            None,
            &[],
            t("2026-12-04T09:00:00Z"),
        );
        assert_eq!(o.car_parks[0].suggested_for, None);
    }

    #[test]
    fn each_length_of_stay_is_priced_with_the_car_parks_tariff() {
        let o = overview(
            Vec::new(),
            vec![car_park("a", &[])],
            None,
            &[],
            t("2026-12-04T09:00:00Z"),
        );
        let prices = &o.car_parks[0].prices;
        assert_eq!(prices.len(), CHOICES.len());
        for (minutes, pence) in prices {
            assert_eq!(*pence, if *minutes <= 60 { 250 } else { 900 });
        }
    }

    #[test]
    fn a_running_session_comes_first_and_the_rest_keep_newest_first() {
        let now = t("2026-12-04T10:00:00Z");
        let o = overview(
            vec![
                session("newest-over", "2026-12-04T09:30:00Z"),
                session("running", "2026-12-04T11:00:00Z"),
                session("oldest-over", "2026-12-03T11:00:00Z"),
            ],
            Vec::new(),
            None,
            &[],
            now,
        );
        let order: Vec<(&str, bool)> = o
            .stays
            .iter()
            .map(|s| (s.session.id.as_str(), s.running))
            .collect();
        assert_eq!(
            order,
            [
                ("running", true),
                ("newest-over", false),
                ("oldest-over", false)
            ]
        );
    }

    #[test]
    fn the_pay_button_asks_the_price_after_the_best_concession() {
        let reliefs = [
            Relief::PercentOff { percent: 50 },
            Relief::DailyCap { pence: 300 },
        ];
        let o = overview(
            Vec::new(),
            vec![car_park("a", &[])],
            None,
            &reliefs,
            t("2026-12-04T09:00:00Z"),
        );
        let offer = &o.car_parks[0];
        // An hour: half of £2.50 beats a £3 cap; four hours: the £3 cap beats half of £9.
        assert_eq!(offer.prices_for_you[1], (60, 125));
        assert_eq!(offer.prices_for_you[3], (240, 300));
        assert_eq!(
            offer.prices[3],
            (240, 900),
            "the tariff itself is still shown"
        );
        let free = overview(
            Vec::new(),
            vec![car_park("a", &[])],
            None,
            &[Relief::Free],
            t("2026-12-04T09:00:00Z"),
        );
        assert!(free.car_parks[0]
            .prices_for_you
            .iter()
            .all(|(_, p)| *p == 0));
    }

    #[test]
    fn extending_asks_only_what_the_longer_stay_costs_beyond_what_was_paid() {
        // Parked at 08:00 until 11:00, £2.50 paid; at 10:00, 30 more minutes make a 3.5 h stay
        // at £9.00, so £6.50 is due.
        let o = overview(
            vec![session("running", "2026-12-04T11:00:00Z")],
            vec![car_park("a", &[])],
            None,
            &[],
            t("2026-12-04T10:00:00Z"),
        );
        assert_eq!(o.stays[0].extend_prices[0], (30, 650));
        let none_running = overview(
            vec![session("over", "2026-12-04T09:00:00Z")],
            vec![car_park("a", &[])],
            None,
            &[],
            t("2026-12-04T10:00:00Z"),
        );
        assert!(none_running.stays[0].extend_prices.is_empty());
    }
}
