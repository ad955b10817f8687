//! The default `bootstrap` binary as Lambda runs it: a process with
//! `AWS_LAMBDA_RUNTIME_API` in its environment.

use lambda_zero_emulator::{Drained, Emulator, Event, Kind, Reply, Script};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// The answer to a REST API event, and to any event of no known shape.
const HELLO: &str = r#"{"statusCode":200,"headers":{"content-type":"text/plain"},"body":"Hello World!","isBase64Encoded":false}"#;
/// The answer to an HTTP API (payload 2.0) or function URL event.
const HELLO_V2: &str = r#"{"statusCode":200,"headers":{"content-type":"text/plain"},"cookies":[],"body":"Hello World!","isBase64Encoded":false}"#;

/// Hang guard only: a test fails (instead of hanging CI) if the process
/// outlives this; no assertion is made about how fast it exits.
const HANG_GUARD: Duration = Duration::from_secs(60);

fn bootstrap(runtime_api: Option<&str>) -> Output {
    bootstrap_with(runtime_api, &[])
}

fn bootstrap_with(runtime_api: Option<&str>, env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bootstrap"));
    cmd.env_remove("AWS_LAMBDA_MAX_CONCURRENCY")
        .envs(env.iter().copied());
    cmd.env_remove("AWS_LAMBDA_RUNTIME_API")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(api) = runtime_api {
        cmd.env("AWS_LAMBDA_RUNTIME_API", api);
    }
    let mut child = cmd.spawn().expect("spawn bootstrap");
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > HANG_GUARD {
            child.kill().ok();
            panic!("bootstrap still running after {HANG_GUARD:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().expect("output")
}

fn one_line_diagnostic(out: &Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "exit status; stderr: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr:?}");
    assert!(stderr.starts_with("lambda-zero: fatal: "), "{stderr}");
    stderr
}

#[test]
fn answers_every_event_with_hello_world() {
    let emu = Emulator::start(Script::new().events((0..50).map(|i| {
        let e = Event::new(format!("req-{i}"), r#"{"version":"2.0","rawPath":"/"}"#);
        if i % 2 == 0 {
            e.chunked(5)
        } else {
            e
        }
    })))
    .unwrap();
    let out = bootstrap(Some(&emu.runtime_api()));
    let records = emu.records();
    assert_eq!(records.len(), 50);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(
            (r.kind, r.request_id.as_str()),
            (Kind::Response, format!("req-{i}").as_str())
        );
        assert_eq!(r.body_str(), Some(HELLO_V2));
    }
    assert_eq!(emu.connections(), 1);
    // The script's end (a 500 on /next) ends the process: one line, exit 1.
    let line = one_line_diagnostic(&out);
    assert!(line.contains("GET /next") && line.contains("500"), "{line}");
}

#[test]
fn answers_each_event_shape_in_the_shape_its_integration_accepts() {
    use serde_json::Value;
    let dir = format!("{}/tests/data", env!("CARGO_MANIFEST_DIR"));
    let sample = |name: &str| std::fs::read(format!("{dir}/{name}")).unwrap();
    // (event, the fields the answer must have, exactly)
    let v1: &[&str] = &["statusCode", "headers", "body", "isBase64Encoded"];
    let v2: &[&str] = &[
        "statusCode",
        "headers",
        "cookies",
        "body",
        "isBase64Encoded",
    ];
    let alb: &[&str] = &[
        "statusCode",
        "statusDescription",
        "headers",
        "body",
        "isBase64Encoded",
    ];
    let alb_mv: &[&str] = &[
        "statusCode",
        "statusDescription",
        "multiValueHeaders",
        "body",
        "isBase64Encoded",
    ];
    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        ("rest-api", sample("apigw-rest-proxy.json"), v1),
        ("http-api-v1", sample("apigw-http-v1.json"), v1),
        ("http-api-v2", sample("apigw-http-v2.json"), v2),
        ("function-url", sample("lambda-function-url.json"), v2),
        ("cargo-lambda-url", sample("cargo-lambda-url.json"), v2),
        ("alb", sample("alb.json"), alb),
        ("alb-multi-value", sample("alb-multi-value.json"), alb_mv),
        (
            "s3",
            br#"{"Records":[{"eventSource":"aws:s3"}]}"#.to_vec(),
            v1,
        ),
        (
            "scheduled",
            br#"{"version":"0","source":"aws.events"}"#.to_vec(),
            v1,
        ),
        ("not json", b"hello".to_vec(), v1),
    ];
    let emu = Emulator::start(
        Script::new().events(
            cases
                .iter()
                .map(|(name, event, _)| Event::new(*name, event.clone())),
        ),
    )
    .unwrap();
    let out = bootstrap(Some(&emu.runtime_api()));
    let records = emu.records();
    assert_eq!(records.len(), cases.len());
    for (r, (name, _, fields)) in records.iter().zip(&cases) {
        assert_eq!((r.kind, r.request_id.as_str()), (Kind::Response, *name));
        let answer: Value = serde_json::from_slice(&r.body).unwrap();
        let mut got: Vec<&str> = answer
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        let mut want = fields.to_vec();
        got.sort_unstable();
        want.sort_unstable();
        assert_eq!(got, want, "{name}: {answer}");
        assert_eq!(answer["statusCode"], 200, "{name}");
        assert_eq!(answer["body"], "Hello World!", "{name}");
        assert_eq!(answer["isBase64Encoded"], false, "{name}");
        if fields.contains(&"cookies") {
            assert_eq!(answer["cookies"], serde_json::json!([]), "{name}");
        }
        if fields.contains(&"statusDescription") {
            assert_eq!(answer["statusDescription"], "200 OK", "{name}");
        }
        let content_type = match fields.contains(&"multiValueHeaders") {
            true => &answer["multiValueHeaders"]["content-type"][0],
            false => &answer["headers"]["content-type"],
        };
        assert_eq!(content_type, "text/plain", "{name}");
        if *fields == v1 {
            assert_eq!(r.body_str(), Some(HELLO), "{name}");
        }
        if *fields == v2 {
            assert_eq!(r.body_str(), Some(HELLO_V2), "{name}");
        }
    }
    one_line_diagnostic(&out);
}

#[test]
fn refuses_a_bad_runtime_api_variable_with_one_line() {
    for value in [
        None,
        Some(""),
        Some("https://127.0.0.1:9001"),
        Some("127.0.0.1"),
        Some("not a host:1"),
        Some("[::1]"),
    ] {
        let out = bootstrap(value);
        let line = one_line_diagnostic(&out);
        assert!(line.contains("AWS_LAMBDA_RUNTIME_API"), "{value:?}: {line}");
    }
}

#[test]
fn exits_when_the_api_is_unreachable() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let out = bootstrap(Some(&format!("127.0.0.1:{port}")));
    let line = one_line_diagnostic(&out);
    assert!(line.contains("cannot connect"), "{line}");
}

#[test]
fn exits_on_a_500_from_next_without_spinning() {
    let emu = Emulator::start(
        Script::new()
            .reply(Reply::Status(500, b"{}".to_vec()))
            .events([Event::new("never", "{}")]),
    )
    .unwrap();
    let out = bootstrap(Some(&emu.runtime_api()));
    one_line_diagnostic(&out);
    assert_eq!(emu.next_requests(), 1, "asked /next once, did not retry");
    assert!(emu.records().is_empty());
}

#[test]
fn exits_when_the_connection_drops_mid_event() {
    let cut = Event::new("cut", vec![b'x'; 100_000]);
    let emu = Emulator::start(Script::new().reply(Reply::CloseMidBody(cut))).unwrap();
    let out = bootstrap(Some(&emu.runtime_api()));
    let line = one_line_diagnostic(&out);
    assert!(line.contains("closed"), "{line}");
    assert!(emu.records().is_empty());
}

#[test]
fn serves_on_as_many_connections_as_max_concurrency_says() {
    const EVENTS: usize = 300;
    let script = Script::new()
        .events((0..EVENTS).map(|i| Event::new(format!("c-{i}"), "{}")))
        .drained(Drained::Block);
    let emu = Emulator::start(script).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env("AWS_LAMBDA_RUNTIME_API", emu.runtime_api())
        .env("AWS_LAMBDA_MAX_CONCURRENCY", "3")
        .stdin(Stdio::null())
        .spawn()
        .unwrap();
    // Once the events are served, each of the 3 workers ends up waiting in
    // its own /next (the emulator holds them, like Lambda).
    let nexts = emu.wait_next_requests(EVENTS + 3, HANG_GUARD);
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(nexts, EVENTS + 3);
    let records = emu.records();
    assert_eq!(records.len(), EVENTS);
    assert!(records
        .iter()
        .all(|r| r.kind == Kind::Response && r.body_str() == Some(HELLO)));
    assert_eq!(emu.connections(), 3, "one connection per worker");
}

#[test]
fn an_invalid_max_concurrency_is_an_init_error() {
    for value in ["0", "-2", "many", "100000"] {
        let emu = Emulator::start(Script::new().events([Event::new("never", "{}")])).unwrap();
        let out = bootstrap_with(
            Some(&emu.runtime_api()),
            &[("AWS_LAMBDA_MAX_CONCURRENCY", value)],
        );
        let line = one_line_diagnostic(&out);
        assert!(line.contains("AWS_LAMBDA_MAX_CONCURRENCY"), "{line}");
        let records = emu.records();
        assert_eq!(records.len(), 1, "{value}");
        assert_eq!(records[0].kind, Kind::InitError);
        assert_eq!(
            records[0].header("lambda-runtime-function-error-type"),
            Some("Runtime.InvalidConfig")
        );
        assert_eq!(emu.next_requests(), 0);
    }
}
