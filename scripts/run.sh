#!/usr/bin/env bash
# Usage: scripts/run.sh [lz-emulator options]
#
# The main job: builds the release `bootstrap` and the built-in Runtime API
# emulator, then serves events to the bootstrap (spawned by the emulator)
# and prints what happened: responses, errors, spawn -> first /next,
# latency median and p99, invokes per second.
#
# Options are passed to lz-emulator:
#   --events N        events to serve (default 1000)
#   --size BYTES      size of each generated API Gateway v2 event (default 100)
#   --file PATH       serve this file's bytes as every event instead
#   --bootstrap PATH  another runtime executable to serve (default: ours)
#   --json            one JSON object instead of the table
#   --help            all options
#
# Both processes run on CPU 0 (taskset), as a Lambda function of up to
# 1,769 MB gets one vCPU shared with the Runtime API; across two vCPUs of
# this kind of VM every hand-off can cost tens of microseconds more.
# LZ_CPUS=all runs them unpinned, LZ_CPUS=1 on CPU 1.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac

cargo build --quiet --release --bin bootstrap
cargo build --quiet --release -p lambda-zero-emulator
pin=()
if [[ "${LZ_CPUS:-0}" != all ]] && command -v taskset >/dev/null; then
  pin=(taskset -c "${LZ_CPUS:-0}")
fi
exec "${pin[@]}" target/release/lz-emulator --bootstrap target/release/bootstrap "$@"
