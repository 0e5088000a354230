//! Horseshoe's protocol: the only definition of the wire, the room state and the workshop rules.
//!
//! Nothing here does I/O or reads a clock: time comes in as an argument, so every rule can be
//! tested (and replayed by a second node) deterministically.
//!
//! # Layout
//! - [`ids`]: identifiers of rooms, members and commands, and how they are validated.
//! - [`limits`]: every size and count cap, each a named constant with its reason.
//! - [`state`]: [`RoomState`] and the values inside it (settings, members, timer, check-ins).
//! - [`command`]: [`Command`], the durable intents a client sends.
//! - [`event`]: [`Event`], the durable facts a room records, grouped by command into a
//!   [`Change`], and [`RoomState::apply_change`].
//! - [`rules`]: [`run`], which decides a command (role checks included) into a change and
//!   applies it, one module per area of the workshop; undo and redo.
//! - [`messages`]: the frames on the WebSocket ([`ClientMsg`], [`ServerMsg`]), [`ErrorCode`].
//! - [`text`]: validation of user text.
//! - [`shared`]: shared texts, one Yjs document (yrs) each, typed into by many at once.
//! - [`terms`]: common words and phrases across definitions (folding, stop words, stemming).
//! - [`bindings`]: the generated TypeScript form of the wire types.

pub mod bindings;
pub mod command;
pub mod event;
pub mod ids;
pub mod limits;
pub mod messages;
pub mod rules;
pub mod shared;
pub mod state;
pub mod terms;
pub mod text;

pub use command::{Command, DropTarget};
pub use event::{Change, CommandRef, Event};
pub use ids::{ClientId, CommandId, GroupId, ItemId, MemberId, RoomId};
pub use messages::{ClientMsg, Credentials, ErrorCode, Rejection, ServerMsg, You};
pub use rules::{Context, admit, join, may_type, rejoin, run};
pub use shared::{SharedText, TextTarget};
pub use state::{
    Actor, Anchor, Area, Assessment, Book, Card, Checkin, ClientWall, Cluster, Column, CommonTerm,
    Definitions, Experience, Factor, Group, Highlight, Language, Lens, Mark, Member, MemberRole, Merged,
    Note, Priorities, Private, Role, RoomState, Seen, Settings, SpeakerQueue, Team, Texts, Timed, Timer,
    UndoEntry, VotePhase, Wall,
};

/// Bumped whenever a message changes shape; a client with another version is refused in `hello`.
/// Version 2: numbered commands per client, one `change` per command with its events, shared
/// texts (Yjs), undo and redo, fine-grained group and team events. Version 3: a dropped post-it
/// travels as its new place only (`note.moved`), in the change and in the mover's undo entry.
pub const PROTOCOL_VERSION: u32 = 3;
