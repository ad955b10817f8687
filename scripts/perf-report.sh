#!/usr/bin/env bash
# Usage: scripts/perf-report.sh [--quick] [--benches] [--reuse] [--no-docs]
#                               [--cpus LIST]
#
# The numbers of the README "Performance" section, from one run: lambda-zero
# (the deployed static build from scripts/build.sh, and the plain
# `cargo build --release` build) beside the official runtime (lambda_runtime
# 1.x, benches/official) and, for cold start, sizes and start-up work, the C
# floor (benches/floor: a ~130-line C bootstrap, static musl).
#
#   1. scripts/coldstart.sh --static --template (cached and evicted from the page
#      cache; the template function, scripts/build-template-function.sh, as a peer)
#      and scripts/load.sh --static (medians and ratios of cold start, latency,
#      CPU per invoke, peak RSS, throughput)
#   2. syscalls and heap allocations per warm invoke: each bootstrap under
#      `perf stat` (raw_syscalls:sys_enter; uprobes on glibc malloc, calloc,
#      realloc, posix_memalign), served 1,000 then 5,000 events; the
#      difference divided by 4,000, so start-up cancels out
#   3. the counting-allocator test (cargo test --release --test alloc)
#   4. binary sizes, stripped and zipped (zip -9)
#   5. where the time goes: scripts/perf-profile.sh --static (start-up CPU and
#      profile, a warm 1 MiB invoke's profile); scripts/startup-profile.sh (page
#      faults and syscalls from exec to the first GET /next)
#   6. with --benches: `cargo bench` first, and a table of its criterion
#      medians (each beside its baseline: the official runtime or a naive
#      implementation)
#
# Then writes target/perf/report.md and report.json, replaces the generated
# part of docs/performance.md (between its perf-report markers; of README.md
# too once it has them) and writes the chart docs/perf.svg (and
# target/perf/perf.png to look at, if rsvg-convert is there).
#
#   --quick    the quick modes of coldstart.sh and load.sh (a smoke test)
#   --benches  also run `cargo bench` (about 90 more seconds) and report it
#   --reuse    keep target/coldstart and target/load from an earlier run
#   --no-docs  leave docs/ alone (report in target/perf only)
#   --cpus LIST  CPUs every measurement runs on (default 0: one vCPU, like a
#              Lambda function of up to 1,769 MB; "all" to not pin; see
#              scripts/perf-lib.sh)
#
# Installs hyperfine and perf (linux-perf) with apt-get if missing. Needs
# root for perf's uprobes; without them the allocation row stays empty.
# Takes about 90 s on 2 cores once built (coldstart ~5 s, load ~75 s, the rest
# ~15 s; ~3 min with --benches).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh

quick=() reuse=0 docs=1 benches=0 cpus=0
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage_of "$0"; exit 0 ;;
    --quick) quick=(--quick) ;;
    --reuse) reuse=1 ;;
    --benches) benches=1 ;;
    --cpus) cpus=$2; shift ;;
    --no-docs) docs=0 ;;
    *) echo "perf-report.sh: unknown argument $1" >&2; usage_of "$0" >&2; exit 2 ;;
  esac
  shift
done

criterion=()
if [[ $benches == 1 ]]; then
  scripts/build-official.sh
  scripts/build-floor.sh
  scripts/build.sh --quiet
  rm -rf target/criterion target/bench-summary
  cargo bench --quiet --no-run
  # The same CPU pinning as the scripts; the cold-start bench under the same
  # real-time priority as coldstart.sh.
  use_cpus "$cpus"
  use_realtime 1
  echo "==> cargo bench (logs in target/perf/bench-*.txt)"
  mkdir -p target/perf
  "${RT_PREFIX[@]}" "${CPU_PREFIX[@]}" cargo bench --quiet --bench cold_start \
    >target/perf/bench-cold_start.txt 2>&1
  pinned cargo bench --quiet --bench per_invoke --bench micro >target/perf/bench-rest.txt 2>&1
  echo "(cargo bench: ${SECONDS}s)"
  awk 'FNR == 1 { p = 0 } /medians of/ { p = 1 } p && /^$/ { p = 0 } p' target/perf/bench-*.txt
  criterion=(--criterion target/criterion)
fi
if [[ $reuse == 0 ]]; then
  t=$SECONDS
  scripts/coldstart.sh --static --template --cpus "$cpus" "${quick[@]}"
  echo "(coldstart.sh: $((SECONDS - t))s)"
  t=$SECONDS
  scripts/load.sh --static --cpus "$cpus" "${quick[@]}"
  echo "(load.sh: $((SECONDS - t))s)"
fi
build_all release 1 1 1
use_cpus "$cpus"
out=target/perf
mkdir -p "$out"
rm -f "$out"/perf-*.txt

echo "==> syscalls and allocations per warm invoke (perf stat)"
ensure_tool perf linux-perf
libc=$(ldd target/release/bootstrap | awk '/libc\.so/ { print $3 }')
events=raw_syscalls:sys_enter
added=()
for fn in malloc calloc realloc posix_memalign; do
  if perf probe -l 2>/dev/null | grep -q "probe_libc:$fn "; then
    events+=",probe_libc:$fn"
  elif [[ -n $libc ]] && perf probe -q -x "$libc" -a "$fn" 2>/dev/null; then
    events+=",probe_libc:$fn"
    added+=("probe_libc:$fn")
  fi
done
cleanup() {
  local p
  for p in "${added[@]}"; do perf probe -q -d "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
small=1000 large=5000
for ((i = 0; i < ${#RUNTIMES[@]}; i += 2)); do
  rt=${RUNTIMES[i]} bin=$PWD/${RUNTIMES[i + 1]}
  # A static binary has its own allocator (musl's), not glibc's to probe.
  these=raw_syscalls:sys_enter
  ldd "$bin" 2>/dev/null | grep -q 'libc\.so' && these=$events
  for n in $small $large; do
    wrapper=$out/perf-stat-$rt
    printf '#!/bin/sh\nexec perf stat -x, -o %q -e %q -- %q\n' \
      "$PWD/$out/perf-$rt-$n.txt" "$these" "$bin" >"$wrapper"
    chmod +x "$wrapper"
    # --wait-exit: the emulator closes the API and lets perf see its child exit.
    pinned "$EMU" --bootstrap "$wrapper" --events "$n" --size 100 --wait-exit --quiet 2>/dev/null
  done
  echo "  $rt done"
done

echo "==> the counting-allocator test"
if ! cargo test --quiet --release --test alloc -- --nocapture >"$out/alloc-test.txt" 2>&1; then
  echo "perf-report.sh: the allocation test failed; see $out/alloc-test.txt" >&2
fi

echo "==> where the time goes (scripts/perf-profile.sh)"
t=$SECONDS
scripts/perf-profile.sh --static --cpus "$cpus" >/dev/null
echo "(perf-profile.sh: $((SECONDS - t))s)"
echo "==> page faults and syscalls to the first GET /next (scripts/startup-profile.sh)"
scripts/startup-profile.sh --cpus "$cpus" >"$out/startup-profile.txt"

md=() svg=()
if [[ $docs == 1 ]]; then
  # README.md too, while its Performance section carries the same markers.
  md=(--md docs/performance.md --md README.md)
  svg=(--svg docs/perf.svg)
fi
bins=()
for ((i = 0; i < ${#RUNTIMES[@]}; i += 2)); do
  bins+=(--bin "${RUNTIMES[i]}=${RUNTIMES[i + 1]}")
done
python3 scripts/perf-summary.py report --load target/load --coldstart target/coldstart \
  --perf "$out" --small "$small" --large "$large" --cpus "$cpus" "${bins[@]}" "${criterion[@]}" \
  --startup target/startup \
  "${md[@]}" "${svg[@]}"
if [[ $docs == 1 ]] && command -v rsvg-convert >/dev/null; then
  rsvg-convert -o "$out/perf.png" docs/perf.svg
fi
echo "(perf-report.sh: ${SECONDS}s in all)"
echo "written: $out/report.md, $out/report.json${md:+, docs/performance.md, docs/perf.svg}"
