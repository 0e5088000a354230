//! The WebSocket handshake (RFC 6455 over HTTP/1.1), done here rather than by axum's `ws`
//! extractor so that a connection gets tokio-tungstenite's whole API, its socket included: a
//! large message (a big room's snapshot) is written straight to the socket from its own bytes,
//! which keeps every connection's write buffer at a few kilobytes for as long as it lives.

use std::future::Future;

use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use hyper::upgrade::{OnUpgrade, Upgraded};
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

/// An upgraded connection.
pub type Socket = WebSocketStream<TokioIo<Upgraded>>;

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
                    let io = TokioIo::new(upgraded);
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

    #[test]
    fn the_accept_key_is_the_one_in_the_rfc() {
        // RFC 6455, section 1.3.
        assert_eq!(derive_accept_key(b"dGhlIHNhbXBsZSBub25jZQ=="), "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
    }
}
