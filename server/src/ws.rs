//! One WebSocket connection: admission (caps, origin), the `hello` handshake, then one task
//! that both writes what the room queues for it (everything queued, fed and flushed once) and
//! reads what the peer sends, forwarding commands to the room under token buckets. Pings and
//! the silence limit are the room's periodic sweep over its connections' outboxes, so an idle
//! connection holds no timer, no second task and no channel.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll, Wake, Waker};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::task::AtomicWaker;
use futures_util::{SinkExt, StreamExt};
use horseshoe_protocol::{ClientMsg, ErrorCode, PROTOCOL_VERSION, Rejection, RoomId, ServerMsg};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{CloseFrame, Frame};
use tokio_tungstenite::tungstenite::{self, Bytes, Message, Utf8Bytes};

use crate::AppState;
use crate::admission::{
    Bucket, COMMAND_BURST, COMMANDS_PER_SECOND, LIVE_BURST, LIVE_PER_SECOND, NewMembers, Origin, Refusal,
    Slot, address_key,
};
use crate::forwarded::Client;
use crate::metrics::Metrics;
use crate::outbox::{Batch, Inbox, KEEP_CAPACITY, Outbox};
use crate::room::{CloseReason, ConnId, JoinRequest, Joined, RoomHandle, RoomMsg, frame};
use crate::upgrade::{Socket, Upgrade};

/// Largest message a client may send; the biggest command is a few KiB of text.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Read buffer per connection: small, so idle connections cost little; a command is a few
/// hundred bytes, and a larger message takes a few more reads.
pub const READ_BUFFER_BYTES: usize = 1024;
/// Bytes the library gathers before it writes to the socket (a batch is flushed at its end in
/// any case). The buffer keeps its largest size for the connection's life, so it stays small.
pub const WRITE_BUFFER_BYTES: usize = 1024;
/// Largest frame sent: a larger message (a room's snapshot) goes out as fragments, so no
/// connection's write buffer grows to the size of the biggest message it was ever sent.
pub const FRAGMENT_BYTES: usize = 1024;
/// Most bytes a connection's write buffer may hold while the socket is slow.
pub const MAX_WRITE_BUFFER_BYTES: usize = 1024 * 1024;

/// How long the server tries to deliver a close frame to a peer that may have stopped reading.
pub const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// Time a client has to say `hello` after connecting.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

const GOING_AWAY: u16 = 1001;
const UNSUPPORTED: u16 = 1003;
const INVALID_DATA: u16 = 1007;
const POLICY: u16 = 1008;
const TOO_BIG: u16 = 1009;
const TRY_AGAIN_LATER: u16 = 1013;

/// Admits or refuses the upgrade, then runs the connection.
pub async fn upgrade(
    ws: Upgrade,
    Path(room): Path<String>,
    State(app): State<AppState>,
    client: Client,
    headers: HeaderMap,
) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok());
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    // The server's own origins: its public URL, and the scheme and host this request came by.
    let own: Vec<Origin> = app
        .public_origin
        .iter()
        .cloned()
        .chain(host.and_then(|host| Origin::from_authority(client.scheme(), host)))
        .collect();
    let admitted = if app.origins.allow(origin, &own) {
        // A direct client's connection was counted against its address at accept.
        app.websockets.admit(client.proxied.then(|| address_key(client.ip)))
    } else {
        Err(Refusal::Origin)
    };
    let slot = match admitted {
        Ok(slot) => slot,
        Err(refusal) => {
            Metrics::count(&app.registry.metrics.connections_refused);
            tracing::info!(client = %client.ip, %refusal, "websocket refused");
            let status = match refusal {
                Refusal::Full => StatusCode::SERVICE_UNAVAILABLE,
                Refusal::TooManyFromAddress => StatusCode::TOO_MANY_REQUESTS,
                Refusal::Origin => StatusCode::FORBIDDEN,
            };
            return (status, refusal.to_string()).into_response();
        }
    };
    let new_members = NewMembers::new(app.new_members.clone(), client.ip);
    ws.on_upgrade(socket_config(), move |socket| {
        let tracker = app.registry.tracker.clone();
        tracker.track_future(connection(socket, room, app, slot, new_members))
    })
}

/// The WebSocket library's limits and buffers for every connection.
pub fn socket_config() -> WebSocketConfig {
    WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .max_message_size(Some(MAX_MESSAGE_BYTES))
        .max_frame_size(Some(MAX_MESSAGE_BYTES))
}

/// Why the reader stopped reading.
pub(crate) type Stop = (u16, Rejection);

async fn connection(mut socket: Socket, room: String, app: AppState, _slot: Slot, new_members: NewMembers) {
    // The handshake's futures are large and short-lived: boxed, they do not stay part of the
    // state every connection keeps for its whole life.
    let Some((room, conn, outbox, inbox)) = Box::pin(admit(&mut socket, &room, &app, new_members)).await
    else {
        return;
    };
    let now = Instant::now();
    let mut member = Participant {
        room: &room,
        conn,
        outbox: &outbox,
        metrics: &app.registry.metrics,
        commands: Bucket::new(COMMAND_BURST, COMMANDS_PER_SECOND, now),
        live: Bucket::new(LIVE_BURST, LIVE_PER_SECOND, now),
    };
    pump(&mut socket, &inbox, &mut member).await;
    let _ = room.tx.send(RoomMsg::Leave { conn }).await;
}

/// The handshake: a known room, a `hello` in time in our protocol's version, and a place in the
/// room. Refused connections get their reason and are closed.
async fn admit(
    socket: &mut Socket,
    room: &str,
    app: &AppState,
    new_members: NewMembers,
) -> Option<(RoomHandle, ConnId, Outbox, Inbox)> {
    let Some(room_id) = RoomId::parse(room) else {
        let no_room = Rejection::new(ErrorCode::NotFound, "no such room: check the link");
        refuse(socket, POLICY, no_room).await;
        return None;
    };
    let first = tokio::select! {
        // A shutdown does not wait for a client that has not said hello yet.
        () = app.registry.shutdown.cancelled() => {
            let restarting = Rejection::new(ErrorCode::Internal, "the server is restarting: reconnect");
            refuse(socket, CloseReason::RESTARTING.code, restarting).await;
            return None;
        }
        first = tokio::time::timeout(HELLO_TIMEOUT, read_msg(socket)) => first,
    };
    let hello = match first {
        Ok(Ok(Some(ClientMsg::Hello { protocol, credentials, name, last_seq }))) => {
            if protocol != PROTOCOL_VERSION {
                let msg = format!(
                    "this server speaks protocol {PROTOCOL_VERSION}, not {protocol}: reload the page"
                );
                refuse(socket, POLICY, Rejection::new(ErrorCode::UnsupportedVersion, msg)).await;
                return None;
            }
            (credentials, name, last_seq)
        }
        Ok(Ok(Some(_))) => {
            let first = Rejection::new(ErrorCode::BadRequest, "the first message must be hello");
            refuse(socket, POLICY, first).await;
            return None;
        }
        Ok(Ok(None)) => return None,
        Ok(Err((code, rejection))) => {
            refuse(socket, code, rejection).await;
            return None;
        }
        Err(_) => {
            refuse(socket, POLICY, Rejection::new(ErrorCode::BadRequest, "no hello in time")).await;
            return None;
        }
    };
    Metrics::count(&app.registry.metrics.messages_in);

    let (outbox, inbox) = Outbox::new(app.registry.metrics.clone());
    let (credentials, name, last_seq) = hello;
    let request = JoinRequest { credentials, name, last_seq, outbox: outbox.clone(), new_members };
    match join(app, &room_id, request).await {
        Ok((room, Joined { conn })) => Some((room, conn, outbox, inbox)),
        Err(rejection) => {
            // A server-side failure or a rate limit is worth retrying later; anything else is final.
            let code = match rejection.code {
                ErrorCode::Internal | ErrorCode::RateLimited => TRY_AGAIN_LATER,
                _ => POLICY,
            };
            refuse(socket, code, rejection).await;
            None
        }
    }
}

/// Joins through the registry. A room that was unloading as we reached it answers nothing;
/// its successor is asked once more.
async fn join(app: &AppState, id: &RoomId, request: JoinRequest) -> Result<(RoomHandle, Joined), Rejection> {
    for _ in 0..2 {
        let room = app.registry.get(id);
        let (reply, answer) = oneshot::channel();
        if room.tx.send(RoomMsg::Join { request: request.clone(), reply }).await.is_err() {
            continue;
        }
        match answer.await {
            Ok(Ok(joined)) => return Ok((room, joined)),
            Ok(Err(rejection)) => return Err(rejection),
            Err(_) => continue,
        }
    }
    Err(Rejection::new(ErrorCode::Internal, "the room is restarting: try again"))
}

/// What a joined connection does with the text frames its peer sends.
pub(crate) trait Peer {
    /// Handles one text frame: `Ok(false)` when the room has gone, `Err` to close the
    /// connection with that reason.
    async fn text(&mut self, text: Utf8Bytes) -> Result<bool, Stop>;
}

/// A member of a room, as its connection sees it.
struct Participant<'a> {
    room: &'a RoomHandle,
    conn: ConnId,
    outbox: &'a Outbox,
    metrics: &'a Metrics,
    commands: Bucket,
    live: Bucket,
}

impl Peer for Participant<'_> {
    async fn text(&mut self, text: Utf8Bytes) -> Result<bool, Stop> {
        Metrics::count(&self.metrics.messages_in);
        let now = Instant::now();
        let msg = match parse(&text)? {
            ClientMsg::Cmd { id, cmd } => {
                if !id.is_valid() {
                    let bad = Rejection::new(
                        ErrorCode::BadRequest,
                        "a command id is 1-64 printable ASCII characters",
                    );
                    return Err((INVALID_DATA, bad));
                }
                if !self.commands.take(now) {
                    self.metrics.rejected(ErrorCode::RateLimited);
                    let slow_down = ServerMsg::Reject {
                        id,
                        code: ErrorCode::RateLimited,
                        message: "too many changes at once: this one was not made, send it again".into(),
                    };
                    if let Some(f) = frame(&slow_down) {
                        self.outbox.send(f);
                    }
                    return Ok(true);
                }
                RoomMsg::Command { conn: self.conn, id, command: cmd }
            }
            msg @ (ClientMsg::Typing { .. } | ClientMsg::Drag { .. }) => {
                // Previews beyond the rate are dropped: the next one, or the durable command
                // that follows, carries the same information.
                if !self.live.take(now) {
                    return Ok(true);
                }
                RoomMsg::Live { conn: self.conn, msg }
            }
            ClientMsg::Hello { .. } => {
                let again = ServerMsg::Error {
                    code: ErrorCode::BadRequest,
                    message: "hello was already said".into(),
                };
                if let Some(f) = frame(&again) {
                    self.outbox.send(f);
                }
                return Ok(true);
            }
        };
        Ok(self.room.tx.send(msg).await.is_ok())
    }
}

/// Runs a joined connection until it ends: writes what the room queues (everything at once,
/// one flush), reads what the peer sends, and closes with the reason the server gives.
pub(crate) async fn pump(ws: &mut Socket, inbox: &Inbox, peer: &mut impl Peer) {
    let mut batch = Batch::default();
    let read_side = Arc::new(ReadSide { woken: AtomicBool::new(true), task: AtomicWaker::new() });
    let read_waker = Waker::from(read_side.clone());
    let reason = loop {
        if let Err(reason) = inbox.take(&mut batch) {
            break Some(reason);
        }
        if !batch.frames.is_empty() || batch.ping {
            // A peer that stops reading blocks the socket: a close must still get through, so
            // the write is raced against it.
            let written = tokio::select! {
                biased;
                reason = inbox.closed() => break Some(reason),
                written = write_batch(ws, &mut batch) => written,
            };
            if written.is_err() {
                break None;
            }
            continue;
        }
        let Some(msg) = wait(ws, inbox, &read_side, &read_waker).await else { continue };
        let msg = classify(msg);
        inbox.heard();
        let stop = match msg {
            Ok(None) => break None,
            Ok(Some(None)) => continue,
            Ok(Some(Some(text))) => match peer.text(text).await {
                Ok(true) => continue,
                Ok(false) => break None,
                Err(stop) => stop,
            },
            Err(stop) => stop,
        };
        inbox.close(close_for(stop.0, &stop.1));
    };
    match reason {
        // A stalled peer may never take the close frame; it is not waited for long.
        Some(reason) => {
            let _ = tokio::time::timeout(CLOSE_GRACE, ws.send(close_message(reason))).await;
        }
        // The peer left: pass on the library's reply to its close frame, if any.
        None => {
            let _ = tokio::time::timeout(CLOSE_GRACE, ws.flush()).await;
        }
    }
}

/// Close reasons are static strings; a rejection is mapped to the nearest one.
fn close_for(code: u16, rejection: &Rejection) -> CloseReason {
    let reason = match code {
        TOO_BIG => "message too large",
        INVALID_DATA => "not a valid message",
        UNSUPPORTED => "binary frames are not accepted",
        GOING_AWAY => "no answer to ping",
        _ if rejection.code == ErrorCode::TooLong => "message too large",
        _ => "policy violation",
    };
    CloseReason { code, reason }
}

/// What a frame read means: `Ok(None)` at the end of the stream, `Ok(Some(None))` for a control frame,
/// `Ok(Some(Some(text)))` for a text frame; `Err` for what closes the connection.
fn classify(msg: Option<Result<Message, tungstenite::Error>>) -> Result<Option<Option<Utf8Bytes>>, Stop> {
    let Some(msg) = msg else { return Ok(None) };
    match msg {
        Ok(Message::Text(text)) => Ok(Some(Some(text))),
        Ok(Message::Binary(_)) => {
            Err((UNSUPPORTED, Rejection::new(ErrorCode::BadRequest, "binary frames are not accepted")))
        }
        Ok(Message::Close(_)) => Ok(None),
        Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => Ok(Some(None)),
        // The library refuses an oversized message but sends no close frame: say 1009.
        Err(tungstenite::Error::Capacity(_)) => {
            let limit = format!("a message is at most {MAX_MESSAGE_BYTES} bytes");
            Err((TOO_BIG, Rejection::new(ErrorCode::TooLong, limit)))
        }
        Err(_) => Ok(None),
    }
}

fn parse(text: &str) -> Result<ClientMsg, Stop> {
    serde_json::from_str(text).map_err(|e| {
        (INVALID_DATA, Rejection::new(ErrorCode::BadRequest, format!("not a valid message: {e}")))
    })
}

/// Reads the first protocol message, skipping control frames.
async fn read_msg(stream: &mut Socket) -> Result<Option<ClientMsg>, Stop> {
    loop {
        match classify(stream.next().await)? {
            None => return Ok(None),
            Some(None) => {}
            Some(Some(text)) => return parse(&text).map(Some),
        }
    }
}

/// Sends `error` and closes: for connections that never got into a room.
async fn refuse(sink: &mut Socket, code: u16, rejection: Rejection) {
    let Rejection { code: error, message } = rejection;
    let reason: Utf8Bytes = truncate_reason(&message).into();
    if let Some(f) = frame(&ServerMsg::Error { code: error, message }) {
        let _ = sink.send(Message::Text(f)).await;
    }
    let _ = sink.send(Message::Close(Some(CloseFrame { code: code.into(), reason }))).await;
}

/// A close reason must fit in a control frame (123 bytes).
fn truncate_reason(message: &str) -> String {
    let mut end = message.len().min(123);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message[..end].to_owned()
}

/// Remembers that the socket, not the outbox, woke the connection's task.
struct ReadSide {
    woken: AtomicBool,
    task: AtomicWaker,
}

impl Wake for ReadSide {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.woken.store(true, Ordering::Release);
        self.task.wake();
    }
}

/// Waits for the outbox (`None`) or the next message from the peer. The socket is polled only
/// when it woke the task (or the library may hold more frames): a wake from the outbox, which
/// is most wakes of a busy room's members, costs no read attempt.
async fn wait(
    ws: &mut Socket,
    inbox: &Inbox,
    read_side: &ReadSide,
    read_waker: &Waker,
) -> Option<Option<Result<Message, tungstenite::Error>>> {
    let ready = inbox.ready();
    let mut ready = std::pin::pin!(ready);
    std::future::poll_fn(|cx| {
        if ready.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        read_side.task.register(cx.waker());
        if read_side.woken.swap(false, Ordering::AcqRel)
            && let Poll::Ready(msg) = ws.poll_next_unpin(&mut Context::from_waker(read_waker))
        {
            read_side.woken.store(true, Ordering::Release);
            return Poll::Ready(Some(msg));
        }
        Poll::Pending
    })
    .await
}

/// Feeds a ping (if due) and every taken frame, then flushes once.
async fn write_batch(ws: &mut Socket, batch: &mut Batch) -> Result<(), tungstenite::Error> {
    if std::mem::take(&mut batch.ping) {
        ws.feed(Message::Ping(Default::default())).await?;
    }
    for frame in batch.frames.drain(..) {
        if frame.len() <= FRAGMENT_BYTES {
            ws.feed(Message::Text(frame)).await?;
            continue;
        }
        let bytes = Bytes::from(frame);
        let mut start = 0;
        while start < bytes.len() {
            let end = (start + FRAGMENT_BYTES).min(bytes.len());
            let opcode = OpCode::Data(if start == 0 { Data::Text } else { Data::Continue });
            ws.feed(Message::Frame(Frame::message(bytes.slice(start..end), opcode, end == bytes.len())))
                .await?;
            start = end;
        }
    }
    // A burst must not keep its high-water capacity on an idle connection.
    if batch.frames.capacity() > KEEP_CAPACITY {
        batch.frames = Vec::new();
    }
    ws.flush().await
}

fn close_message(reason: CloseReason) -> Message {
    Message::Close(Some(CloseFrame { code: reason.code.into(), reason: reason.reason.into() }))
}
