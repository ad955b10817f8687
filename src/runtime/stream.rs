//! Response streaming: the body goes out in HTTP chunks on the response
//! POST while the handler writes it (`Lambda-Runtime-Function-Response-Mode:
//! streaming`), so a payload of any size streams in constant memory.
//!
//! Bytes written are gathered in the reused send buffer and sent as one
//! chunk once [`STREAM_CHUNK_LEN`] bytes are pending, on
//! [`Stream::flush`], or when the handler returns; a write at least that
//! large goes out as its own chunk without being copied. Each chunk is one
//! `writev` (size line, data, CRLF); the request head rides with the first.
//! An HTTP integration prelude is a chunk of its own and its 8-byte
//! separator another (readers such as `cargo lambda watch` take the first
//! two chunks for them); both ride with the first body bytes in one
//! `writev`.
//!
//! An error or panic after the first chunk is reported in the trailers
//! `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body`
//! (the error JSON, base64); before it, as a plain `/error` POST.

use crate::client;
use crate::text::escape_json;
use std::fmt;
use std::io::{self, Write};

/// Pending body bytes are sent as a chunk once they reach this many.
pub const STREAM_CHUNK_LEN: usize = 16 * 1024;
#[cfg_attr(not(feature = "fuzz-bench-internals"), allow(dead_code))] // tests name it
/// Content type of a streamed HTTP integration response (function URLs,
/// API Gateway streaming): a JSON prelude, 8 zero bytes, then the body.
pub const HTTP_INTEGRATION_CONTENT_TYPE: &str =
    "application/vnd.awslambda.http-integration-response";
#[cfg_attr(not(feature = "fuzz-bench-internals"), allow(dead_code))] // tests name it
/// Content type of any other streamed response.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";
/// The end of the prelude's chunk, then the separator between the HTTP
/// integration prelude and the body (8 zero bytes) as a chunk of its own.
const PRELUDE_END_AND_SEPARATOR: &[u8] = b"\r\n8\r\n\0\0\0\0\0\0\0\0\r\n";
/// The length of the separator chunk's data.
const PRELUDE_SEPARATOR_LEN: usize = 8;
/// The `Content-Type` line of each kind and the blank line that ends the
/// head: one part of the `writev` each (see the test that checks them).
const DEFAULT_CONTENT_TYPE_LINE: &[u8] = b"Content-Type: application/octet-stream\r\n\r\n";
const HTTP_INTEGRATION_CONTENT_TYPE_LINE: &[u8] =
    b"Content-Type: application/vnd.awslambda.http-integration-response\r\n\r\n";

/// A streamed response body, handed to a streaming handler
/// ([`crate::run_streaming`]).
///
/// Implements [`io::Write`] and [`fmt::Write`]. Once the connection fails,
/// every write returns the error and the runtime stops after the handler
/// returns.
pub struct Stream<'a> {
    socket: &'a mut dyn Write,
    /// The POST head up to (without) its `Content-Type` line.
    head: &'a [u8],
    /// The `Content-Type` line and the blank line after it.
    content_type: &'static [u8],
    pending: &'a mut Vec<u8>,
    /// How many bytes at the start of `pending` are the HTTP integration
    /// prelude (0: none, or already sent).
    prelude: usize,
    started: bool,
    sent: u64,
    failed: Option<client::Error>,
}

impl<'a> Stream<'a> {
    pub(crate) fn new(socket: &'a mut dyn Write, head: &'a [u8], pending: &'a mut Vec<u8>) -> Self {
        pending.clear();
        Stream {
            socket,
            head,
            content_type: DEFAULT_CONTENT_TYPE_LINE,
            pending,
            prelude: 0,
            started: false,
            sent: 0,
            failed: None,
        }
    }

    /// Appends `data` to the stream.
    pub fn write_bytes(&mut self, data: &[u8]) -> io::Result<()> {
        self.check()?;
        if self.pending.len() + data.len() <= STREAM_CHUNK_LEN {
            self.pending.extend_from_slice(data);
            if self.pending.len() == STREAM_CHUNK_LEN {
                self.flush()?;
            }
            return Ok(());
        }
        self.flush()?;
        if data.len() >= STREAM_CHUNK_LEN {
            self.send_chunk(Some(data))
        } else {
            self.pending.extend_from_slice(data);
            Ok(())
        }
    }

    /// Sends what is pending now, as one chunk (for server-sent events and
    /// other streams whose reader waits for each piece).
    pub fn flush(&mut self) -> io::Result<()> {
        self.check()?;
        if self.pending.is_empty() {
            return Ok(());
        }
        self.send_chunk(None)
    }

    /// Starts an HTTP integration response (function URL or API Gateway
    /// response streaming): the JSON prelude with the status, headers and
    /// cookies, then 8 zero bytes; what is written next is the HTTP body.
    /// Must come before any other write.
    ///
    /// ```no_run
    /// lambda_zero::run_streaming(|_inv, stream| {
    ///     stream.http_prelude(200, &[("content-type", "text/plain")], &[])?;
    ///     for i in 0..3 {
    ///         stream.write_bytes(format!("tick {i}\n").as_bytes())?;
    ///         stream.flush()?;
    ///     }
    ///     Ok::<(), std::io::Error>(())
    /// })
    /// ```
    pub fn http_prelude(
        &mut self,
        status: u16,
        headers: &[(&str, &str)],
        cookies: &[&str],
    ) -> io::Result<()> {
        self.check()?;
        if self.started || !self.pending.is_empty() {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                "the prelude must come first",
            ));
        }
        self.content_type = HTTP_INTEGRATION_CONTENT_TYPE_LINE;
        let p = &mut *self.pending;
        p.extend_from_slice(b"{\"statusCode\":");
        p.extend_from_slice(itoa::Buffer::new().format(status).as_bytes());
        p.extend_from_slice(b",\"headers\":{");
        for (i, (name, value)) in headers.iter().enumerate() {
            p.extend_from_slice(if i == 0 { b"\"" } else { b",\"" });
            escape_json(p, name);
            p.extend_from_slice(b"\":\"");
            escape_json(p, value);
            p.push(b'"');
        }
        p.extend_from_slice(b"},\"cookies\":[");
        for (i, cookie) in cookies.iter().enumerate() {
            p.extend_from_slice(if i == 0 { b"\"" } else { b",\"" });
            escape_json(p, cookie);
            p.push(b'"');
        }
        p.extend_from_slice(b"]}");
        // The separator is added when the prelude goes out, as a chunk.
        self.prelude = p.len();
        Ok(())
    }

    /// Body bytes sent so far (pending ones not included).
    pub fn bytes_sent(&self) -> u64 {
        self.sent
    }

    /// True once the first chunk (and the request head) went out.
    pub fn started(&self) -> bool {
        self.started
    }

    /// True once a write failed: the request may be cut anywhere, even
    /// inside a chunk, so the connection is unusable.
    pub(crate) fn is_broken(&self) -> bool {
        self.failed.is_some()
    }

    fn check(&self) -> io::Result<()> {
        match &self.failed {
            Some(_) => Err(io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the response stream failed",
            )),
            None => Ok(()),
        }
    }

    /// Sends `data` (or the pending bytes) as one chunk, with the head first
    /// if it has not gone out yet. A pending prelude goes first as a chunk
    /// of its own, then the separator chunk, then the rest (if any) as a
    /// third chunk: one `writev` for all of them.
    fn send_chunk(&mut self, data: Option<&[u8]>) -> io::Result<()> {
        const NONE: &[u8] = b"";
        // `write_bytes` flushes what is pending (the prelude with it)
        // before it sends a large write on its own.
        debug_assert!(data.is_none() || self.prelude == 0);
        let (prelude, data) = match data {
            Some(data) => (NONE, data),
            None => self.pending.split_at(self.prelude.min(self.pending.len())),
        };
        let mut prelude_size = [0u8; 18];
        let (prelude_size, prelude_end) = match prelude.len() {
            0 => (NONE, NONE),
            n => (hex_line(&mut prelude_size, n), PRELUDE_END_AND_SEPARATOR),
        };
        let mut size = [0u8; 18];
        let (size, end) = match data.len() {
            // Never an empty chunk: it would be the last one.
            0 => (NONE, NONE),
            n => (hex_line(&mut size, n), b"\r\n".as_slice()),
        };
        let len = prelude.len()
            + if prelude.is_empty() {
                0
            } else {
                PRELUDE_SEPARATOR_LEN
            }
            + data.len();
        let head = self.unsent_head();
        let result = write_after(
            &mut *self.socket,
            head,
            [prelude_size, prelude, prelude_end, size, data, end],
        );
        self.record(result, len)?;
        self.prelude = 0;
        self.pending.clear();
        Ok(())
    }

    /// The request head and content type line, until they have gone out.
    fn unsent_head(&self) -> Option<(&'a [u8], &'static [u8])> {
        (!self.started).then_some((self.head, self.content_type))
    }

    fn record(&mut self, result: Result<(), client::Error>, len: usize) -> io::Result<()> {
        match result {
            Ok(()) => {
                self.started = true;
                self.sent += len as u64;
                Ok(())
            }
            Err(e) => {
                self.failed = Some(e);
                self.check()
            }
        }
    }

    /// Sends what is pending, the last chunk and `trailers` (complete
    /// `name: value\r\n` lines, or empty). Returns the first failure of the
    /// stream, if any.
    pub(crate) fn finish(mut self, trailers: &[u8]) -> Result<(), client::Error> {
        if self.failed.is_none() && !self.pending.is_empty() {
            let _ = self.send_chunk(None);
        }
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let head = self.unsent_head();
        write_after(
            &mut *self.socket,
            head,
            [b"0\r\n", trailers, b"\r\n", b"", b"", b""],
        )
    }
}

impl fmt::Debug for Stream<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream")
            .field(
                "content_type",
                &String::from_utf8_lossy(self.content_type).trim_end(),
            )
            .field("pending", &self.pending.len())
            .field("sent", &self.sent)
            .field("failed", &self.failed)
            .finish_non_exhaustive()
    }
}

impl io::Write for Stream<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.write_bytes(data)?;
        Ok(data.len())
    }

    fn write_all(&mut self, data: &[u8]) -> io::Result<()> {
        self.write_bytes(data)
    }

    fn flush(&mut self) -> io::Result<()> {
        Stream::flush(self)
    }
}

impl fmt::Write for Stream<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.write_bytes(s.as_bytes()).map_err(|_| fmt::Error)
    }
}

/// Writes `parts` (empty ones skipped) in one `writev`, after the request
/// head and its `Content-Type` line when they have not gone out yet: at
/// most 8 parts, [`client::MAX_IOVECS`].
fn write_after(
    socket: &mut dyn Write,
    head: Option<(&[u8], &[u8])>,
    parts: [&[u8]; 6],
) -> Result<(), client::Error> {
    match head {
        None => client::write_parts(socket, &parts),
        Some((head, content_type_line)) => {
            let [a, b, c, d, e, f] = parts;
            client::write_parts(socket, &[head, content_type_line, a, b, c, d, e, f])
        }
    }
}

/// `{len:x}\r\n` into `buf`, returned as a slice of it.
fn hex_line(buf: &mut [u8; 18], len: usize) -> &[u8] {
    let mut i = 16;
    let mut n = len;
    loop {
        i -= 1;
        buf[i] = crate::text::HEX_LOWER[n & 15];
        n >>= 4;
        if n == 0 {
            break;
        }
    }
    buf[16] = b'\r';
    buf[17] = b'\n';
    &buf[i..]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_lines_are_chunk_size_lines() {
        let mut buf = [0u8; 18];
        assert_eq!(hex_line(&mut buf, 0), b"0\r\n");
        assert_eq!(hex_line(&mut buf, 255), b"ff\r\n");
        assert_eq!(hex_line(&mut buf, 16384), b"4000\r\n");
        assert_eq!(hex_line(&mut buf, usize::MAX), b"ffffffffffffffff\r\n");
    }

    #[derive(Default)]
    struct Wire {
        bytes: Vec<u8>,
        writes: usize,
    }

    impl Write for Wire {
        fn write(&mut self, b: &[u8]) -> io::Result<usize> {
            self.write_vectored(&[io::IoSlice::new(b)])
        }
        fn write_vectored(&mut self, bufs: &[io::IoSlice<'_>]) -> io::Result<usize> {
            self.writes += 1;
            bufs.iter().for_each(|b| self.bytes.extend_from_slice(b));
            Ok(bufs.iter().map(|b| b.len()).sum())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn gathers_small_writes_and_sends_big_ones_whole() {
        let mut wire = Wire::default();
        let mut pending = Vec::new();
        let mut s = Stream::new(&mut wire, b"HEAD\r\n", &mut pending);
        s.write_bytes(b"ab").unwrap();
        s.write_bytes(b"cd").unwrap();
        s.flush().unwrap();
        s.write_bytes(&vec![b'x'; STREAM_CHUNK_LEN + 1]).unwrap();
        s.write_bytes(b"tail").unwrap();
        s.finish(b"").unwrap();
        let mut expected =
            b"HEAD\r\nContent-Type: application/octet-stream\r\n\r\n4\r\nabcd\r\n4001\r\n".to_vec();
        expected.extend(vec![b'x'; STREAM_CHUNK_LEN + 1]);
        expected.extend_from_slice(b"\r\n4\r\ntail\r\n0\r\n\r\n");
        assert_eq!(
            String::from_utf8_lossy(&wire.bytes),
            String::from_utf8_lossy(&expected)
        );
        assert_eq!(wire.writes, 4, "one writev per chunk, head with the first");
    }

    #[test]
    fn an_empty_stream_is_head_and_last_chunk() {
        let mut wire = Wire::default();
        let mut pending = Vec::new();
        Stream::new(&mut wire, b"H\r\n", &mut pending)
            .finish(b"X-T: 1\r\n")
            .unwrap();
        assert_eq!(
            wire.bytes,
            b"H\r\nContent-Type: application/octet-stream\r\n\r\n0\r\nX-T: 1\r\n\r\n"
        );
        assert_eq!(wire.writes, 1);
    }

    #[test]
    fn content_type_lines_name_the_content_types() {
        for (line, ct) in [
            (DEFAULT_CONTENT_TYPE_LINE, DEFAULT_CONTENT_TYPE),
            (
                HTTP_INTEGRATION_CONTENT_TYPE_LINE,
                HTTP_INTEGRATION_CONTENT_TYPE,
            ),
        ] {
            assert_eq!(line, format!("Content-Type: {ct}\r\n\r\n").as_bytes());
        }
        assert_eq!(PRELUDE_END_AND_SEPARATOR[2..5], *b"8\r\n");
        assert_eq!(PRELUDE_END_AND_SEPARATOR[5..13], [0; PRELUDE_SEPARATOR_LEN]);
    }

    /// The chunks' data, in order, and what follows the last chunk.
    fn chunks(mut wire: &[u8]) -> (Vec<Vec<u8>>, Vec<u8>) {
        let mut out = Vec::new();
        loop {
            let line = wire.iter().position(|&b| b == b'\n').unwrap();
            let size = usize::from_str_radix(std::str::from_utf8(&wire[..line - 1]).unwrap(), 16);
            wire = &wire[line + 1..];
            match size.unwrap() {
                0 => return (out, wire.to_vec()),
                n => {
                    out.push(wire[..n].to_vec());
                    assert_eq!(&wire[n..n + 2], b"\r\n");
                    wire = &wire[n + 2..];
                }
            }
        }
    }

    #[test]
    fn the_prelude_and_its_separator_are_chunks_of_their_own() {
        const HEAD: &[u8] =
            b"H\r\nContent-Type: application/vnd.awslambda.http-integration-response\r\n\r\n";
        let prelude = br#"{"statusCode":200,"headers":{"a":"b"},"cookies":["k=v"]}"#.to_vec();
        let big = vec![b'x'; STREAM_CHUNK_LEN + 1];
        type Body = fn(&mut Stream<'_>, &[u8]) -> io::Result<()>;
        let cases: [(&str, Body, Vec<&[u8]>, usize); 4] = [
            (
                "small body",
                |s, _| s.write_bytes(b"body"),
                vec![b"body"],
                2,
            ),
            ("no body", |_, _| Ok(()), vec![], 2),
            ("flushed", |s, _| s.flush(), vec![], 2),
            // The prelude is flushed before a large write goes out alone.
            ("large body", |s, big| s.write_bytes(big), vec![&big], 3),
        ];
        for (name, body, expected_body, writes) in cases {
            let mut wire = Wire::default();
            let mut pending = Vec::new();
            let mut s = Stream::new(&mut wire, b"H\r\n", &mut pending);
            s.http_prelude(200, &[("a", "b")], &["k=v"]).unwrap();
            body(&mut s, &big).unwrap();
            s.finish(b"").unwrap();
            let rest = wire.bytes.strip_prefix(HEAD).expect(name);
            let (got, trailer) = chunks(rest);
            let mut expected = vec![prelude.clone(), vec![0; 8]];
            expected.extend(expected_body.iter().map(|b| b.to_vec()));
            assert_eq!(got, expected, "{name}");
            assert_eq!(trailer, b"\r\n", "{name}");
            assert_eq!(
                wire.writes, writes,
                "{name}: prelude, separator and body in one writev"
            );
        }
    }

    #[test]
    fn the_prelude_must_come_first() {
        let mut wire = Wire::default();
        let mut pending = Vec::new();
        let mut s = Stream::new(&mut wire, b"", &mut pending);
        s.write_bytes(b"x").unwrap();
        assert!(s.http_prelude(200, &[], &[]).is_err());
    }
}
