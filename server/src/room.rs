//! The room actor: one task per room owns its [`RoomState`], decides commands one at a time
//! with the protocol's pure rules, commits their events through the store, and only then fans
//! each event out as one serialized frame shared by every connection.
//!
//! Messages that arrive while a commit is under way are taken together as the next batch, so a
//! busy room commits many commands per fsync.

use std::collections::{BTreeSet, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use horseshoe_protocol::limits::{MAX_CARD_CHARS, MAX_DEFINITION_CHARS, WALL_HEIGHT, WALL_WIDTH};
use horseshoe_protocol::{
    Actor, ClientMsg, Command, CommandId, Context, Credentials, ErrorCode, Event, Language, Lens, Member,
    MemberId, MemberRole, PROTOCOL_VERSION, Rejection, Role, RoomId, RoomState, ServerMsg, TypingTarget, You,
    admit, apply,
};
use serde::Serialize;
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Utf8Bytes;
use uuid::Uuid;

use crate::admission::NewMembers;
use crate::live::{Live, LiveKey};

pub use crate::outbox::Outbox;
use crate::registry::Registry;
use crate::ring::Ring;
use crate::secret;
use crate::store::{Append, LoadedRoom, LogEntry, Store, TokenRow};

/// Messages waiting in a room's mailbox before senders wait (back-pressure onto their sockets).
pub const ROOM_MAILBOX: usize = 4096;
/// Most messages decided together before one commit.
const MAX_BATCH: usize = 256;
/// Events between two snapshots: loading replays at most this many.
const SNAPSHOT_EVERY: u64 = 500;
/// Command ids remembered per room to recognise resends (also reloaded after a restart).
pub const DEDUP_WINDOW: usize = 4096;
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
    /// An ephemeral message (typing, dragging) to pass on to everyone else.
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
    outbox: Outbox,
}

/// Recently applied command ids, oldest first out.
#[derive(Default)]
struct Recent {
    seqs: HashMap<(MemberId, CommandId), u64>,
    order: VecDeque<(MemberId, CommandId)>,
}

impl Recent {
    fn get(&self, key: &(MemberId, CommandId)) -> Option<u64> {
        self.seqs.get(key).copied()
    }

    fn insert(&mut self, key: (MemberId, CommandId), seq: u64) {
        if self.seqs.insert(key.clone(), seq).is_none() {
            self.order.push_back(key);
        }
        while self.order.len() > DEDUP_WINDOW {
            if let Some(old) = self.order.pop_front() {
                self.seqs.remove(&old);
            }
        }
    }
}

/// Which connections a broadcast goes to.
#[derive(Debug, Clone, Copy)]
enum Audience {
    All,
    /// Every connection of one member.
    Only(MemberId),
    /// Everyone but that member (they get the real event; the others a placeholder).
    AllBut(MemberId),
}

impl Audience {
    fn includes(self, actor: &Actor) -> bool {
        match self {
            Audience::All => true,
            Audience::Only(id) => actor.member == Some(id),
            Audience::AllBut(id) => actor.member != Some(id),
        }
    }
}

/// How a joining connection catches up: a whole snapshot, or the events it missed.
enum Start {
    Snapshot(Box<RoomState>),
    Resume { last_seq: u64, frames: Vec<Frame> },
}

/// What to do once the batch's events are committed, in order.
enum Out {
    Broadcast(Frame, Audience),
    To(ConnId, Frame),
    /// A newly applied command: `ack` on success, `reject` if the commit fails.
    Applied {
        conn: ConnId,
        id: CommandId,
        seq: u64,
    },
    Register {
        conn: ConnId,
        actor: Actor,
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
    recent: Recent,
    store: Store,
    registry: Arc<Registry>,
    events_since_snapshot: u64,
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
            recent: Recent::default(),
            store,
            registry,
            events_since_snapshot: 0,
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
        self.recent = Recent::default();
        for (member, id, seq) in loaded.recent_commands.into_iter().rev() {
            self.recent.insert((member, id), seq);
        }
        self.events_since_snapshot = 0;
        // Frames of events that were never committed must not be replayed.
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
        let loaded = match store.load_room(id.clone(), DEDUP_WINDOW).await {
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
        if self.events_since_snapshot > 0 {
            let append = Append {
                room: self.state.id.clone(),
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
                RoomMsg::Live { conn, msg } => self.live(conn, msg),
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
        self.events_since_snapshot += entries.len() as u64;
        let snapshot = (self.events_since_snapshot >= SNAPSHOT_EVERY).then(|| Box::new(self.state.clone()));
        let append = Append { room: self.state.id.clone(), entries, tokens, snapshot };
        let had_snapshot = append.snapshot.is_some();
        match self.store.append(append).await {
            Ok(()) => {
                if had_snapshot {
                    self.events_since_snapshot = 0;
                }
                self.deliver(out);
                true
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
        let JoinRequest { credentials, name, last_seq, outbox, new_members } = request;
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
                let (id, events) = match admit(&self.state, member, &self.online) {
                    Ok(events) => (id, events),
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
                            Some(first) => (first.id, Vec::new()),
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
                for event in events {
                    self.record(Some(id), None, event, entries, out);
                }
                (Actor::member(id, role), You { role: role.into(), member_id: Some(id), token: Some(token) })
            }
            (None, None) => (Actor::viewer(), You { role: Role::Viewer, member_id: None, token: None }),
        };
        let conn = self.registry.next_conn_id();
        // A returning member (or wall display) that missed only what the ring still holds gets
        // just that; everyone else a snapshot as of now.
        let resumed = last_seq.filter(|_| you.token.is_none()).and_then(|after| {
            let frames = self.ring.since(after, self.state.seq, actor.member)?;
            Some(Start::Resume { last_seq: after, frames })
        });
        let start = resumed.unwrap_or_else(|| Start::Snapshot(Box::new(self.state.view_for(actor.member))));
        out.push(Out::Register { conn, actor, outbox, you, start, reply });
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
        let Some(actor) = self.conns.get(&conn).map(|c| c.actor) else {
            return; // The connection left while its command waited.
        };
        let key = actor.member.map(|m| (m, id.clone()));
        if let Some(seq) = key.as_ref().and_then(|k| self.recent.get(k)) {
            out.extend(frame(&ServerMsg::Ack { id, seq }).map(|f| Out::To(conn, f)));
            return;
        }
        let ctx = Context { actor, now: now_ms(), online: &self.online, seed: seed() };
        match apply(&self.state, &ctx, &command) {
            Ok(events) => {
                for event in events {
                    self.record(actor.member, Some(id.clone()), event, entries, out);
                }
                if let Some(key) = key {
                    self.recent.insert(key, self.state.seq);
                }
                out.push(Out::Applied { conn, id, seq: self.state.seq });
            }
            Err(Rejection { code, message }) => {
                self.registry.metrics.rejected(code);
                out.extend(frame(&ServerMsg::Reject { id, code, message }).map(|f| Out::To(conn, f)));
            }
        }
    }

    /// Applies a decided event to the state and queues it for the log and the fan-out.
    fn record(
        &mut self,
        member: Option<MemberId>,
        command_id: Option<CommandId>,
        event: Event,
        entries: &mut Vec<LogEntry>,
        out: &mut Vec<Out>,
    ) {
        let seq = self.state.seq + 1;
        self.state.apply_event(seq, &event);
        let audience = event.audience();
        let Some(real) = frame(&ServerMsg::Event { seq, event }) else { return };
        match audience {
            None => {
                out.push(Out::Broadcast(real.clone(), Audience::All));
                self.ring.push(seq, real.clone(), None);
            }
            Some(owner) => {
                let placeholder = frame(&ServerMsg::Event { seq, event: Event::Private });
                if let Some(placeholder) = placeholder {
                    out.push(Out::Broadcast(placeholder.clone(), Audience::AllBut(owner)));
                    out.push(Out::Broadcast(real.clone(), Audience::Only(owner)));
                    self.ring.push(seq, placeholder, Some((owner, real.clone())));
                }
            }
        }
        entries.push(LogEntry { seq, member, command_id, body: real });
    }

    fn deliver(&mut self, out: Vec<Out>) {
        // One presence change per batch, however many joined or left in it.
        let mut presence_due = false;
        for item in out {
            match item {
                Out::Broadcast(frame, audience) => {
                    for conn in self.conns.values() {
                        if audience.includes(&conn.actor) {
                            conn.outbox.send(frame.clone());
                        }
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
                Out::Register { conn, actor, outbox, you, start, reply } => {
                    let (online, viewers) = self.presence_with(actor);
                    let server_time = now_ms();
                    let (first, missed) = match start {
                        Start::Snapshot(room) => {
                            let welcome = ServerMsg::Welcome {
                                protocol: PROTOCOL_VERSION,
                                you,
                                room,
                                online,
                                viewers,
                                server_time,
                            };
                            (welcome, Vec::new())
                        }
                        Start::Resume { last_seq, frames } => {
                            let resume = ServerMsg::Resume {
                                protocol: PROTOCOL_VERSION,
                                you,
                                last_seq,
                                online,
                                viewers,
                                server_time,
                            };
                            (resume, frames)
                        }
                    };
                    let Some(first) = frame(&first) else { continue };
                    if reply.send(Ok(Joined { conn })).is_ok() {
                        outbox.send(first);
                        for missed in missed {
                            outbox.send(missed);
                        }
                        self.conns.insert(conn, Conn { actor, outbox });
                        self.online.extend(actor.member);
                    }
                }
                Out::Presence => presence_due = true,
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
                Out::Broadcast(..) => {}
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
        match self.store.load_room(self.state.id.clone(), DEDUP_WINDOW).await {
            Ok(Some(loaded)) => {
                self.reset(loaded);
                true
            }
            Ok(None) | Err(_) => false,
        }
    }

    /// An ephemeral message: typing only by the field's lease holder, dragging only of a
    /// revealed note; passed on to everyone else through the [`Live`] throttle.
    fn live(&mut self, conn: ConnId, msg: ClientMsg) {
        let Some(member_id) = self.conns.get(&conn).and_then(|c| c.actor.member) else { return };
        let (key, out) = match msg {
            ClientMsg::Typing { target, text } => {
                let (lease, max_chars) = match &target {
                    TypingTarget::Definition { group } => {
                        (self.state.definitions.texts.get(group).and_then(|d| d.lease), MAX_DEFINITION_CHARS)
                    }
                    TypingTarget::Card { id } => {
                        (self.state.assessment.cards.get(id).and_then(|c| c.lease), MAX_CARD_CHARS)
                    }
                };
                if lease.is_none_or(|l| l.holder != member_id) || text.chars().count() > max_chars {
                    return;
                }
                (LiveKey::Typing(target.clone()), ServerMsg::Typing { target, member_id, text })
            }
            ClientMsg::Drag { id, x, y } => {
                if !self.state.wall.notes.get(&id).is_some_and(|n| n.revealed) {
                    return;
                }
                let (x, y) = (x.clamp(0, WALL_WIDTH), y.clamp(0, WALL_HEIGHT));
                (LiveKey::Drag(id.clone()), ServerMsg::Drag { member_id, id, x, y })
            }
            ClientMsg::Hello { .. } | ClientMsg::Cmd { .. } => return,
        };
        for msg in self.live.offer(conn, key, out, Instant::now()) {
            self.send_live(conn, &msg);
        }
    }

    fn flush_live(&mut self) {
        for (conn, msg) in self.live.due(Instant::now()) {
            self.send_live(conn, &msg);
        }
    }

    fn send_live(&self, from: ConnId, msg: &ServerMsg) {
        let Some(frame) = frame(msg) else { return };
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
