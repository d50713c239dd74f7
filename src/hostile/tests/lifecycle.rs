//! Mode names, and that a server's resources end with it: dropping a server closes its
//! connections, frees its port, and a client that never stops sending headers is cut off.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use super::support::BOUND;
use crate::hostile::behave::garbage;
use crate::hostile::{HostileMode, HostileServer};

#[test]
fn names_are_kebab_case_unique_and_parse_back() {
    let all = HostileMode::all();
    assert_eq!(all.len(), 10);
    for &m in all {
        let n = m.name();
        assert!(n.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{n}");
        assert_eq!(HostileMode::parse(n), Ok(m));
        assert_eq!(n.parse::<HostileMode>(), Ok(m));
        assert_eq!(m.to_string(), n);
        assert!(!m.description().is_empty());
        assert_eq!(all.iter().filter(|o| o.name() == n).count(), 1, "{n}");
    }
    let err = HostileMode::parse("Garbage").unwrap_err();
    assert!(err.to_string().contains("slow-drip"), "{err}");
    assert!(HostileMode::parse("").is_err());
}

#[test]
fn garbage_never_starts_like_http() {
    for seed in 0..2000 {
        let g = garbage(seed, 512);
        assert_eq!(g.len(), 512);
        assert_ne!(g[0], b'H', "seed {seed}");
    }
    assert_eq!(garbage(7, 64), garbage(7, 64), "deterministic per seed");
    assert_ne!(garbage(7, 64), garbage(8, 64));
}

/// Connects and waits until the server has accepted the connection.
fn connect(server: &HostileServer) -> TcpStream {
    let s = TcpStream::connect(server.addr()).unwrap();
    s.set_read_timeout(Some(BOUND)).unwrap();
    let started = Instant::now();
    while server.connections() == 0 {
        assert!(started.elapsed() < BOUND, "the server never accepted");
        std::thread::sleep(Duration::from_millis(5));
    }
    s
}

/// Reads until the server ends the connection; fails if it is still open after `BOUND`.
fn assert_closed_by_server(s: &mut TcpStream) {
    let mut buf = [0u8; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return,
            Ok(_) => continue,
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return,
            Err(e) => panic!("the connection was not closed: {e}"),
        }
    }
}

#[test]
fn dropping_a_silent_server_closes_its_connections_and_port() {
    let server = HostileServer::start(HostileMode::Silent).unwrap();
    let addr = server.addr();
    let mut s = connect(&server);
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let started = Instant::now();
    drop(server);
    assert!(
        started.elapsed() < BOUND,
        "drop took {:?}",
        started.elapsed()
    );
    assert_closed_by_server(&mut s);
    assert!(TcpStream::connect(addr).is_err(), "the port is closed");
}

#[test]
fn dropping_a_slow_drip_server_ends_its_response() {
    let server = HostileServer::start(HostileMode::SlowDrip).unwrap();
    let mut s = connect(&server);
    s.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").unwrap();
    let mut first = [0u8; 1];
    s.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"H");
    let started = Instant::now();
    drop(server);
    assert_closed_by_server(&mut s);
    assert!(started.elapsed() < BOUND, "{:?}", started.elapsed());
}

/// A silent server notices when its client leaves and lets the connection go.
#[test]
fn silent_connection_ends_when_the_client_leaves() {
    let server = HostileServer::start(HostileMode::Silent).unwrap();
    let s = connect(&server);
    drop(s);
    // A second client is still served (accepted) while the first is gone.
    let _second = TcpStream::connect(server.addr()).unwrap();
    let started = Instant::now();
    while server.connections() < 2 {
        assert!(started.elapsed() < BOUND);
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A request head that never ends is cut off at the head limit, not buffered forever.
#[test]
fn endless_request_head_is_cut_off() {
    let server = HostileServer::start(HostileMode::HtmlErrors).unwrap();
    let mut s = connect(&server);
    s.write_all(b"GET / HTTP/1.1\r\n").unwrap();
    let line = b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
    let mut sent = 0usize;
    // Stop writing at the first error: the server has closed (or reset) the connection.
    while sent < 1024 * 1024 && s.write_all(line).is_ok() {
        sent += line.len();
    }
    assert_closed_by_server(&mut s);
    assert_eq!(server.requests(), 0);
    assert_eq!(server.bytes_sent(), 0);
}
