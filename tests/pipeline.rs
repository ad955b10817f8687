//! `GET /next` pipelined behind each response or error POST: one write for
//! both, the two answers read in order, and every way back to one request
//! at a time. The framing of a pipelined pair, split at every byte, is
//! tested in `src/http/tests.rs`; these run the real loop against the
//! emulator (and the real `bootstrap` where the log line matters).

use lambda_zero::internals::Endpoint;
use lambda_zero::{Config, Invocation, Output, Runtime, RuntimeError};
use lambda_zero_emulator::{Emulator, Event, Kind, Script};
use std::convert::Infallible;
use std::process::Command;

fn events(n: usize) -> Vec<Event> {
    (0..n).map(|i| Event::new(format!("e{i}"), "{}")).collect()
}

fn serve(emu: &Emulator, pipeline: bool) -> (RuntimeError, Vec<String>) {
    let mut rt = Runtime::new(
        &Endpoint::parse(&emu.runtime_api()).unwrap(),
        Config::default(),
    )
    .unwrap();
    rt.set_pipelining(pipeline);
    let mut seen = Vec::new();
    let err = rt.run(|inv: &Invocation<'_>, out: &mut Output<'_>| {
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

#[test]
fn every_post_carries_the_next_get_on_one_connection() {
    let emu = Emulator::start(Script::new().events(events(50))).unwrap();
    let (err, seen) = serve(&emu, true);
    assert!(is_drained(&err), "{err}");
    assert_eq!(seen.len(), 50);
    let records = emu.records();
    assert!(records
        .iter()
        .all(|r| r.kind == Kind::Response && r.problem.is_none()));
    assert_eq!(emu.connections(), 1);
    // Each POST had its GET behind it when it was answered.
    assert_eq!(emu.pipelined(), 50);
    assert_eq!(emu.next_requests(), 51);
}

#[test]
fn without_pipelining_each_request_waits_for_its_answer() {
    let emu = Emulator::start(Script::new().events(events(20))).unwrap();
    let (err, seen) = serve(&emu, false);
    assert!(is_drained(&err), "{err}");
    assert_eq!(seen.len(), 20);
    assert_eq!(emu.pipelined(), 0);
}

#[test]
fn a_server_that_refuses_pipelining_is_asked_again_and_pipelining_stops() {
    let emu = Emulator::start(Script::new().events(events(10)).refuse_pipelining(true)).unwrap();
    let (err, seen) = serve(&emu, true);
    assert!(is_drained(&err), "{err}");
    let want: Vec<_> = (0..10).map(|i| format!("e{i}")).collect();
    assert_eq!(seen, want, "nothing lost, nothing twice");
    assert_eq!(emu.records().len(), 10);
    assert_eq!(
        emu.refused_pipelined(),
        1,
        "refused once, then never tried again"
    );
    assert_eq!(emu.connections(), 2);
}

#[test]
fn a_4xx_to_the_post_is_logged_and_the_pipelined_event_served() {
    let script = Script::new()
        .event(Event::new("late", "{}").with_post_status(410))
        .event(Event::new("big", "{}").with_post_status(413))
        .event(Event::new("after", "{}"));
    let emu = Emulator::start(script).unwrap();
    let (err, seen) = serve(&emu, true);
    assert!(is_drained(&err), "{err}");
    assert_eq!(seen, ["late", "big", "after"]);
    assert_eq!(emu.connections(), 1);
}

#[test]
fn a_5xx_to_the_post_ends_the_loop_before_the_pipelined_event() {
    let script = Script::new()
        .event(Event::new("broken", "{}").with_post_status(500))
        .event(Event::new("never", "{}"));
    let emu = Emulator::start(script).unwrap();
    let (err, seen) = serve(&emu, true);
    assert!(
        matches!(
            err,
            RuntimeError::Status {
                during: "POST /response",
                status: 500
            }
        ),
        "{err}"
    );
    assert_eq!(seen, ["broken"]);
}

#[test]
fn errors_pipeline_too() {
    let emu = Emulator::start(Script::new().events(events(5))).unwrap();
    let mut rt = Runtime::new(
        &Endpoint::parse(&emu.runtime_api()).unwrap(),
        Config::default(),
    )
    .unwrap();
    let err = rt.run(|_: &Invocation<'_>, _: &mut Output<'_>| Err("no"));
    assert!(is_drained(&err), "{err}");
    assert!(emu.records().iter().all(|r| r.kind == Kind::Error));
    assert_eq!(emu.pipelined(), 5);
}

#[test]
fn each_worker_pipelines_on_its_own_connection() {
    let emu = Emulator::start(Script::new().events(events(200))).unwrap();
    let rt = Runtime::new(
        &Endpoint::parse(&emu.runtime_api()).unwrap(),
        Config::default(),
    )
    .unwrap();
    let errors = rt.run_workers(4, &|_: &Invocation<'_>, _: &mut Output<'_>| {
        Ok::<(), Infallible>(())
    });
    assert!(errors.iter().all(is_drained), "{errors:?}");
    let records = emu.records();
    assert_eq!(records.len(), 200);
    assert_eq!(emu.connections(), 4);
    assert_eq!(emu.pipelined(), 200);
}

#[test]
fn the_bootstrap_says_once_that_pipelining_is_off_and_the_switch_works() {
    let run = |refuse: bool, pipeline: Option<&str>| {
        let emu =
            Emulator::start(Script::new().events(events(5)).refuse_pipelining(refuse)).unwrap();
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_bootstrap"));
        cmd.env("AWS_LAMBDA_RUNTIME_API", emu.runtime_api())
            .env_remove("AWS_LAMBDA_LOG_LEVEL")
            .env_remove("AWS_LAMBDA_LOG_FORMAT")
            .env_remove("AWS_LAMBDA_MAX_CONCURRENCY")
            .env_remove("LAMBDA_ZERO_PIPELINE");
        if let Some(v) = pipeline {
            cmd.env("LAMBDA_ZERO_PIPELINE", v);
        }
        let out = cmd.output().unwrap();
        assert_eq!(emu.records().len(), 5);
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            emu.pipelined(),
        )
    };
    let (stdout, _) = run(true, None);
    let lines: Vec<_> = stdout
        .lines()
        .filter(|l| l.contains("pipelining off"))
        .collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    let (stdout, pipelined) = run(false, Some("0"));
    assert_eq!(pipelined, 0, "LAMBDA_ZERO_PIPELINE=0 turns it off");
    assert!(stdout.is_empty(), "{stdout}");
    let (_, pipelined) = run(false, None);
    assert_eq!(pipelined, 5);
}
