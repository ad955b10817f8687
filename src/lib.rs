//! A zero-allocation AWS Lambda runtime for Rust functions: one persistent
//! connection to the Runtime API, buffers reused for the life of the
//! process, borrowed views of each event, and no async executor.
//!
//! **What it does.** Runs a handler for every invocation (`run`), several
//! at once on Lambda Managed Instances (`run_concurrent`), streamed
//! responses (`run_streaming`), init errors (`run_with_init`), constant
//! answers (`run_prebuilt`); reports handler errors and panics (under
//! `panic = "unwind"` and `"abort"`) to Lambda and to the log; logs in
//! Lambda's text and JSON formats; reads HTTP events (API Gateway REST and
//! HTTP APIs, function URLs, ALB) and SQS, SNS, S3, EventBridge, DynamoDB
//! Streams and Kinesis events without copying them.
//!
//! Lambda extensions, external and internal, on the same client
//! (feature `extension`).
//!
//! **What it may do later.** More event sources.
//!
//! **What it will never do.** Allocate on the warm path of the runtime,
//! pull in an async executor, or panic on anything the Runtime API sends.
//!
//! # How it fits together
//!
//! ```text
//!                 ┌──────────── runtime (the loop; knows Lambda) ───────────┐
//!  Runtime API ──>│ client::Connection ──> Context/Invocation ──> handler ──│──> Output / Stream ──> client
//!  (one TCP       │ (HTTP/1.1 over one      (borrowed views      (yours)   │    (the reused send
//!   connection)   │  TcpStream, reused       of the receive                │     buffer)
//!                 │  buffers; knows bytes)   buffer)                       │
//!                 └─────────────────────────────────────────────────────────┘
//!                                       events (beside the loop, never under it):
//!                                       HttpRequest, HttpResponse, sqs, s3, …, json
//! ```
//!
//! The client knows HTTP and nothing of Lambda; the loop knows Lambda and
//! nothing of sockets or of what events mean; the event layer reads the
//! bytes a handler gets and writes the answers it returns. Nothing imports
//! upwards.
//!
//! # Getting started
//!
//! ```toml
//! [dependencies]
//! lambda-zero = "0.1"
//! ```
//!
//! ```no_run
//! use lambda_zero::{events::HttpResponse, Error, Invocation, Output};
//!
//! fn main() {
//!     lambda_zero::run(|inv: &Invocation<'_>, out: &mut Output<'_>| {
//!         let req = inv.http()?; // an HTTP API, REST API, function URL or ALB event
//!         let mut scratch = String::new();
//!         let name = req.query("name").map_or("world", |n| n.decode(&mut scratch));
//!         HttpResponse::new(out, req.shape(), 200)
//!             .content_type("text/plain")
//!             .body_with(|body| {
//!                 body.text("Hello, ");
//!                 body.text(name);
//!             });
//!         Ok::<(), Error>(())
//!     })
//! }
//! ```
//!
//! `templates/function/` in the repository is a whole function project
//! (Cargo profiles, SAM template, the static musl build) to copy.
//!
//! # Handlers and errors
//!
//! A handler gets the [`Invocation`] (its [`Context`] and the event bytes,
//! both borrowed from the receive buffer) and an [`Output`] writing into
//! the reused send buffer. `Ok(())` sends what was written. `Err(e)` sends
//! `{"errorMessage", "errorType"}` to `/error` and logs one line; any
//! [`HandlerError`] works (`&str`, `String`, `std::io::Error`,
//! `Box<dyn Error + Send + Sync>`, [`Diagnostic`] to choose the type, and
//! the crate's own [`Error`]). A request the HTTP client got wrong
//! ([`Error::BadRequest`], a body that is not well-formed JSON) answers
//! `400` in the event's shape instead of failing the invocation. A panic is
//! caught and reported as `Runtime.Panic` (under `panic = "abort"`, a hook
//! reports it before the process ends).
//!
//! # Events
//!
//! [`Invocation::http`] reads HTTP events; [`events`] has the other event
//! sources and the response builders, [`events::json`] the strict JSON
//! scanner under them. With the `serde` feature, [`Invocation::json`]
//! deserializes into any `serde` type (`aws_lambda_events` included),
//! borrowing from the event.
//!
//! # Streaming, concurrency, logs
//!
//! [`run_streaming`] hands the handler a [`Stream`]: chunks go out while it
//! writes (function URL response streaming, with an HTTP prelude).
//! [`run_concurrent`] serves `AWS_LAMBDA_MAX_CONCURRENCY` invocations at
//! once, one thread with its own connection and buffers per slot. The
//! [`info!`] family of macros logs in the format `AWS_LAMBDA_LOG_FORMAT`
//! asks for, with the request id.
//!
//! # The zero-allocation contract
//!
//! After the first invocation has sized the buffers, a warm invocation
//! whose event and response are no larger than ones already seen makes no
//! heap allocation in the crate: reading the event, building the context,
//! calling the handler, writing the response or the error report, logging.
//! What the handler allocates is its own business. Counting-allocator
//! tests hold this to zero.
//!
//! # Cargo features
//!
//! - `dns` (default): host names in `AWS_LAMBDA_RUNTIME_API`, through the
//!   system resolver; without it the value must be an IP address, as
//!   Lambda, SAM and `cargo lambda watch` set it.
//! - `simd-detect` (default): on x86_64, memchr's AVX2 and httparse's
//!   SSE4.2/AVX2 code chosen at run time. The detection runs `cpuid` nine
//!   times on the first invocation, each a trap to the hypervisor in a
//!   Lambda sandbox; without it (the default `bootstrap`, the function
//!   template) their SSE2 and 8-byte-word code is chosen at build time.
//! - `sse2` (default; the function template sets it too): on x86_64 the
//!   event parser tests string contents sixteen bytes at a time with SSE2,
//!   which every x86_64 CPU has (chosen at build time: no `cpuid`), through
//!   `safe_arch`'s safe wrappers of the intrinsics. No effect elsewhere.
//! - `serde`: [`Invocation::json`] with `serde_json`, borrowing.
//! - `log`: the `log` facade's records go through the Lambda logger.
//! - `tracing`: `tracing` events go through the Lambda logger.
//! - `sigterm`: exit 0 on `SIGTERM` once the invocation in flight is
//!   answered.
//! - `extension`: [`extension`], Lambda extensions (external and
//!   internal) and the Telemetry API.
//! - `fuzz-bench-internals`: exposes the HTTP client and other internals to
//!   the crate's own tests, fuzz targets and benches. Not a stable
//!   interface; never needed by a function.
#![forbid(unsafe_code)]
#![warn(missing_docs, missing_debug_implementations)]
// Docs link items of optional features; docs.rs builds with all of them.
#![cfg_attr(not(feature = "serde"), allow(rustdoc::broken_intra_doc_links))]

mod base64;
mod client;
pub mod events;
#[cfg(feature = "extension")]
pub mod extension;
mod runtime;
mod text;

// The public interface is:
pub use events::Error;
pub use runtime::config::Config;
pub use runtime::context::{Context, Invocation};
pub use runtime::entry::{
    exit, run, run_concurrent, run_prebuilt, run_prebuilt_per_event, run_streaming, run_with_init,
};
pub use runtime::error::{Diagnostic, HandlerError, RuntimeError};
#[cfg(feature = "log")]
pub use runtime::log::init_log_facade;
pub use runtime::output::Output;
pub use runtime::stream::Stream;
#[cfg(feature = "tracing")]
pub use runtime::tracing::init_tracing;
pub use runtime::Runtime;

/// What the logging macros expand to; not part of the interface.
#[doc(hidden)]
pub mod __private {
    pub use crate::runtime::log::{write, Level};
}

/// Internals the crate's own tests, fuzz targets and benches drive
/// directly. Not a stable interface: it changes with any release.
#[cfg(feature = "fuzz-bench-internals")]
#[doc(hidden)]
pub mod internals {
    /// The base64 codec (the event layer's and the streaming trailers').
    pub mod base64 {
        pub use crate::base64::{decode, decode_in_place, encode, encoded_len, DecodeError};
    }
    pub use crate::client::{
        write_parts, Connect, Connection, Error as HttpError, Message, Pipelined, TcpConnector,
        Wait, MAX_BODY_LIMIT, MAX_CHUNK_LINE, MAX_DRAIN_LEN, MAX_HEAD_LEN,
    };
    pub use crate::events::batch::FromRecord;
    pub use crate::events::scanner::{get as json_get, MAX_DEPTH as JSON_MAX_DEPTH};
    pub use crate::events::sniff::SNIFF_LIMIT;
    pub use crate::runtime::config::{
        endpoint_from_env, max_concurrency_from_env, parse_max_concurrency, Endpoint,
        MAX_CONCURRENCY_LIMIT, MAX_CONCURRENCY_VAR, PIPELINE_VAR, RUNTIME_API_VAR,
    };
    pub use crate::runtime::log::{enabled, format_record, settings, Format, Level, Settings};
    pub use crate::runtime::stream::{
        DEFAULT_CONTENT_TYPE, HTTP_INTEGRATION_CONTENT_TYPE, STREAM_CHUNK_LEN,
    };
    pub use crate::runtime::{
        push_path_segment, DEFAULT_IO_TIMEOUT, EVENT_TOO_LARGE_ERROR_TYPE,
        INVALID_CONFIG_ERROR_TYPE, INVALID_HEADERS_ERROR_TYPE, INVALID_REQUEST_ID_ERROR_TYPE,
        MAX_ERROR_TYPE_HEADER_LEN, MAX_EVENT_LEN, MAX_REQUEST_ID_LEN, MAX_SKIPPED_IN_A_ROW,
        PANIC_ERROR_TYPE, STREAM_FAILED_ERROR_TYPE, XRAY_ENV_VAR,
    };
}

/// The README's code, compiled as doc tests so it cannot drift from the
/// API.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
