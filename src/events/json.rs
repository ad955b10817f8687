//! A small, strict JSON scanner that builds no tree and allocates nothing.
//!
//! [`parse`] checks a whole document against the grammar of RFC 8259 in one
//! pass and hands back its root [`Value`]: a validated slice of the input.
//! Navigating a `Value` ([`Value::get`], [`Value::path`],
//! [`Value::members`], [`Value::elements`]) re-scans only the slice it is
//! asked about, borrowing from the input; strings come back as [`Str`],
//! their text as written, unescaped only on request ([`Str::decode`],
//! [`Str::chars`]).
//!
//! What [`validate`] / [`parse`] check, so no accessor can give a wrong
//! answer afterwards:
//!
//! - the input is UTF-8, holds exactly one value, surrounded by optional
//!   whitespace (space, tab, LF, CR; nothing else, no BOM);
//! - literals are `true`, `false`, `null`; numbers follow
//!   `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` (no range
//!   limit: `1e400` is valid JSON);
//! - strings hold no control character (U+0000 to U+001F), every escape is
//!   one of `\" \\ \/ \b \f \n \r \t \uXXXX`, and a `\u` surrogate is part
//!   of a well-formed pair (a lone `\uD800` is refused, as `serde_json`
//!   refuses it);
//! - objects are `{ "key" : value , … }`, arrays `[ value , … ]`, no
//!   trailing commas, nesting at most [`MAX_DEPTH`] deep.
//!
//! Duplicate keys are valid JSON (RFC 8259 §4 leaves their meaning open):
//! [`Value::get`] returns the first. No panic on any input: the entry
//! points are meant for fuzzing.
//!
//! ```
//! use lambda_zero::events::json;
//!
//! let doc = br#"{"requestContext":{"http":{"method":"GET"}},"body":"a \"quoted\" word"}"#;
//! let root = json::parse(doc)?;
//! let method = root.path(&["requestContext", "http", "method"]).and_then(|v| v.as_str());
//! assert_eq!(method.unwrap(), "GET");
//!
//! let body = root.get("body").and_then(|v| v.as_str()).unwrap();
//! assert_eq!(body.raw(), r#"a \"quoted\" word"#); // as written
//! let mut scratch = String::new();
//! assert_eq!(body.decode(&mut scratch), r#"a "quoted" word"#); // unescaped
//!
//! assert!(json::validate(br#"{"a":1,}"#).is_err());
//! # Ok::<(), json::Error>(())
//! ```

#[cfg(all(feature = "sse2", target_arch = "x86_64"))]
use crate::text::specials16;
use crate::text::{specials, word, HIGHS, ONES};
use std::fmt;

/// Deepest nesting of arrays and objects accepted: 127, what `serde_json`
/// accepts with its default recursion limit (it counts 128 down and fails
/// when the count reaches 0, so a 128-deep document is refused there), so
/// [`validate`] and `Invocation::json::<T>()` (feature `serde`) give one
/// verdict on depth wherever `T` visits the whole document (`serde_json`
/// skips an ignored value without a depth limit, so a skipped part may be
/// deeper there). The validator keeps its stack in a `u128`, so depth
/// costs no memory and no recursion.
pub const MAX_DEPTH: usize = 127;

// One bit of the stack per open container; the refusal message says 127.
const _: () = assert!(MAX_DEPTH == 127 && MAX_DEPTH <= u128::BITS as usize);

/// Why a document is not JSON, and where.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Error {
    offset: usize,
    reason: &'static str,
}

impl Error {
    fn at(offset: usize, reason: &'static str) -> Self {
        Error { offset, reason }
    }

    /// Byte offset in the document where the problem was found.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What was wrong, e.g. `"expected ',' or '}'"`.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "malformed JSON at byte {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for Error {}

/// Checks that `doc` is one well-formed JSON value (see the
/// [module docs](crate::events::json) for exactly what is checked).
///
/// ```
/// use lambda_zero::events::json::validate;
/// assert!(validate(br#" {"a":[1,2.5e-3,true,null,"\u00e9\ud83d\ude00"]} "#).is_ok());
/// assert!(validate(b"[01]").is_err());
/// assert!(validate(br#""\ud800""#).is_err()); // lone surrogate
/// ```
pub fn validate(doc: &[u8]) -> Result<(), Error> {
    parse(doc).map(|_| ())
}

/// Validates `doc` and returns its root value (whitespace around it
/// trimmed), borrowing from `doc`.
///
/// ```
/// let root = lambda_zero::events::json::parse(b" [1, 2] ").unwrap();
/// assert_eq!(root.raw(), "[1, 2]");
/// ```
pub fn parse(doc: &[u8]) -> Result<Value<'_>, Error> {
    scan::<0, false, _>(doc, &mut Nothing)
}

/// [`parse`], handing each member of the root object (when the root is an
/// object) to `hand` in document order during the same pass (its key to
/// `classify` as it is read, the member to `member` as its value ends): a
/// view over an event's top-level fields indexes them without walking the
/// document a second time. On an error, `hand` may have seen some
/// members: discard them.
pub(crate) fn parse_members<'a>(
    doc: &'a [u8],
    hand: &mut impl Handover<'a>,
) -> Result<Value<'a>, Error> {
    scan::<1, false, _>(doc, hand)
}

/// [`parse_members`], also handing `hand.element` each element of the
/// arrays that are values of the root object's members, as it ends
/// ([`Element::End`]: where the element starts and ends in `doc`; the
/// member is the one last classified), and before that the members of
/// the objects inside it ([`Element::Member`]). What
/// [`Batch`](crate::events::Batch) uses to find its records, and their
/// fields, without walking the `Records` array again.
pub(crate) fn parse_with_elements<'a>(
    doc: &'a [u8],
    hand: &mut impl Handover<'a>,
) -> Result<Value<'a>, Error> {
    scan::<1, true, _>(doc, hand)
}

/// What [`parse_with_elements`] hands its `element`.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Element {
    /// An element of the array that is the value of the root's member
    /// last classified ended; it lies at `at..end` of the document.
    End { at: usize, end: usize },
    /// A member of an object at `depth` (3 to [`DEEP`]) inside such an
    /// element ended: the element itself at depth 3, when it is an
    /// object, and the objects that are its members' values, down a
    /// chain of objects only. Its key starts (its opening quote) at
    /// `key_at`, its value ends at `end`.
    Member {
        depth: usize,
        key_at: usize,
        end: usize,
    },
}

/// The deepest objects whose members [`parse_with_elements`] hands to
/// `deep`: depth 5 (the root 1, its array 2, an element 3).
pub(crate) const DEEP: usize = 5;

/// What the validating pass ([`parse_two_levels`], and behind the other
/// entry points) hands the members it finds to, raw: a key as where it
/// lies, a value as where it starts and ends, so that a view builds only
/// the `Str`s and `Value`s it keeps.
pub(crate) trait Handover<'a> {
    /// What is kept of a member of the root whose value's members are
    /// wanted.
    type Class: Copy;

    /// Asked for each member of the root as its key has been read, before
    /// its value (`text` is the document): with [`parse_two_levels`],
    /// whether the members of its value, when that is an object, are
    /// handed over, and as what (the other entry points ignore the
    /// answer). The member itself comes to [`member`](Self::member) after
    /// its value, and the elements of an array that is its value to
    /// [`element`](Self::element) before that.
    fn classify(&mut self, text: &'a str, key: Key) -> Option<Self::Class>;

    /// A member ended: at depth 1 (`class` is `None`), or at depth 2 in
    /// the value of a root member `classify` gave `class`. Its key's text
    /// lies at `key.start..key.end` of `text`, its value at
    /// `value_at..value_end`; the members of an object come before the
    /// object itself.
    fn member(
        &mut self,
        text: &'a str,
        class: Option<Self::Class>,
        key: Key,
        value_at: usize,
        value_end: usize,
    );

    /// With [`parse_with_elements`]: an element (or a member inside one)
    /// ended.
    fn element(&mut self, _element: Element) {}

    /// With [`parse_two_levels`]: the index that the keys of the members
    /// of a value classified `class` go to, as each is read, when that is
    /// all that is wanted of them; [`member`](Self::member) is then not
    /// called for them.
    #[inline(always)]
    fn index_of(&mut self, _class: Self::Class) -> Option<&mut MemberIndex> {
        None
    }
}

/// [`parse`] one level deeper, handing `sink` the members of the root
/// object and of the objects that are their values (those it classifies),
/// each as it ends. What `HttpRequest::parse` uses to index
/// `requestContext` and `headers` in its one pass.
pub(crate) fn parse_two_levels<'a>(
    doc: &'a [u8],
    sink: &mut impl Handover<'a>,
) -> Result<Value<'a>, Error> {
    scan::<2, false, _>(doc, sink)
}

/// A validated value at `start..end` of `text` (the validated document).
#[inline]
pub(crate) fn slice(text: &str, start: usize, end: usize) -> Option<Value<'_>> {
    text.get(start..end).map(|text| Value { text })
}

/// Where a key's text lies (between its quotes) and whether it holds an
/// escape, as the validator found it.
#[derive(Clone, Copy, Default, Debug)]
pub(crate) struct Key {
    pub(crate) start: usize,
    pub(crate) end: usize,
    pub(crate) escaped: bool,
}

impl Key {
    /// The key's text in `text` (the validated document).
    #[inline]
    pub(crate) fn str<'a>(self, text: &'a str) -> Option<Str<'a>> {
        text.get(self.start..self.end).map(|raw| Str {
            raw,
            escaped: self.escaped,
        })
    }
}

/// [`parse`]'s: nothing.
struct Nothing;

impl<'a> Handover<'a> for Nothing {
    type Class = ();
    fn classify(&mut self, _: &'a str, _: Key) -> Option<()> {
        None
    }
    fn member(&mut self, _: &'a str, _: Option<()>, _: Key, _: usize, _: usize) {}
}

/// The validating pass behind [`parse`]: `hand` gets the members of
/// objects down to depth `DEPTH` (1: the root's, 2: those of the objects
/// that are their values when its `classify` says so); with `ELEMENTS`,
/// the elements of the arrays that are the root's members' values and the
/// members of the objects in them (see [`parse_with_elements`]).
fn scan<'a, const DEPTH: usize, const ELEMENTS: bool, H: Handover<'a>>(
    doc: &'a [u8],
    hand: &mut H,
) -> Result<Value<'a>, Error> {
    let text = std::str::from_utf8(doc).map_err(|e| Error::at(e.valid_up_to(), "invalid UTF-8"))?;
    let start = skip_ws(doc, 0);
    let mut pass = Pass {
        hand,
        text,
        parent: None,
        indexed: false,
    };
    let end = value::<DEPTH, ELEMENTS, H>(doc, start, &mut pass)?;
    let after = skip_ws(doc, end);
    if after != doc.len() {
        return Err(Error::at(after, "trailing characters after the value"));
    }
    // `start..end` lies on ASCII bytes (a value starts and ends on one).
    match text.get(start..end) {
        Some(text) => Ok(Value { text }),
        None => Err(Error::at(start, "internal: value not on a char boundary")),
    }
}

/// [`scan`]'s state between [`value`] and the [`Handover`].
struct Pass<'h, 'a, H: Handover<'a>> {
    hand: &'h mut H,
    text: &'a str,
    /// The class of the depth-1 member being read: its value's members
    /// are handed over when there is one.
    parent: Option<H::Class>,
    /// Its value's members go to an index ([`Handover::index_of`]) as their
    /// keys are read, not to `member`.
    indexed: bool,
}

impl<'a, H: Handover<'a>> Pass<'_, 'a, H> {
    #[inline(always)]
    fn element(&mut self, depth: usize, at: usize, end: usize) {
        if depth > 2 {
            self.hand.element(Element::Member {
                depth,
                key_at: at,
                end,
            });
        } else {
            self.hand.element(Element::End { at, end });
        }
    }

    #[inline(always)]
    fn member(&mut self, inner: bool, key: Key, value_at: usize, value_end: usize) {
        let class = match (inner, self.parent) {
            (false, _) => None,
            (true, Some(class)) if !self.indexed => Some(class),
            (true, _) => return,
        };
        self.hand.member(self.text, class, key, value_at, value_end);
    }
}

/// Validates `doc`, then finds the value at `path` (a key per object
/// level): `Ok(None)` when a key is missing or a level is not an object.
///
/// ```
/// let doc = br#"{"requestContext":{"stage":"prod"}}"#;
/// let stage = lambda_zero::events::json::get(doc, &["requestContext", "stage"]).unwrap();
/// assert_eq!(stage.unwrap().as_str().unwrap(), "prod");
/// ```
pub fn get<'a>(doc: &'a [u8], path: &[&str]) -> Result<Option<Value<'a>>, Error> {
    Ok(parse(doc)?.path(path))
}

/// The six kinds of JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `null`
    Null,
    /// `true` or `false`
    Bool,
    /// a number
    Number,
    /// a string
    String,
    /// an array
    Array,
    /// an object
    Object,
}

// ---------------------------------------------------------------------------
// The strict validator: one pass over the bytes, no recursion, no tree.
// String contents, the bulk of an event, are skipped eight bytes at a time
// (a word is tested for `"`, `\` and control characters with three bit
// tricks, see `specials`), and with `memchr2` plus a vectorised control
// check once a string runs long.

/// Where the scanner stands after a token, or why it stopped.
type Scan = Result<usize, Fail>;

/// A scanner error in one word, so that [`Scan`] comes back in two
/// registers rather than through memory: the offset times 16 plus the
/// [`Why`].
#[derive(Clone, Copy)]
struct Fail(usize);

impl Fail {
    #[cold]
    fn at(offset: usize, why: Why) -> Self {
        Fail(offset.min(usize::MAX >> 4) << 4 | why as usize)
    }
}

/// What the scanner found wrong (at most 16 reasons: they fit in 4 bits).
#[derive(Clone, Copy)]
enum Why {
    /// nesting deeper than 127
    Depth,
    /// expected a value
    Value,
    /// unexpected end of input, expected a value
    End,
    /// expected ',' or '}'
    ObjectSeparator,
    /// expected ',' or ']'
    ArraySeparator,
    /// expected a string key
    Key,
    /// expected ':'
    Colon,
    /// invalid literal
    Literal,
    /// expected a digit
    Digit,
    /// expected a digit after '.'
    Fraction,
    /// expected a digit in the exponent
    Exponent,
    /// control character in a string
    Control,
    /// unterminated string
    Unterminated,
    /// invalid \u escape
    Unicode,
    /// unpaired surrogate in a \u escape
    Surrogate,
    /// invalid escape
    Escape,
}

/// Every [`Why`], to decode a [`Fail`].
const WHY: [Why; 16] = [
    Why::Depth,
    Why::Value,
    Why::End,
    Why::ObjectSeparator,
    Why::ArraySeparator,
    Why::Key,
    Why::Colon,
    Why::Literal,
    Why::Digit,
    Why::Fraction,
    Why::Exponent,
    Why::Control,
    Why::Unterminated,
    Why::Unicode,
    Why::Surrogate,
    Why::Escape,
];
// `WHY` is in declaration order: `WHY[why as usize]` is `why`.
const _: () = {
    let mut k = 0;
    while k < WHY.len() {
        assert!(WHY[k] as usize == k);
        k += 1;
    }
};

impl From<Fail> for Error {
    fn from(f: Fail) -> Self {
        let reason = match WHY[f.0 & 15] {
            Why::Depth => "nesting deeper than 127",
            Why::Value => "expected a value",
            Why::End => "unexpected end of input, expected a value",
            Why::ObjectSeparator => "expected ',' or '}'",
            Why::ArraySeparator => "expected ',' or ']'",
            Why::Key => "expected a string key",
            Why::Colon => "expected ':'",
            Why::Literal => "invalid literal",
            Why::Digit => "expected a digit",
            Why::Fraction => "expected a digit after '.'",
            Why::Exponent => "expected a digit in the exponent",
            Why::Control => "control character in a string",
            Why::Unterminated => "unterminated string",
            Why::Unicode => "invalid \\u escape",
            Why::Surrogate => "unpaired surrogate in a \\u escape",
            Why::Escape => "invalid escape",
        };
        Error::at(f.0 >> 4, reason)
    }
}

/// One value, nested containers included, starting at `i` (whitespace
/// skipped); returns the index after it. No recursion: `stack` holds one
/// bit per open container (1 = object). With `DEPTH` 1 or 2,
/// `hand.classify` gets the key of each member of the root object as it
/// is read, and (`DEPTH` 2) says whether the members of its value are
/// wanted. `hand.member` gets each member of the root object and (`DEPTH`
/// 2) of a wanted value as it ends: whether it is such an inner one, its
/// key, the index of its value and after its value; the keys of the
/// others are only validated. With `ELEMENTS`, `hand.element` gets each
/// element of an array that is a depth-1 member's value as it ends: 2,
/// the element's start and end; and before that the members of objects
/// at depth 3 to [`DEEP`] inside such an element, down a chain of
/// objects: their depth, the start of their key and the end of their
/// value.
fn value<'a, const DEPTH: usize, const ELEMENTS: bool, H: Handover<'a>>(
    b: &[u8],
    mut i: usize,
    hand: &mut Pass<'_, 'a, H>,
) -> Scan {
    let mut stack: u128 = 0;
    let mut depth = 0usize;
    let mut open = Open::default();
    // Where the element being read of such an array started.
    let mut element_at = 0usize;
    // With `ELEMENTS`, how deep the open containers follow the chain whose
    // elements and members are handed over (container 1 an object, 2 an
    // array, 3 and deeper objects): kept as they open and close, so that a
    // value's end tests one number instead of masking `stack`.
    let mut chain = 0usize;
    loop {
        // A value starts at `i`.
        if ELEMENTS && depth == 2 && chain == 2 {
            element_at = i;
        }
        match b.get(i) {
            Some(b'"') => i = string(b, i)?,
            Some(&bracket @ (b'{' | b'[')) => {
                if depth == MAX_DEPTH {
                    return Err(Fail::at(i, Why::Depth));
                }
                let is_object = bracket == b'{';
                i = skip_ws(b, i + 1);
                // `{` + 2 is `}`, `[` + 2 is `]`.
                if b.get(i) == Some(&(bracket + 2)) {
                    i += 1;
                } else {
                    stack = (stack << 1) | u128::from(is_object);
                    depth += 1;
                    if ELEMENTS && chain + 1 == depth && is_object == (depth != 2) {
                        chain = depth;
                    }
                    if is_object {
                        i = open.key::<DEPTH, ELEMENTS, H>(b, i, depth, hand)?;
                    }
                    continue;
                }
            }
            Some(b't') => i = literal(b, i, b"true")?,
            Some(b'f') => i = literal(b, i, b"false")?,
            Some(b'n') => i = literal(b, i, b"null")?,
            Some(b'-' | b'0'..=b'9') => i = number(b, i)?,
            Some(_) => return Err(Fail::at(i, Why::Value)),
            None => return Err(Fail::at(i, Why::End)),
        }
        // A value ended: close what ends with it, or move to the next.
        loop {
            if depth == 0 {
                return Ok(i);
            }
            let in_object = stack & 1 == 1;
            if ELEMENTS && chain == depth {
                if depth == 2 {
                    hand.element(2, element_at, i);
                } else if (3..=DEEP).contains(&depth) {
                    hand.element(depth, open.deep[depth - 3], i);
                }
            }
            if in_object && depth <= DEPTH {
                if depth == 1 {
                    hand.member(false, open.key1, open.value1, i);
                } else if depth == 2 && stack & 2 == 2 {
                    hand.member(true, open.key2, open.value2, i);
                }
            }
            i = skip_ws(b, i);
            match b.get(i) {
                Some(b',') => {
                    i = skip_ws(b, i + 1);
                    if in_object {
                        i = open.key::<DEPTH, ELEMENTS, H>(b, i, depth, hand)?;
                    }
                    break;
                }
                Some(b'}') if in_object => {}
                Some(b']') if !in_object => {}
                _ if in_object => return Err(Fail::at(i, Why::ObjectSeparator)),
                _ => return Err(Fail::at(i, Why::ArraySeparator)),
            }
            i += 1;
            stack >>= 1;
            depth -= 1;
            if ELEMENTS {
                chain = chain.min(depth);
            }
        }
    }
}

/// The members being read at depth 1 and 2 (their keys and where their
/// values start), for [`value`]'s `member`, and where the keys of those
/// at depth 3 to [`DEEP`] start, for its `deep`.
#[derive(Default)]
struct Open {
    key1: Key,
    value1: usize,
    key2: Key,
    value2: usize,
    deep: [usize; DEEP - 2],
}

impl Open {
    /// [`key`] at `i` in an object at `depth`, noted when `depth` is one
    /// that `DEPTH` (or `ELEMENTS`) hands over: at depth 1 the key is then
    /// classified, and at depth 2 noted only in a value it classified.
    #[inline(always)]
    fn key<'a, const DEPTH: usize, const ELEMENTS: bool, H: Handover<'a>>(
        &mut self,
        b: &[u8],
        i: usize,
        depth: usize,
        pass: &mut Pass<'_, 'a, H>,
    ) -> Scan {
        if depth == 1 && DEPTH >= 1 {
            self.value1 = key_span(b, i, &mut self.key1)?;
            pass.parent = pass.hand.classify(pass.text, self.key1);
            pass.indexed = DEPTH >= 2
                && pass
                    .parent
                    .is_some_and(|class| pass.hand.index_of(class).is_some());
            Ok(self.value1)
        } else if depth == 2 && DEPTH >= 2 && pass.parent.is_some() {
            self.value2 = key_span(b, i, &mut self.key2)?;
            if pass.indexed {
                if let Some(index) = pass.parent.and_then(|class| pass.hand.index_of(class)) {
                    index.push(b, self.key2);
                }
            }
            Ok(self.value2)
        } else {
            if ELEMENTS {
                if let Some(at) = depth.checked_sub(3).and_then(|k| self.deep.get_mut(k)) {
                    *at = i;
                }
            }
            key(b, i)
        }
    }
}

/// `member = string name-separator value`: the key and the `:` at `i`;
/// returns the index of the value (whitespace skipped).
fn key(b: &[u8], i: usize) -> Scan {
    if b.get(i) != Some(&b'"') {
        return Err(Fail::at(i, Why::Key));
    }
    colon(b, string(b, i)?)
}

/// [`key`], noting in `span` where the key's text lies and whether it
/// holds an escape (so that nobody scans it again).
fn key_span(b: &[u8], i: usize, span: &mut Key) -> Scan {
    if b.get(i) != Some(&b'"') {
        return Err(Fail::at(i, Why::Key));
    }
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        j = find::<true>(b, j);
        match b.get(j) {
            Some(b'"') => break,
            Some(b'\\') => {
                escaped = true;
                j = escape(b, j)?;
            }
            Some(_) => return Err(Fail::at(j, Why::Control)),
            None => return Err(Fail::at(j, Why::Unterminated)),
        }
    }
    *span = Key {
        start: i + 1,
        end: j,
        escaped,
    };
    colon(b, j + 1)
}

/// `name-separator` at `i` (whitespace skipped); returns the index of the
/// value (whitespace skipped).
#[inline(always)]
fn colon(b: &[u8], i: usize) -> Scan {
    let i = skip_ws(b, i);
    if b.get(i) != Some(&b':') {
        return Err(Fail::at(i, Why::Colon));
    }
    Ok(skip_ws(b, i + 1))
}

fn literal(b: &[u8], i: usize, word: &'static [u8]) -> Scan {
    if b.get(i..i + word.len()) == Some(word) {
        Ok(i + word.len())
    } else {
        Err(Fail::at(i, Why::Literal))
    }
}

/// `number = [ minus ] int [ frac ] [ exp ]` at `i`; returns the index
/// after it.
fn number(b: &[u8], mut i: usize) -> Scan {
    if b.get(i) == Some(&b'-') {
        i += 1;
    }
    match b.get(i) {
        Some(b'0') => i += 1,
        Some(b'1'..=b'9') => i = digits(b, i + 1),
        _ => return Err(Fail::at(i, Why::Digit)),
    }
    if b.get(i) == Some(&b'.') {
        i += 1;
        if !matches!(b.get(i), Some(b'0'..=b'9')) {
            return Err(Fail::at(i, Why::Fraction));
        }
        i = digits(b, i + 1);
    }
    if let Some(b'e' | b'E') = b.get(i) {
        i += 1;
        if let Some(b'+' | b'-') = b.get(i) {
            i += 1;
        }
        if !matches!(b.get(i), Some(b'0'..=b'9')) {
            return Err(Fail::at(i, Why::Exponent));
        }
        i = digits(b, i + 1);
    }
    Ok(i)
}

fn digits(b: &[u8], mut i: usize) -> usize {
    while let Some(b'0'..=b'9') = b.get(i) {
        i += 1;
    }
    i
}

/// `string = quotation-mark *char quotation-mark` with its opening quote
/// at `i`; returns the index after the closing one. The input is known to
/// be UTF-8, so only ASCII needs looking at.
fn string(b: &[u8], i: usize) -> Scan {
    let mut j = i + 1;
    loop {
        j = find::<true>(b, j);
        match b.get(j) {
            Some(b'"') => return Ok(j + 1),
            Some(b'\\') => j = escapes(b, j)?,
            Some(_) => return Err(Fail::at(j, Why::Control)),
            None => return Err(Fail::at(j, Why::Unterminated)),
        }
    }
}

/// The escape at `i` (a `\`) and, a word at a time, the escape-dense
/// content after it (a JSON document sent as a JSON string, as API Gateway
/// sends a JSON body, has a `\"` every few bytes); returns where
/// [`string`]'s [`find`] goes on: after the escape, or after the last word
/// taken whole, or at the closing quote. A word is taken whole only when
/// each of its backslashes escapes one of `" \ / b f n r t` within it
/// and none escapes another backslash; anything else (a `\u`, a `\\`,
/// an escape across words, a control character, the end) is left to the
/// byte-wise path, which also gives every error: this path never fails.
/// In a call of its own: [`string`], inlined into the scanner's loop,
/// stays as small as before for content with few escapes.
#[inline(never)]
fn escapes(b: &[u8], i: usize) -> Scan {
    let mut j = escape(b, i)?;
    while let Some(w) = word(b, j) {
        // No escape (`find` is faster there), or a `\\`.
        let Some(Dense {
            backslashes,
            escaped,
            taken,
        }) = dense(w)
        else {
            break;
        };
        let quotes = zero_bytes(w ^ (ONES * u64::from(b'"')));
        let ends = (quotes & !escaped) | controls(w);
        let end = if ends == 0 {
            taken
        } else {
            (ends.trailing_zeros() / 8) as usize
        };
        let before = backslashes & low_bytes(end);
        // Escaped quotes, the usual escapes of such content, need no
        // look at each escape.
        let all_quotes = (quotes & escaped) >> 8 == before;
        if end > taken || !(all_quotes || simple_escapes(w, before)) {
            break;
        }
        j += end;
        if end < taken {
            // A quote ends the string here, or a control character is
            // refused by the byte-wise path.
            break;
        }
    }
    Ok(j)
}

/// A word of string content that holds escapes none of which escapes
/// another backslash ([`dense`]): each backslash escapes the byte after it.
struct Dense {
    /// The high bit of each backslash byte.
    backslashes: u64,
    /// The high bit of each byte a backslash escapes.
    escaped: u64,
    /// The bytes of the word whose escapes lie within it: 8, or 7 when
    /// the last byte is a backslash (its escape goes on in the next word).
    taken: usize,
}

/// `w` as a [`Dense`] word; `None` when it holds no backslash or a `\\`.
fn dense(w: u64) -> Option<Dense> {
    let backslashes = zero_bytes(w ^ (ONES * u64::from(b'\\')));
    if backslashes == 0 || backslashes & (backslashes >> 8) != 0 {
        return None;
    }
    Some(Dense {
        backslashes,
        escaped: backslashes << 8,
        taken: if backslashes >> 63 == 0 { 8 } else { 7 },
    })
}

/// True when every backslash of `w` flagged in `backslashes` escapes one
/// of `" \ / b f n r t` (the byte after it is in `w`).
fn simple_escapes(w: u64, mut backslashes: u64) -> bool {
    while backslashes != 0 {
        let k = backslashes.trailing_zeros() / 8;
        if UNESCAPED[usize::from((w >> (8 * (k + 1))) as u8)] == 0 {
            return false;
        }
        backslashes &= backslashes - 1;
    }
    true
}

/// The byte each one-character escape `\e` stands for, by `e`; 0 where
/// `e` is not one (`u` included).
const UNESCAPED: [u8; 256] = {
    let mut t = [0; 256];
    let escapes = *b"\"\"\\\\//b\x08f\x0cn\nr\rt\t";
    let mut k = 0;
    while k < escapes.len() {
        t[escapes[k] as usize] = escapes[k + 1];
        k += 2;
    }
    t
};

/// The high bit of each byte of `w` below 0x20, exactly: `(x & 0x7f) +
/// 0x60` has its high bit set for 0x20..=0x7f and cannot carry, and `x`'s
/// own high bit marks 0x80 and above.
fn controls(w: u64) -> u64 {
    !((w & LOWS).wrapping_add(ONES * 0x60) | w) & HIGHS
}

/// The bits of the first `n` bytes of a word (`n` ≤ 8).
fn low_bytes(n: usize) -> u64 {
    match n {
        0..=7 => (1u64 << (8 * n)) - 1,
        _ => u64::MAX,
    }
}

/// `escape ( " / \ / / / b / f / n / r / t / uXXXX )` at `i` (the `\`),
/// surrogates paired; returns the index after it.
fn escape(b: &[u8], i: usize) -> Scan {
    match b.get(i + 1) {
        Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => Ok(i + 2),
        Some(b'u') => match hex4(b, i + 2) {
            None => Err(Fail::at(i, Why::Unicode)),
            Some(0xD800..=0xDBFF) => {
                let low = if b.get(i + 6..i + 8) == Some(b"\\u") {
                    hex4(b, i + 8)
                } else {
                    None
                };
                match low {
                    Some(0xDC00..=0xDFFF) => Ok(i + 12),
                    _ => Err(Fail::at(i, Why::Surrogate)),
                }
            }
            Some(0xDC00..=0xDFFF) => Err(Fail::at(i, Why::Surrogate)),
            Some(_) => Ok(i + 6),
        },
        _ => Err(Fail::at(i, Why::Escape)),
    }
}

/// Four hex digits at `b[i..i + 4]`.
fn hex4(b: &[u8], i: usize) -> Option<u16> {
    let digits = b.get(i..i + 4)?;
    digits.iter().try_fold(0u16, |n, &d| {
        let v = match d {
            b'0'..=b'9' => d - b'0',
            b'a'..=b'f' => d - b'a' + 10,
            b'A'..=b'F' => d - b'A' + 10,
            _ => return None,
        };
        Some(n << 4 | u16::from(v))
    })
}

// ---------------------------------------------------------------------------
// Finding the end of a run of string content, shared by the validator
// (`CONTROL`: control characters end a run too, to be refused) and the
// navigation below (validated text holds none). The word tests (`word`,
// `specials`) are `crate::text`'s, shared with the JSON string escaper.

/// Words tested with SWAR before a run counts as long and goes to
/// `memchr2`: most strings of an event (keys, header values, ids) end
/// within them, and a `memchr2` call costs more than a word test.
const SHORT_WORDS: usize = 8;

fn is_special<const CONTROL: bool>(c: u8) -> bool {
    c == b'"' || c == b'\\' || (CONTROL && c < 0x20)
}

/// The index of the first `"`, `\` or (`CONTROL`) control character at or
/// after `i`, or `b.len()`.
#[cfg(all(feature = "sse2", target_arch = "x86_64"))]
fn find<const CONTROL: bool>(b: &[u8], mut i: usize) -> usize {
    // As many bytes as the words of `find_words` before `memchr2`.
    for _ in 0..SHORT_WORDS / 2 {
        let Some(m) = specials16::<CONTROL>(b, i) else {
            // Fewer than sixteen bytes left.
            return find_words::<CONTROL>(b, i);
        };
        if m != 0 {
            return i + m.trailing_zeros() as usize;
        }
        i += 16;
    }
    find_long::<CONTROL>(b, i)
}

/// [`find`] where SSE2 is not used.
#[cfg(not(all(feature = "sse2", target_arch = "x86_64")))]
fn find<const CONTROL: bool>(b: &[u8], i: usize) -> usize {
    find_words::<CONTROL>(b, i)
}

/// [`find`] a word at a time: the whole search without the `sse2`
/// feature (or off x86_64), the last fifteen bytes of the input with it
/// (then in a call of its own, as it is rare).
#[cfg_attr(all(feature = "sse2", target_arch = "x86_64"), inline(never))]
fn find_words<const CONTROL: bool>(b: &[u8], mut i: usize) -> usize {
    for _ in 0..SHORT_WORDS {
        let Some(w) = word(b, i) else {
            // Fewer than eight bytes left.
            while let Some(&c) = b.get(i) {
                if is_special::<CONTROL>(c) {
                    return i;
                }
                i += 1;
            }
            return b.len();
        };
        let m = specials::<CONTROL>(w);
        if m != 0 {
            return i + (m.trailing_zeros() / 8) as usize;
        }
        i += 8;
    }
    find_long::<CONTROL>(b, i)
}

/// [`find`] past its [`SHORT_WORDS`], in a call of its own: the code of
/// the short runs, which most strings end in, stays small.
#[inline(never)]
fn find_long<const CONTROL: bool>(b: &[u8], i: usize) -> usize {
    // A long run: `memchr2` finds its end, then one vectorisable pass
    // (a running minimum, no early exit) looks for a control character.
    let Some(rest) = b.get(i..) else {
        return b.len();
    };
    let end = memchr::memchr2(b'"', b'\\', rest).unwrap_or(rest.len());
    if CONTROL {
        let run = rest.get(..end).unwrap_or(rest);
        if run.iter().fold(u8::MAX, |low, &c| low.min(c)) < 0x20 {
            return i + run.iter().position(|&c| c < 0x20).unwrap_or(end);
        }
    }
    i + end
}

// ---------------------------------------------------------------------------
// Navigation over validated text. Everything below works on slices that
// `parse` has validated (a `Value` can only be made from one), so it can
// skip fast; it still never indexes out of bounds.

/// `ws = *( %x20 / %x09 / %x0A / %x0D )` from `i`: usually none (AWS sends
/// compact JSON) or one space, tested inline.
#[inline(always)]
fn skip_ws(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(&c) if c > b' ' => i,
        Some(b' ') if b.get(i + 1).is_some_and(|&c| c > b' ') => i + 1,
        // A pretty-printed event's line break and indentation.
        Some(b'\n') => match leading_spaces(b, i + 1) {
            Some(n) => match b.get(i + 1 + n) {
                Some(&c) if c > b' ' => i + 1 + n,
                _ => skip_ws_run(b, i),
            },
            None => skip_ws_run(b, i),
        },
        None => i,
        _ => skip_ws_run(b, i),
    }
}

/// How many spaces start `b[i..]`, counted in one step of sixteen bytes
/// (SSE2) or eight (a word): at most that many; `None` when fewer bytes
/// are left.
#[inline(always)]
fn leading_spaces(b: &[u8], i: usize) -> Option<usize> {
    #[cfg(all(feature = "sse2", target_arch = "x86_64"))]
    {
        // Bit 16 stops the count at 16.
        crate::text::spaces16(b, i).map(|m| (!m | 1 << 16).trailing_zeros() as usize)
    }
    #[cfg(not(all(feature = "sse2", target_arch = "x86_64")))]
    {
        word(b, i).map(|w| ((w ^ (ONES * u64::from(b' '))).trailing_zeros() / 8) as usize)
    }
}

/// Whitespace from `i`, runs of spaces (the indentation of a
/// pretty-printed event) [`leading_spaces`] at a time.
#[inline(never)]
fn skip_ws_run(b: &[u8], mut i: usize) -> usize {
    loop {
        match b.get(i) {
            // The first byte is a space: at least one is skipped.
            Some(b' ') => i += leading_spaces(b, i).unwrap_or(1),
            Some(b'\t' | b'\n' | b'\r') => i += 1,
            _ => return i,
        }
    }
}

/// `i` at an opening quote; returns the index after the closing one.
fn skip_string(b: &[u8], i: usize) -> usize {
    skip_string_escaped(b, i).0
}

/// [`skip_string`], and whether the string holds an escape.
fn skip_string_escaped(b: &[u8], i: usize) -> (usize, bool) {
    let mut j = i + 1;
    let mut escaped = false;
    loop {
        j = find::<false>(b, j);
        match b.get(j) {
            Some(b'"') => return (j + 1, escaped),
            Some(_) => {
                // `\` and the character it escapes
                j += 2;
                escaped = true;
            }
            None => return (b.len(), escaped),
        }
    }
}

/// `i` at the start of a value; returns the index after it.
fn skip_value(b: &[u8], i: usize) -> usize {
    match b.get(i) {
        Some(b'"') => skip_string(b, i),
        Some(b'{' | b'[') => skip_container(b, i),
        // Validated: the literal is whole.
        Some(b't' | b'n') => (i + 4).min(b.len()),
        Some(b'f') => (i + 5).min(b.len()),
        _ => {
            let mut j = i;
            while b.get(j).is_some_and(|&c| NUMBER_BYTE[usize::from(c)]) {
                j += 1;
            }
            j
        }
    }
}

/// The bytes a number is written with.
const NUMBER_BYTE: [bool; 256] = {
    let mut t = [false; 256];
    let bytes = *b"0123456789+-.eE";
    let mut k = 0;
    while k < bytes.len() {
        t[bytes[k] as usize] = true;
        k += 1;
    }
    t
};

const LOWS: u64 = u64::from_le_bytes([0x7f; 8]);

/// The high bit of each byte of `x` that is zero, exactly (no borrow
/// crosses bytes: `(x & 0x7f) + 0x7f` stays below 0x100).
fn zero_bytes(x: u64) -> u64 {
    !(((x & LOWS).wrapping_add(LOWS)) | x | LOWS)
}

/// `i` at the `{` or `[` of a container of validated text; returns the
/// index after its closing bracket. A word at a time: the quotes of a word
/// give, by a prefix XOR over its bytes, which of them lie inside a string
/// (carried from word to word), and the brackets outside strings are
/// counted; only a word that may close the container, or holds a `\`, is
/// looked at byte by byte.
fn skip_container(b: &[u8], i: usize) -> usize {
    let mut depth = 0u32;
    let mut in_string = false;
    let mut j = i;
    while let Some(w) = word(b, j) {
        let backslash = zero_bytes(w ^ (ONES * u64::from(b'\\')));
        if backslash == 0 {
            let quotes = zero_bytes(w ^ (ONES * u64::from(b'"')));
            // Byte k's high bit: the parity of the quotes up to it.
            let mut inside = quotes ^ (quotes << 8);
            inside ^= inside << 16;
            inside ^= inside << 32;
            if in_string {
                inside ^= HIGHS;
            }
            let outside = !inside & HIGHS;
            let folded = w | (ONES * 0x20);
            let open = zero_bytes(folded ^ (ONES * u64::from(b'{'))) & outside;
            let close = zero_bytes(folded ^ (ONES * u64::from(b'}'))) & outside;
            in_string = inside >> 63 == 1;
            if close == 0 {
                // The number of bytes flagged (high bits): summed into the
                // top byte by one multiplication, where `count_ones` is a
                // dozen instructions without POPCNT (not in x86_64's
                // baseline).
                depth += ((open >> 7).wrapping_mul(ONES) >> 56) as u32;
                j += 8;
                continue;
            }
            // Bracket by bracket, in order: the container may end here.
            let mut brackets = open | close;
            while brackets != 0 {
                let bit = brackets & brackets.wrapping_neg();
                if open & bit != 0 {
                    depth += 1;
                } else {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return j + (bit.trailing_zeros() / 8) as usize + 1;
                    }
                }
                brackets ^= bit;
            }
            j += 8;
            continue;
        }
        // An escape: this word byte by byte (and the escaped byte after it).
        let end = j + 8;
        while j < end {
            if let Some(after) = skip_byte(b, &mut j, &mut depth, &mut in_string) {
                return after;
            }
        }
    }
    // Fewer than eight bytes left.
    while j < b.len() {
        if let Some(after) = skip_byte(b, &mut j, &mut depth, &mut in_string) {
            return after;
        }
    }
    b.len()
}

/// One step of [`skip_container`] byte by byte at `*j` (two for an
/// escape); the index after the container when this byte closes it.
fn skip_byte(b: &[u8], j: &mut usize, depth: &mut u32, in_string: &mut bool) -> Option<usize> {
    let c = *b.get(*j)?;
    *j += 1;
    match (*in_string, c) {
        (true, b'\\') => *j += 1,
        (true, b'"') => *in_string = false,
        (false, b'"') => *in_string = true,
        (false, b'{' | b'[') => *depth += 1,
        (false, b'}' | b']') => {
            *depth = depth.saturating_sub(1);
            if *depth == 0 {
                return Some(*j);
            }
        }
        _ => {}
    }
    None
}

/// The eight bytes at `b[i..]` as a little-endian word ([`word`]), zero
/// bytes in place of those past the end.
pub(crate) fn word_padded(b: &[u8], i: usize) -> u64 {
    if let Some(w) = word(b, i) {
        return w;
    }
    let rest = b.get(i..).unwrap_or(&[]);
    rest.iter()
        .take(8)
        .enumerate()
        .fold(0, |w, (k, &c)| w | u64::from(c) << (8 * k))
}

/// How many members of one object a [`MemberIndex`] holds; past them a
/// lookup walks on from the last one.
pub(crate) const INDEXED: usize = 32;

/// Where the members of one object start, recorded during the validating
/// pass ([`parse_two_levels`]), so that finding a member by name looks at
/// one byte per member instead of walking its siblings' keys and values:
/// a header lookup on a 40-header event costs about what it costs on a
/// 4-header one.
#[derive(Debug, Clone, Copy)]
pub(crate) struct MemberIndex {
    /// The offset of each member's key (its opening quote): from the
    /// document's start while indexing, from the object's after
    /// [`rebase`](Self::rebase).
    at: [u32; INDEXED],
    /// [`tag`] of each key; 0 for a key with escapes (compared always).
    tag: [u8; INDEXED],
    len: u8,
    /// Members past [`INDEXED`] (or past 4 GiB) were not recorded.
    full: bool,
}

/// A byte from a key's length and its first and last bytes, ASCII letters
/// folded to lower case: names equal ignoring ASCII case have equal tags.
fn tag(raw: &[u8]) -> u8 {
    let (Some(&first), Some(&last)) = (raw.first(), raw.last()) else {
        return 1;
    };
    let t = (raw.len() as u8).wrapping_mul(8) ^ (first | 0x20) ^ (last | 0x20).rotate_left(3);
    t.max(1)
}

impl MemberIndex {
    pub(crate) const EMPTY: MemberIndex = MemberIndex {
        at: [0; INDEXED],
        tag: [0; INDEXED],
        len: 0,
        full: false,
    };

    /// No member recorded: a lookup walks the object.
    pub(crate) const WALK: MemberIndex = MemberIndex {
        full: true,
        ..MemberIndex::EMPTY
    };

    /// Records the member whose key is `key`, a key of `doc` handed over
    /// by [`parse_two_levels`].
    pub(crate) fn push(&mut self, doc: &[u8], key: Key) {
        let n = usize::from(self.len);
        // The opening quote, just before the key's text.
        let offset = key.start.wrapping_sub(1);
        match (self.at.get_mut(n), u32::try_from(offset)) {
            (Some(slot), Ok(offset)) if offset < u32::MAX => {
                *slot = offset;
                self.tag[n] = match doc.get(key.start..key.end) {
                    Some(raw) if !key.escaped => tag(raw),
                    _ => 0,
                };
                self.len += 1;
            }
            _ => self.full = true,
        }
    }

    /// Makes the offsets relative to `object`, the indexed object of `doc`.
    pub(crate) fn rebase(&mut self, doc: &[u8], object: Value<'_>) {
        let start = (object.text.as_ptr() as usize).wrapping_sub(doc.as_ptr() as usize);
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        for at in self.at.iter_mut().take(usize::from(self.len)) {
            *at = at.wrapping_sub(start);
        }
    }

    /// The first member of `object` (the object indexed, rebased) named
    /// `name`, ignoring ASCII case when `fold`.
    pub(crate) fn get<'a>(&self, object: Value<'a>, name: &str, fold: bool) -> Option<Value<'a>> {
        let is = |key: Str<'_>| {
            if fold {
                key.eq_ignore_ascii_case(name)
            } else {
                key == name
            }
        };
        let want = tag(name.as_bytes());
        let n = usize::from(self.len);
        for (&t, &at) in self.tag.iter().zip(&self.at).take(n) {
            if t != want && t != 0 {
                continue;
            }
            let mut members = Members {
                text: object.text,
                pos: at as usize,
            };
            match members.next() {
                Some((key, value)) if is(key) => return Some(value),
                _ => {}
            }
        }
        if !self.full {
            return None;
        }
        // Past the index: walk on from the last member it holds.
        let pos = match n.checked_sub(1) {
            Some(last) => self.at.get(last).map_or(1, |&at| at as usize),
            None => 1,
        };
        let mut members = Members {
            text: object.text,
            pos,
        };
        if n > 0 {
            members.next();
        }
        members.find(|(k, _)| is(*k)).map(|(_, v)| v)
    }
}

/// How many elements of one array an [`ElementIndex`] holds; past them
/// iterating walks on from the last one.
pub(crate) const RECORDED: usize = 16;

/// Where the elements of one array start and end, recorded during the
/// validating pass ([`parse_with_elements`]), so that iterating them does
/// not scan them again: the records of a [`Batch`](crate::events::Batch).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ElementIndex {
    /// Each element's start and end: from the document's start while
    /// indexing, from the array's after [`rebase`](Self::rebase).
    span: [(u32, u32); RECORDED],
    len: u8,
    /// Elements past [`RECORDED`] (or past 4 GiB) were not recorded.
    full: bool,
}

impl ElementIndex {
    pub(crate) const EMPTY: ElementIndex = ElementIndex {
        span: [(0, 0); RECORDED],
        len: 0,
        full: false,
    };

    /// Records the element at `at..end` of the document.
    pub(crate) fn push(&mut self, at: usize, end: usize) {
        let n = usize::from(self.len);
        match (self.span.get_mut(n), u32::try_from(at), u32::try_from(end)) {
            (Some(slot), Ok(at), Ok(end)) if !self.full => {
                *slot = (at, end);
                self.len += 1;
            }
            _ => self.full = true,
        }
    }

    /// Makes the spans relative to `array`, the indexed array of `doc`.
    /// Spans that do not lie in it (never, for an index made by the
    /// validator) are dropped: iterating then walks the array.
    pub(crate) fn rebase(&mut self, doc: &[u8], array: Value<'_>) {
        let start = (array.text.as_ptr() as usize).wrapping_sub(doc.as_ptr() as usize);
        let n = usize::from(self.len);
        let inside = self.span.iter().take(n).all(|&(at, end)| {
            (at as usize) > start && (end as usize) <= start + array.text.len() && at < end
        });
        if !inside {
            *self = ElementIndex {
                full: true,
                ..ElementIndex::EMPTY
            };
            return;
        }
        for span in self.span.iter_mut().take(n) {
            // `start` < `at` <= u32::MAX: no overflow.
            span.0 -= start as u32;
            span.1 -= start as u32;
        }
    }

    /// The elements of `array` (the array indexed, rebased), in order.
    pub(crate) fn iter<'a>(&self, array: Value<'a>) -> IndexedElements<'a> {
        IndexedElements {
            array,
            index: *self,
            next: 0,
            rest: None,
        }
    }
}

/// Iterator over the elements of an array indexed by an [`ElementIndex`].
#[derive(Debug, Clone)]
pub(crate) struct IndexedElements<'a> {
    array: Value<'a>,
    index: ElementIndex,
    next: u8,
    /// The walk past the recorded elements, once begun.
    rest: Option<Elements<'a>>,
}

impl<'a> Iterator for IndexedElements<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Value<'a>> {
        if let Some(rest) = &mut self.rest {
            return rest.next();
        }
        let n = self.next;
        if n < self.index.len {
            self.next += 1;
            let (at, end) = self.index.span[usize::from(n)];
            return self.array.sub(at as usize, end as usize);
        }
        if !self.index.full {
            return None;
        }
        // Past the index: walk on from the end of the last element it holds.
        let pos = match usize::from(n).checked_sub(1) {
            Some(last) => self.index.span[last].1 as usize,
            None => 1,
        };
        let kind = self.array.kind();
        let rest = self.rest.insert(Elements {
            text: self.array.text,
            pos: if kind == Kind::Array {
                pos
            } else {
                self.array.text.len()
            },
        });
        rest.next()
    }
}

/// How many members, over all the records of a batch, a [`DeepIndex`]
/// holds; the records past them are walked.
pub(crate) const DEEP_MEMBERS: usize = 160;

/// The members of the objects in the first [`RECORDED`] elements of an
/// array (a batch's records, and the objects nested in them down to
/// depth [`DEEP`] or less), recorded during the validating pass
/// ([`parse_with_elements`]'s `deep`): where each member's key starts and
/// where its value ends. Reading a record's fields then walks neither the
/// record nor the objects it nests again.
#[derive(Debug, Clone, Copy)]
pub(crate) struct DeepIndex {
    /// Each member's key (its opening quote) and the end of its value,
    /// from the document's start. In the order the members end, so an
    /// object's members come just before the member it is the value of.
    at: [(u32, u32); DEEP_MEMBERS],
    /// Where the indexed array starts in the document
    /// ([`rebase`](Self::rebase)).
    base: usize,
    /// The depth of the object each member is in (3: the element's own).
    depth: [u8; DEEP_MEMBERS],
    len: u16,
    /// Where the members of the element being read start in `at`.
    open: u16,
    /// The element being read lost members (no room, or past 4 GiB).
    lost: bool,
    /// Each recorded element's members, a range of `at`; `None` for one
    /// whose members did not all fit.
    element: [Option<(u16, u16)>; RECORDED],
    elements: u8,
    /// The deepest objects whose members are recorded.
    max: u8,
}

impl DeepIndex {
    /// Nothing recorded yet; members of objects deeper than `max` (at
    /// most [`DEEP`]) are not recorded.
    pub(crate) fn new(max: usize) -> DeepIndex {
        DeepIndex {
            at: [(0, 0); DEEP_MEMBERS],
            base: 0,
            depth: [0; DEEP_MEMBERS],
            len: 0,
            open: 0,
            lost: false,
            element: [None; RECORDED],
            elements: 0,
            max: max.min(DEEP) as u8,
        }
    }

    /// Records a member handed over by [`parse_with_elements`]'s `deep`.
    #[inline]
    pub(crate) fn member(&mut self, depth: usize, key_at: usize, end: usize) {
        if depth > usize::from(self.max) {
            return;
        }
        let n = usize::from(self.len);
        match (
            self.at.get_mut(n),
            u32::try_from(key_at),
            u32::try_from(end),
        ) {
            (Some(slot), Ok(key_at), Ok(end)) if !self.lost => {
                *slot = (key_at, end);
                self.depth[n] = depth as u8;
                self.len += 1;
            }
            _ => self.lost = true,
        }
    }

    /// An element of an array ended; `keep` when it is one of the array
    /// indexed (the members recorded since the last one are its own).
    pub(crate) fn element(&mut self, keep: bool) {
        if keep {
            if let Some(slot) = self.element.get_mut(usize::from(self.elements)) {
                *slot = (!self.lost).then_some((self.open, self.len));
                self.elements += 1;
                self.open = self.len;
            }
        }
        // Elements of other arrays, and past those recorded: forgotten.
        self.len = self.open;
        self.lost = false;
    }

    /// Notes where `array`, the indexed array of `doc`, lies in it: the
    /// offsets stay the document's, each record's checked to lie in the
    /// record when it is read ([`fields`](Self::fields)), instead of all
    /// of them moved and checked here.
    pub(crate) fn rebase(&mut self, doc: &[u8], array: Value<'_>) {
        self.base = (array.text.as_ptr() as usize).wrapping_sub(doc.as_ptr() as usize);
    }

    /// The recorded members of element number `i`, `record`, of `array`
    /// (the array indexed, rebased); [`Fields::WALK`] when there are none
    /// or they do not lie inside `record`.
    pub(crate) fn fields<'r, 'a>(
        &'r self,
        i: usize,
        array: Value<'a>,
        record: Value<'a>,
    ) -> Fields<'r, 'a> {
        let Some(&Some((from, to))) = self.element.get(i) else {
            return Fields::WALK;
        };
        let (from, to) = (usize::from(from), usize::from(to));
        let (Some(at), Some(depth)) = (self.at.get(from..to), self.depth.get(from..to)) else {
            return Fields::WALK;
        };
        // Where the record lies in the document.
        let start = (record.text.as_ptr() as usize)
            .wrapping_sub(array.text.as_ptr() as usize)
            .wrapping_add(self.base);
        let end = start.wrapping_add(record.text.len());
        // Recorded members lie inside the record they were recorded for.
        let inside = start < end
            && at
                .iter()
                .all(|&(a, stop)| (a as usize) > start && (stop as usize) < end);
        if record.kind() != Kind::Object || !inside {
            return Fields::WALK;
        }
        Fields {
            text: record.text,
            origin: start,
            at,
            depth,
            max: self.max,
        }
    }
}

/// The members of one record and of the objects it nests, as a
/// [`DeepIndex`] recorded them: [`members`](Self::members) answers from
/// them, or walks the object when they do not hold it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Fields<'r, 'a> {
    /// The record's text.
    text: &'a str,
    /// Where `text` starts in the document: the offsets of `at` minus
    /// `origin` are into `text` (each one past it, checked).
    origin: usize,
    at: &'r [(u32, u32)],
    depth: &'r [u8],
    max: u8,
}

impl<'a> Fields<'_, 'a> {
    /// Nothing recorded: every object is walked.
    pub(crate) const WALK: Fields<'static, 'static> = Fields {
        text: "",
        origin: 0,
        at: &[],
        depth: &[],
        max: 0,
    };

    /// The members of `object` (the record or an object in it) whose key
    /// is one of `keys`, in document order: the key's position in `keys`
    /// and the value.
    pub(crate) fn matched<'k, K: Keys>(
        &self,
        object: Value<'a>,
        keys: &'k K,
    ) -> Matched<'_, 'k, 'a, K> {
        let members = match self.recorded(object) {
            Some((from, to, depth)) => FieldMembers::Recorded {
                fields: *self,
                next: from,
                to,
                depth,
            },
            None => FieldMembers::Walk(object.members()),
        };
        Matched { members, keys }
    }

    /// The range of `at` holding `object`'s members, and their depth.
    fn recorded(&self, object: Value<'a>) -> Option<(usize, usize, u8)> {
        if self.at.is_empty() || object.kind() != Kind::Object {
            // Nothing recorded (or a record without members): walked.
            return None;
        }
        let start = (object.text.as_ptr() as usize).wrapping_sub(self.text.as_ptr() as usize);
        let end = start.wrapping_add(object.text.len());
        if start == 0 && end == self.text.len() {
            return Some((0, self.at.len(), 3));
        }
        // The member whose value `object` is (values end apart).
        let stop = end.wrapping_add(self.origin);
        let e = self.at.iter().position(|&(_, s)| s as usize == stop)?;
        let d = *self.depth.get(e)?;
        if d >= self.max {
            // Its members lie deeper than recorded.
            return None;
        }
        let mut from = e;
        while from > 0 && self.depth.get(from - 1).is_some_and(|&k| k > d) {
            from -= 1;
        }
        Some((from, e, d + 1))
    }

    /// The member recorded at `at[k]` when its key is one of `keys`: the
    /// key's position in `keys` and the value. A key spelled without
    /// escapes is matched where it lies (no scan for its end); only one
    /// that matches none is scanned, and compared decoded when it holds
    /// an escape.
    #[inline]
    fn member_matched<K: Keys>(&self, k: usize, keys: &K) -> Option<(usize, Value<'a>)> {
        let &(key_at, stop) = self.at.get(k)?;
        let b = self.text.as_bytes();
        // Both past `origin` ([`DeepIndex::fields`] checked).
        let key_at = (key_at as usize).wrapping_sub(self.origin);
        let stop = (stop as usize).wrapping_sub(self.origin);
        let (i, key_end) = match keys.position_raw(b, key_at + 1) {
            Some(found) => found,
            None => {
                let (key_end, escaped) = skip_string_escaped(b, key_at);
                if !escaped {
                    return None;
                }
                let key = Str {
                    raw: self.text.get(key_at + 1..key_end.checked_sub(1)?)?,
                    escaped,
                };
                (keys.position(key)?, key_end)
            }
        };
        let colon = skip_ws(b, key_end);
        let start = skip_ws(b, colon + 1);
        let value = Value { text: self.text }.sub(start, stop)?;
        Some((i, value))
    }
}

/// The keys a view looks for in an object (for [`Fields::matched`]).
pub(crate) trait Keys {
    /// The first key equal to `key` (compared decoded).
    fn position(&self, key: Str<'_>) -> Option<usize>;

    /// The first key spelled, exactly and followed by the closing quote,
    /// at `b[at..]` (`at` just after a key's opening quote), and the index
    /// after that quote. `None` says no key is spelled there without
    /// escapes; the key there may still be an escaped spelling of one.
    fn position_raw(&self, b: &[u8], at: usize) -> Option<(usize, usize)>;
}

/// The members of an object through [`Fields`].
#[derive(Debug, Clone)]
enum FieldMembers<'r, 'a> {
    /// From the recorded members at depth `depth` in `next..to`.
    Recorded {
        fields: Fields<'r, 'a>,
        next: usize,
        to: usize,
        depth: u8,
    },
    /// Walking the object.
    Walk(Members<'a>),
}

/// Iterator over the members of an object whose key is one of `keys`
/// ([`Fields::matched`]).
#[derive(Debug, Clone)]
pub(crate) struct Matched<'r, 'k, 'a, K> {
    members: FieldMembers<'r, 'a>,
    keys: &'k K,
}

impl<'a, K: Keys> Iterator for Matched<'_, '_, 'a, K> {
    type Item = (usize, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        match &mut self.members {
            FieldMembers::Walk(members) => {
                let keys = self.keys;
                members.find_map(|(key, value)| Some((keys.position(key)?, value)))
            }
            FieldMembers::Recorded {
                fields,
                next,
                to,
                depth,
            } => {
                while *next < *to {
                    let k = *next;
                    *next += 1;
                    if fields.depth.get(k) == Some(depth) {
                        if let Some(found) = fields.member_matched(k, self.keys) {
                            return Some(found);
                        }
                    }
                }
                None
            }
        }
    }
}

/// `{}`, for iterators over nothing.
pub(crate) const EMPTY_OBJECT: Value<'static> = Value { text: "{}" };

/// One validated JSON value: a slice of the document it came from.
///
/// Made by [`parse`] or by navigating another `Value`; every accessor is
/// infallible because the text was validated first. Accessors that expect
/// another kind of value return `None`. Two values are equal when their
/// JSON text is the same.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Value<'a> {
    text: &'a str,
}

impl fmt::Debug for Value<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Value").field(&self.text).finish()
    }
}

impl<'a> Value<'a> {
    /// What kind of value this is.
    pub fn kind(&self) -> Kind {
        match self.text.as_bytes().first() {
            Some(b'{') => Kind::Object,
            Some(b'[') => Kind::Array,
            Some(b'"') => Kind::String,
            Some(b't' | b'f') => Kind::Bool,
            Some(b'n') => Kind::Null,
            _ => Kind::Number,
        }
    }

    /// The value's JSON text, exactly as in the document.
    ///
    /// ```
    /// let v = lambda_zero::events::json::parse(br#"{"a": [1, "x"]}"#).unwrap();
    /// assert_eq!(v.get("a").unwrap().raw(), r#"[1, "x"]"#);
    /// ```
    pub fn raw(&self) -> &'a str {
        self.text
    }

    /// True for `null`.
    pub fn is_null(&self) -> bool {
        self.text == "null"
    }

    /// The boolean, for `true` and `false`.
    pub fn as_bool(&self) -> Option<bool> {
        match self.text {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        }
    }

    /// The string, for a string value.
    pub fn as_str(&self) -> Option<Str<'a>> {
        let inner = self.text.strip_prefix('"')?.strip_suffix('"')?;
        Some(Str::from_raw(inner))
    }

    /// The number's text, for a number (parse it with `str::parse` to the
    /// type you need: `"1e400".parse::<f64>()` is `inf`, JSON does not
    /// bound numbers).
    pub fn as_number(&self) -> Option<&'a str> {
        (self.kind() == Kind::Number).then_some(self.text)
    }

    /// The number as `u64`, when it is an integer in range (`1.0` and
    /// `1e2` are not).
    ///
    /// ```
    /// let v = lambda_zero::events::json::parse(b"[42, -1, 1.5]").unwrap();
    /// let n: Vec<_> = v.elements().map(|e| e.as_u64()).collect();
    /// assert_eq!(n, [Some(42), None, None]);
    /// ```
    pub fn as_u64(&self) -> Option<u64> {
        self.as_number()?.parse().ok()
    }

    /// The number as `i64`, when it is an integer in range.
    pub fn as_i64(&self) -> Option<i64> {
        self.as_number()?.parse().ok()
    }

    /// The number as the nearest `f64` (infinite when out of range).
    pub fn as_f64(&self) -> Option<f64> {
        let text = self.as_number()?;
        match exact_f64(text) {
            Some(x) => Some(x),
            None => text.parse().ok(),
        }
    }

    /// The first member of this object named `key` (compared after
    /// unescaping, so `"content\u002dtype"` is found as `content-type`).
    ///
    /// ```
    /// let v = lambda_zero::events::json::parse(br#"{"a":1,"b":{"c":null}}"#).unwrap();
    /// assert_eq!(v.get("a").unwrap().as_u64(), Some(1));
    /// assert!(v.get("b").unwrap().get("c").unwrap().is_null());
    /// assert!(v.get("z").is_none());
    /// ```
    pub fn get(&self, key: &str) -> Option<Value<'a>> {
        self.members().find(|(k, _)| *k == key).map(|(_, v)| v)
    }

    /// The first member named `key` ignoring ASCII case (for header
    /// names).
    pub fn get_ignore_ascii_case(&self, key: &str) -> Option<Value<'a>> {
        self.members()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v)
    }

    /// The value at `keys`, one key per object level (an empty path is
    /// this value).
    pub fn path(&self, keys: &[&str]) -> Option<Value<'a>> {
        keys.iter().try_fold(*self, |v, k| v.get(k))
    }

    /// The members of an object, in document order (nothing for any other
    /// kind of value).
    ///
    /// ```
    /// let v = lambda_zero::events::json::parse(br#"{"a":1,"b":"two"}"#).unwrap();
    /// let keys: Vec<_> = v.members().map(|(k, _)| k.raw()).collect();
    /// assert_eq!(keys, ["a", "b"]);
    /// ```
    pub fn members(&self) -> Members<'a> {
        let pos = if self.kind() == Kind::Object {
            1
        } else {
            self.text.len()
        };
        Members {
            text: self.text,
            pos,
        }
    }

    /// The elements of an array, in order (nothing for any other kind of
    /// value).
    pub fn elements(&self) -> Elements<'a> {
        let pos = if self.kind() == Kind::Array {
            1
        } else {
            self.text.len()
        };
        Elements {
            text: self.text,
            pos,
        }
    }

    /// The slice `start..end` of this value's text as a value.
    fn sub(&self, start: usize, end: usize) -> Option<Value<'a>> {
        slice(self.text, start, end)
    }
}

/// Powers of ten that `f64` holds exactly.
const POW10: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// A validated JSON number without exponent and with at most 15 digits
/// (`-12.25`, `1545084650.987`) as `f64` without the general parser: its
/// digits are an integer below 2^53 and its scale a power of ten up to
/// 10^22, both exact in `f64`, so their one correctly rounded division is
/// the nearest `f64` to the number (Clinger's fast path). `None` for
/// anything else.
fn exact_f64(text: &str) -> Option<f64> {
    let b = text.as_bytes();
    let (negative, digits) = match b.split_first()? {
        (b'-', rest) => (true, rest),
        _ => (false, b),
    };
    if digits.len() > 16 {
        return None;
    }
    let mut mantissa = 0u64;
    let mut scale = None;
    for (k, &c) in digits.iter().enumerate() {
        match c {
            b'0'..=b'9' => mantissa = mantissa * 10 + u64::from(c - b'0'),
            b'.' if scale.is_none() => scale = Some(digits.len() - k - 1),
            _ => return None,
        }
    }
    // At most 16 bytes with a dot, 15 without: below 10^15 < 2^53.
    if scale.is_none() && digits.len() > 15 {
        return None;
    }
    let x = mantissa as f64 / POW10.get(scale.unwrap_or(0))?;
    Some(if negative { -x } else { x })
}

/// Strings up to this long are searched for a `\\` a word at a time,
/// inline; longer ones by `memchr` (a call, then wider steps).
const SHORT_TEXT: usize = 64;

/// `b` holds a `\\`.
#[inline]
fn has_backslash(b: &[u8]) -> bool {
    if b.len() > SHORT_TEXT {
        return b.contains(&b'\\');
    }
    let mut words = b.chunks_exact(8);
    let backslashes = ONES * u64::from(b'\\');
    let found = words.any(|w| {
        let w = w.try_into().map_or(0, u64::from_le_bytes);
        zero_bytes(w ^ backslashes) != 0
    });
    found || words.remainder().contains(&b'\\')
}

/// Iterator over an object's members: `(key, value)`.
#[derive(Debug, Clone)]
pub struct Members<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (Str<'a>, Value<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.text.as_bytes();
        let mut i = skip_ws(b, self.pos);
        if b.get(i) == Some(&b',') {
            i = skip_ws(b, i + 1);
        }
        if b.get(i) != Some(&b'"') {
            self.pos = b.len();
            return None;
        }
        let (key_end, escaped) = skip_string_escaped(b, i);
        let key = Str {
            raw: self.text.get(i + 1..key_end.saturating_sub(1))?,
            escaped,
        };
        let colon = skip_ws(b, key_end);
        let start = skip_ws(b, colon + 1);
        let end = skip_value(b, start);
        self.pos = end;
        let value = Value { text: self.text }.sub(start, end)?;
        Some((key, value))
    }
}

/// Iterator over an array's elements.
#[derive(Debug, Clone)]
pub struct Elements<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for Elements<'a> {
    type Item = Value<'a>;

    fn next(&mut self) -> Option<Self::Item> {
        let b = self.text.as_bytes();
        let mut i = skip_ws(b, self.pos);
        if b.get(i) == Some(&b',') {
            i = skip_ws(b, i + 1);
        }
        if matches!(b.get(i), None | Some(b']')) {
            self.pos = b.len();
            return None;
        }
        let end = skip_value(b, i);
        self.pos = end;
        Value { text: self.text }.sub(i, end)
    }
}

/// A validated JSON string: its text as written between the quotes, which
/// may hold escapes. Compare it, iterate its characters or copy it without
/// allocating; unescape it into a reused buffer with [`Str::decode`].
///
/// `raw()` is valid JSON string content, so it can be copied as is inside
/// the quotes of a JSON document being written.
///
/// Comparisons (`==` with a `&str` or another `Str`) and hashing are on the
/// unescaped text: `"\u0041"` equals `"A"`.
#[derive(Clone, Copy)]
pub struct Str<'a> {
    raw: &'a str,
    escaped: bool,
}

impl fmt::Debug for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Str(\"{}\")", self.raw)
    }
}

/// Writes the unescaped text.
impl fmt::Display for Str<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.escaped {
            return f.write_str(self.raw);
        }
        unescape(self.raw, &mut FmtSink(f))
    }
}

impl PartialEq for Str<'_> {
    fn eq(&self, other: &Self) -> bool {
        if self.escaped || other.escaped {
            self.chars().eq(other.chars())
        } else {
            self.raw == other.raw
        }
    }
}

impl Eq for Str<'_> {}

impl std::hash::Hash for Str<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        for c in self.chars() {
            state.write_u32(u32::from(c));
        }
        state.write_u8(0xff);
    }
}

impl PartialEq<str> for Str<'_> {
    /// Inlined: a comparison of key with a name (`key == "price"`) is
    /// often a length test that fails.
    #[inline]
    fn eq(&self, other: &str) -> bool {
        if self.escaped {
            self.chars().eq(other.chars())
        } else {
            self.raw == other
        }
    }
}

impl PartialEq<&str> for Str<'_> {
    #[inline]
    fn eq(&self, other: &&str) -> bool {
        *self == **other
    }
}

impl<'a> Str<'a> {
    /// `raw` must be validated string content.
    pub(crate) fn from_raw(raw: &'a str) -> Self {
        Str {
            raw,
            escaped: has_backslash(raw.as_bytes()),
        }
    }

    /// The text between the quotes, escapes as written.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// True when the text holds at least one escape sequence.
    pub fn has_escapes(&self) -> bool {
        self.escaped
    }

    /// The text, borrowed, when it holds no escape sequence; `None` when it
    /// does (then [`decode`](Self::decode) it).
    ///
    /// ```
    /// let v = lambda_zero::events::json::parse(br#"["plain","tab\t"]"#).unwrap();
    /// let s: Vec<_> = v.elements().map(|e| e.as_str().unwrap().borrowed()).collect();
    /// assert_eq!(s, [Some("plain"), None]);
    /// ```
    pub fn borrowed(&self) -> Option<&'a str> {
        (!self.escaped).then_some(self.raw)
    }

    /// The unescaped text: borrowed when there is nothing to unescape,
    /// otherwise written into `scratch` (cleared first; it allocates only
    /// to grow past its largest size so far).
    ///
    /// ```
    /// let v = lambda_zero::events::json::parse(br#""caf\u00e9 \ud83d\ude00 \"q\"""#).unwrap();
    /// let mut scratch = String::new();
    /// assert_eq!(v.as_str().unwrap().decode(&mut scratch), "café 😀 \"q\"");
    /// ```
    pub fn decode<'s>(&self, scratch: &'s mut String) -> &'s str
    where
        'a: 's,
    {
        if !self.escaped {
            return self.raw;
        }
        scratch.clear();
        let _ = unescape(self.raw, scratch);
        scratch
    }

    /// Appends the unescaped text to `out` as UTF-8 bytes.
    pub fn decode_into(&self, out: &mut Vec<u8>) {
        unescape_bytes(self.raw, out);
    }

    /// The unescaped characters, decoded as they are read.
    pub fn chars(&self) -> Chars<'a> {
        Chars { rest: self.raw }
    }

    /// True when the unescaped text equals `other` ignoring ASCII case.
    pub fn eq_ignore_ascii_case(&self, other: &str) -> bool {
        if !self.escaped {
            return self.raw.eq_ignore_ascii_case(other);
        }
        let mut theirs = other.chars();
        for c in self.chars() {
            match theirs.next() {
                Some(d) if c.eq_ignore_ascii_case(&d) => {}
                _ => return false,
            }
        }
        theirs.next().is_none()
    }

    /// True when the unescaped text is empty.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }
}

/// Iterator over the unescaped characters of a [`Str`].
#[derive(Debug, Clone)]
pub struct Chars<'a> {
    rest: &'a str,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let (c, used) = next_char(self.rest)?;
        self.rest = self.rest.get(used..).unwrap_or("");
        Some(c)
    }
}

/// The first unescaped char of validated string content and the bytes it
/// takes.
fn next_char(s: &str) -> Option<(char, usize)> {
    let b = s.as_bytes();
    if b.first() != Some(&b'\\') {
        let c = s.chars().next()?;
        return Some((c, c.len_utf8()));
    }
    let e = *b.get(1)?;
    let c = match one_char_escape(e) {
        Some(c) => char::from(c),
        None if e == b'u' => {
            let unit = u32::from(hex4(b, 2)?);
            if (0xD800..0xDC00).contains(&unit) {
                let low = u32::from(hex4(b, 8)?);
                let c = 0x10000 + ((unit - 0xD800) << 10) + (low.wrapping_sub(0xDC00) & 0x3FF);
                return Some((char::from_u32(c).unwrap_or('\u{FFFD}'), 12));
            }
            return Some((char::from_u32(unit).unwrap_or('\u{FFFD}'), 6));
        }
        // Not in validated content: copied as it is.
        None => char::from(e),
    };
    Some((c, 2))
}

/// The byte the one-character escape `\e` stands for (`n`: a line feed,
/// `"`: a quote, …); `None` for `u` (four hex digits follow) and for
/// anything that is not an escape.
#[inline(always)]
fn one_char_escape(e: u8) -> Option<u8> {
    match UNESCAPED[usize::from(e)] {
        0 => None,
        c => Some(c),
    }
}

/// Where unescaped text goes.
trait Sink {
    fn put(&mut self, s: &str) -> fmt::Result;

    /// One character (an unescaped one: the common escapes are ASCII).
    fn put_char(&mut self, c: char) -> fmt::Result;

    /// Room for `n` more bytes, where the sink holds them.
    fn reserve(&mut self, _n: usize) {}
}

impl Sink for String {
    fn put(&mut self, s: &str) -> fmt::Result {
        self.push_str(s);
        Ok(())
    }

    fn put_char(&mut self, c: char) -> fmt::Result {
        self.push(c);
        Ok(())
    }

    fn reserve(&mut self, n: usize) {
        String::reserve(self, n);
    }
}

impl Sink for Vec<u8> {
    fn put(&mut self, s: &str) -> fmt::Result {
        self.extend_from_slice(s.as_bytes());
        Ok(())
    }

    fn put_char(&mut self, c: char) -> fmt::Result {
        match u8::try_from(c) {
            Ok(ascii) if ascii.is_ascii() => self.push(ascii),
            _ => self.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes()),
        }
        Ok(())
    }

    fn reserve(&mut self, n: usize) {
        Vec::reserve(self, n);
    }
}

struct FmtSink<'f, 'g>(&'f mut fmt::Formatter<'g>);

impl Sink for FmtSink<'_, '_> {
    fn put(&mut self, s: &str) -> fmt::Result {
        self.0.write_str(s)
    }

    fn put_char(&mut self, c: char) -> fmt::Result {
        fmt::Write::write_char(self.0, c)
    }
}

/// Unescapes validated string content: runs without escapes are copied
/// whole, found a word at a time ([`find`]: in validated content a `"`
/// only comes escaped, so the first `"` or `\` is an escape), and the
/// one-character escapes written as one character. The unescaped text is
/// never longer than the raw one, so one `reserve` covers it.
fn unescape(raw: &str, out: &mut impl Sink) -> fmt::Result {
    let b = raw.as_bytes();
    out.reserve(b.len());
    let mut i = 0;
    loop {
        let k = find::<false>(b, i);
        if k > i {
            out.put(raw.get(i..k).unwrap_or(""))?;
        }
        let c = match (b.get(k), b.get(k + 1).copied().and_then(one_char_escape)) {
            (None, _) => return Ok(()),
            (Some(b'\\'), Some(c)) => char::from(c),
            _ => {
                // `\uXXXX` (or, in text that is not validated content, a
                // bare `"`, or a `\` at the end: copied as one char).
                let rest = raw.get(k..).unwrap_or("");
                let Some((c, used)) = next_char(rest) else {
                    return Ok(());
                };
                out.put_char(c)?;
                i = k + used;
                continue;
            }
        };
        out.put_char(c)?;
        i = k + 2;
    }
}

/// [`unescape`] into bytes, for escape-dense text (a JSON body sent as a
/// JSON string has an escape every few bytes): `out` grows once by the
/// raw length and eight bytes of slack, runs are copied a word at a time
/// (a whole word written, then the output advanced to the first special
/// byte in it), escapes written in place, and `out` cut to what was
/// written. Runs longer than [`SHORT_WORDS`] words go to [`find`] and one
/// slice copy.
fn unescape_bytes(raw: &str, out: &mut Vec<u8>) {
    let b = raw.as_bytes();
    let mut o = out.len();
    out.resize(o + b.len() + 8, 0);
    let mut i = 0;
    loop {
        // Copy the run at `i`, up to the next `"` or `\`.
        let mut words = 0;
        loop {
            let (Some(w), Some(dst)) = (word(b, i), out.get_mut(o..o + 8)) else {
                let k = find::<false>(b, i);
                copy_run(b, i, k, out, &mut o);
                i = k;
                break;
            };
            dst.copy_from_slice(&w.to_le_bytes());
            let m = specials::<false>(w);
            if m != 0 {
                let n = (m.trailing_zeros() / 8) as usize;
                i += n;
                o += n;
                break;
            }
            i += 8;
            o += 8;
            words += 1;
            if words == SHORT_WORDS {
                let k = find::<false>(b, i);
                copy_run(b, i, k, out, &mut o);
                i = k;
                break;
            }
        }
        let c = match (b.get(i), b.get(i + 1).copied().and_then(one_char_escape)) {
            (None, _) => break,
            (Some(b'\\'), Some(c)) => c,
            _ => {
                // As in `unescape`: `\uXXXX`, a bare `"` or a final `\`.
                let Some((c, used)) = raw.get(i..).and_then(next_char) else {
                    break;
                };
                let mut utf8 = [0; 4];
                let bytes = c.encode_utf8(&mut utf8).as_bytes();
                if let Some(dst) = out.get_mut(o..o + bytes.len()) {
                    dst.copy_from_slice(bytes);
                }
                o += bytes.len();
                i += used;
                continue;
            }
        };
        if let Some(dst) = out.get_mut(o) {
            *dst = c;
        }
        o += 1;
        i += 2;
    }
    out.truncate(o);
}

/// `b[i..k]` into `out` at `*o`, advancing `*o`.
fn copy_run(b: &[u8], i: usize, k: usize, out: &mut [u8], o: &mut usize) {
    let run = b.get(i..k).unwrap_or(&[]);
    if let Some(dst) = out.get_mut(*o..*o + run.len()) {
        dst.copy_from_slice(run);
    }
    *o += run.len();
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(doc: &str) -> bool {
        validate(doc.as_bytes()).is_ok()
    }

    #[test]
    fn accepts_the_grammar() {
        for doc in [
            "0",
            "-0",
            "1.5e+10",
            "-12.0E-3",
            "true",
            " null ",
            "\"\"",
            "[]",
            "{}",
            "[ 1 , [ ] , { } ]",
            r#"{"a":{"b":[true,false,null]}}"#,
            r#""\"\\\/\b\f\n\r\t\u0000\uFFFF\ud83d\ude00""#,
            "\"\u{7f}é😀\"",
            "\t\r\n[1]\n",
        ] {
            assert!(ok(doc), "{doc:?}");
        }
    }

    #[test]
    fn refuses_everything_else() {
        for doc in [
            "",
            " ",
            "01",
            "-",
            "1.",
            ".5",
            "1e",
            "+1",
            "0x10",
            "NaN",
            "tru",
            "nul",
            "[1,]",
            "{\"a\":1,}",
            "[1 2]",
            "{\"a\" 1}",
            "{a:1}",
            "{\"a\":}",
            "[",
            "]",
            "{\"a\":1",
            "\"abc",
            "\"\\x\"",
            "\"\\u12\"",
            "\"\\ud800\"",
            "\"\\udc00\"",
            "\"\\ud800\\u0041\"",
            "\"a\u{1}b\"",
            "\"a\nb\"",
            "1 2",
            "[1]]",
            "\u{feff}1",
            "\u{a0}1",
        ] {
            assert!(!ok(doc), "{doc:?}");
        }
        assert_eq!(validate(b"\"\xff\"").unwrap_err().reason(), "invalid UTF-8");
    }

    #[test]
    fn nesting_is_bounded_without_recursion() {
        let deep = |n: usize| "[".repeat(n) + &"]".repeat(n);
        assert!(ok(&deep(MAX_DEPTH)));
        assert!(!ok(&deep(MAX_DEPTH + 1)));
        assert!(!ok(&"[".repeat(1_000_000)));
    }

    #[test]
    fn navigates_validated_values() {
        let v = parse(br#" { "a" : [ 1 , "x\"]" , { "b" : null } ] , "c":"}" } "#).unwrap();
        let a = v.get("a").unwrap();
        assert_eq!(a.kind(), Kind::Array);
        let items: Vec<_> = a.elements().map(|e| e.raw()).collect();
        assert_eq!(items, ["1", r#""x\"]""#, r#"{ "b" : null }"#]);
        assert_eq!(v.get("c").unwrap().as_str().unwrap(), "}");
        assert!(v.path(&["a", "b"]).is_none());
        assert_eq!(v.members().count(), 2);
        assert_eq!(parse(b"[]").unwrap().elements().count(), 0);
        assert_eq!(parse(b"{ }").unwrap().members().count(), 0);
    }

    /// Every sample event of `tests/data`.
    fn sample_events() -> Vec<Vec<u8>> {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "json"))
            .map(|p| std::fs::read(p).unwrap())
            .collect()
    }

    #[test]
    fn parse_members_hands_over_what_members_walks() {
        let mut docs = sample_events();
        for doc in [
            r#"{"a":1,"b":{"c":[true]},"a":"again"}"#,
            r#" { "k\u00e9" : [ { } , [ ] ] , "e" : { } , "s" : "x\"}" } "#,
            r#"[{"a":1}]"#,
            r#"{}"#,
            r#""{\"a\":1}""#,
        ] {
            docs.push(doc.as_bytes().to_vec());
        }
        /// Keeps every root member it is handed, checking that each
        /// comes after its key was classified.
        #[derive(Default)]
        struct Roots<'a> {
            seen: Seen<'a>,
            classified: Option<(usize, usize)>,
        }
        impl<'a> Handover<'a> for Roots<'a> {
            type Class = ();
            fn classify(&mut self, _: &'a str, key: Key) -> Option<()> {
                self.classified = Some((key.start, key.end));
                None
            }
            fn member(
                &mut self,
                text: &'a str,
                class: Option<()>,
                key: Key,
                at: usize,
                end: usize,
            ) {
                assert!(class.is_none());
                assert_eq!(self.classified.take(), Some((key.start, key.end)));
                let k = key.str(text).unwrap();
                self.seen
                    .push((k.raw(), k.escaped, slice(text, at, end).unwrap()));
            }
        }
        type Seen<'a> = Vec<(&'a str, bool, Value<'a>)>;
        fn parse_with_members(doc: &[u8]) -> Result<(Value<'_>, Seen<'_>), Error> {
            let mut roots = Roots::default();
            parse_members(doc, &mut roots).map(|root| (root, roots.seen))
        }
        for doc in &docs {
            let (root, seen) = parse_with_members(doc).unwrap();
            assert_eq!(Ok(root), parse(doc));
            let walked: Vec<_> = root
                .members()
                .map(|(k, v)| (k.raw(), k.escaped, v))
                .collect();
            assert_eq!(seen, walked);
        }
        // Damaged: one verdict, one error.
        for doc in &docs {
            for at in (0..doc.len()).step_by(7) {
                for byte in [None, Some(b'"'), Some(b'}'), Some(0x01)] {
                    let mut bad = doc.clone();
                    match byte {
                        None => drop(bad.remove(at)),
                        Some(c) => bad.insert(at, c),
                    }
                    assert_eq!(parse_with_members(&bad).map(|r| r.0), parse(&bad));
                }
            }
        }
        for bad in [&br#"{"a":1,"b":[}"#[..], br#"{"a":1"#, b"{\"a\":\"\x01\"}"] {
            assert_eq!(parse_with_members(bad).map(|r| r.0), parse(bad));
            assert!(parse(bad).is_err());
        }
    }

    /// A [`Handover`] that wants every object's members and keeps
    /// all it is handed: as `(parent key, key, value)`, and the depth-2
    /// keys as found.
    #[derive(Default)]
    struct All<'a> {
        seen: Vec<(Option<&'a str>, &'a str, Value<'a>)>,
        inner: Vec<Key>,
    }

    impl<'a> Handover<'a> for All<'a> {
        type Class = &'a str;
        fn classify(&mut self, text: &'a str, key: Key) -> Option<&'a str> {
            Some(key.str(text).unwrap().raw())
        }
        fn member(&mut self, text: &'a str, up: Option<&'a str>, key: Key, at: usize, end: usize) {
            let k = key.str(text).unwrap().raw();
            self.seen.push((up, k, slice(text, at, end).unwrap()));
            if up.is_some() {
                self.inner.push(key);
            }
        }
    }

    #[test]
    fn parse_two_levels_hands_over_what_two_walks_find() {
        let mut docs = sample_events();
        for doc in [
            r#"{"a":{"b":1,"c":{"d":[{"e":2}]}},"f":[{"g":3}],"a":{"h\u00e9":null}}"#,
            r#" { "k" : { } , "l" : { "m" : "x\"}" } } "#,
            r#"[{"a":{"b":1}}]"#,
        ] {
            docs.push(doc.as_bytes().to_vec());
        }
        for doc in &docs {
            let mut all = All::default();
            let root = parse_two_levels(doc, &mut all);
            assert_eq!(root, parse(doc));
            let seen = all.seen;
            // Each object's members before the member they lie in.
            let mut walked = Vec::new();
            for (k, v) in root.unwrap().members() {
                walked.extend(v.members().map(|(k2, v2)| (Some(k.raw()), k2.raw(), v2)));
                walked.push((None, k.raw(), v));
            }
            assert_eq!(seen, walked);
        }
    }

    #[test]
    fn member_index_finds_what_get_finds() {
        let mut doc = String::from(r#"{"h":{"#);
        for k in 0..70 {
            if k > 0 {
                doc.push(',');
            }
            doc.push_str(&format!(r#""Name-{k}":"{k}","name-{k}":"again {k}""#));
        }
        doc.push_str(r#","x\u0041":"escaped","":"empty"}}"#);
        for doc in [doc.as_str(), r#"{"h":{}}"#, r#"{"h":{"A":"1","a":"2"}}"#] {
            let mut all = All::default();
            let root = parse_two_levels(doc.as_bytes(), &mut all).unwrap();
            let mut index = MemberIndex::EMPTY;
            for &key in &all.inner {
                index.push(doc.as_bytes(), key);
            }
            let object = root.get("h").unwrap();
            index.rebase(doc.as_bytes(), object);
            let mut names: Vec<String> = object.members().map(|(k, _)| k.to_string()).collect();
            names.extend(["missing", "NAME-69", "xA", "XA", "", "a"].map(String::from));
            for name in &names {
                assert_eq!(index.get(object, name, false), object.get(name), "{name}");
                assert_eq!(
                    index.get(object, name, true),
                    object.get_ignore_ascii_case(name),
                    "{name}"
                );
            }
        }
    }

    /// A string's escape flag is found a word at a time up to
    /// [`SHORT_TEXT`] bytes and by `memchr` past them: a `\\` at every
    /// position of every length around the words and the threshold.
    #[test]
    fn escapes_are_found_at_every_offset_and_length() {
        for len in 0..SHORT_TEXT + 20 {
            let plain = "a".repeat(len);
            assert!(!Str::from_raw(&plain).has_escapes(), "{len}");
            for at in 0..len {
                let mut text = plain.clone().into_bytes();
                text[at] = b'\\';
                let text = String::from_utf8(text).unwrap();
                assert!(Str::from_raw(&text).has_escapes(), "{len} {at}");
                // Other specials and non-ASCII bytes are not escapes.
                let other = text.replace('\\', "\"");
                assert!(!Str::from_raw(&other).has_escapes(), "{len} {at}");
                let other = text.replace('\\', "\u{dc}");
                assert!(!Str::from_raw(&other).has_escapes(), "{len} {at}");
            }
        }
    }

    #[test]
    fn keys_are_compared_unescaped() {
        let v = parse(br#"{"content\u002dType":"x","a\/b":1}"#).unwrap();
        assert!(v.get("content-Type").is_some());
        assert!(v.get_ignore_ascii_case("CONTENT-TYPE").is_some());
        assert!(v.get("a/b").is_some());
        assert!(v.get("a").is_none());
    }

    #[test]
    fn unescapes_every_escape() {
        let v = parse(br#""\"\\\/\b\f\n\r\t\u00e9\u20AC\ud83d\ude00x""#).unwrap();
        let s = v.as_str().unwrap();
        let want = "\"\\/\u{8}\u{c}\n\r\té€😀x";
        let mut scratch = String::new();
        assert_eq!(s.decode(&mut scratch), want);
        assert_eq!(s.chars().collect::<String>(), want);
        assert_eq!(s.to_string(), want);
        assert!(s == want);
        let mut bytes = Vec::new();
        s.decode_into(&mut bytes);
        assert_eq!(bytes, want.as_bytes());
    }

    /// `skip_container` (a word at a time, strings told apart by the
    /// parity of their quotes) ends every container where the validating
    /// scanner ends it: the sample events, and containers with brackets,
    /// quotes and backslashes inside strings at every offset around the
    /// words, escapes across word boundaries, non-ASCII, deep nesting.
    #[test]
    fn skips_containers_where_the_validator_ends_them() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data");
        let mut docs: Vec<Vec<u8>> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| std::fs::read(p).unwrap())
            .collect();
        for pad in 0..17 {
            let p = "x".repeat(pad);
            for inner in [
                r#"}"#,
                r#"]"#,
                r#"{"#,
                r#"\""#,
                r#"\\"#,
                r#"\\\""#,
                r#"\"}"#,
                r#"é}"#,
                r#"\u005d"#,
            ] {
                docs.push(
                    format!(r#"[{{"{p}":"{inner}{p}"}},["{p}{inner}",{{}}],[]]"#).into_bytes(),
                );
                docs.push(
                    format!(r#"{{"a{p}{inner}":[1,{{"b":"{inner}"}},"{p}"],"c":{{}}}}"#)
                        .into_bytes(),
                );
                docs.push(format!("[ \"{p}\" , {{ \"k\" : [ \"{inner}\" ] }} ]").into_bytes());
            }
        }
        let deep = format!("{}\"]\"{}", "[{\"a\":".repeat(60), "}]".repeat(60));
        docs.push(deep.into_bytes());
        let mut checked = 0;
        for doc in &docs {
            assert!(validate(doc).is_ok(), "{}", String::from_utf8_lossy(doc));
            let (mut in_string, mut escaped) = (false, false);
            for (i, &c) in doc.iter().enumerate() {
                if in_string {
                    match (escaped, c) {
                        (true, _) => escaped = false,
                        (false, b'\\') => escaped = true,
                        (false, b'"') => in_string = false,
                        _ => {}
                    }
                    continue;
                }
                match c {
                    b'"' => in_string = true,
                    b'{' | b'[' => {
                        let mut pass = Pass {
                            hand: &mut Nothing,
                            text: "",
                            parent: None,
                            indexed: false,
                        };
                        let want = value::<0, false, _>(doc, i, &mut pass);
                        assert_eq!(
                            Ok(skip_container(doc, i)),
                            want.map_err(|_| ()),
                            "at {i} of {}",
                            String::from_utf8_lossy(doc)
                        );
                        checked += 1;
                    }
                    _ => {}
                }
            }
        }
        assert!(checked > 1000, "{checked}");
    }

    /// Numbers read through the exact fast path give what the general
    /// parser gives, to the bit: every digit count and dot position up to
    /// the path's limits and past them, signs, zeros.
    #[test]
    fn as_f64_agrees_with_the_general_parser() {
        let mut seed = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut texts = vec!["0".to_string(), "-0".into(), "0.0".into(), "-0.000".into()];
        texts.extend(
            [
                "1e5",
                "1.5E-3",
                "123456789012345.6",
                "9007199254740993",
                "0.1",
            ]
            .map(String::from),
        );
        for _ in 0..20_000 {
            let digits = (next() % 19 + 1) as usize;
            let mut d: String = (0..digits)
                .map(|_| char::from(b'0' + (next() % 10) as u8))
                .collect();
            if d.len() > 1 && d.starts_with('0') {
                d.replace_range(..1, "1");
            }
            let text = match next() % 3 {
                0 => d,
                _ => {
                    let at = (next() % digits as u64) as usize + 1;
                    let (int, frac) = d.split_at(at.min(d.len()));
                    let frac = if frac.is_empty() { "5" } else { frac };
                    format!("{int}.{frac}")
                }
            };
            let text = if next() % 2 == 0 {
                format!("-{text}")
            } else {
                text
            };
            texts.push(text);
        }
        for text in texts {
            let v = parse(text.as_bytes()).unwrap_or_else(|e| panic!("{text}: {e}"));
            let want: f64 = text.parse().unwrap();
            assert_eq!(v.as_f64().map(f64::to_bits), Some(want.to_bits()), "{text}");
        }
    }

    /// Runs between escapes are found a word at a time: every escape at
    /// every offset around the 8-byte words and the long-run threshold,
    /// beside non-ASCII text, decodes as `serde_json` decodes it, into each
    /// sink.
    #[test]
    fn unescapes_at_every_offset() {
        let escapes = [r#"\""#, r"\\", r"\/", r"\b", r"\f", r"\n", r"\r", r"\t"];
        let escapes = escapes
            .iter()
            .copied()
            .chain([r"\u00e9", r"\ud83d\ude00", r"\u0000"]);
        for esc in escapes {
            for before in 0..41 {
                for after in [0, 1, 7, 8, 9, 40] {
                    let raw = format!("{}{esc}{}é{esc}", "a".repeat(before), "b".repeat(after));
                    let doc = format!("\"{raw}\"");
                    let want: String = serde_json::from_str(&doc).unwrap();
                    let v = parse(doc.as_bytes()).unwrap();
                    let s = v.as_str().unwrap();
                    let mut scratch = String::from("old");
                    assert_eq!(s.decode(&mut scratch), want, "{raw}");
                    let mut bytes = b"old".to_vec();
                    s.decode_into(&mut bytes);
                    assert_eq!(bytes, [b"old", want.as_bytes()].concat(), "{raw}");
                    assert_eq!(s.to_string(), want, "{raw}");
                    assert_eq!(s.chars().collect::<String>(), want, "{raw}");
                }
            }
        }
    }

    #[test]
    fn whitespace_is_skipped_to_the_first_other_byte() {
        // `skip_ws` (and `skip_ws_run`, `leading_spaces`: a step of 16
        // bytes with `sse2`, 8 without) against the definition: runs of
        // spaces of every length up to 40 after a line break, a tab or
        // nothing, mixed with line breaks, ended by a token, by a byte
        // below the space that is not whitespace, or by the end.
        fn reference(b: &[u8], i: usize) -> usize {
            b.iter()
                .skip(i)
                .position(|c| !matches!(c, b' ' | b'\t' | b'\n' | b'\r'))
                .map_or(b.len(), |k| i + k)
        }
        for lead in [&b""[..], b"\n", b"\t", b"\r\n", b" \n"] {
            for spaces in 0..40 {
                for mid in [&b""[..], b"\n", b"\n  \t"] {
                    for more in [0, 1, 9, 17] {
                        for end in [&b"\"k\""[..], b"}", b"\x01", b""] {
                            let mut b = b"x".to_vec();
                            b.extend_from_slice(lead);
                            b.extend_from_slice(&vec![b' '; spaces]);
                            b.extend_from_slice(mid);
                            b.extend_from_slice(&vec![b' '; more]);
                            b.extend_from_slice(end);
                            assert_eq!(skip_ws(&b, 1), reference(&b, 1), "{b:?}");
                            assert_eq!(skip_ws_run(&b, 1), reference(&b, 1), "{b:?}");
                        }
                    }
                }
            }
        }
    }

    #[test]
    fn find_stops_where_a_byte_by_byte_search_stops() {
        // `find` (sixteen bytes at a time with the `sse2` feature on
        // x86_64, words otherwise) and `find_words` against the plain
        // definition: buffers of every length up to 72 bytes (the tail
        // under sixteen bytes, the run past `SHORT_WORDS` that goes to
        // `memchr2`), one special byte at every position, every start up
        // to it; the specials `"`, `\`, control characters (all of them
        // in the second loop), and bytes that only look like them to a
        // careless test (0x20, 0x7f, high bits, `"` and `\` plus 0x80).
        fn reference(b: &[u8], i: usize, control: bool) -> usize {
            b.iter()
                .enumerate()
                .skip(i)
                .find(|&(_, &c)| c == b'"' || c == b'\\' || (control && c < 0x20))
                .map_or(b.len(), |(k, _)| k)
        }
        fn check(b: &[u8], i: usize) {
            let (want, want_any) = (reference(b, i, true), reference(b, i, false));
            assert_eq!(find::<true>(b, i), want, "{b:x?} from {i}");
            assert_eq!(find_words::<true>(b, i), want, "{b:x?} from {i}");
            assert_eq!(find::<false>(b, i), want_any, "{b:x?} from {i}");
            assert_eq!(find_words::<false>(b, i), want_any, "{b:x?} from {i}");
        }
        let decoys = [0x20u8, 0x7f, 0x80, 0x9f, 0xa2, 0xdc, 0xff, b'a'];
        let filler = |len: usize| -> Vec<u8> { (0..len).map(|k| decoys[k % 8]).collect() };
        for len in 0..72 {
            for at in 0..=len {
                for special in [b'"', b'\\', 0x00, 0x0a, 0x1f].into_iter().chain(decoys) {
                    let mut b = filler(len);
                    if let Some(c) = b.get_mut(at) {
                        *c = special;
                    }
                    for i in 0..=at {
                        check(&b, i);
                    }
                }
            }
        }
        // Two specials: the first one counts.
        for at in 0..40 {
            for second in at + 1..at + 18 {
                let mut b = filler(64);
                b[at] = 0x01;
                b[second] = b'"';
                check(&b, 0);
                b[at] = b'\\';
                check(&b, 0);
            }
        }
        for control in 0..0x20u8 {
            for at in 0..48 {
                let mut b = filler(48);
                b[at] = control;
                check(&b, 0);
                check(&b, at);
            }
        }
    }

    #[test]
    fn escape_dense_strings_are_judged_as_byte_by_byte() {
        // `escapes` takes words of escape-dense content whole; the
        // byte-wise path (`find`, then `escape` for each backslash) is the
        // reference: the same end, or the same error at the same offset,
        // for strings of valid and invalid escapes, control characters,
        // missing ends and multi-byte characters, at every alignment.
        fn bytewise(b: &[u8], i: usize) -> Result<usize, usize> {
            let mut j = i + 1;
            loop {
                j = find::<true>(b, j);
                match b.get(j) {
                    Some(b'"') => return Ok(j + 1),
                    Some(b'\\') => j = escape(b, j).map_err(|f| f.0)?,
                    Some(_) => return Err(Fail::at(j, Why::Control).0),
                    None => return Err(Fail::at(j, Why::Unterminated).0),
                }
            }
        }
        let parts: [&[u8]; 16] = [
            br#"\""#,
            b"a",
            br"\\",
            br"\/",
            br"\n",
            br"\t",
            "é".as_bytes(),
            br"\u00e9",
            br"\ud83d\ude00",
            br"\x",
            b"\x01",
            b"\"",
            b"bc",
            br"\u12",
            b"0123456789abcdef",
            br#"\"\""#,
        ];
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for prefix in 0..9 {
            for _ in 0..400 {
                let mut doc = vec![b' '; prefix];
                doc.push(b'"');
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                let len = (seed % 24) as usize;
                let mut r = seed;
                for _ in 0..len {
                    // Mostly `\"` and letters, as in an escaped JSON body.
                    let pick = match r % 8 {
                        0..=2 => 0,
                        3 | 4 => 1,
                        _ => ((r >> 3) % 16) as usize,
                    };
                    doc.extend_from_slice(parts[pick]);
                    r = r.rotate_right(5).wrapping_mul(0x9e37_79b9_7f4a_7c15);
                }
                if seed % 5 != 0 {
                    doc.push(b'"');
                }
                doc.extend_from_slice(b"  ,");
                let got = string(&doc, prefix).map_err(|f| f.0);
                assert_eq!(
                    got,
                    bytewise(&doc, prefix),
                    "{:?}",
                    String::from_utf8_lossy(&doc)
                );
            }
        }
    }

    #[test]
    fn unescapes_dense_escapes_across_word_boundaries() {
        // Escapes every few bytes (a JSON body sent as a JSON string),
        // adjacent ones, multi-byte characters and long runs, at every
        // offset around the eight-byte words `unescape_bytes` copies.
        let parts = [
            r#"\""#,
            "a",
            r"\\",
            "é",
            r"\u00e9",
            "xy",
            r"\ud83d\ude00",
            r"\n",
            "0123456789abcdef0123456789abcdef0123",
            r"\/",
            r"\t",
            r#"\"\""#,
            r"\b\f\r",
        ];
        for start in 0..parts.len() {
            for len in 0..40 {
                let mut raw = String::new();
                for k in 0..len {
                    raw.push_str(parts[(start + k * 5 + k / 3) % parts.len()]);
                }
                let doc = format!("\"{raw}\"");
                let want: String = serde_json::from_str(&doc).unwrap();
                let s = parse(doc.as_bytes()).unwrap().as_str().unwrap();
                let mut bytes = b"old".to_vec();
                s.decode_into(&mut bytes);
                assert_eq!(bytes, [b"old", want.as_bytes()].concat(), "{raw}");
                let mut scratch = String::new();
                assert_eq!(s.decode(&mut scratch), want, "{raw}");
            }
        }
    }

    #[test]
    fn skips_line_breaks_and_indentation_of_every_length() {
        // The inline `\n` + spaces path of `skip_ws`, and its fallback,
        // wherever whitespace may stand, at every length around a word.
        for spaces in 0..20 {
            for tail in ["", " ", "\t", "\n", "\r\n ", "\n\n"] {
                let ws = format!("\n{}{tail}", " ".repeat(spaces));
                let doc = format!("{ws}{{{ws}\"a\"{ws}:{ws}[{ws}1{ws},{ws}\"b\"{ws}]{ws},{ws}\"c\":{{}}{ws}}}{ws}");
                let want = serde_json::from_str::<serde_json::Value>(&doc).unwrap();
                let v = parse(doc.as_bytes()).unwrap();
                assert_eq!(v.get("a").unwrap().elements().count(), 2, "{doc:?}");
                assert!(v.get("c").is_some(), "{doc:?}");
                assert_eq!(want["a"][1], "b");
                for cut in 0..doc.len() {
                    let part = &doc.as_bytes()[..cut];
                    assert_eq!(
                        validate(part).is_ok(),
                        serde_json::from_slice::<serde_json::Value>(part).is_ok(),
                        "{:?}",
                        &doc[..cut]
                    );
                }
                let bad = doc.replacen(',', "\u{b}", 1);
                assert!(validate(bad.as_bytes()).is_err());
            }
        }
    }

    #[test]
    fn strs_compare_and_hash_unescaped() {
        use std::collections::hash_map::DefaultHasher;
        use std::hash::{Hash, Hasher};
        let v = parse(br#"["A\u00e9","\u0041\u00E9","A\u00e9 "]"#).unwrap();
        let s: Vec<Str<'_>> = v.elements().map(|e| e.as_str().unwrap()).collect();
        let plain = Str::from_raw("Aé");
        assert_eq!(s[0], s[1]);
        assert_eq!(s[1], plain);
        assert_ne!(s[0], s[2]);
        let hash = |x: &Str<'_>| {
            let mut h = DefaultHasher::new();
            x.hash(&mut h);
            h.finish()
        };
        assert_eq!(hash(&s[0]), hash(&plain));
    }
}
