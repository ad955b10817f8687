#!/usr/bin/env bash
# Usage: scripts/build-official.sh [--force]
#
# Builds the peer lambda-zero is compared with: the same `Hello World!` API
# Gateway bootstrap on the official `lambda_runtime` 1.x crate (tokio,
# serde_json), kept in its own Cargo project (benches/official, own
# [workspace] and Cargo.lock) so it never enters lambda-zero's dependency
# graph. Output: target/official/release/bootstrap. Skips the build when the
# binary is newer than every source file (cargo would also say "Fresh", but
# checking first avoids cargo's index update); --force rebuilds anyway.
# Needs crates.io the first time (then ~1 minute on 2 cores).
set -euo pipefail
cd "$(dirname "$0")/.."

force=0
case "${1:-}" in
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  --force) force=1 ;;
  "") ;;
  *) echo "build-official.sh: unknown argument $1" >&2; exit 2 ;;
esac

src=benches/official
bin=target/official/release/bootstrap
if [[ $force == 0 && -x $bin ]] &&
  [[ -z $(find "$src/Cargo.toml" "$src/Cargo.lock" "$src/src" -newer "$bin" -print -quit) ]]; then
  echo "build-official.sh: $bin is up to date"
  exit 0
fi
echo "build-official.sh: building $bin (lambda_runtime 1.x, release)"
cargo build --quiet --release --locked \
  --manifest-path "$src/Cargo.toml" --target-dir target/official
touch "$bin"
echo "build-official.sh: built $bin"
