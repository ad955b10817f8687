//! Handler panics under `panic = "abort"` (a user's profile, or `cargo
//! lambda build`'s default): the process cannot catch them, so a panic hook
//! posts the panic to `/error` for the invocation in flight before the
//! process ends. Lambda then shows `Runtime.Panic` with the message instead
//! of a bare `Runtime.ExitError`, and restarts the sandbox.
//!
//! A panic in `run_with_init`'s `init` is reported the same way, to
//! `/init/error`, and one in an extension's handler (`Extension::run`) to
//! `/extension/exit/error`.
//!
//! With `panic = "unwind"` none of this runs (the loop catches the panic
//! and reports it itself, the sandbox lives on) and it costs nothing: the
//! strategy is known at compile time (`cfg(panic)`).

use crate::client::{Connect, TcpConnector};
use crate::runtime::error::Diagnostic;
use crate::runtime::{
    finish_head, panic_text, write_error_body, Heads, PanicMessage, Post, PANIC_ERROR_TYPE,
};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::panic::PanicHookInfo;
use std::sync::{Once, OnceLock};
use std::time::Duration;

/// True when this build aborts on panic and runs a hook first. Under
/// `-Cpanic=immediate-abort` (which also sets `panic = "abort"`) a panic
/// traps at once and no hook ever runs, so none is installed, nothing is
/// said about it at start-up and nothing is tracked per invocation (the
/// default `bootstrap`'s static build, which has no handler to panic).
#[allow(unexpected_cfgs)] // "immediate-abort" is unknown to older rustc
pub(crate) const ABORTS: bool = cfg!(panic = "abort") && !cfg!(panic = "immediate-abort");

/// `errorType` of an extension handler's panic (the extension module's
/// `PANIC_ERROR_TYPE`, which the library without the `extension` feature
/// does not have).
pub(crate) const EXTENSION_PANIC: &str = "Extension.Panic";

/// How long the hook waits to connect, send, and for the answer.
const REPORT_TIMEOUT: Duration = Duration::from_secs(1);

/// Where to report: the Runtime API and the request heads.
struct Target {
    addrs: Vec<SocketAddr>,
    heads: Heads,
}

static TARGET: OnceLock<Target> = OnceLock::new();

/// The hook is installed once, by the runtime or by an extension.
static HOOK: Once = Once::new();

thread_local! {
    /// The invocation this thread serves: encoded request id, invocation id.
    static IN_FLIGHT: RefCell<(Vec<u8>, Vec<u8>)> = const { RefCell::new((Vec::new(), Vec::new())) };
    /// This thread runs `run_with_init`'s `init`.
    static IN_INIT: Cell<bool> = const { Cell::new(false) };
    /// This thread runs an extension's handler: where to report, and the
    /// `/extension/exit/error` head up to its framing.
    static EXTENSION: RefCell<Option<(Vec<SocketAddr>, Vec<u8>)>> = const { RefCell::new(None) };
}

/// Installs the panic hook, once: the previous hook, then the report.
fn hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            previous(info);
            report(info);
        }));
    });
}

/// Installs the hook (once, when the build aborts on panic) and says at
/// start-up what a panic will do.
pub(crate) fn install(addrs: Vec<SocketAddr>, heads: Heads) {
    if !ABORTS || TARGET.set(Target { addrs, heads }).is_err() {
        return;
    }
    hook();
    crate::runtime::log::write(
        crate::runtime::log::Level::Info,
        format_args!(
            "lambda-zero: built with panic = \"abort\": a handler panic is reported to /error, \
             then the process ends and Lambda starts a new sandbox (use panic = \"unwind\" to \
             keep serving)"
        ),
    );
}

/// Marks the invocation in flight on this thread (nothing to do, and free,
/// when panics unwind).
pub(crate) fn begin(id_path: &[u8], invocation_id: &[u8]) {
    if ABORTS {
        let _ = IN_FLIGHT.try_with(|f| {
            if let Ok(mut f) = f.try_borrow_mut() {
                f.0.clear();
                f.0.extend_from_slice(id_path);
                f.1.clear();
                f.1.extend_from_slice(invocation_id);
            }
        });
    }
}

/// Marks (`true`) or unmarks `run_with_init`'s `init` running on this
/// thread: a panic meanwhile goes to `/init/error`.
pub(crate) fn set_in_init(on: bool) {
    if ABORTS {
        let _ = IN_INIT.try_with(|i| i.set(on));
    }
}

/// Marks this thread as running an extension's handler (`Some`: the
/// addresses of the Extensions API and the `/extension/exit/error` head
/// up to its framing) or as done with it (`None`); installs the hook the
/// first time (nothing to do, and free, when panics unwind).
#[cfg(feature = "extension")]
pub(crate) fn extension(report_to: Option<(Vec<SocketAddr>, Vec<u8>)>) {
    if ABORTS {
        hook();
        let _ = EXTENSION.try_with(|e| {
            if let Ok(mut e) = e.try_borrow_mut() {
                *e = report_to;
            }
        });
    }
}

/// The invocation is answered.
pub(crate) fn end() {
    if ABORTS {
        let _ = IN_FLIGHT.try_with(|f| {
            if let Ok(mut f) = f.try_borrow_mut() {
                f.0.clear();
            }
        });
    }
}

fn report(info: &PanicHookInfo<'_>) {
    let extension = EXTENSION.try_with(|e| e.try_borrow().ok().and_then(|e| e.clone()));
    if let Ok(Some((addrs, head))) = extension {
        let message = PanicText("extension", info);
        if let Err(e) = post(&addrs, head, EXTENSION_PANIC, &message) {
            crate::runtime::entry::stderr_line(format_args!(
                "lambda-zero: could not report the panic to /extension/exit/error: {e}"
            ));
        }
        return;
    }
    let Some(target) = TARGET.get() else { return };
    if IN_INIT.try_with(Cell::get).unwrap_or(false) {
        let mut head = target.heads.init_error().to_vec();
        head.extend_from_slice(PANIC_ERROR_TYPE.as_bytes());
        head.extend_from_slice(b"\r\n");
        let message = PanicText("init", info);
        if let Err(e) = post(&target.addrs, head, PANIC_ERROR_TYPE, &message) {
            crate::runtime::entry::stderr_line(format_args!(
                "lambda-zero: could not report the panic to /init/error: {e}"
            ));
        }
        return;
    }
    let _ = IN_FLIGHT.try_with(|f| {
        if let Ok(f) = f.try_borrow() {
            if !f.0.is_empty() {
                let mut head = Vec::new();
                target
                    .heads
                    .invocation_head(&mut head, &f.0, &f.1, Post::Error(PANIC_ERROR_TYPE));
                let message = PanicText("handler", info);
                if let Err(e) = post(&target.addrs, head, PANIC_ERROR_TYPE, &message) {
                    crate::runtime::entry::stderr_line(format_args!(
                        "lambda-zero: could not report the panic to /error: {e}"
                    ));
                }
            }
        }
    });
}

/// Posts the panic on a connection of its own (the loop's is in use up
/// the stack) and waits for the answer, so the report is delivered before
/// the process aborts; `head` is the request's up to its framing.
/// Allocates: the process is ending.
fn post(
    addrs: &[SocketAddr],
    mut head: Vec<u8>,
    error_type: &'static str,
    message: &dyn fmt::Display,
) -> std::io::Result<()> {
    let diagnostic = Diagnostic {
        error_type,
        error_message: message,
    };
    let mut body = Vec::new();
    write_error_body(&mut body, error_type, &diagnostic);
    // Ask the server to close, so the answer ends with the connection.
    head.extend_from_slice(b"Connection: close\r\n");
    finish_head(&mut head, body.len());
    // The runtime's own connector: the same addresses, tried the same way,
    // with a short time-out for every step.
    let mut s = TcpConnector::new(addrs.to_vec(), REPORT_TIMEOUT).connect()?;
    s.write_all(&[head.as_slice(), &body].concat())?;
    // The status line is enough to know it arrived.
    let mut answer = [0u8; 16];
    let _ = s.read(&mut answer)?;
    Ok(())
}

/// `handler panicked: <message> at <file:line>` (or `init panicked: …`,
/// `extension panicked: …`).
struct PanicText<'a, 'b>(&'static str, &'a PanicHookInfo<'b>);

impl fmt::Display for PanicText<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", PanicMessage(self.0, panic_text(self.1.payload())))?;
        if let Some(at) = self.1.location() {
            write!(f, " at {}:{}", at.file(), at.line())?;
        }
        Ok(())
    }
}
