//! Lambda extensions on the same zero-allocation client as the runtime:
//! the Extensions API (`/2020-01-01/extension/…`) and the Telemetry API
//! (`/2022-07-01/telemetry`, received by [`telemetry::Listener`]).
//!
//! ```text
//! register ──> Extension ──> next_event() ──> handler(&Event) ──> … ──> SHUTDOWN ──> exit 0
//!                 │ one Connection, pre-built GET /event/next, events borrowed from its buffer
//!                 └─ subscribe_telemetry ──> telemetry::Listener (loopback, one reused buffer)
//! ```
//!
//! # External extensions
//!
//! An executable in `/opt/extensions/` (a layer), started by Lambda before
//! the function. Its name must be its file name:
//!
//! ```no_run
//! use lambda_zero::extension::Event;
//!
//! lambda_zero::extension::run("extension_logger", |event| {
//!     match event {
//!         Event::Invoke(invoke) => println!("INVOKE {}", invoke.request_id),
//!         Event::Shutdown(shutdown) => println!("SHUTDOWN {}", shutdown.reason),
//!         _ => {}
//!     }
//!     Ok::<(), std::convert::Infallible>(())
//! })
//! ```
//!
//! [`run`] registers for `INVOKE` and `SHUTDOWN`, hands every event to the
//! handler and exits 0 once the `SHUTDOWN` handler returned (it has until
//! [`Shutdown::deadline_ms`], 2 s in all for external extensions, to
//! flush). When the API refuses the registration, answers `event/next`
//! with an error status or drops the connection, it prints one line,
//! `lambda-zero: fatal: …`, to stderr and exits 1, like the runtime. A
//! handler error or panic is reported to `/extension/exit/error` first,
//! whatever the panic strategy: under `panic = "abort"` (the deployed
//! layer's build) the panic hook posts it before the process ends.
//!
//! # Internal extensions
//!
//! A thread inside the function process. Lambda requires it to register
//! before the runtime's first `GET /next`, so start it before
//! [`crate::run`]: [`spawn`] registers on the calling thread and returns
//! only once the registration is answered, then serves the events on its
//! own thread, beside the function's invocations.
//!
//! ```no_run
//! use lambda_zero::extension::{self, Event};
//! use std::sync::atomic::{AtomicU64, Ordering};
//!
//! static SEEN: AtomicU64 = AtomicU64::new(0);
//!
//! extension::spawn("in-process-counter", |event| {
//!     if let Event::Invoke(_) = event {
//!         SEEN.fetch_add(1, Ordering::Relaxed);
//!     }
//!     Ok::<(), std::convert::Infallible>(())
//! })
//! .unwrap_or_else(|e| extension::exit(e));
//! lambda_zero::run(|_inv, out| {
//!     out.write_bytes(SEEN.load(Ordering::Relaxed).to_string().as_bytes());
//!     Ok::<(), std::convert::Infallible>(())
//! })
//! ```
//!
//! Internal extensions may not register for `SHUTDOWN` (Lambda refuses
//! it): at shutdown the function process gets `SIGTERM` instead, and has
//! 500 ms in all. With the `sigterm` feature, `on_sigterm` registers a
//! flush that runs once the invocations in flight are answered, right
//! before the process exits 0.
//!
//! # Zero allocation
//!
//! Once registered, a warm event (`GET /event/next`, its answer read into
//! the reused buffer, the JSON scanned in place, the handler called with
//! borrowed views) allocates nothing; the telemetry listener receives and
//! scans each batch in one buffer sized at start. Registration, errors
//! and shutdown may allocate.

mod client;
mod event;
pub mod telemetry;

pub use client::{Extension, Registration, MAX_BAD_EVENTS_IN_A_ROW};
pub use event::{Event, Invoke, Shutdown, Tracing};

use crate::HandlerError;
use std::fmt;
use std::io;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::thread::JoinHandle;

/// `errorType` reported to `/extension/exit/error` when the handler panics.
pub const PANIC_ERROR_TYPE: &str = crate::runtime::abort::EXTENSION_PANIC;

/// Which events to register for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Events {
    /// `INVOKE`: one per invocation of the function.
    pub invoke: bool,
    /// `SHUTDOWN`: one when the sandbox shuts down (external extensions
    /// only).
    pub shutdown: bool,
}

impl Events {
    /// `INVOKE` and `SHUTDOWN` (what [`run`] registers for).
    pub const ALL: Events = Events {
        invoke: true,
        shutdown: true,
    };
    /// `INVOKE` only (what [`spawn`] registers for: internal extensions
    /// may not register for `SHUTDOWN`).
    pub const INVOKE: Events = Events {
        invoke: true,
        shutdown: false,
    };
    /// `SHUTDOWN` only (a telemetry extension that is not woken per
    /// invocation).
    pub const SHUTDOWN: Events = Events {
        invoke: false,
        shutdown: true,
    };

    /// The registration body.
    fn json(self) -> &'static str {
        match (self.invoke, self.shutdown) {
            (true, true) => r#"{"events":["INVOKE","SHUTDOWN"]}"#,
            (true, false) => r#"{"events":["INVOKE"]}"#,
            (false, true) => r#"{"events":["SHUTDOWN"]}"#,
            (false, false) => r#"{"events":[]}"#,
        }
    }
}

/// Why an extension stopped.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// The Extensions or Telemetry API failed: not configured, unreachable,
    /// an error status, a connection lost (see [`crate::RuntimeError`]).
    Api(crate::RuntimeError),
    /// The API answered something unusable.
    Protocol {
        /// The request concerned.
        during: &'static str,
        /// What was wrong with the answer.
        reason: &'static str,
    },
    /// The handler failed or panicked; reported to `/extension/exit/error`.
    Handler {
        /// The `errorType` reported.
        error_type: String,
        /// The `errorMessage` reported.
        message: String,
    },
    /// The operating system refused something (binding the telemetry
    /// listener, starting a thread).
    Io {
        /// What was being done.
        during: &'static str,
        /// The OS error.
        source: io::Error,
    },
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Api(e) => e.fmt(f),
            Error::Protocol { during, reason } => write!(f, "{during}: {reason}"),
            Error::Handler {
                error_type,
                message,
            } => write!(
                f,
                "the extension failed (reported to /extension/exit/error): {error_type}: {message}"
            ),
            Error::Io { during, source } => write!(f, "{during}: {source}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Api(e) => Some(e),
            Error::Io { source, .. } => Some(source),
            _ => None,
        }
    }
}

impl From<crate::RuntimeError> for Error {
    fn from(e: crate::RuntimeError) -> Error {
        Error::Api(e)
    }
}

impl HandlerError for Error {}

impl Extension {
    /// Hands every event to `handler` until the `SHUTDOWN` event has been
    /// handled (then `Ok`) or something fails. A handler error or panic is
    /// reported to `/extension/exit/error` and returned as
    /// [`Error::Handler`].
    pub fn run<F, E>(&mut self, mut handler: F) -> Result<(), Error>
    where
        F: FnMut(&Event<'_>) -> Result<(), E>,
        E: HandlerError,
    {
        // Under `panic = "abort"` a handler panic cannot be caught: the
        // panic hook reports it for this thread (a no-op when it unwinds).
        if crate::runtime::abort::ABORTS {
            crate::runtime::abort::extension(Some(self.panic_report(PANIC_ERROR_TYPE)));
        }
        let outcome = self.serve(&mut handler);
        crate::runtime::abort::extension(None);
        outcome
    }

    fn serve<F, E>(&mut self, handler: &mut F) -> Result<(), Error>
    where
        F: FnMut(&Event<'_>) -> Result<(), E>,
        E: HandlerError,
    {
        loop {
            let event = self.next_event()?;
            let shutdown = matches!(event, Event::Shutdown(_));
            // The error's own `error_type` and `Display` are the user's code
            // too: run them under the same `catch_unwind`, so a panic in them
            // is reported as a panic instead of escaping `run`.
            let failed = match catch_unwind(AssertUnwindSafe(|| {
                handler(&event)
                    .err()
                    .map(|e| (e.error_type().to_owned(), e.to_string()))
            })) {
                Ok(failed) => failed,
                // With its message, as the abort hook reports it.
                Err(payload) => Some((
                    PANIC_ERROR_TYPE.to_owned(),
                    crate::runtime::panic_report("extension", &payload)
                        .error_message
                        .to_string(),
                )),
            };
            if let Some((error_type, message)) = failed {
                if let Err(e) = self.exit_error(&error_type, &message) {
                    crate::runtime::log::write(
                        crate::runtime::log::Level::Warn,
                        format_args!("lambda-zero: extension: could not report the failure: {e}"),
                    );
                }
                return Err(Error::Handler {
                    error_type,
                    message,
                });
            }
            if shutdown {
                return Ok(());
            }
        }
    }

    /// Serves the events on a thread of its own (an internal extension,
    /// see [`spawn`]); a failure there ends the process like [`exit`].
    pub fn spawn<F, E>(mut self, handler: F) -> Result<JoinHandle<()>, Error>
    where
        F: FnMut(&Event<'_>) -> Result<(), E> + Send + 'static,
        E: HandlerError,
    {
        std::thread::Builder::new()
            .name("lambda-zero-extension".into())
            .spawn(move || {
                if let Err(e) = self.run(handler) {
                    exit(e)
                }
            })
            .map_err(|source| Error::Io {
                during: "starting the extension thread",
                source,
            })
    }
}

/// Runs an external extension: registers `name` (its file name in
/// `/opt/extensions/`) for `INVOKE` and `SHUTDOWN`, hands every event to
/// `handler`, and exits 0 once the `SHUTDOWN` event is handled. Exits 1
/// with one line on stderr when anything fails (see the module docs).
pub fn run<F, E>(name: &str, handler: F) -> !
where
    F: FnMut(&Event<'_>) -> Result<(), E>,
    E: HandlerError,
{
    let mut ext = Extension::register(name, Events::ALL).unwrap_or_else(|e| exit(e));
    match ext.run(handler) {
        Ok(()) => {
            let _ = io::Write::flush(&mut io::stdout());
            std::process::exit(0)
        }
        Err(e) => exit(e),
    }
}

/// Starts an internal extension: registers `name` for `INVOKE` now (so
/// call it before [`crate::run`]: Lambda requires internal extensions to
/// register before the runtime's first `GET /next`), then serves its
/// events on a thread of its own. A failure on that thread ends the
/// process like [`exit`].
pub fn spawn<F, E>(name: &str, handler: F) -> Result<JoinHandle<()>, Error>
where
    F: FnMut(&Event<'_>) -> Result<(), E> + Send + 'static,
    E: HandlerError,
{
    Extension::register(name, Events::INVOKE)?.spawn(handler)
}

/// Runs `flush` on `SIGTERM`, once the invocations in flight are answered
/// (up to the runtime's grace period) and right before the process exits 0:
/// where an internal extension sends what it buffered. Keep it short:
/// Lambda kills the process 500 ms after `SIGTERM`. Needs the `run`
/// functions' `SIGTERM` watcher (feature `sigterm`).
#[cfg(feature = "sigterm")]
pub fn on_sigterm(flush: impl FnOnce() + Send + 'static) {
    crate::runtime::shutdown::before_exit(Box::new(flush));
}

/// Ends the process the way [`run`] does on a failure: stdout flushed, the
/// one-line diagnostic `lambda-zero: fatal: …` on stderr, exit status 1.
pub fn exit(err: Error) -> ! {
    crate::runtime::entry::fatal(err)
}
