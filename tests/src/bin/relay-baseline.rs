//! The raw relay baseline for the benchmarks: the smallest Rust relay that speaks relay mode
//! well. `ws://HOST:PORT/<room>`: every text frame a client sends goes to every other client
//! on the same path. One task per room, each frame shared (not copied) by its recipients,
//! one writer per connection that feeds everything queued and flushes once, small buffers.

use std::collections::HashMap;
use std::sync::Arc;

use futures_util::{SinkExt, StreamExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Mutex, mpsc};
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Frames queued per connection; a relay that falls behind drops the connection.
const QUEUE: usize = 1024;

enum RoomMsg {
    Join(u64, mpsc::Sender<Utf8Bytes>),
    Frame(u64, Utf8Bytes),
    Leave(u64),
}

type Rooms = Arc<Mutex<HashMap<String, mpsc::Sender<RoomMsg>>>>;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let addr = std::env::args().nth(1).unwrap_or_else(|| "127.0.0.1:9100".into());
    let listener = TcpListener::bind(&addr).await?;
    println!("Listening on http://{}/", listener.local_addr()?);
    let rooms: Rooms = Arc::default();
    let mut next = 0;
    loop {
        let (stream, _) = listener.accept().await?;
        next += 1;
        tokio::spawn(connection(stream, next, rooms.clone()));
    }
}

async fn room_task(mut rx: mpsc::Receiver<RoomMsg>) {
    let mut members: Vec<(u64, mpsc::Sender<Utf8Bytes>)> = Vec::new();
    while let Some(msg) = rx.recv().await {
        match msg {
            RoomMsg::Join(id, tx) => members.push((id, tx)),
            RoomMsg::Leave(id) => members.retain(|(m, _)| *m != id),
            RoomMsg::Frame(from, frame) => {
                members.retain(|(id, tx)| *id == from || tx.try_send(frame.clone()).is_ok());
            }
        }
    }
}

// The handshake callback's error type is tungstenite's, large by its design.
#[allow(clippy::result_large_err)]
async fn connection(stream: TcpStream, id: u64, rooms: Rooms) -> anyhow::Result<()> {
    let _ = stream.set_nodelay(true);
    let mut path = String::new();
    let callback = |request: &Request, response: Response| {
        path = request.uri().path().to_owned();
        Ok(response)
    };
    let config = WebSocketConfig::default()
        .read_buffer_size(4096)
        .write_buffer_size(8192)
        .max_write_buffer_size(1 << 20)
        .max_message_size(Some(64 << 10));
    let ws = tokio_tungstenite::accept_hdr_async_with_config(stream, callback, Some(config)).await?;
    let room = {
        let mut rooms = rooms.lock().await;
        rooms
            .entry(path)
            .or_insert_with(|| {
                let (tx, rx) = mpsc::channel(4096);
                tokio::spawn(room_task(rx));
                tx
            })
            .clone()
    };
    let (mut sink, mut source) = ws.split();
    let (tx, mut rx) = mpsc::channel::<Utf8Bytes>(QUEUE);
    room.send(RoomMsg::Join(id, tx)).await?;
    let writer = tokio::spawn(async move {
        while let Some(first) = rx.recv().await {
            if sink.feed(Message::Text(first)).await.is_err() {
                return;
            }
            while let Ok(more) = rx.try_recv() {
                if sink.feed(Message::Text(more)).await.is_err() {
                    return;
                }
            }
            if sink.flush().await.is_err() {
                return;
            }
        }
    });
    while let Some(Ok(msg)) = source.next().await {
        if let Message::Text(frame) = msg {
            room.send(RoomMsg::Frame(id, frame)).await?;
        }
    }
    room.send(RoomMsg::Leave(id)).await?;
    writer.abort();
    Ok(())
}
