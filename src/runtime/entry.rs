//! The entry points: the `run` functions a `main` calls, and [`exit`].

use crate::runtime::config;
use crate::runtime::log;
use crate::runtime::{self, Runtime};
use crate::{Config, Diagnostic, HandlerError, Invocation, Output, RuntimeError, Stream};

/// Runs `handler` for every invocation, for the life of the process.
///
/// Reads `AWS_LAMBDA_RUNTIME_API`, then loops over `GET /next`. Returns only
/// by exiting: when the Runtime API cannot go on (or the environment is
/// wrong) it prints one line, `lambda-zero: fatal: …`, to stderr and exits
/// with status 1.
///
/// An `FnMut` handler serves one invocation at a time, whatever
/// `AWS_LAMBDA_MAX_CONCURRENCY` says (a note on stderr says so when it is
/// above 1); [`run_concurrent`] serves several.
///
/// Closures get their argument types inferred; a closure built elsewhere
/// and passed in needs them spelled out (`|inv: &Invocation<'_>, out:
/// &mut Output<'_>|`).
pub fn run<F, E>(handler: F) -> !
where
    F: FnMut(&Invocation<'_>, &mut Output<'_>) -> Result<(), E>,
    E: HandlerError,
{
    let (mut runtime, workers) = start();
    if workers > 1 {
        log::write(
            log::Level::Warn,
            format_args!(
                "lambda-zero: AWS_LAMBDA_MAX_CONCURRENCY={workers}, but an FnMut handler serves one \
                 invocation at a time (use run_concurrent with an Fn + Sync handler)"
            ),
        );
    }
    exit(runtime.run(handler))
}

/// Like [`run`], with `AWS_LAMBDA_MAX_CONCURRENCY` workers (Lambda Managed
/// Instances; 1 when unset): plain threads, each with its own connection
/// and buffers, sharing `handler`, which is therefore `Fn + Sync`. The
/// first worker to meet a fatal error ends the process. An invalid value
/// is an init error (reported to `/init/error`, exit 1).
///
/// ```no_run
/// use std::sync::atomic::{AtomicU64, Ordering};
///
/// let served = AtomicU64::new(0);
/// lambda_zero::run_concurrent(|inv, out| {
///     let n = served.fetch_add(1, Ordering::Relaxed);
///     out.write_bytes(format!("{{\"n\":{n},\"bytes\":{}}}", inv.event.len()).as_bytes());
///     Ok::<(), std::convert::Infallible>(())
/// })
/// ```
pub fn run_concurrent<F, E>(handler: F) -> !
where
    F: Fn(&Invocation<'_>, &mut Output<'_>) -> Result<(), E> + Sync,
    E: HandlerError,
{
    let (runtime, workers) = start();
    let mut pool = runtime.into_workers(workers);
    runtime::spawn_each(&mut pool, |_, worker| exit(worker.run(&handler)));
    unreachable!("workers only stop by exiting")
}

/// Answers every invocation with `body`, built once; the fastest loop
/// there is (the default `bootstrap` runs this), on
/// `AWS_LAMBDA_MAX_CONCURRENCY` workers. Exits like [`run`].
///
/// ```no_run
/// let body = lambda_zero::events::Prebuilt::text(lambda_zero::events::Shape::RestApi, 200, "text/plain", "Hello World!").into_bytes();
/// lambda_zero::run_prebuilt(&body)
/// ```
pub fn run_prebuilt(body: &[u8]) -> ! {
    run_prebuilt_per_event(|_| body)
}

/// Like [`run_prebuilt`], answering each invocation with the body `choose`
/// picks for its event among answers built once, e.g. one per event shape
/// (the default `bootstrap` does this). `choose` runs once per event and
/// should be a cheap scan.
pub fn run_prebuilt_per_event<'b>(choose: impl Fn(&[u8]) -> &'b [u8] + Sync) -> ! {
    let (runtime, workers) = start();
    let mut pool = runtime.into_workers(workers);
    runtime::spawn_each(&mut pool, |_, worker| {
        exit(worker.run_prebuilt_per_event(&choose))
    });
    unreachable!("workers only stop by exiting")
}

/// Runs a streaming `handler` for every invocation: what it writes to the
/// [`Stream`] goes out while it runs (see [`Runtime::run_streaming`]).
/// Serves one invocation at a time. Exits like [`run`].
pub fn run_streaming<F, E>(handler: F) -> !
where
    F: FnMut(&Invocation<'_>, &mut Stream<'_>) -> Result<(), E>,
    E: HandlerError,
{
    let (mut runtime, _) = start();
    exit(runtime.run_streaming(handler))
}

/// Runs `init` once, then its handler for every invocation. An `init`
/// error (or panic) is reported to `/init/error`, then the process exits
/// with status 1.
///
/// ```no_run
/// use lambda_zero::Diagnostic;
///
/// lambda_zero::run_with_init(|config| {
///     let table = std::env::var("TABLE")
///         .map_err(|_| Diagnostic { error_type: "Init.Config", error_message: "TABLE is not set" })?;
///     let greeting = format!("{{\"function\":\"{}\",\"table\":\"{table}\"}}", config.function_name);
///     Ok::<_, Diagnostic>(move |_inv: &lambda_zero::Invocation<'_>, out: &mut lambda_zero::Output<'_>| {
///         out.write_bytes(greeting.as_bytes());
///         Ok::<(), std::convert::Infallible>(())
///     })
/// })
/// ```
pub fn run_with_init<I, H, IE, E>(init: I) -> !
where
    I: FnOnce(&Config) -> Result<H, IE>,
    IE: HandlerError,
    H: FnMut(&Invocation<'_>, &mut Output<'_>) -> Result<(), E>,
    E: HandlerError,
{
    let (mut runtime, _) = start();
    let config = runtime.config().clone();
    // Under `panic = "abort"` the panic hook reports an `init` panic.
    runtime::abort::set_in_init(true);
    let initialised = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| init(&config)));
    runtime::abort::set_in_init(false);
    let handler = match initialised {
        Ok(Ok(handler)) => handler,
        Ok(Err(err)) => exit(runtime.report_init_error(&err)),
        // With its message, as the panic hook reports it under `panic = "abort"`.
        Err(payload) => exit(runtime.report_init_error(&runtime::panic_report("init", &payload))),
    };
    exit(runtime.run(handler))
}

/// Start-up shared by the entry points: the runtime from the environment
/// and the number of workers, or an exit (an invalid
/// `AWS_LAMBDA_MAX_CONCURRENCY` reported to `/init/error` first).
fn start() -> (Runtime, usize) {
    let mut runtime = Runtime::from_env().unwrap_or_else(|e| exit(e));
    runtime.install_abort_hook();
    #[cfg(feature = "sigterm")]
    if let Err(e) = runtime::shutdown::install() {
        log::write(
            log::Level::Warn,
            format_args!("lambda-zero: no SIGTERM handler: {e}"),
        );
    }
    match config::max_concurrency_from_env() {
        Ok(workers) => (runtime, workers),
        Err(e) => exit(runtime.report_init_error(&Diagnostic {
            error_type: runtime::INVALID_CONFIG_ERROR_TYPE,
            error_message: &e,
        })),
    }
}

/// Ends the process the way the `run` functions do on a fatal error: the
/// one-line diagnostic `lambda-zero: fatal: …` on stderr, exit status 1.
/// For loops driven through [`Runtime`]:
///
/// ```no_run
/// let mut runtime = lambda_zero::Runtime::from_env().unwrap_or_else(|e| lambda_zero::exit(e));
/// runtime.set_xray_env(true);
/// lambda_zero::exit(runtime.run(|inv, out| {
///     out.write_bytes(std::env::var("_X_AMZN_TRACE_ID").unwrap_or_default().as_bytes());
///     Ok::<(), std::convert::Infallible>(())
/// }))
/// ```
pub fn exit(err: RuntimeError) -> ! {
    fatal(err)
}

/// What [`exit`] and `extension::exit` do: stdout flushed (process::exit
/// skips destructors, so what the handler printed would be lost), the
/// diagnostic line, exit status 1.
pub(crate) fn fatal(err: impl std::fmt::Display) -> ! {
    let _ = std::io::Write::flush(&mut std::io::stdout());
    stderr_line(format_args!("lambda-zero: fatal: {err}"));
    std::process::exit(1)
}

/// Writes `line` and a newline to stderr in one `write`. `eprintln!` makes
/// one per formatted piece (nine for a refused connection), and another
/// process writing to the same pipe (an extension, say) could land between
/// them and split the line. For paths that end the process or report a
/// failure that already happened: it allocates.
pub(crate) fn stderr_line(line: std::fmt::Arguments<'_>) {
    let _ = line_to(&mut std::io::stderr(), line);
}

/// [`stderr_line`] into `out`: the line and its newline in one `write_all`.
fn line_to(out: &mut impl std::io::Write, line: std::fmt::Arguments<'_>) -> std::io::Result<()> {
    let mut text = line.to_string();
    text.push('\n');
    out.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    /// Counts the `write` calls it gets; each takes all it is given.
    #[derive(Default)]
    struct Writes(Vec<Vec<u8>>);

    impl std::io::Write for Writes {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.push(buf.to_vec());
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_diagnostic_line_is_one_write() {
        let mut out = Writes::default();
        let cause = std::io::Error::from(std::io::ErrorKind::ConnectionRefused);
        super::line_to(
            &mut out,
            format_args!("lambda-zero: fatal: GET /next: {cause} ({})", 111),
        )
        .unwrap();
        assert_eq!(out.0.len(), 1, "{:?}", out.0);
        assert_eq!(
            String::from_utf8_lossy(&out.0[0]),
            format!("lambda-zero: fatal: GET /next: {cause} (111)\n")
        );
    }
}
