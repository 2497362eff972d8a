//! What the hospital server does first with a patient's upload: FHIR JSON bytes decoded as a
//! `Resource` (a lone Observation or MedicationAdministration, or a transaction Bundle of them),
//! each Observation read as a reading with `to_reading()` (the server's check), and the
//! resources written back as JSON (the server stores and answers with them).
//!
//! Contract: any bytes give a resource or a decoding error, never a panic; whatever decodes
//! serialises, and that JSON decodes again; a reading `to_reading()` accepts carries only finite
//! values and, sent again as an Observation, is accepted again with the same key and kind.

use hale_fhir::{Observation, Resource};

pub fn check(data: &[u8]) {
    let Ok(resource) = serde_json::from_slice::<Resource>(data) else {
        return;
    };
    let json = serde_json::to_string(&resource).expect("a decoded resource serialises");
    serde_json::from_str::<Resource>(&json).expect("a resource's own JSON decodes");
    match resource {
        Resource::Observation(observation) => reading(&observation),
        Resource::Bundle(bundle) => {
            for entry in &bundle.entry {
                if let Resource::Observation(observation) = &entry.resource {
                    reading(observation);
                }
            }
        }
        _ => {}
    }
}

fn reading(observation: &Observation) {
    let _ = observation.interpretation();
    let Ok(reading) = observation.to_reading() else {
        return;
    };
    for value in &reading.values {
        assert!(
            value.value.is_finite(),
            "a non-finite value was accepted: {reading:?}"
        );
    }
    let patient = observation
        .subject
        .as_ref()
        .and_then(|s| s.id_of("Patient"))
        .unwrap_or("p1");
    let again =
        Observation::from_reading(&reading, patient, "Device", observation.interpretation());
    let back = again.to_reading().unwrap_or_else(|e| {
        panic!("an accepted reading, sent again, is refused ({e}): {reading:?}")
    });
    assert_eq!((back.key, back.kind), (reading.key, reading.kind));
}
