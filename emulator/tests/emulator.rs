//! Exercises the emulator with a tiny hand-written std `TcpStream` client.

use lambda_zero_emulator::{Drained, Emulator, Event, Kind, Reply, Script};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

const NEXT: &str = "/2018-06-01/runtime/invocation/next";
/// Safety net against a hung test only; nothing asserts on durations.
const WAIT: Duration = Duration::from_secs(20);

struct Client {
    r: BufReader<TcpStream>,
    w: TcpStream,
}

struct Answer {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Answer {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

impl Client {
    fn connect(emu: &Emulator) -> Client {
        let w = TcpStream::connect(emu.addr()).unwrap();
        w.set_read_timeout(Some(WAIT)).unwrap();
        Client {
            r: BufReader::new(w.try_clone().unwrap()),
            w,
        }
    }
    fn send(&mut self, raw: &[u8]) {
        self.w.write_all(raw).unwrap();
    }
    fn get(&mut self, path: &str) -> Answer {
        self.send(format!("GET {path} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
        self.answer()
    }
    fn post(&mut self, path: &str, body: &str) -> Answer {
        let req = format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        );
        self.send(req.as_bytes());
        self.answer()
    }
    /// Reads one answer framed by Content-Length.
    fn answer(&mut self) -> Answer {
        let mut line = String::new();
        self.r.read_line(&mut line).unwrap();
        assert!(
            line.starts_with("HTTP/1.1 ") && line.ends_with("\r\n"),
            "{line:?}"
        );
        let status = line[9..12].parse().unwrap();
        let mut headers = Vec::new();
        loop {
            line.clear();
            self.r.read_line(&mut line).unwrap();
            let l = line.trim_end_matches("\r\n");
            if l.is_empty() {
                break;
            }
            let (n, v) = l.split_once(": ").unwrap();
            headers.push((n.to_string(), v.to_string()));
        }
        let mut a = Answer {
            status,
            headers,
            body: Vec::new(),
        };
        let len: usize = a.header("content-length").unwrap().parse().unwrap();
        a.body.resize(len, 0);
        self.r.read_exact(&mut a.body).unwrap();
        a
    }
    /// Everything until the server closes the connection.
    fn rest(&mut self) -> Vec<u8> {
        let mut all = Vec::new();
        self.r.read_to_end(&mut all).unwrap();
        all
    }
}

fn start(script: Script) -> Emulator {
    Emulator::start(script).unwrap()
}

#[test]
fn event_handout_and_response_recorded_with_latency() {
    let e = Event::new("req-1", r#"{"hello":"world"}"#)
        .with_deadline_ms(1234)
        .with_trace_id("Root=1-abc;Sampled=1")
        .with_invocation_id("inv-1")
        .with_header("Lambda-Runtime-Client-Context", "{}");
    let emu = start(Script::new().event(e));
    let mut c = Client::connect(&emu);
    let a = c.get(NEXT);
    assert_eq!(a.status, 200);
    assert_eq!(a.body, br#"{"hello":"world"}"#);
    assert_eq!(a.header("lambda-runtime-aws-request-id"), Some("req-1"));
    assert_eq!(a.header("Lambda-Runtime-Deadline-Ms"), Some("1234"));
    assert_eq!(
        a.header("Lambda-Runtime-Invoked-Function-Arn"),
        Some(lambda_zero_emulator::DEFAULT_FUNCTION_ARN)
    );
    assert_eq!(
        a.header("Lambda-Runtime-Trace-Id"),
        Some("Root=1-abc;Sampled=1")
    );
    assert_eq!(a.header("Lambda-Runtime-Invocation-Id"), Some("inv-1"));
    assert_eq!(a.header("Lambda-Runtime-Client-Context"), Some("{}"));
    assert_eq!(a.header("Content-Type"), Some("application/json"));
    let a = c.post("/2018-06-01/runtime/invocation/req-1/response", "\"ok\"");
    assert_eq!(
        (a.status, a.body.as_slice()),
        (202, &br#"{"status":"OK"}"#[..])
    );
    let recs = emu.wait_records(1, WAIT);
    assert_eq!(recs.len(), 1);
    let r = &recs[0];
    assert_eq!(
        (r.kind, r.request_id.as_str(), r.status_sent, r.connection),
        (Kind::Response, "req-1", 202, 0)
    );
    assert_eq!(r.body, b"\"ok\"");
    assert_eq!(r.header("HOST"), Some("x"));
    assert!(r.latency > Duration::ZERO);
    assert_eq!((emu.next_requests(), emu.connections()), (1, 1));
    assert!(emu.first_next_at().is_some());
    // Deadline defaults to a time in the future; unknown ids still get the default status.
    emu.push(Reply::Event(
        Event::new("req-2", "{}").with_post_status(413),
    ));
    let a = c.get(NEXT);
    let deadline: u64 = a
        .header("Lambda-Runtime-Deadline-Ms")
        .unwrap()
        .parse()
        .unwrap();
    assert!(deadline > 1_600_000_000_000);
    assert_eq!(a.header("Lambda-Runtime-Trace-Id"), None);
    let a = c.post("/2018-06-01/runtime/invocation/req-2/error", "{}");
    assert_eq!(a.status, 413);
    assert!(String::from_utf8_lossy(&a.body).contains("\"errorType\":\"RequestEntityTooLarge\""));
    let r = &emu.wait_records(2, WAIT)[1];
    assert_eq!((r.kind, r.status_sent), (Kind::Error, 413));
    emu.shutdown();
}

#[test]
fn chunked_event_framing_is_valid() {
    let body: Vec<u8> = (0..1000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let emu = start(
        Script::new()
            .event(Event::new("c1", body.clone()).chunked(300))
            .close_after_each_answer(true),
    );
    let mut c = Client::connect(&emu);
    c.send(format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
    let raw = c.rest();
    let text = String::from_utf8(raw).unwrap();
    let (head, mut rest) = text.split_once("\r\n\r\n").unwrap();
    assert!(head.contains("\r\nTransfer-Encoding: chunked\r\n"));
    assert!(head.contains("\r\nConnection: close"));
    assert!(!head.to_ascii_lowercase().contains("content-length"));
    let mut decoded = Vec::new();
    loop {
        let (size_line, after) = rest.split_once("\r\n").unwrap();
        let (size, ext) = size_line.split_once(';').unwrap();
        assert_eq!(ext, "x=y");
        let size = usize::from_str_radix(size, 16).unwrap();
        if size == 0 {
            assert_eq!(after, "X-Trailer: 1\r\n\r\n");
            break;
        }
        assert!(size <= 300);
        decoded.extend_from_slice(&after.as_bytes()[..size]);
        assert_eq!(&after[size..size + 2], "\r\n");
        rest = &after[size + 2..];
    }
    assert_eq!(decoded, body);
}

#[test]
fn chunked_post_with_trailers_is_recorded() {
    let emu = start(Script::new().prefix("/.rt").event(Event::new("abc", "{}")));
    assert!(emu.runtime_api().ends_with("/.rt"));
    let mut c = Client::connect(&emu);
    assert_eq!(c.get(&format!("/.rt{NEXT}")).status, 200);
    c.send(
        b"POST /.rt/2018-06-01/runtime/invocation/abc/response HTTP/1.1\r\nhost: x\r\n\
          Transfer-Encoding: chunked\r\nTrailer: Lambda-Runtime-Function-Error-Type\r\n\r\n\
          5;foo=bar\r\nhello\r\n1\r\n \r\n5 ; a=b\r\nworld\r\n0\r\n\
          Lambda-Runtime-Function-Error-Type: Boom\r\n\r\n",
    );
    assert_eq!(c.answer().status, 202);
    let r = &emu.wait_records(1, WAIT)[0];
    assert_eq!(r.kind, Kind::Response);
    assert_eq!(r.body, b"hello world");
    assert_eq!(
        r.trailers,
        vec![(
            "lambda-runtime-function-error-type".to_string(),
            "Boom".to_string()
        )]
    );
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
}

#[test]
fn ids_are_percent_decoded() {
    let emu = start(Script::new());
    let mut c = Client::connect(&emu);
    let a = c.post("/2018-06-01/runtime/invocation/a%2Fb%20c%25~/response", "x");
    assert_eq!(a.status, 202);
    let r = &emu.wait_records(1, WAIT)[0];
    assert_eq!((r.kind, r.request_id.as_str()), (Kind::Response, "a/b c%~"));
    assert_eq!(
        r.target,
        "/2018-06-01/runtime/invocation/a%2Fb%20c%25~/response"
    );
    assert_eq!(r.latency, Duration::ZERO);
    // A `%` without two hex digits is invalid and closes the connection.
    c.send(b"POST /2018-06-01/runtime/invocation/a%zz/error HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n");
    assert_eq!(c.answer().status, 400);
    assert!(c.rest().is_empty());
    let r = &emu.wait_records(2, WAIT)[1];
    assert_eq!((r.kind, r.request_id.as_str()), (Kind::Invalid, ""));
    assert!(r.problem.as_deref().unwrap().contains("percent"));
}

#[test]
fn malformed_requests_are_invalid() {
    let cases: &[(&[u8], u16, &str)] = &[
        (b"GET /x HTTP/1.1\nHost: x\r\n\r\n", 400, "bare LF"),
        (b"GET /x HTTP/1.1\r\n\r\n", 400, "Host"),
        (b"GET  /x HTTP/1.1\r\nHost: x\r\n\r\n", 400, "request line"),
        (b"GET /x HTTP/1.0\r\nHost: x\r\n\r\n", 400, "version"),
        (b"GET /\xc3\xa9 HTTP/1.1\r\nHost: x\r\n\r\n", 400, "visible ASCII"),
        (b"POST /x HTTP/1.1\r\nHost: x\r\n\r\n", 400, "without Content-Length"),
        (b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", 400, "both"),
        (b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n", 400, "Content-Length"),
        (b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nz\r\n", 400, "chunk size"),
        (b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 99999999999\r\n\r\n", 413, "64 MiB"),
        (b"GET /x HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n", 400, "folding"),
        (b"GET /x HTTP/1.1\r\nBad Name: x\r\n\r\n", 400, "header name"),
    ];
    let mut cases = cases.to_vec();
    let huge = format!(
        "GET /x HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "b".repeat(70_000)
    );
    cases.push((huge.as_bytes(), 431, "64 KiB"));
    let emu = start(Script::new());
    for (i, (raw, status, problem)) in cases.iter().enumerate() {
        let mut c = Client::connect(&emu);
        c.send(raw);
        let a = c.answer();
        assert_eq!(a.status, *status, "case {i}");
        assert_eq!(a.header("Connection"), Some("close"));
        assert!(c.rest().is_empty(), "case {i}: connection closed");
        let r = &emu.wait_records(i + 1, WAIT)[i];
        assert_eq!(
            (r.kind, r.status_sent, r.connection),
            (Kind::Invalid, *status, i)
        );
        let p = r.problem.as_deref().unwrap();
        assert!(p.contains(problem), "case {i}: {p:?}");
    }
    // A request cut off by the peer is recorded with status 0.
    let mut c = Client::connect(&emu);
    c.send(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc");
    c.w.shutdown(std::net::Shutdown::Write).unwrap();
    let r = &emu.wait_records(cases.len() + 1, WAIT)[cases.len()];
    assert_eq!(
        (r.kind, r.status_sent, r.body.as_slice()),
        (Kind::Invalid, 0, &b"abc"[..])
    );
}

#[test]
fn unknown_paths_get_404_and_keep_the_connection() {
    let emu = start(Script::new().prefix("/.rt"));
    let mut c = Client::connect(&emu);
    for path in [
        NEXT,
        "/.rt/2018-06-01/runtime/invocation/a/b/response",
        "/.rt/nope",
    ] {
        let a = c.get(path);
        assert_eq!(a.status, 404);
        assert!(String::from_utf8_lossy(&a.body).contains("errorType"));
    }
    let a = c.post("/.rt/2018-06-01/runtime/invocation//response", "");
    assert_eq!(a.status, 404);
    let recs = emu.wait_records(4, WAIT);
    assert!(recs
        .iter()
        .all(|r| r.kind == Kind::Unknown && r.status_sent == 404 && r.connection == 0));
    assert_eq!(emu.next_requests(), 0);
}

#[test]
fn drained_status_answer() {
    let emu = start(Script::new().event(Event::new("only", "1")));
    let mut c = Client::connect(&emu);
    assert_eq!(c.get(NEXT).status, 200);
    let a = c.get(NEXT);
    assert_eq!(a.status, 500);
    assert_eq!(a.body, lambda_zero_emulator::DRAINED_BODY.as_bytes());
    let emu = start(Script::new().drained(Drained::Status(403)));
    let mut c = Client::connect(&emu);
    assert_eq!(c.get(NEXT).status, 403);
    assert_eq!(c.get(NEXT).status, 403);
}

#[test]
fn close_after_each_answer_reconnects() {
    let emu = start(
        Script::new()
            .events([Event::new("1", "a"), Event::new("2", "b")])
            .close_after_each_answer(true),
    );
    for id in ["1", "2"] {
        let mut c = Client::connect(&emu);
        let a = c.get(NEXT);
        assert_eq!((a.status, a.header("Connection")), (200, Some("close")));
        assert!(c.rest().is_empty());
        let mut c = Client::connect(&emu);
        let a = c.post(
            &format!("/2018-06-01/runtime/invocation/{id}/response"),
            "r",
        );
        assert_eq!((a.status, a.header("Connection")), (202, Some("close")));
        assert!(c.rest().is_empty());
    }
    let recs = emu.wait_records(2, WAIT);
    assert_eq!((recs[0].connection, recs[1].connection), (1, 3));
    assert!(recs[1].latency > Duration::ZERO);
    assert_eq!(emu.connections(), 4);
}

#[test]
fn split_writes_and_odd_replies() {
    let mut big = Event::new("big", vec![b'z'; 5000]);
    big.function_arn = "arn:x".into();
    let emu = start(
        Script::new()
            .split_writes(7)
            .event(big)
            .reply(Reply::Status(429, b"{}".to_vec()))
            .reply(Reply::Raw(
                b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi".to_vec(),
            ))
            .reply(Reply::CloseMidBody(Event::new("cut", "0123456789")))
            .reply(Reply::Close),
    );
    let mut c = Client::connect(&emu);
    let a = c.get(NEXT);
    assert_eq!(
        (
            a.body.len(),
            a.header("Lambda-Runtime-Invoked-Function-Arn")
        ),
        (5000, Some("arn:x"))
    );
    assert_eq!(c.get(NEXT).status, 429);
    let a = c.get(NEXT);
    assert_eq!(a.body, b"hi");
    assert!(c.rest().is_empty());
    let mut c = Client::connect(&emu);
    c.send(format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
    let raw = String::from_utf8(c.rest()).unwrap();
    assert!(
        raw.contains("Content-Length: 10\r\n") && raw.ends_with("\r\n\r\n01234"),
        "{raw:?}"
    );
    let mut c = Client::connect(&emu);
    c.send(format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
    assert!(c.rest().is_empty());
    assert_eq!(emu.next_requests(), 5);
}

#[test]
fn blocked_next_is_served_by_push() {
    let emu = start(Script::new().drained(Drained::Block));
    let mut c = Client::connect(&emu);
    c.send(format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
    // Pushing before or after the GET arrives must both work.
    emu.push(Reply::Event(Event::new("late", "{}")));
    let a = c.answer();
    assert_eq!(a.header("Lambda-Runtime-Aws-Request-Id"), Some("late"));
    assert_eq!(emu.pending(), 0);
}

#[test]
fn shutdown_does_not_hang() {
    // An idle keep-alive connection, a half-sent request and a /next blocked on an empty script.
    let emu = start(
        Script::new()
            .drained(Drained::Block)
            .event(Event::new("1", "x")),
    );
    let mut idle = Client::connect(&emu);
    assert_eq!(idle.get(NEXT).status, 200);
    let mut half = Client::connect(&emu);
    half.send(b"POST /x HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nab");
    let mut blocked = Client::connect(&emu);
    blocked.send(format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
    let _silent = TcpStream::connect(emu.addr()).unwrap();
    emu.shutdown();
    // Closed (EOF, or a reset when the request was still unread) without an answer.
    for c in [&mut blocked, &mut idle, &mut half] {
        let mut got = Vec::new();
        let _ = c.r.read_to_end(&mut got);
        assert!(got.is_empty());
    }
}

#[test]
fn drop_of_idle_emulator_returns() {
    let emu = start(Script::default());
    let _c = Client::connect(&emu);
    drop(emu);
}
