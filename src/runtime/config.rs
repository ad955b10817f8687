//! The environment, read once at start-up.
//!
//! `AWS_LAMBDA_RUNTIME_API` grammar accepted (see `runtime-api.md`):
//!
//! ```text
//! value     = [ "http://" ] authority [ prefix ]
//! authority = host ":" port
//! host      = reg-name / IPv4address / "[" IPv6address "]"
//! reg-name  = 1*( ALPHA / DIGIT / "-" / "." / "_" )
//! port      = 1*5DIGIT            ; 1..=65535
//! prefix    = "/" *pchar-or-slash ; appended before every endpoint path,
//!                                 ; a trailing "/" is dropped
//! ```
//!
//! Anything else (`https://`, no port, an empty value, a query string,
//! spaces) is refused with [`RuntimeError::Config`].

use crate::runtime::error::RuntimeError;
use std::env;
use std::net::{IpAddr, Ipv6Addr, SocketAddr};

/// The environment variable naming the Runtime API endpoint.
pub const RUNTIME_API_VAR: &str = "AWS_LAMBDA_RUNTIME_API";
/// `0` turns off pipelining `GET /next` behind each POST
/// ([`Runtime::set_pipelining`](crate::Runtime::set_pipelining)).
pub const PIPELINE_VAR: &str = "LAMBDA_ZERO_PIPELINE";

/// Whether to pipeline `GET /next`: unless [`PIPELINE_VAR`] is `0` (or
/// `false`, `off`, `no`).
pub fn pipelining_from_env() -> bool {
    !matches!(
        env::var(PIPELINE_VAR).as_deref().map(str::trim),
        Ok("0" | "false" | "off" | "no")
    )
}

/// Where the Runtime API is, parsed from `AWS_LAMBDA_RUNTIME_API`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Endpoint {
    /// Host as written in the `Host` header (IPv6 in brackets).
    pub host: String,
    /// TCP port.
    pub port: u16,
    /// Path prefix prepended to every endpoint path, without trailing `/`
    /// (`""` on real Lambda, `"/.rt"` under cargo-lambda).
    pub prefix: String,
}

impl Endpoint {
    /// Parses an `AWS_LAMBDA_RUNTIME_API` value (no DNS look-up).
    pub fn parse(value: &str) -> Result<Endpoint, RuntimeError> {
        let fail = |reason| RuntimeError::Config {
            var: RUNTIME_API_VAR,
            value: value.to_owned(),
            reason,
        };
        if value.is_empty() {
            return Err(fail("the value is empty"));
        }
        // scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) before "://";
        // a "://" further on (after a ':' or '/') belongs to the prefix.
        let scheme = value.find("://").map(|i| &value[..i]).filter(|s| {
            s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
                && s.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
        });
        let rest = match scheme {
            Some(s) if s.eq_ignore_ascii_case("http") => &value[s.len() + 3..],
            Some(s) if s.eq_ignore_ascii_case("https") => {
                return Err(fail(
                    "https is not supported, the Runtime API speaks plain http",
                ))
            }
            Some(_) => return Err(fail("unknown scheme, expected http:// or none")),
            None => value,
        };
        let (authority, prefix) = match rest.find('/') {
            Some(i) => rest.split_at(i),
            None => (rest, ""),
        };
        let (host, port) = if let Some(inner) = authority.strip_prefix('[') {
            let end = inner
                .find(']')
                .ok_or_else(|| fail("unclosed [ in IPv6 address"))?;
            let addr = &inner[..end];
            if addr.parse::<Ipv6Addr>().is_err() {
                return Err(fail("invalid IPv6 address"));
            }
            let port = inner[end + 1..]
                .strip_prefix(':')
                .ok_or_else(|| fail("missing :port after the IPv6 address"))?;
            (&authority[..end + 2], port)
        } else {
            let colon = authority.rfind(':').ok_or_else(|| fail("missing :port"))?;
            let host = &authority[..colon];
            let valid = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_');
            if host.is_empty() || !host.bytes().all(valid) {
                return Err(fail(
                    "invalid host, expected a name, IPv4 or [IPv6] address",
                ));
            }
            (host, &authority[colon + 1..])
        };
        let port = parse_port(port).ok_or_else(|| fail("invalid port, expected 1-65535"))?;
        // RFC 3986 pchar without percent-encoding subtleties: visible ASCII
        // minus what would end the path or break the request line.
        let path_ok = |b: u8| b.is_ascii_graphic() && !matches!(b, b'?' | b'#' | b'%');
        if !prefix.bytes().all(path_ok) {
            return Err(fail("invalid path prefix"));
        }
        let prefix = prefix.trim_end_matches('/');
        Ok(Endpoint {
            host: host.to_owned(),
            port,
            prefix: prefix.to_owned(),
        })
    }

    /// Resolves the host to socket addresses, once, at start-up (reconnects
    /// reuse the result). An IP address (`127.0.0.1`, `[::1]`: what Lambda,
    /// SAM local and cargo lambda watch set) is parsed, never looked up; a
    /// host name goes to the system resolver with the `dns` feature (on by
    /// default) and is refused with a clear error without it.
    pub fn resolve(&self) -> Result<Vec<SocketAddr>, RuntimeError> {
        let host = self.host.trim_start_matches('[').trim_end_matches(']');
        if let Ok(ip) = host.parse::<IpAddr>() {
            return Ok(vec![SocketAddr::new(ip, self.port)]);
        }
        self.look_up(host)
    }

    /// Looks a host name up with the system resolver (`getaddrinfo`).
    #[cfg(feature = "dns")]
    fn look_up(&self, host: &str) -> Result<Vec<SocketAddr>, RuntimeError> {
        use std::net::ToSocketAddrs;
        let addrs: Vec<SocketAddr> = match (host, self.port).to_socket_addrs() {
            Ok(it) => it.collect(),
            Err(_) => Vec::new(),
        };
        if addrs.is_empty() {
            return Err(self.unresolved("the host does not resolve"));
        }
        Ok(addrs)
    }

    /// Without the `dns` feature there is no resolver in the binary (the
    /// default `bootstrap` is built so: musl's resolver is a fifth of it).
    #[cfg(not(feature = "dns"))]
    fn look_up(&self, _host: &str) -> Result<Vec<SocketAddr>, RuntimeError> {
        Err(self.no_resolver())
    }

    /// The error for a host name in a build without the `dns` feature
    /// (compiled in every build, so the unit tests, which always have the
    /// feature, check its line).
    #[cfg_attr(feature = "dns", allow(dead_code))]
    fn no_resolver(&self) -> RuntimeError {
        self.unresolved(NO_DNS)
    }

    fn unresolved(&self, reason: &'static str) -> RuntimeError {
        let mut value = String::with_capacity(self.host.len() + 6);
        value.push_str(&self.host);
        value.push(':');
        value.push_str(itoa::Buffer::new().format(self.port));
        RuntimeError::Config {
            var: RUNTIME_API_VAR,
            value,
            reason,
        }
    }
}

/// Why a host name is refused by a build without the `dns` feature.
const NO_DNS: &str =
    "a host name needs lambda-zero's `dns` feature, this build has none: use an IP address";

fn parse_port(s: &str) -> Option<u16> {
    if s.is_empty() || s.len() > 5 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse::<u16>().ok().filter(|&p| p != 0)
}

/// The function's configuration, read from the environment once at start-up;
/// available to handlers as [`Context::env_config`](crate::Context::env_config).
///
/// Field names follow the official `lambda_runtime::Config`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Config {
    /// `AWS_LAMBDA_FUNCTION_NAME`.
    pub function_name: String,
    /// `AWS_LAMBDA_FUNCTION_MEMORY_SIZE`, in MB (0 when absent).
    pub memory: u32,
    /// `AWS_LAMBDA_FUNCTION_VERSION`.
    pub version: String,
    /// `AWS_LAMBDA_LOG_STREAM_NAME`.
    pub log_stream: String,
    /// `AWS_LAMBDA_LOG_GROUP_NAME`.
    pub log_group: String,
}

impl Config {
    /// Reads the function's configuration from the environment. Missing
    /// variables are left empty: only `AWS_LAMBDA_RUNTIME_API` is required,
    /// and the endpoint is read from that.
    pub fn from_env() -> Config {
        let var = |name| env::var(name).unwrap_or_default();
        Config {
            function_name: var("AWS_LAMBDA_FUNCTION_NAME"),
            memory: var("AWS_LAMBDA_FUNCTION_MEMORY_SIZE").parse().unwrap_or(0),
            version: var("AWS_LAMBDA_FUNCTION_VERSION"),
            log_stream: var("AWS_LAMBDA_LOG_STREAM_NAME"),
            log_group: var("AWS_LAMBDA_LOG_GROUP_NAME"),
        }
    }
}

/// The environment variable giving how many invocations one process may
/// serve at once (Lambda Managed Instances).
pub const MAX_CONCURRENCY_VAR: &str = "AWS_LAMBDA_MAX_CONCURRENCY";
/// The largest `AWS_LAMBDA_MAX_CONCURRENCY` accepted (each worker is a
/// thread with its own connection and buffers).
pub const MAX_CONCURRENCY_LIMIT: usize = 1024;

/// Parses an `AWS_LAMBDA_MAX_CONCURRENCY` value: `None` (absent) is 1,
/// otherwise a decimal number from 1 to [`MAX_CONCURRENCY_LIMIT`].
pub fn parse_max_concurrency(value: Option<&str>) -> Result<usize, RuntimeError> {
    let Some(value) = value else { return Ok(1) };
    let fail = |reason| RuntimeError::Config {
        var: MAX_CONCURRENCY_VAR,
        value: value.to_owned(),
        reason,
    };
    if value.is_empty() || !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail("expected a whole number from 1 to 1024"));
    }
    match value.parse::<usize>() {
        Ok(n) if (1..=MAX_CONCURRENCY_LIMIT).contains(&n) => Ok(n),
        _ => Err(fail("expected a whole number from 1 to 1024")),
    }
}

/// Reads `AWS_LAMBDA_MAX_CONCURRENCY` (see [`parse_max_concurrency`]).
pub fn max_concurrency_from_env() -> Result<usize, RuntimeError> {
    match env::var(MAX_CONCURRENCY_VAR) {
        Ok(v) => parse_max_concurrency(Some(&v)),
        Err(env::VarError::NotPresent) => Ok(1),
        Err(env::VarError::NotUnicode(_)) => parse_max_concurrency(Some("")),
    }
}

/// Reads and parses `AWS_LAMBDA_RUNTIME_API`.
pub fn endpoint_from_env() -> Result<Endpoint, RuntimeError> {
    match env::var(RUNTIME_API_VAR) {
        Ok(v) => Endpoint::parse(&v),
        Err(env::VarError::NotPresent) => Err(RuntimeError::Config {
            var: RUNTIME_API_VAR,
            value: String::new(),
            reason: "the variable is not set (is this running outside Lambda?)",
        }),
        Err(env::VarError::NotUnicode(_)) => Err(RuntimeError::Config {
            var: RUNTIME_API_VAR,
            value: String::new(),
            reason: "the value is not valid UTF-8",
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(value: &str, host: &str, port: u16, prefix: &str) {
        let e = Endpoint::parse(value).unwrap_or_else(|e| panic!("{value:?}: {e}"));
        assert_eq!(
            e,
            Endpoint {
                host: host.into(),
                port,
                prefix: prefix.into()
            },
            "{value:?}"
        );
    }

    #[test]
    fn accepts_every_documented_form() {
        ok("127.0.0.1:9001", "127.0.0.1", 9001, "");
        ok("localhost:9001", "localhost", 9001, "");
        ok("[::1]:9001", "[::1]", 9001, "");
        ok("http://127.0.0.1:9000/.rt", "127.0.0.1", 9000, "/.rt");
        ok("HTTP://127.0.0.1:9000/.rt/", "127.0.0.1", 9000, "/.rt");
        ok("[::1]:8080/.rt", "[::1]", 8080, "/.rt");
        ok("http://[::1]:1", "[::1]", 1, "");
        ok("localhost:65535/a/b", "localhost", 65535, "/a/b");
        ok("http://127.0.0.1:9000/", "127.0.0.1", 9000, "");
        ok("my-host.internal:9001", "my-host.internal", 9001, "");
        ok("127.0.0.1:9001/a://b", "127.0.0.1", 9001, "/a://b");
        ok("http://127.0.0.1:9001/x://y", "127.0.0.1", 9001, "/x://y");
    }

    #[test]
    fn refuses_everything_else_with_a_reason() {
        for bad in [
            "",
            "https://127.0.0.1:9001",
            "ftp://127.0.0.1:9001",
            "127.0.0.1",
            "127.0.0.1:",
            "127.0.0.1:0",
            "127.0.0.1:65536",
            "127.0.0.1:99999999",
            "127.0.0.1:+80",
            ":9001",
            "http://",
            "[::1",
            "[::1]",
            "[::1]9001",
            "[zz::1]:9001",
            "host name:9001",
            "127.0.0.1:9001/a b",
            "127.0.0.1:9001/?q",
            "127.0.0.1:9001/#f",
            "garbage",
            "user@host:9001",
        ] {
            match Endpoint::parse(bad) {
                Err(RuntimeError::Config { var, value, reason }) => {
                    assert_eq!((var, value.as_str()), (RUNTIME_API_VAR, bad));
                    assert!(!reason.is_empty());
                    let line = RuntimeError::Config { var, value, reason }.to_string();
                    assert!(!line.contains('\n'), "{line}");
                }
                other => panic!("{bad:?} accepted: {other:?}"),
            }
        }
    }

    #[test]
    fn parses_max_concurrency_strictly() {
        assert_eq!(parse_max_concurrency(None).unwrap(), 1);
        assert_eq!(parse_max_concurrency(Some("1")).unwrap(), 1);
        assert_eq!(parse_max_concurrency(Some("64")).unwrap(), 64);
        assert_eq!(parse_max_concurrency(Some("1024")).unwrap(), 1024);
        for bad in [
            "",
            "0",
            "-1",
            "+4",
            " 4",
            "4 ",
            "1025",
            "99999999999999999999999",
            "four",
            "4.0",
        ] {
            let err = parse_max_concurrency(Some(bad)).unwrap_err();
            assert!(
                err.to_string()
                    .starts_with("invalid AWS_LAMBDA_MAX_CONCURRENCY"),
                "{bad:?}: {err}"
            );
        }
    }

    #[test]
    fn a_host_name_without_the_dns_feature_is_one_clear_line() {
        let e = Endpoint::parse("localhost:9001").unwrap();
        let line = e.no_resolver().to_string();
        assert_eq!(
            line,
            "invalid AWS_LAMBDA_RUNTIME_API \"localhost:9001\": a host name needs \
             lambda-zero's `dns` feature, this build has none: use an IP address"
        );
    }

    #[test]
    fn resolves_loopback_without_dns() {
        let e = Endpoint::parse("127.0.0.1:9001").unwrap();
        assert_eq!(
            e.resolve().unwrap(),
            vec!["127.0.0.1:9001".parse().unwrap()]
        );
        let e = Endpoint::parse("[::1]:9001").unwrap();
        assert_eq!(e.resolve().unwrap(), vec!["[::1]:9001".parse().unwrap()]);
    }
}
