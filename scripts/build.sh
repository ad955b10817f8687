#!/usr/bin/env bash
# Build the deployable `bootstrap` for AWS Lambda (provided.al2023 / provided.al2).
#
# usage: scripts/build.sh [--arch x86_64|arm64] [--flavour static|dynamic] [--out DIR] [--quiet]
#
#   --arch      x86_64 (default) or arm64 (aarch64, Graviton)
#   --flavour   static  (default) musl libc, statically linked, no glibc at all; std
#                       rebuilt for size (-Zbuild-std, see below): the smallest and
#                       the fastest to start
#               dynamic glibc, dynamically linked, symbol versions pinned to glibc 2.17
#                       with cargo-zigbuild; stock prebuilt std, nothing unstable
#   --out DIR   also copy the binary to DIR/bootstrap (what `sam build` passes as
#               ARTIFACTS_DIR)
#   --quiet     only print the summary
#
# Produces target/lambda/bootstrap/bootstrap and target/lambda/bootstrap/bootstrap.zip
# (zip -9), checks the ELF machine type, that the binary is stripped, the glibc floor
# (highest GLIBC_x.y symbol version; `static` has none) and the size budget below, and
# prints the stripped and zipped sizes. Fails loudly when a check fails.
#
# Tools it needs and installs when missing: zip, binutils (readelf, objdump), file,
# python3-venv (apt-get); ziglang + cargo-zigbuild (pip, into target/venv-build);
# Rust: the `rust-src` component (static) or the target's std (dynamic) via rustup.
#
# Why RUSTC_BOOTSTRAP=1 for `static`: the prebuilt std carries a DWARF symboliser
# (gimli, ~150 KB of code) that a panic=abort binary never needs; only rebuilding std
# without its `backtrace` feature drops it, and -Zbuild-std is unstable. It is set for
# this one cargo call only, on the stable toolchain; the library itself needs nothing
# unstable. Use `--flavour dynamic` for a build with stable flags only.
#
# With panic=abort (the default bootstrap has no handler whose panic must be reported),
# the static build also gets, measured with scripts/build-levers.sh (docs/performance.md):
#   -Cpanic=immediate-abort  (unstable; the old std feature panic_immediate_abort) a panic
#                            traps at once, no message: std keeps no panic machinery and
#                            installs no stack-overflow handler at start-up (9 syscalls:
#                            sigaltstack, its guard page, SIGSEGV/SIGBUS handlers);
#                            -40 KB stripped, -17 KB zipped
#   -Cforce-unwind-tables=no nothing unwinds, so no .eh_frame; -10 KB stripped, -4 KB zipped
# Never for a function with its own handler: its panics must unwind to be reported.
#
# Profile: `lambda` in Cargo.toml (inherits release; opt-level and panic=abort chosen by
# measurement, see scripts/size-compare.sh). CARGO_PROFILE_LAMBDA_* env vars override it.
#
# For measuring build variants (scripts/build-levers.sh), static flavour only:
#   LZ_EXTRA_RUSTFLAGS       appended to RUSTFLAGS (e.g. -Zlocation-detail=none)
#   LZ_ABORT_RUSTFLAGS       replaces the two flags above (set it empty for neither)
#   LZ_BUILD_STD_FEATURES    -Zbuild-std-features=... (default: none)
#   LZ_LINKER_SCRIPT         the linker script of the static immediate-abort build
#                            (default scripts/bootstrap.ld; empty for lld's layout)
#   LZ_FEATURES              lambda-zero features to build with (default: none, so no
#                            `dns`; either flavour)
#   CARGO_TARGET_DIR         where cargo builds (the result still goes to
#                            target/lambda/bootstrap)
set -euo pipefail

# ---- budgets: the build fails past these -------------------------------------------
# shellcheck disable=SC2034 # both are read through ${!budget_name}
BUDGET_ZIP_BYTES=200000         # zipped default (static) bootstrap, bytes: <= 200 KB
# shellcheck disable=SC2034
BUDGET_ZIP_BYTES_DYNAMIC=240000 # zipped `dynamic` bootstrap: with the stock std (and its
#                                 backtrace symboliser) it zips to ~200 KB already, so
#                                 this fallback gets its own ceiling
GLIBC_MAX=2.26          # highest glibc symbol version allowed: provided.al2 has 2.26,
#                         provided.al2023 has 2.34

# ---- pinned tool versions (tested together) -----------------------------------------
ZIGLANG_VERSION=0.17.1
CARGO_ZIGBUILD_VERSION=0.24.1

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "build.sh: error: $*" >&2; exit 1; }
say() { [[ $QUIET == 1 ]] || echo "build.sh: $*" >&2; }

ARCH=x86_64
FLAVOUR=static
OUT=""
QUIET=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arch) ARCH="${2:?--arch needs a value}"; shift 2 ;;
    --arch=*) ARCH="${1#*=}"; shift ;;
    --flavour | --flavor) FLAVOUR="${2:?--flavour needs a value}"; shift 2 ;;
    --flavour=* | --flavor=*) FLAVOUR="${1#*=}"; shift ;;
    --out) OUT="${2:?--out needs a value}"; shift 2 ;;
    --out=*) OUT="${1#*=}"; shift ;;
    --quiet | -q) QUIET=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

case "$ARCH" in
  x86_64 | amd64 | x86-64) ARCH=x86_64; RUST_ARCH=x86_64; ELF_MACHINE="Advanced Micro Devices X86-64" ;;
  arm64 | aarch64) ARCH=arm64; RUST_ARCH=aarch64; ELF_MACHINE="AArch64" ;;
  *) die "--arch must be x86_64 or arm64, not '$ARCH'" ;;
esac
case "$FLAVOUR" in
  static) TRIPLE="$RUST_ARCH-unknown-linux-musl"; ZIG_TARGET="$TRIPLE" ;;
  dynamic) TRIPLE="$RUST_ARCH-unknown-linux-gnu"; ZIG_TARGET="$TRIPLE.2.17" ;;
  *) die "--flavour must be static or dynamic, not '$FLAVOUR'" ;;
esac
PROFILE=lambda
PANIC="${CARGO_PROFILE_LAMBDA_PANIC:-abort}" # must match [profile.lambda] panic

# ---- tools ---------------------------------------------------------------------------
APT_UPDATED=0
apt_install() { # apt_install PACKAGE...
  command -v apt-get >/dev/null || die "need $* but apt-get is missing: install $* by hand"
  if [[ $APT_UPDATED == 0 ]]; then
    say "apt-get update"
    apt-get update -qq >/dev/null || die "apt-get update failed (needed to install $*)"
    APT_UPDATED=1
  fi
  say "apt-get install $*"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null ||
    die "apt-get install $* failed"
}
need_cmd() { # need_cmd COMMAND DEBIAN_PACKAGE
  command -v "$1" >/dev/null || apt_install "$2"
  command -v "$1" >/dev/null || die "$1 still missing after installing $2"
}

command -v cargo >/dev/null || die "cargo not found: install Rust with rustup (https://rustup.rs)"
need_cmd zip zip
need_cmd readelf binutils
need_cmd objdump binutils
need_cmd file file
need_cmd python3 python3

VENV="$ROOT/target/venv-build"
if [[ ! -x "$VENV/bin/cargo-zigbuild" || ! -x "$VENV/bin/python-zig" ]] ||
  ! "$VENV/bin/python" -c 'import ziglang' 2>/dev/null; then
  say "creating $VENV (ziglang $ZIGLANG_VERSION, cargo-zigbuild $CARGO_ZIGBUILD_VERSION)"
  if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    apt_install python3-venv
    python3 -m venv "$VENV" || die "python3 -m venv failed"
  fi
  "$VENV/bin/pip" install -q --disable-pip-version-check \
    "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION" ||
    die "pip install ziglang cargo-zigbuild failed"
fi
# cargo-zigbuild finds zig through `python3 -m ziglang` of the venv.
export PATH="$VENV/bin:$PATH"

SYSROOT="$(rustc --print sysroot)"
if [[ $FLAVOUR == static ]]; then
  if [[ ! -f "$SYSROOT/lib/rustlib/src/rust/library/Cargo.lock" ]]; then
    say "rustup component add rust-src"
    timeout 300 rustup component add rust-src >/dev/null 2>&1 ||
      die "the static build needs Rust's std sources, the rust-src component, which is not installed and could not be downloaded here: on a machine with internet run \`rustup component add rust-src\` (or build with --flavour dynamic)"
  fi
else
  if ! grep -qx "$TRIPLE" <<<"$(rustup target list --installed 2>/dev/null)"; then
    say "rustup target add $TRIPLE"
    timeout 300 rustup target add "$TRIPLE" >/dev/null 2>&1 ||
      die "--arch $ARCH --flavour dynamic needs the Rust standard library for $TRIPLE, which is not installed and could not be downloaded here: on a machine with internet run \`rustup target add $TRIPLE\` (or build with --flavour static, which needs only rust-src)"
  fi
fi

# ---- build ---------------------------------------------------------------------------
# --no-default-features: no `dns` feature, so no resolver in the binary (musl's
# getaddrinfo, resolv.conf parser and qsort: -25 KB stripped); Lambda, SAM local and
# cargo lambda watch set AWS_LAMBDA_RUNTIME_API to an IP address, which is parsed,
# and a host name fails with one clear line. LZ_FEATURES=dns puts it back.
CARGO_ARGS=(zigbuild --profile "$PROFILE" --bin bootstrap --target "$ZIG_TARGET" --no-default-features)
[[ -z ${LZ_FEATURES:-} ]] || CARGO_ARGS+=(--features "$LZ_FEATURES")
[[ $QUIET == 1 ]] && CARGO_ARGS+=(--quiet)
BUILD_ENV=()
if [[ $FLAVOUR == static ]]; then
  # Static, non-PIE (no start-up self-relocation); musl's crt and libc come from zig,
  # so no prebuilt std or self-contained objects for the target are needed.
  # -z norelro: musl's static start-up never applies PT_GNU_RELRO (only its dynamic
  # linker mprotects it), so the RELRO segment (.tdata, .got) protects nothing here;
  # merged into the one RW segment it is a page, and a fault at start-up, fewer.
  rustflags="-C target-feature=+crt-static -C relocation-model=static -C link-self-contained=no -C link-arg=-Wl,-z,norelro"
  if [[ $PANIC == abort ]]; then
    abort_flags="${LZ_ABORT_RUSTFLAGS--Zunstable-options -Cpanic=immediate-abort -Cforce-unwind-tables=no}"
    rustflags+="${abort_flags:+ $abort_flags}"
  fi
  linker_script=""
  if [[ ${abort_flags:-} == *immediate-abort* ]]; then
    # Nothing unwinds, so: one R+X segment for headers, code and constants, no
    # .eh_frame, start-up code first (scripts/bootstrap.ld: faults 11 -> 8, -5.8 KB);
    # LZ_LINKER_SCRIPT= for lld's default layout.
    linker_script="${LZ_LINKER_SCRIPT-$ROOT/scripts/bootstrap.ld}"
    if [[ -n $linker_script ]]; then
      [[ -f $linker_script ]] || die "no linker script $linker_script"
      # Cargo does not track the script: a copy named by its hash changes RUSTFLAGS,
      # and so relinks, whenever the script changes.
      ld_copy="$ROOT/target/lambda/ld/bootstrap-$(sha256sum "$linker_script" | cut -c1-16).ld"
      mkdir -p "$(dirname "$ld_copy")"
      [[ -f $ld_copy ]] || cp "$linker_script" "$ld_copy"
      rustflags+=" -C link-arg=-Wl,-T,$ld_copy"
    fi
  fi
  BUILD_ENV+=(RUSTFLAGS="$rustflags${LZ_EXTRA_RUSTFLAGS:+ $LZ_EXTRA_RUSTFLAGS}")
  if [[ $PANIC == abort ]]; then
    CARGO_ARGS+=("-Zbuild-std=std,panic_abort" "-Zbuild-std-features=${LZ_BUILD_STD_FEATURES:-}")
  else
    CARGO_ARGS+=("-Zbuild-std=std,panic_abort,panic_unwind" "-Zbuild-std-features=panic-unwind")
  fi
  BUILD_ENV+=(RUSTC_BOOTSTRAP=1)
else
  BUILD_ENV+=(RUSTFLAGS="")
fi
say "cargo ${CARGO_ARGS[*]}"
env "${BUILD_ENV[@]}" cargo "${CARGO_ARGS[@]}" || die "cargo build failed ($ARCH, $FLAVOUR)"

BIN_SRC="${CARGO_TARGET_DIR:-$ROOT/target}/$TRIPLE/$PROFILE/bootstrap"
[[ -f $BIN_SRC ]] || die "cargo did not produce $BIN_SRC"
DEST_DIR="$ROOT/target/lambda/bootstrap"
mkdir -p "$DEST_DIR"
BIN="$DEST_DIR/bootstrap"
ZIP="$DEST_DIR/bootstrap.zip"
cp -f "$BIN_SRC" "$BIN.tmp"
chmod 0755 "$BIN.tmp"
mv -f "$BIN.tmp" "$BIN"
rm -f "$ZIP"
(cd "$DEST_DIR" && zip -q -9 -X "$ZIP" bootstrap)

# ---- checks --------------------------------------------------------------------------
machine="$(readelf -h "$BIN" | sed -n 's/^ *Machine: *//p')"
[[ $machine == "$ELF_MACHINE" ]] || die "$BIN is built for '$machine', expected '$ELF_MACHINE' (--arch $ARCH)"

sections="$(readelf -S "$BIN")"
if grep -q '\.symtab' <<<"$sections"; then
  die "$BIN is not stripped (check strip = true in [profile.$PROFILE])"
fi

glibc_floor="$(objdump -T "$BIN" 2>/dev/null | grep -o 'GLIBC_[0-9][0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -n1 || true)"
if [[ $FLAVOUR == static ]]; then
  headers="$(readelf -l "$BIN")"
  dynamic="$(readelf -d "$BIN" 2>/dev/null || true)"
  ! grep -q 'INTERP' <<<"$headers" || die "$BIN has a dynamic loader (PT_INTERP): not static"
  ! grep -q NEEDED <<<"$dynamic" || die "$BIN needs shared libraries: not static"
  [[ -z $glibc_floor ]] || die "$BIN references glibc $glibc_floor: not static"
  loads="$(grep -c ' LOAD ' <<<"$headers" || true)"
  if [[ -n $linker_script ]] && ((loads != 2)); then
    die "$BIN has $loads PT_LOAD segments, expected 2 (R E and RW) from $linker_script"
  fi
  # No run-time CPU feature detection: std's runs `cpuid` nine times on the
  # first memchr or httparse call, each a trap to the hypervisor (47-63 µs in
  # all: docs/performance.md, "Fifth round"). See `simd-detect` in Cargo.toml.
  if [[ $ARCH == x86_64 && -z ${LZ_FEATURES:-} ]]; then
    cpuids="$(objdump -d "$BIN" | grep -cw cpuid || true)"
    ((cpuids == 0)) ||
      die "$BIN holds $cpuids cpuid instructions: something enabled run-time CPU feature detection (memchr/std or httparse/std, e.g. lambda-zero's simd-detect feature)"
  fi
  linkage="static (musl), no shared libraries"
  floor_text="none (static: runs on provided.al2023 and provided.al2)"
else
  [[ -n $glibc_floor ]] || die "$BIN has no GLIBC_ symbol versions: not a glibc build?"
  if [[ "$(printf '%s\n%s\n' "$glibc_floor" "$GLIBC_MAX" | sort -V | tail -n1)" != "$GLIBC_MAX" ]]; then
    die "$BIN needs glibc $glibc_floor, above the floor of $GLIBC_MAX (GLIBC_MAX in scripts/build.sh; provided.al2 = 2.26, provided.al2023 = 2.34)"
  fi
  linkage="dynamic: $(readelf -d "$BIN" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | paste -sd' ')"
  floor_text="GLIBC_$glibc_floor (runs on provided.al2023 (2.34) and provided.al2 (2.26))"
fi

bin_bytes="$(stat -c %s "$BIN")"
zip_bytes="$(stat -c %s "$ZIP")"
budget_name=BUDGET_ZIP_BYTES
[[ $FLAVOUR == dynamic ]] && budget_name=BUDGET_ZIP_BYTES_DYNAMIC
budget="${!budget_name}"
if ((zip_bytes > budget)); then
  die "SIZE BUDGET EXCEEDED: bootstrap.zip ($ARCH, $FLAVOUR) is $zip_bytes bytes, over the budget of $budget bytes ($budget_name in scripts/build.sh)"
fi

if [[ -n $OUT ]]; then
  mkdir -p "$OUT"
  cp -f "$BIN" "$OUT/bootstrap"
  chmod 0755 "$OUT/bootstrap"
fi

sha="$(sha256sum "$BIN" | cut -d' ' -f1)"
cat <<EOF
bootstrap   $BIN
  arch        $ARCH ($TRIPLE, ELF machine: $machine)
  flavour     $FLAVOUR, profile $PROFILE, panic=$PANIC
  linkage     $linkage
  glibc floor $floor_text
  stripped    $bin_bytes bytes
  zipped      $zip_bytes bytes ($ZIP, zip -9), budget $budget: ok
  sha256      $sha
EOF
[[ -z $OUT ]] || echo "  copied to   $OUT/bootstrap"
