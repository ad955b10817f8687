#!/usr/bin/env bash
# Usage: scripts/syscalls.sh [EVENTS] [BOOTSTRAP]
#
# Counts the system calls a bootstrap makes per warm invocation: runs it
# under `strace -f` while the emulator serves EVENTS events (default 2000),
# then divides the calls made after the first /next by the number of
# events. Installs strace (apt-get) if missing. BOOTSTRAP defaults to the
# release build of ours.
set -euo pipefail
cd "$(dirname "$0")/.."

case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
events="${1:-2000}"
bootstrap="${2:-target/release/bootstrap}"

if ! command -v strace >/dev/null; then
  apt-get update -qq && apt-get install -y -qq strace >/dev/null
fi
cargo build --quiet --release --bin bootstrap
cargo build --quiet --release -p lambda-zero-emulator

out="target/syscalls"
mkdir -p "$out"
trace="$out/strace.txt"
wrapper="$out/straced-bootstrap"
cat >"$wrapper" <<WRAP
#!/bin/sh
exec strace -f -qq -o "$PWD/$trace" "$PWD/$bootstrap" 2>"$PWD/$out/stderr.txt"
WRAP
chmod +x "$wrapper"
rm -f "$trace"
target/release/lz-emulator --bootstrap "$wrapper" --events "$events" --quiet
sleep 0.2 # strace flushes its last lines after the kill

# Skip start-up: count from the first line that talks to the socket after
# connect() (the first GET /next), to the last complete answer.
awk -v events="$events" '
  /connect\(/ { started = 1; next }
  started && /^[0-9]* *[a-z_0-9]+\(/ {
    name = $0; sub(/^[0-9]* */, "", name); sub(/\(.*/, "", name)
    if (name == "+++" || name == "---") next
    count[name]++; total++
  }
  END {
    printf "syscalls after start-up, %d events: %d (%.2f per invocation)\n", events, total, total / events
    for (n in count) printf "  %-12s %6d  (%.2f per invocation)\n", n, count[n], count[n] / events
  }' "$trace"
