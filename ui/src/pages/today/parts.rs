//! Today's parts, which load on their own, and the moment all of them are on screen:
//! `marks::TODAY`, which the start-up bench reads beside the home screen's own mark, so that a
//! change cannot make the first part sooner by only making the others later unnoticed.

use leptos::prelude::*;

use crate::marks;

/// A part of Today that loads on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    Appointment,
    Doses,
    Parking,
    Readings,
    StartAtLogin,
}

impl Part {
    fn bit(self) -> u8 {
        match self {
            Part::Appointment => 1,
            Part::Doses => 1 << 1,
            Part::Parking => 1 << 2,
            Part::Readings => 1 << 3,
            Part::StartAtLogin => 1 << 4,
        }
    }
}

/// The parts that have their first answer.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Arrived(u8);

impl Arrived {
    const ALL: u8 = (1 << 5) - 1;

    /// With `part` answered too, and whether that answer is the one that completes the screen
    /// (a part answering again, a refresh, completes nothing).
    fn with(self, part: Part) -> (Arrived, bool) {
        let now = Arrived(self.0 | part.bit());
        (now, now != self && now.0 == Self::ALL)
    }
}

/// Which parts have answered. Provided as context by Today, for each part to report to.
#[derive(Debug, Clone, Copy)]
pub struct Parts(StoredValue<Arrived>);

impl Parts {
    /// Provides a new count for the Today screen being drawn.
    pub fn provide() -> Self {
        let parts = Parts(StoredValue::new(Arrived::default()));
        provide_context(parts);
        parts
    }

    /// `part` has its answer (or its error) and draws it now. The mark waits for the next
    /// frame, which is the one that shows the last part.
    pub fn arrived(self, part: Part) {
        let complete = self
            .0
            .try_update_value(|arrived| {
                let (now, complete) = arrived.with(part);
                *arrived = now;
                complete
            })
            .unwrap_or(false);
        if complete {
            request_animation_frame(|| marks::set(marks::TODAY));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EVERY_PART: [Part; 5] = [
        Part::Appointment,
        Part::Doses,
        Part::Parking,
        Part::Readings,
        Part::StartAtLogin,
    ];

    #[test]
    fn the_screen_is_complete_only_when_every_part_has_answered() {
        let mut arrived = Arrived::default();
        for (i, part) in EVERY_PART.into_iter().enumerate() {
            let (now, complete) = arrived.with(part);
            assert_eq!(complete, i == EVERY_PART.len() - 1, "after {part:?}");
            arrived = now;
        }
    }

    #[test]
    fn a_part_answering_again_completes_nothing() {
        let mut arrived = Arrived::default();
        for part in EVERY_PART {
            arrived = arrived.with(part).0;
        }
        assert_eq!(arrived.with(Part::Doses), (arrived, false));
        let without_parking = EVERY_PART
            .into_iter()
            .filter(|p| *p != Part::Parking)
            .fold(Arrived::default(), |a, p| a.with(p).0);
        assert!(!without_parking.with(Part::Doses).1);
    }
}
