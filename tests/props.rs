//! The fuzz targets on stable: every corpus input under `fuzz/corpus/` (and
//! any crash artifact under `fuzz/artifacts/`, as a regression), then
//! generated inputs through `proptest`, through the very functions
//! `cargo fuzz` runs (`fuzz/src/targets.rs`, included below). Not coverage
//! guided: structured generators and byte mutations stand in for that.
//!
//! Oracle tests: the HTTP client against a naive, allocating reference on
//! generated answers, each one also cut at every byte position.
//!
//! The generated inputs are the same on every run (`PROPS_SEED=N` picks
//! others) and `PROPTEST_CASES` scales their number: `scripts/fuzz.sh`
//! raises both when no nightly toolchain can run `cargo fuzz`. Every test
//! prints how many inputs it executed (`--nocapture` shows it).

#[path = "../fuzz/src/targets.rs"]
mod targets;

use proptest::prelude::*;
use proptest::test_runner::{Config as PropConfig, RngAlgorithm, TestRng, TestRunner};
use std::path::Path;
use targets::{reference, Fail, Outcome};

/// Runs `target` over every file of `fuzz/corpus/<name>` and
/// `fuzz/artifacts/<name>`; returns how many there were.
fn run_corpus(name: &str, target: fn(&[u8])) -> usize {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut n = 0;
    for dir in ["corpus", "artifacts"] {
        let Ok(entries) = std::fs::read_dir(root.join(dir).join(name)) else {
            continue;
        };
        let mut paths: Vec<_> = entries.flatten().map(|e| e.path()).collect();
        paths.sort();
        for path in paths.into_iter().filter(|p| p.is_file()) {
            let data = std::fs::read(&path).unwrap();
            let result = std::panic::catch_unwind(|| target(&data));
            if let Err(e) = result {
                std::panic::resume_unwind(Box::new(format!(
                    "{}: {}",
                    path.display(),
                    e.downcast_ref::<String>()
                        .cloned()
                        .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default()
                )));
            }
            n += 1;
        }
    }
    n
}

/// Deterministic by default (the same inputs on every run, so a failure
/// reproduces); `PROPS_SEED=N` explores other inputs.
fn rng() -> TestRng {
    let seed: u64 = std::env::var("PROPS_SEED")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut bytes = [0u8; 32];
    bytes[..8].copy_from_slice(&seed.to_le_bytes());
    TestRng::from_seed(RngAlgorithm::ChaCha, &bytes)
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Runs `target` over `cases` inputs from `strategy`; returns the count.
fn run_generated<S: Strategy>(cases: u32, strategy: S, target: impl Fn(&S::Value)) -> usize
where
    S::Value: std::fmt::Debug,
{
    let config = PropConfig {
        cases,
        failure_persistence: None,
        ..PropConfig::default()
    };
    let mut runner = TestRunner::new_with_rng(config, rng());
    let count = std::cell::Cell::new(0);
    runner
        .run(&strategy, |v| {
            count.set(count.get() + 1);
            target(&v);
            Ok(())
        })
        .unwrap_or_else(|e| panic!("{e}"));
    count.get()
}

fn report(target: &str, corpus: usize, generated: usize) {
    println!(
        "props: target {target}: {} inputs executed ({corpus} corpus, {generated} generated)",
        corpus + generated
    );
}

// ---------------------------------------------------------------------------
// Generators of HTTP answers: mostly well-formed, with every framing, then
// sometimes damaged byte by byte.

fn header_value_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        20 => proptest::collection::vec(0x20u8..0x7f, 0..12),
        1 => proptest::collection::vec(any::<u8>(), 0..6),
        3 => proptest::collection::vec(prop_oneof![Just(b'\t'), Just(b' '), 0x80u8..=0xff], 0..6),
    ]
}

fn header() -> impl Strategy<Value = (Vec<u8>, Vec<u8>)> {
    let name = prop_oneof![
        4 => Just(b"X-A".to_vec()),
        4 => Just(b"Lambda-Runtime-Aws-Request-Id".to_vec()),
        3 => Just(b"Connection".to_vec()),
        2 => Just(b"content-length".to_vec()),
        2 => Just(b"Transfer-Encoding".to_vec()),
        1 => Just(b"Bad Name".to_vec()),
        1 => Just(b"".to_vec()),
        4 => proptest::collection::vec(prop_oneof![b'a'..=b'z', Just(b'-'), Just(b'!')], 1..8),
    ];
    name.prop_flat_map(|name| {
        let value = match name.to_ascii_lowercase().as_slice() {
            b"content-length" => prop_oneof![
                (0u32..300).prop_map(|n| n.to_string().into_bytes()).boxed(),
                prop_oneof![
                    Just("-1"),
                    Just("+1"),
                    Just(" 5 "),
                    Just("5, 5"),
                    Just(""),
                    Just("0x10"),
                    Just("99999999999999999999"),
                    Just("18446744073709551616"),
                    Just("9999999999999999999"),
                ]
                .prop_map(|s| s.as_bytes().to_vec())
                .boxed(),
            ]
            .boxed(),
            b"transfer-encoding" => prop_oneof![
                Just("chunked"),
                Just(" Chunked "),
                Just("gzip"),
                Just("gzip, chunked"),
                Just("identity"),
            ]
            .prop_map(|s| s.as_bytes().to_vec())
            .boxed(),
            b"connection" => prop_oneof![
                Just("close"),
                Just("keep-alive"),
                Just("Keep-Alive, close"),
                Just("close, keep-alive"),
                Just("upgrade"),
            ]
            .prop_map(|s| s.as_bytes().to_vec())
            .boxed(),
            _ => header_value_bytes().boxed(),
        };
        (Just(name), value)
    })
}

#[derive(Debug, Clone)]
enum Framing {
    Length,
    Chunked {
        sizes: Vec<usize>,
        ext: Vec<u8>,
        trailers: Vec<(Vec<u8>, Vec<u8>)>,
        upper_hex: bool,
    },
    Raw,
}

fn framing() -> impl Strategy<Value = Framing> {
    prop_oneof![
        3 => Just(Framing::Length),
        3 => (
            proptest::collection::vec(0usize..40, 0..6),
            prop_oneof![
                4 => Just(Vec::new()),
                1 => Just(b";x=y".to_vec()),
                1 => Just(b" ;a".to_vec()),
                1 => proptest::collection::vec(any::<u8>(), 0..5),
            ],
            proptest::collection::vec(header(), 0..3),
            any::<bool>(),
        )
            .prop_map(|(sizes, ext, trailers, upper_hex)| Framing::Chunked {
                sizes,
                ext,
                trailers,
                upper_hex
            }),
        1 => Just(Framing::Raw),
    ]
}

#[derive(Debug, Clone)]
struct Message {
    version: &'static str,
    status: u16,
    reason: Vec<u8>,
    crlf: bool,
    headers: Vec<(Vec<u8>, Vec<u8>)>,
    filler: usize,
    framing: Framing,
    body: Vec<u8>,
}

fn message() -> impl Strategy<Value = Message> {
    (
        prop_oneof![
            30 => Just("HTTP/1.1"),
            6 => Just("HTTP/1.0"),
            1 => Just("HTTP/1.2"),
            1 => Just("HTTP/2.0"),
            1 => Just("http/1.1"),
        ],
        prop_oneof![
            6 => prop_oneof![Just(200u16), Just(202), Just(404), Just(500)],
            2 => prop_oneof![Just(204u16), Just(304), Just(100), Just(101), Just(103)],
            1 => 0u16..1000,
        ],
        prop_oneof![
            8 => Just(b"OK".to_vec()),
            2 => Just(Vec::new()),
            1 => header_value_bytes(),
        ],
        prop_oneof![5 => Just(true), 1 => Just(false)],
        proptest::collection::vec(header(), 0..5),
        prop_oneof![8 => Just(0usize), 1 => 60usize..=66],
        framing(),
        proptest::collection::vec(any::<u8>(), 0..200),
    )
        .prop_map(
            |(version, status, reason, crlf, headers, filler, framing, body)| Message {
                version,
                status,
                reason,
                crlf,
                headers,
                filler,
                framing,
                body,
            },
        )
}

fn encode(m: &Message) -> Vec<u8> {
    let eol: &[u8] = if m.crlf { b"\r\n" } else { b"\n" };
    let mut out = format!("{} {:03}", m.version, m.status).into_bytes();
    if !m.reason.is_empty() {
        out.push(b' ');
        out.extend_from_slice(&m.reason);
    }
    out.extend_from_slice(eol);
    let line = |out: &mut Vec<u8>, n: &[u8], v: &[u8]| {
        out.extend_from_slice(n);
        out.extend_from_slice(b": ");
        out.extend_from_slice(v);
        out.extend_from_slice(eol);
    };
    for (n, v) in &m.headers {
        line(&mut out, n, v);
    }
    for i in 0..m.filler {
        line(&mut out, format!("X-Filler-{i}").as_bytes(), b"f");
    }
    match &m.framing {
        Framing::Length => {
            line(
                &mut out,
                b"Content-Length",
                m.body.len().to_string().as_bytes(),
            );
            out.extend_from_slice(eol);
            out.extend_from_slice(&m.body);
        }
        Framing::Chunked {
            sizes,
            ext,
            trailers,
            upper_hex,
        } => {
            line(&mut out, b"Transfer-Encoding", b"chunked");
            out.extend_from_slice(eol);
            let mut rest = &m.body[..];
            for &s in sizes.iter().chain(std::iter::once(&usize::MAX)) {
                let s = s.max(1).min(rest.len());
                if s == 0 {
                    break;
                }
                let size = if *upper_hex {
                    format!("{s:X}")
                } else {
                    format!("{s:x}")
                };
                out.extend_from_slice(size.as_bytes());
                out.extend_from_slice(ext);
                out.extend_from_slice(b"\r\n");
                out.extend_from_slice(&rest[..s]);
                out.extend_from_slice(b"\r\n");
                rest = &rest[s..];
            }
            out.extend_from_slice(b"0");
            out.extend_from_slice(ext);
            out.extend_from_slice(b"\r\n");
            for (n, v) in trailers {
                line(&mut out, n, v);
            }
            out.extend_from_slice(b"\r\n");
        }
        Framing::Raw => {
            out.extend_from_slice(eol);
            out.extend_from_slice(&m.body);
        }
    }
    out
}

#[derive(Debug, Clone)]
enum Edit {
    Flip(usize, u8),
    Insert(usize, u8),
    Delete(usize),
    Truncate(usize),
}

fn edits() -> impl Strategy<Value = Vec<Edit>> {
    let edit = prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(i, b)| Edit::Flip(i, b)),
        (
            any::<usize>(),
            prop_oneof![
                Just(b'\r'),
                Just(b'\n'),
                Just(b' '),
                Just(b':'),
                any::<u8>()
            ]
        )
            .prop_map(|(i, b)| Edit::Insert(i, b)),
        any::<usize>().prop_map(Edit::Delete),
        any::<usize>().prop_map(Edit::Truncate),
    ];
    prop_oneof![
        3 => Just(Vec::new()),
        1 => proptest::collection::vec(edit, 1..4),
    ]
}

fn apply(mut bytes: Vec<u8>, edits: &[Edit]) -> Vec<u8> {
    for e in edits {
        let len = bytes.len().max(1);
        match *e {
            Edit::Flip(i, b) if !bytes.is_empty() => bytes[i % len] = b,
            Edit::Insert(i, b) => bytes.insert(i % (bytes.len() + 1), b),
            Edit::Delete(i) if !bytes.is_empty() => {
                bytes.remove(i % len);
            }
            Edit::Truncate(i) => bytes.truncate(i % (bytes.len() + 1)),
            _ => {}
        }
    }
    bytes
}

/// One to three answers back to back, perhaps damaged, with a body limit.
fn stream() -> impl Strategy<Value = (Vec<u8>, usize)> {
    (
        proptest::collection::vec(message(), 1..4),
        edits(),
        prop_oneof![4 => Just(1usize << 20), 1 => 0usize..64],
    )
        .prop_map(|(messages, edits, limit)| {
            let bytes: Vec<u8> = messages.iter().flat_map(encode).collect();
            (apply(bytes, &edits), limit)
        })
}

/// The body limit as `split_input` encodes it in the first byte.
fn control_byte_for(limit: usize) -> u8 {
    match limit {
        0 => 1 << 6,
        1..=7 => 2 << 6,
        8..=100 => 3 << 6,
        _ => 0,
    }
}

// ---------------------------------------------------------------------------
// The targets

#[test]
fn http_response_target_runs_its_corpus_and_generated_answers() {
    let corpus = run_corpus("http_response", targets::http_response);
    let structured = run_generated(
        cases(256),
        (stream(), any::<u8>()),
        |((bytes, limit), seed)| {
            let mut input = vec![control_byte_for(*limit), *seed];
            input.extend_from_slice(bytes);
            targets::http_response(&input);
        },
    );
    let raw = run_generated(
        cases(256),
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..256),
            proptest::collection::vec(any::<u8>(), 0..256).prop_map(|tail| {
                let mut v = b"\0\0HTTP/1.1 200 OK\r\n".to_vec();
                v.extend(tail);
                v
            }),
        ],
        |bytes| targets::http_response(bytes),
    );
    report("http_response", corpus, structured + raw);
}

#[test]
fn chunked_body_target_runs_its_corpus_and_generated_bodies() {
    let corpus = run_corpus("chunked_body", targets::chunked_body);
    let body = (
        proptest::collection::vec(any::<u8>(), 0..120),
        framing(),
        edits(),
        any::<[u8; 2]>(),
    )
        .prop_map(|(body, framing, edits, ctl)| {
            let framing = match framing {
                f @ Framing::Chunked { .. } => f,
                _ => Framing::Chunked {
                    sizes: vec![3, 1, 40],
                    ext: Vec::new(),
                    trailers: Vec::new(),
                    upper_hex: false,
                },
            };
            let m = Message {
                version: "HTTP/1.1",
                status: 200,
                reason: b"OK".to_vec(),
                crlf: true,
                headers: Vec::new(),
                filler: 0,
                framing,
                body,
            };
            let encoded = encode(&m);
            let start = encoded.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
            let mut input = ctl.to_vec();
            input.extend(apply(encoded[start..].to_vec(), &edits));
            input
        });
    let generated = run_generated(cases(512), body, |input| targets::chunked_body(input));
    let raw = run_generated(
        cases(256),
        proptest::collection::vec(
            prop_oneof![
                Just(b'0'),
                Just(b'1'),
                Just(b'f'),
                Just(b'\r'),
                Just(b'\n'),
                Just(b';'),
                Just(b' '),
                any::<u8>()
            ],
            0..64,
        ),
        |bytes| targets::chunked_body(bytes),
    );
    report("chunked_body", corpus, generated + raw);
}

#[test]
fn runtime_api_target_runs_its_corpus_and_generated_values() {
    let corpus = run_corpus("runtime_api", targets::runtime_api);
    let part = prop_oneof![
        Just("http://".to_string()),
        Just("HTTPS://".to_string()),
        Just("127.0.0.1".to_string()),
        Just("localhost".to_string()),
        Just("[::1]".to_string()),
        Just("[::1".to_string()),
        Just(":".to_string()),
        Just(":9001".to_string()),
        Just(":0".to_string()),
        Just(":65535".to_string()),
        Just(":65536".to_string()),
        Just("/".to_string()),
        Just("/.rt".to_string()),
        Just("?".to_string()),
        Just("%".to_string()),
        Just(" ".to_string()),
        Just("://".to_string()),
        "[a-z0-9._-]{0,6}",
        "\\PC{0,3}",
    ];
    let generated = run_generated(
        cases(1024),
        proptest::collection::vec(part, 0..6).prop_map(|p| p.concat()),
        |value| targets::runtime_api(value.as_bytes()),
    );
    report("runtime_api", corpus, generated);
}

#[test]
fn request_id_target_runs_its_corpus_and_generated_ids() {
    let corpus = run_corpus("request_id", targets::request_id);
    let generated = run_generated(
        cases(512),
        prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..40),
            proptest::collection::vec(0x20u8..0x7f, 0..40),
            proptest::collection::vec(any::<u8>(), 250..262),
        ],
        |id| targets::request_id(id),
    );
    report("request_id", corpus, generated);
}

// ---------------------------------------------------------------------------
// Oracle tests

#[test]
fn the_client_agrees_with_the_reference_when_cut_at_every_byte() {
    let generated = run_generated(cases(48), stream(), |(bytes, limit)| {
        let cuts: Vec<Vec<usize>> = (0..=bytes.len()).map(|k| vec![k]).collect();
        targets::check_splits(bytes, *limit, &cuts);
    });
    println!("props: every-byte splits of {generated} generated streams agree with the reference");
}

#[test]
fn the_reference_decodes_what_the_generator_encodes() {
    // The reference itself, against the generator: a well-formed answer
    // decodes to its own body (so the oracle is not vacuous).
    run_generated(cases(256), message(), |m| {
        let valid = m.version == "HTTP/1.1"
            && (200..300).contains(&m.status)
            && m.status != 204
            && m.filler == 0
            && m.headers.is_empty()
            && m.crlf
            && m.reason == b"OK"
            && match &m.framing {
                Framing::Chunked { ext, trailers, .. } => {
                    trailers.is_empty() && (ext.is_empty() || ext == b";x=y" || ext == b" ;a")
                }
                _ => true,
            };
        if !valid {
            return;
        }
        let got = reference::exchanges(&encode(m), 1 << 20, 1);
        match &got[0] {
            Outcome::Answer { body, status, .. } => {
                assert_eq!((status, body), (&m.status, &m.body));
            }
            Outcome::Failed(f) => panic!("{m:?}: {f:?}"),
        }
    });
}

/// A head of `len` bytes (status line, one filler header, CRLF CRLF) with
/// an empty body.
fn head_of_len(len: usize) -> Vec<u8> {
    let start = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nX-Fill: ";
    let mut v = start.to_vec();
    v.resize(len - 4, b'f');
    v.extend_from_slice(b"\r\n\r\n");
    v
}

#[test]
fn heads_up_to_the_cap_are_read_and_one_byte_more_is_refused() {
    use lambda_zero::internals::MAX_HEAD_LEN;
    for (len, ok) in [(MAX_HEAD_LEN, true), (MAX_HEAD_LEN + 1, false)] {
        let bytes = head_of_len(len);
        for per_read in [1, 1000, usize::MAX] {
            let got = targets::real_exchanges(&bytes, per_read, &[], 1 << 20, 1);
            assert_eq!(
                matches!(got[0], Outcome::Answer { .. }),
                ok,
                "{len}-byte head, {per_read} per read: {:?}",
                got[0]
            );
        }
        assert_eq!(
            targets::reference::exchanges(&bytes, 1 << 20, 1)[0]
                == Outcome::Failed(Fail::HeadTooLarge),
            !ok
        );
    }
}

#[test]
fn the_head_cap_holds_after_the_buffer_has_grown() {
    use lambda_zero::internals::MAX_HEAD_LEN;
    let mut bytes = b"HTTP/1.1 200 OK\r\nContent-Length: 200000\r\n\r\n".to_vec();
    bytes.resize(bytes.len() + 200_000, b'b');
    bytes.extend(head_of_len(MAX_HEAD_LEN + 30_000));
    for per_read in [1, usize::MAX] {
        let got = targets::real_exchanges(&bytes, per_read, &[], 1 << 20, 2);
        assert_eq!(
            got.get(1),
            Some(&Outcome::Failed(Fail::HeadTooLarge)),
            "{per_read} per read"
        );
    }
}

/// A chunked answer whose first chunk-size line (CRLF included) is `len`
/// bytes long, through its extension.
fn chunk_line_of_len(len: usize) -> Vec<u8> {
    let mut v = targets::CHUNKED_HEAD.to_vec();
    let line_start = v.len();
    v.extend_from_slice(b"3;e=");
    v.resize(line_start + len - 2, b'x');
    v.extend_from_slice(b"\r\nabc\r\n0\r\n\r\n");
    v
}

#[test]
fn chunk_size_lines_up_to_the_cap_are_read_in_any_split() {
    use lambda_zero::internals::MAX_CHUNK_LINE;
    let bytes = chunk_line_of_len(MAX_CHUNK_LINE);
    for per_read in [1, 100, usize::MAX] {
        let got = targets::real_exchanges(&bytes, per_read, &[], 1 << 20, 1);
        assert!(
            matches!(&got[0], Outcome::Answer { body, .. } if body == b"abc"),
            "{per_read} per read: {:?}",
            got[0]
        );
    }
}

#[test]
fn chunk_size_lines_past_the_cap_are_refused_in_any_split() {
    use lambda_zero::internals::MAX_CHUNK_LINE;
    let bytes = chunk_line_of_len(MAX_CHUNK_LINE + 1);
    for per_read in [1, usize::MAX] {
        let got = targets::real_exchanges(&bytes, per_read, &[], 1 << 20, 1);
        assert_eq!(
            got[0],
            Outcome::Failed(Fail::InvalidChunk),
            "{per_read} per read"
        );
    }
}

#[test]
fn trailer_sections_past_the_cap_are_refused_in_any_split() {
    use lambda_zero::internals::MAX_HEAD_LEN;
    // A few long fields, and (more lines within the cap than the client
    // parses on its stack) many shorter ones.
    for (fields, len) in [(40, MAX_HEAD_LEN / 32), (200, MAX_HEAD_LEN / 128)] {
        let mut bytes = targets::CHUNKED_HEAD.to_vec();
        bytes.extend_from_slice(b"1\r\na\r\n0\r\n");
        for i in 0..fields {
            bytes.extend_from_slice(format!("X-T{i}: ").as_bytes());
            bytes.resize(bytes.len() + len, b't');
            bytes.extend_from_slice(b"\r\n");
        }
        bytes.extend_from_slice(b"\r\n");
        // Not one byte per read: the trailer parse restarts at every read.
        for per_read in [97, usize::MAX] {
            let got = targets::real_exchanges(&bytes, per_read, &[], 1 << 20, 1);
            assert_eq!(
                got[0],
                Outcome::Failed(Fail::HeadTooLarge),
                "{fields} fields of {len} bytes, {per_read} per read"
            );
        }
    }
}

#[test]
fn a_path_prefix_may_contain_a_colon_and_slashes() {
    let e = lambda_zero::internals::Endpoint::parse("127.0.0.1:9001/a://b").unwrap();
    assert_eq!((e.port, e.prefix.as_str()), (9001, "/a://b"));
}

fn json_value(depth: u32) -> BoxedStrategy<String> {
    let string = proptest::collection::vec(
        prop_oneof![
            6 => "[a-zA-Z0-9 ]".prop_map(|s| s),
            1 => Just("\\\"".to_string()),
            1 => Just("\\\\".to_string()),
            1 => Just("\\n".to_string()),
            1 => Just("\\u00e9".to_string()),
            1 => Just("\\ud83d\\ude00".to_string()),
            1 => Just("é😀".to_string()),
        ],
        0..6,
    )
    .prop_map(|parts| format!("\"{}\"", parts.concat()));
    let number = prop_oneof![
        Just("0".to_string()),
        Just("-0.5e+10".to_string()),
        (any::<i64>()).prop_map(|n| n.to_string()),
        Just("1E400".to_string()),
    ];
    let leaf = prop_oneof![
        Just("null".to_string()),
        Just("true".to_string()),
        Just("false".to_string()),
        number,
        string.clone(),
    ];
    if depth == 0 {
        return leaf.boxed();
    }
    let inner = json_value(depth - 1);
    prop_oneof![
        2 => leaf,
        1 => proptest::collection::vec(inner.clone(), 0..4).prop_map(|v| format!("[{}]", v.join(","))),
        1 => proptest::collection::vec((string, inner), 0..4).prop_map(|m| {
            let members: Vec<String> = m.iter().map(|(k, v)| format!("{k} : {v}")).collect();
            format!("{{ {} }}", members.join(", "))
        }),
    ]
    .boxed()
}

#[test]
fn json_target_runs_its_corpus_and_generated_documents() {
    let corpus = run_corpus("json", targets::json);
    let generated = run_generated(cases(512), (json_value(3), edits()), |(doc, edits)| {
        targets::json(&apply(doc.clone().into_bytes(), edits))
    });
    let nested = run_generated(cases(64), 120usize..136, |depth| {
        let doc = "[".repeat(*depth) + &"]".repeat(*depth);
        targets::json(doc.as_bytes());
    });
    let raw = run_generated(
        cases(256),
        proptest::collection::vec(
            prop_oneof![
                Just(b'{'),
                Just(b'}'),
                Just(b'['),
                Just(b']'),
                Just(b'"'),
                Just(b'\\'),
                Just(b':'),
                Just(b','),
                Just(b'0'),
                Just(b'u'),
                Just(b' '),
                any::<u8>()
            ],
            0..48,
        ),
        |bytes| targets::json(bytes),
    );
    report("json", corpus, generated + nested + raw);
}

#[test]
fn bytes_after_leading_empty_lines_are_judged_the_same_however_they_arrive() {
    // Found by `cargo fuzz` (http_response, chunked_body). httparse skips
    // empty lines before a status line; the client parses the whole buffer
    // at the "\n\r\n" they form, so what follows is refused as malformed
    // when it arrived with them, and waited for (then Closed) when not.
    for stream in [
        &b"\n\r\n]\n"[..],
        b"\r\n\r\nHTTP/1.1 200 OK\r\nX-A: \x01",
        b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\na\r\n\r\nHT*TP@/1.1 2*\r\n",
    ] {
        let cuts: Vec<Vec<usize>> = (0..=stream.len()).map(|k| vec![k]).collect();
        targets::check_stream(stream, 1 << 20, &cuts);
    }
}

#[test]
fn a_request_whose_answer_began_with_a_1xx_is_not_sent_again() {
    // Found by the oracle tests. Only a connection that closed before any
    // byte of the answer may be retried; a 100 Continue is such a byte.
    let stream = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\nHTTP/1.1 100 Continue\r\n\r\n";
    for per_read in [1, usize::MAX] {
        let got = targets::real_exchanges(stream, per_read, &[], 1 << 20, 2);
        assert_eq!(got[1], Outcome::Failed(Fail::Closed), "{per_read} per read");
    }
}
