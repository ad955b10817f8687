//! The Telemetry API (`/2022-07-01/telemetry`, schema `2022-12-13`): a
//! [`Subscription`] sent with [`Listener::subscribe`], and a small std-only
//! HTTP listener that receives the batches Lambda `POST`s to it.
//!
//! Each connection is read into one buffer sized at start (its head
//! limit plus the batch limit, [`DEFAULT_MAX_BATCH_LEN`] unless told
//! otherwise); a batch is scanned in place with [`crate::events::json`] and handed
//! to the callback, and only then answered `200`: what Lambda saw accepted
//! has been handled, nothing is queued that could be lost. A batch that is
//! not a JSON array of records is refused with `400`, one larger than the
//! limit with `413`, each with one log line; a request that is not
//! `POST` with a `Content-Length` gets `405` / `411`, and a batch whose
//! callback panicked `500` (not accepted). No allocation per batch.
//!
//! ```no_run
//! use lambda_zero::extension::telemetry::{Category, Listener, Subscription};
//! use lambda_zero::extension::{self, Event, Events, Extension};
//! use std::sync::atomic::{AtomicU64, Ordering};
//! use std::sync::Arc;
//! use std::time::{Duration, Instant};
//!
//! let mut ext = Extension::register("telemetry-counter", Events::SHUTDOWN)
//!     .unwrap_or_else(|e| extension::exit(e));
//! let platform = Arc::new(AtomicU64::new(0));
//! let counter = Arc::clone(&platform);
//! let listener = Listener::start(0, move |batch| {
//!     for record in batch.records() {
//!         if record.category() == Category::Platform {
//!             counter.fetch_add(1, Ordering::Relaxed);
//!         }
//!     }
//! })
//! .unwrap_or_else(|e| extension::exit(e));
//! listener
//!     .subscribe(&mut ext, &Subscription::default())
//!     .unwrap_or_else(|e| extension::exit(e));
//! let result = ext.run(|event| {
//!     if let Event::Shutdown(s) = event {
//!         // Let the last batches in, within the shutdown budget.
//!         let deadline = Instant::now() + s.remaining().saturating_sub(Duration::from_millis(200));
//!         listener.wait_quiet(Duration::from_millis(100), deadline);
//!         println!("platform records: {}", platform.load(Ordering::Relaxed));
//!     }
//!     Ok::<(), std::convert::Infallible>(())
//! });
//! if let Err(e) = result {
//!     extension::exit(e)
//! }
//! ```

use super::{Error, Extension};
use crate::events::json::{self, Kind, Value};
use std::fmt::Write as _;
use std::io::{self, Read, Write};
use std::net::{Ipv4Addr, SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

/// The Telemetry API schema version subscribed with.
pub const SCHEMA_VERSION: &str = "2022-12-13";
/// The host name Lambda delivers telemetry to inside the sandbox.
pub const SANDBOX_HOST: &str = "sandbox.localdomain";
/// The port [`Listener::start`] is usually given.
pub const DEFAULT_PORT: u16 = 4243;
/// Largest batch accepted by default: Lambda's largest `maxBytes` (1 MiB)
/// and room for the records that overshoot it.
pub const DEFAULT_MAX_BATCH_LEN: usize = 1024 * 1024 + 256 * 1024;
/// Largest request head accepted.
pub const MAX_HEAD_LEN: usize = 16 * 1024;
/// Connections served at once (Lambda uses one; more are refused `503`).
pub const MAX_CONNECTIONS: usize = 4;
/// Longest silence inside a request before the connection is dropped.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
const HEADERS: usize = 32;

/// What to subscribe to, and how Lambda should buffer it
/// (`PUT /2022-07-01/telemetry`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subscription {
    /// `platform` records (`platform.start`, `platform.runtimeDone`, …).
    pub platform: bool,
    /// `function` records: the function's log lines.
    pub function: bool,
    /// `extension` records: extensions' log lines.
    pub extension: bool,
    /// `buffering.maxItems` (Lambda accepts 25-10,000).
    pub max_items: u32,
    /// `buffering.maxBytes` (Lambda accepts 262,144-1,048,576).
    pub max_bytes: u32,
    /// `buffering.timeoutMs` (Lambda accepts 25-30,000).
    pub timeout_ms: u32,
}

impl Default for Subscription {
    /// `platform` and `function` records, Lambda's default buffering
    /// (10,000 items, 256 KiB, 1,000 ms).
    fn default() -> Subscription {
        Subscription {
            platform: true,
            function: true,
            extension: false,
            max_items: 10_000,
            max_bytes: 262_144,
            timeout_ms: 1_000,
        }
    }
}

impl Subscription {
    /// The subscription body for `destination` (an `http://` URI).
    pub fn to_json(&self, destination: &str) -> String {
        let mut types = String::new();
        for (on, name) in [
            (self.platform, "platform"),
            (self.function, "function"),
            (self.extension, "extension"),
        ] {
            if on {
                if !types.is_empty() {
                    types.push(',');
                }
                let _ = write!(types, "\"{name}\"");
            }
        }
        let mut uri = Vec::new();
        crate::text::escape_json(&mut uri, destination);
        format!(
            r#"{{"schemaVersion":"{SCHEMA_VERSION}","destination":{{"protocol":"HTTP","URI":"{}"}},"types":[{types}],"buffering":{{"maxItems":{},"maxBytes":{},"timeoutMs":{}}}}}"#,
            String::from_utf8_lossy(&uri),
            self.max_items,
            self.max_bytes,
            self.timeout_ms
        )
    }
}

/// One batch Lambda posted: a JSON array of records, borrowed from the
/// listener's buffer for the time of the callback.
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a> {
    root: Value<'a>,
    len: usize,
}

impl<'a> Batch<'a> {
    /// The records, in order.
    pub fn records(&self) -> impl Iterator<Item = Record<'a>> + 'a {
        self.root.elements().filter_map(Record::of)
    }

    /// How many records it holds.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when it holds none.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The batch's JSON, as received.
    pub fn json(&self) -> &'a str {
        self.root.raw()
    }
}

/// One telemetry record: `{"time":…,"type":…,"record":…}`.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct Record<'a> {
    /// `time`, as written (ISO 8601), empty when absent.
    pub time: &'a str,
    /// `type`, e.g. `platform.start`, `function`, `extension`.
    pub kind: &'a str,
    /// `record`: a string (a log line) or an object (platform events).
    pub record: Option<Value<'a>>,
}

/// The group a record's `type` belongs to (the subscription `types`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Category {
    /// `platform.*`.
    Platform,
    /// `function`.
    Function,
    /// `extension`.
    Extension,
    /// Anything else.
    Other,
}

impl<'a> Record<'a> {
    fn of(v: Value<'a>) -> Option<Record<'a>> {
        let kind = v.get("type")?.as_str()?.raw();
        let time = v
            .get("time")
            .and_then(|t| t.as_str())
            .map_or("", |t| t.raw());
        Some(Record {
            time,
            kind,
            record: v.get("record"),
        })
    }

    /// Which group [`kind`](Self::kind) belongs to.
    pub fn category(&self) -> Category {
        match self.kind {
            "function" => Category::Function,
            "extension" => Category::Extension,
            k if k.starts_with("platform.") => Category::Platform,
            _ => Category::Other,
        }
    }
}

/// Counters of what the listener received.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Stats {
    /// Batches accepted (answered `200` after the callback).
    pub batches: u64,
    /// Records in them.
    pub records: u64,
    /// Requests refused (`400`, `405`, `411`, `413`, `431`, `500` for a
    /// callback that panicked, `503`).
    pub refused: u64,
}

#[derive(Default)]
struct State {
    stats: Stats,
    /// When a request last began or ended.
    last_activity: Option<Instant>,
    /// Requests being read or handled.
    in_request: usize,
    connections: usize,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    max_batch_len: usize,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
    fn update(&self, f: impl FnOnce(&mut State)) {
        let mut st = self.lock();
        f(&mut st);
        st.last_activity = Some(Instant::now());
        drop(st);
        self.changed.notify_all();
    }
}

type Callback = dyn FnMut(&Batch<'_>) + Send;

/// The listener Lambda delivers telemetry batches to: one accept thread,
/// one thread per connection (at most [`MAX_CONNECTIONS`]), for the life
/// of the process.
pub struct Listener {
    addr: SocketAddr,
    destination: String,
    shared: Arc<Shared>,
}

impl std::fmt::Debug for Listener {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Listener")
            .field("addr", &self.addr)
            .field("destination", &self.destination)
            .finish_non_exhaustive()
    }
}

impl Listener {
    /// Listens on `port` (0: any free port) of [`SANDBOX_HOST`] when that
    /// name resolves (inside Lambda), else of `127.0.0.1`, and calls
    /// `on_batch` for every batch accepted, on the listener's threads.
    pub fn start<F>(port: u16, on_batch: F) -> Result<Listener, Error>
    where
        F: FnMut(&Batch<'_>) + Send + 'static,
    {
        let sandbox = (SANDBOX_HOST, port)
            .to_socket_addrs()
            .ok()
            .and_then(|mut it| it.find(|a| a.is_ipv4()));
        let (addr, host) = match sandbox {
            Some(addr) => (addr, SANDBOX_HOST),
            None => (SocketAddr::from((Ipv4Addr::LOCALHOST, port)), "127.0.0.1"),
        };
        Listener::start_at(addr, host, DEFAULT_MAX_BATCH_LEN, on_batch)
    }

    /// Listens on `addr`, named `host` in the destination URI, refusing
    /// batches larger than `max_batch_len` bytes.
    pub fn start_at<F>(
        addr: SocketAddr,
        host: &str,
        max_batch_len: usize,
        on_batch: F,
    ) -> Result<Listener, Error>
    where
        F: FnMut(&Batch<'_>) + Send + 'static,
    {
        let io = |during| move |source| Error::Io { during, source };
        let listener = TcpListener::bind(addr).map_err(io("binding the telemetry listener"))?;
        let addr = listener
            .local_addr()
            .map_err(io("binding the telemetry listener"))?;
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
            max_batch_len,
        });
        let callback: Arc<Mutex<Box<Callback>>> = Arc::new(Mutex::new(Box::new(on_batch)));
        let sh = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("lambda-zero-telemetry".into())
            .spawn(move || accept_loop(&listener, &sh, &callback))
            .map_err(io("starting the telemetry listener"))?;
        Ok(Listener {
            addr,
            destination: format!("http://{host}:{}", addr.port()),
            shared,
        })
    }

    /// The URI to subscribe with, e.g. `http://sandbox.localdomain:4243`.
    pub fn destination(&self) -> &str {
        &self.destination
    }

    /// The address it listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    /// Subscribes `ext` to the Telemetry API, delivering here.
    pub fn subscribe(&self, ext: &mut Extension, subscription: &Subscription) -> Result<(), Error> {
        ext.subscribe_telemetry(subscription.to_json(&self.destination).as_bytes())
    }

    /// What it received so far.
    pub fn stats(&self) -> Stats {
        self.shared.lock().stats
    }

    /// Waits until no request has been under way for `quiet` (the last
    /// batches are in), or until `deadline`; returns the counters. For the
    /// `SHUTDOWN` handler: pass a deadline inside its budget.
    pub fn wait_quiet(&self, quiet: Duration, deadline: Instant) -> Stats {
        let mut st = self.shared.lock();
        loop {
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            let since = st
                .last_activity
                .map_or(quiet, |t| now.saturating_duration_since(t));
            if since >= quiet && st.in_request == 0 {
                break;
            }
            let wait = quiet
                .saturating_sub(since)
                .max(Duration::from_millis(1))
                .min(deadline - now);
            st = self
                .shared
                .changed
                .wait_timeout(st, wait)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
        st.stats
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>, callback: &Arc<Mutex<Box<Callback>>>) {
    for stream in listener.incoming() {
        let Ok(mut stream) = stream else { continue };
        let admitted = {
            let mut st = shared.lock();
            let ok = st.connections < MAX_CONNECTIONS;
            if ok {
                st.connections += 1;
            }
            ok
        };
        if !admitted {
            refuse(shared, &mut stream, 503, &"too many connections");
            continue;
        }
        let (sh, cb) = (Arc::clone(shared), Arc::clone(callback));
        let spawned = std::thread::Builder::new()
            .name("lambda-zero-telemetry-conn".into())
            .spawn(move || {
                Conn::new(stream, &sh).serve(&cb);
                sh.lock().connections -= 1;
            });
        if spawned.is_err() {
            shared.lock().connections -= 1;
        }
    }
}

fn answer(stream: &mut TcpStream, status: u16, close: bool) -> io::Result<()> {
    macro_rules! answers {
        ($($status:literal $reason:literal),*) => {
            match (status, close) {
                $(
                    ($status, false) => concat!("HTTP/1.1 ", $status, " ", $reason, "\r\nContent-Length: 0\r\n\r\n"),
                    ($status, true) => concat!("HTTP/1.1 ", $status, " ", $reason, "\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"),
                )*
                _ => "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            }
        };
    }
    let text = answers!(200 "OK", 400 "Bad Request", 405 "Method Not Allowed", 411 "Length Required",
        413 "Content Too Large", 431 "Request Header Fields Too Large", 500 "Internal Server Error");
    stream.write_all(text.as_bytes())
}

/// Answers `status`, closes, logs why, counts the refusal.
fn refuse(shared: &Shared, stream: &mut TcpStream, status: u16, why: &dyn std::fmt::Display) {
    let _ = answer(stream, status, true);
    shared.update(|st| st.stats.refused += 1);
    crate::runtime::log::write(
        crate::runtime::log::Level::Warn,
        format_args!("lambda-zero: telemetry: refused a request ({status}): {why}"),
    );
}

struct Conn<'s> {
    stream: TcpStream,
    shared: &'s Shared,
    buf: Vec<u8>,
    filled: usize,
}

/// How reading a request ended when it did not yield a batch.
enum Stop {
    /// The peer closed, or the socket failed: nothing to answer.
    Gone,
    /// Answer this status, log why, close.
    Refuse(u16, &'static str),
    /// A batch of this many bytes, over the limit: answer `413`, close.
    TooLarge(usize),
}

impl<'s> Conn<'s> {
    fn new(stream: TcpStream, shared: &'s Shared) -> Conn<'s> {
        let _ = stream.set_nodelay(true);
        Conn {
            stream,
            shared,
            buf: vec![0; MAX_HEAD_LEN + shared.max_batch_len],
            filled: 0,
        }
    }

    fn serve(&mut self, callback: &Mutex<Box<Callback>>) {
        loop {
            match self.request(callback) {
                Ok(()) => {}
                Err(Stop::Gone) => return,
                Err(Stop::Refuse(status, why)) => {
                    refuse(self.shared, &mut self.stream, status, &why);
                    return;
                }
                Err(Stop::TooLarge(len)) => {
                    let limit = self.shared.max_batch_len;
                    let why = format_args!("a batch of {len} bytes, more than the {limit} allowed");
                    refuse(self.shared, &mut self.stream, 413, &why);
                    return;
                }
            }
        }
    }

    /// Reads more into the buffer. `idle`: nothing of a request has come
    /// yet, so wait without a limit.
    fn read_more(&mut self, idle: bool) -> Result<(), Stop> {
        let timeout = (!idle).then_some(REQUEST_TIMEOUT);
        let _ = self.stream.set_read_timeout(timeout);
        loop {
            match self.stream.read(&mut self.buf[self.filled..]) {
                Ok(0) => return Err(Stop::Gone),
                Ok(n) => {
                    self.filled += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(_) => return Err(Stop::Gone),
            }
        }
    }

    /// Reads, checks and hands on one batch, then answers it.
    fn request(&mut self, callback: &Mutex<Box<Callback>>) -> Result<(), Stop> {
        if self.filled == 0 {
            self.read_more(true)?;
        }
        self.shared.update(|st| st.in_request += 1);
        let result = self.handle(callback);
        self.shared.update(|st| {
            st.in_request -= 1;
            if let Ok(records) = result {
                st.stats.batches += 1;
                st.stats.records += records as u64;
            }
        });
        result.map(|_| ())
    }

    fn handle(&mut self, callback: &Mutex<Box<Callback>>) -> Result<usize, Stop> {
        let (head_len, body_len) = loop {
            let mut headers = [httparse::EMPTY_HEADER; HEADERS];
            let mut req = httparse::Request::new(&mut headers);
            match req.parse(&self.buf[..self.filled.min(MAX_HEAD_LEN)]) {
                Ok(httparse::Status::Complete(n)) => {
                    if req.method != Some("POST") {
                        return Err(Stop::Refuse(405, "only POST is served"));
                    }
                    break (n, content_length(req.headers)?);
                }
                Ok(httparse::Status::Partial) if self.filled < MAX_HEAD_LEN => {
                    self.read_more(false)?;
                }
                Ok(httparse::Status::Partial) => {
                    return Err(Stop::Refuse(431, "request head too large"))
                }
                Err(_) => return Err(Stop::Refuse(400, "malformed request head")),
            }
        };
        if body_len > self.shared.max_batch_len {
            return Err(Stop::TooLarge(body_len));
        }
        let end = head_len + body_len;
        while self.filled < end {
            self.read_more(false)?;
        }
        let records = {
            let body = &self.buf[head_len..end];
            let root =
                json::parse(body).map_err(|_| Stop::Refuse(400, "the batch is not valid JSON"))?;
            if root.kind() != Kind::Array {
                return Err(Stop::Refuse(400, "the batch is not a JSON array"));
            }
            let mut len = 0;
            for v in root.elements() {
                if Record::of(v).is_none() {
                    return Err(Stop::Refuse(400, "a record is not an object with a type"));
                }
                len += 1;
            }
            let batch = Batch { root, len };
            let mut cb = callback.lock().unwrap_or_else(PoisonError::into_inner);
            // A panicking callback must not take the connection's thread
            // with it: its counters would stay up (`wait_quiet` waiting
            // for the deadline, a connection slot gone for good).
            if catch_unwind(AssertUnwindSafe(|| (cb)(&batch))).is_err() {
                return Err(Stop::Refuse(500, "the batch callback panicked"));
            }
            len
        };
        // Keep what came after this request (a pipelined next one).
        self.buf.copy_within(end..self.filled, 0);
        self.filled -= end;
        answer(&mut self.stream, 200, false).map_err(|_| Stop::Gone)?;
        Ok(records)
    }
}

/// The body length a request announces: `Content-Length` (once), not
/// chunked.
fn content_length(headers: &[httparse::Header<'_>]) -> Result<usize, Stop> {
    let mut length = None;
    for h in headers {
        if h.name.eq_ignore_ascii_case("transfer-encoding") {
            return Err(Stop::Refuse(411, "chunked batches are not accepted"));
        }
        if h.name.eq_ignore_ascii_case("content-length") {
            let v = std::str::from_utf8(h.value).map(str::trim).unwrap_or("");
            let n = v
                .parse::<usize>()
                .ok()
                .filter(|_| v.bytes().all(|b| b.is_ascii_digit()))
                .ok_or(Stop::Refuse(400, "invalid Content-Length"))?;
            if length.is_some_and(|l| l != n) {
                return Err(Stop::Refuse(400, "conflicting Content-Length headers"));
            }
            length = Some(n);
        }
    }
    length.ok_or(Stop::Refuse(411, "no Content-Length"))
}
