//! Standard base64 (RFC 4648 §4, `A-Z a-z 0-9 + /`, `=` padding), std only:
//! decoding for `isBase64Encoded` request bodies, encoding for binary
//! response bodies.
//!
//! Decoding is strict, as the `base64` crate's `STANDARD` engine is: the
//! length must be a multiple of 4, padding only at the end and only as
//! much as needed, no whitespace, and the unused bits of the last
//! character must be zero (so every byte string has exactly one accepted
//! encoding).
//!
//! ```
//! use lambda_zero::internals::base64;
//! let mut text = Vec::new();
//! base64::encode(b"hi!?", &mut text);
//! assert_eq!(text, b"aGkhPw==");
//! let mut bytes = Vec::new();
//! base64::decode(&text, &mut bytes).unwrap();
//! assert_eq!(bytes, b"hi!?");
//! assert!(base64::decode(b"aGkhPx==", &mut bytes).is_err()); // non-zero unused bits
//! ```

use std::fmt;

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const INVALID: u8 = 0xff;
/// Character value per byte, `INVALID` outside the alphabet.
const DECODE: [u8; 256] = {
    let mut t = [INVALID; 256];
    let mut i = 0;
    while i < 64 {
        t[ALPHABET[i] as usize] = i as u8;
        i += 1;
    }
    t
};

/// A base64 text that is not canonical standard base64.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DecodeError {
    offset: usize,
    reason: &'static str,
}

impl DecodeError {
    /// Offset of the offending character in the input.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// What was wrong.
    pub fn reason(&self) -> &'static str {
        self.reason
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid base64 at byte {}: {}", self.offset, self.reason)
    }
}

impl std::error::Error for DecodeError {}

/// Length of the encoding of `n` bytes.
pub const fn encoded_len(n: usize) -> usize {
    n.div_ceil(3) * 4
}

/// Appends the encoding of `input` to `out`.
pub fn encode(input: &[u8], out: &mut Vec<u8>) {
    out.reserve(encoded_len(input.len()));
    encode_chunks(input, |piece| out.extend_from_slice(piece));
}

/// Encodes `input` through a 1 KiB stack buffer, handing each filled piece
/// to `sink` (how a binary body goes into the send buffer without an
/// intermediate allocation).
pub(crate) fn encode_chunks(input: &[u8], mut sink: impl FnMut(&[u8])) {
    let mut buf = [0u8; 1024];
    let mut n = 0;
    let mut groups = input.chunks_exact(3);
    for g in &mut groups {
        let v = u32::from(g[0]) << 16 | u32::from(g[1]) << 8 | u32::from(g[2]);
        buf[n..n + 4].copy_from_slice(&[
            ALPHABET[(v >> 18) as usize & 63],
            ALPHABET[(v >> 12) as usize & 63],
            ALPHABET[(v >> 6) as usize & 63],
            ALPHABET[v as usize & 63],
        ]);
        n += 4;
        if n == buf.len() {
            sink(&buf);
            n = 0;
        }
    }
    let tail = match *groups.remainder() {
        [a] => {
            let v = u32::from(a) << 16;
            Some([
                ALPHABET[(v >> 18) as usize & 63],
                ALPHABET[(v >> 12) as usize & 63],
                b'=',
                b'=',
            ])
        }
        [a, b] => {
            let v = u32::from(a) << 16 | u32::from(b) << 8;
            Some([
                ALPHABET[(v >> 18) as usize & 63],
                ALPHABET[(v >> 12) as usize & 63],
                ALPHABET[(v >> 6) as usize & 63],
                b'=',
            ])
        }
        _ => None,
    };
    if let Some(t) = tail {
        if n + 4 > buf.len() {
            sink(&buf[..n]);
            n = 0;
        }
        buf[n..n + 4].copy_from_slice(&t);
        n += 4;
    }
    if n > 0 {
        sink(&buf[..n]);
    }
}

/// Appends the bytes `input` encodes to `out`. On error `out` keeps what it
/// had plus, possibly, part of the decoded bytes.
pub fn decode(input: &[u8], out: &mut Vec<u8>) -> Result<(), DecodeError> {
    let start = out.len();
    out.extend_from_slice(input);
    decode_in_place(out, start)
}

/// Decodes `buf[start..]` in place (the decoded bytes are shorter than the
/// text, so they never overtake it) and truncates `buf` after them.
pub fn decode_in_place(buf: &mut Vec<u8>, start: usize) -> Result<(), DecodeError> {
    let text_len = buf.len().saturating_sub(start);
    let err = |i: usize, reason| DecodeError { offset: i, reason };
    if text_len % 4 != 0 {
        return Err(err(text_len, "length is not a multiple of 4"));
    }
    let mut w = start;
    let mut r = start;
    while r < buf.len() {
        let quad = [buf[r], buf[r + 1], buf[r + 2], buf[r + 3]];
        let at = r - start;
        let last = r + 4 == buf.len();
        let pad = match quad {
            [_, _, b'=', b'='] if last => 2,
            [_, _, _, b'='] if last => 1,
            _ => 0,
        };
        let mut v = 0u32;
        for (k, &c) in quad[..4 - pad].iter().enumerate() {
            let d = DECODE[usize::from(c)];
            if d == INVALID {
                return Err(err(at + k, "not a base64 character"));
            }
            v |= u32::from(d) << (18 - 6 * k);
        }
        let bytes = [(v >> 16) as u8, (v >> 8) as u8, v as u8];
        let keep = 3 - pad;
        if bytes[keep..].iter().any(|&b| b != 0) {
            return Err(err(at + 3 - pad, "non-zero unused bits"));
        }
        buf[w..w + keep].copy_from_slice(&bytes[..keep]);
        w += keep;
        r += 4;
    }
    buf.truncate(w);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn enc(b: &[u8]) -> String {
        let mut v = Vec::new();
        encode(b, &mut v);
        String::from_utf8(v).unwrap()
    }

    fn dec(s: &str) -> Result<Vec<u8>, DecodeError> {
        let mut v = b"keep".to_vec();
        decode(s.as_bytes(), &mut v).map(|()| v[4..].to_vec())
    }

    #[test]
    fn rfc_4648_test_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in vectors {
            assert_eq!(enc(plain.as_bytes()), coded);
            assert_eq!(dec(coded).unwrap(), plain.as_bytes());
        }
    }

    #[test]
    fn refuses_non_canonical_text() {
        for bad in [
            "Zg", "Zg=", "Zm9", "Zh==", "Zm9=", "Z===", "====", "Zg==Zg==", "Zm 9v", "Zm9v\n",
            "Zm-v", "Zm_v", "Zg=a",
        ] {
            assert!(dec(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn encodes_across_the_stack_buffer() {
        for n in [767, 768, 769, 770, 771, 5000] {
            let data: Vec<u8> = (0..n).map(|i| (i * 7 % 256) as u8).collect();
            let text = enc(&data);
            assert_eq!(text.len(), encoded_len(n));
            assert_eq!(dec(&text).unwrap(), data);
        }
    }
}
