//! Cold start: spawn the release `bootstrap` against the in-repo emulator and time
//! spawn → first `GET /next` received, and spawn → first response received. A fresh emulator
//! and a fresh process per sample; the process is killed after each.
//!
//! Every runtime in the same run (the official peer if `scripts/build-official.sh` built it,
//! the C floor if `scripts/build-floor.sh` did, the function template's HTTP handler if
//! `scripts/build-template-function.sh` did), then a table of medians and ratios (to the
//! official runtime and to the floor) from a pass that alternates the runtimes sample by
//! sample. The third metric evicts the runtime's file from the page cache before each spawn
//! (outside the time): Lambda loads function code lazily. `cargo bench --bench cold_start`.

mod common;

use common::{is_bench_run, Runtime, Samples, HANG_GUARD};
use criterion::{BenchmarkId, Criterion, SamplingMode};
use lambda_zero_emulator::{api_gateway_v2_event, Drained, Emulator, Event, Reply, Script};
use std::time::{Duration, Instant};

const FIRST_NEXT: &str = "spawn -> first /next";
const FIRST_RESPONSE: &str = "spawn -> first response";
const FIRST_NEXT_EVICTED: &str = "evicted: -> first /next";

/// Alternating samples per runtime and metric for the summary table.
const PAIRED_ROUNDS: usize = 40;

/// Spawns `rt`, returns how long until its first `GET /next` reached the emulator.
fn first_next(rt: &Runtime) -> Duration {
    let emu = Emulator::start(Script::new().drained(Drained::Block)).expect("start emulator");
    let api = emu.runtime_api();
    let spawned_at = Instant::now();
    let child = common::spawn(&rt.bootstrap, &api);
    let arrived = emu.wait_next_requests(1, HANG_GUARD);
    let at = emu.first_next_at();
    common::stop(child);
    emu.shutdown();
    assert!(
        arrived >= 1,
        "{} sent no GET /next within {HANG_GUARD:?}",
        rt.name
    );
    at.map_or(Duration::ZERO, |t| t.saturating_duration_since(spawned_at))
}

/// [`first_next`] with `rt`'s file evicted from the page cache first.
fn first_next_evicted(rt: &Runtime) -> Duration {
    if !common::evict(&rt.bootstrap) {
        eprintln!("note: could not evict {}", rt.bootstrap.display());
    }
    first_next(rt)
}

/// Spawns `rt` with one event waiting, returns how long until its response was received.
fn first_response(rt: &Runtime) -> Duration {
    let id = "00000000-0000-4000-8000-000000000001";
    let emu = Emulator::start(
        Script::new()
            .drained(Drained::Block)
            .reply(Reply::Event(Event::new(id, api_gateway_v2_event(id, 100)))),
    )
    .expect("start emulator");
    let api = emu.runtime_api();
    let spawned_at = Instant::now();
    let child = common::spawn(&rt.bootstrap, &api);
    let record = emu.wait_record(0, HANG_GUARD);
    common::stop(child);
    emu.shutdown();
    let record = record.unwrap_or_else(|| panic!("{} answered nothing", rt.name));
    assert_eq!(
        (record.request_id.as_str(), record.status_sent),
        (id, 202),
        "{}: {:?}",
        rt.name,
        record.body_str()
    );
    record.received_at.saturating_duration_since(spawned_at)
}

/// The function template's HTTP handler as a user builds it (static musl, unwinding), if
/// `scripts/build-template-function.sh` built it.
fn template_function() -> Option<Runtime> {
    let bootstrap = common::root().join("target/template-function/bootstrap");
    if bootstrap.is_file() {
        eprintln!("note: template-fn: {}", bootstrap.display());
        Some(Runtime {
            name: "template-fn",
            bootstrap,
        })
    } else {
        eprintln!("note: {} not found: template-fn is skipped (build it with scripts/build-template-function.sh)", bootstrap.display());
        None
    }
}

fn main() {
    let mut runtimes = common::runtimes();
    runtimes.extend(common::floor());
    runtimes.extend(template_function());
    let mut c = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    let mut group = c.benchmark_group("cold_start");
    group.sampling_mode(SamplingMode::Flat);
    type Measure = fn(&Runtime) -> Duration;
    let metrics: [(&str, &str, Measure); 3] = [
        ("first_next", FIRST_NEXT, first_next),
        ("first_response", FIRST_RESPONSE, first_response),
        ("first_next_evicted", FIRST_NEXT_EVICTED, first_next_evicted),
    ];
    for (id, _, measure) in metrics {
        for rt in &runtimes {
            group.bench_function(BenchmarkId::new(id, rt.name), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| measure(rt)).sum())
            });
        }
    }
    group.finish();
    c.final_summary();
    if is_bench_run() {
        let mut samples = Samples::default();
        let mut subjects: Vec<(&'static str, &Runtime)> =
            runtimes.iter().map(|rt| (rt.name, rt)).collect();
        for (_, metric, measure) in metrics {
            samples.alternate(metric, PAIRED_ROUNDS, 1, &mut subjects, |rt| measure(rt));
        }
        samples.print_summary("cold start");
        samples.save("cold_start");
    }
}
