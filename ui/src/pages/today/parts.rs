//! Today's parts, which load on their own, and the moment all of them have their first answer:
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
}

impl Part {
    const ALL: u8 = 0b1111;

    fn bit(self) -> u8 {
        match self {
            Part::Appointment => 0b0001,
            Part::Doses => 0b0010,
            Part::Parking => 0b0100,
            Part::Readings => 0b1000,
        }
    }
}

/// Which parts have answered. Provided as context by Today, for each part to report to.
#[derive(Debug, Clone, Copy)]
pub struct Parts {
    arrived: StoredValue<u8>,
}

impl Parts {
    pub fn provide() -> Self {
        let parts = Parts {
            arrived: StoredValue::new(0),
        };
        provide_context(parts);
        parts
    }

    /// `part` has its answer (or its error); a refresh of a part that has one changes nothing.
    pub fn arrived(self, part: Part) {
        let before = self.arrived.get_value();
        let now = before | part.bit();
        if now != before {
            self.arrived.set_value(now);
            if now == Part::ALL {
                marks::set(marks::TODAY);
            }
        }
    }
}
