//! A notification as the R4 backport words it: a `history` Bundle opening with the
//! subscription's status (a Parameters), then one entry per event's resource. Pure: the caller
//! loads the resources and passes the clock's reading.

use chrono::{DateTime, Utc};
use hale_fhir::subscription::STATUS_PROFILE;
use hale_fhir::{
    Bundle, BundleEntry, BundleRequest, BundleResponse, Meta, Parameter, Parameters, Reference,
    Resource, SubscriptionStatus,
};

use super::request::Content;
use super::topic::Topic;

/// What a notification is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Sent once a subscription is made, before any event: the receiver proves it listens.
    Handshake,
    /// Sent when nothing else has been for the heartbeat period.
    Heartbeat,
    EventNotification,
    /// The answer to `$status`.
    QueryStatus,
    /// The answer to `$events`.
    QueryEvent,
}

impl Kind {
    fn code(self) -> &'static str {
        match self {
            Self::Handshake => "handshake",
            Self::Heartbeat => "heartbeat",
            Self::EventNotification => "event-notification",
            Self::QueryStatus => "query-status",
            Self::QueryEvent => "query-event",
        }
    }
}

/// Where a subscription stands, as its notifications say.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Status {
    /// The subscription's logical id.
    pub(crate) id: String,
    /// The FHIR base, e.g. `https://hospital.example/fhir`.
    pub(crate) base: String,
    pub(crate) topic: Topic,
    pub(crate) status: SubscriptionStatus,
    /// Every event the subscription has had, delivered or not.
    pub(crate) events_since_start: i64,
}

/// Whether the event made its resource or changed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Action {
    Create,
    Update,
}

/// One numbered event of one subscription.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Event {
    pub(crate) number: i64,
    pub(crate) at: DateTime<Utc>,
    pub(crate) resource_type: String,
    pub(crate) resource_id: String,
    pub(crate) action: Action,
    /// The resource as it is now, for `full-resource` content; `None` if it is gone.
    pub(crate) resource: Option<Resource>,
}

/// The status Parameters alone (the `$status` answer's entry, a notification's first).
pub(crate) fn status_parameters(
    status: &Status,
    kind: Kind,
    events: &[Event],
    content: Content,
) -> Parameters {
    let mut parameter = vec![
        Parameter::reference(
            "subscription",
            absolute(format!("{}/Subscription/{}", status.base, status.id)),
        ),
        Parameter::canonical("topic", status.topic.canonical()),
        Parameter::code("status", status.status.code()),
        Parameter::code("type", kind.code()),
        // A string in R4: the count may outgrow FHIR's 32-bit integer.
        Parameter::string(
            "events-since-subscription-start",
            status.events_since_start.to_string(),
        ),
    ];
    for event in events {
        let mut part = vec![
            Parameter::string("event-number", event.number.to_string()),
            Parameter::instant("timestamp", event.at),
        ];
        if content != Content::Empty {
            part.push(Parameter::reference(
                "focus",
                absolute(focus_url(status, event)),
            ));
        }
        parameter.push(Parameter::parts("notification-event", part));
    }
    Parameters {
        meta: Some(Meta::profile(STATUS_PROFILE)),
        parameter,
        ..Parameters::default()
    }
}

fn absolute(url: String) -> Reference {
    Reference {
        reference: Some(url),
        ..Reference::default()
    }
}

fn focus_url(status: &Status, event: &Event) -> String {
    format!(
        "{}/{}/{}",
        status.base, event.resource_type, event.resource_id
    )
}

/// A notification (or `$events` answer) of `events`, oldest first. `id` names the status
/// entry (`urn:uuid:` + a fresh UUID).
pub(crate) fn notification(
    status: &Status,
    kind: Kind,
    events: Vec<Event>,
    content: Content,
    id: &str,
    now: DateTime<Utc>,
) -> Bundle {
    let parameters = status_parameters(status, kind, &events, content);
    let mut entry = vec![BundleEntry {
        full_url: Some(format!("urn:uuid:{id}")),
        resource: Resource::Parameters(parameters),
        request: Some(BundleRequest {
            method: "GET".into(),
            url: format!("Subscription/{}/$status", status.id),
            if_none_exist: None,
        }),
        response: Some(BundleResponse {
            status: "200".into(),
            location: None,
            etag: None,
        }),
        ..BundleEntry::default()
    }];
    if content != Content::Empty {
        for event in events {
            let full_url = focus_url(status, &event);
            let (method, url, code) = match event.action {
                Action::Create => ("POST", event.resource_type.clone(), "201"),
                Action::Update => (
                    "PUT",
                    format!("{}/{}", event.resource_type, event.resource_id),
                    "200",
                ),
            };
            entry.push(BundleEntry {
                full_url: Some(full_url),
                resource: match content {
                    Content::FullResource => event.resource.unwrap_or_default(),
                    Content::IdOnly | Content::Empty => Resource::Other,
                },
                request: Some(BundleRequest {
                    method: method.into(),
                    url,
                    if_none_exist: None,
                }),
                response: Some(BundleResponse {
                    status: code.into(),
                    location: None,
                    etag: None,
                }),
                ..BundleEntry::default()
            });
        }
    }
    Bundle {
        bundle_type: "history".into(),
        timestamp: Some(now),
        entry,
        ..Bundle::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

    fn status() -> Status {
        Status {
            id: "sub-1".into(),
            base: "https://h.example/fhir".into(),
            topic: Topic::Observation,
            status: SubscriptionStatus::Active,
            events_since_start: 7,
        }
    }

    fn event(number: i64) -> Event {
        Event {
            number,
            at: "2026-12-06T10:00:00Z".parse().unwrap(),
            resource_type: "Observation".into(),
            resource_id: format!("obs-{number}"),
            action: Action::Create,
            resource: Some(
                serde_json::from_value(json!({
                    "resourceType": "Observation", "id": format!("obs-{number}"),
                    "status": "final", "code": {"text": "Heart rate"}
                }))
                .unwrap(),
            ),
        }
    }

    fn json_of(b: &Bundle) -> Value {
        serde_json::to_value(b).unwrap()
    }

    fn param<'a>(p: &'a Value, name: &str) -> Vec<&'a Value> {
        p["parameter"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|x| x["name"] == name)
            .collect()
    }

    #[test]
    fn an_event_notification_opens_with_the_status_and_numbers_each_event() {
        let now = "2026-12-06T10:00:01Z".parse().unwrap();
        let b = json_of(&notification(
            &status(),
            Kind::EventNotification,
            vec![event(6), event(7)],
            Content::IdOnly,
            "u-1",
            now,
        ));
        assert_eq!(b["type"], "history");
        let first = &b["entry"][0];
        assert_eq!(first["fullUrl"], "urn:uuid:u-1");
        assert_eq!(first["request"]["url"], "Subscription/sub-1/$status");
        let p = &first["resource"];
        assert_eq!(p["resourceType"], "Parameters");
        assert_eq!(p["meta"]["profile"][0], STATUS_PROFILE);
        assert_eq!(param(p, "type")[0]["valueCode"], "event-notification");
        assert_eq!(param(p, "status")[0]["valueCode"], "active");
        assert_eq!(
            param(p, "subscription")[0]["valueReference"]["reference"],
            "https://h.example/fhir/Subscription/sub-1"
        );
        assert_eq!(
            param(p, "events-since-subscription-start")[0]["valueString"],
            "7"
        );
        let events = param(p, "notification-event");
        assert_eq!(events.len(), 2);
        assert_eq!(events[0]["part"][0]["valueString"], "6");
        assert_eq!(
            events[1]["part"][2]["valueReference"]["reference"],
            "https://h.example/fhir/Observation/obs-7"
        );
        // id-only: each focus has its entry, without the resource.
        assert_eq!(b["entry"].as_array().unwrap().len(), 3);
        assert_eq!(
            b["entry"][1]["fullUrl"],
            "https://h.example/fhir/Observation/obs-6"
        );
        assert!(b["entry"][1].get("resource").is_none());
        assert_eq!(b["entry"][1]["request"]["method"], "POST");
        assert_eq!(b["entry"][1]["response"]["status"], "201");
    }

    #[test]
    fn full_resource_content_carries_each_resource_and_empty_content_names_none() {
        let now = Utc::now();
        let full = json_of(&notification(
            &status(),
            Kind::EventNotification,
            vec![event(1)],
            Content::FullResource,
            "u",
            now,
        ));
        assert_eq!(full["entry"][1]["resource"]["id"], "obs-1");

        let empty = json_of(&notification(
            &status(),
            Kind::EventNotification,
            vec![event(1)],
            Content::Empty,
            "u",
            now,
        ));
        assert_eq!(empty["entry"].as_array().unwrap().len(), 1);
        let parts = &param(&empty["entry"][0]["resource"], "notification-event")[0]["part"];
        assert_eq!(parts.as_array().unwrap().len(), 2, "{parts}");
    }

    #[test]
    fn an_update_is_written_as_a_put_of_that_resource() {
        let mut e = event(3);
        e.action = Action::Update;
        let b = json_of(&notification(
            &status(),
            Kind::EventNotification,
            vec![e],
            Content::IdOnly,
            "u",
            Utc::now(),
        ));
        assert_eq!(b["entry"][1]["request"]["method"], "PUT");
        assert_eq!(b["entry"][1]["request"]["url"], "Observation/obs-3");
        assert_eq!(b["entry"][1]["response"]["status"], "200");
    }

    #[test]
    fn a_handshake_or_heartbeat_has_no_events_and_says_its_type_and_status() {
        let mut s = status();
        s.status = SubscriptionStatus::Error;
        let b = json_of(&notification(
            &s,
            Kind::Heartbeat,
            vec![],
            Content::FullResource,
            "u",
            Utc::now(),
        ));
        assert_eq!(b["entry"].as_array().unwrap().len(), 1);
        let p = &b["entry"][0]["resource"];
        assert_eq!(param(p, "type")[0]["valueCode"], "heartbeat");
        assert_eq!(param(p, "status")[0]["valueCode"], "error");
        assert!(param(p, "notification-event").is_empty());
    }
}
