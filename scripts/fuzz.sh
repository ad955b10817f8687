#!/usr/bin/env bash
# Usage: scripts/fuzz.sh [SECONDS]
#
# Runs every fuzz target for SECONDS each (default 60) and reports, per
# target, how many inputs were executed and how many crashed.
#
# - With a nightly toolchain and cargo-fuzz (`cargo install cargo-fuzz`):
#   coverage-guided libFuzzer runs (`cargo +nightly fuzz run -O`, ASan),
#   starting from fuzz/corpus/<target>. What they discover goes to a scratch
#   directory, not into the repository; a crash is saved under
#   fuzz/artifacts/<target>/ (and then replayed by `cargo test --test props`).
# - Without: says so in one line and falls back to the same target functions
#   on stable through `cargo test --release --test props` (every corpus
#   input plus generated inputs, PROPTEST_CASES scaled with SECONDS). That is
#   not coverage-guided, and the report says so. Each fallback run draws new
#   inputs (PROPS_SEED, printed; set it to replay a run).
#
# FUZZ_STABLE=1 forces the stable fallback.
#
# Exit status: 0 when nothing crashed.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
targets=(http_response chunked_body runtime_api request_id json)

if [ "${FUZZ_STABLE:-0}" != 1 ] && cargo +nightly --version >/dev/null 2>&1 \
    && cargo fuzz --version >/dev/null 2>&1; then
    printf 'fuzz.sh: coverage-guided: %s, cargo-fuzz %s, %s s per target\n' \
        "$(cargo +nightly --version)" "$(cargo fuzz --version | awk '{print $2}')" "$seconds"
    (cd fuzz && cargo +nightly fuzz build -O >/dev/null 2>&1) || {
        echo "fuzz.sh: cargo +nightly fuzz build failed" >&2
        (cd fuzz && cargo +nightly fuzz build -O)
        exit 1
    }
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    failed=0
    printf '%-15s %15s %8s %8s\n' target executions exec/s crashes
    for t in "${targets[@]}"; do
        mkdir -p "$scratch/$t" "fuzz/artifacts/$t"
        # crash-*, leak-*, oom-*, timeout-* (slow-unit-* is a report, not a crash)
        found() { find "fuzz/artifacts/$t" -type f ! -name 'slow-unit-*' | wc -l; }
        before=$(found)
        status=0
        (cd fuzz && cargo +nightly fuzz run -O "$t" "$scratch/$t" "corpus/$t" -- \
            -max_total_time="$seconds" -print_final_stats=1 -rss_limit_mb=4096 \
            >"$scratch/$t.log" 2>&1) || status=$?
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$scratch/$t.log" | tail -1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$scratch/$t.log" | tail -1)
        crashes=$(( $(found) - before ))
        if [ "$status" -ne 0 ] && [ "$crashes" -eq 0 ]; then crashes=1; fi
        printf '%-15s %15s %8s %8s\n' "$t" "${runs:-?}" "${rate:-?}" "$crashes"
        if [ "$crashes" -ne 0 ]; then
            failed=1
            grep -m5 -E -A3 'panicked|ERROR|SUMMARY' "$scratch/$t.log" | cut -c1-300 >&2 || true
        fi
    done
    exit "$failed"
fi

echo "fuzz.sh: no nightly toolchain or cargo-fuzz here: stable fallback, not coverage-guided (corpus + generated inputs through tests/props.rs)"
cases=$(( seconds * 100 ))
seed="${PROPS_SEED:-$(date +%s)}"
echo "fuzz.sh: PROPTEST_CASES=$cases PROPS_SEED=$seed (set PROPS_SEED to replay)"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
PROPS_SEED="$seed" PROPTEST_CASES="$cases" cargo test --release --test props -- --nocapture --test-threads 2 >"$log" 2>&1 || status=$?
printf '%-15s %15s %8s\n' target inputs crashes
for t in "${targets[@]}"; do
    runs=$(sed -n "s/.*props: target $t: \([0-9]*\) inputs.*/\1/p" "$log")
    crashed=0
    grep -q "^test ${t}_target.* FAILED" "$log" && crashed=1
    printf '%-15s %15s %8s\n' "$t" "${runs:-?}" "$crashed"
done
if [ "$status" -ne 0 ]; then
    grep -E -A3 'panicked|minimal failing' "$log" | cut -c1-300 | head -20 >&2
fi
exit "$status"
