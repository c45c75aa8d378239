//! The embedded echo server behind `builtin:echo`: the same server handshake, session and echo
//! behaviour as `wsdiag echo`, on an ephemeral loopback port, with its events discarded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::core::builtin::echo::{self, EchoFaults};
use crate::core::builtin::target::TargetChoice;
use crate::core::error::Error;
use crate::core::event::Discard;
use crate::core::net::listener::Accepted;
use crate::core::net::target::Target;
use crate::core::session::h2_server;
use crate::core::session::server::{self, Admitted, ServerConfig};
use crate::core::session::Clock;
use crate::core::wire::deflate::DeflateParams;
use crate::core::wire::tap::TapConfig;

/// Server options for the built-in echo server with these faults.
fn options(faults: &EchoFaults) -> ServerConfig {
    let mut opts = ServerConfig {
        tls: None,
        max_message: 64 << 20,
        handshake_timeout: Duration::from_secs(10),
        subprotocols: faults.subprotocols.clone(),
        headers: Vec::new(),
        reject: None,
        tap: TapConfig { frames: false, preview: 0 },
        no_pong: false,
        raw_handle: false,
        deflate: Some(DeflateParams::default()),
        deflate_fault: None,
        http2: true,
    };
    faults.apply(&mut opts);
    opts
}

/// A built-in echo server started for a run. Reconnects reach the same server (the same
/// port); it stops, its connections told 1001 Going Away, when this value is dropped, so it
/// lives exactly as long as the run that holds it.
#[derive(Debug)]
pub struct EchoServer {
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    accept: tokio::task::JoinHandle<()>,
}

impl Drop for EchoServer {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
        self.accept.abort();
    }
}

/// The target to connect to: the URL itself, or a freshly started built-in echo server, which
/// the caller keeps for as long as the run (every connection of the run reaches it).
pub async fn start(spec: &TargetChoice) -> Result<(Target, Option<EchoServer>), Error> {
    match spec {
        TargetChoice::Url(t) => Ok((t.clone(), None)),
        TargetChoice::BuiltinEcho(faults) => {
            let server = spawn_loopback(faults.clone()).await?;
            let target = Target {
                tls: false,
                host: server.addr.ip().to_string(),
                port: server.addr.port(),
                resource: "/".into(),
                userinfo: None,
            };
            Ok((target, Some(server)))
        }
    }
}

/// Binds 127.0.0.1 on an ephemeral port and serves in the background until the returned
/// server is dropped.
pub async fn spawn_loopback(faults: EchoFaults) -> Result<EchoServer, Error> {
    let err = |source| Error::Io { context: "cannot start the built-in echo server".into(), source };
    let listener = TcpListener::bind(("127.0.0.1", 0)).await.map_err(err)?;
    let addr = listener.local_addr().map_err(err)?;
    let opts = Arc::new(options(&faults));
    let faults = Arc::new(faults);
    let clock = Clock::new(Instant::now());
    let (stop_tx, stop) = watch::channel(false);
    let accept = tokio::spawn(async move {
        let mut conn = 0;
        while let Ok((tcp, _)) = listener.accept().await {
            conn += 1;
            let (opts, faults, stop) = (opts.clone(), faults.clone(), stop.clone());
            tokio::spawn(async move {
                match server::accept(Accepted::Tcp(tcp), conn, &opts, &clock, &mut Discard).await {
                    Ok(Admitted::Upgraded(session)) => {
                        echo::run(session, &faults, &mut Discard, stop).await;
                    }
                    // h2c with prior knowledge: every extended CONNECT stream is echoed.
                    Ok(Admitted::Http2(mut h2)) => {
                        let mut streams = tokio::task::JoinSet::new();
                        // Never idle-closed: in-process, for one client's tests.
                        let open = std::sync::atomic::AtomicUsize::new(1);
                        h2_server::drive(
                            &mut h2,
                            stop.clone(),
                            opts.handshake_timeout,
                            &open,
                            |req, respond| {
                                let (opts, faults, stop) = (opts.clone(), faults.clone(), stop.clone());
                                streams.spawn(async move {
                                    let opened = h2_server::open_stream(
                                        req,
                                        respond,
                                        conn,
                                        &opts,
                                        &clock,
                                        &mut Discard,
                                    )
                                    .await;
                                    if let Ok(session) = opened {
                                        echo::run(session, &faults, &mut Discard, stop).await;
                                    }
                                });
                            },
                        )
                        .await;
                        while streams.join_next().await.is_some() {}
                    }
                    Err(_) => {}
                }
            });
        }
    });
    Ok(EchoServer { addr, stop: stop_tx, accept })
}
