//! A router with two routes and a 404, for every HTTP event shape:
//!
//! - `GET /hello?name=Ann` → `200 text/plain` `Hello, Ann!` (`world` without a name)
//! - `GET /users/{id}`     → `200 application/json` `{"id":"…"}`
//! - anything else         → `404 application/json`, a response built once
//!   per shape at start-up and copied per invocation
//!
//! Against the built-in emulator (every event of the file is `GET /my/path`,
//! so every answer is the 404):
//!
//! ```text
//! cargo build --release --example router
//! cargo run --release -p lambda-zero-emulator -- \
//!     --bootstrap target/release/examples/router --file tests/data/alb.json
//! ```

use lambda_zero::events::{Error, Shape};
use lambda_zero::events::{HttpResponse, Prebuilt};
use lambda_zero::{Invocation, Output};

/// The handler: its pre-built 404s and the buffers it reuses.
#[derive(Debug)]
pub struct Router {
    /// One 404 per shape, in the order of [`Shape::ALL`].
    not_found: Vec<Prebuilt>,
    /// The path, when it has JSON escapes.
    path: String,
    /// The `name` parameter, when it has JSON escapes.
    name: String,
}

impl Default for Router {
    fn default() -> Self {
        let not_found = Shape::ALL
            .iter()
            .map(|&shape| {
                Prebuilt::text(shape, 404, "application/json", r#"{"error":"not found"}"#)
            })
            .collect();
        Router {
            not_found,
            path: String::new(),
            name: String::new(),
        }
    }
}

impl Router {
    /// Routes one request.
    pub fn handle(&mut self, inv: &Invocation<'_>, out: &mut Output<'_>) -> Result<(), Error> {
        let req = inv.http()?;
        let shape = req.shape();
        let path = req.path().decode(&mut self.path);
        let get = req.method() == "GET";
        if get && path == "/hello" {
            let name = match req.query("name") {
                Some(name) => name.decode(&mut self.name),
                None => "world",
            };
            HttpResponse::new(out, shape, 200)
                .content_type("text/plain")
                .body_with(|w| {
                    w.text("Hello, ");
                    w.text(name);
                    w.text("!");
                });
        } else if let Some(id) = path
            .strip_prefix("/users/")
            .filter(|id| get && !id.is_empty() && !id.contains('/'))
        {
            HttpResponse::new(out, shape, 200)
                .content_type("application/json")
                .body_with(|w| {
                    w.text("{\"id\":");
                    w.json_string(id);
                    w.text("}");
                });
        } else {
            let i = Shape::ALL.iter().position(|&s| s == shape).unwrap_or(0);
            self.not_found[i].write_to(out);
        }
        Ok(())
    }
}

fn main() {
    let mut router = Router::default();
    lambda_zero::run(move |inv, out| router.handle(inv, out))
}
