//! Amazon SNS events: notifications delivered to a subscribed function.
//!
//! ```
//! use lambda_zero::events::sns;
//! let event = br#"{"Records":[{"EventSource":"aws:sns","Sns":{"Type":"Notification",
//!   "MessageId":"95df01b4","TopicArn":"arn:aws:sns:us-east-2:123456789012:t",
//!   "Subject":"Hi","Message":"Hello\r\nworld","Timestamp":"2019-01-02T12:45:07.000Z",
//!   "MessageAttributes":{"Test":{"Type":"String","Value":"TestString"}}}}]}"#;
//! let mut text = String::new(); // reused across invocations
//! for n in sns::Event::parse(event)?.records() {
//!     let n = n?;
//!     assert_eq!(n.topic_arn(), "arn:aws:sns:us-east-2:123456789012:t");
//!     assert_eq!(n.subject().unwrap(), "Hi");
//!     assert_eq!(n.message_text(&mut text), "Hello\r\nworld");
//!     assert_eq!(n.message_attribute("Test").unwrap().value().unwrap(), "TestString");
//! }
//! # Ok::<(), lambda_zero::events::Error>(())
//! ```

use super::{attribute, required, required_str, Attributes, Batch, Error, FromRecord, Spec};
use crate::events::json::{Kind, Str, Value};

/// An SNS event: its `Records`, one [`Notification`] each (SNS sends one).
pub type Event<'a> = Batch<'a, Notification<'a>>;

const RECORD: Spec<4> = Spec::new([
    ("EventVersion", Kind::String),
    ("EventSubscriptionArn", Kind::String),
    ("EventSource", Kind::String),
    ("Sns", Kind::Object),
]);
const EVENT_VERSION: usize = 0;
const SUBSCRIPTION_ARN: usize = 1;
const EVENT_SOURCE: usize = 2;
const SNS: usize = 3;

const FIELDS: Spec<13> = Spec::new([
    ("Sns.Type", Kind::String),
    ("Sns.MessageId", Kind::String),
    ("Sns.TopicArn", Kind::String),
    ("Sns.Subject", Kind::String),
    ("Sns.Message", Kind::String),
    ("Sns.Timestamp", Kind::String),
    ("Sns.SignatureVersion", Kind::String),
    ("Sns.Signature", Kind::String),
    ("Sns.SigningCertUrl", Kind::String),
    ("Sns.SigningCertURL", Kind::String),
    ("Sns.UnsubscribeUrl", Kind::String),
    ("Sns.UnsubscribeURL", Kind::String),
    ("Sns.MessageAttributes", Kind::Object),
]);
const TYPE: usize = 0;
const MESSAGE_ID: usize = 1;
const TOPIC_ARN: usize = 2;
const SUBJECT: usize = 3;
const MESSAGE: usize = 4;
const TIMESTAMP: usize = 5;
const SIGNATURE_VERSION: usize = 6;
const SIGNATURE: usize = 7;
const SIGNING_CERT_URL: usize = 8;
const SIGNING_CERT_URL_UPPER: usize = 9;
const UNSUBSCRIBE_URL: usize = 10;
const UNSUBSCRIBE_URL_UPPER: usize = 11;
const MESSAGE_ATTRIBUTES: usize = 12;

/// One SNS record: the record's own fields and its `Sns` message, of which
/// `MessageId`, `TopicArn`, `Message` and `Timestamp` are required.
#[derive(Debug, Clone, Copy)]
pub struct Notification<'a> {
    record: Value<'a>,
    index: usize,
    message_id: Str<'a>,
    topic_arn: Str<'a>,
    message: Str<'a>,
    timestamp: Str<'a>,
    outer: [Option<Value<'a>>; RECORD.len()],
    fields: [Option<Value<'a>>; FIELDS.len()],
}

impl super::sealed::Sealed for Notification<'_> {}

impl<'a> FromRecord<'a> for Notification<'a> {
    const KIND: &'static str = "an SNS event";
    const DEPTH: usize = 4;

    fn read(
        record: Value<'a>,
        index: usize,
        f: &super::sealed::Fields<'_, 'a>,
    ) -> Result<Self, Error> {
        let at = Some(index);
        let outer = super::index(f, record, &RECORD, at)?;
        let sns = required(&outer, &RECORD, SNS, at)?;
        let fields = super::index(f, sns, &FIELDS, at)?;
        Ok(Notification {
            record,
            index,
            message_id: required_str(&fields, &FIELDS, MESSAGE_ID, at)?,
            topic_arn: required_str(&fields, &FIELDS, TOPIC_ARN, at)?,
            message: required_str(&fields, &FIELDS, MESSAGE, at)?,
            timestamp: required_str(&fields, &FIELDS, TIMESTAMP, at)?,
            outer,
            fields,
        })
    }
}

impl<'a> Notification<'a> {
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

    /// `EventVersion` (`1.0`).
    pub fn event_version(&self) -> Option<Str<'a>> {
        self.outer[EVENT_VERSION].and_then(|v| v.as_str())
    }

    /// `EventSubscriptionArn`.
    pub fn event_subscription_arn(&self) -> Option<Str<'a>> {
        self.outer[SUBSCRIPTION_ARN].and_then(|v| v.as_str())
    }

    /// `EventSource` (`aws:sns`).
    pub fn event_source(&self) -> Option<Str<'a>> {
        self.outer[EVENT_SOURCE].and_then(|v| v.as_str())
    }

    /// `Sns.MessageId`.
    pub fn message_id(&self) -> Str<'a> {
        self.message_id
    }

    /// `Sns.TopicArn`.
    pub fn topic_arn(&self) -> Str<'a> {
        self.topic_arn
    }

    /// `Sns.Subject` (absent or `null` when the publisher gave none).
    pub fn subject(&self) -> Option<Str<'a>> {
        self.text(SUBJECT)
    }

    /// `Sns.Message` as sent (JSON-escaped).
    pub fn message(&self) -> Str<'a> {
        self.message
    }

    /// The message's text: borrowed when it has no JSON escapes, else
    /// unescaped into `scratch` (cleared first, reused).
    pub fn message_text<'s>(&self, scratch: &'s mut String) -> &'s str
    where
        'a: 's,
    {
        self.message.decode(scratch)
    }

    /// `Sns.Timestamp`: when it was published, ISO 8601
    /// (`2019-01-02T12:45:07.000Z`).
    pub fn timestamp(&self) -> Str<'a> {
        self.timestamp
    }

    /// `Sns.Type` (`Notification`).
    pub fn message_type(&self) -> Option<Str<'a>> {
        self.text(TYPE)
    }

    /// `Sns.SignatureVersion`.
    pub fn signature_version(&self) -> Option<Str<'a>> {
        self.text(SIGNATURE_VERSION)
    }

    /// `Sns.Signature` (base64).
    pub fn signature(&self) -> Option<Str<'a>> {
        self.text(SIGNATURE)
    }

    /// `Sns.SigningCertUrl` (also spelled `SigningCertURL`).
    pub fn signing_cert_url(&self) -> Option<Str<'a>> {
        self.text(SIGNING_CERT_URL)
            .or_else(|| self.text(SIGNING_CERT_URL_UPPER))
    }

    /// `Sns.UnsubscribeUrl` (also spelled `UnsubscribeURL`).
    pub fn unsubscribe_url(&self) -> Option<Str<'a>> {
        self.text(UNSUBSCRIBE_URL)
            .or_else(|| self.text(UNSUBSCRIBE_URL_UPPER))
    }

    /// `Sns.MessageAttributes`, `(name, attribute)` in document order.
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

/// One SNS message attribute: `Type` and `Value` (binary values are
/// base64 text).
#[derive(Debug, Clone, Copy)]
pub struct MessageAttribute<'a> {
    value: Value<'a>,
}

impl<'a> MessageAttribute<'a> {
    /// The attribute as sent.
    pub fn json(&self) -> Value<'a> {
        self.value
    }

    /// `Type`: `String`, `String.Array`, `Number` or `Binary`.
    pub fn data_type(&self) -> Option<Str<'a>> {
        self.value.get("Type")?.as_str()
    }

    /// `Value`.
    pub fn value(&self) -> Option<Str<'a>> {
        self.value.get("Value")?.as_str()
    }
}
