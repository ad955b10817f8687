#!/usr/bin/env bash
# Usage: scripts/build-floor.sh [--force]
#
# Builds the cold-start floor lambda-zero is measured against (issue 13):
# benches/floor/bootstrap.c, a ~130-line C bootstrap (one socket, Content-Length
# framing, the default bootstrap's Hello World answer, no stdio, no heap).
#
#   target/floor/bootstrap-musl   static, musl-gcc -Os -static, stripped: the floor
#   target/floor/bootstrap-glibc  static glibc (gcc -Os -static), when gcc and a static
#                                 libc.a are there; skipped otherwise (for reference only)
#
# Installs musl-tools (apt-get) if musl-gcc is missing. Skips a build when its
# binary is newer than the source; --force rebuilds anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh

force=0
case "${1:-}" in
  -h|--help) usage_of "$0"; exit 0 ;;
  --force) force=1 ;;
  "") ;;
  *) echo "build-floor.sh: unknown argument $1" >&2; exit 2 ;;
esac

src=benches/floor/bootstrap.c
out=target/floor
mkdir -p "$out"
flags=(-Os -static -s -Wall -Wextra -fno-asynchronous-unwind-tables -Wl,--gc-sections
  -ffunction-sections -fdata-sections)

build() { # build CC OUTPUT
  local cc=$1 bin=$2
  if [[ $force == 0 && -x $bin && $bin -nt $src ]]; then
    return 0
  fi
  "$cc" "${flags[@]}" -o "$bin.tmp" "$src"
  mv -f "$bin.tmp" "$bin"
  echo "build-floor.sh: built $bin ($(stat -c %s "$bin") bytes)" >&2
}

ensure_tool musl-gcc musl-tools
build musl-gcc "$out/bootstrap-musl"
if command -v gcc >/dev/null && [[ -n $(gcc -print-file-name=libc.a | grep /) ]]; then
  build gcc "$out/bootstrap-glibc" || echo "build-floor.sh: no static glibc build (gcc -static failed)" >&2
fi
