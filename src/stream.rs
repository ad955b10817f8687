//! Response streaming: the body goes out in HTTP chunks on the response
//! POST while the handler writes it (`Lambda-Runtime-Function-Response-Mode:
//! streaming`), so a payload of any size streams in constant memory.
//!
//! Bytes written are gathered in the reused send buffer and sent as one
//! chunk once [`STREAM_CHUNK_LEN`] bytes are pending, on
//! [`Stream::flush`], or when the handler returns; a write at least that
//! large goes out as its own chunk without being copied. Each chunk is one
//! `writev` (size line, data, CRLF); the request head rides with the first.
//!
//! An error or panic after the first chunk is reported in the trailers
//! `Lambda-Runtime-Function-Error-Type` and `Lambda-Runtime-Function-Error-Body`
//! (the error JSON, base64); before it, as a plain `/error` POST.

use crate::http;
use crate::response::escape_json;
use std::fmt;
use std::io::{self, Write};

/// Pending body bytes are sent as a chunk once they reach this many.
pub const STREAM_CHUNK_LEN: usize = 16 * 1024;
/// Content type of a streamed HTTP integration response (function URLs,
/// API Gateway streaming): a JSON prelude, 8 zero bytes, then the body.
pub const HTTP_INTEGRATION_CONTENT_TYPE: &str =
    "application/vnd.awslambda.http-integration-response";
/// Content type of any other streamed response.
pub const DEFAULT_CONTENT_TYPE: &str = "application/octet-stream";
/// The separator between the HTTP integration prelude and the body.
const PRELUDE_SEPARATOR: [u8; 8] = [0; 8];

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
    content_type: &'static str,
    pending: &'a mut Vec<u8>,
    started: bool,
    sent: u64,
    failed: Option<http::Error>,
}

impl<'a> Stream<'a> {
    pub(crate) fn new(socket: &'a mut dyn Write, head: &'a [u8], pending: &'a mut Vec<u8>) -> Self {
        pending.clear();
        Stream {
            socket,
            head,
            content_type: DEFAULT_CONTENT_TYPE,
            pending,
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
        self.content_type = HTTP_INTEGRATION_CONTENT_TYPE;
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
        p.extend_from_slice(&PRELUDE_SEPARATOR);
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
    /// if it has not gone out yet.
    fn send_chunk(&mut self, data: Option<&[u8]>) -> io::Result<()> {
        let data = data.unwrap_or(self.pending);
        let len = data.len();
        let mut size = [0u8; 18];
        let size = hex_line(&mut size, len);
        let head = self.unsent_head();
        let result = write_after(&mut *self.socket, head, [size, data, b"\r\n"]);
        self.record(result, len)?;
        self.pending.clear();
        Ok(())
    }

    /// The request head and content type, until they have gone out.
    fn unsent_head(&self) -> Option<(&'a [u8], &'static str)> {
        (!self.started).then_some((self.head, self.content_type))
    }

    fn record(&mut self, result: Result<(), http::Error>, len: usize) -> io::Result<()> {
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
    pub(crate) fn finish(mut self, trailers: &[u8]) -> Result<(), http::Error> {
        if self.failed.is_none() && !self.pending.is_empty() {
            let _ = self.send_chunk(None);
        }
        if let Some(e) = self.failed.take() {
            return Err(e);
        }
        let head = self.unsent_head();
        write_after(&mut *self.socket, head, [b"0\r\n", trailers, b"\r\n"])
    }
}

impl fmt::Debug for Stream<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stream")
            .field("content_type", &self.content_type)
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

/// Writes `parts` in one `writev`, after the request head (completed with
/// its `Content-Type` line) when it has not gone out yet.
fn write_after(
    socket: &mut dyn Write,
    head: Option<(&[u8], &str)>,
    parts: [&[u8]; 3],
) -> Result<(), http::Error> {
    match head {
        None => http::write_parts(socket, &parts),
        Some((head, content_type)) => {
            let ct = content_type.as_bytes();
            let [a, b, c] = parts;
            http::write_parts(socket, &[head, b"Content-Type: ", ct, b"\r\n\r\n", a, b, c])
        }
    }
}

/// `{len:x}\r\n` into `buf`, returned as a slice of it.
fn hex_line(buf: &mut [u8; 18], len: usize) -> &[u8] {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut i = 16;
    let mut n = len;
    loop {
        i -= 1;
        buf[i] = HEX[n & 15];
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
    fn the_prelude_must_come_first() {
        let mut wire = Wire::default();
        let mut pending = Vec::new();
        let mut s = Stream::new(&mut wire, b"", &mut pending);
        s.write_bytes(b"x").unwrap();
        assert!(s.http_prelude(200, &[], &[]).is_err());
    }
}
