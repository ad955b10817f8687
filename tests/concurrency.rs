//! `AWS_LAMBDA_MAX_CONCURRENCY` > 1: several workers, each with its own
//! connection and buffers, serving interleaved events.

#[path = "support/counting.rs"]
mod counting;
#[path = "support/fault_server.rs"]
mod fault_server;

use counting::{allocations, count_this_thread};
use fault_server::{bootstrap_fails, event, FaultServer, Step};
use lambda_zero::internals::Endpoint;
use lambda_zero::{Config, Diagnostic, Runtime, RuntimeError};
use lambda_zero_emulator::{Emulator, Event, Kind, Script};
use std::cell::Cell;
use std::collections::HashSet;
use std::fmt::Write as _;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Barrier, Mutex};
use std::time::Duration;

const WORKERS: usize = 4;
const EVENTS: usize = 2000;

thread_local! {
    static CALLS: Cell<usize> = const { Cell::new(0) };
    static LAST: Cell<usize> = const { Cell::new(0) };
}

#[test]
fn workers_serve_interleaved_events_each_answer_reaching_its_own_id() {
    let script = Script::new()
        .events((0..EVENTS).map(|i| Event::new(format!("req-{i:05}"), format!("{{\"n\":{i}}}"))));
    let emu = Emulator::start(script).unwrap();
    let endpoint = Endpoint::parse(&emu.runtime_api()).unwrap();
    let rt = Runtime::new(&endpoint, Config::default()).unwrap();

    // The first WORKERS events wait for each other: they can only all get
    // here if WORKERS workers hold one each at the same time.
    let together = Barrier::new(WORKERS);
    let served = AtomicUsize::new(0);
    let warm_allocations = AtomicUsize::new(0);
    let threads = Mutex::new(HashSet::new());
    let handler = |inv: &lambda_zero::Invocation<'_>, out: &mut lambda_zero::Output<'_>| {
        count_this_thread();
        let calls = CALLS.with(|c| c.get() + 1);
        CALLS.with(|c| c.set(calls));
        let now = allocations();
        if calls > 2 {
            // Zero allocations per warm invocation, per worker: everything
            // this thread did since its previous call.
            warm_allocations.fetch_add(now - LAST.with(Cell::get), Ordering::Relaxed);
        }
        if served.fetch_add(1, Ordering::Relaxed) < WORKERS {
            threads.lock().unwrap().insert(std::thread::current().id());
            together.wait();
        }
        let result = if inv.event.ends_with(b"7}") {
            Err(Diagnostic {
                error_type: "Test.Seven",
                error_message: "ends in 7",
            })
        } else {
            write!(out, "{}|", inv.context.request_id).unwrap();
            out.write_bytes(inv.event);
            Ok(())
        };
        LAST.with(|c| c.set(allocations()));
        result
    };
    let stops = rt.run_workers(WORKERS, &handler);

    assert_eq!(stops.len(), WORKERS);
    for e in &stops {
        assert!(
            matches!(
                e,
                RuntimeError::Status {
                    during: "GET /next",
                    status: 500
                }
            ),
            "{e}"
        );
    }
    assert_eq!(
        threads.lock().unwrap().len(),
        WORKERS,
        "the first events ran on distinct threads"
    );
    let records = emu.records();
    assert_eq!(records.len(), EVENTS);
    let mut ids = HashSet::new();
    for r in &records {
        assert!(
            ids.insert(r.request_id.clone()),
            "{} answered twice",
            r.request_id
        );
        let n: usize = r.request_id[4..].parse().unwrap();
        if n % 10 == 7 {
            assert_eq!(r.kind, Kind::Error);
        } else {
            assert_eq!(r.kind, Kind::Response);
            assert_eq!(
                r.body_str().unwrap(),
                format!("{}|{{\"n\":{n}}}", r.request_id)
            );
        }
    }
    assert!(emu.connections() >= WORKERS, "a connection per worker");
    assert_eq!(
        warm_allocations.load(Ordering::Relaxed),
        0,
        "warm invocations allocated"
    );
}

/// One worker's connection dies for good (reset during its response POST,
/// and again on the one retry) while the other workers wait in `GET /next`:
/// the process exits 1 with one line, never carries on with a worker less.
#[test]
fn a_worker_whose_connection_dies_for_good_ends_the_process_with_one_line() {
    let waiting = || vec![Step::Request, Step::Stall];
    // Connections get their scripts in the order they are accepted: the
    // first serves an event, then resets the POST; the other workers wait;
    // the retry is reset too. Whichever worker meets a reset, the others
    // (and any late connection) only wait, so one line is written.
    let mut scripts = vec![vec![
        Step::Request,
        Step::Send(event("a", b"{}")),
        Step::AwaitRequest,
        Step::Reset,
    ]];
    scripts.extend((1..WORKERS).map(|_| waiting()));
    scripts.push(vec![Step::AwaitRequest, Step::Reset]);
    scripts.extend((0..WORKERS).map(|_| waiting()));
    let server = FaultServer::start(scripts);

    let workers = WORKERS.to_string();
    bootstrap_fails(
        &[("AWS_LAMBDA_MAX_CONCURRENCY", &workers)],
        "a worker's connection reset twice (a hang here is a worker lost silently)",
        &server.runtime_api(),
    );
}

/// Lambda Managed Instances under load: 100,000 invocations with random
/// (UUID-shaped) ids, 64 in flight, served by the real `bootstrap` with
/// `AWS_LAMBDA_MAX_CONCURRENCY=64`. Every id handed out is answered exactly
/// once, on its own id, with the pre-built answer; no answer goes to an id
/// that was never handed out; all 64 workers had an invocation at once.
#[test]
fn a_hundred_thousand_invocations_64_in_flight_each_answered_once_on_its_own_id() {
    use lambda_zero_emulator::{api_gateway_v2_event, Audit, Load};
    use std::sync::Arc;

    const N: usize = 64;
    const INVOCATIONS: usize = 100_000;
    let event = Arc::new(Event::new(
        "template",
        api_gateway_v2_event("template", 100),
    ));
    let load = Load::new(INVOCATIONS, event)
        .concurrency(N)
        .random_ids(true)
        // A stall is the failure under test; generous for a loaded CI machine.
        .stall(Duration::from_secs(60));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_bootstrap"));
    cmd.stdout(Stdio::null()).stderr(Stdio::null());
    let report = load.run(cmd).expect("start the emulator and the bootstrap");
    assert_eq!(report.failure, None);

    let unique: HashSet<&str> = report.ids.iter().map(String::as_str).collect();
    assert_eq!(unique.len(), INVOCATIONS, "the ids handed out are distinct");
    let audit = Audit::check(&report.ids, &report.records);
    assert!(
        audit.is_clean(),
        "lost {}, duplicated {}, to unknown ids {} (first: {:?} {:?} {:?})",
        audit.lost.len(),
        audit.duplicated.len(),
        audit.unknown.len(),
        audit.lost.first(),
        audit.duplicated.first(),
        audit.unknown.first()
    );
    assert_eq!(audit.answered_once, INVOCATIONS);
    let hello = br#""body":"Hello World!""#;
    for r in &report.records {
        assert_eq!(r.kind, Kind::Response, "{}: {:?}", r.request_id, r.problem);
        assert!(
            r.body.windows(hello.len()).any(|w| w == hello),
            "{}: {}",
            r.request_id,
            String::from_utf8_lossy(&r.body)
        );
    }
    assert_eq!(
        report.peak_in_flight, N,
        "all 64 workers held an invocation at once"
    );
}
