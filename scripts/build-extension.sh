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
# Built by scripts/build-example.sh with feature `extension`: static musl,
# profile `lambda`, std rebuilt with panic messages kept (an extension's panic
# should say what happened), ELF machine and static linking checked.
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

BIN="$(scripts/build-example.sh --arch "$ARCH" --example "$NAME" --features extension)" ||
  die "scripts/build-example.sh failed"

mkdir -p "$OUT/extensions"
cp -f "$BIN" "$OUT/extensions/$NAME"
chmod 0755 "$OUT/extensions/$NAME"
echo "build-extension.sh: $OUT/extensions/$NAME: $(stat -c %s "$BIN") bytes"
