//! Exercises the emulator with a tiny hand-written std `TcpStream` client.

use lambda_zero_emulator::{
    api_gateway_v2_event, api_gateway_v2_json_event, error_of, status_code_of, Audit, Drained,
    Emulator, Event, Kind, Load, Record, Reply, Script,
};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::sync::Arc;
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

thread_local! {
    /// Which server [`start`] starts: threaded, or evented ([`Script::evented`]).
    static EVENTED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

fn start(script: Script) -> Emulator {
    Emulator::start(script.evented(EVENTED.get())).unwrap()
}

/// Runs `test` against the threaded server, then against the evented one: same answers,
/// same records.
fn on_both_servers(test: impl Fn()) {
    for evented in [false, true] {
        EVENTED.set(evented);
        test();
    }
    EVENTED.set(false);
}

#[test]
fn event_handout_and_response_recorded_with_latency() {
    on_both_servers(|| {
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
        assert!(
            String::from_utf8_lossy(&a.body).contains("\"errorType\":\"RequestEntityTooLarge\"")
        );
        let r = &emu.wait_records(2, WAIT)[1];
        assert_eq!((r.kind, r.status_sent), (Kind::Error, 413));
        emu.shutdown();
    });
}

#[test]
fn chunked_event_framing_is_valid() {
    on_both_servers(|| {
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
    });
}

#[test]
fn chunked_post_with_trailers_is_recorded() {
    on_both_servers(|| {
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
    });
}

#[test]
fn ids_are_percent_decoded() {
    on_both_servers(|| {
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
    });
}

#[test]
fn malformed_requests_are_invalid() {
    on_both_servers(|| {
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
    });
}

#[test]
fn lean_records_check_every_header_and_keep_those_of_errors() {
    on_both_servers(|| {
        const RESPONSE: &str = "/2018-06-01/runtime/invocation/r1/response";
        // What the lean parse must still refuse, on the requests it keeps no headers of.
        let refused: &[(String, u16, &str)] = &[
            (format!("GET {NEXT} HTTP/1.1\r\n\r\n"), 400, "Host"),
            (format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\nHost: y\r\n\r\n"), 400, "more than one Host"),
            (format!("GET {NEXT} HTTP/1.1\r\nBad Name: x\r\nHost: x\r\n\r\n"), 400, "header name"),
            (format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\n folded\r\n\r\n"), 400, "folding"),
            (format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\nX: a\x01b\r\n\r\n"), 400, "control"),
            (format!("POST {RESPONSE} HTTP/1.1\r\nHost: x\r\nContent-Length: 1x\r\n\r\n"), 400, "Content-Length"),
            (format!("POST {RESPONSE} HTTP/1.1\r\nHost: x\r\ncontent-length: 1\r\nContent-Length: 1\r\n\r\n"), 400, "more than one Content-Length"),
            (format!("POST {RESPONSE} HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTRANSFER-encoding: chunked\r\n\r\n"), 400, "both"),
            (format!("POST {RESPONSE} HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n\r\n"), 400, "Transfer-Encoding"),
            (format!("POST {RESPONSE} HTTP/1.1\r\nHost: x\r\n\r\n"), 400, "without Content-Length"),
        ];
        let emu = start(Script::new().lean_records(true));
        for (i, (raw, status, problem)) in refused.iter().enumerate() {
            let mut c = Client::connect(&emu);
            c.send(raw.as_bytes());
            assert_eq!(c.answer().status, *status, "case {i}");
            let r = &emu.wait_records(i + 1, WAIT)[i];
            assert_eq!(
                (r.kind, r.status_sent),
                (Kind::Invalid, *status),
                "case {i}"
            );
            let p = r.problem.as_deref().unwrap();
            assert!(p.contains(problem), "case {i}: {p:?}");
        }
        let n = refused.len();
        emu.push(Reply::Event(Event::new("r1", "{}")));
        emu.push(Reply::Event(Event::new("r2", "{}")));
        let mut c = Client::connect(&emu);
        assert_eq!(c.get(NEXT).status, 200);
        // Chunked, with `Connection: keep-alive, Close` in odd case: framing still read.
        c.send(
            format!(
                "POST {RESPONSE} HTTP/1.1\r\nhost: x\r\nX-Extra: 1\r\n\
                 transfer-ENCODING: Chunked\r\nConnection: keep-alive, Close\r\n\r\n\
                 2\r\nok\r\n0\r\n\r\n"
            )
            .as_bytes(),
        );
        let a = c.answer();
        assert_eq!((a.status, a.header("Connection")), (202, Some("close")));
        let r = &emu.wait_records(n + 1, WAIT)[n];
        assert_eq!(
            (r.kind, r.request_id.as_str(), r.body.as_slice()),
            (Kind::Response, "r1", &b"ok"[..])
        );
        assert!(r.headers.is_empty(), "{:?}", r.headers);
        let mut c = Client::connect(&emu);
        assert_eq!(c.get(NEXT).status, 200);
        let e = c.post("/2018-06-01/runtime/invocation/r2/error", "{}");
        assert_eq!(e.status, 202);
        let r = &emu.wait_records(n + 2, WAIT)[n + 1];
        assert_eq!(
            (r.kind, r.header("content-length")),
            (Kind::Error, Some("2"))
        );
        assert_eq!(r.header("HOST"), Some("x"));
        // Not the Runtime API's `/response`, though it ends so: routed, and kept, as unknown.
        assert_eq!(c.post("/elsewhere/r3/response", "{}").status, 404);
        let r = &emu.wait_records(n + 3, WAIT)[n + 2];
        assert_eq!((r.kind, r.header("host")), (Kind::Unknown, Some("x")));
        emu.shutdown();
    });
}

#[test]
fn unknown_paths_get_404_and_keep_the_connection() {
    on_both_servers(|| {
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
    });
}

#[test]
fn drained_status_answer() {
    on_both_servers(|| {
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
    });
}

#[test]
fn close_after_each_answer_reconnects() {
    on_both_servers(|| {
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
    });
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
    on_both_servers(|| {
        let emu = start(Script::new().drained(Drained::Block));
        let mut c = Client::connect(&emu);
        c.send(format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n").as_bytes());
        // Pushing before or after the GET arrives must both work.
        emu.push(Reply::Event(Event::new("late", "{}")));
        let a = c.answer();
        assert_eq!(a.header("Lambda-Runtime-Aws-Request-Id"), Some("late"));
        assert_eq!(emu.pending(), 0);
    });
}

#[test]
fn evented_server_answers_the_extensions_api_400_and_says_why() {
    let emu = Emulator::start(Script::new().evented(true)).unwrap();
    let mut c = Client::connect(&emu);
    let a = c.post("/2020-01-01/extension/register", r#"{"events":[]}"#);
    assert_eq!(a.status, 400);
    assert_eq!(a.header("Connection"), Some("close"));
    let r = &emu.wait_records(1, WAIT)[0];
    assert_eq!(r.kind, Kind::Invalid);
    assert!(
        r.problem.as_deref().unwrap().contains("--threaded"),
        "{r:?}"
    );
    // Options the event loop does not serve fall back to the threaded server.
    let emu = Emulator::start(Script::new().evented(true).expect_extensions(1)).unwrap();
    let mut c = Client::connect(&emu);
    c.send(
        b"POST /2020-01-01/extension/register HTTP/1.1\r\nHost: x\r\n\
          Lambda-Extension-Name: e\r\nContent-Length: 2\r\n\r\n{}",
    );
    assert_eq!(c.answer().status, 200);
}

#[test]
fn shutdown_does_not_hang() {
    on_both_servers(|| {
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
    });
}

#[test]
fn drop_of_idle_emulator_returns() {
    on_both_servers(|| {
        let emu = start(Script::default());
        let _c = Client::connect(&emu);
        drop(emu);
    });
}

// ---- pipelining (issue 14) ------------------------------------------------------------------

fn post_bytes(id: &str, body: &[u8]) -> Vec<u8> {
    let mut req = format!(
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    req.extend_from_slice(body);
    req
}

/// Posts a response for `id` (not pipelined) and expects `202`.
fn respond(c: &mut Client, id: &str) {
    let a = c.post(
        &format!("/2018-06-01/runtime/invocation/{id}/response"),
        "r",
    );
    assert_eq!(a.status, 202);
}

fn next_bytes() -> Vec<u8> {
    format!("GET {NEXT} HTTP/1.1\r\nHost: x\r\n\r\n").into_bytes()
}

#[test]
fn pipelined_post_and_next_are_answered_in_order_at_every_split() {
    on_both_servers(|| {
        let emu = start(Script::new().drained(Drained::Block));
        let mut c = Client::connect(&emu);
        emu.push(Reply::Event(Event::new("id-0", "{}")));
        assert_eq!(c.get(NEXT).status, 200);
        let len = post_bytes("id-0", b"\"ok\"").len() + next_bytes().len();
        for k in 0..=len {
            let (id, next_id) = (format!("id-{k}"), format!("id-{}", k + 1));
            emu.push(Reply::Event(Event::new(
                next_id.clone(),
                format!("{{\"k\":{k}}}"),
            )));
            let mut both = post_bytes(&id, b"\"ok\"");
            both.extend_from_slice(&next_bytes());
            // Two writes, cut at byte k: wherever the cut, the answers are the same, in order.
            c.send(&both[..k]);
            c.send(&both[k..]);
            let a = c.answer();
            assert_eq!(
                (a.status, a.body.as_slice()),
                (202, &br#"{"status":"OK"}"#[..]),
                "split {k}"
            );
            let a = c.answer();
            assert_eq!(
                a.header("Lambda-Runtime-Aws-Request-Id"),
                Some(next_id.as_str())
            );
            assert_eq!(a.body, format!("{{\"k\":{k}}}").as_bytes());
            let r = emu.wait_record(k, WAIT).unwrap();
            assert_eq!(
                (r.kind, r.request_id.as_str(), r.body.as_slice()),
                (Kind::Response, id.as_str(), &b"\"ok\""[..])
            );
        }
        assert_eq!(emu.connections(), 1);
        // In one write, the GET is always found buffered behind the POST.
        assert!(emu.pipelined() >= 1);
    });
}

#[test]
fn pipelined_requests_behind_a_large_body_are_not_lost() {
    on_both_servers(|| {
        // A body larger than the read buffer is read straight from the socket: the requests
        // behind it must still be read whole, in order.
        let emu = start(Script::new().drained(Drained::Block));
        let big = vec![b'b'; 200_000];
        emu.push(Reply::Event(Event::new("a", "1")));
        emu.push(Reply::Event(Event::new("b", "2")));
        let mut c = Client::connect(&emu);
        assert_eq!(c.get(NEXT).status, 200);
        let mut all = post_bytes("a", &big);
        all.extend_from_slice(&next_bytes());
        all.extend_from_slice(&post_bytes("b", b"small"));
        all.extend_from_slice(&next_bytes());
        let writer = {
            let mut w = c.w.try_clone().unwrap();
            std::thread::spawn(move || w.write_all(&all).unwrap())
        };
        assert_eq!(c.answer().status, 202);
        assert_eq!(
            c.answer().header("Lambda-Runtime-Aws-Request-Id"),
            Some("b")
        );
        assert_eq!(c.answer().status, 202);
        writer.join().unwrap();
        let recs = emu.wait_records(2, WAIT);
        assert_eq!(
            (recs[0].request_id.as_str(), recs[0].body.len()),
            ("a", big.len())
        );
        assert_eq!(
            (recs[1].request_id.as_str(), recs[1].body.as_slice()),
            ("b", &b"small"[..])
        );
        // The last GET /next is blocked, waiting for an event: push one.
        emu.push(Reply::Event(Event::new("c", "3")));
        assert_eq!(
            c.answer().header("Lambda-Runtime-Aws-Request-Id"),
            Some("c")
        );
        assert_eq!(emu.next_requests(), 3);
    });
}

#[test]
fn refused_pipelining_answers_the_post_then_closes() {
    let emu = start(Script::new().refuse_pipelining(true).events([
        Event::new("1", "a"),
        Event::new("2", "b"),
        Event::new("3", "c"),
    ]));
    let mut c = Client::connect(&emu);
    assert_eq!(c.get(NEXT).status, 200);
    // Not pipelined (the GET is sent after the POST's answer): served as usual.
    respond(&mut c, "1");
    assert_eq!(
        c.get(NEXT).header("Lambda-Runtime-Aws-Request-Id"),
        Some("2")
    );
    // Pipelined: the POST is answered and recorded, the GET behind it is not.
    let mut both = post_bytes("2", b"r");
    both.extend_from_slice(&next_bytes());
    c.send(&both);
    let a = c.answer();
    assert_eq!(a.status, 202);
    assert!(c.rest().is_empty(), "closed without answering the GET");
    assert_eq!(emu.refused_pipelined(), 1);
    let recs = emu.wait_records(2, WAIT);
    assert_eq!(
        (recs[1].kind, recs[1].request_id.as_str()),
        (Kind::Response, "2")
    );
    // The fallback: GET /next again on a new connection gets the next event.
    let mut c = Client::connect(&emu);
    assert_eq!(
        c.get(NEXT).header("Lambda-Runtime-Aws-Request-Id"),
        Some("3")
    );
    assert_eq!(emu.next_requests(), 3, "the refused GET was never served");
}

#[test]
fn hold_until_next_records_the_answer_when_the_next_get_arrives() {
    let emu = start(
        Script::new()
            .hold_until_next(true)
            .drained(Drained::Block)
            .events([
                Event::new("1", "a"),
                Event::new("2", "b").with_post_status(410),
                Event::new("3", "c"),
                Event::new("4", "d"),
            ]),
    );
    let mut c = Client::connect(&emu);
    assert_eq!(c.get(NEXT).status, 200);
    respond(&mut c, "1");
    // Answered, but its caller has not got it yet: the runtime has not asked for more.
    assert_eq!(emu.record_count(), 0);
    assert_eq!(
        c.get(NEXT).header("Lambda-Runtime-Aws-Request-Id"),
        Some("2")
    );
    let r = emu.wait_record(0, WAIT).unwrap();
    assert_eq!(r.request_id, "1");
    assert!(r
        .caller_latency
        .is_some_and(|held| held >= r.latency && held > Duration::ZERO));
    // A refused answer (410) ends the invocation at once: recorded, not held.
    assert_eq!(
        c.post("/2018-06-01/runtime/invocation/2/error", "{}")
            .status,
        410
    );
    let r = emu.wait_record(1, WAIT).unwrap();
    assert_eq!((r.request_id.as_str(), r.caller_latency), ("2", None));
    // Held on a connection that then closes: released by the next GET on any connection.
    assert_eq!(
        c.get(NEXT).header("Lambda-Runtime-Aws-Request-Id"),
        Some("3")
    );
    c.send(b"POST /2018-06-01/runtime/invocation/3/response HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 1\r\n\r\nr");
    assert_eq!(c.answer().status, 202);
    assert!(c.rest().is_empty());
    assert_eq!(emu.record_count(), 2);
    let mut c = Client::connect(&emu);
    assert_eq!(
        c.get(NEXT).header("Lambda-Runtime-Aws-Request-Id"),
        Some("4")
    );
    let r = emu.wait_record(2, WAIT).unwrap();
    assert_eq!(r.request_id, "3");
    assert!(r.caller_latency.is_some());
}

// ---- concurrency (issue 17) -----------------------------------------------------------------

#[test]
fn n_blocked_nexts_are_each_served_one_event() {
    on_both_servers(|| {
        const N: usize = 8;
        let emu = start(Script::new().drained(Drained::Block));
        let mut clients: Vec<Client> = (0..N).map(|_| Client::connect(&emu)).collect();
        for c in &mut clients {
            c.send(&next_bytes());
        }
        assert_eq!(emu.wait_next_requests(N, WAIT), N);
        for i in 0..N {
            emu.push(Reply::Event(Event::new(format!("e{i}"), "{}")));
        }
        let mut ids: Vec<String> = clients
            .iter_mut()
            .map(|c| {
                c.answer()
                    .header("Lambda-Runtime-Aws-Request-Id")
                    .unwrap()
                    .to_string()
            })
            .collect();
        ids.sort();
        assert_eq!(ids, (0..N).map(|i| format!("e{i}")).collect::<Vec<_>>());
        assert_eq!((emu.in_flight(), emu.peak_in_flight()), (N, N));
        for (c, id) in clients.iter_mut().zip(&ids) {
            let a = c.post(
                &format!("/2018-06-01/runtime/invocation/{id}/response"),
                "r",
            );
            assert_eq!(a.status, 202);
        }
        assert_eq!(emu.wait_count(N, WAIT), N);
        assert_eq!((emu.in_flight(), emu.peak_in_flight()), (0, N));
    });
}

fn record(kind: Kind, id: &str) -> Record {
    Record {
        kind,
        request_id: id.into(),
        target: String::new(),
        headers: Vec::new(),
        body: Vec::new(),
        trailers: Vec::new(),
        status_sent: 202,
        connection: 0,
        latency: Duration::ZERO,
        caller_latency: None,
        received_at: std::time::Instant::now(),
        problem: None,
    }
}

#[test]
fn audit_finds_lost_duplicated_and_unknown_answers() {
    let ids: Vec<String> = ["a", "b", "c", "d"].map(String::from).to_vec();
    let recs = [
        record(Kind::Response, "a"),
        record(Kind::Error, "b"),
        record(Kind::Response, "c"),
        record(Kind::Error, "c"),
        record(Kind::Response, "zz"),
        record(Kind::Response, "zz"),
        record(Kind::Invalid, "d"),
        record(Kind::InitError, ""),
    ];
    let audit = Audit::check(&ids, &recs);
    assert_eq!(audit.answered_once, 2);
    assert_eq!(audit.lost, ["d"]);
    assert_eq!(audit.duplicated, ["c"]);
    assert_eq!(audit.unknown, ["zz"]);
    assert!(!audit.is_clean());
    assert!(Audit::check(&ids[..2], &recs[..2]).is_clean());
}

#[test]
fn answers_are_inspected() {
    let mut r = record(Kind::Error, "x");
    r.body = br#"{"errorMessage":"bad \"thing\"","errorType":"Runtime.Panic"}"#.to_vec();
    assert_eq!(
        error_of(&r),
        Some(("Runtime.Panic".into(), "bad \"thing\"".into()))
    );
    r.body = b"not json".to_vec();
    r.headers = vec![(
        "lambda-runtime-function-error-type".into(),
        "Hdr.Type".into(),
    )];
    assert_eq!(error_of(&r), Some(("Hdr.Type".into(), String::new())));
    r.kind = Kind::Response;
    assert_eq!(error_of(&r), None);
    assert_eq!(status_code_of(br#"{"statusCode":418}"#), Some(418));
    assert_eq!(status_code_of(b"Hello"), None);
}

#[test]
fn json_body_events_carry_a_json_document_of_the_size_asked() {
    for size in [10, 4096, 20_000] {
        let e = String::from_utf8(api_gateway_v2_json_event("rid", size)).unwrap();
        assert!(e.starts_with(r#"{"version":"2.0","routeKey":"POST /items""#));
        assert!(e.contains(r#""requestId":"rid""#) && e.ends_with(r#"","isBase64Encoded":false}"#));
        let (_, body) = e.split_once(r#""body":""#).unwrap();
        let doc = body
            .trim_end_matches(r#"","isBase64Encoded":false}"#)
            .replace("\\\"", "\"");
        assert!(doc.starts_with(r#"{"items":[{"id":0,"#) && doc.ends_with("}]}"));
        assert!(
            doc.len() >= size && doc.len() < size.max(80) + 80,
            "{size}: {}",
            doc.len()
        );
    }
}

// ---- load runs against a tiny runtime: this test binary, re-run as a child --------------------

/// Set for the child process: how the tiny runtime behaves.
const CHILD: &str = "LZ_EMULATOR_TEST_RUNTIME";

/// A minimal Runtime API client for the child: `AWS_LAMBDA_MAX_CONCURRENCY` threads (default
/// 1), each on its own connection. Every 10th invocation (by a process-wide count) posts an
/// `/error`; the others answer `statusCode` 200 (even count) or 404 (odd). Modes: `pipeline`
/// writes each answer and the next `GET /next` in one write; `duplicate` answers its first
/// event twice; `wrong-id` answers its first event under an id never handed out.
#[test]
fn tiny_runtime_child() {
    let Ok(mode) = std::env::var(CHILD) else {
        return; // not the child: nothing to do
    };
    let api = std::env::var("AWS_LAMBDA_RUNTIME_API").unwrap();
    let workers: usize =
        std::env::var("AWS_LAMBDA_MAX_CONCURRENCY").map_or(1, |v| v.parse().unwrap());
    let count = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let threads: Vec<_> = (0..workers)
        .map(|w| {
            let (api, mode, count) = (api.clone(), mode.clone(), count.clone());
            std::thread::spawn(move || {
                let s = TcpStream::connect(&api).unwrap();
                let mut c = Client {
                    r: BufReader::new(s.try_clone().unwrap()),
                    w: s,
                };
                c.send(&next_bytes());
                for i in 0.. {
                    let a = c.answer();
                    let id = a.header("Lambda-Runtime-Aws-Request-Id").unwrap().to_string();
                    let n = count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    let mut out = if n % 10 == 9 {
                        let body = br#"{"errorMessage":"every tenth","errorType":"Test.Tenth"}"#;
                        let mut req = format!(
                            "POST /2018-06-01/runtime/invocation/{id}/error HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n",
                            body.len()
                        )
                        .into_bytes();
                        req.extend_from_slice(body);
                        req
                    } else {
                        let code = if n % 2 == 0 { 200 } else { 404 };
                        post_bytes(&id, format!(r#"{{"statusCode":{code},"body":"w{w}"}}"#).as_bytes())
                    };
                    if i == 0 && mode == "duplicate" {
                        c.send(&out);
                        assert_eq!(c.answer().status, 202);
                    }
                    if i == 0 && mode == "wrong-id" {
                        out = post_bytes("never-handed-out", b"x");
                    }
                    if mode == "pipeline" {
                        out.extend_from_slice(&next_bytes());
                        c.send(&out);
                        assert_eq!(c.answer().status, 202);
                    } else {
                        c.send(&out);
                        assert_eq!(c.answer().status, 202);
                        c.send(&next_bytes());
                    }
                }
            })
        })
        .collect();
    for t in threads {
        let _ = t.join();
    }
}

/// Runs this test binary as the tiny runtime.
fn child(mode: &str) -> Command {
    let mut cmd = Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "tiny_runtime_child",
        "--nocapture",
        "--test-threads",
        "1",
    ])
    .env(CHILD, mode)
    .stdout(Stdio::null())
    .stderr(Stdio::null());
    cmd
}

fn json_event() -> Arc<Event> {
    Arc::new(Event::new("t", api_gateway_v2_event("t", 100)))
}

#[test]
fn load_keeps_n_in_flight_and_audits_every_answer() {
    let report = Load::new(200, json_event())
        .concurrency(4)
        .random_ids(true)
        .run(child("ok"))
        .unwrap();
    assert_eq!(report.failure, None);
    assert!(report.audit.is_clean(), "{:?}", report.audit);
    assert_eq!(report.audit.answered_once, 200);
    assert_eq!(report.latency.count, 200);
    assert_eq!(report.of_kind(Kind::Error).count(), 20);
    assert_eq!((report.connections, report.peak_in_flight <= 4), (4, true));
    assert!(report.peak_in_flight >= 1 && report.invokes_per_sec() > 0.0);
    assert!(report.usage.peak_rss_kib.is_some() && report.usage.cpu_us.is_some());
    assert!(report.ids.iter().all(|id| id.len() == 36));
    assert!(
        report.latency.median <= report.latency.p99 && report.latency.p99 <= report.latency.max
    );
    assert_eq!(report.caller_latency, None);
}

#[test]
fn load_reports_pipelining_and_caller_latency() {
    let report = Load::new(50, json_event())
        .script(Script::new().hold_until_next(true))
        .run(child("pipeline"))
        .unwrap();
    assert_eq!(report.failure, None);
    assert!(report.audit.is_clean());
    // Every GET /next but the first came in the same write as an answer.
    assert!(report.pipelined >= 1);
    let held = report.caller_latency.unwrap();
    assert_eq!(held.count, 50);
    // Refused: the runtime (which has no fallback) stops after its first answer.
    let report = Load::new(5, json_event())
        .script(Script::new().refuse_pipelining(true))
        .stall(Duration::from_secs(2))
        .run(child("pipeline"))
        .unwrap();
    assert!(report.failure.is_some());
    assert_eq!((report.refused_pipelined, report.latency.count), (1, 1));
}

#[test]
fn load_audit_catches_duplicated_and_misaddressed_answers() {
    let report = Load::new(20, json_event()).run(child("duplicate")).unwrap();
    assert_eq!(report.audit.duplicated.len(), 1);
    assert_eq!(report.audit.duplicated[0], report.ids[0]);
    let report = Load::new(20, json_event())
        .stall(Duration::from_secs(2))
        .run(child("wrong-id"))
        .unwrap();
    assert_eq!(report.audit.unknown, ["never-handed-out"]);
    assert_eq!(report.audit.lost, [report.ids[0].clone()]);
    assert!(report.failure.is_some(), "one event never answered");
}

#[test]
fn lz_emulator_prints_errors_status_codes_and_passes_bootstrap_arguments() {
    let exe = std::env::current_exe().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_lz-emulator"))
        .args([
            "--events",
            "50",
            "--concurrency",
            "3",
            "--random-ids",
            "--json",
            "--bootstrap",
        ])
        .arg(&exe)
        .args(["--", "--exact", "tiny_runtime_child", "--test-threads", "1"])
        .env(CHILD, "ok")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    // 5 of 50 are errors, so not every event got a /response: exit status 1.
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    // The child's own output (libtest's) goes to the same stdout, before the JSON.
    let json = &stdout[stdout.find(r#"{"events":"#).unwrap()..];
    for want in [
        r#""responses":45,"errors":5"#,
        r#""status_codes":{"200":25,"404":20}"#,
        r#""error_types":{"Test.Tenth":5}"#,
        r#""concurrency":3"#,
        r#""lost":0,"duplicated":0,"unknown_ids":0"#,
    ] {
        assert!(json.contains(want), "{want} not in {json}");
    }
    // Three workers, but 50 quick events may all be answered before the last one connects.
    assert!(
        [1, 2, 3]
            .iter()
            .any(|n| json.contains(&format!(r#""connections":{n},"#))),
        "{json}"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_lz-emulator"))
        .args([
            "--events",
            "20",
            "--show",
            "3",
            "--hold-until-next",
            "--bootstrap",
        ])
        .arg(&exe)
        .args(["--", "--exact", "tiny_runtime_child", "--test-threads", "1"])
        .env(CHILD, "pipeline")
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    for want in [
        "  HTTP status codes      200 ×10, 404 ×8",
        "       2 × Test.Tenth: every tenth",
        "  caller latency median",
        "  pipelined requests     ",
        "  audit                  every id answered exactly once",
        "  answer 1               [00000000-0000-4000-8000-000000000001] 200 {\"statusCode\":200,\"body\":\"w0\"}",
        "  answer 3 ",
    ] {
        assert!(text.contains(want), "{want:?} not in\n{text}");
    }
    assert!(!text.contains("  answer 4 "));
}
