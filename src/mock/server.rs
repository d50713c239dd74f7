//! Serving the app: in-process on its own thread and tokio runtime (`MockServer`, stopped on
//! drop), or in the foreground until Ctrl-C (`serve_blocking`, for the CLI).

use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::sync::mpsc;
use std::thread::JoinHandle;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum_server::Handle;
use axum_server::tls_rustls::RustlsConfig;
use rustls::ServerConfig;

use super::app::{app, state_with_sso};
use super::options::MockOptions;
use super::roles::{Role, role_app};
use super::state::SsoSettings;
use super::tls;

/// One bound listener and the router it serves.
struct Listener {
    listener: TcpListener,
    app: Router,
}

/// The bound listeners (one, or two when split) with everything needed to serve them.
struct Prepared {
    listeners: Vec<Listener>,
    /// The snapservice base URL (both roles' when not split).
    base_url: String,
    /// The vCenter base URL (equal to `base_url` when not split).
    vcenter_url: String,
    ca_pem: Option<String>,
    tls: Option<Arc<ServerConfig>>,
}

fn bind(addr: SocketAddr) -> anyhow::Result<(TcpListener, SocketAddr)> {
    let listener = TcpListener::bind(addr).with_context(|| format!("cannot listen on {addr}"))?;
    let local = listener
        .local_addr()
        .context("reading the listen address")?;
    Ok((listener, local))
}

impl Prepared {
    fn new(opts: MockOptions) -> anyhow::Result<Prepared> {
        let (first, addr) = bind(opts.listen)?;
        let second = if opts.split {
            let at = opts
                .vcenter_listen
                .unwrap_or_else(|| SocketAddr::new(addr.ip(), 0));
            Some(bind(at)?)
        } else {
            None
        };
        let mut ips = vec![addr.ip()];
        ips.extend(second.as_ref().map(|(_, a)| a.ip()));
        let (scheme, ca_pem, tls) = if opts.tls {
            let id = tls::self_signed_for(&ips)?;
            ("https", Some(id.cert_pem), Some(id.config))
        } else {
            ("http", None, None)
        };
        let sso = SsoSettings {
            token_lifetime: opts.token_lifetime,
            split: opts.split,
        };
        let state = state_with_sso(opts.world, &opts.defects, opts.allow_remote_control, sso);
        let base_url = format!("{scheme}://{addr}");
        let mut vcenter_url = base_url.clone();
        let listeners = match second {
            None => vec![Listener {
                listener: first,
                app: app(state),
            }],
            Some((listener, vaddr)) => {
                vcenter_url = format!("{scheme}://{vaddr}");
                vec![
                    Listener {
                        listener: first,
                        app: role_app(state.clone(), Role::Snapservice),
                    },
                    Listener {
                        listener,
                        app: role_app(state, Role::Vcenter),
                    },
                ]
            }
        };
        Ok(Prepared {
            listeners,
            base_url,
            vcenter_url,
            ca_pem,
            tls,
        })
    }

    /// Serves every listener until `handle` shuts them down. Must run inside a tokio runtime
    /// (axum-server registers the listeners with it); `ready` runs once all are registered.
    async fn serve(self, handle: Handle<SocketAddr>, ready: impl FnOnce()) -> anyhow::Result<()> {
        let mut servers = Vec::new();
        for l in self.listeners {
            let svc = l.app.into_make_service_with_connect_info::<SocketAddr>();
            let server = match &self.tls {
                Some(config) => {
                    let server = axum_server::from_tcp_rustls(
                        l.listener,
                        RustlsConfig::from_config(config.clone()),
                    )?
                    .handle(handle.clone());
                    futures_util::future::Either::Left(server.serve(svc))
                }
                None => {
                    let server = axum_server::from_tcp(l.listener)?.handle(handle.clone());
                    futures_util::future::Either::Right(server.serve(svc))
                }
            };
            servers.push(server);
        }
        ready();
        futures_util::future::try_join_all(servers).await?;
        Ok(())
    }
}

fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("snapconf-mock")
        .enable_all()
        .build()
        .context("starting the mock's runtime")
}

/// A mock running in this process. Dropping it stops it.
pub struct MockServer {
    base_url: String,
    vcenter_url: String,
    ca_pem: Option<String>,
    handle: Handle<SocketAddr>,
    thread: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Binds `opts.listen` and serves on a thread of its own; returns once it accepts
    /// connections.
    pub fn start(opts: MockOptions) -> anyhow::Result<MockServer> {
        let prepared = Prepared::new(opts)?;
        let base_url = prepared.base_url.clone();
        let vcenter_url = prepared.vcenter_url.clone();
        let ca_pem = prepared.ca_pem.clone();
        let handle: Handle<SocketAddr> = Handle::new();
        let server_handle = handle.clone();
        let (tx, rx) = mpsc::channel::<anyhow::Result<()>>();
        let thread = std::thread::Builder::new()
            .name("snapconf-mock".into())
            .spawn(move || {
                let rt = match runtime() {
                    Ok(rt) => rt,
                    Err(e) => {
                        let _ = tx.send(Err(e));
                        return;
                    }
                };
                let ready_tx = tx.clone();
                let result = rt.block_on(prepared.serve(server_handle, move || {
                    let _ = ready_tx.send(Ok(()));
                }));
                // Only reaches the starter if serving failed before it was ready.
                if let Err(e) = result {
                    let _ = tx.send(Err(e));
                }
            })
            .context("spawning the mock's thread")?;
        match rx.recv() {
            Ok(Ok(())) => Ok(MockServer {
                base_url,
                vcenter_url,
                ca_pem,
                handle,
                thread: Some(thread),
            }),
            Ok(Err(e)) => {
                let _ = thread.join();
                Err(e)
            }
            Err(_) => {
                let _ = thread.join();
                anyhow::bail!("the mock's thread ended before it was ready")
            }
        }
    }

    /// E.g. `https://127.0.0.1:41234`: both roles, or the snapservice one when split.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The vCenter role's base URL: the second listener when split, else `base_url`.
    pub fn vcenter_url(&self) -> &str {
        &self.vcenter_url
    }

    /// The self-signed certificate's PEM, for clients to pin; `None` over plain HTTP.
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    pub fn shutdown(self) {
        // Drop does the work.
    }

    fn stop(&mut self) {
        self.handle
            .graceful_shutdown(Some(Duration::from_millis(500)));
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Runs a mock in the foreground until Ctrl-C. `on_ready` gets the base URL once the mock
/// accepts connections.
pub fn serve_blocking(opts: MockOptions, on_ready: impl FnOnce(&str)) -> anyhow::Result<()> {
    serve_until(opts, on_ready, async {
        // If the signal handler cannot be installed the mock runs until killed.
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    })
}

/// Runs a mock in the foreground until `stop` completes.
fn serve_until(
    opts: MockOptions,
    on_ready: impl FnOnce(&str),
    stop: impl std::future::Future<Output = ()> + Send + 'static,
) -> anyhow::Result<()> {
    let prepared = Prepared::new(opts)?;
    let base_url = prepared.base_url.clone();
    let rt = runtime()?;
    rt.block_on(async move {
        let handle: Handle<SocketAddr> = Handle::new();
        let stopper = handle.clone();
        tokio::spawn(async move {
            stop.await;
            stopper.graceful_shutdown(Some(Duration::from_secs(1)));
        });
        prepared.serve(handle, || on_ready(&base_url)).await
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mock::testutil::default_world;

    #[test]
    fn serve_until_reports_its_url_and_stops() {
        let mut opts = MockOptions::new(default_world());
        opts.tls = false;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let (url_tx, url_rx) = mpsc::channel::<String>();
        let prober = std::thread::spawn(move || {
            let url = url_rx.recv().unwrap();
            let addr = url.trim_start_matches("http://").to_owned();
            let mut conn = std::net::TcpStream::connect(&addr).unwrap();
            use std::io::{Read, Write};
            conn.write_all(b"GET /api/session HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
                .unwrap();
            let mut reply = String::new();
            conn.read_to_string(&mut reply).unwrap();
            let _ = tx.send(());
            reply
        });
        serve_until(
            opts,
            |url| url_tx.send(url.to_owned()).unwrap(),
            async move {
                let _ = rx.await;
            },
        )
        .unwrap();
        let reply = prober.join().unwrap();
        assert!(reply.starts_with("HTTP/1.1 401"), "{reply}");
        assert!(reply.contains("UNAUTHENTICATED"));
    }
}
