//! Server-Sent Events (the WHATWG `text/event-stream` format) over a reqwest response: enough
//! of the format for the hospital's live streams (`event:` and `data:` fields, comments ignored).

use crate::ClientError;

/// One event: its name (`message` when the server gave none) and its data lines joined by `\n`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SseEvent {
    pub event: String,
    pub data: String,
}

/// Takes every complete event out of `buffer`, leaving a partial one in it.
pub(crate) fn drain_events(buffer: &mut String) -> Vec<SseEvent> {
    let mut out = Vec::new();
    loop {
        // Events end with a blank line; servers may use CRLF.
        let normalised = buffer.replace("\r\n", "\n");
        if normalised.len() != buffer.len() {
            *buffer = normalised;
        }
        let Some(end) = buffer.find("\n\n") else {
            return out;
        };
        let frame: String = buffer.drain(..end + 2).collect();
        let mut event = None;
        let mut data: Vec<&str> = Vec::new();
        for line in frame.lines() {
            let (field, value) = line.split_once(':').unwrap_or((line, ""));
            let value = value.strip_prefix(' ').unwrap_or(value);
            match field {
                "event" => event = Some(value.to_owned()),
                "data" => data.push(value),
                _ => {} // comments (": keep-alive"), id, retry
            }
        }
        if !data.is_empty() {
            out.push(SseEvent {
                event: event.unwrap_or_else(|| "message".to_owned()),
                data: data.join("\n"),
            });
        }
    }
}

/// A live stream of events from one response.
#[derive(Debug)]
pub struct EventStream {
    response: reqwest::Response,
    buffer: String,
    ready: std::collections::VecDeque<SseEvent>,
}

impl EventStream {
    pub(crate) fn new(response: reqwest::Response) -> Self {
        Self {
            response,
            buffer: String::new(),
            ready: Default::default(),
        }
    }

    /// The next event; `None` when the server ended the stream.
    pub async fn next(&mut self) -> Result<Option<SseEvent>, ClientError> {
        loop {
            if let Some(event) = self.ready.pop_front() {
                return Ok(Some(event));
            }
            let chunk = self
                .response
                .chunk()
                .await
                .map_err(|e| ClientError::Unreachable(crate::without_url(&e)))?;
            let Some(chunk) = chunk else {
                return Ok(None);
            };
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
            self.ready.extend(drain_events(&mut self.buffer));
        }
    }
}

/// A live stream of one kind of update, read into the domain's type. An event that cannot be
/// read is skipped (and logged without its content): the next one replaces it anyway.
pub struct Updates<T> {
    events: EventStream,
    read: fn(&str) -> Result<T, ClientError>,
}

impl<T> std::fmt::Debug for Updates<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Updates")
            .field("events", &self.events)
            .finish()
    }
}

impl<T> Updates<T> {
    pub(crate) fn new(events: EventStream, read: fn(&str) -> Result<T, ClientError>) -> Self {
        Self { events, read }
    }

    /// The next update; `None` when the server ended the stream.
    pub async fn next(&mut self) -> Result<Option<T>, ClientError> {
        while let Some(event) = self.events.next().await? {
            match (self.read)(&event.data) {
                Ok(update) => return Ok(Some(update)),
                Err(error) => tracing::warn!(%error, event = %event.event, "an unreadable update"),
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_are_split_on_blank_lines_and_partial_ones_wait() {
        let mut buffer = String::from(
            "event: queue\ndata: {\"a\":1}\n\n: keep-alive\n\ndata: x\ndata: y\n\nevent: q",
        );
        let events = drain_events(&mut buffer);
        assert_eq!(
            events,
            [
                SseEvent {
                    event: "queue".into(),
                    data: "{\"a\":1}".into()
                },
                SseEvent {
                    event: "message".into(),
                    data: "x\ny".into()
                },
            ]
        );
        assert_eq!(buffer, "event: q");
        buffer.push_str("ueue\r\ndata:2\r\n\r\n");
        assert_eq!(
            drain_events(&mut buffer),
            [SseEvent {
                event: "queue".into(),
                data: "2".into()
            }]
        );
        assert!(buffer.is_empty());
    }
}
