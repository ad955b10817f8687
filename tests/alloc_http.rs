//! Zero allocations per invocation for HTTP events: reading every sample
//! event shape, decoding bodies (JSON escapes, base64), rebuilding query
//! strings, and writing responses with the builder or a pre-built copy, all
//! through the three examples, counted by the counting allocator on the
//! runtime's thread (the emulator serves from other threads).

use lambda_zero::internals::Endpoint;
use lambda_zero::{Config, HandlerError, Invocation, Output, Runtime, RuntimeError};
use lambda_zero_emulator::{Emulator, Event, Kind, Script};
#[path = "support/counting.rs"]
mod counting;
#[path = "../examples/echo.rs"]
#[allow(dead_code)]
mod echo;
#[path = "../examples/json_api.rs"]
#[allow(dead_code)]
mod json_api;
#[path = "../examples/router.rs"]
#[allow(dead_code)]
mod router;

use counting::{allocations, counted};

const SAMPLES: [&str; 7] = [
    "apigw-rest-proxy.json",
    "apigw-http-v1.json",
    "apigw-http-v2.json",
    "lambda-function-url.json",
    "alb.json",
    "alb-multi-value.json",
    "cargo-lambda-url.json",
];
/// Rounds over the event mix: the first warms the buffers up.
const ROUNDS: usize = 150;

/// The mix served each round: every sample, plus events that exercise the
/// examples' other paths (escaped and base64 bodies, routes, 400s, a
/// malformed event that fails the invocation).
fn mix() -> Vec<Vec<u8>> {
    let dir = format!("{}/tests/data", env!("CARGO_MANIFEST_DIR"));
    let mut events: Vec<Vec<u8>> = SAMPLES
        .iter()
        .map(|name| std::fs::read(format!("{dir}/{name}")).unwrap())
        .collect();
    let v2 = |method: &str, path: &str, query: &str, body: &str, b64: bool| {
        format!(
            r#"{{"version":"2.0","rawPath":"{path}","rawQueryString":"{query}","queryStringParameters":{{"name":"Ann \"A\""}},"headers":{{"content-type":"application/json"}},"requestContext":{{"http":{{"method":"{method}","sourceIp":"192.0.2.1"}},"requestId":"r"}},"body":"{body}","isBase64Encoded":{b64}}}"#
        )
        .into_bytes()
    };
    events.push(v2(
        "POST",
        "/orders",
        "",
        r#"{\"item\":\"tea \\\"green\\\"\",\"qty\":2}"#,
        false,
    ));
    events.push(v2(
        "POST",
        "/orders",
        "",
        "eyJpdGVtIjoiY2FrZSIsInF0eSI6M30=",
        true,
    ));
    events.push(v2("POST", "/orders", "", r#"{\"item\":1}"#, false));
    events.push(v2("POST", "/orders", "", "{,", false));
    events.push(v2("GET", "/hello", "name=Ann", "", false));
    events.push(v2("GET", "/users/42", "", "", false));
    // 40 headers: lookups past the 32 members the request indexes.
    let headers: Vec<String> = (0..40).map(|k| format!(r#""x-h{k}":"v{k}""#)).collect();
    events.push(
        format!(
            r#"{{"httpMethod":"GET","path":"/","headers":{{{},"Content-Type":"text/plain"}},"multiValueHeaders":{{"x-forwarded-for":["192.0.2.1"]}}}}"#,
            headers.join(",")
        )
        .into_bytes(),
    );
    events.push(b"{\"not\":\"http\"}".to_vec());
    events.push(b"{\"httpMethod\":".to_vec());
    events
}

/// Serves `ROUNDS` rounds of the mix to the handler `make` builds, on a
/// counted thread; returns (allocations per warm invocation, warm
/// invocations).
fn measure<H, E>(name: &'static str, make: impl FnOnce() -> H + Send + 'static) -> (f64, usize)
where
    H: FnMut(&Invocation<'_>, &mut Output<'_>) -> Result<(), E>,
    E: HandlerError,
{
    let (emu, per_round) = serve_the_mix();
    let api = emu.runtime_api();
    let samples = counted(move || {
        let endpoint = Endpoint::parse(&api).unwrap();
        let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
        let mut handler = make();
        let mut samples: Vec<usize> = Vec::with_capacity(ROUNDS * per_round);
        let err = rt.run(|inv, out| {
            samples.push(allocations());
            handler(inv, out)
        });
        assert!(
            matches!(err, RuntimeError::Status { status: 500, .. }),
            "{err}"
        );
        samples
    });
    let records = emu.records();
    assert_eq!(records.len(), ROUNDS * per_round);
    assert!(records.iter().any(|r| r.kind == Kind::Response));
    warm_allocations(name, &samples, per_round)
}

/// An emulator serving `ROUNDS` rounds of the mix; the events per round.
fn serve_the_mix() -> (Emulator, usize) {
    let mix = mix();
    let per_round = mix.len();
    let events = (0..ROUNDS).flat_map(|r| {
        mix.clone()
            .into_iter()
            .enumerate()
            .map(move |(i, body)| Event::new(format!("{r}-{i}"), body))
    });
    (
        Emulator::start(Script::new().events(events)).unwrap(),
        per_round,
    )
}

/// From allocation counts sampled as each invocation starts: (allocations
/// per warm invocation, warm invocations).
fn warm_allocations(name: &str, samples: &[usize], per_round: usize) -> (f64, usize) {
    // From the first invocation of round 2 to the last, every invocation in
    // between ran warm.
    let first = per_round;
    let last = samples.len() - 1;
    let warm = samples[last] - samples[first];
    let n = last - first;
    println!(
        "{name}: {} allocations during start-up and the first round, {warm} over {n} warm invocations ({} per invocation)",
        samples[first],
        warm as f64 / n as f64
    );
    (warm as f64 / n as f64, n)
}

#[test]
fn the_echo_example_allocates_nothing_per_invocation() {
    let (per, n) = measure("echo", || {
        let mut echo = echo::Echo::default();
        move |inv: &Invocation<'_>, out: &mut Output<'_>| echo.handle(inv, out)
    });
    assert!(n > 1000);
    assert_eq!(per, 0.0, "warm invocations allocated");
}

#[test]
fn the_router_example_allocates_nothing_per_invocation() {
    let (per, _) = measure("router", || {
        let mut router = router::Router::default();
        move |inv: &Invocation<'_>, out: &mut Output<'_>| router.handle(inv, out)
    });
    assert_eq!(per, 0.0, "warm invocations allocated");
}

#[test]
fn the_json_api_example_allocates_nothing_per_invocation() {
    let (per, _) = measure("json_api", || {
        let mut api = json_api::JsonApi::default();
        move |inv: &Invocation<'_>, out: &mut Output<'_>| api.handle(inv, out)
    });
    assert_eq!(per, 0.0, "warm invocations allocated");
}

#[test]
fn every_accessor_and_every_builder_path_allocates_nothing() {
    use lambda_zero::events::Shape;
    use lambda_zero::events::{HttpResponse, Prebuilt};
    let (per, _) = measure("accessors", || {
        let prebuilt = Prebuilt::text(Shape::HttpApi, 200, "text/plain", "pre-built");
        let mut body = Vec::new();
        let mut query = String::new();
        let mut text = String::new();
        let mut n = 0usize;
        move |inv: &Invocation<'_>, out: &mut Output<'_>| {
            n += 1;
            let Ok(req) = inv.http() else {
                prebuilt.write_to(out);
                return Ok::<(), lambda_zero::Error>(());
            };
            // Touch everything.
            let mut sink = 0usize;
            sink += req.method().decode(&mut text).len();
            sink += req.path().chars().count();
            sink += req.query_string(&mut query).len();
            sink += req.query("name").map_or(0, |q| q.raw().len());
            sink += req.query_values("myKey").count();
            sink += req.header("Content-Type").map_or(0, |h| h.raw().len());
            sink += req.header_values("x-forwarded-for").count();
            sink += req.headers().count();
            sink += req.cookies().count();
            sink += req.cookie("c2").map_or(0, |c| c.raw().len());
            sink += req.source_ip().map_or(0, |s| s.raw().len());
            sink += req.request_id().map_or(0, |s| s.raw().len());
            sink += req.stage().map_or(0, |s| s.raw().len());
            sink += req.path_parameter("proxy").map_or(0, |s| s.raw().len());
            let bytes = req.body(&mut body)?;
            sink += bytes.len();
            let r = HttpResponse::new(out, Shape::ALL[n % 5], 200)
                .header("content-type", "application/json")
                .multi_value_header("vary", ["a", "b"])
                .cookie("a=1")
                .cookie("b=2");
            match n % 4 {
                0 => r.body_binary(bytes),
                1 => r.body_with(|w| {
                    w.json_string(req.method().decode(&mut text));
                    w.json_str(req.path());
                    let _ = w.json_display(sink);
                }),
                2 => match req.raw_body() {
                    Some(b) => r.body_str(b),
                    None => r.finish(),
                },
                _ => drop(r),
            }
            Ok(())
        }
    });
    assert_eq!(per, 0.0, "warm invocations allocated");
}

#[test]
fn the_default_bootstraps_answer_per_shape_allocates_nothing_per_invocation() {
    use lambda_zero::events::PrebuiltSet;
    use lambda_zero::events::Shape;
    use std::cell::RefCell;
    let (emu, per_round) = serve_the_mix();
    let api = emu.runtime_api();
    let samples = counted(move || {
        let endpoint = Endpoint::parse(&api).unwrap();
        let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
        // What src/bin/bootstrap.rs does.
        let hello = PrebuiltSet::text(200, "text/plain", "Hello World!");
        let samples = RefCell::new(Vec::with_capacity(ROUNDS * per_round));
        let err = rt.run_prebuilt_per_event(&|event: &[u8]| {
            samples.borrow_mut().push(allocations());
            hello.for_event(event)
        });
        assert!(
            matches!(err, RuntimeError::Status { status: 500, .. }),
            "{err}"
        );
        samples.into_inner()
    });
    let records = emu.records();
    assert_eq!(records.len(), ROUNDS * per_round);
    let hello = PrebuiltSet::text(200, "text/plain", "Hello World!");
    for (r, event) in records.iter().zip(mix().iter().cycle()) {
        assert_eq!(r.kind, Kind::Response);
        assert_eq!(r.body, hello.for_shape(Shape::sniff(event)).as_bytes());
    }
    let (per, _) = warm_allocations("per-shape prebuilt", &samples, per_round);
    assert_eq!(per, 0.0, "warm invocations allocated");
}
