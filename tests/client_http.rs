//! The HTTP client against a Runtime API that writes exact bytes on a real
//! loopback socket: answers that are unusual but legal under RFC 9112, and
//! hostile ones. Each server thread writes an answer only once the request
//! heads before it have arrived (it counts them), so nothing depends on
//! timing; the client's I/O timeout is generous and never the outcome
//! under test.

use lambda_zero::internals::{Connection, HttpError, TcpConnector, Wait, MAX_HEAD_LEN};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::thread::JoinHandle;
use std::time::Duration;

/// One connection's script: its answers, each written once its request
/// head has arrived; then the server closes its side.
type Script = Vec<Vec<u8>>;

/// Serves one script per accepted connection, in order, until the client
/// has gone away from each.
fn serve(scripts: Vec<Script>) -> (SocketAddr, JoinHandle<()>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    let handle = std::thread::spawn(move || {
        for script in scripts {
            let (mut s, _) = listener.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            let mut got = Vec::new();
            for (i, answer) in script.iter().enumerate() {
                while heads(&got) <= i {
                    let mut buf = [0; 4096];
                    match s.read(&mut buf) {
                        Ok(0) | Err(_) => break,
                        Ok(n) => got.extend_from_slice(&buf[..n]),
                    }
                }
                if heads(&got) <= i {
                    break;
                }
                if s.write_all(answer).is_err() {
                    break;
                }
            }
            let _ = s.shutdown(std::net::Shutdown::Write);
            let mut buf = [0; 4096];
            while matches!(s.read(&mut buf), Ok(n) if n > 0) {}
        }
    });
    (addr, handle)
}

/// Request heads (they carry no bodies here) in `bytes`.
fn heads(bytes: &[u8]) -> usize {
    bytes.windows(4).filter(|w| w == b"\r\n\r\n").count()
}

fn client(addr: SocketAddr) -> Connection<TcpConnector> {
    Connection::new(
        TcpConnector::new(vec![addr], Duration::from_secs(30)),
        1 << 20,
    )
}

const GET: &[u8] = b"GET /2018-06-01/runtime/invocation/next HTTP/1.1\r\nHost: x\r\n\r\n";

/// One `GET` and its whole answer.
fn get(c: &mut Connection<TcpConnector>) -> Result<(), HttpError> {
    c.request(&[GET], Wait::Forever)?;
    c.read_body()
}

/// The body of the only answer of a one-connection server.
fn body_of(answer: &[u8]) -> Result<Vec<u8>, HttpError> {
    let (addr, _server) = serve(vec![vec![answer.to_vec()]]);
    let mut c = client(addr);
    get(&mut c).map(|()| c.message().body().to_vec())
}

fn shown(answer: &[u8]) -> String {
    answer.escape_ascii().to_string()
}

#[test]
fn an_endless_run_of_interim_answers_is_refused_not_read_forever() {
    // 1xx answers have no limit in RFC 9112, but a peer that sends nothing
    // else must not hold the client for ever: together with the final
    // head they are held to the head cap.
    let mut flood = Vec::new();
    while flood.len() < 64 * MAX_HEAD_LEN {
        flood.extend_from_slice(b"HTTP/1.1 100 Continue\r\n\r\n");
    }
    flood.extend_from_slice(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
    let (addr, _server) = serve(vec![vec![flood]]);
    let mut c = client(addr);
    let r = get(&mut c);
    assert!(matches!(r, Err(HttpError::HeadTooLarge)), "{r:?}");
    assert!(!c.is_open());
    // A few interim answers are skipped as before.
    let few = [
        &b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"[..],
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    ]
    .concat();
    let body = body_of(&few).unwrap_or_else(|e| panic!("{}: {e:?}", shown(&few)));
    assert_eq!(body, b"ok");
}

#[test]
fn connection_close_wins_over_keep_alive_and_the_next_request_reconnects() {
    // RFC 9112 §9.6: a client that receives "close" MUST stop sending
    // requests on that connection. §6.1: an HTTP/1.0 message with
    // Transfer-Encoding has faulty framing; close after it.
    for first in [
        &b"HTTP/1.1 200 OK\r\nConnection: close, keep-alive\r\nContent-Length: 1\r\n\r\na"[..],
        b"HTTP/1.1 200 OK\r\nConnection: close\r\nConnection: Keep-Alive\r\nContent-Length: 1\r\n\r\na",
        b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n\r\n",
    ] {
        let next: &[u8] = b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb";
        // A server that does what it said: one answer per connection.
        let (addr, server) = serve(vec![vec![first.to_vec()], vec![next.to_vec()]]);
        let mut c = client(addr);
        get(&mut c).unwrap();
        assert_eq!(c.message().body(), b"a");
        assert!(!c.is_open(), "{}: kept open", shown(first));
        get(&mut c).unwrap();
        assert_eq!(c.message().body(), b"b");
        assert!(!c.resent(), "{}: sent twice", shown(first));
        drop(c);
        server.join().unwrap();
    }
    // HTTP/1.0 keep-alive without Transfer-Encoding still persists.
    let ka: &[u8] = b"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\na";
    let (addr, _server) = serve(vec![vec![ka.to_vec(), ka.to_vec()]]);
    let mut c = client(addr);
    get(&mut c).unwrap();
    assert!(c.is_open());
    get(&mut c).unwrap();
    assert!(!c.resent());
}
