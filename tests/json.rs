//! The JSON scanner and the base64 codec against references: `serde_json`
//! as the oracle on generated documents and on mutations of them (every
//! accept/reject verdict and every value must agree), a naive base64
//! decoder on generated texts, and vectors made with Python's `base64`
//! module (`tests/data/base64-vectors.txt`).

use lambda_zero::events::json::{self, Kind, Value};
use lambda_zero::internals::base64;
use serde_json::Value as Oracle;

/// xorshift64*: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

const WS: [&str; 6] = ["", "", "", " ", "\n\t", "\r\n  "];

fn ws(rng: &mut Rng, out: &mut String) {
    out.push_str(rng.pick(&WS));
}

/// A JSON string literal with every kind of content and escape.
fn string(rng: &mut Rng, out: &mut String) {
    out.push('"');
    for _ in 0..rng.below(8) {
        match rng.below(12) {
            0 => {
                out.push_str(rng.pick(&["\\\"", "\\\\", "\\/", "\\b", "\\f", "\\n", "\\r", "\\t"]))
            }
            1 => {
                // \uXXXX outside the surrogates, any case.
                let c = loop {
                    let c = rng.below(0x10000) as u32;
                    if !(0xD800..0xE000).contains(&c) {
                        break c;
                    }
                };
                let hex = format!("{c:04x}");
                let hex = if rng.below(2) == 0 {
                    hex.to_uppercase()
                } else {
                    hex
                };
                out.push_str(&format!("\\u{hex}"));
            }
            2 => {
                // A surrogate pair.
                let c = 0x10000 + rng.below(0x100000) as u32;
                let hi = 0xD800 + ((c - 0x10000) >> 10);
                let lo = 0xDC00 + ((c - 0x10000) & 0x3FF);
                out.push_str(&format!("\\u{hi:04X}\\u{lo:04x}"));
            }
            3 => out.push(rng.pick(&['é', '€', '😀', '\u{7f}', '\u{a0}', '中'])),
            _ => out.push(rng.pick(&['a', 'b', 'k', 'Z', '0', ' ', '{', ']', ':', ',', '\''])),
        }
    }
    out.push('"');
}

fn number(rng: &mut Rng, out: &mut String) {
    if rng.below(3) == 0 {
        out.push('-');
    }
    if rng.below(4) == 0 {
        out.push('0');
    } else {
        out.push(char::from(b'1' + rng.below(9) as u8));
        for _ in 0..rng.below(5) {
            out.push(char::from(b'0' + rng.below(10) as u8));
        }
    }
    if rng.below(3) == 0 {
        out.push('.');
        for _ in 0..=rng.below(4) {
            out.push(char::from(b'0' + rng.below(10) as u8));
        }
    }
    if rng.below(4) == 0 {
        out.push(rng.pick(&['e', 'E']));
        out.push_str(rng.pick(&["", "+", "-"]));
        for _ in 0..=rng.below(2) {
            out.push(char::from(b'0' + rng.below(10) as u8));
        }
    }
}

fn value(rng: &mut Rng, depth: usize, out: &mut String) {
    let kinds = if depth == 0 { 4 } else { 6 };
    match rng.below(kinds) {
        0 => out.push_str(rng.pick(&["true", "false", "null"])),
        1 => number(rng, out),
        2 | 3 => string(rng, out),
        4 => {
            out.push('[');
            ws(rng, out);
            for i in 0..rng.below(5) {
                if i > 0 {
                    out.push(',');
                    ws(rng, out);
                }
                value(rng, depth - 1, out);
                ws(rng, out);
            }
            out.push(']');
        }
        _ => {
            out.push('{');
            ws(rng, out);
            for i in 0..rng.below(5) {
                if i > 0 {
                    out.push(',');
                    ws(rng, out);
                }
                // Keys unique per object, some with escapes.
                out.push_str(&format!(
                    "\"k{i}{}\"",
                    rng.pick(&["", "\\n", "\\u00e9", "é", "\\\""])
                ));
                ws(rng, out);
                out.push(':');
                ws(rng, out);
                value(rng, depth - 1, out);
                ws(rng, out);
            }
            out.push('}');
        }
    }
}

fn document(rng: &mut Rng) -> String {
    let mut out = String::new();
    ws(rng, &mut out);
    let depth = 1 + rng.below(5);
    value(rng, depth, &mut out);
    ws(rng, &mut out);
    out
}

/// Our value, converted to the oracle's type through our accessors only.
fn convert(v: Value<'_>) -> Oracle {
    match v.kind() {
        Kind::Null => Oracle::Null,
        Kind::Bool => Oracle::Bool(v.as_bool().unwrap()),
        Kind::Number => serde_json::from_str(v.as_number().unwrap()).unwrap(),
        Kind::String => {
            let s = v.as_str().unwrap();
            let mut scratch = String::new();
            let decoded = s.decode(&mut scratch).to_string();
            // Three ways to unescape, one answer.
            assert_eq!(s.chars().collect::<String>(), decoded);
            assert_eq!(s.to_string(), decoded);
            assert!(s == decoded.as_str());
            Oracle::String(decoded)
        }
        Kind::Array => Oracle::Array(v.elements().map(convert).collect()),
        Kind::Object => {
            let mut map = serde_json::Map::new();
            for (k, v) in v.members() {
                let key = k.to_string();
                assert!(v == json::parse(v.raw().as_bytes()).unwrap());
                map.insert(key, convert(v)); // last wins, as in serde_json
            }
            Oracle::Object(map)
        }
    }
}

/// Errors of serde_json that are limits, not grammar.
fn is_limit(e: &serde_json::Error) -> bool {
    let m = e.to_string();
    m.contains("number out of range") || m.contains("recursion limit")
}

/// Checks one input against the oracle; returns whether it was valid.
fn check(doc: &[u8]) -> bool {
    let ours = json::parse(doc);
    let theirs = serde_json::from_slice::<Oracle>(doc);
    match (ours, theirs) {
        (Ok(v), Ok(o)) => {
            assert_eq!(convert(v), o, "{:?}", String::from_utf8_lossy(doc));
            assert!(json::validate(doc).is_ok());
            true
        }
        (Err(_), Err(_)) => false,
        (Ok(_), Err(e)) if is_limit(&e) => true,
        (ours, theirs) => panic!(
            "disagreement on {:?}: ours {ours:?}, serde_json {theirs:?}",
            String::from_utf8_lossy(doc)
        ),
    }
}

#[test]
fn generated_documents_agree_with_serde_json() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let doc = document(&mut rng);
        assert!(check(doc.as_bytes()), "generated document refused: {doc:?}");
        // Paths: every key path serde_json sees is found, with its value.
        let oracle: Oracle = serde_json::from_str(&doc).unwrap();
        if let Oracle::Object(map) = &oracle {
            for (k, want) in map {
                let got = lambda_zero::internals::json_get(doc.as_bytes(), &[k.as_str()])
                    .unwrap()
                    .unwrap();
                assert_eq!(&convert(got), want);
            }
            assert_eq!(
                lambda_zero::internals::json_get(doc.as_bytes(), &["absent"]).unwrap(),
                None
            );
        }
    }
}

const MUTATION_BYTES: &[u8] =
    b"{}[]\",:\\/ \t\n0123456789-+.eEtrufalsn\x00\x1f\x7f\xc3\xa9\xff\xed\xa0\x80u";

#[test]
fn mutated_documents_get_the_same_verdict_as_serde_json() {
    let mut rng = Rng(0x1234_5678_9ABC_DEF1);
    let (mut valid, mut invalid) = (0, 0);
    for _ in 0..40_000 {
        let mut doc = document(&mut rng).into_bytes();
        for _ in 0..=rng.below(3) {
            let at = rng.below(doc.len() + 1);
            match rng.below(5) {
                0 if at < doc.len() => {
                    doc.remove(at);
                }
                1 => doc.insert(at, rng.pick(MUTATION_BYTES)),
                2 if at < doc.len() => doc[at] = rng.pick(MUTATION_BYTES),
                3 => doc.truncate(at),
                _ => {
                    let end = (at + rng.below(6)).min(doc.len());
                    let piece = doc[at..end].to_vec();
                    doc.splice(at..at, piece);
                }
            }
        }
        if check(&doc) {
            valid += 1;
        } else {
            invalid += 1;
        }
    }
    println!("mutations: {valid} still valid, {invalid} refused by both");
    assert!(valid > 1000 && invalid > 10_000, "{valid} / {invalid}");
}

#[test]
fn random_bytes_are_refused_like_serde_json_does() {
    let mut rng = Rng(42);
    for _ in 0..20_000 {
        let doc: Vec<u8> = (0..rng.below(12))
            .map(|_| rng.pick(MUTATION_BYTES))
            .collect();
        check(&doc);
    }
}

#[test]
fn hand_picked_edge_cases_agree_with_serde_json() {
    let cases: &[&[u8]] = &[
        b"",
        b" ",
        b"0",
        b"-0",
        b"-0.0e-0",
        b"00",
        b"-",
        b"1.",
        b"1e",
        b"1e+",
        b".1",
        b"+1",
        b"1E400",
        b"123456789012345678901234567890",
        b"\"\\ud83d\\ude00\"",
        b"\"\\uD83D\\uDE00\"",
        b"\"\\ud83d\"",
        b"\"\\ude00\"",
        b"\"\\ud83d\\u0041\"",
        b"\"\\ud83d\\ud83d\"",
        b"\"\\u00\"",
        b"\"\\U0041\"",
        b"\"\\a\"",
        b"\"\x7f\"",
        b"\"\x1f\"",
        b"\"\xc3\xa9\"",
        b"\"\xc3\"",
        b"\"\xed\xa0\x80\"",
        b"\"\xf4\x90\x80\x80\"",
        b"\xef\xbb\xbf{}",
        b"{\"a\":1,\"a\":2}",
        b"{\"a\" : [ ] , \"b\" : { } }",
        b"[1,2,]",
        b"[,]",
        b"{,}",
        b"{\"a\"}",
        b"{\"a\":1 \"b\":2}",
        b"[true false]",
        b"truee",
        b"nulll",
        b"[1]x",
        b"\"a\"\"b\"",
        b"\x00",
        b"[\x0c]",
        b"{\"\\u0000\":\"\\u0000\"}",
    ];
    for case in cases {
        check(case);
    }
}

/// `depth` nested arrays, or objects, around `1`.
fn nested(depth: usize, objects: bool) -> String {
    if objects {
        "{\"a\":".repeat(depth) + "1" + &"}".repeat(depth)
    } else {
        "[".repeat(depth) + "1" + &"]".repeat(depth)
    }
}

#[test]
fn deep_nesting_is_refused_without_overflowing_the_stack() {
    for objects in [false, true] {
        let doc = nested(100_000, objects);
        assert!(json::validate(doc.as_bytes()).is_err());
        let doc = "[".repeat(1_000_000);
        assert!(json::validate(doc.as_bytes()).is_err());
    }
}

#[test]
fn the_depth_limit_is_serde_jsons() {
    for objects in [false, true] {
        for depth in 126..=129 {
            let doc = nested(depth, objects);
            let oracle = serde_json::from_slice::<Oracle>(doc.as_bytes()).is_ok();
            let ours = json::validate(doc.as_bytes()).is_ok();
            assert_eq!(ours, oracle, "depth {depth}, objects {objects}");
            assert_eq!(
                ours,
                depth <= lambda_zero::internals::JSON_MAX_DEPTH,
                "depth {depth}"
            );
            // What a handler's typed parse says about the same event.
            #[cfg(feature = "serde")]
            {
                use lambda_zero::{Context, Invocation};
                let inv = Invocation::new(Context::default(), doc.as_bytes());
                assert_eq!(inv.json::<Oracle>().is_ok(), ours, "depth {depth}");
                // serde_json skips a value without a depth limit: what
                // validate accepts, a skipping parse accepts too.
                assert!(
                    !ours || inv.json::<serde::de::IgnoredAny>().is_ok(),
                    "depth {depth}, skipped"
                );
            }
        }
    }
    assert_eq!(lambda_zero::internals::JSON_MAX_DEPTH, 127);
}

#[test]
fn every_sample_event_is_valid_for_both() {
    let dir = format!("{}/tests/data", env!("CARGO_MANIFEST_DIR"));
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            assert!(check(&std::fs::read(&path).unwrap()), "{}", path.display());
            n += 1;
        }
    }
    assert!(n >= 7);
}

// ---------------------------------------------------------------------------
// The scanner's fast paths: strings are tested eight bytes at a time, then
// with `memchr2` once they run past 32 bytes; whitespace runs a word at a
// time; skipped values a word at a time. Every special byte at every
// offset around those boundaries, against serde_json's verdict and value.

/// What may sit in a string at a chosen offset: valid escapes, control
/// characters (invalid raw), a quote, bytes that look like specials in a
/// SWAR test (0x20, 0x21, 0x5b, 0x5d, 0x7f, 0xa2 …), multi-byte UTF-8,
/// invalid UTF-8 and broken escapes.
const STRING_PIECES: &[&[u8]] = &[
    b"\\\"",
    b"\\\\",
    b"\\n",
    b"\\u0041",
    b"\\ud83d\\ude00",
    b"\\ud83d",
    b"\\x",
    b"\\",
    b"\"",
    b"\x00",
    b"\x01",
    b"\x1f",
    b"\t",
    b"\n",
    b" ",
    b"!",
    b"#",
    b"[",
    b"]",
    b"{}",
    b"Y_y",
    b"\x7f",
    b"\xc2\xa2",
    b"\xe2\x82\xac",
    b"\xf0\x9f\x98\x80",
    b"\xff",
    b"\xc2",
];

#[test]
fn strings_agree_at_every_offset_around_the_word_and_memchr_boundaries() {
    let mut n = 0;
    for len in (0..=80).chain([255, 256, 257, 1000]) {
        for at in (0..=len).filter(|&at| len < 100 || at % 61 == 0 || at + 9 > len) {
            for piece in STRING_PIECES {
                let mut s = vec![b'a'; len];
                s.splice(at..at, piece.iter().copied());
                // As a whole document, as a key and a value, with the
                // document ending right after the string (no word left)
                // or followed by more.
                let mut doc = vec![b'"'];
                doc.extend_from_slice(&s);
                doc.push(b'"');
                check(&doc);
                let mut member = b"{\"".to_vec();
                member.extend_from_slice(&s);
                member.extend_from_slice(b"\":\"");
                member.extend_from_slice(&s);
                member.extend_from_slice(b"\",\"z\":[1,\"]\"]}");
                if check(&member) {
                    let v = json::parse(&member).unwrap();
                    assert_eq!(v.get("z").unwrap().raw(), r#"[1,"]"]"#);
                }
                n += 2;
            }
        }
    }
    assert!(n > 100_000, "{n}");
}

#[test]
fn generated_long_strings_agree_with_serde_json() {
    let mut rng = Rng(0x5151_2026);
    for _ in 0..5_000 {
        let mut doc = b"[\"".to_vec();
        for _ in 0..rng.below(6) {
            // Long plain runs with a special byte now and then.
            doc.extend(std::iter::repeat(b'x').take(rng.below(70)));
            doc.extend_from_slice(rng.pick(STRING_PIECES));
        }
        doc.extend_from_slice(rng.pick(&[&b"\"]"[..], b"\",\"\"]", b"\"", b"\"] ", b"\",{}]"]));
        check(&doc);
    }
}

#[test]
fn whitespace_runs_agree_with_serde_json() {
    for len in 0..40 {
        for other in [
            &b""[..],
            b"\t",
            b"\n",
            b"\r",
            b"\r\n",
            b"\x0b",
            b"\x0c",
            b"\xc2\xa0",
            b"x",
        ] {
            for at in 0..=len {
                let mut run = vec![b' '; len];
                run.splice(at..at, other.iter().copied());
                for doc in [
                    [
                        &run[..],
                        b"{",
                        &run,
                        b"\"a\"",
                        &run,
                        b":",
                        &run,
                        b"[",
                        &run,
                        b"1",
                        &run,
                        b"]",
                        &run,
                        b"}",
                        &run,
                    ]
                    .concat(),
                    [
                        &b"["[..],
                        &run,
                        b"true",
                        &run,
                        b",",
                        &run,
                        b"null",
                        &run,
                        b"]",
                    ]
                    .concat(),
                ] {
                    check(&doc);
                }
            }
        }
    }
}

#[test]
fn lookups_skip_siblings_of_every_kind() {
    // Siblings with brackets, quotes and escapes inside strings at every
    // offset, nested containers, numbers and literals: the member after
    // them is still found, and agrees with serde_json.
    let mut rng = Rng(0xB0B);
    for _ in 0..3_000 {
        let mut doc = String::from("{");
        let mut keys = Vec::new();
        for k in 0..1 + rng.below(6) {
            let mut v = String::new();
            value(&mut rng, 3, &mut v);
            if rng.below(3) == 0 {
                v = format!("[\"{}]}}\\\"{{\",{v}]", "y".repeat(rng.below(40)));
            }
            doc.push_str(&format!("\"key{k}\":{v},"));
            keys.push(format!("key{k}"));
        }
        doc.push_str("\"last\":\"found\"}");
        assert!(check(doc.as_bytes()), "{doc}");
        let oracle: Oracle = serde_json::from_str(&doc).unwrap();
        let root = json::parse(doc.as_bytes()).unwrap();
        assert_eq!(root.get("last").unwrap().as_str().unwrap(), "found");
        for k in &keys {
            assert_eq!(convert(root.get(k).unwrap()), oracle[k.as_str()], "{doc}");
        }
        assert_eq!(root.members().count(), keys.len() + 1);
    }
}

#[test]
fn errors_say_where() {
    let e = json::validate(b"{\"a\":tru}").unwrap_err();
    assert_eq!((e.offset(), e.reason()), (5, "invalid literal"));
    assert_eq!(e.to_string(), "malformed JSON at byte 5: invalid literal");
    let e = json::validate(b"[1,]").unwrap_err();
    assert_eq!(e.offset(), 3);
    // Found by the word-at-a-time and memchr paths, reported where they are.
    let long = format!("\"{}\u{1}{}\"", "a".repeat(100), "b".repeat(100));
    let e = json::validate(long.as_bytes()).unwrap_err();
    assert_eq!(
        (e.offset(), e.reason()),
        (101, "control character in a string")
    );
    let e = json::validate(b"\"abcdefghij\x1f\"").unwrap_err();
    assert_eq!(
        (e.offset(), e.reason()),
        (11, "control character in a string")
    );
    let e = json::validate(b"\"abcdefghij").unwrap_err();
    assert_eq!((e.offset(), e.reason()), (11, "unterminated string"));
    let e = json::validate(format!("[\"{}\\q\"]", "a".repeat(50)).as_bytes()).unwrap_err();
    assert_eq!((e.offset(), e.reason()), (52, "invalid escape"));
}

// ---------------------------------------------------------------------------
// base64

/// The reference: a naive decoder through a bit string, strict as the
/// `base64` crate's STANDARD engine (canonical padding and trailing bits).
fn naive_decode(text: &[u8]) -> Option<Vec<u8>> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    if text.len() % 4 != 0 {
        return None;
    }
    let pad = text.iter().rev().take_while(|&&c| c == b'=').count();
    if pad > 2 || (pad > 0 && text.len() < 4) {
        return None;
    }
    let mut bits = String::new();
    for &c in &text[..text.len() - pad] {
        let v = ALPHABET.iter().position(|&a| a == c)?;
        bits.push_str(&format!("{v:06b}"));
    }
    let whole = bits.len() / 8 * 8;
    if bits[whole..].contains('1') {
        return None;
    }
    let out: Vec<u8> = bits.as_bytes()[..whole]
        .chunks(8)
        .map(|b| u8::from_str_radix(std::str::from_utf8(b).unwrap(), 2).unwrap())
        .collect();
    // The length must be what the padding says.
    (out.len() == text.len() / 4 * 3 - pad).then_some(out)
}

#[test]
fn base64_decoding_agrees_with_a_naive_reference() {
    let mut rng = Rng(7);
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/==-_ \n";
    let (mut ok, mut bad) = (0, 0);
    for _ in 0..50_000 {
        let text: Vec<u8> = if rng.below(2) == 0 {
            // A valid encoding, maybe damaged.
            let bytes: Vec<u8> = (0..rng.below(20)).map(|_| rng.next() as u8).collect();
            let mut t = Vec::new();
            base64::encode(&bytes, &mut t);
            assert_eq!(naive_decode(&t).as_deref(), Some(&bytes[..]));
            if rng.below(2) == 0 && !t.is_empty() {
                let at = rng.below(t.len());
                t[at] = rng.pick(alphabet);
            }
            t
        } else {
            (0..rng.below(13)).map(|_| rng.pick(alphabet)).collect()
        };
        let mut out = b"prefix".to_vec();
        let ours = base64::decode(&text, &mut out)
            .ok()
            .map(|()| out[6..].to_vec());
        assert_eq!(
            ours,
            naive_decode(&text),
            "{:?}",
            String::from_utf8_lossy(&text)
        );
        if ours.is_some() {
            ok += 1;
        } else {
            bad += 1;
        }
    }
    assert!(ok > 10_000 && bad > 10_000, "{ok} / {bad}");
}

#[test]
fn base64_agrees_with_pythons_vectors() {
    let path = format!(
        "{}/tests/data/base64-vectors.txt",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(path).unwrap();
    let mut n = 0;
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (hex, coded) = line.split_once(' ').unwrap();
        let hex = hex.trim_start_matches('-');
        let coded = coded.trim_start_matches('-');
        let bytes: Vec<u8> = (0..hex.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
            .collect();
        let mut t = Vec::new();
        base64::encode(&bytes, &mut t);
        assert_eq!(t, coded.as_bytes(), "{hex}");
        let mut back = Vec::new();
        base64::decode(coded.as_bytes(), &mut back).unwrap();
        assert_eq!(back, bytes);
        n += 1;
    }
    assert!(n >= 100, "{n} vectors");
}
