//! Amazon SQS events: a batch of messages from a queue's event source
//! mapping, and the partial-batch answer
//! ([`BatchItemFailures`](super::BatchItemFailures)).
//!
//! ```
//! use lambda_zero::events::sqs;
//! let event = br#"{"Records":[{"messageId":"m-1","receiptHandle":"r-1",
//!   "body":"{\"order\":7}","eventSourceARN":"arn:aws:sqs:us-east-2:123456789012:q",
//!   "attributes":{"ApproximateReceiveCount":"2","SentTimestamp":"1545082649183","MessageGroupId":"g1"},
//!   "messageAttributes":{"kind":{"stringValue":"order","dataType":"String"}}}]}"#;
//! let batch = sqs::Event::parse(event)?;
//! let mut text = String::new(); // keep it across invocations: it is reused
//! for message in batch.records() {
//!     let message = message?;
//!     assert_eq!(message.message_id(), "m-1");
//!     assert_eq!(message.body_text(&mut text), r#"{"order":7}"#);
//!     assert_eq!(message.approximate_receive_count(), Some(2));
//!     assert_eq!(message.sent_timestamp(), Some(1545082649183));
//!     assert_eq!(message.message_group_id().unwrap(), "g1");
//!     let kind = message.message_attribute("kind").unwrap();
//!     assert_eq!(kind.string_value().unwrap(), "order");
//! }
//! # Ok::<(), lambda_zero::events::Error>(())
//! ```

use super::{
    attribute, decode_base64, required_str, Attributes, Batch, Error, FromRecord, Spec, Strings,
};
use crate::events::json::{Kind, Str, Value};

/// An SQS event: its `Records`, one [`Message`] each.
pub type Event<'a> = Batch<'a, Message<'a>>;

const FIELDS: Spec<10> = Spec::new([
    ("messageId", Kind::String),
    ("receiptHandle", Kind::String),
    ("body", Kind::String),
    ("md5OfBody", Kind::String),
    ("md5OfMessageAttributes", Kind::String),
    ("attributes", Kind::Object),
    ("messageAttributes", Kind::Object),
    ("eventSource", Kind::String),
    ("eventSourceARN", Kind::String),
    ("awsRegion", Kind::String),
]);
const MESSAGE_ID: usize = 0;
const RECEIPT_HANDLE: usize = 1;
const BODY: usize = 2;
const MD5_OF_BODY: usize = 3;
const MD5_OF_ATTRIBUTES: usize = 4;
const ATTRIBUTES: usize = 5;
const MESSAGE_ATTRIBUTES: usize = 6;
const EVENT_SOURCE: usize = 7;
const EVENT_SOURCE_ARN: usize = 8;
const AWS_REGION: usize = 9;

/// One SQS message: `messageId`, `receiptHandle` and `body` are required,
/// the rest optional.
#[derive(Debug, Clone, Copy)]
pub struct Message<'a> {
    record: Value<'a>,
    index: usize,
    message_id: Str<'a>,
    receipt_handle: Str<'a>,
    body: Str<'a>,
    fields: [Option<Value<'a>>; FIELDS.len()],
}

impl super::sealed::Sealed for Message<'_> {}

impl<'a> FromRecord<'a> for Message<'a> {
    const KIND: &'static str = "an SQS event";
    const DEPTH: usize = 3;

    fn read(
        record: Value<'a>,
        index: usize,
        f: &super::sealed::Fields<'_, 'a>,
    ) -> Result<Self, Error> {
        let at = Some(index);
        let fields = super::index(f, record, &FIELDS, at)?;
        Ok(Message {
            record,
            index,
            message_id: required_str(&fields, &FIELDS, MESSAGE_ID, at)?,
            receipt_handle: required_str(&fields, &FIELDS, RECEIPT_HANDLE, at)?,
            body: required_str(&fields, &FIELDS, BODY, at)?,
            fields,
        })
    }
}

impl<'a> Message<'a> {
    fn text(&self, i: usize) -> Option<Str<'a>> {
        self.fields[i].and_then(|v| v.as_str())
    }

    /// The record's position in the batch.
    pub fn index(&self) -> usize {
        self.index
    }

    /// The whole record, for fields without an accessor.
    pub fn json(&self) -> Value<'a> {
        self.record
    }

    /// `messageId`: the identifier to report in
    /// [`BatchItemFailures`](super::BatchItemFailures).
    pub fn message_id(&self) -> Str<'a> {
        self.message_id
    }

    /// `receiptHandle`, for deleting or changing the visibility of the
    /// message yourself.
    pub fn receipt_handle(&self) -> Str<'a> {
        self.receipt_handle
    }

    /// `body` as sent: JSON-escaped (compare it, print it, or copy
    /// [`Str::raw`] into JSON output as it is).
    pub fn body(&self) -> Str<'a> {
        self.body
    }

    /// The body's text: borrowed when it has no JSON escapes, else
    /// unescaped into `scratch` (cleared first; keep it across
    /// invocations, it allocates only to grow).
    pub fn body_text<'s>(&self, scratch: &'s mut String) -> &'s str
    where
        'a: 's,
    {
        self.body.decode(scratch)
    }

    /// `md5OfBody`.
    pub fn md5_of_body(&self) -> Option<Str<'a>> {
        self.text(MD5_OF_BODY)
    }

    /// `md5OfMessageAttributes`.
    pub fn md5_of_message_attributes(&self) -> Option<Str<'a>> {
        self.text(MD5_OF_ATTRIBUTES)
    }

    /// `eventSource` (`aws:sqs`).
    pub fn event_source(&self) -> Option<Str<'a>> {
        self.text(EVENT_SOURCE)
    }

    /// `eventSourceARN`: the queue's ARN.
    pub fn event_source_arn(&self) -> Option<Str<'a>> {
        self.text(EVENT_SOURCE_ARN)
    }

    /// `awsRegion`.
    pub fn aws_region(&self) -> Option<Str<'a>> {
        self.text(AWS_REGION)
    }

    /// The `attributes` object (system attributes, string values).
    pub fn attributes(&self) -> Option<Value<'a>> {
        self.fields[ATTRIBUTES]
    }

    /// A system attribute by name (`ApproximateReceiveCount`,
    /// `SentTimestamp`, `SenderId`, `MessageGroupId`, …), when it is a
    /// string.
    pub fn attribute(&self, name: &str) -> Option<Str<'a>> {
        self.attributes()?.get(name)?.as_str()
    }

    fn number(&self, name: &str) -> Option<u64> {
        let text = self.attribute(name)?;
        if let Some(plain) = text.borrowed() {
            return plain.parse().ok();
        }
        // Digits spelled with JSON escapes (`\u0031`): what `str::parse`
        // makes of the unescaped text (a `+`, then digits), without
        // unescaping it anywhere. A character past ASCII is no digit (0).
        let mut chars = text.chars().peekable();
        chars.next_if_eq(&'+');
        crate::text::digits_u64(chars.map(|c| u8::try_from(c).unwrap_or(0)))
    }

    /// `ApproximateReceiveCount`: how many times the message has been
    /// received (1 the first time).
    pub fn approximate_receive_count(&self) -> Option<u64> {
        self.number("ApproximateReceiveCount")
    }

    /// `SentTimestamp`, in milliseconds since the Unix epoch.
    pub fn sent_timestamp(&self) -> Option<u64> {
        self.number("SentTimestamp")
    }

    /// `ApproximateFirstReceiveTimestamp`, in milliseconds since the Unix
    /// epoch.
    pub fn approximate_first_receive_timestamp(&self) -> Option<u64> {
        self.number("ApproximateFirstReceiveTimestamp")
    }

    /// `SenderId`.
    pub fn sender_id(&self) -> Option<Str<'a>> {
        self.attribute("SenderId")
    }

    /// `MessageGroupId` (FIFO queues).
    pub fn message_group_id(&self) -> Option<Str<'a>> {
        self.attribute("MessageGroupId")
    }

    /// `MessageDeduplicationId` (FIFO queues).
    pub fn message_deduplication_id(&self) -> Option<Str<'a>> {
        self.attribute("MessageDeduplicationId")
    }

    /// `SequenceNumber` (FIFO queues; a decimal string that can exceed
    /// `u64`).
    pub fn sequence_number(&self) -> Option<Str<'a>> {
        self.attribute("SequenceNumber")
    }

    /// `AWSTraceHeader`: the X-Ray trace header of the sender.
    pub fn aws_trace_header(&self) -> Option<Str<'a>> {
        self.attribute("AWSTraceHeader")
    }

    /// The message attributes, `(name, attribute)` in document order.
    pub fn message_attributes(&self) -> Attributes<'a, MessageAttribute<'a>> {
        Attributes::new(self.fields[MESSAGE_ATTRIBUTES], |value| MessageAttribute {
            value,
        })
    }

    /// A message attribute by name.
    pub fn message_attribute(&self, name: &str) -> Option<MessageAttribute<'a>> {
        let value = attribute(self.fields[MESSAGE_ATTRIBUTES], name)?;
        Some(MessageAttribute { value })
    }
}

/// One message attribute: `dataType` and a string or binary value (or
/// lists of them).
#[derive(Debug, Clone, Copy)]
pub struct MessageAttribute<'a> {
    value: Value<'a>,
}

impl<'a> MessageAttribute<'a> {
    fn text(&self, key: &str) -> Option<Str<'a>> {
        self.value.get(key)?.as_str()
    }

    /// The attribute as sent.
    pub fn json(&self) -> Value<'a> {
        self.value
    }

    /// `dataType`: `String`, `Number`, `Binary`, or one of them with a
    /// custom suffix (`Number.float`).
    pub fn data_type(&self) -> Option<Str<'a>> {
        self.text("dataType")
    }

    /// `stringValue` (for `String` and `Number` attributes).
    pub fn string_value(&self) -> Option<Str<'a>> {
        self.text("stringValue")
    }

    /// `binaryValue` as sent: base64 text.
    pub fn raw_binary_value(&self) -> Option<Str<'a>> {
        self.text("binaryValue")
    }

    /// `binaryValue` decoded into `scratch` (cleared first, reused);
    /// `Ok(None)` when the attribute has none.
    ///
    /// # Errors
    /// [`Error::Base64`] when it is not valid base64.
    pub fn binary_value<'s>(&self, scratch: &'s mut Vec<u8>) -> Result<Option<&'s [u8]>, Error> {
        match self.raw_binary_value() {
            Some(text) => decode_base64(text, scratch).map(Some),
            None => Ok(None),
        }
    }

    /// `stringListValues`.
    pub fn string_list_values(&self) -> Strings<'a> {
        Strings::new(self.value.get("stringListValues"))
    }

    /// `binaryListValues`, each as base64 text.
    pub fn binary_list_values(&self) -> Strings<'a> {
        Strings::new(self.value.get("binaryListValues"))
    }
}
