//! Graceful shutdown on `SIGTERM` (cargo feature `sigterm`).
//!
//! When a function has extensions, Lambda sends the runtime `SIGTERM` at
//! shutdown and `SIGKILL` 500 ms later. With this feature the `run`
//! functions start a watcher thread (blocked in `signal-hook`'s self-pipe,
//! off the hot path); on `SIGTERM` it lets the invocations in flight be
//! answered for up to [`GRACE`], flushes stdout and exits 0. An idle
//! runtime (waiting in `GET /next`) exits at once.
//!
//! std has no signal API and this crate forbids `unsafe`, hence the
//! optional dependency; without the feature, `SIGTERM` ends the process
//! the default way (killed by the signal).

use std::io::{self, Write as _};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Longest wait for invocations in flight before exiting (Lambda allows
/// 500 ms in all).
pub const GRACE: Duration = Duration::from_millis(400);

static IN_FLIGHT: AtomicUsize = AtomicUsize::new(0);

/// Run once on `SIGTERM`, after the invocations in flight, before the exit
/// (internal extensions flushing, see `extension::on_sigterm`).
type Hook = Box<dyn FnOnce() + Send>;
static HOOKS: std::sync::Mutex<Vec<Hook>> = std::sync::Mutex::new(Vec::new());

/// Adds `hook` to what runs on `SIGTERM` before the process exits.
pub(crate) fn before_exit(hook: Hook) {
    HOOKS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(hook);
}

/// An invocation was handed to a handler.
pub(crate) fn begin() {
    IN_FLIGHT.fetch_add(1, Ordering::AcqRel);
}

/// That invocation was answered (or given up).
pub(crate) fn end() {
    IN_FLIGHT.fetch_sub(1, Ordering::AcqRel);
}

/// Starts the `SIGTERM` watcher (the `run` functions do; call it yourself
/// when driving a [`Runtime`](crate::Runtime) directly).
pub fn install() -> io::Result<()> {
    let mut signals = signal_hook::iterator::Signals::new([signal_hook::consts::SIGTERM])?;
    std::thread::Builder::new()
        .name("lambda-zero-sigterm".into())
        .spawn(move || {
            if signals.forever().next().is_some() {
                let deadline = Instant::now() + GRACE;
                // Shutdown path only: a bounded wait, polling a counter the
                // hot path updates without locks.
                while IN_FLIGHT.load(Ordering::Acquire) > 0 && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                let hooks = std::mem::take(
                    &mut *HOOKS
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner),
                );
                for hook in hooks {
                    hook();
                }
                crate::runtime::log::write(
                    crate::runtime::log::Level::Info,
                    format_args!("lambda-zero: SIGTERM, exiting"),
                );
                let _ = io::stdout().flush();
                std::process::exit(0);
            }
        })?;
    Ok(())
}
