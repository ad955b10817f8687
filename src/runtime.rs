//! The invocation loop: endpoints, headers, what each status means, panics
//! and errors. Knows Lambda, nothing of sockets (that is [`crate::http`]).
//!
//! Per warm invocation the loop makes four system calls: one `write` of the
//! pre-built `GET /next`, one `read` of the answer (more only if the kernel
//! splits it), one `writev` of the response head and body, one `read` of
//! the `202`. It allocates nothing once the buffers have grown to the
//! largest event and response seen.

use crate::base64;
use crate::config::{self, Config, Endpoint};
use crate::context::{header, Context, Invocation};
use crate::error::{Diagnostic, Error, HandlerError};
use crate::http::{self, Connect, Connection, TcpConnector, Wait};
use crate::log::{self, Level};
use crate::response::{escape_json, JsonEscaper, Response};
use crate::stream::Stream;
use std::any::Any;
use std::fmt::{self, Write as _};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::time::Duration;

/// Largest event accepted: Lambda's 6 MiB synchronous payload limit
/// (6,291,456 bytes). A larger one fails that invocation.
pub const MAX_EVENT_LEN: usize = 6 * 1024 * 1024;
/// Longest request id (or invocation id) accepted, in bytes. Lambda's are
/// 36-byte UUIDs; anything near this bound is hostile.
pub const MAX_REQUEST_ID_LEN: usize = 256;
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
    /// The whole `GET /next` request.
    next: Vec<u8>,
    /// `POST {prefix}/2018-06-01/runtime/invocation/`
    post_prefix: Vec<u8>,
    /// `/response HTTP/1.1\r\nHost: …\r\nContent-Type: application/json\r\n`
    response_suffix: Vec<u8>,
    /// `/error HTTP/1.1\r\nHost: …\r\n…Lambda-Runtime-Function-Error-Type: `
    error_suffix: Vec<u8>,
    /// `/response HTTP/1.1\r\nHost: …\r\n` + the streaming headers.
    stream_suffix: Vec<u8>,
    /// `POST …/init/error HTTP/1.1\r\nHost: …\r\n…Lambda-Runtime-Function-Error-Type: `
    init_error_head: Vec<u8>,
    /// The current POST's head.
    head: Vec<u8>,
    /// The current POST's body (the handler's response or an error report).
    body: Vec<u8>,
    /// The current request id, percent-encoded for the path.
    id_path: Vec<u8>,
    /// The current `Lambda-Runtime-Invocation-Id`, empty when absent.
    invocation_id: Vec<u8>,
    /// Error trailers of a failed stream, and the JSON they encode.
    trailers: Vec<u8>,
    scratch: Vec<u8>,
    /// Set `_X_AMZN_TRACE_ID` in the environment for each invocation.
    xray_env: bool,
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
    /// Reads `AWS_LAMBDA_RUNTIME_API` and the function's configuration from
    /// the environment.
    pub fn from_env() -> Result<Self, Error> {
        let endpoint = config::endpoint_from_env()?;
        Runtime::new(&endpoint, Config::from_env())
    }

    /// A runtime for `endpoint` (resolved now, once) with the default I/O
    /// timeout.
    pub fn new(endpoint: &Endpoint, config: Config) -> Result<Self, Error> {
        let connector = TcpConnector::new(endpoint.resolve()?, DEFAULT_IO_TIMEOUT);
        Ok(Runtime::with_connector(endpoint, config, connector))
    }
}

impl<C: Connect> Runtime<C> {
    /// A runtime that opens its connections with `connector`.
    pub fn with_connector(endpoint: &Endpoint, config: Config, connector: C) -> Self {
        let host = format!("Host: {}:{}\r\n", endpoint.host, endpoint.port);
        let base = format!("{}{API_VERSION}", endpoint.prefix);
        let json = "Content-Type: application/json\r\n";
        let error_type = "Lambda-Runtime-Function-Error-Type: ";
        let post_prefix = format!("POST {base}/invocation/").into_bytes();
        let response_suffix = format!("/response HTTP/1.1\r\n{host}{json}").into_bytes();
        let error_suffix = format!("/error HTTP/1.1\r\n{host}{json}{error_type}").into_bytes();
        let stream_suffix = format!(
            "/response HTTP/1.1\r\n{host}Lambda-Runtime-Function-Response-Mode: streaming\r\n\
             Transfer-Encoding: chunked\r\n\
             Trailer: Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body\r\n"
        )
        .into_bytes();
        // Room for the longest head ever built, so building one never
        // reallocates: prefix, encoded id, suffix, error type, invocation id.
        let head_cap = post_prefix.len()
            + 3 * MAX_REQUEST_ID_LEN
            + error_suffix
                .len()
                .max(response_suffix.len())
                .max(stream_suffix.len())
            + MAX_ERROR_TYPE_HEADER_LEN
            + MAX_REQUEST_ID_LEN
            + 128;
        Runtime {
            conn: Connection::new(connector, MAX_EVENT_LEN),
            config,
            next: format!("GET {base}/invocation/next HTTP/1.1\r\n{host}\r\n").into_bytes(),
            init_error_head: format!("POST {base}/init/error HTTP/1.1\r\n{host}{json}{error_type}")
                .into_bytes(),
            post_prefix,
            response_suffix,
            error_suffix,
            stream_suffix,
            head: Vec::with_capacity(head_cap),
            body: Vec::with_capacity(4096),
            id_path: Vec::with_capacity(3 * MAX_REQUEST_ID_LEN),
            invocation_id: Vec::with_capacity(MAX_REQUEST_ID_LEN),
            trailers: Vec::new(),
            scratch: Vec::new(),
            xray_env: false,
        }
    }

    /// A runtime for the same endpoint and configuration with its own,
    /// not yet opened connection and its own buffers: one per worker.
    pub fn worker(&self) -> Self
    where
        C: Clone,
    {
        Runtime {
            conn: self.conn.sibling(),
            config: self.config.clone(),
            next: self.next.clone(),
            post_prefix: self.post_prefix.clone(),
            response_suffix: self.response_suffix.clone(),
            error_suffix: self.error_suffix.clone(),
            stream_suffix: self.stream_suffix.clone(),
            init_error_head: self.init_error_head.clone(),
            head: Vec::with_capacity(self.head.capacity()),
            body: Vec::with_capacity(4096),
            id_path: Vec::with_capacity(3 * MAX_REQUEST_ID_LEN),
            invocation_id: Vec::with_capacity(MAX_REQUEST_ID_LEN),
            trailers: Vec::new(),
            scratch: Vec::new(),
            xray_env: false,
        }
    }

    /// Serves invocations on `workers` threads at once (Lambda Managed
    /// Instances, `AWS_LAMBDA_MAX_CONCURRENCY`), each a [`worker`](Self::worker)
    /// with its own connection and buffers running [`run`](Self::run), the
    /// current thread being one of them. Returns every worker's reason for
    /// stopping, once all have stopped.
    pub fn run_workers<F, E>(&self, workers: usize, handler: &F) -> Vec<Error>
    where
        C: Clone + Sync,
        C::Stream: Sync,
        F: Fn(&Invocation<'_>, &mut Response<'_>) -> Result<(), E> + Sync,
        E: HandlerError,
    {
        spawn_workers(workers, |_| self.worker().run(handler))
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

    /// Refuses events larger than `len` bytes (default [`MAX_EVENT_LEN`]).
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
    /// Each event is handed to `handler` with a [`Response`] writer into
    /// the reused send buffer. `Ok` posts what was written to `/response`;
    /// `Err` posts the error to `/error`; a panic is caught and posted to
    /// `/error` as [`PANIC_ERROR_TYPE`]. A failed invocation never ends
    /// the loop; only a broken Runtime API does.
    pub fn run<F, E>(&mut self, handler: F) -> Error
    where
        F: FnMut(&Invocation<'_>, &mut Response<'_>) -> Result<(), E>,
        E: HandlerError,
    {
        self.serve(handler, None)
    }

    /// Serves invocations answering every one with `body`, built once
    /// (e.g. by [`crate::response::api_gateway`]); it is sent from where it
    /// is, in the same `writev` as the head, never copied.
    pub fn run_prebuilt(&mut self, body: &[u8]) -> Error {
        self.run_prebuilt_per_event(&|_: &[u8]| body)
    }

    /// Serves invocations answering each with the body `choose` picks for
    /// its event from answers built once (the default `bootstrap` picks
    /// one per event shape: REST API, HTTP API / function URL, ALB). The
    /// chosen body is sent from where it is, never copied.
    pub fn run_prebuilt_per_event<'b>(&mut self, choose: &dyn Fn(&[u8]) -> &'b [u8]) -> Error {
        self.serve(|_, _| Ok::<(), std::convert::Infallible>(()), Some(choose))
    }

    /// Reports an initialisation failure to `/init/error`; returns the
    /// error to exit with ([`Error::Init`] once reported).
    pub fn report_init_error(&mut self, err: &dyn HandlerError) -> Error {
        write_error_body(&mut self.body, err.error_type(), err);
        self.head.clear();
        self.head.extend_from_slice(&self.init_error_head);
        push_header_value(&mut self.head, err.error_type());
        self.head.extend_from_slice(b"\r\n");
        finish_head(&mut self.head, self.body.len());
        match exchange(&mut self.conn, &[&self.head, &self.body], INIT_ERROR) {
            Ok(status) if (200..300).contains(&status) => Error::Init(err.to_string()),
            Ok(status) => Error::Status {
                during: INIT_ERROR,
                status,
            },
            Err(e) => e,
        }
    }

    fn serve<'b, F, E>(
        &mut self,
        mut handler: F,
        prebuilt: Option<&dyn Fn(&[u8]) -> &'b [u8]>,
    ) -> Error
    where
        F: FnMut(&Invocation<'_>, &mut Response<'_>) -> Result<(), E>,
        E: HandlerError,
    {
        loop {
            if let Err(e) = self.next_event() {
                return e;
            }
            let msg = self.conn.message();
            let context = Context::from_message(&msg, &self.config);
            let _serving = Serving::begin(&context, self.xray_env);
            let invocation = Invocation {
                context,
                event: msg.body(),
            };
            let chosen = prebuilt.map(|choose| choose(invocation.event));
            let body = &mut self.body;
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                handler(&invocation, &mut Response::new(body))
            }));
            let posted = match outcome {
                Ok(Ok(())) => self.post_response(chosen),
                Ok(Err(err)) => self.post_error(&err),
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
    pub fn run_streaming<F, E>(&mut self, mut handler: F) -> Error
    where
        F: FnMut(&Invocation<'_>, &mut Stream<'_>) -> Result<(), E>,
        E: HandlerError,
    {
        loop {
            if let Err(e) = self.next_event() {
                return e;
            }
            self.invocation_head(Post::Stream);
            let (msg, socket) = match self.conn.split() {
                Ok(parts) => parts,
                Err(source) => {
                    return Error::Http {
                        during: STREAM,
                        source,
                    }
                }
            };
            let context = Context::from_message(&msg, &self.config);
            let _serving = Serving::begin(&context, self.xray_env);
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
                None => stream.finish(&[]),
                Some(err) if stream.started() => {
                    write_error_trailers(&mut self.trailers, &mut self.scratch, err);
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
            let answered = sent
                .and_then(|()| self.conn.read_answer(Wait::Bounded))
                .and_then(|()| self.conn.read_body());
            if let Err(source) = answered {
                self.conn.close();
                return Error::Http {
                    during: STREAM,
                    source,
                };
            }
            let checked = self.check_post(STREAM, self.conn.status());
            self.conn.close();
            if let Err(e) = checked {
                return e;
            }
        }
    }

    /// Asks for events until one is in the buffer with a usable request id
    /// (an unusable one fails alone and is dealt with). `Err`: the runtime
    /// cannot go on.
    fn next_event(&mut self) -> Result<(), Error> {
        while !self.try_next_event()? {}
        Ok(())
    }

    /// Asks for the next event. `Ok(true)`: it is in the buffer, with a
    /// usable request id. `Ok(false)`: that invocation failed and was dealt
    /// with; ask again. `Err`: the runtime cannot go on.
    fn try_next_event(&mut self) -> Result<bool, Error> {
        let during = NEXT;
        self.conn
            .request(&[&self.next], Wait::Forever)
            .map_err(|source| Error::Http { during, source })?;
        let status = self.conn.status();
        if !(200..300).contains(&status) {
            self.conn.close();
            return Err(Error::Status { during, status });
        }
        let ids = self.capture_ids();
        match (self.conn.read_body(), ids) {
            (Ok(()), Ok(true)) => Ok(true),
            (Ok(()), Ok(false)) => {
                self.post_error(&INVALID_REQUEST_ID)?;
                Ok(false)
            }
            (Err(http::Error::BodyTooLarge { limit }), Ok(_)) => {
                self.post_error(&Diagnostic {
                    error_type: EVENT_TOO_LARGE_ERROR_TYPE,
                    error_message: TooLarge(limit),
                })?;
                Ok(false)
            }
            (Err(source), _) => Err(Error::Http { during, source }),
            (Ok(()), Err(why)) => {
                log::write(
                    Level::Warn,
                    format_args!("lambda-zero: {during}: {why}; invocation skipped"),
                );
                Ok(false)
            }
        }
    }

    /// Copies the request id (percent-encoded) and the invocation id out of
    /// the head, so they outlive the receive buffer's reuse.
    /// `Ok(false)` when the request id is not UTF-8 (it can still be
    /// posted to, percent-encoded, but not handed to a handler).
    fn capture_ids(&mut self) -> Result<bool, &'static str> {
        let msg = self.conn.message();
        self.id_path.clear();
        self.invocation_id.clear();
        let id = msg
            .header(header::REQUEST_ID)
            .ok_or("answer without Lambda-Runtime-Aws-Request-Id")?;
        if id.is_empty() {
            return Err("empty request id");
        }
        if id.len() > MAX_REQUEST_ID_LEN {
            return Err("request id longer than 256 bytes");
        }
        push_path_segment(&mut self.id_path, id);
        if let Some(v) = msg.header(header::INVOCATION_ID) {
            if v.len() > MAX_REQUEST_ID_LEN {
                return Err("invocation id longer than 256 bytes");
            }
            self.invocation_id.extend_from_slice(v);
        }
        Ok(std::str::from_utf8(id).is_ok())
    }

    /// Starts the head of a POST about the current invocation, up to its
    /// framing: the request line with the encoded id, the fixed headers,
    /// the error type of an `/error`, the invocation id.
    fn invocation_head(&mut self, post: Post<'_>) {
        self.head.clear();
        self.head.extend_from_slice(&self.post_prefix);
        self.head.extend_from_slice(&self.id_path);
        match post {
            Post::Response => self.head.extend_from_slice(&self.response_suffix),
            Post::Stream => self.head.extend_from_slice(&self.stream_suffix),
            Post::Error(error_type) => {
                self.head.extend_from_slice(&self.error_suffix);
                push_header_value(&mut self.head, error_type);
                self.head.extend_from_slice(b"\r\n");
            }
        }
        push_invocation_id(&mut self.head, &self.invocation_id);
    }

    fn post_response(&mut self, prebuilt: Option<&[u8]>) -> Result<(), Error> {
        self.invocation_head(Post::Response);
        let body = prebuilt.unwrap_or(&self.body);
        finish_head(&mut self.head, body.len());
        let status = exchange(&mut self.conn, &[&self.head, body], RESPONSE)?;
        self.check_post(RESPONSE, status)
    }

    fn post_error(&mut self, err: &dyn HandlerError) -> Result<(), Error> {
        let error_type = err.error_type();
        write_error_body(&mut self.body, error_type, err);
        self.invocation_head(Post::Error(error_type));
        finish_head(&mut self.head, self.body.len());
        let status = exchange(&mut self.conn, &[&self.head, &self.body], ERROR)?;
        self.check_post(ERROR, status)
    }

    /// 2xx: done. 4xx: this invocation failed (413 too large, 400/403 bad
    /// id or state, 410 timed out): log, go on. Anything else: stop.
    fn check_post(&self, during: &'static str, status: u16) -> Result<(), Error> {
        match status {
            200..=299 => Ok(()),
            400..=499 => {
                let id = std::str::from_utf8(&self.id_path).unwrap_or("?");
                let body = self.conn.message().body();
                let body = String::from_utf8_lossy(&body[..body.len().min(200)]);
                log::write(
                    Level::Warn,
                    format_args!(
                        "lambda-zero: {during} for request {id} answered {status} ({}): invocation failed, going on",
                        body.trim()
                    ),
                );
                Ok(())
            }
            _ => Err(Error::Status { during, status }),
        }
    }
}

/// An invocation being served, from the handler's start until it is
/// answered: sets the request id the logger prints and, when asked for,
/// `_X_AMZN_TRACE_ID`; marks the invocation in flight for the `SIGTERM`
/// watcher (feature `sigterm`).
struct Serving;

impl Serving {
    fn begin(context: &Context<'_>, xray_env: bool) -> Self {
        log::set_request_id(context.request_id);
        if xray_env {
            match context.xray_trace_id {
                Some(trace) => std::env::set_var(XRAY_ENV_VAR, trace),
                None => std::env::remove_var(XRAY_ENV_VAR),
            }
        }
        #[cfg(feature = "sigterm")]
        crate::shutdown::begin();
        Serving
    }
}

impl Drop for Serving {
    fn drop(&mut self) {
        log::set_request_id("");
        #[cfg(feature = "sigterm")]
        crate::shutdown::end();
    }
}

/// The variable AWS SDKs read the X-Ray trace header from.
pub const XRAY_ENV_VAR: &str = "_X_AMZN_TRACE_ID";

/// Runs `body(i)` for i in `0..workers`, worker 0 on the current thread
/// and each other on a thread of its own; returns the results in order.
pub(crate) fn spawn_workers<T: Send>(workers: usize, body: impl Fn(usize) -> T + Sync) -> Vec<T> {
    std::thread::scope(|scope| {
        let body = &body;
        let others: Vec<_> = (1..workers).map(|i| scope.spawn(move || body(i))).collect();
        let mut results = vec![body(0)];
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

/// Which POST about an invocation.
enum Post<'a> {
    Response,
    Stream,
    Error(&'a str),
}

/// One request and its whole answer; returns the status.
fn exchange<C: Connect>(
    conn: &mut Connection<C>,
    parts: &[&[u8]],
    during: &'static str,
) -> Result<u16, Error> {
    conn.request(parts, Wait::Bounded)
        .and_then(|()| conn.read_body())
        .map_err(|source| Error::Http { during, source })?;
    Ok(conn.status())
}

/// `{"errorMessage":"…","errorType":"…","stackTrace":[]}`, the message
/// formatted straight into `body` through the JSON escaper.
fn write_error_body(body: &mut Vec<u8>, error_type: &str, message: &dyn fmt::Display) {
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

fn finish_head(head: &mut Vec<u8>, content_length: usize) {
    head.extend_from_slice(b"Content-Length: ");
    head.extend_from_slice(itoa::Buffer::new().format(content_length).as_bytes());
    head.extend_from_slice(b"\r\n\r\n");
}

/// Appends a request id to `out` as one path segment: percent-encodes
/// every byte outside RFC 3986 `unreserved`
/// (`A-Z a-z 0-9 - . _ ~`), so any id makes one well-formed path segment:
/// `a b` → `a%20b`, `../x` → `..%2Fx`.
pub fn push_path_segment(out: &mut Vec<u8>, id: &[u8]) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in id {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b);
        } else {
            out.extend_from_slice(&[b'%', HEX[(b >> 4) as usize], HEX[(b & 15) as usize]]);
        }
    }
}

const INVALID_REQUEST_ID: Diagnostic = Diagnostic {
    error_type: INVALID_REQUEST_ID_ERROR_TYPE,
    error_message: "the request id is not valid UTF-8",
};

/// The report of a handler panic, with its message when it has one.
fn panic_diagnostic(payload: &Box<dyn Any + Send>) -> Diagnostic<PanicMessage<'_>> {
    let message = payload
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("(no message)");
    Diagnostic {
        error_type: PANIC_ERROR_TYPE,
        error_message: PanicMessage(message),
    }
}

struct PanicMessage<'a>(&'a str);

impl fmt::Display for PanicMessage<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "handler panicked: {}", self.0)
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
