//! One WebSocket connection: the `hello` handshake, a reader that forwards commands to the
//! room, and a writer task that drains the connection's bounded queue, feeding every queued
//! frame and flushing once.

use std::time::Duration;

use axum::extract::ws::{CloseFrame, Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, State};
use axum::response::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use horseshoe_protocol::{ClientMsg, ErrorCode, PROTOCOL_VERSION, Rejection, RoomId, ServerMsg};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::AppState;
use crate::room::{
    CloseReason, Closer, ConnId, Frame, JoinRequest, Joined, Outbox, RoomHandle, RoomMsg, frame,
};

/// Largest message a client may send; the biggest command is a few KiB of text.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// Read buffer per connection: small, so idle connections cost kilobytes.
pub const READ_BUFFER_BYTES: usize = 4 * 1024;
/// Write buffer per connection before a flush is forced.
pub const WRITE_BUFFER_BYTES: usize = 8 * 1024;
/// Most bytes a connection's write buffer may hold while the socket is slow.
pub const MAX_WRITE_BUFFER_BYTES: usize = 1024 * 1024;
/// Frames queued for one connection before it counts as a slow consumer and is closed.
pub const OUTBOX_CAP: usize = 1024;
/// Time a client has to say `hello` after connecting.
pub const HELLO_TIMEOUT: Duration = Duration::from_secs(10);

const POLICY: u16 = 1008;
const TRY_AGAIN_LATER: u16 = 1013;
const INVALID_DATA: u16 = 1007;
const UNSUPPORTED: u16 = 1003;

pub async fn upgrade(
    ws: WebSocketUpgrade,
    Path(room): Path<String>,
    State(app): State<AppState>,
) -> Response {
    ws.read_buffer_size(READ_BUFFER_BYTES)
        .write_buffer_size(WRITE_BUFFER_BYTES)
        .max_write_buffer_size(MAX_WRITE_BUFFER_BYTES)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| {
            let tracker = app.registry.tracker.clone();
            tracker.track_future(connection(socket, room, app))
        })
}

async fn connection(socket: WebSocket, room: String, app: AppState) {
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

    let (frames_tx, frames_rx) = mpsc::channel(OUTBOX_CAP);
    let closer = Closer::default();
    let outbox = Outbox { frames: frames_tx.clone(), closer: closer.clone() };
    let (credentials, name, last_seq) = hello;
    let (room, Joined { conn }) =
        match join(&app, &room_id, JoinRequest { credentials, name, last_seq, outbox }).await {
            Ok(joined) => joined,
            Err(rejection) => {
                // A server-side failure is worth retrying; anything else is final.
                let code = if rejection.code == ErrorCode::Internal { TRY_AGAIN_LATER } else { POLICY };
                refuse(&mut sink, code, rejection).await;
                return;
            }
        };
    let writer = tokio::spawn(write_loop(sink, frames_rx, closer.clone(), app.registry.shutdown.clone()));
    read_loop(&mut stream, &room, conn, &frames_tx, &closer).await;
    let _ = room.tx.send(RoomMsg::Leave { conn }).await;
    drop(frames_tx);
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

async fn read_loop(
    stream: &mut SplitStream<WebSocket>,
    room: &RoomHandle,
    conn: ConnId,
    frames: &mpsc::Sender<Frame>,
    closer: &Closer,
) {
    loop {
        let msg = tokio::select! {
            _ = closer.closed() => return,
            msg = read_msg(stream) => msg,
        };
        match msg {
            Ok(Some(ClientMsg::Cmd { id, cmd })) => {
                if !id.is_valid() {
                    let bad = Rejection::new(
                        ErrorCode::BadRequest,
                        "a command id is 1-64 printable ASCII characters",
                    );
                    closer.close(close_for(INVALID_DATA, &bad));
                    return;
                }
                if room.tx.send(RoomMsg::Command { conn, id, command: cmd }).await.is_err() {
                    return;
                }
            }
            Ok(Some(msg @ (ClientMsg::Typing { .. } | ClientMsg::Drag { .. }))) => {
                if room.tx.send(RoomMsg::Live { conn, msg }).await.is_err() {
                    return;
                }
            }
            Ok(Some(ClientMsg::Hello { .. })) => {
                let again = ServerMsg::Error {
                    code: ErrorCode::BadRequest,
                    message: "hello was already said".into(),
                };
                if let Some(f) = frame(&again) {
                    let _ = frames.try_send(f);
                }
            }
            Ok(None) => return,
            Err((code, rejection)) => {
                closer.close(close_for(code, &rejection));
                return;
            }
        }
    }
}

/// Close reasons are static strings; a rejection's message is mapped to the nearest one.
fn close_for(code: u16, rejection: &Rejection) -> CloseReason {
    let reason = match rejection.code {
        ErrorCode::TooLong => "message too large",
        ErrorCode::BadRequest if code == INVALID_DATA => "not a valid message",
        ErrorCode::BadRequest if code == UNSUPPORTED => "binary frames are not accepted",
        _ => "policy violation",
    };
    CloseReason { code, reason }
}

/// Reads the next protocol message. `Ok(None)` is the end of the stream; `Err` carries the
/// close code and the reason for a frame the server will not take.
async fn read_msg(stream: &mut SplitStream<WebSocket>) -> Result<Option<ClientMsg>, (u16, Rejection)> {
    loop {
        let Some(msg) = stream.next().await else {
            return Ok(None);
        };
        let msg = match msg {
            Ok(msg) => msg,
            Err(e) => {
                tracing::debug!(error = %e, "websocket read failed");
                return Ok(None);
            }
        };
        match msg {
            Message::Text(text) => {
                return serde_json::from_str(text.as_str()).map(Some).map_err(|e| {
                    (INVALID_DATA, Rejection::new(ErrorCode::BadRequest, format!("not a valid message: {e}")))
                });
            }
            Message::Binary(_) => {
                let binary = Rejection::new(ErrorCode::BadRequest, "binary frames are not accepted");
                return Err((UNSUPPORTED, binary));
            }
            Message::Close(_) => return Ok(None),
            Message::Ping(_) | Message::Pong(_) => {}
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

async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut frames: mpsc::Receiver<Frame>,
    closer: Closer,
    shutdown: CancellationToken,
) {
    loop {
        let first = tokio::select! {
            biased;
            reason = closer.closed() => {
                let _ = sink.send(close_message(reason)).await;
                return;
            }
            () = shutdown.cancelled() => {
                let _ = sink.send(close_message(CloseReason::RESTARTING)).await;
                return;
            }
            frame = frames.recv() => match frame {
                Some(frame) => frame,
                None => return,
            },
        };
        if sink.feed(Message::Text(first)).await.is_err() {
            return;
        }
        while let Ok(frame) = frames.try_recv() {
            if sink.feed(Message::Text(frame)).await.is_err() {
                return;
            }
        }
        if sink.flush().await.is_err() {
            return;
        }
    }
}

fn close_message(reason: CloseReason) -> Message {
    Message::Close(Some(CloseFrame { code: reason.code, reason: reason.reason.into() }))
}
