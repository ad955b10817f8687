#!/usr/bin/env bash
# Usage: scripts/load.sh [--quick] [--events N] [--sizes "B B ..."] [--runs N]
#                        [--warmup N] [--static] [--profile P] [--no-official]
#                        [--rt] [--cpus LIST]
#
# Load test, lambda-zero beside the official runtime (lambda_runtime 1.x), in
# one run: for every event size, hyperfine times whole-process runs of the
# emulator (lz-emulator) spawning a bootstrap and serving it N events back to
# back, the runtimes taking turns run by run (so drift on a shared machine
# hits them alike), after warm-up runs. lz-emulator also reports from inside
# each run: invokes/s (first /next to last response), latency (event handed
# out -> response received) median and p99, and the bootstrap's peak RSS
# (VmHWM) and CPU time (utime+stime of all threads, clock ticks) read from
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
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh

events=10000 sizes="100 65536 1048576" runs=5 warmup=1 profile=release
static=0 official=1 quick=0 realtime=0 cpus=0
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage_of "$0"; exit 0 ;;
    --quick) quick=1 ;;
    --events) events=$2; shift ;;
    --sizes) sizes=$2; shift ;;
    --runs) runs=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --static) static=1 ;;
    --profile) profile=$2; shift ;;
    --no-official) official=0 ;;
    --rt) realtime=1 ;;
    --cpus) cpus=$2; shift ;;
    *) echo "load.sh: unknown argument $1" >&2; usage_of "$0" >&2; exit 2 ;;
  esac
  shift
done
if [[ $quick == 1 ]]; then
  events=3000 runs=2 warmup=1
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
