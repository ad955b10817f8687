//! Borrowed views of one invocation: its [`Context`] (the `/next` answer's
//! headers) and its event bytes, both pointing into the connection's
//! receive buffer. Nothing is copied or allocated to build them.

use crate::client::Message;
use crate::runtime::config::Config;
use crate::text::parse_u64;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Header names of the `/next` answer (matched case-insensitively).
pub(crate) mod header {
    pub const REQUEST_ID: &str = "Lambda-Runtime-Aws-Request-Id";
    pub const DEADLINE_MS: &str = "Lambda-Runtime-Deadline-Ms";
    pub const FUNCTION_ARN: &str = "Lambda-Runtime-Invoked-Function-Arn";
    pub const TRACE_ID: &str = "Lambda-Runtime-Trace-Id";
    pub const CLIENT_CONTEXT: &str = "Lambda-Runtime-Client-Context";
    pub const COGNITO_IDENTITY: &str = "Lambda-Runtime-Cognito-Identity";
    pub const TENANT_ID: &str = "Lambda-Runtime-Aws-Tenant-Id";
    pub const INVOCATION_ID: &str = "Lambda-Runtime-Invocation-Id";
}

static EMPTY_CONFIG: Config = Config {
    function_name: String::new(),
    memory: 0,
    version: String::new(),
    log_stream: String::new(),
    log_group: String::new(),
};

/// What Lambda says about one invocation, borrowed from the `/next` answer.
///
/// Field names follow the official `lambda_runtime::Context`; the JSON
/// fields (`client_context`, `identity`) are handed over raw, unparsed.
/// To build one in a test, name the fields you need and take the rest from
/// `..Context::default()` (new fields may be added in minor versions).
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// `Lambda-Runtime-Aws-Request-Id`: the invocation's id.
    pub request_id: &'a str,
    /// `Lambda-Runtime-Deadline-Ms`: the deadline in milliseconds since the
    /// Unix epoch (0 when absent or not a number). Emulators may send odd
    /// values (cargo-lambda sends `600000`): do not assume it is ahead.
    pub deadline: u64,
    /// `Lambda-Runtime-Invoked-Function-Arn` (may carry a version or alias).
    pub invoked_function_arn: &'a str,
    /// `Lambda-Runtime-Trace-Id`: the X-Ray trace header.
    pub xray_trace_id: Option<&'a str>,
    /// `Lambda-Runtime-Client-Context`: mobile SDK client context, raw JSON.
    pub client_context: Option<&'a str>,
    /// `Lambda-Runtime-Cognito-Identity`: Cognito identity, raw JSON.
    pub identity: Option<&'a str>,
    /// `Lambda-Runtime-Aws-Tenant-Id`: tenant of a tenant-isolated function.
    pub tenant_id: Option<&'a str>,
    /// `Lambda-Runtime-Invocation-Id`: id of this invocation attempt (sent
    /// by Lambda since mid-2026; the runtime echoes it on the answer).
    pub invocation_id: Option<&'a str>,
    /// The function's configuration from the environment.
    pub env_config: &'a Config,
}

impl Default for Context<'_> {
    fn default() -> Self {
        Context {
            request_id: "",
            deadline: 0,
            invoked_function_arn: "",
            xray_trace_id: None,
            client_context: None,
            identity: None,
            tenant_id: None,
            invocation_id: None,
            env_config: &EMPTY_CONFIG,
        }
    }
}

/// The Lambda headers of one `/next` answer, found in one pass over its
/// head: for each name in [`LAMBDA_HEADERS`], the index of its field.
///
/// The rule for a duplicated Lambda header, whichever it is: the
/// invocation is refused (two deadlines or two request ids leave no way to
/// tell which one Lambda meant, and the `Context` and the echoed ids must
/// never disagree).
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LambdaHeaders {
    at: [Option<u32>; LAMBDA_HEADERS.len()],
}

/// The `/next` headers the runtime reads, in [`Lambda`] order.
pub(crate) const LAMBDA_HEADERS: [&str; 8] = [
    header::REQUEST_ID,
    header::DEADLINE_MS,
    header::FUNCTION_ARN,
    header::TRACE_ID,
    header::CLIENT_CONTEXT,
    header::COGNITO_IDENTITY,
    header::TENANT_ID,
    header::INVOCATION_ID,
];

/// Indices into [`LAMBDA_HEADERS`].
#[derive(Debug, Clone, Copy)]
pub(crate) enum Lambda {
    RequestId,
    DeadlineMs,
    FunctionArn,
    TraceId,
    ClientContext,
    CognitoIdentity,
    TenantId,
    InvocationId,
}

impl LambdaHeaders {
    /// Finds the Lambda headers of `msg`; `Err` names the first one that
    /// appears twice.
    pub(crate) fn scan(msg: &Message<'_>) -> Result<Self, &'static str> {
        const PREFIX: &[u8] = b"lambda-runtime-";
        let mut found = LambdaHeaders::default();
        for (i, (name, _)) in msg.headers().enumerate() {
            if name.len() <= PREFIX.len() || !name[..PREFIX.len()].eq_ignore_ascii_case(PREFIX) {
                continue;
            }
            let Some(k) = LAMBDA_HEADERS
                .iter()
                .position(|h| name.eq_ignore_ascii_case(h.as_bytes()))
            else {
                continue;
            };
            if found.at[k].is_some() {
                return Err(LAMBDA_HEADERS[k]);
            }
            found.at[k] = Some(i as u32);
        }
        Ok(found)
    }

    /// Finds header `h` alone (for a head `scan` refused: its request id
    /// is still needed to report the refusal).
    pub(crate) fn scan_one(msg: &Message<'_>, h: Lambda) -> Self {
        let mut found = LambdaHeaders::default();
        let name = LAMBDA_HEADERS[h as usize].as_bytes();
        found.at[h as usize] = msg
            .headers()
            .position(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|i| i as u32);
        found
    }

    /// The value of header `h` in `msg` (the message `scan` read).
    pub(crate) fn get<'a>(&self, msg: &Message<'a>, h: Lambda) -> Option<&'a [u8]> {
        self.at[h as usize].map(|i| msg.field(i as usize).1)
    }
}

impl<'a> Context<'a> {
    /// Builds the context of a `/next` answer from its Lambda headers. A
    /// field that is absent or not UTF-8 is empty (`None`); the runtime has
    /// made sure the request id is there and UTF-8 before calling this.
    pub(crate) fn new(msg: &Message<'a>, found: &LambdaHeaders, env_config: &'a Config) -> Self {
        let text = |h| found.get(msg, h).and_then(|v| std::str::from_utf8(v).ok());
        Context {
            request_id: text(Lambda::RequestId).unwrap_or(""),
            deadline: found
                .get(msg, Lambda::DeadlineMs)
                .and_then(parse_u64)
                .unwrap_or(0),
            invoked_function_arn: text(Lambda::FunctionArn).unwrap_or(""),
            xray_trace_id: text(Lambda::TraceId),
            client_context: text(Lambda::ClientContext),
            identity: text(Lambda::CognitoIdentity),
            tenant_id: text(Lambda::TenantId),
            invocation_id: text(Lambda::InvocationId),
            env_config,
        }
    }

    /// The deadline as a [`SystemTime`].
    pub fn deadline(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_millis(self.deadline)
    }

    /// Time left until the deadline (zero once it has passed).
    pub fn remaining_time(&self) -> Duration {
        remaining_until(self.deadline)
    }
}

/// Time left until `deadline_ms` (milliseconds since the Unix epoch), zero
/// once it has passed.
pub(crate) fn remaining_until(deadline_ms: u64) -> Duration {
    (UNIX_EPOCH + Duration::from_millis(deadline_ms))
        .duration_since(SystemTime::now())
        .unwrap_or(Duration::ZERO)
}

/// One invocation handed to a handler: the context and the event bytes
/// (the `/next` body, de-chunked), both borrowed from the receive buffer.
#[derive(Debug, Clone, Copy)]
pub struct Invocation<'a> {
    /// What Lambda says about the invocation.
    pub context: Context<'a>,
    /// The event, as sent (usually JSON).
    pub event: &'a [u8],
}

impl<'a> Invocation<'a> {
    /// An invocation for testing handlers outside Lambda.
    ///
    /// ```
    /// use lambda_zero::{Context, Invocation};
    /// let inv = Invocation::new(Context { request_id: "r1", ..Context::default() }, b"{}");
    /// assert_eq!(inv.context.request_id, "r1");
    /// ```
    pub fn new(context: Context<'a>, event: &'a [u8]) -> Self {
        Invocation { context, event }
    }

    /// The event as text, if it is UTF-8.
    pub fn event_str(&self) -> Option<&'a str> {
        std::str::from_utf8(self.event).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remaining_time_saturates_at_zero() {
        let ctx = Context {
            deadline: 600_000,
            ..Context::default()
        };
        assert_eq!(ctx.remaining_time(), Duration::ZERO);
        let later = SystemTime::now() + Duration::from_secs(3600);
        let ms = later.duration_since(UNIX_EPOCH).unwrap().as_millis() as u64;
        let ctx = Context {
            deadline: ms,
            ..Context::default()
        };
        assert!(ctx.remaining_time() > Duration::from_secs(3000));
    }
}
