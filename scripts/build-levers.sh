#!/usr/bin/env bash
# Usage: scripts/build-levers.sh [--only NAME,...] [--runs N] [--no-build | --build-only]
#
# Measures the build-side levers of the deployed default bootstrap (issue 13):
# builds each variant of scripts/build.sh below (each in its own target dir,
# target/levers/NAME, so a re-run is cached), then measures all of them in one
# run beside the C floor: scripts/startup-profile.sh (faults, syscalls before
# connect, stripped and zip -9 sizes) and scripts/coldstart.sh per variant
# (spawn -> first GET /next, cached and evicted, pinned to CPU 0, interleaved
# with the floor; medians and the ratio to the floor). Prints one table.
#
#   --only LIST  the variants to build and measure (comma-separated names)
#   --runs N     cold starts per variant and case (default 100)
#   --no-build   measure the binaries target/levers/NAME.bin as they are (any
#                NAME.bin there can be listed in --only, e.g. a prototype, the
#                build of an earlier commit, or target/template-function/bootstrap
#                copied there: that is how docs/performance.md's change-by-change
#                table of issue 13 was measured)
#   --build-only build, do not measure
#
# The variants: each is the build before issue 13 (`old`: panic=abort, opt-level
# "s", without build.sh's LZ_ABORT_RUSTFLAGS) plus one lever, on the source as it
# is; `base` is scripts/build.sh as it is now (old + immabort + nounwind).
#   base        scripts/build.sh as it is
#   old         LZ_ABORT_RUSTFLAGS= (the build before the two flags were kept)
#   immabort    -Cpanic=immediate-abort (the panic_immediate_abort of old):
#               only for a bootstrap without a handler, never a user's function
#   z           opt-level = "z"
#   o3          opt-level = 3
#   nolocation  -Zlocation-detail=none
#   nofmtdebug  -Zfmt-debug=none
#   norelro     -Wl,-z,norelro (one RW segment fewer; in build.sh since, so in
#               every variant: musl's static start-up never applied RELRO)
#               (-Wl,--icf=all, identical code folding, is not listed: zig cc,
#               the linker driver of build.sh, rejects it)
#   nounwind    -C force-unwind-tables=no (no .eh_frame)
#   opt4size    -Zbuild-std-features=optimize_for_size
#   all         every one above that builds, together
# Several minutes per variant to build on 2 cores (std is rebuilt each time).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh

only="" runs=100 build=1
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage_of "$0"; exit 0 ;;
    --only) only=$2; shift ;;
    --runs) runs=$2; shift ;;
    --no-build) build=0 ;;
    --build-only) build=2 ;;
    *) echo "build-levers.sh: unknown argument $1" >&2; usage_of "$0" >&2; exit 2 ;;
  esac
  shift
done

IA="-Zunstable-options -Cpanic=immediate-abort"
O="LZ_ABORT_RUSTFLAGS=|"
declare -A FLAGS=(
  [base]=""
  [old]="LZ_ABORT_RUSTFLAGS="
  [immabort]="${O}LZ_EXTRA_RUSTFLAGS=$IA"
  [z]="${O}CARGO_PROFILE_LAMBDA_OPT_LEVEL=z"
  [o3]="${O}CARGO_PROFILE_LAMBDA_OPT_LEVEL=3"
  [nolocation]="${O}LZ_EXTRA_RUSTFLAGS=-Zlocation-detail=none"
  [nofmtdebug]="${O}LZ_EXTRA_RUSTFLAGS=-Zfmt-debug=none"
  [norelro]="${O}LZ_EXTRA_RUSTFLAGS=-Clink-arg=-Wl,-z,norelro"
  [nounwind]="${O}LZ_EXTRA_RUSTFLAGS=-Cforce-unwind-tables=no"
  [opt4size]="${O}LZ_BUILD_STD_FEATURES=optimize_for_size"
  [all]="${O}LZ_EXTRA_RUSTFLAGS=$IA -Zlocation-detail=none -Zfmt-debug=none -Clink-arg=-Wl,-z,norelro -Cforce-unwind-tables=no"
)
ORDER=(old base immabort z o3 nolocation nofmtdebug norelro nounwind opt4size all)
if [[ -n $only ]]; then IFS=, read -r -a ORDER <<<"$only"; fi

mkdir -p target/levers
if [[ $build != 0 ]]; then
  for name in "${ORDER[@]}"; do
    [[ -v FLAGS[$name] ]] || { echo "build-levers.sh: no variant $name" >&2; exit 2; }
    envs=(CARGO_TARGET_DIR="$PWD/target/levers/$name")
    if [[ -n ${FLAGS[$name]} ]]; then
      IFS='|' read -r -a more <<<"${FLAGS[$name]}"
      envs+=("${more[@]}")
    fi
    echo "==> $name: ${envs[*]:1}"
    t=$SECONDS
    env "${envs[@]}" scripts/build.sh --quiet >/dev/null
    cp -f target/lambda/bootstrap/bootstrap "target/levers/$name.bin"
    echo "    built in $((SECONDS - t)) s: $(stat -c %s "target/levers/$name.bin") bytes"
  done
  # Leave the deployed build as build.sh makes it.
  scripts/build.sh --quiet >/dev/null
  [[ $build == 2 ]] && exit 0
fi

bins=()
for name in "${ORDER[@]}"; do bins+=(--bin "$name=target/levers/$name.bin"); done
scripts/startup-profile.sh --runs 20 "${bins[@]}"
cp target/startup/startup.json target/levers/startup.json

echo "==> cold start of each variant beside the floor (coldstart.sh --static-bin)"
: >target/levers/coldstart.txt
for name in "${ORDER[@]}"; do
  scripts/coldstart.sh --static-bin "target/levers/$name.bin" --no-official \
    --runs "$runs" --rounds 10 --warmup 5 >"target/levers/coldstart-$name.log" 2>&1
  cp target/coldstart/summary.json "target/levers/coldstart-$name.json"
  echo "  $name done"
done
python3 - "${ORDER[@]}" <<'PY'
import json, sys
names = sys.argv[1:]
st = json.load(open("target/levers/startup.json"))["peers"]
fl = st["floor"]
base = names[0]
def r(a, b): return f"{a / b:.2f}×" if b else "–"
rows = [("variant", "stripped", "zip -9", "faults", "syscalls<connect", "1st /next", "/floor",
         "evicted", "/floor", "zip/floor", "faults/floor")]
for n in ["floor"] + names:
    cs = None if n == "floor" else json.load(open(f"target/levers/coldstart-{n}.json"))
    s = st[n]
    if cs:
        me, f = cs["lambda-zero-static"], cs["floor"]
        t, tf = me["first_next_us"], f["first_next_us"]
        e, ef = me["first_next_evicted_us"], f["first_next_evicted_us"]
    else:
        t = tf = e = ef = None
    rows.append((n, f"{s['stripped']:,}", f"{s['zipped']:,}", f"{s['faults']:.0f}",
                 str(s["syscalls_before_connect"]),
                 f"{t:.0f} µs" if t else "–", r(t, tf) if t else "–",
                 f"{e:.0f} µs" if e else "–", r(e, ef) if e else "–",
                 r(s["zipped"], fl["zipped"]), r(s["faults"], fl["faults"])))
w = [max(len(x[i]) for x in rows) for i in range(len(rows[0]))]
print("\nbuild levers (each cold start interleaved with the floor in its own run, medians):")
for i, x in enumerate(rows):
    print("  ".join(c.ljust(w[j]) if j == 0 else c.rjust(w[j]) for j, c in enumerate(x)))
    if i == 0:
        print("  ".join("-" * k for k in w))
PY
