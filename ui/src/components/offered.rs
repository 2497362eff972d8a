//! A screen for a feature the hospital may not offer.

use hale_api::{FeatureView, OffersView};
use leptos::prelude::*;

use crate::format;

/// Whose offers the screens follow: `None` until the shell has said.
pub type Offers = RwSignal<Option<OffersView>>;

/// `children` where the hospital offers `feature`; else a page titled `title` saying it does
/// not, and what to do instead. Nothing until the shell has said, so a screen the hospital does
/// not offer never asks it anything.
#[component]
pub fn Offered(feature: FeatureView, title: &'static str, children: ChildrenFn) -> impl IntoView {
    let offers = expect_context::<Offers>();
    let decided = Memo::new(move |_| {
        offers.with(|o| {
            o.as_ref()
                .map(|o| (o.offers(feature), o.hospital_name.clone()))
        })
    });
    move || match decided.get() {
        None => ().into_any(),
        Some((true, _)) => children().into_any(),
        Some((false, hospital)) => view! {
            <main class="page">
                <h1>{title}</h1>
                <p class="notice" role="status" data-testid="not-offered">
                    {format::not_offered(feature, hospital.as_deref())}
                </p>
            </main>
        }
        .into_any(),
    }
}
