//! Borrowed views of HTTP events: API Gateway REST APIs (payload v1),
//! HTTP APIs (payload v2), function URLs and Application Load Balancers.
//!
//! [`HttpRequest::parse`] validates the whole event once with the strict
//! scanner of [`crate::events::json`] and, in the same pass, indexes its
//! top-level fields, the members of `requestContext` and where each header
//! and query parameter lies (the first 32 of each object), then detects the
//! [`Shape`] from that index without a second walk. [`header`] and
//! [`query`] look a name up in the index (one byte compared per member, not
//! a walk over the siblings), and every accessor returns slices of the
//! receive buffer ([`Str`], [`Value`]) and allocates nothing.
//!
//! [`header`]: HttpRequest::header
//! [`query`]: HttpRequest::query Text that
//! must be transformed is written into a buffer the handler owns and
//! reuses: a body with JSON escapes or `isBase64Encoded`
//! ([`HttpRequest::body`]), a query string rebuilt from a v1 or ALB event
//! ([`HttpRequest::query_string`]), a string with escapes that you want as
//! `&str` ([`Str::decode`]).
//!
//! ```
//! use lambda_zero::events::{HttpRequest, Shape};
//! use lambda_zero::{Context, Invocation};
//!
//! let event = br#"{"version":"2.0","rawPath":"/hello","rawQueryString":"name=Ann",
//!   "headers":{"content-type":"text/plain"},"queryStringParameters":{"name":"Ann"},
//!   "requestContext":{"http":{"method":"POST","sourceIp":"192.0.2.1"},"requestId":"r-1"},
//!   "body":"aGk=","isBase64Encoded":true}"#;
//! let inv = Invocation::new(Context::default(), event);
//! let req = inv.http()?;
//! assert_eq!(req.shape(), Shape::HttpApi);
//! assert_eq!(req.method(), "POST");
//! assert_eq!(req.path(), "/hello");
//! assert_eq!(req.query("name").unwrap(), "Ann");
//! assert_eq!(req.header("Content-Type").unwrap(), "text/plain");
//! assert_eq!(req.source_ip().unwrap(), "192.0.2.1");
//! let mut scratch = Vec::new(); // keep it across invocations: it is reused
//! assert_eq!(req.body(&mut scratch)?, b"hi");
//! # Ok::<(), lambda_zero::Error>(())
//! ```
//!
//! What is checked when the view is built: the event is well-formed JSON
//! (see [`crate::events::json`]), its root is an object, none of the fields the
//! view reads appears twice at the top level, each has the JSON type AWS
//! sends (`null` counts as absent), and the method is present. Values
//! inside `headers`, `queryStringParameters`… that are not strings are
//! skipped by the accessors.

use crate::base64;
use crate::events::json::{self, Elements, Key, Kind, MemberIndex, Members, Str, Value};
use crate::Invocation;

use crate::events::sniff;
use crate::Error;

/// Which integration sent the event; the response must have the same
/// shape ([`crate::events::http_response::HttpResponse`] follows it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shape {
    /// API Gateway REST API, Lambda proxy integration (payload format 1.0;
    /// also HTTP APIs configured for payload 1.0): `httpMethod`, `path`,
    /// `headers` + `multiValueHeaders`, `queryStringParameters` +
    /// `multiValueQueryStringParameters`.
    RestApi,
    /// API Gateway HTTP API, payload format 2.0 (`"version":"2.0"`):
    /// `rawPath`, `rawQueryString`, `cookies`, `requestContext.http`.
    /// Function URL events without a `*.lambda-url.*` domain name (as
    /// emulators send them) are reported as this shape too; the response
    /// shape is the same.
    HttpApi,
    /// Lambda function URL: the v2 shape, told apart by a
    /// `requestContext.domainName` of `<id>.lambda-url.<region>.on.aws`.
    FunctionUrl,
    /// Application Load Balancer target (`requestContext.elb`), single
    /// value headers.
    Alb,
    /// Application Load Balancer target with multi-value headers enabled:
    /// the event carries `multiValueHeaders` and the response must too.
    AlbMultiValue,
}

impl Shape {
    /// Every shape, for building one [`Prebuilt`](crate::events::http_response::Prebuilt)
    /// response per shape at start-up.
    pub const ALL: [Shape; 5] = [
        Shape::RestApi,
        Shape::HttpApi,
        Shape::FunctionUrl,
        Shape::Alb,
        Shape::AlbMultiValue,
    ];

    /// A short name: `rest-api`, `http-api`, `function-url`, `alb`,
    /// `alb-multi-value`.
    pub fn name(&self) -> &'static str {
        match self {
            Shape::RestApi => "rest-api",
            Shape::HttpApi => "http-api",
            Shape::FunctionUrl => "function-url",
            Shape::Alb => "alb",
            Shape::AlbMultiValue => "alb-multi-value",
        }
    }

    /// True for the two ALB shapes.
    pub fn is_alb(&self) -> bool {
        matches!(self, Shape::Alb | Shape::AlbMultiValue)
    }

    /// The shape of `event` from a cheap scan of its first first 1 KiB (`SNIFF_LIMIT`)
    /// bytes (no validation, no allocation), to pick a response built in
    /// advance ([`PrebuiltSet`](crate::events::http_response::PrebuiltSet)); for reading
    /// the request, use [`HttpRequest::parse`].
    ///
    /// It walks the top-level members and skips their values, so a marker
    /// in a header, a parameter or the body never counts; `Some` only from
    /// what AWS puts at the top level: `"version":"2.0"` (reported as
    /// `HttpApi`, function URLs included: their response is the same),
    /// `requestContext.elb` (`Alb`, or `AlbMultiValue` when the query
    /// parameters or headers come multi-value; `Alb` when they lie past the
    /// limit), a `resource` string or `httpMethod` (`RestApi`). Where it says
    /// `Some`, it agrees with [`HttpRequest::parse`] on the events AWS
    /// sends; `None` for another kind of event, malformed JSON, or markers
    /// past the limit.
    ///
    /// ```
    /// use lambda_zero::events::Shape;
    /// assert_eq!(Shape::sniff(br#"{"version":"2.0","rawPath":"/"}"#), Some(Shape::HttpApi));
    /// assert_eq!(
    ///     Shape::sniff(br#"{"requestContext":{"elb":{"targetGroupArn":"arn:aws:..."}},"httpMethod":"GET","headers":{}}"#),
    ///     Some(Shape::Alb)
    /// );
    /// assert_eq!(Shape::sniff(br#"{"httpMethod":"GET","headers":{"version":"2.0"}}"#), Some(Shape::RestApi));
    /// assert_eq!(Shape::sniff(br#"{"Records":[]}"#), None);
    /// ```
    pub fn sniff(event: &[u8]) -> Option<Shape> {
        sniff::sniff(event)
    }
}

/// What [`Error::WrongKind`] says an HTTP event is.
const HTTP_KIND: &str = "an API Gateway, function URL or ALB request";

/// The top-level fields indexed in the constructor's pass, and the JSON
/// kind each must have.
const FIELDS: [(&str, Kind); 14] = [
    ("version", Kind::String),
    ("httpMethod", Kind::String),
    ("path", Kind::String),
    ("rawPath", Kind::String),
    ("rawQueryString", Kind::String),
    ("headers", Kind::Object),
    ("multiValueHeaders", Kind::Object),
    ("queryStringParameters", Kind::Object),
    ("multiValueQueryStringParameters", Kind::Object),
    ("cookies", Kind::Array),
    ("pathParameters", Kind::Object),
    ("requestContext", Kind::Object),
    ("body", Kind::String),
    ("isBase64Encoded", Kind::Bool),
];
const VERSION: usize = 0;
const HTTP_METHOD: usize = 1;
const PATH: usize = 2;
const RAW_PATH: usize = 3;
const RAW_QUERY: usize = 4;
const HEADERS: usize = 5;
const MULTI_HEADERS: usize = 6;
const QUERY: usize = 7;
const MULTI_QUERY: usize = 8;
const COOKIES: usize = 9;
const PATH_PARAMETERS: usize = 10;
const REQUEST_CONTEXT: usize = 11;
const BODY: usize = 12;
const IS_BASE64: usize = 13;

/// What [`HttpRequest::parse`] learns during its pass.
struct Pass<'a> {
    fields: [Option<Value<'a>>; FIELDS.len()],
    context: [Option<Value<'a>>; CONTEXT.len()],
    index: [MemberIndex; INDEXED_FIELDS.len()],
    /// The fields seen so far, one bit each.
    seen: u32,
    /// The multi-value maps (bit `m` for `MULTI_OF[m]`) whose members
    /// were indexed.
    multis: u8,
    /// The first field error; it counts only if the JSON is well-formed.
    bad: Option<Error>,
    /// The field of the member of the root being read.
    field: Option<usize>,
}

impl<'a> json::Handover<'a> for Pass<'a> {
    type Class = Inside;

    /// Which depth-1 members' members to hand over, and why. A
    /// multi-value map only when its single-value one has not come before
    /// it: REST and ALB events send each header in both, and a lookup
    /// tries the single-value one first (and walks the other).
    fn classify(&mut self, text: &'a str, key: Key) -> Option<Inside> {
        // Every member of the root comes here first: its field, kept for
        // `member` when the member ends.
        self.field = field_index(text, key);
        let i = self.field?;
        if i == REQUEST_CONTEXT {
            return Some(Inside::Context);
        }
        let k = INDEXED_FIELDS.iter().position(|&f| f == i)?;
        if let Some(m) = MULTI_OF.iter().position(|&(multi, _)| multi == i) {
            if self.seen & (1 << MULTI_OF[m].1) != 0 {
                return None;
            }
            self.multis |= 1 << m;
        }
        Some(Inside::Indexed(k))
    }

    /// A header's or a parameter's key goes to its map's index as the
    /// scanner reads it.
    #[inline(always)]
    fn index_of(&mut self, class: Inside) -> Option<&mut MemberIndex> {
        match class {
            Inside::Indexed(k) => self.index.get_mut(k),
            Inside::Context => None,
        }
    }

    /// One member handed over by the scanner (not a header or parameter:
    /// those went to [`index_of`](Self::index_of)). Not inlined into the
    /// scanner's loop, which runs faster without it; the members of the
    /// root and of `requestContext` are read in calls of their own.
    #[inline(never)]
    fn member(&mut self, text: &'a str, up: Option<Inside>, key: Key, at: usize, end: usize) {
        match up {
            Some(Inside::Indexed(_)) => {}
            Some(Inside::Context) => self.context_member(text, key, at, end),
            None => self.field(text, at, end),
        }
    }
}

impl<'a> Pass<'a> {
    /// A member of `requestContext`: kept when it is one of [`CONTEXT`].
    #[inline(never)]
    fn context_member(&mut self, text: &'a str, key: Key, at: usize, end: usize) {
        if let Some(i) = context_index(text, key) {
            if self.context[i].is_none() {
                self.context[i] = json::slice(text, at, end);
            }
        }
    }

    /// A member of the root, at `at..end`: kept when it is one of
    /// [`FIELDS`] (`classify` found which).
    #[inline(never)]
    fn field(&mut self, text: &'a str, at: usize, end: usize) {
        let Some(i) = self.field else {
            return;
        };
        let (name, kind) = FIELDS[i];
        if self.seen & (1 << i) != 0 {
            self.bad
                .get_or_insert(Error::DuplicateField { record: None, name });
            return;
        }
        self.seen |= 1 << i;
        let Some(value) = json::slice(text, at, end) else {
            return;
        };
        if value.is_null() {
            return;
        }
        if value.kind() != kind {
            self.bad.get_or_insert(Error::Field {
                record: None,
                name,
                expected: super::batch::expected(kind),
            });
            return;
        }
        self.fields[i] = Some(value);
    }
}

/// The members of `requestContext` that the shape and the accessors need,
/// indexed in the same pass: the first of each name, as [`Value::get`]
/// finds it.
const CONTEXT: [&str; 6] = [
    "domainName",
    "elb",
    "http",
    "identity",
    "requestId",
    "stage",
];
const CTX_DOMAIN: usize = 0;
const CTX_ELB: usize = 1;
const CTX_HTTP: usize = 2;
const CTX_IDENTITY: usize = 3;
const CTX_REQUEST_ID: usize = 4;
const CTX_STAGE: usize = 5;

/// The index in [`FIELDS`] of a top-level key: a `match` on the text as
/// sent, and a comparison after unescaping for a key with escapes.
fn field_index(text: &str, key: Key) -> Option<usize> {
    if key.escaped {
        let key = key.str(text)?;
        return FIELDS.iter().position(|(name, _)| key == *name);
    }
    Some(match text.as_bytes().get(key.start..key.end)? {
        b"version" => VERSION,
        b"httpMethod" => HTTP_METHOD,
        b"path" => PATH,
        b"rawPath" => RAW_PATH,
        b"rawQueryString" => RAW_QUERY,
        b"headers" => HEADERS,
        b"multiValueHeaders" => MULTI_HEADERS,
        b"queryStringParameters" => QUERY,
        b"multiValueQueryStringParameters" => MULTI_QUERY,
        b"cookies" => COOKIES,
        b"pathParameters" => PATH_PARAMETERS,
        b"requestContext" => REQUEST_CONTEXT,
        b"body" => BODY,
        b"isBase64Encoded" => IS_BASE64,
        _ => return None,
    })
}

/// The index in [`CONTEXT`] of a key of `requestContext`.
fn context_index(text: &str, key: Key) -> Option<usize> {
    if key.escaped {
        let key = key.str(text)?;
        return CONTEXT.iter().position(|name| key == *name);
    }
    Some(match text.as_bytes().get(key.start..key.end)? {
        b"domainName" => CTX_DOMAIN,
        b"elb" => CTX_ELB,
        b"http" => CTX_HTTP,
        b"identity" => CTX_IDENTITY,
        b"requestId" => CTX_REQUEST_ID,
        b"stage" => CTX_STAGE,
        _ => return None,
    })
}

/// A borrowed view of an HTTP event; `Copy`, built without allocating.
///
/// Strings come back as [`Str`]: compare them with `==`, print them, copy
/// them into JSON output as they are ([`Str::raw`] is valid JSON string
/// content), or get a `&str` with [`Str::borrowed`] (no escapes) or
/// [`Str::decode`] (into a reused `String`).
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    root: Value<'a>,
    shape: Shape,
    method: Str<'a>,
    fields: [Option<Value<'a>>; FIELDS.len()],
    context: [Option<Value<'a>>; CONTEXT.len()],
    /// Where the members of `headers`, `multiValueHeaders`,
    /// `queryStringParameters` and `multiValueQueryStringParameters` lie
    /// (see [`INDEXED_FIELDS`]).
    index: [MemberIndex; INDEXED_FIELDS.len()],
}

/// The fields whose members [`HttpRequest`] indexes, for lookups by name.
const INDEXED_FIELDS: [usize; 4] = [HEADERS, MULTI_HEADERS, QUERY, MULTI_QUERY];

/// Each multi-value field and its single-value counterpart.
const MULTI_OF: [(usize, usize); 2] = [(MULTI_HEADERS, HEADERS), (MULTI_QUERY, QUERY)];

/// Which member of the root object the scanner is inside: `requestContext`
/// or an indexed field (its place in [`INDEXED_FIELDS`]).
#[derive(Clone, Copy)]
enum Inside {
    Context,
    Indexed(usize),
}

impl<'a> HttpRequest<'a> {
    /// Validates `event` and reads it as an HTTP request.
    ///
    /// One pass over the bytes validates the JSON and indexes the
    /// top-level fields and the members of `requestContext` (a key
    /// `match` each); the shape comes from that index, without a second
    /// walk.
    ///
    /// # Errors
    /// [`Error::Json`] for malformed JSON, [`Error::WrongKind`] for another
    /// kind of event, [`Error::Field`] / [`Error::DuplicateField`] for a
    /// request whose fields are not what AWS sends.
    pub fn parse(event: &'a [u8]) -> Result<Self, Error> {
        let mut pass = Pass {
            fields: [None; FIELDS.len()],
            context: [None; CONTEXT.len()],
            index: [MemberIndex::EMPTY; INDEXED_FIELDS.len()],
            seen: 0,
            multis: 0,
            bad: None,
            field: None,
        };
        let root = json::parse_two_levels(event, &mut pass)?;
        // Read in place, borrowed: `pass` is large, and moving or copying
        // its parts out copies them once more than the return does.
        let (fields, context) = (&pass.fields, &pass.context);
        if root.kind() != Kind::Object {
            return Err(Error::WrongKind(HTTP_KIND));
        }
        if let Some(e) = pass.bad {
            return Err(e);
        }
        for (k, &f) in INDEXED_FIELDS.iter().enumerate() {
            let Some(object) = fields[f] else { continue };
            match MULTI_OF.iter().position(|&(multi, _)| multi == f) {
                // Not indexed: looked up only for what the single-value
                // map lacks, by walking it.
                Some(m) if pass.multis & (1 << m) == 0 => pass.index[k] = MemberIndex::WALK,
                _ => pass.index[k].rebase(event, object),
            }
        }
        let text = |i: usize| fields[i].and_then(|v| v.as_str());
        let shape = match text(VERSION) {
            Some(v) if v == "2.0" => {
                let domain = context[CTX_DOMAIN].and_then(|d| d.as_str());
                if domain.is_some_and(|d| d.raw().contains(".lambda-url.")) {
                    Shape::FunctionUrl
                } else {
                    Shape::HttpApi
                }
            }
            Some(v) if v != "1.0" => return Err(Error::WrongKind(HTTP_KIND)),
            _ if context[CTX_ELB].is_some() => {
                if fields[MULTI_HEADERS].is_some() && fields[HEADERS].is_none() {
                    Shape::AlbMultiValue
                } else {
                    Shape::Alb
                }
            }
            _ if fields[HTTP_METHOD].is_some() => Shape::RestApi,
            _ => return Err(Error::WrongKind(HTTP_KIND)),
        };
        let method = match shape {
            Shape::HttpApi | Shape::FunctionUrl => {
                // Not `httpMethod`: some emulators send a stale one in v2
                // events (cargo-lambda sends "GET" for every method).
                let method = context[CTX_HTTP].and_then(|h| h.get("method"));
                method.and_then(|m| m.as_str()).ok_or(Error::Field {
                    record: None,
                    name: "requestContext.http.method",
                    expected: "a string",
                })?
            }
            _ => text(HTTP_METHOD).ok_or(Error::Field {
                record: None,
                name: "httpMethod",
                expected: "a string",
            })?,
        };
        Ok(HttpRequest {
            root,
            shape,
            method,
            fields: *fields,
            context: *context,
            index: pass.index,
        })
    }

    fn field(&self, i: usize) -> Option<Value<'a>> {
        self.fields[i]
    }

    /// The first member named `name` of indexed field `f` (ignoring ASCII
    /// case when `fold`), from the index.
    fn lookup(&self, f: usize, name: &str, fold: bool) -> Option<Value<'a>> {
        let object = self.fields[f]?;
        let k = INDEXED_FIELDS.iter().position(|&i| i == f)?;
        self.index[k].get(object, name, fold)
    }

    fn text(&self, i: usize) -> Option<Str<'a>> {
        self.fields[i].and_then(|v| v.as_str())
    }

    fn is_v2(&self) -> bool {
        matches!(self.shape, Shape::HttpApi | Shape::FunctionUrl)
    }

    /// Which integration sent the event.
    pub fn shape(&self) -> Shape {
        self.shape
    }

    /// The whole event, for fields the view has no accessor for.
    ///
    /// ```
    /// # let event = br#"{"httpMethod":"GET","path":"/","resource":"/{proxy+}"}"#;
    /// let req = lambda_zero::events::HttpRequest::parse(event)?;
    /// assert_eq!(req.json().get("resource").unwrap().as_str().unwrap(), "/{proxy+}");
    /// # Ok::<(), lambda_zero::Error>(())
    /// ```
    pub fn json(&self) -> Value<'a> {
        self.root
    }

    /// The HTTP method: `requestContext.http.method` (v2), `httpMethod`
    /// (v1, ALB).
    pub fn method(&self) -> Str<'a> {
        self.method
    }

    /// The path: `rawPath` (v2: as sent, percent-encoded, with the stage
    /// for a named stage), `path` (v1: percent-decoded, without the stage;
    /// ALB: as sent). Empty when the event has none.
    pub fn path(&self) -> Str<'a> {
        let i = if self.is_v2() { RAW_PATH } else { PATH };
        self.text(i).unwrap_or(Str::from_raw(""))
    }

    /// `rawQueryString` of a v2 event (without the `?`), as sent; `None`
    /// for the other shapes, which do not carry it (see
    /// [`query_string`](Self::query_string)).
    pub fn raw_query_string(&self) -> Option<Str<'a>> {
        self.text(RAW_QUERY)
    }

    /// The query string without the `?`: v2's `rawQueryString` (borrowed
    /// unless it holds JSON escapes); for v1 and ALB events, which only
    /// carry the parameters, rebuilt into `scratch` from
    /// `multiValueQueryStringParameters` (else `queryStringParameters`):
    /// percent-encoded for v1 (API Gateway decoded them), as sent for ALB.
    ///
    /// ```
    /// let event = br#"{"httpMethod":"GET","path":"/",
    ///   "multiValueQueryStringParameters":{"q":["a b","c"],"x":["1"]}}"#;
    /// let req = lambda_zero::events::HttpRequest::parse(event)?;
    /// let mut scratch = String::new();
    /// assert_eq!(req.query_string(&mut scratch), "q=a%20b&q=c&x=1");
    /// # Ok::<(), lambda_zero::Error>(())
    /// ```
    pub fn query_string<'s>(&self, scratch: &'s mut String) -> &'s str
    where
        'a: 's,
    {
        if self.is_v2() {
            return match self.raw_query_string() {
                Some(q) => q.decode(scratch),
                None => "",
            };
        }
        scratch.clear();
        let encode = self.shape == Shape::RestApi;
        let push = |scratch: &mut String, k: Str<'_>, v: Str<'_>| {
            if !scratch.is_empty() {
                scratch.push('&');
            }
            push_query_part(scratch, k, encode);
            scratch.push('=');
            push_query_part(scratch, v, encode);
        };
        if let Some(multi) = self.field(MULTI_QUERY) {
            for (k, values) in multi.members() {
                for v in values.elements().filter_map(|v| v.as_str()) {
                    push(scratch, k, v);
                }
            }
        } else if let Some(single) = self.field(QUERY) {
            for (k, v) in single.members() {
                if let Some(v) = v.as_str() {
                    push(scratch, k, v);
                }
            }
        }
        scratch
    }

    /// A query parameter by name (case-sensitive), from
    /// `queryStringParameters` (v2: repeated parameters joined with `,`;
    /// v1: the last value), else the last value in
    /// `multiValueQueryStringParameters`. v1 and v2 values are
    /// percent-decoded by API Gateway; ALB passes names and values as the
    /// client sent them.
    pub fn query(&self, name: &str) -> Option<Str<'a>> {
        let single = self.lookup(QUERY, name, false).and_then(|v| v.as_str());
        single.or_else(|| Values::many(self.lookup(MULTI_QUERY, name, false)).last())
    }

    /// Every value of a query parameter: the elements of
    /// `multiValueQueryStringParameters[name]` when the event has that
    /// field, else the one value of [`query`](Self::query).
    pub fn query_values(&self, name: &str) -> Values<'a> {
        match self.field(MULTI_QUERY) {
            Some(_) => Values::many(self.lookup(MULTI_QUERY, name, false)),
            None => Values::one(self.query(name)),
        }
    }

    /// A header by name, ignoring ASCII case: from `headers` (v2 joins
    /// repeated headers with `,`), else the last value in
    /// `multiValueHeaders` (v1 `headers` also holds the last one).
    pub fn header(&self, name: &str) -> Option<Str<'a>> {
        let single = self.lookup(HEADERS, name, true).and_then(|v| v.as_str());
        single.or_else(|| Values::many(self.lookup(MULTI_HEADERS, name, true)).last())
    }

    /// Every value of a header (name ignoring ASCII case): the elements of
    /// `multiValueHeaders[name]` when the event has that field, else the
    /// one value of [`header`](Self::header).
    pub fn header_values(&self, name: &str) -> Values<'a> {
        match self.field(MULTI_HEADERS) {
            Some(_) => Values::many(self.lookup(MULTI_HEADERS, name, true)),
            None => Values::one(self.header(name)),
        }
    }

    /// Every `(name, value)` header pair: the members of `headers` when the
    /// event has that field (v1 has both, `headers` holding the last value
    /// of each), else one pair per value of `multiValueHeaders`.
    pub fn headers(&self) -> Headers<'a> {
        match (self.field(HEADERS), self.field(MULTI_HEADERS)) {
            (Some(h), _) => Headers {
                members: h.members(),
                multi: false,
                current: None,
            },
            (None, Some(h)) => Headers {
                members: h.members(),
                multi: true,
                current: None,
            },
            (None, None) => Headers {
                members: json::EMPTY_OBJECT.members(),
                multi: false,
                current: None,
            },
        }
    }

    /// The request's cookies, one `name=value` per item: v2's `cookies`
    /// array when present, else the `Cookie` header(s) split at `;`.
    ///
    /// ```
    /// let event = br#"{"httpMethod":"GET","path":"/","headers":{"Cookie":"a=1; b=2"}}"#;
    /// let req = lambda_zero::events::HttpRequest::parse(event)?;
    /// let cookies: Vec<_> = req.cookies().map(|c| c.raw()).collect();
    /// assert_eq!(cookies, ["a=1", "b=2"]);
    /// assert_eq!(req.cookie("b").unwrap(), "2");
    /// # Ok::<(), lambda_zero::Error>(())
    /// ```
    pub fn cookies(&self) -> Cookies<'a> {
        match self.field(COOKIES) {
            Some(array) => Cookies {
                array: Some(array.elements()),
                headers: Values::one(None),
                rest: "",
            },
            None => Cookies {
                array: None,
                headers: self.header_values("cookie"),
                rest: "",
            },
        }
    }

    /// The value of the first cookie named `name`.
    pub fn cookie(&self, name: &str) -> Option<Str<'a>> {
        self.cookies().find_map(|c| {
            let (k, v) = c.raw().split_once('=')?;
            (Str::from_raw(k) == name).then(|| Str::from_raw(v))
        })
    }

    /// The client's address: `requestContext.identity.sourceIp` (v1),
    /// `requestContext.http.sourceIp` (v2); for ALB, which has no such
    /// field, the last address of `X-Forwarded-For` (the one the load
    /// balancer appended).
    pub fn source_ip(&self) -> Option<Str<'a>> {
        match self.shape {
            Shape::Alb | Shape::AlbMultiValue => {
                let xff = self.header_values("x-forwarded-for").last()?;
                let last = xff.raw().rsplit(',').next()?.trim();
                (!last.is_empty()).then(|| Str::from_raw(last))
            }
            Shape::HttpApi | Shape::FunctionUrl => self.context_str(CTX_HTTP, "sourceIp"),
            Shape::RestApi => self.context_str(CTX_IDENTITY, "sourceIp"),
        }
    }

    /// `requestContext.requestId` (API Gateway and function URLs; ALB
    /// events have none).
    pub fn request_id(&self) -> Option<Str<'a>> {
        self.context[CTX_REQUEST_ID]?.as_str()
    }

    /// `requestContext.stage` (API Gateway; `$default` for HTTP APIs'
    /// default stage).
    pub fn stage(&self) -> Option<Str<'a>> {
        self.context[CTX_STAGE]?.as_str()
    }

    /// A path parameter by name, from `pathParameters` (API Gateway routes
    /// such as `/items/{id}`).
    pub fn path_parameter(&self, name: &str) -> Option<Str<'a>> {
        self.field(PATH_PARAMETERS)?.get(name)?.as_str()
    }

    /// `requestContext`, for the fields without an accessor (authorizer
    /// claims, account id, …).
    pub fn request_context(&self) -> Option<Value<'a>> {
        self.field(REQUEST_CONTEXT)
    }

    fn context_str(&self, i: usize, name: &str) -> Option<Str<'a>> {
        self.context[i]?.get(name)?.as_str()
    }

    /// `isBase64Encoded` (false when absent).
    pub fn is_base64_encoded(&self) -> bool {
        self.field(IS_BASE64).and_then(|v| v.as_bool()) == Some(true)
    }

    /// The `body` field as sent: JSON-escaped, base64 text when
    /// [`is_base64_encoded`](Self::is_base64_encoded). `None` when absent or
    /// `null`.
    pub fn raw_body(&self) -> Option<Str<'a>> {
        self.text(BODY)
    }

    /// The body's bytes: borrowed from the event when it has neither JSON
    /// escapes nor base64 encoding, else decoded into `scratch` (cleared
    /// first; keep it across invocations, it allocates only to grow). Empty
    /// when there is no body.
    ///
    /// # Errors
    /// [`Error::BadRequest`] when `isBase64Encoded` is true and the body is not
    /// canonical standard base64.
    pub fn body<'s>(&self, scratch: &'s mut Vec<u8>) -> Result<&'s [u8], Error>
    where
        'a: 's,
    {
        let Some(raw) = self.raw_body() else {
            return Ok(&[]);
        };
        if !self.is_base64_encoded() {
            if let Some(text) = raw.borrowed() {
                return Ok(text.as_bytes());
            }
            scratch.clear();
            raw.decode_into(scratch);
            return Ok(scratch);
        }
        scratch.clear();
        let decoded = match raw.borrowed() {
            Some(text) => base64::decode(text.as_bytes(), scratch),
            None => {
                raw.decode_into(scratch);
                base64::decode_in_place(scratch, 0)
            }
        };
        decoded.map_err(|_| Error::BadRequest("the body is not valid base64"))?;
        Ok(scratch)
    }

    /// The body as text ([`body`](Self::body), then a UTF-8 check).
    ///
    /// # Errors
    /// As [`body`](Self::body), and [`Error::BadRequest`] when it is not UTF-8.
    pub fn body_text<'s>(&self, scratch: &'s mut Vec<u8>) -> Result<&'s str, Error>
    where
        'a: 's,
    {
        std::str::from_utf8(self.body(scratch)?)
            .map_err(|_| Error::BadRequest("the body is not UTF-8"))
    }
}

/// Appends a query-string name or value: percent-encoded (everything but
/// RFC 3986 `unreserved`) when `encode`, else unescaped as is.
fn push_query_part(out: &mut String, part: Str<'_>, encode: bool) {
    if !encode {
        out.extend(part.chars());
        return;
    }
    for c in part.chars() {
        let mut utf8 = [0; 4];
        crate::text::percent_encode(c.encode_utf8(&mut utf8).as_bytes(), |piece| {
            // Unreserved ASCII or `%XX`: always ASCII.
            out.extend(piece.iter().map(|&b| char::from(b)));
        });
    }
}

/// The values of a header or query parameter (see
/// [`HttpRequest::header_values`]); items that are not strings are
/// skipped.
#[derive(Debug, Clone)]
pub struct Values<'a> {
    one: Option<Str<'a>>,
    many: Option<Elements<'a>>,
}

impl<'a> Values<'a> {
    fn one(v: Option<Str<'a>>) -> Self {
        Values { one: v, many: None }
    }

    fn many(array: Option<Value<'a>>) -> Self {
        Values {
            one: None,
            many: array.map(|a| a.elements()),
        }
    }
}

impl<'a> Iterator for Values<'a> {
    type Item = Str<'a>;

    fn next(&mut self) -> Option<Str<'a>> {
        if let Some(v) = self.one.take() {
            return Some(v);
        }
        self.many.as_mut()?.find_map(|e| e.as_str())
    }
}

/// `(name, value)` header pairs (see [`HttpRequest::headers`]).
#[derive(Debug, Clone)]
pub struct Headers<'a> {
    members: Members<'a>,
    multi: bool,
    current: Option<(Str<'a>, Elements<'a>)>,
}

impl<'a> Iterator for Headers<'a> {
    type Item = (Str<'a>, Str<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        loop {
            if let Some((name, values)) = &mut self.current {
                if let Some(v) = values.find_map(|e| e.as_str()) {
                    return Some((*name, v));
                }
                self.current = None;
            }
            let (name, value) = self.members.next()?;
            if self.multi {
                self.current = Some((name, value.elements()));
            } else if let Some(v) = value.as_str() {
                return Some((name, v));
            }
        }
    }
}

/// The request's cookies, `name=value` each (see
/// [`HttpRequest::cookies`]).
#[derive(Debug, Clone)]
pub struct Cookies<'a> {
    array: Option<Elements<'a>>,
    headers: Values<'a>,
    /// What is left of the `Cookie` header being split.
    rest: &'a str,
}

impl<'a> Iterator for Cookies<'a> {
    type Item = Str<'a>;

    fn next(&mut self) -> Option<Str<'a>> {
        if let Some(array) = &mut self.array {
            return array.find_map(|e| e.as_str());
        }
        loop {
            // JSON escapes never contain `;`, so splitting the raw text
            // cannot cut one in two.
            let (item, rest) = self.rest.split_once(';').unwrap_or((self.rest, ""));
            self.rest = rest;
            let item = item.trim_matches(' ');
            if !item.is_empty() {
                return Some(Str::from_raw(item));
            }
            if self.rest.is_empty() {
                self.rest = self.headers.next()?.raw();
            }
        }
    }
}

impl<'a> Invocation<'a> {
    /// The event as an HTTP request ([`HttpRequest::parse`]).
    ///
    /// ```
    /// use lambda_zero::{Context, Invocation};
    /// let inv = Invocation::new(Context::default(), br#"{"httpMethod":"GET","path":"/a"}"#);
    /// assert_eq!(inv.http()?.path(), "/a");
    /// # Ok::<(), lambda_zero::Error>(())
    /// ```
    pub fn http(&self) -> Result<HttpRequest<'a>, Error> {
        HttpRequest::parse(self.event)
    }

    /// Deserializes the event into `T`, borrowing from the receive buffer
    /// where `T` borrows (feature `serde`); see [`from_json`].
    #[cfg(feature = "serde")]
    pub fn json<T: serde::Deserialize<'a>>(&self) -> Result<T, serde_json::Error> {
        from_json(self.event)
    }
}

/// Deserializes an event with `serde_json` into any `T: Deserialize<'a>`,
/// borrowing from `event` where `T` borrows (feature `serde`, off by
/// default).
///
/// `&'a str` fields borrow only strings without escapes (`serde_json`
/// refuses the others); use `Cow<'a, str>` with `#[serde(borrow)]` to
/// borrow when possible and allocate only for escaped strings. Owned types
/// such as `aws_lambda_events::apigw::ApiGatewayV2httpRequest` work too.
///
/// ```
/// # #[cfg(feature = "serde")] {
/// #[derive(serde::Deserialize)]
/// struct Order<'a> {
///     item: &'a str,
///     qty: u32,
/// }
/// let order: Order<'_> = lambda_zero::events::from_json(br#"{"item":"tea","qty":2}"#).unwrap();
/// assert_eq!((order.item, order.qty), ("tea", 2));
/// # }
/// ```
#[cfg(feature = "serde")]
pub fn from_json<'a, T: serde::Deserialize<'a>>(event: &'a [u8]) -> Result<T, serde_json::Error> {
    serde_json::from_slice(event)
}

#[cfg(feature = "serde")]
/// A body that does not deserialize: the client's mistake on an HTTP
/// event (`400`), an invocation failure on any other; boxed into a
/// `Box<dyn Error>` by `?`, it answers the same.
///
/// `serde_json` does not say whether an error came from reading or from
/// writing, so an answer that fails to *serialize* would be a `400` too:
/// map such an error to one of your own before `?`.
impl crate::HandlerError for serde_json::Error {
    fn error_type(&self) -> &str {
        "Json.Deserialize"
    }

    fn respond(&self, event: &[u8], out: &mut crate::Output<'_>) -> bool {
        crate::events::error::bad_request(
            event,
            "the body is not the JSON this function expects",
            out,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(event: &str) -> Result<HttpRequest<'_>, Error> {
        HttpRequest::parse(event.as_bytes())
    }

    #[test]
    fn refuses_what_is_not_an_http_event() {
        assert_eq!(req("[]").unwrap_err(), Error::WrongKind(HTTP_KIND));
        assert_eq!(
            req(r#"{"Records":[]}"#).unwrap_err(),
            Error::WrongKind(HTTP_KIND)
        );
        assert_eq!(
            req(r#"{"version":"3.0","rawPath":"/"}"#).unwrap_err(),
            Error::WrongKind(HTTP_KIND)
        );
        assert!(matches!(req("{"), Err(Error::Json(_))));
        assert_eq!(
            req(r#"{"version":"2.0","rawPath":"/"}"#).unwrap_err(),
            Error::Field {
                record: None,
                name: "requestContext.http.method",
                expected: "a string"
            }
        );
        assert_eq!(
            req(r#"{"httpMethod":"GET","headers":[]}"#).unwrap_err(),
            Error::Field {
                record: None,
                name: "headers",
                expected: "an object"
            }
        );
        assert_eq!(
            req(r#"{"httpMethod":"GET","body":"a","body":"b"}"#).unwrap_err(),
            Error::DuplicateField {
                record: None,
                name: "body"
            }
        );
        assert_eq!(
            req(r#"{"httpMethod":"GET","b\u006fdy":"a","body":"b"}"#).unwrap_err(),
            Error::DuplicateField {
                record: None,
                name: "body"
            }
        );
    }

    #[test]
    fn nulls_count_as_absent() {
        let r = req(
            r#"{"httpMethod":"GET","path":null,"headers":null,"body":null,"isBase64Encoded":null}"#,
        )
        .unwrap();
        assert_eq!(r.path(), "");
        assert!(r.header("a").is_none());
        assert_eq!(r.body(&mut Vec::new()).unwrap(), b"");
        assert!(!r.is_base64_encoded());
    }

    #[test]
    fn decodes_escaped_and_base64_bodies() {
        let mut scratch = Vec::new();
        let r = req(r#"{"httpMethod":"POST","body":"{\"a\":\"\u00e9\"}"}"#).unwrap();
        assert_eq!(r.body_text(&mut scratch).unwrap(), "{\"a\":\"é\"}");
        let r = req(r#"{"httpMethod":"POST","body":"aGk\/Pw==","isBase64Encoded":true}"#).unwrap();
        assert_eq!(r.body(&mut scratch).unwrap(), b"hi?\x3f");
        let r = req(r#"{"httpMethod":"POST","body":"//8=","isBase64Encoded":true}"#).unwrap();
        assert_eq!(r.body(&mut scratch).unwrap(), b"\xff\xff");
        assert_eq!(
            r.body_text(&mut scratch).unwrap_err(),
            Error::BadRequest("the body is not UTF-8")
        );
        let r = req(r#"{"httpMethod":"POST","body":"a","isBase64Encoded":true}"#).unwrap();
        assert!(matches!(r.body(&mut scratch), Err(Error::BadRequest(_))));
    }

    #[test]
    fn splits_cookie_headers() {
        let r =
            req(r#"{"httpMethod":"GET","multiValueHeaders":{"cookie":["a=1;b=2 ; ","c=\"3\""]}}"#)
                .unwrap();
        let all: Vec<_> = r.cookies().map(|c| c.to_string()).collect();
        assert_eq!(all, ["a=1", "b=2", "c=\"3\""]);
        assert_eq!(r.cookie("c").unwrap().to_string(), "\"3\"");
        assert!(r.cookie("d").is_none());
    }
}
