//! An SQS batch handler that reports partial failures: each message's body
//! is an order, `{"item":"tea","qty":2}`; a message whose body is not such
//! an order is named in the `batchItemFailures` answer, so that only it
//! goes back to the queue (and, after the queue's `maxReceiveCount`, to its
//! dead-letter queue) while the rest of the batch is deleted. Turn the
//! answer on in the event source mapping: `FunctionResponseTypes:
//! [ReportBatchItemFailures]` in a SAM template. Allocates nothing per
//! invocation once its buffer has grown to the largest escaped body.
//!
//! Against the built-in emulator (both sample messages are "Test
//! message.", not orders, so both are reported):
//!
//! ```text
//! cargo build --release --example sqs_batch
//! cargo run --release -p lambda-zero-emulator -- \
//!     --bootstrap target/release/examples/sqs_batch --file tests/data/sqs-event.json
//! ```

use lambda_zero::events::json;
use lambda_zero::events::{sqs, BatchItemFailures, Error};
use lambda_zero::{Invocation, Output};

/// Largest quantity accepted.
pub const MAX_QTY: u64 = 1000;

/// The handler, with the buffer it reuses for bodies with JSON escapes.
#[derive(Debug, Default)]
pub struct SqsBatch {
    text: String,
    /// Items ordered so far, over every batch.
    pub items: u64,
}

impl SqsBatch {
    /// Processes one batch and answers with the messages that failed. A
    /// malformed event, or a record without a message id, fails the whole
    /// invocation (Lambda then retries the whole batch).
    pub fn handle(&mut self, inv: &Invocation<'_>, out: &mut Output<'_>) -> Result<(), Error> {
        let batch = sqs::Event::parse(inv.event)?;
        let mut failures = BatchItemFailures::new(out);
        for message in batch.records() {
            let message = message?;
            match order_qty(message.body_text(&mut self.text)) {
                Some(qty) => self.items += qty,
                None => {
                    failures.add(message.message_id());
                }
            }
        }
        failures.finish();
        Ok(())
    }
}

/// The quantity of a valid order (`item` a non-empty string, `qty` from 1
/// to [`MAX_QTY`]), `None` for any other body.
fn order_qty(body: &str) -> Option<u64> {
    let doc = json::parse(body.as_bytes()).ok()?;
    doc.get("item")?.as_str().filter(|item| !item.is_empty())?;
    doc.get("qty")?
        .as_u64()
        .filter(|qty| (1..=MAX_QTY).contains(qty))
}

fn main() {
    let mut handler = SqsBatch::default();
    lambda_zero::run(move |inv, out| handler.handle(inv, out))
}
