#!/usr/bin/env bash
# Build an external extension example as a Lambda layer's content:
# DIR/extensions/NAME, a static musl executable like the bootstrap (Lambda
# runs every executable in /opt/extensions/, and a layer unpacks into /opt).
#
# usage: scripts/build-extension.sh --out DIR [--arch x86_64|arm64] [--example NAME]
#
#   --out DIR       where the layer content goes: DIR/extensions/NAME (what
#                   `sam build` passes as ARTIFACTS_DIR for the layer)
#   --arch          x86_64 (default) or arm64 (aarch64, Graviton)
#   --example NAME  the example to build (default extension_logger); it must
#                   register under NAME, its file name in /opt/extensions/
#
# Built with feature `extension`, profile `lambda` (panic=abort, stripped),
# static musl, non-PIE, std rebuilt from rust-src (-Zbuild-std, RUSTC_BOOTSTRAP=1
# for this one cargo call, as scripts/build.sh does for the bootstrap) but with
# panic messages kept: an extension's panic should say what happened.
# Checks the ELF machine, that it is static and executable.
#
# Tools: the zig + cargo-zigbuild that scripts/build.sh installs into
# target/venv-build (it is run once when that is missing), and the rust-src
# component.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "build-extension.sh: error: $*" >&2; exit 1; }

ARCH=x86_64
OUT=""
NAME=extension_logger
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arch) ARCH="${2:?--arch needs a value}"; shift 2 ;;
    --out) OUT="${2:?--out needs a value}"; shift 2 ;;
    --example) NAME="${2:?--example needs a value}"; shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done
[[ -n $OUT ]] || { usage >&2; die "--out is required"; }
[[ -f examples/$NAME.rs ]] || die "no examples/$NAME.rs"
case "$ARCH" in
  x86_64 | amd64) ARCH=x86_64; TRIPLE=x86_64-unknown-linux-musl; ELF_MACHINE="Advanced Micro Devices X86-64" ;;
  arm64 | aarch64) ARCH=arm64; TRIPLE=aarch64-unknown-linux-musl; ELF_MACHINE=AArch64 ;;
  *) die "--arch must be x86_64 or arm64, not '$ARCH'" ;;
esac

VENV="$ROOT/target/venv-build"
if [[ ! -x $VENV/bin/cargo-zigbuild ]]; then
  echo "build-extension.sh: $VENV is missing: scripts/build.sh installs it" >&2
  scripts/build.sh --arch "$ARCH" --quiet >&2 || die "scripts/build.sh failed"
fi
export PATH="$VENV/bin:$PATH"

RUSTC_BOOTSTRAP=1 \
  RUSTFLAGS="-C target-feature=+crt-static -C relocation-model=static -C link-self-contained=no" \
  cargo zigbuild --quiet --profile lambda --features extension --example "$NAME" --target "$TRIPLE" \
  -Zbuild-std=std,panic_abort || die "cargo zigbuild --example $NAME ($ARCH) failed"

BIN="${CARGO_TARGET_DIR:-$ROOT/target}/$TRIPLE/lambda/examples/$NAME"
[[ -f $BIN ]] || die "cargo did not produce $BIN"
machine="$(readelf -h "$BIN" | sed -n 's/^ *Machine: *//p')"
[[ $machine == "$ELF_MACHINE" ]] || die "$BIN is built for '$machine', expected '$ELF_MACHINE'"
! readelf -l "$BIN" | grep -q INTERP || die "$BIN has a dynamic loader (PT_INTERP): not static"

mkdir -p "$OUT/extensions"
cp -f "$BIN" "$OUT/extensions/$NAME"
chmod 0755 "$OUT/extensions/$NAME"
echo "build-extension.sh: $OUT/extensions/$NAME: $(stat -c %s "$BIN") bytes, ELF $machine, static"
