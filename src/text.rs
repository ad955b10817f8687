//! Bytes written or read the same way everywhere in the crate, written
//! once: the JSON string escaper (one escape table, used by every writer:
//! responses, error reports, logs, the streaming prelude), the
//! percent-encoder (request ids in paths, query strings), the hex digits
//! and the decimal parser. A leaf: it imports nothing of the crate.

use std::fmt;

/// Upper-case hex digits (percent-encoding, RFC 3986 §2.1 recommends them).
pub(crate) const HEX_UPPER: &[u8; 16] = b"0123456789ABCDEF";
/// Lower-case hex digits (`\u00XX` escapes, chunk sizes).
pub(crate) const HEX_LOWER: &[u8; 16] = b"0123456789abcdef";

/// The value of one hex digit.
pub(crate) fn hex_value(d: u8) -> Option<u8> {
    match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        b'A'..=b'F' => Some(d - b'A' + 10),
        _ => None,
    }
}

/// `1*DIGIT` into a u64: `None` for anything else (a sign, a space, an
/// empty value) or on overflow.
pub(crate) fn parse_u64(v: &[u8]) -> Option<u64> {
    if v.is_empty() {
        return None;
    }
    v.iter().try_fold(0u64, |n, &b| {
        if b.is_ascii_digit() {
            n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
        } else {
            None
        }
    })
}

/// Hands `s` over as the inside of a JSON string (RFC 8259 §7), in
/// pieces: runs of `s` that need no escape, and escapes (`\"`, `\\`,
/// `\n`, `\r`, `\t`, `\b`, `\f`, other control characters and DEL as
/// `\u00XX`). In pieces rather than into a buffer, so a writer can escape
/// the result a second time on the fly (a JSON body inside a JSON string).
pub(crate) fn escape_json_pieces(s: &str, mut piece: impl FnMut(&str)) {
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let short = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f | 0x7f => "",
            _ => continue,
        };
        // Escapes are ASCII: every cut is at a character boundary.
        piece(&s[start..i]);
        if short.is_empty() {
            let u = [
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX_LOWER[usize::from(b >> 4)],
                HEX_LOWER[usize::from(b & 15)],
            ];
            piece(std::str::from_utf8(&u).unwrap_or(""));
        } else {
            piece(short);
        }
        start = i + 1;
    }
    piece(&s[start..]);
}

/// Appends `s` to `out` as the inside of a JSON string.
pub(crate) fn escape_json(out: &mut Vec<u8>, s: &str) {
    escape_json_pieces(s, |p| out.extend_from_slice(p.as_bytes()));
}

/// A [`fmt::Write`] that JSON-escapes everything written through it into a
/// byte buffer: `Display` output lands inside a JSON string with no
/// intermediate `String`.
pub(crate) struct JsonEscaper<'a>(pub &'a mut Vec<u8>);

impl fmt::Write for JsonEscaper<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        escape_json(self.0, s);
        Ok(())
    }
}

/// Percent-encodes `bytes`: every byte outside RFC 3986 `unreserved`
/// (`A-Z a-z 0-9 - . _ ~`) as `%XX`, handed over one piece at a time.
pub(crate) fn percent_encode(bytes: &[u8], mut piece: impl FnMut(&[u8])) {
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            piece(&[b]);
        } else {
            piece(&[
                b'%',
                HEX_UPPER[usize::from(b >> 4)],
                HEX_UPPER[usize::from(b & 15)],
            ]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(s: &str) -> String {
        let mut v = Vec::new();
        escape_json(&mut v, s);
        String::from_utf8(v).unwrap()
    }

    #[test]
    fn escapes_what_json_requires() {
        assert_eq!(escaped("plain"), "plain");
        assert_eq!(escaped("a\"b\\c"), "a\\\"b\\\\c");
        assert_eq!(escaped("l1\nl2\r\t"), "l1\\nl2\\r\\t");
        assert_eq!(
            escaped("\u{0}\u{1f}\u{7f}\u{8}\u{c}"),
            "\\u0000\\u001f\\u007f\\b\\f"
        );
        assert_eq!(escaped("é ☃ 😀"), "é ☃ 😀");
    }

    #[test]
    fn every_character_round_trips_through_serde_json() {
        for c in (0u32..0x800).filter_map(char::from_u32) {
            let s: String = [c, 'x', c].iter().collect();
            let e = escaped(&s);
            assert!(e.bytes().all(|b| b >= 0x20 && b != 0x7f), "{e:?}");
            let back: String = serde_json::from_str(&format!("\"{e}\"")).unwrap();
            assert_eq!(back, s);
        }
    }

    #[test]
    fn percent_encodes_everything_outside_unreserved() {
        let enc = |b: &[u8]| {
            let mut v = Vec::new();
            percent_encode(b, |p| v.extend_from_slice(p));
            String::from_utf8(v).unwrap()
        };
        assert_eq!(enc(b"8476a536-e9f4-11e8"), "8476a536-e9f4-11e8");
        assert_eq!(enc(b"a b/../?#~_.-"), "a%20b%2F..%2F%3F%23~_.-");
        assert_eq!(enc("é\r\n\x00\u{7f}".as_bytes()), "%C3%A9%0D%0A%00%7F");
    }

    #[test]
    fn parses_decimals_strictly() {
        assert_eq!(parse_u64(b"1700000000000"), Some(1_700_000_000_000));
        assert_eq!(parse_u64(b"18446744073709551615"), Some(u64::MAX));
        for bad in [
            &b""[..],
            b"-1",
            b"+1",
            b"1e3",
            b" 1",
            b"18446744073709551616",
        ] {
            assert_eq!(parse_u64(bad), None, "{bad:?}");
        }
        assert_eq!(hex_value(b'f'), Some(15));
        assert_eq!(hex_value(b'G'), None);
    }
}
