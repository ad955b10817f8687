#!/usr/bin/env bash
# Usage: scripts/test.sh
#
# Every check CI runs, in the order a failure is cheapest to see:
#   1. cargo fmt --check
#   2. cargo clippy -D warnings, default features, all features, and the
#      library without default features (no `dns`: the deployed build's)
#   3. cargo test, all features (unit, integration, process, allocation,
#      property and fault-injection tests, doc tests); then the parser and
#      client tests without `simd-detect`, as the deployed build runs them
#   4. cargo doc with RUSTDOCFLAGS=-Dwarnings (all features; default API),
#      cargo publish --dry-run
#   5. cargo bench --no-run (benches must build), and the counting mode of
#      scripts/events-bench.sh once over every sample
#   6. the main job, small: the release bootstrap served 200 events by the
#      emulator (scripts/run.sh), which fails on any missing answer
#   7. the deploy check: sam validate --lint, sam build for arm64 and
#      x86_64, the built bootstrap smoke-run (scripts/deploy-check.sh;
#      LAMBDA_ZERO_SKIP_DEPLOY_CHECK=1 skips it locally, never in CI); then
#      the same for a user's function made from templates/function, which must
#      also answer under cargo lambda watch (scripts/function-check.sh)
#   8. the real-emulator check under cargo lambda watch
#      (scripts/cargo-lambda-e2e.sh)
#   9. the fuzz targets on stable (corpus + generated inputs) and a 5 s soak
#      (RSS flat after warm-up)
#  10. performance, quick: cold start and load beside the official runtime
#      (numbers printed, not asserted)
# Every tool beyond the Rust toolchain is installed by the script that
# needs it (apt-get, or pip into a virtualenv under target/).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings (default features, all, then the library without default features)"
cargo clippy --workspace --all-targets --quiet -- -D warnings
cargo clippy --workspace --all-targets --all-features --quiet -- -D warnings
cargo clippy -p lambda-zero --lib --no-default-features --quiet -- -D warnings

step "cargo test (all features)"
cargo test --workspace --all-features

# What the default bootstrap and the template ship: no `simd-detect`, so
# memchr's and httparse's code is the one chosen at build time (SSE2 and
# httparse's 8-byte words on x86_64), not the AVX2/SSE4.2 the run above picks.
# (`dns` stays: tests/runtime.rs connects to `localhost`.)
step "cargo test (without simd-detect: the parsers as deployed)"
cargo test -p lambda-zero --no-default-features --features dns --lib --test client_http \
  --test hostile --test pipeline --test runtime --test json --test events

step "cargo doc (all features, then the default public API alone)"
RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps --all-features --quiet
RUSTDOCFLAGS=-Dwarnings cargo doc --no-deps --quiet -p lambda-zero

step "cargo publish --dry-run (the crate packages and builds on its own)"
cargo publish --dry-run --allow-dirty --quiet -p lambda-zero

step "cargo bench --no-run"
cargo bench --workspace --no-run --quiet
# The counting mode of scripts/events-bench.sh, once per sample and function.
LZ_EVENTS_COUNT=all:all:1 cargo bench --quiet --bench micro

step "main job: scripts/run.sh --events 200"
scripts/run.sh --events 200

step "deploy check: sam validate --lint, sam build (arm64, x86_64)"
scripts/deploy-check.sh

step "a user's function: scripts/function-check.sh (template, sam build, static, emulator, cargo lambda watch)"
scripts/function-check.sh

step "panics reported under unwind and abort: scripts/panic-check.sh"
scripts/panic-check.sh

step "cargo lambda watch: scripts/cargo-lambda-e2e.sh"
scripts/cargo-lambda-e2e.sh

step "fuzz targets, stable fallback: scripts/fuzz.sh 5"
FUZZ_STABLE=1 scripts/fuzz.sh 5

step "soak: scripts/soak.sh --quick"
scripts/soak.sh --quick

step "performance, quick: scripts/coldstart.sh --quick, scripts/load.sh --quick and --mi --quick"
scripts/coldstart.sh --quick
scripts/load.sh --quick
scripts/load.sh --mi --quick

printf '\nscripts/test.sh: all checks passed\n'
