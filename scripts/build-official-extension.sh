#!/usr/bin/env bash
# Usage: scripts/build-official-extension.sh [--force]
#
# Builds the peer lambda-zero's extension is compared with: the same logger
# extension as examples/extension_logger.rs on the official
# `lambda-extension` 1.x crate (tokio), kept in its own Cargo project
# (benches/official-extension, own [workspace] and Cargo.lock) so it never
# enters lambda-zero's dependency graph. Output:
# target/official-extension/release/official-extension. Skips the build when
# the binary is newer than every source file; --force rebuilds anyway.
# Needs crates.io the first time (then a few minutes on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

force=0
case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  --force) force=1 ;;
  "") ;;
  *) echo "build-official-extension.sh: unknown argument $1" >&2; exit 2 ;;
esac

src=benches/official-extension
bin=target/official-extension/release/official-extension
if [[ $force == 0 && -x $bin ]] &&
  [[ -z $(find "$src/Cargo.toml" "$src/Cargo.lock" "$src/src" -newer "$bin" -print -quit) ]]; then
  echo "build-official-extension.sh: $bin is up to date"
  exit 0
fi
echo "build-official-extension.sh: building $bin (lambda-extension 1.x, release)"
cargo build --quiet --release --locked \
  --manifest-path "$src/Cargo.toml" --target-dir target/official-extension
touch "$bin"
echo "build-official-extension.sh: built $bin"
