#!/usr/bin/env bash
# Check that the SAM deployment builds, offline and without AWS credentials:
# `sam validate --lint`, then `sam build` for each architecture, then that
# .aws-sam/build/*/bootstrap is the expected binary (the one scripts/build.sh just
# made: same sha256, right ELF machine, static, executable) and that it answers
# the project's emulator with "Hello World!" (x86_64 natively, arm64 under
# qemu-aarch64 when qemu-user can be installed). The same for the extension
# layer: .aws-sam/build/LoggerExtensionLayer holds exactly
# extensions/extension_logger (what scripts/build-extension.sh made: same sha256,
# right ELF machine, static, executable), the built template points the layer
# at it and the function at the layer, and lz-extension-init runs it beside the
# bootstrap (registered, first invocation answered, SHUTDOWN handled, exit 0).
#
# usage: scripts/deploy-check.sh [--arch arm64|x86_64|both]
#
#   --arch   which Architecture to build (default: both; arm64 is the template's default)
#
# Installs, when missing: aws-sam-cli (pip, into the virtualenv target/venv-deploy,
# reused on later runs), and what scripts/build.sh installs. Sets SAM_CLI_TELEMETRY=0
# and AWS_DEFAULT_REGION=us-east-1; needs no credentials and no Docker.
#
# Skipped when LAMBDA_ZERO_SKIP_DEPLOY_CHECK=1, for quick local runs; never when CI=true.
set -euo pipefail

SAM_VERSION=1.170.0

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
die() { echo "deploy-check.sh: FAILED: $*" >&2; exit 1; }
say() { echo "deploy-check.sh: $*"; }
ok() { echo "deploy-check.sh: ok: $*"; }

ARCHES=(arm64 x86_64)
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arch)
      case "${2:-}" in
        arm64 | x86_64) ARCHES=("$2") ;;
        both) ARCHES=(arm64 x86_64) ;;
        *) die "--arch must be arm64, x86_64 or both" ;;
      esac
      shift 2 ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

if [[ ${LAMBDA_ZERO_SKIP_DEPLOY_CHECK:-0} == 1 ]]; then
  if [[ ${CI:-} == true ]]; then
    say "LAMBDA_ZERO_SKIP_DEPLOY_CHECK=1 is ignored: CI=true"
  else
    say "skipped (LAMBDA_ZERO_SKIP_DEPLOY_CHECK=1)"
    exit 0
  fi
fi

started=$SECONDS
APT_UPDATED=0
apt_install() {
  if [[ $APT_UPDATED == 0 ]]; then
    apt-get update -qq >/dev/null || return 1
    APT_UPDATED=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---- SAM CLI in target/venv-deploy -------------------------------------------------------
command -v python3 >/dev/null || apt_install python3 || die "python3 is missing and could not be installed"
VENV="$ROOT/target/venv-deploy"
if ! "$VENV/bin/sam" --version 2>/dev/null | grep -qF "$SAM_VERSION"; then
  say "installing aws-sam-cli $SAM_VERSION into $VENV"
  if ! python3 -m venv "$VENV" >/dev/null 2>&1; then
    rm -rf "$VENV"
    apt_install python3-venv || die "python3-venv could not be installed"
    python3 -m venv "$VENV" || die "python3 -m venv failed"
  fi
  "$VENV/bin/pip" install -q --disable-pip-version-check "aws-sam-cli==$SAM_VERSION" ||
    die "pip install aws-sam-cli==$SAM_VERSION failed"
fi
SAM="$VENV/bin/sam"
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 \
  AWS_EC2_METADATA_DISABLED=true
say "using $("$SAM" --version)"

# ---- validate --------------------------------------------------------------------------
out="$("$SAM" validate --lint --template-file template.yaml 2>&1)" || { echo "$out" >&2; die "sam validate --lint"; }
grep -q 'valid SAM Template' <<<"$out" || { echo "$out" >&2; die "sam validate --lint printed no verdict"; }
ok "sam validate --lint: template.yaml is a valid SAM template (cfn-lint clean)"

# ---- the emulator, for the smoke runs -------------------------------------------------
EMU="$ROOT/target/release/lz-emulator"
EXT_INIT="$ROOT/target/release/lz-extension-init"
if [[ ! -x $EMU || ! -x $EXT_INIT ]]; then
  say "building the emulator (cargo build --release -p lambda-zero-emulator)"
  cargo build --quiet --release -p lambda-zero-emulator || die "cannot build the emulator"
fi
smoke() { # smoke EXECUTABLE LABEL
  local out
  out="$("$EMU" --bootstrap "$1" --events 100 2>&1)" || { echo "$out" >&2; die "$2: the emulator run failed"; }
  if ! grep -q 'responses *100 ' <<<"$out" || ! grep -q 'Hello World!' <<<"$out"; then
    echo "$out" >&2
    die "$2: did not answer 100 events with Hello World!"
  fi
  ok "$2: answered 100/100 emulator events with \"Hello World!\" (spawn -> first /next $(sed -n 's/.*spawn -> first \/next *//p' <<<"$out"))"
}
smoke_extension() { # smoke_extension BOOTSTRAP EXTENSION LABEL
  local out
  out="$("$EXT_INIT" --runs 1 --bootstrap "$1" --extension "layer=$2" 2>&1)" ||
    { echo "$out" >&2; die "$3: did not register, serve the first invocation and handle SHUTDOWN beside the bootstrap"; }
  ok "$3: registered, first invocation answered, SHUTDOWN handled, exit 0 (one run: $(sed -n 's/^ *layer *//p' <<<"$out" | xargs))"
}
qemu_wrapper() { # qemu_wrapper EXECUTABLE WRAPPER: a script running EXECUTABLE under qemu-aarch64
  printf '#!/bin/sh\nexec qemu-aarch64 %q "$@"\n' "$ROOT/$1" >"$2"
  chmod +x "$2"
}
LAYER_FILE=extensions/extension_logger

# ---- build and check each architecture ----------------------------------------------
for arch in "${ARCHES[@]}"; do
  say "sam build, Architecture=$arch"
  t0=$SECONDS
  LAMBDA_ZERO_ARCH="$arch" "$SAM" build --build-in-source --template-file template.yaml \
    --parameter-overrides "Architecture=$arch" >"$ROOT/target/sam-build-$arch.log" 2>&1 ||
    { tail -n 40 "$ROOT/target/sam-build-$arch.log" >&2; die "sam build ($arch), full log: target/sam-build-$arch.log"; }
  grep -q 'Build Succeeded' "$ROOT/target/sam-build-$arch.log" || die "sam build ($arch) did not report success"
  ok "sam build ($arch) succeeded in $((SECONDS - t0)) s"

  shopt -s nullglob
  built=(.aws-sam/build/*/bootstrap)
  shopt -u nullglob
  [[ ${#built[@]} == 1 ]] || die "expected exactly one .aws-sam/build/*/bootstrap, found ${#built[@]}"
  b="${built[0]}"
  [[ $b == .aws-sam/build/LambdaZeroFunction/bootstrap ]] || die "unexpected artifact path $b"
  [[ -x $b ]] || die "$b is not executable"
  [[ "$(sha256sum <"$b")" == "$(sha256sum <target/lambda/bootstrap/bootstrap)" ]] ||
    die "$b differs from target/lambda/bootstrap/bootstrap (scripts/build.sh's output)"
  want="Advanced Micro Devices X86-64"
  [[ $arch == arm64 ]] && want=AArch64
  machine="$(readelf -h "$b" | sed -n 's/^ *Machine: *//p')"
  [[ $machine == "$want" ]] || die "$b is built for '$machine', expected '$want' (Architecture=$arch)"
  headers="$(readelf -l "$b")"
  ! grep -q INTERP <<<"$headers" || die "$b is dynamically linked, expected the static build"
  tpl=.aws-sam/build/template.yaml
  for want_line in 'CodeUri: LambdaZeroFunction' 'Runtime: provided.al2023' 'Handler: bootstrap'; do
    grep -q "$want_line" "$tpl" || die "$tpl lacks '$want_line': it does not point LambdaZeroFunction at its bootstrap"
  done
  ok "$b: $(stat -c %s "$b") bytes, ELF $machine, static, same sha256 as target/lambda/bootstrap/bootstrap; $tpl points at it"

  layer=.aws-sam/build/LoggerExtensionLayer
  e="$layer/$LAYER_FILE"
  [[ -f $e ]] || die "$e is missing: the layer must hold $LAYER_FILE (/opt/$LAYER_FILE in Lambda)"
  contents="$(cd "$layer" && find . -mindepth 1 | sort | paste -sd' ')"
  [[ $contents == "./extensions ./$LAYER_FILE" ]] || die "$layer holds '$contents', expected only ./$LAYER_FILE"
  [[ -x $e ]] || die "$e is not executable (Lambda starts only executables in /opt/extensions)"
  triple=x86_64-unknown-linux-musl
  [[ $arch == arm64 ]] && triple=aarch64-unknown-linux-musl
  [[ "$(sha256sum <"$e")" == "$(sha256sum <"target/$triple/lambda/examples/extension_logger")" ]] ||
    die "$e differs from target/$triple/lambda/examples/extension_logger (scripts/build-extension.sh's output)"
  machine="$(readelf -h "$e" | sed -n 's/^ *Machine: *//p')"
  [[ $machine == "$want" ]] || die "$e is built for '$machine', expected '$want' (Architecture=$arch)"
  ! readelf -l "$e" | grep -q INTERP || die "$e is dynamically linked, expected the static build"
  grep -q 'ContentUri: LoggerExtensionLayer' "$tpl" || die "$tpl does not point LoggerExtensionLayer at its content"
  grep -A2 '^ *Layers:' "$tpl" | grep -q 'Ref: LoggerExtensionLayer' || die "$tpl does not attach LoggerExtensionLayer to the function"
  ok "$e: $(stat -c %s "$e") bytes, ELF $machine, static, executable, the layer's only file; $tpl attaches the layer to the function"

  case "$arch" in
    x86_64)
      if [[ "$(uname -m)" == x86_64 ]]; then
        smoke "$b" "$b"
        smoke_extension "$b" "$e" "$e"
      else
        say "$b, $e: not run (host is $(uname -m))"
      fi ;;
    arm64)
      if [[ "$(uname -m)" == aarch64 ]]; then
        smoke "$b" "$b"
        smoke_extension "$b" "$e" "$e"
      else
        command -v qemu-aarch64 >/dev/null || { say "installing qemu-user (apt-get) for the arm64 smoke run"; apt_install qemu-user || true; }
        if command -v qemu-aarch64 >/dev/null; then
          w="$ROOT/target/bootstrap-arm64-qemu.sh"
          qemu_wrapper "$b" "$w"
          smoke "$w" "$b (under qemu-aarch64)"
          we="$ROOT/target/extension-arm64-qemu.sh"
          qemu_wrapper "$e" "$we"
          smoke_extension "$w" "$we" "$e (under qemu-aarch64)"
        else
          say "WARNING: $b and $e not run: qemu-user could not be installed"
        fi
      fi ;;
  esac
done

say "all checks passed in $((SECONDS - started)) s; sam build output: .aws-sam/build/LambdaZeroFunction/bootstrap and .aws-sam/build/LoggerExtensionLayer/$LAYER_FILE (last: ${ARCHES[-1]})"
