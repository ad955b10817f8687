#!/usr/bin/env bash
# Usage: scripts/build-official.sh [--force]
#
# Builds the peers lambda-zero is compared with, on the official
# `lambda_runtime` 1.x crate (tokio, serde_json), kept in their own Cargo
# project (benches/official, own [workspace] and Cargo.lock) so they never
# enter lambda-zero's dependency graph: target/official/release/bootstrap,
# the same `Hello World!` API Gateway bootstrap, and bootstrap-mi, the
# Managed Instances peer of examples/mi_load.rs (run_concurrent). Skips the
# build when both binaries are newer than every source file (cargo would also
# say "Fresh", but checking first avoids cargo's index update); --force
# rebuilds anyway.
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
bin=target/official/release/bootstrap mi=target/official/release/bootstrap-mi
fresh() {
  [[ -x $1 && -z $(find "$src/Cargo.toml" "$src/Cargo.lock" "$src/src" -newer "$1" -print -quit) ]]
}
if [[ $force == 0 ]] && fresh "$bin" && fresh "$mi"; then
  echo "build-official.sh: $bin and $mi are up to date"
  exit 0
fi
echo "build-official.sh: building $bin and $mi (lambda_runtime 1.x, release)"
cargo build --quiet --release --locked \
  --manifest-path "$src/Cargo.toml" --target-dir target/official
touch "$bin" "$mi"
echo "build-official.sh: built $bin and $mi"
