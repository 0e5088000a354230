//! What a room needs from the other nodes that serve it (`--nats-url`): their changes, token
//! hashes, ephemeral frames and presence, and a way to tell them its own. With SQLite there are
//! no other nodes and a room has no [`Peers`].
//!
//! The log itself stays the store's: a change reaches the other nodes because it is in the log
//! (each node follows the room's subjects from where its replica stands), never because a node
//! forwarded it. What does not belong in the log (carets, drags, who is connected where) goes
//! between nodes directly and may be lost, as it may be on one node.

use std::collections::BTreeSet;
use std::sync::Arc;

use futures_util::future::BoxFuture;
use horseshoe_protocol::{Change, MemberId, RoomId};
use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;

use crate::error::StoreError;
use crate::room::Frame;
use crate::store::{LogPosition, TokenRow};

/// Items a room's follower holds for the room before it waits (the room is busy deciding): a
/// burst of another node's changes.
pub const FOLLOW_BUFFER: usize = 1024;

/// What a node learns of a room from the others, in the order it learned it.
pub enum Followed {
    /// A change in the room's log, at its stream position (this node's own changes come back
    /// too, and are recognised by their position).
    Change { position: LogPosition, change: Box<Change> },
    /// A member token hash stored by any node.
    Token(TokenRow),
    /// An ephemeral frame (a caret, a drag) from another node's member, for every member here.
    Live(Frame),
    /// Who is connected to the room on another node.
    Presence { node: Arc<str>, presence: NodePresence },
    /// The follow stopped (NATS went away or the stream refused): the room loads itself again.
    Lost(String),
}

/// Who one node has connected to a room, as it tells the other nodes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NodePresence {
    pub online: BTreeSet<MemberId>,
    pub viewers: u32,
    /// Set when the node has just started serving the room: the others answer with their own.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub ask: bool,
}

/// What the log holds after a position: the token hashes and changes stored since.
#[derive(Default)]
pub struct CaughtUp {
    pub tokens: Vec<TokenRow>,
    pub changes: Vec<(LogPosition, Change)>,
}

/// The other nodes of a cluster, as a room sees them.
pub trait Peers: Send + Sync + 'static {
    /// This node's name (`--node-id`).
    fn node(&self) -> &Arc<str>;
    /// Whether the connection to the other nodes (NATS) is up now.
    fn connected(&self) -> bool;
    /// Starts following the room from just after `after` (its log and tokens) and listening to
    /// the other nodes' ephemeral frames and presence; everything arrives on the receiver until
    /// it is dropped.
    fn follow(&self, room: &RoomId, after: LogPosition) -> mpsc::Receiver<Followed>;
    /// Every token hash and change stored after `after` in the room's log now (changes with
    /// their positions): read after an append was refused because another node appended first,
    /// and before a join that names a token or a `seq` this replica has not seen yet.
    fn catch_up(&self, room: &RoomId, after: LogPosition)
    -> BoxFuture<'static, Result<CaughtUp, StoreError>>;
    /// Passes an ephemeral frame of a member here to the other nodes (best effort).
    fn publish_live(&self, room: &RoomId, frame: &Frame);
    /// Tells the other nodes who is connected to the room here (best effort).
    fn publish_presence(&self, room: &RoomId, presence: &NodePresence);
}
