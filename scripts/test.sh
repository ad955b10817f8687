#!/usr/bin/env bash
# Usage: scripts/test.sh
#
# Every check CI runs, in the order a failure is cheapest to see:
#   1. cargo fmt --check
#   2. cargo clippy --all-targets -D warnings (whole workspace)
#   3. cargo test (whole workspace: unit, integration, doc tests)
#   4. cargo doc with RUSTDOCFLAGS=-Dwarnings
#   5. cargo bench --no-run (benches must build)
#   6. the main job, small: the release bootstrap served 200 events by the
#      emulator (scripts/run.sh), which fails on any missing answer
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --quiet -- -D warnings

step "cargo test"
cargo test --workspace

step "cargo doc"
RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps --quiet

step "cargo bench --no-run"
cargo bench --workspace --no-run --quiet

step "main job: scripts/run.sh --events 200"
scripts/run.sh --events 200

printf '\nscripts/test.sh: all checks passed\n'
