//! Writing response bodies into the reused send buffer, and JSON escaping
//! that needs no allocation.

use std::fmt;
use std::io;

/// A handler's output: a writer into the runtime's send buffer, which is
/// cleared before each invocation and reused for the life of the process
/// (it grows only when a response is larger than any before).
///
/// Implements [`std::io::Write`] and [`std::fmt::Write`], so `write!`
/// formats straight into it.
///
/// ```
/// use std::fmt::Write as _;
/// # let mut buf = Vec::new();
/// # let mut out = lambda_zero::Response::for_test(&mut buf);
/// out.write_bytes(b"{\"n\":");
/// write!(out, "{}", 42).unwrap();
/// out.write_bytes(b"}");
/// assert_eq!(out.as_bytes(), b"{\"n\":42}");
/// ```
#[derive(Debug)]
pub struct Response<'a> {
    buf: &'a mut Vec<u8>,
}

impl<'a> Response<'a> {
    pub(crate) fn new(buf: &'a mut Vec<u8>) -> Self {
        buf.clear();
        Response { buf }
    }

    /// A response writing into `buf` (cleared first), for testing handlers
    /// outside Lambda.
    pub fn for_test(buf: &'a mut Vec<u8>) -> Self {
        Response::new(buf)
    }

    /// Appends bytes.
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Appends `s` as the inside of a JSON string (quotes not included),
    /// escaping `"`, `\` and control characters.
    pub fn write_json_str(&mut self, s: &str) {
        escape_json(self.buf, s);
    }

    /// What has been written so far.
    pub fn as_bytes(&self) -> &[u8] {
        self.buf
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// True when nothing has been written.
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Forgets what has been written (the capacity stays).
    pub fn clear(&mut self) {
        self.buf.clear();
    }
}

impl io::Write for Response<'_> {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        self.buf.extend_from_slice(bytes);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl fmt::Write for Response<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.buf.extend_from_slice(s.as_bytes());
        Ok(())
    }
}

/// Appends `s` to `out` as the inside of a JSON string (RFC 8259 §7):
/// `"` and `\` escaped, control characters as `\n`, `\t`… or `\u00XX`.
pub fn escape_json(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let short: &[u8] = match b {
            b'"' => b"\\\"",
            b'\\' => b"\\\\",
            b'\n' => b"\\n",
            b'\r' => b"\\r",
            b'\t' => b"\\t",
            0x08 => b"\\b",
            0x0c => b"\\f",
            0x00..=0x1f | 0x7f => b"",
            _ => continue,
        };
        out.extend_from_slice(&bytes[start..i]);
        if short.is_empty() {
            out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[(b >> 4) as usize],
                HEX[(b & 15) as usize],
            ]);
        } else {
            out.extend_from_slice(short);
        }
        start = i + 1;
    }
    out.extend_from_slice(&bytes[start..]);
}

/// A [`fmt::Write`] that JSON-escapes everything written through it into a
/// byte buffer: lets `Display` output land inside a JSON string with no
/// intermediate `String`.
pub(crate) struct JsonEscaper<'a>(pub &'a mut Vec<u8>);

impl fmt::Write for JsonEscaper<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_json(self.0, s);
        Ok(())
    }
}

/// Builds, once, an API Gateway proxy response in the payload 1.0 shape
/// with a text body:
/// `{"statusCode":200,"headers":{"content-type":"text/plain"},"body":"…","isBase64Encoded":false}`.
///
/// AWS accepts this shape from every API Gateway integration (REST APIs,
/// HTTP APIs, function URLs), but it is not right for all of them
/// everywhere: `cargo lambda watch` answers `500` to a function URL or
/// HTTP API (payload 2.0) response without `cookies`, which a REST API in
/// turn refuses (`502`), and an ALB wants `statusDescription`. To answer
/// each integration in its own shape, build a
/// [`PrebuiltSet`](crate::apigw::PrebuiltSet) and serve it with
/// [`run_prebuilt_per_event`](crate::run_prebuilt_per_event), as the
/// default `bootstrap` does; this is its `RestApi` answer.
///
/// Meant for constant answers built at start-up and sent with
/// [`run_prebuilt`](crate::run_prebuilt); it allocates.
///
/// ```
/// let body = lambda_zero::response::api_gateway(200, "text/plain", "Hello World!");
/// assert_eq!(
///     std::str::from_utf8(&body).unwrap(),
///     r#"{"statusCode":200,"headers":{"content-type":"text/plain"},"body":"Hello World!","isBase64Encoded":false}"#
/// );
/// ```
pub fn api_gateway(status: u16, content_type: &str, body: &str) -> Vec<u8> {
    crate::apigw::Prebuilt::text(crate::event::Shape::RestApi, status, content_type, body)
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut v = Vec::new();
        escape_json(&mut v, s);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn escapes_what_json_requires() {
        assert_eq!(escaped("plain"), "plain");
        assert_eq!(escaped("a\"b\\c"), "a\\\"b\\\\c");
        assert_eq!(escaped("l1\nl2\r\t"), "l1\\nl2\\r\\t");
        assert_eq!(
            escaped("\u{0}\u{1f}\u{7f}\u{8}\u{c}"),
            "\\u0000\\u001f\\u007f\\b\\f"
        );
        assert_eq!(escaped("é ☃ 😀"), "é ☃ 😀");
    }

    #[test]
    fn every_control_character_round_trips_through_a_json_reader() {
        // A tiny reader for the escapes we emit (the oracle is the grammar).
        for c in (0u8..0x80).map(char::from) {
            let s: String = [c, 'x', c].iter().collect();
            let e = escaped(&s);
            assert!(e.bytes().all(|b| b >= 0x20 && b != 0x7f), "{e:?}");
            let mut back = String::new();
            let mut it = e.chars();
            while let Some(ch) = it.next() {
                if ch != '\\' {
                    back.push(ch);
                    continue;
                }
                match it.next().unwrap() {
                    'n' => back.push('\n'),
                    'r' => back.push('\r'),
                    't' => back.push('\t'),
                    'b' => back.push('\u{8}'),
                    'f' => back.push('\u{c}'),
                    'u' => {
                        let hex: String = it.by_ref().take(4).collect();
                        back.push(char::from_u32(u32::from_str_radix(&hex, 16).unwrap()).unwrap());
                    }
                    other => back.push(other),
                }
            }
            assert_eq!(back, s);
        }
    }
}
