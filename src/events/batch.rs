//! What the record-based events share: [`Batch`], its record iterator,
//! field indexing, and the partial-batch answer [`BatchItemFailures`].

use crate::base64;
use crate::events::json::{
    self, DeepIndex, Element, ElementIndex, Elements, IndexedElements, Keys, Kind, Members, Str,
    Value,
};
use crate::Error;
use crate::Output;
use std::marker::PhantomData;

/// The root member a [`Batch`] reads.
const RECORDS: Spec<1> = Spec::new([("Records", Kind::Array)]);

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
        let (_, [records]) =
            parse_indexed_with(event, &RECORDS, T::KIND, |field, element| match element {
                Element::End { at, end } => {
                    // `Records` is field 0 of `RECORDS`.
                    let keep = field == Some(0);
                    if keep {
                        index.push(at, end);
                    }
                    deep.element(keep);
                }
                Element::Member { depth, key_at, end } => deep.member(depth, key_at, end),
            })?;
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

/// The fields a view reads from one object: each one's path as errors
/// show it (`"s3.object.key"`: the member's key is the last segment) and
/// the JSON kind it must have; and, worked out at compile time, the key
/// each path ends in and its tag (length and first byte), which tells most
/// keys apart without comparing them. Reading a record matched every
/// member's key against every field's, working each field's key out of
/// its path each time: for the 4 objects of an S3 record, about 100 ns.
///
/// For matching keys where they lie ([`Keys::position_raw`]), each key's
/// first bytes and its closing quote (the first eight of them) are a word
/// and a mask: a key shorter than eight bytes is one word compare.
#[derive(Debug)]
pub(crate) struct Spec<const N: usize> {
    fields: [(&'static str, Kind); N],
    keys: [&'static str; N],
    tags: [u32; N],
    words: [u64; N],
    masks: [u64; N],
    /// The last seven bytes and the closing quote of keys of eight bytes
    /// or more (overlapping the first word for those shorter than 15).
    lasts: [u64; N],
}

impl<const N: usize> Spec<N> {
    pub(crate) const fn new(fields: [(&'static str, Kind); N]) -> Spec<N> {
        assert!(
            N <= 64,
            "a Spec holds at most 64 fields (a u64 of seen bits)"
        );
        let (mut keys, mut tags, mut i) = ([""; N], [0; N], 0);
        let (mut words, mut masks, mut lasts) = ([0; N], [0; N], [0; N]);
        while i < N {
            keys[i] = last_segment(fields[i].0);
            tags[i] = tag(keys[i].as_bytes());
            let key = keys[i].as_bytes();
            let mut k = 0;
            while k < key.len() {
                // Matched as spelled: the bytes after a key's opening
                // quote equal to `key` and a quote are that key exactly.
                assert!(
                    key[k] != b'"' && key[k] != b'\\' && key[k] >= 0x20,
                    "a Spec key holds no quote, backslash or control character"
                );
                k += 1;
            }
            // The key and its closing quote, the first eight bytes of them.
            let mut k = 0;
            while k < 8 && k <= key.len() {
                let byte = if k < key.len() { key[k] } else { b'"' };
                words[i] |= (byte as u64) << (8 * k);
                masks[i] |= 0xff << (8 * k);
                k += 1;
            }
            if key.len() >= 8 {
                let mut k = 0;
                while k < 8 {
                    let at = key.len() - 7 + k;
                    let byte = if at < key.len() { key[at] } else { b'"' };
                    lasts[i] |= (byte as u64) << (8 * k);
                    k += 1;
                }
            }
            i += 1;
        }
        Spec {
            fields,
            keys,
            tags,
            words,
            masks,
            lasts,
        }
    }

    /// How many fields there are.
    pub(crate) const fn len(&self) -> usize {
        N
    }

    /// Field `i`'s path and kind.
    fn field(&self, i: usize) -> (&'static str, Kind) {
        self.fields[i]
    }
}

impl<const N: usize> Keys for Spec<N> {
    /// The first field whose key `key` is.
    fn position(&self, key: Str<'_>) -> Option<usize> {
        match key.borrowed() {
            Some(raw) => {
                let t = tag(raw.as_bytes());
                (0..N).find(|&i| self.tags[i] == t && self.keys[i] == raw)
            }
            None => self.keys.iter().position(|k| key == *k),
        }
    }

    #[inline]
    fn position_raw(&self, b: &[u8], at: usize) -> Option<(usize, usize)> {
        let w = json::word_padded(b, at);
        (0..N).find_map(|i| {
            if w & self.masks[i] != self.words[i] {
                return None;
            }
            let key = self.keys[i].as_bytes();
            let end = at + key.len();
            // Past the first word: the last seven bytes and the quote as
            // a word, and whatever lies between the two words.
            let rest = key.len() < 8
                || (crate::text::word(b, end - 7) == Some(self.lasts[i])
                    && (key.len() <= 15 || b.get(at + 8..end - 7) == key.get(8..key.len() - 7)));
            rest.then_some((i, end + 1))
        })
    }
}

/// A key's length and first byte in one word (equal keys, equal tags).
const fn tag(key: &[u8]) -> u32 {
    match key.first() {
        Some(&first) => (key.len() as u32) << 8 | first as u32,
        None => 0,
    }
}

/// The last `.`-separated segment of `path`.
const fn last_segment(path: &'static str) -> &'static str {
    let b = path.as_bytes();
    let mut i = b.len();
    while i > 0 {
        if b[i - 1] == b'.' {
            // A cut after an ASCII byte is a character boundary.
            return match std::str::from_utf8(b.split_at(i).1) {
                Ok(key) => key,
                Err(_) => path,
            };
        }
        i -= 1;
    }
    path
}

/// Reads the members of `object` named in `spec` in one pass: `spec`
/// holds each field's path as shown in errors (`"s3.object.key"`; the
/// member's key is the last segment) and the JSON kind it must have.
/// `null` counts as absent; a repeated field or one of the wrong kind is
/// an error; `object` must be an object.
pub(crate) fn index<'a, const N: usize>(
    fields: &sealed::Fields<'_, 'a>,
    object: Value<'a>,
    spec: &Spec<N>,
    record: Option<usize>,
) -> Result<[Option<Value<'a>>; N], Error> {
    if object.kind() != Kind::Object {
        // The object's own name: the path of its fields minus the key.
        let name = spec
            .fields
            .first()
            .and_then(|(path, _)| path.rsplit_once('.'))
            .map_or("Records", |(parent, _)| parent);
        return Err(Error::Field {
            record,
            name,
            expected: "an object",
        });
    }
    let mut found = [None; N];
    let mut seen = 0u64;
    for (i, value) in fields.0.matched(object, spec) {
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
    spec: &Spec<N>,
    kind: &'static str,
) -> Result<(Value<'a>, [Option<Value<'a>>; N]), Error> {
    let mut pass = Indexer::new(spec, |_, _| {});
    let root = json::parse_members(event, &mut pass);
    pass.finish(root, kind)
}

/// [`parse_indexed`], handing `element` the elements of the arrays that
/// are the root's members' values as they end, with the field of `spec`
/// that member is, if any (see [`json::parse_with_elements`]).
fn parse_indexed_with<'a, const N: usize>(
    event: &'a [u8],
    spec: &Spec<N>,
    kind: &'static str,
    element: impl FnMut(Option<usize>, Element),
) -> Result<(Value<'a>, [Option<Value<'a>>; N]), Error> {
    let mut pass = Indexer::new(spec, element);
    let root = json::parse_with_elements(event, &mut pass);
    pass.finish(root, kind)
}

/// The checks of [`parse_indexed`] on the root's members, as the
/// validating pass hands them over: each key matched against `spec` where
/// it lies as it is read, each member of `spec` checked as its value ends.
struct Indexer<'s, 'a, const N: usize, E> {
    spec: &'s Spec<N>,
    fields: [Option<Value<'a>>; N],
    seen: u64,
    bad: Option<Error>,
    /// The field of `spec` the root member being read is.
    field: Option<usize>,
    element: E,
}

impl<'s, 'a, const N: usize, E: FnMut(Option<usize>, Element)> Indexer<'s, 'a, N, E> {
    fn new(spec: &'s Spec<N>, element: E) -> Self {
        Indexer {
            spec,
            fields: [None; N],
            seen: 0,
            bad: None,
            field: None,
            element,
        }
    }

    /// The verdict once the pass is over: a field error counts only once
    /// the whole event is known to be well-formed JSON.
    fn finish(
        self,
        root: Result<Value<'a>, json::Error>,
        kind: &'static str,
    ) -> Result<(Value<'a>, [Option<Value<'a>>; N]), Error> {
        let root = root?;
        if root.kind() != Kind::Object {
            return Err(Error::WrongKind(kind));
        }
        match self.bad {
            Some(e) => Err(e),
            None => Ok((root, self.fields)),
        }
    }
}

impl<'a, const N: usize, E: FnMut(Option<usize>, Element)> json::Handover<'a>
    for Indexer<'_, 'a, N, E>
{
    type Class = ();

    #[inline]
    fn classify(&mut self, text: &'a str, key: json::Key) -> Option<()> {
        self.field = if key.escaped {
            key.str(text).and_then(|key| self.spec.position(key))
        } else {
            // Without an escape the spelling is the key: compared where
            // it lies, a word at a time.
            self.spec
                .position_raw(text.as_bytes(), key.start)
                .map(|(i, _)| i)
        };
        None
    }

    // Out of line, as `element`: inlined, the scanner's loop keeps less
    // in registers (measured: 300 to 700 more instructions an event).
    #[inline(never)]
    fn member(&mut self, text: &'a str, _: Option<()>, _: json::Key, at: usize, end: usize) {
        let Some(i) = self.field else {
            return;
        };
        if self.bad.is_none() {
            if let Some(value) = json::slice(text, at, end) {
                let checked = check(&mut self.fields, &mut self.seen, self.spec, i, value, None);
                self.bad = checked.err();
            }
        }
    }

    #[inline(never)]
    fn element(&mut self, element: Element) {
        (self.element)(self.field, element)
    }
}

/// Field `i` of `spec` has `value`: an error when it came before (`seen`)
/// or has the wrong kind; `null` counts as absent.
fn check<'a, const N: usize>(
    fields: &mut [Option<Value<'a>>; N],
    seen: &mut u64,
    spec: &Spec<N>,
    i: usize,
    value: Value<'a>,
    record: Option<usize>,
) -> Result<(), Error> {
    let (name, kind) = spec.field(i);
    if *seen & (1 << i) != 0 {
        return Err(Error::DuplicateField { record, name });
    }
    *seen |= 1 << i;
    // Validated: a value that starts with `n` is `null`.
    let found = value.kind();
    if found == Kind::Null {
        return Ok(());
    }
    if found != kind {
        return Err(Error::Field {
            record,
            name,
            expected: expected(kind),
        });
    }
    fields[i] = Some(value);
    Ok(())
}

/// Field `i` of `fields` (indexed with `spec`), or [`Error::Missing`].
pub(crate) fn required<'a, const N: usize>(
    fields: &[Option<Value<'a>>; N],
    spec: &Spec<N>,
    i: usize,
    record: Option<usize>,
) -> Result<Value<'a>, Error> {
    match fields[i] {
        Some(value) => Ok(value),
        None => Err(Error::Missing {
            record,
            name: spec.field(i).0,
        }),
    }
}

/// A required string field (see [`required`]).
pub(crate) fn required_str<'a, const N: usize>(
    fields: &[Option<Value<'a>>; N],
    spec: &Spec<N>,
    i: usize,
    record: Option<usize>,
) -> Result<Str<'a>, Error> {
    let value = required(fields, spec, i, record)?;
    // `index` checked the kind.
    match value.as_str() {
        Some(text) => Ok(text),
        None => Err(Error::Field {
            record,
            name: spec.field(i).0,
            expected: "a string",
        }),
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    const SPEC: Spec<5> = Spec::new([
        ("a.b.key", Kind::String),
        ("key2", Kind::String),
        ("x.", Kind::Object),
        ("s3.kez", Kind::Number),
        ("k\u{e9}y", Kind::String),
    ]);

    /// Keys matched where they lie answer what the decoded comparison
    /// answers for every key spelled without escapes: the spec's keys,
    /// ones a byte longer or shorter, sharing the first eight bytes, or
    /// differing in case, at every distance from the end of the text (the
    /// word read there padded); an escaped spelling is never matched raw.
    #[test]
    fn spec_keys_matched_where_they_lie_are_the_keys_compared() {
        const KEYS: Spec<8> = Spec::new([
            ("a.eventSource", Kind::String),
            ("approximateArrivalTimestamp", Kind::Number),
            ("eventSourceARN", Kind::String),
            ("key", Kind::String),
            ("", Kind::String),
            ("eventNam", Kind::String),
            ("eventName", Kind::String),
            ("k\u{e9}y", Kind::String),
        ]);
        let mut candidates: Vec<String> = Vec::new();
        for key in KEYS.keys {
            candidates.push(key.to_string());
            candidates.push(format!("{key}x"));
            candidates.push(format!("{key}\\\\"));
            candidates.push(key.to_uppercase());
            let mut shorter = key.to_string();
            shorter.pop();
            candidates.push(shorter);
        }
        candidates.extend(
            [
                "eventSourceAR",
                "eventSourceARNs",
                "eventNamf",
                "kay",
                "k",
                "approximatXArrivalTimestamp",
                "approximateArrivaXTimestamp",
                "approximateArrivalTimestamX",
            ]
            .map(String::from),
        );
        for cand in &candidates {
            let want = KEYS.position(Str::from_raw(cand));
            for tail in ["", ":", ":1}", ":1,\"zzzzzzzz\":2}"] {
                let doc = format!("{{\"{cand}\"{tail}");
                let got = KEYS.position_raw(doc.as_bytes(), 2);
                let end = 2 + cand.len() + 1;
                assert_eq!(got, want.map(|i| (i, end)), "{doc}");
            }
        }
        for escaped in [r"eventN\u0061me", r"k\u00e9y", r"\u006bey"] {
            let doc = format!("{{\"{escaped}\":1}}");
            assert_eq!(KEYS.position_raw(doc.as_bytes(), 2), None, "{doc}");
            assert!(KEYS.position(Str::from_raw(escaped)).is_some(), "{doc}");
        }
    }

    #[test]
    fn spec_keys_are_last_segments_matched_plain_or_escaped() {
        assert_eq!(SPEC.keys, ["key", "key2", "", "kez", "k\u{e9}y"]);
        assert_eq!(SPEC.len(), 5);
        let text =
            r#"{"key":1,"key2":2,"":3,"kez":4,"k\u00e9y":5,"k\u0065y":6,"kex":7,"kéy":8,"ke":9}"#;
        let doc = json::parse(text.as_bytes()).expect("valid");
        let got: Vec<_> = doc.members().map(|(k, _)| SPEC.position(k)).collect();
        assert_eq!(
            got,
            [
                Some(0),
                Some(1),
                Some(2),
                Some(3),
                Some(4),
                Some(0),
                None,
                Some(4),
                None
            ]
        );
    }
}
