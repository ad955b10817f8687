//! A scheduled job: invoked by an EventBridge schedule (`Schedule:
//! rate(1 hour)` or `cron(…)` in a SAM template), it checks the event is a
//! scheduled one, does its work for the scheduled time and answers with a
//! summary, `{"job":"cleanup","run":3,"scheduledTime":…,"rule":…}`. Any
//! other event fails the invocation. Allocates nothing per invocation.
//!
//! Against the built-in emulator:
//!
//! ```text
//! cargo build --release --example scheduled
//! cargo run --release -p lambda-zero-emulator -- \
//!     --bootstrap target/release/examples/scheduled --file tests/data/scheduled-event.json
//! ```

use lambda_zero::events::{eventbridge, Error};
use lambda_zero::{Invocation, Output};

/// The job's name, in its answers.
pub const JOB: &str = "cleanup";

/// The handler: counts its runs in this sandbox.
#[derive(Debug, Default)]
pub struct Scheduled {
    runs: u64,
}

impl Scheduled {
    /// Runs the job once for a scheduled event.
    pub fn handle(&mut self, inv: &Invocation<'_>, out: &mut Output<'_>) -> Result<(), Error> {
        let event = eventbridge::Event::parse(inv.event)?;
        if !event.is_scheduled() {
            return Err(Error::WrongKind("a scheduled event"));
        }
        self.runs += 1;
        // The job itself would go here, for the hour `time` names.
        out.write_bytes(b"{\"job\":\"");
        out.write_json_str(JOB);
        out.write_bytes(b"\",\"run\":");
        out.write_bytes(itoa::Buffer::new().format(self.runs).as_bytes());
        out.write_bytes(b",\"scheduledTime\":");
        write_str_or_null(out, event.time());
        out.write_bytes(b",\"rule\":");
        write_str_or_null(out, event.resources().next());
        out.write_bytes(b"}");
        Ok(())
    }
}

/// A JSON string copied as it was in the event, or `null`.
fn write_str_or_null(out: &mut Output<'_>, s: Option<lambda_zero::events::json::Str<'_>>) {
    match s {
        Some(s) => {
            out.write_bytes(b"\"");
            out.write_bytes(s.raw().as_bytes());
            out.write_bytes(b"\"");
        }
        None => out.write_bytes(b"null"),
    }
}

fn main() {
    let mut handler = Scheduled::default();
    lambda_zero::run(move |inv, out| handler.handle(inv, out))
}
