//! Share codes into their views.

use chrono::{DateTime, Utc};
use hale_api::{NewShareView, ShareStateView, ShareView, SharesView};
use hale_domain::share::{NewShare, Share, ShareEnd, ShareState};

use super::local;

pub fn new_share(s: NewShare) -> NewShareView {
    NewShareView {
        id: s.id,
        code: s.code.grouped(),
        expires: local(s.expires),
        link: s.link,
    }
}

pub fn shares(list: Vec<Share>, now: DateTime<Utc>) -> SharesView {
    SharesView {
        shares: list.into_iter().map(|s| share(s, now)).collect(),
    }
}

fn share(s: Share, now: DateTime<Utc>) -> ShareView {
    let state = match s.state(now) {
        ShareState::Waiting { expires } => ShareStateView::Waiting {
            expires: local(expires),
        },
        ShareState::Open { opened, expires } => ShareStateView::Open {
            opened: local(opened),
            expires: local(expires),
        },
        ShareState::Ended {
            end: ShareEnd::Expired(_),
            opened,
        } => ShareStateView::Expired {
            opened: opened.map(local),
        },
        ShareState::Ended {
            end: ShareEnd::Revoked(at),
            opened,
        } => ShareStateView::Revoked {
            at: local(at),
            opened: opened.map(local),
        },
    };
    ShareView {
        id: s.id,
        created: local(s.created),
        state,
        views: u32::try_from(s.views.len()).unwrap_or(u32::MAX),
        last_view: s.views.last().copied().map(local),
    }
}
