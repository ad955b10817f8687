//! Amazon EventBridge (CloudWatch Events) events, scheduled events
//! included: the envelope's fields, and `detail` as a JSON [`Value`] to
//! navigate.
//!
//! ```
//! use lambda_zero::events::eventbridge;
//! let event = br#"{"version":"0","id":"cdc73f9d","detail-type":"Scheduled Event",
//!   "source":"aws.events","account":"123456789012","time":"2019-03-01T01:23:45Z",
//!   "region":"us-east-2","resources":["arn:aws:events:us-east-2:123456789012:rule/my-schedule"],
//!   "detail":{}}"#;
//! let event = eventbridge::Event::parse(event)?;
//! assert!(event.is_scheduled());
//! assert_eq!(event.source(), "aws.events");
//! assert_eq!(event.time().unwrap(), "2019-03-01T01:23:45Z");
//! let rule = event.resources().next().unwrap();
//! assert!(rule.raw().ends_with("rule/my-schedule"));
//! assert_eq!(event.detail().unwrap().members().count(), 0);
//! # Ok::<(), lambda_zero::events::Error>(())
//! ```

use super::{parse_indexed, required_str, Error, Spec, Strings};
use crate::events::json::{Kind, Str, Value};

const FIELDS: Spec<9> = Spec::new([
    ("version", Kind::String),
    ("id", Kind::String),
    ("detail-type", Kind::String),
    ("source", Kind::String),
    ("account", Kind::String),
    ("time", Kind::String),
    ("region", Kind::String),
    ("resources", Kind::Array),
    ("detail", Kind::Object),
]);
const VERSION: usize = 0;
const ID: usize = 1;
const DETAIL_TYPE: usize = 2;
const SOURCE: usize = 3;
const ACCOUNT: usize = 4;
const TIME: usize = 5;
const REGION: usize = 6;
const RESOURCES: usize = 7;
const DETAIL: usize = 8;

/// `detail-type` of the events EventBridge schedules (rules with a
/// schedule expression and EventBridge Scheduler).
const SCHEDULED_EVENT: &str = "Scheduled Event";

/// An EventBridge event: `detail-type` and `source` are required, the
/// rest optional.
#[derive(Debug, Clone, Copy)]
pub struct Event<'a> {
    root: Value<'a>,
    detail_type: Str<'a>,
    source: Str<'a>,
    fields: [Option<Value<'a>>; FIELDS.len()],
}

impl<'a> Event<'a> {
    /// Validates `event` and reads it as an EventBridge event.
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON, [`Error::WrongKind`] for an
    /// event with neither `detail-type` nor `source`, [`Error::Missing`]
    /// when one of them is missing, [`Error::Field`] /
    /// [`Error::DuplicateField`] for fields that are not what AWS sends
    /// (`detail` must be an object).
    pub fn parse(event: &'a [u8]) -> Result<Self, Error> {
        let (root, fields) = parse_indexed(event, &FIELDS, "an EventBridge event")?;
        if fields[DETAIL_TYPE].is_none() && fields[SOURCE].is_none() {
            return Err(Error::WrongKind("an EventBridge event"));
        }
        Ok(Event {
            root,
            detail_type: required_str(&fields, &FIELDS, DETAIL_TYPE, None)?,
            source: required_str(&fields, &FIELDS, SOURCE, None)?,
            fields,
        })
    }

    fn text(&self, i: usize) -> Option<Str<'a>> {
        self.fields[i].and_then(|v| v.as_str())
    }

    /// The whole event, for fields without an accessor.
    pub fn json(&self) -> Value<'a> {
        self.root
    }

    /// `detail-type`, e.g. `Scheduled Event` or `EC2 Instance
    /// State-change Notification`.
    pub fn detail_type(&self) -> Str<'a> {
        self.detail_type
    }

    /// `source`, e.g. `aws.events`, `aws.ec2` or your own application's.
    pub fn source(&self) -> Str<'a> {
        self.source
    }

    /// True for a scheduled event (`detail-type` is
    /// `"Scheduled Event"`).
    pub fn is_scheduled(&self) -> bool {
        self.detail_type == SCHEDULED_EVENT
    }

    /// `detail`: the event's own content (`{}` for scheduled events).
    pub fn detail(&self) -> Option<Value<'a>> {
        self.fields[DETAIL]
    }

    /// `id`.
    pub fn id(&self) -> Option<Str<'a>> {
        self.text(ID)
    }

    /// `version` (`0`).
    pub fn version(&self) -> Option<Str<'a>> {
        self.text(VERSION)
    }

    /// `account`: the AWS account the event came from.
    pub fn account(&self) -> Option<Str<'a>> {
        self.text(ACCOUNT)
    }

    /// `time`, ISO 8601 (`2019-03-01T01:23:45Z`).
    pub fn time(&self) -> Option<Str<'a>> {
        self.text(TIME)
    }

    /// `region`.
    pub fn region(&self) -> Option<Str<'a>> {
        self.text(REGION)
    }

    /// `resources`: the ARNs the event concerns (for a scheduled event,
    /// the rule's).
    pub fn resources(&self) -> Strings<'a> {
        Strings::new(self.fields[RESOURCES])
    }
}
