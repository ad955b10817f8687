//! The official-runtime peer of lambda-zero's default `bootstrap`: answers
//! every event with the same API Gateway proxy response (`200`,
//! `text/plain`, `Hello World!`), byte for byte.
//!
//! Written as the `lambda_runtime` README and examples show it
//! (`#[tokio::main]`, `service_fn`, `lambda_runtime::run`), with the
//! cheapest event type the runtime allows (`IgnoredAny`: the JSON is
//! checked but no value is built), so the comparison measures the runtime,
//! not the handler.

mod apigw;

use apigw::ApiGatewayResponse;
use lambda_runtime::{service_fn, Error, LambdaEvent};
use serde::de::IgnoredAny;

async fn handler(_event: LambdaEvent<IgnoredAny>) -> Result<ApiGatewayResponse, Error> {
    Ok(ApiGatewayResponse::ok("text/plain", "Hello World!"))
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(handler)).await
}
