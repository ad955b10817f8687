//! The optional features: `sigterm` (graceful exit) and `log` (the facade).
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
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    // Served everything, now waiting in /next like an idle sandbox.
    assert_eq!(emu.wait_next_requests(21, Duration::from_secs(60)), 21);
    let kill = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "exit status after SIGTERM");
    assert!(String::from_utf8_lossy(&out.stdout).contains("SIGTERM"));
    assert_eq!(emu.records().len(), 20);
}

#[cfg(feature = "log")]
#[test]
fn the_log_facade_goes_through_the_lambda_logger() {
    lambda_zero::log::init_log_facade().unwrap();
    assert!(
        lambda_zero::log::init_log_facade().is_err(),
        "a second logger is refused"
    );
    assert!(log::log_enabled!(log::Level::Info));
    assert_eq!(
        log::log_enabled!(log::Level::Debug),
        lambda_zero::log::enabled(lambda_zero::log::Level::Debug)
    );
    log::info!("through the facade");
}
