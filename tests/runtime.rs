//! The runtime loop against the in-repo Runtime API emulator: one test (or
//! more) per behaviour the runtime promises, faults included. Every server
//! binds 127.0.0.1:0; nothing depends on timing (the emulator answers the
//! `/next` after its script with a 500, which ends the loop).

use lambda_zero::internals::Endpoint;
use lambda_zero::internals::HttpError;
use lambda_zero::internals::{
    EVENT_TOO_LARGE_ERROR_TYPE, INVALID_REQUEST_ID_ERROR_TYPE, PANIC_ERROR_TYPE,
};
use lambda_zero::{Config, Diagnostic, HandlerError, Invocation, Output, Runtime, RuntimeError};
use lambda_zero_emulator::{Emulator, Event, Kind, Record, Reply, Script};
use std::fmt::Write as _;

/// Serves `script` to a runtime running `handler` until the script runs
/// out; returns how the loop ended and what the emulator recorded.
fn serve<F, E>(script: Script, handler: F) -> (RuntimeError, Vec<Record>, Emulator)
where
    F: FnMut(&Invocation<'_>, &mut Output<'_>) -> Result<(), E>,
    E: HandlerError,
{
    let emu = Emulator::start(script).expect("emulator starts");
    let err = runtime_for(&emu).run(handler);
    (err, emu.records(), emu)
}

/// A runtime for `emu`'s Runtime API.
fn runtime_for(emu: &Emulator) -> Runtime {
    let endpoint = Endpoint::parse(&emu.runtime_api()).unwrap();
    Runtime::new(&endpoint, Config::default()).unwrap()
}

/// [`serve`] with the echo handler; also returns how many times it ran.
fn serve_echo_counting(script: Script) -> (RuntimeError, Vec<Record>, usize) {
    let mut calls = 0;
    let (err, records, _) = serve(script, |inv, out| {
        calls += 1;
        echo(inv, out)
    });
    (err, records, calls)
}

fn echo(inv: &Invocation<'_>, out: &mut Output<'_>) -> Result<(), std::convert::Infallible> {
    out.write_bytes(inv.event);
    Ok(())
}

/// The loop ended because the script ran out (the emulator's 500).
fn assert_drained(err: &RuntimeError) {
    assert!(
        matches!(
            err,
            RuntimeError::Status {
                during: "GET /next",
                status: 500
            }
        ),
        "loop ended with: {err}"
    );
}

fn events(n: usize) -> Vec<Event> {
    (0..n)
        .map(|i| Event::new(format!("id-{i}"), format!("{{\"n\":{i}}}")))
        .collect()
}

#[test]
fn answers_every_event_over_one_persistent_connection() {
    let (err, records, emu) = serve(Script::new().events(events(100)), echo);
    assert_drained(&err);
    assert_eq!(records.len(), 100);
    for (i, r) in records.iter().enumerate() {
        assert_eq!(r.kind, Kind::Response);
        assert_eq!(r.request_id, format!("id-{i}"));
        assert_eq!(r.body, format!("{{\"n\":{i}}}").as_bytes());
        assert_eq!(r.status_sent, 202);
        assert_eq!(
            r.header("content-length"),
            Some(r.body.len().to_string().as_str())
        );
        assert!(r.header("host").is_some());
    }
    assert_eq!(
        emu.connections(),
        1,
        "one connection for the life of the process"
    );
    assert_eq!(emu.next_requests(), 101);
}

#[test]
fn honours_scheme_and_path_prefix_in_the_endpoint() {
    let emu = Emulator::start(Script::new().prefix("/.rt").events(events(3))).unwrap();
    for api in [
        format!("http://127.0.0.1:{}/.rt", emu.addr().port()),
        format!("localhost:{}/.rt/", emu.addr().port()),
    ] {
        let endpoint = Endpoint::parse(&api).unwrap();
        let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
        let mut served = 0;
        let err = rt.run(|inv, out| {
            served += 1;
            echo(inv, out)
        });
        // The second runtime finds the script drained: its 500 (not a 404)
        // proves the prefix reached the emulator's routes.
        assert_drained(&err);
        assert_eq!(served, if api.starts_with("http") { 3 } else { 0 });
    }
    let records = emu.records();
    assert_eq!(records.len(), 3);
    assert!(records
        .iter()
        .all(|r| r.kind == Kind::Response && r.target.starts_with("/.rt/2018-06-01/")));
}

#[test]
fn reconnects_when_the_server_closes_after_every_answer() {
    let (err, records, emu) = serve(
        Script::new()
            .close_after_each_answer(true)
            .events(events(20)),
        echo,
    );
    assert_drained(&err);
    assert_eq!(records.len(), 20);
    assert!(records
        .iter()
        .all(|r| r.kind == Kind::Response && r.status_sent == 202));
    assert!(
        emu.connections() >= 40,
        "a new connection per request: {}",
        emu.connections()
    );
}

#[test]
fn reads_chunked_events_and_answers_split_into_single_bytes() {
    let body = "{\"k\":\"".to_string() + &"v".repeat(5000) + "\"}";
    let script = Script::new()
        .split_writes(1)
        .event(Event::new("chunked-1", body.clone()).chunked(7))
        .event(Event::new("plain-2", body.clone()))
        .event(Event::new("chunked-3", body.clone()).chunked(4096));
    let (err, records, _) = serve(script, echo);
    assert_drained(&err);
    assert_eq!(records.len(), 3);
    assert!(records
        .iter()
        .all(|r| r.kind == Kind::Response && r.body == body.as_bytes()));
}

#[test]
fn survives_forty_headers_and_multi_kb_values() {
    let mut event = Event::new("many-headers", "{}")
        .with_header("Lambda-Runtime-Client-Context", "c".repeat(6000))
        .with_header("Lambda-Runtime-Cognito-Identity", "i".repeat(4000));
    for i in 0..40 {
        event = event.with_header(format!("X-Extra-{i}"), format!("value-{i}"));
    }
    let mut seen = (0, 0);
    let (err, records, _) = serve(Script::new().event(event), |inv, out| {
        seen = (
            inv.context.client_context.map_or(0, str::len),
            inv.context.identity.map_or(0, str::len),
        );
        echo(inv, out)
    });
    assert_drained(&err);
    assert_eq!(seen, (6000, 4000));
    assert_eq!(records[0].kind, Kind::Response);
}

#[test]
fn hands_the_handler_every_context_field() {
    let event = Event::new("ctx-1", "{\"x\":1}")
        .with_deadline_ms(1_700_000_000_123)
        .with_function_arn("arn:aws:lambda:eu-west-1:1:function:f:live")
        .with_trace_id("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1")
        .with_invocation_id("attempt-7")
        .with_header("lambda-runtime-client-context", "{\"client\":{}}")
        .with_header(
            "LAMBDA-RUNTIME-COGNITO-IDENTITY",
            "{\"cognito_identity_id\":\"abc\"}",
        )
        .with_header("Lambda-Runtime-Aws-Tenant-Id", "tenant-42");
    let (err, records, _) = serve(Script::new().event(event), |inv, out| {
        let c = &inv.context;
        write!(
            out,
            "{}|{}|{}|{:?}|{:?}|{:?}|{:?}|{:?}|{}",
            c.request_id,
            c.deadline,
            c.invoked_function_arn,
            c.xray_trace_id,
            c.client_context,
            c.identity,
            c.tenant_id,
            c.invocation_id,
            inv.event_str().unwrap()
        )
    });
    assert_drained(&err);
    assert_eq!(
        records[0].body_str().unwrap(),
        "ctx-1|1700000000123|arn:aws:lambda:eu-west-1:1:function:f:live\
         |Some(\"Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1\")\
         |Some(\"{\\\"client\\\":{}}\")|Some(\"{\\\"cognito_identity_id\\\":\\\"abc\\\"}\")\
         |Some(\"tenant-42\")|Some(\"attempt-7\")|{\"x\":1}"
    );
}

#[test]
fn echoes_the_invocation_id_on_responses_and_errors_only_when_sent() {
    let script = Script::new()
        .event(Event::new("ok-with", "ok").with_invocation_id("inv-1"))
        .event(Event::new("err-with", "fail").with_invocation_id("inv-2"))
        .event(Event::new("ok-without", "ok"))
        .event(Event::new("err-without", "fail"));
    let (err, records, _) = serve(script, |inv, out| {
        if inv.event == b"fail" {
            return Err("asked to fail");
        }
        echo(inv, out).map_err(|_| "unreachable")
    });
    assert_drained(&err);
    let ids: Vec<_> = records
        .iter()
        .map(|r| (r.kind, r.header("lambda-runtime-invocation-id")))
        .collect();
    assert_eq!(
        ids,
        [
            (Kind::Response, Some("inv-1")),
            (Kind::Error, Some("inv-2")),
            (Kind::Response, None),
            (Kind::Error, None)
        ]
    );
}

#[derive(Debug)]
struct Throttled(u32);

impl std::fmt::Display for Throttled {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "throttled after {} \"calls\"\nretry later", self.0)
    }
}

impl HandlerError for Throttled {}
impl std::error::Error for Throttled {}

#[test]
fn reports_handler_errors_as_json_with_the_error_type_header() {
    let script = Script::new().events(events(3));
    let mut n = 0;
    let (err, records, _) = serve(script, |inv, out| {
        n += 1;
        match n {
            1 => Err(Box::new(Throttled(7)) as Box<dyn std::error::Error + Send + Sync>),
            2 => Err(Diagnostic {
                error_type: "Validation",
                error_message: "bad input",
            }
            .to_string()
            .into()),
            _ => echo(inv, out).map_err(|e| e.into()),
        }
    });
    assert_drained(&err);
    assert_eq!(records[0].kind, Kind::Error);
    assert_eq!(records[0].header("content-type"), Some("application/json"));
    assert!(records[0]
        .header("lambda-runtime-function-error-type")
        .unwrap()
        .contains("Box<dyn"));
    assert_eq!(records[2].kind, Kind::Response);

    let (_, records, _) = serve(Script::new().events(events(2)), |_, _| Err(Throttled(3)));
    assert_eq!(
        records[0].body_str().unwrap(),
        r#"{"errorMessage":"throttled after 3 \"calls\"\nretry later","errorType":"runtime::Throttled","stackTrace":[]}"#
    );
    assert_eq!(
        records[0].header("lambda-runtime-function-error-type"),
        Some("runtime::Throttled")
    );

    let (_, records, _) = serve(Script::new().events(events(1)), |_, _| {
        Err(Diagnostic {
            error_type: "Validation.Failed",
            error_message: "name is required",
        })
    });
    assert_eq!(
        records[0].header("lambda-runtime-function-error-type"),
        Some("Validation.Failed")
    );

    // Boxed by `?` in a handler returning `Box<dyn Error>`, a Diagnostic
    // keeps the type it chose, with a `&'static str` or a `String` message.
    let mut n = 0;
    let (_, records, _) = serve(Script::new().events(events(3)), |_, _| {
        n += 1;
        let boxed: Box<dyn std::error::Error + Send + Sync> = if n == 1 {
            Box::new(Diagnostic {
                error_type: "Validation.Failed",
                error_message: "name is required",
            })
        } else {
            Box::new(Diagnostic {
                error_type: "Order.Unknown",
                error_message: format!("no order {n}"),
            })
        };
        Err(boxed)
    });
    let types: Vec<_> = records
        .iter()
        .map(|r| r.header("lambda-runtime-function-error-type"))
        .collect();
    assert_eq!(
        types,
        [
            Some("Validation.Failed"),
            Some("Order.Unknown"),
            Some("Order.Unknown")
        ]
    );
    assert!(records[1]
        .body_str()
        .unwrap()
        .contains(r#""errorMessage":"no order 2""#));
    assert_eq!(
        records[0].body_str().unwrap(),
        r#"{"errorMessage":"name is required","errorType":"Validation.Failed","stackTrace":[]}"#
    );
}

#[test]
fn catches_handler_panics_reports_them_and_goes_on() {
    let (err, records, _) = serve(Script::new().events(events(4)), |inv, out| {
        if inv.context.request_id == "id-1" {
            panic!("boom at {}", inv.context.request_id);
        }
        if inv.context.request_id == "id-2" {
            out.write_bytes(b"partial output that must not leak");
            panic!("static boom");
        }
        echo(inv, out)
    });
    assert_drained(&err);
    let kinds: Vec<_> = records.iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        [Kind::Response, Kind::Error, Kind::Error, Kind::Response]
    );
    assert_eq!(
        records[1].header("lambda-runtime-function-error-type"),
        Some(PANIC_ERROR_TYPE)
    );
    assert_eq!(
        records[1].body_str().unwrap(),
        format!(
            r#"{{"errorMessage":"handler panicked: boom at id-1","errorType":"{PANIC_ERROR_TYPE}","stackTrace":[]}}"#
        )
    );
    assert!(records[2]
        .body_str()
        .unwrap()
        .contains("handler panicked: static boom"));
}

#[test]
fn reports_init_errors_to_init_error() {
    let emu = Emulator::start(Script::new()).unwrap();
    let mut rt = runtime_for(&emu);
    let err = rt.report_init_error(&Diagnostic {
        error_type: "Init.NoTable",
        error_message: "TABLE is not set",
    });
    assert!(
        matches!(&err, RuntimeError::Init(m) if m == "TABLE is not set"),
        "{err}"
    );
    let records = emu.records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].kind, Kind::InitError);
    assert_eq!(
        records[0].header("lambda-runtime-function-error-type"),
        Some("Init.NoTable")
    );
    assert_eq!(
        records[0].body_str().unwrap(),
        r#"{"errorMessage":"TABLE is not set","errorType":"Init.NoTable","stackTrace":[]}"#
    );
}

#[test]
fn a_4xx_on_a_post_fails_that_invocation_only() {
    let script = Script::new()
        .event(Event::new("too-big", "1").with_post_status(413))
        .event(Event::new("bad-id", "2").with_post_status(400))
        .event(Event::new("forbidden", "3").with_post_status(403))
        .event(Event::new("timed-out", "4").with_post_status(410))
        .event(Event::new("error-413", "fail").with_post_status(413))
        .event(Event::new("fine", "5"));
    let (err, records, _) = serve(script, |inv, out| {
        if inv.event == b"fail" {
            return Err("failing");
        }
        out.write_bytes(inv.event);
        Ok(())
    });
    assert_drained(&err);
    let seen: Vec<_> = records
        .iter()
        .map(|r| (r.request_id.as_str(), r.status_sent))
        .collect();
    assert_eq!(
        seen,
        [
            ("too-big", 413),
            ("bad-id", 400),
            ("forbidden", 403),
            ("timed-out", 410),
            ("error-413", 413),
            ("fine", 202)
        ]
    );
}

#[test]
fn a_5xx_or_other_status_on_a_post_stops_the_runtime() {
    for (status, during) in [
        (500, "POST /response"),
        (503, "POST /response"),
        (302, "POST /response"),
    ] {
        let script = Script::new()
            .event(Event::new("a", "1").with_post_status(status))
            .events(events(3));
        let (err, records, calls) = serve_echo_counting(script);
        assert!(
            matches!(err, RuntimeError::Status { during: d, status: s } if d == during && s == status),
            "{err}"
        );
        assert_eq!((calls, records.len()), (1, 1), "nothing after a {status}");
    }
    let script = Script::new().event(Event::new("a", "1").with_post_status(500));
    let (err, _, _) = serve(script, |_, _| Err("x"));
    assert!(
        matches!(
            err,
            RuntimeError::Status {
                during: "POST /error",
                status: 500
            }
        ),
        "{err}"
    );
}

#[test]
fn a_non_2xx_next_stops_the_runtime_with_a_one_line_error() {
    for status in [500, 403, 404, 302] {
        let script = Script::new()
            .events(events(2))
            .reply(Reply::Status(status, b"{}".to_vec()))
            .events(events(2));
        let (err, records, _) = serve(script, echo);
        assert!(
            matches!(err, RuntimeError::Status { during: "GET /next", status: s } if s == status),
            "{err}"
        );
        assert_eq!(records.len(), 2);
        let line = err.to_string();
        assert!(
            !line.contains('\n') && line.contains(&status.to_string()),
            "{line}"
        );
    }
}

#[test]
fn an_unreachable_api_is_a_connect_error() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let endpoint = Endpoint::parse(&format!("127.0.0.1:{port}")).unwrap();
    let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
    let err = rt.run(echo);
    assert!(
        matches!(
            err,
            RuntimeError::Http {
                during: "GET /next",
                source: HttpError::Connect(_)
            }
        ),
        "{err}"
    );
}

#[test]
fn a_connection_closed_mid_body_never_reaches_the_handler() {
    let script = Script::new()
        .event(Event::new("whole", "{\"a\":1}"))
        .reply(Reply::CloseMidBody(Event::new(
            "cut",
            "{\"truncated\": \"this body is cut in half\"}",
        )))
        .events(events(2));
    let mut seen = Vec::new();
    let (err, records, _) = serve(script, |inv, out| {
        seen.push(inv.context.request_id.to_string());
        echo(inv, out)
    });
    assert!(
        matches!(
            err,
            RuntimeError::Http {
                during: "GET /next",
                source: HttpError::Closed
            }
        ),
        "{err}"
    );
    assert_eq!(seen, ["whole"]);
    assert_eq!(records.len(), 1);
}

#[test]
fn garbage_from_the_api_stops_the_runtime_cleanly() {
    for raw in [
        &b"NOT HTTP AT ALL\r\n\r\n"[..],
        b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n",
    ] {
        let script = Script::new()
            .reply(Reply::Raw(raw.to_vec()))
            .events(events(1));
        let (err, records, calls) = serve_echo_counting(script);
        assert!(
            matches!(
                err,
                RuntimeError::Http {
                    during: "GET /next",
                    ..
                }
            ),
            "{err}"
        );
        assert_eq!((calls, records.len()), (0, 0));
    }
}

#[test]
fn odd_request_ids_are_percent_encoded_and_reach_their_invocation() {
    let odd = [
        "a b",
        "q?x=1#f",
        "../../x",
        "%41",
        "semi;colon",
        "ünï",
        "tab\there",
        "x/y/z",
    ];
    let script = Script::new().events(odd.iter().map(|id| Event::new(*id, "{}")));
    let (err, records, _) = serve(script, |inv, out| {
        out.write_bytes(inv.context.request_id.as_bytes());
        Ok::<(), std::convert::Infallible>(())
    });
    assert_drained(&err);
    assert_eq!(records.len(), odd.len());
    for (r, id) in records.iter().zip(odd) {
        assert_eq!(r.kind, Kind::Response, "{id:?}: {:?}", r.problem);
        assert_eq!(r.request_id, id);
        assert_eq!(r.body, id.as_bytes());
        assert!(
            r.target.ends_with("/response") && !r.target.contains(' '),
            "{}",
            r.target
        );
    }
}

#[test]
fn empty_too_long_or_missing_ids_fail_that_invocation_only() {
    let no_id = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}".to_vec();
    let script = Script::new()
        .event(Event::new("", "{}"))
        .event(Event::new("x".repeat(300), "{}"))
        .event(Event::new("ok-1", "{}").with_invocation_id("i".repeat(300)))
        .reply(Reply::Raw(no_id))
        .event(Event::new("ok-2", "{}"));
    let mut seen = Vec::new();
    let (err, records, _) = serve(script, |inv, out| {
        seen.push(inv.context.request_id.to_string());
        echo(inv, out)
    });
    assert_drained(&err);
    assert_eq!(seen, ["ok-2"]);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0].request_id, "ok-2");
}

#[test]
fn a_request_id_that_is_not_utf8_is_reported_to_error() {
    let raw = b"HTTP/1.1 200 OK\r\nLambda-Runtime-Aws-Request-Id: bad\xff\xfeid\r\nContent-Length: 2\r\n\r\n{}".to_vec();
    let script = Script::new().reply(Reply::Raw(raw)).events(events(1));
    let (err, records, _) = serve(script, echo);
    assert_drained(&err);
    assert_eq!(records.len(), 2);
    assert_eq!(records[0].kind, Kind::Error);
    assert_eq!(records[0].target.split('/').nth(4), Some("bad%FF%FEid"));
    assert_eq!(
        records[0].header("lambda-runtime-function-error-type"),
        Some(INVALID_REQUEST_ID_ERROR_TYPE)
    );
    assert_eq!(records[1].kind, Kind::Response);
}

#[test]
fn events_up_to_six_mib_are_served_and_larger_ones_fail_alone() {
    let six_mib = 6 * 1024 * 1024;
    let big = vec![b'a'; six_mib];
    let script = Script::new()
        .event(Event::new("max", big.clone()))
        .event(Event::new("max-chunked", big.clone()).chunked(1 << 16))
        .event(Event::new("over", vec![b'b'; six_mib + 1]))
        .event(Event::new("over-chunked", vec![b'c'; six_mib + 1]).chunked(1 << 20))
        .event(Event::new("small", "{}"));
    let emu = Emulator::start(script).unwrap();
    let mut rt = runtime_for(&emu);
    let mut sizes = Vec::new();
    let err = rt.run(|inv, out| {
        sizes.push(inv.event.len());
        out.write_bytes(&inv.event[..2]);
        Ok::<(), std::convert::Infallible>(())
    });
    assert_drained(&err);
    assert_eq!(sizes, [six_mib, six_mib, 2]);
    let records = emu.records();
    let kinds: Vec<_> = records
        .iter()
        .map(|r| (r.request_id.as_str(), r.kind))
        .collect();
    assert_eq!(
        kinds,
        [
            ("max", Kind::Response),
            ("max-chunked", Kind::Response),
            ("over", Kind::Error),
            ("over-chunked", Kind::Error),
            ("small", Kind::Response)
        ]
    );
    assert_eq!(
        records[2].header("lambda-runtime-function-error-type"),
        Some(EVENT_TOO_LARGE_ERROR_TYPE)
    );
    let limit = rt.receive_buffer_len();
    assert!(
        limit <= six_mib + 3 * 64 * 1024 + 4096,
        "buffer grew to {limit}"
    );
}

#[test]
fn the_receive_buffer_grows_only_for_larger_events() {
    let script = Script::new().events(
        [1000, 200_000, 10, 150_000, 200_000, 5]
            .iter()
            .enumerate()
            .map(|(i, n)| Event::new(format!("e{i}"), vec![b'z'; *n])),
    );
    let emu = Emulator::start(script).unwrap();
    let mut rt = runtime_for(&emu);
    let mut lens = Vec::new();
    rt.run(|inv, _out| {
        lens.push(inv.event.len());
        Ok::<(), std::convert::Infallible>(())
    });
    assert_eq!(lens, [1000, 200_000, 10, 150_000, 200_000, 5]);
    let len = rt.receive_buffer_len();
    assert!(
        (200_000..=200_000 + 2 * 64 * 1024).contains(&len),
        "buffer is {len}"
    );
}

#[test]
fn prebuilt_responses_are_sent_as_is() {
    let body = lambda_zero::events::Prebuilt::text(
        lambda_zero::events::Shape::RestApi,
        200,
        "text/plain",
        "Hello World!",
    )
    .into_bytes();
    let emu = Emulator::start(Script::new().events(events(5))).unwrap();
    let mut rt = runtime_for(&emu);
    assert_drained(&rt.run_prebuilt(&body));
    let records = emu.records();
    assert_eq!(records.len(), 5);
    assert!(records
        .iter()
        .all(|r| r.kind == Kind::Response && r.body == body));
}

#[test]
fn responses_larger_than_the_send_buffer_go_out_whole() {
    let (err, records, _) = serve(Script::new().events(events(2)), |_, out| {
        for i in 0..200_000 {
            write!(out, "{}", i % 10).unwrap();
        }
        Ok::<(), std::convert::Infallible>(())
    });
    assert_drained(&err);
    assert_eq!(records.len(), 2);
    assert!(records
        .iter()
        .all(|r| r.body.len() == 200_000 && r.body.starts_with(b"0123456789")));
}
