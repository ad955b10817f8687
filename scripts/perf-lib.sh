# shellcheck shell=bash
# Sourced by scripts/load.sh, scripts/coldstart.sh, scripts/perf-report.sh and
# the scripts that build a template function (not run by itself): installing tools, building what they measure, and
# running hyperfine in alternating rounds.
#
# The runtimes (names used in file names and tables):
#   lambda-zero         `cargo build --release --bin bootstrap` (glibc, dynamic):
#                       what `cargo lambda build --release` gives a user's own handler
#   lambda-zero-static  the deployed default bootstrap, scripts/build.sh (musl,
#                       static, `lambda` profile): with --static
#   official            the same Hello World on lambda_runtime 1.x (benches/official)
#   floor               the cold-start floor: a ~130-line C bootstrap, static musl
#                       (benches/floor/bootstrap.c, scripts/build-floor.sh)

# ensure_tool NAME [DEBIAN_PACKAGE]: installs NAME with apt-get if missing
# (one `apt-get update` per script run).
ensure_tool() {
  local tool=$1 package=${2:-$1}
  command -v "$tool" >/dev/null && return 0
  echo "installing $package (apt-get)" >&2
  if [[ -z ${_perf_apt_updated:-} ]]; then
    apt-get update -qq
    _perf_apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$package" >/dev/null
  command -v "$tool" >/dev/null
}

# repo_pin SCRIPT VARIABLE: the value scripts/SCRIPT pins VARIABLE to (a line
# `VARIABLE=value`), so a tool has one pin however many scripts install it.
repo_pin() {
  sed -n "s/^$2=\([^[:space:]#]*\).*/\1/p" "$(dirname "${BASH_SOURCE[0]}")/$1" | head -n 1
}

# pip_venv DIR PACKAGE==VERSION [pip options]: installs the package into a
# virtualenv at DIR, made first if missing (python3-venv from apt-get when
# python3 cannot make one).
pip_venv() {
  local dir=$1
  shift
  if [[ ! -x $dir/bin/pip ]]; then
    rm -rf "$dir"
    if ! python3 -m venv "$dir" >/dev/null 2>&1; then
      rm -rf "$dir"
      echo "installing python3-venv (apt-get)" >&2
      apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null ||
        return 1
      python3 -m venv "$dir" || return 1
    fi
  fi
  "$dir/bin/pip" install -q --disable-pip-version-check "$@"
}

# ensure_function_build_tools ROOT: what a template function's `make` needs,
# installed when missing: cargo-lambda (CARGO_LAMBDA_VERSION of
# scripts/function-check.sh) into ROOT/target/venv-cargo-lambda, ziglang
# (ZIGLANG_VERSION of scripts/build.sh) into ROOT/target/venv-build, and the
# rust-src component. Puts nothing on PATH.
ensure_function_build_tools() {
  local root=$1 cl zig
  cl="$(repo_pin function-check.sh CARGO_LAMBDA_VERSION)"
  zig="$(repo_pin build.sh ZIGLANG_VERSION)"
  if [[ -z $cl || -z $zig ]]; then
    echo "cannot read the pins of scripts/function-check.sh and scripts/build.sh" >&2
    return 1
  fi
  if ! "$root/target/venv-cargo-lambda/bin/cargo-lambda" lambda --version 2>/dev/null | grep -qF "cargo-lambda $cl "; then
    echo "installing cargo-lambda $cl into target/venv-cargo-lambda" >&2
    pip_venv "$root/target/venv-cargo-lambda" --no-deps "cargo-lambda==$cl" || return 1
  fi
  if ! "$root/target/venv-build/bin/python" -c 'import ziglang' 2>/dev/null; then
    echo "installing ziglang $zig into target/venv-build" >&2
    pip_venv "$root/target/venv-build" "ziglang==$zig" || return 1
  fi
  if [[ ! -f "$(rustc --print sysroot)/lib/rustlib/src/rust/library/Cargo.lock" ]]; then
    echo "rustup component add rust-src" >&2
    timeout 300 rustup component add rust-src >/dev/null 2>&1 || return 1
  fi
}

# build_all PROFILE WITH_STATIC WITH_OFFICIAL [WITH_FLOOR]: builds lambda-zero's
# bootstrap with Cargo profile PROFILE, the emulator, and when asked the deployed
# static build (scripts/build.sh; WITH_STATIC may instead be the path of a
# prebuilt one, measured as it is), the official peer (scripts/build-official.sh,
# skipped when up to date) and the C floor (scripts/build-floor.sh). Sets EMU and
# RUNTIMES (pairs: name, executable), the floor first.
build_all() {
  local profile=$1 with_static=$2 with_official=$3 with_floor=${4:-0} dir=$1
  [[ $profile == dev ]] && dir=debug
  cargo build --quiet --profile "$profile" --bin bootstrap
  cargo build --quiet --release -p lambda-zero-emulator
  # shellcheck disable=SC2034 # EMU and RUNTIMES are for the sourcing script
  EMU=target/release/lz-emulator
  RUNTIMES=()
  if [[ $with_floor == 1 ]]; then
    scripts/build-floor.sh >&2
    RUNTIMES+=(floor target/floor/bootstrap-musl)
  fi
  if [[ $with_static == 1 ]]; then
    scripts/build.sh --quiet >&2
    RUNTIMES+=(lambda-zero-static target/lambda/bootstrap/bootstrap)
  elif [[ $with_static != 0 ]]; then
    [[ -x $with_static ]] || { echo "no executable $with_static" >&2; return 1; }
    RUNTIMES+=(lambda-zero-static "$with_static")
  fi
  RUNTIMES+=(lambda-zero "target/$dir/bootstrap")
  if [[ $with_official == 1 ]]; then
    scripts/build-official.sh >&2
    RUNTIMES+=(official target/official/release/bootstrap)
  fi
}

# use_realtime YES: when YES is 1 and the system allows it, makes run_rounds
# run hyperfine (and so the emulator and the bootstraps it spawns) under
# SCHED_FIFO priority 10 (`chrt -f 10`): on a shared machine a spawned process
# otherwise often waits 3-7 ms for a CPU behind other people's builds, which
# buries a 0.4-1.3 ms cold start. Every runtime gets the same priority; the
# kernel's RT throttling still leaves 5 % of each second to everyone else.
use_realtime() {
  RT_PREFIX=()
  if [[ $1 == 1 ]]; then
    if chrt -f 10 true 2>/dev/null; then
      RT_PREFIX=(chrt -f 10)
      echo "(measuring under SCHED_FIFO priority 10: chrt -f 10)"
    else
      echo "(chrt -f not permitted here: measuring at normal priority)"
    fi
  fi
}
RT_PREFIX=()

# use_cpus LIST: makes run_rounds (and pinned) run everything on the CPUs in
# LIST (`taskset -c LIST`; "all" for no pinning). The default, one CPU, is a
# Lambda function of up to 1,769 MB, which gets at most one vCPU, shared with
# the Runtime API server running in the same sandbox. It also keeps every
# hand-off between the emulator and the bootstrap on one CPU: across two
# vCPUs of this VM a wake-up sometimes costs ~45 us more (the other vCPU was
# halted), which buries a 6 us round trip and varies from run to run.
use_cpus() {
  CPU_PREFIX=()
  if [[ $1 != all ]]; then
    CPU_PREFIX=(taskset -c "$1")
    echo "(pinned to CPU $1: taskset -c $1)"
  fi
}
CPU_PREFIX=()

# evict_command FILE...: sets EVICT_CMD to a command (no shell) that drops FILEs
# from the page cache, posix_fadvise(POSIX_FADV_DONTNEED) through GNU dd's
# iflag=nocache; syncs them first (dirty pages would stay).
evict_command() {
  sync "$@"
  EVICT_CMD="$PWD/scripts/evict.sh $*"
}

ROUNDS_PREPARE=()

# pinned CMD...: runs CMD under the CPU pinning chosen with use_cpus.
pinned() {
  "${CPU_PREFIX[@]}" "$@"
}

# run_rounds OUT ROUNDS RUNS WARMUP NAME CMD [NAME CMD ...]: runs hyperfine
# ROUNDS times (RUNS timed runs per command each time; WARMUP warm-up runs,
# first round only), rotating which command goes first, so drift on a shared
# machine hits every runtime alike. Writes OUT-ROUND.json and OUT-ROUND.md
# (hyperfine's --export-json / --export-markdown); its output goes to OUT.log.
# ROUNDS_PREPARE, if set, goes to hyperfine as it is (e.g. --prepare CMD: run
# before every timed run, outside the time).
run_rounds() {
  local out=$1 rounds=$2 runs=$3 warmup=$4
  shift 4
  local -a cmds=("$@") args
  local n=$(($# / 2)) round w i k
  : >"$out.log"
  for ((round = 1; round <= rounds; round++)); do
    args=()
    for ((k = 0; k < n; k++)); do
      i=$((((k + round - 1) % n) * 2))
      args+=(-n "${cmds[i]}" "${cmds[i + 1]}")
    done
    w=0
    ((round == 1)) && w=$warmup
    if ! "${RT_PREFIX[@]}" "${CPU_PREFIX[@]}" hyperfine --shell=none --style basic --warmup "$w" --runs "$runs" \
      "${ROUNDS_PREPARE[@]}" \
      --export-json "$out-$round.json" --export-markdown "$out-$round.md" \
      "${args[@]}" >>"$out.log" 2>&1; then
      cat "$out.log" >&2
      return 1
    fi
    printf '  round %d/%d done\n' "$round" "$rounds"
  done
}

# usage_of SCRIPT: prints the usage header (the comment block after the shebang).
usage_of() {
  sed -n '2,/^set -euo/p' "$1" | sed '$d; s/^# \{0,1\}//'
}
