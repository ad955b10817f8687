//! The non-HTTP event views (`lambda_zero::events`): AWS's published
//! sample events (`tests/data/`) and generated ones read through each view
//! and compared with `serde_json` + `aws_lambda_events` as oracles;
//! malformed and incomplete events; the batch-item-failures answer parsed
//! back by the oracle; the three examples; and zero allocations per warm
//! invocation, counted by the counting allocator on the runtime's thread.

use aws_lambda_events::{cloudwatch_events, dynamodb, eventbridge, kinesis, s3, sns, sqs};
use lambda_zero::events::json::{self, Str};
use lambda_zero::events::{self, BatchItemFailures, Error as EventsError};
use lambda_zero::internals::base64;
use lambda_zero::internals::Endpoint;
use lambda_zero::{Config, Context, HandlerError, Invocation, Output, Runtime, RuntimeError};
use lambda_zero_emulator::{Emulator, Event, Kind, Script};
use serde_json::{json, Value};

#[path = "support/counting.rs"]
mod counting;
#[path = "../examples/s3.rs"]
#[allow(dead_code)]
mod s3_example;
#[path = "../examples/scheduled.rs"]
#[allow(dead_code)]
mod scheduled;
#[path = "../examples/sqs_batch.rs"]
#[allow(dead_code)]
mod sqs_batch;

use counting::{allocations, counted};

const SQS: [&str; 3] = [
    "sqs-event.json",
    "sqs-fifo-event.json",
    "sqs-event-attributes.json",
];
const SNS: [&str; 2] = ["sns-event.json", "sns-event-escaped.json"];
const S3: [&str; 2] = ["s3-event.json", "s3-event-encoded-key.json"];
const EVENTBRIDGE: [&str; 2] = ["eventbridge-event.json", "scheduled-event.json"];
const DYNAMODB: [&str; 2] = ["dynamodb-event.json", "dynamodb-event-types.json"];
const KINESIS: [&str; 1] = ["kinesis-event.json"];

fn sample(name: &str) -> Vec<u8> {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn s(v: Str<'_>) -> String {
    v.to_string()
}

fn os(v: Option<Str<'_>>) -> Option<String> {
    v.map(|v| v.to_string())
}

fn unbase64(text: &str) -> Vec<u8> {
    let mut out = Vec::new();
    base64::decode(text.as_bytes(), &mut out).unwrap();
    out
}

/// An SQS batch of ten messages of about 25.6 KB each (about 256 KB in
/// all, the SQS message size limit): orders with escapes in their JSON
/// bodies, every third one not an order, attributes of each type.
fn big_sqs_batch() -> Vec<u8> {
    let records: Vec<Value> = (0..10)
        .map(|i| {
            let body = if i % 3 == 0 {
                format!("not an order {i}:\n\"{}\"", "y".repeat(24_900))
            } else {
                serde_json::to_string(&json!({
                    "item": format!("tea \"{i}\" é😀"),
                    "qty": i,
                    "pad": "x".repeat(24_900),
                }))
                .unwrap()
            };
            json!({
                "messageId": format!("id-{i}"),
                "receiptHandle": format!("AQEB{i}+/="),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": (i % 4 + 1).to_string(),
                    "SentTimestamp": (1_545_082_649_183u64 + i).to_string(),
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                    "ApproximateFirstReceiveTimestamp": "1545082649185",
                    "MessageGroupId": format!("group-{}", i % 2),
                },
                "messageAttributes": {
                    "kind": {"stringValue": "order", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
                    "blob": {"binaryValue": "AAEC/w==", "stringListValues": [], "binaryListValues": ["MQ==", "/w=="], "dataType": "Binary"},
                },
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
                "awsRegion": "us-east-2",
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "Records": records })).unwrap()
}

fn check_sqs(name: &str, bytes: &[u8]) {
    let oracle: sqs::SqsEvent = serde_json::from_slice(bytes).unwrap();
    let event = events::sqs::Event::parse(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(event.len(), oracle.records.len(), "{name}");
    let mut text = String::new();
    let mut bin = Vec::new();
    for (m, want) in event.records().zip(&oracle.records) {
        let m = m.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(Some(s(m.message_id())), want.message_id, "{name}");
        assert_eq!(Some(s(m.receipt_handle())), want.receipt_handle, "{name}");
        assert_eq!(Some(m.body_text(&mut text)), want.body.as_deref(), "{name}");
        assert_eq!(os(m.md5_of_body()), want.md5_of_body, "{name}");
        assert_eq!(os(m.event_source()), want.event_source, "{name}");
        assert_eq!(os(m.event_source_arn()), want.event_source_arn, "{name}");
        assert_eq!(os(m.aws_region()), want.aws_region, "{name}");
        let count = m.attributes().map_or(0, |a| a.members().count());
        assert_eq!(count, want.attributes.len(), "{name}");
        for (k, v) in &want.attributes {
            assert_eq!(os(m.attribute(k)).as_ref(), Some(v), "{name} {k}");
        }
        let number = |k: &str| want.attributes.get(k).map(|v| v.parse::<u64>().unwrap());
        assert_eq!(
            m.approximate_receive_count(),
            number("ApproximateReceiveCount")
        );
        assert_eq!(m.sent_timestamp(), number("SentTimestamp"));
        assert_eq!(
            m.approximate_first_receive_timestamp(),
            number("ApproximateFirstReceiveTimestamp")
        );
        let text_attr = |k: &str| want.attributes.get(k).cloned();
        assert_eq!(os(m.message_group_id()), text_attr("MessageGroupId"));
        assert_eq!(
            os(m.message_deduplication_id()),
            text_attr("MessageDeduplicationId")
        );
        assert_eq!(os(m.sequence_number()), text_attr("SequenceNumber"));
        assert_eq!(os(m.sender_id()), text_attr("SenderId"));
        assert_eq!(
            m.message_attributes().count(),
            want.message_attributes.len()
        );
        for (k, w) in &want.message_attributes {
            let a = m.message_attribute(k).unwrap();
            assert_eq!(os(a.data_type()), w.data_type, "{name} {k}");
            assert_eq!(os(a.string_value()), w.string_value, "{name} {k}");
            let got = a.binary_value(&mut bin).unwrap().map(<[u8]>::to_vec);
            assert_eq!(
                got,
                w.binary_value.as_ref().map(|b| b.0.clone()),
                "{name} {k}"
            );
            let strings: Vec<_> = a.string_list_values().map(s).collect();
            assert_eq!(strings, w.string_list_values, "{name} {k}");
            let blobs: Vec<_> = a.binary_list_values().map(|b| unbase64(&s(b))).collect();
            let want_blobs: Vec<_> = w.binary_list_values.iter().map(|b| b.0.clone()).collect();
            assert_eq!(blobs, want_blobs, "{name} {k}");
        }
    }
}

#[test]
fn sqs_samples_agree_with_aws_lambda_events() {
    for name in SQS {
        check_sqs(name, &sample(name));
    }
    let fifo = sample("sqs-fifo-event.json");
    let m = events::sqs::Event::parse(&fifo)
        .unwrap()
        .records()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(m.message_group_id().unwrap(), "1");
    assert_eq!(m.sequence_number().unwrap(), "18849496460467696128");
}

/// An SQS batch of `n` records, the sample's first record with its id
/// numbered, spaced out with whitespace between the records: past the
/// records a batch indexes while validating, iterating walks on.
fn many_sqs_records(n: usize) -> Vec<u8> {
    let sample: Value = serde_json::from_slice(&sample("sqs-event.json")).unwrap();
    let records: Vec<String> = (0..n)
        .map(|i| {
            let mut r = sample["Records"][0].clone();
            r["messageId"] = json!(format!("m-{i}"));
            r.to_string()
        })
        .collect();
    format!("{{ \"Records\" : [ {} ] }}", records.join(" ,\n ")).into_bytes()
}

#[test]
fn batches_past_the_indexed_records_agree_with_aws_lambda_events() {
    for n in [0, 1, 15, 16, 17, 40] {
        let event = many_sqs_records(n);
        check_sqs(&format!("{n} records"), &event);
        let batch = events::sqs::Event::parse(&event).unwrap();
        assert_eq!(batch.len(), n);
        assert_eq!(batch.is_empty(), n == 0);
        let ids: Vec<String> = batch
            .records()
            .map(|m| s(m.unwrap().message_id()))
            .collect();
        let want: Vec<String> = (0..n).map(|i| format!("m-{i}")).collect();
        assert_eq!(ids, want);
        // A clone of a half-read iterator goes on where the original is.
        let mut records = batch.records();
        records.by_ref().take(n / 2 + 1).for_each(drop);
        assert_eq!(records.clone().count(), records.count());
    }
}

#[test]
fn a_256_kb_sqs_batch_of_ten_agrees_with_aws_lambda_events() {
    let batch = big_sqs_batch();
    assert!((250_000..270_000).contains(&batch.len()), "{}", batch.len());
    check_sqs("generated", &batch);
}

#[test]
fn sns_samples_agree_with_aws_lambda_events() {
    for name in SNS {
        let bytes = sample(name);
        let oracle: sns::SnsEvent = serde_json::from_slice(&bytes).unwrap();
        let raw: Value = serde_json::from_slice(&bytes).unwrap();
        let event = events::sns::Event::parse(&bytes).unwrap();
        assert_eq!(event.len(), oracle.records.len());
        let mut text = String::new();
        for (i, (n, want)) in event.records().zip(&oracle.records).enumerate() {
            let n = n.unwrap();
            let m = &want.sns;
            assert_eq!(os(n.event_source()).as_ref(), Some(&want.event_source));
            assert_eq!(os(n.event_version()).as_ref(), Some(&want.event_version));
            assert_eq!(
                os(n.event_subscription_arn()).as_ref(),
                Some(&want.event_subscription_arn)
            );
            assert_eq!(s(n.message_id()), m.message_id, "{name}");
            assert_eq!(s(n.topic_arn()), m.topic_arn, "{name}");
            assert_eq!(os(n.subject()), m.subject, "{name}");
            assert_eq!(n.message_text(&mut text), m.message, "{name}");
            assert_eq!(os(n.message_type()).as_ref(), Some(&m.sns_message_type));
            assert_eq!(os(n.signature()).as_ref(), Some(&m.signature));
            assert_eq!(
                os(n.signature_version()).as_ref(),
                Some(&m.signature_version)
            );
            assert_eq!(os(n.signing_cert_url()).as_ref(), Some(&m.signing_cert_url));
            assert_eq!(os(n.unsubscribe_url()).as_ref(), Some(&m.unsubscribe_url));
            // The typed oracle parses the timestamp; the text is as sent.
            let ts = &raw["Records"][i]["Sns"]["Timestamp"];
            assert_eq!(s(n.timestamp()), ts.as_str().unwrap());
            assert_eq!(
                n.timestamp()
                    .to_string()
                    .parse::<chrono_free::Ts>()
                    .unwrap()
                    .0,
                m.timestamp.timestamp_millis()
            );
            assert_eq!(n.message_attributes().count(), m.message_attributes.len());
            for (k, w) in &m.message_attributes {
                let a = n.message_attribute(k).unwrap();
                assert_eq!(os(a.data_type()).as_ref(), Some(&w.data_type));
                assert_eq!(os(a.value()).as_ref(), Some(&w.value));
            }
        }
    }
}

/// Just enough ISO 8601 (`2019-01-02T12:45:07.000Z`) to compare with the
/// oracle's parsed timestamps, without a date crate.
mod chrono_free {
    pub struct Ts(pub i64);

    impl std::str::FromStr for Ts {
        type Err = ();
        fn from_str(s: &str) -> Result<Ts, ()> {
            let n = |r: std::ops::Range<usize>| s.get(r).ok_or(())?.parse::<i64>().map_err(|_| ());
            let (y, mo, d) = (n(0..4)?, n(5..7)?, n(8..10)?);
            let (h, mi, sec) = (n(11..13)?, n(14..16)?, n(17..19)?);
            let ms = if s.as_bytes().get(19) == Some(&b'.') {
                n(20..23)?
            } else {
                0
            };
            // Days from civil (Howard Hinnant's algorithm).
            let y = if mo <= 2 { y - 1 } else { y };
            let era = y.div_euclid(400);
            let yoe = y - era * 400;
            let doy = (153 * ((mo + 9) % 12) + 2) / 5 + d - 1;
            let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
            let days = era * 146_097 + doe - 719_468;
            Ok(Ts(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000 + ms))
        }
    }
}

/// The reference form decoder: `+` is a space, `%XX` a byte, the result
/// UTF-8 (what Python's `urllib.parse.unquote_plus` does with valid
/// input).
fn form_decode(s: &str) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// Encodes a key the way S3 does in notifications.
fn form_encode(key: &str) -> String {
    let mut out = String::new();
    for &b in key.as_bytes() {
        match b {
            b' ' => out.push('+'),
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'*' | b'/' => {
                out.push(char::from(b))
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[test]
fn s3_samples_agree_with_aws_lambda_events() {
    for name in S3 {
        let bytes = sample(name);
        let oracle: s3::S3Event = serde_json::from_slice(&bytes).unwrap();
        let raw: Value = serde_json::from_slice(&bytes).unwrap();
        let event = events::s3::Event::parse(&bytes).unwrap();
        assert_eq!(event.len(), oracle.records.len());
        let mut key = String::new();
        for (i, (r, want)) in event.records().zip(&oracle.records).enumerate() {
            let r = r.unwrap();
            let o = &want.s3.object;
            assert_eq!(Some(s(r.event_name())), want.event_name, "{name}");
            assert_eq!(
                s(r.event_time()),
                raw["Records"][i]["eventTime"].as_str().unwrap()
            );
            assert_eq!(
                s(r.event_time()).parse::<chrono_free::Ts>().unwrap().0,
                want.event_time.timestamp_millis()
            );
            assert_eq!(os(r.event_source()), want.event_source);
            assert_eq!(os(r.event_version()), want.event_version);
            assert_eq!(os(r.aws_region()), want.aws_region);
            assert_eq!(os(r.principal_id()), want.principal_id.principal_id);
            assert_eq!(
                os(r.source_ip_address()),
                want.request_parameters.source_ip_address
            );
            assert_eq!(os(r.configuration_id()), want.s3.configuration_id);
            assert_eq!(Some(s(r.bucket_name())), want.s3.bucket.name);
            assert_eq!(os(r.bucket_arn()), want.s3.bucket.arn);
            assert_eq!(Some(s(r.raw_key())), o.key);
            let decoded = form_decode(o.key.as_deref().unwrap()).unwrap();
            assert_eq!(r.key(&mut key).unwrap(), decoded, "{name}");
            assert_eq!(r.size().map(|n| n as i64), o.size);
            assert_eq!(os(r.etag()), o.e_tag);
            assert_eq!(os(r.version_id()), o.version_id);
            assert_eq!(os(r.sequencer()), o.sequencer);
            let elements = r.response_elements().unwrap();
            assert_eq!(elements.members().count(), want.response_elements.len());
        }
    }
    let bytes = sample("s3-event-encoded-key.json");
    let event = events::s3::Event::parse(&bytes).unwrap();
    let r = event.records().next().unwrap().unwrap();
    assert_eq!(r.key(&mut String::new()).unwrap(), "Happy Face.jpg");
}

fn s3_event_with_key(raw_key_json: &str) -> Vec<u8> {
    format!(
        r#"{{"Records":[{{"eventName":"ObjectCreated:Put","eventTime":"1970-01-01T00:00:00.000Z","s3":{{"bucket":{{"name":"b"}},"object":{{"key":"{raw_key_json}","size":1}}}}}}]}}"#
    )
    .into_bytes()
}

#[test]
fn s3_keys_are_form_decoded_like_the_reference() {
    let keys = [
        "plain.txt",
        "a b+c.txt",
        "dir/sub dir/file (1).jpg",
        "100% sure & more=yes?.csv",
        "café/日本語/😀.png",
        "+++",
        "%",
        "tab\there",
        "",
    ];
    let mut scratch = String::new();
    for (n, key) in keys.iter().enumerate() {
        let encoded = form_encode(key);
        let bytes = s3_event_with_key(&encoded);
        let event = events::s3::Event::parse(&bytes).unwrap();
        let r = event.records().next().unwrap().unwrap();
        assert_eq!(r.key(&mut scratch).unwrap(), *key, "{encoded}");
        assert_eq!(form_decode(&encoded).as_deref(), Some(*key));
        // The same key with JSON escapes in the event text.
        let escaped: String = encoded
            .chars()
            .map(|c| match c {
                '/' => "\\/".to_string(),
                c if n % 2 == 0 => format!("\\u{:04x}", u32::from(c)),
                c => c.to_string(),
            })
            .collect();
        let bytes = s3_event_with_key(&escaped);
        let event = events::s3::Event::parse(&bytes).unwrap();
        let r = event.records().next().unwrap().unwrap();
        assert_eq!(r.key(&mut scratch).unwrap(), *key, "{escaped}");
    }
    for bad in ["%", "a%2", "%zz", "%C3", "%FF%FE"] {
        let bytes = s3_event_with_key(bad);
        let event = events::s3::Event::parse(&bytes).unwrap();
        let r = event.records().next().unwrap().unwrap();
        assert_eq!(
            r.key(&mut scratch).unwrap_err(),
            EventsError::KeyEncoding,
            "{bad}"
        );
        assert!(scratch.is_empty());
        assert_eq!(form_decode(bad), None, "{bad}");
    }
}

#[test]
fn eventbridge_samples_agree_with_aws_lambda_events() {
    for name in EVENTBRIDGE {
        let bytes = sample(name);
        let oracle: eventbridge::EventBridgeEvent = serde_json::from_slice(&bytes).unwrap();
        let cw: cloudwatch_events::CloudWatchEvent = serde_json::from_slice(&bytes).unwrap();
        let raw: Value = serde_json::from_slice(&bytes).unwrap();
        let e = events::eventbridge::Event::parse(&bytes).unwrap();
        assert_eq!(s(e.detail_type()), oracle.detail_type, "{name}");
        assert_eq!(s(e.source()), oracle.source);
        assert_eq!(os(e.id()), oracle.id);
        assert_eq!(os(e.version()), oracle.version);
        assert_eq!(os(e.account()), oracle.account);
        assert_eq!(os(e.account()), cw.account_id);
        assert_eq!(os(e.region()), oracle.region);
        assert_eq!(os(e.time()).as_deref(), raw["time"].as_str());
        assert_eq!(
            s(e.time().unwrap()).parse::<chrono_free::Ts>().unwrap().0,
            cw.time.timestamp_millis()
        );
        let resources: Vec<_> = e.resources().map(s).collect();
        assert_eq!(Some(resources.clone()), oracle.resources);
        assert_eq!(resources, cw.resources);
        let detail: Value = serde_json::from_str(e.detail().unwrap().raw()).unwrap();
        assert_eq!(detail, oracle.detail, "{name}");
        assert_eq!(e.is_scheduled(), name == "scheduled-event.json");
    }
}

#[test]
fn dynamodb_samples_agree_with_aws_lambda_events() {
    for name in DYNAMODB {
        let bytes = sample(name);
        let oracle: dynamodb::Event = serde_json::from_slice(&bytes).unwrap();
        let raw: Value = serde_json::from_slice(&bytes).unwrap();
        let event = events::dynamodb::Event::parse(&bytes).unwrap();
        assert_eq!(event.len(), oracle.records.len());
        for (i, (r, want)) in event.records().zip(&oracle.records).enumerate() {
            let r = r.unwrap();
            let c = &want.change;
            let raw_change = &raw["Records"][i]["dynamodb"];
            assert_eq!(s(r.event_name()), want.event_name, "{name}");
            assert_eq!(os(r.event_id()).as_ref(), Some(&want.event_id));
            assert_eq!(os(r.event_version()), want.event_version);
            assert_eq!(os(r.event_source()), want.event_source);
            assert_eq!(os(r.aws_region()).as_ref(), Some(&want.aws_region));
            assert_eq!(os(r.event_source_arn()), want.event_source_arn);
            assert_eq!(Some(s(r.sequence_number())), c.sequence_number);
            assert_eq!(r.size_bytes().map(|n| n as i64), Some(c.size_bytes));
            assert_eq!(
                os(r.stream_view_type()).as_deref(),
                raw_change["StreamViewType"].as_str()
            );
            assert_eq!(
                r.approximate_creation_date_time().map(|t| t as i64),
                raw_change["ApproximateCreationDateTime"].as_i64()
            );
            for (got, want_item, key) in [
                (r.keys(), &c.keys, "Keys"),
                (r.new_image(), &c.new_image, "NewImage"),
                (r.old_image(), &c.old_image, "OldImage"),
            ] {
                let count = got.map_or(0, |v| v.members().count());
                assert_eq!(count, want_item.len(), "{name} {key}");
                let got: Value =
                    got.map_or(Value::Null, |v| serde_json::from_str(v.raw()).unwrap());
                assert_eq!(got, raw_change[key], "{name} {key}");
            }
            assert_eq!(
                r.user_identity().is_some(),
                want.user_identity.is_some(),
                "{name}"
            );
        }
    }
}

#[test]
fn kinesis_samples_agree_with_aws_lambda_events() {
    for name in KINESIS {
        let bytes = sample(name);
        let oracle: kinesis::KinesisEvent = serde_json::from_slice(&bytes).unwrap();
        let event = events::kinesis::Event::parse(&bytes).unwrap();
        assert_eq!(event.len(), oracle.records.len());
        let mut data = Vec::new();
        for (r, want) in event.records().zip(&oracle.records) {
            let r = r.unwrap();
            let k = &want.kinesis;
            assert_eq!(s(r.partition_key()), k.partition_key);
            assert_eq!(s(r.sequence_number()), k.sequence_number);
            assert_eq!(r.data(&mut data).unwrap(), &k.data.0[..]);
            assert_eq!(os(r.kinesis_schema_version()), k.kinesis_schema_version);
            let ms = (r.approximate_arrival_timestamp().unwrap() * 1000.0).round() as i64;
            assert_eq!(ms, k.approximate_arrival_timestamp.0.timestamp_millis());
            assert_eq!(os(r.event_source()), want.event_source);
            assert_eq!(os(r.event_id()), want.event_id);
            assert_eq!(os(r.event_name()), want.event_name);
            assert_eq!(os(r.event_version()), want.event_version);
            assert_eq!(os(r.invoke_identity_arn()), want.invoke_identity_arn);
            assert_eq!(os(r.aws_region()), want.aws_region);
            assert_eq!(os(r.event_source_arn()), want.event_source_arn);
        }
    }
    assert_eq!(
        events::kinesis::Event::parse(&sample("kinesis-event.json"))
            .unwrap()
            .records()
            .map(|r| r.unwrap().data(&mut Vec::new()).unwrap().to_vec())
            .collect::<Vec<_>>(),
        [&b"Hello, this is a test."[..], b"This is only a test."]
    );
}

#[test]
fn kinesis_data_with_json_escapes_and_bad_base64() {
    let event = |data: &str| {
        format!(
            r#"{{"Records":[{{"kinesis":{{"partitionKey":"p","sequenceNumber":"1","data":"{data}"}}}}]}}"#
        )
    };
    let mut scratch = b"old".to_vec();
    let ok = event(r"\/\/8=");
    let r = events::kinesis::Event::parse(ok.as_bytes())
        .unwrap()
        .records()
        .next()
        .unwrap()
        .unwrap();
    assert_eq!(r.data(&mut scratch).unwrap(), b"\xff\xff");
    let bad = event("SGVsbG8");
    let r = events::kinesis::Event::parse(bad.as_bytes())
        .unwrap()
        .records()
        .next()
        .unwrap()
        .unwrap();
    assert!(matches!(r.data(&mut scratch), Err(EventsError::Base64(_))));
}

#[test]
fn batch_item_failures_are_what_aws_lambda_events_reads() {
    let mut buf = b"stale".to_vec();
    let mut out = Output::for_test(&mut buf);
    BatchItemFailures::new(&mut out).finish();
    let empty: sqs::SqsBatchResponse = serde_json::from_slice(out.as_bytes()).unwrap();
    assert!(empty.batch_item_failures.is_empty());

    let batch = big_sqs_batch();
    let event = events::sqs::Event::parse(&batch).unwrap();
    let mut failures = BatchItemFailures::new(&mut out);
    for m in event.records() {
        let m = m.unwrap();
        if m.index() % 3 == 0 {
            failures.add(m.message_id());
        }
    }
    failures.add_text("odd \"id\"\n\u{1}é");
    assert_eq!(failures.len(), 5);
    drop(failures);
    let got: sqs::SqsBatchResponse = serde_json::from_slice(out.as_bytes()).unwrap();
    let ids: Vec<_> = got
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.as_str())
        .collect();
    assert_eq!(ids, ["id-0", "id-3", "id-6", "id-9", "odd \"id\"\n\u{1}é"]);

    // An identifier with JSON escapes in the event is copied as written.
    let escaped = br#"{"Records":[{"messageId":"a\"b\u00e9","receiptHandle":"r","body":"x"}]}"#;
    let event = events::sqs::Event::parse(escaped).unwrap();
    let mut failures = BatchItemFailures::new(&mut out);
    failures.add(event.records().next().unwrap().unwrap().message_id());
    failures.finish();
    let got: sqs::SqsBatchResponse = serde_json::from_slice(out.as_bytes()).unwrap();
    assert_eq!(got.batch_item_failures[0].item_identifier, "a\"bé");
}

/// Each view refuses what is not its event, names the missing or
/// mistyped field and the record, and never panics.
#[test]
fn malformed_and_incomplete_events_are_clear_errors() {
    use events::{dynamodb as d, eventbridge as e, kinesis as k, s3 as s3v, sns as n, sqs as q};
    use EventsError::*;
    fn first<'a, T: lambda_zero::internals::FromRecord<'a>>(
        doc: &'a [u8],
    ) -> Result<(), EventsError> {
        let mut records = events::Batch::<T>::parse(doc)?.records();
        records.next().expect("one record").map(|_| ())
    }
    let sqs = |doc: &'static str| first::<q::Message<'_>>(doc.as_bytes());
    let sns = |doc: &'static str| first::<n::Notification<'_>>(doc.as_bytes());
    let s3 = |doc: &'static str| first::<s3v::Record<'_>>(doc.as_bytes());
    let ddb = |doc: &'static str| first::<d::Record<'_>>(doc.as_bytes());
    let kin = |doc: &'static str| first::<k::Record<'_>>(doc.as_bytes());
    let eb = |doc: &'static str| e::Event::parse(doc.as_bytes()).map(|_| ());

    assert!(matches!(sqs("{\"Records\":["), Err(Json(_))));
    assert!(matches!(
        sqs("{\"Records\":[{\"body\":\"\\x\"}]}"),
        Err(Json(_))
    ));
    assert_eq!(
        q::Event::parse(b"[]").unwrap_err(),
        WrongKind("an SQS event")
    );
    assert_eq!(
        q::Event::parse(b"{}").unwrap_err(),
        WrongKind("an SQS event")
    );
    assert_eq!(
        q::Event::parse(br#"{"Records":{}}"#).unwrap_err(),
        Field {
            record: None,
            name: "Records",
            expected: "an array"
        }
    );
    assert_eq!(
        q::Event::parse(br#"{"Records":[],"Records":[]}"#).unwrap_err(),
        DuplicateField {
            record: None,
            name: "Records"
        }
    );
    assert_eq!(
        sqs(r#"{"Records":[7]}"#).unwrap_err(),
        Field {
            record: Some(0),
            name: "Records",
            expected: "an object"
        }
    );
    assert_eq!(
        sqs(r#"{"Records":[{"receiptHandle":"r","body":"b"}]}"#).unwrap_err(),
        Missing {
            record: Some(0),
            name: "messageId"
        }
    );
    assert_eq!(
        sqs(r#"{"Records":[{"messageId":null,"receiptHandle":"r","body":"b"}]}"#).unwrap_err(),
        Missing {
            record: Some(0),
            name: "messageId"
        }
    );
    assert_eq!(
        sqs(r#"{"Records":[{"messageId":1,"receiptHandle":"r","body":"b"}]}"#).unwrap_err(),
        Field {
            record: Some(0),
            name: "messageId",
            expected: "a string"
        }
    );
    assert_eq!(
        sqs(r#"{"Records":[{"messageId":"m","receiptHandle":"r","body":"b","attributes":[]}]}"#)
            .unwrap_err(),
        Field {
            record: Some(0),
            name: "attributes",
            expected: "an object"
        }
    );
    assert_eq!(
        sqs(
            r#"{"Records":[{"messageId":"m","m\u0065ssageId":"n","receiptHandle":"r","body":"b"}]}"#
        )
        .unwrap_err(),
        DuplicateField {
            record: Some(0),
            name: "messageId"
        }
    );
    // A root key is the key it decodes to, escaped or not, and only that
    // key: matched where it lies when it has no escape.
    let escaped = br#"{"R\u0065cords":[{"messageId":"m","receiptHandle":"r","body":"b"}]}"#;
    assert_eq!(q::Event::parse(escaped).unwrap().len(), 1);
    for near in [
        r#"{"Record":[]}"#,
        r#"{"Recordz":[]}"#,
        r#"{"Records ":[]}"#,
        r#"{"records":[]}"#,
        r#"{"RecordsRecords":[]}"#,
    ] {
        assert_eq!(
            q::Event::parse(near.as_bytes()).unwrap_err(),
            WrongKind("an SQS event"),
            "{near}"
        );
    }
    assert_eq!(
        q::Event::parse(br#"{"Records":[],"Rec\u006frds":[]}"#).unwrap_err(),
        DuplicateField {
            record: None,
            name: "Records"
        }
    );
    let event = e::Event::parse(br#"{"det\u0061il-type":"t","source":"s","detail-types":1}"#);
    assert_eq!(event.unwrap().detail_type(), "t");
    assert_eq!(
        eb(r#"{"detail-type":"t","source":"s","sourc\u0065":1}"#).unwrap_err(),
        DuplicateField {
            record: None,
            name: "source"
        }
    );
    // A later bad record does not hide the good ones before it.
    let doc = br#"{"Records":[{"messageId":"m","receiptHandle":"r","body":"b"},{"body":"b"}]}"#;
    let all: Vec<_> = q::Event::parse(doc).unwrap().records().collect();
    assert!(all[0].is_ok());
    assert_eq!(
        all[1].as_ref().unwrap_err(),
        &Missing {
            record: Some(1),
            name: "messageId"
        }
    );
    assert_eq!(
        all[1].as_ref().unwrap_err().to_string(),
        "event record 1: field messageId is missing"
    );

    assert_eq!(
        sns(r#"{"Records":[{"EventSource":"aws:sns"}]}"#).unwrap_err(),
        Missing {
            record: Some(0),
            name: "Sns"
        }
    );
    assert_eq!(
        sns(r#"{"Records":[{"Sns":{"MessageId":"m","TopicArn":"t","Timestamp":"x"}}]}"#)
            .unwrap_err(),
        Missing {
            record: Some(0),
            name: "Sns.Message"
        }
    );
    assert_eq!(
        sns(r#"{"Records":[{"Sns":[]}]}"#).unwrap_err(),
        Field {
            record: Some(0),
            name: "Sns",
            expected: "an object"
        }
    );
    assert_eq!(
        s3(r#"{"Records":[{"eventName":"e","eventTime":"t","s3":{"bucket":{"name":"b"},"object":{}}}]}"#)
            .unwrap_err(),
        Missing { record: Some(0), name: "s3.object.key" }
    );
    assert_eq!(
        s3(r#"{"Records":[{"eventName":"e","eventTime":"t","s3":{"bucket":{"name":"b"},"object":{"key":"k","size":"1"}}}]}"#)
            .unwrap_err(),
        Field { record: Some(0), name: "s3.object.size", expected: "a number" }
    );
    assert_eq!(
        s3(r#"{"Records":[{"eventName":"e","eventTime":"t","s3":{"object":{"key":"k"}}}]}"#)
            .unwrap_err(),
        Missing {
            record: Some(0),
            name: "s3.bucket"
        }
    );
    // An SQS record read as S3: the first thing S3 needs is missing.
    assert_eq!(
        first::<s3v::Record<'_>>(&sample("sqs-event.json")).unwrap_err(),
        Missing {
            record: Some(0),
            name: "s3"
        }
    );
    assert_eq!(
        ddb(r#"{"Records":[{"eventName":"INSERT","dynamodb":{"Keys":{}}}]}"#).unwrap_err(),
        Missing {
            record: Some(0),
            name: "dynamodb.SequenceNumber"
        }
    );
    assert_eq!(
        ddb(r#"{"Records":[{"eventName":"INSERT","dynamodb":{"SequenceNumber":"1","NewImage":[]}}]}"#).unwrap_err(),
        Field { record: Some(0), name: "dynamodb.NewImage", expected: "an object" }
    );
    assert_eq!(
        kin(r#"{"Records":[{"kinesis":{"partitionKey":"p","sequenceNumber":"1"}}]}"#).unwrap_err(),
        Missing {
            record: Some(0),
            name: "kinesis.data"
        }
    );
    assert_eq!(
        kin(r#"{"Records":[{"eventSource":"aws:kinesis"}]}"#).unwrap_err(),
        Missing {
            record: Some(0),
            name: "kinesis"
        }
    );
    assert_eq!(eb("[]").unwrap_err(), WrongKind("an EventBridge event"));
    assert_eq!(
        eb(r#"{"Records":[]}"#).unwrap_err(),
        WrongKind("an EventBridge event")
    );
    assert_eq!(
        eb(r#"{"source":"aws.events"}"#).unwrap_err(),
        Missing {
            record: None,
            name: "detail-type"
        }
    );
    assert_eq!(
        eb(r#"{"source":"s","detail-type":"d","detail":"x"}"#).unwrap_err(),
        Field {
            record: None,
            name: "detail",
            expected: "an object"
        }
    );
    assert_eq!(
        eb(r#"{"source":"s","detail-type":"d","resources":{}}"#).unwrap_err(),
        Field {
            record: None,
            name: "resources",
            expected: "an array"
        }
    );
    let e = eb(r#"{"source":"s","detail-type":"d","detail":null}"#);
    assert!(e.is_ok());

    // Every error has a type for `/error` and a one-line message.
    for err in [
        Json(json::parse(b"{").unwrap_err()),
        WrongKind("an SQS event"),
        Missing {
            record: Some(2),
            name: "body",
        },
        KeyEncoding,
    ] {
        assert_eq!(err.error_type(), "Event.Invalid");
        assert!(!err.to_string().contains('\n'));
    }

    // Truncations and byte flips of every sample: errors, never panics.
    let all = SQS
        .iter()
        .chain(&SNS)
        .chain(&S3)
        .chain(&EVENTBRIDGE)
        .chain(&DYNAMODB)
        .chain(&KINESIS);
    for name in all {
        let bytes = sample(name);
        for cut in (0..bytes.len()).step_by(7) {
            let mut doc = bytes[..cut].to_vec();
            touch_every_view(&doc, &mut Scratch::default());
            if let Some(b) = doc.last_mut() {
                *b ^= 0x21;
            }
            touch_every_view(&doc, &mut Scratch::default());
        }
    }
}

/// The buffers a handler keeps across invocations.
#[derive(Default)]
struct Scratch {
    text: String,
    bytes: Vec<u8>,
}

/// Reads `event` through every view and every accessor (errors and all);
/// returns a number that depends on what was read.
fn touch_every_view(event: &[u8], scratch: &mut Scratch) -> usize {
    let mut n = 0usize;
    let len = |s: Option<Str<'_>>| s.map_or(0, |s| s.raw().len());
    if let Ok(e) = events::sqs::Event::parse(event) {
        n += e.len();
        for m in e.records().flatten() {
            n += m.index() + m.message_id().raw().len() + m.receipt_handle().raw().len();
            n += m.body_text(&mut scratch.text).len();
            n += len(m.md5_of_body()) + len(m.md5_of_message_attributes());
            n += len(m.event_source()) + len(m.event_source_arn()) + len(m.aws_region());
            n += m.approximate_receive_count().unwrap_or(0) as usize;
            n += m.sent_timestamp().unwrap_or(0) as usize % 7;
            n += m.approximate_first_receive_timestamp().unwrap_or(0) as usize % 7;
            n += len(m.sender_id()) + len(m.message_group_id()) + len(m.sequence_number());
            n += len(m.message_deduplication_id()) + len(m.aws_trace_header());
            for (k, a) in m.message_attributes() {
                n += k.raw().len() + len(a.data_type()) + len(a.string_value());
                n += a
                    .binary_value(&mut scratch.bytes)
                    .map_or(1, |b| b.map_or(0, <[u8]>::len));
                n += a.string_list_values().count() + a.binary_list_values().count();
            }
            n += m.message_attribute("kind").is_some() as usize;
        }
    }
    if let Ok(e) = events::sns::Event::parse(event) {
        for r in e.records().flatten() {
            n += r.message_text(&mut scratch.text).len() + r.message_id().raw().len();
            n += r.topic_arn().raw().len() + r.timestamp().raw().len() + len(r.subject());
            n += len(r.message_type()) + len(r.signing_cert_url()) + len(r.unsubscribe_url());
            n += len(r.signature()) + len(r.signature_version()) + len(r.event_source());
            n += len(r.event_subscription_arn()) + len(r.event_version());
            for (k, a) in r.message_attributes() {
                n += k.raw().len() + len(a.data_type()) + len(a.value());
            }
        }
    }
    if let Ok(e) = events::s3::Event::parse(event) {
        for r in e.records().flatten() {
            n += r.key(&mut scratch.text).map_or(1, str::len);
            n += r.bucket_name().raw().len() + r.event_name().raw().len();
            n += r.event_time().raw().len() + r.size().unwrap_or(0) as usize % 7;
            n += len(r.etag()) + len(r.version_id()) + len(r.sequencer()) + len(r.bucket_arn());
            n += len(r.principal_id()) + len(r.source_ip_address()) + len(r.configuration_id());
            n += len(r.aws_region()) + len(r.event_source()) + len(r.event_version());
        }
    }
    if let Ok(e) = events::eventbridge::Event::parse(event) {
        n += e.detail_type().raw().len() + e.source().raw().len() + e.is_scheduled() as usize;
        n += len(e.id()) + len(e.account()) + len(e.time()) + len(e.region()) + len(e.version());
        n += e.resources().count();
        n += e.detail().map_or(0, |d| d.members().count());
    }
    if let Ok(e) = events::dynamodb::Event::parse(event) {
        for r in e.records().flatten() {
            n += r.event_name().raw().len() + r.sequence_number().raw().len();
            n += r.size_bytes().unwrap_or(0) as usize + len(r.stream_view_type());
            n += r.keys().map_or(0, |k| k.members().count());
            n += r.new_image().map_or(0, |k| k.members().count());
            n += r.old_image().map_or(0, |k| k.members().count());
            n += len(r.event_id()) + len(r.event_source_arn()) + len(r.aws_region());
            n += r.approximate_creation_date_time().is_some() as usize;
        }
    }
    if let Ok(e) = events::kinesis::Event::parse(event) {
        for r in e.records().flatten() {
            n += r.data(&mut scratch.bytes).map_or(1, <[u8]>::len);
            n += r.partition_key().raw().len() + r.sequence_number().raw().len();
            n += r.approximate_arrival_timestamp().is_some() as usize;
            n += len(r.event_id()) + len(r.event_source_arn()) + len(r.encryption_type());
        }
    }
    n
}

fn invoke<E>(
    event: &[u8],
    handle: impl FnOnce(&Invocation<'_>, &mut Output<'_>) -> Result<(), E>,
) -> Result<Value, E> {
    let inv = Invocation::new(Context::default(), event);
    let mut buf = Vec::new();
    let mut out = Output::for_test(&mut buf);
    handle(&inv, &mut out)?;
    Ok(serde_json::from_slice(out.as_bytes()).unwrap())
}

#[test]
fn the_examples_answer_the_samples() {
    let mut batch = sqs_batch::SqsBatch::default();
    let got = invoke(&big_sqs_batch(), |i, o| batch.handle(i, o)).unwrap();
    assert_eq!(
        got,
        json!({"batchItemFailures":[{"itemIdentifier":"id-0"},{"itemIdentifier":"id-3"},{"itemIdentifier":"id-6"},{"itemIdentifier":"id-9"}]})
    );
    assert_eq!(batch.items, 1 + 2 + 4 + 5 + 7 + 8);
    let got = invoke(&sample("sqs-event.json"), |i, o| batch.handle(i, o)).unwrap();
    let ids: Vec<_> = got["batchItemFailures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["itemIdentifier"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        ids,
        [
            "059f36b4-87a3-44ab-83d2-661975830a7d",
            "2e1424d4-f796-459a-8184-9c92662be6da"
        ]
    );
    assert!(invoke(&sample("s3-event.json"), |i, o| batch.handle(i, o)).is_err());

    let mut s3h = s3_example::S3Handler::default();
    let got = invoke(&sample("s3-event-encoded-key.json"), |i, o| {
        s3h.handle(i, o)
    })
    .unwrap();
    assert_eq!(
        got,
        json!({"objects":[{"event":"ObjectCreated:Put","bucket":"sourcebucket","key":"Happy Face.jpg","size":1024}],"createdBytes":1024})
    );
    let got = invoke(&s3_event_with_key("%22quoted%22+%26+%E2%98%83"), |i, o| {
        s3h.handle(i, o)
    })
    .unwrap();
    assert_eq!(got["objects"][0]["key"], "\"quoted\" & ☃");
    assert_eq!(
        invoke(&s3_event_with_key("%zz"), |i, o| s3h.handle(i, o)).unwrap_err(),
        EventsError::KeyEncoding
    );

    let mut job = scheduled::Scheduled::default();
    let got = invoke(&sample("scheduled-event.json"), |i, o| job.handle(i, o)).unwrap();
    assert_eq!(
        got,
        json!({"job":"cleanup","run":1,"scheduledTime":"2019-03-01T01:23:45Z","rule":"arn:aws:events:us-east-2:123456789012:rule/my-schedule"})
    );
    assert_eq!(
        invoke(&sample("eventbridge-event.json"), |i, o| job.handle(i, o)).unwrap_err(),
        EventsError::WrongKind("a scheduled event")
    );
}

/// Rounds over the event mix: the first warms the buffers up.
const ROUNDS: usize = 60;

/// Every sample, the 256 KB batch, and a few malformed events.
fn mix() -> Vec<Vec<u8>> {
    let all = SQS
        .iter()
        .chain(&SNS)
        .chain(&S3)
        .chain(&EVENTBRIDGE)
        .chain(&DYNAMODB)
        .chain(&KINESIS);
    let mut events: Vec<Vec<u8>> = all.map(|name| sample(name)).collect();
    events.push(big_sqs_batch());
    events.push(many_sqs_records(40));
    events.push(s3_event_with_key("caf%C3%A9+%2B+%F0%9F%98%80"));
    events.push(s3_event_with_key("%zz"));
    events.push(br#"{"Records":[{"messageId":"m","body":"b"}]}"#.to_vec());
    events.push(b"{\"Records\":[".to_vec());
    events
}

/// Serves `ROUNDS` rounds of the mix to the handler `make` builds, on a
/// counted thread; returns the allocations per warm invocation.
fn allocations_per_warm_invocation<H, E>(
    name: &str,
    make: impl FnOnce() -> H + Send + 'static,
) -> f64
where
    H: FnMut(&Invocation<'_>, &mut Output<'_>) -> Result<(), E>,
    E: HandlerError,
{
    let mix = mix();
    let per_round = mix.len();
    let events = (0..ROUNDS).flat_map(|r| {
        mix.clone()
            .into_iter()
            .enumerate()
            .map(move |(i, body)| Event::new(format!("{r}-{i}"), body))
    });
    let emu = Emulator::start(Script::new().events(events)).unwrap();
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
    // Samples are taken as each invocation starts: from the first of round
    // 2 to the last, every invocation in between ran warm.
    let first = per_round;
    let last = samples.len() - 1;
    let warm = samples[last] - samples[first];
    let n = last - first;
    println!("{name}: {warm} allocations over {n} warm invocations");
    warm as f64 / n as f64
}

#[test]
fn every_view_and_accessor_allocates_nothing_per_warm_invocation() {
    let per = allocations_per_warm_invocation("views", || {
        let mut scratch = Scratch::default();
        move |inv: &Invocation<'_>, out: &mut Output<'_>| {
            let n = touch_every_view(inv.event, &mut scratch);
            let mut failures = BatchItemFailures::new(out);
            if let Ok(e) = events::sqs::Event::parse(inv.event) {
                for m in e.records().flatten() {
                    if m.index() % 2 == 0 {
                        failures.add(m.message_id());
                    }
                }
            }
            if n % 2 == 0 {
                failures.add_text("even \"n\"");
            }
            Ok::<(), EventsError>(())
        }
    });
    assert_eq!(per, 0.0, "warm invocations allocated");
}

#[test]
fn the_event_examples_allocate_nothing_per_warm_invocation() {
    let per = allocations_per_warm_invocation("sqs_batch", || {
        let mut h = sqs_batch::SqsBatch::default();
        move |inv: &Invocation<'_>, out: &mut Output<'_>| h.handle(inv, out)
    });
    assert_eq!(per, 0.0, "sqs_batch: warm invocations allocated");
    let per = allocations_per_warm_invocation("s3", || {
        let mut h = s3_example::S3Handler::default();
        move |inv: &Invocation<'_>, out: &mut Output<'_>| h.handle(inv, out)
    });
    assert_eq!(per, 0.0, "s3: warm invocations allocated");
    let per = allocations_per_warm_invocation("scheduled", || {
        let mut h = scheduled::Scheduled::default();
        move |inv: &Invocation<'_>, out: &mut Output<'_>| h.handle(inv, out)
    });
    assert_eq!(per, 0.0, "scheduled: warm invocations allocated");
}

/// The record views read each record's fields, and those of the objects it
/// nests, from what the validating pass recorded (`Batch::parse`): for every
/// sample and for records built to corner that index (duplicate and
/// mistyped fields at each depth, escaped keys, arrays of objects, objects
/// deeper than recorded, more records or members than it holds, records
/// that are not objects, whitespace everywhere), every record reads, or
/// errs, exactly as a walk over the record reads it.
#[test]
fn recorded_record_fields_read_as_a_walk_reads_them() {
    use events::{dynamodb as d, kinesis as k, s3 as s3v, sns as n, sqs as q};
    fn same<'a, T>(doc: &'a [u8]) -> usize
    where
        T: lambda_zero::internals::FromRecord<'a> + std::fmt::Debug,
    {
        let Ok(batch) = events::Batch::<T>::parse(doc) else {
            return 0;
        };
        let indexed: Vec<String> = batch.records().map(|r| format!("{r:?}")).collect();
        let walked: Vec<String> = batch.records_walked().map(|r| format!("{r:?}")).collect();
        assert_eq!(indexed, walked, "{}", String::from_utf8_lossy(doc));
        indexed.len()
    }
    fn all(doc: &[u8]) -> usize {
        same::<q::Message<'_>>(doc)
            + same::<n::Notification<'_>>(doc)
            + same::<s3v::Record<'_>>(doc)
            + same::<d::Record<'_>>(doc)
            + same::<k::Record<'_>>(doc)
    }
    let mut docs: Vec<Vec<u8>> = [
        "sqs-event",
        "sqs-event-attributes",
        "sqs-fifo-event",
        "sns-event",
        "sns-event-escaped",
        "s3-event",
        "s3-event-encoded-key",
        "dynamodb-event",
        "dynamodb-event-types",
        "kinesis-event",
    ]
    .iter()
    .map(|name| sample(&format!("{name}.json")))
    .collect();
    docs.push(big_sqs_batch());
    docs.push(many_sqs_records(40));
    let s3 = r#"{"eventName":"E","eventTime":"T","s3":{"bucket":{"name":"b","arn":"a"},"object":{"key":"k","size":1}}}"#;
    let records = [
        s3.to_string(),
        // Duplicates and wrong kinds at depth 3, 4 and 5.
        s3.replace(r#""eventName":"E""#, r#""eventName":"E","eventName":"F""#),
        s3.replace(r#""name":"b""#, r#""name":"b","name":"c""#),
        s3.replace(r#""size":1"#, r#""size":"1""#),
        s3.replace(r#""bucket":{"#, r#""bucket":{"name":1,"#),
        s3.replace(r#""s3":{"#, r#""s3":{"bucket":null,"#),
        r#"{"eventName":"E","eventTime":"T","s3":[{"bucket":{"name":"b"}}]}"#.into(),
        // Escaped keys, nulls, arrays of objects, objects deeper than recorded.
        s3.replace(r#""key":"k""#, r#""k\u0065y":"k\"\\","sequencer":null"#),
        s3.replace(r#""arn":"a""#, r#""arn":"a","x":[{"a":{"b":{"c":{}}}}],"y":{"z":{"w":{"v":1}}}"#),
        s3.replace(r#""object":{"#, r#""object":{"o":{"p":{"q":[1,{"r":2}]}},"#),
        // Empty objects, whitespace around every token.
        r#"{"eventName":"E","eventTime":"T","s3":{"bucket":{},"object":{}}}"#.into(),
        s3.replace(':', " :\n\t").replace(',', " ,\r\n ").replace('{', "{ ").replace('}', " }"),
        // Not a record at all.
        "[1,2]".into(),
        "\"s3\"".into(),
        "{}".into(),
        // SNS, SQS, DynamoDB and Kinesis shapes.
        r#"{"EventSource":"aws:sns","Sns":{"MessageId":"m","TopicArn":"t","Message":"x","Timestamp":"s","Subject":"j","MessageAttributes":{"A":{"Type":"String","Value":"v"}}}}"#.into(),
        r#"{"Sns":{"MessageId":"m","TopicArn":"t","Message":"x","Timestamp":"s","Message":"y"}}"#.into(),
        r#"{"messageId":"m","receiptHandle":"r","body":"b","attributes":{"ApproximateReceiveCount":"2"}}"#.into(),
        r#"{"eventName":"INSERT","dynamodb":{"Keys":{"Id":{"N":"1"}},"SequenceNumber":"1","SizeBytes":2,"NewImage":{"a":{"M":{"b":{"S":"c"}}}}}}"#.into(),
        r#"{"kinesis":{"partitionKey":"p","sequenceNumber":"1","data":"SGk=","data":"SGk="}}"#.into(),
        r#"{"kinesis":{"partitionKey":"p","sequenceNumber":"1","data":"SGk="},"kinesis":{}}"#.into(),
    ];
    for record in &records {
        docs.push(format!(r#"{{"Records":[{record}]}}"#).into_bytes());
        // Among other records, past the first 16, and beside another array.
        let many = vec![record.as_str(); 20].join(",");
        docs.push(
            format!(r#"{{"Other":[{s3}],"Records":[{s3},{many}],"More":[{record}]}}"#).into_bytes(),
        );
    }
    // More members than the index holds: the records past them are walked.
    let wide: String = (0..200)
        .map(|i| format!(r#""f{i}":{{"g":{i}}},"#))
        .collect();
    let wide = s3.replacen('{', &format!("{{{wide}"), 1);
    docs.push(format!(r#"{{"Records":[{s3},{wide},{s3}]}}"#).into_bytes());
    let mut read = 0;
    for doc in &docs {
        read += all(doc);
    }
    assert!(read > 500, "{read} records read");
}
