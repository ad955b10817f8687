#!/usr/bin/env bash
# Usage: scripts/coldstart.sh [--quick] [--runs N] [--rounds N] [--warmup N]
#                             [--static | --static-bin PATH] [--profile P]
#                             [--no-official] [--no-floor] [--no-evict]
#                             [--no-rt] [--cpus LIST] [--template]
#
# Cold start, lambda-zero beside the official runtime (lambda_runtime 1.x) and
# the floor (a ~130-line C bootstrap, static musl: benches/floor), in one run,
# each shown as a ratio to both: hyperfine times "spawn the bootstrap, serve it one event, stop it"
# as whole-process runs of the emulator (lz-emulator --events 1). Each run
# also reports, from inside the emulator, spawn -> first GET /next received
# and spawn -> first response received (what the bootstrap itself costs,
# without the emulator's own start-up). The runs are split into rounds that
# rotate which runtime goes first, so drift on a shared machine hits them
# alike. Then the same again with every bootstrap file evicted from the page
# cache before each run (scripts/evict.sh, hyperfine --prepare, outside the
# time), as Lambda loads function code lazily. Prints the medians over all
# runs and the ratios to the official runtime and to the floor; nothing is
# asserted.
#
#   --runs N       timed runs per runtime (default 200; --quick 30)
#   --rounds N     hyperfine invocations the runs are split into (default 20;
#                  --quick 6)
#   --warmup N     warm-up runs per runtime, first round (default 10; --quick 3)
#   --static       also measure the deployed static build (scripts/build.sh)
#   --static-bin PATH  measure PATH as the deployed build, as it is (no build):
#                  for comparing build variants
#   --profile P    Cargo profile of the plain lambda-zero build (default release)
#   --no-official  no official peer (no build of it)
#   --no-floor     no C floor
#   --no-evict     skip the pass with the files evicted from the page cache
#   --no-rt        do not raise the measurement to SCHED_FIFO (see below)
#   --template     also measure the function template's HTTP handler as a user
#                  builds it (scripts/build-template-function.sh: static musl,
#                  panic = "unwind"), as the peer template-fn
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
# exports), hyperfine.log, RUNTIME.jsonl (one lz-emulator line per run), the
# same with evicted- in front for the evicted pass, summary.json and
# summary.md. Defaults take about 15 seconds on 2 cores once built (--quick:
# ~3 s).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh

runs=200 rounds=20 warmup=10 profile=release static=0 official=1 quick=0 realtime=1 cpus=0
floor=1 evict=1 template=0
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage_of "$0"; exit 0 ;;
    --quick) quick=1 ;;
    --runs) runs=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --warmup) warmup=$2; shift ;;
    --static) static=1 ;;
    --static-bin) static=$2; shift ;;
    --no-floor) floor=0 ;;
    --no-evict) evict=0 ;;
    --profile) profile=$2; shift ;;
    --no-official) official=0 ;;
    --no-rt) realtime=0 ;;
    --cpus) cpus=$2; shift ;;
    --template) template=1 ;;
    *) echo "coldstart.sh: unknown argument $1" >&2; usage_of "$0" >&2; exit 2 ;;
  esac
  shift
done
if [[ $quick == 1 ]]; then
  runs=30 rounds=6 warmup=3
fi

ensure_tool hyperfine
build_all "$profile" "$static" "$official" "$floor"
if [[ $template == 1 ]]; then
  scripts/build-template-function.sh
  RUNTIMES+=(template-fn target/template-function/bootstrap)
fi
out=target/coldstart
mkdir -p "$out"
rm -f "$out"/*.json "$out"/*.jsonl "$out"/*.md "$out"/*.log

commands=() evicted=() files=()
for ((i = 0; i < ${#RUNTIMES[@]}; i += 2)); do
  rt=${RUNTIMES[i]} bin=${RUNTIMES[i + 1]}
  commands+=("$rt" "$EMU --bootstrap $bin --events 1 --size 100 --quiet --json-append $out/$rt.jsonl")
  evicted+=("$rt" "$EMU --bootstrap $bin --events 1 --size 100 --quiet --json-append $out/evicted-$rt.jsonl")
  files+=("$bin")
done
per_round=$(((runs + rounds - 1) / rounds))
use_realtime "$realtime"
use_cpus "$cpus"
echo "==> spawn, serve one 100 B event, stop: $rounds rounds of $per_round runs per runtime (+$warmup warm-up)"
run_rounds "$out/hyperfine" "$rounds" "$per_round" "$warmup" "${commands[@]}"
if [[ $evict == 1 ]]; then
  evict_command "${files[@]}"
  ROUNDS_PREPARE=(--prepare "$EVICT_CMD")
  echo "==> the same, every bootstrap evicted from the page cache before each run"
  run_rounds "$out/evicted-hyperfine" "$rounds" "$per_round" "$warmup" "${evicted[@]}"
  ROUNDS_PREPARE=()
fi

python3 scripts/perf-summary.py coldstart --dir "$out" --warmup "$warmup"
