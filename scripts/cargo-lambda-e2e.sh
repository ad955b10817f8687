#!/usr/bin/env bash
# Usage: scripts/cargo-lambda-e2e.sh
#
# End-to-end check against a real emulator, cargo-lambda's
# `cargo lambda watch --only-lambda-apis`:
#   1. installs cargo-lambda $CARGO_LAMBDA_VERSION from PyPI into
#      target/venv-cargo-lambda unless that version is there
#      (`pip install --no-deps cargo-lambda==…`, one static binary);
#   2. builds the release `bootstrap` and the `echo` and `stream` examples;
#   3. for each of them: starts `cargo lambda watch --only-lambda-apis` on a
#      127.0.0.1 port it is seen to own (it cannot take port 0: it turns 0
#      into 9000), starts the runtime with the AWS_LAMBDA_RUNTIME_API value
#      cargo-lambda prints (`http://…/.rt`), invokes it with
#      `cargo lambda invoke` and through the function URL path
#      `/lambda-url/_/…`, and checks every answer: the default bootstrap's
#      per-shape answers (the function URL one needs `statusCode` and
#      `cookies`), the echo example's, and a streamed function URL answer
#      (prelude, body, twice in a row, the runtime still alive after);
#   4. stops everything it started, by pid, on success or failure.
# Everything listens on 127.0.0.1. Prints each check; exits 1 on the first
# failure (with the logs).
set -euo pipefail
cd "$(dirname "$0")/.."

# The version tests/data/cargo-lambda-url.json was captured from.
CARGO_LAMBDA_VERSION=1.9.2
VENV=target/venv-cargo-lambda
CARGO_LAMBDA=$VENV/bin/cargo-lambda
mkdir -p target
TMP=$(mktemp -d target/cargo-lambda-e2e.XXXXXX)
PIDS=()

cleanup() {
  local pid
  for pid in "${PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
  done
  for pid in "${PIDS[@]}"; do
    wait "$pid" 2>/dev/null || true
  done
  PIDS=()
}
trap 'cleanup; rm -rf "$TMP"' EXIT

fail() {
  echo "FAIL: $*" >&2
  for log in "$TMP"/*.log; do
    [ -s "$log" ] && { echo "--- $log" >&2; tail -n 20 "$log" >&2; }
  done
  exit 1
}

if ! "$CARGO_LAMBDA" lambda --version 2>/dev/null | grep -qF "cargo-lambda $CARGO_LAMBDA_VERSION "; then
  echo "==> installing cargo-lambda $CARGO_LAMBDA_VERSION into $VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check --no-deps \
    "cargo-lambda==$CARGO_LAMBDA_VERSION"
fi
echo "==> $("$CARGO_LAMBDA" lambda --version)"

echo "==> cargo build --release --bin bootstrap --example echo --example stream"
cargo build --quiet --release --bin bootstrap --example echo --example stream

# owns_listener PORT PID: is PID the process listening on 127.0.0.1:PORT?
# (/proc/net/tcp gives the listening socket's inode, /proc/PID/fd its owner.)
owns_listener() {
  python3 - "$1" "$2" <<'PY'
import os, sys
port, pid = int(sys.argv[1]), sys.argv[2]
inodes = set()
with open("/proc/net/tcp") as f:
    for line in f.readlines()[1:]:
        local, state, inode = line.split()[1], line.split()[3], line.split()[9]
        if state == "0A" and int(local.split(":")[1], 16) == port:
            inodes.add(f"socket:[{inode}]")
fds = f"/proc/{pid}/fd"
sys.exit(0 if any(os.readlink(os.path.join(fds, fd)) in inodes for fd in os.listdir(fds)) else 1)
PY
}

# start_phase NAME RUNTIME: cargo-lambda on a port it owns, then RUNTIME
# against it. Sets PORT and RUNTIME_PID. cargo-lambda cannot take port 0
# and exits quietly when its port is taken, so a candidate port (one the
# kernel just handed out) is tried until the watch process is seen
# listening on it itself: a port someone else took in between is never
# used.
start_phase() {
  local name=$1 runtime=$2 api="" attempt watch _
  for attempt in 1 2 3 4 5; do
    PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    "$CARGO_LAMBDA" lambda watch --only-lambda-apis -A 127.0.0.1 -P "$PORT" \
      >"$TMP/$name-watch.log" 2>&1 &
    watch=$!
    PIDS+=("$watch")
    api=""
    for _ in $(seq 1 300); do
      kill -0 "$watch" 2>/dev/null || break
      if owns_listener "$PORT" "$watch"; then
        api=$(sed -n 's/.*AWS_LAMBDA_RUNTIME_API=\([^[:space:]]*\).*/\1/p' "$TMP/$name-watch.log" | head -n 1)
        [ -n "$api" ] && break
      fi
      sleep 0.1
    done
    [ -n "$api" ] && break
    echo "--- $name: cargo lambda watch did not get 127.0.0.1:$PORT (attempt $attempt), trying another"
    kill "$watch" 2>/dev/null || true
    wait "$watch" 2>/dev/null || true
  done
  [ -n "$api" ] || fail "$name: cargo lambda watch listened on no port it printed (AWS_LAMBDA_RUNTIME_API)"
  echo "--- $name: cargo lambda watch on 127.0.0.1:$PORT, AWS_LAMBDA_RUNTIME_API=$api"
  AWS_LAMBDA_RUNTIME_API=$api AWS_LAMBDA_FUNCTION_NAME=_ AWS_LAMBDA_FUNCTION_VERSION=1 \
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE=4096 "$runtime" >"$TMP/$name-runtime.log" 2>&1 &
  RUNTIME_PID=$!
  PIDS+=("$RUNTIME_PID")
}

# alive NAME: the runtime of this phase is still running.
alive() {
  kill -0 "$RUNTIME_PID" 2>/dev/null || fail "$1: the runtime exited"
  echo "ok   $1: the runtime is still running"
}

# invoke NAME DATA: `cargo lambda invoke` with DATA (a JSON string or
# @file), the answer on stdout.
invoke() {
  local data=$2
  local args=(--invoke-address 127.0.0.1 --invoke-port "$PORT" --output-format json)
  if [ "${data:0:1}" = @ ]; then
    args+=(--data-file "${data:1}")
  else
    args+=(--data-ascii "$data")
  fi
  timeout 30 "$CARGO_LAMBDA" lambda invoke "${args[@]}" 2>"$TMP/$1-invoke.log" ||
    fail "$1: cargo lambda invoke failed"
}

# invoke_error NAME DATA: `cargo lambda invoke` that must fail (the
# handler's error reported to /error); what cargo-lambda printed on stdout.
invoke_error() {
  if timeout 30 "$CARGO_LAMBDA" lambda invoke --invoke-address 127.0.0.1 --invoke-port "$PORT" \
    --data-ascii "$2" >"$TMP/$1-invoke.log" 2>&1; then
    fail "$1: cargo lambda invoke succeeded: $(cat "$TMP/$1-invoke.log")"
  fi
  tr '\n' ' ' <"$TMP/$1-invoke.log"
}

# url NAME METHOD PATH [BODY]: a request to the function URL; prints
# `status content-type` then the body (for any status).
url() {
  python3 - "$PORT" "$2" "$3" "${4-}" <<'PY' 2>"$TMP/$1-url.log" || fail "$1: function URL request failed"
import sys, urllib.error, urllib.request
port, method, path, body = sys.argv[1:5]
req = urllib.request.Request(f"http://127.0.0.1:{port}/lambda-url/_{path}", method=method,
                             data=body.encode() if body else None,
                             headers={"content-type": "application/json", "cookie": "c1=v1"})
try:
    r = urllib.request.urlopen(req, timeout=30)
except urllib.error.HTTPError as e:
    r = e
print(r.status, r.headers.get("content-type"))
print(r.read().decode())
PY
}

# check NAME JSON PYTHON-EXPR: evaluates the expression with `v` the
# parsed JSON (and `body` the parsed `body` field when it is JSON text).
check() {
  local name=$1 json=$2 expr=$3
  python3 -c '
import json, sys
v = json.loads(sys.argv[1])
try:
    body = json.loads(v["body"]) if isinstance(v, dict) and isinstance(v.get("body"), str) else None
except ValueError:
    body = None
sys.exit(0 if eval(sys.argv[2]) else 1)
' "$json" "$expr" || fail "$name: expected $expr, got: $json"
  echo "ok   $name: $expr"
}

# --- The default bootstrap: the pre-built Hello World answer, one per shape.
start_phase bootstrap target/release/bootstrap
answer=$(invoke bootstrap '{"hello":"world"}')
check "bootstrap invoke (not HTTP: the v1 answer)" "$answer" \
  'v == {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "Hello World!", "isBase64Encoded": False}'
answer=$(invoke bootstrap @tests/data/apigw-rest-proxy.json)
check "bootstrap invoke (REST API sample: no cookies)" "$answer" \
  'v == {"statusCode": 200, "headers": {"content-type": "text/plain"}, "body": "Hello World!", "isBase64Encoded": False}'
answer=$(invoke bootstrap @tests/data/apigw-http-v2.json)
check "bootstrap invoke (HTTP API v2 sample: cookies)" "$answer" \
  'v == {"statusCode": 200, "headers": {"content-type": "text/plain"}, "cookies": [], "body": "Hello World!", "isBase64Encoded": False}'
answer=$(invoke bootstrap @tests/data/alb.json)
check "bootstrap invoke (ALB sample: statusDescription)" "$answer" \
  'v["statusDescription"] == "200 OK" and v["headers"] == {"content-type": "text/plain"} and "cookies" not in v'
# cargo-lambda turns a function URL answer into HTTP by deserializing it as
# aws_lambda_events' ApiGatewayV2httpResponse: `statusCode` and `cookies`
# are required, or it answers 500.
for _ in 1 2; do
  reply=$(url bootstrap GET '/hello?x=1')
  head=$(head -n 1 <<<"$reply")
  [ "$head" = "200 text/plain" ] && [ "$(tail -n +2 <<<"$reply")" = "Hello World!" ] ||
    fail "bootstrap URL: $reply"
  echo "ok   bootstrap GET /lambda-url/_/hello?x=1: $head, Hello World!"
done
alive bootstrap
cleanup

# --- The echo example: every shape in, the same shape out.
start_phase echo target/release/examples/echo
answer=$(invoke echo @tests/data/apigw-http-v2.json)
check "echo invoke (HTTP API v2 sample)" "$answer" \
  'v["statusCode"] == 200 and v["cookies"] == [] and body == {"shape": "http-api", "method": "POST", "path": "/my/path", "query": "parameter1=value1&parameter1=value2&parameter2=value", "body": "Hello from Lambda", "bodyBytes": 17}'
answer=$(invoke echo @tests/data/apigw-rest-proxy.json)
check "echo invoke (REST API sample, base64 body)" "$answer" \
  'body == {"shape": "rest-api", "method": "POST", "path": "/path/to/resource", "query": "foo=bar", "body": "{\"test\":\"body\"}", "bodyBytes": 15}'
answer=$(invoke echo @tests/data/alb-multi-value.json)
check "echo invoke (ALB multi-value sample)" "$answer" \
  'v["statusDescription"] == "200 OK" and v["multiValueHeaders"] == {"content-type": ["application/json"]} and body["query"] == "key=hello&myKey=val1&myKey=val2"'
error=$(invoke_error echo '{"not":"an HTTP event"}')
case $error in
  *Event.Invalid*"event is not an API Gateway, function URL or ALB request"*)
    echo "ok   echo invoke (not HTTP): failed with Event.Invalid: event is not an API Gateway, function URL or ALB request" ;;
  *) fail "echo invoke (not HTTP): $error" ;;
esac
reply=$(url echo POST '/echo/wo%20rld?x=1&y=a%20b' '{"k":"v \"q\""}')
head=$(head -n 1 <<<"$reply")
[ "$head" = "200 application/json" ] || fail "echo URL: status and type: $head"
check "echo POST /lambda-url/_/echo/wo%20rld?x=1&y=a%20b" "$(tail -n +2 <<<"$reply")" \
  'v == {"shape": "http-api", "method": "POST", "path": "/echo/wo%20rld", "query": "x=1&y=a%20b", "body": "{\"k\":\"v \\\"q\\\"\"}", "bodyBytes": 15}'
reply=$(url echo GET '/')
check "echo GET /lambda-url/_/" "$(tail -n +2 <<<"$reply")" \
  'v["method"] == "GET" and v["path"] == "/" and v["query"] == "" and v["bodyBytes"] == 0'
cleanup

# --- The stream example behind the function URL: a streamed answer (the
# HTTP integration prelude chunk, the 8-NUL separator chunk, then the body),
# twice in a row on the same runtime process.
start_phase stream target/release/examples/stream
for mib in 1 2; do
  python3 - "$PORT" "$mib" <<'PY' 2>"$TMP/stream-url-$mib.log" || fail "stream URL ?mib=$mib: $(cat "$TMP/stream-url-$mib.log")"
import sys, urllib.request
port, mib = sys.argv[1], int(sys.argv[2])
r = urllib.request.urlopen(f"http://127.0.0.1:{port}/lambda-url/_/?mib={mib}", timeout=60)
body = r.read()
assert r.status == 200, r.status
assert r.headers.get("content-type") == "application/octet-stream", r.headers
assert len(body) == mib << 20, len(body)
assert body == b"x" * len(body), "the body is not the streamed bytes"
print(f"ok   stream GET /lambda-url/_/?mib={mib}: {r.status} {r.headers.get('content-type')}, {len(body)} bytes streamed")
PY
done
alive stream
cleanup

echo "cargo-lambda-e2e: all checks passed"
