//! Arrival: the waiting-times board, a patient's place in the queue, and the kiosk's outcome.

use hale_api::{ClinicWaitView, KioskOutcomeView, QueueState, QueueView, WaitingTimesView};
use hale_domain::queue::{self, KioskOutcome, QueueStatus, WaitingTimes};
use hale_domain::RefusalCode;

use super::local;

pub fn waiting_times(board: &WaitingTimes) -> WaitingTimesView {
    WaitingTimesView {
        updated: local(board.updated),
        clinics: board
            .clinics
            .iter()
            .map(|c| ClinicWaitView {
                name: c.name.clone(),
                location: c.location.clone(),
                waiting: c.waiting,
                estimate_minutes: c.estimate.num_minutes(),
                running_late_minutes: c.running_late.num_minutes(),
            })
            .collect(),
    }
}

pub fn queue(s: &QueueStatus) -> QueueView {
    QueueView {
        encounter_id: s.encounter.clone(),
        appointment_id: s.appointment.clone(),
        state: match s.state {
            queue::QueueState::Waiting => QueueState::Waiting,
            queue::QueueState::Called => QueueState::Called,
            queue::QueueState::Finished => QueueState::Finished,
        },
        clinic: s.clinic.clone(),
        location: s.location.clone(),
        position: s.position,
        estimate_minutes: s.estimate.map(|e| e.num_minutes()),
        room: s.room.clone(),
        updated: local(s.updated),
    }
}

pub fn kiosk_outcome(o: KioskOutcome) -> KioskOutcomeView {
    match o {
        KioskOutcome::CheckedIn {
            clinic,
            location,
            position,
            estimate,
            form,
        } => KioskOutcomeView::CheckedIn {
            clinic,
            location,
            position,
            estimate_minutes: estimate.num_minutes(),
            form: form.is_some(),
        },
        KioskOutcome::SeeReception { reason, opens } => KioskOutcomeView::SeeReception {
            too_early: reason == Some(RefusalCode::ArrivalTooEarly),
            opens_at: opens.map(local),
        },
        KioskOutcome::NotMatched => KioskOutcomeView::NotMatched,
        KioskOutcome::TooManyAttempts => KioskOutcomeView::TooManyAttempts,
    }
}

#[cfg(test)]
mod tests {
    use hale_domain::BookingReference;

    #[test]
    fn the_kiosk_keypad_offers_exactly_the_characters_of_a_booking_reference() {
        assert_eq!(hale_api::REFERENCE_CHARACTERS, BookingReference::CHARACTERS);
        assert_eq!(hale_api::REFERENCE_LENGTH, BookingReference::LEN);
    }
}
