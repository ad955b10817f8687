//! Panics that the process cannot catch are still reported.
//!
//! A panic in `run_with_init`'s `init` is reported to `/init/error` with
//! its message, whatever the panic strategy: under `panic = "abort"` it
//! cannot be caught, so the panic hook must report it before the process
//! ends (as it reports a handler panic to `/error`); under `"unwind"` the
//! runtime catches it. A panic in an extension's handler under
//! `panic = "abort"` (how the deployed extension layer is built) is
//! reported by the same hook to `/extension/exit/error`.
//!
//! A test binary cannot choose its panic strategy, so these build small
//! function crates (offline, under `target/`) in two profiles, `dev` with
//! `panic = "abort"` and `unwind` (`dev` with `"unwind"`), and run each
//! against the emulator.

use lambda_zero::{Config, Runtime};
use lambda_zero_emulator::{Drained, Emulator, Event, Kind, Script};
use std::path::PathBuf;
use std::process::Command;

const MAIN: &str = r#"
fn main() {
    lambda_zero::run_with_init(|_config| {
        if std::env::var_os("PANIC_IN_INIT").is_some() {
            panic!("init exploded");
        }
        Ok::<_, std::convert::Infallible>(
            |_: &lambda_zero::Invocation<'_>, out: &mut lambda_zero::Output<'_>| {
                out.write_bytes(b"{}");
                Ok::<(), std::convert::Infallible>(())
            },
        )
    })
}
"#;

/// An external extension whose handler panics on `INVOKE`.
const EXTENSION_MAIN: &str = r#"
fn main() {
    lambda_zero::extension::run("ext-panics", |event| {
        if let lambda_zero::extension::Event::Invoke(_) = event {
            panic!("the extension exploded");
        }
        Ok::<(), std::convert::Infallible>(())
    })
}
"#;

/// Builds the function with cargo profile `profile` (`dev`: `panic =
/// "abort"`, `unwind`: `"unwind"`); returns its executable.
fn build_function(profile: &str) -> PathBuf {
    build("init-panics", MAIN, "", profile)
}

/// Builds crate `name` of `main`, lambda-zero with `features`, in cargo
/// profile `profile`; returns its executable.
fn build(name: &str, main: &str, features: &str, profile: &str) -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    // A directory per crate and profile: the tests run at once.
    let dir = root.join("target").join(format!("abort-{name}-{profile}"));
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let manifest = format!(
        "[package]\nname = {name:?}\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
         [dependencies]\nlambda-zero = {{ path = {:?}, features = [{features}] }}\n\n\
         [profile.dev]\npanic = \"abort\"\n\n\
         [profile.unwind]\ninherits = \"dev\"\npanic = \"unwind\"\n\n[workspace]\n",
        root.display().to_string()
    );
    std::fs::write(dir.join("Cargo.toml"), manifest).unwrap();
    std::fs::write(dir.join("src/main.rs"), main).unwrap();
    // The repository's lock file: the same dependency versions, offline.
    std::fs::copy(root.join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .args(["build", "--quiet", "--offline", "--profile", profile])
        .arg("--manifest-path")
        .arg(dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(dir.join("target"))
        .status()
        .unwrap();
    assert!(status.success(), "the {profile} function builds");
    let out = if profile == "dev" { "debug" } else { profile };
    dir.join("target").join(out).join(name)
}

#[test]
fn an_init_panic_under_panic_abort_is_reported_to_init_error() {
    init_panic_is_reported(&build_function("dev"), true);
}

#[test]
fn an_init_panic_under_panic_unwind_is_reported_with_its_message() {
    init_panic_is_reported(&build_function("unwind"), false);
}

/// `function` reports its init panic, message and all (and where, `located`),
/// then ends; without the panic it serves.
fn init_panic_is_reported(function: &std::path::Path, located: bool) {
    let emu = Emulator::start(Script::new().event(Event::new("never", "{}"))).unwrap();
    let out = Command::new(function)
        .env("AWS_LAMBDA_RUNTIME_API", emu.runtime_api())
        .env("PANIC_IN_INIT", "1")
        .env_remove("AWS_LAMBDA_MAX_CONCURRENCY")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the process ends: {stderr}");
    let records = emu.records();
    let seen: Vec<_> = records.iter().map(|r| r.kind).collect();
    assert_eq!(seen, [Kind::InitError], "stderr: {stderr}");
    assert_eq!(
        records[0].header("lambda-runtime-function-error-type"),
        Some("Runtime.Panic")
    );
    let body = records[0].body_str().unwrap();
    assert!(
        // The panic hook adds where; catch_unwind cannot.
        body.starts_with("{\"errorMessage\":\"init panicked: init exploded")
            && body.contains("init exploded at src/main.rs:") == located
            && body.ends_with("\",\"errorType\":\"Runtime.Panic\",\"stackTrace\":[]}"),
        "{body}"
    );
    assert_eq!(emu.next_requests(), 0, "no invocation after a failed init");

    // Without the panic, the same build serves.
    let emu = Emulator::start(Script::new().event(Event::new("served", "{}"))).unwrap();
    let out = Command::new(function)
        .env("AWS_LAMBDA_RUNTIME_API", emu.runtime_api())
        .env_remove("PANIC_IN_INIT")
        .env_remove("AWS_LAMBDA_MAX_CONCURRENCY")
        .output()
        .unwrap();
    assert!(!out.status.success(), "ends on the emulator's drained 500");
    let kinds: Vec<_> = emu.records().iter().map(|r| r.kind).collect();
    assert_eq!(kinds, [Kind::Response]);
}

#[test]
fn an_extension_panic_under_panic_abort_is_reported_to_exit_error() {
    let extension = build("ext-panics", EXTENSION_MAIN, "\"extension\"", "dev");
    let emu = Emulator::start(
        Script::new()
            .event(Event::new("req-0", "{}"))
            .drained(Drained::Block)
            .expect_extensions(1),
    )
    .unwrap();
    let child = Command::new(&extension)
        .env("AWS_LAMBDA_RUNTIME_API", emu.runtime_api())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // The function, so that the invocation (and with it `INVOKE`) happens.
    let endpoint = lambda_zero::internals::Endpoint::parse(&emu.runtime_api()).unwrap();
    std::thread::spawn(move || {
        let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
        rt.run(|_, out| {
            out.write_bytes(b"{}");
            Ok::<(), std::convert::Infallible>(())
        })
    });
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the extension aborts: {stderr}");
    let records = emu.records();
    let report = records
        .iter()
        .find(|r| r.kind == Kind::ExtensionExitError)
        .unwrap_or_else(|| panic!("nothing posted to /extension/exit/error; stderr: {stderr}"));
    assert_eq!(
        report.header("lambda-extension-function-error-type"),
        Some("Extension.Panic")
    );
    let body = report.body_str().unwrap();
    assert!(
        body.contains(
            "\"errorMessage\":\"extension panicked: the extension exploded at src/main.rs:"
        ),
        "{body}"
    );
}
