//! One WebSocket connection: admission (caps, origin), the `hello` handshake, then one task
//! that both writes what the room queues for it (everything queued, fed and flushed once) and
//! reads what the peer sends, forwarding commands to the room under token buckets. Pings and
//! the silence limit are the room's periodic sweep over its connections' outboxes, so an idle
//! connection holds no timer, no second task and no channel.

use std::future::Future;
use std::os::fd::RawFd;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::{SinkExt, StreamExt};
use horseshoe_protocol::{
    ClientMsg, Command, CommandId, ErrorCode, PROTOCOL_VERSION, Rejection, RoomId, ServerMsg,
};
use serde::Deserialize;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::mpsc::error::{SendError, TrySendError};
use tokio::sync::mpsc::{self, OwnedPermit};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::CloseFrame;
use tokio_tungstenite::tungstenite::{self, Message, Utf8Bytes};

use crate::AppState;
use crate::admission::{
    Bucket, COMMAND_BURST, COMMANDS_PER_SECOND, LIVE_BURST, LIVE_PER_SECOND, NewMembers, Origin, Refusal,
    Slot, address_key,
};
use crate::cork::{self, Unsent};
use crate::forwarded::Client;
use crate::metrics::Metrics;
use crate::outbox::{Batch, Inbox, KEEP_CAPACITY, Outbox, straight_writes_here};
use crate::room::{CloseReason, ConnId, JoinRequest, Joined, RoomHandle, RoomMsg, frame};
use crate::upgrade::{Socket, Upgrade, WsIo};

/// Largest message a client may send; the biggest command is a few KiB of text.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Read buffer per connection: small, so idle connections cost little (it is most of what an
/// idle connection holds beyond its socket); a hello, a drag or a move fits, and a longer
/// message (a few hundred bytes of text) takes one more read.
pub const READ_BUFFER_BYTES: usize = 256;
/// Bytes the library gathers before it writes to the socket: only its own frames (a pong, the
/// close handshake) go through it; the room's frames are written by `cork`.
pub const WRITE_BUFFER_BYTES: usize = 128;
/// Most bytes a connection's write buffer may hold while the socket is slow.
pub const MAX_WRITE_BUFFER_BYTES: usize = 1024 * 1024;

/// How long the server tries to deliver a close frame to a peer that may have stopped reading.
pub const CLOSE_GRACE: Duration = Duration::from_secs(1);
/// Time a client has to say `hello` after connecting.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

const GOING_AWAY: u16 = 1001;
const PROTOCOL_ERROR: u16 = 1002;
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

/// What a WebSocket runs over: an upgraded HTTP connection in the server, a pipe in tests.
pub(crate) trait Transport: AsyncRead + AsyncWrite + Unpin {
    /// The socket underneath, which a room may write whole frames into while the connection
    /// waits (outbox.rs); none for a pipe.
    fn socket(&self) -> Option<RawFd> {
        None
    }
}

impl Transport for WsIo {
    fn socket(&self) -> Option<RawFd> {
        self.raw_fd()
    }
}

impl Transport for tokio::io::DuplexStream {}

async fn connection(mut socket: Socket, room: String, app: AppState, slot: Slot, new_members: NewMembers) {
    // The handshake's futures are large and short-lived: boxed, they do not stay part of the
    // state every connection keeps for its whole life.
    let Some((room, conn, outbox, inbox)) = Box::pin(admit(&mut socket, &room, &app, new_members)).await
    else {
        return;
    };
    // The rest of the connection's life is a task of its own that holds only what it needs:
    // an async fn keeps its arguments in its state for as long as it runs, and this one's are
    // large. The connection is boxed for the same reason (a future holds a by-value argument
    // twice).
    let now = Instant::now();
    let member = Participant {
        room,
        conn,
        outbox,
        metrics: app.registry.metrics.clone(),
        commands: Bucket::new(COMMAND_BURST, COMMANDS_PER_SECOND, now),
        live: Bucket::new(LIVE_BURST, LIVE_PER_SECOND, now),
    };
    let connected = Box::new(Connected { socket, inbox, member, _slot: slot });
    app.registry.tracker.spawn(connected.run());
}

/// A connection in its room, for the rest of its life. Everything it keeps is here, in one
/// box: its task's own state is then small enough for tokio's smaller task size (a task is
/// allocated in steps of 128 bytes).
struct Connected {
    socket: Socket,
    inbox: Inbox,
    member: Participant,
    /// Its place under the connection caps, given back when it ends.
    _slot: Slot,
}

impl Connected {
    // An async block, not an async fn: the box is then held once in the task, not twice.
    #[allow(clippy::manual_async_fn, reason = "an async fn holds its argument twice")]
    fn run(mut self: Box<Self>) -> impl Future<Output = ()> + Send {
        async move {
            let this = &mut *self;
            pump(&mut this.socket, &this.inbox, &mut this.member).await;
            // Not awaited here: a send's future holds the message twice in every connection's
            // state. A full mailbox is waited for by a task of its own.
            let (room, conn) = (&this.member.room, this.member.conn);
            if let Err(TrySendError::Full(leave)) = room.tx.try_send(RoomMsg::Leave { conn }) {
                let tx = room.tx.clone();
                tokio::spawn(async move { tx.send(leave).await });
            }
        }
    }
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
        first = tokio::time::timeout(HELLO_TIMEOUT, read_hello(socket)) => first,
    };
    let hello = match first {
        Ok(Ok(Some(ClientMsg::Hello { protocol, credentials, client, name, last_seq }))) => {
            if protocol != PROTOCOL_VERSION {
                let msg = format!(
                    "this server speaks protocol {PROTOCOL_VERSION}, not {protocol}: reload the page"
                );
                refuse(socket, POLICY, Rejection::new(ErrorCode::UnsupportedVersion, msg)).await;
                return None;
            }
            if !client.is_valid() {
                let msg = "a client id is 1-64 characters of A-Z, a-z, 0-9, _ and -";
                refuse(socket, POLICY, Rejection::new(ErrorCode::BadRequest, msg)).await;
                return None;
            }
            (credentials, client, name, last_seq)
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
    let (credentials, client, name, last_seq) = hello;
    let request = JoinRequest { credentials, client, name, last_seq, outbox: outbox.clone(), new_members };
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
        let Some(room) = app.registry.get(id) else {
            return Err(Rejection::new(ErrorCode::NotFound, "no such room: check the link"));
        };
        let (reply, answer) = oneshot::channel();
        if room.tx.send(RoomMsg::Join { request: Box::new(request.clone()), reply }).await.is_err() {
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
    /// What the peer's frames become in its room's mailbox.
    type Msg: Send + 'static;

    /// The room's mailbox.
    fn mailbox(&self) -> &mpsc::Sender<Self::Msg>;

    /// Handles one text frame: a message for the room, `None` when it was answered here (or
    /// dropped), `Err` to close the connection with that reason.
    fn text(&mut self, text: Utf8Bytes) -> Result<Option<Self::Msg>, Stop>;
}

/// A member of a room, as its connection sees it.
struct Participant {
    room: RoomHandle,
    conn: ConnId,
    outbox: Outbox,
    metrics: Arc<Metrics>,
    commands: Bucket,
    live: Bucket,
}

impl Participant {
    fn answer(&self, msg: &ServerMsg) {
        if let Some(f) = frame(msg) {
            self.outbox.send(f);
        }
    }

    fn reject(&self, id: CommandId, code: ErrorCode, message: String) {
        self.metrics.rejected(code);
        self.answer(&ServerMsg::Reject { id, code, message });
    }

    /// A frame of a known type that does not parse: a command with an id gets its `reject`, so
    /// that a newer client learns the command's fate; anything else an `error`.
    fn malformed(&mut self, malformed: Malformed, now: Instant) {
        let Malformed { kind, id, error } = malformed;
        match (kind.as_str(), id) {
            ("cmd", Some(id)) => {
                self.reject(
                    id,
                    ErrorCode::BadRequest,
                    format!("this command is not understood here: {error}"),
                );
            }
            // A malformed preview is answered no more often than previews are taken.
            ("caret" | "drag", _) if !self.live.take(now) => {}
            _ => {
                let message = format!("this {kind} message is not understood here: {error}");
                self.answer(&ServerMsg::Error { code: ErrorCode::BadRequest, message });
            }
        }
    }
}

impl Peer for Participant {
    type Msg = RoomMsg;

    fn mailbox(&self) -> &mpsc::Sender<RoomMsg> {
        &self.room.tx
    }

    fn text(&mut self, text: Utf8Bytes) -> Result<Option<RoomMsg>, Stop> {
        Metrics::count(&self.metrics.messages_in);
        let now = Instant::now();
        let msg = match parse(&text)? {
            Ok(msg) => msg,
            Err(malformed) => {
                self.malformed(malformed, now);
                return Ok(None);
            }
        };
        let msg = match msg {
            ClientMsg::Cmd { id, cmd } => {
                if !id.is_valid() {
                    let message = "commands are numbered from 1".to_owned();
                    self.reject(id, ErrorCode::BadRequest, message);
                    return Ok(None);
                }
                if !self.commands.take(now) {
                    let message = "too many changes at once: send it again in a moment".to_owned();
                    self.reject(id, ErrorCode::RateLimited, message);
                    return Ok(None);
                }
                RoomMsg::Command { conn: self.conn, id, command: Box::new(cmd) }
            }
            msg @ (ClientMsg::Caret { .. } | ClientMsg::Drag { .. }) => {
                // Previews beyond the rate are dropped: the next one, or the durable command
                // that follows, carries the same information.
                if !self.live.take(now) {
                    return Ok(None);
                }
                RoomMsg::Live { conn: self.conn, msg: Box::new(msg) }
            }
            ClientMsg::Ping => {
                // Answered here, not by the room; no more often than commands are taken (not
                // as previews: a drag in progress must not starve the liveness check).
                if self.commands.take(now) {
                    self.answer(&ServerMsg::Pong);
                }
                return Ok(None);
            }
            ClientMsg::Hello { .. } => {
                let message = "hello was already said".to_owned();
                self.answer(&ServerMsg::Error { code: ErrorCode::BadRequest, message });
                return Ok(None);
            }
        };
        Ok(Some(msg))
    }
}

/// A place in a room's mailbox, or the room's end.
type Place<M> = Result<OwnedPermit<M>, SendError<()>>;

/// A message the room's mailbox had no room for, with the wait for a place in it.
struct Waiting<M> {
    msg: M,
    place: Pin<Box<dyn Future<Output = Place<M>> + Send>>,
}

/// Runs a joined connection until it ends: writes what the room queues (everything at once,
/// one flush), reads what the peer sends, and closes with the reason the server gives. While
/// it waits with nothing to write, the room may write into its socket itself (outbox.rs).
///
/// When the room's mailbox is full, the message waits here and the socket is not read until
/// the room takes it: a fast sender is slowed down (back-pressure through TCP) while its outbox
/// keeps draining, so it is never closed as a slow consumer for it.
#[allow(clippy::manual_async_fn, reason = "an async fn holds its arguments twice")]
pub(crate) fn pump<'a, P: Peer, S: Transport>(
    ws: &'a mut WebSocketStream<S>,
    inbox: &'a Inbox,
    peer: &'a mut P,
) -> impl Future<Output = ()> + 'a {
    // An async block rather than an async fn: an async fn keeps its arguments twice in its
    // state (as arguments, then as locals), and this state is part of every connection's task.
    async move {
        // The socket a room may write into while this connection waits with nothing to write.
        let straight = if straight_writes_here() { ws.get_ref().socket() } else { None };
        // Taken back before the socket is written here outside a take, or closed; dropped with
        // this future too, however the connection ends.
        let withdraw = Withdraw(inbox);
        let mut batch = Batch::default();
        let read_waker = inbox.read_waker();
        // Boxed: rare, and a message is large for state every connection keeps.
        let mut waiting: Option<Box<Waiting<P::Msg>>> = None;
        // What the socket did not take of the last write, written before anything else.
        let mut unsent = Unsent::default();
        // The library owes the peer a pong (it answers a ping by itself, on its next write).
        let mut owed = false;
        // Right after a write there is nothing to take unless something came meanwhile, and
        // that marked the outbox woken: the wait sees it, so the take is skipped.
        let mut wrote = false;
        let reason = loop {
            // A connection that offers its socket takes after a write too: the take offers it.
            if !(std::mem::take(&mut wrote) && straight.is_none())
                && let Err(reason) = inbox.take_offering(&mut batch, &mut unsent, straight.filter(|_| !owed))
            {
                break Some(reason);
            }
            if !batch.frames.is_empty() || batch.ping || owed || !unsent.is_empty() {
                // A peer that stops reading blocks the socket: a close must still get through, so
                // the write is raced against it.
                let written = tokio::select! {
                    biased;
                    reason = inbox.closed() => break Some(reason),
                    written = write_batch(ws, &mut batch, &mut unsent, &mut owed) => written,
                };
                if written.is_err() {
                    break None;
                }
                wrote = true;
                continue;
            }
            let msg = match wait(ws, inbox, &read_waker, waiting.as_deref_mut()).await {
                Woke::Outbox => continue,
                Woke::Room(place) => {
                    let Some(Waiting { msg, .. }) = waiting.take().map(|w| *w) else { continue };
                    match place {
                        Ok(place) => {
                            place.send(msg);
                            continue;
                        }
                        Err(_) => break None, // The room has gone.
                    }
                }
                Woke::Socket(msg) => {
                    owed |= matches!(msg, Some(Ok(Message::Ping(_))));
                    classify(msg)
                }
            };
            inbox.heard();
            let stop = match msg {
                Ok(None) => break None,
                Ok(Some(None)) => continue,
                Ok(Some(Some(text))) => match peer.text(text) {
                    Ok(None) => continue,
                    Ok(Some(msg)) => match peer.mailbox().try_send(msg) {
                        Ok(()) => continue,
                        Err(TrySendError::Full(msg)) => {
                            let place = Box::pin(peer.mailbox().clone().reserve_owned());
                            waiting = Some(Box::new(Waiting { msg, place }));
                            continue;
                        }
                        Err(TrySendError::Closed(_)) => break None,
                    },
                    Err(stop) => stop,
                },
                Err(stop) => stop,
            };
            inbox.close(close_for(stop.0, &stop.1));
        };
        drop(withdraw);
        match reason {
            // A stalled peer may never take the rest or the close frame; they are not waited for
            // long. The rest goes first: a close frame inside a frame would be read as its bytes.
            Some(reason) => {
                let _ = tokio::time::timeout(CLOSE_GRACE, async {
                    std::future::poll_fn(|cx| unsent.poll_write(ws.get_mut(), cx)).await?;
                    ws.send(close_message(reason)).await.map_err(std::io::Error::other)
                })
                .await;
            }
            // The peer left: pass on the library's reply to its close frame, if any.
            None => {
                let _ = tokio::time::timeout(CLOSE_GRACE, ws.flush()).await;
            }
        }
    }
}

/// Takes a connection's socket back from its room when dropped (`Inbox::withdraw`).
struct Withdraw<'a>(&'a Inbox);

impl Drop for Withdraw<'_> {
    fn drop(&mut self) {
        self.0.withdraw();
    }
}

/// Close reasons are static strings; a rejection is mapped to the nearest one.
fn close_for(code: u16, rejection: &Rejection) -> CloseReason {
    let reason = match code {
        TOO_BIG => "message too large",
        INVALID_DATA => "not a valid message",
        UNSUPPORTED => "binary frames are not accepted",
        PROTOCOL_ERROR => "websocket protocol error",
        GOING_AWAY => "no answer to ping",
        _ if rejection.code == ErrorCode::TooLong => "message too large",
        _ => "policy violation",
    };
    CloseReason { code, reason }
}

/// What a frame read means: `Ok(None)` at the end of the stream, `Ok(Some(None))` for a control
/// frame, `Ok(Some(Some(text)))` for a text frame; `Err` for what closes the connection, with the
/// close code RFC 6455 gives it (the library reports these as errors and sends no close frame).
fn classify(msg: Option<Result<Message, tungstenite::Error>>) -> Result<Option<Option<Utf8Bytes>>, Stop> {
    let Some(msg) = msg else { return Ok(None) };
    let bad = |message: String| Rejection::new(ErrorCode::BadRequest, message);
    match msg {
        Ok(Message::Text(text)) => Ok(Some(Some(text))),
        Ok(Message::Binary(_)) => Err((UNSUPPORTED, bad("binary frames are not accepted".into()))),
        Ok(Message::Close(_)) => Ok(None),
        Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_)) => Ok(Some(None)),
        Err(tungstenite::Error::Capacity(_)) => {
            let limit = format!("a message is at most {MAX_MESSAGE_BYTES} bytes");
            Err((TOO_BIG, Rejection::new(ErrorCode::TooLong, limit)))
        }
        Err(tungstenite::Error::Utf8(_)) => {
            Err((INVALID_DATA, bad("a text frame is not valid UTF-8".into())))
        }
        // The peer dropped the connection without a close frame: nothing to answer.
        Err(tungstenite::Error::Protocol(
            ProtocolError::ResetWithoutClosingHandshake | ProtocolError::ReceivedAfterClosing,
        )) => Ok(None),
        Err(tungstenite::Error::Protocol(e)) => {
            Err((PROTOCOL_ERROR, bad(format!("websocket protocol error: {e}"))))
        }
        Err(_) => Ok(None),
    }
}

/// Reads the first protocol message, skipping control frames. Anything but a well-formed
/// message in a text frame of UTF-8 is a bad hello (1008).
async fn read_hello(stream: &mut Socket) -> Result<Option<ClientMsg>, Stop> {
    loop {
        match classify(stream.next().await)? {
            None => return Ok(None),
            Some(None) => {}
            Some(Some(text)) => {
                return serde_json::from_str(&text).map(Some).map_err(|e| {
                    // A hello of another version may have another shape: its version is what
                    // to answer, so that an old page knows to reload.
                    let hello =
                        serde_json::from_str::<HelloVersion>(&text).ok().filter(|h| h.kind == "hello");
                    let version = hello.and_then(|h| h.protocol);
                    match version.filter(|v| *v != PROTOCOL_VERSION) {
                        Some(v) => {
                            let msg = format!(
                                "this server speaks protocol {PROTOCOL_VERSION}, not {v}: reload the page"
                            );
                            (POLICY, Rejection::new(ErrorCode::UnsupportedVersion, msg))
                        }
                        None => {
                            (POLICY, Rejection::new(ErrorCode::BadRequest, format!("not a valid hello: {e}")))
                        }
                    }
                });
            }
        }
    }
}

/// The version of a `hello`, whatever the rest of it.
#[derive(Deserialize)]
struct HelloVersion {
    #[serde(rename = "type")]
    kind: String,
    protocol: Option<u32>,
}

/// Every frame type a client may send, as its `type` says: a frame of another type closes the
/// connection; a malformed frame of one of these is answered and the connection stays.
const FRAME_TYPES: [&str; 5] = ["hello", "cmd", "caret", "drag", "ping"];

/// The `type` of a client frame; one arm per variant, so a new frame type cannot be forgotten
/// in [`FRAME_TYPES`] (a test checks them against each other).
#[cfg_attr(not(test), allow(dead_code))]
fn frame_type(msg: &ClientMsg) -> &'static str {
    match msg {
        ClientMsg::Hello { .. } => "hello",
        ClientMsg::Cmd { .. } => "cmd",
        ClientMsg::Caret { .. } => "caret",
        ClientMsg::Drag { .. } => "drag",
        ClientMsg::Ping => "ping",
    }
}

/// A frame of a known type that does not parse as a whole: what is known of it.
#[derive(Debug)]
struct Malformed {
    kind: String,
    /// The command's id, if it has a well-formed one.
    id: Option<CommandId>,
    error: String,
}

/// The first pass over a frame that is not a whole [`ClientMsg`]: its type and its command id,
/// whatever the id's type (so this keeps working when it changes).
#[derive(Deserialize)]
struct Envelope {
    #[serde(rename = "type")]
    kind: String,
    #[serde(default)]
    id: Option<serde_json::Value>,
}

/// How a command frame starts when its sender writes `type` first, as the browser does.
const CMD_PREFIX: &str = r#"{"type":"cmd","#;

/// A command frame read directly (its `type` is known from the prefix, `"cmd"`): serde reads a
/// frame of an internally tagged enum into a buffer before it knows the variant, which took a
/// third of a command's parsing. Anything this does not read goes the general way.
#[derive(Deserialize)]
struct CmdFrame {
    /// Read only so that a second `type` is a duplicate field here too, and the frame goes the
    /// general way, which refuses it: a frame is read the same whichever way it goes.
    #[serde(rename = "type")]
    _kind: serde::de::IgnoredAny,
    id: CommandId,
    cmd: Command,
}

/// Parses a frame after `hello`: a message, or a malformed frame of a known type (answered);
/// `Err` (1007) for what is not JSON, not an object with a `type`, or of no known type.
fn parse(text: &str) -> Result<Result<ClientMsg, Malformed>, Stop> {
    if text.starts_with(CMD_PREFIX)
        && let Ok(CmdFrame { id, cmd, .. }) = serde_json::from_str::<CmdFrame>(text)
    {
        return Ok(Ok(ClientMsg::Cmd { id, cmd }));
    }
    let error = match serde_json::from_str::<ClientMsg>(text) {
        Ok(msg) => return Ok(Ok(msg)),
        Err(error) => error,
    };
    let invalid = |message: String| (INVALID_DATA, Rejection::new(ErrorCode::BadRequest, message));
    let envelope = serde_json::from_str::<Envelope>(text)
        .map_err(|_| invalid(format!("not a valid message: {error}")))?;
    if !FRAME_TYPES.contains(&envelope.kind.as_str()) {
        return Err(invalid(format!("unknown message type {:?}", envelope.kind)));
    }
    let id = envelope.id.and_then(|id| CommandId::deserialize(id).ok());
    Ok(Err(Malformed { kind: envelope.kind, id, error: error.to_string() }))
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

/// What woke a waiting connection.
enum Woke<M> {
    /// The outbox (something to write, or a close).
    Outbox,
    /// The room's mailbox has a place for the waiting message (or the room has gone).
    Room(Place<M>),
    /// The peer sent something.
    Socket(Option<Result<Message, tungstenite::Error>>),
}

/// Waits for the outbox, the room's mailbox (while a message waits for a place in it), or the
/// next message from the peer (while none does). The socket is polled only when it woke the
/// task (or the library may hold more frames): a wake from the outbox, which is most wakes of a
/// busy room's members, costs no read attempt.
async fn wait<M, S: Transport>(
    ws: &mut WebSocketStream<S>,
    inbox: &Inbox,
    read_waker: &Waker,
    mut waiting: Option<&mut Waiting<M>>,
) -> Woke<M> {
    let ready = inbox.ready();
    let mut ready = std::pin::pin!(ready);
    std::future::poll_fn(|cx| {
        if ready.as_mut().poll(cx).is_ready() {
            return Poll::Ready(Woke::Outbox);
        }
        if let Some(waiting) = waiting.as_mut() {
            return waiting.place.as_mut().poll(cx).map(Woke::Room);
        }
        // The outbox's wait above registered this task for the socket's waker too.
        if inbox.take_readable()
            && let Poll::Ready(msg) = ws.poll_next_unpin(&mut Context::from_waker(read_waker))
        {
            inbox.keep_readable();
            return Poll::Ready(Woke::Socket(msg));
        }
        Poll::Pending
    })
    .await
}

/// Writes a ping (if due) and every taken frame, gathered in the worker thread's buffer, after
/// what the library owes the peer (only if it does: asking it goes through the library).
/// Cancelled (the connection must close), it leaves what the socket has not taken in `unsent`.
async fn write_batch<S: Transport>(
    ws: &mut WebSocketStream<S>,
    batch: &mut Batch,
    unsent: &mut Unsent,
    owed: &mut bool,
) -> Result<(), tungstenite::Error> {
    if *owed {
        ws.flush().await?;
        *owed = false;
    }
    let ping = std::mem::take(&mut batch.ping);
    let socket = ws.get_mut();
    let mut pending = cork::Pending { ping, frames: &batch.frames, next: 0 };
    let written = std::future::poll_fn(|cx| pending.poll_write(socket, unsent, cx)).await;
    let next = pending.next;
    batch.frames.drain(..next);
    // A burst must not keep its high-water capacity on an idle connection.
    if batch.frames.is_empty() && batch.frames.capacity() > KEEP_CAPACITY {
        batch.frames = Vec::new();
    }
    Ok(written?)
}

fn close_message(reason: CloseReason) -> Message {
    Message::Close(Some(CloseFrame { code: reason.code.into(), reason: reason.reason.into() }))
}

#[cfg(test)]
mod tests {
    use futures_util::SinkExt;
    use horseshoe_protocol::{ClientId, Command, Credentials};
    use tokio_tungstenite::tungstenite::protocol::Role;

    use super::*;
    use crate::cork::CORK_BYTES;
    use crate::outbox::OUTBOX_FRAMES;

    #[test]
    fn every_frame_type_is_known() {
        let examples = [
            ClientMsg::Hello {
                protocol: PROTOCOL_VERSION,
                credentials: Credentials::Viewer,
                client: ClientId("tab".into()),
                name: None,
                last_seq: None,
            },
            ClientMsg::Cmd { id: CommandId(1), cmd: Command::Rename { name: "n".into() } },
            serde_json::from_str(r#"{"type":"caret","target":{"kind":"definition","group":1}}"#)
                .expect("caret"),
            serde_json::from_str(r#"{"type":"drag","id":"n","x":1,"y":2}"#).expect("drag"),
            ClientMsg::Ping,
        ];
        let types: Vec<&str> = examples.iter().map(frame_type).collect();
        assert_eq!(types, FRAME_TYPES);
        for msg in &examples {
            let json = serde_json::to_value(msg).expect("serializes");
            assert_eq!(json["type"], frame_type(msg));
        }
    }

    #[test]
    fn malformed_frames_of_known_types_keep_their_command_id() {
        let unknown_command = r#"{"type":"cmd","id":9,"cmd":{"type":"note.fly"}}"#;
        let Ok(Err(malformed)) = parse(unknown_command) else { panic!("not a malformed command") };
        assert_eq!((malformed.kind.as_str(), malformed.id), ("cmd", Some(CommandId(9))));
        let no_id = r#"{"type":"cmd","cmd":{"type":"member.rename","name":"x"}}"#;
        let Ok(Err(malformed)) = parse(no_id) else { panic!("not a malformed command") };
        assert_eq!(malformed.id, None);
        for closing in ["not json", "[1,2]", r#"{"no":"type"}"#, r#"{"type":"teleport","id":"c"}"#] {
            assert_eq!(parse(closing).err().map(|(code, _)| code), Some(INVALID_DATA), "{closing}");
        }
    }

    #[test]
    fn a_command_reads_the_same_whichever_way_it_is_parsed() {
        let drop = r#"{"type":"cmd","id":7,"cmd":{"type":"note.drop","id":"m:n1","x":3,"y":4}}"#;
        let general = serde_json::from_str::<ClientMsg>(drop).expect("a command");
        assert!(drop.starts_with(CMD_PREFIX), "this frame takes the direct way");
        assert_eq!(parse(drop).expect("parsed").expect("well formed"), general);
        // `type` elsewhere than first, or a space after a brace: the general way, same result.
        let later = r#"{"id":7,"cmd":{"type":"note.drop","id":"m:n1","x":3,"y":4},"type":"cmd"}"#;
        let spaced =
            r#"{ "type": "cmd", "id": 7, "cmd": {"type": "note.drop", "id": "m:n1", "x": 3, "y": 4}}"#;
        for text in [later, spaced] {
            assert!(!text.starts_with(CMD_PREFIX));
            assert_eq!(parse(text).expect("parsed").expect("well formed"), general, "{text}");
        }
        // A frame the direct way refuses is still answered as the general way answers it.
        let bad_id = r#"{"type":"cmd","id":"seven","cmd":{"type":"note.drop","id":"m:n1","x":3,"y":4}}"#;
        let Ok(Err(malformed)) = parse(bad_id) else { panic!("not a malformed command") };
        assert_eq!((malformed.kind.as_str(), malformed.id), ("cmd", None));
        // A second `type`, whatever it says, is refused both ways.
        for again in ["cmd", "hello"] {
            let twice = format!(
                r#"{{"type":"cmd","id":7,"cmd":{{"type":"note.drop","id":"m:n1","x":3,"y":4}},"type":"{again}"}}"#
            );
            assert!(twice.starts_with(CMD_PREFIX));
            assert!(serde_json::from_str::<ClientMsg>(&twice).is_err(), "the general way refuses it");
            assert_eq!(parse(&twice).err().map(|(code, _)| code), Some(INVALID_DATA), "{twice}");
        }
    }

    /// Sends every text frame to a mailbox, like a room member does.
    struct Forward(mpsc::Sender<Utf8Bytes>);

    impl Peer for Forward {
        type Msg = Utf8Bytes;

        fn mailbox(&self) -> &mpsc::Sender<Utf8Bytes> {
            &self.0
        }

        fn text(&mut self, text: Utf8Bytes) -> Result<Option<Utf8Bytes>, Stop> {
            Ok(Some(text))
        }
    }

    /// A connection run by `pump` over an in-memory pipe of `capacity` bytes, forwarding to
    /// `mailbox`: the client's end, the connection's outbox, and its task.
    struct Served {
        client: WebSocketStream<tokio::io::DuplexStream>,
        outbox: Outbox,
        connection: tokio::task::JoinHandle<()>,
    }

    impl Served {
        async fn start(capacity: usize, mailbox: mpsc::Sender<Utf8Bytes>) -> Self {
            let (server_end, client_end) = tokio::io::duplex(capacity);
            let mut server =
                WebSocketStream::from_raw_socket(server_end, Role::Server, Some(socket_config())).await;
            let client = WebSocketStream::from_raw_socket(client_end, Role::Client, None).await;
            let (outbox, inbox) = Outbox::new(Arc::new(Metrics::default()));
            let connection =
                tokio::spawn(async move { pump(&mut server, &inbox, &mut Forward(mailbox)).await });
            Self { client, outbox, connection }
        }
    }

    #[tokio::test]
    async fn a_sender_whose_room_is_full_is_read_more_slowly_while_its_outbox_keeps_draining() {
        // A room whose mailbox is full and that takes nothing for now.
        let (mailbox, mut room) = mpsc::channel(1);
        mailbox.try_send(Utf8Bytes::from_static("queued before")).expect("a place");
        let Served { mut client, outbox, connection } = Served::start(64 * 1024, mailbox).await;

        client.send(Message::text("first")).await.expect("sent");
        client.send(Message::text("second")).await.expect("sent");
        // Meanwhile the room fans out to this connection far more than its outbox holds.
        let chunk = OUTBOX_FRAMES / 4;
        for round in 0..12 {
            for n in 0..chunk {
                outbox.send(Utf8Bytes::from(format!("{round}-{n}")));
            }
            for n in 0..chunk {
                match tokio::time::timeout(Duration::from_secs(10), client.next()).await {
                    Ok(Some(Ok(Message::Text(text)))) => assert_eq!(text.as_str(), format!("{round}-{n}")),
                    other => panic!("frame {round}-{n} did not come: {other:?}"),
                }
            }
        }
        assert!(!outbox.is_closed(), "the sender was closed as a slow consumer");

        // Once the room takes its mail, the waiting message goes in, then the next is read.
        assert_eq!(room.recv().await.expect("mail").as_str(), "queued before");
        assert_eq!(room.recv().await.expect("mail").as_str(), "first");
        assert_eq!(room.recv().await.expect("mail").as_str(), "second");
        drop(room);
        client.send(Message::text("third")).await.expect("sent");
        // With the room gone, the connection ends.
        tokio::time::timeout(Duration::from_secs(10), connection).await.expect("ended").expect("no panic");
    }

    #[tokio::test]
    async fn a_ping_from_the_peer_is_answered_at_once_with_nothing_else_to_write() {
        let (mailbox, _room) = mpsc::channel(1);
        let Served { mut client, .. } = Served::start(8 * 1024, mailbox).await;

        client.send(Message::Ping("are you there".into())).await.expect("sent");
        match tokio::time::timeout(Duration::from_secs(10), client.next()).await {
            Ok(Some(Ok(Message::Pong(payload)))) => assert_eq!(&payload[..], b"are you there"),
            other => panic!("no pong: {other:?}"),
        }
    }

    impl Transport for tokio::net::TcpStream {
        fn socket(&self) -> Option<RawFd> {
            Some(std::os::fd::AsRawFd::as_raw_fd(self))
        }
    }

    #[tokio::test]
    async fn frames_a_room_writes_straight_arrive_whole_and_in_order_with_a_reader_that_stalls_and_pings() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let addr = listener.local_addr().expect("its address");
        let (client_tcp, accepted) = tokio::join!(tokio::net::TcpStream::connect(addr), listener.accept());
        let (client_tcp, (server_tcp, _)) = (client_tcp.expect("connected"), accepted.expect("accepted"));
        // As the server's own (serve.rs), and small buffers: a reader that stalls fills them
        // within a few frames.
        for tcp in [&server_tcp, &client_tcp] {
            tcp.set_nodelay(true).expect("no delay");
        }
        socket2::SockRef::from(&server_tcp).set_send_buffer_size(32 * 1024).expect("a small send buffer");
        socket2::SockRef::from(&client_tcp).set_recv_buffer_size(32 * 1024).expect("a small receive buffer");
        let mut server =
            WebSocketStream::from_raw_socket(server_tcp, Role::Server, Some(socket_config())).await;
        let client = WebSocketStream::from_raw_socket(client_tcp, Role::Client, None).await;
        let metrics = Arc::new(Metrics::default());
        let (outbox, inbox) = Outbox::new(metrics.clone());
        let (mailbox, _room) = mpsc::channel(1);
        tokio::spawn(async move { pump(&mut server, &inbox, &mut Forward(mailbox)).await });

        // Frames of every size class (some too large to go straight), sent one by one; the
        // reader reads alongside, stalls now and then, and pings twice, so that the socket
        // fills and drains while the room and the connection's task hand the writing over to
        // each other.
        const FRAMES: usize = 1000;
        let size = |i: usize| if i % 50 == 49 { CORK_BYTES + 100 } else { i * 131 % 3000 };
        let texts: Vec<String> = (0..FRAMES).map(|i| format!("{i}:{}", "x".repeat(size(i)))).collect();
        let reader = tokio::spawn(async move {
            let (mut client, mut got, mut pongs) = (client, Vec::new(), 0);
            while got.len() < FRAMES {
                match tokio::time::timeout(Duration::from_secs(10), client.next()).await {
                    Ok(Some(Ok(Message::Text(text)))) => got.push(text.as_str().to_owned()),
                    Ok(Some(Ok(Message::Pong(payload)))) if &payload[..] == b"still there?" => pongs += 1,
                    other => panic!("after {} frames: {other:?}", got.len()),
                }
                if got.len() % 37 == 0 {
                    tokio::time::sleep(Duration::from_millis(2)).await;
                }
                if got.len() == 100 || got.len() == 900 {
                    client.send(Message::Ping("still there?".into())).await.expect("a ping");
                }
            }
            while pongs < 2 {
                match tokio::time::timeout(Duration::from_secs(10), client.next()).await {
                    Ok(Some(Ok(Message::Pong(payload)))) if &payload[..] == b"still there?" => pongs += 1,
                    other => panic!("a pong short: {other:?}"),
                }
            }
            got
        });
        for (i, text) in texts.iter().enumerate() {
            outbox.send(Utf8Bytes::from(text.clone()));
            tokio::task::yield_now().await;
            if i % 61 == 0 {
                tokio::time::sleep(Duration::from_millis(1)).await;
            }
        }
        let got = tokio::time::timeout(Duration::from_secs(30), reader)
            .await
            .expect("read in time")
            .expect("the reader");
        let head = |text: &str| text.split(':').next().unwrap_or_default().to_owned();
        for (got, sent) in got.iter().zip(&texts) {
            assert!(got == sent, "frame {:?} came for {:?}", head(got), head(sent));
        }
        assert!(!outbox.is_closed(), "closed as a slow consumer");
        let get = |counter: &std::sync::atomic::AtomicU64| counter.load(std::sync::atomic::Ordering::Relaxed);
        let straight = get(&metrics.written_straight);
        assert!(straight > 0, "nothing went straight");
        assert!(
            straight < get(&metrics.messages_out),
            "the socket never left anything to the connection's task"
        );
    }

    #[tokio::test]
    async fn large_frames_written_directly_arrive_whole_and_in_order_with_the_small_ones() {
        let (mailbox, _room) = mpsc::channel(1);
        let Served { mut client, outbox, .. } = Served::start(8 * 1024, mailbox).await;

        // Each length class of the frame header, around the direct-write threshold.
        let sizes = [1, 125, CORK_BYTES - 10, CORK_BYTES - 9, 65_535, 65_536, 300_000];
        let texts: Vec<String> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| char::from(b'a' + i as u8).to_string().repeat(n))
            .collect();
        for text in &texts {
            outbox.send(Utf8Bytes::from(text.clone()));
        }
        for text in &texts {
            match tokio::time::timeout(Duration::from_secs(10), client.next()).await {
                Ok(Some(Ok(Message::Text(got)))) => {
                    assert!(got.as_str() == text, "a {} byte frame changed", text.len())
                }
                other => panic!("the {} byte frame did not come: {other:?}", text.len()),
            }
        }
    }
}
