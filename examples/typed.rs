//! Typed events (feature `serde`): `Invocation::json` deserializes the
//! event into any `serde` type, borrowing from the receive buffer where the
//! type allows, so the `aws_lambda_events` types the official runtime's
//! users know work unchanged. Here an SQS batch, answered with its size
//! and the ids of the messages whose body is not JSON, as a partial-batch
//! response.
//!
//! `cargo run --example typed --features serde` (under an emulator).

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use lambda_zero::{Invocation, Output};

pub fn handler(
    inv: &Invocation<'_>,
    out: &mut Output<'_>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let event: SqsEvent = inv.json()?;
    let mut answer = SqsBatchResponse::default();
    for message in &event.records {
        let body = message.body.as_deref().unwrap_or("");
        if serde_json::from_str::<serde_json::Value>(body).is_err() {
            let mut failure = BatchItemFailure::default();
            failure.item_identifier = message.message_id.clone().unwrap_or_default();
            answer.batch_item_failures.push(failure);
        }
    }
    serde_json::to_writer(out, &answer)?;
    Ok(())
}

fn main() {
    lambda_zero::run(handler)
}
