//! The official-runtime peer of lambda-zero's `examples/mi_load.rs`, for Lambda Managed
//! Instances: `lambda_runtime::run_concurrent` (feature `concurrency-tokio`), which runs
//! `AWS_LAMBDA_MAX_CONCURRENCY` tokio tasks, each with its own `GET /next` loop, on
//! `#[tokio::main]`'s multi-threaded runtime. Written the way its docs show it.
//!
//! The handler kind is the first argument, else `LZ_MI_KIND`, else `trivial`:
//!
//! - `trivial`: the `Hello World!` API Gateway answer (the event checked, not built);
//! - `cpu`: parses the API Gateway event, then its JSON `body` (`{"items":[...]}`, as
//!   `lz-emulator --json-body 4096` sends), and answers with the item count, how many
//!   are active and the sum of their prices (tens of µs of work per event);
//! - `wait`: waits 2 ms (`tokio::time::sleep`, as a call to another service would), then
//!   answers like `trivial`.

mod apigw;

use apigw::ApiGatewayResponse;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The part of an API Gateway HTTP API (v2) event the CPU-bound handler reads.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ApiGatewayRequest {
    body: Option<String>,
    #[serde(default)]
    is_base64_encoded: bool,
}

#[derive(Deserialize)]
struct Items {
    items: Vec<Item>,
}

#[derive(Deserialize)]
#[allow(dead_code)] // parsed as a handler would, not all of it is used
struct Item {
    id: u64,
    name: String,
    price: f64,
    tags: Vec<String>,
    active: bool,
}

#[derive(Serialize)]
struct Summary {
    items: usize,
    active: usize,
    total: f64,
}

async fn trivial(_event: LambdaEvent<IgnoredAny>) -> Result<ApiGatewayResponse, Error> {
    Ok(ApiGatewayResponse::ok("text/plain", "Hello World!"))
}

async fn cpu(event: LambdaEvent<ApiGatewayRequest>) -> Result<ApiGatewayResponse, Error> {
    let req = event.payload;
    if req.is_base64_encoded {
        return Err("base64 bodies are not expected here".into());
    }
    let items: Items = serde_json::from_str(req.body.as_deref().unwrap_or("{}"))?;
    let summary = Summary {
        items: items.items.len(),
        active: items.items.iter().filter(|i| i.active).count(),
        total: items.items.iter().map(|i| i.price).sum(),
    };
    Ok(ApiGatewayResponse::ok(
        "application/json",
        serde_json::to_string(&summary)?,
    ))
}

async fn wait(_event: LambdaEvent<IgnoredAny>) -> Result<ApiGatewayResponse, Error> {
    tokio::time::sleep(Duration::from_millis(2)).await;
    Ok(ApiGatewayResponse::ok("text/plain", "Hello World!"))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    let kind = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("LZ_MI_KIND").ok())
        .unwrap_or_else(|| "trivial".into());
    match kind.as_str() {
        "trivial" => lambda_runtime::run_concurrent(service_fn(trivial)).await,
        "cpu" => lambda_runtime::run_concurrent(service_fn(cpu)).await,
        "wait" => lambda_runtime::run_concurrent(service_fn(wait)).await,
        other => Err(format!("unknown handler kind {other:?} (trivial, cpu or wait)").into()),
    }
}
