//! The default `bootstrap`: answers every event with a pre-built API Gateway
//! proxy response (`200`, `text/plain`, `Hello World!`), the seed's
//! behaviour without its bugs. The response is built once; each invocation
//! only writes the POST head and this body in one `writev`.

fn main() {
    let body = lambda_zero::response::api_gateway(200, "text/plain", "Hello World!");
    lambda_zero::run_prebuilt(&body)
}
