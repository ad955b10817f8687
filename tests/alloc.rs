//! The zero-allocation promise, proven with a counting global allocator.
//!
//! Only allocations made on the runtime's own thread are counted (the
//! emulator serving it runs on other threads). After a warm-up that sizes
//! the buffers, a warm invocation — reading `/next`, parsing the head,
//! building the context, calling the handler, writing the response or the
//! error report, reading the `202` — must allocate nothing.

use lambda_zero::internals::Endpoint;
use lambda_zero::{Config, Diagnostic, Runtime, RuntimeError};
use lambda_zero_emulator::{Emulator, Event, Kind, Script};
#[path = "support/counting.rs"]
mod counting;

use counting::{allocations, counted};
use std::fmt::Write as _;

const WARM_UP: usize = 20;
const MEASURED: usize = 2000;

/// A varied event no larger than the warm-up's largest.
fn event(i: usize) -> Event {
    let size = [60, 900, 4000, 15, 2500][i % 5];
    let body = format!("{{\"i\":{i},\"pad\":\"{}\"}}", "p".repeat(size));
    let e = Event::new(format!("8476a536-e9f4-11e8-9739-{i:012}"), body)
        .with_trace_id(format!(
            "Root=1-5759e988-bd862e3fe1be46a9942727{i:02};Sampled=1"
        ))
        .with_header(
            "Lambda-Runtime-Client-Context",
            "{\"custom\":{\"k\":\"v\"}}",
        );
    let e = if i % 3 == 0 {
        e.with_invocation_id(format!("inv-{i}"))
    } else {
        e
    };
    if i % 4 == 1 {
        e.chunked(1000)
    } else {
        e
    }
}

#[test]
fn warm_invocations_allocate_nothing_on_success_and_error_paths() {
    let total = WARM_UP + MEASURED;
    let emu = Emulator::start(Script::new().events((0..total).map(event))).unwrap();
    let api = emu.runtime_api();
    let (samples, err) = counted(move || {
        let endpoint = Endpoint::parse(&api).unwrap();
        let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
        let mut samples: Vec<usize> = Vec::with_capacity(total);
        let err = rt.run(|inv, out| {
            samples.push(allocations());
            let n = samples.len();
            if n % 2 == 0 {
                // Error path: a Display message formatted into the send buffer.
                return Err(Diagnostic {
                    error_type: "Test.Failure",
                    error_message: Failure(n),
                });
            }
            write!(
                out,
                "{{\"request\":\"{}\",\"len\":{},\"trace\":",
                inv.context.request_id,
                inv.event.len()
            )
            .unwrap();
            out.write_bytes(b"\"");
            out.write_json_str(inv.context.xray_trace_id.unwrap_or(""));
            out.write_bytes(b"\"}");
            Ok(())
        });
        (samples, err)
    });
    assert!(
        matches!(err, RuntimeError::Status { status: 500, .. }),
        "{err}"
    );
    assert_eq!(samples.len(), total);
    let records = emu.records();
    assert_eq!(
        records.iter().filter(|r| r.kind == Kind::Response).count(),
        total / 2
    );
    assert_eq!(
        records.iter().filter(|r| r.kind == Kind::Error).count(),
        total / 2
    );

    let warm = samples[total - 1] - samples[WARM_UP];
    println!(
        "allocations: {} during start-up and warm-up, {warm} over {} warm invocations ({} per invocation)",
        samples[WARM_UP],
        total - 1 - WARM_UP,
        warm as f64 / (total - 1 - WARM_UP) as f64
    );
    assert_eq!(warm, 0, "warm invocations allocated");
}

struct Failure(usize);

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "invocation {} failed: \"quoted\"\nand multi-line",
            self.0
        )
    }
}

#[test]
fn the_prebuilt_loop_allocates_nothing_at_all_after_start_up() {
    let body = lambda_zero::events::Prebuilt::text(
        lambda_zero::events::Shape::RestApi,
        200,
        "text/plain",
        "Hello World!",
    )
    .into_bytes();
    let mut totals = Vec::new();
    for n in [10, 1000] {
        let emu = Emulator::start(
            Script::new().events((0..n).map(|i| Event::new(format!("id-{i}"), "{}"))),
        )
        .unwrap();
        let api = emu.runtime_api();
        let body = body.clone();
        let used = counted(move || {
            let endpoint = Endpoint::parse(&api).unwrap();
            let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
            let before = allocations();
            let err = rt.run_prebuilt(&body);
            assert!(
                matches!(err, RuntimeError::Status { status: 500, .. }),
                "{err}"
            );
            allocations() - before
        });
        assert_eq!(emu.records().len(), n);
        totals.push(used);
    }
    println!(
        "prebuilt loop allocations: {} for 10 events, {} for 1000",
        totals[0], totals[1]
    );
    assert_eq!(
        totals[0], totals[1],
        "allocations grew with the number of events"
    );
}

#[test]
fn warm_streamed_invocations_allocate_nothing() {
    let total = WARM_UP + 300;
    let script = Script::new().events((0..total).map(|i| Event::new(format!("s-{i}"), "{}")));
    let emu = Emulator::start(script).unwrap();
    let api = emu.runtime_api();
    let samples = counted(move || {
        let endpoint = Endpoint::parse(&api).unwrap();
        let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
        let mut samples: Vec<usize> = Vec::with_capacity(total);
        let chunk = [b'z'; 3000];
        let err = rt.run_streaming(|inv, stream| {
            samples.push(allocations());
            let io = |_| Diagnostic {
                error_type: "Io",
                error_message: "write failed",
            };
            if samples.len() % 3 == 0 {
                stream
                    .http_prelude(200, &[("content-type", "text/plain")], &["k=v"])
                    .map_err(io)?;
            }
            for _ in 0..40 {
                stream.write_bytes(&chunk).map_err(io)?;
            }
            write!(stream, "{}", inv.context.request_id).map_err(|_| Diagnostic {
                error_type: "Fmt",
                error_message: "format failed",
            })?;
            if samples.len() % 2 == 0 {
                // Error after streaming started: reported in the trailers.
                return Err(Diagnostic {
                    error_type: "Test.Stream",
                    error_message: "mid-stream failure",
                });
            }
            Ok(())
        });
        assert!(
            matches!(err, RuntimeError::Status { status: 500, .. }),
            "{err}"
        );
        samples
    });
    assert_eq!(emu.records().len(), total);
    let warm = samples[total - 1] - samples[WARM_UP];
    println!(
        "streamed: {warm} allocations over {} warm invocations of 120 KB",
        total - 1 - WARM_UP
    );
    assert_eq!(warm, 0, "warm streamed invocations allocated");
}
