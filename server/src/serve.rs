//! The HTTP server loop: accepts TCP connections under the caps (counted from accept, so an
//! address cannot hold the server's descriptors with connections that never upgrade), serves
//! HTTP/1.1 on each with a header-read timeout and an idle timeout, and hands a WebSocket its
//! connection's place for as long as it lives. On shutdown it stops accepting, lets requests in
//! flight finish, and waits for the HTTP connections to end (WebSockets are the rooms' to close).

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;
use tower_service::Service as _;

use crate::admission::{Connections, Refusal, Slot, address_key};
use crate::forwarded::TrustedProxies;
use crate::metrics::Metrics;

/// How long a client may take to send a request's headers, from the moment the connection is
/// accepted or the previous response is sent: a browser sends them in one packet, a slowloris
/// client a byte at a time.
pub const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(15);
/// How long an HTTP connection (not yet a WebSocket) may see no byte in either direction, in
/// the middle of a request included (a body that stops coming, a response nobody reads).
pub const HTTP_IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// Pause after an accept error other than a dropped handshake (out of descriptors, most
/// likely), so the loop does not spin while connections close.
const ACCEPT_ERROR_PAUSE: Duration = Duration::from_millis(100);

/// The limits of the HTTP layer.
#[derive(Debug, Clone, Copy)]
pub struct HttpLimits {
    pub header_read_timeout: Duration,
    pub idle_timeout: Duration,
}

/// What the accept loop needs besides the listener and the router.
pub struct Accept {
    pub connections: Arc<Connections>,
    pub trusted_proxies: Arc<TrustedProxies>,
    pub metrics: Arc<Metrics>,
    pub limits: HttpLimits,
}

/// Serves `router` on `listener` until `shutdown` is cancelled, then waits for the HTTP
/// connections to finish their requests.
pub async fn serve(
    listener: TcpListener,
    router: Router,
    accept: Accept,
    shutdown: CancellationToken,
) -> io::Result<()> {
    let http = TaskTracker::new();
    loop {
        let (tcp, peer) = tokio::select! {
            biased;
            () = shutdown.cancelled() => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) if is_connection_error(&e) => continue,
                Err(e) => {
                    tracing::error!(error = %e, "accept failed");
                    tokio::time::sleep(ACCEPT_ERROR_PAUSE).await;
                    continue;
                }
            },
        };
        // A trusted proxy carries many clients: it is counted in the total only, and its
        // clients by their own address when they upgrade.
        let address = (!accept.trusted_proxies.contains(peer.ip())).then(|| address_key(peer.ip()));
        let slot = match accept.connections.admit(address) {
            Ok(slot) => slot,
            Err(refusal) => {
                Metrics::count(&accept.metrics.connections_refused);
                tracing::debug!(%peer, %refusal, "connection refused at accept");
                refuse(&tcp, refusal);
                continue;
            }
        };
        // No Nagle delay: a batch may leave in several writes (a snapshot written directly, a long
        // burst), and each must go at once.
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
        http.spawn(connection(
            Tracked::new(tcp, slot),
            peer,
            router.clone(),
            accept.limits,
            shutdown.clone(),
        ));
    }
    drop(listener);
    http.close();
    http.wait().await;
    Ok(())
}

/// One HTTP connection, until it closes, times out, or becomes a WebSocket.
async fn connection(
    io: Tracked,
    peer: SocketAddr,
    router: Router,
    limits: HttpLimits,
    shutdown: CancellationToken,
) {
    let active = io.active.clone();
    let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        router.clone().call(request)
    });
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new()).header_read_timeout(limits.header_read_timeout);
    let conn = http.serve_connection(TokioIo::new(io), service).with_upgrades();
    let mut conn = std::pin::pin!(conn);
    let start = tokio::time::Instant::now() + limits.idle_timeout;
    let mut idle_check = tokio::time::interval_at(start, limits.idle_timeout);
    let mut shutting_down = false;
    loop {
        tokio::select! {
            served = conn.as_mut() => {
                if let Err(e) = served {
                    tracing::debug!(%peer, error = %e, "http connection ended");
                }
                break;
            }
            () = shutdown.cancelled(), if !shutting_down => {
                // Answers the request in flight, if any, then closes.
                conn.as_mut().graceful_shutdown();
                shutting_down = true;
            }
            _ = idle_check.tick() => {
                if !active.swap(false, Ordering::Relaxed) {
                    tracing::debug!(%peer, "closing an idle http connection");
                    break;
                }
            }
        }
    }
}

/// Answers a connection that may not stay with its status, without reading it, and closes it.
fn refuse(tcp: &TcpStream, refusal: Refusal) {
    let answer: &[u8] = match refusal {
        Refusal::TooManyFromAddress => {
            b"HTTP/1.1 429 Too Many Requests\r\nconnection: close\r\ncontent-length: 0\r\nretry-after: 10\r\n\r\n"
        }
        Refusal::Full | Refusal::Origin => {
            b"HTTP/1.1 503 Service Unavailable\r\nconnection: close\r\ncontent-length: 0\r\nretry-after: 10\r\n\r\n"
        }
    };
    // A fresh socket's send buffer takes this at once; if it does not, the close says enough.
    let _ = tcp.try_write(answer);
}

fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

/// An accepted TCP connection that holds its place under the caps for as long as it lives (as a
/// WebSocket too), and marks each read or write that moved bytes for the idle timeout.
pub struct Tracked {
    // First, so the place is free by the time the peer sees the connection end.
    _slot: Slot,
    tcp: TcpStream,
    active: Arc<AtomicBool>,
}

impl Tracked {
    fn new(tcp: TcpStream, slot: Slot) -> Self {
        Self { _slot: slot, tcp, active: Arc::new(AtomicBool::new(false)) }
    }

    /// The socket and its place, for a connection that became a WebSocket (no idle timeout
    /// of HTTP's to mark for any more).
    pub(crate) fn into_parts(self) -> (TcpStream, Slot) {
        (self.tcp, self._slot)
    }
}

impl AsyncRead for Tracked {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.tcp).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.active.store(true, Ordering::Relaxed);
        }
        polled
    }
}

impl AsyncWrite for Tracked {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.tcp).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.active.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.active.store(true, Ordering::Relaxed);
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}
