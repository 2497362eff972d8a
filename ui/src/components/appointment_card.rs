//! One appointment in a list: what, when (and how far away), who, where, its reference, and a
//! label for where it stands when that is not simply "booked".

use hale_api::AppointmentView;
use leptos::prelude::*;

use crate::components::local_now;
use crate::format;

#[component]
pub fn AppointmentCard(
    appointment: AppointmentView,
    /// Actions shown under the details, e.g. cancel and move.
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let when = format::when(appointment.start, appointment.end);
    let today = local_now().date_naive();
    let relative = format::relative_day(appointment.start.date_naive(), today);
    let waiting = appointment.waitlist.is_some();
    let label = format::stage_label(appointment.status, waiting);
    let heading_id = format!("appointment-{}", appointment.id);
    let labelled_by = heading_id.clone();
    view! {
        <li class="card appointment" data-testid="appointment" aria-labelledby=labelled_by>
            <div class="card-head">
                <h3 id=heading_id class="service">{appointment.service}</h3>
                {label.map(|(text, tone)| view! {
                    <span class=format!("badge {tone}") data-testid="appointment-status">{text}</span>
                })}
            </div>
            <p class="relative" data-testid="relative-day">{relative}</p>
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
