//! What a subscriber asked for, checked: the topic, its filters, and a `rest-hook` channel this
//! server will call. Pure: `now` is passed in.

use chrono::{DateTime, Utc};
use hale_fhir::Subscription;

use super::topic::{Filter, Topic};

/// `empty | id-only | full-resource`: how much of each resource a notification carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Content {
    Empty,
    IdOnly,
    FullResource,
}

impl Content {
    pub(crate) fn code(self) -> &'static str {
        match self {
            Self::Empty => "empty",
            Self::IdOnly => "id-only",
            Self::FullResource => "full-resource",
        }
    }

    pub(crate) fn from_code(code: &str) -> Option<Self> {
        [Self::Empty, Self::IdOnly, Self::FullResource]
            .into_iter()
            .find(|c| c.code() == code)
    }
}

/// Seconds a receiver has to answer, unless the subscription asks for another in this range.
pub(crate) const TIMEOUT: u64 = 10;
const TIMEOUTS: std::ops::RangeInclusive<u64> = 1..=60;
/// Heartbeats no more often than this (a busy receiver is not a monitor) and at least daily.
const HEARTBEATS: std::ops::RangeInclusive<u64> = 5..=86_400;
/// Events per notification, unless the subscription asks for fewer.
pub(crate) const MAX_COUNT: u64 = 100;
const HEADERS: usize = 10;
const HEADER_CHARS: usize = 4096;
const ENDPOINT_CHARS: usize = 2048;

/// A subscription as this server will run it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Wanted {
    pub(crate) topic: Topic,
    pub(crate) filter: Filter,
    pub(crate) endpoint: String,
    pub(crate) content: Content,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) heartbeat: Option<u64>,
    pub(crate) timeout: u64,
    pub(crate) max_count: u64,
    pub(crate) end: Option<DateTime<Utc>>,
    pub(crate) reason: String,
}

/// Checks `s` as a new subscription at `now`; the error is the sentence a subscriber reads.
/// `local` is whether this server itself listens on loopback only: only then may a receiver
/// be plain http on this machine (a hospital's server never posts to its own loopback).
pub(crate) fn wanted(s: &Subscription, now: DateTime<Utc>, local: bool) -> Result<Wanted, String> {
    let topic = Topic::from_canonical(&s.criteria).ok_or_else(|| {
        let offered: Vec<String> = Topic::ALL.iter().map(|t| t.canonical()).collect();
        format!(
            "criteria must name a topic this server offers: {}",
            offered.join(", ")
        )
    })?;
    let filter = Filter::parse(topic, &s.filter_criteria())?;
    if s.channel.channel_type != "rest-hook" {
        return Err(format!(
            "the channel type \"{}\" is not offered: use rest-hook",
            s.channel.channel_type
        ));
    }
    let endpoint = s
        .channel
        .endpoint
        .as_deref()
        .ok_or("a rest-hook channel needs an endpoint")?;
    endpoint_allowed(endpoint, local)?;
    match s.channel.payload.as_deref() {
        None | Some(hale_fhir::FHIR_JSON) => {}
        Some(other) => {
            return Err(format!(
                "the payload type \"{other}\" is not offered: use {}",
                hale_fhir::FHIR_JSON
            ))
        }
    }
    let content = match s.payload_content() {
        None => Content::IdOnly,
        Some(code) => Content::from_code(code).ok_or_else(|| {
            format!("the payload content \"{code}\" is not one of empty, id-only, full-resource")
        })?,
    };
    if s.channel.header.len() > HEADERS {
        return Err(format!("at most {HEADERS} channel headers"));
    }
    let headers = s
        .channel
        .header
        .iter()
        .map(|h| header(h))
        .collect::<Result<Vec<_>, _>>()?;
    let heartbeat = match s.heartbeat_period() {
        None | Some(0) => None,
        Some(p) if HEARTBEATS.contains(&p) => Some(p),
        Some(p) => {
            return Err(format!(
                "a heartbeat period of {p} s is outside {} to {} s",
                HEARTBEATS.start(),
                HEARTBEATS.end()
            ))
        }
    };
    let timeout = match s.timeout() {
        None => TIMEOUT,
        Some(t) if TIMEOUTS.contains(&t) => t,
        Some(t) => {
            return Err(format!(
                "a timeout of {t} s is outside {} to {} s",
                TIMEOUTS.start(),
                TIMEOUTS.end()
            ))
        }
    };
    let max_count = s.max_count().unwrap_or(MAX_COUNT).clamp(1, MAX_COUNT);
    if s.end.is_some_and(|end| end <= now) {
        return Err("the subscription's end is already past".into());
    }
    if s.reason.trim().is_empty() {
        return Err("a subscription needs a reason (who it is for)".into());
    }
    if s.reason.chars().count() > 500 {
        return Err("the reason is longer than 500 characters".into());
    }
    Ok(Wanted {
        topic,
        filter,
        endpoint: endpoint.to_owned(),
        content,
        headers,
        heartbeat,
        timeout,
        max_count,
        end: s.end,
        reason: s.reason.clone(),
    })
}

/// An endpoint this server will post to: `https`, or `http` to this machine when the server is
/// itself local (a receiver beside it, as in a test); never with credentials in the URL.
fn endpoint_allowed(endpoint: &str, local: bool) -> Result<(), String> {
    if endpoint.len() > ENDPOINT_CHARS {
        return Err("the endpoint is too long".into());
    }
    let url = url::Url::parse(endpoint)
        .map_err(|e| format!("the endpoint \"{endpoint}\" is not a URL: {e}"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err("put the receiver's credentials in a channel header, not the URL".into());
    }
    let loopback = match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => return Err("the endpoint names no host".into()),
    };
    match url.scheme() {
        "https" => Ok(()),
        "http" if loopback && local => Ok(()),
        "http" => Err("notifications carry patient data: the endpoint must use https".into()),
        other => Err(format!("the endpoint's scheme \"{other}\" is not http(s)")),
    }
}

/// `Name: value`, as HTTP allows a header.
fn header(text: &str) -> Result<(String, String), String> {
    if text.len() > HEADER_CHARS {
        return Err("a channel header is too long".into());
    }
    let (name, value) = text
        .split_once(':')
        .ok_or("a channel header must read \"Name: value\"")?;
    let (name, value) = (name.trim(), value.trim());
    let name_ok = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    let value_ok = value
        .bytes()
        .all(|b| b == b'\t' || (b' '..=b'~').contains(&b));
    if !name_ok || !value_ok {
        return Err("a channel header must read \"Name: value\" in plain ASCII".into());
    }
    let reserved = [
        "content-type",
        "content-length",
        "host",
        "transfer-encoding",
    ];
    if reserved.iter().any(|r| name.eq_ignore_ascii_case(r)) {
        return Err(format!("the server sets {name} itself"));
    }
    Ok((name.to_owned(), value.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use hale_fhir::subscription::{backport, Channel, ElementExtensions, Extension};

    fn now() -> DateTime<Utc> {
        "2026-12-06T10:00:00Z".parse().unwrap()
    }

    fn asked(endpoint: &str) -> Subscription {
        Subscription {
            reason: "ward feed".into(),
            criteria: Topic::Observation.canonical(),
            channel: Channel {
                channel_type: "rest-hook".into(),
                endpoint: Some(endpoint.into()),
                payload: Some("application/fhir+json".into()),
                ..Channel::default()
            },
            ..Subscription::default()
        }
    }

    #[test]
    fn a_plain_rest_hook_subscription_sends_ids_with_the_default_limits() {
        let w = wanted(&asked("https://receiver.example/hook"), now(), false).unwrap();
        assert_eq!(w.topic, Topic::Observation);
        assert_eq!(w.content, Content::IdOnly);
        assert_eq!(
            (w.timeout, w.max_count, w.heartbeat),
            (TIMEOUT, MAX_COUNT, None)
        );
    }

    #[test]
    fn plain_http_is_allowed_only_to_this_machine_from_a_server_on_loopback() {
        for ok in [
            "http://127.0.0.1:9000/hook",
            "http://[::1]:9000/",
            "http://localhost/h",
        ] {
            assert!(wanted(&asked(ok), now(), true).is_ok(), "{ok}");
            let err = wanted(&asked(ok), now(), false).unwrap_err();
            assert!(err.contains("must use https"), "a hospital's server: {err}");
        }
        let err = wanted(&asked("http://receiver.example/hook"), now(), true).unwrap_err();
        assert!(err.contains("must use https"), "{err}");
        for bad in [
            "ftp://receiver.example/",
            "file:///etc/passwd",
            "https://u:p@receiver.example/",
            "not a url",
        ] {
            assert!(wanted(&asked(bad), now(), true).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_topics_channels_and_payloads_are_refused_with_what_is_offered() {
        let mut s = asked("https://r.example/");
        s.criteria = "http://hl7.org/SubscriptionTopic/admission".into();
        assert!(wanted(&s, now(), false)
            .unwrap_err()
            .contains("monitoring-alert"));
        let mut s = asked("https://r.example/");
        s.channel.channel_type = "websocket".into();
        assert!(wanted(&s, now(), false)
            .unwrap_err()
            .contains("use rest-hook"));
        let mut s = asked("https://r.example/");
        s.channel.payload = Some("application/fhir+xml".into());
        assert!(wanted(&s, now(), false)
            .unwrap_err()
            .contains("not offered"));
    }

    #[test]
    fn channel_settings_are_read_and_kept_within_bounds() {
        let mut s = asked("https://r.example/");
        s.channel.extension = vec![
            Extension {
                url: backport("backport-heartbeat-period"),
                value_unsigned_int: Some(30),
                ..Extension::default()
            },
            Extension {
                url: backport("backport-max-count"),
                value_positive_int: Some(5000),
                ..Extension::default()
            },
        ];
        s.channel.payload_extensions = Some(ElementExtensions {
            extension: vec![Extension {
                url: backport("backport-payload-content"),
                value_code: Some("full-resource".into()),
                ..Extension::default()
            }],
        });
        let w = wanted(&s, now(), false).unwrap();
        assert_eq!(w.heartbeat, Some(30));
        assert_eq!(w.max_count, MAX_COUNT);
        assert_eq!(w.content, Content::FullResource);

        s.channel.extension[0].value_unsigned_int = Some(1);
        assert!(wanted(&s, now(), false).unwrap_err().contains("heartbeat"));
    }

    #[test]
    fn headers_must_be_plain_and_may_not_replace_the_servers_own() {
        let mut s = asked("https://r.example/");
        s.channel.header = vec!["Authorization: Bearer abc".into()];
        assert_eq!(
            wanted(&s, now(), false).unwrap().headers,
            [("Authorization".to_owned(), "Bearer abc".to_owned())]
        );
        for bad in [
            "no colon",
            "Bad Name: x",
            "X-A: line\nbreak",
            "Content-Type: text/plain",
        ] {
            s.channel.header = vec![bad.into()];
            assert!(wanted(&s, now(), false).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_subscription_without_a_reason_is_refused() {
        let mut s = asked("https://r.example/");
        s.reason = " ".into();
        assert!(wanted(&s, now(), false).unwrap_err().contains("reason"));
    }

    #[test]
    fn an_end_already_past_is_refused() {
        let mut s = asked("https://r.example/");
        s.end = Some(now());
        assert!(wanted(&s, now(), false).unwrap_err().contains("past"));
    }
}
