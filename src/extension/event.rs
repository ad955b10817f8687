//! The events `GET /extension/event/next` hands out, as views borrowed from
//! the receive buffer (parsed with [`crate::events::json`], nothing allocated).

use crate::events::json;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// One event from `GET /2020-01-01/extension/event/next`.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Event<'a> {
    /// `"eventType":"INVOKE"`: the function is being invoked.
    Invoke(Invoke<'a>),
    /// `"eventType":"SHUTDOWN"`: the execution environment is shutting
    /// down; flush before [`Shutdown::deadline_ms`] (external extensions
    /// have 2 s in all), then return.
    Shutdown(Shutdown<'a>),
}

/// An `INVOKE` event. Strings are as written in the JSON (Lambda's hold no
/// escapes); [`json`](Self::json) is the whole event for anything else.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Invoke<'a> {
    /// `requestId`, the invocation's request id.
    pub request_id: &'a str,
    /// `deadlineMs`: when the invocation times out, in ms since the epoch.
    pub deadline_ms: u64,
    /// `invokedFunctionArn` (empty when absent).
    pub invoked_function_arn: &'a str,
    /// `tracing`, when present.
    pub tracing: Option<Tracing<'a>>,
    /// The event's JSON, as received.
    pub json: &'a [u8],
}

/// The `tracing` member of an `INVOKE` event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tracing<'a> {
    /// `type`, e.g. `X-Amzn-Trace-Id`.
    pub kind: &'a str,
    /// `value`, e.g. `Root=1-…;Parent=…;Sampled=1`.
    pub value: &'a str,
}

/// A `SHUTDOWN` event.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Shutdown<'a> {
    /// `shutdownReason`: `spindown`, `timeout` or `failure`.
    pub reason: &'a str,
    /// `deadlineMs`: when the process is killed, in ms since the epoch.
    pub deadline_ms: u64,
    /// The event's JSON, as received.
    pub json: &'a [u8],
}

impl Shutdown<'_> {
    /// Time left before [`deadline_ms`](Self::deadline_ms) (zero when past).
    pub fn remaining(&self) -> Duration {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64);
        Duration::from_millis(self.deadline_ms.saturating_sub(now))
    }
}

impl<'a> Event<'a> {
    /// Parses an event body. `Err` says what is wrong with it; an unknown
    /// `eventType` is an error too (Lambda sends only the types registered).
    pub fn parse(body: &'a [u8]) -> Result<Event<'a>, &'static str> {
        let root = json::parse(body).map_err(|_| "the event is not valid JSON")?;
        let text = |key: &str| root.get(key).and_then(|v| v.as_str()).map(|s| s.raw());
        let deadline_ms = root
            .get("deadlineMs")
            .and_then(|v| v.as_u64())
            .ok_or("the event has no numeric deadlineMs")?;
        match text("eventType") {
            Some("INVOKE") => {
                let request_id = text("requestId")
                    .filter(|id| !id.is_empty())
                    .ok_or("the INVOKE event has no requestId")?;
                let tracing = root.get("tracing").and_then(|t| {
                    let field = |k: &str| t.get(k).and_then(|v| v.as_str()).map(|s| s.raw());
                    Some(Tracing {
                        kind: field("type")?,
                        value: field("value")?,
                    })
                });
                Ok(Event::Invoke(Invoke {
                    request_id,
                    deadline_ms,
                    invoked_function_arn: text("invokedFunctionArn").unwrap_or(""),
                    tracing,
                    json: body,
                }))
            }
            Some("SHUTDOWN") => Ok(Event::Shutdown(Shutdown {
                reason: text("shutdownReason").ok_or("the SHUTDOWN event has no shutdownReason")?,
                deadline_ms,
                json: body,
            })),
            Some(_) => Err("unknown eventType"),
            None => Err("the event has no eventType"),
        }
    }
}
