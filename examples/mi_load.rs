//! The load-test handlers for Lambda Managed Instances (`AWS_LAMBDA_MAX_CONCURRENCY`
//! workers, one thread each): the same three kinds as the official peer,
//! `benches/official/src/mi.rs`, measured against it by `scripts/load.sh --mi`.
//!
//! The kind is the first argument, else `LZ_MI_KIND`, else `trivial`:
//!
//! - `trivial`: the `Hello World!` API Gateway answer, built once (`run_prebuilt`);
//! - `cpu`: parses the API Gateway event, then its JSON `body` (`{"items":[...]}`, as
//!   `lz-emulator --json-body 4096` sends), and answers with the item count, how many
//!   are active and the sum of their prices (tens of µs of work per event);
//! - `wait`: waits 2 ms (`std::thread::sleep`: a worker is a thread, so a blocking call
//!   to another service is what its users would write), then answers like `trivial`.
//!
//! ```text
//! cargo build --release --example mi_load -p lambda-zero -p lambda-zero-emulator
//! target/release/lz-emulator --bootstrap target/release/examples/mi_load \
//!     --concurrency 8 --json-body 4096 --events 20000 -- cpu
//! ```

use lambda_zero::events::json;
use lambda_zero::events::HttpResponse;
use lambda_zero::Error;
use lambda_zero::{Invocation, Output};
use std::cell::RefCell;
use std::fmt::Write as _;
use std::time::Duration;

/// The function template's allocator (`templates/function/src/main.rs`) in
/// the deployed build (static musl, `scripts/build-example.sh`), which then
/// measures what a function made from the template deploys. Without it that
/// build links zig's musl `malloc`, whose arenas (one per CPU) take spin
/// locks: 64 workers on 2 CPUs each allocating their first buffers spun for
/// whole time slices (docs/managed-instances.md). The glibc build keeps glibc's.
#[cfg(target_env = "musl")]
#[global_allocator]
static ALLOCATOR: dlmalloc::GlobalDlmalloc = dlmalloc::GlobalDlmalloc;

thread_local! {
    /// Each worker's scratch for an escaped body: grown on first use, then reused.
    static SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// What the CPU-bound handler computes from `{"items":[{"price":..,"active":..},..]}`.
#[derive(Debug, Default, PartialEq)]
struct Summary {
    items: u64,
    active: u64,
    total: f64,
}

fn summarize(doc: &[u8]) -> Result<Summary, Error> {
    let doc = json::parse(doc)?;
    let mut s = Summary::default();
    let items = doc.get("items").ok_or(Error::Field {
        record: None,
        name: "items",
        expected: "an array",
    })?;
    for item in items.elements() {
        s.items += 1;
        // One pass over the item's members (two `get`s would walk it twice);
        // the first `active` and the first `price` count, as `get` finds them.
        let (mut active, mut price) = (None, None);
        for (key, value) in item.members() {
            if active.is_none() && key == "active" {
                active = Some(value.as_bool() == Some(true));
            } else if price.is_none() && key == "price" {
                price = Some(value.as_f64().unwrap_or(0.0));
            }
        }
        s.active += u64::from(active == Some(true));
        s.total += price.unwrap_or(0.0);
    }
    Ok(s)
}

fn cpu(inv: &Invocation<'_>, out: &mut Output<'_>) -> Result<(), Error> {
    let req = inv.http()?;
    let summary = SCRATCH.with(|scratch| {
        let mut scratch = scratch.borrow_mut();
        summarize(req.body(&mut scratch)?)
    })?;
    HttpResponse::new(out, req.shape(), 200)
        .content_type("application/json")
        .body_with(|w| {
            write!(
                w,
                r#"{{"items":{},"active":{},"total":{}}}"#,
                summary.items, summary.active, summary.total
            )
        })
        .map_err(|_| Error::Field {
            record: None,
            name: "body",
            expected: "writable",
        })
}

fn main() {
    let kind = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("LZ_MI_KIND").ok())
        .unwrap_or_else(|| "trivial".into());
    let hello = lambda_zero::events::Prebuilt::text(
        lambda_zero::events::Shape::RestApi,
        200,
        "text/plain",
        "Hello World!",
    )
    .into_bytes();
    match kind.as_str() {
        "trivial" => lambda_zero::run_prebuilt(&hello),
        "cpu" => lambda_zero::run_concurrent(cpu),
        "wait" => lambda_zero::run_concurrent(|_, out| {
            std::thread::sleep(Duration::from_millis(2));
            out.write_bytes(&hello);
            Ok::<(), std::convert::Infallible>(())
        }),
        other => {
            eprintln!("mi_load: unknown handler kind {other:?} (trivial, cpu or wait)");
            std::process::exit(2)
        }
    }
}
