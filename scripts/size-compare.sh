#!/usr/bin/env bash
# Measure the ways to build the default `bootstrap`, side by side, and print the tables
# that docs/deploy.md (and the README's Deploy section) quote.
#
# usage: scripts/size-compare.sh [--runs N] [--events N] [--profiles] [--no-arm64]
#
#   --runs N     spawns per x86_64 variant, interleaved round-robin (default 21)
#   --events N   events served per spawn (default 200): warm latency is their median
#   --profiles   also sweep the static build's profile: opt-level 3/2/s/z, panic
#                abort/unwind (5 more builds, ~2-3 minutes)
#   --no-arm64   skip the arm64 builds (sizes, and a qemu-aarch64 smoke run)
#
# Variants (x86_64, profile `lambda`):
#   glibc-dynamic-system  cargo + the system linker (Debian 12): glibc floor 2.34 here
#   glibc-dynamic-zig     scripts/build.sh --flavour dynamic: glibc symbols pinned to 2.17
#   glibc-static          +crt-static, non-PIE, the system's static glibc
#   musl-static-stock     musl target with rustup's prebuilt std (needs
#                         `rustup target add x86_64-unknown-linux-musl`; skipped if absent)
#   cargo-lambda          `cargo lambda build --release` (cargo-lambda from PyPI, installed
#                         into target/venv-build): what the Rust ecosystem's tool gives
#   musl-static           scripts/build.sh (the default): musl, std rebuilt without the
#                         backtrace symboliser
# Each is spawned by the project's emulator (target/release/lz-emulator, built if
# missing), which reports spawn -> first GET /next, warm latency and the bootstrap's
# peak RSS (VmHWM). Medians over the runs; ratios against musl-static in the same run.
# Writes target/size-compare/report.md. Numbers drift 5-20 % between runs on shared
# machines: compare within one report.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "size-compare.sh: error: $*" >&2; exit 1; }
say() { echo "size-compare.sh: $*" >&2; }

RUNS=21
EVENTS=200
PROFILES=0
ARM64=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --runs) RUNS="${2:?}"; shift 2 ;;
    --events) EVENTS="${2:?}"; shift 2 ;;
    --profiles) PROFILES=1; shift ;;
    --no-arm64) ARM64=0; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ $RUNS =~ ^[1-9][0-9]*$ && $EVENTS =~ ^[1-9][0-9]*$ ]] || die "--runs and --events take positive numbers"

CARGO_LAMBDA_VERSION=1.9.2

OUT="$ROOT/target/size-compare"
CMP_TARGET="$OUT/cargo" # own target dir: the comparison builds never clobber the shipped ones
mkdir -p "$OUT"
REPORT="$OUT/report.md"

# Tools: build.sh installs zip/binutils/zig; this script adds the emulator and qemu.
scripts/build.sh --quiet >/dev/null # the default build, and every tool it needs
export PATH="$ROOT/target/venv-build/bin:$PATH"
EMU="$ROOT/target/release/lz-emulator"
if [[ ! -x $EMU ]]; then
  say "building the emulator (cargo build --release -p lambda-zero-emulator)"
  cargo build --quiet --release -p lambda-zero-emulator
fi

NAMES=()
declare -A BIN NOTE FLOOR

zip_size() { # zip_size FILE -> bytes of `zip -9` of FILE named bootstrap
  local d
  d="$(mktemp -d)"
  cp "$1" "$d/bootstrap"
  (cd "$d" && zip -q -9 -X b.zip bootstrap)
  stat -c %s "$d/b.zip"
  rm -rf "$d"
}
glibc_floor() {
  local f
  f="$(objdump -T "$1" 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1 || true)"
  echo "${f:-none}"
}
add() { # add NAME FILE NOTE
  mkdir -p "$OUT/bin"
  cp -f "$2" "$OUT/bin/$1"
  NAMES+=("$1")
  BIN[$1]="$OUT/bin/$1"
  NOTE[$1]="$3"
  FLOOR[$1]="$(glibc_floor "$2")"
}
via_build_sh() { # via_build_sh NAME NOTE BUILD_SH_ARGS... (keeps over-budget binaries too)
  local name="$1" note="$2" stamp
  shift 2
  stamp="$(mktemp)"
  sleep 1
  if ! scripts/build.sh --quiet "$@" >"$OUT/$name.log" 2>&1; then
    grep -q 'SIZE BUDGET EXCEEDED' "$OUT/$name.log" || { cat "$OUT/$name.log" >&2; die "build.sh $* failed (variant $name, log: $OUT/$name.log)"; }
    note="$note; OVER BUDGET"
  fi
  [[ target/lambda/bootstrap/bootstrap -nt $stamp ]] || die "build.sh $* left no fresh binary"
  rm -f "$stamp"
  add "$name" target/lambda/bootstrap/bootstrap "$note"
}
cargo_variant() { # cargo_variant NAME TRIPLE RUSTFLAGS NOTE
  say "building $1"
  RUSTFLAGS="$3" CARGO_TARGET_DIR="$CMP_TARGET" cargo build --quiet --profile lambda \
    --bin bootstrap --target "$2"
  add "$1" "$CMP_TARGET/$2/lambda/bootstrap" "$4"
}

say "building the variants"
cargo_variant glibc-dynamic-system x86_64-unknown-linux-gnu "" "system cc/ld, stock std"
via_build_sh glibc-dynamic-zig "build.sh --flavour dynamic, stock std" --flavour dynamic
cargo_variant glibc-static x86_64-unknown-linux-gnu \
  "-C target-feature=+crt-static -C relocation-model=static" "+crt-static, stock std"
if rustup target list --installed 2>/dev/null | grep -qx x86_64-unknown-linux-musl ||
  timeout 300 rustup target add x86_64-unknown-linux-musl >/dev/null 2>&1; then
  cargo_variant musl-static-stock x86_64-unknown-linux-musl "-C relocation-model=static" \
    "rustup's musl std (backtrace symboliser included)"
else
  say "skipping musl-static-stock: rustup target add x86_64-unknown-linux-musl failed"
fi
# What `cargo lambda build --release` gives (release profile: unwinding; zig's default glibc).
if [[ ! -x "$ROOT/target/venv-build/bin/cargo-lambda" ]]; then
  say "pip install --no-deps cargo-lambda==$CARGO_LAMBDA_VERSION (into target/venv-build)"
  "$ROOT/target/venv-build/bin/pip" install -q --disable-pip-version-check --no-deps \
    "cargo-lambda==$CARGO_LAMBDA_VERSION" || die "pip install cargo-lambda failed"
fi
say "building cargo-lambda (cargo lambda build --release)"
CARGO_TARGET_DIR="$CMP_TARGET" cargo lambda build --quiet --release --lambda-dir "$OUT/cargo-lambda" \
  >"$OUT/cargo-lambda.log" 2>&1 || { cat "$OUT/cargo-lambda.log" >&2; die "cargo lambda build --release failed"; }
add cargo-lambda "$OUT/cargo-lambda/bootstrap/bootstrap" "cargo lambda build --release (profile release, unwind)"
via_build_sh musl-static "build.sh default: musl, std rebuilt" # last: the shipped binary
DEFAULT=musl-static

if [[ $PROFILES == 1 ]]; then
  for opt in 3 2 s z; do
    CARGO_PROFILE_LAMBDA_OPT_LEVEL="$opt" via_build_sh "static-opt-$opt" "opt-level=$opt, panic=abort"
  done
  CARGO_PROFILE_LAMBDA_PANIC=unwind via_build_sh static-opt-s-unwind "opt-level=s, panic=unwind"
fi

# ---- measure -------------------------------------------------------------------------
declare -A SPAWN LAT RSS
say "measuring: $RUNS spawns x ${#NAMES[@]} variants, $EVENTS events each"
for ((r = 0; r < RUNS; r++)); do
  for n in "${NAMES[@]}"; do
    j="$("$EMU" --bootstrap "${BIN[$n]}" --events "$EVENTS" --json)" || die "$n failed under the emulator"
    get() { sed -n "s/.*\"$1\":\([0-9.]*\).*/\1/p" <<<"$j"; }
    SPAWN[$n]+="$(get spawn_to_first_next_us) "
    LAT[$n]+="$(get latency_median_us) "
    RSS[$n]+="$(get peak_rss_kib) "
  done
done
median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR==0) print "?"; else if (NR%2) print a[(NR+1)/2]; else print (a[NR/2]+a[NR/2+1])/2}'; }

{
  echo "Measured by \`scripts/size-compare.sh$([[ $PROFILES == 1 ]] && echo ' --profiles')\` on $(date -u +%Y-%m-%d), $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1), Linux $(uname -r), $(rustc -V | cut -d' ' -f1-2), zig $(python3 -m ziglang version 2>/dev/null || echo '?'); medians of $RUNS interleaved spawns, $EVENTS events each (100 B API Gateway v2 events), ratios against \`$DEFAULT\` in the same run."
  echo
  echo "| x86_64 variant | stripped | zipped (zip -9) | glibc floor | spawn -> first /next | ratio | warm latency | peak RSS | notes |"
  echo "|---|---:|---:|---|---:|---:|---:|---:|---|"
  base="$(median <<<"${SPAWN[$DEFAULT]}")"
  for n in "${NAMES[@]}"; do
    s="$(median <<<"${SPAWN[$n]}")"
    l="$(median <<<"${LAT[$n]}")"
    m="$(median <<<"${RSS[$n]}")"
    # shellcheck disable=SC2016 # the backticks are Markdown
    printf '| `%s` | %s B | %s B | %s | %.0f µs | %.2f× | %.1f µs | %s KiB | %s |\n' \
      "$n" "$(stat -c %s "${BIN[$n]}")" "$(zip_size "${BIN[$n]}")" "${FLOOR[$n]}" "$s" \
      "$(awk -v a="$s" -v b="$base" 'BEGIN {print a/b}')" "$l" "$m" "${NOTE[$n]}"
  done
} >"$REPORT"

if [[ $ARM64 == 1 ]]; then
  {
    echo
    echo "| arm64 (aarch64) variant | stripped | zipped (zip -9) | glibc floor | runs (qemu-aarch64, $EVENTS events) |"
    echo "|---|---:|---:|---|---|"
  } >>"$REPORT"
  command -v qemu-aarch64 >/dev/null || {
    say "apt-get install qemu-user (for an arm64 smoke run)"
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends qemu-user; } >/dev/null 2>&1 ||
      say "qemu-user could not be installed: arm64 binaries are built but not run"
  }
  for fl in static dynamic; do
    if ! scripts/build.sh --quiet --arch arm64 --flavour "$fl" >"$OUT/arm64-$fl.log" 2>&1; then
      say "arm64 $fl: $(grep 'error' "$OUT/arm64-$fl.log" | tail -n1)"
      echo "| \`$fl\` | - | - | - | could not be built here: $(grep 'error' "$OUT/arm64-$fl.log" | tail -n1 | sed 's/^build.sh: //') |" >>"$REPORT"
      continue
    fi
    b="$OUT/bin/arm64-$fl"
    cp -f target/lambda/bootstrap/bootstrap "$b"
    ran="not run (no qemu-aarch64)"
    if command -v qemu-aarch64 >/dev/null; then
      w="$OUT/bin/arm64-$fl.qemu.sh"
      # The dynamic build needs an aarch64 glibc to run: only the static one runs as is.
      printf '#!/bin/sh\nexec qemu-aarch64 %q "$@"\n' "$b" >"$w"
      chmod +x "$w"
      if [[ $fl == static ]] && "$EMU" --bootstrap "$w" --events "$EVENTS" --quiet; then
        ran="yes: $EVENTS/$EVENTS Hello World answers"
      elif [[ $fl == static ]]; then
        ran="FAILED under qemu-aarch64"
      else
        ran="not run (needs an aarch64 glibc)"
      fi
    fi
    echo "| \`$fl\` | $(stat -c %s "$b") B | $(zip_size "$b") B | $(glibc_floor "$b") | $ran |" >>"$REPORT"
  done
fi

scripts/build.sh --quiet >/dev/null # leave the shipped x86_64 default in target/lambda
cat "$REPORT"
say "report written to $REPORT"
