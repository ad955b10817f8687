//! A JSON API: `POST` an order `{"item":"tea","qty":2}` and get it back
//! with `201 Created`; a body that is not JSON, or not such an order,
//! gets `400` with the reason; another method gets `405`. The body is read
//! with lambda-zero's JSON scanner: no `serde`, no allocation per request.
//!
//! Against the built-in emulator (the sample's body is not an order, so
//! every answer is the 400):
//!
//! ```text
//! cargo build --release --example json_api
//! cargo run --release -p lambda-zero-emulator -- \
//!     --bootstrap target/release/examples/json_api --file tests/data/apigw-http-v2.json
//! ```

use lambda_zero::events::json::{self, Str};
use lambda_zero::events::HttpResponse;
use lambda_zero::events::{Error, Shape};
use lambda_zero::{Invocation, Output};

/// Largest quantity accepted.
pub const MAX_QTY: u64 = 1000;

/// The handler, with the body buffer it reuses.
#[derive(Debug, Default)]
pub struct JsonApi {
    body: Vec<u8>,
}

/// A valid order, borrowed from the request body.
struct Order<'a> {
    item: Str<'a>,
    qty: u64,
}

/// Why a body is not an order.
enum Invalid {
    Json(json::Error),
    Field(&'static str),
}

fn order(body: &[u8]) -> Result<Order<'_>, Invalid> {
    let doc = json::parse(body).map_err(Invalid::Json)?;
    let item = doc
        .get("item")
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .ok_or(Invalid::Field("item must be a non-empty string"))?;
    let qty = doc
        .get("qty")
        .and_then(|v| v.as_u64())
        .filter(|q| (1..=MAX_QTY).contains(q))
        .ok_or(Invalid::Field("qty must be an integer from 1 to 1000"))?;
    Ok(Order { item, qty })
}

impl JsonApi {
    /// Answers one request.
    pub fn handle(&mut self, inv: &Invocation<'_>, out: &mut Output<'_>) -> Result<(), Error> {
        let req = inv.http()?;
        let shape = req.shape();
        if req.method() != "POST" {
            HttpResponse::new(out, shape, 405)
                .header("allow", "POST")
                .content_type("application/json")
                .body_text(r#"{"error":"use POST"}"#);
            return Ok(());
        }
        let result = match req.body(&mut self.body) {
            Ok(body) => order(body),
            Err(Error::Base64(_)) => Err(Invalid::Field("the body is not valid base64")),
            Err(e) => return Err(e),
        };
        match result {
            Ok(order) => created(out, shape, &order),
            Err(why) => bad_request(out, shape, &why),
        }
        Ok(())
    }
}

fn created(out: &mut Output<'_>, shape: Shape, order: &Order<'_>) {
    HttpResponse::new(out, shape, 201)
        .content_type("application/json")
        .body_with(|w| {
            w.text("{\"item\":");
            w.json_str(order.item);
            w.text(",\"qty\":");
            w.text(itoa::Buffer::new().format(order.qty));
            w.text("}");
        });
}

fn bad_request(out: &mut Output<'_>, shape: Shape, why: &Invalid) {
    HttpResponse::new(out, shape, 400)
        .content_type("application/json")
        .body_with(|w| {
            w.text("{\"error\":");
            // Writing into the send buffer cannot fail.
            let _ = match why {
                Invalid::Json(e) => w.json_display(e),
                Invalid::Field(reason) => w.json_display(reason),
            };
            w.text("}");
        });
}

fn main() {
    let mut api = JsonApi::default();
    lambda_zero::run(move |inv, out| api.handle(inv, out))
}
