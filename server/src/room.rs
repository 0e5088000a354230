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

use horseshoe_protocol::limits::{MAX_ANCHOR_CHARS, WALL_HEIGHT, WALL_WIDTH};
use horseshoe_protocol::{
    Actor, Change, ClientId, ClientMsg, Command, CommandId, CommandRef, Context, Credentials, ErrorCode,
    Language, Lens, Member, MemberId, MemberRole, PROTOCOL_VERSION, Rejection, Role, RoomId, RoomState, Seen,
    ServerMsg, You, join as join_room, may_type, run,
};
use serde::Serialize;
use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use uuid::Uuid;

use crate::admission::NewMembers;
use crate::live::{Live, LiveKey};

use crate::error::StoreError;
pub use crate::outbox::Outbox;
use crate::registry::Registry;
use crate::ring::Ring;
use crate::secret;
use crate::store::{Append, LoadedRoom, LogEntry, LogPosition, Store, TokenRow};

/// Messages waiting in a room's mailbox before senders wait (back-pressure onto their sockets).
pub const ROOM_MAILBOX: usize = 4096;
/// Most messages decided together before one commit.
const MAX_BATCH: usize = 256;
/// Changes between two snapshots: loading replays at most this many.
const SNAPSHOT_EVERY: u64 = 500;
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

pub enum RoomMsg {
    Join {
        request: JoinRequest,
        reply: oneshot::Sender<Result<Joined, Rejection>>,
    },
    Command {
        conn: ConnId,
        id: CommandId,
        command: Command,
    },
    /// An ephemeral message (a caret, a drag) to pass on to everyone else.
    Live {
        conn: ConnId,
        msg: ClientMsg,
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

/// `ServerMsg::Change` put together from events serialized once. A test keeps it equal to what
/// `ServerMsg` makes.
#[derive(Serialize)]
struct ChangeFrame<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<MemberId>,
    events: &'a [&'a RawValue],
}

/// A [`Change`] as the log stores it, from the same pieces. A test keeps it equal to what
/// `Change` makes.
#[derive(Serialize)]
struct StoredChange<'a> {
    seq: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    by: Option<MemberId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    cmd: Option<&'a CommandRef>,
    events: &'a [&'a RawValue],
}

fn to_json(value: &impl Serialize) -> Option<String> {
    match serde_json::to_string(value) {
        Ok(text) => Some(text),
        Err(e) => {
            tracing::error!(error = %e, "a message does not serialize");
            None
        }
    }
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
        reply: oneshot::Sender<Result<Joined, Rejection>>,
    },
    Presence,
}

pub struct Room {
    state: RoomState,
    key_hash: String,
    tokens: HashMap<String, MemberId>,
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

impl Room {
    fn from_loaded(loaded: LoadedRoom, store: Store, registry: Arc<Registry>) -> Self {
        let mut room = Self {
            state: loaded.state.clone(),
            key_hash: String::new(),
            tokens: HashMap::new(),
            conns: HashMap::new(),
            store,
            registry,
            changes_since_snapshot: 0,
            committed: 0,
            position: 0,
            last_presence: (BTreeSet::new(), 0),
            online: BTreeSet::new(),
            live: Live::default(),
            ring: Ring::default(),
        };
        room.reset(loaded);
        room
    }

    fn reset(&mut self, loaded: LoadedRoom) {
        self.state = loaded.state;
        self.key_hash = loaded.facilitator_key_hash;
        self.tokens = loaded.tokens.into_iter().map(|t| (t.hash, t.member)).collect();
        self.changes_since_snapshot = 0;
        self.committed = self.state.seq;
        self.position = loaded.position;
        // Frames of changes that were never committed must not be replayed.
        self.ring.clear();
    }

    /// Runs the room until shutdown, or until it has been idle for `idle_unload`.
    pub async fn run(
        id: RoomId,
        generation: u64,
        mut rx: mpsc::Receiver<RoomMsg>,
        store: Store,
        registry: Arc<Registry>,
    ) {
        let loaded = match store.load_room(id.clone()).await {
            Ok(Some(loaded)) => loaded,
            Ok(None) => {
                refuse_all(&mut rx, &registry, &id, generation, not_found()).await;
                return;
            }
            Err(e) => {
                tracing::error!(room = %id, error = %e, "cannot load room");
                let failed = Rejection::new(ErrorCode::Internal, "the room could not be loaded");
                refuse_all(&mut rx, &registry, &id, generation, failed).await;
                return;
            }
        };
        tracing::debug!(room = %id, seq = loaded.state.seq, "room loaded");
        let shutdown = registry.shutdown.clone();
        let idle_unload = registry.idle_unload;
        let heartbeat = registry.heartbeat;
        let mut room = Room::from_loaded(loaded, store, registry.clone());
        let mut idle_since = Some(Instant::now());
        // One timer per room pings every connection and drops the silent ones: connections
        // themselves hold no timers.
        let mut pings = tokio::time::interval_at(Instant::now() + heartbeat.ping_every, heartbeat.ping_every);
        pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let idle_deadline = idle_since.map(|t| t + idle_unload);
            let live_due = room.live.next_due();
            let first = tokio::select! {
                biased;
                () = shutdown.cancelled() => break,
                () = sleep_until(live_due) => {
                    room.flush_live();
                    continue;
                }
                _ = pings.tick() => {
                    for conn in room.conns.values() {
                        conn.outbox.heartbeat(heartbeat.silence_limit);
                    }
                    continue;
                }
                msg = rx.recv() => match msg {
                    Some(msg) => msg,
                    None => break,
                },
                () = sleep_until(idle_deadline) => {
                    tracing::debug!(room = %id, "unloading idle room");
                    break;
                }
            };
            let mut batch = vec![first];
            while batch.len() < MAX_BATCH {
                match rx.try_recv() {
                    Ok(msg) => batch.push(msg),
                    Err(_) => break,
                }
            }
            if !room.process(batch).await {
                break;
            }
            idle_since = match (room.conns.is_empty(), idle_since) {
                (true, None) => Some(Instant::now()),
                (true, since) => since,
                (false, _) => None,
            };
        }
        registry.remove(&id, generation);
        room.finish(shutdown.is_cancelled()).await;
        // Anyone who reached the mailbox after the room left the registry sees their reply
        // dropped, and asks the registry again.
        rx.close();
    }

    /// Saves a snapshot if the log grew since the last one, and closes every connection.
    async fn finish(&mut self, restarting: bool) {
        if self.changes_since_snapshot > 0 {
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
    async fn process(&mut self, batch: Vec<RoomMsg>) -> bool {
        let mut entries = Vec::new();
        let mut tokens = Vec::new();
        let mut out = Vec::new();
        for msg in batch {
            match msg {
                RoomMsg::Join { request, reply } => {
                    self.join(request, reply, &mut entries, &mut tokens, &mut out);
                }
                RoomMsg::Command { conn, id, command } => {
                    self.command(conn, id, command, &mut entries, &mut out);
                }
                RoomMsg::Live { conn, msg } => self.live(conn, msg, &mut out),
                RoomMsg::Leave { conn } => {
                    self.conns.remove(&conn);
                    self.live.forget(conn);
                    self.online = self.conns.values().filter_map(|c| c.actor.member).collect();
                    out.push(Out::Presence);
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
        if entries.is_empty() && tokens.is_empty() {
            self.deliver(out);
            return true;
        }
        self.changes_since_snapshot += entries.len() as u64;
        let snapshot = (self.changes_since_snapshot >= SNAPSHOT_EVERY).then(|| Box::new(self.state.clone()));
        let append = Append { room: self.state.id.clone(), after: self.position, entries, tokens, snapshot };
        let had_snapshot = append.snapshot.is_some();
        match self.store.append(append).await {
            Ok(position) => {
                self.position = position;
                if had_snapshot {
                    self.changes_since_snapshot = 0;
                }
                self.committed = self.state.seq;
                self.deliver(out);
                true
            }
            // Another node appended first (JetStream): for now refused as a failed commit is;
            // catching up and deciding again is the multi-node rooms' work.
            Err(e @ StoreError::Conflict { .. }) => {
                tracing::warn!(room = %self.state.id, error = %e, "the log moved on; reloading the room");
                self.refuse(out);
                self.reload().await
            }
            Err(e) => {
                tracing::error!(room = %self.state.id, error = %e, "commit failed; reloading the room");
                self.refuse(out);
                self.reload().await
            }
        }
    }

    fn join(
        &mut self,
        request: JoinRequest,
        reply: oneshot::Sender<Result<Joined, Rejection>>,
        entries: &mut Vec<LogEntry>,
        tokens: &mut Vec<TokenRow>,
        out: &mut Vec<Out>,
    ) {
        let JoinRequest { credentials, client, name, last_seq, outbox, new_members } = request;
        let found = |token: &Option<String>| {
            token.as_deref().and_then(|t| self.tokens.get(&secret::hash(t)).copied())
        };
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
                (Actor::member(id, role), You { role: role.into(), member_id: Some(id), token: None })
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
                let member = Member { id, name, role, joined_at: now_ms() };
                let id = match join_room(&mut self.state, member, &self.online) {
                    Ok(change) => {
                        self.record(change, entries, out);
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
                let hash = secret::hash(&token);
                self.tokens.insert(hash.clone(), id);
                tokens.push(TokenRow { hash, member: id });
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
        out.push(Out::Register { conn, actor, client, outbox, you, start, reply });
        out.push(Out::Presence);
    }

    fn command(
        &mut self,
        conn: ConnId,
        id: CommandId,
        command: Command,
        entries: &mut Vec<LogEntry>,
        out: &mut Vec<Out>,
    ) {
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
                        out.extend(frame(&ServerMsg::Ack { id, seq }).map(|f| Out::To(conn, f)));
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
                    return;
                }
            }
        }
        let ctx = Context { actor, now: now_ms(), online: &self.online, seed: seed() };
        let numbered = actor.member.map(|_| CommandRef { client, id });
        match run(&mut self.state, &ctx, numbered, &command) {
            Ok(change) => {
                let seq = change.seq;
                self.record(change, entries, out);
                out.push(Out::Applied { conn, id, seq });
            }
            Err(Rejection { code, message }) => {
                self.registry.metrics.rejected(code);
                out.extend(frame(&ServerMsg::Reject { id, code, message }).map(|f| Out::To(conn, f)));
            }
        }
    }

    /// Queues an applied change (already in the state) for the log and the fan-out: one row,
    /// one frame for everyone, and one for each member who may see more of it.
    fn record(&mut self, change: Change, entries: &mut Vec<LogEntry>, out: &mut Vec<Out>) {
        let (seq, by) = (change.seq, change.by);
        // Each event is serialized once; the log row and every frame are put together from
        // those pieces (no event is cloned to make a frame).
        let mut pieces = Vec::with_capacity(change.events.len());
        for event in &change.events {
            match serde_json::value::to_raw_value(event) {
                Ok(raw) => pieces.push((event.audience(), raw)),
                Err(e) => {
                    tracing::error!(error = %e, "an event does not serialize");
                    return;
                }
            }
        }
        let all_events: Vec<&RawValue> = pieces.iter().map(|(_, raw)| &**raw).collect();
        let stored = StoredChange { seq, by, cmd: change.cmd.as_ref(), events: &all_events };
        let Some(body) = to_json(&stored) else { return };
        let mut owners: Vec<MemberId> = pieces.iter().filter_map(|(audience, _)| *audience).collect();
        owners.sort_unstable();
        owners.dedup();
        let frame_for = |owner: Option<MemberId>| {
            let events: Vec<&RawValue> = pieces
                .iter()
                .filter(|(audience, _)| audience.is_none() || *audience == owner)
                .map(|(_, raw)| &**raw)
                .collect();
            to_json(&ChangeFrame { kind: "change", seq, by, events: &events }).map(Frame::from)
        };
        let own: Vec<(MemberId, Frame)> =
            owners.into_iter().filter_map(|owner| frame_for(Some(owner)).map(|f| (owner, f))).collect();
        let Some(all) = frame_for(None) else { return };
        self.ring.push(seq, all.clone(), own.clone());
        out.push(Out::Broadcast { all, own });
        entries.push(LogEntry { seq, member: by, body });
    }

    fn deliver(&mut self, out: Vec<Out>) {
        // One presence change per batch, however many joined or left in it.
        let mut presence_due = false;
        let mut joins = Vec::new();
        for item in out {
            match item {
                Out::Broadcast { all, own } => {
                    for conn in self.conns.values() {
                        let mine = own.iter().find(|(owner, _)| conn.actor.member == Some(*owner));
                        conn.outbox.send(mine.map_or_else(|| all.clone(), |(_, f)| f.clone()));
                    }
                }
                Out::To(conn, frame) => {
                    if let Some(conn) = self.conns.get(&conn) {
                        conn.outbox.send(frame);
                    }
                }
                Out::Applied { conn, id, seq } => {
                    if let (Some(conn), Some(frame)) =
                        (self.conns.get(&conn), frame(&ServerMsg::Ack { id, seq }))
                    {
                        conn.outbox.send(frame);
                    }
                }
                Out::Live(from, frame) => self.send_live_frame(from, &frame),
                join @ Out::Register { .. } => joins.push(join),
                Out::Presence => presence_due = true,
            }
        }
        // Joins last: each starts from the room as of the batch's end.
        let mut room_json = None;
        for join in joins {
            let Out::Register { conn, actor, client, outbox, you, start, reply } = join else { continue };
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
    fn refuse(&mut self, out: Vec<Out>) {
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
                Out::Register { reply, .. } => {
                    let _ = reply.send(Err(failed()));
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

    /// Goes back to what the store holds. False if even that fails: the room stops, and its
    /// connections are closed so that they reconnect to a fresh load.
    async fn reload(&mut self) -> bool {
        match self.store.load_room(self.state.id.clone()).await {
            Ok(Some(loaded)) => {
                self.reset(loaded);
                true
            }
            Ok(None) | Err(_) => false,
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
            ClientMsg::Drag { id, x, y } => {
                if !self.state.wall.notes.get(&id).is_some_and(|n| n.revealed) {
                    return;
                }
                let (x, y) = (x.clamp(0, WALL_WIDTH), y.clamp(0, WALL_HEIGHT));
                (LiveKey::Drag(id.clone()), ServerMsg::Drag { member_id, id, x, y })
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
    }

    fn presence_with(&self, extra: Actor) -> (Vec<MemberId>, u32) {
        let actors = self.conns.values().map(|c| c.actor).chain(std::iter::once(extra));
        presence(actors)
    }

    fn broadcast_presence(&mut self) {
        let (online, viewers) = presence(self.conns.values().map(|c| c.actor));
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

/// A fresh random seed for the rules that shuffle (from the OS; zero if that fails, which only
/// makes a shuffle predictable).
fn seed() -> u64 {
    let mut bytes = [0u8; 8];
    if getrandom::fill(&mut bytes).is_err() {
        tracing::warn!("no randomness for a shuffle seed");
    }
    u64::from_le_bytes(bytes)
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
        let pieces: Vec<Box<RawValue>> =
            change.events.iter().map(|e| serde_json::value::to_raw_value(e).expect("serializes")).collect();
        let all: Vec<&RawValue> = pieces.iter().map(|r| &**r).collect();
        let stored = StoredChange { seq: change.seq, by: change.by, cmd: change.cmd.as_ref(), events: &all };
        assert_eq!(to_json(&stored), serde_json::to_string(&change).ok());
        let frame = ChangeFrame { kind: "change", seq: change.seq, by: change.by, events: &all };
        let theirs = ServerMsg::Change { seq: change.seq, by: change.by, events: change.events.clone() };
        assert_eq!(to_json(&frame), serde_json::to_string(&theirs).ok());
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
}
