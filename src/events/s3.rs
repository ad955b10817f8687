//! Amazon S3 event notifications: one record per object event
//! (`ObjectCreated:Put`, `ObjectRemoved:Delete`, …).
//!
//! S3 sends object keys URL-encoded the way HTML forms are: a space is
//! `+`, other bytes outside a safe set are `%XX` (a key `a b+c.txt`
//! arrives as `a+b%2Bc.txt`). [`Record::key`] decodes it into a reused
//! buffer; [`Record::raw_key`] is the key as sent.
//!
//! ```
//! use lambda_zero::events::s3;
//! let event = br#"{"Records":[{"eventName":"ObjectCreated:Put","eventTime":"2019-09-03T19:37:27.192Z",
//!   "s3":{"bucket":{"name":"photos"},"object":{"key":"2024/Happy+Face%21.jpg","size":1024,"eTag":"d41d8"}}}]}"#;
//! let mut key = String::new(); // keep it across invocations: it is reused
//! for record in s3::Event::parse(event)?.records() {
//!     let record = record?;
//!     assert_eq!(record.event_name(), "ObjectCreated:Put");
//!     assert_eq!(record.bucket_name(), "photos");
//!     assert_eq!(record.key(&mut key)?, "2024/Happy Face!.jpg");
//!     assert_eq!(record.size(), Some(1024));
//!     assert_eq!(record.etag().unwrap(), "d41d8");
//! }
//! # Ok::<(), lambda_zero::events::Error>(())
//! ```

use super::{required, required_str, Batch, Error, FromRecord, Spec};
use crate::events::json::{Kind, Str, Value};

/// An S3 event: its `Records`, one [`Record`] each.
pub type Event<'a> = Batch<'a, Record<'a>>;

const RECORD: Spec<9> = Spec::new([
    ("eventVersion", Kind::String),
    ("eventSource", Kind::String),
    ("awsRegion", Kind::String),
    ("eventTime", Kind::String),
    ("eventName", Kind::String),
    ("userIdentity", Kind::Object),
    ("requestParameters", Kind::Object),
    ("responseElements", Kind::Object),
    ("s3", Kind::Object),
]);
const EVENT_VERSION: usize = 0;
const EVENT_SOURCE: usize = 1;
const AWS_REGION: usize = 2;
const EVENT_TIME: usize = 3;
const EVENT_NAME: usize = 4;
const USER_IDENTITY: usize = 5;
const REQUEST_PARAMETERS: usize = 6;
const RESPONSE_ELEMENTS: usize = 7;
const S3: usize = 8;

const ENTITY: Spec<4> = Spec::new([
    ("s3.s3SchemaVersion", Kind::String),
    ("s3.configurationId", Kind::String),
    ("s3.bucket", Kind::Object),
    ("s3.object", Kind::Object),
]);
const CONFIGURATION_ID: usize = 1;
const BUCKET: usize = 2;
const OBJECT: usize = 3;

const BUCKET_FIELDS: Spec<2> = Spec::new([
    ("s3.bucket.name", Kind::String),
    ("s3.bucket.arn", Kind::String),
]);
const BUCKET_NAME: usize = 0;
const BUCKET_ARN: usize = 1;

const OBJECT_FIELDS: Spec<5> = Spec::new([
    ("s3.object.key", Kind::String),
    ("s3.object.size", Kind::Number),
    ("s3.object.eTag", Kind::String),
    ("s3.object.versionId", Kind::String),
    ("s3.object.sequencer", Kind::String),
]);
const KEY: usize = 0;
const SIZE: usize = 1;
const ETAG: usize = 2;
const VERSION_ID: usize = 3;
const SEQUENCER: usize = 4;

/// One S3 event record: `eventName`, `eventTime`, `s3.bucket.name` and
/// `s3.object.key` are required, the rest optional (a delete has no size
/// or ETag).
#[derive(Debug, Clone, Copy)]
pub struct Record<'a> {
    record: Value<'a>,
    index: usize,
    event_name: Str<'a>,
    event_time: Str<'a>,
    bucket_name: Str<'a>,
    key: Str<'a>,
    fields: [Option<Value<'a>>; RECORD.len()],
    configuration_id: Option<Value<'a>>,
    bucket_arn: Option<Value<'a>>,
    object: [Option<Value<'a>>; OBJECT_FIELDS.len()],
}

impl super::sealed::Sealed for Record<'_> {}

impl<'a> FromRecord<'a> for Record<'a> {
    const KIND: &'static str = "an S3 event";
    const DEPTH: usize = 5;

    fn read(
        record: Value<'a>,
        index: usize,
        f: &super::sealed::Fields<'_, 'a>,
    ) -> Result<Self, Error> {
        let at = Some(index);
        let fields = super::index(f, record, &RECORD, at)?;
        let entity = super::index(f, required(&fields, &RECORD, S3, at)?, &ENTITY, at)?;
        let bucket = super::index(
            f,
            required(&entity, &ENTITY, BUCKET, at)?,
            &BUCKET_FIELDS,
            at,
        )?;
        let object = super::index(
            f,
            required(&entity, &ENTITY, OBJECT, at)?,
            &OBJECT_FIELDS,
            at,
        )?;
        Ok(Record {
            record,
            index,
            event_name: required_str(&fields, &RECORD, EVENT_NAME, at)?,
            event_time: required_str(&fields, &RECORD, EVENT_TIME, at)?,
            bucket_name: required_str(&bucket, &BUCKET_FIELDS, BUCKET_NAME, at)?,
            key: required_str(&object, &OBJECT_FIELDS, KEY, at)?,
            fields,
            configuration_id: entity[CONFIGURATION_ID],
            bucket_arn: bucket[BUCKET_ARN],
            object,
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

    /// `eventName`, e.g. `ObjectCreated:Put` or `ObjectRemoved:Delete`.
    pub fn event_name(&self) -> Str<'a> {
        self.event_name
    }

    /// `eventTime`, ISO 8601 (`2019-09-03T19:37:27.192Z`).
    pub fn event_time(&self) -> Str<'a> {
        self.event_time
    }

    /// `eventVersion` (`2.1`).
    pub fn event_version(&self) -> Option<Str<'a>> {
        self.text(EVENT_VERSION)
    }

    /// `eventSource` (`aws:s3`).
    pub fn event_source(&self) -> Option<Str<'a>> {
        self.text(EVENT_SOURCE)
    }

    /// `awsRegion`.
    pub fn aws_region(&self) -> Option<Str<'a>> {
        self.text(AWS_REGION)
    }

    /// `userIdentity.principalId`: who caused the event.
    pub fn principal_id(&self) -> Option<Str<'a>> {
        self.fields[USER_IDENTITY]?.get("principalId")?.as_str()
    }

    /// `requestParameters.sourceIPAddress`.
    pub fn source_ip_address(&self) -> Option<Str<'a>> {
        self.fields[REQUEST_PARAMETERS]?
            .get("sourceIPAddress")?
            .as_str()
    }

    /// `responseElements` (`x-amz-request-id`, `x-amz-id-2`).
    pub fn response_elements(&self) -> Option<Value<'a>> {
        self.fields[RESPONSE_ELEMENTS]
    }

    /// `s3.configurationId`: the notification configuration's id.
    pub fn configuration_id(&self) -> Option<Str<'a>> {
        self.configuration_id?.as_str()
    }

    /// `s3.bucket.name`.
    pub fn bucket_name(&self) -> Str<'a> {
        self.bucket_name
    }

    /// `s3.bucket.arn`.
    pub fn bucket_arn(&self) -> Option<Str<'a>> {
        self.bucket_arn?.as_str()
    }

    /// `s3.object.key` as sent: URL-encoded (see [`key`](Self::key)).
    pub fn raw_key(&self) -> Str<'a> {
        self.key
    }

    /// The object key, URL-decoded (`+` is a space, `%XX` a byte):
    /// borrowed when there is nothing to decode, else written into
    /// `scratch` (cleared first; keep it across invocations, it allocates
    /// only to grow).
    ///
    /// # Errors
    /// [`Error::KeyEncoding`] for a `%` not followed by two hex digits or
    /// decoded bytes that are not UTF-8 (`scratch` is left empty).
    pub fn key<'s>(&self, scratch: &'s mut String) -> Result<&'s str, Error>
    where
        'a: 's,
    {
        if let Some(text) = self.key.borrowed() {
            if !text.bytes().any(|b| b == b'%' || b == b'+') {
                return Ok(text);
            }
        }
        // Decode through the String's own bytes, so its capacity is kept.
        let mut bytes = std::mem::take(scratch).into_bytes();
        bytes.clear();
        self.key.decode_into(&mut bytes);
        let decoded = form_decode_in_place(&mut bytes);
        match (decoded, String::from_utf8(bytes)) {
            (Some(()), Ok(text)) => {
                *scratch = text;
                Ok(scratch)
            }
            (_, Ok(mut text)) => {
                text.clear();
                *scratch = text;
                Err(Error::KeyEncoding)
            }
            (_, Err(e)) => {
                let mut bytes = e.into_bytes();
                bytes.clear();
                *scratch = String::from_utf8(bytes).unwrap_or_default();
                Err(Error::KeyEncoding)
            }
        }
    }

    /// `s3.object.size` in bytes (absent for deletes).
    pub fn size(&self) -> Option<u64> {
        self.object[SIZE]?.as_u64()
    }

    /// `s3.object.eTag` (absent for deletes).
    pub fn etag(&self) -> Option<Str<'a>> {
        self.object[ETAG]?.as_str()
    }

    /// `s3.object.versionId` (versioned buckets).
    pub fn version_id(&self) -> Option<Str<'a>> {
        self.object[VERSION_ID]?.as_str()
    }

    /// `s3.object.sequencer`: orders events for the same key.
    pub fn sequencer(&self) -> Option<Str<'a>> {
        self.object[SEQUENCER]?.as_str()
    }
}

/// Decodes `application/x-www-form-urlencoded` text in place (`+` to a
/// space, `%XX` to its byte; the result is never longer). `None` for a
/// `%` without two hex digits after it.
fn form_decode_in_place(buf: &mut Vec<u8>) -> Option<()> {
    let mut r = 0;
    let mut w = 0;
    while let Some(&b) = buf.get(r) {
        let out = match b {
            b'+' => b' ',
            b'%' => {
                let hi = crate::text::hex_value(*buf.get(r + 1)?)?;
                let lo = crate::text::hex_value(*buf.get(r + 2)?)?;
                r += 2;
                hi << 4 | lo
            }
            _ => b,
        };
        r += 1;
        buf[w] = out;
        w += 1;
    }
    buf.truncate(w);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(s: &str) -> Option<Vec<u8>> {
        let mut b = s.as_bytes().to_vec();
        form_decode_in_place(&mut b).map(|()| b)
    }

    #[test]
    fn form_decodes() {
        assert_eq!(decode("a+b%2Bc%20d").unwrap(), b"a b+c d");
        assert_eq!(decode("%C3%a9").unwrap(), "é".as_bytes());
        assert_eq!(decode("").unwrap(), b"");
        for bad in ["%", "%2", "%G0", "a%2x", "%%"] {
            assert!(decode(bad).is_none(), "{bad}");
        }
    }
}
