#!/usr/bin/env bash
# Check the new user's path with a function made from templates/function/:
#   1. scripts/new-function.sh into a temporary directory (outside the repository),
#      one project per architecture, wired to this checkout;
#   2. `sam validate --lint` and `sam build` in each (offline, no credentials, no
#      Docker; the template's BuildMethod: makefile runs `cargo lambda build`);
#   3. each .aws-sam/build/Function/bootstrap: the right ELF machine, static (no
#      PT_INTERP, no NEEDED), stripped, unwinding panics (.gcc_except_table), and
#      zipped (zip -9) within BUDGET_ZIP_BYTES; `make` (the documented build
#      command) gives the same sha256;
#   4. the x86_64 bootstrap answers tests/data/apigw-http-v2.json under the repo's
#      emulator (arm64 too, under qemu-aarch64 when qemu-user can be installed), and
#      the x86_64 project answers it under `cargo lambda watch` (cargo lambda invoke,
#      and a GET through the function URL path);
#   5. the x86_64 handler made to panic on /panic, built by `make` with the template's
#      panic = "unwind" (5 of 5 panics reported as Runtime.Panic, the process serving
#      on) and with CARGO_PROFILE_RELEASE_PANIC=abort (the panic reported, message and
#      location, before SIGABRT), both under the emulator;
#   6. prints the sizes per architecture and the seconds each step of the path took.
#
# usage: scripts/function-check.sh [--arch arm64|x86_64|both] [--cold] [--compare] [--keep]
#
#   --arch      which architectures to build (default: both)
#   --cold      build in an empty target directory (inside the temporary one), as a
#               new user's first build does, instead of target/function-check
#   --compare   also build the same handler as a fresh crate (the template's Cargo.toml
#               without its [profile.release] and [package.metadata.lambda.build], no
#               .cargo/config.toml) with plain `cargo lambda build --release [--arm64]`,
#               and print its sizes beside the static ones; needs the targets' prebuilt
#               std, which cargo-lambda installs with rustup
#   --keep      keep the temporary projects (their path is printed)
#
# Installs, when missing: aws-sam-cli into target/venv-deploy (the pin of
# scripts/deploy-check.sh), ziglang into target/venv-build (the pins of
# scripts/build.sh), cargo-lambda (CARGO_LAMBDA_VERSION, below) into
# target/venv-cargo-lambda, the rust-src component, zip/binutils/file and, for the
# arm64 run, qemu-user (apt-get). Builds share CARGO_TARGET_DIR=target/function-check
# so a second run rebuilds little. Everything listens on 127.0.0.1; every process it
# starts is stopped by pid on exit.
#
# Skipped when LAMBDA_ZERO_SKIP_DEPLOY_CHECK=1 (as scripts/deploy-check.sh), never when CI=true.
set -euo pipefail

CARGO_LAMBDA_VERSION=1.9.2
BUDGET_ZIP_BYTES=125000 # zipped static bootstrap of the template's handler (111-117 KB on 2026-12-01; 120,127 B x86_64 and 124,693 B arm64 on 2026-12-03; 117,340 B x86_64 and 124,383 B arm64 on 2026-12-04; 117,725 B and 124,538 B with sse2, the same day)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "${BASH_SOURCE[0]}"; }
say() { echo "function-check.sh: $*"; }
ok() { echo "function-check.sh: ok: $*"; }

ARCHES=(arm64 x86_64)
COLD=0
COMPARE=0
KEEP=0
while [[ $# -gt 0 ]]; do
  case "$1" in
    --arch)
      case "${2:-}" in
        arm64 | x86_64) ARCHES=("$2") ;;
        both) ARCHES=(arm64 x86_64) ;;
        *) echo "function-check.sh: --arch must be arm64, x86_64 or both" >&2; exit 2 ;;
      esac
      shift 2 ;;
    --cold) COLD=1; shift ;;
    --compare) COMPARE=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h | --help) usage; exit 0 ;;
    *) usage >&2; echo "function-check.sh: unknown argument: $1" >&2; exit 2 ;;
  esac
done

# The deploy check's switch for quick local runs; never honoured in CI.
if [[ ${LAMBDA_ZERO_SKIP_DEPLOY_CHECK:-0} == 1 && ${CI:-} != true ]]; then
  say "skipped (LAMBDA_ZERO_SKIP_DEPLOY_CHECK=1)"
  exit 0
fi

WORK="$(mktemp -d /tmp/lambda-zero-function-check.XXXXXX)"
PIDS=()
cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
  PIDS=()
}
finish() {
  cleanup
  if [[ $KEEP == 1 ]]; then say "kept $WORK"; else rm -rf "$WORK"; fi
}
trap finish EXIT
die() {
  echo "function-check.sh: FAILED: $*" >&2
  local log
  for log in "$WORK"/*.log; do
    [[ -s $log ]] && { echo "--- $log" >&2; tail -n 30 "$log" >&2; }
  done
  exit 1
}

# ---- tools -------------------------------------------------------------------------
# shellcheck source=scripts/perf-lib.sh
source "$ROOT/scripts/perf-lib.sh" # ensure_tool, repo_pin, pip_venv, ensure_function_build_tools
ensure_tool zip || die "zip could not be installed"
ensure_tool readelf binutils || die "binutils could not be installed"
ensure_tool file || die "file could not be installed"
ensure_tool make || die "make could not be installed"
ensure_tool python3 || die "python3 could not be installed"

SAM_VERSION="$(repo_pin deploy-check.sh SAM_VERSION)"
[[ -n $SAM_VERSION ]] || die "cannot read the SAM CLI pin of scripts/deploy-check.sh"
SAM="$ROOT/target/venv-deploy/bin/sam"
if ! "$SAM" --version 2>/dev/null | grep -qF "$SAM_VERSION"; then
  say "installing aws-sam-cli $SAM_VERSION into target/venv-deploy"
  pip_venv "$ROOT/target/venv-deploy" "aws-sam-cli==$SAM_VERSION" || die "pip install aws-sam-cli==$SAM_VERSION failed"
fi
ensure_function_build_tools "$ROOT" || die "cannot install cargo-lambda, ziglang or rust-src"
CL_VENV="$ROOT/target/venv-cargo-lambda"
# cargo-lambda finds zig through `python3 -m ziglang` of target/venv-build.
export PATH="$ROOT/target/venv-build/bin:$CL_VENV/bin:$PATH"
export CARGO_TARGET_DIR="$ROOT/target/function-check"
[[ $COLD == 1 ]] && CARGO_TARGET_DIR="$WORK/target"
export SAM_CLI_TELEMETRY=0 AWS_DEFAULT_REGION=us-east-1 AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true
say "using $("$SAM" --version), $(cargo lambda --version), zig $(python3 -m ziglang version)"

EMU="$ROOT/target/release/lz-emulator"
if [[ ! -x $EMU ]]; then
  say "building the emulator (cargo build --release -p lambda-zero-emulator)"
  cargo build --quiet --release -p lambda-zero-emulator || die "cannot build the emulator"
fi
EVENT="$ROOT/tests/data/apigw-http-v2.json"
# What the template's handler answers to $EVENT (POST /my/path, a 17-byte body).
WANT_BODY='{"hello":"world","method":"POST","path":"/my/path","bodyBytes":17}'

NAME=lz-check-fn
declare -A SECONDS_OF BIN_BYTES ZIP_BYTES DYN_BIN DYN_ZIP
timed() { # timed KEY LOG COMMAND...: runs COMMAND, output to LOG, seconds into SECONDS_OF[KEY]
  local key=$1 log=$2 t0=$EPOCHREALTIME
  shift 2
  "$@" >"$log" 2>&1 || return 1
  SECONDS_OF[$key]=$(python3 -c "print(f'{$EPOCHREALTIME - $t0:.1f}')")
}
zip_size() { # zip_size BINARY: bytes of `zip -9` of it, as `bootstrap`
  local d
  d="$(mktemp -d "$WORK/zip.XXXXXX")"
  cp "$1" "$d/bootstrap"
  (cd "$d" && zip -q -9 -X bootstrap.zip bootstrap)
  stat -c %s "$d/bootstrap.zip"
}

# smoke EXECUTABLE LABEL: 100 sample events under the emulator, all answered with WANT_BODY.
smoke() {
  local out
  out="$("$EMU" --bootstrap "$1" --file "$EVENT" --events 100 2>&1)" || { echo "$out" >&2; die "$2: the emulator run failed"; }
  grep -q 'responses *100 (2xx answered: 100)' <<<"$out" || { echo "$out" >&2; die "$2: not 100 answers of 2xx"; }
  python3 - "$out" "$WANT_BODY" <<'PY' || { echo "$out" >&2; die "$2: unexpected answer"; }
import json, sys
line = next(l for l in sys.argv[1].splitlines() if "first response" in l)
# `first response   [request id] status {answer}`: the answer is the JSON.
rest = line.split("first response", 1)[1]
v = json.loads(rest[rest.index("{"):])
sys.exit(0 if v["statusCode"] == 200 and json.loads(v["body"]) == json.loads(sys.argv[2]) else 1)
PY
  ok "$2: answered 100/100 API Gateway v2 sample events, 200 $WANT_BODY"
}

# ---- per architecture: make, validate, build, check -------------------------------
for arch in "${ARCHES[@]}"; do
  dir="$WORK/$arch/$NAME"
  timed "new-function $arch" "$WORK/new-function-$arch.log" \
    scripts/new-function.sh "$dir" --arch "$arch" --name "$NAME" || die "new-function.sh ($arch)"
  ok "scripts/new-function.sh $dir --arch $arch (${SECONDS_OF[new-function $arch]} s)"
  cd "$dir"
  timed "sam validate $arch" "$WORK/validate-$arch.log" "$SAM" validate --lint || die "sam validate --lint ($arch)"
  grep -q 'valid SAM Template' "$WORK/validate-$arch.log" || die "sam validate --lint printed no verdict ($arch)"
  ok "sam validate --lint ($arch, ${SECONDS_OF[sam validate $arch]} s)"
  timed "sam build $arch" "$WORK/sam-build-$arch.log" "$SAM" build || die "sam build ($arch)"
  grep -q 'Build Succeeded' "$WORK/sam-build-$arch.log" || die "sam build ($arch) did not report success"
  ok "sam build ($arch, ${SECONDS_OF[sam build $arch]} s)"

  b="$dir/.aws-sam/build/Function/bootstrap"
  [[ -x $b ]] || die "$b is missing or not executable"
  want="Advanced Micro Devices X86-64"
  [[ $arch == arm64 ]] && want=AArch64
  machine="$(readelf -h "$b" | sed -n 's/^ *Machine: *//p')"
  [[ $machine == "$want" ]] || die "$b is built for '$machine', expected '$want'"
  ! readelf -l "$b" | grep -q INTERP || die "$b has a dynamic loader (PT_INTERP): not static"
  ! readelf -d "$b" 2>/dev/null | grep -q NEEDED || die "$b needs shared libraries: not static"
  sections="$(readelf -S "$b")"
  ! grep -q '\.symtab' <<<"$sections" || die "$b is not stripped"
  grep -q '\.gcc_except_table' <<<"$sections" || die "$b has no .gcc_except_table: built with panic=abort?"
  # What a user deploys starts without run-time CPU feature detection, as the
  # default bootstrap does (scripts/build.sh; `simd-detect` in Cargo.toml).
  if [[ $arch == x86_64 ]] && objdump -d "$b" | grep -qw cpuid; then
    die "$b holds cpuid instructions: memchr/std or httparse/std is enabled (lambda-zero's simd-detect feature?), which costs nine hypervisor traps at start-up"
  fi
  BIN_BYTES[$arch]="$(stat -c %s "$b")"
  ZIP_BYTES[$arch]="$(zip_size "$b")"
  ((ZIP_BYTES[$arch] <= BUDGET_ZIP_BYTES)) ||
    die "SIZE BUDGET EXCEEDED: the $arch bootstrap zips to ${ZIP_BYTES[$arch]} bytes, over $BUDGET_ZIP_BYTES (BUDGET_ZIP_BYTES in scripts/function-check.sh)"
  ok "$b: ELF $machine, static, stripped, unwinding; ${BIN_BYTES[$arch]} bytes, zipped ${ZIP_BYTES[$arch]} (budget $BUDGET_ZIP_BYTES)"

  timed "make $arch" "$WORK/make-$arch.log" make || die "make ($arch)"
  [[ "$(sha256sum <"$dir/target/lambda/$NAME/bootstrap")" == "$(sha256sum <"$b")" ]] ||
    die "make's target/lambda/$NAME/bootstrap differs from sam build's ($arch)"
  ok "make ($arch, ${SECONDS_OF[make $arch]} s, after sam build): the same bootstrap"

  case "$arch" in
    x86_64)
      if [[ "$(uname -m)" == x86_64 ]]; then smoke "$b" "$arch bootstrap"; else say "$arch bootstrap: not run (host is $(uname -m))"; fi ;;
    arm64)
      if [[ "$(uname -m)" == aarch64 ]]; then
        smoke "$b" "$arch bootstrap"
      elif ensure_tool qemu-aarch64 qemu-user 2>/dev/null; then
        w="$WORK/bootstrap-arm64-qemu.sh"
        printf '#!/bin/sh\nexec qemu-aarch64 %q "$@"\n' "$b" >"$w"
        chmod +x "$w"
        smoke "$w" "$arch bootstrap (under qemu-aarch64)"
      else
        say "WARNING: $arch bootstrap not run: qemu-user could not be installed"
      fi ;;
  esac

  if [[ $COMPARE == 1 ]]; then
    # The same handler as a fresh crate gets it: no [profile.release], no
    # [package.metadata.lambda.build], no .cargo/config.toml; cargo-lambda's defaults.
    plain="$WORK/plain-$arch/$NAME"
    mkdir -p "$plain"
    cp -R "$dir/src" "$plain/"
    python3 - "$dir/Cargo.toml" "$plain/Cargo.toml" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
sections = re.split(r"(?m)^(?=\[)", text)
keep = [s for s in sections if not s.startswith(("[profile.", "[package.metadata."))]
open(sys.argv[2], "w").write("".join(keep))
PY
    flag=()
    [[ $arch == arm64 ]] && flag=(--arm64)
    cd "$plain"
    cargo lambda build --release "${flag[@]}" --lambda-dir target/lambda >"$WORK/plain-$arch.log" 2>&1 ||
      die "fresh-crate cargo lambda build --release ${flag[*]} ($arch)"
    d="$plain/target/lambda/$NAME/bootstrap"
    linkage=static
    readelf -l "$d" | grep -q INTERP && linkage="dynamic ($(readelf -d "$d" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | paste -sd' '))"
    DYN_BIN[$arch]="$(stat -c %s "$d")"
    DYN_ZIP[$arch]="$(zip_size "$d")"
    ok "fresh-crate cargo lambda build --release${flag[*]:+ ${flag[*]}}: $linkage; ${DYN_BIN[$arch]} bytes, zipped ${DYN_ZIP[$arch]}"
  fi
  cd "$ROOT"
done

# The x86_64 project (when built) serves the panic and cargo lambda watch checks below.
watch_dir=""
for arch in "${ARCHES[@]}"; do [[ $arch == x86_64 ]] && watch_dir="$WORK/$arch/$NAME"; done

# ---- panics in a user's function, under unwind and abort ------------------------------
# The x86_64 project's handler, made to panic on POST /panic, built by `make` twice:
# with the template's profile (panic = "unwind": each panic reported as Runtime.Panic,
# the process serves on) and with CARGO_PROFILE_RELEASE_PANIC=abort (a user's choice,
# or cargo-lambda's default: the panic hook reports the panic, with its message and
# location, before the process aborts). The emulator tallies what /error received.
if [[ -n $watch_dir && "$(uname -m)" == x86_64 ]]; then
  panicky="$WORK/panicky/$NAME"
  mkdir -p "$panicky"
  for f in Cargo.toml Cargo.lock Makefile template.yaml src .cargo; do
    [[ -e $watch_dir/$f ]] && cp -R "$watch_dir/$f" "$panicky/"
  done
  python3 - "$panicky/src/main.rs" <<'PY' || die "cannot make the template's handler panic"
import sys
p = sys.argv[1]
s = open(p).read()
anchor = "let req = inv.http()?;\n"
if anchor not in s:
    sys.exit("the template's handler no longer starts with `let req = inv.http()?;`")
panic = '        if req.path() == "/panic" {\n            panic!("the request asked for it");\n        }\n'
open(p, "w").write(s.replace(anchor, anchor + panic, 1))
PY
  python3 - "$EVENT" "$WORK/panic-event.json" <<'PY' || die "cannot write the /panic event"
import json, sys
v = json.load(open(sys.argv[1]))
v["rawPath"] = "/panic"
v["requestContext"]["http"]["path"] = "/panic"
json.dump(v, open(sys.argv[2], "w"))
PY
  cd "$panicky"
  timed "make, panicking (unwind)" "$WORK/panic-unwind-build.log" make ||
    die "make of the panicking handler (panic = \"unwind\")"
  cp "target/lambda/$NAME/bootstrap" "$WORK/panic-unwind"
  timed "make, panicking (abort)" "$WORK/panic-abort-build.log" env CARGO_PROFILE_RELEASE_PANIC=abort make ||
    die "make of the panicking handler (CARGO_PROFILE_RELEASE_PANIC=abort)"
  cp "target/lambda/$NAME/bootstrap" "$WORK/panic-abort"
  cd "$ROOT"
  ! readelf -S "$WORK/panic-abort" | grep -q '\.gcc_except_table' ||
    die "CARGO_PROFILE_RELEASE_PANIC=abort did not reach the build (the bootstrap still unwinds)"

  panic_run() { # panic_run BOOTSTRAP OUT: 5 /panic events under the emulator
    "$EMU" --bootstrap "$1" --file "$WORK/panic-event.json" --events 5 >"$2" 2>&1 || true
  }
  panic_fail() { # panic_fail OUT MESSAGE
    cat "$1" >&2
    die "$2"
  }
  panic_run "$WORK/panic-unwind" "$WORK/panic-unwind.txt"
  grep -q "5 × Runtime.Panic: handler panicked: the request asked for it" "$WORK/panic-unwind.txt" ||
    panic_fail "$WORK/panic-unwind.txt" "unwind: not every panic of the template function was reported as Runtime.Panic"
  grep -q 'every id answered exactly once' "$WORK/panic-unwind.txt" ||
    panic_fail "$WORK/panic-unwind.txt" "unwind: the template function did not serve on after its panics"
  ok "panic = \"unwind\": 5 of 5 panics of the template function reported as Runtime.Panic, the process serving throughout"

  panic_run "$WORK/panic-abort" "$WORK/panic-abort.txt"
  grep -q 'built with panic = "abort"' "$WORK/panic-abort.txt" ||
    panic_fail "$WORK/panic-abort.txt" "abort: no start-up note that a panic ends the process"
  grep -q "1 × Runtime.Panic: handler panicked: the request asked for it at src/main.rs:" "$WORK/panic-abort.txt" ||
    panic_fail "$WORK/panic-abort.txt" "abort: the panic was not reported (message and location) before the process ended"
  grep -q 'SIGABRT' "$WORK/panic-abort.txt" ||
    panic_fail "$WORK/panic-abort.txt" "abort: the template function did not abort after its panic"
  ok "panic = \"abort\" (CARGO_PROFILE_RELEASE_PANIC=abort make): the panic reported as Runtime.Panic with message and location, then SIGABRT"
fi

# ---- x86_64 under cargo lambda watch -------------------------------------------------
# `cargo lambda watch` builds the project for the host (dev profile) and serves it.
# It has no "any free port" option (-P 0 means its default, 9000), so it gets a
# random high port and, if that one is taken (it exits), another: the tool binds
# the port itself, nothing is bound, closed and handed over.
if [[ -n $watch_dir && "$(uname -m)" == x86_64 ]]; then
  cd "$watch_dir"
  PORT=""
  for _try in 1 2 3 4 5; do
    port=$((20000 + RANDOM % 40000))
    cargo lambda watch -A 127.0.0.1 -P "$port" >"$WORK/watch.log" 2>&1 &
    pid=$!
    PIDS+=("$pid")
    for _ in $(seq 1 300); do
      grep -q "starting Runtime server runtime_addr=127.0.0.1:$port" "$WORK/watch.log" && { PORT=$port; break; }
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    [[ -n $PORT ]] && break
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    say "cargo lambda watch did not start on 127.0.0.1:$port: $(tail -n 1 "$WORK/watch.log")"
  done
  [[ -n $PORT ]] || die "cargo lambda watch did not start (5 ports tried)"
  say "cargo lambda watch on 127.0.0.1:$PORT (it builds the function first)"
  # The first invoke waits for the dev build: a generous timeout, not a measurement.
  t0=$EPOCHREALTIME
  answer="$(timeout 900 cargo lambda invoke "$NAME" --invoke-address 127.0.0.1 --invoke-port "$PORT" \
    --data-file "$EVENT" --output-format json 2>"$WORK/invoke.log")" || die "cargo lambda invoke failed"
  python3 -c '
import json, sys
v = json.loads(sys.argv[1])
sys.exit(0 if v["statusCode"] == 200 and json.loads(v["body"]) == json.loads(sys.argv[2]) else 1)
' "$answer" "$WANT_BODY" || die "cargo lambda invoke: unexpected answer: $answer"
  SECONDS_OF[watch]=$(python3 -c "print(f'{$EPOCHREALTIME - $t0:.1f}')")
  ok "cargo lambda watch + invoke (API Gateway v2 sample, first answer after ${SECONDS_OF[watch]} s): 200 $WANT_BODY"
  reply="$(python3 - "$PORT" "$NAME" <<'PY'
import sys, urllib.request
port, name = sys.argv[1:3]
r = urllib.request.urlopen(f"http://127.0.0.1:{port}/lambda-url/{name}/hello?name=A%20nn", timeout=300)
print(r.status, r.headers.get("content-type"), r.read().decode())
PY
)" || die "GET /lambda-url/$NAME/hello failed"
  [[ $reply == '200 application/json {"hello":"A nn","method":"GET","path":"/hello","bodyBytes":0}' ]] ||
    die "GET /lambda-url/$NAME/hello?name=A%20nn: $reply"
  ok "cargo lambda watch, GET /lambda-url/$NAME/hello?name=A%20nn: $reply"
  cleanup
  cd "$ROOT"
fi

# ---- summary ---------------------------------------------------------------------------
echo
echo "template function ($NAME), static musl bootstrap from sam build / make:"
printf '  %-8s %10s %10s' arch stripped zipped
[[ $COMPARE == 1 ]] && printf '   %s' "fresh crate, cargo lambda build --release: stripped, zipped"
echo
for arch in "${ARCHES[@]}"; do
  printf '  %-8s %10s %10s' "$arch" "${BIN_BYTES[$arch]}" "${ZIP_BYTES[$arch]}"
  [[ $COMPARE == 1 ]] && printf '   %s, %s' "${DYN_BIN[$arch]}" "${DYN_ZIP[$arch]}"
  echo
done
echo "seconds per step (this run; CARGO_TARGET_DIR=${CARGO_TARGET_DIR#"$ROOT/"}):"
for arch in "${ARCHES[@]}"; do
  for step in "new-function" "sam validate" "sam build" "make"; do
    printf '  %-22s %6s\n' "$step $arch" "${SECONDS_OF[$step $arch]}"
  done
done
for step in "make, panicking (unwind)" "make, panicking (abort)"; do
  [[ -n ${SECONDS_OF[$step]:-} ]] && printf '  %-22s %6s\n' "$step" "${SECONDS_OF[$step]}"
done
[[ -n ${SECONDS_OF[watch]:-} ]] && printf '  %-22s %6s\n' "cargo lambda watch, first invoke (dev build)" "${SECONDS_OF[watch]}"
say "all checks passed"
