//! Amazon Kinesis Data Streams events: records of one shard, their data
//! base64-decoded into a reused buffer.
//!
//! A partial-batch answer (`ReportBatchItemFailures`) names records by
//! [`Record::sequence_number`] in a
//! [`BatchItemFailures`](super::BatchItemFailures).
//!
//! ```
//! use lambda_zero::events::kinesis;
//! let event = br#"{"Records":[{"eventSource":"aws:kinesis","kinesis":{"partitionKey":"1",
//!   "sequenceNumber":"49590338271490256608559692538361571095921575989136588898",
//!   "data":"SGVsbG8sIHRoaXMgaXMgYSB0ZXN0Lg==","approximateArrivalTimestamp":1545084650.987}}]}"#;
//! let mut data = Vec::new(); // keep it across invocations: it is reused
//! for record in kinesis::Event::parse(event)?.records() {
//!     let record = record?;
//!     assert_eq!(record.partition_key(), "1");
//!     assert_eq!(record.data(&mut data)?, b"Hello, this is a test.");
//!     assert_eq!(record.approximate_arrival_timestamp(), Some(1545084650.987));
//! }
//! # Ok::<(), lambda_zero::events::Error>(())
//! ```

use super::{decode_base64, required, required_str, Batch, Error, FromRecord, Spec};
use crate::events::json::{Kind, Str, Value};

/// A Kinesis event: its `Records`, one [`Record`] each.
pub type Event<'a> = Batch<'a, Record<'a>>;

const RECORD: Spec<8> = Spec::new([
    ("kinesis", Kind::Object),
    ("eventSource", Kind::String),
    ("eventVersion", Kind::String),
    ("eventID", Kind::String),
    ("eventName", Kind::String),
    ("invokeIdentityArn", Kind::String),
    ("awsRegion", Kind::String),
    ("eventSourceARN", Kind::String),
]);
const KINESIS: usize = 0;
const EVENT_SOURCE: usize = 1;
const EVENT_VERSION: usize = 2;
const EVENT_ID: usize = 3;
const EVENT_NAME: usize = 4;
const INVOKE_IDENTITY_ARN: usize = 5;
const AWS_REGION: usize = 6;
const EVENT_SOURCE_ARN: usize = 7;

const DATA_FIELDS: Spec<6> = Spec::new([
    ("kinesis.partitionKey", Kind::String),
    ("kinesis.sequenceNumber", Kind::String),
    ("kinesis.data", Kind::String),
    ("kinesis.approximateArrivalTimestamp", Kind::Number),
    ("kinesis.kinesisSchemaVersion", Kind::String),
    ("kinesis.encryptionType", Kind::String),
]);
const PARTITION_KEY: usize = 0;
const SEQUENCE_NUMBER: usize = 1;
const DATA: usize = 2;
const ARRIVAL: usize = 3;
const SCHEMA_VERSION: usize = 4;
const ENCRYPTION_TYPE: usize = 5;

/// One Kinesis record: `kinesis.partitionKey`, `kinesis.sequenceNumber`
/// and `kinesis.data` are required, the rest optional.
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    record: Value<'a>,
    index: usize,
    partition_key: Str<'a>,
    sequence_number: Str<'a>,
    data: Str<'a>,
    fields: [Option<Value<'a>>; RECORD.len()],
    kinesis: [Option<Value<'a>>; DATA_FIELDS.len()],
}

impl super::sealed::Sealed for Record<'_> {}

impl<'a> FromRecord<'a> for Record<'a> {
    const KIND: &'static str = "a Kinesis event";
    const DEPTH: usize = 4;

    fn read(
        record: Value<'a>,
        index: usize,
        f: &super::sealed::Fields<'_, 'a>,
    ) -> Result<Self, Error> {
        let at = Some(index);
        let fields = super::index(f, record, &RECORD, at)?;
        let kinesis = super::index(
            f,
            required(&fields, &RECORD, KINESIS, at)?,
            &DATA_FIELDS,
            at,
        )?;
        Ok(Record {
            record,
            index,
            partition_key: required_str(&kinesis, &DATA_FIELDS, PARTITION_KEY, at)?,
            sequence_number: required_str(&kinesis, &DATA_FIELDS, SEQUENCE_NUMBER, at)?,
            data: required_str(&kinesis, &DATA_FIELDS, DATA, at)?,
            fields,
            kinesis,
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

    /// `kinesis.partitionKey`.
    pub fn partition_key(&self) -> Str<'a> {
        self.partition_key
    }

    /// `kinesis.sequenceNumber`: the identifier to report in
    /// [`BatchItemFailures`](super::BatchItemFailures) (a decimal string
    /// far beyond `u64`).
    pub fn sequence_number(&self) -> Str<'a> {
        self.sequence_number
    }

    /// `kinesis.data` as sent: base64 text.
    pub fn raw_data(&self) -> Str<'a> {
        self.data
    }

    /// The record's data, base64-decoded into `scratch` (cleared first;
    /// keep it across invocations, it allocates only to grow).
    ///
    /// # Errors
    /// [`Error::Base64`] when the data is not valid base64.
    pub fn data<'s>(&self, scratch: &'s mut Vec<u8>) -> Result<&'s [u8], Error> {
        decode_base64(self.data, scratch)
    }

    /// `kinesis.approximateArrivalTimestamp`, in seconds since the Unix
    /// epoch (with a fraction).
    pub fn approximate_arrival_timestamp(&self) -> Option<f64> {
        self.kinesis[ARRIVAL]?.as_f64()
    }

    /// `kinesis.kinesisSchemaVersion`.
    pub fn kinesis_schema_version(&self) -> Option<Str<'a>> {
        self.kinesis[SCHEMA_VERSION]?.as_str()
    }

    /// `kinesis.encryptionType` (`NONE` or `KMS`; absent means none).
    pub fn encryption_type(&self) -> Option<Str<'a>> {
        self.kinesis[ENCRYPTION_TYPE]?.as_str()
    }

    /// `eventSource` (`aws:kinesis`).
    pub fn event_source(&self) -> Option<Str<'a>> {
        self.text(EVENT_SOURCE)
    }

    /// `eventVersion`.
    pub fn event_version(&self) -> Option<Str<'a>> {
        self.text(EVENT_VERSION)
    }

    /// `eventID`: `shardId-…:` and the sequence number.
    pub fn event_id(&self) -> Option<Str<'a>> {
        self.text(EVENT_ID)
    }

    /// `eventName` (`aws:kinesis:record`).
    pub fn event_name(&self) -> Option<Str<'a>> {
        self.text(EVENT_NAME)
    }

    /// `invokeIdentityArn`: the role the event source mapping uses.
    pub fn invoke_identity_arn(&self) -> Option<Str<'a>> {
        self.text(INVOKE_IDENTITY_ARN)
    }

    /// `awsRegion`.
    pub fn aws_region(&self) -> Option<Str<'a>> {
        self.text(AWS_REGION)
    }

    /// `eventSourceARN`: the stream's ARN.
    pub fn event_source_arn(&self) -> Option<Str<'a>> {
        self.text(EVENT_SOURCE_ARN)
    }
}
