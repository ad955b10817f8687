//! Per invoke: one long-lived bootstrap process; each iteration times one full round trip,
//! from the emulator handing an event out on `GET /next` to the complete response being
//! received ([`Record::latency`], stamped by the emulator's connection thread, so the bench
//! thread's own wake-up is not counted). Events of 100 B, 64 KiB and 1 MiB (realistic API
//! Gateway v2 events, padded), reported as bytes of event per second.
//!
//! Both runtimes in the same run (the official peer if `scripts/build-official.sh` built it),
//! then a table of medians and ratios from a pass that alternates the two processes in blocks
//! of back-to-back round trips. `cargo bench --bench per_invoke`.
//!
//! [`Record::latency`]: lambda_zero_emulator::Record::latency

mod common;

use common::{is_bench_run, Runtime, Samples, Served, HANG_GUARD};
use criterion::{BenchmarkId, Criterion, Throughput};
use lambda_zero_emulator::Kind;
use std::time::Duration;

const SIZES: [(usize, &str); 3] = [(100, "100B"), (64 * 1024, "64KiB"), (1024 * 1024, "1MiB")];
/// Invocations served before measuring, so every buffer has grown to the event size.
const WARM_UP_EVENTS: usize = 20;

/// Starts `rt` for events of `size` bytes and serves it [`WARM_UP_EVENTS`].
fn start(rt: &Runtime, size: usize) -> Served {
    let mut served = Served::start(rt, size, &[]);
    for _ in 0..WARM_UP_EVENTS {
        round_trip(&mut served);
    }
    served.emu.take_records();
    served
}

/// Hands out one event, waits for its response; returns handout -> response received.
fn round_trip(s: &mut Served) -> Duration {
    let id = s.next_id();
    let index = s.emu.record_count();
    s.emu.push_shared(id, &s.event);
    let record = s
        .emu
        .wait_record(index, HANG_GUARD)
        .unwrap_or_else(|| panic!("{}: no answer within {HANG_GUARD:?}", s.name));
    assert!(
        record.kind == Kind::Response && record.status_sent == 202,
        "{}: {:?} {:?}",
        s.name,
        record.kind,
        record.body_str()
    );
    record.latency
}

fn main() {
    let runtimes = common::runtimes();
    let mut samples = Samples::default();
    let mut c = Criterion::default()
        .sample_size(30)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    for (size, label) in SIZES {
        let mut group = c.benchmark_group(format!("per_invoke_{label}"));
        group.throughput(Throughput::Bytes(size as u64));
        // Both processes live through the size's benches (idle ones wait in `GET /next`).
        let mut served: Vec<(&'static str, Served)> = runtimes
            .iter()
            .map(|rt| (rt.name, start(rt, size)))
            .collect();
        for (name, s) in &mut served {
            group.bench_function(BenchmarkId::from_parameter(*name), |b| {
                b.iter_custom(|iters| {
                    let total = (0..iters).map(|_| round_trip(s)).sum();
                    // Keep the emulator's memory flat over millions of iterations.
                    s.emu.take_records();
                    total
                })
            });
        }
        group.finish();
        if is_bench_run() {
            let (rounds, block) = if size >= 1 << 20 {
                (400, 20)
            } else {
                (4000, 100)
            };
            let metric = format!("round trip, {label} event");
            samples.alternate(&metric, rounds, block, &mut served, round_trip);
        }
        for (_, s) in served {
            s.stop();
        }
    }
    c.final_summary();
    samples.print_summary("per invoke (event bytes/s ratio = the inverse of the time ratio)");
    if is_bench_run() {
        samples.save("per_invoke");
    }
}
