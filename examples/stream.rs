//! Streams a response of N MiB in 64 KiB pieces (N from an event such as
//! `{"mib":20}`, default 20): shows that a streamed payload of any size
//! runs in constant memory. `scripts/stream-memory.sh` measures it.

fn main() {
    let piece = vec![b'x'; 64 * 1024];
    lambda_zero::run_streaming(move |inv, stream| {
        let digits: String = inv
            .event_str()
            .unwrap_or("")
            .chars()
            .filter(char::is_ascii_digit)
            .collect();
        let mib: usize = digits.parse().unwrap_or(20);
        stream.http_prelude(200, &[("content-type", "application/octet-stream")], &[])?;
        for _ in 0..mib * 16 {
            stream.write_bytes(&piece)?;
        }
        Ok::<(), std::io::Error>(())
    })
}
