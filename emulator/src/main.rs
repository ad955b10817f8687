//! `lz-emulator`: spawns a `bootstrap` against the emulated Lambda Runtime API, serves it N
//! events as fast as it asks for them and prints what happened: answers, cold start, latency,
//! throughput, and the bootstrap's peak RSS and CPU time (from `/proc`).
#![forbid(unsafe_code)]

use lambda_zero_emulator::{api_gateway_v2_event, Drained, Emulator, Event, Kind, Record, Script};
use std::io::Write as _;
use std::process::{Child, Command, ExitCode};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: lz-emulator [--bootstrap PATH] [--events N] [--size BYTES] [--file PATH] \
                     [--prefix P] [--quiet] [--json] [--json-append FILE] [--wait-exit]";
const HELP: &str = "  --bootstrap PATH  runtime executable to spawn (default target/release/bootstrap)
  --events N        events to serve (default 1000)
  --size BYTES      size of each generated API Gateway v2 event (default 100)
  --file PATH       serve this file's bytes as every event instead
  --prefix P        path prefix of the API, e.g. /.rt (default none)
  --quiet           print nothing but failures
  --json            print the summary as one JSON object
  --json-append FILE  also append the JSON summary, one line, to FILE (for repeated runs)
  --wait-exit       when done, close the API and let the bootstrap exit by itself (at most
                    5 s, then kill it) instead of killing it: for wrappers such as
                    `perf stat` or `strace` that must see their child exit
The bootstrap's peak RSS (VmHWM) and CPU time (utime + stime of all its threads, in clock
ticks) are read from /proc right before it is stopped.
Exit status: 0 if every event got a /response and no request was malformed, 1 otherwise, 2 on bad arguments.";
/// How often the waiting main thread checks whether the bootstrap exited or stalled.
const CHECK_EVERY: Duration = Duration::from_millis(20);
/// Give up when nothing arrives for this long.
const STALL: Duration = Duration::from_secs(30);
/// How long `--wait-exit` lets the bootstrap take to exit once the API is closed.
const EXIT_GRACE: Duration = Duration::from_secs(5);

struct Args {
    bootstrap: String,
    events: usize,
    size: usize,
    file: Option<String>,
    prefix: String,
    quiet: bool,
    json: bool,
    json_append: Option<String>,
    wait_exit: bool,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut a = Args {
        bootstrap: "target/release/bootstrap".into(),
        events: 1000,
        size: 100,
        file: None,
        prefix: String::new(),
        quiet: false,
        json: false,
        json_append: None,
        wait_exit: false,
    };
    while let Some(arg) = it.next() {
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
            "--file" => a.file = Some(value("--file")?),
            "--prefix" => a.prefix = value("--prefix")?,
            "--quiet" => a.quiet = true,
            "--json" => a.json = true,
            "--json-append" => a.json_append = Some(value("--json-append")?),
            "--wait-exit" => a.wait_exit = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if a.events == 0 {
        return Err("--events must be at least 1".into());
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

fn request_id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn run(a: &Args) -> Result<(), String> {
    let body = match &a.file {
        Some(path) => std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?,
        None => api_gateway_v2_event(&request_id(0), a.size),
    };
    let size = body.len();
    if a.file.is_none() && size > a.size && !a.quiet {
        eprintln!(
            "lz-emulator: --size {} is below the minimal event; serving {size} B events",
            a.size
        );
    }
    // One event, built once and shared by every invocation (only the request id differs; a
    // generated body keeps the first id inside it): the emulator copies nothing per event, so
    // serving 1 MiB events costs it little more than the kernel's copy.
    let event = Arc::new(Event::new(request_id(0), body));
    let emu = Emulator::start(Script::new().prefix(&a.prefix).drained(Drained::Block))
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    for n in 1..=a.events {
        emu.push_shared(request_id(n), &event);
    }
    let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
    let spawned_at = Instant::now();
    let mut child = Command::new(&a.bootstrap)
        .env("AWS_LAMBDA_RUNTIME_API", emu.runtime_api())
        .env("AWS_LAMBDA_FUNCTION_NAME", "lambda-zero")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_REGION", "us-east-1")
        .env("_HANDLER", "bootstrap")
        .env("LAMBDA_TASK_ROOT", &cwd)
        .spawn()
        .map_err(|e| format!("cannot spawn {}: {e}", a.bootstrap))?;

    let (mut records, mut answered, mut last_next) = (Vec::<Record>::new(), 0, 0);
    let mut progress_at = Instant::now();
    let failure = loop {
        if answered >= a.events {
            break None;
        }
        // Wakes when every remaining event could be answered, or to check on the bootstrap:
        // not on every record, which would cost CPU the bootstrap under test is measured with.
        emu.wait_count(records.len() + (a.events - answered), CHECK_EVERY);
        let exited = child.try_wait().ok().flatten();
        for r in emu.records_since(records.len()) {
            if matches!(r.kind, Kind::Response | Kind::Error) {
                answered += 1;
            }
            records.push(r);
            progress_at = Instant::now();
        }
        let nexts = emu.next_requests();
        if nexts != last_next {
            (last_next, progress_at) = (nexts, Instant::now());
        }
        if answered >= a.events {
            break None;
        }
        if let Some(status) = exited {
            break Some(format!(
                "{} exited ({status}) after {answered} of {} answers",
                a.bootstrap, a.events
            ));
        }
        if progress_at.elapsed() >= STALL {
            break Some(format!(
                "nothing arrived for {} s after {answered} of {} answers",
                STALL.as_secs(),
                a.events
            ));
        }
    };
    let usage = Usage::read(child.id());
    let first_next = emu.first_next_at();
    if a.wait_exit {
        emu.shutdown();
        stop_gracefully(&mut child);
    } else {
        let _ = child.kill();
        let _ = child.wait();
        emu.shutdown();
    }
    if let Some(reason) = failure {
        return Err(reason);
    }
    let summary = Summary::new(a.events, &records, spawned_at, first_next, usage);
    let json = summary.json(a.events, size);
    if let Some(path) = &a.json_append {
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)
            .and_then(|mut f| writeln!(f, "{json}"))
            .map_err(|e| format!("cannot append to {path}: {e}"))?;
    }
    if !a.quiet {
        if a.json {
            println!("{json}");
        } else {
            summary.print(a, size);
        }
    }
    summary.verdict(a.events)
}

/// Lets `child` exit by itself (the API is closed) for at most [`EXIT_GRACE`], then kills it.
/// std has no timed wait, so this checks every 2 ms; it runs once, after the measurement.
fn stop_gracefully(child: &mut Child) {
    let since = Instant::now();
    while since.elapsed() < EXIT_GRACE {
        match child.try_wait() {
            Ok(Some(_)) | Err(_) => return,
            Ok(None) => std::thread::sleep(Duration::from_millis(2)),
        }
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A process's resource use, read from `/proc` while it is still running.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
struct Usage {
    /// Peak resident set size (`VmHWM`), KiB: anonymous memory plus the pages of the
    /// executable and shared libraries it touched.
    peak_rss_kib: Option<u64>,
    /// Resident anonymous memory (`RssAnon`, heap and stacks) when read, KiB.
    rss_anon_kib: Option<u64>,
    /// User + system CPU time of all its threads, µs (clock-tick resolution).
    cpu_us: Option<f64>,
}

impl Usage {
    fn read(pid: u32) -> Usage {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        Usage {
            peak_rss_kib: status_kib(&status, "VmHWM:"),
            rss_anon_kib: status_kib(&status, "RssAnon:"),
            cpu_us: cpu_ticks(&stat).map(|t| t as f64 * 1e6 / clock_ticks_per_sec() as f64),
        }
    }
}

/// The `field` line of `/proc/PID/status`: `VmHWM:      1234 kB` -> 1234.
fn status_kib(status: &str, field: &str) -> Option<u64> {
    let line = status.lines().find(|l| l.starts_with(field))?;
    line[field.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

/// utime + stime (fields 14 and 15 of `/proc/PID/stat`; the command name, field 2, may hold
/// spaces and parentheses, so count from the last `)`).
fn cpu_ticks(stat: &str) -> Option<u64> {
    let rest = &stat[stat.rfind(')')? + 1..];
    let mut fields = rest.split_whitespace().skip(11); // field 3 is the first after ')'
    let utime: u64 = fields.next()?.parse().ok()?;
    let stime: u64 = fields.next()?.parse().ok()?;
    Some(utime + stime)
}

/// `sysconf(_SC_CLK_TCK)` without libc: the kernel passes it in the auxiliary vector
/// (`AT_CLKTCK`, 17), readable from `/proc/self/auxv`; else Linux's usual 100.
fn clock_ticks_per_sec() -> u64 {
    const AT_CLKTCK: u64 = 17;
    let auxv = std::fs::read("/proc/self/auxv").unwrap_or_default();
    let word = |b: &[u8]| u64::from_ne_bytes(b.try_into().unwrap_or([0; 8]));
    auxv.chunks_exact(16)
        .find(|pair| word(&pair[..8]) == AT_CLKTCK)
        .map(|pair| word(&pair[8..]))
        .filter(|&t| t > 0)
        .unwrap_or(100)
}

struct Summary {
    spawn_to_first_next: Duration,
    spawn_to_first_response: Duration,
    usage: Usage,
    responses: usize,
    responses_2xx: usize,
    ok_ids: usize,
    errors: usize,
    init_errors: usize,
    invalid: usize,
    unknown: usize,
    median: Duration,
    p99: Duration,
    wall: Duration,
    first_response: String,
    first_problem: Option<String>,
}

impl Summary {
    fn new(
        events: usize,
        records: &[Record],
        spawned_at: Instant,
        first_next: Option<Instant>,
        usage: Usage,
    ) -> Summary {
        let count = |k: Kind| records.iter().filter(|r| r.kind == k).count();
        let responses: Vec<&Record> = records
            .iter()
            .filter(|r| r.kind == Kind::Response)
            .collect();
        let mut ids: Vec<&str> = responses.iter().map(|r| r.request_id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        let ok_ids = (1..=events)
            .filter(|&n| ids.binary_search(&request_id(n).as_str()).is_ok())
            .count();
        let answers: Vec<&Record> = records
            .iter()
            .filter(|r| matches!(r.kind, Kind::Response | Kind::Error))
            .collect();
        let mut lat: Vec<Duration> = answers.iter().map(|r| r.latency).collect();
        lat.sort_unstable();
        let pct = |p: f64| {
            lat.get(((lat.len() as f64 * p).ceil() as usize).saturating_sub(1))
                .copied()
                .unwrap_or_default()
        };
        let wall = match (first_next, answers.last()) {
            (Some(t0), Some(last)) => last.received_at.saturating_duration_since(t0),
            _ => Duration::ZERO,
        };
        let first_response = responses.first().map_or(String::new(), |r| {
            let text = String::from_utf8_lossy(&r.body);
            let mut end = text.len().min(200);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            text[..end].to_string()
        });
        Summary {
            spawn_to_first_next: first_next
                .map_or(Duration::ZERO, |t| t.saturating_duration_since(spawned_at)),
            spawn_to_first_response: answers.first().map_or(Duration::ZERO, |r| {
                r.received_at.saturating_duration_since(spawned_at)
            }),
            usage,
            responses: responses.len(),
            responses_2xx: responses
                .iter()
                .filter(|r| (200..300).contains(&r.status_sent))
                .count(),
            ok_ids,
            errors: count(Kind::Error),
            init_errors: count(Kind::InitError),
            invalid: count(Kind::Invalid),
            unknown: count(Kind::Unknown),
            median: pct(0.5),
            p99: pct(0.99),
            wall,
            first_response,
            first_problem: records.iter().find_map(|r| r.problem.clone()),
        }
    }

    fn invokes_per_sec(&self, events: usize) -> f64 {
        match self.wall.as_secs_f64() {
            w if w > 0.0 => events as f64 / w,
            _ => 0.0,
        }
    }

    fn print(&self, a: &Args, size: usize) {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        println!(
            "lz-emulator: served {} events of {size} B to {}",
            a.events, a.bootstrap
        );
        println!(
            "  spawn -> first /next   {:.2} ms",
            self.spawn_to_first_next.as_secs_f64() * 1e3
        );
        println!(
            "  spawn -> 1st response  {:.2} ms",
            self.spawn_to_first_response.as_secs_f64() * 1e3
        );
        println!(
            "  responses              {} (2xx answered: {})",
            self.responses, self.responses_2xx
        );
        println!("  errors                 {}", self.errors);
        println!("  init errors            {}", self.init_errors);
        println!("  invalid requests       {}", self.invalid);
        if self.unknown > 0 {
            println!("  unknown paths          {}", self.unknown);
        }
        println!("  latency median         {:.1} µs", us(self.median));
        println!("  latency p99            {:.1} µs", us(self.p99));
        println!(
            "  throughput             {} invokes/s (wall {:.1} ms)",
            thousands(self.invokes_per_sec(a.events).round() as u64),
            self.wall.as_secs_f64() * 1e3
        );
        match (self.usage.peak_rss_kib, self.usage.rss_anon_kib) {
            (Some(peak), Some(anon)) => println!(
                "  peak RSS               {:.2} MiB (anonymous now: {:.2} MiB)",
                peak as f64 / 1024.0,
                anon as f64 / 1024.0
            ),
            _ => println!("  peak RSS               ?"),
        }
        match self.usage.cpu_us {
            Some(us) => println!(
                "  CPU                    {:.0} ms, {:.1} µs per invoke (start-up included)",
                us / 1e3,
                us / a.events as f64
            ),
            None => println!("  CPU                    ?"),
        }
        println!("  first response         {}", self.first_response);
    }

    fn json(&self, events: usize, size: usize) -> String {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        let or_null = |v: Option<String>| v.unwrap_or_else(|| "null".into());
        format!(
            "{{\"events\":{events},\"size\":{size},\"spawn_to_first_next_us\":{:.1},\
             \"spawn_to_first_response_us\":{:.1},\"responses\":{},\"errors\":{},\
             \"init_errors\":{},\"invalid\":{},\"latency_median_us\":{:.1},\"latency_p99_us\":{:.1},\
             \"invokes_per_sec\":{:.0},\"wall_ms\":{:.3},\"peak_rss_kib\":{},\"rss_anon_kib\":{},\
             \"cpu_us\":{},\"cpu_per_invoke_us\":{}}}",
            us(self.spawn_to_first_next),
            us(self.spawn_to_first_response),
            self.responses,
            self.errors,
            self.init_errors,
            self.invalid,
            us(self.median),
            us(self.p99),
            self.invokes_per_sec(events),
            self.wall.as_secs_f64() * 1e3,
            or_null(self.usage.peak_rss_kib.map(|k| k.to_string())),
            or_null(self.usage.rss_anon_kib.map(|k| k.to_string())),
            or_null(self.usage.cpu_us.map(|c| format!("{c:.0}"))),
            or_null(self.usage.cpu_us.map(|c| format!("{:.2}", c / events as f64))),
        )
    }

    fn verdict(&self, events: usize) -> Result<(), String> {
        if self.invalid > 0 {
            let problem = self.first_problem.as_deref().unwrap_or("?");
            return Err(format!(
                "{} invalid request(s), first: {problem}",
                self.invalid
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
        assert_eq!(request_id(255), "00000000-0000-4000-8000-0000000000ff");
        assert_eq!(thousands(38112), "38,112");
        assert_eq!(thousands(999), "999");
    }

    #[test]
    fn proc_files_are_parsed() {
        let status =
            "Name:\tbootstrap\nVmPeak:\t    9000 kB\nVmHWM:\t     812 kB\nRssAnon:\t 48 kB\n";
        assert_eq!(status_kib(status, "VmHWM:"), Some(812));
        assert_eq!(status_kib(status, "RssAnon:"), Some(48));
        assert_eq!(status_kib("Name: x\n", "VmHWM:"), None);
        let stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 150 0 0 0 37 5 0 0 20 0 3 0";
        assert_eq!(cpu_ticks(stat), Some(42));
        assert_eq!(cpu_ticks("garbage"), None);
        let own = Usage::read(std::process::id());
        assert!(own.peak_rss_kib.is_some_and(|k| k > 0) && own.cpu_us.is_some());
        assert_eq!(
            clock_ticks_per_sec(),
            100,
            "x86_64 Linux; update if a kernel differs"
        );
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
        let a = parse("--json-append out.jsonl --wait-exit")
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.json_append.as_deref(), a.wait_exit, a.events),
            (Some("out.jsonl"), true, 1000)
        );
        for bad in [
            "--events 0",
            "--size",
            "--prefix .rt",
            "--nope",
            "--json-append",
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
