//! `lz-emulator`: spawns a `bootstrap` against the emulated Lambda Runtime API, serves it N
//! events as fast as it asks for them and prints what happened.
#![forbid(unsafe_code)]

use lambda_zero_emulator::{Drained, Emulator, Event, Kind, Record, Reply, Script};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

const USAGE: &str =
    "usage: lz-emulator [--bootstrap PATH] [--events N] [--size BYTES] [--file PATH] \
                     [--prefix P] [--quiet] [--json]";
const HELP: &str = "  --bootstrap PATH  runtime executable to spawn (default target/release/bootstrap)
  --events N        events to serve (default 1000)
  --size BYTES      size of each generated API Gateway v2 event (default 100)
  --file PATH       serve this file's bytes as every event instead
  --prefix P        path prefix of the API, e.g. /.rt (default none)
  --quiet           print nothing but failures
  --json            print the summary as one JSON object
Exit status: 0 if every event got a /response and no request was malformed, 1 otherwise, 2 on bad arguments.";
/// How many events are queued ahead of the bootstrap.
const WINDOW: usize = 4;
/// Give up when nothing arrives for this long.
const STALL: Duration = Duration::from_secs(30);

struct Args {
    bootstrap: String,
    events: usize,
    size: usize,
    file: Option<String>,
    prefix: String,
    quiet: bool,
    json: bool,
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

/// API Gateway HTTP API (v2) event shapes, richest first: (text before the body string, text after it).
fn templates(id: &str) -> [(String, &'static str); 3] {
    let full = format!(
        r#"{{"version":"2.0","routeKey":"$default","rawPath":"/","rawQueryString":"","headers":{{"accept":"*/*","content-type":"text/plain","host":"lambda-zero.execute-api.us-east-1.amazonaws.com","user-agent":"lz-emulator/0.1","x-forwarded-for":"127.0.0.1","x-forwarded-port":"443","x-forwarded-proto":"https"}},"requestContext":{{"accountId":"123456789012","apiId":"lambda-zero","domainName":"lambda-zero.execute-api.us-east-1.amazonaws.com","domainPrefix":"lambda-zero","http":{{"method":"GET","path":"/","protocol":"HTTP/1.1","sourceIp":"127.0.0.1","userAgent":"lz-emulator/0.1"}},"requestId":"{id}","routeKey":"$default","stage":"$default","time":"01/Jan/2026:00:00:00 +0000","timeEpoch":1767225600000}},"body":""#
    );
    let compact = format!(
        r#"{{"version":"2.0","routeKey":"$default","rawPath":"/","rawQueryString":"","headers":{{"host":"localhost"}},"requestContext":{{"http":{{"method":"GET","path":"/"}},"requestId":"{id}"}},"body":""#
    );
    let minimal =
        r#"{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"GET"}},"body":""#;
    [
        (full, r#"","isBase64Encoded":false}"#),
        (compact, r#"","isBase64Encoded":false}"#),
        (minimal.into(), r#""}"#),
    ]
}

/// The richest event shape that fits in `size` bytes, its body padded with `x` to exactly `size`
/// bytes; `false` if even the minimal shape is larger (it is then returned unpadded).
fn generated_event(id: &str, size: usize) -> (Vec<u8>, bool) {
    let shapes = templates(id);
    let (head, tail) = shapes
        .iter()
        .find(|(h, t)| h.len() + t.len() <= size)
        .unwrap_or(&shapes[2]);
    let pad = size.saturating_sub(head.len() + tail.len());
    let mut body = Vec::with_capacity(head.len() + pad + tail.len());
    body.extend_from_slice(head.as_bytes());
    body.resize(head.len() + pad, b'x');
    body.extend_from_slice(tail.as_bytes());
    (body, head.len() + tail.len() <= size)
}

fn request_id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}

fn run(a: &Args) -> Result<(), String> {
    let file = match &a.file {
        Some(path) => Some(std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?),
        None => None,
    };
    let make = |n: usize| {
        let id = request_id(n);
        let body = match &file {
            Some(bytes) => bytes.clone(),
            None => generated_event(&id, a.size).0,
        };
        Reply::Event(Event::new(id, body))
    };
    let size = match &file {
        Some(bytes) => bytes.len(),
        None => {
            let (body, fits) = generated_event(&request_id(0), a.size);
            if !fits && !a.quiet {
                eprintln!(
                    "lz-emulator: --size {} is below the minimal event; serving {} B events",
                    a.size,
                    body.len()
                );
            }
            body.len()
        }
    };
    let emu = Emulator::start(Script::new().prefix(&a.prefix).drained(Drained::Block))
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let mut pushed = 0;
    while pushed < a.events.min(WINDOW) {
        pushed += 1;
        emu.push(make(pushed));
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
        // Wakes on every record; the timeout only paces the child-exit and stall checks.
        emu.wait_count(records.len() + 1, Duration::from_millis(20));
        let exited = child.try_wait().ok().flatten();
        for r in emu.records_since(records.len()) {
            if matches!(r.kind, Kind::Response | Kind::Error) {
                answered += 1;
                if pushed < a.events {
                    pushed += 1;
                    emu.push(make(pushed));
                }
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
    let _ = child.kill();
    let _ = child.wait();
    let first_next = emu.first_next_at();
    emu.shutdown();
    if let Some(reason) = failure {
        return Err(reason);
    }
    let summary = Summary::new(a.events, &records, spawned_at, first_next);
    if !a.quiet {
        if a.json {
            println!("{}", summary.json(a.events, size));
        } else {
            summary.print(a, size);
        }
    }
    summary.verdict(a.events)
}

struct Summary {
    spawn_to_first_next: Duration,
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
        println!("  first response         {}", self.first_response);
    }

    fn json(&self, events: usize, size: usize) -> String {
        let us = |d: Duration| d.as_secs_f64() * 1e6;
        format!(
            "{{\"events\":{events},\"size\":{size},\"spawn_to_first_next_us\":{:.1},\"responses\":{},\"errors\":{},\
             \"init_errors\":{},\"invalid\":{},\"latency_median_us\":{:.1},\"latency_p99_us\":{:.1},\
             \"invokes_per_sec\":{:.0},\"wall_ms\":{:.3}}}",
            us(self.spawn_to_first_next),
            self.responses,
            self.errors,
            self.init_errors,
            self.invalid,
            us(self.median),
            us(self.p99),
            self.invokes_per_sec(events),
            self.wall.as_secs_f64() * 1e3
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
            let (body, fits) = generated_event(&request_id(7), size);
            assert!(fits);
            assert_eq!(body.len(), size);
            let text = String::from_utf8(body).unwrap();
            assert!(text.starts_with(r#"{"version":"2.0","#) && text.contains(r#""method":"GET""#));
        }
        let (body, fits) = generated_event(&request_id(7), 10);
        assert!(!fits && body.len() > 10);
        assert_eq!(request_id(255), "00000000-0000-4000-8000-0000000000ff");
        assert_eq!(thousands(38112), "38,112");
        assert_eq!(thousands(999), "999");
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
        for bad in ["--events 0", "--size", "--prefix .rt", "--nope"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
