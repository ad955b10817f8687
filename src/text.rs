//! Bytes written or read the same way everywhere in the crate, written
//! once: the JSON string escaper (one escape table, used by every writer:
//! responses, error reports, logs, the streaming prelude), the
//! percent-encoder (request ids in paths, query strings), the hex digits,
//! the decimal parser, and the eight-bytes-at-a-time tests the escaper and
//! the JSON scanner share. A leaf: it imports nothing of the crate.

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
    digits_u64(v.iter().copied())
}

/// [`parse_u64`] of bytes as they come (the unescaped characters of a
/// JSON string, say).
pub(crate) fn digits_u64(mut bytes: impl Iterator<Item = u8>) -> Option<u64> {
    let first = bytes.next()?;
    std::iter::once(first).chain(bytes).try_fold(0u64, |n, b| {
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
    let b = s.as_bytes();
    let (mut start, mut i) = (0, 0);
    while i < b.len() {
        // Eight bytes at a time while none of them needs an escape, then
        // straight to the first one that does.
        if let Some(w) = word(b, i) {
            let m = escape_mask(w);
            if m == 0 {
                i += 8;
                continue;
            }
            i += (m.trailing_zeros() / 8) as usize;
        }
        let Some(&c) = b.get(i) else { break };
        let short = match c {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f | 0x7f => "",
            _ => {
                i += 1;
                continue;
            }
        };
        // Escapes are ASCII: every cut is at a character boundary.
        piece(s.get(start..i).unwrap_or(""));
        if short.is_empty() {
            let u = [
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX_LOWER[usize::from(c >> 4)],
                HEX_LOWER[usize::from(c & 15)],
            ];
            piece(std::str::from_utf8(&u).unwrap_or(""));
        } else {
            piece(short);
        }
        i += 1;
        start = i;
    }
    piece(s.get(start..).unwrap_or(""));
}

/// A high bit in each byte of `w` that needs an escape in a JSON string
/// (`"`, `\\`, below 0x20, DEL), and maybe in bytes above the first such:
/// the lowest set bit is exact, and the mask is zero exactly when no byte
/// needs one. [`specials`], plus DEL.
fn escape_mask(w: u64) -> u64 {
    let del = w ^ (ONES * 0x7f);
    specials::<true>(w) | (del.wrapping_sub(ONES) & !del & HIGHS)
}

// Words of eight bytes tested at once (SWAR), shared with the JSON
// scanner of `events`.

/// A one in every byte.
pub(crate) const ONES: u64 = u64::from_le_bytes([0x01; 8]);
/// The high bit of every byte.
pub(crate) const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);

/// The eight bytes at `b[i..i + 8]` as a little-endian word (byte `k` in
/// bits `8k..8k + 8`).
pub(crate) fn word(b: &[u8], i: usize) -> Option<u64> {
    let bytes: [u8; 8] = b.get(i..i + 8)?.try_into().ok()?;
    Some(u64::from_le_bytes(bytes))
}

/// Bit `k` set when byte `k` of `b[i..i + 16]` is `"`, `\\` or
/// (`CONTROL`) below 0x20: [`specials`] sixteen bytes at a time, with SSE2
/// (one load, three compares and a `pmovmskb`, against eight bit tricks a
/// word); `None` when fewer than sixteen bytes are left.
#[cfg(all(feature = "sse2", target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn specials16<const CONTROL: bool>(b: &[u8], i: usize) -> Option<u32> {
    use safe_arch::{
        bitor_m128i, cmp_eq_mask_i8_m128i, min_u8_m128i, move_mask_i8_m128i, set_splat_i8_m128i,
    };
    let v = load16(b, i)?;
    let quote = cmp_eq_mask_i8_m128i(v, set_splat_i8_m128i(b'"' as i8));
    let backslash = cmp_eq_mask_i8_m128i(v, set_splat_i8_m128i(b'\\' as i8));
    let mut m = bitor_m128i(quote, backslash);
    if CONTROL {
        // Unsigned `v <= 0x1f`, as `min(v, 0x1f) == v`.
        let low = cmp_eq_mask_i8_m128i(min_u8_m128i(v, set_splat_i8_m128i(0x1f)), v);
        m = bitor_m128i(m, low);
    }
    // The sign bits of the 16 bytes: a 16-bit mask.
    Some(move_mask_i8_m128i(m) as u32)
}

/// Bit `k` set when byte `k` of `b[i..i + 16]` is a space; `None` when
/// fewer than sixteen bytes are left. SSE2, as [`specials16`].
#[cfg(all(feature = "sse2", target_arch = "x86_64"))]
#[inline(always)]
pub(crate) fn spaces16(b: &[u8], i: usize) -> Option<u32> {
    use safe_arch::{cmp_eq_mask_i8_m128i, move_mask_i8_m128i, set_splat_i8_m128i};
    let v = load16(b, i)?;
    Some(move_mask_i8_m128i(cmp_eq_mask_i8_m128i(v, set_splat_i8_m128i(b' ' as i8))) as u32)
}

/// The sixteen bytes at `b[i..i + 16]` in an SSE2 register, or `None` when
/// fewer are left: [`word`] for [`specials16`] and [`spaces16`].
#[cfg(all(feature = "sse2", target_arch = "x86_64"))]
#[inline(always)]
fn load16(b: &[u8], i: usize) -> Option<safe_arch::m128i> {
    let bytes: &[u8; 16] = b.get(i..i + 16)?.try_into().ok()?;
    Some(safe_arch::load_unaligned_m128i(bytes))
}

/// A high bit in the byte of `w` that is `"`, `\\` or (`CONTROL`) below
/// 0x20, and maybe in bytes after it: the lowest set bit is exact.
/// `(x - 0x01…) & !x & 0x80…` flags the zero bytes of `x` and
/// `(w - 0x20…) & !w & 0x80…` the bytes below 0x20; a borrow only
/// propagates upwards from a flagged byte, so below the first one nothing
/// is flagged wrongly.
pub(crate) fn specials<const CONTROL: bool>(w: u64) -> u64 {
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    let mut m = (quote.wrapping_sub(ONES) & !quote) | (backslash.wrapping_sub(ONES) & !backslash);
    if CONTROL {
        m |= w.wrapping_sub(ONES * 0x20) & !w;
    }
    m & HIGHS
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
    fn the_word_mask_finds_exactly_the_first_byte_to_escape() {
        let bytewise = |w: u64| {
            w.to_le_bytes()
                .iter()
                .position(|&c| c == b'"' || c == b'\\' || c < 0x20 || c == 0x7f)
        };
        let first = |w: u64| {
            let m = escape_mask(w);
            (m != 0).then(|| (m.trailing_zeros() / 8) as usize)
        };
        // Every byte value at every position, among fillers that sit next
        // to the thresholds (and that borrow or not when subtracted from).
        for filler in [b'a', 0x20, 0x21, 0x23, 0x5d, 0x7e, 0x80, 0xff] {
            for at in 0..8 {
                for c in 0..=255u8 {
                    let mut b = [filler; 8];
                    b[at] = c;
                    let w = u64::from_le_bytes(b);
                    assert_eq!(first(w), bytewise(w), "{b:02x?}");
                }
            }
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..200_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            assert_eq!(first(x), bytewise(x), "{x:016x}");
        }
    }

    #[test]
    fn escapes_at_every_offset_as_byte_by_byte() {
        for len in 0..40 {
            for at in 0..len {
                for c in ['"', '\\', '\n', '\u{1}', '\u{7f}', 'é', '☃'] {
                    let mut s: String = "x".repeat(len);
                    s.replace_range(at..at + 1, &c.to_string());
                    let want: String = s
                        .chars()
                        .map(|c| match c {
                            '"' => "\\\"".to_string(),
                            '\\' => "\\\\".to_string(),
                            '\n' => "\\n".to_string(),
                            '\u{1}' => "\\u0001".to_string(),
                            '\u{7f}' => "\\u007f".to_string(),
                            c => c.to_string(),
                        })
                        .collect();
                    assert_eq!(escaped(&s), want, "{s:?}");
                }
            }
        }
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
