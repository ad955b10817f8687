//! Streams a response of N MiB in 64 KiB pieces behind an HTTP integration
//! prelude (status 200, `application/octet-stream`): shows that a streamed
//! payload of any size runs in constant memory. N is the number after the
//! first `mib` in the event, so `{"mib":20}` sent directly, `?mib=2` on a
//! function URL and a `{"mib":2}` URL body all work; 20 without one.
//! `scripts/stream-memory.sh` measures it; `scripts/cargo-lambda-e2e.sh`
//! streams it through `cargo lambda watch`'s function URL.

/// The number after the first `mib` (past `"`, `\`, `:`, `=` and spaces).
fn mib(event: &str) -> Option<usize> {
    let after = &event[event.find("mib")? + 3..];
    let digits = after.trim_start_matches(['"', '\\', ':', '=', ' ']);
    let end = digits
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(digits.len());
    digits[..end].parse().ok()
}

fn main() {
    let piece = vec![b'x'; 64 * 1024];
    lambda_zero::run_streaming(move |inv, stream| {
        let mib = mib(inv.event_str().unwrap_or("")).unwrap_or(20);
        stream.http_prelude(200, &[("content-type", "application/octet-stream")], &[])?;
        for _ in 0..mib * 16 {
            stream.write_bytes(&piece)?;
        }
        Ok::<(), std::io::Error>(())
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_size_comes_from_the_first_mib() {
        assert_eq!(super::mib(r#"{"mib":20}"#), Some(20));
        assert_eq!(
            super::mib(r#"{"rawQueryString":"mib=2","body":"x"}"#),
            Some(2)
        );
        assert_eq!(super::mib(r#"{"body":"{\"mib\": 3}"}"#), Some(3));
        assert_eq!(super::mib(r#"{"port":9000}"#), None);
    }
}
