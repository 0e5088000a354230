//! Bench-only relay mode (`--bench-relay`): `ws://HOST/bench/relay/{room}`, where every text
//! frame a client sends goes to every other client on the same path. It runs the server's own
//! fan-out engine (one task per room, one shared frame per message, the bounded outboxes and
//! batching writers of real rooms) without the protocol, so that the load generator can set it
//! beside a minimal relay on the same wire.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use dashmap::DashMap;
use futures_util::StreamExt;
use tokio::sync::mpsc;

use crate::AppState;
use crate::outbox::Outbox;
use crate::room::{CloseReason, Frame};
use crate::ws::{
    MAX_MESSAGE_BYTES, MAX_WRITE_BUFFER_BYTES, READ_BUFFER_BYTES, WRITE_BUFFER_BYTES, write_loop,
};

/// Messages waiting for a relay room's task.
const RELAY_MAILBOX: usize = 4096;
/// Longest relay room name.
const MAX_RELAY_ROOM_CHARS: usize = 64;

enum RelayMsg {
    Join { conn: u64, outbox: Outbox },
    Frame { from: u64, frame: Frame },
    Leave { conn: u64 },
}

/// The relay rooms, by path.
#[derive(Default)]
pub struct Relay {
    rooms: DashMap<String, mpsc::Sender<RelayMsg>>,
    conns: AtomicU64,
}

impl Relay {
    fn room(self: &Arc<Self>, name: &str) -> mpsc::Sender<RelayMsg> {
        self.rooms
            .entry(name.to_owned())
            .or_insert_with(|| {
                let (tx, rx) = mpsc::channel(RELAY_MAILBOX);
                tokio::spawn(run_room(rx));
                tx
            })
            .clone()
    }
}

async fn run_room(mut rx: mpsc::Receiver<RelayMsg>) {
    let mut members: Vec<(u64, Outbox)> = Vec::new();
    while let Some(msg) = rx.recv().await {
        match msg {
            RelayMsg::Join { conn, outbox } => members.push((conn, outbox)),
            RelayMsg::Leave { conn } => members.retain(|(id, _)| *id != conn),
            RelayMsg::Frame { from, frame } => {
                for (id, outbox) in &members {
                    if *id != from {
                        outbox.send(frame.clone());
                    }
                }
            }
        }
    }
}

pub async fn upgrade(
    ws: WebSocketUpgrade,
    Path(room): Path<String>,
    State(app): State<AppState>,
) -> Response {
    let Some(relay) = app.relay.clone() else {
        return (axum::http::StatusCode::NOT_FOUND, "relay mode is off (--bench-relay)").into_response();
    };
    if room.len() > MAX_RELAY_ROOM_CHARS {
        return (axum::http::StatusCode::BAD_REQUEST, "room name too long").into_response();
    }
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| connection(socket, room, relay, app))
}

async fn connection(socket: WebSocket, room: String, relay: Arc<Relay>, app: AppState) {
    let (sink, mut stream) = socket.split();
    let conn = relay.conns.fetch_add(1, Ordering::Relaxed);
    let (outbox, inbox) = Outbox::new(app.registry.metrics.clone());
    let closer = outbox.closer.clone();
    let room = relay.room(&room);
    if room.send(RelayMsg::Join { conn, outbox }).await.is_err() {
        return;
    }
    let writer =
        tokio::spawn(write_loop(sink, inbox, closer.clone(), app.registry.shutdown.clone(), app.heartbeat));
    loop {
        let msg = tokio::select! {
            _ = closer.closed() => break,
            msg = stream.next() => msg,
        };
        match msg {
            Some(Ok(Message::Text(frame))) => {
                if room.send(RelayMsg::Frame { from: conn, frame }).await.is_err() {
                    break;
                }
            }
            Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
            Some(Ok(_)) => {}
        }
    }
    let _ = room.send(RelayMsg::Leave { conn }).await;
    closer.close(CloseReason { code: 1000, reason: "bye" });
    let _ = writer.await;
}
