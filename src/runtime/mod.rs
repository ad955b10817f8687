//! The invocation loop: endpoints, headers, what each status means, panics
//! and errors. Knows Lambda, nothing of sockets (that is [`crate::client`])
//! and nothing of what events mean (that is [`crate::events`], which this
//! layer never imports).
//!
//! Per warm invocation the loop makes three system calls or fewer: one
//! `writev` of the response POST with the next `GET /next` pipelined
//! behind it, one `read` of the `202` and one of the event (often a single
//! read takes both). It allocates nothing once the buffers have grown to
//! the largest event and response seen.

pub(crate) mod abort;
pub(crate) mod config;
pub(crate) mod context;
pub(crate) mod entry;
pub(crate) mod error;
pub(crate) mod log;
pub(crate) mod output;
#[cfg(feature = "sigterm")]
pub(crate) mod shutdown;
pub(crate) mod stream;
#[cfg(feature = "tracing")]
pub(crate) mod tracing;

use crate::base64;
use crate::client::{self, Connect, Connection, Pipelined, TcpConnector, Wait};
use crate::runtime::config::{Config, Endpoint};
use crate::runtime::context::{header, Context, Invocation, Lambda, LambdaHeaders};
use crate::runtime::error::{Diagnostic, HandlerError, RuntimeError};
use crate::runtime::log::Level;
use crate::runtime::output::Output;
use crate::runtime::stream::Stream;
use crate::text::parse_u64;
use crate::text::{escape_json, JsonEscaper};
use std::any::Any;
use std::fmt::{self, Write as _};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::Arc;
use std::time::Duration;

/// Largest event accepted: Lambda's 6 MiB synchronous payload limit
/// (6,291,456 bytes). A larger one fails that invocation.
pub const MAX_EVENT_LEN: usize = 6 * 1024 * 1024;
/// Longest request id (or invocation id) accepted, in bytes. Lambda's are
/// 36-byte UUIDs; anything near this bound is hostile.
pub const MAX_REQUEST_ID_LEN: usize = 256;
/// The room a worker's id buffers get up front: a UUID, as Lambda's request
/// and invocation ids are (its characters need no percent-encoding).
const ID_ROOM: usize = 36;
/// Longest `Lambda-Runtime-Function-Error-Type` header value sent (longer
/// type names are cut; the JSON body keeps them whole).
pub const MAX_ERROR_TYPE_HEADER_LEN: usize = 256;
/// How long the Runtime API may stay silent while an answer to a `POST`
/// (or the rest of a started answer) is due. `GET /next` may wait forever.
pub const DEFAULT_IO_TIMEOUT: Duration = Duration::from_secs(2);

/// `errorType` of a handler panic.
pub const PANIC_ERROR_TYPE: &str = "Runtime.Panic";
/// `errorType` of an event larger than [`MAX_EVENT_LEN`].
pub const EVENT_TOO_LARGE_ERROR_TYPE: &str = "Runtime.EventTooLarge";
/// `errorType` of an init failure caused by a malformed setting (e.g.
/// `AWS_LAMBDA_MAX_CONCURRENCY`).
pub const INVALID_CONFIG_ERROR_TYPE: &str = "Runtime.InvalidConfig";
/// `errorType` of a request id that is not UTF-8.
pub const INVALID_REQUEST_ID_ERROR_TYPE: &str = "Runtime.InvalidRequestId";
/// `errorType` of an event whose head repeats a Lambda header.
pub const INVALID_HEADERS_ERROR_TYPE: &str = "Runtime.InvalidHeaders";
/// `errorType` of a streamed response whose connection failed while the
/// handler was writing it (the handler itself returned `Ok`).
pub const STREAM_FAILED_ERROR_TYPE: &str = "Runtime.StreamFailed";
/// `/next` answers in a row with no request id to answer to after which
/// the runtime stops: one is a hostile answer, a run of them a broken
/// environment (a wrong path prefix, a server that is not a Runtime API).
pub const MAX_SKIPPED_IN_A_ROW: u32 = 5;
/// Room the send buffer gets before a handler's first response, so that
/// responses up to this size never allocate, not even the first time a
/// larger one than before comes.
const BODY_RESERVE: usize = 4096;
/// Lines logged at most about each kind of odd answer.
const MAX_LOGGED: u32 = 3;

const API_VERSION: &str = "/2018-06-01/runtime";
const NEXT: &str = "GET /next";
const RESPONSE: &str = "POST /response";
const ERROR: &str = "POST /error";
const INIT_ERROR: &str = "POST /init/error";
const STREAM: &str = "POST /response (streamed)";

/// The Lambda runtime: one connection, its buffers, and the request heads
/// built once at start-up.
///
/// Most functions call [`crate::run`]; `Runtime` is for those that need the
/// loop's result instead of an exit (tests, embedding).
pub struct Runtime<C: Connect = TcpConnector> {
    conn: Connection<C>,
    config: Config,
    heads: Heads,
    /// The current POST's head.
    head: Vec<u8>,
    /// The current POST's body (the handler's response or an error report).
    body: Vec<u8>,
    /// The current request id, percent-encoded for the path. Sized for a
    /// Lambda id (`ID_ROOM`) and grown, once, by a longer one: room for the
    /// longest accepted (three times `MAX_REQUEST_ID_LEN` encoded, and the
    /// invocation id's) was 1 KB a worker that Lambda's ids never use.
    id_path: Vec<u8>,
    /// The current `Lambda-Runtime-Invocation-Id`, empty when absent.
    invocation_id: Vec<u8>,
    /// Where the current event's Lambda headers are in its head.
    lambda: LambdaHeaders,
    /// RuntimeError trailers of a failed stream, and the JSON they encode.
    trailers: Vec<u8>,
    scratch: Vec<u8>,
    /// `/next` answers in a row that could not be served at all.
    skipped_in_a_row: u32,
    /// Lines logged about answers that could not be served, or about
    /// unsolicited bytes (each capped, so a hostile peer cannot flood the
    /// log).
    skips_logged: u32,
    unsolicited_logged: u32,
    /// Set `_X_AMZN_TRACE_ID` in the environment for each invocation.
    xray_env: bool,
    /// Send `GET /next` behind each response or error POST.
    pipeline: bool,
    /// A pipelined `GET /next` is on the wire, its answer due.
    next_sent: bool,
}

/// The request heads that never change, built once and shared by workers:
/// one buffer holding the six of them end to end (one allocation; six, of
/// six sizes, cost a function built with zig's `malloc`, as `cargo lambda`
/// builds it, a fresh 64 KiB slab per size class at start-up: `mmap`,
/// `munmap` and a page fault each). Shared, not copied, by the workers of a
/// Managed Instance: a copy was 613 bytes a worker, 38 KiB of 64 workers'
/// memory.
#[derive(Debug, Clone)]
pub(crate) struct Heads {
    bytes: Arc<[u8]>,
    /// Where each head ends in `bytes`, in [`Head`] order.
    ends: [usize; 6],
}

/// The heads [`Heads`] holds, in its order.
#[derive(Clone, Copy)]
enum Head {
    /// The whole `GET /next` request.
    Next,
    /// `POST {prefix}/2018-06-01/runtime/invocation/`
    PostPrefix,
    /// `/response HTTP/1.1\r\nHost: …\r\nContent-Type: application/json\r\n`
    ResponseSuffix,
    /// `/error HTTP/1.1\r\nHost: …\r\n…Lambda-Runtime-Function-Error-Type: `
    ErrorSuffix,
    /// `/response HTTP/1.1\r\nHost: …\r\n` + the streaming headers.
    StreamSuffix,
    /// `POST …/init/error HTTP/1.1\r\nHost: …\r\n…Lambda-Runtime-Function-Error-Type: `
    InitError,
}

impl Heads {
    pub(crate) fn new(endpoint: &Endpoint) -> Heads {
        // Joined from pieces, not `format!`ed: this runs before the first
        // `GET /next`, where `core::fmt` would be code (and pages) that the
        // start-up touches only for this.
        let mut port = itoa::Buffer::new();
        let port = port.format(endpoint.port);
        let host: [&str; 5] = ["Host: ", &endpoint.host, ":", port, "\r\n"];
        let prefix = endpoint.prefix.as_str();
        let json = "Content-Type: application/json\r\n";
        let error_type = "Lambda-Runtime-Function-Error-Type: ";
        let response = "/response HTTP/1.1\r\n";
        let base = [prefix, API_VERSION];
        // In `Head` order.
        let heads: [&[&[&str]]; 6] = [
            &[
                &["GET "],
                &base,
                &["/invocation/next HTTP/1.1\r\n"],
                &host,
                &["\r\n"],
            ],
            &[&["POST "], &base, &["/invocation/"]],
            &[&[response], &host, &[json]],
            &[&["/error HTTP/1.1\r\n"], &host, &[json, error_type]],
            &[
                &[response],
                &host,
                &["Lambda-Runtime-Function-Response-Mode: streaming\r\n\
                   Transfer-Encoding: chunked\r\n\
                   Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n"],
            ],
            &[
                &["POST "],
                &base,
                &["/init/error HTTP/1.1\r\n"],
                &host,
                &[json, error_type],
            ],
        ];
        // Plain loops: an iterator chain here became a function of its own,
        // placed outside the start-up code that `scripts/bootstrap.ld` puts
        // in the first fault-around window (one page fault more).
        let mut len = 0;
        for head in heads {
            for s in head.iter().copied().flatten() {
                len += s.len();
            }
        }
        // Made at its final size and filled in place: an exact-size
        // iterator collects into one allocation, where `Arc::from(Vec)`
        // would allocate twice and copy.
        let mut bytes: Arc<[u8]> = std::iter::repeat(0).take(len).collect();
        let mut ends = [0; 6];
        if let Some(dst) = Arc::get_mut(&mut bytes) {
            let mut at = 0;
            for (end, head) in ends.iter_mut().zip(heads) {
                for s in head.iter().copied().flatten() {
                    dst[at..at + s.len()].copy_from_slice(s.as_bytes());
                    at += s.len();
                }
                *end = at;
            }
        }
        Heads { bytes, ends }
    }

    fn get(&self, which: Head) -> &[u8] {
        let i = which as usize;
        let start = i.checked_sub(1).map_or(0, |p| self.ends[p]);
        &self.bytes[start..self.ends[i]]
    }

    /// The whole `GET /next` request.
    pub(crate) fn next(&self) -> &[u8] {
        self.get(Head::Next)
    }

    /// The head of `POST …/init/error` up to the error type's value.
    pub(crate) fn init_error(&self) -> &[u8] {
        self.get(Head::InitError)
    }

    /// Writes into `head` the head of a POST about the invocation whose
    /// encoded request id is `id_path`, up to its framing: the request
    /// line, the fixed headers, the error type of an `/error`, the
    /// invocation id.
    pub(crate) fn invocation_head(
        &self,
        head: &mut Vec<u8>,
        id_path: &[u8],
        invocation_id: &[u8],
        post: Post<'_>,
    ) {
        head.clear();
        head.extend_from_slice(self.get(Head::PostPrefix));
        head.extend_from_slice(id_path);
        match post {
            Post::Response => head.extend_from_slice(self.get(Head::ResponseSuffix)),
            Post::Stream => head.extend_from_slice(self.get(Head::StreamSuffix)),
            Post::Error(error_type) => {
                head.extend_from_slice(self.get(Head::ErrorSuffix));
                push_header_value(head, error_type);
                head.extend_from_slice(b"\r\n");
            }
        }
        push_invocation_id(head, invocation_id);
    }

    /// Room for the longest POST head built for Lambda's ids, so building
    /// one never reallocates: prefix, encoded id, suffix, the longest error
    /// type, invocation id. Ids are taken at a UUID's length (`ID_ROOM`),
    /// as the id buffers are: a longer one grows the head once. Room for
    /// ids at the bound (three times `MAX_REQUEST_ID_LEN` encoded, and the
    /// invocation id's) was 0.9 KB more per worker.
    fn post_room(&self) -> usize {
        let len = |h| self.get(h).len();
        len(Head::PostPrefix)
            + ID_ROOM
            + len(Head::ErrorSuffix)
                .max(len(Head::ResponseSuffix))
                .max(len(Head::StreamSuffix))
            + MAX_ERROR_TYPE_HEADER_LEN
            + ID_ROOM
            + 128
    }
}

impl<C: Connect> fmt::Debug for Runtime<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Runtime")
            .field("conn", &self.conn)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Runtime<TcpConnector> {
    /// Under `panic = "abort"`, installs the hook that reports a handler
    /// panic to `/error` before the process ends (see `abort.rs`); does
    /// nothing when panics unwind.
    pub(crate) fn install_abort_hook(&self) {
        if crate::runtime::abort::ABORTS {
            crate::runtime::abort::install(
                self.conn.connector().addrs().to_vec(),
                self.heads.clone(),
            );
        }
    }

    /// Reads `AWS_LAMBDA_RUNTIME_API` and the function's configuration from
    /// the environment.
    pub fn from_env() -> Result<Self, RuntimeError> {
        let endpoint = config::endpoint_from_env()?;
        let mut runtime = Runtime::new(&endpoint, Config::from_env())?;
        runtime.set_pipelining(config::pipelining_from_env());
        Ok(runtime)
    }

    /// A runtime for the Runtime API at `api`, written as
    /// `AWS_LAMBDA_RUNTIME_API` would be (`127.0.0.1:9001`), with the
    /// function's configuration from the environment: for tests against a
    /// local Runtime API and for embedding.
    pub fn for_api(api: &str) -> Result<Self, RuntimeError> {
        Runtime::new(&Endpoint::parse(api)?, Config::from_env())
    }

    /// A runtime for `endpoint` (resolved now, once) with the default I/O
    /// timeout.
    pub fn new(endpoint: &Endpoint, config: Config) -> Result<Self, RuntimeError> {
        let connector = TcpConnector::new(endpoint.resolve()?, DEFAULT_IO_TIMEOUT);
        Ok(Runtime::with_connector(endpoint, config, connector))
    }
}

impl<C: Connect> Runtime<C> {
    /// A runtime that opens its connections with `connector`.
    pub fn with_connector(endpoint: &Endpoint, config: Config, connector: C) -> Self {
        Runtime::assemble(
            Connection::new(connector, MAX_EVENT_LEN),
            config,
            Heads::new(endpoint),
        )
    }

    fn assemble(conn: Connection<C>, config: Config, heads: Heads) -> Self {
        Runtime {
            conn,
            config,
            head: Vec::with_capacity(heads.post_room()),
            heads,
            // Sized when a loop that writes responses starts (see
            // `BODY_RESERVE`): a pre-built answer is sent from where it is,
            // so 64 prebuilt workers hold no send buffer they never use.
            body: Vec::new(),
            id_path: Vec::with_capacity(ID_ROOM),
            invocation_id: Vec::with_capacity(ID_ROOM),
            lambda: LambdaHeaders::default(),
            trailers: Vec::new(),
            scratch: Vec::new(),
            skipped_in_a_row: 0,
            skips_logged: 0,
            unsolicited_logged: 0,
            xray_env: false,
            pipeline: true,
            next_sent: false,
        }
    }

    /// A runtime for the same endpoint and configuration with its own,
    /// not yet opened connection and its own buffers: one per worker.
    pub fn worker(&self) -> Self
    where
        C: Clone,
    {
        let mut worker =
            Runtime::assemble(self.conn.sibling(), self.config.clone(), self.heads.clone());
        worker.pipeline = self.pipeline;
        worker
    }

    /// Sends `GET /next` in the same write as each response or error POST
    /// (on by default; `LAMBDA_ZERO_PIPELINE=0` turns it off for
    /// [`from_env`](Runtime::from_env)), then reads the two answers in
    /// order: one system call, one wake-up and one round trip fewer per
    /// invocation. A server that closes the connection instead of
    /// answering the pipelined `GET` is asked again on a fresh connection,
    /// and pipelining stays off for the life of the runtime. Streamed
    /// responses never pipeline (their connection closes after each).
    pub fn set_pipelining(&mut self, on: bool) {
        self.pipeline = on;
    }

    /// Serves invocations on `workers` threads at once (Lambda Managed
    /// Instances, `AWS_LAMBDA_MAX_CONCURRENCY`), each a [`worker`](Self::worker)
    /// with its own connection and buffers running [`run`](Self::run), the
    /// current thread being one of them. Returns every worker's reason for
    /// stopping, once all have stopped. A worker that stops while others
    /// serve on says so at once in one log line (`worker 3 of 8 stopped:
    /// …`), so capacity is never lost silently; the `run_concurrent` entry
    /// points exit the process instead.
    pub fn run_workers<F, E>(&self, workers: usize, handler: &F) -> Vec<RuntimeError>
    where
        C: Clone + Sync,
        C::Stream: Sync,
        F: Fn(&Invocation<'_>, &mut Output<'_>) -> Result<(), E> + Sync,
        E: HandlerError,
    {
        // Built on each worker's own thread: the bounds stay `Sync`, not `Send`.
        spawn_each(&mut vec![(); workers.max(1)], |i, ()| {
            let stop = self.worker().run(handler);
            if workers > 1 {
                log::write(
                    Level::Error,
                    format_args!("lambda-zero: worker {i} of {workers} stopped: {stop}"),
                );
            }
            stop
        })
    }

    /// This runtime as worker 0 and `n - 1` more [`worker`](Self::worker)s,
    /// built on the calling thread: their buffers come from its heap arena
    /// (glibc gives each thread that allocates an arena of its own).
    pub(crate) fn into_workers(self, n: usize) -> Vec<Self>
    where
        C: Clone,
    {
        let mut pool = Vec::with_capacity(n.max(1));
        pool.extend((1..n).map(|_| self.worker()));
        pool.insert(0, self);
        pool
    }

    /// Sets `_X_AMZN_TRACE_ID` in the process environment to each
    /// invocation's trace id (and removes it when there is none) before
    /// the handler runs, for AWS SDKs and X-Ray clients that read it there.
    ///
    /// Off by default, because it costs: the environment is copied into a
    /// new allocation per invocation, and changing it while other threads
    /// may read it is unsound in C, so it is for one worker only (workers
    /// made by [`worker`](Self::worker) do not inherit it). The trace id is
    /// always available, without cost, as
    /// [`Context::xray_trace_id`](crate::Context::xray_trace_id).
    pub fn set_xray_env(&mut self, on: bool) {
        self.xray_env = on;
    }

    /// Refuses events larger than `len` bytes (default `MAX_EVENT_LEN`).
    pub fn set_max_event_len(&mut self, len: usize) {
        self.conn.set_max_body_len(len);
    }

    /// The function's configuration.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The receive buffer's current size (it grows only for events larger
    /// than any before).
    pub fn receive_buffer_len(&self) -> usize {
        self.conn.buffer_len()
    }

    /// Serves invocations until the Runtime API fails; returns why.
    ///
    /// Each event is handed to `handler` with an [`Output`] writer into
    /// the reused send buffer. `Ok` posts what was written to `/response`;
    /// `Err` posts the error to `/error`; a panic is caught and posted to
    /// `/error` as `PANIC_ERROR_TYPE`. A failed invocation never ends
    /// the loop; only a broken Runtime API does.
    pub fn run<F, E>(&mut self, handler: F) -> RuntimeError
    where
        F: FnMut(&Invocation<'_>, &mut Output<'_>) -> Result<(), E>,
        E: HandlerError,
    {
        self.serve(handler, None)
    }

    /// Serves invocations answering every one with `body`, built once
    /// (e.g. an `events::Prebuilt` answer); it is sent from where it
    /// is, in the same `writev` as the head, never copied.
    pub fn run_prebuilt(&mut self, body: &[u8]) -> RuntimeError {
        self.run_prebuilt_per_event(&|_: &[u8]| body)
    }

    /// Serves invocations answering each with the body `choose` picks for
    /// its event from answers built once (the default `bootstrap` picks
    /// one per event shape: REST API, HTTP API / function URL, ALB). The
    /// chosen body is sent from where it is, never copied.
    pub fn run_prebuilt_per_event<'b>(
        &mut self,
        choose: &dyn Fn(&[u8]) -> &'b [u8],
    ) -> RuntimeError {
        self.serve(|_, _| Ok::<(), std::convert::Infallible>(()), Some(choose))
    }

    /// Reports an initialisation failure to `/init/error`; returns the
    /// error to exit with ([`RuntimeError::Init`] once reported).
    pub fn report_init_error(&mut self, err: &dyn HandlerError) -> RuntimeError {
        // The error's own code runs here: a panic in it is reported instead.
        let message = match catch_unwind(AssertUnwindSafe(|| self.init_error_report(err))) {
            Ok(message) => message,
            Err(payload) => self.init_error_report(&panic_diagnostic(&payload)),
        };
        finish_head(&mut self.head, self.body.len());
        match exchange(&mut self.conn, &[&self.head, &self.body], None, INIT_ERROR) {
            Ok(status) if (200..300).contains(&status) => RuntimeError::Init(message),
            Ok(status) => RuntimeError::Status {
                during: INIT_ERROR,
                status,
            },
            Err(e) => e,
        }
    }

    /// Writes the `/init/error` body and head (up to the framing) for
    /// `err`; returns its message.
    fn init_error_report(&mut self, err: &dyn HandlerError) -> String {
        write_error_body(&mut self.body, err.error_type(), err);
        self.head.clear();
        self.head.extend_from_slice(self.heads.init_error());
        push_header_value(&mut self.head, err.error_type());
        self.head.extend_from_slice(b"\r\n");
        err.to_string()
    }

    fn serve<'b, 'f, F, E>(
        &mut self,
        mut handler: F,
        prebuilt: Option<&'f ChooseBody<'b, 'f>>,
    ) -> RuntimeError
    where
        F: FnMut(&Invocation<'_>, &mut Output<'_>) -> Result<(), E>,
        E: HandlerError,
    {
        log::reserve_line();
        if prebuilt.is_none() {
            self.body.reserve(BODY_RESERVE);
        }
        loop {
            if let Err(e) = self.next_event() {
                return e;
            }
            let msg = self.conn.message();
            let context = Context::new(&msg, &self.lambda, &self.config);
            let _serving =
                Serving::begin(&context, &self.id_path, &self.invocation_id, self.xray_env);
            let invocation = Invocation {
                context,
                event: msg.body(),
            };
            let body = &mut self.body;
            // The pre-built answer's chooser is the user's code too: a
            // panic in it fails this invocation like a handler's.
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let chosen = prebuilt.map(|choose| choose(invocation.event));
                handler(&invocation, &mut Output::new(body)).map(|()| chosen)
            }));
            let posted = match outcome {
                Ok(Ok(chosen)) => self.post_response(chosen),
                Ok(Err(err)) => {
                    // An error that is an answer (a 400 for a request the
                    // client got wrong): logged, then sent as the response.
                    // The error's own code runs here, outside the handler's
                    // `catch_unwind`: a panic in it is reported as a panic.
                    let body = &mut self.body;
                    let responded = catch_unwind(AssertUnwindSafe(|| {
                        let responded = err.respond(invocation.event, &mut Output::new(body));
                        if responded {
                            log::write(
                                Level::Warn,
                                format_args!(
                                    "lambda-zero: {}: {err}; answered with an error response",
                                    err.error_type()
                                ),
                            );
                        }
                        responded
                    }));
                    match responded {
                        Ok(true) => self.post_response(None),
                        Ok(false) => self.post_error(&err),
                        Err(payload) => self.post_error(&panic_diagnostic(&payload)),
                    }
                }
                Err(payload) => self.post_error(&panic_diagnostic(&payload)),
            };
            if let Err(e) = posted {
                return e;
            }
        }
    }

    /// Serves invocations with a streaming handler until the Runtime API
    /// fails; returns why.
    ///
    /// The handler writes the body through a [`Stream`]: it goes out in
    /// HTTP chunks on the response POST as it is written, so any size
    /// streams in constant memory. An error or panic after the first chunk
    /// went out is reported in the error trailers; before, as a plain
    /// `/error` POST. After each streamed response the connection is closed
    /// (as AWS asks) and the next `/next` opens a fresh one.
    ///
    /// A streamed POST that the server closes or resets (a function URL
    /// client that went away, a time-out), or that stalls past the
    /// invocation's deadline, fails that invocation only: it is logged,
    /// reported to `/error` on a fresh connection, and the loop goes on.
    pub fn run_streaming<F, E>(&mut self, mut handler: F) -> RuntimeError
    where
        F: FnMut(&Invocation<'_>, &mut Stream<'_>) -> Result<(), E>,
        E: HandlerError,
    {
        log::reserve_line();
        self.body.reserve(BODY_RESERVE);
        loop {
            if let Err(e) = self.next_event() {
                return e;
            }
            self.invocation_head(Post::Stream);
            // Back-pressure may hold a write until the deadline, not
            // merely for the I/O timeout.
            let deadline = self
                .lambda
                .get(&self.conn.message(), Lambda::DeadlineMs)
                .and_then(parse_u64)
                .unwrap_or(0);
            let until_deadline = crate::runtime::context::remaining_until(deadline);
            let (msg, socket) = match self.conn.open_for_request(Some(until_deadline)) {
                Ok(parts) => parts,
                Err(source) => {
                    return RuntimeError::Http {
                        during: STREAM,
                        source,
                    }
                }
            };
            let context = Context::new(&msg, &self.lambda, &self.config);
            let _serving =
                Serving::begin(&context, &self.id_path, &self.invocation_id, self.xray_env);
            let invocation = Invocation {
                context,
                event: msg.body(),
            };
            let mut stream = Stream::new(socket, &self.head, &mut self.body);
            let outcome = catch_unwind(AssertUnwindSafe(|| handler(&invocation, &mut stream)));
            let panicked;
            let failure: Option<&dyn HandlerError> = match &outcome {
                Ok(Ok(())) => None,
                Ok(Err(err)) => Some(err),
                Err(payload) => {
                    panicked = panic_diagnostic(payload);
                    Some(&panicked)
                }
            };
            let sent = match failure {
                _ if stream.is_broken() => stream.finish(&[]),
                None => stream.finish(&[]),
                Some(err) if stream.started() => {
                    let (trailers, scratch) = (&mut self.trailers, &mut self.scratch);
                    // The error's own code runs here (see `post_error`).
                    if let Err(payload) = catch_unwind(AssertUnwindSafe(|| {
                        write_error_trailers(trailers, scratch, err)
                    })) {
                        write_error_trailers(trailers, scratch, &panic_diagnostic(&payload));
                    }
                    stream.finish(&self.trailers)
                }
                Some(err) => {
                    // Nothing went out yet: a plain error report, and the
                    // connection stays as it is.
                    if let Err(e) = self.post_error(err) {
                        return e;
                    }
                    continue;
                }
            };
            if let Err(source) = sent {
                // A write failed, perhaps in the middle of a chunk: the
                // POST is cut and the connection unusable. Report on a
                // fresh one.
                self.conn.close();
                self.log_invocation_failed(STREAM, &source);
                let report = match failure {
                    Some(err) => self.post_error(err),
                    None => self.post_error(&Diagnostic {
                        error_type: STREAM_FAILED_ERROR_TYPE,
                        error_message: StreamFailed(&source),
                    }),
                };
                if let Err(e) = report {
                    return e;
                }
                continue;
            }
            let answered = self
                .conn
                .read_answer(Wait::Bounded)
                .and_then(|()| self.conn.read_body());
            self.conn.close();
            match answered {
                Ok(()) => {
                    if let Err(e) = self.check_post(STREAM, self.conn.status()) {
                        return e;
                    }
                }
                // The whole POST went out; its answer was lost. Whether
                // Lambda took it is unknown: nothing more to report.
                Err(source) => self.log_invocation_failed(STREAM, &source),
            }
        }
    }

    /// Asks for events until one is in the buffer with a usable request id
    /// (an unusable one fails alone and is dealt with). `Err`: the runtime
    /// cannot go on, or [`MAX_SKIPPED_IN_A_ROW`] answers in a row could not
    /// be served at all.
    fn next_event(&mut self) -> Result<(), RuntimeError> {
        loop {
            match self.try_next_event()? {
                Next::Event => {
                    self.skipped_in_a_row = 0;
                    return Ok(());
                }
                Next::Answered => self.skipped_in_a_row = 0,
                Next::Skipped(reason) => {
                    self.skipped_in_a_row += 1;
                    if self.skipped_in_a_row >= MAX_SKIPPED_IN_A_ROW {
                        return Err(RuntimeError::NoUsableEvent {
                            in_a_row: self.skipped_in_a_row,
                            reason,
                        });
                    }
                    if self.skips_logged < MAX_LOGGED {
                        self.skips_logged += 1;
                        let more = if self.skips_logged == MAX_LOGGED {
                            " (further ones are not logged)"
                        } else {
                            ""
                        };
                        log::write(
                            Level::Warn,
                            format_args!("lambda-zero: {NEXT}: {reason}; invocation skipped{more}"),
                        );
                    }
                }
            }
        }
    }

    /// Asks for the next event (or reads the answer to the one pipelined
    /// behind the last POST). `Err`: the runtime cannot go on.
    fn try_next_event(&mut self) -> Result<Next, RuntimeError> {
        let during = NEXT;
        let mut refused = false;
        let answered = self.next_sent
            && match self.conn.read_pipelined(Wait::Forever) {
                Ok(Pipelined::Answered) => true,
                Ok(Pipelined::NotAnswered { kept_alive }) => {
                    refused = kept_alive;
                    false
                }
                Err(source) => return Err(RuntimeError::Http { during, source }),
            };
        self.next_sent = false;
        if !answered {
            self.conn
                .request(&[self.heads.next()], Wait::Forever)
                .map_err(|source| RuntimeError::Http { during, source })?;
            // Only a server that answers the same GET asked alone refused
            // the pipelined one; one that is going away (a closed
            // connection, then nothing) is not a reason to stop, nor to
            // log: the request above has just failed instead.
            if refused && self.pipeline {
                self.pipeline = false;
                log::write(
                    Level::Warn,
                    format_args!(
                        "lambda-zero: the Runtime API closed the connection instead of answering \
                         a pipelined GET /next; asked again, pipelining off"
                    ),
                );
            }
        }
        let status = self.conn.status();
        if !(200..300).contains(&status) {
            self.conn.close();
            return Err(RuntimeError::Status { during, status });
        }
        let ids = self.capture_ids();
        let read = self.conn.read_body();
        self.note_unsolicited(during);
        match (read, ids) {
            (Ok(()), Ok(Ids::Usable)) => Ok(Next::Event),
            (Err(client::Error::BodyTooLarge { limit }), Ok(_)) => {
                self.post_error(&Diagnostic {
                    error_type: EVENT_TOO_LARGE_ERROR_TYPE,
                    error_message: TooLarge(limit),
                })?;
                Ok(Next::Answered)
            }
            (Err(source), _) => Err(RuntimeError::Http { during, source }),
            (Ok(()), Ok(Ids::NotUtf8)) => {
                self.post_error(&INVALID_REQUEST_ID)?;
                Ok(Next::Answered)
            }
            (Ok(()), Ok(Ids::Duplicated(name))) => {
                self.post_error(&Diagnostic {
                    error_type: INVALID_HEADERS_ERROR_TYPE,
                    error_message: Duplicated(name),
                })?;
                Ok(Next::Answered)
            }
            (Ok(()), Err(why)) => Ok(Next::Skipped(why)),
        }
    }

    /// Finds the Lambda headers of the `/next` head (one pass) and copies
    /// the request id (percent-encoded) and the invocation id out of it,
    /// so they outlive the receive buffer's reuse. `Err`: there is no id
    /// to answer to.
    fn capture_ids(&mut self) -> Result<Ids, &'static str> {
        let msg = self.conn.message();
        self.id_path.clear();
        self.invocation_id.clear();
        self.lambda = LambdaHeaders::default();
        let found = LambdaHeaders::scan(&msg);
        // A duplicated request id leaves nobody to answer to; any other
        // duplicated header fails the invocation (reported to `/error`).
        let (found, duplicated) = match found {
            Ok(found) => (found, None),
            Err(header::REQUEST_ID) => return Err("Lambda-Runtime-Aws-Request-Id appears twice"),
            Err(name) => (LambdaHeaders::scan_one(&msg, Lambda::RequestId), Some(name)),
        };
        let id = found
            .get(&msg, Lambda::RequestId)
            .ok_or("answer without Lambda-Runtime-Aws-Request-Id")?;
        if id.is_empty() {
            return Err("empty request id");
        }
        if id.len() > MAX_REQUEST_ID_LEN {
            return Err("request id longer than 256 bytes");
        }
        push_path_segment(&mut self.id_path, id);
        if let Some(name) = duplicated {
            return Ok(Ids::Duplicated(name));
        }
        if let Some(v) = found.get(&msg, Lambda::InvocationId) {
            if v.len() > MAX_REQUEST_ID_LEN {
                return Err("invocation id longer than 256 bytes");
            }
            self.invocation_id.extend_from_slice(v);
        }
        self.lambda = found;
        Ok(if std::str::from_utf8(id).is_ok() {
            Ids::Usable
        } else {
            Ids::NotUtf8
        })
    }

    /// Logs (a few times at most) that an answer was followed by bytes
    /// nobody asked for, which were dropped with the connection.
    fn note_unsolicited(&mut self, during: &'static str) {
        let n = self.conn.unsolicited_bytes();
        if n > 0 && self.unsolicited_logged < MAX_LOGGED {
            self.unsolicited_logged += 1;
            log::write(
                Level::Warn,
                format_args!(
                    "lambda-zero: {during}: {n} bytes followed the complete answer; \
                     dropped with the connection (RFC 9112 §6.3), reconnecting"
                ),
            );
        }
    }

    fn log_invocation_failed(&self, during: &'static str, source: &client::Error) {
        let id = std::str::from_utf8(&self.id_path).unwrap_or("?");
        log::write(
            Level::Warn,
            format_args!(
                "lambda-zero: {during} for request {id}: {source}; invocation failed, going on"
            ),
        );
    }

    /// Starts the head of a POST about the current invocation, up to its
    /// framing: the request line with the encoded id, the fixed headers,
    /// the error type of an `/error`, the invocation id.
    fn invocation_head(&mut self, post: Post<'_>) {
        self.heads
            .invocation_head(&mut self.head, &self.id_path, &self.invocation_id, post);
    }

    fn post_response(&mut self, prebuilt: Option<&[u8]>) -> Result<(), RuntimeError> {
        self.invocation_head(Post::Response);
        let body = prebuilt.unwrap_or(&self.body);
        finish_head(&mut self.head, body.len());
        let next = self.pipeline.then_some(self.heads.next());
        let status = exchange(&mut self.conn, &[&self.head, body], next, RESPONSE)?;
        self.next_sent = next.is_some();
        self.note_unsolicited(RESPONSE);
        self.check_post(RESPONSE, status)
    }

    fn post_error(&mut self, err: &dyn HandlerError) -> Result<(), RuntimeError> {
        // The error's own code (its `Display`, its `error_type`) runs here,
        // after the handler's `catch_unwind`: a panic in it is reported as
        // the panic it is, never let out of the loop.
        if let Err(payload) = catch_unwind(AssertUnwindSafe(|| self.error_report(err))) {
            self.error_report(&panic_diagnostic(&payload));
        }
        finish_head(&mut self.head, self.body.len());
        let next = self.pipeline.then_some(self.heads.next());
        let status = exchange(&mut self.conn, &[&self.head, &self.body], next, ERROR)?;
        self.next_sent = next.is_some();
        self.note_unsolicited(ERROR);
        self.check_post(ERROR, status)
    }

    /// Logs `err` and writes its `/error` body and head (up to the framing).
    fn error_report(&mut self, err: &dyn HandlerError) {
        let error_type = err.error_type();
        // CloudWatch shows it, not only Lambda's record of the /error.
        log::write(
            Level::Error,
            format_args!("lambda-zero: invocation failed: {error_type}: {err}"),
        );
        write_error_body(&mut self.body, error_type, err);
        self.invocation_head(Post::Error(error_type));
    }

    /// 2xx: done. 4xx: this invocation failed (413 too large, 400/403 bad
    /// id or state, 410 timed out): log, go on. Anything else: stop.
    fn check_post(&self, during: &'static str, status: u16) -> Result<(), RuntimeError> {
        match status {
            200..=299 => Ok(()),
            400..=499 => {
                let id = std::str::from_utf8(&self.id_path).unwrap_or("?");
                let body = self.conn.message().body();
                let body = String::from_utf8_lossy(&body[..body.len().min(200)]);
                let verdict = if status == 400 && self.conn.resent() {
                    // The first send had arrived before its connection was
                    // reset: the invocation is answered.
                    "sent twice after a reset, already answered, going on"
                } else {
                    "invocation failed, going on"
                };
                log::write(
                    Level::Warn,
                    format_args!(
                        "lambda-zero: {during} for request {id} answered {status} ({}): {verdict}",
                        body.trim()
                    ),
                );
                Ok(())
            }
            _ => Err(RuntimeError::Status { during, status }),
        }
    }
}

/// What one `GET /next` came to.
enum Next {
    /// An event, in the buffer, with a usable request id.
    Event,
    /// An invocation that failed alone and was answered to `/error`.
    Answered,
    /// An answer with no id to answer to: skipped, for this reason.
    Skipped(&'static str),
}

/// The request id of a `/next` answer.
enum Ids {
    Usable,
    /// Posted to (percent-encoded), but not handed to a handler.
    NotUtf8,
    /// This Lambda header appears twice.
    Duplicated(&'static str),
}

/// An invocation being served, from the handler's start until it is
/// answered: sets the request id the logger prints and, when asked for,
/// `_X_AMZN_TRACE_ID`; marks the invocation in flight for the `SIGTERM`
/// watcher (feature `sigterm`).
struct Serving;

impl Serving {
    fn begin(context: &Context<'_>, id_path: &[u8], invocation_id: &[u8], xray_env: bool) -> Self {
        log::set_request_id(context.request_id);
        crate::runtime::abort::begin(id_path, invocation_id);
        if xray_env {
            match context.xray_trace_id {
                Some(trace) => std::env::set_var(XRAY_ENV_VAR, trace),
                None => std::env::remove_var(XRAY_ENV_VAR),
            }
        }
        #[cfg(feature = "sigterm")]
        crate::runtime::shutdown::begin();
        Serving
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        log::set_request_id("");
        crate::runtime::abort::end();
        #[cfg(feature = "sigterm")]
        crate::runtime::shutdown::end();
    }
}

/// The variable AWS SDKs read the X-Ray trace header from.
pub const XRAY_ENV_VAR: &str = "_X_AMZN_TRACE_ID";

/// Runs `body(i, &mut items[i])` for every item, item 0 on the current
/// thread and each other on a thread of its own; returns the results in
/// order. The items (workers) are built by the caller, on its thread, so
/// a thread starts with its buffers already there.
///
/// A worker that panics (handler panics are caught inside the loop, so
/// this is a runtime bug) ends the process with the one-line diagnostic:
/// losing a worker silently would lose capacity unnoticed.
pub(crate) fn spawn_each<W: Send, T: Send>(
    items: &mut [W],
    body: impl Fn(usize, &mut W) -> T + Sync,
) -> Vec<T> {
    let guarded = |i: usize, item: &mut W| {
        catch_unwind(AssertUnwindSafe(|| body(i, item))).unwrap_or_else(|payload| {
            crate::exit(RuntimeError::WorkerPanicked(
                panic_text(&*payload).to_owned(),
            ))
        })
    };
    let Some((first, rest)) = items.split_first_mut() else {
        return Vec::new();
    };
    if rest.is_empty() {
        // No scope, no thread: a lone worker's start-up costs nothing more
        // (std's scope sets up a thread-local guard: two system calls).
        return vec![guarded(0, first)];
    }
    std::thread::scope(|scope| {
        let guarded = &guarded;
        let others: Vec<_> = rest
            .iter_mut()
            .enumerate()
            .map(|(i, item)| scope.spawn(move || guarded(i + 1, item)))
            .collect();
        let mut results = vec![guarded(0, first)];
        for worker in others {
            results.push(
                worker
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            );
        }
        results
    })
}

/// Picks the pre-built answer to an event (see
/// [`Runtime::run_prebuilt_per_event`]).
type ChooseBody<'b, 'f> = dyn Fn(&[u8]) -> &'b [u8] + 'f;

/// Which POST about an invocation.
pub(crate) enum Post<'a> {
    Response,
    Stream,
    Error(&'a str),
}

/// One request and its whole answer, with `next` pipelined behind it when
/// given (its answer is read later); returns the status.
fn exchange<C: Connect>(
    conn: &mut Connection<C>,
    parts: &[&[u8]],
    next: Option<&[u8]>,
    during: &'static str,
) -> Result<u16, RuntimeError> {
    match next {
        Some(next) => conn.request_pipelined(parts, next),
        None => conn.request(parts, Wait::Bounded),
    }
    .and_then(|()| conn.read_body())
    .map_err(|source| RuntimeError::Http { during, source })?;
    Ok(conn.status())
}

/// `{"errorMessage":"…","errorType":"…","stackTrace":[]}`, the message
/// formatted straight into `body` through the JSON escaper.
pub(crate) fn write_error_body(body: &mut Vec<u8>, error_type: &str, message: &dyn fmt::Display) {
    body.clear();
    body.extend_from_slice(b"{\"errorMessage\":\"");
    // A Display impl that fails leaves a partial message: still valid JSON.
    let _ = write!(JsonEscaper(body), "{message}");
    body.extend_from_slice(b"\",\"errorType\":\"");
    escape_json(body, error_type);
    body.extend_from_slice(b"\",\"stackTrace\":[]}");
}

/// The streaming error trailers for `err`: its type, and its error JSON
/// (written into `scratch`) in base64.
fn write_error_trailers(trailers: &mut Vec<u8>, scratch: &mut Vec<u8>, err: &dyn HandlerError) {
    write_error_body(scratch, err.error_type(), err);
    trailers.clear();
    trailers.extend_from_slice(b"Lambda-Runtime-Function-Error-Type: ");
    push_header_value(trailers, err.error_type());
    trailers.extend_from_slice(b"\r\nLambda-Runtime-Function-Error-Body: ");
    base64::encode(scratch, trailers);
    trailers.extend_from_slice(b"\r\n");
}

/// Appends `value` as a header value: visible ASCII and spaces only (other
/// bytes become `_`, so no CR/LF can split the head), at most
/// [`MAX_ERROR_TYPE_HEADER_LEN`] bytes.
fn push_header_value(head: &mut Vec<u8>, value: &str) {
    let value = value.trim();
    let value = &value.as_bytes()[..value.len().min(MAX_ERROR_TYPE_HEADER_LEN)];
    head.extend(value.iter().map(|&b| {
        if b == b' ' || b.is_ascii_graphic() {
            b
        } else {
            b'_'
        }
    }));
}

fn push_invocation_id(head: &mut Vec<u8>, invocation_id: &[u8]) {
    if !invocation_id.is_empty() {
        head.extend_from_slice(b"Lambda-Runtime-Invocation-Id: ");
        head.extend_from_slice(invocation_id);
        head.extend_from_slice(b"\r\n");
    }
}

pub(crate) fn finish_head(head: &mut Vec<u8>, content_length: usize) {
    head.extend_from_slice(b"Content-Length: ");
    head.extend_from_slice(itoa::Buffer::new().format(content_length).as_bytes());
    head.extend_from_slice(b"\r\n\r\n");
}

/// Appends a request id to `out` as one path segment: percent-encodes
/// every byte outside RFC 3986 `unreserved`
/// (`A-Z a-z 0-9 - . _ ~`), so any id makes one well-formed path segment:
/// `a b` → `a%20b`, `../x` → `..%2Fx`.
pub fn push_path_segment(out: &mut Vec<u8>, id: &[u8]) {
    crate::text::percent_encode(id, |piece| out.extend_from_slice(piece));
}

const INVALID_REQUEST_ID: Diagnostic = Diagnostic {
    error_type: INVALID_REQUEST_ID_ERROR_TYPE,
    error_message: "the request id is not valid UTF-8",
};

/// The report of a handler panic, with its message when it has one.
fn panic_diagnostic(payload: &Box<dyn Any + Send>) -> Diagnostic<PanicMessage<'_>> {
    panic_report("handler", payload)
}

/// The report of a panic in `during` (`handler`, `init`), with its message
/// when it has one.
pub(crate) fn panic_report<'p>(
    during: &'static str,
    payload: &'p Box<dyn Any + Send>,
) -> Diagnostic<PanicMessage<'p>> {
    Diagnostic {
        error_type: PANIC_ERROR_TYPE,
        error_message: PanicMessage(during, panic_text(&**payload)),
    }
}

/// A panic's message, when it has one.
pub(crate) fn panic_text(payload: &(dyn Any + Send)) -> &str {
    payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)")
}

/// `<during> panicked: <message>`.
pub(crate) struct PanicMessage<'a>(&'static str, &'a str);

impl fmt::Display for PanicMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} panicked: {}", self.0, self.1)
    }
}

struct Duplicated(&'static str);

impl fmt::Display for Duplicated {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} header appears twice", self.0)
    }
}

struct StreamFailed<'a>(&'a client::Error);

impl fmt::Display for StreamFailed<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the response stream failed: {}", self.0)
    }
}

struct TooLarge(usize);

impl fmt::Display for TooLarge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "event larger than {} bytes, not handed to the handler",
            self.0
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encoded(id: &[u8]) -> String {
        let mut v = Vec::new();
        push_path_segment(&mut v, id);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn heads_are_the_requests_byte_for_byte() {
        let text = |v: &[u8]| String::from_utf8(v.to_vec()).unwrap();
        let h = Heads::new(&Endpoint::parse("http://[::1]:9001/.rt/").unwrap());
        assert_eq!(h.bytes.len(), h.ends[5], "one buffer, the heads end to end");
        let host = "Host: [::1]:9001\r\n";
        let base = "/.rt/2018-06-01/runtime";
        let json = "Content-Type: application/json\r\n";
        let error_type = "Lambda-Runtime-Function-Error-Type: ";
        let want = [
            (
                Head::Next,
                format!("GET {base}/invocation/next HTTP/1.1\r\n{host}\r\n"),
            ),
            (Head::PostPrefix, format!("POST {base}/invocation/")),
            (
                Head::ResponseSuffix,
                format!("/response HTTP/1.1\r\n{host}{json}"),
            ),
            (
                Head::ErrorSuffix,
                format!("/error HTTP/1.1\r\n{host}{json}{error_type}"),
            ),
            (
                Head::StreamSuffix,
                format!(
                    "/response HTTP/1.1\r\n{host}Lambda-Runtime-Function-Response-Mode: \
                     streaming\r\nTransfer-Encoding: chunked\r\nTrailer: \
                     Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n"
                ),
            ),
            (
                Head::InitError,
                format!("POST {base}/init/error HTTP/1.1\r\n{host}{json}{error_type}"),
            ),
        ];
        for (head, want) in want {
            assert_eq!(text(h.get(head)), want, "head {}", head as usize);
        }
        assert_eq!(
            (h.next(), h.init_error()),
            (h.get(Head::Next), h.get(Head::InitError))
        );
        let plain = Heads::new(&Endpoint::parse("127.0.0.1:65535").unwrap());
        assert_eq!(
            text(plain.next()),
            "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1:65535\r\n\r\n"
        );
    }

    #[test]
    fn percent_encodes_everything_outside_unreserved() {
        assert_eq!(
            encoded(b"8476a536-e9f4-11e8-9739-2dfe598c3fcd"),
            "8476a536-e9f4-11e8-9739-2dfe598c3fcd"
        );
        assert_eq!(encoded(b"a b"), "a%20b");
        assert_eq!(encoded(b"q?x=1#f"), "q%3Fx%3D1%23f");
        assert_eq!(encoded(b"../../x"), "..%2F..%2Fx");
        assert_eq!(encoded(b"~_.-"), "~_.-");
        assert_eq!(encoded(b"\r\n\x00\xff%"), "%0D%0A%00%FF%25");
        assert_eq!(encoded("é".as_bytes()), "%C3%A9");
    }

    #[test]
    fn encoded_ids_are_always_one_clean_segment() {
        for b in 0..=255u8 {
            let e = encoded(&[b, b'/', b]);
            assert!(
                e.bytes()
                    .all(|c| c.is_ascii_alphanumeric() || b"-._~%".contains(&c)),
                "{e}"
            );
        }
    }

    #[test]
    fn error_bodies_are_json_whatever_the_message() {
        let mut body = Vec::new();
        write_error_body(&mut body, "My\"Type", &"line1\nline2 \"quoted\" \\ \u{1}");
        assert_eq!(
            std::str::from_utf8(&body).unwrap(),
            r#"{"errorMessage":"line1\nline2 \"quoted\" \\ \u0001","errorType":"My\"Type","stackTrace":[]}"#
        );
    }

    #[test]
    fn header_values_cannot_split_the_head() {
        let mut head = Vec::new();
        push_header_value(&mut head, "Bad\r\nX-Injected: 1\u{e9}");
        assert_eq!(head, b"Bad__X-Injected: 1__");
        head.clear();
        push_header_value(&mut head, &"T".repeat(1000));
        assert_eq!(head.len(), MAX_ERROR_TYPE_HEADER_LEN);
    }
}
