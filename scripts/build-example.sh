#!/usr/bin/env bash
# Build one example the way a function deploys: a static musl executable,
# profile `lambda` (panic=abort, stripped), non-PIE, std rebuilt from rust-src
# (-Zbuild-std, RUSTC_BOOTSTRAP=1 for this one cargo call, as scripts/build.sh
# does for the bootstrap) but with panic messages kept: a panic should say what
# happened. Checks the ELF machine and that it is static; prints the binary's
# path on stdout.
#
# usage: scripts/build-example.sh --example NAME [--arch x86_64|arm64] [--features LIST]
#
#   --example NAME   examples/NAME.rs
#   --arch           x86_64 (default) or arm64 (aarch64, Graviton)
#   --features LIST  lambda-zero features to build with (e.g. extension)
#
# Used by scripts/build-extension.sh (an extension layer) and scripts/load.sh
# --mi (the deployed build of examples/mi_load.rs).
#
# Tools: the zig + cargo-zigbuild that scripts/build.sh installs into
# target/venv-build (it is run once when that is missing), and the rust-src
# component.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "build-example.sh: error: $*" >&2; exit 1; }

ARCH=x86_64
NAME=""
FEATURES=""
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arch) ARCH="${2:?--arch needs a value}"; shift 2 ;;
    --example) NAME="${2:?--example needs a value}"; shift 2 ;;
    --features) FEATURES="${2:?--features needs a value}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ -n $NAME ]] || { usage >&2; die "--example is required"; }
[[ -f examples/$NAME.rs ]] || die "no examples/$NAME.rs"
case "$ARCH" in
  x86_64 | amd64) ARCH=x86_64; TRIPLE=x86_64-unknown-linux-musl; ELF_MACHINE="Advanced Micro Devices X86-64" ;;
  arm64 | aarch64) ARCH=arm64; TRIPLE=aarch64-unknown-linux-musl; ELF_MACHINE=AArch64 ;;
  *) die "--arch must be x86_64 or arm64, not '$ARCH'" ;;
esac

VENV="$ROOT/target/venv-build"
if [[ ! -x $VENV/bin/cargo-zigbuild ]]; then
  echo "build-example.sh: $VENV is missing: scripts/build.sh installs it" >&2
  scripts/build.sh --arch "$ARCH" --quiet >&2 || die "scripts/build.sh failed"
fi
export PATH="$VENV/bin:$PATH"

features=()
[[ -z $FEATURES ]] || features=(--features "$FEATURES")
RUSTC_BOOTSTRAP=1 \
  RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static -C link-self-contained=no" \
  cargo zigbuild --quiet --profile lambda "${features[@]}" --example "$NAME" --target "$TRIPLE" \
  -Zbuild-std=std,panic_abort >&2 || die "cargo zigbuild --example $NAME ($ARCH) failed"

BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$TRIPLE/lambda/examples/$NAME"
[[ -f $BIN ]] || die "cargo did not produce $BIN"
machine="$(readelf -h "$BIN" | sed -n 's/^ *Machine: *//p')"
[[ $machine == "$ELF_MACHINE" ]] || die "$BIN is built for '$machine', expected '$ELF_MACHINE'"
! readelf -l "$BIN" | grep -q INTERP || die "$BIN has a dynamic loader (PT_INTERP): not static"
echo "build-example.sh: $BIN: $(stat -c %s "$BIN") bytes, ELF $machine, static" >&2
echo "$BIN"
