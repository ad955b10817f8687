//! The evented server ([`Script::evented`](crate::Script::evented)): one thread serves every
//! connection over non-blocking sockets, woken by epoll (mio), as the real Runtime API is one
//! Go process whose netpoller serves every connection. Each connection is the same [`Conn`]
//! as under the threaded server (same parser, same answers, same records); what differs:
//!
//! - a read that would block ends the attempt ([`Step::Again`]) and the request is parsed
//!   again from its start once the socket is readable again (mio is edge-triggered: a
//!   connection is read until a read would block before the loop waits again);
//! - a `GET /next` with nothing to hand out parks its connection ([`Conn::parked`]) instead
//!   of waiting, and parked connections are served, in the order they parked, when replies
//!   are pushed (the [`Shared::waker`]);
//! - a closed connection drains what its peer still sends until the peer closes (the
//!   threaded server's linger, without its 1 s limit: the loop never blocks on one peer).
//!
//! Writes stay whole: a socket whose send buffer is full blocks for the rest of that answer.

use crate::{Conn, Shared, Step};
use mio::unix::SourceFd;
use mio::{Events, Interest, Poll, Token};
use std::io::{self, Read};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::os::fd::AsRawFd;
use std::sync::Arc;
use std::thread::JoinHandle;

/// The token of the [`Shared::waker`].
pub(crate) const WAKER: Token = Token(0);
const LISTENER: Token = Token(1);
/// Connection `id` has token `FIRST + id`.
const FIRST: usize = 2;

enum Slot {
    Live(Conn),
    /// Closed on our side; read and dropped until the peer closes too.
    Draining(TcpStream),
}

/// Serves until the emulator stops; returns no thread to join (the signature of the
/// threaded accept loop).
pub(crate) fn event_loop(
    mut poll: Poll,
    listener: TcpListener,
    shared: &Arc<Shared>,
) -> Vec<JoinHandle<()>> {
    let registered = listener.set_nonblocking(true).and_then(|()| {
        let fd = listener.as_raw_fd();
        poll.registry()
            .register(&mut SourceFd(&fd), LISTENER, Interest::READABLE)
    });
    if registered.is_err() {
        return Vec::new();
    }
    let mut conns: Vec<Option<Slot>> = Vec::new();
    let mut parked: Vec<usize> = Vec::new();
    // Connections that used up their turn, in turn order (each at most once).
    let mut more: Vec<usize> = Vec::new();
    let mut events = Events::with_capacity(1024);
    loop {
        let timeout = (!more.is_empty()).then_some(std::time::Duration::ZERO);
        match poll.poll(&mut events, timeout) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return Vec::new(),
        }
        let mut woken = false;
        for ev in events.iter() {
            match ev.token() {
                WAKER => woken = true,
                LISTENER => {
                    if !accept_all(&listener, shared, &poll, &mut conns, &mut more) {
                        return Vec::new();
                    }
                }
                Token(t) => {
                    let id = t - FIRST;
                    if more.contains(&id) {
                        continue; // its turn comes below
                    }
                    turn(&mut conns, id, &poll, &mut parked, &mut more);
                }
            }
        }
        for id in std::mem::take(&mut more) {
            turn(&mut conns, id, &poll, &mut parked, &mut more);
        }
        if woken {
            if shared.lock().stop {
                return Vec::new();
            }
            unpark(&mut parked, &mut conns, &poll, &mut more);
        }
    }
}

/// Gives connection `id` a turn (a draining one: reads what arrived).
fn turn(
    conns: &mut [Option<Slot>],
    id: usize,
    poll: &Poll,
    parked: &mut Vec<usize>,
    more: &mut Vec<usize>,
) {
    match conns.get_mut(id).and_then(Option::as_mut) {
        Some(Slot::Live(c)) if c.parked.is_none() => match drive(c) {
            Turn::Wait if c.parked.is_some() => parked.push(id),
            Turn::Wait => {}
            Turn::More => more.push(id),
            Turn::Done => close(conns, id, poll),
        },
        Some(Slot::Draining(s)) if drained(s) => close(conns, id, poll),
        // Parked: read once it has its reply; draining: more to read later.
        _ => {}
    }
}

/// Accepts every connection waiting; false once the emulator stops.
fn accept_all(
    listener: &TcpListener,
    shared: &Arc<Shared>,
    poll: &Poll,
    conns: &mut Vec<Option<Slot>>,
    more: &mut Vec<usize>,
) -> bool {
    loop {
        let stream = match listener.accept() {
            Ok((stream, _)) => stream,
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return true,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(_) => return true,
        };
        let mut st = shared.lock();
        if st.stop {
            return false;
        }
        let id = st.connections;
        st.connections += 1;
        let _ = stream.set_nodelay(true);
        let Ok(clone) = stream.try_clone() else {
            continue;
        };
        st.streams.insert(id, clone);
        drop(st);
        let fd = stream.as_raw_fd();
        let ready = stream.set_nonblocking(true).and_then(|()| {
            poll.registry()
                .register(&mut SourceFd(&fd), Token(FIRST + id), Interest::READABLE)
        });
        if conns.len() <= id {
            conns.resize_with(id + 1, || None);
        }
        if ready.is_err() {
            shared.lock().streams.remove(&id);
            continue;
        }
        conns[id] = Some(Slot::Live(Conn::new(Arc::clone(shared), stream, id, true)));
        // Bytes may be there already: read them after the connections already waiting.
        more.push(id);
    }
}

/// Requests a connection may have answered in one turn: a `POST .../response` and the
/// `GET /next` pipelined behind it. A runtime that answers as fast as it is served would
/// otherwise keep the loop on its connection while every other one waits.
const TURN: usize = 2;

/// What [`drive`] left a connection as.
#[derive(PartialEq)]
enum Turn {
    /// A read would block, or it parked: the poller (or a pushed reply) says when to go on.
    Wait,
    /// It used up its turn and may have more: go on after the others had theirs.
    More,
    /// It is done: close it.
    Done,
}

/// Serves up to [`TURN`] requests a connection has sent, or until a read would block or it
/// parks.
fn drive(c: &mut Conn) -> Turn {
    for _ in 0..TURN {
        match c.step() {
            Step::Go if c.parked.is_some() => return Turn::Wait,
            Step::Go => {}
            Step::Again => return Turn::Wait,
            Step::Stop => return Turn::Done,
        }
    }
    Turn::More
}

/// Hands replies to the parked connections, first parked first; a connection that got one
/// is then read on (its next request may be waiting).
fn unpark(parked: &mut Vec<usize>, conns: &mut [Option<Slot>], poll: &Poll, more: &mut Vec<usize>) {
    let waiting = std::mem::take(parked);
    for id in waiting {
        let Some(Some(Slot::Live(c))) = conns.get_mut(id) else {
            continue;
        };
        let Some(close_after) = c.parked.take() else {
            continue;
        };
        let shared = Arc::clone(&c.shared);
        let st = shared.lock();
        if !c.hand_out(&shared, st, close_after) {
            close(conns, id, poll);
        } else if c.parked.is_some() {
            parked.push(id);
        } else {
            // Its next request may be there already.
            more.push(id);
        }
    }
}

/// Ends connection `id`: its records handed on, FIN sent, then drained until the peer closes
/// (so that it gets our last answer, not a reset), unless the emulator is stopping.
fn close(conns: &mut [Option<Slot>], id: usize, poll: &Poll) {
    let Some(slot) = conns.get_mut(id) else {
        return;
    };
    match slot.take() {
        Some(Slot::Live(mut c)) => {
            c.finish();
            let _ = c.stream.shutdown(Shutdown::Write);
            if !c.shared.lock().stop && !drained(&c.stream) {
                *slot = Some(Slot::Draining(c.stream));
                return;
            }
            let _ = poll
                .registry()
                .deregister(&mut SourceFd(&c.stream.as_raw_fd()));
        }
        Some(Slot::Draining(s)) => {
            let _ = poll.registry().deregister(&mut SourceFd(&s.as_raw_fd()));
        }
        None => {}
    }
}

/// Reads and drops what the peer sent; true once it closed (or failed).
fn drained(mut s: &TcpStream) -> bool {
    let mut scratch = [0u8; 4096];
    loop {
        match s.read(&mut scratch) {
            Ok(0) => return true,
            Ok(_) => {}
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return false,
            Err(_) => return true,
        }
    }
}
