//! The runtime's own error, and the trait handler errors implement.
//!
//! Every variant carries `&'static str` or `Copy` payloads except the few
//! that can only happen at start-up or right before the process ends (a bad
//! `AWS_LAMBDA_RUNTIME_API` value, an I/O error from the OS), so producing
//! an [`RuntimeError`] on the per-invocation path never allocates.

use std::fmt;
use std::io;

/// What went wrong talking to the Runtime API, or setting up to.
///
/// Messages are lower-case, one line, and name the request they concern, so
/// `eprintln!("lambda-zero: {err}")` is the whole diagnostic.
#[derive(Debug)]
#[non_exhaustive]
pub enum RuntimeError {
    /// `AWS_LAMBDA_RUNTIME_API` (or another setting) is missing or malformed.
    Config {
        /// The environment variable concerned.
        var: &'static str,
        /// The offending value, as found (may be empty).
        value: String,
        /// Why it was refused.
        reason: &'static str,
    },
    /// Could not connect to the Runtime API.
    Connect(io::Error),
    /// The connection failed while a request was under way.
    Http {
        /// The request concerned, e.g. `"GET /next"`.
        during: &'static str,
        /// What failed.
        source: crate::client::Error,
    },
    /// The Runtime API answered with a status that means the runtime cannot go on.
    Status {
        /// The request concerned.
        during: &'static str,
        /// The HTTP status received.
        status: u16,
    },
    /// Several `/next` answers in a row could not be served at all (no
    /// usable `Lambda-Runtime-Aws-Request-Id`): the endpoint is not a
    /// Runtime API, or is a broken one.
    NoUsableEvent {
        /// How many answers in a row.
        in_a_row: u32,
        /// What was wrong with the last one.
        reason: &'static str,
    },
    /// A worker thread panicked outside the handler (a bug in the runtime):
    /// the process ends rather than serve with one worker fewer.
    WorkerPanicked(String),
    /// Initialisation failed with this message; it was reported to
    /// `/init/error`.
    Init(String),
}

impl fmt::Display for RuntimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RuntimeError::Config { var, value, reason } => {
                write!(f, "invalid {var} {value:?}: {reason}")
            }
            RuntimeError::Connect(e) => write!(f, "cannot connect to the Runtime API: {e}"),
            RuntimeError::Http { during, source } => write!(f, "{during}: {source}"),
            RuntimeError::Status { during, status } => {
                write!(
                    f,
                    "{during}: the Runtime API answered {status}, cannot go on"
                )
            }
            RuntimeError::NoUsableEvent { in_a_row, reason } => write!(
                f,
                "GET /next: {in_a_row} answers in a row could not be served (last: {reason}); \
                 is AWS_LAMBDA_RUNTIME_API (and its path prefix) a Lambda Runtime API?"
            ),
            RuntimeError::WorkerPanicked(message) => {
                write!(f, "a worker thread panicked: {message}")
            }
            RuntimeError::Init(message) => {
                write!(
                    f,
                    "initialisation failed (reported to /init/error): {message}"
                )
            }
        }
    }
}

impl std::error::Error for RuntimeError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            RuntimeError::Connect(e) => Some(e),
            RuntimeError::Http { source, .. } => Some(source),
            _ => None,
        }
    }
}

/// An error a handler returns; reported to Lambda as
/// `{"errorMessage": <Display>, "errorType": <error_type()>}`.
///
/// The message is formatted straight into the reused send buffer, so
/// reporting an error allocates nothing. Implement it for your own error
/// type with one line (the default `error_type` is the type's name, as the
/// official runtime does):
///
/// ```
/// use std::fmt;
///
/// #[derive(Debug)]
/// struct NotFound(u32);
///
/// impl fmt::Display for NotFound {
///     fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
///         write!(f, "no item {}", self.0)
///     }
/// }
///
/// impl lambda_zero::HandlerError for NotFound {}
/// ```
pub trait HandlerError: fmt::Display {
    /// The `errorType` reported to Lambda and in the
    /// `Lambda-Runtime-Function-Error-Type` header.
    fn error_type(&self) -> &str {
        std::any::type_name::<Self>()
    }

    /// Answers the invocation with a response instead of failing it, when
    /// the error means that. Writes the response into `out` (the handler's
    /// output, cleared) and returns `true`; the default writes nothing and
    /// returns `false`, so the error goes to `/error`.
    ///
    /// The crate's own event-layer errors use it: an HTTP request the
    /// client got wrong ([`Error::BadRequest`](crate::Error::BadRequest), a
    /// body that is not well-formed JSON) answers `400` with a small JSON
    /// message in the event's shape. Either way the error is logged.
    fn respond(&self, event: &[u8], out: &mut crate::Output<'_>) -> bool {
        let _ = (event, out);
        false
    }
}

/// An error with an explicit `errorType`, for handlers that want to choose
/// it. `M` is anything `Display`, so the message need not be allocated.
///
/// ```
/// use lambda_zero::Diagnostic;
/// let err = Diagnostic { error_type: "Validation", error_message: "name is required" };
/// assert_eq!(err.to_string(), "name is required");
/// ```
#[derive(Debug, Clone, Copy)]
pub struct Diagnostic<M = &'static str> {
    /// Reported as `errorType`.
    pub error_type: &'static str,
    /// Reported as `errorMessage`.
    pub error_message: M,
}

impl<M: fmt::Display> fmt::Display for Diagnostic<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.error_message.fmt(f)
    }
}

impl<M: fmt::Display + fmt::Debug> std::error::Error for Diagnostic<M> {}

impl<M: fmt::Display> HandlerError for Diagnostic<M> {
    fn error_type(&self) -> &str {
        self.error_type
    }
}

impl HandlerError for &str {
    fn error_type(&self) -> &str {
        "&str"
    }
}
impl HandlerError for String {
    fn error_type(&self) -> &str {
        "String"
    }
}
impl HandlerError for io::Error {}
impl HandlerError for fmt::Error {}
impl HandlerError for std::convert::Infallible {}
impl HandlerError for RuntimeError {}
// `Box<dyn Error …>`: in the event layer (`events/error.rs`), which
// knows its own errors to keep their types and answers.
