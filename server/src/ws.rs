//! One WebSocket connection: admission (caps, origin), the `hello` handshake, a reader that
//! forwards commands to the room under a token bucket and drops a silent peer, and a writer
//! task that drains the connection's bounded queue, feeding every queued frame and flushing
//! once, and pings.

use std::net::SocketAddr;
use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use horseshoe_protocol::{ClientMsg, ErrorCode, PROTOCOL_VERSION, Rejection, RoomId, ServerMsg};
use tokio::sync::oneshot;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::admission::{
    Bucket, COMMAND_BURST, COMMANDS_PER_SECOND, Heartbeat, LIVE_BURST, LIVE_PER_SECOND, Refusal, Slot,
    origin_allowed,
};
use crate::metrics::Metrics;
use crate::outbox::{Inbox, Outbox};
use crate::room::{CloseReason, Closer, ConnId, Frame, JoinRequest, Joined, RoomHandle, RoomMsg, frame};

/// Largest message a client may send; the biggest command is a few KiB of text.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Read buffer per connection: small, so idle connections cost kilobytes.
pub const READ_BUFFER_BYTES: usize = 4 * 1024;
/// Write buffer per connection before a flush is forced.
pub const WRITE_BUFFER_BYTES: usize = 8 * 1024;
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
    ws: WebSocketUpgrade,
    Path(room): Path<String>,
    State(app): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let origin = headers.get(header::ORIGIN).and_then(|h| h.to_str().ok());
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let admitted = if origin_allowed(origin, host, &app.allowed_origins) {
        app.connections.admit(peer.ip())
    } else {
        Err(Refusal::Origin)
    };
    let slot = match admitted {
        Ok(slot) => slot,
        Err(refusal) => {
            Metrics::count(&app.registry.metrics.connections_refused);
            tracing::info!(%peer, %refusal, "websocket refused");
            let status = match refusal {
                Refusal::Full => StatusCode::SERVICE_UNAVAILABLE,
                Refusal::TooManyFromAddress => StatusCode::TOO_MANY_REQUESTS,
                Refusal::Origin => StatusCode::FORBIDDEN,
            };
            return (status, refusal.to_string()).into_response();
        }
    };
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| {
            let tracker = app.registry.tracker.clone();
            tracker.track_future(connection(socket, room, app, slot))
        })
}

/// Why the reader stopped reading.
type Stop = (u16, Rejection);

async fn connection(socket: WebSocket, room: String, app: AppState, _slot: Slot) {
    let (mut sink, mut stream) = socket.split();
    let Some(room_id) = RoomId::parse(&room) else {
        let no_room = Rejection::new(ErrorCode::NotFound, "no such room: check the link");
        refuse(&mut sink, POLICY, no_room).await;
        return;
    };
    let hello = match tokio::time::timeout(HELLO_TIMEOUT, read_msg(&mut stream)).await {
        Ok(Ok(Some(ClientMsg::Hello { protocol, credentials, name, last_seq }))) => {
            if protocol != PROTOCOL_VERSION {
                let msg = format!(
                    "this server speaks protocol {PROTOCOL_VERSION}, not {protocol}: reload the page"
                );
                refuse(&mut sink, POLICY, Rejection::new(ErrorCode::UnsupportedVersion, msg)).await;
                return;
            }
            (credentials, name, last_seq)
        }
        Ok(Ok(Some(_))) => {
            let first = Rejection::new(ErrorCode::BadRequest, "the first message must be hello");
            refuse(&mut sink, POLICY, first).await;
            return;
        }
        Ok(Ok(None)) => return,
        Ok(Err((code, rejection))) => {
            refuse(&mut sink, code, rejection).await;
            return;
        }
        Err(_) => {
            refuse(&mut sink, POLICY, Rejection::new(ErrorCode::BadRequest, "no hello in time")).await;
            return;
        }
    };
    Metrics::count(&app.registry.metrics.messages_in);

    let (outbox, inbox) = Outbox::new(app.registry.metrics.clone());
    let closer = outbox.closer.clone();
    let (credentials, name, last_seq) = hello;
    let request = JoinRequest { credentials, name, last_seq, outbox: outbox.clone() };
    let (room, Joined { conn }) = match join(&app, &room_id, request).await {
        Ok(joined) => joined,
        Err(rejection) => {
            // A server-side failure is worth retrying; anything else is final.
            let code = if rejection.code == ErrorCode::Internal { TRY_AGAIN_LATER } else { POLICY };
            refuse(&mut sink, code, rejection).await;
            return;
        }
    };
    let shutdown = app.registry.shutdown.clone();
    let writer = tokio::spawn(write_loop(sink, inbox, closer.clone(), shutdown, app.heartbeat));
    let metrics = &app.registry.metrics;
    if let Err((code, rejection)) = read_loop(&mut stream, &room, conn, &outbox, metrics, app.heartbeat).await
    {
        closer.close(close_for(code, &rejection));
    }
    let _ = room.tx.send(RoomMsg::Leave { conn }).await;
    drop(outbox);
    let _ = writer.await;
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

/// Reads until the peer leaves (`Ok`), or until it must be closed (`Err` with the reason).
async fn read_loop(
    stream: &mut SplitStream<WebSocket>,
    room: &RoomHandle,
    conn: ConnId,
    outbox: &Outbox,
    metrics: &Metrics,
    heartbeat: Heartbeat,
) -> Result<(), Stop> {
    let now = Instant::now();
    let mut commands = Bucket::new(COMMAND_BURST, COMMANDS_PER_SECOND, now);
    let mut live = Bucket::new(LIVE_BURST, LIVE_PER_SECOND, now);
    let mut heard = now;
    loop {
        let msg = tokio::select! {
            _ = outbox.closer.closed() => return Ok(()),
            () = tokio::time::sleep_until(heard + heartbeat.silence_limit) => {
                return Err((GOING_AWAY, Rejection::new(ErrorCode::BadRequest, "no answer to ping")));
            }
            msg = next_frame(stream) => msg?,
        };
        heard = Instant::now();
        let Some(msg) = msg else { return Ok(()) };
        let Some(text) = msg else { continue };
        Metrics::count(&metrics.messages_in);
        match parse(&text)? {
            ClientMsg::Cmd { id, cmd } => {
                if !id.is_valid() {
                    let bad = Rejection::new(
                        ErrorCode::BadRequest,
                        "a command id is 1-64 printable ASCII characters",
                    );
                    return Err((INVALID_DATA, bad));
                }
                if !commands.take(heard) {
                    metrics.rejected(ErrorCode::RateLimited);
                    let slow_down = ServerMsg::Reject {
                        id,
                        code: ErrorCode::RateLimited,
                        message: "too many changes at once: this one was not made, send it again".into(),
                    };
                    if let Some(f) = frame(&slow_down) {
                        outbox.send(f);
                    }
                    continue;
                }
                if room.tx.send(RoomMsg::Command { conn, id, command: cmd }).await.is_err() {
                    return Ok(());
                }
            }
            msg @ (ClientMsg::Typing { .. } | ClientMsg::Drag { .. }) => {
                // Previews beyond the rate are dropped: the next one, or the durable command
                // that follows, carries the same information.
                if live.take(heard) && room.tx.send(RoomMsg::Live { conn, msg }).await.is_err() {
                    return Ok(());
                }
            }
            ClientMsg::Hello { .. } => {
                let again = ServerMsg::Error {
                    code: ErrorCode::BadRequest,
                    message: "hello was already said".into(),
                };
                if let Some(f) = frame(&again) {
                    outbox.send(f);
                }
            }
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

/// The next frame: `Ok(None)` at the end of the stream, `Ok(Some(None))` for a control frame,
/// `Ok(Some(Some(text)))` for a text frame; `Err` for what closes the connection.
async fn next_frame(stream: &mut SplitStream<WebSocket>) -> Result<Option<Option<Utf8Bytes>>, Stop> {
    let Some(msg) = stream.next().await else { return Ok(None) };
    match msg {
        Ok(Message::Text(text)) => Ok(Some(Some(text))),
        Ok(Message::Binary(_)) => {
            Err((UNSUPPORTED, Rejection::new(ErrorCode::BadRequest, "binary frames are not accepted")))
        }
        Ok(Message::Close(_)) => Ok(None),
        Ok(Message::Ping(_) | Message::Pong(_)) => Ok(Some(None)),
        Err(e) => {
            // The library refuses an oversized message but sends no close frame: say 1009.
            if let Ok(inner) = e.into_inner().downcast::<tungstenite::Error>()
                && matches!(*inner, tungstenite::Error::Capacity(_))
            {
                let limit = format!("a message is at most {MAX_MESSAGE_BYTES} bytes");
                return Err((TOO_BIG, Rejection::new(ErrorCode::TooLong, limit)));
            }
            Ok(None)
        }
    }
}

fn parse(text: &str) -> Result<ClientMsg, Stop> {
    serde_json::from_str(text).map_err(|e| {
        (INVALID_DATA, Rejection::new(ErrorCode::BadRequest, format!("not a valid message: {e}")))
    })
}

/// Reads the first protocol message, skipping control frames.
async fn read_msg(stream: &mut SplitStream<WebSocket>) -> Result<Option<ClientMsg>, Stop> {
    loop {
        match next_frame(stream).await? {
            None => return Ok(None),
            Some(None) => {}
            Some(Some(text)) => return parse(&text).map(Some),
        }
    }
}

/// Sends `error` and closes: for connections that never got into a room.
async fn refuse(sink: &mut SplitSink<WebSocket, Message>, code: u16, rejection: Rejection) {
    let Rejection { code: error, message } = rejection;
    let reason: Utf8Bytes = truncate_reason(&message).into();
    if let Some(f) = frame(&ServerMsg::Error { code: error, message }) {
        let _ = sink.send(Message::Text(f)).await;
    }
    let _ = sink.send(Message::Close(Some(CloseFrame { code, reason }))).await;
}

/// A close reason must fit in a control frame (123 bytes).
fn truncate_reason(message: &str) -> String {
    let mut end = message.len().min(123);
    while !message.is_char_boundary(end) {
        end -= 1;
    }
    message[..end].to_owned()
}

pub(crate) async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut frames: Inbox,
    closer: Closer,
    shutdown: CancellationToken,
    heartbeat: Heartbeat,
) {
    let every = heartbeat.ping_every;
    let mut ping = tokio::time::interval_at(Instant::now() + every, every);
    // Why the connection ends, if the server ends it: the close frame to try to send.
    let reason = loop {
        let batch = tokio::select! {
            biased;
            reason = closer.closed() => break Some(reason),
            () = shutdown.cancelled() => break Some(CloseReason::RESTARTING),
            _ = ping.tick() => None,
            frame = frames.recv() => match frame {
                Some(frame) => Some(frame),
                None => break None,
            },
        };
        // A peer that stops reading blocks the socket: the closer and shutdown must still get
        // through, so the write itself is raced against them.
        let written = tokio::select! {
            biased;
            reason = closer.closed() => break Some(reason),
            () = shutdown.cancelled() => break Some(CloseReason::RESTARTING),
            written = write_batch(&mut sink, batch, &mut frames) => written,
        };
        if written.is_err() {
            break None;
        }
    };
    if let Some(reason) = reason {
        // A stalled peer may never take the close frame; it is not waited for long.
        let _ = tokio::time::timeout(CLOSE_GRACE, sink.send(close_message(reason))).await;
    }
}

/// Feeds `first` (or a ping) and everything else queued, then flushes once.
async fn write_batch(
    sink: &mut SplitSink<WebSocket, Message>,
    first: Option<Frame>,
    frames: &mut Inbox,
) -> Result<(), axum::Error> {
    match first {
        Some(frame) => sink.feed(Message::Text(frame)).await?,
        None => sink.feed(Message::Ping(Default::default())).await?,
    }
    while let Some(frame) = frames.try_recv() {
        sink.feed(Message::Text(frame)).await?;
    }
    sink.flush().await
}

fn close_message(reason: CloseReason) -> Message {
    Message::Close(Some(CloseFrame { code: reason.code, reason: reason.reason.into() }))
}
