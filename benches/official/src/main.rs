//! The official-runtime peer of lambda-zero's default `bootstrap`: answers
//! every event with the same API Gateway proxy response (`200`,
//! `text/plain`, `Hello World!`), byte for byte.
//!
//! Written as the `lambda_runtime` README and examples show it
//! (`#[tokio::main]`, `service_fn`, `lambda_runtime::run`), with the
//! cheapest event type the runtime allows (`IgnoredAny`: the JSON is
//! checked but no value is built), so the comparison measures the runtime,
//! not the handler.

use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::de::IgnoredAny;
use serde::Serialize;

#[derive(Serialize)]
struct Headers {
    #[serde(rename = "content-type")]
    content_type: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ApiGatewayResponse {
    status_code: u16,
    headers: Headers,
    body: &'static str,
    is_base64_encoded: bool,
}

async fn handler(_event: LambdaEvent<IgnoredAny>) -> Result<ApiGatewayResponse, Error> {
    Ok(ApiGatewayResponse {
        status_code: 200,
        headers: Headers {
            content_type: "text/plain",
        },
        body: "Hello World!",
        is_base64_encoded: false,
    })
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
