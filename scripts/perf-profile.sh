#!/usr/bin/env bash
# Usage: scripts/perf-profile.sh [--static] [--cpus LIST]
#
# Where the time goes, for the report (scripts/perf-report.sh runs this):
#
#   1. start-up CPU: each bootstrap started 200 times against a closed port
#      (exec -> connect refused -> exit) under `perf stat` (task-clock, page
#      faults), and the glibc builds' start-ups (lambda-zero `--release`, the
#      official runtime) sampled with `perf record`: the share of samples per
#      shared object, and the share in glibc's and libgcc's CPU-feature
#      detection (cpuid, which traps to the hypervisor on a VM)
#   2. a warm 1 MiB invoke: lambda-zero's `--release` build and the official
#      runtime each sampled with `perf record` while serving 3,000 (lambda-
#      zero) or 1,000 (official) 1 MiB events: the top symbols and the share
#      spent in user space
#   3. the spread of 1 MiB round trips between processes: six separate runs of
#      lambda-zero's `--release` build (1,000 events each) under `perf stat`,
#      each run's median round trip beside its syscalls per event
#
# Writes target/perf/profile.json (read by scripts/perf-summary.py report)
# and prints it. With --static, the deployed build (scripts/build.sh) is
# included in part 1; --cpus LIST pins every run (taskset -c; default 0, as
# scripts/load.sh; "all" to not pin). Installs perf (linux-perf) if missing.
# ~10 seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh

static=0 cpus=0
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage_of "$0"; exit 0 ;;
    --static) static=1 ;;
    --cpus) cpus=$2; shift ;;
    *) echo "perf-profile.sh: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done

ensure_tool perf linux-perf
build_all release "$static" 1
out=target/perf
mkdir -p "$out"
use_cpus "$cpus" >&2

echo "==> start-up CPU (perf stat -r 200, exec -> connect refused -> exit)" >&2
for ((i = 0; i < ${#RUNTIMES[@]}; i += 2)); do
  rt=${RUNTIMES[i]} bin=${RUNTIMES[i + 1]}
  AWS_LAMBDA_RUNTIME_API=127.0.0.1:1 AWS_LAMBDA_FUNCTION_NAME=x AWS_LAMBDA_FUNCTION_VERSION=1 \
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 \
    pinned perf stat -x, -r 200 -e task-clock,page-faults -o "$out/startup-$rt.txt" "$bin" 2>/dev/null >/dev/null || true
done

echo "==> start-up profiles of the glibc builds (perf record, 300 starts each)" >&2
for rt in lambda-zero official; do
  bin=target/release/bootstrap
  [[ $rt == official ]] && bin=target/official/release/bootstrap
  AWS_LAMBDA_RUNTIME_API=127.0.0.1:1 AWS_LAMBDA_FUNCTION_NAME=x AWS_LAMBDA_FUNCTION_VERSION=1 \
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE=128 pinned perf record -q -F 20000 -o "$out/startup-$rt.data" -- \
    sh -c "for i in \$(seq 300); do $bin; done" >/dev/null 2>&1 || true
  perf script -i "$out/startup-$rt.data" -F comm,ip,sym,dso 2>/dev/null >"$out/startup-$rt.script" || true
done

echo "==> warm 1 MiB invokes (perf record)" >&2
for rt in lambda-zero official; do
  bin=$PWD/target/release/bootstrap events=3000
  [[ $rt == official ]] && bin=$PWD/target/official/release/bootstrap events=1000
  printf '#!/bin/sh\nexec perf record -q -F 10000 -o %q -- %q\n' "$PWD/$out/invoke-$rt.data" "$bin" \
    >"$out/perf-record-$rt"
  chmod +x "$out/perf-record-$rt"
  pinned "$EMU" --bootstrap "$out/perf-record-$rt" --events "$events" --size 1048576 --wait-exit --quiet 2>/dev/null
  perf script -i "$out/invoke-$rt.data" -F comm,ip,sym,dso 2>/dev/null >"$out/invoke-$rt.script" || true
done

echo "==> 1 MiB round trips, six processes (perf stat)" >&2
rm -f "$out"/spread-*.txt "$out/spread.jsonl"
# shellcheck disable=SC2016 # $SPREAD_OUT is for the wrapper to expand, per run
printf '#!/bin/sh\nexec perf stat -x, -o "$SPREAD_OUT" -e raw_syscalls:sys_enter -- %q\n' \
  "$PWD/target/release/bootstrap" >"$out/perf-stat-spread"
chmod +x "$out/perf-stat-spread"
for i in 1 2 3 4 5 6; do
  SPREAD_OUT=$PWD/$out/spread-$i.txt pinned "$EMU" --bootstrap "$out/perf-stat-spread" \
    --events 1000 --size 1048576 --wait-exit --quiet --json-append "$out/spread.jsonl" 2>/dev/null
done

python3 - "$out" <<'PY'
import collections, json, re, sys
from pathlib import Path

out = Path(sys.argv[1])
profile = {"startup": {}, "startup_profile": {}, "invoke_1mib": {}, "spread_1mib": []}
for f in sorted(out.glob("startup-*.txt")):
    rt = f.stem[len("startup-"):]
    vals = {}
    for line in f.read_text().splitlines():
        parts = line.split(",")
        if len(parts) > 2 and parts[0].replace(".", "", 1).isdigit():
            vals[parts[2]] = float(parts[0])
    profile["startup"][rt] = {"task_clock_ms": vals.get("task-clock"),
                              "page_faults": vals.get("page-faults")}

def samples(path, comm):
    """(symbol, object) per sample of `comm` from `perf script -F comm,ip,sym,dso`."""
    rows = []
    for line in path.read_text(errors="replace").splitlines():
        m = re.match(r"\s*(\S+)\s+[0-9a-f]+\s+(.*?)\s*\((.*)\)\s*$", line)
        if m and m.group(1) == comm:
            sym = re.sub(r"\+0x[0-9a-f]+$", "", m.group(2).strip())
            dso = Path(m.group(3)).name
            if sym == "[unknown]":
                sym = f"(stripped code in {dso})"
            rows.append((sym, dso))
    return rows

cpuid = ("init_cpu_features", "intel_check_word", "handle_intel", "get_common_indices",
         "get_common_cache_info", "update_active", "__cpu_indicator_init")
for rt in ("lambda-zero", "official"):
    path = out / f"startup-{rt}.script"
    rows = samples(path, "bootstrap") if path.exists() else []
    if not rows:
        continue
    n = len(rows)
    by_dso = collections.Counter(d for _, d in rows)
    in_cpuid = sum(1 for s, d in rows
                   if any(s.startswith(c) for c in cpuid) or d.startswith("libgcc_s"))
    profile["startup_profile"][rt] = {
        "samples": n,
        "share_by_object": {d: round(100 * c / n, 1) for d, c in by_dso.most_common(6)},
        "share_cpu_feature_detection": round(100 * in_cpuid / n, 1),
    }
for rt in ("lambda-zero", "official"):
    path = out / f"invoke-{rt}.script"
    rows = samples(path, "bootstrap") if path.exists() else []
    rows += samples(path, "tokio-runtime-w") if path.exists() else []
    if not rows:
        continue
    n = len(rows)
    syms = collections.Counter(s for s, _ in rows)
    kernel = sum(1 for _, d in rows if d.startswith("kernel") or d.startswith("[kernel"))
    profile["invoke_1mib"][rt] = {
        "samples": n,
        "share_user_space": round(100 * (n - kernel) / n, 1),
        "top": {s: round(100 * c / n, 1) for s, c in syms.most_common(5)},
    }
runs = [json.loads(l) for l in (out / "spread.jsonl").read_text().splitlines()] \
    if (out / "spread.jsonl").exists() else []
for i, run in enumerate(runs, 1):
    calls = None
    f = out / f"spread-{i}.txt"
    if f.exists():
        for line in f.read_text().splitlines():
            parts = line.split(",")
            if len(parts) > 2 and parts[0].isdigit():
                calls = int(parts[0]) / run["events"]
    profile["spread_1mib"].append({"latency_median_us": run["latency_median_us"],
                                   "syscalls_per_event": calls})
(out / "profile.json").write_text(json.dumps(profile, indent=2) + "\n")
print(json.dumps(profile, indent=2))
PY
