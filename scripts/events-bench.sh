#!/usr/bin/env bash
# Usage: scripts/events-bench.sh [--no-docs] [--reuse] [--no-count] [--rounds N] [--cpu N] [--out FILE]
#
# The event layer against serde_json, from one run of the criterion group
# `events` of benches/micro.rs (`cargo bench --bench micro -- events/`),
# pinned to one CPU (taskset -c N, CPU 0 unless --cpu), N rounds (3 unless
# --rounds; 1 s of measurement per function and round), so that a burst of
# load on a shared machine hits one round rather than one column. For each
# sample event (tests/data, and a generated 256 KB SQS batch of ten records)
# it prints a markdown table: per function the median over the rounds of
# criterion's medians, per pair the median of the rounds' ratios:
#
#   - lambda-zero parse: the view's constructor (HttpRequest::parse,
#     sqs::Event::parse...) beside serde_json into IgnoredAny (reading the
#     bytes at all), and the ratio;
#   - lambda-zero parse + reads + answer beside the official path
#     (serde_json + aws_lambda_events, the same reads, serde_json::to_writer
#     of the aws_lambda_events answer into a reused Vec), and the ratio.
#
# Then, unless --no-count, the same four functions counted in instructions
# per iteration with callgrind (valgrind, installed with apt-get when
# missing): the bench executable run with LZ_EVENTS_COUNT=sample:function:N
# loops one function N times, and (count at 1,001 - count at 1) / 1,000 is
# the iterations' own. Counts do not drift with the machine's load, as times
# on a shared VM do (5-20 % from run to run, more between two functions
# measured seconds apart), so they check the ratios of the first table;
# they are not times (the two parsers' instructions need not cost the same).
#
# Writes the tables to FILE (target/events-bench.md by default) and, unless
# --no-docs, between the events-bench markers of docs/performance.md, with
# the date and the machine (uname -m, CPU model). Needs the Rust toolchain,
# taskset (util-linux) and, for the counts, valgrind. --reuse makes the
# tables again from the rounds and counts kept in target/events-bench/,
# without running anything.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/perf-lib.sh
source scripts/perf-lib.sh

docs=1
reuse=0
count=1
rounds=3
cpu=0
out=target/events-bench.md
while [[ $# -gt 0 ]]; do
  case $1 in
    --no-docs) docs=0 ;;
    --reuse) reuse=1 ;;
    --no-count) count=0 ;;
    --rounds) rounds=$2; shift ;;
    --cpu) cpu=$2; shift ;;
    --out) out=$2; shift ;;
    -h | --help) usage_of "$0"; exit 0 ;;
    *) usage_of "$0" >&2; exit 2 ;;
  esac
  shift
done

criterion=target/criterion
kept=target/events-bench

# median GROUP FUNCTION: criterion's median in ns, from its estimates.json.
median() {
  local bench
  bench=$(grep -lZF "\"group_id\":\"$1\"" "$criterion"/events_*/*/new/benchmark.json |
    xargs -0 grep -lF "\"value_str\":\"$2\"" | head -1)
  [[ -n $bench ]] || { echo "no criterion result for $1 / $2" >&2; exit 1; }
  sed 's/.*"median":{[^}]*},"point_estimate":\([0-9.e+-]*\).*/\1/' "${bench%benchmark.json}estimates.json"
}

functions=("lambda-zero parse" "serde_json IgnoredAny" "lambda-zero parse+reads+answer"
  "aws_lambda_events parse+reads+answer")

if [[ $reuse == 0 ]]; then
  rm -rf "$kept"
  mkdir -p "$kept"
  # Built on every CPU first; only the measurement is pinned.
  cargo bench --quiet --bench micro --no-run >"$kept/bench.log" 2>&1 || {
    tail -30 "$kept/bench.log" >&2
    exit 1
  }
  use_cpus "$cpu"
  for round in $(seq 1 "$rounds"); do
    echo "round $round of $rounds" >&2
    rm -rf "$criterion"/events_*
    pinned cargo bench --quiet --bench micro -- 'events/' --warm-up-time 0.3 \
      --measurement-time 1 >>"$kept/bench.log" 2>&1 || {
      tail -30 "$kept/bench.log" >&2
      exit 1
    }
    # One line per sample: name, bytes, then the four medians in ns.
    for dir in "$criterion"/events_*; do
      sample=${dir#"$criterion"/events_}
      bytes=$(cat "$dir"/*/new/benchmark.json | grep -o '"throughput":{"Bytes":[0-9]*' |
        head -1 | sed 's/.*://')
      line="$sample $bytes"
      for f in "${functions[@]}"; do
        line="$line $(median "events/$sample" "$f")"
      done
      echo "$line"
    done >"$kept/round-$round.txt"
  done
fi

# count EXE SAMPLE:FUNCTION N: callgrind's instructions for the whole run of
# N iterations.
count() {
  LZ_EVENTS_COUNT=$2:$3 valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" 2>&1 |
    sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d ,
}

# instructions EXE SAMPLE:FUNCTION: callgrind's instructions per iteration
# of FUNCTION on SAMPLE, start-up cancelled out.
instructions() {
  local n1 n2
  n1=$(count "$1" "$2" 1)
  n2=$(count "$1" "$2" 1001)
  [[ -n $n1 && -n $n2 ]] || { echo "callgrind gave no count for $2" >&2; exit 1; }
  echo $(((n2 - n1) / 1000))
}

if [[ $reuse == 0 && $count == 1 ]]; then
  ensure_tool valgrind
  exe=$(cargo bench --quiet --bench micro --no-run --message-format=json 2>/dev/null |
    grep -F '"name":"micro"' | sed -n 's/.*"executable":"\([^"]*\)".*/\1/p' | tail -1)
  [[ -x $exe ]] || { echo "no bench executable" >&2; exit 1; }
  echo "counting instructions ($(valgrind --version))" >&2
  for sample in $(cut -d' ' -f1 "$kept/round-1.txt"); do
    line=$sample
    for f in lz-parse ignored lz-full official-full; do
      line="$line $(instructions "$exe" "$sample:$f")"
    done
    echo "$line"
  done >"$kept/counts.txt"
  valgrind --version >"$kept/valgrind-version.txt"
fi

mkdir -p "$(dirname "$out")"
# Medians over the rounds; the ratios are the medians of the rounds' ratios.
cat "$kept"/round-*.txt | sort -s -k1,1 | awk '
  function med(list, n,   i, j, t, a) {
    split(list, a, " ")
    for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
  }
  function us(ns) { return sprintf(ns < 10000 ? "%.2f µs" : "%.1f µs", ns / 1000) }
  function row(   k) {
    printf("| `%s` | %s | %s | %s | %.2f× | %s | %s | %.2f× |\n", name, bytes,
      us(med(v[1], n)), us(med(v[2], n)), med(r1, n), us(med(v[3], n)), us(med(v[4], n)), med(r2, n))
  }
  BEGIN {
    print "| event | bytes | lambda-zero parse | serde_json IgnoredAny | ratio | lambda-zero parse + reads + answer | serde_json + aws_lambda_events | ratio |"
    print "|---|---:|---:|---:|---:|---:|---:|---:|"
  }
  $1 != name { if (n) row(); name = $1; bytes = $2; n = 0; r1 = r2 = ""; for (k = 1; k <= 4; k++) v[k] = "" }
  {
    n++
    for (k = 1; k <= 4; k++) v[k] = v[k] " " $(k + 2)
    r1 = r1 " " $3 / $4
    r2 = r2 " " $5 / $6
  }
  END { if (n) row() }
' >"$out.rows"
rounds_done=$(ls "$kept"/round-*.txt | wc -l)

model=$(grep -m1 -E '^(model name|Model|cpu model)' /proc/cpuinfo 2>/dev/null | sed 's/.*: *//')
[[ -n $model ]] || model=unknown
{
  echo "Event layer against \`serde_json\`: \`scripts/events-bench.sh\`, criterion medians of"
  echo "\`cargo bench --bench micro -- events/\` (pinned with \`taskset -c $cpu\`, $rounds_done rounds;"
  echo "medians of the rounds), $(date -u +%Y-%m-%d), $(uname -m), $model:"
  echo
  cat "$out.rows"
  if [[ -s $kept/counts.txt ]]; then
    echo
    echo "The same functions in instructions per iteration (callgrind, $(cat "$kept/valgrind-version.txt"):"
    echo "the count of 1,001 iterations minus that of one, over 1,000; the same executable):"
    echo
    sort -k1,1 "$kept/counts.txt" | awk '
      function k(n,   s) {
        s = sprintf("%d", n)
        while (s ~ /[0-9][0-9][0-9][0-9]/) sub(/[0-9][0-9][0-9]($|,)/, ",&", s)
        return s
      }
      BEGIN {
        print "| event | lambda-zero parse | serde_json IgnoredAny | ratio | lambda-zero parse + reads + answer | serde_json + aws_lambda_events | ratio |"
        print "|---|---:|---:|---:|---:|---:|---:|"
      }
      { printf("| `%s` | %s | %s | %.2f× | %s | %s | %.2f× |\n", $1, k($2), k($3), $2 / $3, k($4), k($5), $4 / $5) }
    '
  fi
} >"$out"
rm -f "$out.rows"
cat "$out"

if [[ $docs == 1 ]]; then
  doc=docs/performance.md
  begin='<!-- events-bench:begin (generated by scripts/events-bench.sh; do not edit by hand) -->'
  end='<!-- events-bench:end -->'
  if ! grep -qF '<!-- events-bench:begin' "$doc"; then
    printf '\n## The event layer\n\n%s\n%s\n' "$begin" "$end" >>"$doc"
  fi
  awk -v table="$out" -v begin="$begin" '
    /<!-- events-bench:begin/ { print begin; print ""; while ((getline line < table) > 0) print line; print ""; skip = 1; next }
    /<!-- events-bench:end -->/ { skip = 0 }
    !skip { print }
  ' "$doc" >"$doc.tmp"
  mv "$doc.tmp" "$doc"
  echo "wrote $doc (events-bench section)"
fi
