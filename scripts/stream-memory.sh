#!/usr/bin/env bash
# Usage: scripts/stream-memory.sh [MIB...]
#
# Measures the memory ceiling of response streaming: runs the `stream`
# example (which streams N MiB per invocation in 64 KiB writes) under the
# emulator for each size given (default: 1 20), 5 invocations each, and
# prints the process's peak RSS (VmHWM) beside the bytes streamed. Constant
# memory means the same peak whatever the size.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1 20)

cargo build --quiet --release --example stream
cargo build --quiet --release -p lambda-zero-emulator
mkdir -p target/stream-memory
printf '%-12s %-16s %s\n' "MiB/invoke" "streamed (MiB)" "peak RSS"
for mib in "${sizes[@]}"; do
  event="target/stream-memory/event-$mib.json"
  printf '{"mib":%d}' "$mib" >"$event"
  json=$(target/release/lz-emulator --bootstrap target/release/examples/stream --file "$event" --events 5 --json)
  rss=$(printf '%s' "$json" | sed -n 's/.*"peak_rss_kib":\([0-9]*\).*/\1/p')
  printf '%-12s %-16s %s KiB\n' "$mib" "$((mib * 5))" "${rss:-?}"
done
