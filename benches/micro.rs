//! Micro benchmarks of the hot path, in memory (no sockets), each beside a naive baseline in
//! the same group, as itoa benches itself beside `std`:
//!
//! - `parse_next_content_length`: reading a realistic `GET /next` answer (Lambda's headers,
//!   a 1 KiB API Gateway v2 event with `Content-Length`) through [`Connection`], against a
//!   split-based parser that builds a `HashMap` of owned strings.
//! - `parse_next_chunked`: the same event `Transfer-Encoding: chunked` in 256-byte chunks
//!   with extensions, decoded in place, against splitting on CRLF and concatenating.
//! - `response_head`: writing the `POST …/response` head into a reused buffer with `itoa`
//!   (the technique of `src/runtime.rs`), against `format!`.
//! - `invoke_in_memory`: the whole loop of the default bootstrap ([`Runtime::run_prebuilt`]:
//!   `GET /next`, parse, `POST` the pre-built response, read the `202`) over an in-memory
//!   transport, against a naive loop doing the same with the naive parser and `format!`.
//! - `choose_answer/<sample>`: how the default bootstrap picks its pre-built answer for each
//!   sample event of `tests/data` ([`Shape::sniff`], a bounded scan of the top-level keys),
//!   against reading the shape with the full validating parse ([`HttpRequest::parse`]).
//! - `events/<sample>`: each sample event of `tests/data` (and a generated 256 KB SQS batch of
//!   ten records), four rows: `lambda-zero parse` (the view's constructor: [`HttpRequest::parse`],
//!   `sqs::Event::parse`…) beside `serde_json IgnoredAny` (the cost of reading the bytes at all),
//!   and `lambda-zero parse+reads+answer` (the reads a handler typically makes, and the answer
//!   written into a reused buffer: an `HttpResponse`, `BatchItemFailures`, or `null`) beside
//!   `aws_lambda_events parse+reads+answer` (the official path: `serde_json` into the
//!   `aws_lambda_events` type, the same reads, `serde_json::to_writer` of its answer type into a
//!   reused `Vec`). Both paths must read the same values (checked before measuring).
//!   `mi-cpu-json-body` is the work of `examples/mi_load.rs`'s `cpu` kind on the event of
//!   `lz-emulator --json-body 4096` (its escaped 4 KB JSON body decoded, parsed, its items
//!   summed, the summary answered) beside `benches/official/src/mi.rs`'s (`serde_json` into
//!   derived types).
//!   `scripts/events-bench.sh` runs this group pinned, in rounds, and prints the table.
//!
//! `cargo bench --bench micro`.

use criterion::{BenchmarkId, Criterion, Throughput};
use lambda_zero::events::{HttpRequest, Shape};
use lambda_zero::internals::Endpoint;
use lambda_zero::internals::{Connect, Connection, Wait};
use lambda_zero::{Config, Runtime};
use std::collections::HashMap;
use std::hint::black_box;
use std::io::{self, IoSlice, Read, Write};
use std::rc::Rc;
use std::time::{Duration, Instant};

const ID: &str = "8476a536-e9f4-11e8-9739-2dfe598c3fcd";
const HOST: &str = "127.0.0.1:9001";
const NEXT: &[u8] =
    b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: 127.0.0.1:9001\r\n\r\n";
const ACCEPTED: &[u8] = b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 01:00:00 GMT\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}";
const FAILED: &[u8] = b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}";

/// The event body: a realistic 1 KiB API Gateway HTTP API (v2) event.
fn event() -> Vec<u8> {
    lambda_zero_emulator::api_gateway_v2_event(ID, 1024)
}

/// The head real Lambda answers `/next` with, up to the framing header.
fn next_head() -> String {
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nLambda-Runtime-Aws-Request-Id: {ID}\r\n\
         Lambda-Runtime-Deadline-Ms: 1764118800000\r\n\
         Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:123456789012:function:lambda-zero\r\n\
         Lambda-Runtime-Trace-Id: Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1\r\n\
         Date: Thu, 26 Nov 2026 01:00:00 GMT\r\n"
    )
}

fn answer_with_length(body: &[u8]) -> Vec<u8> {
    let mut out = next_head().into_bytes();
    out.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    out.extend_from_slice(body);
    out
}

fn answer_chunked(body: &[u8], chunk: usize) -> Vec<u8> {
    let mut out = next_head().into_bytes();
    out.extend_from_slice(b"Transfer-Encoding: chunked\r\n\r\n");
    for piece in body.chunks(chunk) {
        out.extend_from_slice(format!("{:x};ext=1\r\n", piece.len()).as_bytes());
        out.extend_from_slice(piece);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"0\r\n\r\n");
    out
}

// ---- an in-memory transport ---------------------------------------------------------------

/// Answers every request with the same bytes (a `/next` answer).
#[derive(Clone)]
struct Replay(Rc<Vec<u8>>);

struct ReplayStream {
    answer: Rc<Vec<u8>>,
    pos: usize,
}

impl Connect for Replay {
    type Stream = ReplayStream;
    fn connect(&mut self) -> io::Result<ReplayStream> {
        Ok(ReplayStream {
            pos: self.0.len(),
            answer: Rc::clone(&self.0),
        })
    }
}

impl Read for ReplayStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = buf.len().min(self.answer.len() - self.pos);
        buf[..n].copy_from_slice(&self.answer[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for ReplayStream {
    /// A request was written: its answer can be read from the start.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.pos = 0;
        Ok(buf.len())
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        self.pos = 0;
        Ok(bufs.iter().map(|b| b.len()).sum())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A scripted Runtime API in memory: `GET` gets the event (`events` times, then a `500`),
/// `POST` gets `202`.
#[derive(Clone)]
struct Script {
    event: Rc<Vec<u8>>,
    events: u64,
}

struct ScriptStream {
    script: Script,
    answer: &'static [u8],
    event_answer: bool,
    pos: usize,
}

impl Connect for Script {
    type Stream = ScriptStream;
    fn connect(&mut self) -> io::Result<ScriptStream> {
        Ok(ScriptStream {
            script: self.clone(),
            answer: b"",
            event_answer: false,
            pos: 0,
        })
    }
}

impl ScriptStream {
    fn requested(&mut self, first: &[u8]) {
        if first.starts_with(b"GET ") {
            self.event_answer = self.script.events > 0;
            self.script.events = self.script.events.saturating_sub(1);
            self.answer = if self.event_answer { b"" } else { FAILED };
            self.pos = 0;
        } else if first.starts_with(b"POST ") {
            (self.answer, self.event_answer, self.pos) = (ACCEPTED, false, 0);
        } // else: the rest of a request written in several pieces
    }
    fn current(&self) -> &[u8] {
        if self.event_answer {
            &self.script.event
        } else {
            self.answer
        }
    }
}

impl Read for ScriptStream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let pos = self.pos;
        let answer = self.current();
        let n = buf.len().min(answer.len() - pos);
        buf[..n].copy_from_slice(&answer[pos..pos + n]);
        self.pos += n;
        Ok(n)
    }
}

impl Write for ScriptStream {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.requested(buf);
        Ok(buf.len())
    }
    fn write_vectored(&mut self, bufs: &[IoSlice<'_>]) -> io::Result<usize> {
        if let Some(first) = bufs.iter().find(|b| !b.is_empty()) {
            self.requested(first);
        }
        Ok(bufs.iter().map(|b| b.len()).sum())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

// ---- the naive baseline -------------------------------------------------------------------

/// What a first, naive implementation does: decode the bytes as text, split on CRLF and `:`,
/// collect owned, lower-cased header names into a map, copy the body out.
#[derive(Debug)]
struct NaiveMessage {
    status: u16,
    headers: HashMap<String, String>,
    body: Vec<u8>,
}

fn naive_parse(raw: &[u8]) -> Option<NaiveMessage> {
    let text = String::from_utf8_lossy(raw);
    let (head, rest) = text.split_once("\r\n\r\n")?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers: HashMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.to_lowercase(), v.trim().to_string()))
        .collect();
    let body = if headers
        .get("transfer-encoding")
        .is_some_and(|v| v == "chunked")
    {
        let mut body = Vec::new();
        let mut rest = rest;
        loop {
            let (line, after) = rest.split_once("\r\n")?;
            let size = usize::from_str_radix(line.split(';').next()?.trim(), 16).ok()?;
            if size == 0 {
                break;
            }
            body.extend_from_slice(after.get(..size)?.as_bytes());
            rest = after.get(size + 2..)?;
        }
        body
    } else {
        let len: usize = headers.get("content-length")?.parse().ok()?;
        rest.as_bytes().get(..len)?.to_vec()
    };
    Some(NaiveMessage {
        status,
        headers,
        body,
    })
}

fn naive_response_head(id: &str, len: usize) -> String {
    format!(
        "POST /2018-06-01/runtime/invocation/{id}/response HTTP/1.1\r\nHost: {HOST}\r\n\
         Content-Type: application/json\r\nContent-Length: {len}\r\n\r\n"
    )
}

/// The naive loop: the same exchanges as `Runtime::run_prebuilt`, over the same transport.
fn naive_loop(stream: &mut ScriptStream, body: &[u8]) {
    loop {
        stream.write_all(NEXT).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end_of_answer(&mut raw);
        let msg = naive_parse(&raw).expect("parsable");
        if msg.status != 200 {
            return;
        }
        let id = msg.headers["lambda-runtime-aws-request-id"].clone();
        black_box(&msg.body);
        let head = naive_response_head(&id, body.len());
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(body).unwrap();
        let mut raw = Vec::new();
        stream.read_to_end_of_answer(&mut raw);
        assert_eq!(naive_parse(&raw).expect("parsable").status, 202);
    }
}

impl ScriptStream {
    /// The naive loop knows where an in-memory answer ends (a socket would need framing).
    fn read_to_end_of_answer(&mut self, out: &mut Vec<u8>) {
        let mut buf = [0u8; 8192];
        loop {
            let n = self.read(&mut buf).unwrap();
            if n == 0 {
                return;
            }
            out.extend_from_slice(&buf[..n]);
        }
    }
}

// ---- lambda-zero's side -------------------------------------------------------------------

/// Writes the `/response` head like `src/runtime.rs` does: pre-built pieces and `itoa` into a
/// buffer reused for every invocation.
fn head_into(head: &mut Vec<u8>, prefix: &[u8], id: &[u8], suffix: &[u8], len: usize) {
    head.clear();
    head.extend_from_slice(prefix);
    head.extend_from_slice(id);
    head.extend_from_slice(suffix);
    head.extend_from_slice(b"Content-Length: ");
    head.extend_from_slice(itoa::Buffer::new().format(len).as_bytes());
    head.extend_from_slice(b"\r\n\r\n");
}

fn bench_parse(c: &mut Criterion, name: &str, answer: Vec<u8>) {
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(answer.len() as u64));
    let answer = Rc::new(answer);
    let mut conn = Connection::new(Replay(Rc::clone(&answer)), 6 << 20);
    group.bench_function(BenchmarkId::from_parameter("lambda-zero"), |b| {
        b.iter(|| {
            conn.request(&[NEXT], Wait::Forever).expect("head");
            conn.read_body().expect("body");
            let msg = conn.message();
            black_box((
                msg.status(),
                msg.header("Lambda-Runtime-Aws-Request-Id"),
                msg.header("Lambda-Runtime-Deadline-Ms"),
                msg.body().len(),
            ));
        })
    });
    group.bench_function(BenchmarkId::from_parameter("naive split"), |b| {
        b.iter(|| {
            let msg = naive_parse(black_box(&answer)).expect("parsable");
            black_box((
                msg.status,
                msg.headers.get("lambda-runtime-aws-request-id").cloned(),
                msg.headers.get("lambda-runtime-deadline-ms").cloned(),
                msg.body.len(),
            ))
        })
    });
    group.finish();
}

fn bench_head(c: &mut Criterion) {
    let mut group = c.benchmark_group("response_head");
    let prefix = b"POST /2018-06-01/runtime/invocation/";
    let suffix =
        format!("/response HTTP/1.1\r\nHost: {HOST}\r\nContent-Type: application/json\r\n");
    let mut head = Vec::with_capacity(512);
    group.bench_function(BenchmarkId::from_parameter("lambda-zero"), |b| {
        b.iter(|| {
            head_into(
                &mut head,
                prefix,
                black_box(ID.as_bytes()),
                suffix.as_bytes(),
                black_box(104),
            );
            black_box(head.len())
        })
    });
    group.bench_function(BenchmarkId::from_parameter("naive format!"), |b| {
        b.iter(|| black_box(naive_response_head(black_box(ID), black_box(104)).len()))
    });
    group.finish();
}

fn bench_loop(c: &mut Criterion) {
    let mut group = c.benchmark_group("invoke_in_memory");
    let hello = lambda_zero::events::Prebuilt::text(
        lambda_zero::events::Shape::RestApi,
        200,
        "text/plain",
        "Hello World!",
    )
    .into_bytes();
    let event = Rc::new(answer_with_length(&event()));
    let endpoint = Endpoint::parse(HOST).expect("endpoint");
    group.bench_function(BenchmarkId::from_parameter("lambda-zero"), |b| {
        b.iter_custom(|iters| {
            let script = Script {
                event: Rc::clone(&event),
                events: iters,
            };
            let mut rt = Runtime::with_connector(&endpoint, Config::default(), script);
            let start = Instant::now();
            let end = rt.run_prebuilt(&hello);
            let elapsed = start.elapsed();
            // The script ends with a 500 to /next; anything else is a broken bench.
            assert!(
                matches!(end, lambda_zero::RuntimeError::Status { status: 500, .. }),
                "{end}"
            );
            elapsed
        })
    });
    group.bench_function(BenchmarkId::from_parameter("naive"), |b| {
        b.iter_custom(|iters| {
            let mut stream = Script {
                event: Rc::clone(&event),
                events: iters,
            }
            .connect()
            .expect("in memory");
            let start = Instant::now();
            naive_loop(&mut stream, &hello);
            start.elapsed()
        })
    });
    group.finish();
}

fn bench_choose(c: &mut Criterion) {
    let dir = format!("{}/tests/data", env!("CARGO_MANIFEST_DIR"));
    // The worst case: an event of no HTTP shape, scanned to the limit.
    let record = r#"{"messageId":"059f36b4-87a3-44ab-83d2-661975830a7d","receiptHandle":"AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a","body":"{\"order\":42,\"items\":[1,2,3]}","attributes":{"ApproximateReceiveCount":"1","SentTimestamp":"1545082649183"},"messageAttributes":{},"eventSource":"aws:sqs"}"#;
    let sqs = format!("{{\"Records\":[{}]}}", vec![record; 40].join(","));
    for name in [
        "apigw-rest-proxy",
        "apigw-http-v2",
        "cargo-lambda-url",
        "alb-multi-value",
        "sqs-batch",
    ] {
        let event = match name {
            "sqs-batch" => sqs.clone().into_bytes(),
            _ => std::fs::read(format!("{dir}/{name}.json")).expect("sample event"),
        };
        let mut group = c.benchmark_group(format!("choose_answer/{name}"));
        group.throughput(Throughput::Bytes(event.len() as u64));
        group.bench_function(BenchmarkId::from_parameter("Shape::sniff"), |b| {
            b.iter(|| Shape::sniff(black_box(&event)))
        });
        group.bench_function(BenchmarkId::from_parameter("HttpRequest::parse"), |b| {
            b.iter(|| HttpRequest::parse(black_box(&event)).map(|r| r.shape()))
        });
        group.finish();
    }
}

/// An SQS batch of ten messages of about 25.6 KB each (about 256 KB, the SQS limit), built
/// like the one of `tests/events_aws.rs`: escaped JSON bodies, attributes of each type.
fn big_sqs_batch() -> Vec<u8> {
    use serde_json::json;
    let records: Vec<serde_json::Value> = (0..10)
        .map(|i| {
            let body = if i % 3 == 0 {
                format!("not an order {i}:\n\"{}\"", "y".repeat(24_900))
            } else {
                json!({"item": format!("tea \"{i}\" é😀"), "qty": i, "pad": "x".repeat(24_900)})
                    .to_string()
            };
            json!({
                "messageId": format!("id-{i}"),
                "receiptHandle": format!("AQEB{i}+/="),
                "body": body,
                "attributes": {
                    "ApproximateReceiveCount": (i % 4 + 1).to_string(),
                    "SentTimestamp": (1_545_082_649_183u64 + i).to_string(),
                    "SenderId": "AIDAIENQZJOLO23YVJ4VO",
                },
                "messageAttributes": {
                    "kind": {"stringValue": "order", "stringListValues": [], "binaryListValues": [], "dataType": "String"},
                },
                "md5OfBody": "e4e68fb7bd0e697a0ae8f1bb342846b3",
                "eventSource": "aws:sqs",
                "eventSourceARN": "arn:aws:sqs:us-east-2:123456789012:my-queue",
                "awsRegion": "us-east-2",
            })
        })
        .collect();
    serde_json::to_vec(&json!({ "Records": records })).expect("serializable")
}

/// The `aws_lambda_events` types of an HTTP sample.
#[derive(Clone, Copy)]
enum Official {
    Rest,
    V2,
    Alb,
    AlbMultiValue,
}

/// What a sample event is, and for HTTP events the header and query parameter a handler reads.
#[derive(Clone, Copy)]
enum Sample {
    Http(Official, &'static str, &'static str),
    Sqs,
    Sns,
    S3,
    EventBridge,
    DynamoDb,
    Kinesis,
    /// `examples/mi_load.rs`'s `cpu` work: an API Gateway v2 event whose body is the 4 KB JSON
    /// document of `lz-emulator --json-body 4096`, decoded and parsed, its ~57 items summed.
    MiCpu,
}

/// The body of every HTTP answer.
const ANSWER: &str = r#"{"ok":true}"#;

/// lambda-zero, the view's constructor alone (what `parse only` measures).
fn lz_parse(event: &[u8], sample: Sample) -> bool {
    use lambda_zero::events::{dynamodb, eventbridge, kinesis, s3, sns, sqs};
    match sample {
        Sample::Http(..) => HttpRequest::parse(event).is_ok(),
        Sample::Sqs => sqs::Event::parse(event).is_ok(),
        Sample::Sns => sns::Event::parse(event).is_ok(),
        Sample::S3 => s3::Event::parse(event).is_ok(),
        Sample::EventBridge => eventbridge::Event::parse(event).is_ok(),
        Sample::DynamoDb => dynamodb::Event::parse(event).is_ok(),
        Sample::Kinesis => kinesis::Event::parse(event).is_ok(),
        Sample::MiCpu => HttpRequest::parse(event).is_ok(),
    }
}

/// Buffers a handler keeps across invocations.
#[derive(Default)]
struct Scratch {
    out: Vec<u8>,
    text: String,
    bytes: Vec<u8>,
    body: Vec<u8>,
}

/// lambda-zero: parse, the reads a handler typically makes, and the answer written into the
/// reused send buffer. Returns a checksum of what was read (the official path reads the same).
fn lz_handle(event: &[u8], sample: Sample, s: &mut Scratch) -> usize {
    use lambda_zero::events::{dynamodb, eventbridge, kinesis, s3, sns, sqs};
    use lambda_zero::events::{BatchItemFailures, HttpResponse};
    let len = |v: Option<lambda_zero::events::json::Str<'_>>| v.map_or(0, |v| v.raw().len());
    let mut out = lambda_zero::Output::for_test(&mut s.out);
    let mut n = 0;
    match sample {
        Sample::Http(_, header, query) => {
            let req = HttpRequest::parse(event).expect("HTTP event");
            n += req.method().raw().len() + req.path().raw().len();
            n += len(req.header(header)) + len(req.query(query));
            HttpResponse::new(&mut out, req.shape(), 200)
                .content_type("application/json")
                .body_text(ANSWER);
        }
        Sample::Sqs => {
            let batch = sqs::Event::parse(event).expect("SQS event");
            let mut failures = BatchItemFailures::new(&mut out);
            for m in batch.records() {
                let m = m.expect("SQS message");
                n += m.body_text(&mut s.text).len();
                n += m.approximate_receive_count().unwrap_or(0) as usize;
                if m.index() % 2 == 1 {
                    failures.add(m.message_id());
                }
            }
            failures.finish();
        }
        Sample::Sns => {
            for r in sns::Event::parse(event).expect("SNS event").records() {
                let r = r.expect("SNS record");
                n += r.message_text(&mut s.text).len() + len(r.subject());
            }
            out.write_bytes(b"null");
        }
        Sample::S3 => {
            for r in s3::Event::parse(event).expect("S3 event").records() {
                let r = r.expect("S3 record");
                n += r.bucket_name().raw().len() + r.raw_key().raw().len();
                n += r.size().unwrap_or(0) as usize;
            }
            out.write_bytes(b"null");
        }
        Sample::EventBridge => {
            let e = eventbridge::Event::parse(event).expect("EventBridge event");
            n += e.detail_type().raw().len() + e.source().raw().len();
            n += len(e.detail().and_then(|d| d.get("SourceType")?.as_str()));
            out.write_bytes(b"null");
        }
        Sample::DynamoDb => {
            let batch = dynamodb::Event::parse(event).expect("DynamoDB event");
            let mut failures = BatchItemFailures::new(&mut out);
            for r in batch.records() {
                let r = r.expect("DynamoDB record");
                n += r.event_name().raw().len() + r.sequence_number().raw().len();
                black_box(r.keys());
                if r.index() % 2 == 1 {
                    failures.add(r.sequence_number());
                }
            }
            failures.finish();
        }
        Sample::Kinesis => {
            let batch = kinesis::Event::parse(event).expect("Kinesis event");
            let mut failures = BatchItemFailures::new(&mut out);
            for r in batch.records() {
                let r = r.expect("Kinesis record");
                n += r.partition_key().raw().len() + r.sequence_number().raw().len();
                n += r.data(&mut s.bytes).expect("base64 data").len();
                if r.index() % 2 == 1 {
                    failures.add(r.sequence_number());
                }
            }
            failures.finish();
        }
        Sample::MiCpu => {
            // As `examples/mi_load.rs` reads it.
            use std::fmt::Write as _;
            let req = HttpRequest::parse(event).expect("v2 event");
            let doc = lambda_zero::events::json::parse(req.body(&mut s.body).expect("body"))
                .expect("JSON body");
            let (mut items, mut active, mut total) = (0usize, 0usize, 0f64);
            for item in doc.get("items").expect("items").elements() {
                items += 1;
                let (mut is_active, mut price) = (None, None);
                for (key, value) in item.members() {
                    if is_active.is_none() && key == "active" {
                        is_active = Some(value.as_bool() == Some(true));
                    } else if price.is_none() && key == "price" {
                        price = Some(value.as_f64().unwrap_or(0.0));
                    }
                }
                active += usize::from(is_active == Some(true));
                total += price.unwrap_or(0.0);
            }
            HttpResponse::new(&mut out, req.shape(), 200)
                .content_type("application/json")
                .body_with(|w| {
                    write!(
                        w,
                        r#"{{"items":{items},"active":{active},"total":{total}}}"#
                    )
                })
                .expect("written");
            n += items + active + total as usize;
        }
    }
    n
}

/// The body of the `mi_load` events, as `benches/official/src/mi.rs` reads them.
#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct MiRequest {
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: bool,
}

#[derive(serde::Deserialize)]
struct MiItems {
    items: Vec<MiItem>,
}

#[derive(serde::Deserialize)]
#[allow(dead_code)] // parsed as a handler would, not all of it is used
struct MiItem {
    id: u64,
    name: String,
    price: f64,
    tags: Vec<String>,
    active: bool,
}

#[derive(serde::Serialize)]
struct MiSummary {
    items: usize,
    active: usize,
    total: f64,
}

/// The official path: `serde_json` into the `aws_lambda_events` type, the same reads (owned
/// strings, as the types hold them), and the `aws_lambda_events` answer type written with
/// `serde_json::to_writer` into a reused `Vec`. (The partial-batch answers of Kinesis and
/// DynamoDB Streams are written as `SqsBatchResponse`: the same JSON, and the `streams`
/// types are behind a feature the crate does not turn on.)
fn official_handle(event: &[u8], sample: Sample, out: &mut Vec<u8>) -> usize {
    use aws_lambda_events::alb::{AlbTargetGroupRequest, AlbTargetGroupResponse};
    use aws_lambda_events::apigw::{ApiGatewayProxyRequest, ApiGatewayProxyResponse};
    use aws_lambda_events::apigw::{ApiGatewayV2httpRequest, ApiGatewayV2httpResponse};
    use aws_lambda_events::encodings::Body;
    use aws_lambda_events::http::{header::CONTENT_TYPE, HeaderMap, HeaderValue};
    use aws_lambda_events::sqs::{BatchItemFailure, SqsBatchResponse};
    use aws_lambda_events::{dynamodb, eventbridge, kinesis, s3, sns, sqs};
    let len = |s: Option<&str>| s.map_or(0, str::len);
    let hv = |h: Option<&HeaderValue>| h.map_or(0, |v| v.len());
    let json_type = || {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        h
    };
    let failure = |id: &str| {
        let mut f = BatchItemFailure::default();
        f.item_identifier = id.to_owned();
        f
    };
    out.clear();
    let mut n = 0;
    match sample {
        Sample::Http(Official::V2, header, query) => {
            let t: ApiGatewayV2httpRequest = serde_json::from_slice(event).expect("v2 event");
            n += t.request_context.http.method.as_str().len() + len(t.raw_path.as_deref());
            n += hv(t.headers.get(header)) + len(t.query_string_parameters.first(query));
            let mut r = ApiGatewayV2httpResponse::default();
            r.status_code = 200;
            r.headers = json_type();
            r.body = Some(Body::Text(ANSWER.to_owned()));
            serde_json::to_writer(&mut *out, &r).expect("serializable");
        }
        Sample::Http(Official::Rest, header, query) => {
            let t: ApiGatewayProxyRequest = serde_json::from_slice(event).expect("REST event");
            n += t.http_method.as_str().len() + len(t.path.as_deref());
            n += hv(t.headers.get(header)) + len(t.query_string_parameters.first(query));
            let mut r = ApiGatewayProxyResponse::default();
            r.status_code = 200;
            r.headers = json_type();
            r.body = Some(Body::Text(ANSWER.to_owned()));
            serde_json::to_writer(&mut *out, &r).expect("serializable");
        }
        Sample::Http(alb @ (Official::Alb | Official::AlbMultiValue), header, query) => {
            let t: AlbTargetGroupRequest = serde_json::from_slice(event).expect("ALB event");
            n += t.http_method.as_str().len() + len(t.path.as_deref());
            n += hv(t.headers.get(header).or(t.multi_value_headers.get(header)));
            n += len(t
                .query_string_parameters
                .first(query)
                .or(t.multi_value_query_string_parameters.first(query)));
            let mut r = AlbTargetGroupResponse::default();
            r.status_code = 200;
            r.status_description = Some("200 OK".to_owned());
            match alb {
                Official::AlbMultiValue => r.multi_value_headers = json_type(),
                _ => r.headers = json_type(),
            }
            r.body = Some(Body::Text(ANSWER.to_owned()));
            serde_json::to_writer(&mut *out, &r).expect("serializable");
        }
        Sample::Sqs => {
            let t: sqs::SqsEvent = serde_json::from_slice(event).expect("SQS event");
            let mut answer = SqsBatchResponse::default();
            for (i, m) in t.records.iter().enumerate() {
                n += len(m.body.as_deref());
                let count = m.attributes.get("ApproximateReceiveCount");
                n += count.and_then(|c| c.parse::<usize>().ok()).unwrap_or(0);
                if i % 2 == 1 {
                    let id = m.message_id.as_deref().expect("message id");
                    answer.batch_item_failures.push(failure(id));
                }
            }
            serde_json::to_writer(&mut *out, &answer).expect("serializable");
        }
        Sample::Sns => {
            let t: sns::SnsEvent = serde_json::from_slice(event).expect("SNS event");
            for r in &t.records {
                n += r.sns.message.len() + len(r.sns.subject.as_deref());
            }
            serde_json::to_writer(&mut *out, &()).expect("serializable");
        }
        Sample::S3 => {
            let t: s3::S3Event = serde_json::from_slice(event).expect("S3 event");
            for r in &t.records {
                n += len(r.s3.bucket.name.as_deref()) + len(r.s3.object.key.as_deref());
                n += r.s3.object.size.unwrap_or(0) as usize;
            }
            serde_json::to_writer(&mut *out, &()).expect("serializable");
        }
        Sample::EventBridge => {
            let t: eventbridge::EventBridgeEvent =
                serde_json::from_slice(event).expect("EventBridge event");
            n += t.detail_type.len() + t.source.len();
            n += len(t.detail.get("SourceType").and_then(|v| v.as_str()));
            serde_json::to_writer(&mut *out, &()).expect("serializable");
        }
        Sample::DynamoDb => {
            let t: dynamodb::Event = serde_json::from_slice(event).expect("DynamoDB event");
            let mut answer = SqsBatchResponse::default();
            for (i, r) in t.records.iter().enumerate() {
                let seq = r
                    .change
                    .sequence_number
                    .as_deref()
                    .expect("sequence number");
                n += r.event_name.len() + seq.len();
                black_box(&r.change.keys);
                if i % 2 == 1 {
                    answer.batch_item_failures.push(failure(seq));
                }
            }
            serde_json::to_writer(&mut *out, &answer).expect("serializable");
        }
        Sample::Kinesis => {
            let t: kinesis::KinesisEvent = serde_json::from_slice(event).expect("Kinesis event");
            let mut answer = SqsBatchResponse::default();
            for (i, r) in t.records.iter().enumerate() {
                let k = &r.kinesis;
                n += k.partition_key.len() + k.sequence_number.len() + k.data.0.len();
                if i % 2 == 1 {
                    answer.batch_item_failures.push(failure(&k.sequence_number));
                }
            }
            serde_json::to_writer(&mut *out, &answer).expect("serializable");
        }
        Sample::MiCpu => {
            // As `benches/official/src/mi.rs` does it.
            let req: MiRequest = serde_json::from_slice(event).expect("v2 event");
            assert!(!req.is_base64_encoded);
            let items: MiItems =
                serde_json::from_str(req.body.as_deref().unwrap_or("{}")).expect("JSON body");
            let summary = MiSummary {
                items: items.items.len(),
                active: items.items.iter().filter(|i| i.active).count(),
                total: items.items.iter().map(|i| i.price).sum(),
            };
            let mut r = ApiGatewayV2httpResponse::default();
            r.status_code = 200;
            r.headers = json_type();
            r.body = Some(Body::Text(
                serde_json::to_string(&summary).expect("serializable"),
            ));
            serde_json::to_writer(&mut *out, &r).expect("serializable");
            n += summary.items + summary.active + summary.total as usize;
        }
    }
    n
}

/// Every sample of the `events` group: its name, what it is, and its bytes.
fn event_samples() -> Vec<(&'static str, Sample, Vec<u8>)> {
    let dir = format!("{}/tests/data", env!("CARGO_MANIFEST_DIR"));
    let samples: [(&str, Sample); 14] = [
        (
            "apigw-rest-proxy",
            Sample::Http(Official::Rest, "User-Agent", "foo"),
        ),
        (
            "apigw-http-v1",
            Sample::Http(Official::Rest, "header2", "parameter2"),
        ),
        (
            "apigw-http-v2",
            Sample::Http(Official::V2, "header2", "parameter2"),
        ),
        (
            "lambda-function-url",
            Sample::Http(Official::V2, "header2", "parameter2"),
        ),
        ("alb", Sample::Http(Official::Alb, "user-agent", "query")),
        (
            "alb-multi-value",
            Sample::Http(Official::AlbMultiValue, "user-agent", "myKey"),
        ),
        ("sqs-event", Sample::Sqs),
        ("sqs-batch-256k", Sample::Sqs),
        ("sns-event", Sample::Sns),
        ("s3-event", Sample::S3),
        ("eventbridge-event", Sample::EventBridge),
        ("dynamodb-event", Sample::DynamoDb),
        ("kinesis-event", Sample::Kinesis),
        ("mi-cpu-json-body", Sample::MiCpu),
    ];
    samples
        .into_iter()
        .map(|(name, sample)| {
            let event = match name {
                "sqs-batch-256k" => big_sqs_batch(),
                "mi-cpu-json-body" => lambda_zero_emulator::api_gateway_v2_json_event(ID, 4096),
                _ => std::fs::read(format!("{dir}/{name}.json")).expect("sample event"),
            };
            (name, sample, event)
        })
        .collect()
}

/// The functions of the `events` group, in the order of its rows, as
/// [`count_events`] names them.
const EVENT_FUNCTIONS: [&str; 4] = ["lz-parse", "ignored", "lz-full", "official-full"];

/// The instruction-count mode of `scripts/events-bench.sh`:
/// `LZ_EVENTS_COUNT=<sample>:<function>:<iterations>` runs one function of
/// the `events` group (one of [`EVENT_FUNCTIONS`]) that many times over
/// that sample and nothing else, so that the difference of two counts under
/// `valgrind --tool=callgrind` is the instructions of the iterations alone.
/// `all` for the sample or the function runs each in turn (what
/// `scripts/test.sh` does once, so that the mode cannot rot unseen).
fn count_events(spec: &str) {
    let mut parts = spec.split(':');
    let (Some(name), Some(function), Some(Ok(iterations))) = (
        parts.next(),
        parts.next(),
        parts.next().map(str::parse::<u64>),
    ) else {
        panic!("LZ_EVENTS_COUNT={spec}: want <sample>:<function>:<iterations>");
    };
    let samples: Vec<_> = event_samples()
        .into_iter()
        .filter(|(n, ..)| name == "all" || *n == name)
        .collect();
    assert!(!samples.is_empty(), "no sample {name}");
    let functions: Vec<_> = EVENT_FUNCTIONS
        .into_iter()
        .filter(|&f| function == "all" || f == function)
        .collect();
    assert!(!functions.is_empty(), "no function {function}");
    let mut scratch = Scratch::default();
    let mut official = Vec::new();
    let mut n = 0usize;
    for (_, sample, event) in &samples {
        for &function in &functions {
            for _ in 0..iterations {
                let event = black_box(&event[..]);
                n += match function {
                    "lz-parse" => usize::from(lz_parse(event, *sample)),
                    "ignored" => {
                        serde_json::from_slice::<serde::de::IgnoredAny>(event).expect("valid");
                        1
                    }
                    "lz-full" => lz_handle(event, *sample, &mut scratch),
                    _ => official_handle(event, *sample, &mut official),
                };
            }
        }
    }
    black_box(n);
}

fn bench_events(c: &mut Criterion) {
    for (name, sample, event) in event_samples() {
        // Both paths must read the same values and, for partial-batch answers, write the same.
        let mut scratch = Scratch::default();
        let mut official = Vec::new();
        let ours = lz_handle(&event, sample, &mut scratch);
        assert_eq!(
            ours,
            official_handle(&event, sample, &mut official),
            "{name}"
        );
        if !matches!(sample, Sample::Http(..) | Sample::MiCpu) {
            let a: serde_json::Value = serde_json::from_slice(&scratch.out).expect("answer");
            let b: serde_json::Value = serde_json::from_slice(&official).expect("answer");
            assert_eq!(a, b, "{name}");
        }
        let mut group = c.benchmark_group(format!("events/{name}"));
        group.throughput(Throughput::Bytes(event.len() as u64));
        group.bench_function(BenchmarkId::from_parameter("lambda-zero parse"), |b| {
            b.iter(|| assert!(lz_parse(black_box(&event), sample)))
        });
        group.bench_function(BenchmarkId::from_parameter("serde_json IgnoredAny"), |b| {
            b.iter(|| {
                serde_json::from_slice::<serde::de::IgnoredAny>(black_box(&event)).expect("valid")
            })
        });
        group.bench_function(
            BenchmarkId::from_parameter("lambda-zero parse+reads+answer"),
            |b| b.iter(|| lz_handle(black_box(&event), sample, &mut scratch)),
        );
        group.bench_function(
            BenchmarkId::from_parameter("aws_lambda_events parse+reads+answer"),
            |b| b.iter(|| official_handle(black_box(&event), sample, &mut official)),
        );
        group.finish();
    }
}

fn main() {
    if let Ok(spec) = std::env::var("LZ_EVENTS_COUNT") {
        return count_events(&spec);
    }
    let body = event();
    for answer in [answer_with_length(&body), answer_chunked(&body, 256)] {
        let msg = naive_parse(&answer).expect("the baseline parses what it is compared on");
        assert_eq!(msg.body, body);
    }
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    bench_parse(
        &mut c,
        "parse_next_content_length",
        answer_with_length(&body),
    );
    bench_parse(&mut c, "parse_next_chunked", answer_chunked(&body, 256));
    bench_head(&mut c);
    bench_loop(&mut c);
    bench_choose(&mut c);
    bench_events(&mut c);
    c.final_summary();
}
