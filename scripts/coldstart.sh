#!/usr/bin/env bash
# Usage: scripts/coldstart.sh [--quick] [--runs N] [--rounds N] [--warmup N]
#                             [--static] [--profile P] [--no-official] [--no-rt]
#                             [--cpus LIST]
#
# Cold start, lambda-zero beside the official runtime (lambda_runtime 1.x), in
# one run: hyperfine times "spawn the bootstrap, serve it one event, stop it"
# as whole-process runs of the emulator (lz-emulator --events 1). Each run
# also reports, from inside the emulator, spawn -> first GET /next received
# and spawn -> first response received (what the bootstrap itself costs,
# without the emulator's own start-up). The runs are split into rounds that
# rotate which runtime goes first, so drift on a shared machine hits them
# alike. Prints the medians over all runs and the ratios
# lambda-zero/official; nothing is asserted.
#
#   --runs N       timed runs per runtime (default 200; --quick 30)
#   --rounds N     hyperfine invocations the runs are split into (default 20;
#                  --quick 6)
#   --warmup N     warm-up runs per runtime, first round (default 10; --quick 3)
#   --static       also measure the deployed static build (scripts/build.sh)
#   --profile P    Cargo profile of the plain lambda-zero build (default release)
#   --no-official  measure lambda-zero alone (no peer build)
#   --no-rt        do not raise the measurement to SCHED_FIFO (see below)
#   --cpus LIST    CPUs to run on (taskset -c; default 0, like a Lambda
#                  function of up to 1,769 MB: one vCPU; "all" to not pin)
#   --quick        the CI mode: seconds once everything is built
#
# Where allowed (root, or CAP_SYS_NICE), the runs go under `chrt -f 10`, the
# same real-time priority for every runtime: on a shared machine a spawned
# process otherwise often queues 3-7 ms behind other people's builds, which
# buries a cold start of 0.4-1.3 ms. The script says which it used.
#
# Installs hyperfine (apt-get) if missing; builds what it measures (the
# official peer through scripts/build-official.sh, skipped when up to date).
# Writes target/coldstart/: hyperfine-ROUND.json and .md (hyperfine's
# exports), hyperfine.log, RUNTIME.jsonl (one lz-emulator line per run),
# summary.json and summary.md. Defaults take about 5 seconds on 2 cores once
# built (--quick: ~1 s).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh

runs=200 rounds=20 warmup=10 profile=release static=0 official=1 quick=0 realtime=1 cpus=0
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage_of "$0"; exit 0 ;;
    --quick) quick=1 ;;
    --runs) runs=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --static) static=1 ;;
    --profile) profile=$2; shift ;;
    --no-official) official=0 ;;
    --no-rt) realtime=0 ;;
    --cpus) cpus=$2; shift ;;
    *) echo "coldstart.sh: unknown argument $1" >&2; usage_of "$0" >&2; exit 2 ;;
  esac
  shift
done
if [[ $quick == 1 ]]; then
  runs=30 rounds=6 warmup=3
fi

ensure_tool hyperfine
build_all "$profile" "$static" "$official"
out=target/coldstart
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.jsonl "$out"/*.md "$out"/*.log

commands=()
for ((i = 0; i < ${#RUNTIMES[@]}; i += 2)); do
  rt=${RUNTIMES[i]} bin=${RUNTIMES[i + 1]}
  commands+=("$rt" "$EMU --bootstrap $bin --events 1 --size 100 --quiet --json-append $out/$rt.jsonl")
done
per_round=$(((runs + rounds - 1) / rounds))
use_realtime "$realtime"
use_cpus "$cpus"
echo "==> spawn, serve one 100 B event, stop: $rounds rounds of $per_round runs per runtime (+$warmup warm-up)"
run_rounds "$out/hyperfine" "$rounds" "$per_round" "$warmup" "${commands[@]}"

python3 scripts/perf-summary.py coldstart --dir "$out" --warmup "$warmup"
