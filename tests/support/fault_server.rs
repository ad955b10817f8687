//! A scripted fault server for what the emulator cannot do: resets at an
//! exact phase, a `POST` never answered, answers a byte at a time, a
//! connection held open in silence. Std only; binds `127.0.0.1:0`.
//!
//! Each accepted connection follows the next script (a list of [`Step`]s);
//! once the scripts run out, connections are closed as soon as accepted.
//! Everything stops by itself: a stalled connection ends when the client
//! closes it (or after [`HANG_GUARD`]), and dropping the server joins its
//! threads.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Longest any step waits for the client before giving up.
pub const HANG_GUARD: Duration = Duration::from_secs(30);

/// One step of a connection's script.
#[derive(Debug, Clone)]
pub enum Step {
    /// Reads one whole request (head and `Content-Length` body), records it.
    Request,
    /// Waits until request bytes have arrived, reading none of them (so a
    /// following [`Step::Reset`] finds unread data).
    AwaitRequest,
    /// Writes these bytes.
    Send(Vec<u8>),
    /// Writes these bytes one per write, this far apart.
    SendSlowly(Vec<u8>, Duration),
    /// Waits this long.
    Sleep(Duration),
    /// Closes gracefully: FIN, then reads until the client closes.
    Close,
    /// Closes with request bytes unread (waiting for some if need be), which
    /// makes Linux answer with RST: the client sees `ECONNRESET`.
    Reset,
    /// Answers nothing and holds the connection until the client closes it.
    Stall,
}

/// A request the server read.
#[derive(Debug, Clone)]
pub struct Recorded {
    /// Which accepted connection (0, 1, ...).
    pub connection: usize,
    /// `METHOD target HTTP/1.1`.
    pub line: String,
    /// The body.
    pub body: Vec<u8>,
}

impl Recorded {
    /// The request target (path).
    pub fn target(&self) -> &str {
        self.line.split(' ').nth(1).unwrap_or("")
    }
}

/// The running server.
pub struct FaultServer {
    addr: SocketAddr,
    records: Arc<Mutex<Vec<Recorded>>>,
    connections: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<Vec<JoinHandle<()>>>>,
}

impl FaultServer {
    /// Serves one script per connection, in order.
    pub fn start(scripts: Vec<Vec<Step>>) -> FaultServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        let addr = listener.local_addr().unwrap();
        let records = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let (r, c, s) = (records.clone(), connections.clone(), stop.clone());
        let accept = thread::spawn(move || {
            let mut scripts = scripts.into_iter();
            let mut handles = Vec::new();
            for stream in listener.incoming() {
                if s.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(stream) = stream else { continue };
                let id = c.fetch_add(1, Ordering::SeqCst);
                let script = scripts.next().unwrap_or_default();
                let r = r.clone();
                handles.push(thread::spawn(move || run(stream, id, script, &r)));
            }
            handles
        });
        FaultServer {
            addr,
            records,
            connections,
            stop,
            accept: Some(accept),
        }
    }

    /// `AWS_LAMBDA_RUNTIME_API` for it.
    pub fn runtime_api(&self) -> String {
        self.addr.to_string()
    }

    /// Every request read so far.
    pub fn records(&self) -> Vec<Recorded> {
        self.records.lock().unwrap().clone()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for FaultServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        let _ = TcpStream::connect(self.addr); // wakes the accept loop
        if let Some(accept) = self.accept.take() {
            for h in accept.join().unwrap_or_default() {
                let _ = h.join();
            }
        }
    }
}

fn run(mut stream: TcpStream, id: usize, script: Vec<Step>, records: &Mutex<Vec<Recorded>>) {
    let _ = stream.set_nodelay(true);
    let _ = stream.set_read_timeout(Some(HANG_GUARD));
    let mut pending = Vec::new(); // bytes read past the last request
    for step in script {
        let ok = match step {
            Step::Request => match read_request(&mut stream, &mut pending) {
                Some((line, body)) => {
                    records.lock().unwrap().push(Recorded {
                        connection: id,
                        line,
                        body,
                    });
                    true
                }
                None => false,
            },
            Step::AwaitRequest => await_bytes(&stream),
            Step::Send(bytes) => stream.write_all(&bytes).is_ok(),
            Step::SendSlowly(bytes, gap) => bytes.iter().all(|b| {
                thread::sleep(gap);
                stream.write_all(&[*b]).is_ok()
            }),
            Step::Sleep(d) => {
                thread::sleep(d);
                true
            }
            Step::Close => {
                let _ = stream.shutdown(Shutdown::Write);
                drain(&mut stream);
                return;
            }
            Step::Reset => {
                await_bytes(&stream);
                return; // dropped with unread bytes: RST
            }
            Step::Stall => {
                drain(&mut stream);
                return;
            }
        };
        if !ok {
            return;
        }
    }
    // Script done: close gracefully.
    let _ = stream.shutdown(Shutdown::Write);
    drain(&mut stream);
}

/// Blocks until at least one byte can be read (without reading it).
fn await_bytes(stream: &TcpStream) -> bool {
    matches!(stream.peek(&mut [0u8; 1]), Ok(n) if n > 0)
}

/// Reads until the client closes (or the hang guard).
fn drain(stream: &mut TcpStream) {
    let started = Instant::now();
    let mut buf = [0u8; 64 * 1024];
    while started.elapsed() < HANG_GUARD {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
    }
}

/// Reads one request: the head up to CRLF CRLF, then `Content-Length` bytes.
fn read_request(stream: &mut TcpStream, pending: &mut Vec<u8>) -> Option<(String, Vec<u8>)> {
    let mut buf = [0u8; 64 * 1024];
    let head_end = loop {
        if let Some(i) = pending.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
        }
    };
    let head = String::from_utf8_lossy(&pending[..head_end]).into_owned();
    let line = head.lines().next().unwrap_or("").to_string();
    let length: usize = head
        .lines()
        .filter_map(|l| l.split_once(':'))
        .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(0);
    while pending.len() < head_end + length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return None,
            Ok(n) => pending.extend_from_slice(&buf[..n]),
        }
    }
    let body = pending[head_end..head_end + length].to_vec();
    pending.drain(..head_end + length);
    Some((line, body))
}

/// A `/next` answer carrying an event.
pub fn event(id: &str, body: &[u8]) -> Vec<u8> {
    let mut v = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\
         Lambda-Runtime-Aws-Request-Id: {id}\r\nLambda-Runtime-Deadline-Ms: 4102444800000\r\n\
         Lambda-Runtime-Invoked-Function-Arn: arn:aws:lambda:us-east-1:1:function:f\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

/// Lambda's answer to a `POST`.
pub fn accepted() -> Vec<u8> {
    b"HTTP/1.1 202 Accepted\r\nContent-Type: application/json\r\nContent-Length: 15\r\n\r\n{\"status\":\"OK\"}".to_vec()
}

/// The `/next` answer that ends a run (the runtime exits on a 500).
pub fn drained() -> Vec<u8> {
    b"HTTP/1.1 500 Internal Server Error\r\nContent-Length: 2\r\n\r\n{}".to_vec()
}

/// Hang guard only: fails the test instead of hanging CI.
pub const PROCESS_HANG_GUARD: Duration = Duration::from_secs(30);

/// CPU time (user + system, in clock ticks) of a live process.
fn cpu_ticks(pid: u32) -> Option<u64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
    Some(fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?)
}

/// Runs the real bootstrap against `api`, with `envs` added to its
/// environment; asserts exit 1 and one `lambda-zero: fatal:` line on stderr
/// (a hang past [`PROCESS_HANG_GUARD`] fails the test); prints wall and CPU
/// time. Returns the line.
pub fn bootstrap_fails(envs: &[(&str, &str)], what: &str, api: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_bootstrap"))
        .env("AWS_LAMBDA_RUNTIME_API", api)
        .envs(envs.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn bootstrap");
    let started = Instant::now();
    let mut cpu = 0;
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > PROCESS_HANG_GUARD {
            child.kill().ok();
            panic!("{what}: bootstrap still running after {PROCESS_HANG_GUARD:?}");
        }
        cpu = cpu_ticks(child.id()).unwrap_or(cpu);
        std::thread::sleep(Duration::from_millis(5));
    }
    let wall = started.elapsed();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{what}: {stderr}");
    assert_eq!(stderr.lines().count(), 1, "{what}: one line: {stderr:?}");
    assert!(
        stderr.starts_with("lambda-zero: fatal: "),
        "{what}: {stderr}"
    );
    println!(
        "{what}: exit 1 after {:.0} ms wall, {} ms CPU: {}",
        wall.as_secs_f64() * 1e3,
        cpu * 10,
        stderr.trim_end()
    );
    stderr
}
