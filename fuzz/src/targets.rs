//! The fuzz targets, shared: `cargo fuzz` runs them from `fuzz_targets/*.rs`
//! (coverage-guided, nightly), and `tests/props.rs` includes this very file
//! (`#[path = "../fuzz/src/targets.rs"]`) to run every corpus input and a
//! generated input set on stable inside `cargo test`.
//!
//! Each target takes arbitrary bytes and panics on a finding. The checks are
//! oracles, not just "does not crash":
//!
//! - [`http_response`] / [`chunked_body`]: the real [`Connection`] driven
//!   through a scripted transport (one byte per read, 7, everything at once,
//!   and two cut patterns taken from the input) must agree with
//!   [`reference`], a naive allocating split-based parser written from the
//!   grammar, on every exchange: same status, headers and body, or the same
//!   class of error. So any dependence on how the bytes arrive is a finding.
//! - [`runtime_api`]: `Endpoint::parse` against a naive reading of the
//!   grammar in `src/config.rs`, plus a round trip.
//! - [`request_id`]: `push_path_segment` against a naive encoder, the
//!   decoded path segment equals the id, and the id carried by a `/next`
//!   answer reaches the `POST` path of a real `Runtime` encoded that way.
//!
//! Only `std` and `lambda_zero`: nothing here may need `libfuzzer-sys`.
#![allow(dead_code)]

use lambda_zero::internals::Endpoint;
use lambda_zero::internals::{
    Connect, Connection, HttpError, Wait, MAX_CHUNK_LINE, MAX_DRAIN_LEN, MAX_HEAD_LEN,
};
use std::cell::RefCell;
use std::io::{self, Read, Write};
use std::rc::Rc;

// ---------------------------------------------------------------------------
// A scripted transport

/// A stream that returns `data` in reads of at most `per_read` bytes, never
/// crossing a cut point, then EOF. Writes are kept in `written`.
///
/// Like a strict server, it answers request `k` only once it is written:
/// reads stop at `releases[k]` (the end of answer `k`) until request `k + 1`
/// comes; past the last release everything is there. A read at a release
/// point fails with `WouldBlock` (a time-out): the client asked for bytes
/// the server has no reason to send yet.
pub struct Scripted {
    data: Vec<u8>,
    pos: usize,
    cuts: Vec<usize>,
    per_read: usize,
    releases: Vec<usize>,
    writes: usize,
    written: Rc<RefCell<Vec<u8>>>,
}

impl Read for Scripted {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let released = self
            .releases
            .get(self.writes.saturating_sub(1))
            .copied()
            .unwrap_or(self.data.len());
        if self.pos >= released && released < self.data.len() {
            return Err(io::ErrorKind::WouldBlock.into());
        }
        let mut end = released.min(self.pos.saturating_add(self.per_read));
        if let Some(&cut) = self.cuts.iter().find(|&&c| c > self.pos) {
            end = end.min(cut);
        }
        let n = (end - self.pos).min(buf.len());
        buf[..n].copy_from_slice(&self.data[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for Scripted {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writes += 1;
        self.written.borrow_mut().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Hands out one scripted stream, then refuses (so a reconnect ends the run).
pub struct OneStream {
    stream: Option<Scripted>,
    pub written: Rc<RefCell<Vec<u8>>>,
}

impl OneStream {
    /// `data` served in reads of at most `per_read` bytes, split at `cuts`,
    /// everything at once (no request gating).
    pub fn new(data: &[u8], per_read: usize, cuts: &[usize]) -> OneStream {
        OneStream::gated(data, per_read, cuts, Vec::new())
    }

    /// The same, answer `k` released only once request `k` is written
    /// (`releases`: see [`Scripted`]).
    pub fn gated(data: &[u8], per_read: usize, cuts: &[usize], releases: Vec<usize>) -> OneStream {
        let written = Rc::new(RefCell::new(Vec::new()));
        let mut cuts = cuts.to_vec();
        cuts.sort_unstable();
        OneStream {
            stream: Some(Scripted {
                data: data.to_vec(),
                pos: 0,
                cuts,
                per_read: per_read.max(1),
                releases,
                writes: 0,
                written: written.clone(),
            }),
            written,
        }
    }
}

impl Connect for OneStream {
    type Stream = Scripted;
    fn connect(&mut self) -> io::Result<Scripted> {
        self.stream
            .take()
            .ok_or_else(|| io::ErrorKind::ConnectionRefused.into())
    }
}

// ---------------------------------------------------------------------------
// Outcomes, comparable between the real client and the reference

/// One exchange's result.
#[derive(Clone, PartialEq, Eq)]
pub enum Outcome {
    Answer {
        status: u16,
        headers: Vec<(Vec<u8>, Vec<u8>)>,
        body: Vec<u8>,
    },
    Failed(Fail),
}

/// Up to 60 bytes of `b`, escaped, and its length when longer.
fn short(b: &[u8]) -> String {
    let shown: String = b[..b.len().min(60)].escape_ascii().to_string();
    if b.len() > 60 {
        format!("{shown}... ({} bytes)", b.len())
    } else {
        shown
    }
}

impl std::fmt::Debug for Outcome {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Outcome::Failed(fail) => write!(f, "Failed({fail:?})"),
            Outcome::Answer {
                status,
                headers,
                body,
            } => {
                write!(f, "Answer({status}, [")?;
                for (n, v) in headers {
                    write!(f, "{}: {}; ", short(n), short(v))?;
                }
                write!(f, "], body {:?})", short(body))
            }
        }
    }
}

/// Classes of failure (the detail of a malformed head is httparse's).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fail {
    /// Reconnecting was refused: the transport had no more streams.
    Connect,
    Closed,
    Malformed,
    HeadTooLarge,
    InvalidContentLength,
    ConflictingFraming,
    UnsupportedTransferEncoding,
    InvalidChunk,
    BodyTooLarge,
    Other(String),
}

fn classify(e: &HttpError) -> Fail {
    match e {
        HttpError::Connect(_) => Fail::Connect,
        HttpError::Closed => Fail::Closed,
        HttpError::Malformed(_) => Fail::Malformed,
        HttpError::HeadTooLarge => Fail::HeadTooLarge,
        HttpError::InvalidContentLength => Fail::InvalidContentLength,
        HttpError::ConflictingFraming => Fail::ConflictingFraming,
        HttpError::UnsupportedTransferEncoding => Fail::UnsupportedTransferEncoding,
        HttpError::InvalidChunk => Fail::InvalidChunk,
        HttpError::BodyTooLarge { .. } => Fail::BodyTooLarge,
        other => Fail::Other(other.to_string()),
    }
}

/// The request the client sends each time (its content does not matter).
const REQUEST: &[u8] = b"GET /next HTTP/1.1\r\nHost: fuzz\r\n\r\n";

/// Runs up to `max` exchanges of the real client over `data` (one stream,
/// read as `per_read` bytes at a time and split at `cuts`, each answer
/// released when its request is written, where the reference says it
/// ends); stops after the first failure.
pub fn real_exchanges(
    data: &[u8],
    per_read: usize,
    cuts: &[usize],
    max_body: usize,
    max: usize,
) -> Vec<Outcome> {
    let releases = reference::releases(data, max_body, max);
    let stream = OneStream::gated(data, per_read, cuts, releases);
    let mut conn = Connection::new(stream, max_body);
    let mut out = Vec::new();
    for _ in 0..max {
        let result = conn
            .request(&[REQUEST], Wait::Forever)
            .and_then(|()| conn.read_body());
        match result {
            Ok(()) => {
                let m = conn.message();
                out.push(Outcome::Answer {
                    status: m.status(),
                    headers: m.headers().map(|(n, v)| (n.to_vec(), v.to_vec())).collect(),
                    body: m.body().to_vec(),
                });
            }
            Err(e) => {
                out.push(Outcome::Failed(classify(&e)));
                break;
            }
        }
    }
    out
}

// ---------------------------------------------------------------------------
// The reference: naive, allocating, one complete buffer, written from the
// grammar (RFC 9112 as httparse reads it) and the limits in src/http.rs. It
// decides as a client reading one byte at a time would: a limit is hit as
// soon as that many bytes have arrived without a decision.

pub mod reference {
    use super::{Fail, Outcome, MAX_CHUNK_LINE, MAX_DRAIN_LEN, MAX_HEAD_LEN};

    /// Runs up to `max` exchanges over the byte stream `data`.
    pub fn exchanges(data: &[u8], max_body: usize, max: usize) -> Vec<Outcome> {
        run(data, max_body, max).0
    }

    /// Where each answer that leaves the stream open for another ends in
    /// `data`: what a strict server has sent once that many requests came.
    pub fn releases(data: &[u8], max_body: usize, max: usize) -> Vec<usize> {
        run(data, max_body, max).1
    }

    fn run(data: &[u8], max_body: usize, max: usize) -> (Vec<Outcome>, Vec<usize>) {
        let mut out = Vec::new();
        let mut releases = Vec::new();
        let mut rest = data;
        let mut reused = false;
        let mut open = true;
        for _ in 0..max {
            // A closed stream, or a kept-alive one found closed before any
            // byte (retried once): a reconnect, which the transport refuses.
            if !open || (reused && rest.is_empty()) {
                out.push(Outcome::Failed(Fail::Connect));
                break;
            }
            match one(rest, max_body) {
                Ok((status, headers, body, used, keep_alive)) => {
                    out.push(Outcome::Answer {
                        status,
                        headers,
                        body,
                    });
                    rest = &rest[used..];
                    reused = keep_alive;
                    open = keep_alive;
                    if keep_alive {
                        releases.push(data.len() - rest.len());
                    }
                }
                Err(f) => {
                    out.push(Outcome::Failed(f));
                    break;
                }
            }
        }
        (out, releases)
    }

    type Header = (Vec<u8>, Vec<u8>);
    type One = (u16, Vec<Header>, Vec<u8>, usize, bool);

    struct Head {
        version: u8,
        status: u16,
        headers: Vec<Header>,
        len: usize,
    }

    fn is_tchar(b: u8) -> bool {
        b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b)
    }

    /// field-value bytes: HTAB, SP, VCHAR, obs-text.
    fn is_value_byte(b: u8) -> bool {
        b == b'\t' || (0x20..=0x7e).contains(&b) || b >= 0x80
    }

    fn trim_sp_tab(mut v: &[u8]) -> &[u8] {
        while let [b' ' | b'\t', r @ ..] = v {
            v = r;
        }
        while let [r @ .., b' ' | b'\t'] = v {
            v = r;
        }
        v
    }

    fn trim_ascii_ws(v: &[u8]) -> &[u8] {
        let s = v
            .iter()
            .position(|b| !b.is_ascii_whitespace())
            .unwrap_or(v.len());
        let e = v
            .iter()
            .rposition(|b| !b.is_ascii_whitespace())
            .map_or(s, |e| e + 1);
        &v[s..e]
    }

    /// The lines of `bytes`, each `(content without CR LF or LF, end
    /// offset, complete)`, up to and including the first empty complete
    /// one if `stop_at_empty`; `Err` at a line holding a CR not followed by LF (only an
    /// unterminated tail may end in a lone CR: more may come).
    fn lines(bytes: &[u8], stop_at_empty: bool) -> Result<Vec<(Vec<u8>, usize, bool)>, ()> {
        let mut out = Vec::new();
        let mut start = 0;
        for piece in bytes.split_inclusive(|&b| b == b'\n') {
            let end = start + piece.len();
            let complete = piece.ends_with(b"\n");
            let mut content = if complete {
                &piece[..piece.len() - 1]
            } else {
                piece
            };
            if complete && content.ends_with(b"\r") {
                content = &content[..content.len() - 1];
            }
            let stray = content
                .iter()
                .enumerate()
                .any(|(i, &b)| b == b'\r' && (complete || i + 1 < content.len()));
            if stray {
                return Err(());
            }
            out.push((content.to_vec(), end, complete));
            if stop_at_empty && complete && content.is_empty() {
                break;
            }
            start = end;
        }
        Ok(out)
    }

    /// Checks one header line (complete or, at the end of the data, not):
    /// `Err` if malformed so far, `Ok(None)` if incomplete but fine so far.
    fn header_line(line: &[u8], complete: bool) -> Result<Option<Header>, ()> {
        // An unterminated line may end in the CR of its CRLF, but only an
        // empty line or a value can hold it: in a name it is refused.
        let pending_cr = !complete && (line == b"\r" || line.contains(&b':'));
        let line = match line.strip_suffix(b"\r") {
            Some(l) if pending_cr => l,
            _ => line,
        };
        let colon = line.iter().position(|&b| b == b':');
        let name = &line[..colon.unwrap_or(line.len())];
        if !name.iter().all(|&b| is_tchar(b)) || (colon.is_some() && name.is_empty()) {
            return Err(());
        }
        if name.is_empty() && !line.is_empty() {
            return Err(());
        }
        let Some(colon) = colon else {
            return if complete { Err(()) } else { Ok(None) };
        };
        let value = &line[colon + 1..];
        if !value.iter().all(|&b| is_value_byte(b)) {
            return Err(());
        }
        if !complete {
            return Ok(None);
        }
        Ok(Some((name.to_vec(), trim_sp_tab(value).to_vec())))
    }

    /// Parses a head from `bytes`, which ends with an empty line.
    /// `Ok(None)`: nothing but empty lines yet.
    fn head(bytes: &[u8]) -> Result<Option<Head>, ()> {
        let lines = lines(bytes, false)?;
        let mut it = lines
            .iter()
            .skip_while(|(c, _, complete)| c.is_empty() && *complete);
        let Some((status_line, _, true)) = it.next() else {
            return Ok(None);
        };
        let (version, rest) = if let Some(r) = status_line.strip_prefix(b"HTTP/1.1 ") {
            (1, r)
        } else if let Some(r) = status_line.strip_prefix(b"HTTP/1.0 ") {
            (0, r)
        } else {
            return Err(());
        };
        if rest.len() < 3 || !rest[..3].iter().all(u8::is_ascii_digit) {
            return Err(());
        }
        let status = rest[..3]
            .iter()
            .fold(0u16, |n, d| n * 10 + u16::from(d - b'0'));
        match &rest[3..] {
            [] => {}
            [b' ', reason @ ..] if reason.iter().all(|&b| is_value_byte(b)) => {}
            _ => return Err(()),
        }
        let mut headers = Vec::new();
        for (content, end, complete) in it {
            if !complete {
                return Err(()); // cannot happen: `bytes` ends with LF
            }
            if content.is_empty() {
                return Ok(Some(Head {
                    version,
                    status,
                    headers,
                    len: *end,
                }));
            }
            // Any number of fields: the head cap is the bound.
            headers.push(header_line(content, true)?.ok_or(())?);
        }
        Err(())
    }

    /// Ends of the empty lines that may close a head (`\n\n`, `\n\r\n`).
    fn terminators(w: &[u8]) -> impl Iterator<Item = usize> + '_ {
        (1..w.len()).filter_map(move |i| {
            let closes = w[i] == b'\n'
                && (w[i - 1] == b'\n' || (i >= 2 && w[i - 1] == b'\r' && w[i - 2] == b'\n'));
            closes.then_some(i + 1)
        })
    }

    /// One answer at the start of `data`.
    fn one(data: &[u8], max_body: usize) -> Result<One, Fail> {
        let mut off = 0;
        let head = loop {
            let window = &data[off..data.len().min(off + MAX_HEAD_LEN)];
            let mut found = None;
            for end in terminators(window) {
                match head(&window[..end]) {
                    Ok(None) => {}
                    Ok(Some(h)) => {
                        found = Some(h);
                        break;
                    }
                    Err(()) => return Err(Fail::Malformed),
                }
            }
            let Some(h) = found else {
                return Err(if window.len() >= MAX_HEAD_LEN {
                    Fail::HeadTooLarge
                } else {
                    Fail::Closed
                });
            };
            if (100..200).contains(&h.status) && h.status != 101 {
                off += h.len; // interim answer: dropped
                              // Interim answers count against the head cap, all together.
                if off > MAX_HEAD_LEN {
                    return Err(Fail::HeadTooLarge);
                }
                continue;
            }
            break h;
        };
        let start = off + head.len;
        let mut length = None;
        let mut chunked = false;
        let mut keep_alive = head.version == 1;
        let mut close = false;
        for (name, value) in &head.headers {
            let name = String::from_utf8_lossy(name).to_ascii_lowercase();
            match name.as_str() {
                "content-length" => {
                    let v = trim_ascii_ws(value);
                    if v.is_empty() || v.len() > 19 || !v.iter().all(u8::is_ascii_digit) {
                        return Err(Fail::InvalidContentLength);
                    }
                    let n: u64 = std::str::from_utf8(v).unwrap().parse().unwrap();
                    if length.is_some_and(|l| l != n) {
                        return Err(Fail::ConflictingFraming);
                    }
                    length = Some(n);
                }
                "transfer-encoding" => {
                    if chunked || !trim_ascii_ws(value).eq_ignore_ascii_case(b"chunked") {
                        return Err(Fail::UnsupportedTransferEncoding);
                    }
                    chunked = true;
                }
                "connection" => {
                    for token in value.split(|&b| b == b',') {
                        let token = trim_ascii_ws(token).to_ascii_lowercase();
                        if token == b"close" {
                            close = true;
                        } else if token == b"keep-alive" {
                            keep_alive = true;
                        }
                    }
                }
                _ => {}
            }
        }
        if length.is_some() && chunked {
            return Err(Fail::ConflictingFraming);
        }
        // `close` wins over any `keep-alive`; HTTP/1.0 with Transfer-Encoding
        // closes after the message (RFC 9112 9.6, 6.1).
        if close || (chunked && head.version == 0) {
            keep_alive = false;
        }
        let rest = &data[start..];
        let (body, used) = if head.status == 204 || head.status == 304 {
            (Vec::new(), 0)
        } else if let Some(n) = length {
            if n > max_body as u64 {
                // Read to its end and dropped, when that is worth it.
                if n - max_body as u64 > MAX_DRAIN_LEN || (rest.len() as u64) >= n {
                    return Err(Fail::BodyTooLarge);
                }
                return Err(Fail::Closed);
            }
            let n = n as usize;
            if rest.len() < n {
                return Err(Fail::Closed);
            }
            (rest[..n].to_vec(), n)
        } else if chunked {
            dechunk(rest, max_body)?
        } else {
            if rest.len() > max_body {
                return Err(Fail::BodyTooLarge);
            }
            keep_alive = false;
            (rest.to_vec(), rest.len())
        };
        let framed = head.status == 204 || head.status == 304 || length.is_some() || chunked;
        Ok((
            head.status,
            head.headers,
            body,
            start + used,
            keep_alive && framed,
        ))
    }

    /// Decodes a chunked body at the start of `data`; returns it and the
    /// bytes used (through the trailer section's final CRLF).
    ///
    /// ```text
    /// chunk      = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
    /// chunk-size = 1*16HEXDIG, then *(SP / HTAB), then ";" ext or CRLF
    /// ```
    pub fn dechunk(data: &[u8], max_body: usize) -> Result<(Vec<u8>, usize), Fail> {
        let mut body = Vec::new();
        let mut p = 0;
        // Past the limit, chunks are read and dropped (up to
        // MAX_DRAIN_LEN of them), then the body is refused.
        let mut too_large = false;
        let mut dropped: u64 = 0;
        loop {
            let (size, used) = chunk_line(&data[p..])?;
            p += used;
            if size == 0 {
                break;
            }
            if too_large || size > (max_body - body.len()) as u64 {
                too_large = true;
                dropped = dropped.saturating_add(size);
                if dropped > MAX_DRAIN_LEN {
                    return Err(Fail::BodyTooLarge);
                }
            }
            let size = size as usize;
            if data.len() - p < size {
                return Err(Fail::Closed);
            }
            if !too_large {
                body.extend_from_slice(&data[p..p + size]);
            }
            p += size;
            match data.get(p..p + 2) {
                None => return Err(Fail::Closed),
                Some(b"\r\n") => p += 2,
                Some(_) => return Err(Fail::InvalidChunk),
            }
        }
        p += trailers(&data[p..])?;
        if too_large {
            return Err(Fail::BodyTooLarge);
        }
        Ok((body, p))
    }

    /// One chunk-size line: `(size, bytes used)`.
    fn chunk_line(data: &[u8]) -> Result<(u64, usize), Fail> {
        // Decided byte by byte, at most MAX_CHUNK_LINE bytes read.
        let window = &data[..data.len().min(MAX_CHUNK_LINE)];
        let digits = window.iter().take_while(|b| b.is_ascii_hexdigit()).count();
        if digits > 16 || (digits == 0 && !window.is_empty()) {
            return Err(Fail::InvalidChunk);
        }
        let mut i = digits;
        while i < window.len() && matches!(window[i], b' ' | b'\t') {
            i += 1;
        }
        let mut in_ext = false;
        let end = loop {
            match window.get(i) {
                None => {
                    return Err(if window.len() >= MAX_CHUNK_LINE {
                        Fail::InvalidChunk
                    } else {
                        Fail::Closed
                    })
                }
                Some(b'\r') => match window.get(i + 1) {
                    Some(b'\n') => break i + 2,
                    Some(_) => return Err(Fail::InvalidChunk),
                    None if window.len() >= MAX_CHUNK_LINE => return Err(Fail::InvalidChunk),
                    None => return Err(Fail::Closed),
                },
                Some(b';') => in_ext = true,
                Some(_) if in_ext => {}
                Some(_) => return Err(Fail::InvalidChunk),
            }
            i += 1;
        };
        let hex = std::str::from_utf8(&window[..digits]).unwrap();
        Ok((u64::from_str_radix(hex, 16).unwrap(), end))
    }

    /// `trailer-section CRLF`: header lines, then an empty line; at most
    /// MAX_HEAD_LEN bytes read. Returns the bytes used.
    fn trailers(data: &[u8]) -> Result<usize, Fail> {
        let window = &data[..data.len().min(MAX_HEAD_LEN)];
        let lines = lines(window, true).map_err(|()| Fail::Malformed)?;
        for (content, end, complete) in &lines {
            if *complete && content.is_empty() {
                return Ok(*end);
            }
            if header_line(content, *complete).is_err() {
                return Err(Fail::Malformed);
            }
        }
        Err(if window.len() >= MAX_HEAD_LEN {
            Fail::HeadTooLarge
        } else {
            Fail::Closed
        })
    }
}

// ---------------------------------------------------------------------------
// The HTTP targets

/// Body limits a target input can pick (first byte, high bits).
const BODY_LIMITS: [usize; 4] = [1 << 20, 0, 7, 100];
/// Most exchanges run over one input.
const MAX_EXCHANGES: usize = 4;

/// Checks the real client against the reference on `stream`, read one byte
/// at a time, 7 at a time, all at once, and split at each of `cut_sets`.
pub fn check_stream(stream: &[u8], max_body: usize, cut_sets: &[Vec<usize>]) {
    let expected = reference::exchanges(stream, max_body, MAX_EXCHANGES);
    for (how, per_read) in [("1 byte", 1), ("7 bytes", 7), ("all", usize::MAX)] {
        let got = real_exchanges(stream, per_read, &[], max_body, MAX_EXCHANGES);
        agree(stream, max_body, &got, &expected, how);
    }
    check_splits_against(stream, max_body, cut_sets, &expected);
}

/// Checks the real client, reading everything available but cut at each
/// of `cut_sets`, against the reference.
pub fn check_splits(stream: &[u8], max_body: usize, cut_sets: &[Vec<usize>]) {
    let expected = reference::exchanges(stream, max_body, MAX_EXCHANGES);
    check_splits_against(stream, max_body, cut_sets, &expected);
}

fn check_splits_against(
    stream: &[u8],
    max_body: usize,
    cut_sets: &[Vec<usize>],
    expected: &[Outcome],
) {
    for cuts in cut_sets {
        let got = real_exchanges(stream, usize::MAX, cuts, max_body, MAX_EXCHANGES);
        agree(
            stream,
            max_body,
            &got,
            expected,
            &format!("cut at {cuts:?}"),
        );
    }
}

fn agree(stream: &[u8], max_body: usize, got: &[Outcome], expected: &[Outcome], how: &str) {
    if got != expected {
        panic!(
            "the client disagrees with the reference (reads: {how}; body limit {max_body})\n\
             input:     b\"{}\"\nclient:    {got:?}\nreference: {expected:?}",
            stream.escape_ascii()
        );
    }
}

/// Splits a target input into (body limit, cut sets, stream): byte 0 picks
/// the limit and byte 1 seeds the cut points.
fn split_input(data: &[u8]) -> (usize, Vec<Vec<usize>>, &[u8]) {
    let (ctl, stream) = match data {
        [a, b, rest @ ..] => ([*a, *b], rest),
        _ => ([0, 0], data),
    };
    let limit = BODY_LIMITS[(ctl[0] >> 6) as usize];
    let len = stream.len().max(1);
    let seed = usize::from(ctl[1]) * 31 + usize::from(ctl[0] & 0x3f);
    let one = vec![seed % len];
    let many: Vec<usize> = (1..6).map(|k| (seed * k * 7919) % len).collect();
    (limit, vec![one, many], stream)
}

/// Target `http_response`: one to four answers on one connection.
pub fn http_response(data: &[u8]) {
    let (limit, cuts, stream) = split_input(data);
    check_stream(stream, limit, &cuts);
}

/// The head `chunked_body` inputs follow.
pub const CHUNKED_HEAD: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n";

/// Target `chunked_body`: the input is a chunked body (and whatever
/// follows it on the connection).
pub fn chunked_body(data: &[u8]) {
    let (limit, cuts, body) = split_input(data);
    let mut stream = CHUNKED_HEAD.to_vec();
    stream.extend_from_slice(body);
    let cuts = cuts
        .into_iter()
        .map(|c| c.into_iter().map(|k| k + CHUNKED_HEAD.len()).collect())
        .collect::<Vec<_>>();
    check_stream(&stream, limit, &cuts);
    // The decoder alone, on the body itself.
    let _ = reference::dechunk(body, limit);
}

// ---------------------------------------------------------------------------
// AWS_LAMBDA_RUNTIME_API

/// The grammar of `src/config.rs`, read naively:
///
/// ```text
/// value     = [ "http://" ] authority [ prefix ]
/// authority = host ":" port
/// host      = reg-name / IPv4address / "[" IPv6address "]"
/// reg-name  = 1*( ALPHA / DIGIT / "-" / "." / "_" )
/// port      = 1*5DIGIT            ; 1..=65535
/// prefix    = "/" *pchar-or-slash ; visible ASCII but ? # %, trailing "/" dropped
/// ```
pub fn reference_endpoint(value: &str) -> Option<(String, u16, String)> {
    let lower = value.to_ascii_lowercase();
    let rest = if lower.starts_with("http://") {
        &value[7..]
    } else {
        value
    };
    let (authority, prefix) = match rest.find('/') {
        Some(i) => rest.split_at(i),
        None => (rest, ""),
    };
    let (host, port) = if authority.starts_with('[') {
        let close = authority.find(']')?;
        let inner = &authority[1..close];
        inner.parse::<std::net::Ipv6Addr>().ok()?;
        (
            &authority[..=close],
            authority[close + 1..].strip_prefix(':')?,
        )
    } else {
        let (h, p) = authority.rsplit_once(':')?;
        let ok = |c: char| c.is_ascii_alphanumeric() || "-._".contains(c);
        if h.is_empty() || !h.chars().all(ok) {
            return None;
        }
        (h, p)
    };
    if port.is_empty() || port.len() > 5 || !port.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let port: u32 = port.parse().ok()?;
    if port == 0 || port > 65535 {
        return None;
    }
    if !prefix
        .bytes()
        .all(|b| b.is_ascii_graphic() && !b"?#%".contains(&b))
    {
        return None;
    }
    Some((
        host.to_string(),
        port as u16,
        prefix.trim_end_matches('/').to_string(),
    ))
}

/// Target `runtime_api`.
pub fn runtime_api(data: &[u8]) {
    let Ok(value) = std::str::from_utf8(data) else {
        return;
    };
    let got = Endpoint::parse(value);
    let want = reference_endpoint(value);
    match (&got, &want) {
        (Ok(e), Some((host, port, prefix))) => {
            assert_eq!(
                (&e.host, e.port, &e.prefix),
                (host, *port, prefix),
                "{value:?}"
            );
            // What was accepted, written back, reads the same.
            let again = format!("http://{}:{}{}", e.host, e.port, e.prefix);
            assert_eq!(Endpoint::parse(&again).ok().as_ref(), Some(e), "{again:?}");
        }
        (Err(e), None) => {
            let line = e.to_string();
            assert!(!line.contains('\n'), "a diagnostic of one line: {line:?}");
        }
        _ => panic!("{value:?}: parser {got:?}, grammar {want:?}"),
    }
}

// ---------------------------------------------------------------------------
// Request ids in paths

/// The naive encoder: every byte outside `A-Z a-z 0-9 - . _ ~` as `%XX`.
pub fn reference_encode(id: &[u8]) -> String {
    id.iter()
        .map(|&b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn percent_decode(s: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'%' {
            let hex = std::str::from_utf8(s.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(s[i]);
            i += 1;
        }
    }
    Some(out)
}

/// Target `request_id`.
pub fn request_id(data: &[u8]) {
    let mut out = b"prefix/".to_vec();
    lambda_zero::internals::push_path_segment(&mut out, data);
    let segment = &out[7..];
    assert_eq!(segment, reference_encode(data).as_bytes());
    assert!(segment
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"-._~%".contains(&b)));
    assert_eq!(percent_decode(segment).as_deref(), Some(data));
    request_id_through_the_runtime(data);
}

/// The id carried by a `/next` answer reaches the `POST` path encoded.
fn request_id_through_the_runtime(id: &[u8]) {
    if !id
        .iter()
        .all(|&b| b == b'\t' || (0x20..=0x7e).contains(&b) || b >= 0x80)
    {
        return; // not a header value: no server could send it
    }
    let mut answer = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: ".to_vec();
    answer.extend_from_slice(id);
    answer.extend_from_slice(b"\r\nContent-Length: 2\r\n\r\n{}");
    let event_len = answer.len();
    answer.extend_from_slice(b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n");
    // The 202 comes once the POST is written, as a server sends it.
    let connector = OneStream::gated(&answer, usize::MAX, &[], vec![event_len]);
    let written = connector.written.clone();
    let endpoint = Endpoint::parse("127.0.0.1:9001").unwrap();
    let mut rt =
        lambda_zero::Runtime::with_connector(&endpoint, lambda_zero::Config::default(), connector);
    let mut seen = None;
    let _ = rt.run(|inv, _out| {
        seen = Some(inv.context.request_id.as_bytes().to_vec());
        Ok::<(), std::convert::Infallible>(())
    });
    // httparse trims SP and HTAB around a value.
    let mut trimmed = id;
    while let [b' ' | b'\t', r @ ..] = trimmed {
        trimmed = r;
    }
    while let [r @ .., b' ' | b'\t'] = trimmed {
        trimmed = r;
    }
    let written = written.borrow();
    let post = written
        .windows(5)
        .position(|w| w == b"POST ")
        .map(|i| &written[i..])
        .map(|p| &p[..p.windows(2).position(|w| w == b"\r\n").unwrap_or(p.len())]);
    let base = "POST /2018-06-01/runtime/invocation/";
    let enc = reference_encode(trimmed);
    let utf8 = std::str::from_utf8(trimmed).is_ok();
    match (trimmed.len(), utf8) {
        (0, _) | (257.., _) => {
            assert_eq!(
                post, None,
                "an empty or over-long id fails that invocation, unposted"
            );
            assert_eq!(seen, None);
        }
        (_, true) => {
            assert_eq!(seen.as_deref(), Some(trimmed));
            assert_eq!(
                post,
                Some(format!("{base}{enc}/response HTTP/1.1").as_bytes())
            );
        }
        (_, false) => {
            assert_eq!(seen, None, "a non-UTF-8 id never reaches the handler");
            assert_eq!(post, Some(format!("{base}{enc}/error HTTP/1.1").as_bytes()));
        }
    }
}

// ---------------------------------------------------------------------------
// The JSON scanner

/// A naive, allocating JSON parser written from RFC 8259 and the rules in
/// `src/json.rs` (strict UTF-8, no lone surrogate escapes, nesting at most
/// `MAX_DEPTH` deep): the oracle for `lambda_zero::events::json`.
pub mod json_reference {
    use lambda_zero::internals::JSON_MAX_DEPTH as MAX_DEPTH;

    /// A parsed value; strings decoded, numbers as written.
    #[derive(Debug, Clone, PartialEq)]
    pub enum J {
        Null,
        Bool(bool),
        Num(String),
        Str(String),
        Arr(Vec<J>),
        Obj(Vec<(String, J)>),
    }

    /// The document's value, or `None` if it is not valid JSON.
    pub fn parse(doc: &[u8]) -> Option<J> {
        let text = std::str::from_utf8(doc).ok()?;
        let chars: Vec<char> = text.chars().collect();
        let mut p = P { c: chars, i: 0 };
        p.ws();
        let v = p.value(0)?;
        p.ws();
        (p.i == p.c.len()).then_some(v)
    }

    struct P {
        c: Vec<char>,
        i: usize,
    }

    impl P {
        fn peek(&self) -> Option<char> {
            self.c.get(self.i).copied()
        }
        fn eat(&mut self, ch: char) -> Option<()> {
            (self.peek()? == ch).then(|| self.i += 1)
        }
        fn ws(&mut self) {
            while matches!(self.peek(), Some(' ' | '\t' | '\n' | '\r')) {
                self.i += 1;
            }
        }
        fn value(&mut self, depth: usize) -> Option<J> {
            match self.peek()? {
                '{' | '[' if depth == MAX_DEPTH => None,
                '{' => {
                    self.i += 1;
                    let mut members = Vec::new();
                    self.ws();
                    if self.eat('}').is_some() {
                        return Some(J::Obj(members));
                    }
                    loop {
                        self.ws();
                        let key = self.string()?;
                        self.ws();
                        self.eat(':')?;
                        self.ws();
                        members.push((key, self.value(depth + 1)?));
                        self.ws();
                        if self.eat('}').is_some() {
                            return Some(J::Obj(members));
                        }
                        self.eat(',')?;
                    }
                }
                '[' => {
                    self.i += 1;
                    let mut elements = Vec::new();
                    self.ws();
                    if self.eat(']').is_some() {
                        return Some(J::Arr(elements));
                    }
                    loop {
                        self.ws();
                        elements.push(self.value(depth + 1)?);
                        self.ws();
                        if self.eat(']').is_some() {
                            return Some(J::Arr(elements));
                        }
                        self.eat(',')?;
                    }
                }
                '"' => self.string().map(J::Str),
                't' => self.word("true").map(|()| J::Bool(true)),
                'f' => self.word("false").map(|()| J::Bool(false)),
                'n' => self.word("null").map(|()| J::Null),
                _ => self.number().map(J::Num),
            }
        }
        fn word(&mut self, w: &str) -> Option<()> {
            for ch in w.chars() {
                self.eat(ch)?;
            }
            Some(())
        }
        fn digits(&mut self) -> usize {
            let start = self.i;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.i += 1;
            }
            self.i - start
        }
        fn number(&mut self) -> Option<String> {
            let start = self.i;
            let _ = self.eat('-');
            match self.peek()? {
                '0' => self.i += 1,
                '1'..='9' => {
                    self.digits();
                }
                _ => return None,
            }
            if self.eat('.').is_some() && self.digits() == 0 {
                return None;
            }
            if self.eat('e').or_else(|| self.eat('E')).is_some() {
                let _ = self.eat('+').or_else(|| self.eat('-'));
                if self.digits() == 0 {
                    return None;
                }
            }
            Some(self.c[start..self.i].iter().collect())
        }
        fn hex4(&mut self) -> Option<u32> {
            let mut n = 0;
            for _ in 0..4 {
                n = n * 16 + self.peek()?.to_digit(16)?;
                self.i += 1;
            }
            Some(n)
        }
        fn string(&mut self) -> Option<String> {
            self.eat('"')?;
            let mut out = String::new();
            loop {
                let c = self.peek()?;
                self.i += 1;
                match c {
                    '"' => return Some(out),
                    '\u{0}'..='\u{1f}' => return None,
                    '\\' => {
                        let e = self.peek()?;
                        self.i += 1;
                        out.push(match e {
                            '"' => '"',
                            '\\' => '\\',
                            '/' => '/',
                            'b' => '\u{8}',
                            'f' => '\u{c}',
                            'n' => '\n',
                            'r' => '\r',
                            't' => '\t',
                            'u' => {
                                let hi = self.hex4()?;
                                let code = match hi {
                                    0xD800..=0xDBFF => {
                                        self.eat('\\')?;
                                        self.eat('u')?;
                                        let lo = self.hex4()?;
                                        if !(0xDC00..=0xDFFF).contains(&lo) {
                                            return None;
                                        }
                                        0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00)
                                    }
                                    0xDC00..=0xDFFF => return None,
                                    c => c,
                                };
                                char::from_u32(code)?
                            }
                            _ => return None,
                        });
                    }
                    c => out.push(c),
                }
            }
        }
    }
}

/// Walks a value of the real scanner against the reference's.
fn json_same(v: lambda_zero::events::json::Value<'_>, want: &json_reference::J, path: &str) {
    use json_reference::J;
    use lambda_zero::events::json::Kind;
    match want {
        J::Null => assert!(v.is_null(), "{path}: {:?} not null", v.raw()),
        J::Bool(b) => assert_eq!(v.as_bool(), Some(*b), "{path}"),
        J::Num(n) => assert_eq!(v.as_number(), Some(n.as_str()), "{path}"),
        J::Str(s) => {
            let got = v.as_str().unwrap_or_else(|| panic!("{path}: not a string"));
            let mut scratch = String::new();
            assert_eq!(got.decode(&mut scratch), s, "{path}: decode");
            assert_eq!(got.chars().collect::<String>(), *s, "{path}: chars");
        }
        J::Arr(items) => {
            assert_eq!(v.kind(), Kind::Array, "{path}");
            let got: Vec<_> = v.elements().collect();
            assert_eq!(got.len(), items.len(), "{path}: element count");
            for (k, (g, w)) in got.into_iter().zip(items).enumerate() {
                json_same(g, w, &format!("{path}[{k}]"));
            }
        }
        J::Obj(members) => {
            assert_eq!(v.kind(), Kind::Object, "{path}");
            let got: Vec<_> = v.members().collect();
            assert_eq!(got.len(), members.len(), "{path}: member count");
            for ((key, g), (wkey, w)) in got.iter().zip(members) {
                let mut scratch = String::new();
                assert_eq!(key.decode(&mut scratch), wkey, "{path}: key");
                json_same(*g, w, &format!("{path}.{wkey}"));
            }
            // `get` finds the first member of that (unescaped) name. (Its
            // raw text is compared, not walked again: that would cost
            // 2^depth.)
            for (k, (wkey, _)) in members.iter().enumerate() {
                if members[..k].iter().any(|(seen, _)| seen == wkey) {
                    continue;
                }
                let g = v
                    .get(wkey)
                    .unwrap_or_else(|| panic!("{path}: get({wkey:?}) found nothing"));
                assert_eq!(g.raw(), got[k].1.raw(), "{path}.get({wkey:?})");
            }
        }
    }
}

/// Target `json`.
pub fn json(data: &[u8]) {
    let want = json_reference::parse(data);
    let valid = lambda_zero::events::json::validate(data);
    assert_eq!(
        valid.is_ok(),
        want.is_some(),
        "validate {:?} but the grammar says {}: b\"{}\"",
        valid.as_ref().err().map(|e| e.reason()),
        if want.is_some() { "valid" } else { "invalid" },
        data.escape_ascii()
    );
    match (lambda_zero::events::json::parse(data), want) {
        (Ok(root), Some(want)) => json_same(root, &want, "$"),
        (Err(e), None) => assert!(e.offset() <= data.len(), "error offset past the end"),
        (got, want) => panic!("parse {got:?} but validate agreed with {want:?}"),
    }
    http_request(data, valid.is_ok());
    batch(data, valid.is_ok());
    // The input as the `Records` of an event (one level deeper: valid
    // when it is, unless it reached the depth limit, 127 levels, which
    // takes 254 bytes at least).
    let wrapped = [&b"{\"Records\":"[..], data, b"}"].concat();
    let wrapped_valid = lambda_zero::events::json::validate(&wrapped).is_ok();
    assert!(
        wrapped_valid || valid.is_err() || data.len() >= 254,
        "wrapping broke the JSON"
    );
    batch(&wrapped, wrapped_valid);
}

/// The view `what` built from a document `validate` found `valid` or not:
/// it refused it for its JSON exactly when that was invalid. The view,
/// when it took it.
fn agrees_on_json<T>(
    view: Result<T, lambda_zero::events::Error>,
    valid: bool,
    what: &str,
) -> Option<T> {
    match view {
        Err(lambda_zero::events::Error::Json(_)) => assert!(!valid, "{what} refused valid JSON"),
        Err(_) => assert!(valid, "{what} took invalid JSON"),
        Ok(view) => {
            assert!(valid, "{what} took invalid JSON");
            return Some(view);
        }
    }
    None
}

/// `Batch::parse` records where the `Records` elements lie during its
/// validating pass, and their members: the same verdict on the JSON as
/// `validate`, the same records, in order, as a walk over the `Records`
/// array, and the same reads of each record as a walk over it.
fn batch(data: &[u8], valid: bool) {
    use lambda_zero::events::sqs;
    let Some(batch) = agrees_on_json(sqs::Event::parse(data), valid, "Batch::parse") else {
        return;
    };
    let walked: Vec<_> = batch.json().elements().map(|e| e.raw()).collect();
    let indexed: Vec<_> = batch
        .records()
        .map(|m| m.map(|m| m.json().raw()).unwrap_or_default())
        .collect();
    assert_eq!(indexed.len(), walked.len(), "record count");
    assert_eq!(batch.len(), walked.len(), "Batch::len");
    for (i, (got, want)) in indexed.iter().zip(&walked).enumerate() {
        // A record that is not an SQS message errs; the others match.
        if !got.is_empty() {
            assert_eq!(got, want, "record {i}");
        }
    }
    // Each view reads its records' fields from what the pass recorded
    // exactly as a walk over each record reads them.
    fn same<'a, T>(data: &'a [u8])
    where
        T: lambda_zero::internals::FromRecord<'a> + std::fmt::Debug,
    {
        if let Ok(batch) = lambda_zero::events::Batch::<T>::parse(data) {
            let indexed = batch.records().map(|r| format!("{r:?}"));
            let walked = batch.records_walked().map(|r| format!("{r:?}"));
            assert!(indexed.eq(walked), "recorded fields differ from a walk");
        }
    }
    use lambda_zero::events::{dynamodb, kinesis, s3, sns};
    same::<sqs::Message<'_>>(data);
    same::<sns::Notification<'_>>(data);
    same::<s3::Record<'_>>(data);
    same::<dynamodb::Record<'_>>(data);
    same::<kinesis::Record<'_>>(data);
}

/// `HttpRequest::parse` validates in its own pass (which hands over members
/// two levels deep and indexes the header and query objects): the same
/// verdict on the JSON as `validate`, and lookups from its index that agree
/// with a walk over the members.
fn http_request(data: &[u8], valid: bool) {
    use lambda_zero::events::{json::Str, json::Value, HttpRequest};
    let Some(req) = agrees_on_json(HttpRequest::parse(data), valid, "HttpRequest::parse") else {
        return;
    };
    let root = req.json();
    // What the accessors answered before the index: the first member, by a walk.
    fn last<'a>(v: Option<Value<'a>>) -> Option<Str<'a>> {
        v?.elements().filter_map(|e| e.as_str()).last()
    }
    let walk = |field: &str, name: &str, fold: bool| -> Option<Value<'_>> {
        let object = root.get(field).filter(|v| !v.is_null())?;
        match fold {
            true => object.get_ignore_ascii_case(name),
            false => object.get(name),
        }
    };
    let mut names: Vec<String> = vec!["content-type".into(), "x".into(), String::new()];
    for field in ["headers", "multiValueHeaders", "queryStringParameters"] {
        if let Some(object) = root.get(field) {
            names.extend(object.members().take(40).map(|(k, _)| k.to_string()));
        }
    }
    for name in &names {
        let header = walk("headers", name, true).and_then(|v| v.as_str());
        let header = header.or_else(|| last(walk("multiValueHeaders", name, true)));
        assert_eq!(req.header(name), header, "header {name:?}");
        let query = walk("queryStringParameters", name, false).and_then(|v| v.as_str());
        let query = query.or_else(|| last(walk("multiValueQueryStringParameters", name, false)));
        assert_eq!(req.query(name), query, "query {name:?}");
    }
}
