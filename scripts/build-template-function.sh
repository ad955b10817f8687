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

pin() { # pin SCRIPT VARIABLE: the value a repository script pins VARIABLE to
  sed -n "s/^$2=\([^[:space:]#]*\).*/\1/p" "scripts/$1" | head -n 1
}
venv() { # venv DIR PACKAGE==VERSION [pip options]
  local dir=$1
  shift
  if [[ ! -x $dir/bin/pip ]] && ! python3 -m venv "$dir" >/dev/null 2>&1; then
    rm -rf "$dir"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null ||
      die "python3-venv could not be installed"
    python3 -m venv "$dir" || die "python3 -m venv $dir failed"
  fi
  "$dir/bin/pip" install -q --disable-pip-version-check "$@" || die "pip install $* failed"
}
ensure_tool make
ensure_tool zip
CL_VERSION="$(pin function-check.sh CARGO_LAMBDA_VERSION)"
ZIG_VERSION="$(pin build.sh ZIGLANG_VERSION)"
[[ -n $CL_VERSION && -n $ZIG_VERSION ]] || die "cannot read the pins of scripts/function-check.sh and scripts/build.sh"
if ! target/venv-cargo-lambda/bin/cargo-lambda lambda --version 2>/dev/null | grep -qF "cargo-lambda $CL_VERSION "; then
  echo "build-template-function.sh: installing cargo-lambda $CL_VERSION" >&2
  venv target/venv-cargo-lambda --no-deps "cargo-lambda==$CL_VERSION"
fi
if ! target/venv-build/bin/python -c 'import ziglang' 2>/dev/null; then
  echo "build-template-function.sh: installing ziglang $ZIG_VERSION" >&2
  venv target/venv-build "ziglang==$ZIG_VERSION"
fi
if [[ ! -f "$(rustc --print sysroot)/lib/rustlib/src/rust/library/Cargo.lock" ]]; then
  timeout 300 rustup component add rust-src >/dev/null 2>&1 || die "rustup component add rust-src failed"
fi

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
