//! Load runs: spawn a runtime against the emulator, serve it a fixed number of events with as
//! many in flight as it asks for (`AWS_LAMBDA_MAX_CONCURRENCY` workers each blocking in
//! `GET /next`), and measure it: latency per invocation from hand-out to response (median,
//! p99), throughput, the process's CPU time and peak RSS, and an audit that every event got
//! exactly one answer posted to its own id. `lz-emulator` is a command line over [`Load`].
//!
//! ```no_run
//! use lambda_zero_emulator::{api_gateway_v2_event, Event, Load};
//! use std::process::Command;
//! use std::sync::Arc;
//!
//! let event = Arc::new(Event::new("template", api_gateway_v2_event("template", 100)));
//! let report = Load::new(20_000, event)
//!     .concurrency(8)
//!     .random_ids(true)
//!     .run(Command::new("target/release/bootstrap"))
//!     .unwrap();
//! assert!(report.failure.is_none() && report.audit.is_clean());
//! println!("{:.0} invokes/s, p99 {:?}", report.invokes_per_sec(), report.latency.p99);
//! ```

use crate::{Drained, Emulator, Event, Kind, Record, Script};
use std::collections::{HashMap, HashSet};
use std::ffi::OsStr;
use std::process::{Child, Command};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// How often the waiting thread checks whether the runtime exited or stalled.
const CHECK_EVERY: Duration = Duration::from_millis(20);
/// How long [`Load::wait_exit`] lets the runtime take to exit once the API is closed.
const EXIT_GRACE: Duration = Duration::from_secs(5);

/// A load run, built with its methods and started with [`Load::run`].
#[derive(Debug, Clone)]
pub struct Load {
    events: usize,
    event: Arc<Event>,
    script: Script,
    concurrency: Option<usize>,
    random_ids: bool,
    wait_exit: bool,
    stall: Duration,
    threaded: bool,
}

impl Load {
    /// Serves `events` invocations of `event` (shared, not copied; each under its own request
    /// id, see [`Load::random_ids`]) on a plain [`Script`].
    pub fn new(events: usize, event: Arc<Event>) -> Load {
        Load {
            events,
            event,
            script: Script::new(),
            concurrency: None,
            random_ids: false,
            wait_exit: false,
            stall: Duration::from_secs(30),
            threaded: false,
        }
    }
    /// The script options to serve with (prefix, [`Script::hold_until_next`],
    /// [`Script::refuse_pipelining`], ...); its replies are served before the load's events,
    /// and [`Drained::Block`] is always set.
    pub fn script(mut self, script: Script) -> Load {
        self.script = script;
        self
    }
    /// Sets `AWS_LAMBDA_MAX_CONCURRENCY=n` for the runtime (Lambda Managed Instances): it
    /// then keeps up to `n` invocations in flight, each worker blocking in its own `GET /next`.
    pub fn concurrency(mut self, n: usize) -> Load {
        self.concurrency = Some(n);
        self
    }
    /// Random (UUID v4 shaped) request ids instead of `00000000-0000-4000-8000-{n:012x}`,
    /// so that an answer posted to a stale or guessed id shows up in the [`Audit`].
    pub fn random_ids(mut self, yes: bool) -> Load {
        self.random_ids = yes;
        self
    }
    /// When done, close the API and let the runtime exit by itself (at most 5 s, then kill
    /// it) instead of killing it: for wrappers such as `perf stat` that must see it exit.
    pub fn wait_exit(mut self, yes: bool) -> Load {
        self.wait_exit = yes;
        self
    }
    /// Serve with a thread per connection instead of the evented server ([`Script::evented`],
    /// the default, unless the script needs the threaded one): how the emulator served load
    /// runs until 2026-12-01; under N workers it adds N runnable threads to the machine.
    pub fn threaded(mut self, yes: bool) -> Load {
        self.threaded = yes;
        self
    }
    /// Give up when nothing arrives for this long (default 30 s).
    pub fn stall(mut self, d: Duration) -> Load {
        self.stall = d;
        self
    }

    /// The request ids this run hands out, in order.
    pub fn ids(&self) -> Vec<String> {
        let mut rng = Rng::seeded();
        (1..=self.events)
            .map(|n| {
                if self.random_ids {
                    rng.uuid()
                } else {
                    request_id(n)
                }
            })
            .collect()
    }

    /// Starts the emulator, spawns `cmd` with `AWS_LAMBDA_RUNTIME_API` pointing at it (and
    /// the usual Lambda variables unless `cmd` sets them), serves every event and measures.
    /// Returns a report also when the runtime exited or stalled ([`LoadReport::failure`]);
    /// `Err` only when the emulator or the runtime could not be started.
    pub fn run(&self, mut cmd: Command) -> Result<LoadReport, String> {
        let ids = self.ids();
        let emu = self.start()?;
        emu.push_shared_all(ids.iter().cloned(), &self.event);
        let program = self.prepare(&mut cmd, &emu)?;
        let own_at_spawn = Sched::read(std::process::id());
        let spawned_at = Instant::now();
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot spawn {program}: {e}"))?;

        let (mut records, mut answered, mut last_next) = (Vec::<Record>::new(), 0, 0);
        let mut unanswered: HashSet<&str> = ids.iter().map(String::as_str).collect();
        let (mut progress_at, mut last_count) = (Instant::now(), 0);
        let failure = loop {
            if answered >= self.events {
                break None;
            }
            // Wakes when every remaining event could be answered, or to check on the runtime:
            // not on every record, which would cost CPU the runtime under test is measured with.
            // Until then it reads two counters and nothing else: taking and auditing the
            // records as they came (as it did before 2026-12-01) held a CPU for 0.2-0.5 ms
            // every check, which stalled the server and with it every invocation in flight,
            // a periodic stall that was most of a fast runtime's p99.
            let count = emu.wait_count(self.events - answered, CHECK_EVERY);
            let exited = child.try_wait().ok().flatten();
            let nexts = emu.next_requests();
            if count != last_count || nexts != last_next {
                (last_count, last_next, progress_at) = (count, nexts, Instant::now());
            }
            let stalled = progress_at.elapsed() >= self.stall;
            if count >= self.events - answered || exited.is_some() || stalled {
                // Done when every id handed out has an answer: duplicates and answers to ids
                // never handed out do not count (the audit reports them).
                let new = emu.take_records();
                last_count = 0;
                for r in &new {
                    if matches!(r.kind, Kind::Response | Kind::Error)
                        && unanswered.remove(r.request_id.as_str())
                    {
                        answered += 1;
                    }
                }
                records.extend(new);
            }
            if answered >= self.events {
                break None;
            }
            if let Some(status) = exited {
                break Some(format!(
                    "{program} exited ({status}) after {answered} of {} answers",
                    self.events
                ));
            }
            if stalled {
                break Some(format!(
                    "nothing arrived for {} s after {answered} of {} answers",
                    self.stall.as_secs(),
                    self.events
                ));
            }
        };
        let mut usage = Usage::read(child.id());
        let own = Sched::read(std::process::id());
        usage.emulator_cpu_us = Some(own.cpu.saturating_sub(own_at_spawn.cpu).as_secs_f64() * 1e6);
        usage.emulator_runq_wait_us =
            Some(own.wait.saturating_sub(own_at_spawn.wait).as_secs_f64() * 1e6);
        let counters = Counters {
            first_next: emu.first_next_at(),
            next_requests: emu.next_requests(),
            connections: emu.connections(),
            peak_in_flight: emu.peak_in_flight(),
            pipelined: emu.pipelined(),
            refused_pipelined: emu.refused_pipelined(),
        };
        if self.wait_exit {
            emu.shutdown();
            stop_gracefully(&mut child);
        } else {
            let _ = child.kill();
            let _ = child.wait();
            emu.shutdown();
        }
        Ok(LoadReport::new(
            ids, records, spawned_at, counters, usage, failure,
        ))
    }

    /// Idle workers: spawns `cmd` with no event to serve, waits until every worker (the
    /// [`Load::concurrency`]) has sent its `GET /next` (at most the stall time), waits `settle`
    /// more (a runtime may poll with a timeout at first), then measures its CPU time and how
    /// often its threads were scheduled (`/proc/PID/task/*/schedstat`) over `window`. A runtime
    /// whose waiting workers block in `recv` shows no CPU and no wake-ups.
    pub fn idle(
        &self,
        mut cmd: Command,
        settle: Duration,
        window: Duration,
    ) -> Result<IdleReport, String> {
        let emu = self.start()?;
        let program = self.prepare(&mut cmd, &emu)?;
        let mut child = cmd
            .spawn()
            .map_err(|e| format!("cannot spawn {program}: {e}"))?;
        let workers = self.concurrency.unwrap_or(1);
        let nexts = emu.wait_next_requests(workers, self.stall);
        std::thread::sleep(settle);
        let before = (Sched::read(child.id()), child.try_wait().ok().flatten());
        std::thread::sleep(window);
        let after = Sched::read(child.id());
        let exited = child.try_wait().ok().flatten();
        let report = IdleReport {
            workers,
            next_requests: nexts,
            connections: emu.connections(),
            window,
            cpu: after.cpu.saturating_sub(before.0.cpu),
            scheduled: after.runs.saturating_sub(before.0.runs),
            threads: after.threads,
            exited: before.1.or(exited).map(|s| s.to_string()),
        };
        let _ = child.kill();
        let _ = child.wait();
        emu.shutdown();
        Ok(report)
    }
}

/// What [`Load::idle`] measured.
#[derive(Debug, Clone)]
pub struct IdleReport {
    /// Workers asked for (`AWS_LAMBDA_MAX_CONCURRENCY`).
    pub workers: usize,
    /// `GET /next` requests received (all waiting: there is no event).
    pub next_requests: usize,
    /// TCP connections accepted.
    pub connections: usize,
    /// How long it was measured.
    pub window: Duration,
    /// CPU time of its threads over the window.
    pub cpu: Duration,
    /// How many times its threads were put on a CPU over the window (wake-ups).
    pub scheduled: u64,
    /// Threads it had at the end.
    pub threads: usize,
    /// Its exit status, if it exited.
    pub exited: Option<String>,
}

/// Run time (ns) and timeslices of a process's live threads (`/proc/PID/task/*/schedstat`).
#[derive(Debug, Default, Clone, Copy)]
struct Sched {
    cpu: Duration,
    /// Time runnable but waiting for a CPU (schedstat's second field).
    wait: Duration,
    runs: u64,
    threads: usize,
}

impl Sched {
    fn read(pid: u32) -> Sched {
        let mut s = Sched::default();
        let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
            return s;
        };
        for task in tasks.flatten() {
            let Ok(stat) = std::fs::read_to_string(task.path().join("schedstat")) else {
                continue;
            };
            let mut fields = stat
                .split_whitespace()
                .map(|f| f.parse::<u64>().unwrap_or(0));
            s.cpu += Duration::from_nanos(fields.next().unwrap_or(0));
            s.wait += Duration::from_nanos(fields.next().unwrap_or(0));
            s.runs += fields.next().unwrap_or(0);
            s.threads += 1;
        }
        s
    }
}

impl Load {
    /// Starts the emulator of a run: the script, blocking when drained, evented unless
    /// [`Load::threaded`], with [`Script::lean_records`].
    fn start(&self) -> Result<Emulator, String> {
        let script = self
            .script
            .clone()
            .drained(Drained::Block)
            .lean_records(true);
        let emu = Emulator::start(script.evented(!self.threaded))
            .map_err(|e| format!("cannot start the emulator: {e}"))?;
        Ok(emu)
    }
    /// Sets `cmd` up to run against `emu`: the usual Lambda variables unless `cmd` sets
    /// them, `AWS_LAMBDA_RUNTIME_API` and the concurrency. Returns the program's name.
    fn prepare(&self, cmd: &mut Command, emu: &Emulator) -> Result<String, String> {
        let cwd = std::env::current_dir().map_err(|e| format!("no current directory: {e}"))?;
        let set: Vec<&OsStr> = cmd.get_envs().map(|(k, _)| k).collect();
        let defaults = [
            ("AWS_LAMBDA_FUNCTION_NAME", OsStr::new("lambda-zero")),
            ("AWS_LAMBDA_FUNCTION_VERSION", OsStr::new("$LATEST")),
            ("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", OsStr::new("128")),
            ("AWS_REGION", OsStr::new("us-east-1")),
            ("_HANDLER", OsStr::new("bootstrap")),
            ("LAMBDA_TASK_ROOT", cwd.as_os_str()),
        ];
        let defaults: Vec<_> = defaults
            .into_iter()
            .filter(|(k, _)| !set.contains(&OsStr::new(k)))
            .collect();
        cmd.envs(defaults);
        cmd.env("AWS_LAMBDA_RUNTIME_API", emu.runtime_api());
        if let Some(n) = self.concurrency {
            cmd.env("AWS_LAMBDA_MAX_CONCURRENCY", n.to_string());
        }
        Ok(cmd.get_program().to_string_lossy().into_owned())
    }
}

/// The deterministic request id of event `n` (1-based) when ids are not random.
pub fn request_id(n: usize) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
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

/// xorshift64*, seeded from the clock and the process id: ids differ from run to run.
struct Rng(u64);

impl Rng {
    fn seeded() -> Rng {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        Rng((nanos ^ (u64::from(std::process::id()) << 32)) | 1)
    }
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    /// `xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx` (y in 8..b), as Lambda's request ids look.
    fn uuid(&mut self) -> String {
        let (a, b) = (self.next(), self.next());
        format!(
            "{:08x}-{:04x}-4{:03x}-{:x}{:03x}-{:012x}",
            a >> 32,
            (a >> 16) & 0xffff,
            a & 0xfff,
            8 + (b >> 62),
            (b >> 48) & 0xfff,
            b & 0xffff_ffff_ffff
        )
    }
}

/// A process's resource use, read from `/proc` while it is still running.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Usage {
    /// Peak resident set size (`VmHWM`), KiB: anonymous memory plus the pages of the
    /// executable and shared libraries it touched.
    pub peak_rss_kib: Option<u64>,
    /// Resident anonymous memory (`RssAnon`, heap and stacks) when read, KiB.
    pub rss_anon_kib: Option<u64>,
    /// User + system CPU time of all its threads, µs (clock-tick resolution, 10 ms).
    pub cpu_us: Option<f64>,
    /// Threads it had when read (`Threads:`).
    pub threads: Option<u64>,
    /// CPU time of its live threads, µs, at nanosecond resolution: the sum of the first field
    /// (time on a CPU, ns) of every `/proc/PID/task/*/schedstat`. Threads that already exited
    /// are missing from it (they are in [`Usage::cpu_us`]); for a short run, or a cheap
    /// invocation, this is the one to divide by the invocations.
    pub sched_cpu_us: Option<f64>,
    /// How many times its live threads were put on a CPU (schedstat's third field): wake-ups.
    pub scheduled: Option<u64>,
    /// How long its live threads were runnable but waiting for a CPU (schedstat's second
    /// field), µs: the run-queue delay, which grows with the runnable threads per CPU.
    pub runq_wait_us: Option<f64>,
    /// The emulator's own CPU time while serving the runtime (its threads' schedstat, from
    /// spawning the runtime to reading this), µs: the server's share of the machine.
    pub emulator_cpu_us: Option<f64>,
    /// The emulator's own run-queue delay over the same span, µs.
    pub emulator_runq_wait_us: Option<f64>,
}

impl Usage {
    /// Reads `/proc/PID/status` and `/proc/PID/stat` (all `None` where unreadable).
    pub fn read(pid: u32) -> Usage {
        let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
        let sched = Some(Sched::read(pid)).filter(|s| s.threads > 0);
        Usage {
            peak_rss_kib: status_kib(&status, "VmHWM:"),
            rss_anon_kib: status_kib(&status, "RssAnon:"),
            cpu_us: cpu_ticks(&stat).map(|t| t as f64 * 1e6 / clock_ticks_per_sec() as f64),
            threads: status_kib(&status, "Threads:"),
            sched_cpu_us: sched.map(|s| s.cpu.as_secs_f64() * 1e6),
            scheduled: sched.map(|s| s.runs),
            runq_wait_us: sched.map(|s| s.wait.as_secs_f64() * 1e6),
            emulator_cpu_us: None,
            emulator_runq_wait_us: None,
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

/// utime + stime (fields 14 and 15 of `/proc/PID/stat`, the whole thread group's; the command
/// name, field 2, may hold spaces and parentheses, so count from the last `)`).
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

/// Order statistics of a set of latencies (all zero when empty).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Percentiles {
    /// How many values.
    pub count: usize,
    /// The median (nearest rank).
    pub median: Duration,
    /// The 99th percentile (nearest rank).
    pub p99: Duration,
    /// The largest.
    pub max: Duration,
}

impl Percentiles {
    /// Of `values` (in any order).
    pub fn of(mut values: Vec<Duration>) -> Percentiles {
        values.sort_unstable();
        let pct = |p: f64| {
            values
                .get(((values.len() as f64 * p).ceil() as usize).saturating_sub(1))
                .copied()
                .unwrap_or_default()
        };
        Percentiles {
            count: values.len(),
            median: pct(0.5),
            p99: pct(0.99),
            max: values.last().copied().unwrap_or_default(),
        }
    }
}

/// Did every handed-out invocation get exactly one answer (`/response` or `/error`), posted
/// to its own id? Each list holds the offending ids (at most once each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audit {
    /// Ids answered exactly once.
    pub answered_once: usize,
    /// Ids handed out that got no answer.
    pub lost: Vec<String>,
    /// Ids that got more than one answer (say, a `/response` and an `/error`).
    pub duplicated: Vec<String>,
    /// Ids answered that were never handed out.
    pub unknown: Vec<String>,
}

impl Audit {
    /// Checks `records` against the ids handed out.
    pub fn check(ids: &[String], records: &[Record]) -> Audit {
        let mut answers: HashMap<&str, usize> = ids.iter().map(|id| (id.as_str(), 0)).collect();
        let mut unknown = Vec::new();
        for r in records {
            if !matches!(r.kind, Kind::Response | Kind::Error) {
                continue;
            }
            match answers.get_mut(r.request_id.as_str()) {
                Some(n) => *n += 1,
                None if !unknown.contains(&r.request_id) => unknown.push(r.request_id.clone()),
                None => {}
            }
        }
        let mut audit = Audit {
            unknown,
            ..Audit::default()
        };
        for id in ids {
            match answers[id.as_str()] {
                0 => audit.lost.push(id.clone()),
                1 => audit.answered_once += 1,
                _ => audit.duplicated.push(id.clone()),
            }
        }
        audit.duplicated.dedup();
        audit
    }
    /// No violation: nothing lost, duplicated or unknown.
    pub fn is_clean(&self) -> bool {
        self.lost.is_empty() && self.duplicated.is_empty() && self.unknown.is_empty()
    }
}

/// Emulator counters read at the end of a run.
struct Counters {
    first_next: Option<Instant>,
    next_requests: usize,
    connections: usize,
    peak_in_flight: usize,
    pipelined: usize,
    refused_pipelined: usize,
}

/// What a [`Load`] run measured.
#[derive(Debug, Clone)]
pub struct LoadReport {
    /// The ids handed out, in order.
    pub ids: Vec<String>,
    /// Every request recorded, in arrival order.
    pub records: Vec<Record>,
    /// Why the run ended early (the runtime exited, or nothing arrived for too long).
    pub failure: Option<String>,
    /// From spawning the runtime to its first `GET /next`.
    pub spawn_to_first_next: Duration,
    /// From spawning the runtime to its first answer.
    pub spawn_to_first_response: Duration,
    /// From the first `GET /next` to the last answer received.
    pub wall: Duration,
    /// Hand-out to `/response` or `/error` received, over every answer.
    pub latency: Percentiles,
    /// Under [`Script::hold_until_next`]: hand-out to the runtime's next `GET /next` after
    /// its answer (what an invoke's caller sees), over every held answer.
    pub caller_latency: Option<Percentiles>,
    /// The runtime's resource use, read right before it was stopped.
    pub usage: Usage,
    /// Every id answered exactly once?
    pub audit: Audit,
    /// `GET /next` requests received.
    pub next_requests: usize,
    /// TCP connections accepted.
    pub connections: usize,
    /// Most invocations in flight at once.
    pub peak_in_flight: usize,
    /// Requests that arrived pipelined behind another ([`Emulator::pipelined`]).
    pub pipelined: usize,
    /// Connections closed for a pipelined request ([`Emulator::refused_pipelined`]).
    pub refused_pipelined: usize,
}

impl LoadReport {
    fn new(
        ids: Vec<String>,
        records: Vec<Record>,
        spawned_at: Instant,
        c: Counters,
        usage: Usage,
        failure: Option<String>,
    ) -> LoadReport {
        let answers = || {
            records
                .iter()
                .filter(|r| matches!(r.kind, Kind::Response | Kind::Error))
        };
        let latency = Percentiles::of(answers().map(|r| r.latency).collect());
        let held: Vec<Duration> = answers().filter_map(|r| r.caller_latency).collect();
        let caller_latency = (!held.is_empty()).then(|| Percentiles::of(held));
        let first_answer = answers().map(|r| r.received_at).min();
        let last_answer = answers().map(|r| r.received_at).max();
        let since = |t: Option<Instant>, from: Instant| {
            t.map_or(Duration::ZERO, |t| t.saturating_duration_since(from))
        };
        let wall = match (c.first_next, last_answer) {
            (Some(t0), Some(t1)) => t1.saturating_duration_since(t0),
            _ => Duration::ZERO,
        };
        let audit = Audit::check(&ids, &records);
        LoadReport {
            spawn_to_first_next: since(c.first_next, spawned_at),
            spawn_to_first_response: since(first_answer, spawned_at),
            wall,
            latency,
            caller_latency,
            usage,
            audit,
            next_requests: c.next_requests,
            connections: c.connections,
            peak_in_flight: c.peak_in_flight,
            pipelined: c.pipelined,
            refused_pipelined: c.refused_pipelined,
            ids,
            records,
            failure,
        }
    }
    /// Answers (`/response` and `/error`) per second of [`LoadReport::wall`].
    pub fn invokes_per_sec(&self) -> f64 {
        let answers = self.latency.count;
        match self.wall.as_secs_f64() {
            w if w > 0.0 => answers as f64 / w,
            _ => 0.0,
        }
    }
    /// The records of one kind.
    pub fn of_kind(&self, kind: Kind) -> impl Iterator<Item = &Record> {
        self.records.iter().filter(move |r| r.kind == kind)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn proc_files_are_parsed() {
        let status = "Name:\tbootstrap\nVmPeak:\t    9000 kB\nVmHWM:\t     812 kB\nRssAnon:\t 48 kB\nThreads:\t3\n";
        assert_eq!(status_kib(status, "VmHWM:"), Some(812));
        assert_eq!(status_kib(status, "RssAnon:"), Some(48));
        assert_eq!(status_kib(status, "Threads:"), Some(3));
        assert_eq!(status_kib("Name: x\n", "VmHWM:"), None);
        let stat = "4242 (a (weird) name) S 1 4242 4242 0 -1 4194560 150 0 0 0 37 5 0 0 20 0 3 0";
        assert_eq!(cpu_ticks(stat), Some(42));
        assert_eq!(cpu_ticks("garbage"), None);
        let own = Usage::read(std::process::id());
        assert!(own.peak_rss_kib.is_some_and(|k| k > 0) && own.cpu_us.is_some());
        assert!(own.threads.is_some_and(|t| t >= 1));
        assert!(own.sched_cpu_us.is_some_and(|us| us > 0.0));
        assert_eq!(
            clock_ticks_per_sec(),
            100,
            "x86_64 Linux; update if a kernel differs"
        );
    }

    #[test]
    fn random_ids_are_uuid_shaped_and_distinct() {
        let ids = Load::new(1000, Arc::new(Event::new("t", "{}")))
            .random_ids(true)
            .ids();
        let mut sorted = ids.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), 1000);
        for id in &ids {
            let b = id.as_bytes();
            assert_eq!(b.len(), 36, "{id}");
            assert!([8, 13, 18, 23].iter().all(|&i| b[i] == b'-'), "{id}");
            assert_eq!(b[14], b'4', "{id}");
            assert!(b"89ab".contains(&b[19]), "{id}");
        }
        assert_eq!(request_id(255), "00000000-0000-4000-8000-0000000000ff");
    }

    #[test]
    fn percentiles() {
        let ms = |n: u64| Duration::from_millis(n);
        let p = Percentiles::of((1..=100).rev().map(ms).collect());
        assert_eq!(
            (p.count, p.median, p.p99, p.max),
            (100, ms(50), ms(99), ms(100))
        );
        assert_eq!(Percentiles::of(Vec::new()), Percentiles::default());
    }
}
