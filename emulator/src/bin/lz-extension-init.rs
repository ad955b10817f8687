//! `lz-extension-init`: the init time an external extension adds. Each run starts an emulator,
//! spawns the extension (if any) and the function `bootstrap` against it, as Lambda starts a
//! sandbox, and times spawn -> first invocation answered (the emulator holds the invocation until
//! every registered extension has called `event/next`). Then it sends `SHUTDOWN`, waits for the
//! extension to exit and kills the function. Configurations are interleaved (each round rotates
//! which goes first); medians per configuration and the cost each extension adds over the
//! function alone are printed. Run it pinned (`taskset -c 0`) for stable numbers.
#![forbid(unsafe_code)]

use lambda_zero_emulator::{Drained, Emulator, Event, Kind, Script};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

const USAGE: &str = "usage: lz-extension-init [--bootstrap PATH] [--extension NAME=PATH]... \
                     [--runs N] [--json]\n  --json  also print the medians as one JSON line, last";
const WAIT: Duration = Duration::from_secs(10);

struct Args {
    bootstrap: String,
    extensions: Vec<(String, String)>,
    runs: usize,
    json: bool,
}

fn parse_args() -> Result<Args, String> {
    let mut a = Args {
        bootstrap: "target/release/bootstrap".into(),
        extensions: Vec::new(),
        runs: 30,
        json: false,
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or(format!("{arg} needs a value"));
        match arg.as_str() {
            "--bootstrap" => a.bootstrap = value()?,
            "--extension" => {
                let v = value()?;
                let (name, path) = v.split_once('=').ok_or("--extension takes NAME=PATH")?;
                a.extensions.push((name.to_string(), path.to_string()));
            }
            "--runs" => {
                a.runs = value()?
                    .parse()
                    .map_err(|_| "--runs: not a number".to_string())?
            }
            "--json" => a.json = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other}")),
        }
    }
    Ok(a)
}

fn lambda_env(cmd: &mut Command, api: &str) {
    cmd.env("AWS_LAMBDA_RUNTIME_API", api)
        .env("AWS_LAMBDA_FUNCTION_NAME", "lambda-zero")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
        .env("AWS_REGION", "us-east-1")
        .env("_HANDLER", "bootstrap")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
}

fn spawn(path: &str, api: &str) -> Result<Child, String> {
    let mut cmd = Command::new(path);
    lambda_env(&mut cmd, api);
    cmd.spawn().map_err(|e| format!("cannot spawn {path}: {e}"))
}

/// One run: spawn -> first invocation answered.
fn run_once(bootstrap: &str, extension: Option<&str>) -> Result<Duration, String> {
    let script = Script::new()
        .event(Event::new("init-0", "{}"))
        .drained(Drained::Block)
        .expect_extensions(usize::from(extension.is_some()));
    let emu = Emulator::start(script).map_err(|e| format!("emulator: {e}"))?;
    let api = emu.runtime_api();
    let start = Instant::now();
    let mut ext = extension.map(|p| spawn(p, &api)).transpose()?;
    let mut function = spawn(bootstrap, &api)?;
    let expected = 1 + usize::from(ext.is_some());
    let records = emu.wait_records(expected, WAIT);
    let answered = records
        .iter()
        .find(|r| r.kind == Kind::Response)
        .map(|r| r.received_at.saturating_duration_since(start));
    let mut outcome = answered.ok_or_else(|| "no answer within 10 s".to_string());
    if let Some(child) = ext.as_mut() {
        // Done with SHUTDOWN: exited, or asked for the next event (the
        // official crate's loop does; Lambda then kills the process).
        if emu.shutdown_extensions("spindown", WAIT) != 1 {
            outcome = Err("the extension did not finish its SHUTDOWN".into());
        }
        if let Ok(Some(status)) = child.try_wait() {
            if !status.success() {
                outcome = Err(format!("the extension exited with {status}"));
            }
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    let _ = function.kill();
    let _ = function.wait();
    outcome
}

fn median(v: &mut [Duration]) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> ExitCode {
    let args = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            if !e.is_empty() {
                eprintln!("lz-extension-init: {e}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut configs: Vec<(String, Option<String>)> = vec![("function only".into(), None)];
    configs.extend(
        args.extensions
            .iter()
            .map(|(n, p)| (n.clone(), Some(p.clone()))),
    );
    let mut times: Vec<Vec<Duration>> = vec![Vec::new(); configs.len()];
    for round in 0..args.runs {
        for k in 0..configs.len() {
            let i = (k + round) % configs.len();
            match run_once(&args.bootstrap, configs[i].1.as_deref()) {
                Ok(t) => times[i].push(t),
                Err(e) => {
                    eprintln!("lz-extension-init: {}: {e}", configs[i].0);
                    return ExitCode::FAILURE;
                }
            }
        }
    }
    let medians: Vec<Duration> = times.iter_mut().map(|t| median(t)).collect();
    let base = medians[0];
    let us = |d: Duration| d.as_secs_f64() * 1e6;
    println!(
        "spawn -> first invocation answered, medians of {} interleaved runs:",
        args.runs
    );
    for ((name, _), m) in configs.iter().zip(&medians) {
        println!(
            "  {name:<24} {:>8.0} us   (+{:.0} us over the function alone)",
            us(*m),
            us(m.saturating_sub(base))
        );
    }
    if args.json {
        let items: Vec<String> = configs
            .iter()
            .zip(&medians)
            .map(|((name, _), m)| {
                format!(
                    "{{\"name\":\"{name}\",\"median_us\":{:.0},\"added_us\":{:.0}}}",
                    us(*m),
                    us(m.saturating_sub(base))
                )
            })
            .collect();
        println!(
            "{{\"runs\":{},\"configs\":[{}]}}",
            args.runs,
            items.join(",")
        );
    }
    ExitCode::SUCCESS
}
