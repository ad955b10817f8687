//! Zero allocations per warm invocation with `AWS_LAMBDA_LOG_FORMAT=JSON`
//! and a record logged in every invocation (a test binary of its own: the
//! log settings are read from the environment once per process).

#[path = "support/counting.rs"]
mod counting;

use counting::{allocations, counted};
use lambda_zero::internals::Endpoint;
use lambda_zero::internals::{enabled, settings, Format, Level};
use lambda_zero::{Config, Runtime, RuntimeError};
use lambda_zero_emulator::{Emulator, Event, Script};

#[test]
fn json_logging_in_every_invocation_allocates_nothing_once_warm() {
    const WARM_UP: usize = 5;
    const TOTAL: usize = 60;
    std::env::set_var("AWS_LAMBDA_LOG_FORMAT", "JSON");
    std::env::set_var("AWS_LAMBDA_LOG_LEVEL", "INFO");
    assert_eq!(settings().format, Format::Json);
    assert!(!enabled(Level::Debug));

    let script =
        Script::new().events((0..TOTAL).map(|i| Event::new(format!("log-{i}"), "{\"k\":\"v\"}")));
    let emu = Emulator::start(script).unwrap();
    let api = emu.runtime_api();
    let samples = counted(move || {
        let endpoint = Endpoint::parse(&api).unwrap();
        let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
        let mut samples = Vec::with_capacity(TOTAL);
        let err = rt.run(|inv, out| {
            samples.push(allocations());
            lambda_zero::info!(
                "handling {} bytes: \"{}\"",
                inv.event.len(),
                inv.event_str().unwrap_or("")
            );
            lambda_zero::debug!("dropped below the threshold {}", samples.len());
            out.write_bytes(b"ok");
            Ok::<(), std::convert::Infallible>(())
        });
        assert!(
            matches!(err, RuntimeError::Status { status: 500, .. }),
            "{err}"
        );
        samples
    });
    let warm = samples[TOTAL - 1] - samples[WARM_UP];
    println!(
        "JSON logs: {warm} allocations over {} warm invocations",
        TOTAL - 1 - WARM_UP
    );
    assert_eq!(warm, 0, "logging allocated");
}
