//! Bench-only relay mode (`--bench-relay`): `ws://HOST/bench/relay/{room}`, where every text
//! frame a client sends goes to every other client on the same path. It runs the server's own
//! fan-out engine (one task per room, one shared frame per message, the bounded outboxes and
//! batching writers of real rooms) without the protocol, so that the load generator can set it
//! beside a minimal relay on the same wire.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use dashmap::DashMap;
use tokio::sync::mpsc;
use tokio::sync::mpsc::error::TrySendError;

use crate::AppState;
use crate::admission::Heartbeat;
use crate::outbox::{Inbox, Outbox};
use crate::room::Frame;
use crate::upgrade::{Socket, Upgrade};
use crate::ws::{Peer, Stop, pump, socket_config};

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
    fn room(self: &Arc<Self>, name: &str, heartbeat: Heartbeat) -> mpsc::Sender<RelayMsg> {
        self.rooms
            .entry(name.to_owned())
            .or_insert_with(|| {
                let (tx, rx) = mpsc::channel(RELAY_MAILBOX);
                tokio::spawn(run_room(rx, heartbeat.pings(name), heartbeat));
                tx
            })
            .clone()
    }
}

async fn run_room(mut rx: mpsc::Receiver<RelayMsg>, mut pings: tokio::time::Interval, heartbeat: Heartbeat) {
    let mut members: Vec<(u64, Outbox)> = Vec::new();
    loop {
        let msg = tokio::select! {
            msg = rx.recv() => match msg {
                Some(msg) => msg,
                None => break,
            },
            _ = pings.tick() => {
                for (_, outbox) in &members {
                    outbox.heartbeat(heartbeat.silence_limit);
                }
                continue;
            }
        };
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

pub async fn upgrade(ws: Upgrade, Path(room): Path<String>, State(app): State<AppState>) -> Response {
    let Some(relay) = app.relay.clone() else {
        return (axum::http::StatusCode::NOT_FOUND, "relay mode is off (--bench-relay)").into_response();
    };
    if room.len() > MAX_RELAY_ROOM_CHARS {
        return (axum::http::StatusCode::BAD_REQUEST, "room name too long").into_response();
    }
    ws.on_upgrade(socket_config(), move |socket| connection(socket, room, relay, app))
}

async fn connection(socket: Socket, room: String, relay: Arc<Relay>, app: AppState) {
    let conn = relay.conns.fetch_add(1, Ordering::Relaxed);
    let (outbox, inbox) = Outbox::new(app.registry.metrics.clone());
    let room = relay.room(&room, app.heartbeat);
    if room.send(RelayMsg::Join { conn, outbox }).await.is_err() {
        return;
    }
    // As a room member's: the rest of the connection's life is a task of its own that holds
    // only what it needs (the engine measured is the one rooms use).
    let member = Box::new(Member { socket, room, conn, inbox });
    app.registry.tracker.spawn(member.run());
}

/// A relay connection in its room, for the rest of its life.
struct Member {
    socket: Socket,
    room: mpsc::Sender<RelayMsg>,
    conn: u64,
    inbox: Inbox,
}

impl Member {
    // An async block, not an async fn: the box is then held once in the task, not twice.
    #[allow(clippy::manual_async_fn, reason = "an async fn holds its argument twice")]
    fn run(mut self: Box<Self>) -> impl Future<Output = ()> + Send {
        async move {
            let this = &mut *self;
            pump(&mut this.socket, &this.inbox, &mut RelayPeer { room: &this.room, conn: this.conn }).await;
            let leave = RelayMsg::Leave { conn: this.conn };
            if let Err(TrySendError::Full(leave)) = this.room.try_send(leave) {
                let room = this.room.clone();
                tokio::spawn(async move { room.send(leave).await });
            }
        }
    }
}

/// A relay client: every text frame goes to the room as it is.
struct RelayPeer<'a> {
    room: &'a mpsc::Sender<RelayMsg>,
    conn: u64,
}

impl Peer for RelayPeer<'_> {
    type Msg = RelayMsg;

    fn mailbox(&self) -> &mpsc::Sender<RelayMsg> {
        self.room
    }

    fn text(&mut self, frame: Frame) -> Result<Option<RelayMsg>, Stop> {
        Ok(Some(RelayMsg::Frame { from: self.conn, frame }))
    }
}
