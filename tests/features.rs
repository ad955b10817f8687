//! The optional features: `sigterm` (graceful exit), `log` (the facade) and
//! `tracing` (the subscriber).
//! Run with `cargo test --all-features`; without them this file is empty.

#[cfg(feature = "sigterm")]
#[test]
fn sigterm_ends_an_idle_bootstrap_with_status_0() {
    use lambda_zero_emulator::{Drained, Emulator, Event, Script};
    use std::process::{Command, Stdio};
    use std::time::Duration;

    let script = Script::new()
        .events((0..20).map(|i| Event::new(format!("t-{i}"), "{}")))
        .drained(Drained::Block);
    let emu = Emulator::start(script).unwrap();
    let child = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env("AWS_LAMBDA_RUNTIME_API", emu.runtime_api())
        .env_remove("AWS_LAMBDA_MAX_CONCURRENCY")
        // The goodbye is an INFO record: whatever the ambient settings.
        .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
        .env("AWS_LAMBDA_LOG_FORMAT", "Text")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Served everything, now waiting in /next like an idle sandbox.
    assert_eq!(emu.wait_next_requests(21, Duration::from_secs(60)), 21);
    // The shell's built-in `kill` (POSIX requires one; dash, bash and
    // busybox have it): no `kill` executable, no unsafe, no dependency.
    let kill = Command::new("sh")
        .args(["-c", "kill -TERM \"$1\"", "sh", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "exit status after SIGTERM");
    assert!(String::from_utf8_lossy(&out.stdout).contains("SIGTERM"));
    assert_eq!(emu.records().len(), 20);
}

/// Set in the child process that `the_log_facade_goes_through_the_lambda_logger`
/// starts: it logs instead of starting a child.
#[cfg(feature = "log")]
const FACADE_CHILD: &str = "LAMBDA_ZERO_FACADE_CHILD";

#[cfg(feature = "log")]
#[test]
fn the_log_facade_goes_through_the_lambda_logger() {
    use std::process::Command;

    if std::env::var_os(FACADE_CHILD).is_some() {
        lambda_zero::init_log_facade().unwrap();
        assert!(
            lambda_zero::init_log_facade().is_err(),
            "a second logger is refused"
        );
        log::debug!("below the threshold");
        log::warn!("through the facade");
        log::error!("and\nagain");
        return;
    }
    // The logger reads its settings once per process from the environment:
    // run this test again in a child with the variables it needs, whatever
    // the ambient ones are, and read what it wrote.
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "the_log_facade_goes_through_the_lambda_logger",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(FACADE_CHILD, "1")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_LAMBDA_LOG_LEVEL", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "child failed: {stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // libtest prints its own words on the same lines: take the records.
    let records: Vec<&str> = stdout
        .lines()
        .filter_map(|l| l.find("{\"timestamp\":").map(|at| &l[at..]))
        .collect();
    assert_eq!(records.len(), 2, "{stdout}");
    assert!(
        records[0].ends_with(r#","level":"WARN","message":"through the facade"}"#),
        "{}",
        records[0]
    );
    assert!(
        records[1].ends_with(r#","level":"ERROR","message":"and\nagain"}"#),
        "{}",
        records[1]
    );
    assert!(!stdout.contains("below the threshold"), "{stdout}");
}

#[cfg(feature = "tracing")]
#[test]
fn tracing_events_go_through_the_lambda_logger_with_their_fields() {
    use std::process::Command;
    const CHILD: &str = "LZ_TRACING_CHILD";
    if std::env::var_os(CHILD).is_some() {
        lambda_zero::init_tracing().unwrap();
        assert!(
            lambda_zero::init_tracing().is_err(),
            "a second subscriber is refused"
        );
        tracing::debug!("below the threshold");
        let span = tracing::info_span!("ignored", id = 7);
        let _in = span.enter();
        tracing::info!(user = "ann", n = 3, "hello {}", "world");
        tracing::error!(ok = false, "line1\nline2");
        return;
    }
    let out = Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "tracing_events_go_through_the_lambda_logger_with_their_fields",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD, "1")
        .env("AWS_LAMBDA_LOG_FORMAT", "JSON")
        .env("AWS_LAMBDA_LOG_LEVEL", "INFO")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let records: Vec<serde_json::Value> = stdout
        .lines()
        .filter_map(|l| l.find("{\"timestamp\":").map(|at| &l[at..]))
        .map(|r| serde_json::from_str(r).unwrap())
        .collect();
    assert_eq!(records.len(), 2, "{stdout}");
    assert_eq!(records[0]["level"], "INFO");
    assert_eq!(records[0]["message"], "hello world user=ann n=3");
    assert_eq!(records[1]["level"], "ERROR");
    assert_eq!(records[1]["message"], "line1\nline2 ok=false");
}
