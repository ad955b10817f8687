//! Response streaming against the emulator, which de-chunks streamed POSTs
//! and records their trailers.

use lambda_zero::internals::Endpoint;
use lambda_zero::internals::PANIC_ERROR_TYPE;
use lambda_zero::internals::{HTTP_INTEGRATION_CONTENT_TYPE, STREAM_CHUNK_LEN};
use lambda_zero::{Config, Diagnostic, HandlerError, Invocation, Runtime, RuntimeError, Stream};
use lambda_zero_emulator::{Emulator, Event, Kind, Record, Script};
use std::fmt::Write as _;

fn serve<F, E>(script: Script, handler: F) -> (RuntimeError, Vec<Record>, Emulator)
where
    F: FnMut(&Invocation<'_>, &mut Stream<'_>) -> Result<(), E>,
    E: HandlerError,
{
    let emu = Emulator::start(script).unwrap();
    let endpoint = Endpoint::parse(&emu.runtime_api()).unwrap();
    let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
    let err = rt.run_streaming(handler);
    (err, emu.records(), emu)
}

fn drained(err: &RuntimeError) {
    assert!(
        matches!(
            err,
            RuntimeError::Status {
                during: "GET /next",
                status: 500
            }
        ),
        "{err}"
    );
}

/// A test-only base64 decoder (the runtime only encodes).
fn unbase64(s: &str) -> Vec<u8> {
    let val = |c: u8| match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => panic!("not base64: {c}"),
    };
    let mut out = Vec::new();
    for quad in s.trim_end_matches('=').as_bytes().chunks(4) {
        let n = quad
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &c)| n | u32::from(val(c)) << (18 - 6 * i));
        out.extend_from_slice(&n.to_be_bytes()[1..quad.len()]);
    }
    out
}

#[test]
fn streams_twenty_megabytes_in_constant_memory() {
    const TOTAL: usize = 20 * 1024 * 1024;
    let emu = Emulator::start(Script::new().event(Event::new("big", "{}"))).unwrap();
    let endpoint = Endpoint::parse(&emu.runtime_api()).unwrap();
    let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
    let piece: Vec<u8> = (0..1000u32).map(|i| b'a' + (i % 26) as u8).collect();
    let mut largest_pending = 0;
    let err = rt.run_streaming(|_, stream| {
        let mut written = 0;
        while written < TOTAL {
            let n = piece.len().min(TOTAL - written);
            stream.write_bytes(&piece[..n])?;
            written += n;
            largest_pending = largest_pending.max(written as u64 - stream.bytes_sent());
        }
        Ok::<(), std::io::Error>(())
    });
    drained(&err);
    let r = &emu.records()[0];
    assert_eq!(r.kind, Kind::Response);
    assert_eq!(r.body.len(), TOTAL);
    assert!(r.body.chunks(1000).all(|c| c == &piece[..c.len()]));
    assert_eq!(
        r.header("lambda-runtime-function-response-mode"),
        Some("streaming")
    );
    assert_eq!(r.header("transfer-encoding"), Some("chunked"));
    assert_eq!(r.header("content-type"), Some("application/octet-stream"));
    assert!(r.header("content-length").is_none());
    assert!(r.trailers.is_empty());
    assert!(
        largest_pending <= STREAM_CHUNK_LEN as u64,
        "held back {largest_pending} bytes"
    );
}

#[test]
fn closes_the_connection_after_each_streamed_response() {
    let script = Script::new().events((0..3).map(|i| Event::new(format!("s{i}"), "{}")));
    let (err, records, emu) = serve(script, |inv, stream| {
        write!(stream, "hello {}", inv.context.request_id)
    });
    drained(&err);
    let bodies: Vec<_> = records.iter().map(|r| r.body_str().unwrap()).collect();
    assert_eq!(bodies, ["hello s0", "hello s1", "hello s2"]);
    let conns: Vec<_> = records.iter().map(|r| r.connection).collect();
    assert!(
        conns[0] < conns[1] && conns[1] < conns[2],
        "a fresh connection each time: {conns:?}"
    );
    assert!(emu.connections() >= 4);
}

#[test]
fn writes_the_http_integration_prelude_byte_for_byte() {
    let (err, records, _) = serve(Script::new().event(Event::new("url", "{}")), |_, stream| {
        stream.http_prelude(
            201,
            &[("content-type", "text/html"), ("x-q", "a\"b")],
            &["a=1; Secure", "b=2"],
        )?;
        stream.write_bytes(b"<h1>hi</h1>")?;
        stream.flush()?;
        stream.write_bytes(b"<p>more</p>")
    });
    drained(&err);
    let r = &records[0];
    assert_eq!(
        r.header("content-type"),
        Some(HTTP_INTEGRATION_CONTENT_TYPE)
    );
    let mut expected =
        br#"{"statusCode":201,"headers":{"content-type":"text/html","x-q":"a\"b"},"cookies":["a=1; Secure","b=2"]}"#
            .to_vec();
    expected.extend_from_slice(&[0; 8]);
    expected.extend_from_slice(b"<h1>hi</h1><p>more</p>");
    assert_eq!(r.body, expected);
}

#[test]
fn an_error_mid_stream_goes_in_the_trailers() {
    let script = Script::new().events([Event::new("e1", "{}"), Event::new("e2", "{}")]);
    let (err, records, _) = serve(script, |inv, stream| {
        let io = |e: std::io::Error| Diagnostic {
            error_type: "Io",
            error_message: e.to_string(),
        };
        stream.write_bytes(&[b'x'; 40_000]).map_err(io)?;
        if inv.context.request_id == "e1" {
            return Err(Diagnostic {
                error_type: "Stream.Broke",
                error_message: "source went away".into(),
            });
        }
        stream.write_bytes(b"partial").map_err(io)?;
        Err(Diagnostic {
            error_type: "Late",
            error_message: "late \"failure\"".into(),
        })
    });
    drained(&err);
    assert_eq!(records.len(), 2);
    let trailer = |r: &Record, name: &str| {
        r.trailers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let r = &records[0];
    assert_eq!(r.kind, Kind::Response);
    assert_eq!(r.body.len(), 40_000);
    assert_eq!(
        trailer(r, "lambda-runtime-function-error-type").as_deref(),
        Some("Stream.Broke")
    );
    let body = unbase64(&trailer(r, "lambda-runtime-function-error-body").unwrap());
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"errorMessage":"source went away","errorType":"Stream.Broke","stackTrace":[]}"#
    );
    assert_eq!(
        r.header("trailer"),
        Some("Lambda-Runtime-Function-Error-Type, Lambda-Runtime-Function-Error-Body")
    );
    let r = &records[1];
    assert_eq!(
        r.body.len(),
        40_007,
        "pending bytes go out before the trailers"
    );
    let body = unbase64(&trailer(r, "lambda-runtime-function-error-body").unwrap());
    assert_eq!(
        String::from_utf8(body).unwrap(),
        r#"{"errorMessage":"late \"failure\"","errorType":"Late","stackTrace":[]}"#
    );
}

#[test]
fn a_panic_mid_stream_goes_in_the_trailers_and_the_loop_goes_on() {
    let script = Script::new().events([Event::new("p", "{}"), Event::new("ok", "{}")]);
    let (err, records, _) = serve(script, |inv, stream| {
        stream.write_bytes(b"before")?;
        stream.flush()?;
        if inv.context.request_id == "p" {
            panic!("stream source exploded");
        }
        Ok::<(), std::io::Error>(())
    });
    drained(&err);
    let trailer = |r: &Record, name: &str| {
        r.trailers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    assert_eq!(
        trailer(&records[0], "lambda-runtime-function-error-type").as_deref(),
        Some(PANIC_ERROR_TYPE)
    );
    let body = unbase64(&trailer(&records[0], "lambda-runtime-function-error-body").unwrap());
    assert!(String::from_utf8(body)
        .unwrap()
        .contains("handler panicked: stream source exploded"));
    assert_eq!(
        (records[1].body_str(), records[1].trailers.len()),
        (Some("before"), 0)
    );
}

#[test]
fn an_error_before_any_byte_is_a_plain_error_report() {
    let script = Script::new().events([Event::new("early", "{}"), Event::new("ok", "{}")]);
    let (err, records, _) = serve(script, |inv, stream| {
        if inv.context.request_id == "early" {
            stream.write_bytes(b"never sent")?;
            return Err(std::io::Error::other("refused before streaming"));
        }
        stream.write_bytes(b"fine")
    });
    drained(&err);
    assert_eq!(records[0].kind, Kind::Error);
    assert!(records[0]
        .body_str()
        .unwrap()
        .contains("refused before streaming"));
    assert!(records[0]
        .header("lambda-runtime-function-response-mode")
        .is_none());
    assert_eq!(
        (records[1].kind, records[1].body_str()),
        (Kind::Response, Some("fine"))
    );
}

#[test]
fn an_empty_stream_is_an_empty_response() {
    let (err, records, _) = serve(Script::new().event(Event::new("empty", "{}")), |_, _| {
        Ok::<(), std::io::Error>(())
    });
    drained(&err);
    assert_eq!(
        (records[0].kind, records[0].body.len()),
        (Kind::Response, 0)
    );
}
