//! The Extensions API client: every request an extension sends, over one
//! persistent connection (the crate's HTTP client, the runtime's twin).

use super::event::Event;
use super::{Error, Events};
use crate::client::{Connection, Message, TcpConnector, Wait};
use crate::runtime::config::{self, Endpoint};
use std::fmt::{self, Write as _};
use std::time::Duration;

const API: &str = "/2020-01-01/extension";
const TELEMETRY_API: &str = "/2022-07-01/telemetry";
const REGISTER: &str = "POST /extension/register";
const NEXT: &str = "GET /extension/event/next";
const INIT_ERROR: &str = "POST /extension/init/error";
const EXIT_ERROR: &str = "POST /extension/exit/error";
const SUBSCRIBE: &str = "PUT /telemetry";
/// Largest event or answer body accepted (Lambda's are a few hundred bytes).
const MAX_BODY_LEN: usize = 1024 * 1024;
/// How long the API may stay silent while an answer is due (`event/next`
/// waits forever).
const IO_TIMEOUT: Duration = Duration::from_secs(2);
/// Malformed events in a row after which the extension stops.
pub const MAX_BAD_EVENTS_IN_A_ROW: u32 = 5;
/// Longest `Lambda-Extension-Function-Error-Type` value sent.
const MAX_ERROR_TYPE_LEN: usize = 256;

/// What the registration answer said about the function.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Registration {
    /// `functionName`.
    pub function_name: String,
    /// `functionVersion`.
    pub function_version: String,
    /// `handler`.
    pub handler: String,
    /// `accountId` (sent when asked for with `Lambda-Extension-Accept-Feature`).
    pub account_id: Option<String>,
}

/// A registered extension: its identifier, the request heads built from it
/// once, and the connection to the Extensions API.
///
/// Per warm event, [`next_event`](Self::next_event) writes one pre-built
/// request, reads the answer into the reused buffer and parses it in place:
/// no allocation.
pub struct Extension {
    conn: Connection<TcpConnector>,
    /// The Extensions API's addresses, for a panic report under
    /// `panic = "abort"` (on a connection of its own).
    addrs: Vec<std::net::SocketAddr>,
    id: String,
    registration: Registration,
    /// The whole `GET /event/next` request.
    next: Vec<u8>,
    /// `Host: …\r\nLambda-Extension-Identifier: …\r\n`
    common: String,
    /// `{prefix}`
    prefix: String,
    bad_in_a_row: u32,
}

impl fmt::Debug for Extension {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Extension")
            .field("id", &self.id)
            .field("registration", &self.registration)
            .finish_non_exhaustive()
    }
}

impl Extension {
    /// Registers `name` for `events` with the Extensions API named by
    /// `AWS_LAMBDA_RUNTIME_API`. An external extension's name must be its
    /// file name in `/opt/extensions/`.
    pub fn register(name: &str, events: Events) -> Result<Extension, Error> {
        Extension::register_at(&config::endpoint_from_env()?, name, events)
    }

    /// Registers with the Extensions API at `endpoint`.
    pub fn register_at(
        endpoint: &Endpoint,
        name: &str,
        events: Events,
    ) -> Result<Extension, Error> {
        if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(Error::Api(crate::RuntimeError::Config {
                var: "Lambda-Extension-Name",
                value: name.to_owned(),
                reason: "an extension name is printable ASCII without spaces",
            }));
        }
        let addrs = endpoint.resolve()?;
        let connector = TcpConnector::new(addrs.clone(), IO_TIMEOUT);
        let mut conn = Connection::new(connector, MAX_BODY_LEN);
        let host = format!("Host: {}:{}\r\n", endpoint.host, endpoint.port);
        let body = events.json();
        let head = format!(
            "POST {}{API}/register HTTP/1.1\r\n{host}Lambda-Extension-Name: {name}\r\n\
             Lambda-Extension-Accept-Feature: accountId\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            endpoint.prefix,
            body.len()
        );
        let msg = exchange(&mut conn, &[head.as_bytes(), body.as_bytes()], REGISTER)?;
        let id = msg
            .header("Lambda-Extension-Identifier")
            .and_then(|v| std::str::from_utf8(v).ok())
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_graphic()))
            .ok_or(Error::Protocol {
                during: REGISTER,
                reason: "the answer has no usable Lambda-Extension-Identifier",
            })?
            .to_owned();
        let registration = parse_registration(msg.body()).ok_or(Error::Protocol {
            during: REGISTER,
            reason: "the answer is not a JSON object",
        })?;
        let common = format!("{host}Lambda-Extension-Identifier: {id}\r\n");
        let next = format!(
            "GET {}{API}/event/next HTTP/1.1\r\n{common}\r\n",
            endpoint.prefix
        );
        Ok(Extension {
            conn,
            addrs,
            id,
            registration,
            next: next.into_bytes(),
            common,
            prefix: endpoint.prefix.clone(),
            bad_in_a_row: 0,
        })
    }

    /// Where a panic of the handler on this thread is reported when the
    /// build aborts on panic: the addresses and the `/extension/exit/error`
    /// head up to its framing.
    pub(crate) fn panic_report(&self, error_type: &str) -> (Vec<std::net::SocketAddr>, Vec<u8>) {
        let head = format!(
            "POST {}{API}/exit/error HTTP/1.1\r\n{}Lambda-Extension-Function-Error-Type: \
             {error_type}\r\nContent-Type: application/json\r\n",
            self.prefix, self.common
        );
        (self.addrs.clone(), head.into_bytes())
    }

    /// The `Lambda-Extension-Identifier` Lambda gave this extension.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// What the registration answer said about the function.
    pub fn registration(&self) -> &Registration {
        &self.registration
    }

    /// Waits for the next event (for as long as it takes: Lambda may freeze
    /// the sandbox in between). A malformed event is logged and skipped;
    /// [`MAX_BAD_EVENTS_IN_A_ROW`] of them in a row end the extension.
    pub fn next_event(&mut self) -> Result<Event<'_>, Error> {
        loop {
            let exchanged = exchange_wait(&mut self.conn, &[&self.next], NEXT, Wait::Forever);
            let body = exchanged?.body();
            // Parsed twice on the rare bad path only, to end the borrow of
            // the buffer before looping.
            match Event::parse(body) {
                Ok(_) => break,
                Err(reason) => {
                    self.bad_in_a_row += 1;
                    if self.bad_in_a_row >= MAX_BAD_EVENTS_IN_A_ROW {
                        return Err(Error::Protocol {
                            during: NEXT,
                            reason,
                        });
                    }
                    crate::runtime::log::write(
                        crate::runtime::log::Level::Warn,
                        format_args!("lambda-zero: extension: skipped an event: {reason}"),
                    );
                }
            }
        }
        self.bad_in_a_row = 0;
        Event::parse(self.conn.message().body()).map_err(|reason| Error::Protocol {
            during: NEXT,
            reason,
        })
    }

    /// Reports an initialisation failure (`POST /extension/init/error`);
    /// Lambda then fails the init phase. Exit non-zero afterwards.
    pub fn init_error(
        &mut self,
        error_type: &str,
        message: &dyn fmt::Display,
    ) -> Result<(), Error> {
        self.report("init", INIT_ERROR, error_type, message)
    }

    /// Reports a failure before exiting (`POST /extension/exit/error`).
    /// Exit non-zero afterwards.
    pub fn exit_error(
        &mut self,
        error_type: &str,
        message: &dyn fmt::Display,
    ) -> Result<(), Error> {
        self.report("exit", EXIT_ERROR, error_type, message)
    }

    fn report(
        &mut self,
        path: &str,
        during: &'static str,
        error_type: &str,
        message: &dyn fmt::Display,
    ) -> Result<(), Error> {
        let mut text = String::new();
        let _ = write!(text, "{message}");
        let mut body = Vec::with_capacity(text.len() + error_type.len() + 32);
        body.extend_from_slice(b"{\"errorMessage\":\"");
        crate::text::escape_json(&mut body, &text);
        body.extend_from_slice(b"\",\"errorType\":\"");
        crate::text::escape_json(&mut body, error_type);
        body.extend_from_slice(b"\"}");
        let header: String = error_type
            .trim()
            .chars()
            .take(MAX_ERROR_TYPE_LEN)
            .map(|c| {
                if c == ' ' || c.is_ascii_graphic() {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        let head = format!(
            "POST {}{API}/{path}/error HTTP/1.1\r\n{}Lambda-Extension-Function-Error-Type: {header}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.prefix,
            self.common,
            body.len()
        );
        exchange(&mut self.conn, &[head.as_bytes(), &body], during).map(|_| ())
    }

    /// Subscribes to the Telemetry API (`PUT /2022-07-01/telemetry`) with
    /// this JSON body (see [`Subscription`](super::telemetry::Subscription)).
    /// Call it after registering and before the first
    /// [`next_event`](Self::next_event).
    pub fn subscribe_telemetry(&mut self, body: &[u8]) -> Result<(), Error> {
        let head = format!(
            "PUT {}{TELEMETRY_API} HTTP/1.1\r\n{}Content-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            self.prefix,
            self.common,
            body.len()
        );
        exchange(&mut self.conn, &[head.as_bytes(), body], SUBSCRIBE).map(|_| ())
    }
}

/// One request with a bounded wait, its whole answer read; non-2xx is an
/// error.
fn exchange<'c>(
    conn: &'c mut Connection<TcpConnector>,
    parts: &[&[u8]],
    during: &'static str,
) -> Result<Message<'c>, Error> {
    exchange_wait(conn, parts, during, Wait::Bounded)
}

fn exchange_wait<'c>(
    conn: &'c mut Connection<TcpConnector>,
    parts: &[&[u8]],
    during: &'static str,
    wait: Wait,
) -> Result<Message<'c>, Error> {
    let http = |source| Error::Api(crate::RuntimeError::Http { during, source });
    conn.request(parts, wait).map_err(http)?;
    conn.read_body().map_err(http)?;
    let status = conn.status();
    if !(200..300).contains(&status) {
        return Err(Error::Api(crate::RuntimeError::Status { during, status }));
    }
    Ok(conn.message())
}

fn parse_registration(body: &[u8]) -> Option<Registration> {
    let root = crate::events::json::parse(body).ok()?;
    if root.kind() != crate::events::json::Kind::Object {
        return None;
    }
    let text = |key: &str| {
        root.get(key).and_then(|v| v.as_str()).map(|s| {
            let mut scratch = String::new();
            s.decode(&mut scratch).to_owned()
        })
    };
    Some(Registration {
        function_name: text("functionName").unwrap_or_default(),
        function_version: text("functionVersion").unwrap_or_default(),
        handler: text("handler").unwrap_or_default(),
        account_id: text("accountId"),
    })
}
