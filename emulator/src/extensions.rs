//! The Extensions API (`/2020-01-01/extension/…`) and the Telemetry API push
//! (`PUT /2022-07-01/telemetry`, then batches `POST`ed to the subscriber).
//!
//! - `POST /extension/register` (`Lambda-Extension-Name`, body
//!   `{"events":[…]}`) answers `200` with `Lambda-Extension-Identifier` and
//!   `{"functionName","functionVersion","handler"}` (plus `accountId` when
//!   `Lambda-Extension-Accept-Feature: accountId` asks for it), or the
//!   status of [`Script::refuse_register`](crate::Script::refuse_register).
//! - `GET /extension/event/next` (`Lambda-Extension-Identifier`) blocks until
//!   an event is queued for that extension: an `INVOKE` for every invocation
//!   handed to the runtime (if it registered for them), a `SHUTDOWN` on
//!   [`Emulator::shutdown_extensions`](crate::Emulator::shutdown_extensions).
//!   [`Script::extension_next_reply`](crate::Script::extension_next_reply)
//!   scripts faults (an error status, a dropped connection).
//! - Init phase: the runtime's first `GET /invocation/next` gets no event
//!   until [`Script::expect_extensions`](crate::Script::expect_extensions)
//!   extensions registered and every registered one called `event/next`.
//! - `PUT /telemetry` subscribes an extension; the emulator then posts
//!   `platform.start` (at hand-out), `platform.runtimeDone` (at the answer)
//!   and the `function` lines of [`Emulator::function_log`](crate::Emulator::function_log)
//!   to its destination (`sandbox.localdomain` means `127.0.0.1`), in
//!   batches cut by `buffering.maxItems` and `timeoutMs`, from a thread of
//!   its own; [`Emulator::telemetry_deliveries`](crate::Emulator::telemetry_deliveries)
//!   lists what was delivered.

use std::collections::VecDeque;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

pub(crate) const EXTENSION_API: &str = "/2020-01-01/extension";
pub(crate) const TELEMETRY_API: &str = "/2022-07-01/telemetry";
/// How long the emulator waits for a telemetry subscriber's answer.
const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// A registered extension.
#[derive(Debug)]
pub(crate) struct Ext {
    pub id: String,
    pub name: String,
    pub invoke: bool,
    pub shutdown: bool,
    /// Called `event/next` at least once.
    pub ready: bool,
    /// Events not yet handed out.
    pub queue: VecDeque<Vec<u8>>,
    /// `SHUTDOWN` is queued or handed out.
    pub shutdown_sent: bool,
    /// Done with `SHUTDOWN`: called `event/next` again, or its connection closed.
    pub done: bool,
}

/// One telemetry batch the emulator posted to a subscriber.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Delivery {
    /// The subscribing extension's identifier.
    pub extension_id: String,
    /// Records in the batch.
    pub records: usize,
    /// The batch's JSON.
    pub body: String,
    /// The subscriber's answer (0: no answer, the connection failed).
    pub status: u16,
}

#[derive(Debug)]
pub(crate) struct Subscriber {
    pub extension_id: String,
    /// Out with the telemetry thread while a batch is being delivered.
    pub courier: Option<Courier>,
    pub platform: bool,
    pub function: bool,
    pub max_items: usize,
    pub timeout: Duration,
    pub buffer: Vec<String>,
    pub first_buffered: Option<Instant>,
}

/// A telemetry record's kind of origin.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Origin {
    Platform,
    Function,
}

impl Subscriber {
    /// Parses a subscription body (`{"destination":{"URI":…},"types":[…],"buffering":{…}}`).
    pub fn parse(extension_id: &str, body: &str) -> Result<Subscriber, &'static str> {
        let uri = string_member(body, "URI").ok_or("no destination URI")?;
        let rest = uri
            .strip_prefix("http://")
            .ok_or("the destination URI is not http://")?;
        let (authority, path) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, "/"),
        };
        let (host, port) = authority
            .rsplit_once(':')
            .ok_or("the destination URI has no port")?;
        let port: u16 = port
            .parse()
            .map_err(|_| "bad port in the destination URI")?;
        let resolve_host = if host == "sandbox.localdomain" {
            "127.0.0.1"
        } else {
            host
        };
        let addr = (resolve_host, port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut a| a.next());
        let types = body
            .find("\"types\"")
            .map(|i| &body[i..])
            .and_then(|t| t.find(']').map(|j| &t[..j]))
            .ok_or("no types")?;
        Ok(Subscriber {
            extension_id: extension_id.to_string(),
            courier: Some(Courier {
                addr,
                host: authority.to_string(),
                path: path.to_string(),
                stream: None,
            }),
            platform: types.contains("\"platform\""),
            function: types.contains("\"function\""),
            max_items: number_member(body, "maxItems").unwrap_or(10_000).max(1) as usize,
            timeout: Duration::from_millis(number_member(body, "timeoutMs").unwrap_or(1000)),
            buffer: Vec::new(),
            first_buffered: None,
        })
    }

    pub fn wants(&self, origin: Origin) -> bool {
        match origin {
            Origin::Platform => self.platform,
            Origin::Function => self.function,
        }
    }

    pub fn push(&mut self, record: String) {
        if self.buffer.is_empty() {
            self.first_buffered = Some(Instant::now());
        }
        self.buffer.push(record);
    }

    /// When the buffered records are due (`None`: nothing buffered).
    pub fn due_at(&self) -> Option<Instant> {
        if self.buffer.len() >= self.max_items {
            return Some(Instant::now());
        }
        self.first_buffered.map(|t| t + self.timeout)
    }

    /// Takes up to `max_items` records as one batch's JSON.
    pub fn take_batch(&mut self) -> (usize, String) {
        let n = self.buffer.len().min(self.max_items);
        let records: Vec<String> = self.buffer.drain(..n).collect();
        self.first_buffered = (!self.buffer.is_empty()).then(Instant::now);
        (n, format!("[{}]", records.join(",")))
    }
}

/// Where a subscriber's batches go, and the connection kept to it.
#[derive(Debug)]
pub(crate) struct Courier {
    addr: Option<SocketAddr>,
    host: String,
    path: String,
    stream: Option<TcpStream>,
}

impl Courier {
    /// Posts `body` on the kept connection (reconnecting once); the answer's status, 0 when none.
    pub fn deliver(&mut self, body: &str) -> u16 {
        for _ in 0..2 {
            if self.stream.is_none() {
                let Some(addr) = self.addr else { return 0 };
                let Ok(s) = TcpStream::connect_timeout(&addr, DELIVERY_TIMEOUT) else {
                    return 0;
                };
                let _ = s.set_nodelay(true);
                let _ = s.set_read_timeout(Some(DELIVERY_TIMEOUT));
                self.stream = Some(s);
            }
            let Some(s) = self.stream.as_mut() else {
                return 0;
            };
            let req = format!(
                "POST {} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                self.path,
                self.host,
                body.len()
            );
            match s
                .write_all(req.as_bytes())
                .ok()
                .and_then(|()| read_status(s))
            {
                Some((status, close)) => {
                    if close {
                        self.stream = None;
                    }
                    return status;
                }
                None => self.stream = None,
            }
        }
        0
    }
}

/// Reads one answer (head and `Content-Length` body); its status and whether it closes.
fn read_status(s: &mut TcpStream) -> Option<(u16, bool)> {
    let mut raw = Vec::new();
    let mut byte = [0u8];
    while !raw.ends_with(b"\r\n\r\n") {
        if raw.len() > 64 * 1024 || s.read(&mut byte).ok()? == 0 {
            return None;
        }
        raw.push(byte[0]);
    }
    let head = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    let status = head.split(' ').nth(1)?.parse().ok()?;
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(0);
    let mut body = vec![0; len];
    s.read_exact(&mut body).ok()?;
    Some((status, head.contains("connection: close")))
}

/// The text of the first `"key":"…"` member anywhere in `json` (no escapes expected).
fn string_member<'a>(json: &'a str, key: &str) -> Option<&'a str> {
    let at = json.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = json[at..].trim_start().strip_prefix(':')?.trim_start();
    let rest = rest.strip_prefix('"')?;
    Some(&rest[..rest.find('"')?])
}

/// The first `"key":123` member anywhere in `json`.
fn number_member(json: &str, key: &str) -> Option<u64> {
    let at = json.find(&format!("\"{key}\""))? + key.len() + 2;
    let rest = json[at..].trim_start().strip_prefix(':')?.trim_start();
    let end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    rest[..end].parse().ok()
}

pub(crate) fn epoch_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// An ISO 8601 UTC time for telemetry records (millisecond precision).
pub(crate) fn iso_time() -> String {
    let ms = epoch_ms();
    let (secs, millis) = (ms / 1000, ms % 1000);
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// The JSON of an `INVOKE` event.
pub(crate) fn invoke_event(
    request_id: &str,
    deadline_ms: u64,
    arn: &str,
    trace: Option<&str>,
) -> Vec<u8> {
    let mut out = format!(
        r#"{{"eventType":"INVOKE","deadlineMs":{deadline_ms},"requestId":"{}","invokedFunctionArn":"{}""#,
        escape(request_id),
        escape(arn)
    );
    if let Some(t) = trace {
        out.push_str(&format!(
            r#","tracing":{{"type":"X-Amzn-Trace-Id","value":"{}"}}"#,
            escape(t)
        ));
    }
    out.push('}');
    out.into_bytes()
}

/// The JSON of a `SHUTDOWN` event.
pub(crate) fn shutdown_event(reason: &str, deadline_ms: u64) -> Vec<u8> {
    format!(
        r#"{{"eventType":"SHUTDOWN","shutdownReason":"{}","deadlineMs":{deadline_ms}}}"#,
        escape(reason)
    )
    .into_bytes()
}

/// A telemetry record of type `kind` whose `record` is the JSON `record`.
pub(crate) fn telemetry_record(kind: &str, record: &str) -> String {
    format!(
        r#"{{"time":"{}","type":"{kind}","record":{record}}}"#,
        iso_time()
    )
}

pub(crate) fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    crate::json_escape(s, &mut out);
    out
}
