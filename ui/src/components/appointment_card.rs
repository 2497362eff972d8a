//! One appointment in a list.

use hale_api::AppointmentView;
use leptos::prelude::*;

use crate::format;

#[component]
pub fn AppointmentCard(
    appointment: AppointmentView,
    /// Actions shown under the details, e.g. cancel and move.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let when = format::when(appointment.start, appointment.end);
    let heading_id = format!("appointment-{}", appointment.id);
    let labelled_by = heading_id.clone();
    view! {
        <li class="card appointment" data-testid="appointment" aria-labelledby=labelled_by>
            <h3 id=heading_id class="service">{appointment.service}</h3>
            <p class="when"><time datetime=appointment.start.to_rfc3339()>{when}</time></p>
            {appointment.clinician.map(|c| view! { <p class="clinician">{c}</p> })}
            {appointment.location.map(|l| view! { <p class="location">{l}</p> })}
            {appointment.reference.map(|r| view! {
                <p class="reference">"Booking reference " <strong data-testid="booking-reference">{r}</strong></p>
            })}
            {children.map(|c| c())}
        </li>
    }
}
