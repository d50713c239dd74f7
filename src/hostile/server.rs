//! The hostile server: one listener on 127.0.0.1, its own thread and runtime, stopped on drop.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use axum_server::accept::Accept as _;
use axum_server::tls_rustls::RustlsAcceptor;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};

use super::behave::{self, Ending};
use super::mode::HostileMode;
use super::tls;
use super::wire::{Peer, Stats};

/// At most this many connections are served at once; further clients wait in the backlog.
const MAX_CONNECTIONS: usize = 64;
/// No connection lives longer than this, whatever its mode (slow-drip needs a few minutes to
/// finish its response; nothing needs more).
const MAX_CONNECTION_LIFETIME: Duration = Duration::from_secs(300);
/// Pause after a failed accept (e.g. out of file descriptors), so the loop never spins.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// A server that misbehaves in one `HostileMode`. It listens on `127.0.0.1` on a free port,
/// runs on its own thread with its own runtime (so it works from synchronous and asynchronous
/// callers alike), and stops, closing every connection, when dropped.
pub struct HostileServer {
    mode: HostileMode,
    addr: SocketAddr,
    certificate_pem: Option<String>,
    stats: Arc<Stats>,
    stop: Option<watch::Sender<bool>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl HostileServer {
    /// Binds `127.0.0.1:0` and starts serving. Returns once the listener accepts connections.
    pub fn start(mode: HostileMode) -> io::Result<HostileServer> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
        listener.set_nonblocking(true)?;
        let addr = listener.local_addr()?;
        let (acceptor, certificate_pem) = match mode.is_tls() {
            true => {
                let (a, pem) = tls::wrong_name_acceptor()?;
                (Some(a), Some(pem))
            }
            false => (None, None),
        };
        let stats = Arc::new(Stats::default());
        let (stop_tx, stop_rx) = watch::channel(false);
        let (ready_tx, ready_rx) = std::sync::mpsc::channel::<io::Result<()>>();
        let thread_stats = stats.clone();
        let thread = std::thread::Builder::new()
            .name(format!("hostile-{}", mode.name()))
            .spawn(move || {
                let rt = match tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let listener = {
                    let _in_runtime = rt.enter();
                    TcpListener::from_std(listener)
                };
                let listener = match listener {
                    Ok(l) => l,
                    Err(e) => {
                        let _ = ready_tx.send(Err(e));
                        return;
                    }
                };
                let _ = ready_tx.send(Ok(()));
                rt.block_on(accept_loop(listener, mode, acceptor, thread_stats, stop_rx));
                // Dropping the runtime here cancels every connection task and closes its socket.
            })?;
        let ready = ready_rx
            .recv()
            .unwrap_or_else(|_| Err(io::Error::other("hostile server thread ended early")));
        let server = HostileServer {
            mode,
            addr,
            certificate_pem,
            stats,
            stop: Some(stop_tx),
            thread: Some(thread),
        };
        ready.map(|()| server)
    }

    pub fn mode(&self) -> HostileMode {
        self.mode
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, or `https://...` for `bad-tls`; no trailing slash.
    pub fn base_url(&self) -> String {
        let scheme = if self.mode.is_tls() { "https" } else { "http" };
        format!("{scheme}://{}", self.addr)
    }

    /// The certificate `bad-tls` presents (PEM); `None` for plain-HTTP modes.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.certificate_pem.as_deref()
    }

    /// Connections accepted so far.
    pub fn connections(&self) -> u64 {
        self.stats.connections.load(Ordering::Relaxed)
    }

    /// Complete request heads read so far.
    pub fn requests(&self) -> u64 {
        self.stats.requests.load(Ordering::Relaxed)
    }

    /// Bytes written to clients so far (before TLS).
    pub fn bytes_sent(&self) -> u64 {
        self.stats.bytes_sent.load(Ordering::Relaxed)
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(
    listener: TcpListener,
    mode: HostileMode,
    acceptor: Option<RustlsAcceptor>,
    stats: Arc<Stats>,
    mut stop: watch::Receiver<bool>,
) {
    let slots = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => return,
            },
            _ = stop.changed() => return,
        };
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = stop.changed() => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(_) => {
                tokio::select! {
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                    _ = stop.changed() => return,
                }
            }
        };
        let acceptor = acceptor.clone();
        let stats = stats.clone();
        let mut conn_stop = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = connection(stream, mode, acceptor, stats) => {}
                _ = tokio::time::sleep(MAX_CONNECTION_LIFETIME) => {}
                _ = conn_stop.changed() => {}
            }
            drop(permit);
        });
    }
}

async fn connection(
    stream: TcpStream,
    mode: HostileMode,
    acceptor: Option<RustlsAcceptor>,
    stats: Arc<Stats>,
) {
    stats.connections.fetch_add(1, Ordering::Relaxed);
    let _ = stream.set_nodelay(true);
    match acceptor {
        None => {
            let mut peer = Peer::new(stream, stats);
            match behave::serve(mode, &mut peer).await {
                Ok(Ending::Close) => peer.close().await,
                Ok(Ending::Abort) => {
                    // SO_LINGER 0 turns the close into a RST.
                    let stream = peer.into_inner();
                    let _ = stream.set_zero_linger();
                    drop(stream);
                }
                // The client left or sent something unreadable: nothing more to say to it.
                Err(_) => {}
            }
        }
        Some(acceptor) => {
            let Ok((stream, _)) = acceptor.accept(stream, ()).await else {
                return;
            };
            let mut peer = Peer::new(stream, stats);
            if behave::serve(mode, &mut peer).await.is_ok() {
                peer.close().await;
            }
        }
    }
}
