//! Echo: answers every HTTP event (API Gateway REST or HTTP API, function
//! URL, ALB) with its shape, method, path, query string and body as JSON,
//! in the response shape the event asks for. Allocates nothing per
//! invocation once its two buffers have grown to the largest request.
//!
//! Against the built-in emulator:
//!
//! ```text
//! cargo build --release --example echo
//! cargo run --release -p lambda-zero-emulator -- \
//!     --bootstrap target/release/examples/echo --file tests/data/apigw-http-v2.json
//! ```

use lambda_zero::events::HttpResponse;
use lambda_zero::Error;
use lambda_zero::{Invocation, Output};

/// The handler, with the buffers it reuses for every invocation.
#[derive(Debug, Default)]
pub struct Echo {
    /// The decoded body (JSON escapes, base64).
    body: Vec<u8>,
    /// The query string, rebuilt for v1 and ALB events.
    query: String,
}

impl Echo {
    /// `{"shape":…,"method":…,"path":…,"query":…,"body":…,"bodyBytes":…}`;
    /// `body` is `null` when the body is not UTF-8. A non-HTTP or
    /// malformed event fails the invocation.
    pub fn handle(&mut self, inv: &Invocation<'_>, out: &mut Output<'_>) -> Result<(), Error> {
        let req = inv.http()?;
        let body = req.body(&mut self.body)?;
        let query = req.query_string(&mut self.query);
        HttpResponse::new(out, req.shape(), 200)
            .content_type("application/json")
            .body_with(|w| {
                w.text("{\"shape\":");
                w.json_string(req.shape().name());
                w.text(",\"method\":");
                w.json_str(req.method());
                w.text(",\"path\":");
                w.json_str(req.path());
                w.text(",\"query\":");
                w.json_string(query);
                w.text(",\"body\":");
                match std::str::from_utf8(body) {
                    Ok(text) => w.json_string(text),
                    Err(_) => w.text("null"),
                }
                w.text(",\"bodyBytes\":");
                w.text(itoa::Buffer::new().format(body.len()));
                w.text("}");
            });
        Ok(())
    }
}

fn main() {
    let mut echo = Echo::default();
    lambda_zero::run(move |inv, out| echo.handle(inv, out))
}
