//! An S3 notification handler: for each object event it reads the bucket,
//! the key (URL-decoded: `Happy+Face%21.jpg` is `Happy Face!.jpg`), the
//! size and the event name, and answers with a summary,
//! `{"objects":[{"event":…,"bucket":…,"key":…,"size":…}],"createdBytes":…}`
//! (S3 invokes asynchronously and ignores the answer; a real function
//! would fetch or index the object here). Allocates nothing per invocation
//! once its key buffer has grown to the longest encoded key.
//!
//! Against the built-in emulator:
//!
//! ```text
//! cargo build --release --example s3
//! cargo run --release -p lambda-zero-emulator -- \
//!     --bootstrap target/release/examples/s3 --file tests/data/s3-event-encoded-key.json
//! ```

use lambda_zero::events::{s3, Error};
use lambda_zero::{Invocation, Output};

/// The handler, with the buffer it decodes keys into.
#[derive(Debug, Default)]
pub struct S3Handler {
    key: String,
}

impl S3Handler {
    /// Summarises one S3 event. A malformed event, or a key that is not
    /// valid URL encoding, fails the invocation (S3 retries it).
    pub fn handle(&mut self, inv: &Invocation<'_>, out: &mut Output<'_>) -> Result<(), Error> {
        let event = s3::Event::parse(inv.event)?;
        let mut created = 0u64;
        out.write_bytes(b"{\"objects\":[");
        for (i, record) in event.records().enumerate() {
            let record = record?;
            if i > 0 {
                out.write_bytes(b",");
            }
            out.write_bytes(b"{\"event\":\"");
            out.write_bytes(record.event_name().raw().as_bytes());
            out.write_bytes(b"\",\"bucket\":\"");
            out.write_bytes(record.bucket_name().raw().as_bytes());
            out.write_bytes(b"\",\"key\":\"");
            out.write_json_str(record.key(&mut self.key)?);
            out.write_bytes(b"\",\"size\":");
            match record.size() {
                Some(size) => {
                    out.write_bytes(itoa::Buffer::new().format(size).as_bytes());
                    if record.event_name().raw().starts_with("ObjectCreated:") {
                        created += size;
                    }
                }
                None => out.write_bytes(b"null"),
            }
            out.write_bytes(b"}");
        }
        out.write_bytes(b"],\"createdBytes\":");
        out.write_bytes(itoa::Buffer::new().format(created).as_bytes());
        out.write_bytes(b"}");
        Ok(())
    }
}

fn main() {
    let mut handler = S3Handler::default();
    lambda_zero::run(move |inv, out| handler.handle(inv, out))
}
