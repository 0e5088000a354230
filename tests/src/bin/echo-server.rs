//! A test-only WebSocket echo endpoint on the same stack as the server (axum's WebSocket with
//! the server's buffer and size limits), for the Autobahn protocol-conformance cases. Prints
//! `Listening on ...` like the server; echoes every text and binary message on any path.

use axum::Router;
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::response::Response;
use futures_util::{SinkExt, StreamExt};
use horseshoe::ws::{MAX_MESSAGE_BYTES, MAX_WRITE_BUFFER_BYTES, READ_BUFFER_BYTES, WRITE_BUFFER_BYTES};

/// Autobahn sends messages of up to 16 MiB in its limits cases; the echo endpoint can be
/// started with that cap (`--big`) to separate protocol conformance from our own size policy.
const AUTOBAHN_MAX_BYTES: usize = 16 * 1024 * 1024 + 1024;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let big = std::env::args().any(|a| a == "--big");
    let max = if big { AUTOBAHN_MAX_BYTES } else { MAX_MESSAGE_BYTES };
    let addr =
        std::env::args().nth(1).filter(|a| !a.starts_with("--")).unwrap_or_else(|| "127.0.0.1:9001".into());
    let app = Router::new().fallback(move |ws: WebSocketUpgrade| upgrade(ws, max));
    let listener = tokio::net::TcpListener::bind(&addr).await?;
    println!("Listening on http://{}/", listener.local_addr()?);
    axum::serve(listener, app).await?;
    Ok(())
}

async fn upgrade(ws: WebSocketUpgrade, max: usize) -> Response {
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES.max(max))
        .max_message_size(max)
        .max_frame_size(max)
        .on_upgrade(echo)
}

async fn echo(socket: WebSocket) {
    let (mut tx, mut rx) = socket.split();
    while let Some(Ok(msg)) = rx.next().await {
        let reply = match msg {
            Message::Text(_) | Message::Binary(_) => msg,
            Message::Close(_) => break,
            Message::Ping(_) | Message::Pong(_) => continue,
        };
        if tx.send(reply).await.is_err() {
            break;
        }
    }
}
