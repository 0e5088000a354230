//! The WebSocket handshake (RFC 6455 over HTTP/1.1), done here rather than by axum's `ws`
//! extractor so that a connection gets tokio-tungstenite's whole API, its socket included: a
//! large message (a big room's snapshot) is written straight to the socket from its own bytes,
//! which keeps every connection's write buffer at a few kilobytes for as long as it lives.

use std::future::Future;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use socket2::SockRef;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::admission::Slot;
use crate::serve::Tracked;

/// An upgraded connection.
pub type Socket = WebSocketStream<WsIo>;

/// What a WebSocket runs over: the server's own accepted connection, taken back from hyper
/// once upgraded, so that each read and write goes straight to the socket (not through
/// hyper's boxed connection and two adapters, which also cost an allocation per connection).
pub struct WsIo {
    /// What the client sent after its request that hyper had already read: read first.
    early: Option<Box<[u8]>>,
    inner: Inner,
}

enum Inner {
    Tcp {
        /// Its place under the connection caps, for as long as it lives. First, so the place
        /// is free by the time the peer sees the connection end.
        _slot: Slot,
        tcp: TcpStream,
    },
    /// A connection served by something else than `serve` (the test echo endpoint runs
    /// under `axum::serve`).
    Upgraded(TokioIo<Upgraded>),
}

impl WsIo {
    fn new(upgraded: Upgraded) -> Self {
        match upgraded.downcast::<TokioIo<Tracked>>() {
            Ok(parts) => {
                let (tcp, slot) = parts.io.into_inner().into_parts();
                // Copied: the bytes point into hyper's read buffer (8 KiB and more), which would
                // otherwise live as long as the connection, even for none.
                let early = (!parts.read_buf.is_empty()).then(|| Box::from(&parts.read_buf[..]));
                Self { early, inner: Inner::Tcp { _slot: slot, tcp } }
            }
            Err(upgraded) => Self { early: None, inner: Inner::Upgraded(TokioIo::new(upgraded)) },
        }
    }

    /// The accepted socket's descriptor (none for a connection served by something else).
    pub fn raw_fd(&self) -> Option<RawFd> {
        match &self.inner {
            Inner::Tcp { tcp, .. } => Some(tcp.as_raw_fd()),
            Inner::Upgraded(_) => None,
        }
    }
}

impl AsyncRead for WsIo {
    fn poll_read(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &mut ReadBuf<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if let Some(early) = this.early.take() {
            let n = early.len().min(buf.remaining());
            buf.put_slice(&early[..n]);
            // Rare (a client that does not wait for the `101`), and small: the rest is copied.
            this.early = (n < early.len()).then(|| Box::from(&early[n..]));
            return Poll::Ready(Ok(()));
        }
        match &mut this.inner {
            Inner::Tcp { tcp, .. } => Pin::new(tcp).poll_read(cx, buf),
            Inner::Upgraded(io) => Pin::new(io).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for WsIo {
    fn poll_write(self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        match &mut self.get_mut().inner {
            // Straight to the socket first: it nearly always takes the write, and asking tokio
            // whether it is writable first touches a block of tokio's own per connection (its
            // readiness slot) for nothing. Only a socket that is full goes through tokio, which
            // then tries again, clears its readiness and waits for the socket's next edge.
            Inner::Tcp { tcp, .. } => match SockRef::from(&*tcp).send_with_flags(buf, libc::MSG_NOSIGNAL) {
                Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => {
                    Pin::new(tcp).poll_write(cx, buf)
                }
                written => Poll::Ready(written),
            },
            Inner::Upgraded(io) => Pin::new(io).poll_write(cx, buf),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        // Only a frame larger than the thread's cork buffer is written in two slices: rare
        // enough that it goes through tokio's readiness check as before.
        match &mut self.get_mut().inner {
            Inner::Tcp { tcp, .. } => Pin::new(tcp).poll_write_vectored(cx, bufs),
            Inner::Upgraded(io) => Pin::new(io).poll_write_vectored(cx, bufs),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match &self.inner {
            Inner::Tcp { tcp, .. } => tcp.is_write_vectored(),
            Inner::Upgraded(io) => io.is_write_vectored(),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Tcp { tcp, .. } => Pin::new(tcp).poll_flush(cx),
            Inner::Upgraded(io) => Pin::new(io).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match &mut self.get_mut().inner {
            Inner::Tcp { tcp, .. } => Pin::new(tcp).poll_shutdown(cx),
            Inner::Upgraded(io) => Pin::new(io).poll_shutdown(cx),
        }
    }
}

/// A request that asks for a WebSocket, ready to be accepted.
pub struct Upgrade {
    key: HeaderValue,
    on_upgrade: OnUpgrade,
}

/// Why a request is not a WebSocket handshake we accept.
#[derive(Debug, thiserror::Error)]
pub enum UpgradeError {
    #[error("a WebSocket handshake is a GET request")]
    NotGet,
    #[error("this address takes WebSocket connections only (Connection: upgrade, Upgrade: websocket)")]
    NotUpgrade,
    #[error("the Sec-WebSocket-Key header is missing")]
    NoKey,
    #[error("only WebSocket version 13 is spoken here")]
    Version,
    #[error("this connection cannot be upgraded")]
    NotUpgradable,
}

impl IntoResponse for UpgradeError {
    fn into_response(self) -> Response {
        let status = match self {
            UpgradeError::NotGet => StatusCode::METHOD_NOT_ALLOWED,
            UpgradeError::NotUpgrade | UpgradeError::Version => StatusCode::UPGRADE_REQUIRED,
            UpgradeError::NoKey | UpgradeError::NotUpgradable => StatusCode::BAD_REQUEST,
        };
        (status, self.to_string()).into_response()
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Upgrade {
    type Rejection = UpgradeError;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, UpgradeError> {
        if parts.method != Method::GET {
            return Err(UpgradeError::NotGet);
        }
        let headers = &parts.headers;
        if !has_token(headers, header::CONNECTION, "upgrade")
            || !has_token(headers, header::UPGRADE, "websocket")
        {
            return Err(UpgradeError::NotUpgrade);
        }
        if !has_token(headers, header::SEC_WEBSOCKET_VERSION, "13") {
            return Err(UpgradeError::Version);
        }
        let key = headers.get(header::SEC_WEBSOCKET_KEY).cloned().ok_or(UpgradeError::NoKey)?;
        let on_upgrade = parts.extensions.remove::<OnUpgrade>().ok_or(UpgradeError::NotUpgradable)?;
        Ok(Self { key, on_upgrade })
    }
}

impl Upgrade {
    /// Answers `101 Switching Protocols` and runs `callback` on the connection once hyper hands
    /// it over.
    pub fn on_upgrade<F, Fut>(self, config: WebSocketConfig, callback: F) -> Response
    where
        F: FnOnce(Socket) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let Self { key, on_upgrade } = self;
        tokio::spawn(async move {
            match on_upgrade.await {
                Ok(upgraded) => {
                    let io = WsIo::new(upgraded);
                    callback(WebSocketStream::from_raw_socket(io, Role::Server, Some(config)).await).await;
                }
                Err(e) => tracing::debug!(error = %e, "websocket upgrade failed"),
            }
        });
        let mut response = Response::new(Body::empty());
        *response.status_mut() = StatusCode::SWITCHING_PROTOCOLS;
        let headers = response.headers_mut();
        headers.insert(header::CONNECTION, HeaderValue::from_static("upgrade"));
        headers.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
        if let Ok(accept) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
            headers.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
        }
        response
    }
}

/// Whether a comma-separated header holds `token`, in any case.
fn has_token(headers: &HeaderMap, name: HeaderName, token: &str) -> bool {
    headers
        .get_all(name)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|part| part.trim().eq_ignore_ascii_case(token))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_found_in_lists_in_any_case() {
        let mut headers = HeaderMap::new();
        headers.insert(header::CONNECTION, HeaderValue::from_static("keep-alive, Upgrade"));
        assert!(has_token(&headers, header::CONNECTION, "upgrade"));
        assert!(!has_token(&headers, header::CONNECTION, "close"));
        assert!(!has_token(&headers, header::UPGRADE, "websocket"));
    }

    /// The write that skips tokio's readiness check: a socket that fills up still parks the
    /// writer until its peer reads, and wakes it then, with every byte delivered once, in order.
    #[tokio::test]
    async fn a_full_socket_parks_the_writer_until_its_peer_reads_and_loses_nothing() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bound");
        let peer = TcpStream::connect(listener.local_addr().expect("an address")).await.expect("connected");
        let (tcp, _) = listener.accept().await.expect("accepted");
        let slot = crate::admission::Connections::new(1, 1).admit(None).expect("a place");
        let mut io = WsIo { early: None, inner: Inner::Tcp { _slot: slot, tcp } };
        // Bytes that name their place, so that a byte lost, repeated or moved is seen.
        let chunk = |i: usize| -> Vec<u8> { (0..4096).map(|j| ((i * 4096 + j) % 251) as u8).collect() };
        let mut written = 0;
        let mut parked = false;
        while !parked {
            let bytes = chunk(written);
            match futures_util::poll!(std::pin::pin!(io.write_all(&bytes))) {
                Poll::Ready(result) => {
                    result.expect("written");
                    written += 1;
                }
                Poll::Pending => parked = true,
            }
            assert!(written < 64 * 1024, "the socket never filled up");
        }
        // The part of the chunk that went in before the socket filled is written again whole
        // below, so the reader checks what the writer finishes from here on, from a new start.
        let reader = tokio::spawn(async move {
            let mut peer = peer;
            let mut all = Vec::new();
            peer.read_to_end(&mut all).await.expect("read");
            all
        });
        let total = written + 16;
        let finish = async {
            for i in written..total {
                io.write_all(&chunk(i)).await.expect("written after the peer read");
            }
            io.shutdown().await.expect("shut down");
        };
        // The timer first: a writer that was never woken is not polled again when it fires.
        tokio::select! {
            biased;
            () = tokio::time::sleep(std::time::Duration::from_secs(10)) => panic!("the writer was not woken when its peer read"),
            () = finish => {}
        }
        drop(io);
        let all = reader.await.expect("the reader");
        assert!(all.len() >= total * 4096, "bytes went missing: {} of at least {}", all.len(), total * 4096);
        let tail = &all[all.len() - 16 * 4096..];
        let expected: Vec<u8> = (written..total).flat_map(chunk).collect();
        assert_eq!(tail, &expected[..], "the writes after the socket drained arrived in order");
        let head: Vec<u8> = (0..written).flat_map(chunk).collect();
        assert_eq!(&all[..head.len()], &head[..], "the writes before the socket filled arrived in order");
    }

    #[test]
    fn the_accept_key_is_the_one_in_the_rfc() {
        // RFC 6455, section 1.3.
        assert_eq!(derive_accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }
}
