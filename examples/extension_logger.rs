//! An external extension that prints `INVOKE <request id>` for every
//! invocation and `SHUTDOWN <reason>` at shutdown, one line each, to
//! stdout (where Lambda sends it to CloudWatch Logs beside the function's
//! lines). Nothing allocated per event.
//!
//! Deploy it as `/opt/extensions/extension_logger` in a layer (Lambda
//! requires an extension to register under its file name). Against the
//! built-in emulator, beside a function:
//!
//! ```text
//! cargo build --release --example extension_logger --bin bootstrap -p lambda-zero-emulator
//! target/release/lz-extension-init --runs 1 --extension target/release/examples/extension_logger
//! ```

use lambda_zero::extension::{self, Event};
use std::convert::Infallible;

/// The extension's name: its file name in `/opt/extensions/`.
pub const NAME: &str = "extension_logger";

/// The line printed for `event`.
pub fn log(event: &Event<'_>) {
    match event {
        Event::Invoke(invoke) => println!("INVOKE {}", invoke.request_id),
        Event::Shutdown(shutdown) => println!("SHUTDOWN {}", shutdown.reason),
        _ => {}
    }
}

pub fn main() {
    extension::run(NAME, |event| {
        log(event);
        Ok::<(), Infallible>(())
    })
}
