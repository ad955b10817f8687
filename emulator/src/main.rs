//! `lz-emulator`: spawns a `bootstrap` against the emulated Lambda Runtime API, serves it N
//! events as fast as it asks for them (with `--concurrency N`, N at a time) and prints what
//! happened: answers, the function's HTTP status codes and error types, cold start, latency,
//! throughput, and the bootstrap's peak RSS and CPU time (from `/proc`).
#![forbid(unsafe_code)]

use lambda_zero_emulator::{
    api_gateway_v2_event, api_gateway_v2_json_event, error_of, request_id, status_code_of, Event,
    Kind, Load, LoadReport, Record, Script,
};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::process::{Command, ExitCode};
use std::sync::Arc;
use std::time::Duration;

const USAGE: &str =
    "usage: lz-emulator [--bootstrap PATH] [--events N] [--size BYTES | --json-body BYTES | \
     --file PATH] [--concurrency N] [--random-ids] [--hold-until-next] [--refuse-pipelining] \
     [--threaded] [--show N] [--prefix P] [--quiet] [--json] [--json-append FILE] [--wait-exit] \
     [--idle SECONDS] [-- BOOTSTRAP ARGS...]";
const HELP: &str =
    "  --bootstrap PATH  runtime executable to spawn (default target/release/bootstrap)
  -- ARGS...        everything after `--` is passed to the bootstrap as its arguments
  --events N        events to serve (default 1000)
  --size BYTES      size of each generated API Gateway v2 event (default 100)
  --json-body BYTES serve an API Gateway v2 POST event whose body is a JSON document of
                    about BYTES bytes (e.g. 4096, for a CPU-bound handler)
  --file PATH       serve this file's bytes as every event instead
  --concurrency N   set AWS_LAMBDA_MAX_CONCURRENCY=N for the bootstrap (Lambda Managed
                    Instances): the emulator serves every GET /next at once, each blocking
                    until an event is there, so up to N invocations are in flight
  --random-ids      random UUID v4 request ids instead of counted ones
  --hold-until-next hold each invoke's answer until the runtime's next GET /next (as AWS's
                    Runtime Interface Emulator does) and report that caller latency too
  --refuse-pipelining  after answering a POST, close the connection if another request
                    is already waiting behind it (tests a runtime's pipelining fallback)
  --threaded        serve each connection from its own thread, as before 2026-12-01, instead
                    of one thread over non-blocking sockets (epoll) as the real Runtime API
                    serves them; --hold-until-next and --refuse-pipelining imply it
  --show N          print the first N answers (default: the first and the last)
  --prefix P        path prefix of the API, e.g. /.rt (default none)
  --quiet           print nothing but failures
  --json            print the summary as one JSON object
  --json-append FILE  also append the JSON summary, one line, to FILE (for repeated runs)
  --wait-exit       when done, close the API and let the bootstrap exit by itself (at most
                    5 s, then kill it) instead of killing it: for wrappers such as
                    `perf stat` or `strace` that must see their child exit
  --idle SECONDS    serve no event: once every worker's GET /next arrived and 3 s more
                    passed, measure the bootstrap's CPU time and wake-ups (times its
                    threads were put on a CPU, from /proc/PID/task/*/schedstat) over
                    SECONDS; waiting workers that block cost neither (exit 1 if it exited)
Every error's type and message is printed (grouped, with counts), and the HTTP status codes
the function answered with (statusCode of API Gateway, function URL and ALB answers).
Latency is per invocation, from handing the event out to its /response or /error arriving.
The audit checks that every event got exactly one answer, posted to its own id.
The bootstrap's peak RSS (VmHWM) and CPU time (utime + stime of all its threads, in clock
ticks) are read from /proc right before it is stopped; so is the CPU time of its live
threads at ns resolution (the sum of /proc/PID/task/*/schedstat), for short runs.
Exit status: 0 if every event got exactly one answer, a /response, and no request was
malformed, 1 otherwise, 2 on bad arguments.";
/// Error groups printed in full; the rest are summed up in one line.
const ERROR_GROUPS: usize = 10;
/// Characters of an answer's body printed.
const SHOW_CHARS: usize = 200;

struct Args {
    bootstrap: String,
    bootstrap_args: Vec<String>,
    events: usize,
    size: usize,
    json_body: Option<usize>,
    file: Option<String>,
    concurrency: Option<usize>,
    random_ids: bool,
    hold: bool,
    refuse_pipelining: bool,
    show: Option<usize>,
    prefix: String,
    quiet: bool,
    json: bool,
    json_append: Option<String>,
    wait_exit: bool,
    threaded: bool,
    idle: Option<usize>,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut a = Args {
        bootstrap: "target/release/bootstrap".into(),
        bootstrap_args: Vec::new(),
        events: 1000,
        size: 100,
        json_body: None,
        file: None,
        concurrency: None,
        random_ids: false,
        hold: false,
        refuse_pipelining: false,
        show: None,
        prefix: String::new(),
        quiet: false,
        json: false,
        json_append: None,
        wait_exit: false,
        threaded: false,
        idle: None,
    };
    while let Some(arg) = it.next() {
        if arg == "--" {
            a.bootstrap_args = it.by_ref().collect();
            break;
        }
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg, None),
        };
        let mut value = |name: &str| {
            inline
                .clone()
                .or_else(|| it.next())
                .ok_or(format!("{name} needs a value"))
        };
        let number = |name: &str, v: String| {
            v.parse::<usize>()
                .map_err(|_| format!("{name}: not a number: {v:?}"))
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(None),
            "--bootstrap" => a.bootstrap = value("--bootstrap")?,
            "--events" => a.events = number("--events", value("--events")?)?,
            "--size" => a.size = number("--size", value("--size")?)?,
            "--json-body" => a.json_body = Some(number("--json-body", value("--json-body")?)?),
            "--file" => a.file = Some(value("--file")?),
            "--concurrency" => {
                a.concurrency = Some(number("--concurrency", value("--concurrency")?)?)
            }
            "--random-ids" => a.random_ids = true,
            "--hold-until-next" => a.hold = true,
            "--refuse-pipelining" => a.refuse_pipelining = true,
            "--show" => a.show = Some(number("--show", value("--show")?)?),
            "--prefix" => a.prefix = value("--prefix")?,
            "--quiet" => a.quiet = true,
            "--json" => a.json = true,
            "--json-append" => a.json_append = Some(value("--json-append")?),
            "--wait-exit" => a.wait_exit = true,
            "--threaded" => a.threaded = true,
            "--idle" => a.idle = Some(number("--idle", value("--idle")?)?),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if a.events == 0 {
        return Err("--events must be at least 1".into());
    }
    if a.concurrency == Some(0) {
        return Err("--concurrency must be at least 1".into());
    }
    if a.file.is_some() && a.json_body.is_some() {
        return Err("--file and --json-body exclude each other".into());
    }
    if !a.prefix.is_empty()
        && (!a.prefix.starts_with('/') || a.prefix.bytes().any(|b| !(0x21..=0x7e).contains(&b)))
    {
        return Err(format!(
            "--prefix must start with '/' and be visible ASCII: {:?}",
            a.prefix
        ));
    }
    Ok(Some(a))
}

fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => match run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(reason) => {
                eprintln!("lz-emulator: {reason}");
                ExitCode::from(1)
            }
        },
        Ok(None) => {
            println!("{USAGE}\n{HELP}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("lz-emulator: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn run(a: &Args) -> Result<(), String> {
    let body = match (&a.file, a.json_body) {
        (Some(path), _) => std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?,
        (None, Some(n)) => api_gateway_v2_json_event(&request_id(0), n),
        (None, None) => api_gateway_v2_event(&request_id(0), a.size),
    };
    let size = body.len();
    if a.file.is_none() && a.json_body.is_none() && size > a.size && !a.quiet {
        eprintln!(
            "lz-emulator: --size {} is below the minimal event; serving {size} B events",
            a.size
        );
    }
    // One event, built once and shared by every invocation (only the request id differs; a
    // generated body keeps the first id inside it): the emulator copies nothing per event, so
    // serving 1 MiB events costs it little more than the kernel's copy.
    let event = Arc::new(Event::new(request_id(0), body));
    let script = Script::new()
        .prefix(&a.prefix)
        .hold_until_next(a.hold)
        .refuse_pipelining(a.refuse_pipelining);
    let mut load = Load::new(a.events, event)
        .script(script)
        .random_ids(a.random_ids)
        .threaded(a.threaded)
        .wait_exit(a.wait_exit);
    if let Some(n) = a.concurrency {
        load = load.concurrency(n);
    }
    let mut cmd = Command::new(&a.bootstrap);
    cmd.args(&a.bootstrap_args);
    if let Some(seconds) = a.idle {
        return idle(a, &load, cmd, seconds);
    }
    let report = load.run(cmd)?;
    let summary = Summary::new(&report);
    if let Some(reason) = &report.failure {
        if !a.quiet && !a.json {
            print(&summary.text(a, size, &report));
        }
        return Err(reason.clone());
    }
    let json = summary.json(a, size, &report);
    if let Some(path) = &a.json_append {
        append_line(path, &json)?;
    }
    if !a.quiet {
        if a.json {
            print(&format!("{json}\n"));
        } else {
            print(&summary.text(a, size, &report));
        }
    }
    summary.verdict(a.events, &report)
}

/// `--json-append`: appends `line` and a newline to the file at `path`.
fn append_line(path: &str, line: &str) -> Result<(), String> {
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| writeln!(f, "{line}"))
        .map_err(|e| format!("cannot append to {path}: {e}"))
}

/// `--idle`: the bootstrap's CPU time and wake-ups while its workers wait for an event.
fn idle(a: &Args, load: &Load, cmd: Command, seconds: usize) -> Result<(), String> {
    let window = Duration::from_secs(seconds as u64);
    let r = load.idle(cmd, Duration::from_secs(3), window)?;
    let json = format!(
        "{{\"idle_s\":{seconds},\"workers\":{},\"next_requests\":{},\"connections\":{},\
         \"threads\":{},\"cpu_us\":{:.1},\"wakeups\":{},\"exited\":{}}}",
        r.workers,
        r.next_requests,
        r.connections,
        r.threads,
        r.cpu.as_secs_f64() * 1e6,
        r.scheduled,
        r.exited
            .as_ref()
            .map_or("null".into(), |s| format!("{s:?}")),
    );
    if let Some(path) = &a.json_append {
        append_line(path, &json)?;
    }
    if a.json {
        print(&format!("{json}\n"));
    } else if !a.quiet {
        print(&format!(
            "idle {seconds} s: {} workers, {} GET /next waiting on {} connections, {} threads\n  \
             CPU                    {:.1} µs\n  wake-ups               {}\n",
            r.workers,
            r.next_requests,
            r.connections,
            r.threads,
            r.cpu.as_secs_f64() * 1e6,
            r.scheduled
        ));
    }
    match r.exited {
        Some(status) => Err(format!("{} exited while idle ({status})", a.bootstrap)),
        None => Ok(()),
    }
}

/// What the answers said, beyond the Runtime API's own statuses.
struct Summary {
    responses: usize,
    responses_2xx: usize,
    /// Ids that got a `/response`.
    ok_ids: usize,
    errors: usize,
    init_errors: usize,
    invalid: usize,
    unknown: usize,
    /// `(errorType, errorMessage)` -> count, `/error` and `/init/error` alike.
    error_groups: Vec<((String, String), usize)>,
    /// The function's HTTP status codes (`None`: a response without `statusCode`).
    status_codes: BTreeMap<Option<u16>, usize>,
    first_problem: Option<String>,
}

impl Summary {
    fn new(r: &LoadReport) -> Summary {
        let count = |k: Kind| r.of_kind(k).count();
        let mut ids: Vec<&str> = r
            .of_kind(Kind::Response)
            .map(|r| r.request_id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        let ok_ids = r
            .ids
            .iter()
            .filter(|id| ids.binary_search(&id.as_str()).is_ok())
            .count();
        let mut groups: BTreeMap<(String, String), usize> = BTreeMap::new();
        for rec in &r.records {
            let err = match rec.kind {
                Kind::Error => error_of(rec),
                Kind::InitError => error_of(&Record {
                    kind: Kind::Error,
                    ..rec.clone()
                })
                .map(|(t, m)| (format!("(init) {t}"), m)),
                _ => None,
            };
            if let Some(e) = err {
                *groups.entry(e).or_default() += 1;
            }
        }
        let mut error_groups: Vec<_> = groups.into_iter().collect();
        error_groups.sort_by(|x, y| y.1.cmp(&x.1).then_with(|| x.0.cmp(&y.0)));
        let mut status_codes = BTreeMap::new();
        for rec in r.of_kind(Kind::Response) {
            *status_codes.entry(status_code_of(&rec.body)).or_default() += 1;
        }
        Summary {
            responses: count(Kind::Response),
            responses_2xx: r
                .of_kind(Kind::Response)
                .filter(|r| (200..300).contains(&r.status_sent))
                .count(),
            ok_ids,
            errors: count(Kind::Error),
            init_errors: count(Kind::InitError),
            invalid: count(Kind::Invalid),
            unknown: count(Kind::Unknown),
            error_groups,
            status_codes,
            first_problem: r.records.iter().find_map(|r| r.problem.clone()),
        }
    }

    /// The status code histogram, each entry `fmt(code, count)` (code `none` for answers
    /// without a `statusCode`), joined by `sep`.
    fn status_codes(&self, fmt: fn(&str, usize) -> String, sep: &str) -> String {
        let parts: Vec<String> = self
            .status_codes
            .iter()
            .map(|(code, &n)| fmt(&code.map_or("none".into(), |c| c.to_string()), n))
            .collect();
        parts.join(sep)
    }

    /// The text summary.
    fn text(&self, a: &Args, size: usize, r: &LoadReport) -> String {
        use std::fmt::Write as _;
        let mut out = String::new();
        // Writing to a String cannot fail.
        macro_rules! say {
            ($($t:tt)*) => {{
                let _ = writeln!(out, $($t)*);
            }};
        }
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let args = if a.bootstrap_args.is_empty() {
            String::new()
        } else {
            format!(" {}", a.bootstrap_args.join(" "))
        };
        say!(
            "lz-emulator: served {} events of {size} B to {}{args}",
            a.events,
            a.bootstrap
        );
        say!(
            "  spawn -> first /next   {:.2} ms",
            r.spawn_to_first_next.as_secs_f64() * 1e3
        );
        say!(
            "  spawn -> 1st response  {:.2} ms",
            r.spawn_to_first_response.as_secs_f64() * 1e3
        );
        say!(
            "  responses              {} (2xx answered: {})",
            self.responses,
            self.responses_2xx
        );
        if !self.status_codes.is_empty() {
            say!(
                "  HTTP status codes      {}",
                self.status_codes(|c, n| format!("{c} ×{n}"), ", ")
            );
        }
        say!("  errors                 {}", self.errors);
        say!("  init errors            {}", self.init_errors);
        for ((ty, msg), n) in self.error_groups.iter().take(ERROR_GROUPS) {
            say!("    {n:>6} × {ty}: {}", clip(msg, SHOW_CHARS));
        }
        if self.error_groups.len() > ERROR_GROUPS {
            let rest: usize = self.error_groups[ERROR_GROUPS..].iter().map(|g| g.1).sum();
            say!(
                "    {rest:>6} × ({} more kinds)",
                self.error_groups.len() - ERROR_GROUPS
            );
        }
        say!("  invalid requests       {}", self.invalid);
        if self.unknown > 0 {
            say!("  unknown paths          {}", self.unknown);
        }
        say!("  latency median         {:.1} µs", us(r.latency.median));
        say!("  latency p99            {:.1} µs", us(r.latency.p99));
        if let Some(c) = r.caller_latency {
            say!(
                "  caller latency median  {:.1} µs (held until the next /next)",
                us(c.median)
            );
            say!("  caller latency p99     {:.1} µs", us(c.p99));
        }
        say!(
            "  throughput             {} invokes/s (wall {:.1} ms)",
            thousands(r.invokes_per_sec().round() as u64),
            r.wall.as_secs_f64() * 1e3
        );
        if let Some(n) = a.concurrency {
            say!(
                "  in flight              peak {} (AWS_LAMBDA_MAX_CONCURRENCY={n}), {} connections",
                r.peak_in_flight,
                r.connections
            );
        }
        if r.pipelined > 0 || a.refuse_pipelining {
            say!(
                "  pipelined requests     {} (refused: {})",
                r.pipelined,
                r.refused_pipelined
            );
        }
        match (r.usage.peak_rss_kib, r.usage.rss_anon_kib) {
            (Some(peak), Some(anon)) => say!(
                "  peak RSS               {:.2} MiB (anonymous now: {:.2} MiB)",
                peak as f64 / 1024.0,
                anon as f64 / 1024.0
            ),
            _ => say!("  peak RSS               ?"),
        }
        match r.usage.cpu_us {
            Some(us) => say!(
                "  CPU                    {:.0} ms, {:.1} µs per invoke (start-up included)",
                us / 1e3,
                us / a.events as f64
            ),
            None => say!("  CPU                    ?"),
        }
        if let Some(us) = r.usage.sched_cpu_us {
            say!(
                "  CPU (schedstat)        {:.1} ms, {:.2} µs per invoke (live threads, ns resolution)",
                us / 1e3,
                us / a.events as f64
            );
        }
        if let Some(n) = r.usage.scheduled {
            say!(
                "  wake-ups               {n}, {:.2} per invoke (its threads put on a CPU)",
                n as f64 / a.events as f64
            );
        }
        if let Some(us) = r.usage.emulator_cpu_us {
            say!(
                "  emulator CPU           {:.1} ms, {:.2} µs per invoke (the server's share)",
                us / 1e3,
                us / a.events as f64
            );
        }
        let audit = &r.audit;
        if audit.is_clean() {
            say!("  audit                  every id answered exactly once");
        } else {
            let first = |v: &[String]| {
                v.first()
                    .map_or(String::new(), |id| format!(" (first {id})"))
            };
            say!(
                "  audit                  VIOLATIONS: {} lost{}, {} answered twice or more{}, {} unknown ids{}",
                audit.lost.len(),
                first(&audit.lost),
                audit.duplicated.len(),
                first(&audit.duplicated),
                audit.unknown.len(),
                first(&audit.unknown)
            );
        }
        let answers: Vec<&Record> = r
            .records
            .iter()
            .filter(|r| matches!(r.kind, Kind::Response | Kind::Error))
            .collect();
        match a.show {
            Some(n) => {
                for (i, rec) in answers.iter().take(n).enumerate() {
                    say!("  answer {:<15} {}", i + 1, describe(rec));
                }
            }
            None => {
                let first = answers.first().map_or(String::new(), |r| describe(r));
                say!("  first response         {first}");
                if answers.len() > 1 {
                    let last = answers.last().map_or(String::new(), |r| describe(r));
                    say!("  last response          {last}");
                }
            }
        }
        out
    }

    fn json(&self, a: &Args, size: usize, r: &LoadReport) -> String {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let or_null = |v: Option<String>| v.unwrap_or_else(|| "null".into());
        let events = a.events;
        let codes = self.status_codes(|c, n| format!("\"{c}\":{n}"), ",");
        let mut types: BTreeMap<&str, usize> = BTreeMap::new();
        for ((ty, _), n) in &self.error_groups {
            *types.entry(ty).or_default() += n;
        }
        let types: Vec<String> = types
            .iter()
            .map(|(t, n)| format!("\"{}\":{n}", json_escape(t)))
            .collect();
        let caller = |f: fn(&lambda_zero_emulator::Percentiles) -> Duration| {
            or_null(
                r.caller_latency
                    .as_ref()
                    .map(|c| format!("{:.1}", us(f(c)))),
            )
        };
        format!(
            "{{\"events\":{events},\"size\":{size},\"spawn_to_first_next_us\":{:.1},\
             \"spawn_to_first_response_us\":{:.1},\"responses\":{},\"errors\":{},\
             \"init_errors\":{},\"invalid\":{},\"latency_median_us\":{:.1},\"latency_p99_us\":{:.1},\
             \"invokes_per_sec\":{:.0},\"wall_ms\":{:.3},\"peak_rss_kib\":{},\"rss_anon_kib\":{},\
             \"cpu_us\":{},\"cpu_per_invoke_us\":{},\"latency_max_us\":{:.1},\
             \"caller_latency_median_us\":{},\"caller_latency_p99_us\":{},\"concurrency\":{},\
             \"peak_in_flight\":{},\"connections\":{},\"pipelined\":{},\"refused_pipelined\":{},\
             \"threads\":{},\"lost\":{},\"duplicated\":{},\"unknown_ids\":{},\
             \"sched_cpu_us\":{},\"sched_cpu_per_invoke_us\":{},\"wakeups_per_invoke\":{},\
             \"emulator_cpu_per_invoke_us\":{},\"runq_wait_per_invoke_us\":{},\
             \"emulator_runq_wait_per_invoke_us\":{},\
             \"status_codes\":{{{}}},\"error_types\":{{{}}}}}",
            us(r.spawn_to_first_next),
            us(r.spawn_to_first_response),
            self.responses,
            self.errors,
            self.init_errors,
            self.invalid,
            us(r.latency.median),
            us(r.latency.p99),
            r.invokes_per_sec(),
            r.wall.as_secs_f64() * 1e3,
            or_null(r.usage.peak_rss_kib.map(|k| k.to_string())),
            or_null(r.usage.rss_anon_kib.map(|k| k.to_string())),
            or_null(r.usage.cpu_us.map(|c| format!("{c:.0}"))),
            or_null(r.usage.cpu_us.map(|c| format!("{:.2}", c / events as f64))),
            us(r.latency.max),
            caller(|c| c.median),
            caller(|c| c.p99),
            a.concurrency.unwrap_or(1),
            r.peak_in_flight,
            r.connections,
            r.pipelined,
            r.refused_pipelined,
            or_null(r.usage.threads.map(|t| t.to_string())),
            r.audit.lost.len(),
            r.audit.duplicated.len(),
            r.audit.unknown.len(),
            or_null(r.usage.sched_cpu_us.map(|c| format!("{c:.0}"))),
            or_null(r.usage.sched_cpu_us.map(|c| format!("{:.2}", c / events as f64))),
            or_null(r.usage.scheduled.map(|n| format!("{:.3}", n as f64 / events as f64))),
            or_null(r.usage.emulator_cpu_us.map(|c| format!("{:.2}", c / events as f64))),
            or_null(r.usage.runq_wait_us.map(|c| format!("{:.2}", c / events as f64))),
            or_null(r.usage.emulator_runq_wait_us.map(|c| format!("{:.2}", c / events as f64))),
            codes,
            types.join(","),
        )
    }

    fn verdict(&self, events: usize, r: &LoadReport) -> Result<(), String> {
        if self.invalid > 0 {
            let problem = self.first_problem.as_deref().unwrap_or("?");
            return Err(format!(
                "{} invalid request(s), first: {problem}",
                self.invalid
            ));
        }
        if !r.audit.is_clean() {
            return Err(format!(
                "audit: {} ids lost, {} answered more than once, {} unknown ids answered",
                r.audit.lost.len(),
                r.audit.duplicated.len(),
                r.audit.unknown.len()
            ));
        }
        if self.ok_ids < events {
            return Err(format!(
                "only {} of {events} events got a /response ({} errors)",
                self.ok_ids, self.errors
            ));
        }
        Ok(())
    }
}

/// Writes `text` to stdout; a closed stdout (`| head`) is not an error worth a panic.
fn print(text: &str) {
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}

/// One answer in a line: its id, kind, the function's status code or error, the body's start.
fn describe(r: &Record) -> String {
    match r.kind {
        Kind::Error => {
            let (ty, msg) = error_of(r).unwrap_or_default();
            format!("[{}] error {ty}: {}", r.request_id, clip(&msg, SHOW_CHARS))
        }
        _ => {
            let code = status_code_of(&r.body).map_or(String::new(), |c| format!("{c} "));
            let text = String::from_utf8_lossy(&r.body);
            format!("[{}] {code}{}", r.request_id, clip(&text, SHOW_CHARS))
        }
    }
}

/// The first `n` bytes of `s` (at a character boundary), control characters shown escaped.
fn clip(s: &str, n: usize) -> String {
    let mut end = s.len().min(n);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    let mut out = String::with_capacity(end + 1);
    for c in s[..end].chars() {
        if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    if end < s.len() {
        out.push('…');
    }
    out
}

fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// `38112` -> `"38,112"`.
fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_events_have_the_exact_size() {
        for size in [84, 100, 300, 1000, 100_000] {
            let body = api_gateway_v2_event(&request_id(7), size);
            assert_eq!(body.len(), size);
            let text = String::from_utf8(body).unwrap();
            assert!(text.starts_with(r#"{"version":"2.0","#) && text.contains(r#""method":"GET""#));
        }
        assert!(api_gateway_v2_event(&request_id(7), 10).len() > 10);
        assert_eq!(thousands(38112), "38,112");
        assert_eq!(thousands(999), "999");
        assert_eq!(clip("héllo\n", 2), "h…");
        assert_eq!(clip("a\nb", 10), "a\\nb");
        assert_eq!(json_escape("a\"b\\c\u{1}"), "a\\\"b\\\\c\\u0001");
    }

    #[test]
    fn arguments() {
        let parse = |s: &str| parse_args(s.split_whitespace().map(String::from));
        let a = parse("--events=5 --size 7 --prefix /.rt --json")
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.events, a.size, a.prefix.as_str(), a.json),
            (5, 7, "/.rt", true)
        );
        assert!(parse("--help").unwrap().is_none());
        let a = parse("--json-append out.jsonl --wait-exit --threaded")
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.json_append.as_deref(), a.wait_exit, a.threaded, a.events),
            (Some("out.jsonl"), true, true, 1000)
        );
        let a = parse(
            "--concurrency 8 --random-ids --hold-until-next --refuse-pipelining --show 3 \
             --json-body 4096 --bootstrap b -- --events 2 -x",
        )
        .unwrap()
        .unwrap();
        assert_eq!(
            (
                a.concurrency,
                a.random_ids,
                a.hold,
                a.refuse_pipelining,
                a.show
            ),
            (Some(8), true, true, true, Some(3))
        );
        assert_eq!((a.json_body, a.bootstrap.as_str()), (Some(4096), "b"));
        assert_eq!(
            (a.bootstrap_args, a.events),
            (vec!["--events".to_string(), "2".into(), "-x".into()], 1000)
        );
        for bad in [
            "--events 0",
            "--size",
            "--prefix .rt",
            "--nope",
            "--json-append",
            "--concurrency 0",
            "--show x",
            "--file f --json-body 10",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
