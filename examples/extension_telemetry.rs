//! An external extension that subscribes to the Telemetry API for
//! `platform` and `function` records, counts them as the batches arrive,
//! and prints one summary line at shutdown:
//! `TELEMETRY platform=<n> function=<n> batches=<n> refused=<n>`.
//!
//! It registers for `SHUTDOWN` only (so it is not woken per invocation);
//! the batches come to its listener on the sandbox's loopback
//! (`LAMBDA_ZERO_TELEMETRY_PORT`, default 4243; 0 picks a free port). At
//! `SHUTDOWN` it waits for the last batches (quiet for 100 ms, or until
//! 300 ms before its deadline) before printing.

use lambda_zero::extension::telemetry::{Category, Listener, Subscription, DEFAULT_PORT};
use lambda_zero::extension::{self, Event, Events, Extension};
use std::convert::Infallible;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The extension's name: its file name in `/opt/extensions/`.
pub const NAME: &str = "extension_telemetry";

/// Records counted by category.
#[derive(Debug, Default)]
pub struct Counts {
    /// `platform.*` records.
    pub platform: AtomicU64,
    /// `function` records.
    pub function: AtomicU64,
}

pub fn main() {
    let port = std::env::var("LAMBDA_ZERO_TELEMETRY_PORT")
        .ok()
        .and_then(|p| p.parse().ok())
        .unwrap_or(DEFAULT_PORT);
    let mut ext =
        Extension::register(NAME, Events::SHUTDOWN).unwrap_or_else(|e| extension::exit(e));
    let counts = Arc::new(Counts::default());
    let seen = Arc::clone(&counts);
    let listener = match Listener::start(port, move |batch| {
        for record in batch.records() {
            match record.category() {
                Category::Platform => seen.platform.fetch_add(1, Ordering::Relaxed),
                Category::Function => seen.function.fetch_add(1, Ordering::Relaxed),
                _ => 0,
            };
        }
    }) {
        Ok(listener) => listener,
        Err(e) => {
            let _ = ext.init_error("Extension.TelemetryListener", &e);
            extension::exit(e)
        }
    };
    let subscription = Subscription {
        timeout_ms: 100,
        ..Subscription::default()
    };
    listener
        .subscribe(&mut ext, &subscription)
        .unwrap_or_else(|e| extension::exit(e));
    let result = ext.run(|event| {
        if let Event::Shutdown(shutdown) = event {
            let budget = shutdown
                .remaining()
                .saturating_sub(Duration::from_millis(300));
            let stats = listener.wait_quiet(Duration::from_millis(100), Instant::now() + budget);
            println!(
                "TELEMETRY platform={} function={} batches={} refused={}",
                counts.platform.load(Ordering::Relaxed),
                counts.function.load(Ordering::Relaxed),
                stats.batches,
                stats.refused
            );
        }
        Ok::<(), Infallible>(())
    });
    match result {
        Ok(()) => std::process::exit(0),
        Err(e) => extension::exit(e),
    }
}
