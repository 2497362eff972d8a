//! `GET /api/rules`: the booking and check-in rules this server enforces, published so the app
//! decides what to offer by the same rules.

use axum::extract::State;
use axum::Json;
use hale_domain::AppointmentRules;
use hale_hospital_json::rules::HospitalRules;

use crate::ServerState;

pub(crate) async fn rules(State(state): State<ServerState>) -> Json<HospitalRules> {
    Json(HospitalRules::from(AppointmentRules {
        booking: state.rules,
        arrival: state.arrival,
    }))
}
