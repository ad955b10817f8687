//! Borrowed views of the events AWS services send besides HTTP: SQS, SNS,
//! S3, EventBridge (and scheduled events), DynamoDB Streams and Kinesis.
//!
//! Each module has an `Event` whose `parse` validates the whole event once
//! with the strict scanner of [`crate::json`] (for the record-based
//! sources, `Event` is a [`Batch`] of that module's record type); records
//! then come out of an iterator ([`Records`]) that reads each record's
//! fields in one pass over its members. Accessors return slices of the receive buffer ([`Str`],
//! [`Value`]) and allocate nothing; what must be transformed is written into
//! a buffer the handler owns and reuses: an S3 key URL-decoded
//! ([`s3::Record::key`]), Kinesis data or an SQS binary attribute
//! base64-decoded ([`kinesis::Record::data`],
//! [`sqs::MessageAttribute::binary_value`]), a string with JSON escapes
//! ([`Str::decode`]).
//!
//! ```
//! use lambda_zero::events::{sqs, BatchItemFailures};
//! # let mut buf = Vec::new();
//! # let out = &mut lambda_zero::Response::for_test(&mut buf);
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
//! A record that fails these checks comes out of [`Records`] as an
//! [`Error`] naming the record and the field; the other records are still
//! readable. Values inside maps (SQS attributes, DynamoDB images…) are
//! handed out as [`Value`]s or skipped when they are not the expected type.

pub mod dynamodb;
pub mod eventbridge;
pub mod kinesis;
pub mod s3;
pub mod sns;
pub mod sqs;

use crate::base64;
use crate::json::{self, Elements, Kind, Members, Str, Value};
use crate::response::Response;
use std::fmt;
use std::marker::PhantomData;

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

impl crate::HandlerError for Error {
    fn error_type(&self) -> &str {
        "Event.Invalid"
    }
}

impl From<json::Error> for Error {
    fn from(e: json::Error) -> Self {
        Error::Json(e)
    }
}

/// A record-based event (SQS, SNS, S3, DynamoDB Streams, Kinesis): its
/// `Records` array, each record read as a `T` when the iterator reaches
/// it. Each module names its own: [`sqs::Event`], [`sns::Event`],
/// [`s3::Event`], [`dynamodb::Event`], [`kinesis::Event`].
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a, T> {
    records: Value<'a>,
    record: PhantomData<fn() -> T>,
}

impl<'a, T: FromRecord<'a>> Batch<'a, T> {
    /// Validates `event` and reads it as this kind of event.
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON, [`Error::WrongKind`] when the
    /// root is not an object with a `Records` array, [`Error::Field`] /
    /// [`Error::DuplicateField`] for a `Records` that is not one array.
    pub fn parse(event: &'a [u8]) -> Result<Self, Error> {
        let root = json::parse(event)?;
        if root.kind() != Kind::Object {
            return Err(Error::WrongKind(T::KIND));
        }
        let [records] = index(root, &[("Records", Kind::Array)], None)?;
        Ok(Batch {
            records: records.ok_or(Error::WrongKind(T::KIND))?,
            record: PhantomData,
        })
    }

    /// The records, in order; a record that is not what AWS sends comes
    /// out as an [`Error`] naming it, and the others stay readable.
    pub fn records(&self) -> Records<'a, T> {
        Records {
            elements: self.records.elements(),
            index: 0,
            record: PhantomData,
        }
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.records.elements().count()
    }

    /// True when the event holds no record.
    pub fn is_empty(&self) -> bool {
        self.records.elements().next().is_none()
    }

    /// The `Records` array as sent.
    pub fn json(&self) -> Value<'a> {
        self.records
    }
}

/// A record of a record-based event: [`sqs::Message`],
/// [`sns::Notification`], [`s3::Record`], [`dynamodb::Record`],
/// [`kinesis::Record`]. Sealed: the views of this crate are its only
/// implementations.
pub trait FromRecord<'a>: Sized + sealed::Sealed {
    /// The event's name in [`Error::WrongKind`], e.g. `"an SQS event"`.
    const KIND: &'static str;

    /// Reads record number `index` (its fields indexed and checked).
    ///
    /// # Errors
    /// [`Error::Field`], [`Error::Missing`], [`Error::DuplicateField`]
    /// for a record that is not what AWS sends.
    fn read(record: Value<'a>, index: usize) -> Result<Self, Error>;
}

pub(crate) mod sealed {
    /// Keeps [`super::FromRecord`] to this crate's views.
    pub trait Sealed {}
}

/// Iterator over the records of a [`Batch`]: each record read as it
/// comes, an [`Error`] for a record that is not what AWS sends.
#[derive(Debug, Clone)]
pub struct Records<'a, T> {
    elements: Elements<'a>,
    index: usize,
    record: PhantomData<fn() -> T>,
}

impl<'a, T: FromRecord<'a>> Iterator for Records<'a, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = self.elements.next()?;
        let i = self.index;
        self.index += 1;
        Some(T::read(record, i))
    }
}

/// The JSON kind's name for [`Error::Field`].
pub(crate) fn expected(kind: Kind) -> &'static str {
    match kind {
        Kind::String => "a string",
        Kind::Object => "an object",
        Kind::Array => "an array",
        Kind::Bool => "a boolean",
        Kind::Number => "a number",
        Kind::Null => "null",
    }
}

/// Reads the members of `object` named in `spec` in one pass: `spec`
/// holds each field's path as shown in errors (`"s3.object.key"`; the
/// member's key is the last segment) and the JSON kind it must have.
/// `null` counts as absent; a repeated field or one of the wrong kind is
/// an error; `object` must be an object.
pub(crate) fn index<'a, const N: usize>(
    object: Value<'a>,
    spec: &[(&'static str, Kind); N],
    record: Option<usize>,
) -> Result<[Option<Value<'a>>; N], Error> {
    const { assert!(N <= 64) };
    if object.kind() != Kind::Object {
        // The object's own name: the path of its fields minus the key.
        let name = spec
            .first()
            .and_then(|(path, _)| path.rsplit_once('.'))
            .map_or("Records", |(parent, _)| parent);
        return Err(Error::Field {
            record,
            name,
            expected: "an object",
        });
    }
    let keys = spec.map(|(path, _)| last_segment(path));
    let mut fields = [None; N];
    let mut seen = 0u64;
    for (key, value) in object.members() {
        let Some(i) = keys.iter().position(|k| key == *k) else {
            continue;
        };
        let (name, kind) = spec[i];
        if seen & (1 << i) != 0 {
            return Err(Error::DuplicateField { record, name });
        }
        seen |= 1 << i;
        if value.is_null() {
            continue;
        }
        if value.kind() != kind {
            return Err(Error::Field {
                record,
                name,
                expected: expected(kind),
            });
        }
        fields[i] = Some(value);
    }
    Ok(fields)
}

fn last_segment(path: &str) -> &str {
    path.rsplit('.').next().unwrap_or(path)
}

/// Field `i` of `fields` (indexed with `spec`), or [`Error::Missing`].
pub(crate) fn required<'a, const N: usize>(
    fields: &[Option<Value<'a>>; N],
    spec: &[(&'static str, Kind); N],
    i: usize,
    record: Option<usize>,
) -> Result<Value<'a>, Error> {
    fields[i].ok_or(Error::Missing {
        record,
        name: spec[i].0,
    })
}

/// A required string field (see [`required`]).
pub(crate) fn required_str<'a, const N: usize>(
    fields: &[Option<Value<'a>>; N],
    spec: &[(&'static str, Kind); N],
    i: usize,
    record: Option<usize>,
) -> Result<Str<'a>, Error> {
    let value = required(fields, spec, i, record)?;
    // `index` checked the kind.
    value.as_str().ok_or(Error::Field {
        record,
        name: spec[i].0,
        expected: "a string",
    })
}

/// The bytes a base64 string encodes, decoded into `scratch` (cleared
/// first; it allocates only to grow past its largest size so far).
pub(crate) fn decode_base64<'s>(
    text: Str<'_>,
    scratch: &'s mut Vec<u8>,
) -> Result<&'s [u8], Error> {
    scratch.clear();
    let decoded = match text.borrowed() {
        Some(plain) => base64::decode(plain.as_bytes(), scratch),
        None => {
            // `\/` is how JSON may spell the `/` of the base64 alphabet.
            text.decode_into(scratch);
            base64::decode_in_place(scratch, 0)
        }
    };
    decoded.map_err(Error::Base64)?;
    Ok(scratch)
}

/// The partial-batch answer of SQS, Kinesis and DynamoDB Streams event
/// source mappings with `ReportBatchItemFailures` on, written straight
/// into the handler's [`Response`]:
/// `{"batchItemFailures":[{"itemIdentifier":"…"},…]}`.
///
/// The identifier is the SQS message id ([`sqs::Message::message_id`]),
/// or the sequence number of a Kinesis or DynamoDB record
/// ([`kinesis::Record::sequence_number`],
/// [`dynamodb::Record::sequence_number`]). An empty list tells Lambda the
/// whole batch succeeded. Whatever `out` holds is cleared first; a builder
/// dropped without [`finish`](Self::finish) finishes the JSON itself.
///
/// ```
/// use lambda_zero::events::BatchItemFailures;
/// # let mut buf = Vec::new();
/// # let out = &mut lambda_zero::Response::for_test(&mut buf);
/// let mut failures = BatchItemFailures::new(out);
/// failures.add_text("id \"2\"").add_text("id4");
/// assert_eq!(failures.len(), 2);
/// drop(failures);
/// assert_eq!(
///     out.as_bytes(),
///     br#"{"batchItemFailures":[{"itemIdentifier":"id \"2\""},{"itemIdentifier":"id4"}]}"#
/// );
/// ```
#[derive(Debug)]
pub struct BatchItemFailures<'o, 'b> {
    out: &'o mut Response<'b>,
    items: usize,
    done: bool,
}

impl<'o, 'b> BatchItemFailures<'o, 'b> {
    /// Starts the answer in `out` (cleared first).
    pub fn new(out: &'o mut Response<'b>) -> Self {
        out.clear();
        out.write_bytes(b"{\"batchItemFailures\":[");
        BatchItemFailures {
            out,
            items: 0,
            done: false,
        }
    }

    fn open_item(&mut self) {
        if self.items > 0 {
            self.out.write_bytes(b",");
        }
        self.items += 1;
        self.out.write_bytes(b"{\"itemIdentifier\":\"");
    }

    /// Reports the item with identifier `id` as failed, copying the text
    /// as it was in the event (it is valid JSON string content already).
    pub fn add(&mut self, id: Str<'_>) -> &mut Self {
        self.open_item();
        self.out.write_bytes(id.raw().as_bytes());
        self.out.write_bytes(b"\"}");
        self
    }

    /// Reports the item with identifier `id` as failed, JSON-escaping it.
    pub fn add_text(&mut self, id: &str) -> &mut Self {
        self.open_item();
        self.out.write_json_str(id);
        self.out.write_bytes(b"\"}");
        self
    }

    /// Failures reported so far.
    pub fn len(&self) -> usize {
        self.items
    }

    /// True when no failure has been reported.
    pub fn is_empty(&self) -> bool {
        self.items == 0
    }

    /// Closes the JSON (dropping the builder does the same).
    pub fn finish(mut self) {
        self.close();
    }

    fn close(&mut self) {
        if !self.done {
            self.done = true;
            self.out.write_bytes(b"]}");
        }
    }
}

impl Drop for BatchItemFailures<'_, '_> {
    fn drop(&mut self) {
        self.close();
    }
}

/// The strings of a JSON array (items of another type are skipped): SQS
/// list attributes, EventBridge `resources`, DynamoDB sets.
#[derive(Debug, Clone)]
pub struct Strings<'a> {
    elements: Option<Elements<'a>>,
}

impl<'a> Strings<'a> {
    pub(crate) fn new(array: Option<Value<'a>>) -> Self {
        Strings {
            elements: array.map(|a| a.elements()),
        }
    }
}

impl<'a> Iterator for Strings<'a> {
    type Item = Str<'a>;

    fn next(&mut self) -> Option<Str<'a>> {
        self.elements.as_mut()?.find_map(|e| e.as_str())
    }
}

/// The `(name, attribute)` members of an attribute map whose values are
/// objects (SQS and SNS message attributes); members of another type are
/// skipped.
#[derive(Debug, Clone)]
pub struct Attributes<'a, A> {
    members: Option<Members<'a>>,
    make: fn(Value<'a>) -> A,
}

impl<'a, A> Attributes<'a, A> {
    pub(crate) fn new(map: Option<Value<'a>>, make: fn(Value<'a>) -> A) -> Self {
        Attributes {
            members: map.map(|m| m.members()),
            make,
        }
    }
}

impl<'a, A> Iterator for Attributes<'a, A> {
    type Item = (Str<'a>, A);

    fn next(&mut self) -> Option<Self::Item> {
        let make = self.make;
        self.members
            .as_mut()?
            .find(|(_, v)| v.kind() == Kind::Object)
            .map(|(k, v)| (k, make(v)))
    }
}

/// The member `name` of an attribute map, when it is an object.
pub(crate) fn attribute<'a>(map: Option<Value<'a>>, name: &str) -> Option<Value<'a>> {
    map?.get(name).filter(|v| v.kind() == Kind::Object)
}
