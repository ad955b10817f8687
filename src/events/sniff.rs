//! [`Shape::sniff`]: which integration sent an event, from the first
//! [`SNIFF_LIMIT`] bytes, without validating or parsing it.
//!
//! A walk over the members of the top-level object that looks only at the
//! keys it needs and skips every value (strings with `memchr`), so a
//! marker inside a header, a query parameter or the body never counts:
//!
//! - `"version":"2.0"` → [`Shape::HttpApi`] (function URLs too: their
//!   answer is the same); another `version` but `"1.0"` → `None`;
//! - `"requestContext":{…"elb":{…}…}` → ALB: [`Shape::AlbMultiValue`]
//!   when the first of `headers`, `queryStringParameters`,
//!   `multiValueHeaders`, `multiValueQueryStringParameters` (objects) is a
//!   multi-value one, [`Shape::Alb`] otherwise (also when none comes before
//!   the limit). ALB sends the one pair or the other, so this is the
//!   parser's rule (`multiValueHeaders` and no `headers`) read early;
//! - a `resource` string (REST APIs and payload 1.0 send it first; v2
//!   events have none, `cargo lambda watch` sends `null`) →
//!   [`Shape::RestApi`]; so does `httpMethod` without any of the above,
//!   once the whole object was walked or `"version":"1.0"` was seen.
//!
//! Anything else (another kind of event, malformed JSON, markers past the
//! limit) is `None`. Where it answers, it agrees with
//! [`HttpRequest::parse`](super::HttpRequest::parse) on every event AWS
//! sends (key order does not matter); it is a guess for the rest.

use crate::events::Shape;

/// How far into an event [`Shape::sniff`] looks: it bounds the cost for
/// events of no HTTP shape (`cargo bench --bench micro -- choose_answer`).
/// AWS puts the markers in the first few hundred bytes: `version` first in
/// payload 2.0 and function URL events, `resource` first in REST API
/// events, `requestContext.elb` first in ALB events with the query
/// parameters after the path; `cargo lambda watch` sends `version` at
/// byte 130.
pub const SNIFF_LIMIT: usize = 1024;

/// The first byte of `hay` that `is` picks: a plain loop over the first
/// [`SHORT`] bytes (most strings and gaps in an event are shorter, and a
/// `memchr` call costs more than that loop on them), then `far`.
fn find(
    hay: &[u8],
    is: impl Fn(u8) -> bool,
    far: impl Fn(&[u8]) -> Option<usize>,
) -> Option<usize> {
    const SHORT: usize = 24;
    let near = &hay[..hay.len().min(SHORT)];
    match near.iter().position(|&b| is(b)) {
        Some(at) => Some(at),
        None => far(&hay[near.len()..]).map(|at| at + near.len()),
    }
}

/// What the walk learnt before it stopped.
#[derive(Default)]
struct Seen {
    /// `"version":"1.0"`.
    v1: bool,
    /// `requestContext.elb`.
    alb: bool,
    /// A `headers` or `queryStringParameters` object.
    single: bool,
    /// A `multiValueHeaders` or `multiValueQueryStringParameters` object.
    multi: bool,
    /// An `httpMethod` member.
    http_method: bool,
}

pub(super) fn sniff(event: &[u8]) -> Option<Shape> {
    let mut walk = Walk {
        b: &event[..event.len().min(SNIFF_LIMIT)],
        i: 0,
    };
    let mut seen = Seen::default();
    let complete = match walk.top(&mut seen) {
        Ok(()) => true,
        Err(Stop::Found(shape)) => return Some(shape),
        Err(Stop::NotHttp) => return None,
        Err(Stop::Cut) => false,
    };
    if seen.alb {
        // As `HttpRequest::parse`: multi-value when only `multiValueHeaders`.
        return Some(if seen.multi && !seen.single {
            Shape::AlbMultiValue
        } else {
            Shape::Alb
        });
    }
    (seen.http_method && (complete || seen.v1)).then_some(Shape::RestApi)
}

/// Why the walk stopped early.
enum Stop {
    /// The shape is known.
    Found(Shape),
    /// A `version` no integration sends.
    NotHttp,
    /// The limit, the end of the input, or something that is not JSON.
    Cut,
}

struct Walk<'a> {
    b: &'a [u8],
    i: usize,
}

impl<'a> Walk<'a> {
    /// The members of the top-level object, up to its closing `}`.
    fn top(&mut self, seen: &mut Seen) -> Result<(), Stop> {
        self.ws();
        self.eat(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            return Ok(());
        }
        loop {
            let key = self.key()?;
            let object = self.peek() == Some(b'{');
            match key {
                b"version" => match self.string_value()? {
                    Some(b"2.0") => return Err(Stop::Found(Shape::HttpApi)),
                    Some(b"1.0") => seen.v1 = true,
                    Some(_) => return Err(Stop::NotHttp),
                    None => {} // null (absent) or not a string
                },
                b"requestContext" if object => seen.alb |= self.object_has_object(b"elb")?,
                b"resource" if !seen.alb && self.string_value()?.is_some() => {
                    return Err(Stop::Found(Shape::RestApi));
                }
                b"headers" | b"queryStringParameters" => {
                    seen.single |= object && !seen.multi;
                    self.value()?;
                }
                b"multiValueHeaders" | b"multiValueQueryStringParameters" => {
                    seen.multi |= object && !seen.single;
                    self.value()?;
                }
                b"httpMethod" => {
                    seen.http_method = true;
                    self.value()?;
                }
                _ => self.value()?,
            }
            if seen.alb && (seen.single || seen.multi) {
                return Err(Stop::Found(match seen.multi {
                    true => Shape::AlbMultiValue,
                    false => Shape::Alb,
                }));
            }
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b'}' => return Ok(()),
                _ => return Err(Stop::Cut),
            }
        }
    }

    /// At an object: does it have a member `name` whose value is an
    /// object? Walks the whole object.
    fn object_has_object(&mut self, name: &[u8]) -> Result<bool, Stop> {
        self.eat(b'{')?;
        self.ws();
        if self.peek() == Some(b'}') {
            self.i += 1;
            return Ok(false);
        }
        let mut found = false;
        loop {
            let key = self.key()?;
            found |= key == name && self.peek() == Some(b'{');
            self.value()?;
            self.ws();
            match self.next()? {
                b',' => self.ws(),
                b'}' => return Ok(found),
                _ => return Err(Stop::Cut),
            }
        }
    }

    /// `"key"` `:`, leaving the position at the value; the key's raw bytes.
    fn key(&mut self) -> Result<&'a [u8], Stop> {
        let key = self.string()?;
        self.ws();
        self.eat(b':')?;
        self.ws();
        Ok(key)
    }

    /// The value here: the raw bytes of a string, `None` for another kind
    /// (skipped).
    fn string_value(&mut self) -> Result<Option<&'a [u8]>, Stop> {
        if self.peek() == Some(b'"') {
            return self.string().map(Some);
        }
        self.value().map(|()| None)
    }

    /// At `"`: the string's raw bytes (escapes kept); the position after it.
    fn string(&mut self) -> Result<&'a [u8], Stop> {
        self.eat(b'"')?;
        let start = self.i;
        loop {
            let rest = self.b.get(self.i..).ok_or(Stop::Cut)?;
            let at = find(
                rest,
                |b| b == b'"' || b == b'\\',
                |r| memchr::memchr2(b'"', b'\\', r),
            )
            .ok_or(Stop::Cut)?;
            self.i += at + 1;
            if rest[at] == b'"' {
                return Ok(&self.b[start..self.i - 1]);
            }
            self.i += 1; // the escaped byte
        }
    }

    /// Skips one value of any kind.
    fn value(&mut self) -> Result<(), Stop> {
        match self.peek().ok_or(Stop::Cut)? {
            b'"' => self.string().map(drop),
            open @ (b'{' | b'[') => {
                // Only this container's kind of bracket is counted (outside
                // strings): in well-formed JSON the other kind pairs up
                // inside it. Malformed input ends in a wrong skip, a guess.
                let close = if open == b'{' { b'}' } else { b']' };
                let mut depth = 0usize;
                loop {
                    let rest = self.b.get(self.i..).ok_or(Stop::Cut)?;
                    let at = find(
                        rest,
                        |b| b == b'"' || b == open || b == close,
                        |r| memchr::memchr3(b'"', open, close, r),
                    )
                    .ok_or(Stop::Cut)?;
                    self.i += at;
                    match rest[at] {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b if b == open => depth += 1,
                        _ => depth -= 1,
                    }
                    self.i += 1;
                    if depth == 0 {
                        return Ok(());
                    }
                }
            }
            _ => {
                // A number or a literal: up to what ends it.
                while !matches!(
                    self.peek().ok_or(Stop::Cut)?,
                    b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'
                ) {
                    self.i += 1;
                }
                Ok(())
            }
        }
    }

    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    fn next(&mut self) -> Result<u8, Stop> {
        let b = self.peek().ok_or(Stop::Cut)?;
        self.i += 1;
        Ok(b)
    }

    fn eat(&mut self, byte: u8) -> Result<(), Stop> {
        match self.next()? {
            b if b == byte => Ok(()),
            _ => Err(Stop::Cut),
        }
    }
}
