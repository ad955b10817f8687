//! Handler errors whose own code panics while the runtime reports them
//! (`Display`, `error_type`, `respond` run after the handler returned):
//! the invocation is still answered once, on its own id, and the loop
//! goes on.

use lambda_zero::internals::{Endpoint, PANIC_ERROR_TYPE};
use lambda_zero::{Config, Invocation, Output, Runtime, RuntimeError};
use lambda_zero_emulator::{Emulator, Event, Kind, Record, Script};
use std::panic::{catch_unwind, AssertUnwindSafe};

#[path = "support/faulty.rs"]
mod faulty;

use faulty::Faulty;

/// The emulator serving `script`, and a runtime for it.
fn start(script: Script) -> (Emulator, Runtime) {
    let emu = Emulator::start(script).unwrap();
    let endpoint = Endpoint::parse(&emu.runtime_api()).unwrap();
    let rt = Runtime::new(&endpoint, Config::default()).unwrap();
    (emu, rt)
}

/// Says that a panic escaped `from`, and what had been posted by then.
fn escaped(from: &str, emu: &Emulator) -> String {
    format!(
        "the panic escaped {from}; posted: {:?}",
        posted(&emu.records())
    )
}

/// What was posted, and about which request id.
fn posted(records: &[Record]) -> Vec<(Kind, &str)> {
    records
        .iter()
        .map(|r| (r.kind, r.request_id.as_str()))
        .collect()
}

/// Serves `faulty` for the event `bad` between two good ones; `Err` when
/// the panic escaped `run`.
fn serve(faulty: Faulty) -> Result<(RuntimeError, Vec<Record>), String> {
    let script = Script::new()
        .event(Event::new("ok-1", "{}"))
        .event(Event::new("bad", "{}"))
        .event(Event::new("ok-2", "{}"));
    let (emu, mut rt) = start(script);
    let handler = |inv: &Invocation<'_>, out: &mut Output<'_>| {
        if inv.context.request_id == "bad" {
            return Err(faulty);
        }
        out.write_bytes(b"{\"ok\":true}");
        Ok(())
    };
    let stop = catch_unwind(AssertUnwindSafe(|| rt.run(handler))).map_err(|p| {
        p.downcast_ref::<&str>()
            .map(|s| s.to_string())
            .unwrap_or_default()
    });
    match stop {
        Ok(stop) => Ok((stop, emu.records())),
        Err(why) => Err(escaped(&format!("run ({why})"), &emu)),
    }
}

#[test]
fn an_error_whose_own_code_panics_is_reported_as_a_panic_and_the_loop_goes_on() {
    for faulty in [Faulty::Display, Faulty::ErrorType, Faulty::Respond] {
        let (stop, records) = serve(faulty).unwrap_or_else(|e| panic!("{faulty:?}: {e}"));
        assert!(
            matches!(
                stop,
                RuntimeError::Status {
                    during: "GET /next",
                    status: 500
                }
            ),
            "{faulty:?}: {stop}"
        );
        assert_eq!(
            posted(&records),
            [
                (Kind::Response, "ok-1"),
                (Kind::Error, "bad"),
                (Kind::Response, "ok-2")
            ],
            "{faulty:?}"
        );
        let bad = &records[1];
        assert_eq!(
            bad.header("lambda-runtime-function-error-type"),
            Some(PANIC_ERROR_TYPE),
            "{faulty:?}"
        );
        let body = bad.body_str().unwrap();
        assert!(
            body.starts_with("{\"errorMessage\":\"handler panicked: ")
                && body.ends_with(&format!(
                    "\",\"errorType\":\"{PANIC_ERROR_TYPE}\",\"stackTrace\":[]}}"
                )),
            "{faulty:?}: {body}"
        );
    }
}

/// The streaming loop: `faulty` returned before any byte went out (a
/// plain `/error`) and after (the error trailers).
fn serve_streaming(faulty: Faulty) -> Result<Vec<Record>, String> {
    let script = Script::new()
        .event(Event::new("early", "{}"))
        .event(Event::new("late", "{}"))
        .event(Event::new("ok", "{}"));
    let (emu, mut rt) = start(script);
    let handler = |inv: &Invocation<'_>, stream: &mut lambda_zero::Stream<'_>| {
        match inv.context.request_id {
            "early" => return Err(faulty),
            "late" => {
                stream.write_bytes(b"some bytes").unwrap();
                stream.flush().unwrap();
                return Err(faulty);
            }
            _ => stream.write_bytes(b"fine").unwrap(),
        }
        Ok(())
    };
    match catch_unwind(AssertUnwindSafe(|| rt.run_streaming(handler))) {
        Ok(_) => Ok(emu.records()),
        Err(_) => Err(escaped("run_streaming", &emu)),
    }
}

#[test]
fn a_streamed_error_whose_own_code_panics_is_reported_as_a_panic() {
    for faulty in [Faulty::Display, Faulty::ErrorType] {
        let records = serve_streaming(faulty).unwrap_or_else(|e| panic!("{faulty:?}: {e}"));
        assert_eq!(
            posted(&records),
            [
                (Kind::Error, "early"),
                (Kind::Response, "late"),
                (Kind::Response, "ok")
            ],
            "{faulty:?}"
        );
        assert_eq!(
            records[0].header("lambda-runtime-function-error-type"),
            Some(PANIC_ERROR_TYPE),
            "{faulty:?}"
        );
        let trailer = records[1]
            .trailers
            .iter()
            .find(|(n, _)| n == "lambda-runtime-function-error-type")
            .map(|(_, v)| v.as_str());
        assert_eq!(trailer, Some(PANIC_ERROR_TYPE), "{faulty:?}");
        assert_eq!(records[2].body_str(), Some("fine"), "{faulty:?}");
    }
}

#[test]
fn an_init_error_whose_display_panics_is_still_reported_to_init_error() {
    let (emu, mut rt) = start(Script::new());
    let stop = catch_unwind(AssertUnwindSafe(|| rt.report_init_error(&Faulty::Display)))
        .unwrap_or_else(|_| panic!("the panic escaped report_init_error"));
    assert!(
        matches!(&stop, RuntimeError::Init(m) if m.contains("Display of the error panicked")),
        "{stop}"
    );
    let records = emu.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].kind, Kind::InitError);
    assert_eq!(
        records[0].header("lambda-runtime-function-error-type"),
        Some(PANIC_ERROR_TYPE)
    );
    assert!(records[0]
        .body_str()
        .unwrap()
        .contains("Display of the error panicked"));
}

#[test]
fn a_prebuilt_chooser_that_panics_fails_that_invocation_only() {
    let script = Script::new()
        .event(Event::new("ok-1", "{}"))
        .event(Event::new("bad", "{\"panic\":1}"))
        .event(Event::new("ok-2", "{}"));
    let (emu, mut rt) = start(script);
    let choose = |event: &[u8]| -> &'static [u8] {
        if event.starts_with(b"{\"panic\"") {
            panic!("the chooser panicked");
        }
        b"{\"ok\":true}"
    };
    let stop = catch_unwind(AssertUnwindSafe(|| rt.run_prebuilt_per_event(&choose)))
        .unwrap_or_else(|_| panic!("{}", escaped("run_prebuilt_per_event", &emu)));
    assert!(
        matches!(stop, RuntimeError::Status { status: 500, .. }),
        "{stop}"
    );
    assert_eq!(
        posted(&emu.records()),
        [
            (Kind::Response, "ok-1"),
            (Kind::Error, "bad"),
            (Kind::Response, "ok-2")
        ]
    );
}

#[test]
fn error_bodies_are_valid_json_for_any_message() {
    let mut nasty: String = (0u8..0x20).map(char::from).collect();
    nasty.push_str("\u{7f} \"quoted\" \\back\\slash\\ é ✓ \u{2028} 🦀 ");
    nasty.push_str(&"long ".repeat(50_000));
    let script = Script::new().events((0..3).map(|i| Event::new(format!("e{i}"), "{}")));
    let (emu, mut rt) = start(script);
    rt.run(|_: &Invocation<'_>, _: &mut Output<'_>| {
        Err(lambda_zero::Diagnostic {
            error_type: "Odd\"Type\r\nX-Injected: 1",
            error_message: nasty.as_str(),
        })
    });
    let records = emu.records();
    assert_eq!(records.len(), 3);
    for r in &records {
        assert_eq!(r.kind, Kind::Error);
        let v: serde_json::Value = serde_json::from_slice(&r.body).expect("valid JSON");
        assert_eq!(v["errorMessage"].as_str(), Some(nasty.as_str()));
        assert_eq!(v["errorType"].as_str(), Some("Odd\"Type\r\nX-Injected: 1"));
        assert_eq!(v["stackTrace"], serde_json::json!([]));
        assert_eq!(
            r.header("lambda-runtime-function-error-type"),
            Some("Odd\"Type__X-Injected: 1")
        );
        assert!(r.header("x-injected").is_none());
    }
}
