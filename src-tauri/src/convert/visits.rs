//! The visit summary between the core and the IPC contract.

use hale_api::{Freshness, PrescribedView, ReplacedView, VisitStageView, VisitSummaryView};
use hale_core::visits::{VisitFound, VisitSummaryScreen};
use hale_domain::visit_summary::{Change, Visit};

use super::care_team::message;
use super::devices::clinic_reading;
use super::{freshness, local};

pub fn visit_summary(appointment_id: String, screen: VisitSummaryScreen) -> VisitSummaryView {
    let freshness = freshness(screen.freshness);
    let s = match screen.found {
        VisitFound::Summary(s) => s,
        VisitFound::NoVisit => return nothing(appointment_id, VisitStageView::NoVisit, freshness),
        VisitFound::NotRead => return nothing(appointment_id, VisitStageView::NotRead, freshness),
    };
    VisitSummaryView {
        appointment_id,
        visit: stage(&s.visit),
        measured: s.measured.iter().map(clinic_reading).collect(),
        prescribed: s
            .prescribed
            .into_iter()
            .map(|p| PrescribedView {
                name: p.name,
                instructions: p.instructions,
                replaces: match p.change {
                    Change::New => None,
                    Change::Replaces { name, instructions } => {
                        Some(ReplacedView { name, instructions })
                    }
                },
                by: p.by,
            })
            .collect(),
        next_steps: s.next_steps.into_iter().map(message).collect(),
        freshness,
    }
}

fn stage(v: &Visit) -> VisitStageView {
    match (v.cancelled, v.ended) {
        (true, _) => VisitStageView::Cancelled,
        (false, None) => VisitStageView::Ongoing {
            arrived: local(v.arrived),
        },
        (false, Some(ended)) => VisitStageView::Ended {
            arrived: local(v.arrived),
            ended: local(ended),
        },
    }
}

fn nothing(
    appointment_id: String,
    visit: VisitStageView,
    freshness: Freshness,
) -> VisitSummaryView {
    VisitSummaryView {
        appointment_id,
        visit,
        measured: Vec::new(),
        prescribed: Vec::new(),
        next_steps: Vec::new(),
        freshness,
    }
}
