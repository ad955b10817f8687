//! Unit tests of the HTTP client over in-memory transports. Every parser
//! case runs through a transport that returns one byte per read, one that
//! returns everything at once, and (for the basic shapes) every two-piece
//! split of the answer.

use super::*;
use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

/// One scripted step of a mock stream's read side.
#[derive(Clone)]
enum Step {
    Data(Vec<u8>),
    /// `read` fails with `WouldBlock` once (a socket read timeout).
    Timeout,
}

#[derive(Default)]
struct Log {
    written: Vec<u8>,
    write_calls: usize,
    connects: usize,
    /// Every `set_unbounded_reads` call, in order.
    unbounded: Vec<bool>,
}

struct MockStream {
    steps: VecDeque<Step>,
    per_read: usize,
    log: Rc<RefCell<Log>>,
}

impl Read for MockStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            match self.steps.front_mut() {
                None => return Ok(0),
                Some(Step::Timeout) => {
                    self.steps.pop_front();
                    return Err(io::ErrorKind::WouldBlock.into());
                }
                Some(Step::Data(d)) if d.is_empty() => {
                    self.steps.pop_front();
                }
                Some(Step::Data(d)) => {
                    let n = d.len().min(buf.len()).min(self.per_read);
                    buf[..n].copy_from_slice(&d[..n]);
                    d.drain(..n);
                    return Ok(n);
                }
            }
        }
    }
}

impl Write for MockStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.write_vectored(&[IoSlice::new(buf)])
    }

    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        let mut log = self.log.borrow_mut();
        log.write_calls += 1;
        let mut n = 0;
        for b in bufs {
            log.written.extend_from_slice(b);
            n += b.len();
        }
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Hands out one scripted stream per connect; refuses when none is left.
struct MockConnector {
    streams: VecDeque<Vec<Step>>,
    per_read: usize,
    log: Rc<RefCell<Log>>,
}

impl Connect for MockConnector {
    type Stream = MockStream;

    fn connect(&mut self) -> io::Result<MockStream> {
        self.log.borrow_mut().connects += 1;
        let steps = self
            .streams
            .pop_front()
            .ok_or(io::ErrorKind::ConnectionRefused)?;
        Ok(MockStream {
            steps: steps.into(),
            per_read: self.per_read,
            log: self.log.clone(),
        })
    }

    fn set_unbounded_reads(&self, _: &MockStream, unbounded: bool) -> io::Result<()> {
        self.log.borrow_mut().unbounded.push(unbounded);
        Ok(())
    }
}

const PER_READ: [usize; 3] = [1, 7, usize::MAX];

fn conn(streams: Vec<Vec<Step>>, per_read: usize) -> (Connection<MockConnector>, Rc<RefCell<Log>>) {
    let log = Rc::new(RefCell::new(Log::default()));
    let connector = MockConnector {
        streams: streams.into(),
        per_read,
        log: log.clone(),
    };
    (Connection::new(connector, 1 << 20), log)
}

fn data(b: &[u8]) -> Step {
    Step::Data(b.to_vec())
}

/// What one exchange produced, owned, for comparisons.
#[derive(Debug, Clone, PartialEq)]
struct Answer {
    status: u16,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

fn exchange(c: &mut Connection<MockConnector>) -> Result<Answer, Error> {
    c.request(&[b"GET / HTTP/1.1\r\n", b"Host: x\r\n\r\n"], Wait::Forever)?;
    c.read_body()?;
    let m = c.message();
    Ok(Answer {
        status: m.status(),
        headers: m
            .headers()
            .map(|(n, v)| (String::from_utf8(n.to_vec()).unwrap(), v.to_vec()))
            .collect(),
        body: m.body().to_vec(),
    })
}

/// Runs one answer through every transport granularity; all must agree.
fn answer(bytes: &[u8]) -> Result<Answer, Error> {
    let results = PER_READ.map(|per_read| {
        let (mut c, _) = conn(vec![vec![data(bytes)]], per_read);
        exchange(&mut c)
    });
    let shown = |r: &Result<Answer, Error>| r.as_ref().map_err(|e| e.to_string()).cloned();
    for (r, per_read) in results.iter().zip(PER_READ) {
        assert_eq!(
            shown(r),
            shown(&results[0]),
            "{per_read} bytes per read disagrees"
        );
    }
    let [.., last] = results;
    last
}

fn body_of(bytes: &[u8]) -> Vec<u8> {
    answer(bytes).unwrap_or_else(|e| panic!("{e}")).body
}

#[test]
fn reads_content_length_body() {
    let a = answer(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-A: b\r\n\r\nhello").unwrap();
    assert_eq!(a.status, 200);
    assert_eq!(a.body, b"hello");
    assert_eq!(a.headers[1], ("X-A".to_string(), b"b".to_vec()));
}

#[test]
fn reads_head_split_at_every_byte() {
    let full: &[u8] = b"HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: r1\r\nTransfer-Encoding: chunked\r\n\r\n3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nTrailer-A: x\r\n\r\n";
    for k in 1..full.len() {
        let (mut c, _) = conn(vec![vec![data(&full[..k]), data(&full[k..])]], usize::MAX);
        let a = exchange(&mut c).unwrap_or_else(|e| panic!("split at {k}: {e}"));
        assert_eq!(a.body, b"abcde", "split at {k}");
        assert_eq!(
            c.message().header("Lambda-Runtime-Aws-Request-Id"),
            Some(&b"r1"[..])
        );
    }
}

#[test]
fn matches_header_names_in_any_case() {
    let a: &[u8] =
        b"HTTP/1.1 202 Accepted\r\ncOnTeNt-LeNgTh: 2\r\nLAMBDA-RUNTIME-DEADLINE-MS: 1\r\n\r\nok";
    assert_eq!(body_of(a), b"ok");
    let (mut c, _) = conn(vec![vec![data(a)]], 1);
    exchange(&mut c).unwrap();
    assert_eq!(
        c.message().header("lambda-runtime-deadline-ms"),
        Some(&b"1"[..])
    );
    assert_eq!(
        c.message().header("Lambda-Runtime-Deadline-Ms"),
        Some(&b"1"[..])
    );
    assert_eq!(c.message().header("missing"), None);
}

#[test]
fn decodes_chunked_with_extensions_and_trailers() {
    let a = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;name=value;x\r\nWiki\r\n5\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0;last\r\nExpires: never\r\nX-Other: 1\r\n\r\n";
    assert_eq!(body_of(a), b"Wikipedia in\r\n\r\nchunks.");
    let upper =
        b"HTTP/1.1 200 OK\r\ntransfer-encoding:  Chunked \r\n\r\nA\r\n0123456789\r\n00\r\n\r\n";
    assert_eq!(body_of(upper), b"0123456789");
}

#[test]
fn survives_forty_headers_and_a_multi_kb_value() {
    let mut a = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..45 {
        a.extend_from_slice(format!("X-Header-{i}: value-{i}\r\n").as_bytes());
    }
    let big = "c".repeat(8 * 1024);
    a.extend_from_slice(
        format!("Lambda-Runtime-Client-Context: {big}\r\nContent-Length: 2\r\n\r\n{{}}").as_bytes(),
    );
    let got = answer(&a).unwrap();
    assert_eq!(got.headers.len(), 47);
    assert_eq!(got.headers[45].1, big.as_bytes());
    assert_eq!(got.body, b"{}");
}

#[test]
fn reads_large_bodies_in_both_framings() {
    let payload: Vec<u8> = (0..700_000u32).map(|i| (i % 251) as u8).collect();
    let mut cl = format!(
        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\n\r\n",
        payload.len()
    )
    .into_bytes();
    cl.extend_from_slice(&payload);
    let mut chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for piece in payload.chunks(10_007) {
        chunked.extend_from_slice(format!("{:x}\r\n", piece.len()).as_bytes());
        chunked.extend_from_slice(piece);
        chunked.extend_from_slice(b"\r\n");
    }
    chunked.extend_from_slice(b"0\r\n\r\n");
    for bytes in [cl, chunked] {
        for per_read in [1000, usize::MAX] {
            let (mut c, _) = conn(vec![vec![data(&bytes)]], per_read);
            assert_eq!(exchange(&mut c).unwrap().body, payload);
            assert!(c.buffer_len() <= 2 * (payload.len() + MAX_HEAD_LEN));
        }
    }
}

#[test]
fn keeps_one_connection_for_many_exchanges() {
    let one: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na";
    let two: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nb\r\n0\r\n\r\n";
    for per_read in PER_READ {
        let (mut c, log) = conn(vec![vec![data(one), data(two), data(one)]], per_read);
        assert_eq!(exchange(&mut c).unwrap().body, b"a");
        assert_eq!(exchange(&mut c).unwrap().body, b"b");
        assert_eq!(exchange(&mut c).unwrap().body, b"a");
        assert_eq!(log.borrow().connects, 1);
    }
}

/// Every framing, each followed by bytes nobody asked for, arriving in the
/// same read as the answer's last byte.
const FRAMED_ANSWERS: [&[u8]; 4] = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nX-T: 1\r\n\r\n",
    b"HTTP/1.1 204 No Content\r\n\r\n",
];

#[test]
fn drops_bytes_after_a_complete_answer_with_their_connection() {
    let extra: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nX";
    let next: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb";
    for first in FRAMED_ANSWERS {
        let (last, before) = first.split_last().unwrap();
        let tail = [&[*last][..], extra].concat();
        for per_read in PER_READ {
            let (mut c, log) = conn(
                vec![vec![data(before), data(&tail)], vec![data(next)]],
                per_read.max(tail.len()),
            );
            let a = exchange(&mut c).unwrap();
            assert_eq!(a.body, &b"a"[..a.body.len()]);
            assert_eq!(c.unsolicited_bytes(), extra.len());
            assert!(!c.is_open(), "the connection that carried them is closed");
            // The next answer is the next stream's, never the extra bytes.
            assert_eq!(exchange(&mut c).unwrap().body, b"b");
            assert_eq!(c.unsolicited_bytes(), 0);
            assert_eq!(log.borrow().connects, 2);
        }
    }
}

#[test]
fn leftovers_never_cross_a_reconnect() {
    let close: &[u8] =
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nX";
    let next: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb";
    let (mut c, log) = conn(vec![vec![data(close)], vec![data(next)]], usize::MAX);
    assert_eq!(exchange(&mut c).unwrap().body, b"a");
    // A request written on the stream the message borrows (as a streamed
    // response does) reads its answer from the new stream only.
    let (_, stream) = c.open_for_request(None).unwrap();
    write_parts(stream, &[b"POST / HTTP/1.1\r\n\r\n"]).unwrap();
    c.read_answer(Wait::Bounded).unwrap();
    c.read_body().unwrap();
    assert_eq!(c.message().body(), b"b");
    assert_eq!(log.borrow().connects, 2);
}

#[test]
fn writes_each_request_in_one_vectored_write() {
    let (mut c, log) = conn(
        vec![vec![data(b"HTTP/1.1 204 No Content\r\n\r\n")]],
        usize::MAX,
    );
    c.request(
        &[b"POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\n", b"abc"],
        Wait::Bounded,
    )
    .unwrap();
    c.read_body().unwrap();
    assert_eq!(log.borrow().write_calls, 1);
    assert_eq!(
        log.borrow().written,
        b"POST /x HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc"
    );
}

#[test]
fn reconnects_after_connection_close() {
    let close: &[u8] = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na";
    let (mut c, log) = conn(vec![vec![data(close)], vec![data(close)]], 1);
    assert_eq!(exchange(&mut c).unwrap().body, b"a");
    assert!(!c.is_open());
    assert_eq!(exchange(&mut c).unwrap().body, b"a");
    assert_eq!(log.borrow().connects, 2);
}

#[test]
fn http_1_0_answers_close_the_connection() {
    let (mut c, log) = conn(
        vec![vec![data(b"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\na")]; 2],
        1,
    );
    exchange(&mut c).unwrap();
    exchange(&mut c).unwrap();
    assert_eq!(log.borrow().connects, 2);
}

#[test]
fn retries_once_on_a_stale_kept_alive_connection() {
    // The server answered once, then closed while idle: the next request
    // sees EOF before any byte and must go out again on a new connection.
    let ok: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na";
    let (mut c, log) = conn(vec![vec![data(ok)], vec![data(ok)]], 1);
    exchange(&mut c).unwrap();
    assert!(!c.resent());
    assert_eq!(exchange(&mut c).unwrap().body, b"a");
    assert!(
        c.resent(),
        "the runtime is told, to read a 400 as a duplicate"
    );
    assert_eq!(log.borrow().connects, 2);
    let req: &[u8] = b"GET / HTTP/1.1\r\nHost: x\r\n\r\n";
    assert_eq!(log.borrow().written, [req, req, req].concat());
}

#[test]
fn does_not_retry_a_fresh_connection_or_twice() {
    let (mut c, log) = conn(vec![vec![]], 1);
    assert!(matches!(exchange(&mut c), Err(Error::Closed)));
    assert_eq!(log.borrow().connects, 1);
    let ok: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na";
    let (mut c, log) = conn(vec![vec![data(ok)], vec![], vec![data(ok)]], 1);
    exchange(&mut c).unwrap();
    assert!(matches!(exchange(&mut c), Err(Error::Closed)));
    assert_eq!(log.borrow().connects, 2);
}

#[test]
fn refused_connection_is_a_connect_error() {
    let (mut c, _) = conn(vec![], 1);
    assert!(matches!(exchange(&mut c), Err(Error::Connect(_))));
}

#[test]
fn connection_closed_mid_body_is_an_error_never_a_short_body() {
    for bytes in [
        &b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"[..],
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Len",
    ] {
        for per_read in PER_READ {
            let (mut c, _) = conn(vec![vec![data(bytes)]], per_read);
            assert!(
                matches!(exchange(&mut c), Err(Error::Closed)),
                "{:?}",
                String::from_utf8_lossy(bytes)
            );
            assert!(!c.is_open());
        }
    }
}

#[test]
fn refuses_malformed_framing() {
    type Case = (&'static [u8], fn(&Error) -> bool);
    let cases: &[Case] = &[
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", |e| matches!(e, Error::ConflictingFraming)),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", |e| matches!(e, Error::ConflictingFraming)),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", |e| matches!(e, Error::UnsupportedTransferEncoding)),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n", |e| matches!(e, Error::UnsupportedTransferEncoding)),
        (b"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", |e| matches!(e, Error::InvalidContentLength)),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 1 2\r\n\r\n", |e| matches!(e, Error::InvalidContentLength)),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", |e| matches!(e, Error::InvalidContentLength)),
        (b"HTTP/1.1 200 OK\r\nContent-Length: \r\n\r\n", |e| matches!(e, Error::InvalidContentLength)),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", |e| matches!(e, Error::InvalidChunk)),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", |e| matches!(e, Error::InvalidChunk)),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", |e| matches!(e, Error::InvalidChunk)),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabcXY0\r\n\r\n", |e| matches!(e, Error::InvalidChunk)),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffffff\r\n", |e| matches!(e, Error::InvalidChunk)),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\nbad trailer\r\n\r\n", |e| matches!(e, Error::Malformed(_))),
        // Past the limit, the body is read to be dropped: lost midway,
        // that is a closed connection.
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n", |e| matches!(e, Error::Closed)),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n", |e| matches!(e, Error::Closed)),
        // Past what is worth draining, refused at once.
        (b"HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n\r\n", |e| matches!(e, Error::BodyTooLarge { limit: 1_048_576 })),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\n", |e| matches!(e, Error::BodyTooLarge { .. })),
        (b"SMTP ready\r\n\r\n", |e| matches!(e, Error::Malformed(_))),
        (b"HTTP/1.1 2000 OK\r\n\r\n", |e| matches!(e, Error::Malformed(_))),
        (b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", |e| matches!(e, Error::Malformed(_))),
    ];
    for (bytes, expected) in cases {
        match answer(bytes) {
            Err(e) => assert!(
                expected(&e),
                "{:?}: got {e:?}",
                String::from_utf8_lossy(bytes)
            ),
            Ok(a) => panic!("{:?} accepted: {a:?}", String::from_utf8_lossy(bytes)),
        }
    }
}

#[test]
fn a_malformed_head_says_what_httparse_found_in_its_one_message() {
    let e = answer(b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n").unwrap_err();
    let Error::Malformed(cause) = &e else {
        panic!("not Malformed: {e:?}")
    };
    // The cause is in the message (httparse's error is no `source()`
    // without its `std` feature, which the deployed build leaves off).
    assert_eq!(e.to_string(), format!("malformed response head: {cause}"));
    assert!(e.to_string().len() > "malformed response head: ".len());
    assert!(std::error::Error::source(&e).is_none());
}

#[test]
fn chunked_bodies_past_the_limit_are_refused_whatever_the_chunking() {
    let mut big = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    for _ in 0..20 {
        big.extend_from_slice(b"10000\r\n");
        big.extend_from_slice(&[b'x'; 0x10000]);
        big.extend_from_slice(b"\r\n");
    }
    big.extend_from_slice(b"0\r\n\r\n");
    let (mut c, _) = conn(vec![vec![data(&big)]], usize::MAX);
    assert!(matches!(exchange(&mut c), Err(Error::BodyTooLarge { .. })));
    assert!(c.buffer_len() <= (1 << 20) + MAX_HEAD_LEN + MAX_CHUNK_LINE + 2 * GROW_STEP);
}

/// An answer with a body of `len` bytes, framed by length or chunked.
fn answer_of_len(len: usize, chunked: bool) -> Vec<u8> {
    if !chunked {
        let mut a = format!("HTTP/1.1 200 OK\r\nContent-Length: {len}\r\n\r\n").into_bytes();
        a.resize(a.len() + len, b'x');
        return a;
    }
    let mut a = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".to_vec();
    let mut left = len;
    while left > 0 {
        let n = left.min(0x3001);
        a.extend_from_slice(format!("{n:x}\r\n").as_bytes());
        a.resize(a.len() + n, b'x');
        a.extend_from_slice(b"\r\n");
        left -= n;
    }
    a.extend_from_slice(b"0\r\n\r\n");
    a
}

#[test]
fn a_body_past_the_limit_is_dropped_and_the_connection_kept() {
    let ok: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    // (limit, body length, reads): split at every byte on a small limit,
    // and a large one read as it comes, for the memory bound.
    let cases = [
        (1000, 1500, &PER_READ[..]),
        (1 << 20, (1 << 20) + 100_000, &[usize::MAX][..]),
    ];
    for (limit, len, per_reads) in cases {
        for chunked in [false, true] {
            let big = answer_of_len(len, chunked);
            for &per_read in per_reads {
                let (mut c, log) = conn(vec![vec![data(&big), data(ok)]], per_read);
                c.set_max_body_len(limit);
                assert!(
                    matches!(exchange(&mut c), Err(Error::BodyTooLarge { limit: l }) if l == limit)
                );
                assert!(c.is_open(), "kept: the body was read to its end");
                assert!(c.message().body().is_empty(), "nothing of it is handed on");
                // Constant memory: at most the room a body under the limit
                // takes, however large the dropped one.
                assert!(
                    c.buffer_len()
                        <= limit.max(INITIAL_BUF_LEN)
                            + MAX_HEAD_LEN
                            + MAX_CHUNK_LINE
                            + 2 * GROW_STEP
                );
                assert_eq!(exchange(&mut c).unwrap().body, b"ok");
                assert_eq!(log.borrow().connects, 1);
            }
        }
    }
}

#[test]
fn limit_arithmetic_never_overflows() {
    for limit in [usize::MAX, usize::MAX - 1, MAX_BODY_LIMIT + 1] {
        for bytes in [
            &b"HTTP/1.1 200 OK\r\nContent-Length: 9999999999999999999\r\n\r\nabc"[..],
            b"HTTP/1.1 200 OK\r\nContent-Length: 18446744073709551615\r\n\r\nabc",
            b"HTTP/1.1 200 OK\r\n\r\nuntil close",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nfffffffffffffff\r\nab",
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n0\r\nT: v\r\n\r\n",
        ] {
            let (mut c, _) = conn(vec![vec![data(bytes)]], usize::MAX);
            c.set_max_body_len(limit);
            let _ = exchange(&mut c); // an error or an answer, never a panic
            let log = Rc::new(RefCell::new(Log::default()));
            let connector = MockConnector {
                streams: vec![vec![data(bytes)]].into(),
                per_read: 1,
                log,
            };
            let _ = exchange(&mut Connection::new(connector, limit));
        }
    }
}

#[test]
fn a_peer_announcing_a_large_body_costs_only_what_it_sends() {
    let (mut c, _) = conn(
        vec![vec![data(
            b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n0123456789",
        )]],
        usize::MAX,
    );
    assert!(matches!(exchange(&mut c), Err(Error::Closed)));
    assert_eq!(
        c.buffer_len(),
        INITIAL_BUF_LEN,
        "nothing reserved ahead of the bytes"
    );
}

#[test]
fn refuses_heads_past_the_limit_and_too_many_headers() {
    let mut long = b"HTTP/1.1 200 OK\r\nX-Big: ".to_vec();
    long.extend(std::iter::repeat(b'a').take(MAX_HEAD_LEN));
    long.extend_from_slice(b"\r\n\r\n");
    assert!(matches!(answer(&long), Err(Error::HeadTooLarge)));
    // Any number of fields that fits in the head cap...
    let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..200 {
        many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"Content-Length: 2\r\n\r\nok");
    let a = answer(&many).unwrap();
    assert_eq!((a.headers.len(), a.headers[199].0.as_str()), (201, "X-199"));
    assert_eq!(a.body, b"ok");
    // ...and the cap, not a count, refuses the rest.
    let mut too_many = b"HTTP/1.1 200 OK\r\n".to_vec();
    while too_many.len() <= MAX_HEAD_LEN {
        too_many.extend_from_slice(b"a:\r\n");
    }
    too_many.extend_from_slice(b"\r\n");
    assert!(matches!(answer(&too_many), Err(Error::HeadTooLarge)));
}

#[test]
fn many_trailer_fields_are_read_like_header_fields() {
    let mut a = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n".to_vec();
    for i in 0..200 {
        a.extend_from_slice(format!("T-{i}: v\r\n").as_bytes());
    }
    a.extend_from_slice(b"\r\n");
    assert_eq!(body_of(&a), b"ok");
}

#[test]
fn a_head_with_many_fields_reuses_one_grown_array() {
    let mut many = b"HTTP/1.1 200 OK\r\n".to_vec();
    for i in 0..100 {
        many.extend_from_slice(format!("X-{i}: v\r\n").as_bytes());
    }
    many.extend_from_slice(b"Content-Length: 1\r\n\r\na");
    let (mut c, _) = conn(vec![vec![data(&many)]; 3], usize::MAX);
    let (mut c2, _) = conn(vec![vec![data(&many); 3]], 1);
    for c in [&mut c, &mut c2] {
        exchange(c).unwrap();
        let grown = c.spare_headers.capacity();
        assert!(grown > STACK_HEADERS);
        for _ in 0..2 {
            assert_eq!(exchange(c).unwrap().headers.len(), 101);
            assert_eq!(c.spare_headers.capacity(), grown, "reused, not reallocated");
        }
    }
}

#[test]
fn skips_interim_answers_and_handles_bodiless_ones() {
    let a = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    assert_eq!(answer(a).unwrap().status, 200);
    assert_eq!(body_of(a), b"ok");
    let no_content = answer(b"HTTP/1.1 204 No Content\r\n\r\n").unwrap();
    assert_eq!((no_content.status, no_content.body.len()), (204, 0));
}

#[test]
fn reads_unframed_bodies_until_close() {
    let (mut c, log) = conn(
        vec![vec![data(b"HTTP/1.1 200 OK\r\n\r\nuntil the end")]; 2],
        3,
    );
    assert_eq!(exchange(&mut c).unwrap().body, b"until the end");
    assert!(!c.is_open());
    exchange(&mut c).unwrap();
    assert_eq!(log.borrow().connects, 2);
}

#[test]
fn waits_forever_for_next_but_bounds_everything_else() {
    let ok: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    // Silence before the first byte: retried when waiting forever...
    let (mut c, log) = conn(
        vec![vec![Step::Timeout, Step::Timeout, data(ok)]],
        usize::MAX,
    );
    assert_eq!(exchange(&mut c).unwrap().body, b"ok");
    // ...by blocking without a time limit after the first timeout (an idle
    // worker does not wake up every few seconds), bounded again once bytes
    // come...
    assert_eq!(log.borrow().unbounded, [true, false]);
    // ...while a connection whose events come in time never changes it.
    let (mut c, log) = conn(vec![vec![data(ok), data(ok)]], usize::MAX);
    exchange(&mut c).unwrap();
    exchange(&mut c).unwrap();
    assert!(log.borrow().unbounded.is_empty());
    // ...a timeout error when the wait is bounded...
    let (mut c, _) = conn(vec![vec![Step::Timeout, data(ok)]], usize::MAX);
    let err = c
        .request(&[b"POST / HTTP/1.1\r\n\r\n"], Wait::Bounded)
        .unwrap_err();
    assert!(matches!(err, Error::TimedOut));
    // ...and mid-answer, always bounded.
    let (mut c, _) = conn(
        vec![vec![data(&ok[..10]), Step::Timeout, data(&ok[10..])]],
        usize::MAX,
    );
    assert!(matches!(exchange(&mut c), Err(Error::TimedOut)));
    let (mut c, _) = conn(
        vec![vec![data(&ok[..39]), Step::Timeout, data(&ok[39..])]],
        usize::MAX,
    );
    assert!(matches!(exchange(&mut c), Err(Error::TimedOut)));
}

#[test]
fn content_length_parser_is_strict() {
    assert_eq!(parse_content_length(b"0"), Some(0));
    assert_eq!(parse_content_length(b" 42 "), Some(42));
    assert_eq!(
        parse_content_length(b"9999999999999999999"),
        Some(9_999_999_999_999_999_999)
    );
    for bad in [
        &b""[..],
        b"+1",
        b"-1",
        b"1.0",
        b"0x10",
        b"1 1",
        b"18446744073709551616000",
    ] {
        assert_eq!(
            parse_content_length(bad),
            None,
            "{:?}",
            String::from_utf8_lossy(bad)
        );
    }
}

#[test]
fn head_end_detection_finds_every_terminator() {
    assert!(head_may_be_complete(b"HTTP/1.1 200 OK\r\n\r\n", 0));
    assert!(head_may_be_complete(b"HTTP/1.1 200 OK\n\n", 0));
    assert!(head_may_be_complete(b"HTTP/1.1 200 OK\r\n\r\n", 18));
    assert!(!head_may_be_complete(b"HTTP/1.1 200 OK\r\nA: b\r\n", 0));
    assert!(!head_may_be_complete(b"HTTP/1.1 200 OK\r\n\r", 0));
}

/// Sends a request with a second one pipelined behind it and reads both
/// answers; `None` for a second answer that did not come.
fn pipelined_pair(c: &mut Connection<MockConnector>) -> Result<(Answer, Option<Answer>), Error> {
    c.request_pipelined(
        &[b"POST /a HTTP/1.1\r\n\r\n"],
        b"GET /next HTTP/1.1\r\n\r\n",
    )?;
    c.read_body()?;
    let first = owned(c);
    match c.read_pipelined(Wait::Forever)? {
        Pipelined::Answered => {
            c.read_body()?;
            Ok((first, Some(owned(c))))
        }
        Pipelined::NotAnswered { .. } => Ok((first, None)),
    }
}

fn owned(c: &Connection<MockConnector>) -> Answer {
    let m = c.message();
    Answer {
        status: m.status(),
        headers: m
            .headers()
            .map(|(n, v)| (String::from_utf8(n.to_vec()).unwrap(), v.to_vec()))
            .collect(),
        body: m.body().to_vec(),
    }
}

#[test]
fn reads_two_pipelined_answers_split_at_every_byte() {
    let second: [&[u8]; 2] = [
        b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r2\r\nContent-Length: 5\r\n\r\nhello",
        b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: r2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhe\r\n3\r\nllo\r\n0\r\n\r\n",
    ];
    for first in FRAMED_ANSWERS {
        for second in second {
            let both = [first, second].concat();
            for cut in 0..=both.len() {
                for per_read in PER_READ {
                    let steps = vec![data(&both[..cut]), data(&both[cut..])];
                    let (mut c, log) = conn(vec![steps], per_read);
                    let (a, b) = pipelined_pair(&mut c).unwrap();
                    assert_eq!(a.body, &b"a"[..a.body.len()]);
                    let b = b.expect("answered");
                    assert_eq!((b.status, b.body.as_slice()), (200, &b"hello"[..]));
                    assert_eq!(b.headers[0].1, b"r2");
                    assert_eq!(log.borrow().connects, 1);
                    assert_eq!(log.borrow().write_calls, 1, "both requests in one write");
                    assert!(c.is_open());
                }
            }
        }
    }
}

#[test]
fn a_third_answer_on_a_pipelined_stream_is_unsolicited() {
    let a: &[u8] = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
    let b: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb";
    let (mut c, _) = conn(vec![vec![data(&[a, b, b].concat())]], usize::MAX);
    let (_, second) = pipelined_pair(&mut c).unwrap();
    assert_eq!(second.unwrap().body, b"b");
    assert_eq!(c.unsolicited_bytes(), b.len());
    assert!(!c.is_open());
}

#[test]
fn a_pipelined_request_left_unanswered_is_reported_never_an_error() {
    let a: &[u8] = b"HTTP/1.1 202 Accepted\r\nContent-Length: 0\r\n\r\n";
    let close: &[u8] = b"HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 0\r\n\r\n";
    for per_read in PER_READ {
        // Kept alive, then closed: the server does not serve pipelining.
        let (mut c, _) = conn(vec![vec![data(a)]], per_read);
        assert_eq!(pipelined_pair(&mut c).unwrap().1, None);
        let (mut c, _) = conn(vec![vec![data(a)]], per_read);
        c.request_pipelined(&[b"POST / HTTP/1.1\r\n\r\n"], b"GET / HTTP/1.1\r\n\r\n")
            .unwrap();
        c.read_body().unwrap();
        assert_eq!(
            c.read_pipelined(Wait::Forever).unwrap(),
            Pipelined::NotAnswered { kept_alive: true }
        );
        // Closed by the first answer: not a refusal.
        let (mut c, _) = conn(vec![vec![data(close)]], per_read);
        c.request_pipelined(&[b"POST / HTTP/1.1\r\n\r\n"], b"GET / HTTP/1.1\r\n\r\n")
            .unwrap();
        c.read_body().unwrap();
        assert_eq!(
            c.read_pipelined(Wait::Forever).unwrap(),
            Pipelined::NotAnswered { kept_alive: false }
        );
        // Cut inside the second answer: that is an error.
        let cut: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Len";
        let (mut c, _) = conn(vec![vec![data(&[a, cut].concat())]], per_read);
        assert!(matches!(pipelined_pair(&mut c), Err(Error::Closed)));
    }
}

#[test]
fn the_buffer_grows_to_powers_of_two_then_in_grow_steps_and_keeps_its_size() {
    // (body length, the buffer's size after it): a body that fits with its
    // head keeps the first page; one of 5 KB takes 8 KiB, not a 64 KiB
    // step; past 64 KiB the size is a multiple of the step; a smaller body
    // after a larger one shrinks nothing.
    let cases: [(usize, usize); 5] = [
        (1_000, INITIAL_BUF_LEN),
        (5_000, 8 * 1024),
        (40_000, 64 * 1024),
        (70_000, 2 * GROW_STEP),
        (100, 2 * GROW_STEP),
    ];
    for per_read in [usize::MAX, 1_000] {
        let answers: Vec<Step> = cases
            .iter()
            .map(|&(len, _)| data(&answer_of_len(len, false)))
            .collect();
        let (mut c, _) = conn(vec![answers], per_read);
        for (len, size) in cases {
            assert_eq!(exchange(&mut c).unwrap().body.len(), len);
            assert_eq!(c.buffer_len(), size, "after a body of {len} B");
        }
    }
}
