//! `lz-soak`: the memory bound, measured. Spawns a `bootstrap` against the
//! emulated Runtime API, serves it events of mixed sizes for a while, and
//! samples the process's resident memory (`VmRSS` in `/proc/PID/status`)
//! once warm (every size served at least once, so the buffers are as large
//! as they will get) and at the end, plus the peak (`VmHWM`). Exits 1 when
//! RSS grew past the slack after warm-up, when an event went unanswered, or
//! when the bootstrap died. Linux only (reads `/proc`).
#![forbid(unsafe_code)]

use lambda_zero_emulator::{Drained, Emulator, Event, Kind, Script};
use std::process::{Command, ExitCode, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

const USAGE: &str = "usage: lz-soak [--bootstrap PATH] [--seconds N] [--sizes B,B,...] \
                     [--warmup SECONDS] [--slack-kib K] [--json]";
const HELP: &str =
    "  --bootstrap PATH  runtime executable to spawn (default target/release/bootstrap)
  --seconds N       how long to serve events after warm-up (default 60)
  --sizes B,B,...   event sizes in bytes, served in a fixed pseudo-random mix
                    (default 100,4096,65536,1048576,6291456)
  --warmup SECONDS  at least this long before the first sample, and until every
                    size was served once (default 2)
  --slack-kib K     RSS growth after warm-up tolerated, in KiB (default 256)
  --json            print the summary as one JSON object
Exit status: 0 if RSS did not grow past the slack and every event was answered,
1 otherwise, 2 on bad arguments.";
/// Events queued ahead of the bootstrap.
const WINDOW: usize = 4;
/// Give up when nothing happens for this long.
const STALL: Duration = Duration::from_secs(30);

struct Args {
    bootstrap: String,
    seconds: u64,
    sizes: Vec<usize>,
    warmup: u64,
    slack_kib: u64,
    json: bool,
}

fn parse_args(mut it: impl Iterator<Item = String>) -> Result<Option<Args>, String> {
    let mut a = Args {
        bootstrap: "target/release/bootstrap".into(),
        seconds: 60,
        sizes: vec![100, 4096, 65536, 1 << 20, 6 << 20],
        warmup: 2,
        slack_kib: 256,
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
        let number = |name: &str, v: &str| {
            v.trim()
                .parse::<u64>()
                .map_err(|_| format!("{name}: not a number: {v:?}"))
        };
        match flag.as_str() {
            "--help" | "-h" => return Ok(None),
            "--bootstrap" => a.bootstrap = value("--bootstrap")?,
            "--seconds" => a.seconds = number("--seconds", &value("--seconds")?)?,
            "--warmup" => a.warmup = number("--warmup", &value("--warmup")?)?,
            "--slack-kib" => a.slack_kib = number("--slack-kib", &value("--slack-kib")?)?,
            "--sizes" => {
                a.sizes = value("--sizes")?
                    .split(',')
                    .map(|s| number("--sizes", s).map(|n| n as usize))
                    .collect::<Result<_, _>>()?;
            }
            "--json" => a.json = true,
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if a.sizes.is_empty() || a.seconds == 0 {
        return Err("--sizes needs at least one size and --seconds at least 1".into());
    }
    Ok(Some(a))
}

fn main() -> ExitCode {
    match parse_args(std::env::args().skip(1)) {
        Ok(Some(args)) => match run(&args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(reason) => {
                eprintln!("lz-soak: {reason}");
                ExitCode::from(1)
            }
        },
        Ok(None) => {
            println!("{USAGE}\n{HELP}");
            ExitCode::SUCCESS
        }
        Err(msg) => {
            eprintln!("lz-soak: {msg}\n{USAGE}");
            ExitCode::from(2)
        }
    }
}

/// A JSON event of exactly `size` bytes (at least `{"p":""}`, 8 bytes).
fn event_of(size: usize) -> Event {
    let mut body = br#"{"p":""#.to_vec();
    body.resize(size.max(8) - 2, b'x');
    body.extend_from_slice(br#""}"#);
    Event::new("template", body)
}

/// `(VmRSS, VmHWM)` of `pid` in KiB.
fn memory_kib(pid: u32) -> Option<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let field = |name: &str| {
        status
            .lines()
            .find_map(|l| l.strip_prefix(name))?
            .split_whitespace()
            .next()?
            .parse::<u64>()
            .ok()
    };
    Some((field("VmRSS:")?, field("VmHWM:")?))
}

/// User + system CPU time of `pid`, in clock ticks (1/100 s on Linux).
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let f: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?)
}

/// A fixed pseudo-random sequence (xorshift64*), so every run serves the
/// same mix.
struct Mix(u64);

impl Mix {
    fn next(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n
    }
}

#[derive(Default)]
struct Tally {
    served: usize,
    answered: usize,
    responses: usize,
    errors: usize,
    invalid: usize,
    bytes: u64,
}

fn run(a: &Args) -> Result<(), String> {
    let events: Vec<Arc<Event>> = a.sizes.iter().map(|&s| Arc::new(event_of(s))).collect();
    let emu = Emulator::start(Script::new().drained(Drained::Block))
        .map_err(|e| format!("cannot start the emulator: {e}"))?;
    let mut mix = Mix(0x9E37_79B9_7F4A_7C15);
    let mut t = Tally::default();
    // The first pass serves every size once, in order: the warm-up.
    let push = |t: &mut Tally, mix: &mut Mix| {
        let k = if t.served < events.len() {
            t.served
        } else {
            mix.next(events.len())
        };
        t.served += 1;
        t.bytes += events[k].body.len() as u64;
        emu.push_shared(format!("soak-{}", t.served), &events[k]);
    };
    for _ in 0..WINDOW {
        push(&mut t, &mut mix);
    }
    let mut child = Command::new(&a.bootstrap)
        .env("AWS_LAMBDA_RUNTIME_API", emu.runtime_api())
        .env("AWS_LAMBDA_FUNCTION_NAME", "lz-soak")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .stdin(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot spawn {}: {e}", a.bootstrap))?;
    let pid = child.id();
    let started = Instant::now();
    let mut warm: Option<(Instant, u64, usize)> = None; // (when, RSS KiB, answered)
    let (mut low, mut high) = (u64::MAX, 0);
    let mut progress = Instant::now();
    let mut last_sample = Instant::now();
    let failure = loop {
        emu.wait_count(1, Duration::from_millis(20));
        for r in emu.take_records() {
            match r.kind {
                Kind::Response => t.responses += 1,
                Kind::Error => t.errors += 1,
                _ => t.invalid += 1,
            }
            if matches!(r.kind, Kind::Response | Kind::Error) {
                t.answered += 1;
                push(&mut t, &mut mix);
            }
            progress = Instant::now();
        }
        if let Ok(Some(status)) = child.try_wait() {
            break Some(format!("{} exited ({status})", a.bootstrap));
        }
        if progress.elapsed() > STALL {
            break Some(format!("nothing answered for {} s", STALL.as_secs()));
        }
        let warmed_up =
            t.answered >= events.len() && started.elapsed() >= Duration::from_secs(a.warmup);
        if warm.is_none() && warmed_up {
            let (rss, _) = memory_kib(pid).ok_or("cannot read /proc/PID/status")?;
            warm = Some((Instant::now(), rss, t.answered));
        }
        if let Some((since, _, _)) = warm {
            if last_sample.elapsed() >= Duration::from_millis(250) {
                last_sample = Instant::now();
                if let Some((rss, _)) = memory_kib(pid) {
                    (low, high) = (low.min(rss), high.max(rss));
                }
            }
            if since.elapsed() >= Duration::from_secs(a.seconds) {
                break None;
            }
        }
    };
    let end = memory_kib(pid);
    let cpu = cpu_ticks(pid);
    let _ = child.kill();
    let _ = child.wait();
    drop(emu);
    if let Some(reason) = failure {
        return Err(reason);
    }
    let (warm_at, warm_rss, warm_answered) = warm.ok_or("never warmed up")?;
    let (end_rss, peak) = end.ok_or("cannot read /proc/PID/status at the end")?;
    let (low, high) = (low.min(end_rss), high.max(end_rss));
    let secs = warm_at.elapsed().as_secs_f64();
    let measured = t.answered - warm_answered;
    let growth = end_rss as i64 - warm_rss as i64;
    let cpu_ms = cpu.unwrap_or(0) * 10;
    if a.json {
        println!(
            "{{\"seconds\":{secs:.1},\"events\":{},\"events_after_warmup\":{measured},\"errors\":{},\
             \"invalid\":{},\"mib_served\":{:.1},\"rss_warm_kib\":{warm_rss},\"rss_end_kib\":{end_rss},\
             \"rss_min_kib\":{low},\"rss_max_kib\":{high},\"vmhwm_kib\":{peak},\"growth_kib\":{growth},\
             \"cpu_ms\":{cpu_ms}}}",
            t.answered,
            t.errors,
            t.invalid,
            t.bytes as f64 / (1 << 20) as f64,
        );
    } else {
        let sizes: Vec<String> = a.sizes.iter().map(ToString::to_string).collect();
        println!(
            "lz-soak: {} for {secs:.1} s after warm-up, sizes {} B",
            a.bootstrap,
            sizes.join("/")
        );
        println!(
            "  events answered        {} ({measured} after warm-up, {:.0}/s), {:.1} MiB served",
            t.answered,
            measured as f64 / secs,
            t.bytes as f64 / (1 << 20) as f64
        );
        println!("  errors / invalid       {} / {}", t.errors, t.invalid);
        println!("  RSS after warm-up      {warm_rss} KiB");
        println!(
            "  RSS at the end         {end_rss} KiB (growth {growth:+} KiB, slack {} KiB)",
            a.slack_kib
        );
        println!("  RSS min / max sampled  {low} / {high} KiB");
        println!("  peak RSS (VmHWM)       {peak} KiB");
        println!("  CPU (user + system)    {cpu_ms} ms");
    }
    if t.invalid > 0 || t.responses == 0 {
        return Err(format!(
            "{} invalid requests, {} responses",
            t.invalid, t.responses
        ));
    }
    if growth > a.slack_kib as i64 {
        return Err(format!(
            "RSS grew by {growth} KiB after warm-up (slack {} KiB)",
            a.slack_kib
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_have_the_exact_size_and_arguments_parse() {
        for size in [8, 100, 4096] {
            assert_eq!(event_of(size).body.len(), size);
        }
        let parse = |s: &str| parse_args(s.split_whitespace().map(String::from));
        let a = parse("--seconds 5 --sizes 1,2,3 --slack-kib=10 --json")
            .unwrap()
            .unwrap();
        assert_eq!(
            (a.seconds, a.sizes, a.slack_kib, a.json),
            (5, vec![1, 2, 3], 10, true)
        );
        assert!(parse("--help").unwrap().is_none());
        for bad in ["--seconds 0", "--sizes", "--sizes a", "--nope"] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }
}
