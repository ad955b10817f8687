#!/usr/bin/env bash
# Usage: scripts/startup-profile.sh [--runs N] [--cpus LIST] [--instructions]
#                                   [--bin NAME=PATH ...]
#
# What each bootstrap does from exec to its first `GET /next`, per peer: the C
# floor (benches/floor, static musl), lambda-zero deployed (scripts/build.sh),
# lambda-zero `cargo build --release`, the official runtime (and the floor's C
# built static against glibc, when there). Prints a table
# (scripts/startup-probe.py does the measuring):
#
#   page faults     minor + major at the moment the first GET /next arrives
#                   (/proc/PID/stat, all threads; the listener plays the API),
#                   with the file in the page cache and evicted (posix_fadvise)
#   system calls    under strace -f: the calls before the first connect() (and
#                   which), and up to the first write of GET /next
#   sizes           stripped and zip -9 bytes
#
# with the ratio of every peer to the floor and to the official runtime.
# Medians of N runs per peer (default 20), the peers taking turns.
#
#   --runs N      runs per peer and case (default 20)
#   --cpus LIST   taskset -c LIST (default 0; "all" to not pin)
#   --bin NAME=PATH  measure PATH as NAME beside the floor instead of the
#                 default peers (repeatable; nothing else is built): for
#                 comparing build variants
#   --instructions  also the instructions executed from exec to the first
#                 GET /next (one run each under valgrind's callgrind, user
#                 space): a count that does not drift with the machine's
#                 load, for telling small start-up changes apart
#
# Installs strace (and, for --instructions, valgrind) with apt-get if missing;
# builds what it measures. Writes target/startup/startup.json, startup.md,
# strace-NAME.txt (and callgrind-NAME.out). ~10 s once built.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh

runs=20 cpus=0 bins=() probe_args=()
while [[ $# -gt 0 ]]; do
  case $1 in
    -h|--help) usage_of "$0"; exit 0 ;;
    --runs) runs=$2; shift ;;
    --cpus) cpus=$2; shift ;;
    --bin) bins+=("$2"); shift ;;
    --instructions) probe_args+=(--instructions) ;;
    *) echo "startup-profile.sh: unknown argument $1" >&2; usage_of "$0" >&2; exit 2 ;;
  esac
  shift
done

ensure_tool strace
[[ ${#probe_args[@]} -eq 0 ]] || ensure_tool valgrind
peers=()
if [[ ${#bins[@]} -gt 0 ]]; then
  scripts/build-floor.sh >&2
  peers=(floor=target/floor/bootstrap-musl "${bins[@]}")
else
  build_all release 1 1 1
  for ((i = 0; i < ${#RUNTIMES[@]}; i += 2)); do
    peers+=("${RUNTIMES[i]}=${RUNTIMES[i + 1]}")
  done
  # The same C built static against glibc, for reference, when build-floor.sh could.
  [[ -x target/floor/bootstrap-glibc ]] && peers+=(floor-glibc=target/floor/bootstrap-glibc)
fi
use_cpus "$cpus"
pinned python3 scripts/startup-probe.py --runs "$runs" --out target/startup \
  ${probe_args[@]+"${probe_args[@]}"} "${peers[@]}"
