//! What the record-based events share: [`Batch`], its record iterator,
//! field indexing, and the partial-batch answer [`BatchItemFailures`].

use crate::base64;
use crate::events::json::{
    self, DeepIndex, Element, ElementIndex, Elements, IndexedElements, Kind, Members, Str, Value,
};
use crate::Error;
use crate::Output;
use std::marker::PhantomData;

/// A record-based event (SQS, SNS, S3, DynamoDB Streams, Kinesis): its
/// `Records` array, each record read as a `T` when the iterator reaches
/// it. Each module names its own: [`sqs::Event`](crate::events::sqs::Event), [`sns::Event`](crate::events::sns::Event),
/// [`s3::Event`](crate::events::s3::Event), [`dynamodb::Event`](crate::events::dynamodb::Event), [`kinesis::Event`](crate::events::kinesis::Event).
#[derive(Debug, Clone, Copy)]
pub struct Batch<'a, T> {
    records: Value<'a>,
    /// Where the first records lie, found while validating.
    index: ElementIndex,
    /// The members of the first records and of the objects they nest
    /// (down to `T::DEPTH`), found while validating.
    deep: DeepIndex,
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
        let mut index = ElementIndex::EMPTY;
        let mut deep = DeepIndex::new(T::DEPTH);
        let (_, [records]) = parse_indexed_with(
            event,
            &[("Records", Kind::Array)],
            T::KIND,
            |element| match element {
                Element::End { key, at, end } => {
                    let keep = key == "Records";
                    if keep {
                        index.push(at, end);
                    }
                    deep.element(keep);
                }
                Element::Member { depth, key_at, end } => deep.member(depth, key_at, end),
            },
        )?;
        let records = records.ok_or(Error::WrongKind(T::KIND))?;
        index.rebase(event, records);
        deep.rebase(event, records);
        Ok(Batch {
            records,
            index,
            deep,
            record: PhantomData,
        })
    }

    /// The records, in order; a record that is not what AWS sends comes
    /// out as an [`Error`] naming it, and the others stay readable.
    pub fn records(&self) -> Records<'a, T> {
        Records {
            elements: self.index.iter(self.records),
            records: self.records,
            deep: self.deep,
            index: 0,
            record: PhantomData,
        }
    }

    /// [`records`](Self::records) without what the validating pass
    /// recorded of their fields: each record and the objects it nests
    /// walked, the oracle of the tests and fuzz targets for that index.
    #[cfg(feature = "fuzz-bench-internals")]
    #[doc(hidden)]
    pub fn records_walked(&self) -> Records<'a, T> {
        Records {
            deep: DeepIndex::new(0),
            ..self.records()
        }
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.index.iter(self.records).count()
    }

    /// True when the event holds no record.
    pub fn is_empty(&self) -> bool {
        self.index.iter(self.records).next().is_none()
    }

    /// The `Records` array as sent.
    pub fn json(&self) -> Value<'a> {
        self.records
    }
}

/// A record of a record-based event: [`sqs::Message`](crate::events::sqs::Message),
/// [`sns::Notification`](crate::events::sns::Notification), [`s3::Record`](crate::events::s3::Record), [`dynamodb::Record`](crate::events::dynamodb::Record),
/// [`kinesis::Record`](crate::events::kinesis::Record). Sealed: the views of this crate are its only
/// implementations.
pub trait FromRecord<'a>: Sized + sealed::Sealed {
    /// The event's name in [`Error::WrongKind`], e.g. `"an SQS event"`.
    const KIND: &'static str;

    /// How deep the objects lie whose members [`read`](Self::read) looks
    /// at (3: the record's own, 4: those of objects that are its fields'
    /// values, 5: one more level): the validating pass records them.
    const DEPTH: usize;

    /// Reads record number `index` (its fields indexed and checked),
    /// finding the members of the record and of the objects it nests
    /// through `fields`.
    ///
    /// # Errors
    /// [`Error::Field`], [`Error::Missing`], [`Error::DuplicateField`]
    /// for a record that is not what AWS sends.
    #[doc(hidden)]
    fn read(
        record: Value<'a>,
        index: usize,
        fields: &sealed::Fields<'_, 'a>,
    ) -> Result<Self, Error>;
}

pub(crate) mod sealed {
    /// Keeps [`super::FromRecord`] to this crate's views.
    pub trait Sealed {}

    /// The members the validating pass recorded for one record
    /// ([`json::Fields`](crate::events::json::Fields)), out of the public
    /// API.
    #[derive(Debug, Clone, Copy)]
    pub struct Fields<'r, 'a>(pub(crate) crate::events::json::Fields<'r, 'a>);
}

/// Iterator over the records of a [`Batch`]: each record read as it
/// comes, an [`Error`] for a record that is not what AWS sends.
#[derive(Debug, Clone)]
pub struct Records<'a, T> {
    elements: IndexedElements<'a>,
    records: Value<'a>,
    deep: DeepIndex,
    index: usize,
    record: PhantomData<fn() -> T>,
}

impl<'a, T: FromRecord<'a>> Iterator for Records<'a, T> {
    type Item = Result<T, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        let record = self.elements.next()?;
        let i = self.index;
        self.index += 1;
        let fields = self.deep.fields(i, self.records, record);
        Some(T::read(record, i, &sealed::Fields(fields)))
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
    fields: &sealed::Fields<'_, 'a>,
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
    let mut found = [None; N];
    let mut seen = 0u64;
    for (key, value) in fields.0.members(object) {
        let Some(i) = position(&keys, key) else {
            continue;
        };
        check(&mut found, &mut seen, spec, i, value, record)?;
    }
    Ok(found)
}

/// Validates `event` and indexes the members of its root object named in
/// `spec` in the same pass (no second walk over the document), with the
/// checks of [`index`]; [`Error::WrongKind`]`(kind)` when the root is not an
/// object. A field error counts only once the whole event is known to be
/// well-formed JSON.
pub(crate) fn parse_indexed<'a, const N: usize>(
    event: &'a [u8],
    spec: &[(&'static str, Kind); N],
    kind: &'static str,
) -> Result<(Value<'a>, [Option<Value<'a>>; N]), Error> {
    let root = |each: &mut dyn FnMut(Str<'a>, Value<'a>)| json::parse_with_members(event, each);
    indexed(root, spec, kind)
}

/// [`parse_indexed`], handing `element` the elements of the arrays that
/// are the root's members' values as they end (see
/// [`json::parse_with_elements`]).
fn parse_indexed_with<'a, const N: usize>(
    event: &'a [u8],
    spec: &[(&'static str, Kind); N],
    kind: &'static str,
    mut element: impl FnMut(Element<'a>),
) -> Result<(Value<'a>, [Option<Value<'a>>; N]), Error> {
    let root = |each: &mut dyn FnMut(Str<'a>, Value<'a>)| {
        json::parse_with_elements(event, each, &mut element)
    };
    indexed(root, spec, kind)
}

/// The checks of [`parse_indexed`] around `parse`, a validating pass that
/// hands over the root's members.
fn indexed<'a, const N: usize>(
    parse: impl FnOnce(&mut dyn FnMut(Str<'a>, Value<'a>)) -> Result<Value<'a>, json::Error>,
    spec: &[(&'static str, Kind); N],
    kind: &'static str,
) -> Result<(Value<'a>, [Option<Value<'a>>; N]), Error> {
    const { assert!(N <= 64) };
    let mut fields = [None; N];
    let mut seen = 0u64;
    let mut bad = None;
    let keys = spec.map(|(path, _)| last_segment(path));
    let root = parse(&mut |key, value| {
        let Some(i) = position(&keys, key) else {
            return;
        };
        if bad.is_none() {
            bad = check(&mut fields, &mut seen, spec, i, value, None).err();
        }
    })?;
    if root.kind() != Kind::Object {
        return Err(Error::WrongKind(kind));
    }
    match bad {
        Some(e) => Err(e),
        None => Ok((root, fields)),
    }
}

/// Field `i` of `spec` has `value`: an error when it came before (`seen`)
/// or has the wrong kind; `null` counts as absent.
fn check<'a, const N: usize>(
    fields: &mut [Option<Value<'a>>; N],
    seen: &mut u64,
    spec: &[(&'static str, Kind); N],
    i: usize,
    value: Value<'a>,
    record: Option<usize>,
) -> Result<(), Error> {
    let (name, kind) = spec[i];
    if *seen & (1 << i) != 0 {
        return Err(Error::DuplicateField { record, name });
    }
    *seen |= 1 << i;
    if value.is_null() {
        return Ok(());
    }
    if value.kind() != kind {
        return Err(Error::Field {
            record,
            name,
            expected: expected(kind),
        });
    }
    fields[i] = Some(value);
    Ok(())
}

fn last_segment(path: &str) -> &str {
    // A byte scan: the paths are short, and this runs for every field of
    // every record read.
    match path.bytes().rposition(|c| c == b'.') {
        Some(dot) => path.get(dot + 1..).unwrap_or(path),
        None => path,
    }
}

/// The position in `keys` of the first one that `key` is: keys of other
/// lengths or first bytes are passed without a full comparison.
fn position(keys: &[&str], key: Str<'_>) -> Option<usize> {
    match key.borrowed() {
        Some(raw) => {
            let (len, first) = (raw.len(), raw.as_bytes().first());
            keys.iter()
                .position(|k| k.len() == len && k.as_bytes().first() == first && *k == raw)
        }
        None => keys.iter().position(|k| key == *k),
    }
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
/// into the handler's [`Output`]:
/// `{"batchItemFailures":[{"itemIdentifier":"…"},…]}`.
///
/// The identifier is the SQS message id ([`sqs::Message::message_id`](crate::events::sqs::Message::message_id)),
/// or the sequence number of a Kinesis or DynamoDB record
/// ([`kinesis::Record::sequence_number`](crate::events::kinesis::Record::sequence_number),
/// [`dynamodb::Record::sequence_number`](crate::events::dynamodb::Record::sequence_number)). An empty list tells Lambda the
/// whole batch succeeded. Whatever `out` holds is cleared first; a builder
/// dropped without [`finish`](Self::finish) finishes the JSON itself.
///
/// ```
/// use lambda_zero::events::BatchItemFailures;
/// # let mut buf = Vec::new();
/// # let out = &mut lambda_zero::Output::for_test(&mut buf);
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
    out: &'o mut Output<'b>,
    items: usize,
    done: bool,
}

impl<'o, 'b> BatchItemFailures<'o, 'b> {
    /// Starts the answer in `out` (cleared first).
    pub fn new(out: &'o mut Output<'b>) -> Self {
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
