#!/usr/bin/env bash
# Usage: scripts/load.sh [--quick] [--events N] [--sizes "B B ..."] [--runs N]
#                        [--warmup N] [--static] [--profile P] [--no-official]
#                        [--rt] [--cpus LIST]
#        scripts/load.sh --mi [--quick] [--runs N] [--ns "1 8 16 64"] [--static]
#                        [--kinds "trivial cpu wait"] [--cpus LIST] [--rt] [--no-docs]
#                        [--threaded]
#
# Load test, lambda-zero beside the official runtime (lambda_runtime 1.x), in
# one run: for every event size, hyperfine times whole-process runs of the
# emulator (lz-emulator) spawning a bootstrap and serving it N events back to
# back, the runtimes taking turns run by run (so drift on a shared machine
# hits them alike), after warm-up runs. lz-emulator also reports from inside
# each run: invokes/s (first /next to last response), latency (event handed
# out -> response received) median and p99, and the bootstrap's peak RSS
# (VmHWM) and CPU time (its threads' run time from schedstat, ns) read from
# /proc before it is stopped. Prints the medians over the runs and the ratios
# lambda-zero/official; numbers are printed, never asserted.
#
#   --events N     events per run (default 10000; --quick 3000)
#   --sizes "..."  event sizes in bytes (default "100 65536 1048576")
#   --runs N       timed runs per runtime and size (default 5; --quick 2)
#   --warmup N     warm-up runs per runtime and size (default 1)
#   --static       also measure the deployed static build (scripts/build.sh)
#   --profile P    Cargo profile of the plain lambda-zero build (default release)
#   --no-official  measure lambda-zero alone (no peer build)
#   --rt           run under SCHED_FIFO priority 10 (chrt -f 10) like
#                  coldstart.sh; off by default, as a load run holds the CPUs
#                  for minutes and the throughput medians average noise out
#   --cpus LIST    CPUs to run on (taskset -c; default 0: one CPU, like a
#                  Lambda function of up to 1,769 MB, whose one vCPU the
#                  Runtime API server shares; "all" to not pin; see
#                  scripts/perf-lib.sh for why)
#   --quick        the CI mode: under a minute once everything is built
#
# Installs hyperfine (apt-get) if missing; builds the release bootstrap, the
# emulator and the official peer (scripts/build-official.sh, skipped when up
# to date). Writes target/load/: hyperfine's exports hyperfine-SIZE-RUN.json
# and .md, hyperfine-SIZE.log, the per-run lz-emulator lines
# SIZE-RUNTIME.jsonl, summary.json and summary.md.
# Defaults take about 75 seconds on 2 cores once built (--quick: ~10 s).
#
# --mi: Lambda Managed Instances, N invocations in flight (AWS_LAMBDA_MAX_CONCURRENCY=N,
# lz-emulator --concurrency N): examples/mi_load.rs (lambda-zero, run_concurrent, one thread
# per worker) against target/official/release/bootstrap-mi (lambda_runtime 1.x
# run_concurrent, tokio tasks), each with three handler kinds: trivial (Hello World),
# cpu (parses a ~4 KB JSON body, lz-emulator --json-body 4096), wait (sleeps 2 ms). For
# every kind and N the runtimes take turns run by run (after one discarded warm-up run
# each), on all CPUs unless --cpus says otherwise (Managed Instances run on several
# vCPUs; the emulator shares them, as the Runtime API server does). Prints the medians:
# throughput, latency p99, peak RSS, CPU per invoke (schedstat, ns resolution) and the
# ratios lambda-zero/official; writes target/load/mi/ (the lz-emulator lines
# KIND-N-RUNTIME.jsonl, summary.json, summary.md) and, unless --quick or --no-docs, the
# table into docs/managed-instances.md (between its generated markers) and the chart
# docs/managed-instances.svg (throughput and p99 against N). Last, with the largest N and no
# event (lz-emulator --idle), it measures the CPU time and wake-ups of idle workers, and
# where their memory is (target/load/mi/idle-memory.txt: heap, stacks, file pages).
#   --ns "..."     concurrency levels (default "1 8 16 64"; --quick "1 8")
#   --kinds "..."  handler kinds (default "trivial cpu wait")
#   --runs N       timed runs per runtime, kind and N (default 3; --quick 1, no warm-up)
#   --no-docs      do not write docs/
#   --threaded     serve with lz-emulator --threaded (a thread per connection, the harness of
#                  the tables before 2026-12-01) instead of its event loop (one thread over
#                  epoll, as the real Runtime API serves); implies --no-docs
#   --static       also the deployed build of examples/mi_load.rs (static musl, profile lambda,
#                  std rebuilt: scripts/build-example.sh --example mi_load, as the extension
#                  layer is built), a third peer taking turns with the two; on by default
#                  without --quick, as it is what a function made from the template deploys
# Events per run: trivial 20000, cpu 8000, wait 200 x N (at least 400); --quick a tenth.
# About 2 minutes on 2 cores once built (--quick: ~20 s).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh

events=10000 sizes="100 65536 1048576" runs=5 warmup=1 profile=release
static=0 official=1 quick=0 realtime=0 cpus=0
mi=0 ns="" kinds="trivial cpu wait" docs=1 runs_set=0 cpus_set=0 server=()
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage_of "$0"; exit 0 ;;
    --quick) quick=1 ;;
    --events) events=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --runs) runs=$2 runs_set=1; shift ;;
    --mi) mi=1 ;;
    --ns) ns=$2; shift ;;
    --kinds) kinds=$2; shift ;;
    --no-docs) docs=0 ;;
    --threaded) server=(--threaded) docs=0 ;;
    --warmup) warmup=$2; shift ;;
    --static) static=1 ;;
    --profile) profile=$2; shift ;;
    --no-official) official=0 ;;
    --rt) realtime=1 ;;
    --cpus) cpus=$2 cpus_set=1; shift ;;
    *) echo "load.sh: unknown argument $1" >&2; usage_of "$0" >&2; exit 2 ;;
  esac
  shift
done
if [[ $quick == 1 ]]; then
  events=3000 runs=2 warmup=1
fi

# mi_events KIND N: events per run of the --mi mode.
mi_events() {
  local n
  case $1 in
    trivial) n=20000 ;;
    cpu) n=8000 ;;
    wait) n=$((200 * $2 > 400 ? 200 * $2 : 400)) ;;
    *) echo "load.sh: unknown handler kind $1 (trivial, cpu, wait)" >&2; return 2 ;;
  esac
  if [[ $quick == 1 ]]; then n=$((n / 10)); fi
  echo "$n"
}

# run_mi: the --mi mode (see the usage header).
run_mi() {
  local out=target/load/mi kind n rt bin ev round k i
  [[ -n $ns ]] || ns="1 8 16 64"
  if [[ $quick == 1 ]]; then
    [[ $ns != "1 8 16 64" ]] || ns="1 8"
    [[ $runs_set == 1 ]] || runs=1
    warmup=0 docs=0
  else
    [[ $runs_set == 1 ]] || runs=3
    warmup=1
  fi
  [[ $cpus_set == 1 ]] || cpus=all
  [[ $quick == 1 ]] || static=1
  cargo build --quiet --release --example mi_load
  cargo build --quiet --release -p lambda-zero-emulator
  scripts/build-official.sh >&2
  local -a rts=(lambda-zero target/release/examples/mi_load official target/official/release/bootstrap-mi)
  if [[ $static == 1 ]]; then
    local static_bin
    static_bin="$(scripts/build-example.sh --example mi_load)"
    mkdir -p "$out/static"
    cp -f "$static_bin" "$out/static/mi_load"
    rts+=(lambda-zero-static "$out/static/mi_load")
  fi
  local peers=$((${#rts[@]} / 2))
  local emu=target/release/lz-emulator
  mkdir -p "$out"
  rm -f "$out"/*.jsonl "$out"/summary.*
  use_cpus "$cpus"
  use_realtime "$realtime"
  for kind in $kinds; do
    local -a event=(--size 100)
    [[ $kind == cpu ]] && event=(--json-body 4096)
    for n in $ns; do
      ev=$(mi_events "$kind" "$n")
      echo "==> $kind, N=$n: $ev events, $runs runs per runtime (+$warmup warm-up), taking turns"
      for ((round = 1 - warmup; round <= runs; round++)); do
        for ((k = 0; k < peers; k++)); do
          i=$(((k + round + peers) % peers * 2))
          rt=${rts[i]} bin=${rts[i + 1]}
          local log=$out/$kind-$n-$rt.jsonl
          ((round < 1)) && log=$out/warmup.jsonl
          if ! "${RT_PREFIX[@]}" "${CPU_PREFIX[@]}" "$emu" "${server[@]}" --bootstrap "$bin" --concurrency "$n" \
            --events "$ev" "${event[@]}" --quiet --json-append "$log" -- "$kind"; then
            echo "load.sh: $rt failed ($kind, N=$n)" >&2
            return 1
          fi
        done
      done
    done
  done
  # Idle workers: the largest N, no event, both runtimes at once (neither should run at all).
  local idle_n=${ns##* } idle_s=10
  [[ $quick == 1 ]] && idle_s=1
  echo "==> idle: N=$idle_n workers and no event for $idle_s s, every runtime at once"
  local -a pids=()
  for ((i = 0; i < ${#rts[@]}; i += 2)); do
    pinned "$emu" "${server[@]}" --bootstrap "${rts[i + 1]}" --concurrency "$idle_n" --idle "$idle_s" --quiet \
      --json-append "$out/idle-${rts[i]}.jsonl" &
    pids+=($!)
  done
  # Where each runtime's memory is while its workers wait (every GET /next has arrived by
  # the time the emulator's 3 s settle ends): heap, other anonymous memory (thread stacks,
  # malloc arenas), file pages (libc, the executable), from the bootstrap's smaps.
  sleep $((idle_s / 2 + 3))
  : >"$out/idle-memory.txt"
  for ((i = 0; i < ${#rts[@]}; i += 2)); do
    # $! is the emulator, or the subshell that runs it; the bootstrap is the emulator's child.
    local emu_pid=${pids[i / 2]} child
    child=$(pgrep -x -P "$emu_pid" lz-emulator | head -n 1) || true
    [[ -z $child ]] || emu_pid=$child
    child=$(pgrep -P "$emu_pid" | head -n 1) || true
    [[ -n $child && -r /proc/$child/smaps ]] || continue
    awk -v rt="${rts[i]}" -v n="$idle_n" '/^[0-9a-f]+-/ { name = $6 }
      /^Rss:/ { if (name == "[heap]") h += $2; else if (name == "" || name == "[stack]") a += $2; else f += $2 }
      END { printf "%s, %d idle workers: RSS %d KiB = heap %d + other anonymous (stacks, arenas) %d + file pages %d\n", rt, n, h + a + f, h, a, f }' \
      "/proc/$child/smaps" | tee -a "$out/idle-memory.txt"
  done
  for i in "${pids[@]}"; do wait "$i"; done
  local -a write=()
  if [[ $docs == 1 ]]; then
    write=(--md docs/managed-instances.md --svg docs/managed-instances.svg)
  fi
  python3 scripts/perf-summary.py mi --dir "$out" --kinds "$kinds" --ns "$ns" --cpus "$cpus" "${write[@]}"
}
if [[ $mi == 1 ]]; then
  run_mi
  exit 0
fi

ensure_tool hyperfine
build_all "$profile" "$static" "$official"
out=target/load
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.jsonl "$out"/*.md "$out"/*.log
use_realtime "$realtime"
use_cpus "$cpus"

for size in $sizes; do
  commands=()
  for ((i = 0; i < ${#RUNTIMES[@]}; i += 2)); do
    rt=${RUNTIMES[i]} bin=${RUNTIMES[i + 1]}
    commands+=("$rt" "$EMU --bootstrap $bin --events $events --size $size --quiet --json-append $out/$size-$rt.jsonl")
  done
  echo "==> $events events of $size B: $runs runs per runtime (+$warmup warm-up), taking turns"
  run_rounds "$out/hyperfine-$size" "$runs" 1 "$warmup" "${commands[@]}"
done

python3 scripts/perf-summary.py load --dir "$out" --events "$events" --sizes "$sizes" --warmup "$warmup"
