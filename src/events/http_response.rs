//! HTTP responses for API Gateway (REST and HTTP APIs), function URLs and
//! ALB, written straight into the send buffer: no allocation, every string
//! JSON-escaped.
//!
//! [`HttpResponse`] writes the JSON as you call it, in the order the
//! integrations read it: status first (in [`HttpResponse::new`]), then
//! headers, then cookies, then the body, which finishes the response. The
//! order is enforced by the types: after the first [`cookie`] only more
//! cookies and a body can follow; a body method consumes the builder; a
//! builder dropped without a body finishes the response with an empty one,
//! so the JSON is always complete.
//!
//! [`cookie`]: HttpResponse::cookie
//!
//! | [`Shape`] | headers | [`multi_value_header`] | cookies | extra |
//! |---|---|---|---|---|
//! | `RestApi` | `headers` (`multiValueHeaders` once a multi-value header or cookie is written) | `multiValueHeaders` | `Set-Cookie` in `multiValueHeaders` | |
//! | `HttpApi`, `FunctionUrl` | `headers` | values joined with `,` | `cookies` array | `cookies` always written (`[]` when empty: cargo-lambda's function URLs require it) |
//! | `Alb` | `headers` | values joined with `,` | one `set-cookie` key per cookie, in differing letter case (ALB has no other way without multi-value headers): at most 512 (`MAX_ALB_COOKIES`) | `statusDescription` |
//! | `AlbMultiValue` | `multiValueHeaders` | `multiValueHeaders` | `set-cookie` in `multiValueHeaders` | `statusDescription` |
//!
//! [`multi_value_header`]: HttpResponse::multi_value_header
//!
//! An `Alb` response with more than 512 (`MAX_ALB_COOKIES`) cookies cannot be
//! written without losing some (the spellings of `set-cookie` run out): it
//! becomes a `500` with a plain-text body saying why, and an `ERROR` log
//! line, instead of a `200` that silently drops cookies. Turn on multi-value
//! headers on the target group (`AlbMultiValue`) to send more.
//!
//! ```
//! use lambda_zero::events::HttpResponse;
//! use lambda_zero::events::Shape;
//! # let mut buf = Vec::new();
//! # let out = &mut lambda_zero::Output::for_test(&mut buf);
//! HttpResponse::new(out, Shape::HttpApi, 200)
//!     .header("content-type", "text/plain")
//!     .cookie("session=abc; Secure; HttpOnly")
//!     .body_text("Hello \"World\"");
//! assert_eq!(
//!     std::str::from_utf8(out.as_bytes()).unwrap(),
//!     r#"{"statusCode":200,"headers":{"content-type":"text/plain"},"cookies":["session=abc; Secure; HttpOnly"],"body":"Hello \"World\"","isBase64Encoded":false}"#
//! );
//! ```

use crate::base64;
use crate::events::http::Shape;
use crate::events::json::Str;
use crate::Output;
use std::fmt;
use std::marker::PhantomData;

/// The most cookies one [`Shape::Alb`] response can carry: one `set-cookie`
/// key each, in a letter case of its own, and `set-cookie` has 9 letters.
/// Past it the response becomes a `500` (see the [module docs](crate::events)).
pub const MAX_ALB_COOKIES: usize = 1 << 9;

// The message below spells the cap out (a `&'static str`).
const _: () = assert!(MAX_ALB_COOKIES == 512);

/// The body of the `500` that replaces an `Alb` response with too many
/// cookies, and the log line that says so.
const TOO_MANY_ALB_COOKIES: &str = "lambda-zero: more than 512 cookies in one ALB response \
     (single-value headers); turn on multi-value headers on the target group to send more";

/// Stage marker of an [`HttpResponse`] that may still take headers.
#[derive(Debug)]
pub enum HeaderStage {}

/// Stage marker of an [`HttpResponse`] that has begun its cookies: only
/// cookies and a body may follow.
#[derive(Debug)]
pub enum CookieStage {}

/// A response being written into the send buffer (see the
/// [module docs](crate::events)).
#[derive(Debug)]
#[must_use = "finish the response with a body method (a dropped builder finishes it with an empty body)"]
pub struct HttpResponse<'o, 'b, S = HeaderStage> {
    w: Writer<'o, 'b>,
    stage: PhantomData<S>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Open {
    Nothing,
    Headers,
    Multi,
}

#[derive(Debug)]
struct Writer<'o, 'b> {
    out: &'o mut Output<'b>,
    shape: Shape,
    /// Which header object is open.
    open: Open,
    /// Members written in the open object.
    members: usize,
    cookies: usize,
    /// A cookie could not be written (past 512 (`MAX_ALB_COOKIES`)): the
    /// finished response is replaced with a `500`.
    refused: bool,
    done: bool,
}

impl<'o, 'b> HttpResponse<'o, 'b, HeaderStage> {
    /// Starts a response of `shape` (usually the request's,
    /// [`HttpRequest::shape`](crate::events::http::HttpRequest::shape)) with
    /// `status`; for the ALB shapes the `statusDescription` is the status
    /// and its reason phrase (`"404 Not Found"`). Whatever `out` holds is
    /// cleared first.
    pub fn new(out: &'o mut Output<'b>, shape: Shape, status: u16) -> Self {
        Self::start(out, shape, status, None)
    }

    /// As [`new`](Self::new), with your own ALB `statusDescription`
    /// (ignored by the other shapes, which have no such field).
    pub fn with_description(
        out: &'o mut Output<'b>,
        shape: Shape,
        status: u16,
        description: &str,
    ) -> Self {
        Self::start(out, shape, status, Some(description))
    }

    fn start(out: &'o mut Output<'b>, shape: Shape, status: u16, desc: Option<&str>) -> Self {
        out.clear();
        let mut code = itoa::Buffer::new();
        let code = code.format(status);
        out.write_bytes(b"{\"statusCode\":");
        out.write_bytes(code.as_bytes());
        if shape.is_alb() {
            out.write_bytes(b",\"statusDescription\":\"");
            match desc {
                Some(d) => out.write_json_str(d),
                None => {
                    out.write_bytes(code.as_bytes());
                    if let Some(reason) = reason_phrase(status) {
                        out.write_bytes(b" ");
                        out.write_bytes(reason.as_bytes());
                    }
                }
            }
            out.write_bytes(b"\"");
        }
        HttpResponse {
            w: Writer {
                out,
                shape,
                open: Open::Nothing,
                members: 0,
                cookies: 0,
                refused: false,
                done: false,
            },
            stage: PhantomData,
        }
    }

    /// Adds a header (name and value JSON-escaped). Repeating a name is up
    /// to you: the v2 and ALB shapes keep one value per name, so use
    /// [`multi_value_header`](Self::multi_value_header) for several.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        let w = &mut self.w;
        let multi = match w.shape {
            Shape::AlbMultiValue => true,
            Shape::RestApi => w.open == Open::Multi,
            _ => false,
        };
        if multi {
            w.member(Open::Multi, name);
            w.out.write_bytes(b"[\"");
            w.out.write_json_str(value);
            w.out.write_bytes(b"\"]");
        } else {
            w.member(Open::Headers, name);
            w.string(value);
        }
        self
    }

    /// `content-type: value`.
    pub fn content_type(self, value: &str) -> Self {
        self.header("content-type", value)
    }

    /// Adds a header with several values: a `multiValueHeaders` entry for
    /// `RestApi` and `AlbMultiValue`, the values joined with `,` for the
    /// others.
    ///
    /// ```
    /// use lambda_zero::events::{HttpResponse, Shape};
    /// # let mut buf = Vec::new();
    /// # let out = &mut lambda_zero::Output::for_test(&mut buf);
    /// HttpResponse::new(out, Shape::RestApi, 200)
    ///     .header("content-type", "text/plain")
    ///     .multi_value_header("vary", ["origin", "accept"])
    ///     .header("x-a", "1")
    ///     .body_text("");
    /// assert_eq!(
    ///     std::str::from_utf8(out.as_bytes()).unwrap(),
    ///     r#"{"statusCode":200,"headers":{"content-type":"text/plain"},"multiValueHeaders":{"vary":["origin","accept"],"x-a":["1"]},"body":"","isBase64Encoded":false}"#
    /// );
    /// ```
    pub fn multi_value_header<I>(mut self, name: &str, values: I) -> Self
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let w = &mut self.w;
        if matches!(w.shape, Shape::RestApi | Shape::AlbMultiValue) {
            w.member(Open::Multi, name);
            w.out.write_bytes(b"[");
            for (i, v) in values.into_iter().enumerate() {
                if i > 0 {
                    w.out.write_bytes(b",");
                }
                w.string(v.as_ref());
            }
            w.out.write_bytes(b"]");
        } else {
            w.member(Open::Headers, name);
            w.out.write_bytes(b"\"");
            for (i, v) in values.into_iter().enumerate() {
                if i > 0 {
                    w.out.write_bytes(b",");
                }
                w.out.write_json_str(v.as_ref());
            }
            w.out.write_bytes(b"\"");
        }
        self
    }

    /// Adds a `Set-Cookie` (`name=value; attributes`); after it only more
    /// cookies and a body may follow. The 512 (`MAX_ALB_COOKIES`)+1st cookie of
    /// an `Alb` response turns it into a `500` (see the [module docs](crate::events)).
    pub fn cookie(self, cookie: &str) -> HttpResponse<'o, 'b, CookieStage> {
        let mut next = HttpResponse {
            w: self.w,
            stage: PhantomData,
        };
        next.w.cookie(cookie);
        next
    }
}

impl<'o, 'b> HttpResponse<'o, 'b, CookieStage> {
    /// Adds another `Set-Cookie`.
    pub fn cookie(mut self, cookie: &str) -> Self {
        self.w.cookie(cookie);
        self
    }
}

impl<S> HttpResponse<'_, '_, S> {
    /// Finishes the response with a text body (JSON-escaped).
    pub fn body_text(mut self, text: &str) {
        self.w.begin_body();
        self.w.out.write_json_str(text);
        self.w.end_body(false);
    }

    /// Finishes the response with a binary body: base64-encoded straight
    /// into the send buffer, `isBase64Encoded: true`.
    ///
    /// ```
    /// use lambda_zero::events::{HttpResponse, Shape};
    /// # let mut buf = Vec::new();
    /// # let out = &mut lambda_zero::Output::for_test(&mut buf);
    /// HttpResponse::new(out, Shape::Alb, 200).content_type("image/gif").body_binary(b"GIF89a");
    /// assert_eq!(
    ///     std::str::from_utf8(out.as_bytes()).unwrap(),
    ///     r#"{"statusCode":200,"statusDescription":"200 OK","headers":{"content-type":"image/gif"},"body":"R0lGODlh","isBase64Encoded":true}"#
    /// );
    /// ```
    pub fn body_binary(mut self, bytes: &[u8]) {
        self.w.begin_body();
        let out = &mut *self.w.out;
        base64::encode_chunks(bytes, |piece| out.write_bytes(piece));
        self.w.end_body(true);
    }

    /// Finishes the response with a string taken from an event, copied as
    /// it is (its JSON escapes are already right): no decoding, no
    /// re-escaping.
    pub fn body_str(mut self, text: Str<'_>) {
        self.w.begin_body();
        self.w.out.write_bytes(text.raw().as_bytes());
        self.w.end_body(false);
    }

    /// Finishes the response with a text body written by `write`, through a
    /// [`BodyWriter`] that JSON-escapes everything on its way into the
    /// send buffer (so `write!` needs no intermediate `String`). Returns
    /// what `write` returns.
    ///
    /// ```
    /// use lambda_zero::events::{HttpResponse, Shape};
    /// use std::fmt::Write as _;
    /// # let mut buf = Vec::new();
    /// # let out = &mut lambda_zero::Output::for_test(&mut buf);
    /// HttpResponse::new(out, Shape::HttpApi, 200)
    ///     .content_type("application/json")
    ///     .body_with(|w| {
    ///         write!(w, r#"{{"n":{},"name":"#, 42)?;
    ///         w.json_string("Ann \"A\"");
    ///         w.write_str("}")
    ///     })?;
    /// assert_eq!(
    ///     std::str::from_utf8(out.as_bytes()).unwrap(),
    ///     r#"{"statusCode":200,"headers":{"content-type":"application/json"},"cookies":[],"body":"{\"n\":42,\"name\":\"Ann \\\"A\\\"\"}","isBase64Encoded":false}"#
    /// );
    /// # Ok::<(), std::fmt::Error>(())
    /// ```
    pub fn body_with<R>(mut self, write: impl FnOnce(&mut BodyWriter<'_, '_>) -> R) -> R {
        self.w.begin_body();
        let result = write(&mut BodyWriter { out: self.w.out });
        self.w.end_body(false);
        result
    }

    /// Finishes the response with an empty body.
    pub fn finish(mut self) {
        self.w.begin_body();
        self.w.end_body(false);
    }
}

impl Writer<'_, '_> {
    /// A JSON string literal, quotes included.
    fn string(&mut self, s: &str) {
        self.out.write_bytes(b"\"");
        self.out.write_json_str(s);
        self.out.write_bytes(b"\"");
    }

    /// Makes `which` the open header object (closing the other one).
    fn open(&mut self, which: Open) {
        if self.open == which {
            return;
        }
        self.close();
        self.out.write_bytes(match which {
            Open::Headers => b",\"headers\":{",
            Open::Multi => b",\"multiValueHeaders\":{",
            Open::Nothing => b"",
        });
        self.open = which;
        self.members = 0;
    }

    fn close(&mut self) {
        if self.open != Open::Nothing {
            self.out.write_bytes(b"}");
            self.open = Open::Nothing;
        }
    }

    /// Opens `which` if needed and writes `"name":` as its next member.
    fn member(&mut self, which: Open, name: &str) {
        self.open(which);
        if self.members > 0 {
            self.out.write_bytes(b",");
        }
        self.members += 1;
        self.string(name);
        self.out.write_bytes(b":");
    }

    fn cookie(&mut self, cookie: &str) {
        match self.shape {
            Shape::HttpApi | Shape::FunctionUrl => {
                if self.cookies == 0 {
                    self.close();
                    self.out.write_bytes(b",\"cookies\":[");
                } else {
                    self.out.write_bytes(b",");
                }
                self.string(cookie);
            }
            Shape::RestApi | Shape::AlbMultiValue => {
                if self.cookies == 0 {
                    let name = if self.shape == Shape::RestApi {
                        "Set-Cookie"
                    } else {
                        "set-cookie"
                    };
                    self.member(Open::Multi, name);
                    self.out.write_bytes(b"[");
                } else {
                    self.out.write_bytes(b",");
                }
                self.string(cookie);
            }
            Shape::Alb if self.cookies == MAX_ALB_COOKIES => {
                // Every spelling is taken: a repeated key would silently
                // replace an earlier cookie.
                self.refused = true;
                return;
            }
            Shape::Alb => {
                let mut name = *b"set-cookie";
                let mut bits = self.cookies;
                for b in name.iter_mut().filter(|b| b.is_ascii_alphabetic()) {
                    if bits & 1 == 1 {
                        b.make_ascii_uppercase();
                    }
                    bits >>= 1;
                }
                self.member(
                    Open::Headers,
                    std::str::from_utf8(&name).unwrap_or("set-cookie"),
                );
                self.string(cookie);
            }
        }
        self.cookies += 1;
    }

    fn begin_body(&mut self) {
        let v2 = matches!(self.shape, Shape::HttpApi | Shape::FunctionUrl);
        if self.cookies > 0 && self.shape != Shape::Alb {
            self.out.write_bytes(b"]");
        }
        self.close();
        if v2 && self.cookies == 0 {
            // API Gateway does not need it, but emulators deserializing
            // into `aws_lambda_events` types do (cargo-lambda's function
            // URLs answer 500 without it). REST APIs refuse the field.
            self.out.write_bytes(b",\"cookies\":[]");
        }
        self.out.write_bytes(b",\"body\":\"");
    }

    fn end_body(&mut self, base64: bool) {
        self.out.write_bytes(if base64 {
            b"\",\"isBase64Encoded\":true}"
        } else {
            b"\",\"isBase64Encoded\":false}"
        });
        self.done = true;
        if self.refused {
            crate::runtime::log::write(
                crate::runtime::log::Level::Error,
                format_args!("{TOO_MANY_ALB_COOKIES}"),
            );
            self.out.clear();
            self.out.write_bytes(
                b"{\"statusCode\":500,\"statusDescription\":\"500 Internal Server Error\",\
                  \"headers\":{\"content-type\":\"text/plain\"},\"body\":\"",
            );
            self.out.write_json_str(TOO_MANY_ALB_COOKIES);
            self.out.write_bytes(b"\",\"isBase64Encoded\":false}");
        }
    }
}

impl Drop for Writer<'_, '_> {
    /// A builder dropped before its body finishes the response with an
    /// empty body, so the JSON is complete whatever the handler did.
    fn drop(&mut self) {
        if !self.done {
            self.begin_body();
            self.end_body(false);
        }
    }
}

/// Writes a response body's text, JSON-escaping everything on its way
/// into the send buffer (see [`HttpResponse::body_with`]).
///
/// To put JSON in the body, write its punctuation with `write!` or
/// [`write_str`](fmt::Write::write_str), and its strings with
/// [`json_string`](Self::json_string) or [`json_str`](Self::json_str),
/// which escape them once for the inner document (the writer escapes
/// everything again for the outer one).
#[derive(Debug)]
pub struct BodyWriter<'w, 'b> {
    out: &'w mut Output<'b>,
}

impl fmt::Write for BodyWriter<'_, '_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.out.write_json_str(s);
        Ok(())
    }
}

impl BodyWriter<'_, '_> {
    /// Appends text (as `write_str`, without a `Result`).
    pub fn text(&mut self, s: &str) {
        self.out.write_json_str(s);
    }

    /// Appends `s` as a JSON string literal (quotes included) of the
    /// document in the body.
    pub fn json_string(&mut self, s: &str) {
        self.out.write_json_str("\"");
        crate::text::escape_json_pieces(s, |piece| self.out.write_json_str(piece));
        self.out.write_json_str("\"");
    }

    /// Appends a string taken from an event as a JSON string literal of the
    /// document in the body, its escapes kept as they are.
    pub fn json_str(&mut self, s: Str<'_>) {
        self.out.write_json_str("\"");
        self.out.write_json_str(s.raw());
        self.out.write_json_str("\"");
    }

    /// Appends what `value` displays as a JSON string literal of the
    /// document in the body (an error message, a number…), with no
    /// intermediate `String`.
    pub fn json_display(&mut self, value: impl fmt::Display) -> fmt::Result {
        struct Inner<'x, 'w, 'b>(&'x mut BodyWriter<'w, 'b>);
        impl fmt::Write for Inner<'_, '_, '_> {
            fn write_str(&mut self, s: &str) -> fmt::Result {
                crate::text::escape_json_pieces(s, |piece| self.0.out.write_json_str(piece));
                Ok(())
            }
        }
        self.out.write_json_str("\"");
        let result = fmt::write(&mut Inner(self), format_args!("{value}"));
        self.out.write_json_str("\"");
        result
    }
}

/// The reason phrase of a status code (RFC 9110 and common extensions),
/// as ALB wants in `statusDescription`.
pub fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        100 => "Continue",
        101 => "Switching Protocols",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        203 => "Non-Authoritative Information",
        204 => "No Content",
        205 => "Reset Content",
        206 => "Partial Content",
        300 => "Multiple Choices",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        400 => "Bad Request",
        401 => "Unauthorized",
        402 => "Payment Required",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        407 => "Proxy Authentication Required",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        411 => "Length Required",
        412 => "Precondition Failed",
        413 => "Content Too Large",
        414 => "URI Too Long",
        415 => "Unsupported Media Type",
        416 => "Range Not Satisfiable",
        417 => "Expectation Failed",
        421 => "Misdirected Request",
        422 => "Unprocessable Content",
        425 => "Too Early",
        426 => "Upgrade Required",
        428 => "Precondition Required",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        451 => "Unavailable For Legal Reasons",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        505 => "HTTP Version Not Supported",
        _ => return None,
    })
}

/// A response built once (at start-up, allocating) and copied into the
/// send buffer per invocation with [`write_to`](Self::write_to), or
/// served without a copy by [`crate::run_prebuilt`] when it is the only
/// answer.
///
/// ```no_run
/// use lambda_zero::events::{Prebuilt, Shape};
///
/// let hello = Prebuilt::text(Shape::HttpApi, 200, "text/plain", "Hello World!");
/// lambda_zero::run_prebuilt(hello.as_bytes())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prebuilt {
    bytes: Vec<u8>,
}

impl Prebuilt {
    /// Builds a response of `shape` and `status` with the builder, once.
    ///
    /// ```
    /// use lambda_zero::events::{Prebuilt, Shape};
    /// let not_found = Prebuilt::new(Shape::AlbMultiValue, 404, |r| {
    ///     r.content_type("application/json").body_text(r#"{"error":"not found"}"#)
    /// });
    /// assert_eq!(
    ///     std::str::from_utf8(not_found.as_bytes()).unwrap(),
    ///     r#"{"statusCode":404,"statusDescription":"404 Not Found","multiValueHeaders":{"content-type":["application/json"]},"body":"{\"error\":\"not found\"}","isBase64Encoded":false}"#
    /// );
    /// ```
    pub fn new(shape: Shape, status: u16, build: impl FnOnce(HttpResponse<'_, '_>)) -> Self {
        // Room for the usual small answer, so that building one does not
        // grow the buffer six times over (8, 16, … 256 bytes) at start-up.
        let mut bytes = Vec::with_capacity(256);
        let mut out = Output::new(&mut bytes);
        build(HttpResponse::new(&mut out, shape, status));
        Prebuilt { bytes }
    }

    /// A response with a `content-type` header and a text body.
    pub fn text(shape: Shape, status: u16, content_type: &str, body: &str) -> Self {
        Prebuilt::new(shape, status, |r| {
            r.content_type(content_type).body_text(body)
        })
    }

    /// The response's JSON.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// Replaces what `out` holds with this response (one copy, no
    /// allocation once the send buffer is large enough).
    pub fn write_to(&self, out: &mut Output<'_>) {
        out.clear();
        out.write_bytes(&self.bytes);
    }

    /// The response's JSON, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }
}

/// One [`Prebuilt`] answer per response shape, built once, and the one for
/// each event picked by [`Shape::sniff`]: what the default `bootstrap`
/// serves, with [`crate::run_prebuilt_per_event`], so every integration
/// gets an answer it accepts:
///
/// | event | answer |
/// |---|---|
/// | REST API, HTTP API payload 1.0, any other event | `RestApi`: no `cookies` (REST APIs answer `502` to unknown fields) |
/// | HTTP API payload 2.0, function URL | `HttpApi`: `"cookies":[]` (`cargo lambda watch` requires it; AWS accepts it) |
/// | ALB | `Alb`: `statusDescription` |
/// | ALB with multi-value headers | `AlbMultiValue`: `statusDescription`, `multiValueHeaders` |
///
/// ```no_run
/// use lambda_zero::events::PrebuiltSet;
///
/// let hello = PrebuiltSet::text(200, "text/plain", "Hello World!");
/// lambda_zero::run_prebuilt_per_event(|event| hello.for_event(event))
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrebuiltSet {
    rest_api: Prebuilt,
    http_api: Prebuilt,
    alb: Prebuilt,
    alb_multi_value: Prebuilt,
}

impl PrebuiltSet {
    /// Builds the response of `status` for each shape with `build`, once.
    pub fn new(status: u16, build: impl Fn(HttpResponse<'_, '_>)) -> Self {
        let one = |shape| Prebuilt::new(shape, status, &build);
        PrebuiltSet {
            rest_api: one(Shape::RestApi),
            http_api: one(Shape::HttpApi),
            alb: one(Shape::Alb),
            alb_multi_value: one(Shape::AlbMultiValue),
        }
    }

    /// Responses with a `content-type` header and a text body.
    pub fn text(status: u16, content_type: &str, body: &str) -> Self {
        PrebuiltSet::new(status, |r| r.content_type(content_type).body_text(body))
    }

    /// The response for `shape`; `None` (an event of no known shape) gets
    /// the `RestApi` one, the proxy response every API Gateway integration
    /// accepts.
    pub fn for_shape(&self, shape: Option<Shape>) -> &Prebuilt {
        match shape {
            None | Some(Shape::RestApi) => &self.rest_api,
            Some(Shape::HttpApi | Shape::FunctionUrl) => &self.http_api,
            Some(Shape::Alb) => &self.alb,
            Some(Shape::AlbMultiValue) => &self.alb_multi_value,
        }
    }

    /// The response's JSON for `event`, by [`Shape::sniff`]: a bounded scan
    /// of its first bytes, no allocation, no copy.
    pub fn for_event(&self, event: &[u8]) -> &[u8] {
        self.for_shape(Shape::sniff(event)).as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn built(shape: Shape, status: u16, f: impl FnOnce(HttpResponse<'_, '_>)) -> String {
        String::from_utf8(Prebuilt::new(shape, status, f).bytes).unwrap()
    }

    #[test]
    fn a_dropped_builder_still_writes_complete_json() {
        let s = built(Shape::HttpApi, 204, |r| drop(r.header("a", "b")));
        assert_eq!(
            s,
            r#"{"statusCode":204,"headers":{"a":"b"},"cookies":[],"body":"","isBase64Encoded":false}"#
        );
        let s = built(Shape::RestApi, 200, |r| drop(r.cookie("a=1")));
        assert_eq!(
            s,
            r#"{"statusCode":200,"multiValueHeaders":{"Set-Cookie":["a=1"]},"body":"","isBase64Encoded":false}"#
        );
    }

    #[test]
    fn alb_cookies_take_distinct_header_names() {
        let s = built(Shape::Alb, 200, |r| {
            r.header("x", "1")
                .cookie("a=1")
                .cookie("b=2")
                .cookie("c=3")
                .finish()
        });
        assert_eq!(
            s,
            r#"{"statusCode":200,"statusDescription":"200 OK","headers":{"x":"1","set-cookie":"a=1","Set-cookie":"b=2","sEt-cookie":"c=3"},"body":"","isBase64Encoded":false}"#
        );
    }

    #[test]
    fn alb_cookies_past_the_cap_turn_the_response_into_a_500() {
        let with = |n: usize| {
            built(Shape::Alb, 200, |r| {
                let r = r.header("x", "1").cookie("c0=0");
                (1..n)
                    .fold(r, |r, i| r.cookie(&format!("c{i}={i}")))
                    .body_text("the body")
            })
        };
        // Up to the cap: every cookie under a key of its own.
        let full = with(MAX_ALB_COOKIES);
        let v: serde_json::Value = serde_json::from_str(&full).unwrap();
        assert_eq!(v["statusCode"], 200);
        let keys = v["headers"].as_object().unwrap();
        assert_eq!(keys.len(), MAX_ALB_COOKIES + 1, "x and one key per cookie");
        let mut values: Vec<&str> = keys.values().filter_map(|c| c.as_str()).collect();
        values.sort_unstable();
        values.dedup();
        assert_eq!(values.len(), MAX_ALB_COOKIES + 1, "no cookie lost");
        // One more: no silent loss, a 500 that says why.
        for n in [MAX_ALB_COOKIES + 1, 3 * MAX_ALB_COOKIES] {
            let over = with(n);
            let v: serde_json::Value = serde_json::from_str(&over).unwrap();
            assert_eq!(v["statusCode"], 500, "{over}");
            assert_eq!(v["statusDescription"], "500 Internal Server Error");
            assert_eq!(v["headers"]["content-type"], "text/plain");
            assert_eq!(v["body"], TOO_MANY_ALB_COOKIES);
            assert_eq!(v["isBase64Encoded"], false);
            assert!(!over.contains("the body"), "{over}");
        }
        // A dropped builder is refused the same way.
        fn past_the_cap<'o, 'b>(r: HttpResponse<'o, 'b>) -> HttpResponse<'o, 'b, CookieStage> {
            (1..=MAX_ALB_COOKIES).fold(r.cookie("c0=0"), |r, i| r.cookie(&format!("c{i}={i}")))
        }
        let dropped = built(Shape::Alb, 200, |r| drop(past_the_cap(r)));
        assert!(dropped.starts_with(r#"{"statusCode":500,"#), "{dropped}");
        // The multi-value shape has no cap.
        let multi = built(Shape::AlbMultiValue, 200, |r| past_the_cap(r).finish());
        let v: serde_json::Value = serde_json::from_str(&multi).unwrap();
        assert_eq!(
            v["multiValueHeaders"]["set-cookie"]
                .as_array()
                .unwrap()
                .len(),
            MAX_ALB_COOKIES + 1
        );
    }

    #[test]
    fn a_prebuilt_set_has_the_fields_each_integration_wants() {
        let set = PrebuiltSet::text(200, "text/plain", "Hello World!");
        let json = |shape| -> serde_json::Value {
            serde_json::from_slice(set.for_shape(shape).as_bytes()).unwrap()
        };
        let keys =
            |shape| -> Vec<String> { json(shape).as_object().unwrap().keys().cloned().collect() };
        fn sorted(mut v: Vec<&str>) -> Vec<&str> {
            v.sort_unstable();
            v
        }
        const V1: &[&str] = &["statusCode", "headers", "body", "isBase64Encoded"];
        const V2: &[&str] = &[
            "statusCode",
            "headers",
            "cookies",
            "body",
            "isBase64Encoded",
        ];
        const ALB: &[&str] = &[
            "statusCode",
            "statusDescription",
            "headers",
            "body",
            "isBase64Encoded",
        ];
        const ALB_MV: &[&str] = &[
            "statusCode",
            "statusDescription",
            "multiValueHeaders",
            "body",
            "isBase64Encoded",
        ];
        for (shape, fields) in [
            (None, V1),
            (Some(Shape::RestApi), V1),
            (Some(Shape::HttpApi), V2),
            (Some(Shape::FunctionUrl), V2),
            (Some(Shape::Alb), ALB),
            (Some(Shape::AlbMultiValue), ALB_MV),
        ] {
            assert_eq!(keys(shape), sorted(fields.to_vec()), "{shape:?}");
        }
        assert_eq!(json(Some(Shape::HttpApi))["cookies"], serde_json::json!([]));
        for shape in [None].into_iter().chain(Shape::ALL.map(Some)) {
            let v = json(shape);
            assert_eq!(
                (v["statusCode"].as_u64(), v["body"].as_str()),
                (Some(200), Some("Hello World!"))
            );
        }
        assert_eq!(json(Some(Shape::Alb))["statusDescription"], "200 OK");
        // Any other event gets the RestApi answer.
        assert_eq!(
            Prebuilt::text(Shape::RestApi, 200, "text/plain", "Hello World!").as_bytes(),
            set.for_shape(None).as_bytes()
        );
    }

    #[test]
    fn unknown_statuses_get_a_bare_description() {
        let s = built(Shape::Alb, 599, |r| r.finish());
        assert!(s.contains(r#""statusDescription":"599""#), "{s}");
        let mut buf = Vec::new();
        let mut out = Output::new(&mut buf);
        HttpResponse::with_description(&mut out, Shape::Alb, 200, "200 \"Fine\"").finish();
        assert!(std::str::from_utf8(out.as_bytes())
            .unwrap()
            .contains(r#""statusDescription":"200 \"Fine\"""#));
    }
}
