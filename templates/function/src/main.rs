//! An HTTP handler for API Gateway (HTTP or REST API), a function URL or
//! an ALB: answers every request with JSON in the response shape the event
//! asks for, e.g. `GET /anything?name=Ann` →
//! `{"hello":"Ann","method":"GET","path":"/anything","bodyBytes":0}`.
//!
//! Nothing is allocated per request once the two buffers have grown to the
//! largest request: the event is read where it was received, the answer is
//! written straight into the runtime's send buffer.

use lambda_zero::Error;
use lambda_zero::events::HttpResponse;
use lambda_zero::{Invocation, Output};

/// The handler and the buffers it reuses for every request.
#[derive(Debug, Default)]
struct Handler {
    /// The `name` query parameter, when it had to be decoded.
    name: String,
    /// The request body, when it had to be decoded (JSON escapes, base64).
    body: Vec<u8>,
}

impl Handler {
    /// One request. An event that is not an HTTP request fails the
    /// invocation (`Err`), which Lambda reports as a function error.
    fn handle(&mut self, inv: &Invocation<'_>, out: &mut Output<'_>) -> Result<(), Error> {
        let req = inv.http()?;
        let name = match req.query("name") {
            Some(name) => name.decode(&mut self.name),
            None => "world",
        };
        let body = req.body(&mut self.body)?;
        HttpResponse::new(out, req.shape(), 200)
            .content_type("application/json")
            .body_with(|w| {
                w.text("{\"hello\":");
                w.json_string(name);
                w.text(",\"method\":");
                w.json_str(req.method());
                w.text(",\"path\":");
                w.json_str(req.path());
                w.text(",\"bodyBytes\":");
                w.text(itoa::Buffer::new().format(body.len()));
                w.text("}");
            });
        Ok(())
    }
}

/// Fewer system calls and page faults at start-up than musl's `malloc`
/// (see Cargo.toml).
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

fn main() {
    let mut handler = Handler::default();
    lambda_zero::run(move |inv, out| handler.handle(inv, out))
}
