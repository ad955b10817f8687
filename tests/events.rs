//! HTTP events in, HTTP responses out: AWS's published sample events of
//! every shape (`tests/data/`), the response builder checked by a real JSON
//! parser for every shape, and the three examples run against the
//! emulator.

use lambda_zero::events::{Error as EventError, HttpRequest, Shape};
use lambda_zero::events::{HttpResponse, Prebuilt};
use lambda_zero::internals::Endpoint;
use lambda_zero::{Config, Context, HandlerError, Invocation, Output, Runtime, RuntimeError};
use lambda_zero_emulator::{Emulator, Event, Kind, Record, Script};
use serde_json::{json, Value};

#[path = "../examples/echo.rs"]
#[allow(dead_code)]
mod echo;
#[path = "../examples/json_api.rs"]
#[allow(dead_code)]
mod json_api;
#[path = "../examples/router.rs"]
#[allow(dead_code)]
mod router;

/// Every sample event and the shape it must be read as.
const SAMPLES: [(&str, Shape); 7] = [
    ("apigw-rest-proxy.json", Shape::RestApi),
    ("apigw-http-v1.json", Shape::RestApi),
    ("apigw-http-v2.json", Shape::HttpApi),
    ("lambda-function-url.json", Shape::FunctionUrl),
    ("alb.json", Shape::Alb),
    ("alb-multi-value.json", Shape::AlbMultiValue),
    ("cargo-lambda-url.json", Shape::HttpApi),
];

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn s(v: Option<lambda_zero::events::json::Str<'_>>) -> Option<String> {
    v.map(|s| s.to_string())
}

#[test]
fn every_sample_is_read_as_its_shape_and_agrees_with_serde_json() {
    for (name, shape) in SAMPLES {
        let bytes = sample(name);
        let oracle: Value = serde_json::from_slice(&bytes).unwrap();
        let req = HttpRequest::parse(&bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(req.shape(), shape, "{name}");

        let v2 = oracle["version"] == "2.0";
        let method = if v2 {
            &oracle["requestContext"]["http"]["method"]
        } else {
            &oracle["httpMethod"]
        };
        assert_eq!(req.method().to_string(), method.as_str().unwrap(), "{name}");
        let path = if v2 {
            &oracle["rawPath"]
        } else {
            &oracle["path"]
        };
        assert_eq!(req.path().to_string(), path.as_str().unwrap(), "{name}");

        // Every header pair, in order, as serde_json sees them.
        let mut want = Vec::new();
        if let Some(h) = oracle["headers"].as_object() {
            for (k, v) in h {
                want.push((k.clone(), v.as_str().unwrap().to_string()));
            }
        } else if let Some(h) = oracle["multiValueHeaders"].as_object() {
            for (k, vs) in h {
                for v in vs.as_array().unwrap() {
                    want.push((k.clone(), v.as_str().unwrap().to_string()));
                }
            }
        }
        let got: Vec<_> = req
            .headers()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        sort_like_serde_json(&mut want);
        let mut got_sorted = got.clone();
        sort_like_serde_json(&mut got_sorted);
        assert_eq!(got_sorted, want, "{name}");
        // Header lookup ignores case.
        for (k, _) in &got {
            assert!(req.header(&k.to_ascii_uppercase()).is_some(), "{name}: {k}");
        }

        let mut scratch = Vec::new();
        let body = req.body(&mut scratch).unwrap();
        let raw = oracle["body"].as_str().unwrap_or("");
        if oracle["isBase64Encoded"] == true {
            assert_eq!(body, python_b64decode(raw), "{name}");
        } else {
            assert_eq!(body, raw.as_bytes(), "{name}");
        }
    }
}

/// serde_json's `Map` (no `preserve_order`) is sorted by key.
fn sort_like_serde_json(v: &mut [(String, String)]) {
    v.sort_by(|a, b| a.0.cmp(&b.0));
}

/// A plain, allocating base64 decoder, as a second opinion.
fn python_b64decode(text: &str) -> Vec<u8> {
    let alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let bits: String = text
        .trim_end_matches('=')
        .chars()
        .map(|c| format!("{:06b}", alphabet.find(c).unwrap()))
        .collect();
    bits.as_bytes()
        .chunks_exact(8)
        .map(|b| u8::from_str_radix(std::str::from_utf8(b).unwrap(), 2).unwrap())
        .collect()
}

#[test]
fn rest_api_proxy_sample() {
    let bytes = sample("apigw-rest-proxy.json");
    let req = HttpRequest::parse(&bytes).unwrap();
    assert_eq!(req.method(), "POST");
    assert_eq!(req.path(), "/path/to/resource");
    assert_eq!(req.query("foo").unwrap(), "bar");
    assert!(req.query("nope").is_none());
    assert_eq!(req.query_string(&mut String::new()), "foo=bar");
    assert_eq!(
        req.header("user-agent").unwrap(),
        "Custom User Agent String"
    );
    assert_eq!(
        req.header_values("x-forwarded-for").collect::<Vec<_>>(),
        ["127.0.0.1, 127.0.0.2"]
    );
    assert_eq!(req.source_ip().unwrap(), "127.0.0.1");
    assert_eq!(
        req.request_id().unwrap(),
        "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"
    );
    assert_eq!(req.stage().unwrap(), "prod");
    assert_eq!(req.path_parameter("proxy").unwrap(), "/path/to/resource");
    assert!(req.is_base64_encoded());
    assert_eq!(req.raw_body().unwrap(), "eyJ0ZXN0IjoiYm9keSJ9");
    assert_eq!(
        req.body_text(&mut Vec::new()).unwrap(),
        r#"{"test":"body"}"#
    );
    assert_eq!(req.cookies().count(), 0);
    assert!(req.raw_query_string().is_none());
    assert_eq!(
        req.request_context()
            .unwrap()
            .get("resourcePath")
            .unwrap()
            .as_str()
            .unwrap(),
        "/{proxy+}"
    );
}

#[test]
fn http_api_payload_1_sample() {
    let bytes = sample("apigw-http-v1.json");
    let req = HttpRequest::parse(&bytes).unwrap();
    assert_eq!(req.shape(), Shape::RestApi);
    assert_eq!(req.method(), "GET");
    assert_eq!(req.query("parameter1").unwrap(), "value1");
    assert_eq!(
        req.query_values("parameter1").collect::<Vec<_>>(),
        ["value1", "value2"]
    );
    assert_eq!(
        req.query_string(&mut String::new()),
        "parameter1=value1&parameter1=value2&parameter2=value"
    );
    // `headers` holds one value, `multiValueHeaders` all of them.
    assert_eq!(req.header("header2").unwrap(), "value2");
    assert_eq!(
        req.header_values("HEADER2").collect::<Vec<_>>(),
        ["value1", "value2"]
    );
    assert_eq!(req.source_ip().unwrap(), "192.0.2.1");
    assert_eq!(req.request_id().unwrap(), "id=");
    assert_eq!(req.stage().unwrap(), "$default");
    assert!(req.path_parameter("x").is_none());
    assert_eq!(req.body(&mut Vec::new()).unwrap(), b"Hello from Lambda!");
}

#[test]
fn http_api_payload_2_sample() {
    let bytes = sample("apigw-http-v2.json");
    let req = HttpRequest::parse(&bytes).unwrap();
    assert_eq!(req.method(), "POST");
    assert_eq!(req.path(), "/my/path");
    assert_eq!(
        req.raw_query_string().unwrap(),
        "parameter1=value1&parameter1=value2&parameter2=value"
    );
    assert_eq!(
        req.query_string(&mut String::new()),
        "parameter1=value1&parameter1=value2&parameter2=value"
    );
    assert_eq!(req.query("parameter1").unwrap(), "value1,value2");
    assert_eq!(req.header("Header2").unwrap(), "value1,value2");
    let cookies: Vec<_> = req.cookies().map(|c| c.to_string()).collect();
    assert_eq!(cookies, ["cookie1", "cookie2"]);
    assert_eq!(req.source_ip().unwrap(), "192.0.2.1");
    assert_eq!(req.request_id().unwrap(), "id");
    assert_eq!(req.stage().unwrap(), "$default");
    assert_eq!(req.path_parameter("parameter1").unwrap(), "value1");
    let claim = req
        .request_context()
        .unwrap()
        .path(&["authorizer", "jwt", "claims", "claim1"])
        .unwrap();
    assert_eq!(claim.as_str().unwrap(), "value1");
    assert_eq!(req.body(&mut Vec::new()).unwrap(), b"Hello from Lambda");
}

#[test]
fn function_url_sample() {
    let bytes = sample("lambda-function-url.json");
    let req = HttpRequest::parse(&bytes).unwrap();
    assert_eq!(req.shape(), Shape::FunctionUrl);
    assert_eq!(req.method(), "POST");
    assert_eq!(req.path(), "/my/path");
    assert_eq!(req.source_ip().unwrap(), "123.123.123.123");
    assert_eq!(s(req.cookie("cookie1")), None); // no `=`: not a name=value pair
    assert_eq!(req.cookies().count(), 2);
    assert!(req.path_parameter("x").is_none()); // `pathParameters: null`
    assert_eq!(req.body(&mut Vec::new()).unwrap(), b"Hello from client!");
}

#[test]
fn alb_sample() {
    let bytes = sample("alb.json");
    let req = HttpRequest::parse(&bytes).unwrap();
    assert_eq!(req.method(), "GET");
    assert_eq!(req.path(), "/");
    assert_eq!(req.query("query").unwrap(), "1234ABCD");
    assert_eq!(req.query_string(&mut String::new()), "query=1234ABCD");
    assert_eq!(req.header("X-Forwarded-Proto").unwrap(), "http");
    assert_eq!(req.source_ip().unwrap(), "72.12.164.125");
    assert!(req.request_id().is_none());
    assert!(req.stage().is_none());
    assert_eq!(req.body(&mut Vec::new()).unwrap(), b"");
}

#[test]
fn alb_multi_value_sample() {
    let bytes = sample("alb-multi-value.json");
    let req = HttpRequest::parse(&bytes).unwrap();
    assert_eq!(req.shape(), Shape::AlbMultiValue);
    assert_eq!(req.header("x-myheader").unwrap(), "123");
    assert_eq!(req.query("myKey").unwrap(), "val2");
    assert_eq!(
        req.query_values("myKey").collect::<Vec<_>>(),
        ["val1", "val2"]
    );
    assert_eq!(
        req.query_string(&mut String::new()),
        "key=hello&myKey=val1&myKey=val2"
    );
    let cookies: Vec<_> = req.cookies().map(|c| c.to_string()).collect();
    assert_eq!(cookies, ["name1=value1", "name2=value2", "name3=value3"]);
    assert_eq!(req.cookie("name3").unwrap(), "value3");
    assert_eq!(req.source_ip().unwrap(), "72.21.198.67");
    assert_eq!(req.body(&mut Vec::new()).unwrap(), b"Some text");
}

#[test]
fn cargo_lambda_function_url_event() {
    // What `cargo lambda watch` 1.9 sends for `POST /lambda-url/_/hello/wo%20rld?...`:
    // a stale `httpMethod` ("GET"), `null` fields, a base64 body.
    let bytes = sample("cargo-lambda-url.json");
    let req = HttpRequest::parse(&bytes).unwrap();
    assert_eq!(req.method(), "POST");
    assert_eq!(req.path(), "/hello/wo%20rld");
    assert_eq!(req.query("y").unwrap(), "a b");
    assert_eq!(req.header("x-test").unwrap().to_string(), "\"q\"");
    assert_eq!(req.header("x-test").unwrap().raw(), r#"\"q\""#);
    assert_eq!(req.cookie("c2").unwrap(), "v2");
    assert_eq!(req.body(&mut Vec::new()).unwrap(), b"hi \"there\"");
}

#[test]
fn multi_value_maps_are_found_beside_and_without_their_single_value_ones() {
    // REST: both maps, a header and a parameter only in the multi-value one.
    let rest = br#"{"httpMethod":"GET","path":"/","headers":{"A":"1"},
        "multiValueHeaders":{"A":["1"],"X-Only-Multi":["m1","m2"]},
        "queryStringParameters":{"q":"1"},
        "multiValueQueryStringParameters":{"q":["0","1"],"only":["x","y"]}}"#;
    let req = HttpRequest::parse(rest).unwrap();
    assert_eq!(req.header("a").unwrap(), "1");
    assert_eq!(req.header("x-only-multi").unwrap(), "m2");
    let all: Vec<String> = req
        .header_values("X-ONLY-MULTI")
        .map(|v| v.to_string())
        .collect();
    assert_eq!(all, ["m1", "m2"]);
    assert!(req.header("missing").is_none());
    assert_eq!(req.query("q").unwrap(), "1");
    assert_eq!(req.query("only").unwrap(), "y");
    assert_eq!(req.query_values("q").count(), 2);
    assert!(req.query("Only").is_none());
    // ALB multi-value: only the multi-value maps, 40 headers (past the index).
    let headers: Vec<String> = (0..40).map(|i| format!(r#""h{i}":["v{i}"]"#)).collect();
    let alb = format!(
        r#"{{"httpMethod":"GET","path":"/","requestContext":{{"elb":{{"targetGroupArn":"t"}}}},
        "multiValueHeaders":{{{}}},"multiValueQueryStringParameters":{{"a":["1","2"]}}}}"#,
        headers.join(",")
    );
    let req = HttpRequest::parse(alb.as_bytes()).unwrap();
    assert_eq!(req.shape(), Shape::AlbMultiValue);
    for i in [0, 31, 32, 39] {
        assert_eq!(
            req.header(&format!("H{i}")).unwrap().to_string(),
            format!("v{i}")
        );
    }
    assert!(req.header("h40").is_none());
    assert_eq!(req.query("a").unwrap(), "2");
}

#[test]
fn strings_with_escapes_are_decoded_never_misread() {
    let event = br#"{"version":"2.0","rawPath":"/caf\u00e9/\"q\"","rawQueryString":"a=\u0031",
        "headers":{"x-\u0041":"tab\there","content\u002dtype":"text/plain"},
        "requestContext":{"http":{"method":"G\u0045T"}}}"#;
    let req = HttpRequest::parse(event).unwrap();
    assert_eq!(req.method(), "GET");
    assert!(req.method().borrowed().is_none());
    let mut scratch = String::new();
    assert_eq!(req.path().decode(&mut scratch), "/café/\"q\"");
    assert_eq!(req.query_string(&mut scratch), "a=1");
    assert_eq!(req.header("X-a").unwrap().to_string(), "tab\there");
    assert_eq!(req.header("Content-Type").unwrap(), "text/plain");
}

#[test]
fn malformed_events_are_errors_not_answers() {
    let good = sample("apigw-http-v2.json");
    assert!(HttpRequest::parse(&good).is_ok());
    // Cut anywhere: never a request.
    for cut in 0..good.len() - 1 {
        if good[..cut].iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        assert!(
            matches!(HttpRequest::parse(&good[..cut]), Err(EventError::Json(_))),
            "cut at {cut}"
        );
    }
    // Malformed after the fields the view reads: still an error.
    let mut tail = good.clone();
    let close = tail.iter().rposition(|&b| b == b'}').unwrap();
    tail.splice(close..close, b",\"zzz\":[1,]".iter().copied());
    assert!(matches!(
        HttpRequest::parse(&tail),
        Err(EventError::Json(_))
    ));
}

fn response(shape: Shape, status: u16, f: impl FnOnce(HttpResponse<'_, '_>)) -> Value {
    let p = Prebuilt::new(shape, status, f);
    serde_json::from_slice(p.as_bytes())
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(p.as_bytes())))
}

const NASTY: &str = "q\"uo\\te\n\t\u{1}\u{7f} é 😀 </script>";

#[test]
fn responses_are_json_of_the_right_shape_for_every_shape() {
    for shape in Shape::ALL {
        let v = response(shape, 201, |r| {
            r.header("content-type", "text/plain")
                .header(NASTY, NASTY)
                .multi_value_header("vary", ["origin", NASTY])
                .cookie("a=1; Path=/")
                .cookie(NASTY)
                .body_text(NASTY)
        });
        assert_eq!(v["statusCode"], 201, "{shape:?}");
        assert_eq!(v["body"], NASTY);
        assert_eq!(v["isBase64Encoded"], false);
        let vary_joined = format!("origin,{NASTY}");
        match shape {
            Shape::RestApi => {
                assert_eq!(
                    v["headers"],
                    json!({"content-type": "text/plain", NASTY: NASTY})
                );
                assert_eq!(
                    v["multiValueHeaders"],
                    json!({"vary": ["origin", NASTY], "Set-Cookie": ["a=1; Path=/", NASTY]})
                );
                assert!(v.get("cookies").is_none() && v.get("statusDescription").is_none());
            }
            Shape::HttpApi | Shape::FunctionUrl => {
                assert_eq!(
                    v["headers"],
                    json!({"content-type": "text/plain", NASTY: NASTY, "vary": vary_joined})
                );
                assert_eq!(v["cookies"], json!(["a=1; Path=/", NASTY]));
                assert!(v.get("multiValueHeaders").is_none());
            }
            Shape::Alb => {
                assert_eq!(v["statusDescription"], "201 Created");
                assert_eq!(
                    v["headers"],
                    json!({"content-type": "text/plain", NASTY: NASTY, "vary": vary_joined,
                           "set-cookie": "a=1; Path=/", "Set-cookie": NASTY})
                );
            }
            Shape::AlbMultiValue => {
                assert_eq!(v["statusDescription"], "201 Created");
                assert_eq!(
                    v["multiValueHeaders"],
                    json!({"content-type": ["text/plain"], NASTY: [NASTY], "vary": ["origin", NASTY],
                           "set-cookie": ["a=1; Path=/", NASTY]})
                );
                assert!(v.get("headers").is_none());
            }
        }
    }
}

#[test]
fn bodies_of_every_kind() {
    for shape in Shape::ALL {
        let bin: Vec<u8> = (0..=255).collect();
        let v = response(shape, 200, |r| r.body_binary(&bin));
        assert_eq!(v["isBase64Encoded"], true);
        assert_eq!(python_b64decode(v["body"].as_str().unwrap()), bin);

        let v = response(shape, 204, |r| r.finish());
        assert_eq!(v["body"], "");

        let event = br#"{"k":"a \"b\" \u00e9\n"}"#;
        let k = lambda_zero::events::json::parse(event)
            .unwrap()
            .get("k")
            .unwrap()
            .as_str()
            .unwrap();
        let v = response(shape, 200, |r| r.body_str(k));
        assert_eq!(v["body"], "a \"b\" é\n");

        let v = response(shape, 200, |r| {
            r.body_with(|w| {
                w.text("{\"s\":");
                w.json_string(NASTY);
                w.text(",\"e\":");
                w.json_str(k);
                w.text(",\"d\":");
                w.json_display(format_args!("{NASTY}{}", 42)).unwrap();
                w.text("}");
            })
        });
        let inner: Value = serde_json::from_str(v["body"].as_str().unwrap()).unwrap();
        assert_eq!(
            inner,
            json!({"s": NASTY, "e": "a \"b\" é\n", "d": format!("{NASTY}42")})
        );
    }
}

#[test]
fn responses_deserialize_as_aws_lambda_events_types() {
    use aws_lambda_events::alb::AlbTargetGroupResponse;
    use aws_lambda_events::apigw::{ApiGatewayProxyResponse, ApiGatewayV2httpResponse};
    let build = |shape| {
        Prebuilt::new(shape, 404, |r| {
            r.header("content-type", "application/json")
                .cookie("a=1")
                .body_text("{}")
        })
    };
    let v1: ApiGatewayProxyResponse =
        serde_json::from_slice(build(Shape::RestApi).as_bytes()).unwrap();
    assert_eq!(v1.status_code, 404);
    assert_eq!(v1.headers["content-type"], "application/json");
    assert_eq!(v1.multi_value_headers["set-cookie"], "a=1");
    // v2 responses always carry `cookies` (`aws_lambda_events`, and so
    // cargo-lambda's function URLs, require it).
    for shape in [Shape::HttpApi, Shape::FunctionUrl] {
        let v2: ApiGatewayV2httpResponse = serde_json::from_slice(build(shape).as_bytes()).unwrap();
        assert_eq!(v2.cookies, ["a=1"]);
        let bare = Prebuilt::new(shape, 200, |r| r.finish());
        let v2: ApiGatewayV2httpResponse = serde_json::from_slice(bare.as_bytes()).unwrap();
        assert!(v2.cookies.is_empty());
    }
    for shape in [Shape::RestApi, Shape::Alb, Shape::AlbMultiValue] {
        let bare = Prebuilt::new(shape, 200, |r| r.finish());
        let v: Value = serde_json::from_slice(bare.as_bytes()).unwrap();
        assert!(
            v.get("cookies").is_none(),
            "{shape:?}: REST APIs refuse `cookies`"
        );
    }
    for shape in [Shape::Alb, Shape::AlbMultiValue] {
        let alb: AlbTargetGroupResponse = serde_json::from_slice(build(shape).as_bytes()).unwrap();
        assert_eq!(alb.status_description.as_deref(), Some("404 Not Found"));
    }
}

// ---------------------------------------------------------------------------
// The examples, against the emulator.

fn serve<F, E>(events: Vec<Vec<u8>>, handler: F) -> Vec<Record>
where
    F: FnMut(&Invocation<'_>, &mut Output<'_>) -> Result<(), E>,
    E: HandlerError,
{
    let script = Script::new().events(
        events
            .into_iter()
            .enumerate()
            .map(|(i, body)| Event::new(format!("id-{i}"), body)),
    );
    let emu = Emulator::start(script).unwrap();
    let endpoint = Endpoint::parse(&emu.runtime_api()).unwrap();
    let mut rt = Runtime::new(&endpoint, Config::default()).unwrap();
    let err = rt.run(handler);
    assert!(
        matches!(err, RuntimeError::Status { status: 500, .. }),
        "loop ended with {err}"
    );
    emu.records()
}

/// The response's JSON and, parsed, its body.
fn answer(r: &Record) -> (Value, Value) {
    assert_eq!(r.kind, Kind::Response, "{:?}", r.body_str());
    let v: Value = serde_json::from_slice(&r.body).unwrap();
    let body = serde_json::from_str(v["body"].as_str().unwrap()).unwrap_or(Value::Null);
    (v, body)
}

#[test]
fn echo_example_answers_every_sample_in_its_shape() {
    let mut echo = echo::Echo::default();
    let events: Vec<_> = SAMPLES.iter().map(|(name, _)| sample(name)).collect();
    let records = serve(events.clone(), |inv, out| echo.handle(inv, out));
    assert_eq!(records.len(), SAMPLES.len());
    for (((name, shape), r), event) in SAMPLES.iter().zip(&records).zip(&events) {
        let (v, body) = answer(r);
        let req = HttpRequest::parse(event).unwrap();
        assert_eq!(v["statusCode"], 200, "{name}");
        assert_eq!(
            v.get("statusDescription").is_some(),
            shape.is_alb(),
            "{name}"
        );
        assert_eq!(body["shape"], shape.name(), "{name}");
        assert_eq!(body["method"], req.method().to_string(), "{name}");
        assert_eq!(body["path"], req.path().to_string(), "{name}");
        assert_eq!(
            body["query"],
            req.query_string(&mut String::new()),
            "{name}"
        );
        let mut scratch = Vec::new();
        let bytes = req.body(&mut scratch).unwrap();
        assert_eq!(body["body"], std::str::from_utf8(bytes).unwrap(), "{name}");
        assert_eq!(body["bodyBytes"], bytes.len(), "{name}");
    }
    // Not an HTTP event: the invocation fails, the loop goes on.
    let records = serve(vec![b"{\"a\":1}".to_vec(), b"[".to_vec()], |inv, out| {
        echo.handle(inv, out)
    });
    assert_eq!(records[0].kind, Kind::Error);
    assert_eq!(
        records[0].header("lambda-runtime-function-error-type"),
        Some("Event.Invalid")
    );
    assert_eq!(records[1].kind, Kind::Error);
}

/// A v2 event for `method path?query` with `body`.
fn v2(method: &str, path: &str, query: &str, body: &str) -> Vec<u8> {
    json!({
        "version": "2.0", "rawPath": path, "rawQueryString": query,
        "queryStringParameters": query.split('&').filter(|p| !p.is_empty())
            .map(|p| { let (k, v) = p.split_once('=').unwrap(); (k.to_string(), json!(v)) })
            .collect::<serde_json::Map<_, _>>(),
        "requestContext": {"http": {"method": method}},
        "body": body, "isBase64Encoded": false
    })
    .to_string()
    .into_bytes()
}

/// A v1 (REST API) event for `method path`.
fn v1(method: &str, path: &str, body: &str) -> Vec<u8> {
    json!({"httpMethod": method, "path": path, "body": body, "requestContext": {"stage": "prod"}})
        .to_string()
        .into_bytes()
}

#[test]
fn router_example_routes_two_paths_and_answers_404_otherwise() {
    let mut router = router::Router::default();
    let mut alb = serde_json::from_slice::<Value>(&sample("alb.json")).unwrap();
    alb["path"] = json!("/hello");
    let events = vec![
        v2("GET", "/hello", "name=Ann%20Lee", ""),
        v2("GET", "/hello", "", ""),
        v1("GET", "/users/42", ""),
        v2("GET", "/users/a\"b", "", ""),
        v2("POST", "/hello", "", ""),
        v2("GET", "/users/", "", ""),
        v1("GET", "/nope", ""),
        serde_json::to_vec(&alb).unwrap(),
        sample("alb-multi-value.json"),
    ];
    let records = serve(events, |inv, out| router.handle(inv, out));
    let v: Vec<Value> = records
        .iter()
        .map(|r| serde_json::from_slice(&r.body).unwrap())
        .collect();
    assert_eq!(v[0]["body"], "Hello, Ann%20Lee!");
    assert_eq!(v[1]["body"], "Hello, world!");
    assert_eq!(v[2]["statusCode"], 200);
    assert_eq!(v[2]["body"], r#"{"id":"42"}"#);
    assert_eq!(v[3]["body"], r#"{"id":"a\"b"}"#);
    for i in [4, 5, 6] {
        assert_eq!(v[i]["statusCode"], 404, "{i}");
        assert_eq!(v[i]["body"], r#"{"error":"not found"}"#);
    }
    assert_eq!(v[7]["statusDescription"], "200 OK");
    assert_eq!(v[7]["body"], "Hello, world!");
    assert_eq!(v[8]["statusDescription"], "404 Not Found");
    assert_eq!(
        v[8]["multiValueHeaders"]["content-type"],
        json!(["application/json"])
    );
}

#[test]
fn json_api_example_creates_or_explains_the_400() {
    let mut api = json_api::JsonApi::default();
    let events = vec![
        v2("POST", "/orders", "", r#"{"item":"tea \"green\"","qty":2}"#),
        v1("POST", "/orders", r#"{"qty":3,"item":"cake"}"#),
        v2("POST", "/orders", "", r#"{"item":"tea","qty":2,}"#),
        v2("POST", "/orders", "", r#"{"item":"","qty":2}"#),
        v2("POST", "/orders", "", r#"{"item":"tea","qty":0}"#),
        v2("POST", "/orders", "", r#"{"item":"tea","qty":1.5}"#),
        v2("POST", "/orders", "", "not json"),
        v2("GET", "/orders", "", ""),
    ];
    let records = serve(events, |inv, out| api.handle(inv, out));
    let answers: Vec<_> = records.iter().map(answer).collect();
    assert_eq!(answers[0].0["statusCode"], 201);
    assert_eq!(answers[0].1, json!({"item": "tea \"green\"", "qty": 2}));
    assert_eq!(answers[1].0["statusCode"], 201);
    assert_eq!(answers[1].1, json!({"item": "cake", "qty": 3}));
    assert_eq!(answers[2].0["statusCode"], 400);
    assert_eq!(
        answers[2].1["error"],
        "malformed JSON at byte 22: expected a string key"
    );
    assert_eq!(answers[3].1["error"], "item must be a non-empty string");
    for i in [4, 5] {
        assert_eq!(answers[i].0["statusCode"], 400);
        assert_eq!(
            answers[i].1["error"],
            "qty must be an integer from 1 to 1000"
        );
    }
    assert_eq!(answers[6].0["statusCode"], 400);
    assert_eq!(answers[7].0["statusCode"], 405);
    assert_eq!(answers[7].0["headers"]["allow"], "POST");
}

#[test]
fn a_handler_can_be_called_without_the_runtime() {
    let event = v2("GET", "/users/7", "", "");
    let inv = Invocation::new(Context::default(), &event);
    let mut buf = Vec::new();
    let mut out = Output::for_test(&mut buf);
    router::Router::default().handle(&inv, &mut out).unwrap();
    let v: Value = serde_json::from_slice(out.as_bytes()).unwrap();
    assert_eq!(v["body"], r#"{"id":"7"}"#);
}

// ---------------------------------------------------------------------------
// Typed events (feature `serde`).

#[cfg(feature = "serde")]
mod typed {
    use super::*;
    use std::borrow::Cow;

    #[derive(Debug, serde::Deserialize)]
    struct Borrowed<'a> {
        version: &'a str,
        #[serde(rename = "rawPath")]
        raw_path: &'a str,
        #[serde(borrow)]
        body: Cow<'a, str>,
    }

    #[test]
    fn deserializes_borrowing_from_the_event() {
        let event = br#"{"version":"2.0","rawPath":"/a","body":"x \"y\"","other":[1]}"#;
        let inv = Invocation::new(Context::default(), event);
        let t: Borrowed<'_> = inv.json().unwrap();
        assert_eq!((t.version, t.raw_path), ("2.0", "/a"));
        assert!(matches!(t.body, Cow::Owned(ref s) if s == "x \"y\""));
        let range = event.as_ptr_range();
        assert!(range.contains(&t.raw_path.as_ptr()), "borrowed, not copied");
        let err = lambda_zero::events::from_json::<Borrowed<'_>>(b"{").unwrap_err();
        assert_eq!(err.error_type(), "Json.Deserialize");
    }

    /// A bad body read with `serde_json::from_str(body)?` in a handler that
    /// returns `Box<dyn Error>` is still the caller's 400, as it is unboxed
    /// (a 502 from a failed invocation before).
    #[test]
    fn a_boxed_serde_json_error_is_still_the_callers_400() {
        let event = br#"{"version":"2.0","rawPath":"/","requestContext":{"http":{"method":"POST"}},"body":"{"}"#;
        let bad = || serde_json::from_str::<serde_json::Value>("{").unwrap_err();
        let boxed: Box<dyn std::error::Error + Send + Sync> = bad().into();
        for e in [&bad() as &dyn HandlerError, &boxed] {
            let mut buf = Vec::new();
            assert!(e.respond(event, &mut Output::for_test(&mut buf)));
            assert_eq!(e.error_type(), "Json.Deserialize");
            let answer = String::from_utf8(buf).unwrap();
            assert!(answer.contains(r#""statusCode":400"#), "{answer}");
        }
    }

    #[test]
    fn aws_lambda_events_types_agree_with_the_view() {
        use aws_lambda_events::alb::AlbTargetGroupRequest;
        use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayV2httpRequest};
        for (name, shape) in SAMPLES {
            let bytes = sample(name);
            let inv = Invocation::new(Context::default(), &bytes);
            let req = inv.http().unwrap();
            let (method, path) = match shape {
                Shape::HttpApi | Shape::FunctionUrl => {
                    let t: ApiGatewayV2httpRequest = inv.json().unwrap();
                    (t.request_context.http.method.to_string(), t.raw_path)
                }
                Shape::RestApi => {
                    let t: ApiGatewayProxyRequest = inv.json().unwrap();
                    (t.http_method.to_string(), t.path)
                }
                Shape::Alb | Shape::AlbMultiValue => {
                    let t: AlbTargetGroupRequest = inv.json().unwrap();
                    (t.http_method.to_string(), t.path)
                }
            };
            assert_eq!(method, req.method().to_string(), "{name}");
            assert_eq!(path.unwrap_or_default(), req.path().to_string(), "{name}");
        }
    }
}

// ---------------------------------------------------------------------------
// Shape::sniff: the cheap scan the default bootstrap picks its answer with.

/// What `sniff` must say for an event `HttpRequest::parse` reads as `shape`
/// (a function URL's answer is the HTTP API one).
fn sniffed(shape: Shape) -> Shape {
    match shape {
        Shape::FunctionUrl => Shape::HttpApi,
        other => other,
    }
}

#[test]
fn sniffing_agrees_with_the_parser_on_every_sample_in_any_key_order() {
    for (name, shape) in SAMPLES {
        let raw = sample(name);
        let parsed = HttpRequest::parse(&raw).unwrap().shape();
        assert_eq!(parsed, shape, "{name}");
        // As AWS sends it, compact with keys sorted, and pretty-printed.
        let value: Value = serde_json::from_slice(&raw).unwrap();
        let forms = [
            raw.clone(),
            serde_json::to_vec(&value).unwrap(),
            serde_json::to_vec_pretty(&value).unwrap(),
        ];
        for (form, event) in forms.into_iter().enumerate() {
            assert_eq!(HttpRequest::parse(&event).unwrap().shape(), shape, "{name}");
            // `None` when the markers lie past the limit (in a reordered
            // form: AWS sends them first), or for a REST API event whose
            // `resource` comes late: that gets the same answer.
            let got = Shape::sniff(&event);
            let late = form > 0 && event.len() > lambda_zero::internals::SNIFF_LIMIT;
            assert!(
                got == Some(sniffed(shape)) || (got.is_none() && (shape == Shape::RestApi || late)),
                "{name} form {form}: {got:?} for {}",
                String::from_utf8_lossy(&event)
            );
        }
    }
}

#[test]
fn sniffing_ignores_markers_below_the_top_level() {
    // A REST API event whose headers, parameters and body carry every
    // marker: still a REST API event.
    let rest = json!({
        "httpMethod": "GET",
        "path": "/",
        "headers": {"version": "2.0", "elb": "x", "requestContext": "y"},
        "multiValueHeaders": {"version": ["2.0"], "elb": [{"a": 1}]},
        "queryStringParameters": {"version": "2.0"},
        "pathParameters": {"elb": "{"},
        "requestContext": {"http": {"elb": "not an object"}, "x": ["elb", {"elb": {}}]},
        "body": "{\"version\":\"2.0\",\"requestContext\":{\"elb\":{}}}",
        "isBase64Encoded": false
    });
    let event = serde_json::to_vec(&rest).unwrap();
    assert_eq!(HttpRequest::parse(&event).unwrap().shape(), Shape::RestApi);
    assert_eq!(Shape::sniff(&event), Some(Shape::RestApi));
    // A v2 event with a body that looks like an ALB one.
    let v2 = json!({
        "body": "{\"requestContext\":{\"elb\":{}},\"headers\":{}}",
        "headers": {"x": "]}\\\"{["},
        "version": "2.0",
        "requestContext": {"http": {"method": "GET"}},
        "rawPath": "/"
    });
    let event = serde_json::to_vec(&v2).unwrap();
    assert_eq!(HttpRequest::parse(&event).unwrap().shape(), Shape::HttpApi);
    assert_eq!(Shape::sniff(&event), Some(Shape::HttpApi));
}

#[test]
fn sniffing_anything_else_is_none_and_never_panics() {
    let others: [&[u8]; 16] = [
        b"",
        b"{}",
        b"[]",
        b"null",
        b"\"version\"",
        br#"{"Records":[{"eventVersion":"2.1","eventSource":"aws:s3"}]}"#,
        br#"{"version":"0","id":"e","detail-type":"Scheduled Event","source":"aws.events"}"#,
        br#"{"version":"3.0","httpMethod":"GET"}"#,
        br#"{"key1":"value1","key2":"value2"}"#,
        br#"{"httpMethod":"#,
        br#"{"httpMethod":"GET","path":"/""#,
        br#"{"version":"2.0"#,
        br#"{"requestContext":{"elb""#,
        b"{\"a\":\"\\",
        b"\xff\xfe{",
        br#"{"a":1 "version":"2.0"}"#,
    ];
    for event in others {
        assert_eq!(
            Shape::sniff(event),
            None,
            "{}",
            String::from_utf8_lossy(event)
        );
    }
    // Every prefix of every sample: an answer or None, never a panic, and
    // never an answer the whole event contradicts (but an ALB event cut
    // before its headers is taken for single-value headers).
    for (name, shape) in SAMPLES {
        let raw = sample(name);
        for cut in 0..=raw.len() {
            if let Some(got) = Shape::sniff(&raw[..cut]) {
                let guess = shape == Shape::AlbMultiValue && got == Shape::Alb;
                assert!(
                    got == sniffed(shape) || guess,
                    "{name} cut at {cut}: {got:?}"
                );
            }
        }
    }
    // Past the limit: undecided, whatever follows.
    let mut late = br#"{"body":""#.to_vec();
    late.resize(lambda_zero::internals::SNIFF_LIMIT, b'x');
    late.extend_from_slice(br#"","version":"2.0"}"#);
    assert_eq!(Shape::sniff(&late), None);
}
