#!/usr/bin/env bash
# Usage: scripts/panic-check.sh
#
# Handler panics are reported whatever the panic strategy. Builds
# examples/panics.rs (a handler that panics on every event saying "panic")
# twice and serves each build events from the built-in emulator:
#   - panic = "unwind" (the release profile): every panic is reported to
#     /error as Runtime.Panic and the process serves on;
#   - panic = "abort" (cargo lambda's default, or a user's choice): the
#     panic hook reports the first one as Runtime.Panic, with its message
#     and location, before the process aborts.
# Fails with a one-line reason otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac

out=target/panic-check
mkdir -p "$out"
printf '{"say":"panic"}' >"$out/event.json"
cargo build --quiet --release -p lambda-zero-emulator
cargo build --quiet --release --example panics
# The abort build in a target dir of its own: the profile change would
# otherwise rebuild the main one.
cargo build --quiet --release --example panics --config 'profile.release.panic="abort"' \
  --target-dir target/panic-abort

serve() { # BOOTSTRAP LOG
  target/release/lz-emulator --bootstrap "$1" --file "$out/event.json" --events 5 \
    >"$2" 2>&1 || true
}
fail() { echo "panic-check: $*" >&2; exit 1; }

serve target/release/examples/panics "$out/unwind.txt"
grep -q '5 × Runtime.Panic: handler panicked: the event asked for it' "$out/unwind.txt" \
  || fail "unwind: not every panic was reported (see $out/unwind.txt)"
grep -q 'ERROR.lambda-zero: invocation failed: Runtime.Panic: handler panicked' "$out/unwind.txt" \
  || fail "unwind: the panic was not logged (see $out/unwind.txt)"
grep -q 'every id answered exactly once' "$out/unwind.txt" \
  || fail "unwind: the process did not serve on (see $out/unwind.txt)"
echo "panic-check: unwind: 5 of 5 panics reported as Runtime.Panic, process alive throughout"

serve target/panic-abort/release/examples/panics "$out/abort.txt"
grep -q 'built with panic = "abort"' "$out/abort.txt" \
  || fail "abort: no start-up note that a panic ends the process (see $out/abort.txt)"
grep -q '1 × Runtime.Panic: handler panicked: the event asked for it at examples/panics.rs:' "$out/abort.txt" \
  || fail "abort: the panic was not reported before the process ended (see $out/abort.txt)"
grep -q 'SIGABRT' "$out/abort.txt" || fail "abort: the process did not abort (see $out/abort.txt)"
echo "panic-check: abort: the panic reported as Runtime.Panic (message and location), then the process aborted"
