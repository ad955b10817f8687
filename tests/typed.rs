//! The typed-events example (feature `serde`): an `aws_lambda_events` SQS
//! event through `Invocation::json`, answered with a partial-batch
//! response.
#![cfg(feature = "serde")]

#[allow(dead_code)]
#[path = "../examples/typed.rs"]
mod typed;

use lambda_zero::Runtime;
use lambda_zero_emulator::{Emulator, Event, Kind, Script};

#[test]
fn the_typed_example_reports_messages_whose_body_is_not_json() {
    let sample = std::fs::read(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sqs-event.json"
    ))
    .unwrap();
    let mut event: serde_json::Value = serde_json::from_slice(&sample).unwrap();
    event["Records"][0]["body"] = "{\"ok\":true}".into();
    let ids: Vec<String> = event["Records"].as_array().unwrap()[1..]
        .iter()
        .map(|r| r["messageId"].as_str().unwrap().to_string())
        .collect();
    let emu =
        Emulator::start(Script::new().event(Event::new("t", serde_json::to_vec(&event).unwrap())))
            .unwrap();
    let _ = Runtime::for_api(&emu.runtime_api())
        .unwrap()
        .run(typed::handler);
    let records = emu.records();
    assert_eq!(records[0].kind, Kind::Response);
    let answer: serde_json::Value = serde_json::from_slice(&records[0].body).unwrap();
    let reported: Vec<&str> = answer["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap())
        .collect();
    assert_eq!(reported, ids);
}
