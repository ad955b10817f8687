//! Logs in the format Lambda asks for, without a logging crate.
//!
//! `AWS_LAMBDA_LOG_FORMAT=JSON` gives one JSON object per line on stdout,
//! `{"timestamp":…,"level":…,"message":…,"requestId":…}`, which CloudWatch
//! and Lambda's advanced logging controls understand; anything else gives
//! text lines, `timestamp<TAB>requestId<TAB>LEVEL<TAB>message`, with line
//! breaks inside a message turned into `\r` so a record stays one
//! CloudWatch event. Records below `AWS_LAMBDA_LOG_LEVEL` (`TRACE`,
//! `DEBUG`, `INFO` (default), `WARN`, `ERROR`, `FATAL`) are dropped.
//!
//! A record is formatted into a reused per-thread buffer and written with
//! one `write`: logging allocates nothing after a thread's first record
//! (and its largest one). The request id is the invocation the current
//! thread is serving.
//!
//! ```no_run
//! lambda_zero::run(|inv, out| {
//!     lambda_zero::info!("got {} bytes", inv.event.len());
//!     out.write_bytes(b"{}");
//!     Ok::<(), std::convert::Infallible>(())
//! })
//! ```

use crate::text::JsonEscaper;
use std::cell::Cell;
use std::fmt::{self, Write as _};
use std::io::Write as _;
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

/// How serious a record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// Finest detail.
    Trace,
    /// Debugging detail.
    Debug,
    /// Normal operation (the default threshold).
    Info,
    /// Something unexpected, handled.
    Warn,
    /// A failure.
    Error,
    /// A failure that ends the process.
    Fatal,
}

impl Level {
    /// The name Lambda uses (`INFO`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Trace => "TRACE",
            Level::Debug => "DEBUG",
            Level::Info => "INFO",
            Level::Warn => "WARN",
            Level::Error => "ERROR",
            Level::Fatal => "FATAL",
        }
    }

    /// Parses a level name, case-insensitively (`WARNING` too).
    pub fn parse(name: &str) -> Option<Level> {
        [
            Level::Trace,
            Level::Debug,
            Level::Info,
            Level::Warn,
            Level::Error,
            Level::Fatal,
        ]
        .into_iter()
        .find(|l| name.eq_ignore_ascii_case(l.as_str()))
        .or_else(|| name.eq_ignore_ascii_case("warning").then_some(Level::Warn))
    }
}

/// Record format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `timestamp<TAB>requestId<TAB>LEVEL<TAB>message`.
    Text,
    /// One JSON object per line.
    Json,
}

/// Format and threshold, read from the environment once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// Record format (`AWS_LAMBDA_LOG_FORMAT`).
    pub format: Format,
    /// Records below this level are dropped (`AWS_LAMBDA_LOG_LEVEL`).
    pub level: Level,
}

impl Settings {
    /// Settings from the values of `AWS_LAMBDA_LOG_FORMAT` and
    /// `AWS_LAMBDA_LOG_LEVEL` (`None` when unset; unknown values fall back
    /// to text and `INFO`).
    pub fn from_values(format: Option<&str>, level: Option<&str>) -> Settings {
        Settings {
            format: match format {
                Some(f) if f.eq_ignore_ascii_case("json") => Format::Json,
                _ => Format::Text,
            },
            level: level.and_then(Level::parse).unwrap_or(Level::Info),
        }
    }
}

static SETTINGS: OnceLock<Settings> = OnceLock::new();

/// The settings in force (read from the environment on first use).
pub fn settings() -> Settings {
    *SETTINGS.get_or_init(|| {
        let var = |name| std::env::var(name).ok();
        Settings::from_values(
            var("AWS_LAMBDA_LOG_FORMAT").as_deref(),
            var("AWS_LAMBDA_LOG_LEVEL").as_deref(),
        )
    })
}

/// Would a record at `level` be written?
#[cfg_attr(not(feature = "fuzz-bench-internals"), allow(dead_code))] // tests and fuzz targets use it
pub fn enabled(level: Level) -> bool {
    level >= settings().level
}

const MAX_ID: usize = crate::runtime::MAX_REQUEST_ID_LEN;

/// A thread's record buffer and the request id it logs.
struct State {
    line: Vec<u8>,
    id: [u8; MAX_ID],
    id_len: usize,
}

impl State {
    fn new() -> Box<State> {
        Box::new(State {
            line: Vec::new(),
            id: [0; MAX_ID],
            id_len: 0,
        })
    }
}

thread_local! {
    /// A runtime thread's state, made by [`reserve_line`] and leaked on
    /// purpose: those threads serve until the process ends (one made again
    /// on the same thread finds it here). A `&'static mut` has no
    /// destructor, so std registers none for the thread: on a static musl
    /// build, which has no `__cxa_thread_atexit_impl`, a registration is a
    /// pthread key made with signals blocked and a list grown with libc's
    /// `malloc`, which wakes libc's allocator beside Rust's: two
    /// `rt_sigprocmask`, a `sched_getaffinity`, an `mmap` and two `munmap`
    /// before the first `GET /next` (zig's musl, `scripts/startup-profile.sh`).
    ///
    /// On the heap, behind one pointer, as [`STATE`]: in the thread's
    /// static TLS block the buffer and the id (312 bytes) made that block
    /// too large for the one a static musl binary carries, so that musl
    /// mapped one at start-up (an `mmap` and a page fault before `main`).
    static RUNTIME_STATE: Cell<Option<&'static mut State>> = const { Cell::new(None) };
    /// Any other thread's (one a handler started, that logs), freed when
    /// the thread ends.
    static STATE: Cell<Option<Box<State>>> = const { Cell::new(None) };
    static INSIDE: Cell<bool> = const { Cell::new(false) };
}

/// A state out of its cell, put back when dropped: when `f` returns or
/// unwinds.
struct Back<'c, T>(&'c Cell<Option<T>>, Option<T>);

impl<T: std::ops::DerefMut<Target = State>> Back<'_, T> {
    fn run<R>(mut self, f: impl FnOnce(&mut State) -> R) -> Option<R> {
        self.1.as_deref_mut().map(f)
    }
}

impl<T> Drop for Back<'_, T> {
    fn drop(&mut self) {
        self.0.set(self.1.take());
    }
}

/// Runs `f` on this thread's [`State`] (a runtime thread's, else one made
/// on first use), `None` once the thread's locals are gone. Not
/// reentrant: the state is out of its cell while `f` runs (a record
/// written inside a record never gets here, see [`Inside`]); it goes back
/// when `f` returns or unwinds, so that a panic in a log argument loses
/// neither the request id nor the buffer.
fn with_state<R>(f: impl FnOnce(&mut State) -> R) -> Option<R> {
    let runtime = RUNTIME_STATE.try_with(|cell| match cell.take() {
        Some(state) => Ok(Back(cell, Some(state)).run(f)),
        // Not a runtime thread: `f` back, for the other state.
        None => Err(f),
    });
    let f = match runtime {
        Ok(Ok(done)) => return done,
        Ok(Err(f)) => f,
        Err(_) => return None,
    };
    STATE
        .try_with(|cell| {
            let state = cell.take().unwrap_or_else(State::new);
            Back(cell, Some(state)).run(f)
        })
        .ok()
        .flatten()
}

/// Room a thread's record buffer gets before its first invocation (see
/// [`reserve_line`]).
pub(crate) const LINE_RESERVE: usize = 1024;

/// Makes this thread a runtime thread for the log (its state kept for the
/// life of the process, see [`RUNTIME_STATE`]) and gives its record buffer
/// room for a typical record up front: a worker's first log line (a
/// handler error, say) then allocates nothing, even when it comes long
/// after warm-up.
pub(crate) fn reserve_line() {
    let _ = RUNTIME_STATE.try_with(|cell| {
        // Not from `STATE`: touching it would register its destructor.
        let state = cell.take().unwrap_or_else(|| Box::leak(State::new()));
        state.line.reserve(LINE_RESERVE);
        cell.set(Some(state));
    });
}

/// Sets (or, with `""`, clears) the request id logged by this thread; the
/// runtime calls it around each invocation.
pub(crate) fn set_request_id(id: &str) {
    with_state(|state| {
        let n = id.len().min(MAX_ID);
        state.id[..n].copy_from_slice(&id.as_bytes()[..n]);
        state.id_len = n;
    });
}

/// Writes one record at `level` to stdout (use the [`info!`](crate::info)
/// family of macros).
pub fn write(level: Level, message: fmt::Arguments<'_>) {
    emit(settings(), level, message, |line| {
        let _ = std::io::stdout().lock().write_all(line);
    });
}

/// Formats one record into this thread's line buffer and hands it to
/// `out`; `write` with the sink as a parameter, so a test can see the line.
fn emit(settings: Settings, level: Level, message: fmt::Arguments<'_>, out: impl FnOnce(&[u8])) {
    if level < settings.level {
        return;
    }
    // A Display impl that logs while being logged gets a plain line on
    // stderr instead of a reentrant borrow.
    let Some(_inside) = Inside::enter() else {
        eprintln!("{} {message}", level.as_str());
        return;
    };
    let written = with_state(|state| {
        state.line.clear();
        let id = std::str::from_utf8(&state.id[..state.id_len]).unwrap_or("");
        format_record(
            &mut state.line,
            settings.format,
            SystemTime::now(),
            level,
            id,
            message,
        );
        out(&state.line);
    });
    if written.is_none() {
        // The thread's locals are gone (a record from a destructor at
        // thread exit): a plain line on stderr.
        eprintln!("{} {message}", level.as_str());
    }
}

/// This thread is formatting a record. Dropping it, on return or on the
/// unwind of a panic inside a log argument, ends that: a flag left set
/// would send every later record of the thread to the plain stderr line.
struct Inside;

impl Inside {
    /// `None` when this thread is already inside a record.
    fn enter() -> Option<Inside> {
        (!INSIDE.with(|inside| inside.replace(true))).then_some(Inside)
    }
}

impl Drop for Inside {
    fn drop(&mut self) {
        INSIDE.with(|inside| inside.set(false));
    }
}

/// Formats one record, newline included, into `line`.
pub fn format_record(
    line: &mut Vec<u8>,
    format: Format,
    now: SystemTime,
    level: Level,
    request_id: &str,
    message: fmt::Arguments<'_>,
) {
    match format {
        Format::Json => {
            line.extend_from_slice(b"{\"timestamp\":\"");
            push_timestamp(line, now);
            line.extend_from_slice(b"\",\"level\":\"");
            line.extend_from_slice(level.as_str().as_bytes());
            line.extend_from_slice(b"\",\"message\":\"");
            let _ = JsonEscaper(line).write_fmt(message);
            line.push(b'"');
            if !request_id.is_empty() {
                line.extend_from_slice(b",\"requestId\":\"");
                crate::text::escape_json(line, request_id);
                line.push(b'"');
            }
            line.extend_from_slice(b"}\n");
        }
        Format::Text => {
            push_timestamp(line, now);
            line.push(b'\t');
            line.extend_from_slice(if request_id.is_empty() {
                b"-"
            } else {
                request_id.as_bytes()
            });
            line.push(b'\t');
            line.extend_from_slice(level.as_str().as_bytes());
            line.push(b'\t');
            let _ = OneLine(line).write_fmt(message);
            line.push(b'\n');
        }
    }
}

/// Writes text with `\n` turned into `\r`: one record, one line.
struct OneLine<'a>(&'a mut Vec<u8>);

impl fmt::Write for OneLine<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.0
            .extend(s.bytes().map(|b| if b == b'\n' { b'\r' } else { b }));
        Ok(())
    }
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` (UTC).
fn push_timestamp(line: &mut Vec<u8>, now: SystemTime) {
    let since = now.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = since.as_secs();
    let (y, m, d) = civil_from_days((secs / 86_400) as i64);
    let s = secs % 86_400;
    let _ = write!(
        line,
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        s / 3600,
        s / 60 % 60,
        s % 60,
        since.subsec_millis()
    );
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian
/// (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Logs at `TRACE`: `lambda_zero::trace!("{x}")`.
#[macro_export]
macro_rules! trace {
    ($($arg:tt)+) => { $crate::__private::write($crate::__private::Level::Trace, format_args!($($arg)+)) };
}
/// Logs at `DEBUG`.
#[macro_export]
macro_rules! debug {
    ($($arg:tt)+) => { $crate::__private::write($crate::__private::Level::Debug, format_args!($($arg)+)) };
}
/// Logs at `INFO`.
#[macro_export]
macro_rules! info {
    ($($arg:tt)+) => { $crate::__private::write($crate::__private::Level::Info, format_args!($($arg)+)) };
}
/// Logs at `WARN`.
#[macro_export]
macro_rules! warn {
    ($($arg:tt)+) => { $crate::__private::write($crate::__private::Level::Warn, format_args!($($arg)+)) };
}
/// Logs at `ERROR`.
#[macro_export]
macro_rules! error {
    ($($arg:tt)+) => { $crate::__private::write($crate::__private::Level::Error, format_args!($($arg)+)) };
}

/// Routes the [`log`](https://docs.rs/log) facade into this logger
/// (cargo feature `log`), at the `AWS_LAMBDA_LOG_LEVEL` threshold, so
/// `log::info!` in your code and your dependencies comes out in Lambda's
/// format with the request id. Fails if another logger is set.
#[cfg(feature = "log")]
pub fn init_log_facade() -> Result<(), ::log::SetLoggerError> {
    ::log::set_logger(&Facade)?;
    ::log::set_max_level(match settings().level {
        Level::Trace => ::log::LevelFilter::Trace,
        Level::Debug => ::log::LevelFilter::Debug,
        Level::Info => ::log::LevelFilter::Info,
        Level::Warn => ::log::LevelFilter::Warn,
        Level::Error | Level::Fatal => ::log::LevelFilter::Error,
    });
    Ok(())
}

#[cfg(feature = "log")]
struct Facade;

#[cfg(feature = "log")]
impl ::log::Log for Facade {
    fn enabled(&self, metadata: &::log::Metadata<'_>) -> bool {
        enabled(from_log(metadata.level()))
    }

    fn log(&self, record: &::log::Record<'_>) {
        write(from_log(record.level()), *record.args());
    }

    fn flush(&self) {
        let _ = std::io::stdout().flush();
    }
}

#[cfg(feature = "log")]
fn from_log(level: ::log::Level) -> Level {
    match level {
        ::log::Level::Trace => Level::Trace,
        ::log::Level::Debug => Level::Debug,
        ::log::Level::Info => Level::Info,
        ::log::Level::Warn => Level::Warn,
        ::log::Level::Error => Level::Error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn record(format: Format, level: Level, id: &str, message: fmt::Arguments<'_>) -> String {
        let mut line = Vec::new();
        let now = UNIX_EPOCH + Duration::from_millis(1_764_120_896_789);
        format_record(&mut line, format, now, level, id, message);
        String::from_utf8(line).unwrap()
    }

    #[test]
    fn json_records_are_one_escaped_object_per_line() {
        assert_eq!(
            record(
                Format::Json,
                Level::Warn,
                "req-1",
                format_args!("a \"quoted\"\nline {}", 7)
            ),
            "{\"timestamp\":\"2025-11-26T01:34:56.789Z\",\"level\":\"WARN\",\
             \"message\":\"a \\\"quoted\\\"\\nline 7\",\"requestId\":\"req-1\"}\n"
        );
        assert_eq!(
            record(Format::Json, Level::Info, "", format_args!("start")),
            "{\"timestamp\":\"2025-11-26T01:34:56.789Z\",\"level\":\"INFO\",\"message\":\"start\"}\n"
        );
    }

    #[test]
    fn text_records_keep_to_one_line() {
        assert_eq!(
            record(
                Format::Text,
                Level::Error,
                "req-2",
                format_args!("two\nlines")
            ),
            "2025-11-26T01:34:56.789Z\treq-2\tERROR\ttwo\rlines\n"
        );
        assert_eq!(
            record(Format::Text, Level::Info, "", format_args!("x")),
            "2025-11-26T01:34:56.789Z\t-\tINFO\tx\n"
        );
    }

    /// Panics when displayed.
    struct Explodes;

    impl fmt::Display for Explodes {
        fn fmt(&self, _: &mut fmt::Formatter<'_>) -> fmt::Result {
            panic!("a Display that panics");
        }
    }

    #[test]
    fn a_panic_inside_a_log_argument_leaves_the_next_record_whole() {
        let json = Settings::from_values(Some("JSON"), Some("INFO"));
        set_request_id("req-panic");
        let caught = std::panic::catch_unwind(|| {
            emit(json, Level::Info, format_args!("{}", Explodes), |_| {
                panic!("no record for a panicking argument")
            });
        });
        assert!(caught.is_err());
        let mut got = None;
        emit(json, Level::Warn, format_args!("after {}", 1), |line| {
            got = Some(String::from_utf8(line.to_vec()).unwrap());
        });
        set_request_id("");
        let got = got.expect("the next record of this thread went to the sink, not stderr");
        let (stamp, rest) = got
            .strip_prefix("{\"timestamp\":\"")
            .and_then(|r| r.split_once('"'))
            .unwrap_or_else(|| panic!("{got:?}"));
        assert_eq!(stamp.len(), "2025-11-26T01:34:56.789Z".len(), "{got:?}");
        assert_eq!(
            rest,
            ",\"level\":\"WARN\",\"message\":\"after 1\",\"requestId\":\"req-panic\"}\n"
        );
    }

    #[test]
    fn runtime_threads_and_other_threads_keep_their_own_request_ids() {
        let json = Settings::from_values(Some("JSON"), Some("INFO"));
        let record = move || {
            let mut got = String::new();
            emit(json, Level::Info, format_args!("x"), |line| {
                got = String::from_utf8(line.to_vec()).unwrap();
            });
            got
        };
        // A runtime thread: its state made by `reserve_line`, kept through
        // a panic inside a log argument.
        let runtime = std::thread::spawn(move || {
            reserve_line();
            set_request_id("req-runtime");
            let _ = std::panic::catch_unwind(|| {
                emit(json, Level::Info, format_args!("{}", Explodes), |_| {});
            });
            reserve_line(); // a second runtime on the same thread
            (record(), RUNTIME_STATE.with(|c| c.take().is_some()))
        });
        // Any other thread: its own state, never the runtime kind.
        let other = std::thread::spawn(move || {
            set_request_id("req-other");
            (record(), RUNTIME_STATE.with(|c| c.take().is_some()))
        });
        let (line, is_runtime) = runtime.join().unwrap();
        assert!(is_runtime);
        assert!(
            line.ends_with(",\"requestId\":\"req-runtime\"}\n"),
            "{line:?}"
        );
        let (line, is_runtime) = other.join().unwrap();
        assert!(!is_runtime);
        assert!(
            line.ends_with(",\"requestId\":\"req-other\"}\n"),
            "{line:?}"
        );
    }

    #[test]
    fn civil_dates_match_known_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        assert_eq!(civil_from_days(20_513), (2026, 3, 1));
        assert_eq!(civil_from_days(-1), (1969, 12, 31));
    }

    #[test]
    fn settings_follow_the_variables() {
        let s = Settings::from_values(Some("JSON"), Some("debug"));
        assert_eq!((s.format, s.level), (Format::Json, Level::Debug));
        let s = Settings::from_values(Some("Text"), Some("nonsense"));
        assert_eq!((s.format, s.level), (Format::Text, Level::Info));
        assert_eq!(Settings::from_values(None, None).level, Level::Info);
        assert_eq!(Level::parse("WARNING"), Some(Level::Warn));
        assert!(Level::Trace < Level::Fatal);
    }
}
