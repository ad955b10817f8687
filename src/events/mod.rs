//! The event layer: borrowed views of what AWS services send and
//! builders of what they want back. It sits beside the invocation loop,
//! never under it: the loop hands a handler the event's bytes, and a
//! handler that wants more reads them through these views.
//!
//! - HTTP: [`HttpRequest`] reads API Gateway REST (payload 1.0), HTTP API
//!   (2.0), function URL and ALB events; [`HttpResponse`] writes the answer
//!   in the event's own shape; [`Prebuilt`] and [`PrebuiltSet`] build
//!   constant answers once.
//! - Everything else: [`sqs`], [`sns`], [`s3`], [`eventbridge`] (scheduled
//!   events too), [`dynamodb`] streams and [`kinesis`], the record-based ones
//!   as a [`Batch`] of records, and [`BatchItemFailures`] for partial-batch
//!   answers.
//! - Under them all, [`json`]: a strict, allocation-free scanner.
//!
//! ## The record-based events
//!
//! Each module has an `Event` whose `parse` validates the whole event once
//! with the strict scanner of [`crate::events::json`] (for the record-based
//! sources, `Event` is a [`Batch`] of that module's record type); records
//! then come out of an iterator (the record iterator) that reads each record's
//! fields in one pass over its members. Accessors return slices of the receive buffer ([`Str`](json::Str),
//! [`Value`](json::Value)) and allocate nothing; what must be transformed is written into
//! a buffer the handler owns and reuses: an S3 key URL-decoded
//! ([`s3::Record::key`]), Kinesis data or an SQS binary attribute
//! base64-decoded ([`kinesis::Record::data`],
//! [`sqs::MessageAttribute::binary_value`]), a string with JSON escapes
//! ([`Str::decode`](json::Str::decode)).
//!
//! ```
//! use lambda_zero::events::{sqs, BatchItemFailures};
//! # let mut buf = Vec::new();
//! # let out = &mut lambda_zero::Output::for_test(&mut buf);
//! let event = br#"{"Records":[
//!   {"messageId":"m-1","receiptHandle":"r-1","body":"ok","attributes":{"ApproximateReceiveCount":"1"}},
//!   {"messageId":"m-2","receiptHandle":"r-2","body":"bad","attributes":{"ApproximateReceiveCount":"3"}}]}"#;
//! let batch = sqs::Event::parse(event)?;
//! let mut failures = BatchItemFailures::new(out);
//! for message in batch.records() {
//!     let message = message?;
//!     if message.body() != "ok" {
//!         failures.add(message.message_id());
//!     }
//! }
//! failures.finish();
//! assert_eq!(out.as_bytes(), br#"{"batchItemFailures":[{"itemIdentifier":"m-2"}]}"#);
//! # Ok::<(), lambda_zero::events::Error>(())
//! ```
//!
//! What is checked: the event is well-formed JSON and has the event's
//! outer shape (an object, with a `Records` array for the record-based
//! sources); each record is an object, none of the fields a view reads
//! appears twice in it, each has the JSON type AWS sends (`null` counts as
//! absent), and the fields every such event carries (an SQS message's id,
//! receipt handle and body, an S3 object's bucket and key…) are present.
//! A record that fails these checks comes out of the record iterator as an
//! [`Error`] naming the record and the field; the other records are still
//! readable. Values inside maps (SQS attributes, DynamoDB images…) are
//! handed out as [`Value`](json::Value)s or skipped when they are not the expected type.

pub(crate) mod batch;
pub(crate) mod error;
mod http;
mod http_response;
#[path = "json.rs"]
pub(crate) mod scanner;
pub(crate) mod sniff;

pub mod dynamodb;
pub mod eventbridge;
pub mod kinesis;
pub mod s3;
pub mod sns;
pub mod sqs;

/// The strict JSON scanner behind every view: validates a document once
/// (RFC 8259, nesting up to 127 levels as `serde_json`), then hands out
/// borrowed [`Value`](json::Value)s whose lookups allocate nothing.
pub mod json {
    pub(crate) use super::scanner::*;
    pub use super::scanner::{get, parse, validate, Error, Kind, Str, Value};
}

pub use batch::{Batch, BatchItemFailures};
#[cfg(feature = "serde")]
pub use http::from_json;
pub use http::{HttpRequest, Shape};
pub use http_response::{BodyWriter, HttpResponse, Prebuilt, PrebuiltSet};

pub(crate) use batch::*;
pub use error::Error;
