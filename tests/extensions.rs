//! Extensions and the Telemetry API against the emulator: registration,
//! `INVOKE` / `SHUTDOWN` as borrowed views, the init phase waiting for
//! extensions, internal extensions, the two examples as processes, the
//! telemetry listener's refusals, the one-line exits on faults, and zero
//! allocations per warm event and per telemetry batch.
#![cfg(feature = "extension")]

#[path = "support/counting.rs"]
mod counting;
#[path = "support/faulty.rs"]
#[allow(dead_code)] // `Faulty::Respond`: an extension's error has no answer
mod faulty;
#[path = "../examples/extension_logger.rs"]
#[allow(dead_code)]
mod logger;
#[path = "../examples/extension_telemetry.rs"]
#[allow(dead_code)]
mod telemetry_example;

use counting::{allocations, count_this_thread, counted};
use faulty::Faulty;
use lambda_zero::extension::telemetry::{Category, Listener, Subscription};
use lambda_zero::extension::{Error, Event, Events, Extension, PANIC_ERROR_TYPE};
use lambda_zero::internals::Endpoint;
use lambda_zero::{Config, Runtime};
use lambda_zero_emulator::{Drained, Emulator, Event as Invocation, Kind, Reply, Script};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

const WAIT: Duration = Duration::from_secs(20);
const CHILD: &str = "LZ_EXTENSION_TEST_CHILD";

fn endpoint(emu: &Emulator) -> Endpoint {
    Endpoint::parse(&emu.runtime_api()).unwrap()
}

/// A runtime answering every event with `{}` on a thread of its own, until
/// the emulator goes away.
fn serve_function(emu: &Emulator) {
    let endpoint = endpoint(emu);
    thread::spawn(move || {
        let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
        rt.run(|_, out| {
            out.write_bytes(b"{}");
            Ok::<(), std::convert::Infallible>(())
        })
    });
}

/// An emulator holding `n` invocations (see [`invocations`]) until one
/// extension registers, with a function serving them; where the extension
/// registers.
fn serving_for_one_extension(n: usize) -> (Emulator, Endpoint) {
    let emu = Emulator::start(
        Script::new()
            .events(invocations(n))
            .drained(Drained::Block)
            .expect_extensions(1),
    )
    .unwrap();
    serve_function(&emu);
    let endpoint = endpoint(&emu);
    (emu, endpoint)
}

fn invocations(n: usize) -> impl Iterator<Item = Invocation> {
    (0..n).map(|i| {
        Invocation::new(format!("req-{i}"), "{}")
            .with_deadline_ms(1_800_000_000_000 + i as u64)
            .with_trace_id(format!(
                "Root=1-5759e988-bd862e3fe1be46a9942727{i:02};Sampled=1"
            ))
    })
}

#[test]
fn an_extension_registers_then_reads_invokes_and_shutdown_as_borrowed_views() {
    let emu =
        Emulator::start(Script::new().events(invocations(3)).drained(Drained::Block)).unwrap();
    let mut ext = Extension::register_at(&endpoint(&emu), "views", Events::ALL).unwrap();
    assert_eq!(ext.registration().function_name, "lambda-zero");
    assert_eq!(ext.registration().function_version, "$LATEST");
    assert_eq!(ext.registration().handler, "bootstrap");
    assert_eq!(
        ext.registration().account_id.as_deref(),
        Some("123456789012")
    );
    let record = &emu.records()[0];
    assert_eq!(record.kind, Kind::Register);
    assert_eq!(record.header("lambda-extension-name"), Some("views"));
    assert_eq!(
        record.body_str(),
        Some(r#"{"events":["INVOKE","SHUTDOWN"]}"#)
    );
    assert_eq!(record.request_id, ext.id());
    serve_function(&emu);
    for i in 0..3 {
        match ext.next_event().unwrap() {
            Event::Invoke(invoke) => {
                assert_eq!(invoke.request_id, format!("req-{i}"));
                assert_eq!(invoke.deadline_ms, 1_800_000_000_000 + i as u64);
                assert_eq!(
                    invoke.invoked_function_arn,
                    lambda_zero_emulator::DEFAULT_FUNCTION_ARN
                );
                let tracing = invoke.tracing.unwrap();
                assert_eq!(tracing.kind, "X-Amzn-Trace-Id");
                assert!(
                    tracing.value.starts_with("Root=1-5759e988-"),
                    "{}",
                    tracing.value
                );
            }
            other => panic!("expected INVOKE, got {other:?}"),
        }
    }
    let shutdown = thread::scope(|s| {
        let done = s.spawn(|| emu.shutdown_extensions("spindown", WAIT));
        let reason = match ext.next_event().unwrap() {
            Event::Shutdown(shutdown) => {
                assert!(shutdown.remaining() <= Duration::from_secs(2));
                shutdown.reason.to_string()
            }
            other => panic!("expected SHUTDOWN, got {other:?}"),
        };
        drop(ext); // the extension exits: its connection closes
        (reason, done.join().unwrap())
    });
    assert_eq!(shutdown, ("spindown".to_string(), 1));
}

#[test]
fn the_init_phase_waits_until_every_registered_extension_asks_for_an_event() {
    let emu =
        Emulator::start(Script::new().events(invocations(1)).drained(Drained::Block)).unwrap();
    let mut ext = Extension::register_at(&endpoint(&emu), "slow-init", Events::INVOKE).unwrap();
    serve_function(&emu);
    assert_eq!(emu.wait_next_requests(1, WAIT), 1);
    // The runtime is waiting in GET /next; the extension has not asked yet.
    assert!(!emu.init_done());
    assert_eq!(emu.in_flight(), 0);
    match ext.next_event().unwrap() {
        Event::Invoke(invoke) => assert_eq!(invoke.request_id, "req-0"),
        other => panic!("expected INVOKE, got {other:?}"),
    }
    assert!(emu.init_done());
    let records = emu.wait_records(2, WAIT);
    assert_eq!(records[1].kind, Kind::Response);
}

#[test]
fn expected_extensions_hold_the_init_phase_until_they_register() {
    let emu = Emulator::start(
        Script::new()
            .events(invocations(1))
            .drained(Drained::Block)
            .expect_extensions(1),
    )
    .unwrap();
    serve_function(&emu);
    assert_eq!(emu.wait_next_requests(1, WAIT), 1);
    assert!(!emu.init_done());
    let mut ext = Extension::register_at(&endpoint(&emu), "late", Events::INVOKE).unwrap();
    assert!(matches!(ext.next_event().unwrap(), Event::Invoke(_)));
    assert_eq!(emu.wait_records(2, WAIT)[1].kind, Kind::Response);
}

#[test]
fn an_internal_extension_registers_before_the_runtime_asks_and_sees_every_invocation() {
    let emu =
        Emulator::start(Script::new().events(invocations(4)).drained(Drained::Block)).unwrap();
    let (tx, rx) = mpsc::channel();
    // What `extension::spawn` does, against this emulator: registers now,
    // serves the events on a thread of its own.
    Extension::register_at(&endpoint(&emu), "internal", Events::INVOKE)
        .unwrap()
        .spawn(move |event| {
            if let Event::Invoke(invoke) = event {
                tx.send(invoke.request_id.to_string()).unwrap();
            }
            Ok::<(), std::convert::Infallible>(())
        })
        .unwrap();
    assert_eq!(emu.records()[0].kind, Kind::Register);
    assert_eq!(
        emu.records()[0].body_str(),
        Some(r#"{"events":["INVOKE"]}"#)
    );
    serve_function(&emu);
    let seen: Vec<String> = (0..4).map(|_| rx.recv_timeout(WAIT).unwrap()).collect();
    assert_eq!(seen, ["req-0", "req-1", "req-2", "req-3"]);
    let records = emu.wait_records(5, WAIT);
    assert!(records[1..].iter().all(|r| r.kind == Kind::Response));
    // The extension thread ends the process when its API goes away (as
    // it does in Lambda only when the sandbox ends): keep this one up.
    std::mem::forget(emu);
}

#[test]
fn a_handler_error_is_reported_to_exit_error_and_ends_the_run() {
    let emu =
        Emulator::start(Script::new().events(invocations(1)).drained(Drained::Block)).unwrap();
    let mut ext = Extension::register_at(&endpoint(&emu), "failing", Events::ALL).unwrap();
    serve_function(&emu);
    let err = ext
        .run(|_| {
            Err(lambda_zero::Diagnostic {
                error_type: "Extension.Broken",
                error_message: "cannot ship \"logs\"",
            })
        })
        .unwrap_err();
    assert!(matches!(err, Error::Handler { .. }), "{err}");
    let report = emu
        .wait_records(3, WAIT)
        .into_iter()
        .find(|r| r.kind == Kind::ExtensionExitError)
        .unwrap();
    assert_eq!(
        report.header("lambda-extension-function-error-type"),
        Some("Extension.Broken")
    );
    assert_eq!(report.header("lambda-extension-identifier"), Some(ext.id()));
    assert_eq!(
        report.body_str(),
        Some(r#"{"errorMessage":"cannot ship \"logs\"","errorType":"Extension.Broken"}"#)
    );
    ext.init_error("Extension.Init", &"no config").unwrap();
    assert!(emu
        .wait_records(4, WAIT)
        .iter()
        .any(|r| r.kind == Kind::ExtensionInitError));
}

#[test]
fn refused_registration_and_failing_event_next_are_errors_not_panics() {
    let emu = Emulator::start(Script::new().refuse_register(403)).unwrap();
    let err = Extension::register_at(&endpoint(&emu), "refused", Events::ALL).unwrap_err();
    assert_eq!(
        err.to_string(),
        "POST /extension/register: the Runtime API answered 403, cannot go on"
    );

    let script = Script::new().extension_next_reply(0, Reply::Status(500, b"{}".to_vec()));
    let emu = Emulator::start(script).unwrap();
    let mut ext = Extension::register_at(&endpoint(&emu), "five-hundred", Events::ALL).unwrap();
    let err = ext.next_event().unwrap_err();
    assert_eq!(
        err.to_string(),
        "GET /extension/event/next: the Runtime API answered 500, cannot go on"
    );

    // A dropped connection is retried once on a fresh one (the client's
    // rule for a kept-alive connection closed while idle); twice is fatal.
    for fault in [
        Reply::Close,
        Reply::CloseMidBody(Invocation::new("cut", "{}")),
    ] {
        let script = Script::new()
            .extension_next_reply(0, Reply::Close)
            .extension_next_reply(1, fault.clone());
        let emu = Emulator::start(script).unwrap();
        let mut ext = Extension::register_at(&endpoint(&emu), "dropped", Events::ALL).unwrap();
        let err = ext.next_event().unwrap_err();
        assert!(
            matches!(err, Error::Api(lambda_zero::RuntimeError::Http { .. })),
            "{fault:?}: {err}"
        );
        assert!(
            err.to_string().starts_with("GET /extension/event/next: "),
            "{err}"
        );
    }
}

#[test]
fn malformed_events_are_skipped_and_a_run_of_them_stops_the_extension() {
    let bad = |n| {
        Reply::Event(Invocation::new(
            "x",
            format!("{{\"eventType\":\"INVOKE\",\"n\":{n}}}"),
        ))
    };
    let good = Reply::Event(Invocation::new(
        "x",
        r#"{"eventType":"INVOKE","deadlineMs":1,"requestId":"fine"}"#,
    ));
    let script = Script::new()
        .extension_next_reply(0, bad(0))
        .extension_next_reply(1, good);
    let script = (2..7).fold(script, |s, n| s.extension_next_reply(n, bad(n)));
    let emu = Emulator::start(script).unwrap();
    let mut ext = Extension::register_at(&endpoint(&emu), "picky", Events::ALL).unwrap();
    match ext.next_event().unwrap() {
        Event::Invoke(invoke) => assert_eq!(invoke.request_id, "fine"),
        other => panic!("{other:?}"),
    }
    let err = ext.next_event().unwrap_err();
    assert_eq!(
        err.to_string(),
        "GET /extension/event/next: the event has no numeric deadlineMs"
    );
}

#[test]
fn events_parse_strictly() {
    let shutdown = br#"{"eventType":"SHUTDOWN","shutdownReason":"timeout","deadlineMs":42}"#;
    match Event::parse(shutdown).unwrap() {
        Event::Shutdown(s) => assert_eq!((s.reason, s.deadline_ms), ("timeout", 42)),
        other => panic!("{other:?}"),
    }
    for (bad, why) in [
        (&b"not json"[..], "the event is not valid JSON"),
        (
            br#"{"eventType":"INVOKE","deadlineMs":1}"#,
            "the INVOKE event has no requestId",
        ),
        (
            br#"{"eventType":"RESTORE","deadlineMs":1}"#,
            "unknown eventType",
        ),
        (br#"{"deadlineMs":1}"#, "the event has no eventType"),
        (
            br#"{"eventType":"SHUTDOWN","deadlineMs":1}"#,
            "the SHUTDOWN event has no shutdownReason",
        ),
        (
            br#"{"eventType":"SHUTDOWN","deadlineMs":-1,"shutdownReason":"x"}"#,
            "the event has no numeric deadlineMs",
        ),
    ] {
        assert_eq!(Event::parse(bad).unwrap_err(), why);
    }
}

// ---- the examples and the one-line exits, as processes ----

/// Runs this test binary's `child_entry` as a child process with `kind`,
/// pointed at `emu`, while `during` runs; returns its output.
fn child(kind: &str, emu: &Emulator, env: &[(&str, &str)], during: impl FnOnce()) -> Output {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(CHILD, kind)
        .env("AWS_LAMBDA_RUNTIME_API", emu.runtime_api())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let child = cmd.spawn().unwrap();
    during();
    child.wait_with_output().unwrap()
}

/// The lines of `out` holding `marker` (libtest prints its own words on
/// the same lines), from the marker on.
fn lines_with(out: &[u8], marker: &str) -> Vec<String> {
    String::from_utf8_lossy(out)
        .lines()
        .filter_map(|l| l.find(marker).map(|at| l[at..].to_string()))
        .collect()
}

/// Exit status 1 and, on stderr, `line` alone (no panic, no second line).
fn assert_one_line_exit(out: &Output, line: &str) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{line}: {stderr}");
    let lines: Vec<&str> = stderr.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines, [line], "{stderr}");
}

#[test]
fn child_entry() {
    match std::env::var(CHILD).as_deref() {
        Ok("logger") => logger::main(),
        Ok("telemetry") => telemetry_example::main(),
        #[cfg(feature = "sigterm")]
        Ok("internal-sigterm") => {
            use std::sync::atomic::AtomicUsize;
            static SEEN: AtomicUsize = AtomicUsize::new(0);
            lambda_zero::extension::spawn("internal", |event| {
                if let Event::Invoke(_) = event {
                    SEEN.fetch_add(1, Ordering::Relaxed);
                }
                Ok::<(), std::convert::Infallible>(())
            })
            .unwrap_or_else(|e| lambda_zero::extension::exit(e));
            lambda_zero::extension::on_sigterm(|| {
                println!("FLUSHED {}", SEEN.load(Ordering::Relaxed));
            });
            lambda_zero::run(|_, out| {
                out.write_bytes(b"{}");
                Ok::<(), std::convert::Infallible>(())
            })
        }
        _ => {}
    }
}

#[test]
fn the_logger_example_prints_one_line_per_invocation_and_one_at_shutdown() {
    let emu = Emulator::start(
        Script::new()
            .events(invocations(3))
            .drained(Drained::Block)
            .expect_extensions(1),
    )
    .unwrap();
    serve_function(&emu);
    let out = child("logger", &emu, &[], || {
        assert_eq!(emu.wait_records(4, WAIT).len(), 4); // register + 3 responses
        assert_eq!(emu.shutdown_extensions("spindown", WAIT), 1);
    });
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = lines_with(&out.stdout, "INVOKE ");
    lines.extend(lines_with(&out.stdout, "SHUTDOWN "));
    assert_eq!(
        lines,
        [
            "INVOKE req-0",
            "INVOKE req-1",
            "INVOKE req-2",
            "SHUTDOWN spindown"
        ]
    );
    assert_eq!(emu.extensions(), ["extension_logger"]);
}

#[test]
fn the_telemetry_example_counts_platform_and_function_records() {
    let emu = Emulator::start(
        Script::new()
            .events(invocations(5))
            .drained(Drained::Block)
            .expect_extensions(1),
    )
    .unwrap();
    serve_function(&emu);
    let out = child(
        "telemetry",
        &emu,
        &[("LAMBDA_ZERO_TELEMETRY_PORT", "0")],
        || {
            assert_eq!(emu.wait_records(7, WAIT).len(), 7); // register, subscribe, 5 responses
            for i in 0..3 {
                emu.function_log(&format!("function line {i}"));
            }
            assert_eq!(emu.shutdown_extensions("spindown", WAIT), 1);
        },
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary = lines_with(&out.stdout, "TELEMETRY ");
    let deliveries = emu.telemetry_deliveries();
    assert!(deliveries.iter().all(|d| d.status == 200), "{deliveries:?}");
    let batches = deliveries.len();
    assert_eq!(
        summary,
        [format!(
            "TELEMETRY platform=10 function=3 batches={batches} refused=0"
        )]
    );
    let subscribe = emu
        .records()
        .into_iter()
        .find(|r| r.kind == Kind::TelemetrySubscribe)
        .unwrap();
    let body = subscribe.body_str().unwrap();
    assert!(body.contains(r#""schemaVersion":"2022-12-13""#), "{body}");
    assert!(body.contains(r#""URI":"http://127.0.0.1:"#), "{body}");
    assert!(
        body.contains(r#""types":["platform","function"]"#),
        "{body}"
    );
}

/// Run with `--features sigterm`.
#[cfg(feature = "sigterm")]
#[test]
fn an_internal_extension_flushes_on_sigterm_before_the_process_exits() {
    let emu =
        Emulator::start(Script::new().events(invocations(3)).drained(Drained::Block)).unwrap();
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    let child = cmd
        .args(["--exact", "child_entry", "--nocapture", "--test-threads=1"])
        .env(CHILD, "internal-sigterm")
        .env("AWS_LAMBDA_RUNTIME_API", emu.runtime_api())
        .env_remove("AWS_LAMBDA_MAX_CONCURRENCY")
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Served everything (register + 3 responses), now idle in GET /next.
    assert_eq!(emu.wait_records(4, WAIT).len(), 4);
    assert_eq!(emu.wait_next_requests(4, WAIT), 4);
    // The extension handled the three INVOKEs: it is asking for a fourth.
    let deadline = Instant::now() + WAIT;
    while emu.extension_next_requests() < 4 && Instant::now() < deadline {
        thread::sleep(Duration::from_millis(1));
    }
    assert_eq!(emu.extension_next_requests(), 4);
    // The shell's built-in `kill`, as tests/features.rs does.
    let kill = Command::new("sh")
        .args(["-c", "kill -TERM \"$1\"", "sh", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(lines_with(&out.stdout, "FLUSHED "), ["FLUSHED 3"]);
}

#[test]
fn faults_end_an_external_extension_with_one_line_and_status_1() {
    let close_twice = Script::new()
        .extension_next_reply(0, Reply::Close)
        .extension_next_reply(1, Reply::Close);
    let close_then_cut = Script::new()
        .extension_next_reply(0, Reply::Close)
        .extension_next_reply(1, Reply::CloseMidBody(Invocation::new("cut", "{}")));
    let cases = [
        (
            "logger",
            Script::new().refuse_register(403),
            "lambda-zero: fatal: POST /extension/register: the Runtime API answered 403, cannot go on",
        ),
        (
            "logger",
            Script::new().extension_next_reply(0, Reply::Status(500, b"{}".to_vec())),
            "lambda-zero: fatal: GET /extension/event/next: the Runtime API answered 500, cannot go on",
        ),
        (
            "logger",
            close_twice,
            "lambda-zero: fatal: GET /extension/event/next: connection closed before the answer was complete",
        ),
        (
            "logger",
            close_then_cut,
            "lambda-zero: fatal: GET /extension/event/next: connection closed before the answer was complete",
        ),
        (
            "telemetry",
            Script::new().refuse_register(403),
            "lambda-zero: fatal: POST /extension/register: the Runtime API answered 403, cannot go on",
        ),
        (
            "telemetry",
            Script::new().extension_next_reply(0, Reply::Status(500, b"{}".to_vec())),
            "lambda-zero: fatal: GET /extension/event/next: the Runtime API answered 500, cannot go on",
        ),
    ];
    for (kind, script, line) in cases {
        let emu = Emulator::start(script).unwrap();
        let out = child(kind, &emu, &[("LAMBDA_ZERO_TELEMETRY_PORT", "0")], || {});
        assert_one_line_exit(&out, line);
        assert!(
            lines_with(&out.stdout, "INVOKE ").is_empty(),
            "{kind}: {line}"
        );
    }
    // The telemetry listener's port is taken: the failure is posted to
    // /extension/init/error, then the same one line.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port().to_string();
    let emu = Emulator::start(Script::new()).unwrap();
    let out = child(
        "telemetry",
        &emu,
        &[("LAMBDA_ZERO_TELEMETRY_PORT", &port)],
        || {},
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stderr
        .lines()
        .find(|l| l.contains("lambda-zero"))
        .unwrap_or("");
    assert!(
        line.starts_with("lambda-zero: fatal: binding the telemetry listener: "),
        "{stderr}"
    );
    assert_one_line_exit(&out, line);
    let report = emu
        .records()
        .into_iter()
        .find(|r| r.kind == Kind::ExtensionInitError)
        .expect("the failure was posted to /extension/init/error");
    assert_eq!(
        report.header("lambda-extension-function-error-type"),
        Some("Extension.TelemetryListener")
    );
    // No Extensions API at all: the same one line, not a panic.
    let emu = Emulator::start(Script::new()).unwrap();
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    let out = cmd
        .args(["--exact", "child_entry", "--nocapture"])
        .env(CHILD, "logger")
        .env_remove("AWS_LAMBDA_RUNTIME_API")
        .output()
        .unwrap();
    drop(emu);
    assert_one_line_exit(
        &out,
        "lambda-zero: fatal: invalid AWS_LAMBDA_RUNTIME_API \"\": the variable is not set \
         (is this running outside Lambda?)",
    );
}

// ---- the telemetry listener ----

/// Sends `request` on `stream` and reads one answer's status line.
fn exchange(stream: &mut TcpStream, request: &[u8]) -> String {
    stream.write_all(request).unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).unwrap() == 0 {
            break;
        }
        head.push(byte[0]);
    }
    String::from_utf8_lossy(&head)
        .lines()
        .next()
        .unwrap_or("")
        .to_string()
}

fn post(body: &str) -> Vec<u8> {
    format!(
        "POST / HTTP/1.1\r\nHost: sandbox.localdomain\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

const BATCH: &str = r#"[{"time":"2026-12-01T10:00:00.000Z","type":"platform.start","record":{"requestId":"a"}},{"time":"2026-12-01T10:00:00.001Z","type":"function","record":"hello"}]"#;

/// The records a listener handed on: (type, category).
type Seen = Arc<Mutex<Vec<(String, Category)>>>;

fn listener(max: usize) -> (Listener, Seen) {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&seen);
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let listener = Listener::start_at(addr, "127.0.0.1", max, move |batch| {
        let mut sink = sink.lock().unwrap();
        sink.extend(batch.records().map(|r| (r.kind.to_string(), r.category())));
    })
    .unwrap();
    (listener, seen)
}

#[test]
fn the_listener_accepts_batches_on_a_kept_alive_connection_even_pipelined() {
    let (listener, seen) = listener(64 * 1024);
    assert!(listener.destination().starts_with("http://127.0.0.1:"));
    let mut s = TcpStream::connect(listener.local_addr()).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    assert_eq!(exchange(&mut s, &post(BATCH)), "HTTP/1.1 200 OK");
    let two = [post(BATCH), post("[]")].concat();
    assert_eq!(exchange(&mut s, &two), "HTTP/1.1 200 OK");
    assert_eq!(exchange(&mut s, b""), "HTTP/1.1 200 OK");
    let stats = listener.wait_quiet(Duration::ZERO, Instant::now() + WAIT);
    assert_eq!((stats.batches, stats.records, stats.refused), (3, 4, 0));
    let seen = seen.lock().unwrap();
    assert_eq!(
        seen[..2],
        [
            ("platform.start".to_string(), Category::Platform),
            ("function".to_string(), Category::Function)
        ]
    );
}

#[test]
fn the_listener_refuses_bad_and_oversized_batches_and_keeps_what_it_accepted() {
    let (listener, seen) = listener(1024);
    let big = format!(
        "[{}]",
        vec![r#"{"type":"function","record":"x"}"#; 40].join(",")
    );
    let cases: [(Vec<u8>, &str); 7] = [
        (post("not json"), "HTTP/1.1 400 Bad Request"),
        (post(r#"{"type":"function"}"#), "HTTP/1.1 400 Bad Request"),
        (
            post(r#"[{"record":"no type"}]"#),
            "HTTP/1.1 400 Bad Request",
        ),
        (post(&big), "HTTP/1.1 413 Content Too Large"),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            "HTTP/1.1 411 Length Required",
        ),
        (
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n".to_vec(),
            "HTTP/1.1 411 Length Required",
        ),
        (
            b"GET / HTTP/1.1\r\nHost: x\r\n\r\n".to_vec(),
            "HTTP/1.1 405 Method Not Allowed",
        ),
    ];
    for (request, status) in &cases {
        let mut s = TcpStream::connect(listener.local_addr()).unwrap();
        s.set_read_timeout(Some(WAIT)).unwrap();
        assert_eq!(exchange(&mut s, &post(BATCH)), "HTTP/1.1 200 OK");
        assert_eq!(&exchange(&mut s, request), status);
        // Refused: the connection is closed.
        let mut rest = Vec::new();
        assert_eq!(s.read_to_end(&mut rest).unwrap(), 0);
    }
    let stats = listener.wait_quiet(Duration::ZERO, Instant::now() + WAIT);
    assert_eq!((stats.batches, stats.refused), (7, 7));
    assert_eq!(
        seen.lock().unwrap().len(),
        14,
        "every accepted record was handed on"
    );
}

#[test]
fn a_panicking_callback_refuses_that_batch_and_the_listener_goes_on() {
    let calls = Arc::new(AtomicU64::new(0));
    let seen = Arc::clone(&calls);
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let listener = Listener::start_at(addr, "127.0.0.1", 64 * 1024, move |_| {
        if seen.fetch_add(1, Ordering::Relaxed) == 0 {
            panic!("the first batch breaks the callback");
        }
    })
    .unwrap();
    let mut s = TcpStream::connect(listener.local_addr()).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    assert_eq!(
        exchange(&mut s, &post(BATCH)),
        "HTTP/1.1 500 Internal Server Error"
    );
    let mut rest = Vec::new();
    assert_eq!(s.read_to_end(&mut rest).unwrap(), 0, "refused: closed");
    let mut s = TcpStream::connect(listener.local_addr()).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    assert_eq!(exchange(&mut s, &post(BATCH)), "HTTP/1.1 200 OK");
    let stats = listener.wait_quiet(Duration::ZERO, Instant::now() + WAIT);
    assert_eq!((stats.batches, stats.refused), (1, 1));
}

#[test]
fn a_subscription_says_what_it_wants() {
    let sub = Subscription {
        extension: true,
        max_items: 25,
        ..Subscription::default()
    };
    assert_eq!(
        sub.to_json("http://sandbox.localdomain:4243"),
        r#"{"schemaVersion":"2022-12-13","destination":{"protocol":"HTTP","URI":"http://sandbox.localdomain:4243"},"types":["platform","function","extension"],"buffering":{"maxItems":25,"maxBytes":262144,"timeoutMs":1000}}"#
    );
}

// ---- zero allocations ----

#[test]
fn warm_extension_events_allocate_nothing() {
    const WARM_UP: usize = 10;
    const MEASURED: usize = 1000;
    let (_emu, endpoint) = serving_for_one_extension(WARM_UP + MEASURED);
    let samples = counted(move || {
        let mut ext = Extension::register_at(&endpoint, "counted", Events::ALL).unwrap();
        let mut samples = Vec::with_capacity(WARM_UP + MEASURED);
        let mut ids = 0usize;
        for _ in 0..WARM_UP + MEASURED {
            samples.push(allocations());
            if let Event::Invoke(invoke) = ext.next_event().unwrap() {
                ids += invoke.request_id.len() + invoke.tracing.map_or(0, |t| t.value.len());
            }
        }
        samples.push(allocations());
        assert!(ids > 0);
        samples
    });
    let warm = samples[samples.len() - 1] - samples[WARM_UP];
    assert_eq!(warm, 0, "{MEASURED} warm events allocated {warm} times");
}

#[test]
fn warm_telemetry_batches_allocate_nothing() {
    const WARM_UP: usize = 5;
    const MEASURED: usize = 300;
    let samples = Arc::new(Mutex::new(Vec::with_capacity(WARM_UP + MEASURED + 1)));
    let sink = Arc::clone(&samples);
    let platform = Arc::new(AtomicU64::new(0));
    let count = Arc::clone(&platform);
    let addr: SocketAddr = "127.0.0.1:0".parse().unwrap();
    let listener = Listener::start_at(addr, "127.0.0.1", 64 * 1024, move |batch| {
        count_this_thread();
        for r in batch.records() {
            if r.category() == Category::Platform {
                count.fetch_add(1, Ordering::Relaxed);
            }
        }
        sink.lock().unwrap().push(allocations());
    })
    .unwrap();
    let mut s = TcpStream::connect(listener.local_addr()).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    let request = post(BATCH);
    for _ in 0..WARM_UP + MEASURED {
        assert_eq!(exchange(&mut s, &request), "HTTP/1.1 200 OK");
    }
    let samples = samples.lock().unwrap();
    let warm = samples[samples.len() - 1] - samples[WARM_UP];
    assert_eq!(warm, 0, "{MEASURED} warm batches allocated {warm} times");
    assert_eq!(
        platform.load(Ordering::Relaxed),
        (WARM_UP + MEASURED) as u64
    );
}

#[test]
fn a_handler_panic_is_reported_to_exit_error_with_its_message() {
    let emu = Emulator::start(
        Script::new()
            .event(Invocation::new("req-0", "{}"))
            .drained(Drained::Block),
    )
    .unwrap();
    let mut ext = Extension::register_at(&endpoint(&emu), "panicky", Events::ALL).unwrap();
    serve_function(&emu);
    let outcome = catch_unwind(AssertUnwindSafe(|| {
        ext.run(|_| -> Result<(), Error> { panic!("the cache is gone") })
    }));
    match outcome.expect("the panic escaped run") {
        Err(Error::Handler {
            error_type,
            message,
        }) => {
            assert_eq!(error_type, PANIC_ERROR_TYPE);
            assert_eq!(message, "extension panicked: the cache is gone");
        }
        other => panic!("{other:?}"),
    }
    let report = emu
        .wait_records(3, WAIT)
        .into_iter()
        .find(|r| r.kind == Kind::ExtensionExitError)
        .expect("nothing posted to /extension/exit/error");
    assert_eq!(
        report.body_str(),
        Some(
            r#"{"errorMessage":"extension panicked: the cache is gone","errorType":"Extension.Panic"}"#
        )
    );
}

#[test]
fn an_error_whose_own_code_panics_is_reported_to_exit_error_as_a_panic() {
    for faulty in [Faulty::Display, Faulty::ErrorType] {
        let emu = Emulator::start(
            Script::new()
                .event(Invocation::new("req-0", "{}"))
                .drained(Drained::Block),
        )
        .unwrap();
        let mut ext = Extension::register_at(&endpoint(&emu), "faulty", Events::ALL).unwrap();
        serve_function(&emu);
        let outcome = catch_unwind(AssertUnwindSafe(|| ext.run(|_| Err(faulty))));
        let err = outcome.unwrap_or_else(|_| panic!("{faulty:?}: the panic escaped run"));
        match err {
            Err(Error::Handler { error_type, .. }) => {
                assert_eq!(error_type, PANIC_ERROR_TYPE, "{faulty:?}")
            }
            other => panic!("{faulty:?}: {other:?}"),
        }
        let report = emu
            .wait_records(3, WAIT)
            .into_iter()
            .find(|r| r.kind == Kind::ExtensionExitError)
            .unwrap_or_else(|| panic!("{faulty:?}: nothing posted to /extension/exit/error"));
        assert_eq!(
            report.header("lambda-extension-function-error-type"),
            Some(PANIC_ERROR_TYPE),
            "{faulty:?}"
        );
    }
}

#[test]
fn warm_events_through_run_allocate_nothing() {
    const WARM_UP: usize = 10;
    const MEASURED: usize = 500;
    let (_emu, endpoint) = serving_for_one_extension(WARM_UP + MEASURED);
    let samples = counted(move || {
        let mut ext = Extension::register_at(&endpoint, "counted-run", Events::ALL).unwrap();
        let mut samples = Vec::with_capacity(WARM_UP + MEASURED);
        let err = ext.run(|event| {
            samples.push(allocations());
            match event {
                Event::Invoke(_) if samples.len() < WARM_UP + MEASURED => Ok(()),
                _ => Err(lambda_zero::Diagnostic {
                    error_type: "Test.Done",
                    error_message: "measured enough",
                }),
            }
        });
        assert!(matches!(err, Err(Error::Handler { .. })), "{err:?}");
        samples
    });
    let warm = samples[samples.len() - 1] - samples[WARM_UP];
    assert_eq!(
        warm, 0,
        "{MEASURED} warm events through run allocated {warm} times"
    );
}
