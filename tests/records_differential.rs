//! Seeded randomized differential tests of the record-based event views
//! (SQS, SNS, S3, Kinesis, DynamoDB Streams) and EventBridge against
//! `serde_json` + `aws_lambda_events`: generated events with JSON escapes
//! (`\u` escapes, surrogate pairs, `\/`) in keys and values, members in
//! any order, optional fields absent or `null`, unknown members (some
//! nested, some with near-miss keys), batches past the indexed records and
//! past the deep-member budget, numbers at their limits; each view must
//! read what the oracle reads, and the partial-batch answer must be what
//! the oracle reads back. Deterministic: a fixed seed per test.

use aws_lambda_events::{dynamodb, eventbridge, kinesis, s3, sns, sqs};
use lambda_zero::events::json::Str;
use lambda_zero::events::{self, BatchItemFailures, Shape};
use lambda_zero::Output;
use serde_json::Value;

/// splitmix64: small, deterministic, good enough to pick shapes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
    fn pick<'t, T>(&mut self, items: &'t [T]) -> &'t T {
        &items[self.below(items.len())]
    }
    fn pick_str(&mut self, items: &[&'static str]) -> &'static str {
        items[self.below(items.len())]
    }
}

/// A JSON tree written with randomly chosen escapes and whitespace.
#[derive(Clone)]
enum J {
    Null,
    Bool(bool),
    Num(String),
    Str(String),
    Arr(Vec<J>),
    Obj(Vec<(String, J)>),
}

fn s(text: &str) -> J {
    J::Str(text.to_string())
}

fn ws(rng: &mut Rng, out: &mut String) {
    if rng.one_in(3) {
        for _ in 0..rng.below(3) {
            out.push(*rng.pick(&[' ', '\n', '\t', '\r']));
        }
    }
}

fn write_str(text: &str, rng: &mut Rng, out: &mut String) {
    out.push('"');
    // Some strings are written plain (no escape but the required ones).
    let dense = rng.below(4);
    for c in text.chars() {
        let must = matches!(c, '"' | '\\') || (c as u32) < 0x20;
        let may = dense > 0
            && rng.one_in(match dense {
                1 => 12,
                2 => 4,
                _ => 1,
            });
        if !must && !may {
            out.push(c);
            continue;
        }
        match c {
            '"' if rng.one_in(2) => out.push_str("\\\""),
            '\\' if rng.one_in(2) => out.push_str("\\\\"),
            '/' if rng.one_in(2) => out.push_str("\\/"),
            '\n' if rng.one_in(2) => out.push_str("\\n"),
            '\t' if rng.one_in(2) => out.push_str("\\t"),
            '\r' if rng.one_in(2) => out.push_str("\\r"),
            '\u{8}' if rng.one_in(2) => out.push_str("\\b"),
            '\u{c}' if rng.one_in(2) => out.push_str("\\f"),
            _ => {
                let mut units = [0u16; 2];
                for u in c.encode_utf16(&mut units) {
                    if rng.one_in(2) {
                        out.push_str(&format!("\\u{:04x}", u));
                    } else {
                        out.push_str(&format!("\\u{:04X}", u));
                    }
                }
            }
        }
    }
    out.push('"');
}

fn write(j: &J, rng: &mut Rng, out: &mut String) {
    match j {
        J::Null => out.push_str("null"),
        J::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        J::Num(n) => out.push_str(n),
        J::Str(text) => write_str(text, rng, out),
        J::Arr(items) => {
            out.push('[');
            ws(rng, out);
            for (k, item) in items.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                    ws(rng, out);
                }
                write(item, rng, out);
                ws(rng, out);
            }
            out.push(']');
        }
        J::Obj(members) => {
            out.push('{');
            ws(rng, out);
            for (k, (key, value)) in members.iter().enumerate() {
                if k > 0 {
                    out.push(',');
                    ws(rng, out);
                }
                write_str(key, rng, out);
                ws(rng, out);
                out.push(':');
                ws(rng, out);
                write(value, rng, out);
                ws(rng, out);
            }
            out.push('}');
        }
    }
}

fn to_bytes(j: &J, rng: &mut Rng) -> Vec<u8> {
    let mut out = String::new();
    ws(rng, &mut out);
    write(j, rng, &mut out);
    ws(rng, &mut out);
    out.into_bytes()
}

/// Text with what needs escaping, non-ASCII, astral characters and the
/// characters of URLs and base64.
fn text(rng: &mut Rng) -> String {
    const POOL: &[char] = &[
        'a', 'b', 'Z', '0', '9', ' ', '"', '\\', '/', '\n', '\t', '\u{1}', '\u{1f}', 'é', '日',
        '😀', '\u{2028}', '\u{ffff}', '+', '%', '=', '-', ':', '{', '}', '[', ']', ',',
    ];
    let n = match rng.below(10) {
        0 => 0,
        1 => 40 + rng.below(300),
        _ => 1 + rng.below(12),
    };
    (0..n).map(|_| *rng.pick(POOL)).collect()
}

/// A value no view reads: nested containers, keys some of which nearly
/// match the views' own.
fn junk(rng: &mut Rng, depth: usize) -> J {
    match rng.below(if depth > 2 { 4 } else { 6 }) {
        0 => J::Null,
        1 => J::Num(format!("-{}.5e3", rng.below(1000))),
        2 => J::Bool(rng.one_in(2)),
        3 => J::Str(text(rng)),
        4 => J::Arr((0..rng.below(4)).map(|_| junk(rng, depth + 1)).collect()),
        _ => J::Obj(
            (0..rng.below(5))
                .map(|k| (format!("j{k}|{}", text(rng)), junk(rng, depth + 1)))
                .collect(),
        ),
    }
}

/// `members` in a random order, with unknown members mixed in: keys
/// differing from a known one in the last byte, or in case.
fn object(rng: &mut Rng, mut members: Vec<(String, J)>) -> J {
    let known: Vec<String> = members.iter().map(|(k, _)| k.clone()).collect();
    for _ in 0..rng.below(4) {
        let key = match (rng.below(3), known.first()) {
            (0, Some(_)) => {
                let mut k = rng.pick(&known).clone();
                k.pop();
                k.push('~');
                k
            }
            (1, Some(_)) => rng.pick(&known).to_uppercase(),
            _ => format!("x-{}", text(rng)),
        };
        if !known.contains(&key) {
            members.push((key, junk(rng, 0)));
        }
    }
    map(rng, members)
}

/// `members` in a random order (a map: nothing added).
fn map(rng: &mut Rng, mut members: Vec<(String, J)>) -> J {
    for i in (1..members.len()).rev() {
        members.swap(i, rng.below(i + 1));
    }
    J::Obj(members)
}

/// An optional field: absent, `null`, or `value`.
fn opt(rng: &mut Rng, members: &mut Vec<(String, J)>, key: &str, value: J) {
    match rng.below(4) {
        0 => {}
        1 => members.push((key.to_string(), J::Null)),
        _ => members.push((key.to_string(), value)),
    }
}

/// A `Records` count: mostly a few, often past the 16 indexed ones.
fn count(rng: &mut Rng) -> usize {
    match rng.below(6) {
        0 => 0,
        1 => 16 + rng.below(30),
        _ => 1 + rng.below(12),
    }
}

fn records(rng: &mut Rng, each: &mut dyn FnMut(&mut Rng, usize) -> J) -> J {
    let n = count(rng);
    let records = (0..n).map(|i| each(rng, i)).collect();
    object(rng, vec![("Records".to_string(), J::Arr(records))])
}

fn base64(bytes: &[u8]) -> String {
    let mut out = Vec::new();
    lambda_zero::internals::base64::encode(bytes, &mut out);
    String::from_utf8(out).unwrap()
}

fn bytes(rng: &mut Rng) -> Vec<u8> {
    (0..rng.below(40)).map(|_| rng.next() as u8).collect()
}

fn os(v: Option<Str<'_>>) -> Option<String> {
    v.map(|v| v.to_string())
}

fn st(v: Str<'_>) -> String {
    v.to_string()
}

/// The ids back from a partial-batch answer, read by the oracle.
fn failures_read_back(ids: &[Str<'_>]) -> Vec<String> {
    let mut buf = Vec::new();
    let mut out = Output::for_test(&mut buf);
    let mut failures = BatchItemFailures::new(&mut out);
    for id in ids {
        failures.add(*id);
    }
    failures.finish();
    let got: sqs::SqsBatchResponse = serde_json::from_slice(out.as_bytes()).unwrap();
    got.batch_item_failures
        .into_iter()
        .map(|f| f.item_identifier)
        .collect()
}

const CASES: usize = 400;

/// `cases` events made by `generate` (seeded with `seed`), each handed to
/// `check` with its number, its text and the oracle's reading of it
/// (`serde_json` + `aws_lambda_events`), once the event sniffer has said
/// it is no HTTP event.
fn each_case<O: serde::de::DeserializeOwned>(
    seed: u64,
    cases: usize,
    generate: fn(&mut Rng) -> J,
    mut check: impl FnMut(usize, &[u8], &str, O),
) {
    let mut rng = Rng(seed);
    for case in 0..cases {
        let doc = to_bytes(&generate(&mut rng), &mut rng);
        let shown = String::from_utf8_lossy(&doc);
        let oracle =
            serde_json::from_slice(&doc).unwrap_or_else(|e| panic!("{case}: {e}\n{shown}"));
        assert_eq!(Shape::sniff(&doc), None, "{shown}");
        check(case, &doc, &shown, oracle);
    }
}

fn sqs_event(rng: &mut Rng) -> J {
    records(rng, &mut |rng, i| {
        let mut m = vec![
            ("messageId".to_string(), J::Str(format!("{i}{}", text(rng)))),
            ("receiptHandle".to_string(), J::Str(text(rng))),
            ("body".to_string(), J::Str(text(rng))),
        ];
        for key in [
            "md5OfBody",
            "md5OfMessageAttributes",
            "eventSource",
            "eventSourceARN",
            "awsRegion",
        ] {
            let t = J::Str(text(rng));
            opt(rng, &mut m, key, t);
        }
        let mut attributes = Vec::new();
        const NUMBERS: &[&str] = &[
            "0",
            "1",
            "007",
            "18446744073709551615",
            "18446744073709551616",
            "1545082649183",
            "-1",
            "1.0",
            "",
        ];
        for key in [
            "ApproximateReceiveCount",
            "SentTimestamp",
            "ApproximateFirstReceiveTimestamp",
        ] {
            if !rng.one_in(4) {
                attributes.push((key.to_string(), s(rng.pick_str(NUMBERS))));
            }
        }
        for key in [
            "SenderId",
            "MessageGroupId",
            "MessageDeduplicationId",
            "SequenceNumber",
            "AWSTraceHeader",
        ] {
            if rng.one_in(2) {
                attributes.push((key.to_string(), J::Str(text(rng))));
            }
        }
        for k in 0..rng.below(3) {
            attributes.push((format!("Custom{k}"), J::Str(text(rng))));
        }
        let attributes = map(rng, attributes);
        opt(rng, &mut m, "attributes", attributes);
        let mut ma = Vec::new();
        let n = if rng.one_in(5) {
            10 + rng.below(25)
        } else {
            rng.below(4)
        };
        for k in 0..n {
            let mut a = Vec::new();
            let data_type = J::Str(
                rng.pick(&["String", "Number", "Binary", "Number.f"])
                    .to_string(),
            );
            opt(rng, &mut a, "dataType", data_type);
            let sv = J::Str(text(rng));
            opt(rng, &mut a, "stringValue", sv);
            let bv = J::Str(base64(&bytes(rng)));
            opt(rng, &mut a, "binaryValue", bv);
            if rng.one_in(2) {
                let list = (0..rng.below(3)).map(|_| J::Str(text(rng))).collect();
                a.push(("stringListValues".to_string(), J::Arr(list)));
            }
            if rng.one_in(2) {
                let list = (0..rng.below(3))
                    .map(|_| J::Str(base64(&bytes(rng))))
                    .collect();
                a.push(("binaryListValues".to_string(), J::Arr(list)));
            }
            let a = J::Obj(a);
            ma.push((format!("attr{k}|{}", text(rng)), a));
        }
        let ma = J::Obj(ma);
        opt(rng, &mut m, "messageAttributes", ma);
        object(rng, m)
    })
}

#[test]
fn sqs_events_read_as_aws_lambda_events_reads_them() {
    let (mut text_buf, mut bin) = (String::new(), Vec::new());
    each_case(
        0x5153_0001,
        CASES,
        sqs_event,
        |case, doc, shown, oracle: sqs::SqsEvent| {
            let event =
                events::sqs::Event::parse(doc).unwrap_or_else(|e| panic!("{case}: {e}\n{shown}"));
            assert_eq!(event.len(), oracle.records.len(), "{shown}");
            let mut ids = Vec::new();
            let mut n = 0;
            for (m, want) in event.records().zip(&oracle.records) {
                n += 1;
                let m = m.unwrap_or_else(|e| panic!("{case}: {e}\n{shown}"));
                let at = format!("case {case} record {}: {shown}", m.index());
                ids.push(m.message_id());
                assert_eq!(Some(st(m.message_id())), want.message_id, "{at}");
                assert_eq!(Some(st(m.receipt_handle())), want.receipt_handle, "{at}");
                assert_eq!(
                    Some(m.body_text(&mut text_buf)),
                    want.body.as_deref(),
                    "{at}"
                );
                assert_eq!(os(m.md5_of_body()), want.md5_of_body, "{at}");
                assert_eq!(
                    os(m.md5_of_message_attributes()),
                    want.md5_of_message_attributes,
                    "{at}"
                );
                assert_eq!(os(m.event_source()), want.event_source, "{at}");
                assert_eq!(os(m.event_source_arn()), want.event_source_arn, "{at}");
                assert_eq!(os(m.aws_region()), want.aws_region, "{at}");
                let count = m.attributes().map_or(0, |a| a.members().count());
                assert_eq!(count, want.attributes.len(), "{at}");
                for (k, v) in &want.attributes {
                    assert_eq!(os(m.attribute(k)).as_ref(), Some(v), "{at} {k}");
                }
                let number = |k: &str| want.attributes.get(k).and_then(|v| v.parse::<u64>().ok());
                assert_eq!(
                    m.approximate_receive_count(),
                    number("ApproximateReceiveCount"),
                    "{at}"
                );
                assert_eq!(m.sent_timestamp(), number("SentTimestamp"), "{at}");
                assert_eq!(
                    m.approximate_first_receive_timestamp(),
                    number("ApproximateFirstReceiveTimestamp"),
                    "{at}"
                );
                let text_attr = |k: &str| want.attributes.get(k).cloned();
                assert_eq!(os(m.sender_id()), text_attr("SenderId"), "{at}");
                assert_eq!(
                    os(m.message_group_id()),
                    text_attr("MessageGroupId"),
                    "{at}"
                );
                assert_eq!(
                    os(m.message_deduplication_id()),
                    text_attr("MessageDeduplicationId"),
                    "{at}"
                );
                assert_eq!(os(m.sequence_number()), text_attr("SequenceNumber"), "{at}");
                assert_eq!(
                    os(m.aws_trace_header()),
                    text_attr("AWSTraceHeader"),
                    "{at}"
                );
                assert_eq!(
                    m.message_attributes().count(),
                    want.message_attributes.len(),
                    "{at}"
                );
                for (name, a) in m.message_attributes() {
                    assert!(want.message_attributes.contains_key(&st(name)), "{at}");
                    assert_eq!(
                        m.message_attribute(&st(name)).unwrap().json(),
                        a.json(),
                        "{at}"
                    );
                }
                for (k, w) in &want.message_attributes {
                    let a = m.message_attribute(k).unwrap_or_else(|| panic!("{at} {k}"));
                    assert_eq!(os(a.data_type()), w.data_type, "{at} {k}");
                    assert_eq!(os(a.string_value()), w.string_value, "{at} {k}");
                    let got = a.binary_value(&mut bin).unwrap().map(<[u8]>::to_vec);
                    assert_eq!(
                        got,
                        w.binary_value.as_ref().map(|b| b.0.clone()),
                        "{at} {k}"
                    );
                    let strings: Vec<_> = a.string_list_values().map(st).collect();
                    assert_eq!(strings, w.string_list_values, "{at} {k}");
                    let blobs: Vec<_> = a.binary_list_values().map(st).collect();
                    let want_blobs: Vec<_> =
                        w.binary_list_values.iter().map(|b| base64(&b.0)).collect();
                    assert_eq!(blobs, want_blobs, "{at} {k}");
                }
            }
            assert_eq!(n, oracle.records.len(), "{shown}");
            let want_ids: Vec<_> = oracle
                .records
                .iter()
                .map(|r| r.message_id.clone().unwrap())
                .collect();
            assert_eq!(failures_read_back(&ids), want_ids, "{shown}");
        },
    );
}

fn sns_event(rng: &mut Rng) -> J {
    records(rng, &mut |rng, i| {
        let mut m = vec![
            ("Type".to_string(), s("Notification")),
            (
                "MessageId".to_string(),
                J::Str(format!("{i}|{}", text(rng))),
            ),
            ("TopicArn".to_string(), J::Str(text(rng))),
            ("Message".to_string(), J::Str(text(rng))),
            ("Timestamp".to_string(), s("2019-01-02T12:45:07.000Z")),
            ("SignatureVersion".to_string(), J::Str(text(rng))),
            ("Signature".to_string(), J::Str(text(rng))),
        ];
        let subject = J::Str(text(rng));
        opt(rng, &mut m, "Subject", subject);
        let cert = if rng.one_in(2) {
            "SigningCertUrl"
        } else {
            "SigningCertURL"
        };
        m.push((cert.to_string(), J::Str(text(rng))));
        let unsub = if rng.one_in(2) {
            "UnsubscribeUrl"
        } else {
            "UnsubscribeURL"
        };
        m.push((unsub.to_string(), J::Str(text(rng))));
        let mut attributes = Vec::new();
        let n = if rng.one_in(4) {
            10 + rng.below(30)
        } else {
            rng.below(4)
        };
        for k in 0..n {
            let members = vec![
                ("Type".to_string(), J::Str(text(rng))),
                ("Value".to_string(), J::Str(text(rng))),
            ];
            let a = map(rng, members);
            attributes.push((format!("a{k}|{}", text(rng)), a));
        }
        let attributes = map(rng, attributes);
        opt(rng, &mut m, "MessageAttributes", attributes);
        let sns = object(rng, m);
        let record = vec![
            ("EventSource".to_string(), s("aws:sns")),
            ("EventVersion".to_string(), J::Str(text(rng))),
            ("EventSubscriptionArn".to_string(), J::Str(text(rng))),
            ("Sns".to_string(), sns),
        ];
        object(rng, record)
    })
}

#[test]
fn sns_events_read_as_aws_lambda_events_reads_them() {
    let mut text_buf = String::new();
    each_case(
        0x5355_0002,
        CASES,
        sns_event,
        |case, doc, shown, oracle: sns::SnsEvent| {
            let event =
                events::sns::Event::parse(doc).unwrap_or_else(|e| panic!("{case}: {e}\n{shown}"));
            assert_eq!(event.len(), oracle.records.len(), "{shown}");
            let mut n = 0;
            for (r, want) in event.records().zip(&oracle.records) {
                n += 1;
                let r = r.unwrap_or_else(|e| panic!("{case}: {e}\n{shown}"));
                let at = format!("case {case} record {}: {shown}", r.index());
                let m = &want.sns;
                assert_eq!(
                    os(r.event_source()).as_ref(),
                    Some(&want.event_source),
                    "{at}"
                );
                assert_eq!(
                    os(r.event_version()).as_ref(),
                    Some(&want.event_version),
                    "{at}"
                );
                assert_eq!(
                    os(r.event_subscription_arn()).as_ref(),
                    Some(&want.event_subscription_arn),
                    "{at}"
                );
                assert_eq!(
                    os(r.message_type()).as_ref(),
                    Some(&m.sns_message_type),
                    "{at}"
                );
                assert_eq!(st(r.message_id()), m.message_id, "{at}");
                assert_eq!(st(r.topic_arn()), m.topic_arn, "{at}");
                assert_eq!(os(r.subject()), m.subject, "{at}");
                assert_eq!(r.message_text(&mut text_buf), m.message, "{at}");
                assert_eq!(st(r.timestamp()), "2019-01-02T12:45:07.000Z", "{at}");
                assert_eq!(
                    os(r.signature_version()).as_ref(),
                    Some(&m.signature_version),
                    "{at}"
                );
                assert_eq!(os(r.signature()).as_ref(), Some(&m.signature), "{at}");
                assert_eq!(
                    os(r.signing_cert_url()).as_ref(),
                    Some(&m.signing_cert_url),
                    "{at}"
                );
                assert_eq!(
                    os(r.unsubscribe_url()).as_ref(),
                    Some(&m.unsubscribe_url),
                    "{at}"
                );
                assert_eq!(
                    r.message_attributes().count(),
                    m.message_attributes.len(),
                    "{at}"
                );
                for (name, a) in r.message_attributes() {
                    let w = &m.message_attributes[&st(name)];
                    assert_eq!(os(a.data_type()).as_ref(), Some(&w.data_type), "{at}");
                    assert_eq!(os(a.value()).as_ref(), Some(&w.value), "{at}");
                }
                for (k, w) in &m.message_attributes {
                    let a = r.message_attribute(k).unwrap_or_else(|| panic!("{at} {k}"));
                    assert_eq!(os(a.data_type()).as_ref(), Some(&w.data_type), "{at} {k}");
                    assert_eq!(os(a.value()).as_ref(), Some(&w.value), "{at} {k}");
                }
            }
            assert_eq!(n, oracle.records.len(), "{shown}");
        },
    );
}

/// The reference form decoder (`+` a space, `%XX` a byte, UTF-8).
fn form_decode(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' => {
                let hex = std::str::from_utf8(b.get(i + 1..i + 3)?).ok()?;
                if !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
                    return None;
                }
                out.push(u8::from_str_radix(hex, 16).ok()?);
                i += 2;
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8(out).ok()
}

/// A key as S3 encodes it, now and then left with a raw `%` or `+`.
fn s3_key(rng: &mut Rng) -> String {
    let key = text(rng);
    let mut out = String::new();
    for c in key.chars() {
        match c {
            ' ' => out.push('+'),
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '.' | '/' => out.push(c),
            '%' if rng.one_in(8) => out.push('%'),
            _ => {
                for b in c.to_string().bytes() {
                    out.push_str(&format!("%{b:02X}"));
                }
            }
        }
    }
    out
}

fn s3_event(rng: &mut Rng) -> J {
    records(rng, &mut |rng, _| {
        let mut object_fields = vec![("key".to_string(), J::Str(s3_key(rng)))];
        let size = J::Num(
            rng.pick(&["0", "1", "1024", "9223372036854775807"])
                .to_string(),
        );
        opt(rng, &mut object_fields, "size", size);
        for key in ["eTag", "versionId", "sequencer"] {
            let t = J::Str(text(rng));
            opt(rng, &mut object_fields, key, t);
        }
        let object_value = object(rng, object_fields);
        let mut bucket = vec![("name".to_string(), J::Str(text(rng)))];
        let arn = J::Str(text(rng));
        opt(rng, &mut bucket, "arn", arn);
        let bucket = object(rng, bucket);
        let mut entity = vec![
            ("bucket".to_string(), bucket),
            ("object".to_string(), object_value),
        ];
        for key in ["s3SchemaVersion", "configurationId"] {
            let t = J::Str(text(rng));
            opt(rng, &mut entity, key, t);
        }
        let entity = object(rng, entity);
        let mut user = Vec::new();
        let p = J::Str(text(rng));
        opt(rng, &mut user, "principalId", p);
        let user = object(rng, user);
        let mut request = Vec::new();
        let ip = J::Str(text(rng));
        opt(rng, &mut request, "sourceIPAddress", ip);
        let request = object(rng, request);
        let mut record = vec![
            ("eventName".to_string(), J::Str(text(rng))),
            ("eventTime".to_string(), s("2019-09-03T19:37:27.192Z")),
            ("userIdentity".to_string(), user),
            ("requestParameters".to_string(), request),
            ("s3".to_string(), entity),
        ];
        for key in ["eventVersion", "eventSource", "awsRegion"] {
            let t = J::Str(text(rng));
            opt(rng, &mut record, key, t);
        }
        let elements = (0..rng.below(3))
            .map(|k| (format!("x-amz-{k}"), J::Str(text(rng))))
            .collect();
        let elements = map(rng, elements);
        opt(rng, &mut record, "responseElements", elements);
        object(rng, record)
    })
}

#[test]
fn s3_events_read_as_aws_lambda_events_reads_them() {
    let mut key = String::new();
    each_case(
        0x5330_0003,
        CASES,
        s3_event,
        |case, doc, shown, oracle: s3::S3Event| {
            let event =
                events::s3::Event::parse(doc).unwrap_or_else(|e| panic!("{case}: {e}\n{shown}"));
            assert_eq!(event.len(), oracle.records.len(), "{shown}");
            let mut n = 0;
            for (r, want) in event.records().zip(&oracle.records) {
                n += 1;
                let r = r.unwrap_or_else(|e| panic!("{case}: {e}\n{shown}"));
                let at = format!("case {case} record {}: {shown}", r.index());
                let o = &want.s3.object;
                assert_eq!(Some(st(r.event_name())), want.event_name, "{at}");
                assert_eq!(st(r.event_time()), "2019-09-03T19:37:27.192Z", "{at}");
                assert_eq!(os(r.event_source()), want.event_source, "{at}");
                assert_eq!(os(r.event_version()), want.event_version, "{at}");
                assert_eq!(os(r.aws_region()), want.aws_region, "{at}");
                assert_eq!(os(r.principal_id()), want.principal_id.principal_id, "{at}");
                assert_eq!(
                    os(r.source_ip_address()),
                    want.request_parameters.source_ip_address,
                    "{at}"
                );
                assert_eq!(os(r.configuration_id()), want.s3.configuration_id, "{at}");
                assert_eq!(Some(st(r.bucket_name())), want.s3.bucket.name, "{at}");
                assert_eq!(os(r.bucket_arn()), want.s3.bucket.arn, "{at}");
                assert_eq!(Some(st(r.raw_key())), o.key, "{at}");
                let decoded = form_decode(o.key.as_deref().unwrap());
                assert_eq!(r.key(&mut key).ok().map(str::to_string), decoded, "{at}");
                assert_eq!(r.size().map(|n| n as i64), o.size, "{at}");
                assert_eq!(os(r.etag()), o.e_tag, "{at}");
                assert_eq!(os(r.version_id()), o.version_id, "{at}");
                assert_eq!(os(r.sequencer()), o.sequencer, "{at}");
                let elements = r.response_elements().map_or(0, |e| e.members().count());
                assert_eq!(elements, want.response_elements.len(), "{at}");
            }
            assert_eq!(n, oracle.records.len(), "{shown}");
        },
    );
}

fn kinesis_event(rng: &mut Rng) -> J {
    records(rng, &mut |rng, i| {
        let mut k = vec![
            ("partitionKey".to_string(), J::Str(text(rng))),
            (
                "sequenceNumber".to_string(),
                J::Str(format!("4959{i}{}", rng.next())),
            ),
            ("data".to_string(), J::Str(base64(&bytes(rng)))),
            (
                "approximateArrivalTimestamp".to_string(),
                J::Num(
                    rng.pick(&["1545084650.987", "1545084650", "0", "1545084650.98"])
                        .to_string(),
                ),
            ),
        ];
        let t = J::Str(text(rng));
        opt(rng, &mut k, "kinesisSchemaVersion", t);
        if rng.one_in(2) {
            // The oracle refuses `null` here.
            k.push((
                "encryptionType".to_string(),
                s(rng.pick_str(&["NONE", "KMS"])),
            ));
        }
        let k = object(rng, k);
        let mut record = vec![("kinesis".to_string(), k)];
        for key in [
            "eventSource",
            "eventVersion",
            "eventID",
            "eventName",
            "invokeIdentityArn",
            "awsRegion",
            "eventSourceARN",
        ] {
            let t = J::Str(text(rng));
            opt(rng, &mut record, key, t);
        }
        object(rng, record)
    })
}

#[test]
fn kinesis_events_read_as_aws_lambda_events_reads_them() {
    let mut data = Vec::new();
    each_case(
        0x4b49_0004,
        CASES,
        kinesis_event,
        |case, doc, shown, oracle: kinesis::KinesisEvent| {
            let raw: Value = serde_json::from_slice(doc).unwrap();
            let event = events::kinesis::Event::parse(doc)
                .unwrap_or_else(|e| panic!("{case}: {e}\n{shown}"));
            assert_eq!(event.len(), oracle.records.len(), "{shown}");
            let mut ids = Vec::new();
            let mut n = 0;
            for (i, (r, want)) in event.records().zip(&oracle.records).enumerate() {
                n += 1;
                let r = r.unwrap_or_else(|e| panic!("{case}: {e}\n{shown}"));
                let at = format!("case {case} record {}: {shown}", r.index());
                let k = &want.kinesis;
                ids.push(r.sequence_number());
                assert_eq!(st(r.partition_key()), k.partition_key, "{at}");
                assert_eq!(st(r.sequence_number()), k.sequence_number, "{at}");
                assert_eq!(r.data(&mut data).unwrap(), &k.data.0[..], "{at}");
                assert_eq!(
                    os(r.kinesis_schema_version()),
                    k.kinesis_schema_version,
                    "{at}"
                );
                let encryption = raw["Records"][i]["kinesis"]["encryptionType"].as_str();
                assert_eq!(os(r.encryption_type()).as_deref(), encryption, "{at}");
                let stamp = raw["Records"][i]["kinesis"]["approximateArrivalTimestamp"].to_string();
                assert_eq!(
                    r.approximate_arrival_timestamp(),
                    stamp.parse::<f64>().ok(),
                    "{at}"
                );
                assert_eq!(os(r.event_source()), want.event_source, "{at}");
                assert_eq!(os(r.event_id()), want.event_id, "{at}");
                assert_eq!(os(r.event_name()), want.event_name, "{at}");
                assert_eq!(os(r.event_version()), want.event_version, "{at}");
                assert_eq!(
                    os(r.invoke_identity_arn()),
                    want.invoke_identity_arn,
                    "{at}"
                );
                assert_eq!(os(r.aws_region()), want.aws_region, "{at}");
                assert_eq!(os(r.event_source_arn()), want.event_source_arn, "{at}");
            }
            assert_eq!(n, oracle.records.len(), "{shown}");
            let want_ids: Vec<_> = oracle
                .records
                .iter()
                .map(|r| r.kinesis.sequence_number.clone())
                .collect();
            assert_eq!(failures_read_back(&ids), want_ids, "{shown}");
        },
    );
}

/// A DynamoDB attribute value, nested up to `depth`.
fn attribute_value(rng: &mut Rng, depth: usize) -> J {
    let one = |key: &str, value: J| J::Obj(vec![(key.to_string(), value)]);
    match rng.below(if depth > 2 { 7 } else { 9 }) {
        0 => one("S", J::Str(text(rng))),
        1 => one(
            "N",
            s(rng.pick_str(&[
                "0",
                "-1.5",
                "1e10",
                "12345678901234567890123456789012345678",
            ])),
        ),
        2 => one("B", J::Str(base64(&bytes(rng)))),
        3 => one("BOOL", J::Bool(rng.one_in(2))),
        4 => one("NULL", J::Bool(true)),
        5 => one(
            "SS",
            J::Arr(
                (0..1 + rng.below(3))
                    .map(|k| J::Str(format!("{k}{}", text(rng))))
                    .collect(),
            ),
        ),
        6 => one(
            "NS",
            J::Arr(
                (0..1 + rng.below(3))
                    .map(|k| J::Str(format!("{k}")))
                    .collect(),
            ),
        ),
        7 => one(
            "L",
            J::Arr(
                (0..rng.below(3))
                    .map(|_| attribute_value(rng, depth + 1))
                    .collect(),
            ),
        ),
        _ => one("M", item(rng, depth + 1)),
    }
}

fn item(rng: &mut Rng, depth: usize) -> J {
    let n = if rng.one_in(6) {
        20 + rng.below(20)
    } else {
        rng.below(4)
    };
    let members = (0..n)
        .map(|k| (format!("f{k}|{}", text(rng)), attribute_value(rng, depth)))
        .collect();
    map(rng, members)
}

fn dynamodb_event(rng: &mut Rng) -> J {
    records(rng, &mut |rng, i| {
        let mut change = vec![
            (
                "SequenceNumber".to_string(),
                J::Str(format!("{i}{}", rng.next())),
            ),
            (
                "SizeBytes".to_string(),
                J::Num(rng.pick(&["0", "26", "9223372036854775807"]).to_string()),
            ),
        ];
        let t = J::Num(rng.pick(&["1479499740", "1479499740.5", "0"]).to_string());
        if rng.one_in(2) {
            // The oracle refuses `null` here.
            change.push(("ApproximateCreationDateTime".to_string(), t));
        }
        for key in ["Keys", "NewImage", "OldImage"] {
            let v = item(rng, 0);
            opt(rng, &mut change, key, v);
        }
        let view = s(rng.pick_str(&["KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES"]));
        opt(rng, &mut change, "StreamViewType", view);
        let change = object(rng, change);
        let mut record = vec![
            ("eventID".to_string(), J::Str(text(rng))),
            (
                "eventName".to_string(),
                s(rng.pick_str(&["INSERT", "MODIFY", "REMOVE"])),
            ),
            ("awsRegion".to_string(), J::Str(text(rng))),
            ("dynamodb".to_string(), change),
        ];
        for key in ["eventVersion", "eventSource", "eventSourceARN"] {
            let t = J::Str(text(rng));
            opt(rng, &mut record, key, t);
        }
        let user = vec![
            ("type".to_string(), s("Service")),
            ("principalId".to_string(), J::Str(text(rng))),
        ];
        let user = object(rng, user);
        opt(rng, &mut record, "userIdentity", user);
        object(rng, record)
    })
}

#[test]
fn dynamodb_events_read_as_aws_lambda_events_reads_them() {
    each_case(
        0x4444_0005,
        CASES,
        dynamodb_event,
        |case, doc, shown, oracle: dynamodb::Event| {
            let raw: Value = serde_json::from_slice(doc).unwrap();
            let event = events::dynamodb::Event::parse(doc)
                .unwrap_or_else(|e| panic!("{case}: {e}\n{shown}"));
            assert_eq!(event.len(), oracle.records.len(), "{shown}");
            let mut ids = Vec::new();
            let mut n = 0;
            for (i, (r, want)) in event.records().zip(&oracle.records).enumerate() {
                n += 1;
                let r = r.unwrap_or_else(|e| panic!("{case}: {e}\n{shown}"));
                let at = format!("case {case} record {}: {shown}", r.index());
                let c = &want.change;
                let raw_change = &raw["Records"][i]["dynamodb"];
                ids.push(r.sequence_number());
                assert_eq!(st(r.event_name()), want.event_name, "{at}");
                assert_eq!(os(r.event_id()).as_ref(), Some(&want.event_id), "{at}");
                assert_eq!(os(r.event_version()), want.event_version, "{at}");
                assert_eq!(os(r.event_source()), want.event_source, "{at}");
                assert_eq!(os(r.aws_region()).as_ref(), Some(&want.aws_region), "{at}");
                assert_eq!(os(r.event_source_arn()), want.event_source_arn, "{at}");
                assert_eq!(Some(st(r.sequence_number())), c.sequence_number, "{at}");
                assert_eq!(r.size_bytes().map(|n| n as i64), Some(c.size_bytes), "{at}");
                assert_eq!(
                    os(r.stream_view_type()).as_deref(),
                    raw_change["StreamViewType"].as_str(),
                    "{at}"
                );
                let stamp = raw_change
                    .get("ApproximateCreationDateTime")
                    .filter(|v| !v.is_null());
                assert_eq!(
                    r.approximate_creation_date_time(),
                    stamp.map(|v| v.to_string().parse::<f64>().unwrap()),
                    "{at}"
                );
                for (got, want_item, key) in [
                    (r.keys(), &c.keys, "Keys"),
                    (r.new_image(), &c.new_image, "NewImage"),
                    (r.old_image(), &c.old_image, "OldImage"),
                ] {
                    let count = got.map_or(0, |v| v.members().count());
                    assert_eq!(count, want_item.len(), "{at} {key}");
                    let got: Value =
                        got.map_or(Value::Null, |v| serde_json::from_str(v.raw()).unwrap());
                    let want_raw = raw_change.get(key).cloned().unwrap_or(Value::Null);
                    assert_eq!(got, want_raw, "{at} {key}");
                }
                assert_eq!(
                    r.user_identity().is_some(),
                    want.user_identity.is_some(),
                    "{at}"
                );
            }
            assert_eq!(n, oracle.records.len(), "{shown}");
            let want_ids: Vec<_> = oracle
                .records
                .iter()
                .map(|r| r.change.sequence_number.clone().unwrap())
                .collect();
            assert_eq!(failures_read_back(&ids), want_ids, "{shown}");
        },
    );
}

fn eventbridge_event(rng: &mut Rng) -> J {
    let mut members = vec![
        ("detail-type".to_string(), J::Str(text(rng))),
        ("source".to_string(), J::Str(text(rng))),
    ];
    for key in ["version", "id", "account", "region"] {
        let t = J::Str(text(rng));
        opt(rng, &mut members, key, t);
    }
    opt(rng, &mut members, "time", s("2019-03-01T01:23:45Z"));
    let resources = J::Arr((0..rng.below(4)).map(|_| J::Str(text(rng))).collect());
    opt(rng, &mut members, "resources", resources);
    let detail = match junk(rng, 0) {
        J::Obj(m) => J::Obj(m),
        _ => J::Obj(vec![]),
    };
    members.push(("detail".to_string(), detail));
    object(rng, members)
}

#[test]
fn eventbridge_events_read_as_aws_lambda_events_reads_them() {
    each_case(
        0x4542_0006,
        CASES * 4,
        eventbridge_event,
        |case, doc, shown, oracle: eventbridge::EventBridgeEvent| {
            let e = events::eventbridge::Event::parse(doc)
                .unwrap_or_else(|e| panic!("{case}: {e}\n{shown}"));
            let at = format!("case {case}: {shown}");
            assert_eq!(st(e.detail_type()), oracle.detail_type, "{at}");
            assert_eq!(st(e.source()), oracle.source, "{at}");
            assert_eq!(
                e.is_scheduled(),
                oracle.detail_type == "Scheduled Event",
                "{at}"
            );
            assert_eq!(os(e.id()), oracle.id, "{at}");
            assert_eq!(os(e.version()), oracle.version, "{at}");
            assert_eq!(os(e.account()), oracle.account, "{at}");
            assert_eq!(os(e.region()), oracle.region, "{at}");
            assert_eq!(e.time().is_some(), oracle.time.is_some(), "{at}");
            let resources: Vec<_> = e.resources().map(st).collect();
            assert_eq!(
                resources,
                oracle.resources.clone().unwrap_or_default(),
                "{at}"
            );
            let detail: Value = serde_json::from_str(e.detail().unwrap().raw()).unwrap();
            assert_eq!(detail, oracle.detail, "{at}");
        },
    );
}

/// `j` with now and then a value swapped for one of another kind, at any
/// depth.
fn mutate(rng: &mut Rng, j: &J, rate: usize) -> J {
    if rng.one_in(rate) {
        return junk(rng, 1);
    }
    match j {
        J::Arr(items) => J::Arr(items.iter().map(|i| mutate(rng, i, rate)).collect()),
        J::Obj(members) => J::Obj(
            members
                .iter()
                .map(|(k, v)| (k.clone(), mutate(rng, v, rate)))
                .collect(),
        ),
        other => other.clone(),
    }
}

/// The record, counted in `ok`; a record missing a field the view
/// requires (one the oracle may go without) is counted but not read.
fn counted_record<T>(record: Result<T, events::Error>, ok: &mut usize) -> Option<T> {
    match record {
        Ok(record) => {
            *ok += 1;
            Some(record)
        }
        Err(events::Error::Missing { .. }) => {
            *ok += 1;
            None
        }
        Err(_) => None,
    }
}

/// Reads `doc` through every view and every accessor; the records read.
fn touch_all(doc: &[u8]) -> [Option<usize>; 6] {
    let (mut text_buf, mut bin) = (String::new(), Vec::new());
    let mut read = [None; 6];
    if let Ok(e) = events::sqs::Event::parse(doc) {
        let mut ok = 0;
        for m in e.records() {
            let Some(m) = counted_record(m, &mut ok) else {
                continue;
            };
            let _ = (
                m.body_text(&mut text_buf).len(),
                m.md5_of_body(),
                m.md5_of_message_attributes(),
            );
            let _ = (
                m.event_source(),
                m.event_source_arn(),
                m.aws_region(),
                m.attributes(),
            );
            let _ = (
                m.approximate_receive_count(),
                m.sent_timestamp(),
                m.approximate_first_receive_timestamp(),
            );
            let _ = (
                m.sender_id(),
                m.message_group_id(),
                m.message_deduplication_id(),
                m.sequence_number(),
                m.aws_trace_header(),
            );
            for (name, a) in m.message_attributes() {
                let _ = (
                    m.message_attribute(&name.to_string()),
                    a.data_type(),
                    a.string_value(),
                );
                let _ = a.binary_value(&mut bin);
                let _ = (
                    a.string_list_values().count(),
                    a.binary_list_values().count(),
                );
            }
        }
        read[0] = Some(ok);
    }
    if let Ok(e) = events::sns::Event::parse(doc) {
        let mut ok = 0;
        for n in e.records() {
            let Some(n) = counted_record(n, &mut ok) else {
                continue;
            };
            let _ = (
                n.event_version(),
                n.event_subscription_arn(),
                n.event_source(),
                n.subject(),
            );
            let _ = (
                n.message_text(&mut text_buf).len(),
                n.message_type(),
                n.signature_version(),
            );
            let _ = (n.signature(), n.signing_cert_url(), n.unsubscribe_url());
            for (name, a) in n.message_attributes() {
                let _ = (
                    n.message_attribute(&name.to_string()),
                    a.data_type(),
                    a.value(),
                );
            }
        }
        read[1] = Some(ok);
    }
    if let Ok(e) = events::s3::Event::parse(doc) {
        let mut ok = 0;
        for r in e.records() {
            let Some(r) = counted_record(r, &mut ok) else {
                continue;
            };
            let _ = (
                r.event_version(),
                r.event_source(),
                r.aws_region(),
                r.principal_id(),
            );
            let _ = (
                r.source_ip_address(),
                r.response_elements(),
                r.configuration_id(),
                r.bucket_arn(),
            );
            let _ = (
                r.key(&mut text_buf).map(str::len),
                r.size(),
                r.etag(),
                r.version_id(),
                r.sequencer(),
            );
        }
        read[2] = Some(ok);
    }
    if let Ok(e) = events::kinesis::Event::parse(doc) {
        let mut ok = 0;
        for r in e.records() {
            let Some(r) = counted_record(r, &mut ok) else {
                continue;
            };
            let _ = (
                r.data(&mut bin).map(<[u8]>::len),
                r.approximate_arrival_timestamp(),
            );
            let _ = (
                r.kinesis_schema_version(),
                r.encryption_type(),
                r.event_source(),
                r.event_version(),
            );
            let _ = (
                r.event_id(),
                r.event_name(),
                r.invoke_identity_arn(),
                r.aws_region(),
                r.event_source_arn(),
            );
        }
        read[3] = Some(ok);
    }
    if let Ok(e) = events::dynamodb::Event::parse(doc) {
        let mut ok = 0;
        for r in e.records() {
            let Some(r) = counted_record(r, &mut ok) else {
                continue;
            };
            let _ = (
                r.event_id(),
                r.event_version(),
                r.event_source(),
                r.aws_region(),
                r.event_source_arn(),
            );
            let _ = (
                r.user_identity(),
                r.change(),
                r.keys(),
                r.new_image(),
                r.old_image(),
            );
            let _ = (
                r.size_bytes(),
                r.stream_view_type(),
                r.approximate_creation_date_time(),
            );
        }
        read[4] = Some(ok);
    }
    if let Ok(e) = events::eventbridge::Event::parse(doc) {
        let _ = (
            e.is_scheduled(),
            e.detail(),
            e.id(),
            e.version(),
            e.account(),
            e.time(),
        );
        let _ = (e.region(), e.resources().count());
        read[5] = Some(1);
    }
    let _ = Shape::sniff(doc);
    read
}

/// Events of every kind with values of the wrong kind anywhere: every view
/// reads each without a panic, and a record the oracle reads is one the
/// view reads.
#[test]
fn events_with_values_of_other_kinds_are_errors_never_panics() {
    let mut rng = Rng(0x4d55_0007);
    for case in 0..CASES {
        let kind = case % 6;
        let event = match kind {
            0 => sqs_event(&mut rng),
            1 => sns_event(&mut rng),
            2 => s3_event(&mut rng),
            3 => kinesis_event(&mut rng),
            4 => dynamodb_event(&mut rng),
            _ => eventbridge_event(&mut rng),
        };
        let rate = 20 + rng.below(200);
        let mutated = mutate(&mut rng, &event, rate);
        let doc = to_bytes(&mutated, &mut rng);
        let shown = String::from_utf8_lossy(&doc);
        let read = touch_all(&doc);
        let accepted = match kind {
            0 => serde_json::from_slice::<sqs::SqsEvent>(&doc)
                .map(|e| e.records.len())
                .ok(),
            1 => serde_json::from_slice::<sns::SnsEvent>(&doc)
                .map(|e| e.records.len())
                .ok(),
            2 => serde_json::from_slice::<s3::S3Event>(&doc)
                .map(|e| e.records.len())
                .ok(),
            3 => serde_json::from_slice::<kinesis::KinesisEvent>(&doc)
                .map(|e| e.records.len())
                .ok(),
            4 => serde_json::from_slice::<dynamodb::Event>(&doc)
                .map(|e| e.records.len())
                .ok(),
            // A `detail` not an object is refused: PutEvents takes objects only.
            _ => serde_json::from_slice::<eventbridge::EventBridgeEvent>(&doc)
                .ok()
                .filter(|e| e.detail.is_object() || e.detail.is_null())
                .map(|_| 1),
        };
        if let Some(n) = accepted {
            assert_eq!(read[kind], Some(n), "case {case} kind {kind}: {shown}");
        }
        // Cut short: malformed JSON, an error for every view.
        let cut = &doc[..rng.below(doc.len())];
        if serde_json::from_slice::<Value>(cut).is_err() {
            assert_eq!(touch_all(cut), [None; 6], "{shown}");
        }
    }
}
/// Kinesis data and SQS binary values decode as `aws_lambda_events`
/// decodes them (the `base64` crate's `STANDARD` engine): the same bytes
/// for canonical text, an error for the rest (padding short, long or
/// inside, non-zero unused bits, characters outside the alphabet).
#[test]
fn base64_values_decode_as_aws_lambda_events_decodes_them() {
    let mut rng = Rng(0x6236_0008);
    let mut data = Vec::new();
    let mut outcomes = [0usize; 2];
    for case in 0..CASES * 20 {
        let mut text = match rng.below(3) {
            0 => base64(&bytes(&mut rng)),
            _ => String::new(),
        };
        if text.is_empty() || rng.one_in(2) {
            // Noise: mostly alphabet, padding and a few strangers.
            let n = rng.below(13);
            for _ in 0..n {
                let c = match rng.below(20) {
                    0 => *rng.pick(&['-', '_', ' ', '\n', '.', '\u{e9}']),
                    1..=4 => '=',
                    _ => char::from(
                        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
                            [rng.below(64)],
                    ),
                };
                let at = rng.below(text.len() + 1);
                if text.is_char_boundary(at) {
                    text.insert(at, c);
                }
            }
        }
        let mut json = String::new();
        write_str(&text, &mut rng, &mut json);
        let want = serde_json::from_str::<aws_lambda_events::encodings::Base64Data>(&json)
            .map(|b| b.0)
            .ok();
        let doc = format!(
            r#"{{"Records":[{{"kinesis":{{"partitionKey":"p","sequenceNumber":"1","data":{json}}}}}]}}"#
        );
        let event = events::kinesis::Event::parse(doc.as_bytes()).unwrap();
        let r = event.records().next().unwrap().unwrap();
        let got = r.data(&mut data).ok().map(<[u8]>::to_vec);
        outcomes[usize::from(want.is_some())] += 1;
        assert_eq!(got, want, "case {case}: {json}");
    }
    assert!(outcomes.iter().all(|&n| n > CASES), "{outcomes:?}");
}
