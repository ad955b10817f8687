//! A minimal HTTP/1.1 client for one peer: bytes and framing, nothing about
//! Lambda.
//!
//! One [`Connection`] owns one stream and one receive buffer for the life of
//! the process. A request is written with one vectored write; the answer is
//! read into the buffer (`httparse` parses the head into a fixed header
//! array, bodies are framed by `Content-Length` or decoded from chunked in
//! place), and [`Message`] hands out slices borrowed from the buffer. The
//! buffer grows only when a message is larger than any before, and never
//! past [`MAX_HEAD_LEN`] plus the body limit.
//!
//! The connection is generic over [`Connect`], so tests drive it through
//! transports that return one byte per read.

use std::fmt;
use std::io::{self, IoSlice, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// Largest response head accepted (status line and headers).
pub const MAX_HEAD_LEN: usize = 64 * 1024;
/// Header (or trailer) fields parsed without touching the heap; a head
/// with more (any number that fits in [`MAX_HEAD_LEN`]) is parsed into a
/// reused array grown to fit. A `/next` answer has at most ten (the five
/// `Lambda-Runtime-*` of every event, the client context and Cognito
/// identity, `Content-Type`, `Date`, the framing), a `/response` answer
/// fewer. Sixteen, not more: httparse wants the array initialised (32
/// bytes a field) on every parse, and each of a Managed Instance's dozens
/// of workers touches it on its own stack; 64 cost 350 instructions an
/// invocation and a page of memory per worker more.
const STACK_HEADERS: usize = 16;
/// Largest chunk-size line (with extensions) accepted.
pub const MAX_CHUNK_LINE: usize = 4 * 1024;
/// The receive buffer's size at start: one page, which most `/next`
/// answers fit (a head of under 1 KB and an API Gateway event of a few
/// KB); the buffer grows for a longer head (up to [`MAX_HEAD_LEN`]) or a
/// larger body than any before, and never shrinks. Small, because it is
/// zeroed when made, so every byte of it is memory touched: one page fault
/// at start-up instead of two, and 256 KiB less for the 64 workers of a
/// Managed Instance (`scripts/load.sh --mi`, peak RSS).
const INITIAL_BUF_LEN: usize = 4 * 1024;
/// Growth granularity of the receive buffer past its first 64 KiB (below,
/// it grows to the next power of two).
const GROW_STEP: usize = 64 * 1024;
/// Most slices one request may be written from.
pub const MAX_IOVECS: usize = 8;
/// The largest body limit a connection takes ([`Connection::new`] clamps to
/// it), so every sum of offsets, limits and slack fits in a `usize`.
/// Half of `u32::MAX`, so that header offsets (kept as `u32`, after at
/// most one such body on a pipelined stream) always fit.
pub const MAX_BODY_LIMIT: usize = if ((u32::MAX / 2) as usize) < usize::MAX / 4 {
    (u32::MAX / 2) as usize
} else {
    usize::MAX / 4
};
/// Most bytes read and dropped past the body limit so that the connection
/// survives an oversized message; a larger one closes the connection.
pub const MAX_DRAIN_LEN: u64 = 64 * 1024 * 1024;

/// Why an exchange failed. No variant allocates except `Io`/`Connect`,
/// whose OS errors do not either.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// Connecting failed.
    Connect(io::Error),
    /// Reading or writing failed.
    Io(io::Error),
    /// The peer closed the connection before the message was complete.
    Closed,
    /// The peer sent nothing for longer than the I/O timeout while an
    /// answer was due.
    TimedOut,
    /// The response head is not HTTP/1.x.
    Malformed(httparse::Error),
    /// The response head is longer than [`MAX_HEAD_LEN`].
    HeadTooLarge,
    /// `Content-Length` is not a decimal number that fits.
    InvalidContentLength,
    /// Conflicting framing: several different `Content-Length`s, or
    /// `Content-Length` together with `Transfer-Encoding`.
    ConflictingFraming,
    /// A `Transfer-Encoding` other than `chunked`.
    UnsupportedTransferEncoding,
    /// A malformed chunk-size line or chunk delimiter.
    InvalidChunk,
    /// The body is larger than the limit.
    BodyTooLarge {
        /// The limit, in bytes.
        limit: usize,
    },
}

impl Error {
    /// True when the error says only that the peer went away: on a reused
    /// connection with nothing received yet, the request may be retried on
    /// a fresh one.
    fn is_disconnect(&self) -> bool {
        match self {
            Error::Closed => true,
            Error::Io(e) => matches!(
                e.kind(),
                io::ErrorKind::BrokenPipe
                    | io::ErrorKind::ConnectionReset
                    | io::ErrorKind::ConnectionAborted
                    | io::ErrorKind::NotConnected
                    | io::ErrorKind::UnexpectedEof
            ),
            _ => false,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::Connect(e) => write!(f, "cannot connect to the Runtime API: {e}"),
            Error::Io(e) => write!(f, "i/o error: {e}"),
            Error::Closed => f.write_str("connection closed before the answer was complete"),
            Error::TimedOut => f.write_str("timed out waiting for the Runtime API"),
            Error::Malformed(e) => write!(f, "malformed response head: {e}"),
            Error::HeadTooLarge => {
                write!(f, "response head larger than {MAX_HEAD_LEN} bytes")
            }
            Error::InvalidContentLength => f.write_str("invalid Content-Length"),
            Error::ConflictingFraming => {
                f.write_str("conflicting Content-Length / Transfer-Encoding headers")
            }
            Error::UnsupportedTransferEncoding => {
                f.write_str("unsupported Transfer-Encoding (only chunked is)")
            }
            Error::InvalidChunk => f.write_str("malformed chunked body"),
            Error::BodyTooLarge { limit } => write!(f, "body larger than {limit} bytes"),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Connect(e) | Error::Io(e) => Some(e),
            // `Malformed`'s message already holds httparse's (whose
            // `std::error::Error` impl needs its `std` feature, which the
            // default `bootstrap` leaves off: see `simd-detect`).
            _ => None,
        }
    }
}

/// Opens streams to the peer; called again to reconnect.
pub trait Connect {
    /// The stream type.
    type Stream: Read + Write;
    /// Opens a new stream.
    fn connect(&mut self) -> io::Result<Self::Stream>;
    /// Lets reads on `stream` wait without a time limit (`true`), or
    /// bounds them again by the I/O timeout (`false`). Transports without
    /// time-outs keep the default, which does nothing.
    fn set_unbounded_reads(&self, stream: &Self::Stream, unbounded: bool) -> io::Result<()> {
        let _ = (stream, unbounded);
        Ok(())
    }
    /// Bounds each write on `stream` by `timeout` instead of the I/O
    /// timeout (a streamed response may stall on back-pressure until the
    /// invocation's deadline).
    fn set_write_timeout(&self, stream: &Self::Stream, timeout: Duration) -> io::Result<()> {
        let _ = (stream, timeout);
        Ok(())
    }
}

/// Connects over TCP with `TCP_NODELAY` and an I/O timeout (the longest the
/// peer may stay silent while an answer is due).
#[derive(Debug, Clone)]
pub struct TcpConnector {
    addrs: Vec<SocketAddr>,
    timeout: Duration,
}

impl TcpConnector {
    /// A connector trying `addrs` in order.
    pub fn new(addrs: Vec<SocketAddr>, timeout: Duration) -> TcpConnector {
        TcpConnector { addrs, timeout }
    }

    /// The addresses it tries.
    pub(crate) fn addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }
}

impl Connect for TcpConnector {
    type Stream = TcpStream;

    fn connect(&mut self) -> io::Result<TcpStream> {
        // No error built up front: io::Error::new allocates, and
        // reconnecting (after every streamed response) must not.
        let mut last = None;
        for addr in &self.addrs {
            // On loopback (where the Runtime API lives) a connect is
            // answered at once, accepted or refused: a blocking connect
            // costs one system call, where the time-out costs a
            // non-blocking connect, a poll and two fcntl calls.
            let connected = if addr.ip().is_loopback() {
                TcpStream::connect(addr)
            } else {
                TcpStream::connect_timeout(addr, self.timeout)
            };
            match connected {
                Ok(s) => {
                    s.set_nodelay(true)?;
                    // Every wait for an answer is bounded; a wait for an
                    // event is unbounded once it has lasted this long
                    // (see `Connection::read_more`).
                    s.set_read_timeout(Some(self.timeout))?;
                    s.set_write_timeout(Some(self.timeout))?;
                    return Ok(s);
                }
                Err(e) => last = Some(e),
            }
        }
        Err(last.unwrap_or_else(|| io::ErrorKind::AddrNotAvailable.into()))
    }

    fn set_unbounded_reads(&self, stream: &TcpStream, unbounded: bool) -> io::Result<()> {
        stream.set_read_timeout((!unbounded).then_some(self.timeout))
    }

    fn set_write_timeout(&self, stream: &TcpStream, timeout: Duration) -> io::Result<()> {
        stream.set_write_timeout(Some(timeout.max(self.timeout)))
    }
}

/// Whether the answer to a pipelined request came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pipelined {
    /// Its head is read; [`Connection::read_body`] next.
    Answered,
    /// It will not come; send the request again.
    NotAnswered {
        /// The first answer kept the connection open, yet the peer closed
        /// it before answering: it does not serve pipelined requests.
        kept_alive: bool,
    },
}

/// How long to wait for the first byte of an answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wait {
    /// Forever (`GET /next` blocks until an event arrives, possibly for
    /// minutes with the sandbox frozen). The I/O timeout still applies to
    /// the first wait, so a busy connection never changes its socket
    /// options; once it expires the read blocks without a time limit, so
    /// an idle worker sleeps instead of waking up every few seconds.
    Forever,
    /// At most the connector's I/O timeout of silence.
    Bounded,
}

/// Outcome of parsing what has arrived of a head.
enum Head {
    Complete,
    Partial,
    /// An interim 1xx answer, now dropped from the buffer.
    Interim,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Framing {
    Empty,
    Length(u64),
    Chunked,
    UntilClose,
}

/// Byte offsets of one header's name and value in the receive buffer
/// (offsets, not slices, so the buffer can grow while the body is read).
#[derive(Debug, Clone, Copy, Default)]
struct Field {
    name: (u32, u32),
    value: (u32, u32),
}

/// An HTTP/1.1 client connection, reused for every request.
pub struct Connection<C: Connect> {
    connector: C,
    stream: Option<C::Stream>,
    /// The stream has carried a complete exchange (so a silent close by
    /// the peer before any answer byte means "stale", not "broken").
    reused: bool,
    /// Reads on the stream currently wait without a time limit.
    unbounded: bool,
    /// The last request was sent a second time on a fresh connection.
    resent: bool,
    /// Bytes that followed the last complete answer, dropped with the
    /// connection they came on.
    unsolicited: usize,
    /// The last body was larger than the limit and was read and dropped.
    too_large: bool,
    /// Answers still due on the stream: 2 after a pipelined request pair
    /// until the first is read, else at most 1.
    outstanding: u8,
    /// Where the current message starts in `buf`: 0, or the end of the
    /// answer before it when two came on one pipelined stream.
    start: usize,
    buf: Vec<u8>,
    /// Bytes of `buf` holding data received.
    filled: usize,
    /// End of the current message in `buf` (what follows is leftover).
    end: usize,
    status: u16,
    head_len: usize,
    fields: Vec<Field>,
    /// httparse's header array for heads with more than
    /// [`STACK_HEADERS`] fields, kept empty between parses so that its
    /// allocation is reused (see [`reuse_headers`]).
    spare_headers: Vec<httparse::Header<'static>>,
    framing: Framing,
    keep_alive: bool,
    body: (usize, usize),
    max_body_len: usize,
}

impl<C: Connect> Connection<C> {
    /// A connection that opens its stream on first use. Bodies longer than
    /// `max_body_len` (clamped to [`MAX_BODY_LIMIT`]) are refused with
    /// [`Error::BodyTooLarge`].
    pub fn new(connector: C, max_body_len: usize) -> Self {
        Connection {
            connector,
            stream: None,
            reused: false,
            unbounded: false,
            resent: false,
            unsolicited: 0,
            too_large: false,
            outstanding: 0,
            start: 0,
            buf: vec![0; INITIAL_BUF_LEN],
            filled: 0,
            end: 0,
            status: 0,
            head_len: 0,
            fields: Vec::with_capacity(STACK_HEADERS),
            spare_headers: Vec::new(),
            framing: Framing::Empty,
            keep_alive: false,
            body: (0, 0),
            max_body_len: max_body_len.min(MAX_BODY_LIMIT),
        }
    }

    /// Opens the stream now rather than on the first request.
    #[cfg_attr(not(feature = "fuzz-bench-internals"), allow(dead_code))] // tests and fuzz targets use it
    pub fn connect(&mut self) -> Result<(), Error> {
        if self.stream.is_none() {
            self.open()?;
        }
        Ok(())
    }

    /// A new, unopened connection with the same connector and limits.
    pub fn sibling(&self) -> Self
    where
        C: Clone,
    {
        Connection::new(self.connector.clone(), self.max_body_len)
    }

    /// Refuses bodies longer than `len` (clamped to [`MAX_BODY_LIMIT`])
    /// from now on.
    pub fn set_max_body_len(&mut self, len: usize) {
        self.max_body_len = len.min(MAX_BODY_LIMIT);
    }

    /// True while a stream is open.
    #[cfg_attr(not(feature = "fuzz-bench-internals"), allow(dead_code))] // tests and fuzz targets use it
    pub fn is_open(&self) -> bool {
        self.stream.is_some()
    }

    /// Closes the stream; the next request opens a new one. The last
    /// message stays readable until then.
    pub fn close(&mut self) {
        self.stream = None;
        self.reused = false;
        self.unbounded = false;
    }

    /// The connector new streams come from.
    pub(crate) fn connector(&self) -> &C {
        &self.connector
    }

    /// The receive buffer's current size (it only grows).
    pub fn buffer_len(&self) -> usize {
        self.buf.len()
    }

    /// True when the last request went out twice: the stream it was first
    /// written to was reset before any byte of the answer came (see
    /// [`request`](Self::request)).
    pub fn resent(&self) -> bool {
        self.resent
    }

    /// How many bytes followed the last complete answer. They are never
    /// read as a next answer: they were dropped with their connection.
    pub fn unsolicited_bytes(&self) -> usize {
        self.unsolicited
    }

    fn open(&mut self) -> Result<(), Error> {
        self.close();
        let stream = self.connector.connect().map_err(Error::Connect)?;
        self.stream = Some(stream);
        Ok(())
    }

    /// The last message and the open stream (opened now if need be), at
    /// once: a request can be written while the answer just read is still
    /// borrowed (a streamed response to the event being handled). Its
    /// answer is then read with [`read_answer`](Self::read_answer).
    /// `write_timeout` bounds each write on the stream from now on (the
    /// connection is closed after such an exchange).
    pub fn open_for_request(
        &mut self,
        write_timeout: Option<Duration>,
    ) -> Result<(Message<'_>, &mut C::Stream), Error> {
        if self.stream.is_none() {
            self.open()?;
        }
        let stream = self.stream.as_mut().ok_or(Error::Closed)?;
        if let Some(timeout) = write_timeout {
            self.connector
                .set_write_timeout(stream, timeout)
                .map_err(Error::Io)?;
        }
        let msg = Message::new(self.status, &self.buf, &self.fields, self.body);
        Ok((msg, stream))
    }

    /// Reads the head of the answer to a request written through
    /// [`open_for_request`](Self::open_for_request) (no retry: the request
    /// cannot be replayed).
    pub fn read_answer(&mut self, wait: Wait) -> Result<(), Error> {
        self.discard_message();
        self.resent = false;
        let result = self.read_head(wait);
        if result.is_err() {
            self.close();
        }
        result
    }

    /// Writes one request (the concatenation of `parts`, in one vectored
    /// write where the kernel allows) and reads the answer's head.
    ///
    /// On a reused connection that the peer closed meanwhile (EOF or reset
    /// before any byte of the answer), reconnects and sends once more.
    /// After `Ok`, [`status`](Self::status) and [`message`](Self::message)
    /// describe the head; call [`read_body`](Self::read_body) next.
    pub fn request(&mut self, parts: &[&[u8]], wait: Wait) -> Result<(), Error> {
        self.send(parts, wait, 1)
    }

    /// Like [`request`](Self::request), with a second request, `next`,
    /// pipelined behind the first in the same vectored write (RFC 9112
    /// §9.3.2). The first answer is read as usual; bytes after it are kept
    /// for the second, which [`read_pipelined`](Self::read_pipelined)
    /// reads. Only one further answer is expected: whatever follows it is
    /// unsolicited, as ever.
    pub fn request_pipelined(&mut self, parts: &[&[u8]], next: &[u8]) -> Result<(), Error> {
        let mut all: [&[u8]; MAX_IOVECS] = [&[]; MAX_IOVECS];
        if parts.len() >= MAX_IOVECS {
            return Err(Error::Io(io::ErrorKind::InvalidInput.into()));
        }
        all[..parts.len()].copy_from_slice(parts);
        all[parts.len()] = next;
        self.send(&all[..=parts.len()], Wait::Bounded, 2)
    }

    /// Reads the head of the answer to the request pipelined by
    /// [`request_pipelined`](Self::request_pipelined), once the first
    /// answer's body is read. [`Pipelined::NotAnswered`] when it will not
    /// come: the first answer closed the connection, or the peer closed or
    /// reset it before any byte of the second (a server that does not
    /// serve pipelined requests); the request must then be sent again.
    pub fn read_pipelined(&mut self, wait: Wait) -> Result<Pipelined, Error> {
        if self.outstanding != 2 || self.stream.is_none() {
            self.close();
            return Ok(Pipelined::NotAnswered { kept_alive: false });
        }
        self.outstanding = 1;
        // The first answer is done with: its bytes stay where they are and
        // the second is read after them (no copy of what has arrived).
        self.start = self.end;
        self.fields.clear();
        self.body = (self.start, self.start);
        self.head_len = self.start;
        self.unsolicited = 0;
        self.too_large = false;
        match self.read_head(wait) {
            Ok(()) => Ok(Pipelined::Answered),
            Err(e) if e.is_disconnect() && self.filled == self.start => {
                self.close();
                Ok(Pipelined::NotAnswered { kept_alive: true })
            }
            Err(e) => {
                self.close();
                Err(e)
            }
        }
    }

    fn send(&mut self, parts: &[&[u8]], wait: Wait, answers: u8) -> Result<(), Error> {
        self.discard_message();
        self.resent = false;
        self.outstanding = answers;
        loop {
            let reused = self.stream.is_some() && self.reused;
            if self.stream.is_none() {
                self.open()?;
            }
            let stream = self.stream.as_mut().ok_or(Error::Closed)?;
            let result = match write_parts(stream, parts) {
                Ok(()) => self.read_head(wait),
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => return Ok(()),
                Err(e) => {
                    // A kept-alive connection the peer closed while idle
                    // (EOF or reset before any answer byte) is stale: send
                    // again, once, on a fresh one. RFC 9110 §9.2.2 says a
                    // client SHOULD NOT retry a non-idempotent request
                    // (a POST) automatically; we depart from it because
                    // the Runtime API makes the retry safe: a second answer
                    // for one invocation is refused with 400, which the
                    // runtime logs as "already answered" ([`resent`]).
                    // `self.reused` turns false once an interim answer
                    // came: the answer had begun, so nothing is replayed.
                    let stale = reused
                        && self.reused
                        && !self.resent
                        && self.filled == 0
                        && e.is_disconnect();
                    self.close();
                    if !stale {
                        return Err(e);
                    }
                    self.resent = true;
                }
            }
        }
    }

    /// Drops the previous message. Nothing follows it in the buffer:
    /// [`read_body`](Self::read_body) drops unsolicited bytes.
    fn discard_message(&mut self) {
        self.filled = 0;
        self.start = 0;
        self.end = 0;
        self.fields.clear();
        self.head_len = 0;
        self.body = (0, 0);
        self.unsolicited = 0;
        self.too_large = false;
    }

    /// Reads more bytes into the buffer after `filled` (which must leave
    /// room). `Wait::Forever` waits without a time limit once the I/O
    /// timeout has passed once, and bounds reads again when bytes come.
    fn read_more(&mut self, wait: Wait) -> Result<(), Error> {
        let stream = self.stream.as_mut().ok_or(Error::Closed)?;
        debug_assert!(self.filled < self.buf.len());
        loop {
            match stream.read(&mut self.buf[self.filled..]) {
                Ok(0) => return Err(Error::Closed),
                Ok(n) => {
                    self.filled += n;
                    if self.unbounded {
                        self.unbounded = false;
                        self.connector
                            .set_unbounded_reads(stream, false)
                            .map_err(Error::Io)?;
                    }
                    return Ok(());
                }
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) if is_timeout(&e) && wait == Wait::Forever => {
                    if !self.unbounded {
                        self.unbounded = true;
                        self.connector
                            .set_unbounded_reads(stream, true)
                            .map_err(Error::Io)?;
                    }
                }
                Err(e) if is_timeout(&e) => return Err(Error::TimedOut),
                Err(e) => return Err(Error::Io(e)),
            }
        }
    }

    /// Grows the buffer to at least `len` bytes: to a power of two up to
    /// `GROW_STEP` (an event of 5 KB takes 8 KiB, not 64), in `GROW_STEP`
    /// multiples past it.
    fn reserve(&mut self, len: usize) {
        if self.buf.len() < len {
            let len = if len <= GROW_STEP {
                len.next_power_of_two()
            } else {
                len.div_ceil(GROW_STEP) * GROW_STEP
            };
            self.buf.reserve_exact(len - self.buf.len());
            self.buf.resize(len, 0);
        }
    }

    /// Makes room for at least one more byte on the way to `target`:
    /// geometric growth, so a body is stored as it arrives (a peer that
    /// announces a large body and sends little costs little memory) with
    /// few reallocations, never past `target`.
    fn grow_towards(&mut self, target: usize) {
        if self.filled == self.buf.len() {
            let doubled = self.buf.len().saturating_mul(2);
            self.reserve(doubled.min(target).max(self.filled + 1));
        }
    }

    fn read_head(&mut self, wait: Wait) -> Result<(), Error> {
        let mut scanned = 0;
        // Bytes of 1xx answers skipped. RFC 9112 sets no bound on how many
        // may precede the final answer; a peer that sends nothing else
        // would hold the client for ever, so they are held to the head cap.
        let mut interim = 0;
        loop {
            if head_may_be_complete(&self.buf[self.start..self.filled], scanned) {
                let before = self.filled;
                match self.parse_head()? {
                    Head::Complete => return Ok(()),
                    Head::Partial => {}
                    Head::Interim => {
                        interim += before - self.filled;
                        if interim > MAX_HEAD_LEN {
                            return Err(Error::HeadTooLarge);
                        }
                        scanned = 0;
                        continue;
                    }
                }
            }
            scanned = self.filled - self.start;
            if scanned >= MAX_HEAD_LEN {
                return Err(Error::HeadTooLarge);
            }
            let wait = if scanned == 0 { wait } else { Wait::Bounded };
            self.grow_towards(self.start + MAX_HEAD_LEN);
            self.read_more(wait)?;
        }
    }

    /// Parses the head in `buf[..filled]`: into a stack array of
    /// [`STACK_HEADERS`] fields, or, for a head with more, into the reused
    /// spare array, grown to the number of lines the head can hold.
    fn parse_head(&mut self) -> Result<Head, Error> {
        let start = self.start;
        let received = &self.buf[start..self.filled];
        let mut stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
        let parsed = match parse_head_into(received, start, &mut stack, &mut self.fields) {
            Err(Error::Malformed(httparse::Error::TooManyHeaders)) => {
                let lines =
                    memchr::memchr_iter(b'\n', &received[..received.len().min(MAX_HEAD_LEN)])
                        .count();
                let mut headers = reuse_headers(std::mem::take(&mut self.spare_headers));
                headers.resize(lines, httparse::EMPTY_HEADER);
                let parsed = parse_head_into(received, start, &mut headers, &mut self.fields);
                self.spare_headers = reuse_headers(headers);
                match parsed {
                    // Every field takes a line: more than the head cap holds.
                    Err(Error::Malformed(httparse::Error::TooManyHeaders)) => {
                        Err(Error::HeadTooLarge)
                    }
                    other => other,
                }
            }
            other => other,
        }?;
        match parsed {
            Parsed::Partial => Ok(Head::Partial),
            Parsed::Interim(head_len) => {
                // Interim answer (100 Continue, 103 Early Hints): skip it.
                self.reused = false;
                self.buf.copy_within(start + head_len..self.filled, start);
                self.filled -= head_len;
                Ok(Head::Interim)
            }
            Parsed::Final {
                head_len,
                status,
                framing,
                keep_alive,
            } => {
                let head_end = start + head_len;
                self.framing = framing;
                self.status = status;
                self.keep_alive = keep_alive && framing != Framing::UntilClose;
                self.head_len = head_end;
                self.body = (head_end, head_end);
                self.end = head_end;
                Ok(Head::Complete)
            }
        }
    }

    /// Reads the body of the answer whose head [`request`](Self::request)
    /// read.
    ///
    /// A body over the limit is read and dropped (up to [`MAX_DRAIN_LEN`]
    /// past the limit, in the memory the buffer already has), so that the
    /// connection stays usable; that is [`Error::BodyTooLarge`] with the
    /// connection still open, and an empty body. On any other error the
    /// connection is closed (its state is unknown), so the next request
    /// reconnects.
    ///
    /// Bytes after the complete answer are never taken for a next answer
    /// (RFC 9112 §6.3: a client must not process extra data as a separate
    /// response): only one request is ever outstanding, so they are
    /// unsolicited, and the connection they came on is closed (counted in
    /// [`unsolicited_bytes`](Self::unsolicited_bytes)).
    pub fn read_body(&mut self) -> Result<(), Error> {
        let result = match self.framing {
            Framing::Empty => Ok(self.head_len),
            Framing::Length(n) if n > self.max_body_len as u64 => self.drain_length(n),
            Framing::Length(n) => self.read_length(n),
            Framing::Chunked => self.read_chunked(),
            Framing::UntilClose => self.read_until_close(),
        };
        match result {
            Ok(end) => {
                self.end = end;
                if self.outstanding == 2 && self.keep_alive {
                    // The start of the pipelined answer, if anything.
                    self.unsolicited = 0;
                } else {
                    self.unsolicited = self.filled - end;
                    // Leftovers never cross a request, nor a connection.
                    self.filled = end;
                }
                if self.keep_alive && self.unsolicited == 0 {
                    self.reused = true;
                } else {
                    // Keep the buffer (the message lives in it), drop the stream.
                    self.close();
                }
                if self.too_large {
                    self.body = (self.head_len, self.head_len);
                    return Err(Error::BodyTooLarge {
                        limit: self.max_body_len,
                    });
                }
                Ok(())
            }
            Err(e) => {
                self.close();
                Err(e)
            }
        }
    }

    fn read_length(&mut self, n: u64) -> Result<usize, Error> {
        // n <= max_body_len <= MAX_BODY_LIMIT: the sum cannot overflow.
        let end = self.head_len + n as usize;
        while self.filled < end {
            self.grow_towards(end);
            self.read_more(Wait::Bounded)?;
        }
        self.body = (self.head_len, end);
        Ok(end)
    }

    /// Reads and drops a `Content-Length` body over the limit, reusing the
    /// buffer's room after the head. Returns where the message ends in the
    /// buffer (after any dropping, so that what follows is unsolicited).
    fn drain_length(&mut self, n: u64) -> Result<usize, Error> {
        let limit = self.max_body_len;
        if n - limit as u64 > MAX_DRAIN_LEN {
            return Err(Error::BodyTooLarge { limit });
        }
        self.reserve(self.head_len + GROW_STEP);
        let mut left = n;
        loop {
            let have = (self.filled - self.head_len) as u64;
            if have >= left {
                self.too_large = true;
                return Ok(self.head_len + left as usize);
            }
            left -= have;
            self.filled = self.head_len;
            self.read_more(Wait::Bounded)?;
        }
    }

    fn read_until_close(&mut self) -> Result<usize, Error> {
        let limit = self.head_len + self.max_body_len;
        loop {
            if self.filled > limit {
                return Err(Error::BodyTooLarge {
                    limit: self.max_body_len,
                });
            }
            self.grow_towards(limit + 1);
            match self.read_more(Wait::Bounded) {
                Ok(()) => {}
                Err(Error::Closed) => break,
                Err(e) => return Err(e),
            }
        }
        if self.filled > limit {
            return Err(Error::BodyTooLarge {
                limit: self.max_body_len,
            });
        }
        self.body = (self.head_len, self.filled);
        Ok(self.filled)
    }

    /// Decodes a chunked body in place: chunk data is moved down over the
    /// size lines, so the body ends up contiguous right after the head.
    /// Past the limit, chunk data is dropped as it comes (up to
    /// [`MAX_DRAIN_LEN`] of it) and the body is reported too large.
    ///
    /// ```text
    /// chunked-body = *chunk last-chunk trailer-section CRLF
    /// chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
    /// last-chunk   = 1*("0") [ chunk-ext ] CRLF
    /// ```
    fn read_chunked(&mut self) -> Result<usize, Error> {
        let start = self.head_len;
        let mut out = start; // end of the decoded body
        let mut at = start; // next byte to decode
        let mut dropped: u64 = 0; // chunk data dropped past the limit
        loop {
            let (used, size) = loop {
                let line = &self.buf[at..self.filled];
                if let Some(&b) = line.first() {
                    if !b.is_ascii_hexdigit() {
                        return Err(Error::InvalidChunk);
                    }
                }
                // httparse refuses more than 16 hex digits, leading zeros
                // included, where chunk-size = 1*HEXDIG has no bound: a
                // departure the fault matrix pins; no Runtime API pads.
                match httparse::parse_chunk_size(line) {
                    Ok(httparse::Status::Complete((used, _))) if used > MAX_CHUNK_LINE => {
                        return Err(Error::InvalidChunk)
                    }
                    Ok(httparse::Status::Complete(v)) => break v,
                    Ok(httparse::Status::Partial) if line.len() < MAX_CHUNK_LINE => {
                        self.refill(&mut at, out)?;
                    }
                    _ => return Err(Error::InvalidChunk),
                }
            };
            at += used;
            if size == 0 {
                break;
            }
            // out - start <= max_body_len: no underflow.
            if self.too_large || size > (self.max_body_len - (out - start)) as u64 {
                self.too_large = true;
                dropped = dropped.saturating_add(size);
                if dropped > MAX_DRAIN_LEN {
                    return Err(Error::BodyTooLarge {
                        limit: self.max_body_len,
                    });
                }
            }
            let keep = !self.too_large;
            // size <= max_body_len, or <= MAX_DRAIN_LEN: fits a usize.
            let mut remaining = size as usize;
            while remaining > 0 {
                if at == self.filled {
                    // Everything received is decoded: read the rest of the
                    // chunk straight into place (or into the room past the
                    // body, when dropping).
                    at = out;
                    self.filled = out;
                    let want = if keep {
                        remaining
                    } else {
                        remaining.min(GROW_STEP)
                    };
                    self.grow_for(out + want + 2, start);
                    self.read_more(Wait::Bounded)?;
                }
                let n = remaining.min(self.filled - at);
                if keep {
                    if at != out {
                        self.buf.copy_within(at..at + n, out);
                    }
                    out += n;
                }
                at += n;
                remaining -= n;
            }
            while self.filled - at < 2 {
                self.refill(&mut at, out)?;
            }
            if &self.buf[at..at + 2] != b"\r\n" {
                return Err(Error::InvalidChunk);
            }
            at += 2;
        }
        // trailer-section = *( field-line CRLF ), then the final CRLF.
        loop {
            match parse_trailers(&self.buf[at..self.filled], &mut self.spare_headers) {
                Ok(httparse::Status::Complete(n)) if n > MAX_HEAD_LEN => {
                    return Err(Error::HeadTooLarge)
                }
                Ok(httparse::Status::Complete(n)) => {
                    at += n;
                    break;
                }
                Ok(httparse::Status::Partial) if self.filled - at < MAX_HEAD_LEN => {
                    self.refill(&mut at, out)?;
                }
                Ok(httparse::Status::Partial) => return Err(Error::HeadTooLarge),
                // `parse_trailers` sized its array to the lines within the
                // cap: more fields than that lie past it.
                Err(httparse::Error::TooManyHeaders) => return Err(Error::HeadTooLarge),
                Err(e) => return Err(Error::Malformed(e)),
            }
        }
        self.body = (start, out);
        Ok(at)
    }

    /// Moves the undecoded bytes `buf[at..filled]` down to `out`, makes
    /// room, and reads more.
    fn refill(&mut self, at: &mut usize, out: usize) -> Result<(), Error> {
        if *at != out {
            self.buf.copy_within(*at..self.filled, out);
            self.filled -= *at - out;
            *at = out;
        }
        if self.filled == self.buf.len() {
            self.grow_for(self.filled + 1, self.head_len);
        }
        self.read_more(Wait::Bounded)
    }

    /// Grows for a chunked body of unknown final size: geometrically (so a
    /// long run of small chunks costs few reallocations), never past the
    /// head plus the body limit plus slack.
    fn grow_for(&mut self, needed: usize, start: usize) {
        if needed > self.buf.len() {
            // Room for the body, then a chunk-size line or the trailers.
            // Every term is bounded (MAX_BODY_LIMIT): no overflow.
            let cap = start + self.max_body_len + MAX_HEAD_LEN.max(MAX_CHUNK_LINE) + GROW_STEP;
            let doubled = self.buf.len().saturating_mul(2).min(cap);
            self.reserve(needed.max(doubled));
        }
    }

    /// The status of the answer just read.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The answer just read: head, and body once [`read_body`](Self::read_body)
    /// succeeded (empty before).
    pub fn message(&self) -> Message<'_> {
        Message::new(self.status, &self.buf, &self.fields, self.body)
    }
}

impl<C: Connect> fmt::Debug for Connection<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Connection")
            .field("open", &self.stream.is_some())
            .field("reused", &self.reused)
            .field("buffer_len", &self.buf.len())
            .field("max_body_len", &self.max_body_len)
            .finish_non_exhaustive()
    }
}

/// An answer, borrowed from the connection's buffer.
#[derive(Clone, Copy)]
pub struct Message<'a> {
    status: u16,
    buf: &'a [u8],
    fields: &'a [Field],
    body: &'a [u8],
}

impl<'a> Message<'a> {
    fn new(status: u16, buf: &'a [u8], fields: &'a [Field], body: (usize, usize)) -> Self {
        Message {
            status,
            buf,
            fields,
            body: &buf[body.0..body.1],
        }
    }

    /// The status code.
    #[cfg_attr(not(feature = "fuzz-bench-internals"), allow(dead_code))] // tests and fuzz targets use it
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The body (de-chunked).
    pub fn body(&self) -> &'a [u8] {
        self.body
    }

    /// The first header named `name` (ASCII case-insensitive).
    #[cfg_attr(not(feature = "fuzz-bench-internals"), allow(dead_code))] // tests and fuzz targets use it
    pub fn header(&self, name: &str) -> Option<&'a [u8]> {
        self.headers()
            .find(|(n, _)| n.eq_ignore_ascii_case(name.as_bytes()))
            .map(|(_, v)| v)
    }

    /// Header `i` (in order of arrival) as (name, value) bytes.
    ///
    /// # Panics
    /// When `i` is not below the number of headers.
    pub(crate) fn field(&self, i: usize) -> (&'a [u8], &'a [u8]) {
        let f = self.fields[i];
        let buf = self.buf;
        (
            &buf[f.name.0 as usize..f.name.1 as usize],
            &buf[f.value.0 as usize..f.value.1 as usize],
        )
    }

    /// Every header, in order, as (name, value) bytes.
    pub fn headers(&self) -> impl Iterator<Item = (&'a [u8], &'a [u8])> + 'a {
        let msg = *self;
        (0..msg.fields.len()).map(move |i| msg.field(i))
    }
}

impl fmt::Debug for Message<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Message")
            .field("status", &self.status)
            .field("headers", &self.fields.len())
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Writes the concatenation of `parts` to `stream` with as few vectored
/// writes as the kernel allows (one, unless it takes them partially).
pub fn write_parts<W: Write + ?Sized>(stream: &mut W, parts: &[&[u8]]) -> Result<(), Error> {
    let mut iov = [IoSlice::new(&[]); MAX_IOVECS];
    let mut n = 0;
    for p in parts.iter().filter(|p| !p.is_empty()) {
        if n == MAX_IOVECS {
            return Err(Error::Io(io::Error::new(
                io::ErrorKind::InvalidInput,
                "too many parts",
            )));
        }
        iov[n] = IoSlice::new(p);
        n += 1;
    }
    let mut bufs = &mut iov[..n];
    while !bufs.is_empty() {
        match stream.write_vectored(bufs) {
            Ok(0) => return Err(Error::Io(io::ErrorKind::WriteZero.into())),
            Ok(written) => IoSlice::advance_slices(&mut bufs, written),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if is_timeout(&e) => return Err(Error::TimedOut),
            Err(e) => return Err(Error::Io(e)),
        }
    }
    Ok(())
}

/// What parsing a head found.
enum Parsed {
    Partial,
    /// A 1xx answer of this length.
    Interim(usize),
    Final {
        head_len: usize,
        status: u16,
        framing: Framing,
        keep_alive: bool,
    },
}

/// Parses the head at the start of `received` into `headers`, recording
/// each field's offsets in `fields`, and reads its framing.
fn parse_head_into<'b>(
    received: &'b [u8],
    offset: usize,
    headers: &mut [httparse::Header<'b>],
    fields: &mut Vec<Field>,
) -> Result<Parsed, Error> {
    let mut resp = httparse::Response::new(headers);
    // Departs from RFC 9112 §5.2, which has a user agent accept an
    // obs-fold (read as SP): it is refused as malformed. No Runtime API
    // folds (Go's net/http never does), and tests/faults.rs pins the refusal.
    let head_len = match resp.parse(received) {
        // The cap holds however the bytes arrived (a grown buffer can take
        // a whole oversized head in one read).
        Ok(httparse::Status::Complete(n)) if n > MAX_HEAD_LEN => return Err(Error::HeadTooLarge),
        Ok(httparse::Status::Complete(n)) => n,
        Ok(httparse::Status::Partial) => return Ok(Parsed::Partial),
        Err(e) => return Err(Error::Malformed(e)),
    };
    let status = resp.code.unwrap_or(0);
    if (100..200).contains(&status) && status != 101 {
        return Ok(Parsed::Interim(head_len));
    }
    let buf = &received[..head_len];
    let mut length: Option<u64> = None;
    let mut chunked = false;
    let mut keep_alive = resp.version == Some(1);
    // RFC 9112 §9.6: once "close" is seen no request may follow, whatever
    // other tokens (a later "keep-alive") say.
    let mut close = false;
    fields.clear();
    for h in resp.headers.iter() {
        fields.push(Field {
            name: span(buf, h.name.as_bytes(), offset),
            value: span(buf, h.value, offset),
        });
        if h.name.eq_ignore_ascii_case("content-length") {
            let n = parse_content_length(h.value).ok_or(Error::InvalidContentLength)?;
            if length.is_some_and(|l| l != n) {
                return Err(Error::ConflictingFraming);
            }
            length = Some(n);
        } else if h.name.eq_ignore_ascii_case("transfer-encoding") {
            // Exactly `chunked`, once. Departs from RFC 9110 §5.6.1, which
            // has a recipient ignore empty list elements (`chunked,`):
            // refused, as is any coding but chunked. No Runtime API sends one.
            if chunked || !trim(h.value).eq_ignore_ascii_case(b"chunked") {
                return Err(Error::UnsupportedTransferEncoding);
            }
            chunked = true;
        } else if h.name.eq_ignore_ascii_case("connection") {
            for token in h.value.split(|&b| b == b',') {
                let token = trim(token);
                if token.eq_ignore_ascii_case(b"close") {
                    close = true;
                } else if token.eq_ignore_ascii_case(b"keep-alive") {
                    keep_alive = true;
                }
            }
        }
    }
    // RFC 9112 §6.1: Transfer-Encoding in an HTTP/1.0 message means
    // faulty framing; the connection is closed after the message.
    if close || (chunked && resp.version == Some(0)) {
        keep_alive = false;
    }
    let framing = match (length, chunked) {
        (Some(_), true) => return Err(Error::ConflictingFraming),
        _ if status == 204 || status == 304 => Framing::Empty,
        (Some(n), false) => Framing::Length(n),
        (None, true) => Framing::Chunked,
        (None, false) => Framing::UntilClose,
    };
    Ok(Parsed::Final {
        head_len,
        status,
        framing,
        keep_alive,
    })
}

/// An empty header array of any lifetime with the allocation of `v`:
/// httparse's headers borrow the buffer they were parsed from, so the
/// array kept between parses is emptied and re-typed, which reuses its
/// allocation (the element types differ only in lifetime; the counting
/// allocator tests hold this to zero allocations).
fn reuse_headers<'a>(mut v: Vec<httparse::Header<'_>>) -> Vec<httparse::Header<'a>> {
    v.clear();
    v.into_iter().map(|_| httparse::EMPTY_HEADER).collect()
}

/// Parses a trailer section: on the stack for the usual few fields, in the
/// reused `spare` array (grown to the lines the bytes hold) beyond.
fn parse_trailers(
    bytes: &[u8],
    spare: &mut Vec<httparse::Header<'static>>,
) -> Result<httparse::Status<usize>, httparse::Error> {
    let mut stack = [httparse::EMPTY_HEADER; STACK_HEADERS];
    match httparse::parse_headers(bytes, &mut stack) {
        Err(httparse::Error::TooManyHeaders) => {}
        other => return other.map(status_len),
    }
    let lines = memchr::memchr_iter(b'\n', &bytes[..bytes.len().min(MAX_HEAD_LEN + 1)]).count();
    let mut headers = reuse_headers(std::mem::take(spare));
    headers.resize(lines, httparse::EMPTY_HEADER);
    let result = httparse::parse_headers(bytes, &mut headers).map(status_len);
    *spare = reuse_headers(headers);
    result
}

fn status_len<T>(status: httparse::Status<(usize, T)>) -> httparse::Status<usize> {
    match status {
        httparse::Status::Complete((n, _)) => httparse::Status::Complete(n),
        httparse::Status::Partial => httparse::Status::Partial,
    }
}

/// Where `part` (a slice httparse returned) lies within `buf`, as offsets;
/// `(0, 0)` for a slice from elsewhere (httparse's empty constants).
fn span(buf: &[u8], part: &[u8], offset: usize) -> (u32, u32) {
    let start = (part.as_ptr() as usize).wrapping_sub(buf.as_ptr() as usize);
    match start.checked_add(part.len()) {
        // Offsets fit: the head is within the first MAX_HEAD_LEN bytes
        // after `offset`, which is below MAX_BODY_LIMIT + MAX_HEAD_LEN.
        Some(end) if end <= buf.len() => ((offset + start) as u32, (offset + end) as u32),
        _ => (0, 0),
    }
}

fn is_timeout(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    )
}

/// Could `buf` hold a complete head? True once a line ending at or after
/// `from` closes an empty line (`\n\n` or `\n\r\n`), so the head is parsed
/// once or twice, not after every one-byte read. Empty lines before the
/// status line (which httparse skips) close nothing: parsed there, the
/// whole buffer would be, and whether bytes past them were malformed or
/// merely incomplete would depend on how they arrived.
fn head_may_be_complete(buf: &[u8], from: usize) -> bool {
    let lead = leading_empty_lines(buf);
    let from = from.saturating_sub(2).max(lead);
    memchr::memchr_iter(b'\n', &buf[from..]).any(|i| {
        let i = from + i;
        (i > lead && buf[i - 1] == b'\n')
            || (i >= lead + 2 && buf[i - 1] == b'\r' && buf[i - 2] == b'\n')
    })
}

/// Length of the empty lines (`\r\n` or `\n`) at the start of `buf`.
fn leading_empty_lines(buf: &[u8]) -> usize {
    let mut i = 0;
    loop {
        match &buf[i..] {
            [b'\n', ..] => i += 1,
            [b'\r', b'\n', ..] => i += 2,
            _ => return i,
        }
    }
}

fn trim(v: &[u8]) -> &[u8] {
    let start = v
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(v.len());
    let end = v
        .iter()
        .rposition(|b| !b.is_ascii_whitespace())
        .map_or(start, |e| e + 1);
    &v[start..end]
}

/// `Content-Length = 1*DIGIT` (no sign, no spaces inside), fitting in u64.
///
/// Departs from RFC 9112 §6.3, which processes a list of identical values
/// (`2, 2`) as that value, and from `1*DIGIT` itself for more than 19
/// digits with leading zeros: both are refused (tests/faults.rs and the
/// fuzz oracle pin this). No Runtime API sends either.
fn parse_content_length(v: &[u8]) -> Option<u64> {
    let v = trim(v);
    // At most 19 digits (what the fuzz oracle and RFC 9110's "a value
    // that fits" agree on); overflow is refused by the parser.
    if v.len() > 19 {
        return None;
    }
    crate::text::parse_u64(v)
}

#[cfg(test)]
mod tests;
