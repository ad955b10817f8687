//! A request the HTTP client got wrong is the client's `400`, not the
//! function's failure: `Error::BadRequest`, a body that is not JSON, a body
//! that does not deserialize (feature `serde`) answer in the event's shape;
//! the same errors on a non-HTTP event fail the invocation as before.

use lambda_zero::events::json;
use lambda_zero::{Config, Error, Invocation, Output, Runtime};
use lambda_zero_emulator::{Emulator, Event, Kind, Record, Script};

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

/// Serves `events` with `handler`; returns what was posted.
fn serve(
    events: Vec<Vec<u8>>,
    handler: fn(&Invocation<'_>, &mut Output<'_>) -> Result<(), Error>,
) -> Vec<Record> {
    let script = Script::new().events(
        events
            .into_iter()
            .enumerate()
            .map(|(i, e)| Event::new(format!("e{i}"), e)),
    );
    let emu = Emulator::start(script).unwrap();
    let _ = Runtime::for_api(&emu.runtime_api()).unwrap().run(handler);
    emu.records()
}

fn answer(r: &Record) -> serde_json::Value {
    assert_eq!(r.kind, Kind::Response, "{:?}", r.body_str());
    serde_json::from_slice(&r.body).unwrap()
}

#[test]
fn bad_request_answers_400_in_each_http_shape() {
    let shapes = [
        "apigw-http-v2.json",
        "apigw-rest-proxy.json",
        "lambda-function-url.json",
        "alb.json",
    ];
    let records = serve(shapes.iter().map(|s| sample(s)).collect(), |inv, _| {
        inv.http()?;
        Err(Error::BadRequest("name is required"))
    });
    for (r, shape) in records.iter().zip(shapes) {
        let a = answer(r);
        assert_eq!(a["statusCode"], 400, "{shape}");
        let body: serde_json::Value = serde_json::from_str(a["body"].as_str().unwrap()).unwrap();
        assert_eq!(body["message"], "name is required", "{shape}");
        if shape == "alb.json" {
            assert_eq!(a["statusDescription"], "400 Bad Request");
        }
    }
}

#[test]
fn a_malformed_json_body_is_the_clients_400() {
    let mut event: serde_json::Value =
        serde_json::from_slice(&sample("apigw-http-v2.json")).unwrap();
    event["body"] = "{\"name\": ".into();
    event["isBase64Encoded"] = false.into();
    let records = serve(vec![serde_json::to_vec(&event).unwrap()], |inv, _| {
        let req = inv.http()?;
        let mut scratch = Vec::new();
        json::parse(req.body(&mut scratch)?)?;
        Ok(())
    });
    assert_eq!(answer(&records[0])["statusCode"], 400);
}

#[test]
fn the_same_errors_on_other_events_fail_the_invocation() {
    let records = serve(
        vec![br#"{"Records":[]}"#.to_vec(), b"{not json".to_vec()],
        |inv, _| {
            json::parse(inv.event)?;
            Err(Error::BadRequest("no"))
        },
    );
    assert_eq!(records.len(), 2);
    for r in &records {
        assert_eq!(r.kind, Kind::Error, "{:?}", r.body_str());
    }
    assert_eq!(
        records[0].header("lambda-runtime-function-error-type"),
        Some("Http.BadRequest")
    );
    assert_eq!(
        records[1].header("lambda-runtime-function-error-type"),
        Some("Event.Invalid")
    );
}

#[test]
fn boxed_errors_keep_the_answer() {
    let emu = Emulator::start(Script::new().event(Event::new("b", sample("apigw-http-v2.json"))))
        .unwrap();
    let _ = Runtime::for_api(&emu.runtime_api()).unwrap().run(
        |_: &Invocation<'_>,
         _: &mut Output<'_>|
         -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
            Err(Error::BadRequest("boxed"))?
        },
    );
    assert_eq!(answer(&emu.records()[0])["statusCode"], 400);
    let _ = Config::default();
}
