//! The room actor: one task per room owns its [`RoomState`], decides commands one at a time
//! with the protocol's pure rules, commits each resulting change through the store, and only
//! then fans it out: one serialized frame shared by every connection, and for the member who
//! may see more (their undo entry, their hidden post-it, their vote) one frame of their own.
//!
//! Messages that arrive while a commit is under way are taken together as the next batch, so a
//! busy room commits many commands per fsync.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;
use std::time::Duration;

use horseshoe_protocol::limits::{MAX_ANCHOR_CHARS, MAX_DRAG_WITH, WALL_HEIGHT, WALL_WIDTH};
use horseshoe_protocol::{
    Actor, Change, ClientId, ClientMsg, Command, CommandId, CommandRef, Context, Credentials, ErrorCode,
    ItemId, Language, Lens, Member, MemberId, MemberRole, PROTOCOL_VERSION, Rejection, Role, RoomId,
    RoomState, Seen, ServerMsg, You, join as join_room, may_type, rejoin, run,
};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use uuid::Uuid;

use crate::admission::NewMembers;
use crate::live::{Live, LiveKey};

use crate::error::StoreError;
use crate::metrics::Metrics;
pub use crate::outbox::Outbox;
use crate::peers::{CaughtUp, Followed, NodePresence, Peers};
use crate::registry::Registry;
use crate::ring::Ring;
use crate::secret::{self, HashKey};
use crate::store::{Append, LoadedRoom, LogEntry, LogPosition, Store, TokenRow};

/// Messages waiting in a room's mailbox before senders wait (back-pressure onto their sockets).
pub const ROOM_MAILBOX: usize = 4096;
/// Most messages decided together before one commit.
const MAX_BATCH: usize = 256;
/// Changes between two snapshots: loading replays at most this many.
const SNAPSHOT_EVERY: u64 = 500;
/// Times a batch is decided when other nodes keep appending to the room first; past it, its
/// commands are refused as after a failed commit (and sent again by the browser).
pub(crate) const MAX_DECISIONS: usize = 32;
/// Decisions retried at once after a refusal; later ones wait [`retry_pause`] first.
const RETRY_AT_ONCE: usize = 2;
/// The longest pause before deciding again.
const MAX_RETRY_PAUSE: Duration = Duration::from_millis(50);

/// The pause before decision `round` (from [`RETRY_AT_ONCE`] on): growing, with a random part
/// so that two nodes that keep colliding stop doing it in step.
fn retry_pause(round: usize) -> Duration {
    let grown = Duration::from_millis(1u64 << round.min(6)).min(MAX_RETRY_PAUSE);
    let jitter = Duration::from_micros(seed() % 1000);
    grown + jitter
}

/// How long a room refused by the log waits for its follow to bring the other node's changes
/// before it reads them itself.
const FOLLOW_WAIT: Duration = Duration::from_millis(50);
/// Heartbeats without word from another node before its members are no longer counted as
/// connected (a node that died says nothing).
const PRESENCE_HEARTBEATS: u32 = 3;
/// Default name of a facilitator who gave none.
const DEFAULT_FACILITATOR_NAME: &str = "Facilitator";

/// One serialized server message, shared (not copied) by every connection it goes to.
pub type Frame = Utf8Bytes;

/// Identifies one WebSocket connection within the process.
pub type ConnId = u64;

/// Why the server closes a connection: a WebSocket close code and a reason for people.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CloseReason {
    pub code: u16,
    pub reason: &'static str,
}

impl CloseReason {
    pub const RESTARTING: Self = Self { code: 1012, reason: "server restarting" };
    pub const SLOW: Self = Self { code: 1013, reason: "too far behind: reconnect" };
    pub const FAILED: Self = Self { code: 1011, reason: "the room failed to save; reconnect" };
    pub const SILENT: Self = Self { code: 1001, reason: "no answer to ping" };
    pub const RESYNC: Self = Self { code: 1012, reason: "the room was reloaded; reconnect" };
}

#[derive(Clone)]
pub struct JoinRequest {
    pub credentials: Credentials,
    /// The browser tab: its commands are numbered on their own.
    pub client: ClientId,
    pub name: Option<String>,
    /// The last `seq` a reconnecting client applied.
    pub last_seq: Option<u64>,
    pub outbox: Outbox,
    /// The joining address's allowance of new members.
    pub new_members: NewMembers,
}

/// What a connection needs to know after joining.
#[derive(Debug, Clone, Copy)]
pub struct Joined {
    pub conn: ConnId,
}

/// What anyone with the link may know of a room before joining.
#[derive(Debug, Clone, Serialize)]
pub struct RoomSummary {
    pub room_id: RoomId,
    pub title: String,
    pub organisation: String,
    pub lens: Lens,
    pub language: Language,
}

/// Answers a join.
type Reply = oneshot::Sender<Result<Joined, Rejection>>;

pub enum RoomMsg {
    // The larger messages are boxed: a room's mailbox takes room for 32 of the largest
    // variant at once, in every loaded room, busy or not.
    Join {
        request: Box<JoinRequest>,
        reply: oneshot::Sender<Result<Joined, Rejection>>,
    },
    Command {
        conn: ConnId,
        id: CommandId,
        command: Box<Command>,
    },
    /// An ephemeral message (a caret, a drag) to pass on to everyone else.
    Live {
        conn: ConnId,
        msg: Box<ClientMsg>,
    },
    Leave {
        conn: ConnId,
    },
    Summary {
        reply: oneshot::Sender<RoomSummary>,
    },
    /// The room as anyone may see it, for the holder of the facilitator key (reports, copies).
    Report {
        key: String,
        reply: oneshot::Sender<Result<Box<RoomState>, Rejection>>,
    },
}

/// How the registry reaches a room's task.
#[derive(Clone)]
pub struct RoomHandle {
    pub tx: mpsc::Sender<RoomMsg>,
    pub generation: u64,
}

struct Conn {
    actor: Actor,
    client: ClientId,
    outbox: Outbox,
}

/// How a joining connection catches up: a whole snapshot, or the changes it missed. Either is
/// made when the batch is delivered, as of the batch's end: every join of a batch shares one
/// serialized snapshot (a join storm costs one serialization per batch, not one per join).
enum Start {
    Snapshot,
    Resume { last_seq: u64 },
}

/// The envelope of `ServerMsg::Change`, serialized with no events: the events are put in by
/// [`splice`]. A test keeps the whole equal to what `ServerMsg` makes.
#[derive(Serialize)]
struct ChangeFrame {
    #[serde(rename = "type")]
    kind: &'static str,
    seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<MemberId>,
    events: [(); 0],
}

/// The envelope of a [`Change`] as the log stores it, serialized with no events, as
/// [`ChangeFrame`]. A test keeps the whole equal to what `Change` makes.
#[derive(Serialize)]
struct StoredChange<'a> {
    seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<MemberId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cmd: Option<&'a CommandRef>,
    events: [(); 0],
}

/// A scratch buffer bigger than this after a change is let go rather than kept for the next:
/// a rare large change (a reveal of every post-it) does not stay in the room's memory.
const SCRATCH_KEEP_BYTES: usize = 16 * 1024;

/// One change as it leaves the room: its log row, the frame for everyone, and one frame for
/// each member who also gets events of their own in it.
struct Recorded {
    body: String,
    all: Frame,
    own: Vec<(MemberId, Frame)>,
}

/// Serializes a change's events once, end to end in `scratch`, and puts its log row and
/// frames together from those pieces: one allocation of the exact size for each (no event is
/// cloned or serialized twice, no buffer grows).
fn put_together(change: &Change, scratch: &mut Vec<u8>) -> serde_json::Result<Recorded> {
    let (seq, by) = (change.seq, change.by);
    scratch.clear();
    let mut pieces = Vec::with_capacity(change.events.len());
    for event in &change.events {
        let start = scratch.len();
        serde_json::to_writer(&mut *scratch, event)?;
        pieces.push((event.audience(), start..scratch.len()));
    }
    let at = scratch.len();
    serde_json::to_writer(&mut *scratch, &StoredChange { seq, by, cmd: change.cmd.as_ref(), events: [] })?;
    let stored = at..scratch.len();
    let at = scratch.len();
    serde_json::to_writer(&mut *scratch, &ChangeFrame { kind: "change", seq, by, events: [] })?;
    let frame = at..scratch.len();
    let buf = scratch.as_slice();
    let events_for = |owner: Option<MemberId>| {
        pieces
            .iter()
            .filter(move |(audience, _)| audience.is_none() || *audience == owner)
            .map(|(_, at)| &buf[at.clone()])
    };
    let body = splice(&buf[stored], pieces.iter().map(|(_, at)| &buf[at.clone()]))?;
    let all = Frame::from(splice(&buf[frame.clone()], events_for(None))?);
    let mut own: Vec<(MemberId, Frame)> = Vec::new();
    for (i, (audience, _)) in pieces.iter().enumerate() {
        let Some(owner) = *audience else { continue };
        if pieces[..i].iter().any(|(earlier, _)| *earlier == Some(owner)) {
            continue;
        }
        own.push((owner, Frame::from(splice(&buf[frame.clone()], events_for(Some(owner)))?)));
    }
    own.sort_unstable_by_key(|(owner, _)| *owner);
    Ok(Recorded { body, all, own })
}

/// An envelope serialized with an empty `events` as its last field, with `events` put in: one
/// allocation of the exact length.
fn splice<'p>(head: &[u8], events: impl Iterator<Item = &'p [u8]> + Clone) -> serde_json::Result<String> {
    let open = head.strip_suffix(b"[]}").ok_or_else(|| {
        <serde_json::Error as serde::ser::Error>::custom("an envelope that does not end with its events")
    })?;
    let (count, bytes) = events.clone().fold((0, 0), |(n, len), e| (n + 1, len + e.len()));
    let mut out = Vec::with_capacity(open.len() + bytes + usize::saturating_sub(count, 1) + "[]}".len());
    out.extend_from_slice(open);
    out.push(b'[');
    for (i, event) in events.enumerate() {
        if i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(event);
    }
    out.extend_from_slice(b"]}");
    // Serializer output and ASCII punctuation: always UTF-8.
    String::from_utf8(out).map_err(<serde_json::Error as serde::ser::Error>::custom)
}

/// `ServerMsg::Welcome` with the room already serialized, so that the joins of one batch share
/// it. A test keeps it equal to what `ServerMsg` makes.
#[derive(Serialize)]
struct WelcomeFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    protocol: u32,
    you: &'a You,
    room: &'a serde_json::value::RawValue,
    #[serde(skip_serializing_if = "Option::is_none")]
    mine: Option<&'a horseshoe_protocol::Private>,
    online: &'a [MemberId],
    viewers: u32,
    server_time: i64,
}

/// What to do once the batch's changes are committed, in order.
enum Out {
    /// A change: `all` to everyone, except the members in `own`, who get their own frame.
    Broadcast {
        all: Frame,
        own: Vec<(MemberId, Frame)>,
    },
    /// An ephemeral frame from a connection, for everyone else.
    Live(ConnId, Frame),
    To(ConnId, Frame),
    /// A command applied in this batch (or a resend of one): `ack` on success, `reject` if the
    /// commit fails.
    Applied {
        conn: ConnId,
        id: CommandId,
        seq: u64,
    },
    Register {
        conn: ConnId,
        actor: Actor,
        client: ClientId,
        outbox: Outbox,
        you: You,
        start: Start,
        /// Where the join's reply waits, in the batch's replies.
        slot: usize,
    },
    Presence,
}

/// A message of a batch that decides something, kept until the batch is stored: when another
/// node appended to the room first, it is decided again after catching up.
enum Decide {
    /// `made`: the token of the member an earlier round made for this join.
    Join {
        request: JoinRequest,
        slot: usize,
        made: Option<String>,
    },
    Command {
        conn: ConnId,
        id: CommandId,
        command: Command,
    },
}

/// What deciding a batch made: its log rows, new token hashes and what to send once stored.
#[derive(Default)]
struct Decided {
    entries: Vec<LogEntry>,
    tokens: Vec<TokenRow>,
    out: Vec<Out>,
    /// A command was refused: by the replica's state, which no append checks when nothing
    /// else in the round is stored.
    refused: bool,
}

/// Who is connected to a room on another node, as it last said.
struct Remote {
    presence: NodePresence,
    heard: Instant,
}

pub struct Room {
    state: RoomState,
    key_hash: String,
    tokens: HashMap<HashKey, MemberId>,
    conns: HashMap<ConnId, Conn>,
    store: Store,
    registry: Arc<Registry>,
    changes_since_snapshot: u64,
    /// The last `seq` on disk: a resend of a command applied after it waits for the commit.
    committed: u64,
    /// Where the room's log ends in the store: the next append follows it.
    position: LogPosition,
    /// Who the last `presence` said was here, and how many viewers.
    last_presence: (BTreeSet<MemberId>, u32),
    /// Members with an open connection, as the rules see them.
    online: BTreeSet<MemberId>,
    live: Live,
    ring: Ring,
    /// The other nodes serving this room (JetStream), and what they tell it.
    peers: Option<Arc<dyn Peers>>,
    followed: Option<mpsc::Receiver<Followed>>,
    remote: HashMap<Arc<str>, Remote>,
    /// What this node last told the others of its own connections.
    published: Option<NodePresence>,
    /// The last time given to a command or a join ([`Room::now`]).
    clock: i64,
    /// Where [`put_together`] serializes each change's events, kept from one change to the next.
    scratch: Vec<u8>,
}

impl Room {
    /// The time of the next command or join: the clock's, but always after the last one given,
    /// so that what is made in one batch (a backlog resent after a reconnect, a join storm)
    /// keeps its order wherever things are listed by when they were made. A room busier than
    /// one change a millisecond runs ahead of the clock by at most as long as it stays so busy.
    fn now(&mut self) -> i64 {
        self.clock = now_ms().max(self.clock.saturating_add(1));
        self.clock
    }
}

pub fn now_ms() -> i64 {
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
    now.map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)).unwrap_or_default()
}

/// Serializes a server message once. Our own types always serialize; a failure is a bug that
/// is logged rather than crashing the room.
pub fn frame(msg: &ServerMsg) -> Option<Frame> {
    match serde_json::to_string(msg) {
        Ok(text) => Some(Utf8Bytes::from(text)),
        Err(e) => {
            tracing::error!(error = %e, "server message does not serialize");
            None
        }
    }
}

/// `ServerMsg::Ack` as serde writes it, put together on the stack and kept in one allocation
/// of its exact length: one for every command applied. A test keeps it equal to `frame`'s.
fn ack(id: CommandId, seq: u64) -> Option<Frame> {
    use std::io::Write;
    // `{"type":"ack","id":,"seq":}` and two numbers of at most 20 digits.
    let mut buf = [0u8; 27 + 2 * 20];
    let mut at = std::io::Cursor::new(&mut buf[..]);
    let written = write!(at, r#"{{"type":"ack","id":{},"seq":{seq}}}"#, id.0).is_ok();
    let len = usize::try_from(at.position()).unwrap_or(0);
    match std::str::from_utf8(&buf[..len]) {
        Ok(text) if written => Some(Frame::from(text.to_owned())),
        _ => frame(&ServerMsg::Ack { id, seq }),
    }
}

impl Room {
    fn from_loaded(loaded: LoadedRoom, store: Store, registry: Arc<Registry>) -> Self {
        let peers = registry.peers.clone();
        let LoadedRoom { facilitator_key_hash, state, tokens, position } = loaded;
        let mut room = Self {
            committed: state.seq,
            state,
            key_hash: facilitator_key_hash,
            tokens: token_keys(tokens).collect(),
            conns: HashMap::new(),
            store,
            registry,
            changes_since_snapshot: 0,
            position,
            last_presence: (BTreeSet::new(), 0),
            online: BTreeSet::new(),
            live: Live::default(),
            ring: Ring::default(),
            peers,
            followed: None,
            remote: HashMap::new(),
            published: None,
            clock: 0,
            scratch: Vec::new(),
        };
        room.follow();
        room
    }

    fn reset(&mut self, loaded: LoadedRoom) {
        self.state = loaded.state;
        self.key_hash = loaded.facilitator_key_hash;
        self.tokens = token_keys(loaded.tokens).collect();
        self.changes_since_snapshot = 0;
        self.committed = self.state.seq;
        self.position = loaded.position;
        // Frames of changes that were never committed must not be replayed.
        self.ring.clear();
        self.follow();
    }

    /// Follows other nodes' changes from where this replica now stands (the old follow, if
    /// any, stops as its receiver is dropped).
    fn follow(&mut self) {
        self.followed = self.peers.as_ref().map(|peers| peers.follow(&self.state.id, self.position));
    }

    /// Runs the room until shutdown, or until it has been idle for `idle_unload`.
    pub async fn run(
        id: RoomId,
        generation: u64,
        mut rx: mpsc::Receiver<RoomMsg>,
        store: Store,
        registry: Arc<Registry>,
    ) {
        // Loaded in a call of its own: what loading holds is not kept in the state of a room's
        // task for its whole life.
        // Boxed, as the batch's processing below: a room's task keeps the state of its largest
        // wait for its whole life, and these two are the largest and the rarest.
        let loading = Box::pin(Self::load(&id, generation, &mut rx, store, &registry));
        let Some(mut room) = loading.await else { return };
        let shutdown = registry.shutdown.clone();
        let idle_unload = registry.idle_unload;
        let heartbeat = registry.heartbeat;
        let mut idle_since = Some(Instant::now());
        // One timer per room pings every connection and drops the silent ones: connections
        // themselves hold no timers.
        let mut pings = heartbeat.pings(id.as_str());
        // Waits for shutdown from one registration for the room's life, not one per message.
        let cancelled = shutdown.cancelled();
        tokio::pin!(cancelled);
        loop {
            let idle_deadline = idle_since.map(|t| t + idle_unload);
            let live_due = room.live.next_due();
            // One timer for both deadlines (each timer is part of every room's state).
            let next_deadline = live_due.into_iter().chain(idle_deadline).min();
            let first = tokio::select! {
                biased;
                () = &mut cancelled => break,
                () = sleep_until(next_deadline) => {
                    if live_due.is_some_and(|due| due <= Instant::now()) {
                        room.flush_live();
                        continue;
                    }
                    // Idle long enough; a message that arrived meanwhile keeps the room.
                    match rx.try_recv() {
                        Ok(msg) => msg,
                        Err(_) => {
                            tracing::debug!(room = %id, "unloading idle room");
                            break;
                        }
                    }
                }
                _ = pings.tick() => {
                    for conn in room.conns.values() {
                        conn.outbox.heartbeat(heartbeat.silence_limit);
                    }
                    room.heartbeat_peers(heartbeat.ping_every * PRESENCE_HEARTBEATS);
                    continue;
                }
                item = next_followed(&mut room.followed) => {
                    if !Box::pin(room.followed_item(item)).await {
                        break;
                    }
                    continue;
                }
                msg = rx.recv() => match msg {
                    Some(msg) => msg,
                    None => break,
                },
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(msg) => batch.push(msg),
                    Err(_) => break,
                }
            }
            if !Box::pin(room.process(batch)).await {
                break;
            }
            idle_since = match (room.conns.is_empty(), idle_since) {
                (true, None) => Some(Instant::now()),
                (true, since) => since,
                (false, _) => None,
            };
        }
        registry.remove(&id, generation);
        Box::pin(room.finish(shutdown.is_cancelled())).await;
        // Anyone who reached the mailbox after the room left the registry sees their reply
        // dropped, and asks the registry again.
        rx.close();
    }

    /// The room from the store, or none (and everyone who asked for it refused).
    async fn load(
        id: &RoomId,
        generation: u64,
        rx: &mut mpsc::Receiver<RoomMsg>,
        store: Store,
        registry: &Arc<Registry>,
    ) -> Option<Self> {
        let refusal = match store.load_room(id.clone()).await {
            Ok(Some(loaded)) => {
                tracing::debug!(room = %id, seq = loaded.state.seq, "room loaded");
                return Some(Self::from_loaded(loaded, store, registry.clone()));
            }
            Ok(None) => not_found(),
            Err(e) => {
                tracing::error!(room = %id, error = %e, "cannot load room");
                Rejection::new(ErrorCode::Internal, "the room could not be loaded")
            }
        };
        refuse_all(rx, registry, id, generation, refusal).await;
        None
    }

    /// Saves a snapshot if the log grew since the last one, and closes every connection.
    async fn finish(&mut self, restarting: bool) {
        // The other nodes stop counting this node's members now rather than at the expiry.
        if let Some(peers) = &self.peers
            && self.published.as_ref().is_some_and(|p| !p.online.is_empty() || p.viewers > 0)
        {
            peers.publish_presence(&self.state.id, &NodePresence::default());
        }
        // With NATS unreachable the snapshot would only wait out its timeout, holding up the
        // shutdown room after room: the log has every change.
        let reachable = self.peers.as_ref().is_none_or(|peers| peers.connected());
        if !reachable && self.changes_since_snapshot > 0 {
            tracing::warn!(room = %self.state.id, "NATS is unreachable: no final snapshot, the log has every change");
        }
        if self.changes_since_snapshot > 0 && reachable {
            let append = Append {
                room: self.state.id.clone(),
                after: self.position,
                entries: Vec::new(),
                tokens: Vec::new(),
                snapshot: Some(Box::new(self.state.clone())),
            };
            if let Err(e) = self.store.append(append).await {
                tracing::warn!(room = %self.state.id, error = %e, "final snapshot failed; the log has every event");
            }
        }
        let reason = if restarting { CloseReason::RESTARTING } else { CloseReason::FAILED };
        for conn in self.conns.values() {
            conn.outbox.close(reason);
        }
        self.conns.clear();
    }

    /// Decides a batch, commits it, then delivers. Returns false if the room must stop.
    ///
    /// With other nodes (JetStream), the batch's decisions are kept until they are stored: if
    /// another node appended to the room first, the room goes back to where it stood, catches
    /// up with the log and decides the same commands and joins again, by the same rules.
    async fn process(&mut self, batch: Vec<RoomMsg>) -> bool {
        // A welcome holds every change acknowledged before the join, on whichever node (the
        // follow may be a moment behind), and a member arriving from another node may name a
        // token made there a moment ago: joins read the log's end first, once per batch.
        if self.peers.is_some()
            && batch.iter().any(|m| matches!(m, RoomMsg::Join { .. }))
            && !Box::pin(self.catch_up()).await
        {
            tracing::warn!(room = %self.state.id, "cannot catch up before a join; deciding as the replica stands");
        }
        let decides = batch.iter().any(|m| matches!(m, RoomMsg::Join { .. } | RoomMsg::Command { .. }));
        let mut before = (decides && self.peers.is_some()).then(|| Box::new(self.state.clone()));
        let mut replies: Vec<Option<Reply>> = Vec::new();
        let mut kept = Vec::new();
        let mut decided = Decided::default();
        for msg in batch {
            match msg {
                RoomMsg::Join { request, reply } => {
                    let slot = replies.len();
                    replies.push(Some(reply));
                    let mut made = None;
                    if before.is_some() {
                        self.join((*request).clone(), slot, &mut replies, &mut decided, &mut made);
                        kept.push(Decide::Join { request: *request, slot, made });
                    } else {
                        self.join(*request, slot, &mut replies, &mut decided, &mut made);
                    }
                }
                RoomMsg::Command { conn, id, command } => {
                    self.command(conn, id, &command, &mut decided);
                    if before.is_some() {
                        kept.push(Decide::Command { conn, id, command: *command });
                    }
                }
                RoomMsg::Live { conn, msg } => self.live(conn, *msg, &mut decided.out),
                RoomMsg::Leave { conn } => {
                    self.conns.remove(&conn);
                    self.live.forget(conn);
                    self.refresh_online();
                    decided.out.push(Out::Presence);
                }
                RoomMsg::Summary { reply } => {
                    let _ = reply.send(self.summary());
                }
                RoomMsg::Report { key, reply } => {
                    let answer = if secret::same_hash(&secret::hash(&key), &self.key_hash) {
                        Ok(Box::new(self.state.view_for(None)))
                    } else {
                        Err(Rejection::new(
                            ErrorCode::Unauthorized,
                            "the facilitator key is not valid for this room",
                        ))
                    };
                    let _ = reply.send(answer);
                }
            }
        }
        let mut round = 1;
        loop {
            if decided.entries.is_empty() && decided.tokens.is_empty() {
                // Nothing to append, so no append checks that the replica was current: a
                // refusal (of a vote another node opened a moment ago, not followed here yet)
                // is checked against the log's end, and decided again if the log moved.
                let behind = decided.refused && before.is_some() && round < MAX_DECISIONS && {
                    let at = self.position;
                    Box::pin(self.catch_up()).await && self.position != at
                };
                if !behind {
                    self.deliver(decided.out, &mut replies);
                    return true;
                }
                // Nothing of the round changed the room: it stands where it caught up to.
                before = Some(Box::new(self.state.clone()));
                decided = self.decide_again(&mut kept, &mut replies, decided.out);
                round += 1;
                continue;
            }
            let Decided { entries, tokens, out, .. } = decided;
            let since_snapshot = self.changes_since_snapshot + entries.len() as u64;
            let snapshot = (since_snapshot >= SNAPSHOT_EVERY).then(|| Box::new(self.state.clone()));
            let had_snapshot = snapshot.is_some();
            let hashes: Vec<String> = tokens.iter().map(|t| t.hash.clone()).collect();
            let append =
                Append { room: self.state.id.clone(), after: self.position, entries, tokens, snapshot };
            match self.store.append(append).await {
                Ok(position) => {
                    self.position = position;
                    self.changes_since_snapshot = if had_snapshot { 0 } else { since_snapshot };
                    self.committed = self.state.seq;
                    self.deliver(out, &mut replies);
                    return true;
                }
                Err(StoreError::Conflict { end, .. }) if round < MAX_DECISIONS && before.is_some() => {
                    // Nothing of this round happened: back to where the room stood, then the
                    // other node's changes, then the same messages decided again.
                    self.undo_round(before.take(), &hashes);
                    // Another node busy writing a long batch would win every immediate retry:
                    // from the third on, let it finish, then take what it wrote, then decide.
                    let caught_up = Box::pin(self.catch_up_after_conflict(end, round)).await;
                    if !caught_up {
                        self.refuse(out, &mut replies);
                        return Box::pin(self.resync()).await;
                    }
                    before = Some(Box::new(self.state.clone()));
                    decided = self.decide_again(&mut kept, &mut replies, out);
                    round += 1;
                }
                Err(e) => {
                    if matches!(e, StoreError::Conflict { .. }) {
                        tracing::warn!(room = %self.state.id, round, "other nodes kept appending first; the batch is refused");
                    } else {
                        tracing::error!(room = %self.state.id, error = %e, "commit failed; reloading the room");
                    }
                    self.refuse(out, &mut replies);
                    // With other nodes, what they stored meanwhile reaches the members here as
                    // changes; otherwise (or if the log cannot be read) the room loads again.
                    let undone = before.is_some();
                    self.undo_round(before.take(), &hashes);
                    if undone && Box::pin(self.catch_up()).await {
                        return true;
                    }
                    return Box::pin(self.resync()).await;
                }
            }
        }
    }

    /// Decides a batch's joins and commands again after the room caught up with other nodes.
    /// Ephemeral frames and presence are not decisions: they go out with the new round.
    fn decide_again(&mut self, kept: &mut [Decide], replies: &mut [Option<Reply>], out: Vec<Out>) -> Decided {
        Metrics::count_by(&self.registry.metrics.decisions_retried, kept.len() as u64);
        let mut decided = Decided::default();
        decided.out.extend(out.into_iter().filter(|o| matches!(o, Out::Live(..) | Out::Presence)));
        for decide in kept {
            match decide {
                Decide::Join { request, slot, made } => {
                    if replies[*slot].is_some() {
                        self.join(request.clone(), *slot, replies, &mut decided, made);
                    }
                }
                Decide::Command { conn, id, command } => self.command(*conn, *id, command, &mut decided),
            }
        }
        decided
    }

    fn join(
        &mut self,
        request: JoinRequest,
        slot: usize,
        replies: &mut [Option<Reply>],
        decided: &mut Decided,
        made: &mut Option<String>,
    ) {
        let JoinRequest { credentials, client, name, last_seq, outbox, new_members } = request;
        let Some(reply) = replies[slot].take() else { return };
        let found =
            |token: &Option<String>| token.as_deref().and_then(|t| self.tokens.get(&HashKey::of(t)).copied());
        let (existing, new_role) = match &credentials {
            Credentials::Facilitator { key, token } => {
                if !secret::same_hash(&secret::hash(key), &self.key_hash) {
                    let _ = reply.send(Err(Rejection::new(
                        ErrorCode::Unauthorized,
                        "the facilitator key is not valid for this room",
                    )));
                    return;
                }
                let mine = found(token)
                    .filter(|id| self.state.member(*id).is_some_and(|m| m.role == MemberRole::Facilitator));
                (mine, Some(MemberRole::Facilitator))
            }
            Credentials::Participant { token } => {
                let mine = found(token)
                    .filter(|id| self.state.member(*id).is_some_and(|m| m.role == MemberRole::Participant));
                if mine.is_none() && name.is_none() {
                    let _ = reply.send(Err(Rejection::new(
                        ErrorCode::Unauthorized,
                        "this browser is not known in the room: join with a name",
                    )));
                    return;
                }
                (mine, Some(MemberRole::Participant))
            }
            Credentials::Viewer => (None, None),
        };
        // Decided again after another node appended first: if the member an earlier round
        // made was stored after all (a batch is not all-or-nothing on JetStream), it is them.
        let stored_earlier = match (existing, new_role, made.as_deref()) {
            (None, Some(role), Some(token)) => self
                .tokens
                .get(&HashKey::of(token))
                .copied()
                .filter(|id| self.state.member(*id).is_some_and(|m| m.role == role))
                .map(|id| (id, token.to_owned())),
            _ => None,
        };
        let existing = existing.or(stored_earlier.as_ref().map(|(id, _)| *id));

        // A closed room makes no new participant: they may read it, as a wall display does, and
        // are told why they cannot join. The facilitator key still makes a facilitator, who can
        // reopen it.
        let closed_to_newcomer =
            self.state.closed && existing.is_none() && new_role == Some(MemberRole::Participant);
        if closed_to_newcomer {
            let notice = ServerMsg::Error {
                code: ErrorCode::Conflict,
                message: "this room is closed: you can read it, but nobody new can join it".into(),
            };
            if let Some(notice) = frame(&notice) {
                outbox.send(notice);
            }
        }
        let new_role = new_role.filter(|_| !closed_to_newcomer);
        let (actor, you) = match (existing, new_role) {
            (Some(id), _) => {
                let role = self.state.members[&id].role;
                // Away when groups or teams were formed: placed now, as a latecomer is.
                if let Some(change) = rejoin(&mut self.state, id) {
                    self.record(&change, decided);
                }
                let token = stored_earlier.map(|(_, token)| token);
                (Actor::member(id, role), You { role: role.into(), member_id: Some(id), token })
            }
            (None, Some(role)) => {
                // Each new participant takes one from their address's allowance; the key holder
                // takes nothing and is always let in.
                if role == MemberRole::Participant
                    && let Err(wait) = new_members.take()
                {
                    let secs = wait.as_secs_f64().ceil().max(1.0);
                    let _ = reply.send(Err(Rejection::new(
                        ErrorCode::RateLimited,
                        format!("too many people joined from your network just now: try again in {secs} s"),
                    )));
                    return;
                }
                let token = match secret::random_hex(secret::SECRET_BYTES) {
                    Ok(token) => token,
                    Err(e) => {
                        tracing::error!(error = %e, "no randomness for a member token");
                        let _ = reply.send(Err(Rejection::new(ErrorCode::Internal, "try again")));
                        return;
                    }
                };
                let name = name.unwrap_or_else(|| DEFAULT_FACILITATOR_NAME.to_owned());
                let id = MemberId(Uuid::new_v4());
                let member = Member { id, name, role, joined_at: self.now() };
                let id = match join_room(&mut self.state, member, &self.online) {
                    Ok(change) => {
                        self.record(&change, decided);
                        id
                    }
                    // No new member fits: the key holder comes in as the room's first facilitator
                    // (with a token of their own, so a reload is the same person).
                    Err(rejection) if role == MemberRole::Facilitator => {
                        let first = self
                            .state
                            .members
                            .values()
                            .filter(|m| m.role == MemberRole::Facilitator)
                            .min_by_key(|m| (m.joined_at, m.id));
                        match first {
                            Some(first) => first.id,
                            None => {
                                let _ = reply.send(Err(rejection));
                                return;
                            }
                        }
                    }
                    Err(rejection) => {
                        let _ = reply.send(Err(rejection));
                        return;
                    }
                };
                let key = HashKey::of(&token);
                *made = Some(token.clone());
                self.tokens.insert(key, id);
                decided.tokens.push(TokenRow { hash: key.hex(), member: id });
                (Actor::member(id, role), You { role: role.into(), member_id: Some(id), token: Some(token) })
            }
            (None, None) => (Actor::viewer(), You { role: Role::Viewer, member_id: None, token: None }),
        };
        let conn = self.registry.next_conn_id();
        // A returning member (or wall display) that missed only what the ring still holds gets
        // just that; everyone else a snapshot as of now.
        let resumed = last_seq.filter(|_| you.token.is_none()).and_then(|after| {
            self.ring.since(after, self.state.seq, actor.member)?;
            Some(Start::Resume { last_seq: after })
        });
        let start = resumed.unwrap_or(Start::Snapshot);
        replies[slot] = Some(reply);
        decided.out.push(Out::Register { conn, actor, client, outbox, you, start, slot });
        decided.out.push(Out::Presence);
    }

    fn command(&mut self, conn: ConnId, id: CommandId, command: &Command, decided: &mut Decided) {
        let out = &mut decided.out;
        let Some((actor, client)) = self.conns.get(&conn).map(|c| (c.actor, c.client.clone())) else {
            return; // The connection left while its command waited.
        };
        if let Some(member) = actor.member {
            match self.state.book.seen(member, &client, id) {
                Seen::New => {}
                Seen::Applied => {
                    // A resend: acknowledged, never applied twice. Its change may still be on
                    // its way to the disk, so the ack waits for this batch's commit.
                    let seq = self.state.seq;
                    if seq > self.committed {
                        out.push(Out::Applied { conn, id, seq });
                    } else {
                        out.extend(ack(id, seq).map(|f| Out::To(conn, f)));
                    }
                    return;
                }
                Seen::TooOld => {
                    let message = format!(
                        "command {} is too far behind this tab's latest to tell whether it was applied: reload",
                        id.0
                    );
                    self.registry.metrics.rejected(ErrorCode::Conflict);
                    let reject = ServerMsg::Reject { id, code: ErrorCode::Conflict, message };
                    out.extend(frame(&reject).map(|f| Out::To(conn, f)));
                    decided.refused = true;
                    return;
                }
            }
        }
        let now = self.now();
        let ctx = Context { actor, now, online: &self.online, seed: seed() };
        let numbered = actor.member.map(|_| CommandRef { client, id });
        match run(&mut self.state, &ctx, numbered, command) {
            Ok(change) => {
                let seq = change.seq;
                self.record(&change, decided);
                decided.out.push(Out::Applied { conn, id, seq });
                if matches!(command, Command::CloseRoom { closed: false }) {
                    self.place_returned(decided);
                }
            }
            Err(Rejection { code, message }) => {
                self.registry.metrics.rejected(code);
                decided.refused = true;
                decided.out.extend(frame(&ServerMsg::Reject { id, code, message }).map(|f| Out::To(conn, f)));
            }
        }
    }

    /// A room reopened: whoever came back while it was closed, away when groups or teams were
    /// formed, is placed now, as at their `hello` in an open room (one change each, so that
    /// each goes to the smallest group as it then is).
    fn place_returned(&mut self, decided: &mut Decided) {
        let online: Vec<MemberId> = self.online.iter().copied().collect();
        for member in online {
            if let Some(change) = rejoin(&mut self.state, member) {
                self.record(&change, decided);
            }
        }
    }

    /// Queues an applied change (already in the state) for the log and the fan-out: one row,
    /// one frame for everyone, and one for each member who may see more of it.
    fn record(&mut self, change: &Change, decided: &mut Decided) {
        let mut scratch = std::mem::take(&mut self.scratch);
        let recorded = put_together(change, &mut scratch);
        if scratch.capacity() <= SCRATCH_KEEP_BYTES {
            self.scratch = scratch;
        }
        let Recorded { body, all, own } = match recorded {
            Ok(recorded) => recorded,
            Err(e) => {
                tracing::error!(error = %e, "a change does not serialize");
                return;
            }
        };
        self.ring.push(change.seq, all.clone(), own.clone());
        decided.out.push(Out::Broadcast { all, own });
        decided.entries.push(LogEntry { seq: change.seq, member: change.by, body });
    }

    fn deliver(&mut self, out: Vec<Out>, replies: &mut [Option<Reply>]) {
        // One presence change per batch, however many joined or left in it.
        let mut presence_due = false;
        let mut joins = Vec::new();
        // What the batch's changes send each connection is held, and leaves in one write at
        // the end (a change and its ack to the mover; several changes to everyone). A frame to
        // one connection alone goes at once, after what was held for it.
        let mut held = false;
        for item in out {
            match item {
                Out::Broadcast { all, own } => {
                    for conn in self.conns.values() {
                        let mine = own.iter().find(|(owner, _)| conn.actor.member == Some(*owner));
                        conn.outbox.hold(mine.map_or_else(|| all.clone(), |(_, f)| f.clone()));
                    }
                    held = true;
                }
                Out::To(conn, frame) => {
                    if let Some(conn) = self.conns.get(&conn) {
                        conn.outbox.send(frame);
                    }
                }
                // Its change is in this batch's broadcast: released with it.
                Out::Applied { conn, id, seq } => {
                    if let (Some(conn), Some(frame)) = (self.conns.get(&conn), ack(id, seq)) {
                        conn.outbox.hold(frame);
                        held = true;
                    }
                }
                Out::Live(from, frame) => self.send_live_frame(from, &frame),
                join @ Out::Register { .. } => joins.push(join),
                Out::Presence => presence_due = true,
            }
        }
        if held {
            for conn in self.conns.values() {
                conn.outbox.release();
            }
        }
        // Joins last: each starts from the room as of the batch's end.
        let mut room_json = None;
        for join in joins {
            let Out::Register { conn, actor, client, outbox, you, start, slot } = join else { continue };
            let Some(reply) = replies.get_mut(slot).and_then(Option::take) else { continue };
            let (online, viewers) = self.presence_with(actor);
            let server_time = now_ms();
            let resume = match start {
                Start::Resume { last_seq } => {
                    self.ring.since(last_seq, self.state.seq, actor.member).map(|frames| (last_seq, frames))
                }
                Start::Snapshot => None,
            };
            let (first, missed) = match resume {
                Some((last_seq, frames)) => {
                    let msg = ServerMsg::Resume {
                        protocol: PROTOCOL_VERSION,
                        you,
                        last_seq,
                        online,
                        viewers,
                        server_time,
                    };
                    (frame(&msg), frames)
                }
                None => {
                    let room = room_json.get_or_insert_with(|| shared_room(&self.state));
                    let mine = actor.member.map(|me| self.state.private_of(me));
                    (welcome(room.as_deref(), &you, mine.as_ref(), &online, viewers, server_time), Vec::new())
                }
            };
            let Some(first) = first else { continue };
            if reply.send(Ok(Joined { conn })).is_ok() {
                outbox.send(first);
                for missed in missed {
                    outbox.send(missed);
                }
                self.conns.insert(conn, Conn { actor, client, outbox });
                self.online.extend(actor.member);
            }
        }
        if presence_due {
            self.broadcast_presence();
        }
    }

    /// After a failed commit: nothing of the batch happened.
    fn refuse(&mut self, out: Vec<Out>, replies: &mut [Option<Reply>]) {
        let failed = || Rejection::new(ErrorCode::Internal, "the room could not save this; send it again");
        let mut presence_due = false;
        for item in out {
            match item {
                Out::Applied { conn, id, .. } => {
                    let Rejection { code, message } = failed();
                    if let (Some(conn), Some(frame)) =
                        (self.conns.get(&conn), frame(&ServerMsg::Reject { id, code, message }))
                    {
                        conn.outbox.send(frame);
                    }
                }
                Out::Register { slot, .. } => {
                    if let Some(reply) = replies.get_mut(slot).and_then(Option::take) {
                        let _ = reply.send(Err(failed()));
                    }
                }
                Out::To(conn, frame) => {
                    if let Some(conn) = self.conns.get(&conn) {
                        conn.outbox.send(frame);
                    }
                }
                // Nothing of the batch happened: no preview of it either.
                Out::Broadcast { .. } | Out::Live(..) => {}
                Out::Presence => presence_due = true,
            }
        }
        if presence_due {
            self.broadcast_presence();
        }
    }

    /// After another node appended first: the log up to where it ends and, from the third
    /// round on, a growing pause and what the follow brought meanwhile. False if the room
    /// could not catch up.
    async fn catch_up_after_conflict(&mut self, end: Option<LogPosition>, round: usize) -> bool {
        self.catch_up_to(end).await
            && (round < RETRY_AT_ONCE || {
                tokio::time::sleep(retry_pause(round)).await;
                self.take_followed().await
            })
    }

    /// Catches up with the log after an append was refused: from what the follow brings when
    /// the engine said where the log ends (usually there already, or within a moment: no read),
    /// else by reading the log.
    async fn catch_up_to(&mut self, end: Option<LogPosition>) -> bool {
        if let Some(end) = end {
            while self.position < end {
                let Some(rx) = self.followed.as_mut() else { break };
                let Ok(Some(item)) = tokio::time::timeout(FOLLOW_WAIT, rx.recv()).await else { break };
                if !self.followed_item(item).await {
                    return false;
                }
            }
            if self.position >= end {
                return true;
            }
        }
        self.catch_up().await
    }

    /// Takes everything the follow has brought so far, without waiting. False if the room
    /// must stop.
    async fn take_followed(&mut self) -> bool {
        while let Some(item) = self.followed.as_mut().and_then(|rx| rx.try_recv().ok()) {
            if !self.followed_item(item).await {
                return false;
            }
        }
        true
    }

    /// Applies the changes other nodes appended since this replica's position (read from the
    /// log now) and delivers them. False if the log could not be read.
    async fn catch_up(&mut self) -> bool {
        let Some(peers) = self.peers.clone() else { return false };
        match peers.catch_up(&self.state.id, self.position).await {
            Ok(CaughtUp { tokens, changes }) => {
                self.tokens.extend(token_keys(tokens));
                for (position, change) in changes {
                    if !self.absorb(position, &change) {
                        return false;
                    }
                }
                true
            }
            Err(e) => {
                tracing::warn!(room = %self.state.id, error = %e, "cannot catch up with the room's log");
                false
            }
        }
    }

    /// Applies a change another node stored at `position` and delivers it to the members
    /// here. A change this replica has is skipped; false if one is missing before it.
    fn absorb(&mut self, position: LogPosition, change: &Change) -> bool {
        if position <= self.position || change.seq <= self.state.seq {
            self.position = self.position.max(position);
            return true;
        }
        if change.seq != self.state.seq + 1 {
            tracing::warn!(room = %self.state.id, have = self.state.seq, found = change.seq,
                "a change from the log does not follow this replica");
            return false;
        }
        self.state.apply_change(change);
        self.position = position;
        self.committed = self.state.seq;
        self.changes_since_snapshot += 1;
        let mut decided = Decided::default();
        self.record(change, &mut decided);
        self.deliver(decided.out, &mut []);
        true
    }

    /// One item from the other nodes. False if the room must stop.
    async fn followed_item(&mut self, item: Followed) -> bool {
        match item {
            Followed::Change { position, change } => self.absorb(position, &change) || self.resync().await,
            Followed::Token(row) => {
                self.tokens.extend(token_keys([row]));
                true
            }
            Followed::Live(frame) => {
                for conn in self.conns.values() {
                    conn.outbox.send(frame.clone());
                }
                true
            }
            Followed::Presence { node, presence } => {
                let ask = presence.ask;
                if presence.online.is_empty() && presence.viewers == 0 {
                    self.remote.remove(&node);
                } else {
                    self.remote.insert(node, Remote { presence, heard: Instant::now() });
                }
                if ask {
                    self.publish_presence(true);
                }
                self.refresh_online();
                self.broadcast_presence();
                true
            }
            Followed::Lost(why) => {
                // Follow again from here; what was stored meanwhile is read and delivered.
                tracing::warn!(room = %self.state.id, why, "lost the other nodes' changes; following again");
                self.followed = self.peers.as_ref().map(|peers| peers.follow(&self.state.id, self.position));
                self.catch_up().await || self.resync().await
            }
        }
    }

    /// Every heartbeat: tells the other nodes again who is here, and forgets the members of a
    /// node that has said nothing for `expiry`.
    fn heartbeat_peers(&mut self, expiry: Duration) {
        if self.peers.is_none() {
            return;
        }
        if !self.conns.is_empty() {
            self.publish_presence(true);
        }
        let before = self.remote.len();
        self.remote.retain(|_, remote| remote.heard.elapsed() < expiry);
        if self.remote.len() != before {
            self.refresh_online();
            self.broadcast_presence();
        }
    }

    /// Tells the other nodes who is connected here, if that changed (or `again`).
    fn publish_presence(&mut self, again: bool) {
        let Some(peers) = &self.peers else { return };
        let (online, viewers) = presence(self.conns.values().map(|c| c.actor));
        let mine =
            NodePresence { online: online.into_iter().collect(), viewers, ask: self.published.is_none() };
        let same =
            self.published.as_ref().is_some_and(|p| p.online == mine.online && p.viewers == mine.viewers);
        if same && !again {
            return;
        }
        peers.publish_presence(&self.state.id, &mine);
        self.published = Some(NodePresence { ask: false, ..mine });
    }

    /// Who is connected, for the rules: here and on the other nodes.
    fn refresh_online(&mut self) {
        let (online, _) = self.presence_of(None);
        self.online = online.into_iter().collect();
    }

    /// Forgets a round that was not stored: the state before it (when kept), its new token
    /// hashes, its frames in the ring.
    fn undo_round(&mut self, before: Option<Box<RoomState>>, hashes: &[String]) {
        if let Some(state) = before {
            self.state = *state;
        }
        for key in hashes.iter().filter_map(|hash| HashKey::from_hex(hash)) {
            self.tokens.remove(&key);
        }
        self.ring.forget_after(self.state.seq);
    }

    /// Loads the room again; if that moved it past what its members were sent (changes other
    /// nodes stored that never reached them here), closes their connections so that they come
    /// back to a fresh snapshot rather than skip those changes.
    async fn resync(&mut self) -> bool {
        let sent = self.committed;
        if !self.reload().await {
            return false;
        }
        if self.state.seq != sent {
            for conn in self.conns.values() {
                conn.outbox.close(CloseReason::RESYNC);
            }
        }
        true
    }

    /// Goes back to what the store holds. False if even that fails: the room stops, and its
    /// connections are closed so that they reconnect to a fresh load.
    async fn reload(&mut self) -> bool {
        match self.store.load_room(self.state.id.clone()).await {
            Ok(Some(loaded)) => {
                self.reset(loaded);
                true
            }
            Ok(None) | Err(_) => {
                // The state in memory may hold a batch that was refused: the room stops without
                // the snapshot it would save on the way out (the store has every stored change).
                self.changes_since_snapshot = 0;
                false
            }
        }
    }

    /// An ephemeral message: a caret only from someone who may type in that text, dragging
    /// only of a revealed note; passed on to everyone else through the [`Live`] throttle.
    fn live(&mut self, conn: ConnId, msg: ClientMsg, out: &mut Vec<Out>) {
        let Some(actor) = self.conns.get(&conn).map(|c| c.actor) else { return };
        let Some(member_id) = actor.member else { return };
        let (key, preview) = match msg {
            ClientMsg::Caret { target, anchor, head } => {
                let too_long = |a: &Option<String>| a.as_ref().is_some_and(|a| a.len() > MAX_ANCHOR_CHARS);
                let ctx = Context { actor, now: now_ms(), online: &self.online, seed: 0 };
                // Leaving a text (no positions) is always passed on.
                let leaving = anchor.is_none() && head.is_none();
                if too_long(&anchor) || too_long(&head) || !(leaving || may_type(&self.state, &ctx, &target))
                {
                    return;
                }
                (LiveKey::Caret(target.clone()), ServerMsg::Caret { target, member_id, anchor, head })
            }
            ClientMsg::Drag { id, x, y, mut with } => {
                let revealed = |id: &ItemId| self.state.wall.notes.get(id).is_some_and(|n| n.revealed);
                if !revealed(&id) {
                    return;
                }
                with.truncate(MAX_DRAG_WITH);
                with.retain(|other| *other != id && revealed(other));
                let (x, y) = (x.clamp(0, WALL_WIDTH), y.clamp(0, WALL_HEIGHT));
                (LiveKey::Drag(id.clone()), ServerMsg::Drag { member_id, id, x, y, with })
            }
            ClientMsg::Hello { .. } | ClientMsg::Cmd { .. } | ClientMsg::Ping => return,
        };
        // Queued behind the batch's changes so far: a caret never arrives before the change
        // that let its sender type there (both reach the others in the order they happened).
        for msg in self.live.offer(conn, key, preview, Instant::now()) {
            out.extend(frame(&msg).map(|f| Out::Live(conn, f)));
        }
    }

    fn flush_live(&mut self) {
        for (conn, msg) in self.live.due(Instant::now()) {
            self.send_live(conn, &msg);
        }
    }

    fn send_live(&self, from: ConnId, msg: &ServerMsg) {
        if let Some(frame) = frame(msg) {
            self.send_live_frame(from, &frame);
        }
    }

    fn send_live_frame(&self, from: ConnId, frame: &Frame) {
        for (id, conn) in &self.conns {
            if *id != from {
                conn.outbox.send(frame.clone());
            }
        }
        if let Some(peers) = &self.peers {
            peers.publish_live(&self.state.id, frame);
        }
    }

    fn presence_with(&self, extra: Actor) -> (Vec<MemberId>, u32) {
        self.presence_of(Some(extra))
    }

    /// Who is connected to the room, here and on the other nodes, and how many viewers.
    fn presence_of(&self, extra: Option<Actor>) -> (Vec<MemberId>, u32) {
        let (mut online, mut viewers) = presence(self.conns.values().map(|c| c.actor).chain(extra));
        if !self.remote.is_empty() {
            for remote in self.remote.values() {
                online.extend(remote.presence.online.iter().copied());
                viewers += remote.presence.viewers;
            }
            online.sort_unstable();
            online.dedup();
        }
        (online, viewers)
    }

    fn broadcast_presence(&mut self) {
        self.publish_presence(false);
        let (online, viewers) = self.presence_of(None);
        let online: BTreeSet<MemberId> = online.into_iter().collect();
        let (before, viewers_before) = &self.last_presence;
        let joined: Vec<MemberId> = online.difference(before).copied().collect();
        let left: Vec<MemberId> = before.difference(&online).copied().collect();
        if joined.is_empty() && left.is_empty() && viewers == *viewers_before {
            return;
        }
        self.last_presence = (online, viewers);
        if let Some(frame) = frame(&ServerMsg::Presence { joined, left, viewers }) {
            for conn in self.conns.values() {
                conn.outbox.send(frame.clone());
            }
        }
    }

    fn summary(&self) -> RoomSummary {
        let s = &self.state.settings;
        RoomSummary {
            room_id: self.state.id.clone(),
            title: s.title.clone(),
            organisation: s.organisation.clone(),
            lens: s.lens,
            language: s.language,
        }
    }
}

fn presence(actors: impl Iterator<Item = Actor>) -> (Vec<MemberId>, u32) {
    let mut online = Vec::new();
    let mut viewers = 0;
    for actor in actors {
        match actor.member {
            Some(id) => online.push(id),
            None => viewers += 1,
        }
    }
    online.sort_unstable();
    online.dedup();
    (online, viewers)
}

fn not_found() -> Rejection {
    Rejection::new(ErrorCode::NotFound, "no such room: check the link")
}

/// Answers everything in the mailbox of a room that cannot run, then leaves the registry.
async fn refuse_all(
    rx: &mut mpsc::Receiver<RoomMsg>,
    registry: &Registry,
    id: &RoomId,
    generation: u64,
    why: Rejection,
) {
    registry.remove(id, generation);
    rx.close();
    while let Some(msg) = rx.recv().await {
        if let RoomMsg::Join { reply, .. } = msg {
            let _ = reply.send(Err(why.clone()));
        }
    }
}

/// The room as everyone may see it, serialized once for every welcome of a batch.
fn shared_room(state: &RoomState) -> Option<Box<serde_json::value::RawValue>> {
    let json = serde_json::to_string(&state.shared_view()).ok()?;
    serde_json::value::RawValue::from_string(json).ok()
}

/// A `welcome` frame around an already serialized room.
fn welcome(
    room: Option<&serde_json::value::RawValue>,
    you: &You,
    mine: Option<&horseshoe_protocol::Private>,
    online: &[MemberId],
    viewers: u32,
    server_time: i64,
) -> Option<Frame> {
    let room = room?;
    let msg = WelcomeFrame {
        kind: "welcome",
        protocol: PROTOCOL_VERSION,
        you,
        room,
        mine,
        online,
        viewers,
        server_time,
    };
    match serde_json::to_string(&msg) {
        Ok(text) => Some(Utf8Bytes::from(text)),
        Err(e) => {
            tracing::error!(error = %e, "a welcome does not serialize");
            None
        }
    }
}

/// Seeds drawn from the OS at once by a thread: one `getrandom` call per this many commands
/// instead of one per command (it was about 1% of a room's work on a note move, most of which
/// never shuffles).
const SEEDS_PER_DRAW: usize = 32;

/// A fresh random seed for the rules that shuffle: the OS's randomness, drawn
/// [`SEEDS_PER_DRAW`] at a time per thread, each handed out once (zero if the OS has none,
/// which only makes a shuffle predictable).
fn seed() -> u64 {
    thread_local! {
        static SEEDS: std::cell::RefCell<(usize, [u64; SEEDS_PER_DRAW])> =
            const { std::cell::RefCell::new((SEEDS_PER_DRAW, [0; SEEDS_PER_DRAW])) };
    }
    SEEDS.with_borrow_mut(|(next, seeds)| {
        if *next == SEEDS_PER_DRAW {
            let mut bytes = [0u8; 8 * SEEDS_PER_DRAW];
            if getrandom::fill(&mut bytes).is_err() {
                tracing::warn!("no randomness for a shuffle seed");
            }
            for (seed, chunk) in seeds.iter_mut().zip(bytes.chunks_exact(8)) {
                let mut word = [0u8; 8];
                word.copy_from_slice(chunk);
                *seed = u64::from_le_bytes(word);
            }
            *next = 0;
        }
        let seed = seeds[*next];
        // Handed out once: a seed another command saw is not used again.
        seeds[*next] = 0;
        *next += 1;
        seed
    })
}

/// The next item from the other nodes; never, on one node. A follow that ended without saying
/// why is a lost one.
async fn next_followed(followed: &mut Option<mpsc::Receiver<Followed>>) -> Followed {
    match followed {
        Some(rx) => rx.recv().await.unwrap_or_else(|| Followed::Lost("the follow ended".into())),
        None => std::future::pending().await,
    }
}

/// Stored token rows as a room keeps them; a row whose hash is not one is left out (logged).
fn token_keys(rows: impl IntoIterator<Item = TokenRow>) -> impl Iterator<Item = (HashKey, MemberId)> {
    rows.into_iter().filter_map(|row| match HashKey::from_hex(&row.hash) {
        Some(key) => Some((key, row.member)),
        None => {
            tracing::warn!(member = %row.member, "a stored token hash is not a hash: left out");
            None
        }
    })
}

async fn sleep_until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// How long a room with no connections stays in memory by default.
pub const IDLE_UNLOAD: Duration = Duration::from_secs(10 * 60);

#[cfg(test)]
mod tests {
    use super::*;

    /// A room with one participant, Ana.
    fn room_with_ana() -> (RoomState, MemberId) {
        let id = RoomId::parse("00112233445566778899aabbccddeeff").expect("an id");
        let mut state = RoomState::new(id, horseshoe_protocol::Settings::default(), 5);
        let me = MemberId(Uuid::from_u128(7));
        let member = Member { id: me, name: "Ana".into(), role: MemberRole::Participant, joined_at: 5 };
        horseshoe_protocol::join(&mut state, member, &BTreeSet::new()).expect("joined");
        (state, me)
    }

    #[test]
    fn a_change_put_together_from_its_events_is_the_protocols_change() {
        let (mut state, me) = room_with_ana();
        let ctx = Context {
            actor: Actor::member(me, MemberRole::Participant),
            now: 9,
            online: &BTreeSet::new(),
            seed: 1,
        };
        let note = horseshoe_protocol::ItemId(format!("{me}:n1"));
        let cmd = Some(CommandRef { client: ClientId("tab".into()), id: CommandId(3) });
        let change =
            run(&mut state, &ctx, cmd, &Command::AddNote { id: note, text: "grow".into() }).expect("applied");
        assert!(change.events.iter().any(|e| e.audience() == Some(me)), "a private event in it");
        assert!(change.events.iter().any(|e| e.audience().is_none()), "a public event in it");
        // A scratch buffer left with something in it from before.
        let mut scratch = b"left over".to_vec();
        let Recorded { body, all, own } = put_together(&change, &mut scratch).expect("put together");
        assert_eq!(body, serde_json::to_string(&change).expect("serializes"));
        let frame_for = |owner: Option<MemberId>| ServerMsg::Change {
            seq: change.seq,
            by: change.by,
            events: change
                .events
                .iter()
                .filter(|e| e.audience().is_none() || e.audience() == owner)
                .cloned()
                .collect(),
        };
        assert_eq!(all.as_str(), serde_json::to_string(&frame_for(None)).expect("serializes"));
        assert_eq!(own.len(), 1, "one member gets events of their own");
        assert_eq!(own[0].0, me);
        assert_eq!(own[0].1.as_str(), serde_json::to_string(&frame_for(Some(me))).expect("serializes"));
        assert_ne!(own[0].1.as_str(), all.as_str());
    }

    #[test]
    fn an_ack_put_together_on_the_stack_is_the_protocols_ack() {
        for (id, seq) in [(1, 0), (7, 123), (u64::MAX, u64::MAX), (10, 1_000_000)] {
            let (id, seq) = (CommandId(id), seq);
            assert_eq!(ack(id, seq).expect("an ack"), frame(&ServerMsg::Ack { id, seq }).expect("an ack"));
        }
    }

    #[test]
    fn a_change_with_no_events_is_put_together_with_an_empty_list() {
        let change = Change { seq: 4, by: None, cmd: None, events: Vec::new() };
        let Recorded { body, all, own } = put_together(&change, &mut Vec::new()).expect("put together");
        assert_eq!(body, serde_json::to_string(&change).expect("serializes"));
        let theirs = ServerMsg::Change { seq: 4, by: None, events: Vec::new() };
        assert_eq!(all.as_str(), serde_json::to_string(&theirs).expect("serializes"));
        assert!(own.is_empty());
    }

    #[test]
    fn a_welcome_around_a_serialized_room_is_the_protocols_welcome() {
        let (state, me) = room_with_ana();
        let you = You { role: Role::Participant, member_id: Some(me), token: None };
        let mine = state.private_of(me);
        let room = shared_room(&state);
        let ours = welcome(room.as_deref(), &you, Some(&mine), &[me], 2, 99).expect("a frame");
        let theirs = ServerMsg::Welcome {
            protocol: PROTOCOL_VERSION,
            you,
            room: Box::new(state.shared_view()),
            mine: Some(Box::new(mine)),
            online: vec![me],
            viewers: 2,
            server_time: 99,
        };
        assert_eq!(ours.as_str(), serde_json::to_string(&theirs).expect("serializes"));
    }

    #[test]
    fn shuffle_seeds_drawn_in_bulk_are_each_handed_out_once() {
        // Three draws' worth: every seed differs from every other (64 random bits each).
        let seeds: std::collections::HashSet<u64> = (0..3 * SEEDS_PER_DRAW).map(|_| seed()).collect();
        assert_eq!(seeds.len(), 3 * SEEDS_PER_DRAW);
        assert!(!seeds.contains(&0), "the OS gave randomness");
    }
}
