//! The official-crate peer of `examples/extension_logger.rs`: an external
//! extension that prints `INVOKE <request id>` for every invocation and
//! `SHUTDOWN <reason>` at shutdown, one line each, to stdout.
//!
//! Written as the `lambda-extension` README shows it (`#[tokio::main]`,
//! `service_fn`, `lambda_extension::run`), so the comparison measures the
//! client, not the handler.

use lambda_extension::{service_fn, Error, LambdaEvent, NextEvent};

async fn logger(event: LambdaEvent) -> Result<(), Error> {
    match event.next {
        NextEvent::Invoke(e) => println!("INVOKE {}", e.request_id),
        NextEvent::Shutdown(e) => println!("SHUTDOWN {}", e.shutdown_reason),
    }
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_extension::run(service_fn(logger)).await
}
