//! `tracing` events into the Lambda logger (cargo feature `tracing`): what
//! the official runtime's users write (`tracing::info!(user = %id, "…")`)
//! comes out as one record in the format `AWS_LAMBDA_LOG_FORMAT` asks for,
//! at the `AWS_LAMBDA_LOG_LEVEL` threshold, with the request id.
//!
//! Events only: spans are accepted and ignored (Lambda's log has no place
//! for them). An event's `message` comes first, then its other fields as
//! `name=value`; formatting goes straight into the logger's reused buffer,
//! so a record allocates nothing once the thread's buffer has grown.

use crate::runtime::log::{enabled, write, Level};
use std::fmt;
use tracing_core::field::{Field, Visit};
use tracing_core::span::{Attributes, Id, Record};
use tracing_core::{Event, Metadata, Subscriber};

/// Makes the Lambda logger the global `tracing` subscriber. Fails if one
/// is set already.
///
/// ```no_run
/// lambda_zero::init_tracing().expect("no other subscriber");
/// lambda_zero::run(|inv, out| {
///     tracing::info!(bytes = inv.event.len(), "got an event");
///     out.write_bytes(b"{}");
///     Ok::<(), std::convert::Infallible>(())
/// })
/// ```
pub fn init_tracing() -> Result<(), tracing_core::dispatcher::SetGlobalDefaultError> {
    tracing_core::dispatcher::set_global_default(tracing_core::Dispatch::new(LambdaSubscriber))
}

struct LambdaSubscriber;

fn level(l: &tracing_core::Level) -> Level {
    match *l {
        tracing_core::Level::TRACE => Level::Trace,
        tracing_core::Level::DEBUG => Level::Debug,
        tracing_core::Level::INFO => Level::Info,
        tracing_core::Level::WARN => Level::Warn,
        _ => Level::Error,
    }
}

impl Subscriber for LambdaSubscriber {
    fn enabled(&self, metadata: &Metadata<'_>) -> bool {
        !metadata.is_event() || enabled(level(metadata.level()))
    }

    fn new_span(&self, _: &Attributes<'_>) -> Id {
        // Spans are not recorded; every one gets the same id.
        Id::from_u64(1)
    }

    fn record(&self, _: &Id, _: &Record<'_>) {}

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        write(
            level(event.metadata().level()),
            format_args!("{}", Fields(event)),
        );
    }

    fn enter(&self, _: &Id) {}

    fn exit(&self, _: &Id) {}
}

/// An event's fields: the message, then ` name=value` for the others.
struct Fields<'a, 'b>(&'a Event<'b>);

impl fmt::Display for Fields<'_, '_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut message = Writer {
            f,
            result: Ok(()),
            message: true,
            first: true,
        };
        self.0.record(&mut message);
        let mut rest = Writer {
            f: message.f,
            result: message.result,
            message: false,
            first: message.first,
        };
        self.0.record(&mut rest);
        rest.result
    }
}

/// Writes fields into the formatter: the `message` field alone
/// (`message: true`) or every other one.
struct Writer<'f, 'g> {
    f: &'f mut fmt::Formatter<'g>,
    result: fmt::Result,
    message: bool,
    first: bool,
}

impl Visit for Writer<'_, '_> {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        let is_message = field.name() == "message";
        if self.result.is_err() || self.message != is_message {
            return;
        }
        let sep = if self.first { "" } else { " " };
        self.first = false;
        self.result = if is_message {
            write!(self.f, "{value:?}")
        } else {
            write!(self.f, "{sep}{}={value:?}", field.name())
        };
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let is_message = field.name() == "message";
        if self.result.is_err() || self.message != is_message {
            return;
        }
        let sep = if self.first { "" } else { " " };
        self.first = false;
        self.result = if is_message {
            self.f.write_str(value)
        } else {
            write!(self.f, "{sep}{}={value}", field.name())
        };
    }
}
