//! The handler's output: a writer into the runtime's reused send buffer.

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
/// # let mut out = lambda_zero::Output::for_test(&mut buf);
/// out.write_bytes(b"{\"n\":");
/// write!(out, "{}", 42).unwrap();
/// out.write_bytes(b"}");
/// assert_eq!(out.as_bytes(), b"{\"n\":42}");
/// ```
#[derive(Debug)]
pub struct Output<'a> {
    buf: &'a mut Vec<u8>,
}

impl<'a> Output<'a> {
    pub(crate) fn new(buf: &'a mut Vec<u8>) -> Self {
        buf.clear();
        Output { buf }
    }

    /// A response writing into `buf` (cleared first), for testing handlers
    /// outside Lambda.
    pub fn for_test(buf: &'a mut Vec<u8>) -> Self {
        Output::new(buf)
    }

    /// Appends bytes.
    pub fn write_bytes(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// Appends `s` as the inside of a JSON string (quotes not included),
    /// escaping `"`, `\` and control characters.
    pub fn write_json_str(&mut self, s: &str) {
        crate::text::escape_json(self.buf, s);
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

impl io::Write for Output<'_> {
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

impl fmt::Write for Output<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.buf.extend_from_slice(s.as_bytes());
        Ok(())
    }
}
