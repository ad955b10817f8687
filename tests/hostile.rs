//! Hostile and broken servers at the level of the invocation loop: what the
//! runtime does with answers no real Runtime API sends, and with a
//! connection that fails in the middle of a streamed response.
//!
//! The exchanges that depend on how bytes arrive run over an in-memory
//! transport that answers each request only once it is written (as a strict
//! server does) and fails writes on cue, so nothing depends on timing. The
//! rest runs the emulator, the scripted fault server, or the real
//! `bootstrap` in a process.

#[path = "support/fault_server.rs"]
mod fault_server;

use lambda_zero::internals::Connect;
use lambda_zero::internals::Endpoint;
use lambda_zero::internals::{
    INVALID_HEADERS_ERROR_TYPE, MAX_EVENT_LEN, MAX_SKIPPED_IN_A_ROW, STREAM_FAILED_ERROR_TYPE,
};
use lambda_zero::{Config, Diagnostic, Invocation, Output, Runtime, RuntimeError};
use lambda_zero_emulator::{Emulator, Event, Kind, Reply, Script};
use std::cell::RefCell;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::io::{self, Read, Write};
use std::process::{Command, Output as ProcessOutput};
use std::rc::Rc;
use std::time::Duration;

// ---------------------------------------------------------------------------
// An in-memory Runtime API, one script per connection

/// One connection's script: the answers it gives, in order, each released
/// once a request has been written for it, and how many bytes it accepts
/// before every write fails (`None`: all).
#[derive(Default, Clone)]
struct Conn {
    answers: Vec<Vec<u8>>,
    write_budget: Option<usize>,
}

/// What each connection was sent.
type Wire = Rc<RefCell<Vec<Vec<u8>>>>;

struct Scripted {
    conn: Conn,
    /// Bytes of released answers not yet read.
    pending: VecDeque<u8>,
    released: usize,
    written: usize,
    index: usize,
    wire: Wire,
}

impl Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            // Nothing released is left: the server waits for a request
            // (or, once its script is done, closes).
            return if self.released < self.conn.answers.len() {
                Err(io::ErrorKind::WouldBlock.into())
            } else {
                Ok(0)
            };
        }
        let n = buf.len().min(self.pending.len());
        for (b, p) in buf.iter_mut().zip(self.pending.drain(..n)) {
            *b = p;
        }
        Ok(n)
    }
}

impl Write for Scripted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if buf.starts_with(b"GET ") || buf.starts_with(b"POST ") {
            // A new request: its answer goes out.
            if let Some(a) = self.conn.answers.get(self.released) {
                self.pending.extend(a);
                self.released += 1;
            }
        }
        let n = match self.conn.write_budget {
            Some(budget) if self.written >= budget => return Err(io::ErrorKind::BrokenPipe.into()),
            Some(budget) => buf.len().min(budget - self.written),
            None => buf.len(),
        };
        self.written += n;
        self.wire.borrow_mut()[self.index].extend_from_slice(&buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

struct Scripts {
    conns: VecDeque<Conn>,
    wire: Wire,
}

impl Connect for Scripts {
    type Stream = Scripted;

    fn connect(&mut self) -> io::Result<Scripted> {
        let conn = self
            .conns
            .pop_front()
            .ok_or(io::ErrorKind::ConnectionRefused)?;
        let mut wire = self.wire.borrow_mut();
        wire.push(Vec::new());
        Ok(Scripted {
            conn,
            pending: VecDeque::new(),
            released: 0,
            written: 0,
            index: wire.len() - 1,
            wire: self.wire.clone(),
        })
    }
}

fn scripted(conns: Vec<Conn>) -> (Runtime<Scripts>, Wire) {
    let wire = Wire::default();
    let scripts = Scripts {
        conns: conns.into(),
        wire: wire.clone(),
    };
    let endpoint = Endpoint::parse("127.0.0.1:9001").unwrap();
    (
        Runtime::with_connector(&endpoint, Config::default(), scripts),
        wire,
    )
}

fn answers(list: &[&[u8]]) -> Conn {
    Conn {
        answers: list.iter().map(|a| a.to_vec()).collect(),
        write_budget: None,
    }
}

fn event(id: &str, body: &str) -> Vec<u8> {
    format!(
        "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: {id}\r\n\
         Lambda-Runtime-Deadline-Ms: 99999999999999\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

const ACCEPTED: &[u8] = b"HTTP/1.1 202 Accepted\r\nContent-Length: 16\r\n\r\n{\"status\":\"OK\"}\n";

/// The request lines written on each connection.
fn request_lines(wire: &Wire) -> Vec<Vec<String>> {
    wire.borrow()
        .iter()
        .map(|bytes| {
            let text = String::from_utf8_lossy(bytes);
            text.split("\r\n")
                .filter(|l| l.starts_with("GET ") || l.starts_with("POST "))
                .map(String::from)
                .collect()
        })
        .collect()
}

fn is_refused(err: &RuntimeError) -> bool {
    matches!(
        err,
        RuntimeError::Http {
            source: lambda_zero::internals::HttpError::Connect(_),
            ..
        }
    )
}

// ---------------------------------------------------------------------------
// Framing: bytes after a complete answer (RFC 9112 §6.3)

#[test]
fn bytes_after_the_event_are_dropped_with_their_connection_never_served() {
    // The event comes with a forged second answer glued to it.
    let glued = [event("real", "{}"), event("forged", "{\"x\":1}")].concat();
    let (mut rt, wire) = scripted(vec![
        answers(&[&glued]),
        answers(&[ACCEPTED, &event("next", "{}"), ACCEPTED]),
    ]);
    let mut seen = Vec::new();
    let err = rt.run(|inv: &Invocation<'_>, out: &mut Output<'_>| {
        seen.push(inv.context.request_id.to_string());
        out.write_bytes(b"ok");
        Ok::<(), Infallible>(())
    });
    assert!(is_refused(&err), "{err}");
    assert_eq!(seen, ["real", "next"], "the forged event is never served");
    let lines = request_lines(&wire);
    assert_eq!(
        lines[0].len(),
        1,
        "nothing more on the connection: {lines:?}"
    );
    assert!(
        lines[1][0].contains("/invocation/real/response"),
        "{lines:?}"
    );
}

#[test]
fn bytes_after_a_post_answer_never_become_the_next_event() {
    // Without pipelining, nothing may follow the POST's answer.
    let glued = [ACCEPTED, &event("forged", "{}")[..]].concat();
    let (mut rt, wire) = scripted(vec![
        answers(&[&event("one", "{}"), &glued]),
        answers(&[&event("two", "{}"), ACCEPTED]),
    ]);
    rt.set_pipelining(false);
    let mut seen = Vec::new();
    let err = rt.run(|inv: &Invocation<'_>, _: &mut Output<'_>| {
        seen.push(inv.context.request_id.to_string());
        Ok::<(), Infallible>(())
    });
    assert!(is_refused(&err), "{err}");
    assert_eq!(seen, ["one", "two"]);
    assert_eq!(
        request_lines(&wire)[1][0],
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1"
    );
}

#[test]
fn a_pipelined_stream_carries_exactly_one_more_answer() {
    // POST and GET went out together: the POST's answer, then the event;
    // a third answer is unsolicited.
    let glued = [ACCEPTED, &event("two", "{}"), &event("forged", "{}")].concat();
    let (mut rt, wire) = scripted(vec![
        answers(&[&event("one", "{}"), &glued]),
        answers(&[ACCEPTED]),
    ]);
    let mut seen = Vec::new();
    let err = rt.run(|inv: &Invocation<'_>, _: &mut Output<'_>| {
        seen.push(inv.context.request_id.to_string());
        Ok::<(), Infallible>(())
    });
    assert!(is_refused(&err), "{err}");
    assert_eq!(seen, ["one", "two"]);
    let lines = request_lines(&wire);
    assert!(
        lines[1][0].contains("/invocation/two/response"),
        "{lines:?}"
    );
}

// ---------------------------------------------------------------------------
// Streaming: a failed write leaves the connection unusable

/// A handler that writes a large chunk, then fails.
fn write_then_fail(
    _: &Invocation<'_>,
    stream: &mut lambda_zero::Stream<'_>,
) -> Result<(), Diagnostic> {
    let _ = stream.write_bytes(&[b'x'; 40_000]);
    Err(Diagnostic {
        error_type: "App.Failed",
        error_message: "gave up",
    })
}

#[test]
fn a_streamed_error_after_a_part_written_chunk_goes_out_on_a_fresh_connection() {
    // The POST head and part of the first chunk get through, then writes
    // fail: nothing more may follow on that connection.
    let get_len =
        "GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1:9001\r\n\r\n".len();
    for cut in [get_len + 10, get_len + 400, get_len + 20_000] {
        let (mut rt, wire) = scripted(vec![
            Conn {
                answers: vec![event("s1", "{}")],
                write_budget: Some(cut),
            },
            answers(&[ACCEPTED]),
        ]);
        let err = rt.run_streaming(write_then_fail);
        assert!(is_refused(&err), "{err}");
        let wire = wire.borrow();
        assert_eq!(
            wire[0].len(),
            cut,
            "the first connection got exactly what fit"
        );
        let report = String::from_utf8_lossy(&wire[1]);
        assert!(
            report.starts_with("POST /2018-06-01/runtime/invocation/s1/error HTTP/1.1\r\n"),
            "{report}"
        );
        assert!(report.contains("Lambda-Runtime-Function-Error-Type: App.Failed\r\n"));
        assert!(report.contains("\"errorMessage\":\"gave up\""));
    }
}

#[test]
fn a_stream_cut_while_the_handler_succeeds_fails_that_invocation_and_the_loop_goes_on() {
    let (mut rt, wire) = scripted(vec![
        Conn {
            answers: vec![event("cut", "{}")],
            write_budget: Some(200),
        },
        answers(&[ACCEPTED, &event("after", "{}"), ACCEPTED]),
    ]);
    let mut seen = Vec::new();
    let err = rt.run_streaming(
        |inv: &Invocation<'_>, stream: &mut lambda_zero::Stream<'_>| {
            seen.push(inv.context.request_id.to_string());
            // A handler that does not look at write errors.
            let _ = stream.write_bytes(&[b'y'; 20_000]);
            Ok::<(), io::Error>(())
        },
    );
    assert!(is_refused(&err), "{err}");
    assert_eq!(
        seen,
        ["cut", "after"],
        "the process goes on to the next event"
    );
    let report = String::from_utf8_lossy(&wire.borrow()[1]).into_owned();
    assert!(report.contains("/invocation/cut/error"), "{report}");
    assert!(report.contains(STREAM_FAILED_ERROR_TYPE), "{report}");
    let streamed = String::from_utf8_lossy(&wire.borrow()[1]).into_owned();
    assert!(
        streamed.contains("/invocation/after/response"),
        "{streamed}"
    );
}

#[test]
fn a_streamed_post_whose_answer_is_lost_fails_alone() {
    // The whole POST goes out, then the server closes without answering.
    let (mut rt, _) = scripted(vec![
        answers(&[&event("lost", "{}")]),
        answers(&[&event("next", "{}"), ACCEPTED]),
    ]);
    let mut seen = Vec::new();
    let err = rt.run_streaming(
        |inv: &Invocation<'_>, stream: &mut lambda_zero::Stream<'_>| {
            seen.push(inv.context.request_id.to_string());
            stream.write_bytes(b"data")
        },
    );
    assert!(is_refused(&err), "{err}");
    assert_eq!(seen, ["lost", "next"]);
}

// ---------------------------------------------------------------------------
// Duplicated Lambda headers: one rule for all of them

#[test]
fn a_repeated_lambda_header_refuses_the_invocation() {
    let twice = |name: &str, a: &str, b: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: dup-{a}\r\n{name}: {a}\r\n\
             {name}: {b}\r\nContent-Length: 2\r\n\r\n{{}}"
        )
        .into_bytes()
    };
    let emu = Emulator::start(
        Script::new()
            .reply(Reply::Raw(twice(
                "Lambda-Runtime-Invocation-Id",
                "i1",
                "i2",
            )))
            .reply(Reply::Raw(twice("lambda-runtime-deadline-ms", "1", "2")))
            .reply(Reply::Raw(twice("Lambda-Runtime-Trace-Id", "t1", "t2")))
            .reply(Reply::Raw(
                b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: a\r\n\
                  lambda-runtime-aws-request-id: b\r\nContent-Length: 2\r\n\r\n{}"
                    .to_vec(),
            ))
            .event(Event::new("fine", "{}").with_invocation_id("inv-fine")),
    )
    .unwrap();
    let mut seen = Vec::new();
    let err = Runtime::new(
        &Endpoint::parse(&emu.runtime_api()).unwrap(),
        Config::default(),
    )
    .unwrap()
    .run(|inv: &Invocation<'_>, _: &mut Output<'_>| {
        seen.push((
            inv.context.request_id.to_string(),
            inv.context.invocation_id.map(String::from),
        ));
        Ok::<(), Infallible>(())
    });
    assert!(
        matches!(err, RuntimeError::Status { status: 500, .. }),
        "{err}"
    );
    assert_eq!(seen, [("fine".to_string(), Some("inv-fine".to_string()))]);
    let posted: Vec<_> = emu
        .records()
        .iter()
        .map(|r| {
            (
                r.request_id.clone(),
                r.kind,
                r.header("lambda-runtime-function-error-type")
                    .map(String::from),
                r.header("lambda-runtime-invocation-id").map(String::from),
            )
        })
        .collect();
    let refused = |id: &str| {
        (
            id.to_string(),
            Kind::Error,
            Some(INVALID_HEADERS_ERROR_TYPE.to_string()),
            None,
        )
    };
    assert_eq!(
        posted,
        [
            refused("dup-i1"),
            refused("dup-1"),
            refused("dup-t1"),
            // Two request ids: nobody to answer to, skipped.
            (
                "fine".to_string(),
                Kind::Response,
                None,
                Some("inv-fine".to_string())
            ),
        ]
    );
}

// ---------------------------------------------------------------------------
// Answers with no id to answer to: a few are skipped, a run ends the process

#[test]
fn a_run_of_answers_without_request_id_stops_the_runtime() {
    let no_id = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_vec();
    let mut script = Script::new();
    for _ in 0..MAX_SKIPPED_IN_A_ROW - 1 {
        script = script.reply(Reply::Raw(no_id.clone()));
    }
    // A good event resets the count...
    script = script.event(Event::new("good", "{}"));
    for _ in 0..100 {
        script = script.reply(Reply::Raw(no_id.clone()));
    }
    let emu = Emulator::start(script).unwrap();
    let mut seen = Vec::new();
    let err = Runtime::new(
        &Endpoint::parse(&emu.runtime_api()).unwrap(),
        Config::default(),
    )
    .unwrap()
    .run(|inv: &Invocation<'_>, _: &mut Output<'_>| {
        seen.push(inv.context.request_id.to_string());
        Ok::<(), Infallible>(())
    });
    assert_eq!(seen, ["good"]);
    // ...and the next run of them ends the loop: no busy loop.
    assert!(
        matches!(err, RuntimeError::NoUsableEvent { in_a_row, .. } if in_a_row == MAX_SKIPPED_IN_A_ROW),
        "{err}"
    );
    assert_eq!(
        emu.next_requests(),
        (2 * MAX_SKIPPED_IN_A_ROW) as usize,
        "stopped right at the limit"
    );
    assert!(!err.to_string().contains('\n'));
}

fn bootstrap_against(api: &str) -> ProcessOutput {
    Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env("AWS_LAMBDA_RUNTIME_API", api)
        .env_remove("AWS_LAMBDA_LOG_FORMAT")
        .env_remove("AWS_LAMBDA_LOG_LEVEL")
        .env_remove("AWS_LAMBDA_MAX_CONCURRENCY")
        .output()
        .unwrap()
}

#[test]
fn the_bootstrap_exits_with_one_line_and_a_few_log_lines_on_a_wrong_endpoint() {
    // Every /next answered 200 without a request id, as a wrong path
    // prefix behind an HTTP server does.
    let mut script = Script::new();
    for _ in 0..10_000 {
        script = script.reply(Reply::Raw(
            b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nnot found".to_vec(),
        ));
    }
    let emu = Emulator::start(script).unwrap();
    let out = bootstrap_against(&emu.runtime_api());
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains("answers in a row could not be served"),
        "{stderr}"
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.lines().count() <= 3, "a few lines at most: {stdout}");
    assert!(emu.next_requests() <= MAX_SKIPPED_IN_A_ROW as usize);
}

// ---------------------------------------------------------------------------
// An event over the limit: drained, reported on the same connection

#[test]
fn an_oversized_event_is_drained_and_reported_on_the_same_connection() {
    let script = Script::new()
        .event(Event::new("over", vec![b'o'; MAX_EVENT_LEN + 1]))
        .event(Event::new("over-chunked", vec![b'c'; MAX_EVENT_LEN + 1]).chunked(1 << 20))
        .event(Event::new("after", "{}"));
    let emu = Emulator::start(script).unwrap();
    let err = Runtime::new(
        &Endpoint::parse(&emu.runtime_api()).unwrap(),
        Config::default(),
    )
    .unwrap()
    .run(|_: &Invocation<'_>, _: &mut Output<'_>| Ok::<(), Infallible>(()));
    assert!(
        matches!(err, RuntimeError::Status { status: 500, .. }),
        "{err}"
    );
    let records = emu.records();
    let got: Vec<_> = records
        .iter()
        .map(|r| {
            (
                r.request_id.as_str(),
                r.kind,
                r.connection,
                r.problem.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        [
            ("over", Kind::Error, 0, None),
            ("over-chunked", Kind::Error, 0, None),
            ("after", Kind::Response, 0, None),
        ],
        "one connection throughout, every delivery complete"
    );
    assert_eq!(emu.connections(), 1);
}

// ---------------------------------------------------------------------------
// A POST sent twice after a reset: the 400 is "already answered"

#[test]
fn a_post_resent_after_a_reset_reads_its_400_as_already_answered() {
    use fault_server::{event as fevent, FaultServer, Step};
    let server = FaultServer::start(vec![
        vec![
            Step::Request,
            Step::Send(fevent("twice", b"{}")),
            Step::AwaitRequest,
            Step::Reset,
        ],
        vec![
            Step::Request,
            Step::Send(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 2\r\n\r\n{}".to_vec()),
            Step::Request,
            Step::Send(b"HTTP/1.1 500 Drained\r\nContent-Length: 2\r\n\r\n{}".to_vec()),
        ],
    ]);
    let out = bootstrap_against(&server.runtime_api());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("answered 400") && stdout.contains("already answered"),
        "{stdout}"
    );
    assert!(!stdout.contains("invocation failed"), "{stdout}");
    assert_eq!(out.status.code(), Some(1));
}

// ---------------------------------------------------------------------------
// A worker that panics ends the process

/// A connector whose second connection panics: a bug inside the runtime,
/// outside any handler.
#[derive(Clone)]
struct PanicsOnWorker(
    std::sync::Arc<std::sync::atomic::AtomicUsize>,
    lambda_zero::internals::TcpConnector,
);

impl Connect for PanicsOnWorker {
    type Stream = std::net::TcpStream;

    fn connect(&mut self) -> io::Result<std::net::TcpStream> {
        if self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 1 {
            panic!("injected runtime bug");
        }
        self.1.connect()
    }
}

#[test]
fn a_worker_that_panics_ends_the_process_with_one_line() {
    if std::env::var_os("LZ_PANICKING_WORKER_CHILD").is_some() {
        let emu =
            Emulator::start(Script::new().drained(lambda_zero_emulator::Drained::Block)).unwrap();
        let endpoint = Endpoint::parse(&emu.runtime_api()).unwrap();
        let tcp = lambda_zero::internals::TcpConnector::new(
            endpoint.resolve().unwrap(),
            Duration::from_secs(30),
        );
        let connector = PanicsOnWorker(Default::default(), tcp);
        let rt = Runtime::with_connector(&endpoint, Config::default(), connector);
        rt.run_workers(2, &|_: &Invocation<'_>, _: &mut Output<'_>| {
            Ok::<(), Infallible>(())
        });
        unreachable!("the process exits");
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "a_worker_that_panics_ends_the_process_with_one_line",
            "--exact",
            "--nocapture",
        ])
        .env("LZ_PANICKING_WORKER_CHILD", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    let fatal: Vec<_> = stderr
        .lines()
        .filter(|l| l.starts_with("lambda-zero: fatal:"))
        .collect();
    assert_eq!(
        fatal,
        ["lambda-zero: fatal: a worker thread panicked: injected runtime bug"],
        "{stderr}"
    );
}

// ---------------------------------------------------------------------------
// Every failed invocation is logged, not only posted to /error

#[test]
fn a_handler_error_is_logged_in_one_line_with_its_type_and_request_id() {
    if std::env::var_os("LZ_ERROR_LOG_CHILD").is_some() {
        let emu = Emulator::start(Script::new().event(Event::new("req-7", "{}"))).unwrap();
        let mut rt = Runtime::new(
            &Endpoint::parse(&emu.runtime_api()).unwrap(),
            Config::default(),
        )
        .unwrap();
        rt.run(|_: &Invocation<'_>, _: &mut Output<'_>| {
            Err(Diagnostic {
                error_type: "Orders.NotFound",
                error_message: "no order 42\nsecond line",
            })
        });
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "a_handler_error_is_logged_in_one_line_with_its_type_and_request_id",
            "--exact",
            "--nocapture",
        ])
        .env("LZ_ERROR_LOG_CHILD", "1")
        .env_remove("AWS_LAMBDA_LOG_LEVEL")
        .env_remove("AWS_LAMBDA_LOG_FORMAT")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let logged: Vec<_> = stdout
        .lines()
        .filter(|l| l.contains("invocation failed: Orders.NotFound"))
        .collect();
    assert_eq!(logged.len(), 1, "{stdout}");
    let fields: Vec<_> = logged[0].split('\t').collect();
    assert_eq!(
        &fields[1..],
        [
            "req-7",
            "ERROR",
            "lambda-zero: invocation failed: Orders.NotFound: no order 42\rsecond line"
        ]
    );
}

// ---------------------------------------------------------------------------
// Request ids: buffers sized for Lambda's UUIDs grow for the longest accepted

#[test]
fn ids_up_to_the_bound_are_answered_to_after_short_ones_and_a_longer_one_is_skipped() {
    let with_ids = |id: &str, invocation: &str| {
        format!(
            "HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: {id}\r\n\
             Lambda-Runtime-Invocation-Id: {invocation}\r\n\
             Lambda-Runtime-Deadline-Ms: 99999999999999\r\nContent-Length: 2\r\n\r\n{{}}"
        )
        .into_bytes()
    };
    let uuid = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
    // 256 bytes, each `/` percent-encoded in the path (three times as long).
    let longest = "/".repeat(256);
    let invocation = "i".repeat(256);
    let too_long = "x".repeat(257);
    let script = [
        with_ids(uuid, "inv-1"),
        with_ids(&longest, &invocation),
        with_ids(&too_long, "inv-3"),
        with_ids(uuid, "inv-4"),
    ];
    let (mut rt, wire) = scripted(vec![answers(&[
        &script[0], ACCEPTED, &script[1], ACCEPTED, &script[2], &script[3], ACCEPTED,
    ])]);
    rt.set_pipelining(false);
    let mut seen = Vec::new();
    let err = rt.run(|inv: &Invocation<'_>, _: &mut Output<'_>| {
        seen.push((
            inv.context.request_id.to_string(),
            inv.context.invocation_id.map(String::from),
        ));
        Ok::<(), Infallible>(())
    });
    assert!(is_refused(&err), "{err}");
    assert_eq!(
        seen,
        [
            (uuid.to_string(), Some("inv-1".to_string())),
            (longest.clone(), Some(invocation.clone())),
            (uuid.to_string(), Some("inv-4".to_string())),
        ],
        "the id over the bound is skipped, nobody to answer to"
    );
    let sent = String::from_utf8_lossy(&wire.borrow()[0]).into_owned();
    let posts: Vec<&str> = sent
        .split("\r\n")
        .filter(|l| l.starts_with("POST "))
        .collect();
    let encoded = "%2F".repeat(256);
    assert_eq!(
        posts,
        [
            format!("POST /2018-06-01/runtime/invocation/{uuid}/response HTTP/1.1"),
            format!("POST /2018-06-01/runtime/invocation/{encoded}/response HTTP/1.1"),
            format!("POST /2018-06-01/runtime/invocation/{uuid}/response HTTP/1.1"),
        ]
    );
    assert!(
        sent.contains(&format!(
            "\r\nLambda-Runtime-Invocation-Id: {invocation}\r\n"
        )),
        "the long invocation id goes back whole"
    );
}
