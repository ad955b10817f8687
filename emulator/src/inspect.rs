//! What a runtime's answers say: the error type and message of an `/error` POST, and the
//! HTTP status code of an answer to an HTTP event (API Gateway v1/v2, function URL, ALB).
//!
//! A small strict scanner over one JSON object's top-level members; nested values are skipped,
//! not built. Anything that is not a JSON object gives `None`, never a panic.

use crate::{Kind, Record};

/// The 8 NUL bytes that end the JSON prelude of a streamed HTTP answer (function URL /
/// API Gateway response streaming, `application/vnd.awslambda.http-integration-response`).
const PRELUDE_END: &[u8] = &[0; 8];

/// `(errorType, errorMessage)` of an `/error` POST: from its JSON body
/// (`{"errorType":..,"errorMessage":..}`), the type falling back to the
/// `Lambda-Runtime-Function-Error-Type` header; `None` for other records.
pub fn error_of(rec: &Record) -> Option<(String, String)> {
    if rec.kind != Kind::Error {
        return None;
    }
    let (mut ty, mut msg) = (None, None);
    for_each_member(&rec.body, |key, value| match (key, value) {
        ("errorType", Value::Str(s)) => ty = Some(s),
        ("errorMessage", Value::Str(s)) => msg = Some(s),
        _ => {}
    });
    let ty = ty
        .or_else(|| {
            rec.header("lambda-runtime-function-error-type")
                .map(str::to_string)
        })
        .unwrap_or_default();
    Some((ty, msg.unwrap_or_default()))
}

/// The `statusCode` an answer to an HTTP event carries (a top-level integer, or a string of
/// digits, in 100..=999), also inside the prelude of a streamed answer; `None` when there is
/// none (API Gateway HTTP API then infers 200 for a JSON body).
pub fn status_code_of(body: &[u8]) -> Option<u16> {
    let json = match body
        .windows(PRELUDE_END.len())
        .position(|w| w == PRELUDE_END)
    {
        Some(end) => &body[..end],
        None => body,
    };
    let mut code = None;
    for_each_member(json, |key, value| {
        if key == "statusCode" {
            code = match value {
                Value::Num(n) | Value::Str(n) => n.parse::<u16>().ok(),
                Value::Other => None,
            }
            .filter(|c| (100..=999).contains(c));
        }
    });
    code
}

enum Value {
    Str(String),
    /// A number's text.
    Num(String),
    Other,
}

/// Calls `f` for every top-level member of the JSON object `body` (whitespace around it
/// allowed); stops quietly at the first syntax error.
fn for_each_member(body: &[u8], mut f: impl FnMut(&str, Value)) {
    let mut p = Parser { b: body, i: 0 };
    p.ws();
    if !p.eat(b'{') {
        return;
    }
    p.ws();
    if p.eat(b'}') {
        return;
    }
    loop {
        p.ws();
        let Some(key) = p.string() else { return };
        p.ws();
        if !p.eat(b':') {
            return;
        }
        p.ws();
        let value = match p.peek() {
            Some(b'"') => match p.string() {
                Some(s) => Value::Str(s),
                None => return,
            },
            Some(b'-' | b'0'..=b'9') => {
                let start = p.i;
                if !p.skip_value(0) {
                    return;
                }
                Value::Num(String::from_utf8_lossy(&body[start..p.i]).into_owned())
            }
            _ => {
                if !p.skip_value(0) {
                    return;
                }
                Value::Other
            }
        };
        f(&key, value);
        p.ws();
        if p.eat(b',') {
            continue;
        }
        return;
    }
}

/// How deep nested values may go before the scanner gives up (no stack overflow on
/// `[[[[...`).
const MAX_DEPTH: usize = 128;

struct Parser<'a> {
    b: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }
    fn eat(&mut self, c: u8) -> bool {
        let hit = self.peek() == Some(c);
        self.i += usize::from(hit);
        hit
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
    }
    /// A string at the cursor, unescaped (`\uXXXX` pairs included; a lone surrogate becomes
    /// U+FFFD).
    fn string(&mut self) -> Option<String> {
        if !self.eat(b'"') {
            return None;
        }
        let mut out = Vec::new();
        loop {
            let c = self.peek()?;
            self.i += 1;
            match c {
                b'"' => return Some(String::from_utf8_lossy(&out).into_owned()),
                b'\\' => {
                    let e = self.peek()?;
                    self.i += 1;
                    let ch = match e {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xd800..0xdc00).contains(&hi)
                                && self.b.get(self.i..self.i + 2) == Some(b"\\u")
                            {
                                self.i += 2;
                                let lo = self.hex4()?;
                                0x10000 + ((hi - 0xd800) << 10) + lo.wrapping_sub(0xdc00)
                            } else {
                                hi
                            };
                            char::from_u32(code).unwrap_or('\u{fffd}')
                        }
                        _ => return None,
                    };
                    let mut utf8 = [0; 4];
                    out.extend_from_slice(ch.encode_utf8(&mut utf8).as_bytes());
                }
                c if c < 0x20 => return None,
                c => out.push(c),
            }
        }
    }
    fn hex4(&mut self) -> Option<u32> {
        let digits = std::str::from_utf8(self.b.get(self.i..self.i + 4)?).ok()?;
        let v = u32::from_str_radix(digits, 16).ok()?;
        self.i += 4;
        Some(v)
    }
    /// Skips one value of any kind; false on a syntax error.
    fn skip_value(&mut self, depth: usize) -> bool {
        if depth > MAX_DEPTH {
            return false;
        }
        self.ws();
        match self.peek() {
            Some(b'"') => self.string().is_some(),
            Some(open @ (b'{' | b'[')) => {
                self.i += 1;
                let close = if open == b'{' { b'}' } else { b']' };
                self.ws();
                if self.eat(close) {
                    return true;
                }
                loop {
                    self.ws();
                    if open == b'{' {
                        if self.string().is_none() {
                            return false;
                        }
                        self.ws();
                        if !self.eat(b':') {
                            return false;
                        }
                    }
                    if !self.skip_value(depth + 1) {
                        return false;
                    }
                    self.ws();
                    if self.eat(close) {
                        return true;
                    }
                    if !self.eat(b',') {
                        return false;
                    }
                }
            }
            Some(_) => {
                let start = self.i;
                while matches!(
                    self.peek(),
                    Some(b'a'..=b'z' | b'0'..=b'9' | b'-' | b'+' | b'.' | b'E')
                ) {
                    self.i += 1;
                }
                let word = &self.b[start..self.i];
                matches!(word, b"true" | b"false" | b"null")
                    || (word
                        .first()
                        .is_some_and(|&c| c == b'-' || c.is_ascii_digit())
                        && std::str::from_utf8(word).is_ok_and(|w| w.parse::<f64>().is_ok()))
            }
            None => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_codes() {
        let cases: &[(&[u8], Option<u16>)] = &[
            (br#"{"statusCode":200,"body":"hi"}"#, Some(200)),
            (
                br#" { "body" : {"statusCode":1}, "statusCode" : "404" } "#,
                Some(404),
            ),
            (
                br#"{"headers":{"a":[1,2,{"b":null}]},"statusCode":503}"#,
                Some(503),
            ),
            (br#"{"statusCode":2000}"#, None),
            (br#"{"statusCode":20.5}"#, None),
            (br#""Hello World!""#, None),
            (br#"{"statusCode":"#, None),
            (b"", None),
            (
                b"{\"statusCode\":302,\"cookies\":[]}\0\0\0\0\0\0\0\0streamed body",
                Some(302),
            ),
        ];
        for (body, want) in cases {
            assert_eq!(
                status_code_of(body),
                *want,
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        let deep = "[".repeat(10_000);
        assert_eq!(status_code_of(format!(r#"{{"a":{deep}"#).as_bytes()), None);
    }

    #[test]
    fn strings_unescape() {
        let mut got = Vec::new();
        for_each_member(
            br#"{"a":"x\"\\\/\n\u00e9\ud83d\ude00","b":true,"c":-1.5e3}"#,
            |k, v| {
                got.push(match v {
                    Value::Str(s) | Value::Num(s) => format!("{k}={s}"),
                    Value::Other => k.to_string(),
                })
            },
        );
        assert_eq!(got, ["a=x\"\\/\né😀", "b", "c=-1.5e3"]);
    }
}
