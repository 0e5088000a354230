//! A test-only WebSocket echo endpoint on the same stack as the server (its handshake and its
//! WebSocket configuration: buffers and size limits), for the Autobahn protocol-conformance cases. Prints
//! `Listening on ...` like the server; echoes every text and binary message on any path.

use axum::Router;
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use horseshoe::upgrade::{Socket, Upgrade};
use horseshoe::ws::{MAX_MESSAGE_BYTES, MAX_WRITE_BUFFER_BYTES, socket_config};
use tokio_tungstenite::tungstenite::Message;

/// Autobahn sends messages of up to 16 MiB in its limits cases; the echo endpoint can be
/// started with that cap (`--big`) to separate protocol conformance from our own size policy.
const AUTOBAHN_MAX_BYTES: usize = 16 * 1024 * 1024 + 1024;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let big = std::env::args().any(|a| a == "--big");
    let max = if big { AUTOBAHN_MAX_BYTES } else { MAX_MESSAGE_BYTES };
    let addr =
        std::env::args().nth(1).filter(|a| !a.starts_with("--")).unwrap_or_else(|| "127.0.0.1:9001".into());
    let app = Router::new().fallback(move |ws: Upgrade| upgrade(ws, max));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("Listening on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn upgrade(ws: Upgrade, max: usize) -> Response {
    let config = socket_config()
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES.max(max))
        .max_message_size(Some(max))
        .max_frame_size(Some(max));
    ws.on_upgrade(config, echo)
}

async fn echo(mut socket: Socket) {
    while let Some(Ok(msg)) = socket.next().await {
        let reply = match msg {
            Message::Text(_) | Message::Binary(_) => msg,
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) | Message::Frame(_) => continue,
        };
        if socket.send(reply).await.is_err() {
            break;
        }
    }
}
