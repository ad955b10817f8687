#!/usr/bin/env bash
# Usage: scripts/extension-init.sh [--runs N] [--cpus LIST] [--no-official]
#
# The init time an external extension adds: spawn of the function and the
# extension -> first invocation answered (the emulator holds the first
# invocation until every registered extension has called event/next, as
# Lambda's init phase does), minus the same for the function alone.
# Compares lambda-zero's examples/extension_logger with the same logger on
# the official `lambda-extension` 1.x crate (benches/official-extension,
# built by scripts/build-official-extension.sh). The function is
# lambda-zero's release `bootstrap` in every case. Runs are interleaved
# (each round rotates which configuration goes first); medians are
# printed. Nothing is asserted.
#
#   --runs N       runs per configuration (default 50)
#   --cpus LIST    CPUs to run on (taskset -c; default 0: a Lambda of up to
#                  1,769 MB has one vCPU; "all" to not pin)
#   --no-official  measure lambda-zero's extension alone
#   --no-rt        do not raise the measurement to SCHED_FIFO (as in
#                  scripts/coldstart.sh, where allowed: a spawned process on
#                  a shared machine otherwise queues behind other builds)
#
# Writes target/extension-init/summary.txt (with the executables' sizes)
# and summary.json.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh

runs=50 cpus=0 official=1 realtime=1
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage_of "$0"; exit 0 ;;
    --runs) runs=$2; shift ;;
    --cpus) cpus=$2; shift ;;
    --no-official) official=0 ;;
    --no-rt) realtime=0 ;;
    *) echo "extension-init.sh: unknown argument $1" >&2; usage_of "$0" >&2; exit 2 ;;
  esac
  shift
done

ensure_tool taskset util-linux
cargo build --quiet --release --bin bootstrap
# Apart, so the function is the default bootstrap (the extension feature unified
# into its build would not be what users deploy).
cargo build --quiet --release --features extension --example extension_logger
cargo build --quiet --release -p lambda-zero-emulator
exts=(--extension lambda-zero=target/release/examples/extension_logger)
if [[ $official == 1 ]]; then
  scripts/build-official-extension.sh >&2
  exts+=(--extension official=target/official-extension/release/official-extension)
fi
out=target/extension-init
mkdir -p "$out"
use_cpus "$cpus"
use_realtime "$realtime"
echo "$(date -u +%Y-%m-%d) $(uname -m), $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //')" >"$out/summary.txt"
"${RT_PREFIX[@]}" "${CPU_PREFIX[@]}" target/release/lz-extension-init --runs "$runs" --json "${exts[@]}" >"$out/raw.txt"
grep -v '^{' "$out/raw.txt" >>"$out/summary.txt"
grep '^{' "$out/raw.txt" >"$out/summary.json"
echo "executable sizes (release, stripped):" >>"$out/summary.txt"
for bin in target/release/examples/extension_logger target/release/bootstrap \
  target/official-extension/release/official-extension; do
  [[ -f $bin ]] && printf '  %-58s %9d bytes\n' "$bin" "$(stat -c %s "$bin")" >>"$out/summary.txt"
done
cat "$out/summary.txt"
echo "wrote $out/summary.txt and $out/summary.json"
