//! Lambda Managed Instances: N invocations in flight (`AWS_LAMBDA_MAX_CONCURRENCY=N`,
//! N = 1, 8, 16, 64), the trivial `Hello World!` handler, lambda-zero's release `bootstrap`
//! (one thread per worker) beside the official runtime's `run_concurrent` peer
//! (`target/official/release/bootstrap-mi`, tokio tasks; built by
//! `scripts/build-official.sh`, skipped with a note when absent).
//!
//! Each iteration hands out a batch of [`BATCH`] events at once to a long-lived process
//! (its emulator keeps N in flight, every waiting worker getting one) and times the batch
//! from hand-out until the last answer arrived; throughput is events per second. Then, as
//! in `per_invoke`, a pass alternating the two processes batch by batch prints the medians
//! of the batch time and of each batch's p99 latency (hand-out to answer, stamped by the
//! emulator) with the ratios. `cargo bench --bench managed_instances`;
//! `scripts/load.sh --mi` is the whole-process version with RSS, CPU and the other kinds.

mod common;

use common::{is_bench_run, Runtime, Samples, Served, HANG_GUARD};
use criterion::{BenchmarkId, Criterion, Throughput};
use lambda_zero_emulator::Kind;
use std::time::{Duration, Instant};

/// Invocations in flight.
const NS: [usize; 4] = [1, 8, 16, 64];
/// Events handed out per iteration (all at once; the emulator keeps N of them in flight).
const BATCH: usize = 1000;
/// Batches served before measuring: every worker connected and its buffers grown.
const WARM_UP_BATCHES: usize = 2;
/// Batches per runtime in the alternating pass.
const ROUNDS: usize = 20;

/// Starts `rt` with `n` workers and serves it [`WARM_UP_BATCHES`].
fn start(rt: &Runtime, n: usize) -> Served {
    let n = n.to_string();
    let max = [("AWS_LAMBDA_MAX_CONCURRENCY", n.as_str())];
    let mut served = Served::start_evented(rt, 100, &max);
    for _ in 0..WARM_UP_BATCHES {
        batch(&mut served);
    }
    served
}

/// Hands out [`BATCH`] events at once, waits for every answer; returns the time from
/// hand-out to the last answer and the batch's p99 latency.
fn batch(s: &mut Served) -> (Duration, Duration) {
    s.emu.take_records();
    let ids: Vec<String> = (0..BATCH).map(|_| s.next_id()).collect();
    let started = Instant::now();
    s.emu.push_shared_all(ids, &s.event);
    let got = s.emu.wait_count(BATCH, HANG_GUARD);
    let took = started.elapsed();
    assert!(
        got >= BATCH,
        "{}: {got} of {BATCH} answers within {HANG_GUARD:?}",
        s.name
    );
    let mut latencies: Vec<Duration> = s
        .emu
        .take_records()
        .into_iter()
        .map(|r| {
            assert!(
                r.kind == Kind::Response && r.status_sent == 202,
                "{}: {r:?}",
                s.name
            );
            r.latency
        })
        .collect();
    latencies.sort_unstable();
    let p99 = latencies[(latencies.len() * 99).div_ceil(100) - 1];
    (took, p99)
}

fn main() {
    let mut runtimes = vec![common::lambda_zero()];
    runtimes.extend(common::official_mi());
    let mut samples = Samples::default();
    let mut c = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    for n in NS {
        let mut group = c.benchmark_group(format!("managed_instances_trivial_n{n}"));
        group.throughput(Throughput::Elements(BATCH as u64));
        // Both processes live through N's benches (the idle one's workers wait in `GET /next`).
        let mut served: Vec<(&'static str, Served)> =
            runtimes.iter().map(|rt| (rt.name, start(rt, n))).collect();
        for (name, s) in &mut served {
            group.bench_function(BenchmarkId::from_parameter(*name), |b| {
                b.iter_custom(|iters| (0..iters).map(|_| batch(s).0).sum())
            });
        }
        group.finish();
        if is_bench_run() {
            // Batch by batch, lambda-zero then official, so drift hits both alike.
            for _ in 0..ROUNDS {
                for (name, s) in &mut served {
                    let (took, p99) = batch(s);
                    samples.add(&format!("{BATCH} events, N={n}"), name, took);
                    samples.add(&format!("p99 latency, N={n}"), name, p99);
                }
            }
        }
        for (_, s) in served {
            s.stop();
        }
    }
    c.final_summary();
    samples.print_summary("managed instances, trivial handler (batch time: ratio = the inverse of the throughput ratio)");
    if is_bench_run() {
        samples.save("managed_instances");
    }
}
