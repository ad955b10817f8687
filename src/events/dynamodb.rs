//! Amazon DynamoDB Streams events: one record per item change, its keys
//! and images as JSON [`Value`]s in DynamoDB's attribute-value notation
//! (`{"Id":{"N":"101"},"Message":{"S":"New item!"}}`).
//!
//! A partial-batch answer (`ReportBatchItemFailures`) names records by
//! [`Record::sequence_number`] in a
//! [`BatchItemFailures`](super::BatchItemFailures).
//!
//! ```
//! use lambda_zero::events::dynamodb;
//! let event = br#"{"Records":[{"eventID":"1","eventName":"INSERT","eventSource":"aws:dynamodb",
//!   "dynamodb":{"Keys":{"Id":{"N":"101"}},"NewImage":{"Id":{"N":"101"},"Message":{"S":"New item!"}},
//!   "SequenceNumber":"111","SizeBytes":26,"StreamViewType":"NEW_AND_OLD_IMAGES"}}]}"#;
//! for record in dynamodb::Event::parse(event)?.records() {
//!     let record = record?;
//!     assert_eq!(record.event_name(), "INSERT");
//!     assert_eq!(record.sequence_number(), "111");
//!     assert_eq!(record.size_bytes(), Some(26));
//!     let id = record.keys().unwrap().path(&["Id", "N"]).unwrap();
//!     assert_eq!(id.as_str().unwrap(), "101");
//!     assert!(record.old_image().is_none());
//! }
//! # Ok::<(), lambda_zero::events::Error>(())
//! ```

use super::{required, required_str, Batch, Error, FromRecord, Spec};
use crate::events::json::{Kind, Str, Value};

/// A DynamoDB Streams event: its `Records`, one [`Record`] each.
pub type Event<'a> = Batch<'a, Record<'a>>;

const RECORD: Spec<8> = Spec::new([
    ("eventID", Kind::String),
    ("eventName", Kind::String),
    ("eventVersion", Kind::String),
    ("eventSource", Kind::String),
    ("awsRegion", Kind::String),
    ("eventSourceARN", Kind::String),
    ("userIdentity", Kind::Object),
    ("dynamodb", Kind::Object),
]);
const EVENT_ID: usize = 0;
const EVENT_NAME: usize = 1;
const EVENT_VERSION: usize = 2;
const EVENT_SOURCE: usize = 3;
const AWS_REGION: usize = 4;
const EVENT_SOURCE_ARN: usize = 5;
const USER_IDENTITY: usize = 6;
const DYNAMODB: usize = 7;

const CHANGE: Spec<7> = Spec::new([
    ("dynamodb.ApproximateCreationDateTime", Kind::Number),
    ("dynamodb.Keys", Kind::Object),
    ("dynamodb.NewImage", Kind::Object),
    ("dynamodb.OldImage", Kind::Object),
    ("dynamodb.SequenceNumber", Kind::String),
    ("dynamodb.SizeBytes", Kind::Number),
    ("dynamodb.StreamViewType", Kind::String),
]);
const CREATION_TIME: usize = 0;
const KEYS: usize = 1;
const NEW_IMAGE: usize = 2;
const OLD_IMAGE: usize = 3;
const SEQUENCE_NUMBER: usize = 4;
const SIZE_BYTES: usize = 5;
const STREAM_VIEW_TYPE: usize = 6;

/// One stream record: `eventName`, `dynamodb` and
/// `dynamodb.SequenceNumber` are required, the rest optional (which
/// images are there depends on the event and the stream's view type).
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    record: Value<'a>,
    index: usize,
    event_name: Str<'a>,
    sequence_number: Str<'a>,
    fields: [Option<Value<'a>>; RECORD.len()],
    change: [Option<Value<'a>>; CHANGE.len()],
}

impl super::sealed::Sealed for Record<'_> {}

impl<'a> FromRecord<'a> for Record<'a> {
    const KIND: &'static str = "a DynamoDB Streams event";
    const DEPTH: usize = 4;

    fn read(
        record: Value<'a>,
        index: usize,
        f: &super::sealed::Fields<'_, 'a>,
    ) -> Result<Self, Error> {
        let at = Some(index);
        let fields = super::index(f, record, &RECORD, at)?;
        let change = super::index(f, required(&fields, &RECORD, DYNAMODB, at)?, &CHANGE, at)?;
        Ok(Record {
            record,
            index,
            event_name: required_str(&fields, &RECORD, EVENT_NAME, at)?,
            sequence_number: required_str(&change, &CHANGE, SEQUENCE_NUMBER, at)?,
            fields,
            change,
        })
    }
}

impl<'a> Record<'a> {
    fn text(&self, i: usize) -> Option<Str<'a>> {
        self.fields[i].and_then(|v| v.as_str())
    }

    /// The record's position in the event.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The whole record, for fields without an accessor.
    pub fn json(&self) -> Value<'a> {
        self.record
    }

    /// `eventName`: `INSERT`, `MODIFY` or `REMOVE`.
    pub fn event_name(&self) -> Str<'a> {
        self.event_name
    }

    /// `eventID`.
    pub fn event_id(&self) -> Option<Str<'a>> {
        self.text(EVENT_ID)
    }

    /// `eventVersion`.
    pub fn event_version(&self) -> Option<Str<'a>> {
        self.text(EVENT_VERSION)
    }

    /// `eventSource` (`aws:dynamodb`).
    pub fn event_source(&self) -> Option<Str<'a>> {
        self.text(EVENT_SOURCE)
    }

    /// `awsRegion`.
    pub fn aws_region(&self) -> Option<Str<'a>> {
        self.text(AWS_REGION)
    }

    /// `eventSourceARN`: the stream's ARN.
    pub fn event_source_arn(&self) -> Option<Str<'a>> {
        self.text(EVENT_SOURCE_ARN)
    }

    /// `userIdentity` (set for deletions by TTL: `{"type":"Service",
    /// "principalId":"dynamodb.amazonaws.com"}`).
    pub fn user_identity(&self) -> Option<Value<'a>> {
        self.fields[USER_IDENTITY]
    }

    /// `dynamodb`, the whole stream record.
    pub fn change(&self) -> Option<Value<'a>> {
        self.fields[DYNAMODB]
    }

    /// `dynamodb.Keys`: the item's primary key attributes.
    pub fn keys(&self) -> Option<Value<'a>> {
        self.change[KEYS]
    }

    /// `dynamodb.NewImage`: the item after the change.
    pub fn new_image(&self) -> Option<Value<'a>> {
        self.change[NEW_IMAGE]
    }

    /// `dynamodb.OldImage`: the item before the change.
    pub fn old_image(&self) -> Option<Value<'a>> {
        self.change[OLD_IMAGE]
    }

    /// `dynamodb.SequenceNumber`: the identifier to report in
    /// [`BatchItemFailures`](super::BatchItemFailures).
    pub fn sequence_number(&self) -> Str<'a> {
        self.sequence_number
    }

    /// `dynamodb.SizeBytes`.
    pub fn size_bytes(&self) -> Option<u64> {
        self.change[SIZE_BYTES]?.as_u64()
    }

    /// `dynamodb.StreamViewType`: `KEYS_ONLY`, `NEW_IMAGE`, `OLD_IMAGE` or
    /// `NEW_AND_OLD_IMAGES`.
    pub fn stream_view_type(&self) -> Option<Str<'a>> {
        self.change[STREAM_VIEW_TYPE]?.as_str()
    }

    /// `dynamodb.ApproximateCreationDateTime`, in seconds since the Unix
    /// epoch.
    pub fn approximate_creation_date_time(&self) -> Option<f64> {
        self.change[CREATION_TIME]?.as_f64()
    }
}
