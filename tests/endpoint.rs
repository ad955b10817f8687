//! `Endpoint::resolve`: an IP address in `AWS_LAMBDA_RUNTIME_API` (what
//! Lambda, SAM local and cargo lambda watch set) is parsed, never looked up;
//! a host name needs the `dns` feature (on by default; the deployed
//! `bootstrap` of scripts/build.sh is built without it, and its one-line
//! refusal is checked by the unit tests of `runtime::config`: this crate's
//! dev-dependency on itself always turns the default features on here).

use lambda_zero::internals::Endpoint;
use lambda_zero::RuntimeError;
use std::net::SocketAddr;

#[test]
fn an_ip_address_is_parsed_not_looked_up() {
    for (api, want) in [
        ("127.0.0.1:9001", "127.0.0.1:9001"),
        ("http://127.0.0.1:9000/.rt", "127.0.0.1:9000"),
        ("[::1]:9001", "[::1]:9001"),
        ("10.1.2.3:65535/x", "10.1.2.3:65535"),
        ("[fe80::1]:1", "[fe80::1]:1"),
    ] {
        let endpoint = Endpoint::parse(api).unwrap();
        let want: SocketAddr = want.parse().unwrap();
        assert_eq!(endpoint.resolve().unwrap(), vec![want], "{api}");
    }
}

#[cfg(feature = "dns")]
#[test]
fn a_host_name_goes_to_the_resolver_with_the_dns_feature() {
    // localhost comes from /etc/hosts: no network needed.
    let addrs = Endpoint::parse("localhost:9001")
        .unwrap()
        .resolve()
        .unwrap();
    assert!(!addrs.is_empty());
    assert!(addrs
        .iter()
        .all(|a| a.ip().is_loopback() && a.port() == 9001));
    // A name that cannot resolve (RFC 6761 .invalid): one clear line.
    let err = Endpoint::parse("no-such-host.invalid:9001")
        .unwrap()
        .resolve()
        .unwrap_err();
    let line = err.to_string();
    assert!(matches!(err, RuntimeError::Config { .. }), "{line}");
    assert!(line.contains("\"no-such-host.invalid:9001\""), "{line}");
    assert!(!line.contains('\n'), "{line}");
}
