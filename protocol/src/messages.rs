//! The frames on the WebSocket: JSON text, each a tagged object (`{"type": "hello", ...}`).

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::command::Command;
use crate::event::Event;
use crate::ids::{ClientId, CommandId, ItemId, MemberId};
use crate::shared::TextTarget;
use crate::state::{Private, Role, RoomState};

/// How a client proves who it is in `hello`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Credentials {
    /// Holder of the facilitator key (from the link fragment). `token` brings back the same
    /// facilitator member after a reload; without it a new facilitator member is made.
    Facilitator {
        key: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        token: Option<String>,
    },
    /// Anyone with the room link. `token` (kept by the browser) brings back the same person;
    /// without it, `name` makes a new participant.
    Participant {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        token: Option<String>,
    },
    /// The read-only wall display.
    Viewer,
}

/// Client to server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMsg {
    /// Must be the first frame.
    Hello {
        protocol: u32,
        credentials: Credentials,
        /// This client (a browser tab): its commands are numbered 1, 2, 3, ... on their own.
        /// Keep it across reconnects and reloads of the same tab, with the numbering.
        client: ClientId,
        /// Display name for a new member (ignored when a token brings back an existing one).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        name: Option<String>,
        /// On a reconnect: the last `seq` this client applied. If the server still has every
        /// event since, it answers `resume` and sends only those; otherwise a fresh `welcome`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional, type = "number")]
        last_seq: Option<u64>,
    },
    /// A durable command, numbered by the client (strictly increasing per `client`); answered
    /// by `ack` or `reject`. A resend with the same number is acknowledged, never applied twice.
    Cmd { id: CommandId, cmd: Command },
    /// Ephemeral: where the sender's caret (and selection) is in a shared text, as Yjs relative
    /// positions (base64); both absent when they leave the text. Never stored.
    Caret {
        target: TextTarget,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        anchor: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        head: Option<String>,
    },
    /// Ephemeral: a revealed post-it under the sender's pointer, for everyone else to see it
    /// move; the drop is the durable `note.drop`. `with`: the other selected post-its, which
    /// move by the same amount as `id` from where they lie.
    Drag {
        id: ItemId,
        x: i32,
        y: i32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        #[ts(as = "Option<Vec<ItemId>>", optional)]
        with: Vec<ItemId>,
    },
    /// Asks for a `pong` at once: how a browser, which cannot see WebSocket pings, finds out
    /// that a quiet connection is dead.
    Ping,
}

/// The identity the server gave this connection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct You {
    pub role: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub member_id: Option<MemberId>,
    /// Sent once, when a new member is made: the browser keeps it to come back as the same
    /// person. The server keeps only its hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub token: Option<String>,
}

/// Server to client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMsg {
    /// The answer to `hello`: who you are, the room as of `room.seq` (what everyone may see),
    /// your own private parts, who is here.
    Welcome {
        protocol: u32,
        you: You,
        room: Box<RoomState>,
        /// A member's own undo and redo stacks, unrevealed notes and dot votes (not for viewers).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        mine: Option<Box<Private>>,
        online: Vec<MemberId>,
        viewers: u32,
        /// The server's clock (ms since the Unix epoch) when this was sent, for countdowns.
        #[ts(type = "number")]
        server_time: i64,
    },
    /// The answer to a `hello` with `last_seq` when nothing was lost: the client keeps its
    /// state, and the events after `last_seq` follow at once as `event` frames.
    Resume {
        protocol: u32,
        you: You,
        #[ts(type = "number")]
        last_seq: u64,
        online: Vec<MemberId>,
        viewers: u32,
        #[ts(type = "number")]
        server_time: i64,
    },
    /// One applied command's events, numbered; sent to every connection in the room, the
    /// sender included. Events only one member may see (`Event::audience`) are in that member's
    /// copy only; everyone else gets the same `seq` without them (possibly with no event).
    Change {
        #[ts(type = "number")]
        seq: u64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        by: Option<MemberId>,
        events: Vec<Event>,
    },
    /// The command `id` was applied; its last event is `seq` (already sent).
    Ack {
        id: CommandId,
        #[ts(type = "number")]
        seq: u64,
    },
    /// The command `id` was not applied.
    Reject { id: CommandId, code: ErrorCode, message: String },
    /// Who came and went since the last `presence` (ephemeral, not numbered); `welcome` and
    /// `resume` carry the whole list. Changes only, so that a join costs every member a few
    /// bytes, not the whole room's list.
    Presence { joined: Vec<MemberId>, left: Vec<MemberId>, viewers: u32 },
    /// Someone's caret in a shared text (ephemeral, not numbered); no positions: they left it.
    Caret {
        target: TextTarget,
        member_id: MemberId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        anchor: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        head: Option<String>,
    },
    /// Someone dragging a post-it (ephemeral, not numbered), and the other post-its of their
    /// selection with it (`with`: each moved by the same amount as `id` from where it lies).
    Drag {
        member_id: MemberId,
        id: ItemId,
        x: i32,
        y: i32,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        #[ts(as = "Option<Vec<ItemId>>", optional)]
        with: Vec<ItemId>,
    },
    /// The answer to `ping`.
    Pong,
    /// A problem with the connection itself; usually followed by a close.
    Error { code: ErrorCode, message: String },
}

/// Stable machine codes for every refusal; the message beside them is for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The frame or command is malformed or makes no sense.
    BadRequest,
    /// The client speaks another protocol version.
    UnsupportedVersion,
    /// The credentials are missing or wrong.
    Unauthorized,
    /// The sender's role may not do this.
    Forbidden,
    /// No such room, or no such item that the sender can see: one that never existed and
    /// someone else's unrevealed post-it are answered alike.
    NotFound,
    /// The item was deleted.
    Gone,
    /// A text is longer than its cap.
    TooLong,
    /// A count cap of the room is reached.
    LimitReached,
    /// The command conflicts with the room's current state.
    Conflict,
    /// The sender is sending too fast.
    RateLimited,
    /// The server could not do it (storage failure); the command may be resent.
    Internal,
}

/// Why a command was refused: a stable code and a message for people.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code:?}: {message}")]
pub struct Rejection {
    pub code: ErrorCode,
    pub message: String,
}

impl Rejection {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Self { code, message: message.into() }
    }

    pub fn forbidden(what: &str) -> Self {
        Self::new(ErrorCode::Forbidden, format!("your role may not {what}"))
    }
}
