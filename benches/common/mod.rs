//! What the process-level benches share: building and finding the bootstraps they measure,
//! spawning one against an in-process emulator, and printing medians and ratios.
//!
//! Everything binds `127.0.0.1` only (the emulator binds `127.0.0.1:0`).
#![allow(dead_code)] // each bench uses its own part of this module

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// Longest a bench waits for a bootstrap to answer before failing (a hang guard, never a
/// measurement).
pub const HANG_GUARD: Duration = Duration::from_secs(30);

/// One runtime under test.
#[derive(Debug, Clone)]
pub struct Runtime {
    /// Short name used in bench ids (`lambda-zero`, `official`).
    pub name: &'static str,
    /// The executable.
    pub bootstrap: PathBuf,
}

/// The repository root (this crate's manifest directory).
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Builds lambda-zero's release `bootstrap` (`cargo build --release --bin bootstrap`) and
/// returns its path; `LZ_BENCH_PROFILE=lambda` measures another Cargo profile's build instead
/// (e.g. the deployed one). Panics with the reason if it cannot.
pub fn lambda_zero() -> Runtime {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let profile = std::env::var("LZ_BENCH_PROFILE").unwrap_or_else(|_| "release".into());
    let out = Command::new(cargo)
        .current_dir(root())
        .args(["build", "--profile", &profile, "--bin", "bootstrap"])
        .args(["--message-format", "json-render-diagnostics"])
        .stderr(Stdio::inherit())
        .output()
        .unwrap_or_else(|e| panic!("benches: cannot run `cargo build --release`: {e}"));
    if !out.status.success() {
        panic!(
            "benches: `cargo build --profile {profile} --bin bootstrap` failed ({}); \
             the benches measure that bootstrap and cannot run without it",
            out.status
        );
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    let bootstrap = stdout
        .lines()
        .filter(|l| l.contains("\"compiler-artifact\""))
        .filter_map(|l| json_string(l, "executable"))
        .find(|p| Path::new(p).file_name().is_some_and(|n| n == "bootstrap"))
        .map(PathBuf::from)
        .unwrap_or_else(|| panic!("benches: cargo built no `bootstrap` executable"));
    Runtime {
        name: "lambda-zero",
        bootstrap,
    }
}

/// A prebuilt runtime at `default` (or at the path in the environment variable `var`), if
/// it is there; otherwise prints how to build it and returns `None` (its part is skipped).
fn prebuilt(name: &'static str, var: &str, default: &str, how: &str) -> Option<Runtime> {
    let bootstrap = std::env::var_os(var)
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join(default));
    if bootstrap.is_file() {
        eprintln!("note: {name}: {}", bootstrap.display());
        Some(Runtime { name, bootstrap })
    } else {
        eprintln!(
            "note: {} not found: {name} is skipped ({how})",
            bootstrap.display()
        );
        None
    }
}

/// The official-runtime peer (`benches/official`), if `scripts/build-official.sh` built it.
/// `LZ_OFFICIAL_BOOTSTRAP` overrides the path.
pub fn official() -> Option<Runtime> {
    prebuilt(
        "official",
        "LZ_OFFICIAL_BOOTSTRAP",
        "target/official/release/bootstrap",
        "build it with scripts/build-official.sh",
    )
}

/// The official runtime's Managed Instances peer (`bootstrap-mi`, `run_concurrent`), if
/// `scripts/build-official.sh` built it. `LZ_OFFICIAL_MI_BOOTSTRAP` overrides the path.
pub fn official_mi() -> Option<Runtime> {
    prebuilt(
        "official",
        "LZ_OFFICIAL_MI_BOOTSTRAP",
        "target/official/release/bootstrap-mi",
        "build it with scripts/build-official.sh",
    )
}

/// The deployed static build of the default bootstrap, if `scripts/build.sh` built it (it
/// needs the musl target; measured when present, beside the release build).
/// `LZ_STATIC_BOOTSTRAP` overrides the path.
pub fn deployed() -> Option<Runtime> {
    prebuilt(
        "lambda-zero-static",
        "LZ_STATIC_BOOTSTRAP",
        "target/lambda/bootstrap/bootstrap",
        "build it with scripts/build.sh to measure it too",
    )
}

/// The cold-start floor (`benches/floor/bootstrap.c`, static musl), if
/// `scripts/build-floor.sh` built it. `LZ_FLOOR_BOOTSTRAP` overrides the path.
pub fn floor() -> Option<Runtime> {
    prebuilt(
        "floor",
        "LZ_FLOOR_BOOTSTRAP",
        "target/floor/bootstrap-musl",
        "build it with scripts/build-floor.sh",
    )
}

/// Drops `file` from the page cache (`scripts/evict.sh`: `posix_fadvise(POSIX_FADV_DONTNEED)`
/// through GNU dd), so the next exec reads it from disk. Returns whether it worked.
pub fn evict(file: &Path) -> bool {
    Command::new(root().join("scripts/evict.sh"))
        .arg(file)
        .status()
        .is_ok_and(|s| s.success())
}

/// Every runtime there is: lambda-zero's release build, the deployed static build, the
/// official peer.
pub fn runtimes() -> Vec<Runtime> {
    let mut all = vec![lambda_zero()];
    all.extend(deployed());
    all.extend(official());
    all
}

/// The string value of `"key":"…"` in one line of JSON (no escapes expected in paths).
fn json_string(line: &str, key: &str) -> Option<String> {
    let pat = format!("\"{key}\":\"");
    let start = line.find(&pat)? + pat.len();
    let len = line[start..].find('"')?;
    Some(line[start..start + len].to_string())
}

/// Spawns `bootstrap` the way Lambda does, against `runtime_api` (output discarded).
pub fn spawn(bootstrap: &Path, runtime_api: &str) -> Child {
    spawn_with(bootstrap, runtime_api, &[])
}

/// [`spawn`] with more environment variables (`AWS_LAMBDA_MAX_CONCURRENCY`).
pub fn spawn_with(bootstrap: &Path, runtime_api: &str, extra: &[(&str, &str)]) -> Child {
    Command::new(bootstrap)
        .env_clear()
        .envs(extra.iter().copied())
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "lambda-zero")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_REGION", "us-east-1")
        .env("_HANDLER", "bootstrap")
        .env("LAMBDA_TASK_ROOT", root())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot spawn {}: {e}", bootstrap.display()))
}

/// Kills and reaps `child` (it never exits by itself: it is waiting for the next event).
pub fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Paired samples for the summary: after criterion's runs, each bench measures the runtimes
/// again in alternation (lambda-zero, official, lambda-zero, ...; see [`Samples::alternate`]),
/// so drift on a shared machine (other builds, noisy neighbours) hits both alike; the ratios
/// come from these.
#[derive(Debug, Default)]
pub struct Samples {
    rows: Vec<(String, &'static str, Vec<Duration>)>,
}

impl Samples {
    /// Records one sample.
    pub fn add(&mut self, metric: &str, runtime: &'static str, d: Duration) {
        match self
            .rows
            .iter_mut()
            .find(|(m, r, _)| m == metric && *r == runtime)
        {
            Some((_, _, v)) => v.push(d),
            None => self.rows.push((metric.to_string(), runtime, vec![d])),
        }
    }

    /// Measures every runtime `rounds` times, alternating in blocks of `block` samples
    /// (lambda-zero × block, official × block, ...). Within a block the samples run back to
    /// back; the first of each block only warms up again after the switch (caches, and on
    /// this VM a vCPU that went idle wakes up slowly) and is not recorded.
    pub fn alternate<T>(
        &mut self,
        metric: &str,
        rounds: usize,
        block: usize,
        subjects: &mut [(&'static str, T)],
        mut measure: impl FnMut(&mut T) -> Duration,
    ) {
        let warm_up = usize::from(block > 1);
        for _ in 0..rounds.div_ceil(block) {
            for (name, subject) in subjects.iter_mut() {
                for i in 0..block + warm_up {
                    let d = measure(subject);
                    if i >= warm_up {
                        self.add(metric, name, d);
                    }
                }
            }
        }
    }

    fn median(&self, metric: &str, runtime: &str) -> Option<Duration> {
        let (_, _, v) = self
            .rows
            .iter()
            .find(|(m, r, _)| m == metric && *r == runtime)?;
        let mut v = v.clone();
        v.sort_unstable();
        v.get(v.len() / 2).copied()
    }

    /// Writes the medians (ns) to `target/bench-summary/{bench}.json` for
    /// `scripts/perf-report.sh`: `{"metric": {"runtime": median_ns, ...}, ...}`.
    pub fn save(&self, bench: &str) {
        let mut json = String::from("{");
        let mut metrics: Vec<&str> = Vec::new();
        for (m, _, _) in &self.rows {
            if !metrics.contains(&m.as_str()) {
                metrics.push(m);
            }
        }
        for (i, m) in metrics.iter().enumerate() {
            let sep = if i == 0 { "" } else { "," };
            json.push_str(&format!("{sep}\n  \"{m}\": {{"));
            let runtimes = self.rows.iter().filter(|(mm, _, _)| mm == m);
            for (j, (_, r, _)) in runtimes.enumerate() {
                let ns = self.median(m, r).map_or(0, |d| d.as_nanos());
                let sep = if j == 0 { "" } else { ", " };
                json.push_str(&format!("{sep}\"{r}\": {ns}"));
            }
            json.push('}');
        }
        json.push_str("\n}\n");
        let dir = root().join("target/bench-summary");
        let written = std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(dir.join(format!("{bench}.json")), json));
        if let Err(e) = written {
            eprintln!("note: cannot save the summary in {}: {e}", dir.display());
        }
    }

    /// Prints, per metric, each runtime's median, each lambda-zero build's ratio to the
    /// official runtime and every runtime's ratio to the floor (when they were measured).
    pub fn print_summary(&self, title: &str) {
        let (mut metrics, mut names): (Vec<&str>, Vec<&str>) = (Vec::new(), Vec::new());
        for (m, r, _) in &self.rows {
            if !metrics.contains(&m.as_str()) {
                metrics.push(m);
            }
            if !names.contains(r) {
                names.push(r);
            }
        }
        let Some(first) = self.rows.first() else {
            return;
        };
        let ours: Vec<&str> = names
            .iter()
            .copied()
            .filter(|n| *n != "official" && *n != "floor")
            .collect();
        let has_official = names.contains(&"official");
        let above: Vec<&str> = if names.contains(&"floor") {
            names.iter().copied().filter(|n| *n != "floor").collect()
        } else {
            Vec::new()
        };
        println!(
            "\n{title}: medians of {} samples per runtime, alternating, this run",
            first.2.len()
        );
        print!("{:<26}", "metric");
        for n in &names {
            print!(" {n:>18}");
        }
        if has_official {
            for n in &ours {
                print!(" {:>28}", format!("{n}/official"));
            }
        }
        for n in &above {
            print!(" {:>25}", format!("{n}/floor"));
        }
        println!();
        let ratio = |a: Option<Duration>, b: Option<Duration>| match (a, b) {
            (Some(a), Some(b)) if !b.is_zero() => {
                format!("{:.2}x", a.as_secs_f64() / b.as_secs_f64())
            }
            _ => "-".to_string(),
        };
        for m in metrics {
            print!("{m:<26}");
            for n in &names {
                print!(" {:>18}", self.median(m, n).map_or("-".to_string(), human));
            }
            if has_official {
                let official = self.median(m, "official");
                for n in &ours {
                    print!(" {:>28}", ratio(self.median(m, n), official));
                }
            }
            let floor = self.median(m, "floor");
            for n in &above {
                print!(" {:>25}", ratio(self.median(m, n), floor));
            }
            println!();
        }
    }
}

/// `1.23 ms`, `45.6 µs`.
pub fn human(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us >= 1000.0 {
        format!("{:.3} ms", us / 1e3)
    } else {
        format!("{us:.1} µs")
    }
}

/// True under `cargo bench` (criterion gets `--bench`), false under `cargo test --benches`,
/// where each bench runs once as a smoke test and the paired pass is skipped.
pub fn is_bench_run() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// A running bootstrap and the emulator it talks to, serving one API Gateway v2 event body
/// under a fresh request id each time ([`Served::next_id`]).
pub struct Served {
    pub emu: lambda_zero_emulator::Emulator,
    pub child: Child,
    pub event: std::sync::Arc<lambda_zero_emulator::Event>,
    pub name: &'static str,
    serial: u64,
}

impl Served {
    /// Starts an emulator that blocks when drained and spawns `rt` against it, with the
    /// environment of [`spawn_with`]; the event body is `event_size` bytes.
    pub fn start(rt: &Runtime, event_size: usize, extra: &[(&str, &str)]) -> Served {
        Served::start_on(false, rt, event_size, extra)
    }

    /// [`Served::start`] on the emulator's event loop (`Script::evented`), the server of
    /// `scripts/load.sh --mi`: one thread for all connections, as the real Runtime API.
    pub fn start_evented(rt: &Runtime, event_size: usize, extra: &[(&str, &str)]) -> Served {
        Served::start_on(true, rt, event_size, extra)
    }

    fn start_on(evented: bool, rt: &Runtime, event_size: usize, extra: &[(&str, &str)]) -> Served {
        use lambda_zero_emulator::{api_gateway_v2_event, Drained, Emulator, Event, Script};
        let script = Script::new().drained(Drained::Block).evented(evented);
        let emu = Emulator::start(script).expect("start emulator");
        let child = spawn_with(&rt.bootstrap, &emu.runtime_api(), extra);
        let id = request_id(0);
        let event = std::sync::Arc::new(Event::new(
            id.clone(),
            api_gateway_v2_event(&id, event_size),
        ));
        Served {
            emu,
            child,
            event,
            name: rt.name,
            serial: 0,
        }
    }

    /// The next request id (`00000000-0000-4000-8000-…`, counting up).
    pub fn next_id(&mut self) -> String {
        self.serial += 1;
        request_id(self.serial)
    }

    pub fn stop(self) {
        stop(self.child);
        self.emu.shutdown();
    }
}

/// The request id of event `n`.
pub fn request_id(n: u64) -> String {
    format!("00000000-0000-4000-8000-{n:012x}")
}
