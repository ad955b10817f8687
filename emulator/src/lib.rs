//! A fast, strict emulator of the AWS Lambda Runtime API (version `2018-06-01`): std, plus
//! `mio` for the event loop that serves load runs.
//!
//! [`Emulator::start`] binds `127.0.0.1:0` and serves a [`Script`] of [`Reply`]s in background
//! threads (one per TCP connection, keep-alive, `TCP_NODELAY`). Every `POST` a runtime sends back
//! is parsed by a strict hand-written HTTP/1.1 parser and kept as a [`Record`].
//!
//! Routes (under the script's prefix): `GET /2018-06-01/runtime/invocation/next`,
//! `POST .../invocation/{id}/response`, `POST .../invocation/{id}/error` and
//! `POST /2018-06-01/runtime/init/error`; the Extensions API (`/2020-01-01/extension/register`,
//! `/event/next`, `/init/error`, `/exit/error`) and the Telemetry API (`PUT /2022-07-01/telemetry`,
//! then batches pushed to the subscriber), see [`Emulator::shutdown_extensions`],
//! [`Script::expect_extensions`] and the module notes in `extensions.rs`; anything else is
//! answered `404` ([`Kind::Unknown`]).
//!
//! Strictness: the request line must be `METHOD SP target SP HTTP/1.1` with a visible-ASCII
//! target; every line must end in CRLF; header names are tokens, values hold no control
//! characters, no line folding; exactly one `Host`; at most one `Content-Length` (digits only);
//! `Transfer-Encoding` may only be `chunked` and not together with `Content-Length`; `POST`
//! needs one of the two; `%` in `{id}` needs two hex digits. A violation is answered `400`
//! (`431` for a head over [`MAX_HEAD`], `413` for a body over [`MAX_BODY`]), recorded as
//! [`Kind::Invalid`] with [`Record::problem`] set, and the connection is closed.
//! `Expect: 100-continue` is not honoured (the body is simply read).
//!
//! Pipelining: requests on one connection are read one after another from its buffer and
//! answered in order, so a runtime may write `POST .../response` and `GET /next` in one
//! `send()` ([`Emulator::pipelined`] counts them); [`Script::refuse_pipelining`] closes the
//! connection instead, to test a runtime's fallback, and [`Script::hold_until_next`] holds each
//! answer until the next `GET /next`, as AWS's Runtime Interface Emulator holds the invoke's
//! answer to its caller ([`Record::caller_latency`]).
//!
//! Concurrency: every connection is served by its own thread, so N workers can each block in
//! `GET /next` until an event is there ([`Emulator::in_flight`], [`Emulator::peak_in_flight`]).
//! [`Load`] runs a runtime process under a fixed number of events with N in flight and reports
//! latency, throughput, CPU, peak RSS and an [`Audit`] of every answer; `lz-emulator` is its
//! command line.
//!
//! ```no_run
//! use lambda_zero_emulator::{Emulator, Event, Kind, Script};
//! use std::time::Duration;
//!
//! let emu = Emulator::start(Script::new().event(Event::new("id-1", r#"{"a":1}"#))).unwrap();
//! // ... start a runtime with AWS_LAMBDA_RUNTIME_API=emu.runtime_api() ...
//! let records = emu.wait_records(1, Duration::from_secs(5));
//! assert_eq!(records[0].kind, Kind::Response);
//! emu.shutdown();
//! ```
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod evented;
mod extensions;
mod inspect;
mod load;

pub use extensions::Delivery;
use extensions::{Ext, Origin, Subscriber, EXTENSION_API, TELEMETRY_API};

pub use inspect::{error_of, status_code_of};
pub use load::{request_id, Audit, IdleReport, Load, LoadReport, Percentiles, Usage};

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::io::{self, IoSlice, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The ARN an [`Event`] carries unless [`Event::with_function_arn`] says otherwise.
pub const DEFAULT_FUNCTION_ARN: &str = "arn:aws:lambda:us-east-1:123456789012:function:lambda-zero";
/// Largest accepted request head (request line + headers), and largest trailer section.
/// A bigger one is answered `431` and recorded as [`Kind::Invalid`].
pub const MAX_HEAD: usize = 64 * 1024;
/// Largest accepted request body. A bigger one is answered `413` and recorded as [`Kind::Invalid`].
pub const MAX_BODY: usize = 64 * 1024 * 1024;
/// The body `/next` is answered with once the script is empty (under [`Drained::Status`]).
pub const DRAINED_BODY: &str =
    r#"{"errorMessage":"emulator: no more events","errorType":"Emulator.Drained"}"#;
const API: &str = "/2018-06-01/runtime";

/// One invocation handed out on `GET /next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// Sent verbatim in `Lambda-Runtime-Aws-Request-Id` (may contain any printable bytes).
    pub request_id: String,
    /// The event payload.
    pub body: Vec<u8>,
    /// `Lambda-Runtime-Deadline-Ms`; `None` means "now (epoch ms) + 3000" at hand-out time.
    pub deadline_ms: Option<u64>,
    /// `Lambda-Runtime-Invoked-Function-Arn` (default [`DEFAULT_FUNCTION_ARN`]).
    pub function_arn: String,
    /// `Lambda-Runtime-Trace-Id`, omitted when `None`.
    pub trace_id: Option<String>,
    /// `Lambda-Runtime-Invocation-Id`, omitted when `None`.
    pub invocation_id: Option<String>,
    /// Extra headers appended verbatim (`name: value`) to the `/next` answer.
    pub headers: Vec<(String, String)>,
    /// How the body is framed.
    pub framing: Framing,
    /// Status to answer this invocation's `/response` or `/error` POST with
    /// (`None`: the script default, see [`Script::post_status`]).
    pub post_status: Option<u16>,
}

/// How an [`Event`] body is framed in the `/next` answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Framing {
    /// `Content-Length: n`.
    #[default]
    ContentLength,
    /// `Transfer-Encoding: chunked`, every chunk (including the last) carrying the chunk
    /// extension `;x=y`, followed by one trailer `X-Trailer: 1`.
    Chunked {
        /// Payload bytes per chunk (0 is treated as 1).
        chunk_size: usize,
    },
}

impl Event {
    /// An event with the given id and body and every other field at its default.
    pub fn new(request_id: impl Into<String>, body: impl Into<Vec<u8>>) -> Event {
        Event {
            request_id: request_id.into(),
            body: body.into(),
            deadline_ms: None,
            function_arn: DEFAULT_FUNCTION_ARN.to_string(),
            trace_id: None,
            invocation_id: None,
            headers: Vec::new(),
            framing: Framing::ContentLength,
            post_status: None,
        }
    }
    /// Sets an explicit `Lambda-Runtime-Deadline-Ms`.
    pub fn with_deadline_ms(mut self, deadline_ms: u64) -> Event {
        self.deadline_ms = Some(deadline_ms);
        self
    }
    /// Sets `Lambda-Runtime-Invoked-Function-Arn`.
    pub fn with_function_arn(mut self, arn: impl Into<String>) -> Event {
        self.function_arn = arn.into();
        self
    }
    /// Sets `Lambda-Runtime-Trace-Id`.
    pub fn with_trace_id(mut self, trace_id: impl Into<String>) -> Event {
        self.trace_id = Some(trace_id.into());
        self
    }
    /// Sets `Lambda-Runtime-Invocation-Id`.
    pub fn with_invocation_id(mut self, invocation_id: impl Into<String>) -> Event {
        self.invocation_id = Some(invocation_id.into());
        self
    }
    /// Appends an extra header to the `/next` answer.
    pub fn with_header(mut self, name: impl Into<String>, value: impl Into<String>) -> Event {
        self.headers.push((name.into(), value.into()));
        self
    }
    /// Frames the body with `Transfer-Encoding: chunked` in chunks of `chunk_size` bytes.
    pub fn chunked(mut self, chunk_size: usize) -> Event {
        self.framing = Framing::Chunked { chunk_size };
        self
    }
    /// Answers this invocation's `/response` or `/error` POST with `status`.
    pub fn with_post_status(mut self, status: u16) -> Event {
        self.post_status = Some(status);
        self
    }
}

/// One scripted answer to `GET /next`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// A normal `200` answer carrying the event.
    Event(Event),
    /// Answer with this status and (JSON) body.
    Status(u16, Vec<u8>),
    /// Write these bytes verbatim, then close the connection.
    Raw(Vec<u8>),
    /// Send the head (with the full `Content-Length`) and half the body, then close the connection.
    CloseMidBody(Event),
    /// Close the connection without answering.
    Close,
}

/// What `GET /next` gets once the script is empty.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Drained {
    /// Answer with this status and [`DRAINED_BODY`] (the default is `Status(500)`).
    Status(u16),
    /// Hold the request until a reply is pushed or the emulator shuts down, like real Lambda.
    Block,
}

/// What the emulator serves, and how. A builder.
#[derive(Debug, Clone)]
pub struct Script {
    replies: VecDeque<Reply>,
    cfg: Config,
}

#[derive(Debug, Clone)]
struct Config {
    prefix: String,
    close_after: bool,
    split: usize,
    drained: Drained,
    post_status: u16,
    refuse_pipelining: bool,
    hold_until_next: bool,
    evented: bool,
    lean: bool,
    expect_extensions: usize,
    register_status: Option<u16>,
    ext_next_replies: BTreeMap<usize, Reply>,
}

impl Default for Script {
    fn default() -> Script {
        Script::new()
    }
}

impl Script {
    /// An empty script: no prefix, keep-alive, whole writes, `Drained::Status(500)`, POSTs answered `202`.
    pub fn new() -> Script {
        Script {
            replies: VecDeque::new(),
            cfg: Config {
                prefix: String::new(),
                close_after: false,
                split: 0,
                drained: Drained::Status(500),
                post_status: 202,
                refuse_pipelining: false,
                hold_until_next: false,
                evented: false,
                lean: false,
                expect_extensions: 0,
                register_status: None,
                ext_next_replies: BTreeMap::new(),
            },
        }
    }
    /// Appends one reply.
    pub fn reply(mut self, r: Reply) -> Script {
        self.replies.push_back(r);
        self
    }
    /// Appends one normal event (`reply(Reply::Event(e))`).
    pub fn event(self, e: Event) -> Script {
        self.reply(Reply::Event(e))
    }
    /// Appends several normal events.
    pub fn events(mut self, it: impl IntoIterator<Item = Event>) -> Script {
        self.replies.extend(it.into_iter().map(Reply::Event));
        self
    }
    /// The path prefix the API lives under, e.g. `"/.rt"` (default `""`).
    pub fn prefix(mut self, p: &str) -> Script {
        self.cfg.prefix = p.to_string();
        self
    }
    /// When `yes`, every answer carries `Connection: close` and the connection is then closed.
    pub fn close_after_each_answer(mut self, yes: bool) -> Script {
        self.cfg.close_after = yes;
        self
    }
    /// Writes every answer in pieces of `n` bytes, each a separate write (0 = one write).
    pub fn split_writes(mut self, n: usize) -> Script {
        self.cfg.split = n;
        self
    }
    /// What `/next` gets once the script is empty.
    pub fn drained(mut self, d: Drained) -> Script {
        self.cfg.drained = d;
        self
    }
    /// Default status for `/response`, `/error` and `/init/error` POSTs (default `202`).
    pub fn post_status(mut self, status: u16) -> Script {
        self.cfg.post_status = status;
        self
    }
    /// When `yes`, the emulator refuses pipelined requests, as a server that cannot serve
    /// them would: after answering a `POST`, if bytes of a further request have already
    /// arrived (in its read buffer or waiting in the socket), it closes the connection without
    /// answering them (counted by [`Emulator::refused_pipelined`]). It looks before answering
    /// the `POST`, so a request sent after its answer is never refused. For testing a runtime's
    /// fallback from pipelining. Default `false`: pipelined requests are read one after
    /// another from the connection's buffer and answered in order.
    pub fn refuse_pipelining(mut self, yes: bool) -> Script {
        self.cfg.refuse_pipelining = yes;
        self
    }
    /// When `yes`, a `2xx`-answered `/response` or `/error` is held back, as AWS's Runtime
    /// Interface Emulator holds the invoke's answer to its caller: its [`Record`] is only
    /// added (and [`Record::caller_latency`] set) when the runtime's next `GET /next` arrives
    /// on that connection (or, if the connection closed first, on any connection). So
    /// [`Emulator::wait_record`] returns when a caller of that emulator would get its answer,
    /// and a runtime that sends `GET /next` sooner (pipelined) shows a shorter caller latency.
    pub fn hold_until_next(mut self, yes: bool) -> Script {
        self.cfg.hold_until_next = yes;
        self
    }
    /// When `yes`, serve every connection from one thread over non-blocking sockets (epoll)
    /// instead of a thread per connection, as the real Runtime API does (one Go process and
    /// its netpoller): under N workers the server then adds one runnable thread, not N, and
    /// answers the connections that are ready in the order they became ready. Same parser,
    /// same answers, same records. [`Load`] runs use it unless told otherwise. Not with
    /// [`Script::hold_until_next`], [`Script::refuse_pipelining`], [`Script::split_writes`]
    /// or [`Script::expect_extensions`] (the threaded server is used then), and the
    /// Extensions and Telemetry APIs are answered `400` (they block per connection).
    pub fn evented(mut self, yes: bool) -> Script {
        self.cfg.evented = yes;
        self
    }
    /// When `yes`, the headers of `GET …/invocation/next` and `POST …/response` requests are
    /// checked as always (syntax, framing, one `Host`) but not copied into owned strings:
    /// the [`Record`] of a `/response` then has no [`Record::headers`]. Every other request
    /// (`/error`, `/init/error`, the Extensions API…) keeps its headers. [`Load`] runs use
    /// it: there the server is the busiest thread of the machine, and what it spends per
    /// request a faster runtime pays for in queueing (with the other changes of the same
    /// commit: 18.0k -> 12.7k instructions per invocation in the serving thread, callgrind,
    /// N = 8).
    pub fn lean_records(mut self, yes: bool) -> Script {
        self.cfg.lean = yes;
        self
    }
    /// The init phase lasts until `n` extensions have registered (and, as always, every
    /// registered extension has called `GET /extension/event/next`): the runtime's first
    /// `GET /invocation/next` waits until then. For starting a function and its extensions
    /// at once, as Lambda does. Default 0.
    pub fn expect_extensions(mut self, n: usize) -> Script {
        self.cfg.expect_extensions = n;
        self
    }
    /// Answers every `POST /extension/register` with `status` (an error) instead of
    /// registering.
    pub fn refuse_register(mut self, status: u16) -> Script {
        self.cfg.register_status = Some(status);
        self
    }
    /// The `n`-th `GET /extension/event/next` (0-based, counted over all extensions) gets
    /// `reply` instead of an event: [`Reply::Status`], [`Reply::Close`], [`Reply::Raw`], or
    /// [`Reply::CloseMidBody`] (half an `INVOKE` event, then the connection closes).
    /// A [`Reply::Event`] hands out its body verbatim as the event's JSON.
    pub fn extension_next_reply(mut self, n: usize, reply: Reply) -> Script {
        self.cfg.ext_next_replies.insert(n, reply);
        self
    }
}

/// What kind of request a [`Record`] is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `POST .../invocation/{id}/response`.
    Response,
    /// `POST .../invocation/{id}/error`.
    Error,
    /// `POST .../init/error`.
    InitError,
    /// A malformed request (answered 400, 413 or 431, or cut off), see [`Record::problem`].
    Invalid,
    /// A well-formed request to an unknown path (answered 404).
    Unknown,
    /// `POST /2020-01-01/extension/register` ([`Record::request_id`]: the identifier given,
    /// empty when refused).
    Register,
    /// `POST /2020-01-01/extension/init/error`.
    ExtensionInitError,
    /// `POST /2020-01-01/extension/exit/error`.
    ExtensionExitError,
    /// `PUT /2022-07-01/telemetry` ([`Record::request_id`]: the subscribing extension).
    TelemetrySubscribe,
}

/// One request the runtime sent (every request except `GET /next`).
#[derive(Debug, Clone)]
pub struct Record {
    /// What it was.
    pub kind: Kind,
    /// The percent-decoded `{id}` path segment (`""` for init errors, unknown and invalid requests).
    pub request_id: String,
    /// The raw request-target as received (possibly `""` for an invalid request).
    pub target: String,
    /// Request headers, names lower-cased, in order.
    pub headers: Vec<(String, String)>,
    /// The de-chunked body.
    pub body: Vec<u8>,
    /// Trailers of a chunked request (names lower-cased).
    pub trailers: Vec<(String, String)>,
    /// The status answered (0 when nothing could be answered: connection closed mid-request).
    pub status_sent: u16,
    /// Serial number of the TCP connection it arrived on (0, 1, 2...).
    pub connection: usize,
    /// From handing the event out on `/next` to this POST being fully received (zero when unknown).
    pub latency: Duration,
    /// Under [`Script::hold_until_next`]: from handing the event out to the runtime's next
    /// `GET /next` after this POST (the invoke latency its caller would see); `None` otherwise.
    pub caller_latency: Option<Duration>,
    /// When the request was fully received.
    pub received_at: Instant,
    /// For [`Kind::Invalid`]: what was wrong with the request.
    pub problem: Option<String>,
}

impl Record {
    /// The first header named `name` (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    /// The body as UTF-8, if it is.
    pub fn body_str(&self) -> Option<&str> {
        std::str::from_utf8(&self.body).ok()
    }
}

/// A queued answer to `/next`.
enum Queued {
    Reply(Reply),
    /// [`Emulator::push_shared`]: this event under another request id, body not copied.
    Shared(String, Arc<Event>),
}

#[derive(Default)]
struct State {
    queue: VecDeque<Queued>,
    records: Vec<Record>,
    handed: HashMap<String, (Instant, Option<u16>)>,
    /// Most invocations handed out and not yet answered at once.
    peak_in_flight: usize,
    /// Pipelined requests refused under [`Script::refuse_pipelining`].
    refused_pipelined: usize,
    /// Held records of closed connections (under [`Script::hold_until_next`]), released by
    /// the next `GET /next` on any connection.
    orphans: Vec<Record>,
    streams: HashMap<usize, TcpStream>,
    next_requests: usize,
    connections: usize,
    first_next_at: Option<Instant>,
    stop: bool,
    /// Record counts waited for (count -> number of waiters): a new record wakes the waiters
    /// only when the smallest is reached, so a waiter for the 10,000th record is not woken
    /// 9,999 times (which would cost the runtime being measured CPU on a small machine).
    record_waits: BTreeMap<usize, usize>,
    /// Threads waiting in [`Emulator::wait_next_requests`].
    next_waiters: usize,
    extensions: Vec<Ext>,
    /// `GET /extension/event/next` requests so far (for [`Script::extension_next_reply`]).
    ext_next_calls: usize,
    /// The first invocation was handed out: the init phase is over.
    init_done: bool,
    subscribers: Vec<Subscriber>,
    deliveries: Vec<Delivery>,
    /// Batches taken from a subscriber's buffer and not yet answered.
    delivering: usize,
    /// Deliver everything buffered now ([`Emulator::flush_telemetry`]).
    flush_requested: bool,
    telemetry_thread: Option<JoinHandle<()>>,
}

impl State {
    fn add_record_wait(&mut self, n: usize) {
        *self.record_waits.entry(n).or_insert(0) += 1;
    }
    /// Whether the init phase may end: enough extensions registered, every one ready.
    fn extensions_ready(&self, expected: usize) -> bool {
        self.extensions.len() >= expected && self.extensions.iter().all(|e| e.ready)
    }
    /// Buffers a telemetry record for every subscriber that wants its origin.
    fn telemetry(&mut self, origin: Origin, kind: &str, record: &str) -> bool {
        let mut any = false;
        for sub in self.subscribers.iter_mut().filter(|s| s.wants(origin)) {
            sub.push(extensions::telemetry_record(kind, record));
            any = true;
        }
        any
    }
    fn remove_record_wait(&mut self, n: usize) {
        if let Some(waiters) = self.record_waits.get_mut(&n) {
            *waiters -= 1;
            if *waiters == 0 {
                self.record_waits.remove(&n);
            }
        }
    }
}

struct Shared {
    cfg: Config,
    state: Mutex<State>,
    /// Requests found already buffered when the request before them had been answered: an
    /// atomic, not in `state`, so a pipelining runtime does not take the lock once more per
    /// invocation for it.
    pipelined: AtomicUsize,
    /// Signalled when replies are pushed or on stop.
    work: Condvar,
    /// Signalled when records are added or on stop.
    recorded: Condvar,
    /// Signalled when a `GET /next` arrives or on stop (a separate condvar, so waiters for
    /// records are not woken by every `/next`).
    arrived: Condvar,
    /// Signalled when an extension registers or becomes ready (the init phase may end).
    ready: Condvar,
    /// Signalled when an extension event is queued or an extension's state changes.
    ext: Condvar,
    /// Signalled when telemetry is buffered or delivered.
    telemetry: Condvar,
    /// Wakes the event loop of an evented emulator (replies pushed, or stop).
    waker: Option<mio::Waker>,
}

impl Shared {
    /// Wakes whoever waits for a reply: one `/next` thread (`all`: every one), or the event loop.
    fn wake_work(&self, all: bool) {
        match &self.waker {
            Some(w) => {
                let _ = w.wake();
            }
            None if all => self.work.notify_all(),
            None => self.work.notify_one(),
        }
    }
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
    fn record(&self, rec: Record) {
        self.record_all(std::iter::once(rec));
    }
    fn record_all(&self, recs: impl IntoIterator<Item = Record>) {
        let mut st = self.lock();
        st.records.extend(recs);
        self.recorded_unlock(st);
    }
    /// Releases the lock after adding records, waking the record waiters if one is due.
    fn recorded_unlock(&self, st: MutexGuard<'_, State>) {
        let due = st
            .record_waits
            .keys()
            .next()
            .is_some_and(|&n| st.records.len() >= n);
        drop(st);
        if due {
            self.recorded.notify_all();
        }
    }
    /// Blocks until there are more than `n - 1` records, `timeout` passed or the emulator stops.
    fn wait_records_len(&self, n: usize, timeout: Duration) -> MutexGuard<'_, State> {
        let mut st = self.lock();
        if st.records.len() >= n || st.stop {
            return st;
        }
        st.add_record_wait(n);
        let (mut st, _) = self
            .recorded
            .wait_timeout_while(st, timeout, |s| s.records.len() < n && !s.stop)
            .unwrap_or_else(PoisonError::into_inner);
        st.remove_record_wait(n);
        st
    }
}

/// A running emulator. Shuts down on [`Emulator::shutdown`] or drop.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    accept: Option<JoinHandle<Vec<JoinHandle<()>>>>,
}

impl Emulator {
    /// Binds `127.0.0.1:0` and serves `script` in background threads.
    pub fn start(script: Script) -> io::Result<Emulator> {
        let listener = TcpListener::bind(("127.0.0.1", 0))?;
        let addr = listener.local_addr()?;
        let c = &script.cfg;
        let evented = c.evented
            && !c.hold_until_next
            && !c.refuse_pipelining
            && c.split == 0
            && c.expect_extensions == 0;
        let poll = if evented {
            Some(mio::Poll::new()?)
        } else {
            None
        };
        let waker = match &poll {
            Some(p) => Some(mio::Waker::new(p.registry(), evented::WAKER)?),
            None => None,
        };
        let shared = Arc::new(Shared {
            cfg: script.cfg,
            state: Mutex::new(State {
                queue: script.replies.into_iter().map(Queued::Reply).collect(),
                ..State::default()
            }),
            pipelined: AtomicUsize::new(0),
            work: Condvar::new(),
            recorded: Condvar::new(),
            arrived: Condvar::new(),
            ready: Condvar::new(),
            ext: Condvar::new(),
            telemetry: Condvar::new(),
            waker,
        });
        let sh = Arc::clone(&shared);
        let accept = match poll {
            Some(poll) => thread::Builder::new()
                .name("lz-emulator-poll".into())
                .spawn(move || evented::event_loop(poll, listener, &sh))?,
            None => thread::Builder::new()
                .name("lz-emulator-accept".into())
                .spawn(move || accept_loop(&listener, &sh))?,
        };
        Ok(Emulator {
            shared,
            addr,
            accept: Some(accept),
        })
    }
    /// The address the emulator listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }
    /// The value for `AWS_LAMBDA_RUNTIME_API`: `"127.0.0.1:PORT"` followed by the prefix.
    pub fn runtime_api(&self) -> String {
        format!("{}{}", self.addr, self.shared.cfg.prefix)
    }
    /// Appends a reply to the script while running (wakes a blocked `/next`).
    pub fn push(&self, r: Reply) {
        self.shared.lock().queue.push_back(Queued::Reply(r));
        // One reply serves one `/next`: waking one waiter (not all N of a concurrent runtime)
        // is enough, and a woken waiter that finds the queue empty again just waits again.
        self.shared.wake_work(false);
    }
    /// Appends `event` to the script under the request id `request_id` (which replaces
    /// [`Event::request_id`]; everything else is served as is), sharing its body instead of
    /// copying it: for serving thousands of large events without the emulator spending more
    /// time copying them than the runtime under test spends reading them.
    pub fn push_shared(&self, request_id: impl Into<String>, event: &Arc<Event>) {
        let queued = Queued::Shared(request_id.into(), Arc::clone(event));
        self.shared.lock().queue.push_back(queued);
        self.shared.wake_work(false);
    }
    /// [`Emulator::push_shared`] for many ids at once: one lock and one wake-up for all of
    /// them (a load run queues 100,000 events before it starts the runtime).
    pub fn push_shared_all<I>(&self, request_ids: I, event: &Arc<Event>)
    where
        I: IntoIterator,
        I::Item: Into<String>,
    {
        let mut st = self.shared.lock();
        let before = st.queue.len();
        st.queue.extend(
            request_ids
                .into_iter()
                .map(|id| Queued::Shared(id.into(), Arc::clone(event))),
        );
        let pushed = st.queue.len() > before;
        drop(st);
        if pushed {
            self.shared.wake_work(true);
        }
    }
    /// How many replies are still waiting to be handed out.
    pub fn pending(&self) -> usize {
        self.shared.lock().queue.len()
    }
    /// Removes and returns every record so far; the records that follow are numbered from 0
    /// again (for [`Emulator::wait_record`] and [`Emulator::records_since`]). Lets a long
    /// benchmark keep its memory flat.
    pub fn take_records(&self) -> Vec<Record> {
        std::mem::take(&mut self.shared.lock().records)
    }
    /// A snapshot of every record so far, in arrival order.
    pub fn records(&self) -> Vec<Record> {
        self.records_since(0)
    }
    /// A snapshot of the records from index `from` on (empty if there are not that many).
    pub fn records_since(&self, from: usize) -> Vec<Record> {
        self.shared
            .lock()
            .records
            .get(from..)
            .map(<[Record]>::to_vec)
            .unwrap_or_default()
    }
    /// How many records there are so far.
    pub fn record_count(&self) -> usize {
        self.shared.lock().records.len()
    }
    /// Blocks until there are at least `n` records or `timeout` passed; returns the record count.
    pub fn wait_count(&self, n: usize, timeout: Duration) -> usize {
        self.shared.wait_records_len(n, timeout).records.len()
    }
    /// Blocks until there are at least `n` records or `timeout` passed; returns a snapshot.
    pub fn wait_records(&self, n: usize, timeout: Duration) -> Vec<Record> {
        self.wait_count(n, timeout);
        self.records()
    }
    /// Blocks until record number `index` (0-based, in arrival order) exists or `timeout`
    /// passed; returns a copy of it (`None` on timeout or shutdown).
    ///
    /// Made for benchmarks: wakes as soon as that record arrives (no polling) and copies one
    /// record, not all of them; [`Record::latency`] and [`Record::received_at`] time it.
    pub fn wait_record(&self, index: usize, timeout: Duration) -> Option<Record> {
        self.shared
            .wait_records_len(index + 1, timeout)
            .records
            .get(index)
            .cloned()
    }
    /// Blocks until at least `n` `GET /next` requests were received or `timeout` passed;
    /// returns how many were received (cold-start measurement: wakes as soon as one arrives).
    pub fn wait_next_requests(&self, n: usize, timeout: Duration) -> usize {
        let mut st = self.shared.lock();
        st.next_waiters += 1;
        let (mut st, _) = self
            .shared
            .arrived
            .wait_timeout_while(st, timeout, |s| s.next_requests < n && !s.stop)
            .unwrap_or_else(PoisonError::into_inner);
        st.next_waiters -= 1;
        st.next_requests
    }
    /// How many `GET /next` requests were received.
    pub fn next_requests(&self) -> usize {
        self.shared.lock().next_requests
    }
    /// How many TCP connections were accepted.
    pub fn connections(&self) -> usize {
        self.shared.lock().connections
    }
    /// When the first `GET /next` arrived (cold-start measurement).
    pub fn first_next_at(&self) -> Option<Instant> {
        self.shared.lock().first_next_at
    }
    /// How many invocations are handed out and not yet answered.
    pub fn in_flight(&self) -> usize {
        self.shared.lock().handed.len()
    }
    /// The most invocations that were ever handed out and not yet answered at once (how many
    /// a concurrent runtime really kept in flight).
    pub fn peak_in_flight(&self) -> usize {
        self.shared.lock().peak_in_flight
    }
    /// How many requests had already arrived in the emulator's read buffer when the request
    /// before them on their connection was answered: pipelined requests (a runtime that writes
    /// `POST .../response` and `GET /next` in one `send()` makes one per invocation).
    pub fn pipelined(&self) -> usize {
        self.shared.pipelined.load(Ordering::Relaxed)
    }
    /// How many connections were closed under [`Script::refuse_pipelining`] because a further
    /// request had arrived behind a `POST`.
    pub fn refused_pipelined(&self) -> usize {
        self.shared.lock().refused_pipelined
    }
    /// The names of the extensions registered, in order.
    pub fn extensions(&self) -> Vec<String> {
        let st = self.shared.lock();
        st.extensions.iter().map(|x| x.name.clone()).collect()
    }
    /// How many `GET /extension/event/next` requests arrived, from all extensions.
    pub fn extension_next_requests(&self) -> usize {
        self.shared.lock().ext_next_calls
    }
    /// Whether the init phase is over (the first invocation was handed to the runtime).
    pub fn init_done(&self) -> bool {
        self.shared.lock().init_done
    }
    /// Buffers `line` as a `function` telemetry record (a line the function logged) for
    /// every subscriber to `function` records.
    pub fn function_log(&self, line: &str) {
        let record = format!("\"{}\"", extensions::escape(line));
        if self
            .shared
            .lock()
            .telemetry(Origin::Function, "function", &record)
        {
            self.shared.telemetry.notify_all();
        }
    }
    /// Delivers every buffered telemetry record now; returns whether all were delivered
    /// (answered or failed) within `timeout`.
    pub fn flush_telemetry(&self, timeout: Duration) -> bool {
        let mut st = self.shared.lock();
        if st.subscribers.is_empty() {
            return true;
        }
        st.flush_requested = true;
        self.shared.telemetry.notify_all();
        let (_st, waited) = self
            .shared
            .telemetry
            .wait_timeout_while(st, timeout, |s| {
                !s.stop && (s.delivering > 0 || s.subscribers.iter().any(|x| !x.buffer.is_empty()))
            })
            .unwrap_or_else(PoisonError::into_inner);
        !waited.timed_out()
    }
    /// Every telemetry batch delivered so far, in order.
    pub fn telemetry_deliveries(&self) -> Vec<Delivery> {
        self.shared.lock().deliveries.clone()
    }
    /// Ends the sandbox's life for its extensions: delivers buffered telemetry, then
    /// queues `SHUTDOWN` (`shutdownReason` `reason`, a deadline 2 s away) for every
    /// extension registered for it, and waits up to `timeout` until each is done with it
    /// (called `event/next` again, or closed its connection: exited). Returns how many are.
    pub fn shutdown_extensions(&self, reason: &str, timeout: Duration) -> usize {
        self.flush_telemetry(timeout);
        let mut st = self.shared.lock();
        let json = extensions::shutdown_event(reason, extensions::epoch_ms() + 2000);
        for x in st
            .extensions
            .iter_mut()
            .filter(|x| x.shutdown && !x.shutdown_sent)
        {
            x.queue.push_back(json.clone());
            x.shutdown_sent = true;
        }
        self.shared.ext.notify_all();
        let (st, _) = self
            .shared
            .ext
            .wait_timeout_while(st, timeout, |s| {
                !s.stop && s.extensions.iter().any(|x| x.shutdown_sent && !x.done)
            })
            .unwrap_or_else(PoisonError::into_inner);
        st.extensions.iter().filter(|x| x.done).count()
    }
    /// Stops accepting, closes every connection and joins every thread.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        {
            let mut st = self.shared.lock();
            st.stop = true;
            for s in st.streams.values() {
                let _ = s.shutdown(Shutdown::Both);
            }
        }
        self.shared.wake_work(true);
        self.shared.recorded.notify_all();
        self.shared.arrived.notify_all();
        self.shared.ready.notify_all();
        self.shared.ext.notify_all();
        self.shared.telemetry.notify_all();
        // Taken in a statement of its own: in an `if let` scrutinee the guard would live
        // through the join, and the telemetry thread needs the lock to see `stop` and return
        // (a deadlock whenever it had not yet left its wait when the lock was taken here).
        let telemetry = self.shared.lock().telemetry_thread.take();
        if let Some(t) = telemetry {
            let _ = t.join();
        }
        if let Some(accept) = self.accept.take() {
            // Wake the accept loop; it sees the stop flag and returns.
            let _ = TcpStream::connect(self.addr);
            for h in accept.join().unwrap_or_default() {
                let _ = h.join();
            }
        }
    }
}

fn accept_loop(listener: &TcpListener, shared: &Arc<Shared>) -> Vec<JoinHandle<()>> {
    let mut handles: Vec<JoinHandle<()>> = Vec::new();
    loop {
        let accepted = listener.accept();
        let mut st = shared.lock();
        if st.stop {
            return handles;
        }
        let Ok((stream, _)) = accepted else { continue };
        let id = st.connections;
        st.connections += 1;
        let _ = stream.set_nodelay(true);
        match stream.try_clone() {
            Ok(clone) => st.streams.insert(id, clone),
            Err(_) => continue,
        };
        drop(st);
        handles.retain(|h| !h.is_finished());
        let sh = Arc::clone(shared);
        let spawned = thread::Builder::new()
            .name(format!("lz-emulator-conn-{id}"))
            .spawn(move || serve(sh, stream, id));
        match spawned {
            Ok(h) => handles.push(h),
            Err(_) => {
                shared.lock().streams.remove(&id);
            }
        }
    }
}

/// Why reading a request stopped.
enum Fail {
    /// The peer closed (or the socket failed); `true` if part of a request had arrived.
    Closed(bool),
    /// A malformed request: answer this status, record the problem, close.
    Bad(u16, String),
    /// Evented: the request is not all there yet and the socket has nothing more for now.
    Again,
}

fn bad(problem: impl Into<String>) -> Fail {
    Fail::Bad(400, problem.into())
}

#[derive(Default)]
struct Request {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
    trailers: Vec<(String, String)>,
    close: bool,
}

struct Conn {
    shared: Arc<Shared>,
    stream: TcpStream,
    id: usize,
    /// Read buffer; unconsumed bytes are `buf[pos..end]`.
    buf: Vec<u8>,
    pos: usize,
    end: usize,
    /// Answer being built.
    out: Vec<u8>,
    /// Answers held back to go out with the next one: the answer to a `POST .../response`
    /// or `/error` with the next request already buffered behind it (pipelined), so the
    /// two answers leave in one write, as a server answering pipelined requests from a
    /// buffered writer sends them. Flushed before anything else is written and before
    /// the connection waits (for bytes or for an event).
    deferred: Vec<u8>,
    /// Records held until this connection's next `GET /next` ([`Script::hold_until_next`]).
    held: Vec<Record>,
    /// The identifier of the extension whose `event/next` this connection last carried.
    extension: Option<String>,
    /// Served by the event loop: the socket is non-blocking, a read that would block ends
    /// the attempt ([`Fail::Again`]) and the request is parsed again from `mark` once more
    /// bytes are there; a `GET /next` with nothing to hand out parks instead of waiting.
    evented: bool,
    /// Evented: where the request being read starts in `buf`.
    mark: usize,
    /// Evented: a `GET /next` waits for a reply (its `Connection: close`).
    parked: Option<bool>,
}

/// What [`Conn::step`] did.
enum Step {
    /// Answered a request; read the next one.
    Go,
    /// Evented: no whole request buffered and the socket has nothing more for now.
    Again,
    /// The connection is done: [`Conn::finish`] it.
    Stop,
}

fn serve(shared: Arc<Shared>, stream: TcpStream, id: usize) {
    let mut c = Conn::new(shared, stream, id, false);
    while let Step::Go = c.step() {}
    c.finish();
    c.linger_close();
}

/// What a request asks for; a POST's id borrowed from its target, still percent-encoded.
enum Route<'t> {
    Next,
    Post(Kind, &'t str),
    Register,
    ExtNext,
    Subscribe,
    Unknown,
}

fn route<'t>(method: &str, target: &'t str, prefix: &str) -> Route<'t> {
    let under = target.strip_prefix(prefix);
    if let Some(rest) = under.and_then(|r| r.strip_prefix(EXTENSION_API)) {
        return match (method, rest) {
            ("POST", "/register") => Route::Register,
            ("GET", "/event/next") => Route::ExtNext,
            ("POST", "/init/error") => Route::Post(Kind::ExtensionInitError, ""),
            ("POST", "/exit/error") => Route::Post(Kind::ExtensionExitError, ""),
            _ => Route::Unknown,
        };
    }
    if under == Some(TELEMETRY_API) && method == "PUT" {
        return Route::Subscribe;
    }
    let Some(rest) = target
        .strip_prefix(prefix)
        .and_then(|r| r.strip_prefix(API))
    else {
        return Route::Unknown;
    };
    match (method, rest) {
        ("GET", "/invocation/next") => Route::Next,
        ("POST", "/init/error") => Route::Post(Kind::InitError, ""),
        ("POST", _) => {
            let Some(tail) = rest.strip_prefix("/invocation/") else {
                return Route::Unknown;
            };
            let (id, kind) = if let Some(id) = tail.strip_suffix("/response") {
                (id, Kind::Response)
            } else if let Some(id) = tail.strip_suffix("/error") {
                (id, Kind::Error)
            } else {
                return Route::Unknown;
            };
            if id.is_empty() || id.contains('/') {
                return Route::Unknown;
            }
            Route::Post(kind, id)
        }
        _ => Route::Unknown,
    }
}

impl Conn {
    fn new(shared: Arc<Shared>, stream: TcpStream, id: usize, evented: bool) -> Conn {
        Conn {
            shared,
            stream,
            id,
            buf: vec![0; MAX_HEAD],
            pos: 0,
            end: 0,
            out: Vec::new(),
            deferred: Vec::new(),
            held: Vec::new(),
            extension: None,
            evented,
            mark: 0,
            parked: None,
        }
    }

    /// Reads and answers one request.
    fn step(&mut self) -> Step {
        self.mark = self.pos;
        let mut req = Request::default();
        match self.read_request(&mut req) {
            Ok(()) => {
                // Looked at before the POST is answered: a request there now was sent
                // without waiting for the answer, so it is pipelined.
                let refuse = req.method == "POST"
                    && self.shared.cfg.refuse_pipelining
                    && self.more_arrived();
                if !self.handle(req, Instant::now()) {
                    return Step::Stop;
                }
                if refuse {
                    self.shared.lock().refused_pipelined += 1;
                    return Step::Stop;
                }
                if self.pos < self.end {
                    self.shared.pipelined.fetch_add(1, Ordering::Relaxed);
                }
                Step::Go
            }
            Err(Fail::Again) => {
                self.pos = self.mark;
                Step::Again
            }
            Err(Fail::Closed(partial)) => {
                if partial && !self.shared.lock().stop {
                    self.invalid(req, 0, "connection closed mid-request".into());
                }
                Step::Stop
            }
            Err(Fail::Bad(status, problem)) => {
                let kind = if status == 413 {
                    "RequestEntityTooLarge"
                } else {
                    "Emulator.InvalidRequest"
                };
                simple_answer(&mut self.out, status, &error_json(&problem, kind), true);
                self.invalid(req, status, problem);
                self.send();
                Step::Stop
            }
        }
    }

    /// The connection is done: flush, hand its held records on, forget it.
    fn finish(&mut self) {
        self.flush_deferred();
        let held = std::mem::take(&mut self.held);
        let mut st = self.shared.lock();
        st.orphans.extend(held);
        st.streams.remove(&self.id);
        if let Some(id) = self.extension.take() {
            if let Some(x) = st.extensions.iter_mut().find(|x| x.id == id) {
                if x.shutdown_sent {
                    x.done = true;
                }
            }
            self.shared.ext.notify_all();
        }
    }

    /// Whether bytes of a further request arrived: in the buffer, or waiting in the socket.
    fn more_arrived(&self) -> bool {
        if self.pos < self.end {
            return true;
        }
        let mut byte = [0u8];
        let waiting = self.stream.set_nonblocking(true).is_ok()
            && matches!(self.stream.peek(&mut byte), Ok(n) if n > 0);
        let _ = self.stream.set_nonblocking(false);
        waiting
    }

    /// Reads more bytes into the buffer (compacting it first when full).
    fn fill(&mut self) -> Result<(), Fail> {
        if !self.flush_deferred() {
            return Err(Fail::Closed(self.pos < self.end));
        }
        // Evented, the bytes from the request's start are kept: it may be parsed again.
        let keep = if self.evented { self.mark } else { self.pos };
        if keep == self.end {
            (self.pos, self.end, self.mark) = (0, 0, 0);
        } else if self.end == self.buf.len() {
            self.buf.copy_within(keep..self.end, 0);
            (self.end, self.pos, self.mark) = (self.end - keep, self.pos - keep, 0);
        }
        if self.end == self.buf.len() {
            return Err(Fail::Bad(431, "request head too large".into()));
        }
        loop {
            match self.stream.read(&mut self.buf[self.end..]) {
                Ok(0) => return Err(Fail::Closed(true)),
                Ok(n) => {
                    self.end += n;
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Err(Fail::Again),
                Err(_) => return Err(Fail::Closed(true)),
            }
        }
    }

    /// The next CRLF-terminated line (CRLF excluded) as `buf[start..end]`, at most `limit`
    /// bytes with its CRLF; a longer one fails with `too_long`.
    fn line(&mut self, limit: usize, too_long: (u16, &str)) -> Result<(usize, usize), Fail> {
        let mut scanned = 0;
        loop {
            let from = self.pos + scanned;
            if let Some(i) = memchr::memchr(b'\n', &self.buf[from..self.end]) {
                let nl = from + i;
                if nl == self.pos || self.buf[nl - 1] != b'\r' {
                    return Err(bad("bare LF (line not terminated by CRLF)"));
                }
                if nl + 1 - self.pos > limit {
                    break;
                }
                let start = self.pos;
                self.pos = nl + 1;
                return Ok((start, nl - 1));
            }
            scanned = self.end - self.pos;
            if scanned >= limit {
                break;
            }
            self.fill()?;
        }
        Err(Fail::Bad(too_long.0, too_long.1.to_string()))
    }

    /// Reads a whole request (head and body) into `req`.
    fn read_request(&mut self, req: &mut Request) -> Result<(), Fail> {
        if self.pos == self.end {
            self.fill().map_err(|e| {
                if let Fail::Closed(_) = e {
                    Fail::Closed(false)
                } else {
                    e
                }
            })?;
        }
        const HEAD: (u16, &str) = (431, "request head larger than 64 KiB");
        let mut budget = MAX_HEAD;
        let (s, e) = self.line(budget, HEAD)?;
        budget -= e + 2 - s;
        parse_request_line(&self.buf[s..e], req)?;
        // The route `handle` will take, so that exactly the `GET /next` and
        // `POST …/response` requests go without their headers.
        let keep = !self.shared.cfg.lean
            || !matches!(
                route(&req.method, &req.target, &self.shared.cfg.prefix),
                Route::Next | Route::Post(Kind::Response, _)
            );
        let (mut hosts, mut length, mut chunked) = (0, None, false);
        loop {
            let (s, e) = self.line(budget, HEAD)?;
            budget -= e + 2 - s;
            if s == e {
                break;
            }
            let (name, value) = header_parts(&self.buf[s..e])?;
            let is = |n: &str| name.eq_ignore_ascii_case(n.as_bytes());
            let text = || String::from_utf8_lossy(value);
            if is("host") {
                hosts += 1;
            } else if is("content-length") {
                if length.is_some() {
                    return Err(bad("more than one Content-Length"));
                }
                if value.is_empty() || value.len() > 19 || !value.iter().all(u8::is_ascii_digit) {
                    return Err(bad(format!("bad Content-Length {:?}", text())));
                }
                // At most 19 digits: below u64::MAX.
                length = Some(
                    value
                        .iter()
                        .fold(0u64, |n, &d| n * 10 + u64::from(d - b'0')),
                );
            } else if is("transfer-encoding") {
                if chunked || !value.eq_ignore_ascii_case(b"chunked") {
                    return Err(bad(format!("unsupported Transfer-Encoding {:?}", text())));
                }
                chunked = true;
            } else if is("connection") {
                req.close |= value
                    .split(|&b| b == b',')
                    .any(|t| t.trim_ascii().eq_ignore_ascii_case(b"close"));
            }
            if keep {
                req.headers.push(owned_header(name, value));
            }
        }
        if hosts != 1 {
            return Err(bad(if hosts == 0 {
                "missing Host header"
            } else {
                "more than one Host header"
            }));
        }
        match (length, chunked) {
            (Some(_), true) => Err(bad("both Content-Length and Transfer-Encoding: chunked")),
            (Some(n), false) if n > MAX_BODY as u64 => Err(Fail::Bad(
                413,
                format!("body of {n} bytes exceeds the 64 MiB cap"),
            )),
            (Some(n), false) => self.read_body(n as usize, &mut req.body),
            (None, true) => self.read_chunked(req),
            (None, false) if matches!(req.method.as_str(), "POST" | "PUT" | "PATCH") => Err(bad(
                format!("{} without Content-Length or Transfer-Encoding", req.method),
            )),
            (None, false) => Ok(()),
        }
    }

    /// Appends exactly `n` body bytes to `body`: first from the buffer, the rest straight from the socket.
    fn read_body(&mut self, n: usize, body: &mut Vec<u8>) -> Result<(), Fail> {
        if self.evented {
            // The whole body into the buffer (grown to hold it from the request's start),
            // so that a read that would block leaves the request whole to parse again.
            while self.end - self.pos < n {
                let need = self.pos - self.mark + n;
                if self.buf.len() < need {
                    self.buf.resize(need, 0);
                }
                if let Err(e) = self.fill() {
                    if let Fail::Closed(_) = e {
                        // Cut off: the record keeps what did arrive, as the threaded one does.
                        body.extend_from_slice(&self.buf[self.pos..self.end]);
                        self.pos = self.end;
                    }
                    return Err(e);
                }
            }
            body.extend_from_slice(&self.buf[self.pos..self.pos + n]);
            self.pos += n;
            return Ok(());
        }
        let have = (self.end - self.pos).min(n);
        body.extend_from_slice(&self.buf[self.pos..self.pos + have]);
        self.pos += have;
        let rest = (n - have) as u64;
        if rest > 0 {
            match (&self.stream).take(rest).read_to_end(body) {
                Ok(got) if got as u64 == rest => {}
                _ => return Err(Fail::Closed(true)),
            }
        }
        Ok(())
    }

    fn read_chunked(&mut self, req: &mut Request) -> Result<(), Fail> {
        loop {
            let (s, e) = self.line(4096, (400, "chunk size line too long"))?;
            let size = parse_chunk_size(&self.buf[s..e])?;
            if size == 0 {
                break;
            }
            if req.body.len() + size > MAX_BODY {
                return Err(Fail::Bad(413, "chunked body exceeds the 64 MiB cap".into()));
            }
            self.read_body(size, &mut req.body)?;
            let (s, e) = self.line(2, (400, "chunk data not followed by CRLF"))?;
            if s != e {
                return Err(bad("chunk data not followed by CRLF"));
            }
        }
        let mut budget = MAX_HEAD;
        loop {
            let (s, e) = self.line(budget, (431, "trailer section larger than 64 KiB"))?;
            budget -= e + 2 - s;
            if s == e {
                return Ok(());
            }
            let (name, value) = header_parts(&self.buf[s..e])?;
            req.trailers.push(owned_header(name, value));
        }
    }

    /// Writes `self.out` (in one write, or in `split_writes` pieces). False if the peer is gone.
    fn send(&mut self) -> bool {
        let mut w = &self.stream;
        match self.shared.cfg.split {
            0 => {
                let sent = write_all_vectored(w, &self.deferred, &self.out).is_ok();
                self.deferred.clear();
                sent
            }
            n => self.out.chunks(n).all(|piece| w.write_all(piece).is_ok()),
        }
    }

    /// Writes the [`Conn::deferred`] answers, if any. False if the peer is gone.
    fn flush_deferred(&mut self) -> bool {
        if self.deferred.is_empty() {
            return true;
        }
        let sent = write_all_vectored(&self.stream, &self.deferred, &[]).is_ok();
        self.deferred.clear();
        sent
    }

    fn invalid(&self, req: Request, status: u16, problem: String) {
        self.shared.record(Record {
            kind: Kind::Invalid,
            request_id: String::new(),
            target: req.target,
            headers: req.headers,
            body: req.body,
            trailers: req.trailers,
            status_sent: status,
            connection: self.id,
            latency: Duration::ZERO,
            caller_latency: None,
            received_at: Instant::now(),
            problem: Some(problem),
        });
    }

    /// Answers one well-formed request; returns whether to keep the connection open.
    fn handle(&mut self, req: Request, received_at: Instant) -> bool {
        let close = self.shared.cfg.close_after || req.close;
        let route = route(&req.method, &req.target, &self.shared.cfg.prefix);
        // A held answer waits only for the `GET /next` behind it.
        if !matches!(route, Route::Next) && !self.flush_deferred() {
            return false;
        }
        if self.evented && matches!(route, Route::Register | Route::ExtNext | Route::Subscribe) {
            let problem = "the Extensions and Telemetry APIs need the threaded emulator \
                           (Script::evented(false), lz-emulator --threaded)";
            let body = error_json(problem, "Emulator.InvalidRequest");
            simple_answer(&mut self.out, 400, &body, true);
            self.invalid(req, 400, problem.into());
            self.send();
            return false;
        }
        let (kind, raw_id) = match route {
            Route::Next => return self.next(close),
            Route::Register => return self.register(req, received_at, close),
            Route::ExtNext => return self.ext_next(&req, close),
            Route::Subscribe => return self.subscribe(req, received_at, close),
            Route::Post(kind, raw_id) => (kind, raw_id),
            Route::Unknown => (Kind::Unknown, ""),
        };
        let Some(request_id) = percent_decode(raw_id) else {
            let problem = format!("bad percent-encoding in request id {raw_id:?}");
            simple_answer(
                &mut self.out,
                400,
                &error_json(&problem, "Emulator.InvalidRequest"),
                true,
            );
            self.invalid(req, 400, problem);
            self.send();
            return false;
        };
        // One lock per answer: the invocation leaves `handed` and its record is added
        // under the same lock (64 workers of a concurrent runtime contend for it).
        let mut st = self.shared.lock();
        let (status, latency) = match kind {
            Kind::Unknown => (404, Duration::ZERO),
            Kind::Response | Kind::Error => {
                if !st.subscribers.is_empty() {
                    let outcome = if kind == Kind::Response {
                        "success"
                    } else {
                        "error"
                    };
                    let record = format!(
                        r#"{{"requestId":"{}","status":"{outcome}"}}"#,
                        extensions::escape(&request_id)
                    );
                    if st.telemetry(Origin::Platform, "platform.runtimeDone", &record) {
                        self.shared.telemetry.notify_all();
                    }
                }
                match st.handed.remove(&request_id) {
                    Some((at, s)) => (
                        s.unwrap_or(self.shared.cfg.post_status),
                        received_at.saturating_duration_since(at),
                    ),
                    None => (self.shared.cfg.post_status, Duration::ZERO),
                }
            }
            _ => (self.shared.cfg.post_status, Duration::ZERO),
        };
        let hold = self.shared.cfg.hold_until_next
            && matches!(kind, Kind::Response | Kind::Error)
            && (200..300).contains(&status);
        let target = if kind == Kind::Unknown {
            Some(format!("{} {}", req.method, req.target))
        } else {
            None
        };
        let rec = Record {
            kind,
            request_id,
            target: req.target,
            headers: req.headers,
            body: req.body,
            trailers: req.trailers,
            status_sent: status,
            connection: self.id,
            latency,
            caller_latency: None,
            received_at,
            problem: None,
        };
        if hold {
            drop(st);
            self.held.push(rec);
        } else {
            // Record before answering: a runtime that stops on this answer (a
            // 5xx) must find the record there when its caller looks.
            st.records.push(rec);
            self.shared.recorded_unlock(st);
        }
        let body: Cow<'static, [u8]> = match (target, status) {
            (Some(what), _) => error_json(
                &format!("emulator: no route for {what}"),
                "Emulator.NotFound",
            )
            .into(),
            (None, 200..=299) => Cow::Borrowed(br#"{"status":"OK"}"#),
            _ => status_error_json(status).into(),
        };
        simple_answer(&mut self.out, status, &body, close);
        let pipelined = self.pos < self.end && !close;
        let cfg = &self.shared.cfg;
        let answer = matches!(kind, Kind::Response | Kind::Error);
        if pipelined && answer && cfg.split == 0 && !cfg.refuse_pipelining {
            self.deferred.extend_from_slice(&self.out);
            return true;
        }
        self.send() && !close
    }

    /// Answers `GET /next` with the next reply; returns whether to keep the connection open.
    fn next(&mut self, close: bool) -> bool {
        let shared = Arc::clone(&self.shared);
        let arrived = Instant::now();
        let mut held = std::mem::take(&mut self.held);
        let mut st = shared.lock();
        {
            if shared.cfg.hold_until_next {
                held.append(&mut st.orphans);
            }
            if !held.is_empty() {
                for r in &mut held {
                    let handed_at = r.received_at.checked_sub(r.latency);
                    r.caller_latency =
                        Some(handed_at.map_or(Duration::ZERO, |t| arrived.duration_since(t)));
                }
                drop(st);
                shared.record_all(held);
                st = shared.lock();
            }
            st.next_requests += 1;
            if st.first_next_at.is_none() {
                st.first_next_at = Some(Instant::now());
            }
            if st.next_waiters > 0 {
                shared.arrived.notify_all();
            }
            if !st.init_done {
                let expected = shared.cfg.expect_extensions;
                st = shared
                    .ready
                    .wait_while(st, |s| !s.stop && !s.extensions_ready(expected))
                    .unwrap_or_else(PoisonError::into_inner);
            }
        }
        self.hand_out(&shared, st, close)
    }

    /// Answers a counted `GET /next` with the next reply (`st` is `shared`'s lock), waiting
    /// for one (evented: parking until one is pushed); returns whether to keep the
    /// connection open.
    fn hand_out<'s>(
        &mut self,
        shared: &'s Shared,
        mut st: MutexGuard<'s, State>,
        close: bool,
    ) -> bool {
        let reply = {
            loop {
                if st.stop {
                    return false;
                }
                if let Some(q) = st.queue.pop_front() {
                    let handed = match &q {
                        Queued::Reply(Reply::Event(e) | Reply::CloseMidBody(e)) => {
                            Some((e.request_id.clone(), e))
                        }
                        Queued::Shared(id, e) => Some((id.clone(), &**e)),
                        Queued::Reply(_) => None,
                    };
                    if let Some((id, e)) = handed {
                        st.init_done = true;
                        let post_status = e.post_status;
                        let invoke = st.extensions.iter().any(|x| x.invoke);
                        if invoke {
                            let deadline = e
                                .deadline_ms
                                .unwrap_or_else(|| extensions::epoch_ms() + 3000);
                            let json = extensions::invoke_event(
                                &id,
                                deadline,
                                &e.function_arn,
                                e.trace_id.as_deref(),
                            );
                            for x in st.extensions.iter_mut().filter(|x| x.invoke && !x.done) {
                                x.queue.push_back(json.clone());
                            }
                            shared.ext.notify_all();
                        }
                        if !st.subscribers.is_empty() {
                            let record = format!(
                                r#"{{"requestId":"{}","version":"$LATEST"}}"#,
                                extensions::escape(&id)
                            );
                            if st.telemetry(Origin::Platform, "platform.start", &record) {
                                shared.telemetry.notify_all();
                            }
                        }
                        st.handed.insert(id, (Instant::now(), post_status));
                        st.peak_in_flight = st.peak_in_flight.max(st.handed.len());
                    }
                    break q;
                }
                match shared.cfg.drained {
                    Drained::Status(s) => {
                        break Queued::Reply(Reply::Status(s, DRAINED_BODY.as_bytes().to_vec()))
                    }
                    Drained::Block if !self.deferred.is_empty() => {
                        // Nothing to hand out yet: the held answer goes out before waiting.
                        drop(st);
                        if !self.flush_deferred() {
                            return false;
                        }
                        st = shared.lock();
                    }
                    Drained::Block if self.evented => {
                        self.parked = Some(close);
                        return true;
                    }
                    Drained::Block => {
                        st = shared.work.wait(st).unwrap_or_else(PoisonError::into_inner)
                    }
                }
            }
        };
        let reply = match reply {
            Queued::Shared(id, e) => return self.send_event(&e, &id, close),
            Queued::Reply(r) => r,
        };
        if let Some(keep) = self.send_eventless(&reply, close) {
            return keep;
        }
        match reply {
            Reply::Event(e) => self.send_event(&e, &e.request_id, close),
            Reply::CloseMidBody(e) => {
                encode_event(&mut self.out, &e, &e.request_id, close, true);
                self.send();
                false
            }
            _ => false,
        }
    }

    /// Answers `/next` with `e` under `id`; returns whether to keep the connection open. A
    /// `Content-Length` body is written from where it is, after the head, never copied (unless
    /// [`Script::split_writes`] asks for pieces).
    fn send_event(&mut self, e: &Event, id: &str, close: bool) -> bool {
        if e.framing != Framing::ContentLength || self.shared.cfg.split != 0 {
            encode_event(&mut self.out, e, id, close, false);
            return self.send() && !close;
        }
        encode_event_head(&mut self.out, e, id, close);
        content_length(&mut self.out, Decimal::new().of(e.body.len() as u64));
        let head = if self.deferred.is_empty() {
            &self.out
        } else {
            self.deferred.extend_from_slice(&self.out);
            &self.deferred
        };
        let sent = write_all_vectored(&self.stream, head, &e.body).is_ok();
        self.deferred.clear();
        sent && !close
    }

    fn header<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
        req.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn record_plain(&self, req: Request, kind: Kind, id: String, status: u16, at: Instant) {
        self.shared.record(Record {
            kind,
            request_id: id,
            target: req.target,
            headers: req.headers,
            body: req.body,
            trailers: req.trailers,
            status_sent: status,
            connection: self.id,
            latency: Duration::ZERO,
            caller_latency: None,
            received_at: at,
            problem: None,
        });
    }

    /// `POST /extension/register`; returns whether to keep the connection open.
    fn register(&mut self, req: Request, received_at: Instant, close: bool) -> bool {
        let name = Conn::header(&req, "lambda-extension-name").unwrap_or("");
        let account = Conn::header(&req, "lambda-extension-accept-feature")
            .is_some_and(|v| v.contains("accountId"));
        let body = String::from_utf8_lossy(&req.body);
        let mut st = self.shared.lock();
        let (status, id, answer) = if let Some(s) = self.shared.cfg.register_status {
            (s, String::new(), status_error_json(s))
        } else if name.is_empty() {
            let e = error_json("missing Lambda-Extension-Name", "InvalidRequest");
            (400, String::new(), e)
        } else if st.init_done {
            let e = error_json("the init phase is over", "Extension.InvalidState");
            (403, String::new(), e)
        } else {
            let n = st.extensions.len();
            let id = format!("{n:08x}-e000-4000-8000-{:012x}", n + 1);
            st.extensions.push(Ext {
                id: id.clone(),
                name: name.to_string(),
                invoke: body.contains("\"INVOKE\""),
                shutdown: body.contains("\"SHUTDOWN\""),
                ready: false,
                queue: VecDeque::new(),
                shutdown_sent: false,
                done: false,
            });
            self.shared.ready.notify_all();
            let account = if account {
                r#","accountId":"123456789012""#
            } else {
                ""
            };
            let json = format!(
                r#"{{"functionName":"lambda-zero","functionVersion":"$LATEST","handler":"bootstrap"{account}}}"#
            );
            (200, id, json.into_bytes())
        };
        drop(st);
        let extra = if id.is_empty() {
            String::new()
        } else {
            format!("Lambda-Extension-Identifier: {id}\r\n")
        };
        answer_with(&mut self.out, status, &extra, &answer, close);
        self.record_plain(req, Kind::Register, id, status, received_at);
        self.send() && !close
    }

    /// `GET /extension/event/next`; returns whether to keep the connection open.
    fn ext_next(&mut self, req: &Request, close: bool) -> bool {
        let id = Conn::header(req, "lambda-extension-identifier").unwrap_or("");
        let shared = Arc::clone(&self.shared);
        let mut st = shared.lock();
        let Some(i) = st.extensions.iter().position(|x| x.id == id) else {
            drop(st);
            let body = error_json(
                "unknown extension identifier",
                "Extension.UnknownExtensionIdentifier",
            );
            simple_answer(&mut self.out, 403, &body, close);
            return self.send() && !close;
        };
        self.extension = Some(id.to_string());
        let n = st.ext_next_calls;
        st.ext_next_calls += 1;
        let x = &mut st.extensions[i];
        if !x.ready {
            x.ready = true;
            shared.ready.notify_all();
        }
        if x.shutdown_sent && x.queue.is_empty() {
            x.done = true;
            shared.ext.notify_all();
        }
        if let Some(reply) = shared.cfg.ext_next_replies.get(&n).cloned() {
            drop(st);
            return self.ext_reply(reply, close);
        }
        let event = loop {
            if st.stop {
                return false;
            }
            if let Some(ev) = st.extensions[i].queue.pop_front() {
                break ev;
            }
            st = shared.ext.wait(st).unwrap_or_else(PoisonError::into_inner);
        };
        drop(st);
        answer_with(&mut self.out, 200, "", &event, close);
        self.send() && !close
    }

    /// A scripted answer to `event/next`; returns whether to keep the connection open.
    fn ext_reply(&mut self, reply: Reply, close: bool) -> bool {
        if let Some(keep) = self.send_eventless(&reply, close) {
            return keep;
        }
        match reply {
            Reply::Event(e) => {
                answer_with(&mut self.out, 200, "", &e.body, close);
                self.send() && !close
            }
            Reply::CloseMidBody(e) => {
                let json = extensions::invoke_event(&e.request_id, 0, &e.function_arn, None);
                answer_with(&mut self.out, 200, "", &json, true);
                self.out.truncate(self.out.len() - json.len() / 2);
                self.send();
                false
            }
            _ => false,
        }
    }

    /// Serves a reply that carries no event ([`Reply::Status`], [`Reply::Raw`],
    /// [`Reply::Close`]) and says whether to keep the connection open; `None` for the others.
    fn send_eventless(&mut self, reply: &Reply, close: bool) -> Option<bool> {
        match reply {
            Reply::Status(status, body) => {
                simple_answer(&mut self.out, *status, body, close);
                Some(self.send() && !close)
            }
            Reply::Raw(bytes) => {
                self.out.clone_from(bytes);
                self.send();
                Some(false)
            }
            Reply::Close => Some(false),
            _ => None,
        }
    }

    /// `PUT /telemetry`; returns whether to keep the connection open.
    fn subscribe(&mut self, req: Request, received_at: Instant, close: bool) -> bool {
        let id = Conn::header(&req, "lambda-extension-identifier")
            .unwrap_or("")
            .to_string();
        let body = String::from_utf8_lossy(&req.body).into_owned();
        let mut st = self.shared.lock();
        let (status, answer) = if !st.extensions.iter().any(|x| x.id == id) {
            let e = error_json(
                "unknown extension identifier",
                "Extension.UnknownExtensionIdentifier",
            );
            (403, e)
        } else {
            match Subscriber::parse(&id, &body) {
                Ok(sub) => {
                    st.subscribers.retain(|s| s.extension_id != id);
                    st.subscribers.push(sub);
                    if st.telemetry_thread.is_none() {
                        let sh = Arc::clone(&self.shared);
                        st.telemetry_thread = thread::Builder::new()
                            .name("lz-emulator-telemetry".into())
                            .spawn(move || telemetry_loop(&sh))
                            .ok();
                    }
                    (200, br#""OK""#.to_vec())
                }
                Err(why) => (400, error_json(why, "ValidationError")),
            }
        };
        drop(st);
        simple_answer(&mut self.out, status, &answer, close);
        self.record_plain(req, Kind::TelemetrySubscribe, id, status, received_at);
        self.send() && !close
    }

    /// Sends FIN, then drains what the peer still sends (so it gets our last answer, not a
    /// reset) until it closes, for at most ~1 s of silence, unless the emulator is stopping.
    fn linger_close(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Write);
        if self.shared.lock().stop {
            return;
        }
        let _ = self.stream.set_read_timeout(Some(Duration::from_secs(1)));
        let mut drained = 0;
        while drained < MAX_BODY {
            match self.stream.read(&mut self.buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => drained += n,
            }
        }
    }
}

/// Delivers buffered telemetry when due (or flushed), one batch at a time, until the
/// emulator stops.
fn telemetry_loop(shared: &Shared) {
    let mut st = shared.lock();
    loop {
        if st.stop {
            return;
        }
        let now = Instant::now();
        let flush = st.flush_requested;
        let due = st.subscribers.iter().position(|s| {
            s.courier.is_some()
                && !s.buffer.is_empty()
                && (flush || s.due_at().is_some_and(|t| t <= now))
        });
        if let Some(i) = due {
            let sub = &mut st.subscribers[i];
            let (records, body) = sub.take_batch();
            let extension_id = sub.extension_id.clone();
            let Some(mut courier) = sub.courier.take() else {
                continue;
            };
            st.delivering += 1;
            drop(st);
            let status = courier.deliver(&body);
            st = shared.lock();
            if let Some(sub) = st
                .subscribers
                .iter_mut()
                .find(|s| s.extension_id == extension_id && s.courier.is_none())
            {
                sub.courier = Some(courier);
            }
            st.delivering -= 1;
            st.deliveries.push(Delivery {
                extension_id,
                records,
                body,
                status,
            });
            shared.telemetry.notify_all();
            continue;
        }
        if flush && st.subscribers.iter().all(|s| s.buffer.is_empty()) {
            st.flush_requested = false;
            shared.telemetry.notify_all();
        }
        let next = st.subscribers.iter().filter_map(Subscriber::due_at).min();
        st = match next {
            Some(t) => {
                let wait = t
                    .saturating_duration_since(now)
                    .max(Duration::from_millis(1));
                shared
                    .telemetry
                    .wait_timeout(st, wait)
                    .unwrap_or_else(PoisonError::into_inner)
                    .0
            }
            None => shared
                .telemetry
                .wait(st)
                .unwrap_or_else(PoisonError::into_inner),
        };
    }
}

fn is_tchar(b: u8) -> bool {
    TCHAR[usize::from(b)]
}

/// `tchar` (RFC 9110 §5.6.2) by byte value.
const TCHAR: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(c, b'!' | b'#'..=b'\'' | b'*' | b'+' | b'-' | b'.' | b'^'..=b'`' | b'|' | b'~');
        b += 1;
    }
    t
};

/// `bytes` as an owned string: copied as they are when they are UTF-8 (requests are ASCII),
/// lossily otherwise.
fn owned_text(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(s) => s.to_owned(),
        Err(_) => String::from_utf8_lossy(bytes).into_owned(),
    }
}

fn parse_request_line(line: &[u8], req: &mut Request) -> Result<(), Fail> {
    let mut parts = line.split(|&b| b == b' ');
    let (method, target, version) = (parts.next(), parts.next(), parts.next());
    let (Some(method), Some(target), Some(version), None) = (method, target, version, parts.next())
    else {
        return Err(bad(format!(
            "bad request line {:?}",
            String::from_utf8_lossy(line)
        )));
    };
    req.method = owned_text(method);
    req.target = owned_text(target);
    if method.is_empty() || !method.iter().all(|&b| is_tchar(b)) {
        return Err(bad(format!("bad method {:?}", req.method)));
    }
    if target.is_empty() || !target.iter().all(|&b| (0x21..=0x7e).contains(&b)) {
        return Err(bad(
            "request target empty or containing bytes outside visible ASCII",
        ));
    }
    if version != b"HTTP/1.1" {
        return Err(bad(format!(
            "unsupported version {:?}",
            String::from_utf8_lossy(version)
        )));
    }
    Ok(())
}

/// A header line's name and value (optional whitespace trimmed), checked: no obsolete line
/// folding, a token for a name, no control character in the value.
fn header_parts(line: &[u8]) -> Result<(&[u8], &[u8]), Fail> {
    if matches!(line.first(), Some(b' ' | b'\t')) {
        return Err(bad("obsolete header line folding"));
    }
    let Some(colon) = line.iter().position(|&b| b == b':') else {
        return Err(bad(format!(
            "header line without colon {:?}",
            String::from_utf8_lossy(line)
        )));
    };
    let (name, value) = (&line[..colon], trim_ows(&line[colon + 1..]));
    if name.is_empty() || !name.iter().all(|&b| is_tchar(b)) {
        return Err(bad(format!(
            "bad header name {:?}",
            String::from_utf8_lossy(name)
        )));
    }
    if value.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(bad("control character in header value"));
    }
    Ok((name, value))
}

/// A header as a [`Record`] keeps it: the name lower-cased.
fn owned_header(name: &[u8], value: &[u8]) -> (String, String) {
    let mut name = owned_text(name);
    name.make_ascii_lowercase();
    (name, owned_text(value))
}

fn trim_ows(mut v: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = v {
        v = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

fn parse_chunk_size(line: &[u8]) -> Result<usize, Fail> {
    let digits = line.iter().take_while(|b| b.is_ascii_hexdigit()).count();
    let ext = trim_ows(&line[digits..]);
    let ext_ok = ext.is_empty() || ext[0] == b';';
    if digits == 0
        || digits > 15
        || !ext_ok
        || ext.iter().any(|&b| (b < 0x20 && b != b'\t') || b == 0x7f)
    {
        return Err(bad(format!(
            "bad chunk size line {:?}",
            String::from_utf8_lossy(line)
        )));
    }
    let hex = std::str::from_utf8(&line[..digits]).unwrap_or("0");
    usize::from_str_radix(hex, 16).map_err(|_| bad("bad chunk size"))
}

/// Percent-decodes a path segment; `None` if a `%` is not followed by two hex digits.
fn percent_decode(s: &str) -> Option<String> {
    let (b, mut out, mut i) = (s.as_bytes(), Vec::with_capacity(s.len()), 0);
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex)
                .ok()
                .filter(|h| h.bytes().all(|c| c.is_ascii_hexdigit()))?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// API Gateway HTTP API (v2) event shapes, richest first: (text before the body string, text after it).
fn templates(id: &str) -> [(String, &'static str); 3] {
    let full = format!(
        r#"{{"version":"2.0","routeKey":"$default","rawPath":"/","rawQueryString":"","headers":{{"accept":"*/*","content-type":"text/plain","host":"lambda-zero.execute-api.us-east-1.amazonaws.com","user-agent":"lz-emulator/0.1","x-forwarded-for":"127.0.0.1","x-forwarded-port":"443","x-forwarded-proto":"https"}},"requestContext":{{"accountId":"123456789012","apiId":"lambda-zero","domainName":"lambda-zero.execute-api.us-east-1.amazonaws.com","domainPrefix":"lambda-zero","http":{{"method":"GET","path":"/","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"lz-emulator/0.1"}},"requestId":"{id}","routeKey":"$default","stage":"$default","time":"01/Jan/2026:00:00:00 +0000","timeEpoch":1767225600000}},"body":""#
    );
    let compact = format!(
        r#"{{"version":"2.0","routeKey":"$default","rawPath":"/","rawQueryString":"","headers":{{"host":"localhost"}},"requestContext":{{"http":{{"method":"GET","path":"/"}},"requestId":"{id}"}},"body":""#
    );
    let minimal =
        r#"{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}},"body":""#;
    [
        (full, r#"","isBase64Encoded":false}"#),
        (compact, r#"","isBase64Encoded":false}"#),
        (minimal.into(), r#""}"#),
    ]
}

/// A realistic API Gateway HTTP API (v2) event of exactly `size` bytes: the richest shape that
/// fits (request id `id` inside its `requestContext`), its `body` padded with `x`. Below the
/// minimal shape (84 bytes with no padding) the minimal shape is returned, longer than `size`.
pub fn api_gateway_v2_event(id: &str, size: usize) -> Vec<u8> {
    let shapes = templates(id);
    let (head, tail) = shapes
        .iter()
        .find(|(h, t)| h.len() + t.len() <= size)
        .unwrap_or(&shapes[2]);
    let pad = size.saturating_sub(head.len() + tail.len());
    let mut body = Vec::with_capacity(head.len() + pad + tail.len());
    body.extend_from_slice(head.as_bytes());
    body.resize(head.len() + pad, b'x');
    body.extend_from_slice(tail.as_bytes());
    body
}

/// An API Gateway HTTP API (v2) `POST` event whose `body` is a JSON document of about
/// `json_size` bytes (at least `json_size`, one item more at most): `{"items":[{"id":0,
/// "name":"item-0","price":0.25,"tags":["a","b"],"active":true},...]}`, escaped into the
/// event's `body` string, `content-type: application/json`. For a CPU-bound handler that
/// parses the body and answers from it (a 4 KB body makes tens of microseconds of work).
pub fn api_gateway_v2_json_event(id: &str, json_size: usize) -> Vec<u8> {
    let mut doc = String::from(r#"{"items":["#);
    let mut n = 0;
    while doc.len() + 2 < json_size || n == 0 {
        if n > 0 {
            doc.push(',');
        }
        let _ = std::fmt::Write::write_fmt(
            &mut doc,
            format_args!(
                r#"{{"id":{n},"name":"item-{n}","price":{n}.25,"tags":["a","b"],"active":{}}}"#,
                n % 2 == 0
            ),
        );
        n += 1;
    }
    doc.push_str("]}");
    let mut body = format!(
        r#"{{"version":"2.0","routeKey":"POST /items","rawPath":"/items","rawQueryString":"","headers":{{"content-type":"application/json","host":"localhost"}},"requestContext":{{"http":{{"method":"POST","path":"/items"}},"requestId":"{id}"}},"body":""#
    );
    json_escape(&doc, &mut body);
    body.push_str(r#"","isBase64Encoded":false}"#);
    body.into_bytes()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        403 => "Forbidden",
        404 => "Not Found",
        410 => "Gone",
        413 => "Payload Too Large",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Status",
    }
}

/// A `{"errorMessage":..,"errorType":..}` body.
fn error_json(message: &str, error_type: &str) -> Vec<u8> {
    let mut out = String::with_capacity(message.len() + error_type.len() + 32);
    out.push_str(r#"{"errorMessage":""#);
    json_escape(message, &mut out);
    out.push_str(r#"","errorType":""#);
    json_escape(error_type, &mut out);
    out.push_str(r#""}"#);
    out.into_bytes()
}

/// The error body real Lambda sends with a non-2xx answer to a POST.
fn status_error_json(status: u16) -> Vec<u8> {
    match status {
        400 => error_json(
            "Invalid request ID or state transition",
            "InvalidStateTransition",
        ),
        403 => error_json("Forbidden", "AccessDeniedException"),
        410 => error_json("Invocation has already timed out", "InvocationTimedOut"),
        413 => error_json(
            "Exceeded maximum allowed payload size (6291556 bytes).",
            "RequestEntityTooLarge",
        ),
        500 => error_json("Internal service error", "ServiceException"),
        s => error_json(
            &format!("emulator: scripted status {s}"),
            "Emulator.ScriptedStatus",
        ),
    }
}

fn json_escape(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
}

fn simple_answer(out: &mut Vec<u8>, status: u16, body: &[u8], close: bool) {
    answer_with(out, status, "", body, close);
}

/// Like `simple_answer`, with `extra` (whole header lines) after `Content-Type`.
fn answer_with(out: &mut Vec<u8>, status: u16, extra: &str, body: &[u8], close: bool) {
    out.clear();
    let conn = if close { "Connection: close\r\n" } else { "" };
    let (mut code, mut len) = (Decimal::new(), Decimal::new());
    for part in [
        b"HTTP/1.1 ".as_slice(),
        code.of(u64::from(status)),
        b" ",
        reason(status).as_bytes(),
        b"\r\nContent-Type: application/json\r\n",
        extra.as_bytes(),
        conn.as_bytes(),
    ] {
        out.extend_from_slice(part);
    }
    content_length(out, len.of(body.len() as u64));
    out.extend_from_slice(body);
}

/// A number in decimal, written without `core::fmt`: the heads of the answers a load run
/// sends every invocation are joined from pieces (what `write!` cost was a tenth of the
/// serving thread's instructions).
struct Decimal([u8; 20]);

impl Decimal {
    fn new() -> Self {
        Decimal([0; 20])
    }

    fn of(&mut self, mut n: u64) -> &[u8] {
        let mut i = self.0.len();
        loop {
            i -= 1;
            self.0[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                return &self.0[i..];
            }
        }
    }
}

/// `Content-Length: <len>` and the blank line that ends a head.
fn content_length(out: &mut Vec<u8>, len: &[u8]) {
    out.extend_from_slice(b"Content-Length: ");
    out.extend_from_slice(len);
    out.extend_from_slice(b"\r\n\r\n");
}

/// Writes `head` then `body` with as few (vectored) writes as the kernel allows.
fn write_all_vectored(mut stream: &TcpStream, head: &[u8], body: &[u8]) -> io::Result<()> {
    let (mut head, mut body) = (head, body);
    // An evented socket whose send buffer is full blocks for the rest of this answer
    // (a large event): simpler than resuming the write from the event loop, and rare.
    let mut blocked = false;
    while !head.is_empty() || !body.is_empty() {
        let n = match stream.write_vectored(&[IoSlice::new(head), IoSlice::new(body)]) {
            Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock && !blocked => {
                stream.set_nonblocking(false)?;
                blocked = true;
                continue;
            }
            Err(e) => return Err(e),
        };
        let from_head = n.min(head.len());
        head = &head[from_head..];
        body = &body[n - from_head..];
    }
    if blocked {
        stream.set_nonblocking(true)?;
    }
    Ok(())
}

/// The status line and headers of an event answer, up to (excluding) the framing headers.
fn encode_event_head(out: &mut Vec<u8>, e: &Event, id: &str, close: bool) {
    out.clear();
    let deadline = e.deadline_ms.unwrap_or_else(|| {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64)
            + 3000
    });
    let mut ms = Decimal::new();
    for part in [
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: "
            .as_slice(),
        id.as_bytes(),
        b"\r\nLambda-Runtime-Deadline-Ms: ",
        ms.of(deadline),
        b"\r\nLambda-Runtime-Invoked-Function-Arn: ",
        e.function_arn.as_bytes(),
        b"\r\n",
    ] {
        out.extend_from_slice(part);
    }
    let optional = [
        ("Lambda-Runtime-Trace-Id", e.trace_id.as_deref()),
        ("Lambda-Runtime-Invocation-Id", e.invocation_id.as_deref()),
    ];
    let named = optional.into_iter().filter_map(|(n, v)| Some((n, v?)));
    for (n, v) in named.chain(e.headers.iter().map(|(n, v)| (n.as_str(), v.as_str()))) {
        for part in [n, ": ", v, "\r\n"] {
            out.extend_from_slice(part.as_bytes());
        }
    }
    if close {
        out.extend_from_slice(b"Connection: close\r\n");
    }
}

fn encode_event(out: &mut Vec<u8>, e: &Event, id: &str, close: bool, cut: bool) {
    encode_event_head(out, e, id, close);
    match e.framing {
        Framing::Chunked { chunk_size } if !cut => {
            out.extend_from_slice(b"Transfer-Encoding: chunked\r\nTrailer: X-Trailer\r\n\r\n");
            for chunk in e.body.chunks(chunk_size.max(1)) {
                let _ = write!(out, "{:x};x=y\r\n", chunk.len());
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
            out.extend_from_slice(b"0;x=y\r\nX-Trailer: 1\r\n\r\n");
        }
        _ => {
            content_length(out, Decimal::new().of(e.body.len() as u64));
            let n = if cut { e.body.len() / 2 } else { e.body.len() };
            out.extend_from_slice(&e.body[..n]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tchar_table_is_rfc_9110s() {
        for b in 0..=255u8 {
            let rfc = b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
            assert_eq!(is_tchar(b), rfc, "{b:#04x}");
        }
    }

    #[test]
    fn owned_text_copies_utf8_and_replaces_the_rest() {
        assert_eq!(owned_text(b"GET"), "GET");
        assert_eq!(owned_text("é".as_bytes()), "é");
        assert_eq!(owned_text(b"a\xffb"), "a\u{fffd}b");
    }

    #[test]
    fn heads_joined_from_pieces_are_what_write_made() {
        for n in [0, 7, 10, 202, 4096, u64::MAX] {
            assert_eq!(Decimal::new().of(n), n.to_string().as_bytes());
        }
        let mut out = Vec::new();
        answer_with(&mut out, 202, "X-A: 1\r\n", b"{}", true);
        assert_eq!(
            out,
            b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nX-A: 1\r\n\
              Connection: close\r\nContent-Length: 2\r\n\r\n{}"
        );
        let mut e = Event::new("id-1", "xyz").with_deadline_ms(1_700_000_000_123);
        e.function_arn = "arn:f".into();
        e.trace_id = Some("Root=1".into());
        e.invocation_id = Some("inv".into());
        e.headers = vec![("X-B".into(), "2".into())];
        encode_event(&mut out, &e, "id-1", true, false);
        let want = "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
                    Lambda-Runtime-Aws-Request-Id: id-1\r\nLambda-Runtime-Deadline-Ms: 1700000000123\r\n\
                    Lambda-Runtime-Invoked-Function-Arn: arn:f\r\nLambda-Runtime-Trace-Id: Root=1\r\n\
                    Lambda-Runtime-Invocation-Id: inv\r\nX-B: 2\r\nConnection: close\r\n\
                    Content-Length: 3\r\n\r\nxyz";
        assert_eq!(String::from_utf8_lossy(&out), want);
    }

    const NEXT: &[u8] = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n";
    const WAIT: Duration = Duration::from_secs(20);

    /// Reads one answer framed by `Content-Length`; returns (head, body).
    fn answer(s: &mut TcpStream) -> (String, Vec<u8>) {
        let mut raw = Vec::new();
        let mut byte = [0u8];
        while !raw.ends_with(b"\r\n\r\n") {
            s.read_exact(&mut byte).unwrap();
            raw.push(byte[0]);
        }
        let head = String::from_utf8(raw).unwrap();
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap()
            .parse()
            .unwrap();
        let mut body = vec![0; len];
        s.read_exact(&mut body).unwrap();
        (head, body)
    }

    fn respond(s: &mut TcpStream, id: &str) {
        let req = format!(
            "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nok"
        );
        s.write_all(req.as_bytes()).unwrap();
        assert!(answer(s).0.starts_with("HTTP/1.1 202"));
    }

    #[test]
    fn shared_events_keep_their_body_and_take_their_own_id() {
        let emu = Emulator::start(Script::new().drained(Drained::Block)).unwrap();
        let event = Arc::new(Event::new(
            "template",
            api_gateway_v2_event("template", 70_000),
        ));
        let mut s = TcpStream::connect(emu.addr()).unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        for (i, id) in ["a-1", "b-2", "c-3"].into_iter().enumerate() {
            emu.push_shared(id, &event);
            s.write_all(NEXT).unwrap();
            let (head, body) = answer(&mut s);
            assert!(head.contains(&format!("Lambda-Runtime-Aws-Request-Id: {id}\r\n")));
            assert_eq!(body, event.body);
            respond(&mut s, id);
            let rec = emu.wait_record(i, WAIT).unwrap();
            assert_eq!((rec.kind, rec.request_id.as_str()), (Kind::Response, id));
            assert!(rec.latency > Duration::ZERO);
        }
        assert_eq!(emu.wait_next_requests(3, WAIT), 3);
        assert_eq!(emu.take_records().len(), 3);
        assert_eq!(emu.record_count(), 0);
        emu.push_shared("d-4", &event);
        s.write_all(NEXT).unwrap();
        answer(&mut s);
        respond(&mut s, "d-4");
        assert_eq!(emu.wait_record(0, WAIT).unwrap().request_id, "d-4");
        assert!(
            emu.wait_record(1, Duration::from_millis(1)).is_none(),
            "no such record yet"
        );
    }

    #[test]
    fn waits_end_on_shutdown() {
        let emu = Arc::new(Emulator::start(Script::new()).unwrap());
        let waiter = {
            let emu = Arc::clone(&emu);
            thread::spawn(move || (emu.wait_record(0, WAIT), emu.wait_next_requests(1, WAIT)))
        };
        // Stop as Drop does, while the waiter may be blocked in either wait.
        emu.shared.lock().stop = true;
        emu.shared.recorded.notify_all();
        emu.shared.arrived.notify_all();
        let (record, nexts) = waiter.join().unwrap();
        assert!(record.is_none());
        assert_eq!(nexts, 0);
    }

    #[test]
    fn record_waiters_are_woken_only_when_due() {
        let mut st = State::default();
        st.add_record_wait(3);
        st.add_record_wait(3);
        st.add_record_wait(7);
        assert_eq!(st.record_waits.keys().next(), Some(&3));
        st.remove_record_wait(3);
        st.remove_record_wait(3);
        assert_eq!(st.record_waits.keys().next(), Some(&7));
        st.remove_record_wait(7);
        st.remove_record_wait(7);
        assert!(st.record_waits.is_empty());
    }
}
