//! The one error type of the event layer: what a handler meets when an
//! event, or the request it carries, is not what it should be.

use crate::base64;
use crate::events::json;
use crate::events::{HttpRequest, HttpResponse};
use crate::{HandlerError, Output};
use std::fmt;

/// Why an event could not be read as the expected kind of event, or one
/// of its fields decoded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The event is not well-formed JSON.
    Json(json::Error),
    /// Well-formed, but not this kind of event; the payload says which
    /// was expected, e.g. `"an SQS event"`.
    WrongKind(&'static str),
    /// A required field is missing (or `null`).
    Missing {
        /// The record's position in `Records`, for record-based events.
        record: Option<usize>,
        /// The field, e.g. `"messageId"` or `"s3.object.key"`.
        name: &'static str,
    },
    /// A field has the wrong JSON type.
    Field {
        /// The record's position in `Records`, for record-based events.
        record: Option<usize>,
        /// The field, e.g. `"attributes"`.
        name: &'static str,
        /// What it should be, e.g. `"an object"`.
        expected: &'static str,
    },
    /// A field the view reads appears more than once in the same object
    /// (which one counts is ambiguous, so neither is trusted).
    DuplicateField {
        /// The record's position in `Records`, for record-based events.
        record: Option<usize>,
        /// The field.
        name: &'static str,
    },
    /// A base64 field (Kinesis data, an SQS binary attribute) is not valid
    /// base64.
    Base64(base64::DecodeError),
    /// An S3 object key is not valid URL encoding of UTF-8 text (a `%` not
    /// followed by two hex digits, or bytes that are not UTF-8).
    KeyEncoding,
    /// The request an HTTP client sent is wrong: a body that is not the
    /// JSON (or the UTF-8, or the base64) it must be, a missing or invalid
    /// field. A handler that returns it answers HTTP `400` with
    /// `{"message":…}` in the event's shape, instead of failing the
    /// invocation (see [`HandlerError::respond`](crate::HandlerError::respond));
    /// return it for the request's own mistakes:
    /// `Err(Error::BadRequest("name is required"))`.
    BadRequest(&'static str),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let record = |f: &mut fmt::Formatter<'_>, record: &Option<usize>| match record {
            Some(i) => write!(f, "event record {i}: "),
            None => f.write_str("event: "),
        };
        match self {
            Error::Json(e) => write!(f, "event: {e}"),
            Error::WrongKind(kind) => write!(f, "event is not {kind}"),
            Error::Missing { record: r, name } => {
                record(f, r)?;
                write!(f, "field {name} is missing")
            }
            Error::Field {
                record: r,
                name,
                expected,
            } => {
                record(f, r)?;
                write!(f, "field {name} is not {expected}")
            }
            Error::DuplicateField { record: r, name } => {
                record(f, r)?;
                write!(f, "field {name} appears twice")
            }
            Error::Base64(e) => write!(f, "event field: {e}"),
            Error::KeyEncoding => f.write_str("event: S3 object key is not valid URL encoding"),
            Error::BadRequest(reason) => write!(f, "bad request: {reason}"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Json(e) => Some(e),
            Error::Base64(e) => Some(e),
            _ => None,
        }
    }
}

impl HandlerError for Error {
    fn error_type(&self) -> &str {
        match self {
            Error::BadRequest(_) => "Http.BadRequest",
            _ => "Event.Invalid",
        }
    }

    fn respond(&self, event: &[u8], out: &mut Output<'_>) -> bool {
        match self {
            Error::BadRequest(reason) => bad_request(event, reason, out),
            // A JSON error on an HTTP event comes from its body: API
            // Gateway and function URLs send well-formed events.
            Error::Json(_) => bad_request(event, "the body is not well-formed JSON", out),
            _ => false,
        }
    }
}

/// Body JSON the client got wrong: a `400` when the event is an HTTP
/// request (an API Gateway or function URL event is always well-formed,
/// so a JSON error on one comes from the body).
impl HandlerError for json::Error {
    fn error_type(&self) -> &str {
        "Json.Malformed"
    }

    fn respond(&self, event: &[u8], out: &mut Output<'_>) -> bool {
        bad_request(event, "the body is not well-formed JSON", out)
    }
}

/// Writes a `400` with `{"message":"<reason>"}` into `out` in the shape of
/// `event`'s integration; false (nothing written) when `event` is not an
/// HTTP request.
pub(crate) fn bad_request(event: &[u8], reason: &str, out: &mut Output<'_>) -> bool {
    // The full parse (not the bounded sniff): this is the error path,
    // and the shape must be right wherever its markers are.
    let Ok(shape) = HttpRequest::parse(event).map(|r| r.shape()) else {
        return false;
    };
    out.clear();
    HttpResponse::new(out, shape, 400)
        .content_type("application/json")
        .body_with(|body| {
            body.text("{\"message\":");
            body.json_string(reason);
            body.text("}");
        });
    true
}

/// A boxed `serde_json::Error` (feature `serde`): a body `?` turned into
/// `Box<dyn Error>` keeps its `400`.
#[cfg(feature = "serde")]
fn serde_error<'e>(e: &'e (dyn std::error::Error + 'static)) -> Option<&'e serde_json::Error> {
    e.downcast_ref::<serde_json::Error>()
}

#[cfg(not(feature = "serde"))]
fn serde_error<'e>(
    _: &'e (dyn std::error::Error + 'static),
) -> Option<&'e std::convert::Infallible> {
    None
}

/// Boxed errors (what `?` makes of any error in a handler returning
/// `Box<dyn Error + …>`) keep the crate's errors' types and answers, and a
/// boxed [`Diagnostic`](crate::Diagnostic) (with a `&'static str` or a
/// `String` message) keeps the `errorType` it chose.
macro_rules! boxed_handler_error {
    ($($ty:ty),*) => {$(
        impl HandlerError for $ty {
            fn error_type(&self) -> &str {
                if let Some(e) = self.downcast_ref::<Error>() {
                    e.error_type()
                } else if let Some(e) = self.downcast_ref::<json::Error>() {
                    e.error_type()
                } else if let Some(e) = serde_error(&**self) {
                    e.error_type()
                } else if let Some(e) = self.downcast_ref::<crate::Diagnostic>() {
                    e.error_type()
                } else if let Some(e) = self.downcast_ref::<crate::Diagnostic<String>>() {
                    e.error_type()
                } else {
                    std::any::type_name::<Self>()
                }
            }

            fn respond(&self, event: &[u8], out: &mut Output<'_>) -> bool {
                if let Some(e) = self.downcast_ref::<Error>() {
                    e.respond(event, out)
                } else if let Some(e) = self.downcast_ref::<json::Error>() {
                    e.respond(event, out)
                } else if let Some(e) = serde_error(&**self) {
                    e.respond(event, out)
                } else {
                    false
                }
            }
        }
    )*};
}

boxed_handler_error!(
    Box<dyn std::error::Error>,
    Box<dyn std::error::Error + Send>,
    Box<dyn std::error::Error + Send + Sync>
);

impl From<json::Error> for Error {
    fn from(e: json::Error) -> Self {
        Error::Json(e)
    }
}
