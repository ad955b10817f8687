#!/usr/bin/env bash
# Usage: scripts/build-template-function.sh [--force]
#
# Builds the function template's HTTP handler (templates/function/) the way a user
# does, for the cold-start measurements (scripts/coldstart.sh --template): a project
# made by scripts/new-function.sh in ${TMPDIR:-/tmp}/lambda-zero-template-function/
# my-function (outside the repository, as new-function.sh requires; x86_64, wired to
# this checkout), built with its own `make` (cargo lambda build --release
# --target x86_64-unknown-linux-musl, its [profile.release],
# [package.metadata.lambda.build] and .cargo/config.toml). The result:
#
#   target/template-function/bootstrap   static musl, panic = "unwind"
#
# Remakes the project when the template or the library changed (or with --force);
# cargo then rebuilds what changed (CARGO_TARGET_DIR=target/template-function/target).
# Installs what it needs when missing: cargo-lambda (the pin of
# scripts/function-check.sh) into target/venv-cargo-lambda, ziglang (the pin of
# scripts/build.sh) into target/venv-build, the rust-src component, make (apt-get).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/perf-lib.sh

force=0
case "${1:-}" in
  -h | --help) usage_of "$0"; exit 0 ;;
  --force) force=1 ;;
  "") ;;
  *) echo "build-template-function.sh: unknown argument $1" >&2; exit 2 ;;
esac
die() { echo "build-template-function.sh: error: $*" >&2; exit 1; }

ensure_tool make
ensure_tool zip
ensure_function_build_tools "$PWD" || die "cannot install cargo-lambda, ziglang or rust-src"

root=$PWD
out=target/template-function
proj=${TMPDIR:-/tmp}/lambda-zero-template-function/my-function
bin=$out/bootstrap
newest="$(find templates/function src Cargo.toml -type f -newer "$bin" 2>/dev/null | head -n 1 || true)"
if [[ $force == 1 || ! -x $bin || -n $newest ]]; then
  rm -rf "$proj"
  mkdir -p "$out" "$proj"
  scripts/new-function.sh "$proj" --arch x86_64 >/dev/null
  (
    cd "$proj"
    export PATH="$root/target/venv-build/bin:$root/target/venv-cargo-lambda/bin:$PATH"
    export CARGO_TARGET_DIR="$root/$out/target"
    make --quiet build >/dev/null
  ) || die "make in $proj failed"
  cp -f "$proj/target/lambda/my-function/bootstrap" "$bin.tmp"
  mv -f "$bin.tmp" "$bin"
  echo "build-template-function.sh: built $bin ($(stat -c %s "$bin") bytes)" >&2
fi
