//! `Extension::run` against the emulator when the user's code fails in
//! unusual places (rev-ext review).
#![cfg(feature = "extension")]

#[path = "support/counting.rs"]
mod counting;

use counting::{allocations, counted};
use lambda_zero::extension::{Error, Event, Events, Extension, PANIC_ERROR_TYPE};
use lambda_zero::internals::Endpoint;
use lambda_zero::{Config, HandlerError, Runtime};
use lambda_zero_emulator::{Drained, Emulator, Event as Invocation, Kind, Script};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread;
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

fn endpoint(emu: &Emulator) -> Endpoint {
    Endpoint::parse(&emu.runtime_api()).unwrap()
}

/// A runtime answering every event with `{}`, on a thread of its own.
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

/// An error whose own code panics.
#[derive(Debug, Clone, Copy)]
enum Faulty {
    Display,
    ErrorType,
}

impl fmt::Display for Faulty {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Faulty::Display = self {
            panic!("Display of the error panicked");
        }
        f.write_str("a faulty error")
    }
}

impl HandlerError for Faulty {
    fn error_type(&self) -> &str {
        if let Faulty::ErrorType = self {
            panic!("error_type panicked");
        }
        "Test.Faulty"
    }
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
    let events = (0..WARM_UP + MEASURED).map(|i| Invocation::new(format!("req-{i}"), "{}"));
    let emu = Emulator::start(
        Script::new()
            .events(events)
            .drained(Drained::Block)
            .expect_extensions(1),
    )
    .unwrap();
    serve_function(&emu);
    let endpoint = endpoint(&emu);
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
