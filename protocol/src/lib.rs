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
//! - [`event`]: [`Event`], the durable facts a room records, and [`RoomState::apply_event`].
//! - [`rules`]: [`apply`], which decides a command (role checks included) into events, one
//!   module per area of the workshop.
//! - [`messages`]: the frames on the WebSocket ([`ClientMsg`], [`ServerMsg`]), [`ErrorCode`].
//! - [`text`]: validation of user text.
//! - [`terms`]: common words and phrases across definitions (folding, stop words, stemming).
//! - [`bindings`]: the generated TypeScript form of the wire types.

pub mod bindings;
pub mod command;
pub mod event;
pub mod ids;
pub mod limits;
pub mod messages;
pub mod rules;
pub mod state;
pub mod terms;
pub mod text;

pub use command::{Command, DropTarget};
pub use event::Event;
pub use ids::{CommandId, GroupId, ItemId, MemberId, RoomId};
pub use messages::{ClientMsg, Credentials, ErrorCode, Rejection, ServerMsg, TypingTarget, You};
pub use rules::{Context, admit, apply};
pub use state::{
    Actor, Area, Assessment, Card, Checkin, ClientWall, Cluster, Column, CommonTerm, Definition, Definitions,
    Experience, Factor, Group, Highlight, Language, Lease, Lens, Member, MemberRole, Note, Priorities, Role,
    RoomState, Settings, SpeakerQueue, Team, Timer, UndoEntry, VotePhase, Wall,
};

/// Bumped whenever a message changes shape; a client with another version is refused in `hello`.
pub const PROTOCOL_VERSION: u32 = 1;
