//! Fault injection: a hostile or broken Runtime API, one test per class of
//! fault, each with the outcome the runtime promises (docs/testing.md has
//! the whole matrix):
//!
//! - that invocation fails cleanly (reported to `/error` where the protocol
//!   allows) and the loop goes on; or
//! - the runtime stops with one `Error` (the process: exit 1, one line).
//!
//! Never a panic, a hang past the documented bound, a busy loop, or an
//! event handed to the handler truncated or altered.
//!
//! Head and body garbage goes through the emulator's `Reply::Raw`; resets at
//! an exact phase, silence and slowness through `support/fault_server.rs`.
//! In-process runtimes use a generous I/O timeout, so a server thread
//! descheduled on a loaded machine never turns a healthy exchange into
//! `TimedOut`; only the tests whose outcome is the timeout use a 200 ms one,
//! so their bounded waits end fast. The process tests run the real
//! `bootstrap` (2 s) and print how long it took to exit. No assertion
//! depends on timing.

#[path = "support/fault_server.rs"]
mod fault_server;

use fault_server::{accepted, bootstrap_fails, drained, event, FaultServer, Step};
use lambda_zero::internals::Endpoint;
use lambda_zero::internals::{Connect, HttpError, TcpConnector, MAX_HEAD_LEN};
use lambda_zero::internals::{EVENT_TOO_LARGE_ERROR_TYPE, MAX_EVENT_LEN};
use lambda_zero::{Config, Invocation, Output, Runtime, RuntimeError};
use lambda_zero_emulator::{Emulator, Event, Kind, Record, Reply, Script};
use std::collections::HashSet;
use std::convert::Infallible;
use std::io;
use std::net::{SocketAddr, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The I/O timeout of the in-process runtimes here: long enough that no
/// healthy exchange ever meets it.
const LONG: Duration = Duration::from_secs(60);

/// The I/O timeout of the tests whose outcome is that timeout.
const SHORT: Duration = Duration::from_millis(200);

fn runtime(api: &str) -> Runtime {
    runtime_timing_out(api, LONG)
}

fn runtime_timing_out(api: &str, io_timeout: Duration) -> Runtime {
    let endpoint = Endpoint::parse(api).unwrap();
    let connector = TcpConnector::new(endpoint.resolve().unwrap(), io_timeout);
    Runtime::with_connector(&endpoint, Config::default(), connector)
}

/// Runs a runtime that echoes the event until the API fails; returns why
/// and the request ids the handler saw.
fn serve_echo(api: &str) -> (RuntimeError, Vec<String>) {
    serve_echo_timing_out(api, LONG)
}

/// `serve_echo` with the I/O timeout under test.
fn serve_echo_timing_out(api: &str, io_timeout: Duration) -> (RuntimeError, Vec<String>) {
    let mut seen = Vec::new();
    let err =
        runtime_timing_out(api, io_timeout).run(|inv: &Invocation<'_>, out: &mut Output<'_>| {
            seen.push(inv.context.request_id.to_string());
            out.write_bytes(inv.event);
            Ok::<(), Infallible>(())
        });
    (err, seen)
}

fn is_drained(err: &RuntimeError) -> bool {
    matches!(
        err,
        RuntimeError::Status {
            during: "GET /next",
            status: 500
        }
    )
}

fn one_line(err: &RuntimeError) -> String {
    let line = err.to_string();
    assert!(!line.contains('\n') && !line.is_empty(), "{line:?}");
    line
}

// ---------------------------------------------------------------------------
// Head and framing garbage: the runtime stops with an HTTP error, nothing
// reaches the handler, nothing is posted.

fn head_too_large() -> Vec<u8> {
    let mut v = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: big\r\nX-Big: ".to_vec();
    v.resize(MAX_HEAD_LEN + 1, b'a');
    v.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n{}");
    v
}

/// A head with more fields than any real one (200, about 2 KB): only the
/// head cap bounds the count.
fn many_headers() -> Vec<u8> {
    let mut v = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: many\r\n".to_vec();
    for i in 0..200 {
        v.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    v.extend_from_slice(b"Content-Length: 2\r\n\r\n{}");
    v
}

fn with_id(rest: &str) -> Vec<u8> {
    format!("HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: g1\r\n{rest}").into_bytes()
}

#[test]
fn garbage_heads_and_framing_stop_the_runtime_and_never_reach_the_handler() {
    type Check = fn(&HttpError) -> bool;
    let cases: Vec<(&str, Vec<u8>, Check)> = vec![
        (
            "status line not HTTP",
            b"SMTP ready\r\n\r\n".to_vec(),
            |e| matches!(e, HttpError::Malformed(_)),
        ),
        (
            "status code not 3 digits",
            b"HTTP/1.1 2x0 OK\r\n\r\n".to_vec(),
            |e| matches!(e, HttpError::Malformed(_)),
        ),
        ("HTTP/2 status line", b"HTTP/2 200\r\n\r\n".to_vec(), |e| {
            matches!(e, HttpError::Malformed(_))
        }),
        ("header without colon", with_id("Bad Header\r\n\r\n"), |e| {
            matches!(e, HttpError::Malformed(_))
        }),
        ("space before colon", with_id("X-A : b\r\n\r\n"), |e| {
            matches!(e, HttpError::Malformed(_))
        }),
        (
            "NUL in a header value",
            with_id("X-A: a\0b\r\nContent-Length: 0\r\n\r\n"),
            |e| matches!(e, HttpError::Malformed(_)),
        ),
        (
            "obsolete line folding",
            with_id("X-A: a\r\n b\r\nContent-Length: 0\r\n\r\n"),
            |e| matches!(e, HttpError::Malformed(_)),
        ),
        ("CR without LF", with_id("X-A: a\rb\r\n\r\n"), |e| {
            matches!(e, HttpError::Malformed(_))
        }),
        ("head one byte over the cap", head_too_large(), |e| {
            matches!(e, HttpError::HeadTooLarge)
        }),
        (
            "conflicting Content-Length",
            with_id("Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}x"),
            |e| matches!(e, HttpError::ConflictingFraming),
        ),
        (
            "Content-Length list",
            with_id("Content-Length: 2, 2\r\n\r\n{}"),
            |e| matches!(e, HttpError::InvalidContentLength),
        ),
        (
            "Content-Length and chunked",
            with_id("Content-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n"),
            |e| matches!(e, HttpError::ConflictingFraming),
        ),
        (
            "negative Content-Length",
            with_id("Content-Length: -1\r\n\r\n"),
            |e| matches!(e, HttpError::InvalidContentLength),
        ),
        (
            "signed Content-Length",
            with_id("Content-Length: +2\r\n\r\n{}"),
            |e| matches!(e, HttpError::InvalidContentLength),
        ),
        (
            "Content-Length past u64",
            with_id("Content-Length: 18446744073709551616\r\n\r\n"),
            |e| matches!(e, HttpError::InvalidContentLength),
        ),
        (
            "hex Content-Length",
            with_id("Content-Length: 0x10\r\n\r\n"),
            |e| matches!(e, HttpError::InvalidContentLength),
        ),
        (
            "gzip transfer coding",
            with_id("Transfer-Encoding: gzip, chunked\r\n\r\n"),
            |e| matches!(e, HttpError::UnsupportedTransferEncoding),
        ),
        (
            "chunked twice",
            with_id("Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            |e| matches!(e, HttpError::UnsupportedTransferEncoding),
        ),
        (
            "chunk size past u64",
            with_id("Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n"),
            |e| matches!(e, HttpError::InvalidChunk),
        ),
        (
            "negative chunk size",
            with_id("Transfer-Encoding: chunked\r\n\r\n-1\r\n"),
            |e| matches!(e, HttpError::InvalidChunk),
        ),
        (
            "chunk data without CRLF",
            with_id("Transfer-Encoding: chunked\r\n\r\n2\r\n{}XY0\r\n\r\n"),
            |e| matches!(e, HttpError::InvalidChunk),
        ),
        (
            "chunk-size line past the cap",
            {
                let mut v = with_id("Transfer-Encoding: chunked\r\n\r\n2;");
                v.resize(v.len() + 5000, b'e');
                v.extend_from_slice(b"\r\n{}\r\n0\r\n\r\n");
                v
            },
            |e| matches!(e, HttpError::InvalidChunk),
        ),
        (
            "malformed trailer",
            with_id("Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\nbad trailer\r\n\r\n"),
            |e| matches!(e, HttpError::Malformed(_)),
        ),
    ];
    for (what, raw, expected) in cases {
        let emu = Emulator::start(
            Script::new()
                .reply(Reply::Raw(raw))
                .event(Event::new("never", "{}")),
        )
        .unwrap();
        let (err, seen) = serve_echo(&emu.runtime_api());
        let line = one_line(&err);
        match &err {
            RuntimeError::Http {
                during: "GET /next",
                source,
            } if expected(source) => {}
            other => panic!("{what}: stopped with {other:?}"),
        }
        assert!(seen.is_empty(), "{what}: the handler ran for {seen:?}");
        assert!(emu.records().is_empty(), "{what}: something was posted");
        println!("{what}: {line}");
    }
}

#[test]
fn identical_duplicate_content_lengths_and_two_hundred_headers_are_accepted() {
    let many = many_headers();
    let emu = Emulator::start(
        Script::new()
            .reply(Reply::Raw(with_id(
                "Content-Length: 2\r\ncontent-length: 2\r\n\r\n{}",
            )))
            .reply(Reply::Raw(many))
            .event(Event::new("last", "{}")),
    )
    .unwrap();
    let (err, seen) = serve_echo(&emu.runtime_api());
    assert!(is_drained(&err), "{err}");
    assert_eq!(seen, ["g1", "many", "last"]);
}

// ---------------------------------------------------------------------------
// Limits that fail one invocation: reported to /error, the loop goes on.

#[test]
fn absurd_lengths_fail_that_invocation_only_and_are_reported() {
    let emu = Emulator::start(
        Script::new()
            .reply(Reply::Raw(
                b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: huge-length\r\nContent-Length: 9999999999999999999\r\n\r\n{}".to_vec(),
            ))
            .reply(Reply::Raw(
                b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: huge-chunk\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n{}".to_vec(),
            ))
            .event(Event::new("fine", "{}")),
    )
    .unwrap();
    let (err, seen) = serve_echo(&emu.runtime_api());
    assert!(is_drained(&err), "{err}");
    assert_eq!(seen, ["fine"]);
    let posted: Vec<_> = emu
        .records()
        .iter()
        .map(|r| {
            (
                r.request_id.clone(),
                r.kind,
                r.header("lambda-runtime-function-error-type")
                    .map(String::from),
            )
        })
        .collect();
    let too_large = Some(EVENT_TOO_LARGE_ERROR_TYPE.to_string());
    assert_eq!(
        posted,
        [
            ("huge-length".to_string(), Kind::Error, too_large.clone()),
            ("huge-chunk".to_string(), Kind::Error, too_large),
            ("fine".to_string(), Kind::Response, None),
        ]
    );
}

#[test]
fn an_event_of_six_mib_and_one_byte_fails_alone_and_the_next_is_served() {
    let script = Script::new()
        .event(Event::new("over", vec![b'o'; MAX_EVENT_LEN + 1]))
        .event(Event::new("over-chunked", vec![b'c'; MAX_EVENT_LEN + 1]).chunked(1 << 20))
        .event(Event::new("after", "{}"));
    let emu = Emulator::start(script).unwrap();
    let (err, seen) = serve_echo(&emu.runtime_api());
    assert!(is_drained(&err), "{err}");
    assert_eq!(seen, ["after"]);
    let kinds: Vec<_> = emu.records().iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [Kind::Error, Kind::Error, Kind::Response]);
}

#[test]
fn invalid_utf8_in_header_values_is_dropped_not_fatal() {
    let raw = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: utf8\r\n\
        Lambda-Runtime-Trace-Id: Root=\xff\xfe\r\n\
        Lambda-Runtime-Invoked-Function-Arn: arn:\xc3\x28\r\n\
        Lambda-Runtime-Client-Context: {\"a\":\"\xed\xa0\x80\"}\r\n\
        Lambda-Runtime-Deadline-Ms: 12\xff\r\n\
        Content-Length: 2\r\n\r\n{}"
        .to_vec();
    let emu = Emulator::start(
        Script::new()
            .reply(Reply::Raw(raw))
            .event(Event::new("next", "{}")),
    )
    .unwrap();
    let mut fields = Vec::new();
    let err = runtime(&emu.runtime_api()).run(|inv, out| {
        let c = &inv.context;
        fields.push(format!(
            "{}|{:?}|{:?}|{:?}|{}",
            c.request_id, c.xray_trace_id, c.invoked_function_arn, c.client_context, c.deadline
        ));
        out.write_bytes(inv.event);
        Ok::<(), Infallible>(())
    });
    assert!(is_drained(&err), "{err}");
    assert_eq!(fields[0], "utf8|None|\"\"|None|0");
    let kinds: Vec<_> = emu.records().iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [Kind::Response, Kind::Response]);
}

// ---------------------------------------------------------------------------
// Resets and closes at every phase.

fn next_then(steps: Vec<Step>) -> Vec<Step> {
    let mut v = vec![Step::Request, Step::Send(event("a", b"{\"a\":1}"))];
    v.extend(steps);
    v
}

/// The rest of a healthy connection: one more event answered, then 500.
fn healthy(id: &str) -> Vec<Step> {
    vec![
        Step::Request,
        Step::Send(event(id, b"{}")),
        Step::Request,
        Step::Send(accepted()),
        Step::Request,
        Step::Send(drained()),
    ]
}

fn is_disconnect(e: &HttpError) -> bool {
    match e {
        HttpError::Closed => true,
        HttpError::Io(e) => matches!(
            e.kind(),
            io::ErrorKind::ConnectionReset | io::ErrorKind::BrokenPipe
        ),
        _ => false,
    }
}

#[test]
fn a_reset_before_the_first_answer_stops_the_runtime_without_retrying() {
    let server = FaultServer::start(vec![vec![Step::AwaitRequest, Step::Reset]]);
    let (err, seen) = serve_echo(&server.runtime_api());
    assert!(
        matches!(&err, RuntimeError::Http { during: "GET /next", source } if is_disconnect(source)),
        "{err:?}"
    );
    assert!(seen.is_empty());
    assert_eq!(server.connections(), 1, "a fresh connection is not retried");
}

#[test]
fn a_reset_or_close_between_requests_is_retried_on_a_new_connection() {
    for between in [Step::Reset, Step::Close] {
        let server = FaultServer::start(vec![
            next_then(vec![Step::Request, Step::Send(accepted()), between.clone()]),
            healthy("b"),
        ]);
        let (err, seen) = serve_echo(&server.runtime_api());
        assert!(is_drained(&err), "{between:?}: {err:?}");
        assert_eq!(seen, ["a", "b"], "{between:?}");
        let posts: Vec<_> = server
            .records()
            .into_iter()
            .filter(|r| r.line.starts_with("POST"))
            .map(|r| (r.connection, r.target().to_string()))
            .collect();
        assert_eq!(
            posts,
            [
                (0, "/2018-06-01/runtime/invocation/a/response".to_string()),
                (1, "/2018-06-01/runtime/invocation/b/response".to_string())
            ],
            "{between:?}"
        );
    }
}

#[test]
fn a_reset_on_the_retry_too_stops_the_runtime() {
    let server = FaultServer::start(vec![
        next_then(vec![
            Step::Request,
            Step::Send(accepted()),
            Step::AwaitRequest,
            Step::Reset,
        ]),
        vec![Step::AwaitRequest, Step::Reset],
        healthy("never"),
    ]);
    let (err, seen) = serve_echo(&server.runtime_api());
    assert!(
        matches!(&err, RuntimeError::Http { during: "GET /next", source } if is_disconnect(source)),
        "{err:?}"
    );
    assert_eq!(seen, ["a"]);
    assert_eq!(server.connections(), 2, "retried once, not twice");
}

#[test]
fn a_reset_mid_head_or_mid_body_never_reaches_the_handler() {
    let whole = event("cut", &[b'x'; 5000]);
    for cut in [20, 90, whole.len() - 2500, whole.len() - 1] {
        for end in [Step::Reset, Step::Close] {
            let server = FaultServer::start(vec![vec![
                Step::AwaitRequest,
                Step::Send(whole[..cut].to_vec()),
                end.clone(),
            ]]);
            let (err, seen) = serve_echo(&server.runtime_api());
            assert!(
                matches!(&err, RuntimeError::Http { during: "GET /next", source } if is_disconnect(source)),
                "cut at {cut}, {end:?}: {err:?}"
            );
            assert!(seen.is_empty(), "cut at {cut}: the handler ran");
            assert_eq!(server.connections(), 1);
        }
    }
}

#[test]
fn a_reset_during_the_response_post_resends_it_once_on_a_new_connection() {
    let server = FaultServer::start(vec![
        next_then(vec![Step::AwaitRequest, Step::Reset]),
        vec![
            Step::Request,
            Step::Send(accepted()),
            Step::Request,
            Step::Send(drained()),
        ],
    ]);
    let (err, seen) = serve_echo(&server.runtime_api());
    assert!(is_drained(&err), "{err:?}");
    assert_eq!(seen, ["a"], "the handler ran once");
    let records = server.records();
    assert_eq!(records[1].connection, 1);
    assert_eq!(
        records[1].target(),
        "/2018-06-01/runtime/invocation/a/response"
    );
    assert_eq!(records[1].body, b"{\"a\":1}");
}

#[test]
fn a_reset_during_the_response_post_and_its_retry_stops_the_runtime() {
    let server = FaultServer::start(vec![
        next_then(vec![Step::AwaitRequest, Step::Reset]),
        vec![Step::AwaitRequest, Step::Reset],
    ]);
    let (err, seen) = serve_echo(&server.runtime_api());
    assert!(
        matches!(&err, RuntimeError::Http { during: "POST /response", source } if is_disconnect(source)),
        "{err:?}"
    );
    assert_eq!(seen, ["a"]);
    one_line(&err);
}

#[test]
fn a_post_never_answered_times_out_and_stops_the_runtime() {
    let server = FaultServer::start(vec![next_then(vec![Step::Request, Step::Stall])]);
    let started = Instant::now();
    let (err, seen) = serve_echo_timing_out(&server.runtime_api(), SHORT);
    assert!(
        matches!(
            err,
            RuntimeError::Http {
                during: "POST /response",
                source: HttpError::TimedOut
            }
        ),
        "{err:?}"
    );
    assert_eq!(seen, ["a"]);
    println!(
        "stalled POST: `{}` after {:?} (I/O timeout {SHORT:?})",
        one_line(&err),
        started.elapsed()
    );
}

#[test]
fn an_answer_stalled_mid_head_or_mid_body_times_out() {
    let whole = event("slow", &[b'x'; 100]);
    for cut in [10, whole.len() - 50] {
        let server = FaultServer::start(vec![vec![
            Step::Request,
            Step::Send(whole[..cut].to_vec()),
            Step::Stall,
        ]]);
        let (err, seen) = serve_echo_timing_out(&server.runtime_api(), SHORT);
        assert!(
            matches!(
                err,
                RuntimeError::Http {
                    during: "GET /next",
                    source: HttpError::TimedOut
                }
            ),
            "cut at {cut}: {err:?}"
        );
        assert!(seen.is_empty());
    }
}

#[test]
fn a_next_answer_may_come_long_after_the_io_timeout() {
    let server = FaultServer::start(vec![vec![
        Step::Request,
        Step::Sleep(SHORT * 3),
        Step::Send(event("late", b"{}")),
        Step::Request,
        Step::Send(accepted()),
        Step::Request,
        Step::Send(drained()),
    ]]);
    let (err, seen) = serve_echo_timing_out(&server.runtime_api(), SHORT);
    assert!(is_drained(&err), "{err:?}");
    assert_eq!(seen, ["late"]);
}

#[test]
fn a_slow_server_sending_a_byte_per_millisecond_still_works() {
    let body: Vec<u8> = (0..200u8).map(|i| b'a' + i % 26).collect();
    let ms = Duration::from_millis(1);
    let server = FaultServer::start(vec![vec![
        Step::Request,
        Step::SendSlowly(event("slow", &body), ms),
        Step::Request,
        Step::SendSlowly(accepted(), ms),
        Step::Request,
        Step::Send(drained()),
    ]]);
    let (err, seen) = serve_echo(&server.runtime_api());
    assert!(is_drained(&err), "{err:?}");
    assert_eq!(seen, ["slow"]);
    assert_eq!(server.records()[1].body, body, "the whole event, unaltered");
}

#[test]
fn a_server_that_closes_every_connection_at_once_stops_the_runtime() {
    let server = FaultServer::start(vec![]);
    let (err, seen) = serve_echo(&server.runtime_api());
    assert!(
        matches!(&err, RuntimeError::Http { during: "GET /next", source } if is_disconnect(source)),
        "{err:?}"
    );
    assert!(seen.is_empty());
    assert_eq!(server.connections(), 1, "no reconnect loop");
}

// ---------------------------------------------------------------------------
// Request ids

#[test]
fn ten_thousand_events_with_random_ids_each_answer_their_own_id() {
    // xorshift64*: deterministic, no dependency.
    let mut state = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        state.wrapping_mul(0x2545_F491_4F6C_DD1D)
    };
    let mut ids = Vec::new();
    let mut unique = HashSet::new();
    while ids.len() < 10_000 {
        let len = 1 + (next() % 64) as usize;
        // Visible ASCII: any of it may come, none of it is trimmed away.
        let id: String = (0..len)
            .map(|_| char::from(0x21 + (next() % 94) as u8))
            .collect();
        if unique.insert(id.clone()) {
            ids.push(id);
        }
    }
    let script = Script::new().events(ids.iter().map(|id| Event::new(id.as_str(), id.as_str())));
    let emu = Emulator::start(script).unwrap();
    let (err, seen) = serve_echo(&emu.runtime_api());
    assert!(is_drained(&err), "{err}");
    assert_eq!(seen, ids, "the handler saw every id, in order");
    let records: Vec<Record> = emu.records();
    assert_eq!(records.len(), ids.len());
    for (r, id) in records.iter().zip(&ids) {
        assert_eq!(r.kind, Kind::Response, "{id:?}: {:?}", r.problem);
        assert_eq!(&r.request_id, id, "posted to its own id");
        assert_eq!(r.body, id.as_bytes(), "with its own event");
    }
}

#[test]
fn an_id_answered_twice_is_answered_again_and_the_loop_goes_on() {
    // Real Lambda never repeats an id; if it did, the second answer is its
    // to refuse (400): the runtime logs that and goes on.
    let script = Script::new()
        .event(Event::new("dup", "1"))
        .event(Event::new("dup", "2").with_post_status(400))
        .event(Event::new("dup", "3"))
        .event(Event::new("other", "4"));
    let emu = Emulator::start(script).unwrap();
    let (err, seen) = serve_echo(&emu.runtime_api());
    assert!(is_drained(&err), "{err}");
    assert_eq!(seen, ["dup", "dup", "dup", "other"]);
    let posted: Vec<_> = emu
        .records()
        .iter()
        .map(|r| (r.request_id.clone(), r.body.clone(), r.status_sent))
        .collect();
    assert_eq!(
        posted,
        [
            ("dup".to_string(), b"1".to_vec(), 202),
            ("dup".to_string(), b"2".to_vec(), 400),
            ("dup".to_string(), b"3".to_vec(), 202),
            ("other".to_string(), b"4".to_vec(), 202),
        ]
    );
}

// ---------------------------------------------------------------------------
// Memory: the receive buffer follows the largest event, never more.

/// Connects wherever `addr` points now, so one runtime can be handed from
/// one emulator to the next.
#[derive(Clone)]
struct Switch(Arc<Mutex<SocketAddr>>);

impl Connect for Switch {
    type Stream = TcpStream;
    fn connect(&mut self) -> io::Result<TcpStream> {
        let addr = *self.0.lock().unwrap();
        let s = TcpStream::connect_timeout(&addr, LONG)?;
        s.set_nodelay(true)?;
        s.set_read_timeout(Some(LONG))?;
        s.set_write_timeout(Some(LONG))?;
        Ok(s)
    }
}

fn patterned(i: usize, len: usize) -> Vec<u8> {
    (0..len).map(|k| b'a' + ((k + i) % 26) as u8).collect()
}

#[test]
fn events_growing_to_six_mib_then_shrinking_never_grow_the_buffer_past_the_largest() {
    // 50 sizes from 1 B to 6 MiB, geometrically, then back down: 100
    // events, every third one chunked.
    let steps = 50;
    let ratio = (MAX_EVENT_LEN as f64).powf(1.0 / (steps - 1) as f64);
    let up: Vec<usize> = (0..steps)
        .map(|k| (ratio.powi(k as i32).round() as usize).clamp(1, MAX_EVENT_LEN))
        .collect();
    let down: Vec<usize> = up.iter().rev().copied().collect();
    let script = |sizes: &[usize], base: usize| {
        Script::new().events(sizes.iter().enumerate().map(|(k, &n)| {
            let i = base + k;
            let e = Event::new(format!("e{i}"), patterned(i, n));
            if i % 3 == 0 {
                e.chunked(64 * 1024 + i)
            } else {
                e
            }
        }))
    };
    let grow = Emulator::start(script(&up, 0)).unwrap();
    let shrink = Emulator::start(script(&down, steps)).unwrap();
    let target = Arc::new(Mutex::new(grow.addr()));
    let endpoint = Endpoint::parse(&grow.runtime_api()).unwrap();
    let mut rt = Runtime::with_connector(&endpoint, Config::default(), Switch(target.clone()));
    let mut seen = Vec::new();
    let mut handler = |inv: &Invocation<'_>, out: &mut Output<'_>| {
        let i: usize = inv.context.request_id[1..].parse().unwrap();
        assert!(
            inv.event == patterned(i, inv.event.len()),
            "event {i} altered"
        );
        seen.push(inv.event.len());
        out.write_bytes(b"ok");
        Ok::<(), Infallible>(())
    };
    assert!(is_drained(&rt.run(&mut handler)));
    let after_growth = rt.receive_buffer_len();
    *target.lock().unwrap() = shrink.addr();
    assert!(is_drained(&rt.run(&mut handler)));
    let after_shrink = rt.receive_buffer_len();
    let expected: Vec<usize> = up.iter().chain(&down).copied().collect();
    assert_eq!(seen, expected, "every event whole, in order");
    // Slack: the head cap plus two growth steps (64 KiB each).
    let bound = MAX_EVENT_LEN + MAX_HEAD_LEN + 2 * 64 * 1024;
    assert!(
        after_growth <= bound,
        "{after_growth} bytes after the growth, bound {bound}"
    );
    assert_eq!(after_shrink, after_growth, "shrinking events grew nothing");
    println!("receive buffer: {after_growth} bytes for a largest event of {MAX_EVENT_LEN}");
}

#[test]
fn a_large_trailer_section_after_a_full_size_chunked_event_grows_nothing_more() {
    // A chunked event exactly at the (lowered) limit in one chunk, then
    // trailers close to their cap: they must not double the buffer.
    let limit = 1 << 20;
    // A 30 KB header leaves less than the trailers' size between the body's
    // end and the buffer's (which is grown in 64 KiB steps).
    let mut raw = format!(
        "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: t\r\nX-Pad: {}\r\nTransfer-Encoding: chunked\r\n\r\n",
        "p".repeat(30_000)
    )
    .into_bytes();
    for piece in patterned(0, limit).chunks(limit) {
        raw.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        raw.extend_from_slice(piece);
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n");
    for i in 0..63 {
        raw.extend_from_slice(format!("X-Trailer-{i}: ").as_bytes());
        raw.resize(raw.len() + 1000, b't');
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"\r\n");
    let emu = Emulator::start(
        Script::new()
            .reply(Reply::Raw(raw))
            .event(Event::new("after", "{}")),
    )
    .unwrap();
    let mut rt = runtime(&emu.runtime_api());
    rt.set_max_event_len(limit);
    let mut seen = Vec::new();
    let err = rt.run(|inv, _out| {
        seen.push(inv.event.len());
        Ok::<(), Infallible>(())
    });
    assert!(is_drained(&err), "{err}");
    assert_eq!(seen, [limit, 2]);
    let len = rt.receive_buffer_len();
    let bound = limit + 2 * MAX_HEAD_LEN + 2 * 64 * 1024;
    println!(
        "receive buffer: {len} bytes after a {limit}-byte chunked event with 64 KiB of trailers"
    );
    assert!(len <= bound, "buffer {len} bytes, bound {bound}");
}

// ---------------------------------------------------------------------------
// The process: exit 1 with one line, promptly (time printed, not asserted).

#[test]
fn the_bootstrap_exits_with_one_line_on_every_fatal_fault() {
    let raw = |bytes: Vec<u8>| Emulator::start(Script::new().reply(Reply::Raw(bytes))).unwrap();
    let emu = raw(b"HTTP/1.1 2x0 OK\r\n\r\n".to_vec());
    assert!(bootstrap_fails(&[], "garbage status line", &emu.runtime_api()).contains("malformed"));
    let emu = raw(head_too_large());
    assert!(bootstrap_fails(&[], "head over the cap", &emu.runtime_api()).contains("larger than"));
    let emu = raw(with_id("Content-Length: 1\r\nContent-Length: 2\r\n\r\n{}"));
    assert!(
        bootstrap_fails(&[], "conflicting lengths", &emu.runtime_api()).contains("conflicting")
    );

    let server = FaultServer::start(vec![vec![
        Step::AwaitRequest,
        Step::Send(event("cut", &[b'x'; 100])[..150].to_vec()),
        Step::Reset,
    ]]);
    bootstrap_fails(&[], "reset mid body", &server.runtime_api());

    let server = FaultServer::start(vec![
        next_then(vec![Step::AwaitRequest, Step::Reset]),
        vec![Step::AwaitRequest, Step::Reset],
    ]);
    assert!(bootstrap_fails(
        &[],
        "reset during the POST and its retry",
        &server.runtime_api()
    )
    .contains("POST /response"));

    let server = FaultServer::start(vec![next_then(vec![Step::Request, Step::Stall])]);
    assert!(bootstrap_fails(
        &[],
        "POST never answered (2 s bound)",
        &server.runtime_api()
    )
    .contains("timed out"));

    let server = FaultServer::start(vec![vec![
        Step::Request,
        Step::Send(event("stall", b"{}")[..40].to_vec()),
        Step::Stall,
    ]]);
    assert!(bootstrap_fails(
        &[],
        "/next answer stalled mid head (2 s bound)",
        &server.runtime_api()
    )
    .contains("timed out"));
}
