//! The room actor without sockets: real rooms, registry and store thread over an in-memory
//! [`Backend`] that fails commits on demand, so that what is acknowledged can be checked
//! against what was stored, whatever fails when.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::net::{IpAddr, Ipv4Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures_util::future::BoxFuture;
use horseshoe_protocol::{
    Change, ClientId, ClientMsg, Command, CommandId, Credentials, ItemId, MemberRole, Rejection, RoomId,
    RoomState, ServerMsg, Settings, TextTarget,
};
use tokio::sync::{mpsc, oneshot};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::admission::{Heartbeat, NewMembers, PerAddress, Rate};
use crate::error::StoreError;
use crate::metrics::Metrics;
use crate::outbox::{Batch, Inbox};
use crate::peers::{CaughtUp, Followed, NodePresence, Peers};
use crate::registry::Registry;
use crate::room::{ConnId, Frame, JoinRequest, Joined, Outbox, RoomMsg};
use crate::secret;
use crate::store::{Append, Backend, LoadedRoom, LogPosition, Reader, RoomRecord, Store, TokenRow};

/// One stored room.
#[derive(Default, Clone)]
struct Stored {
    key_hash: String,
    snapshot: String,
    snapshot_seq: u64,
    rows: Vec<(u64, String)>,
    tokens: Vec<TokenRow>,
}

/// An in-memory store whose commits fail while `failing` says so: a countdown of commits to
/// fail, or (when `odds` is set) at random, one in `odds`.
#[derive(Clone, Default)]
struct Fake {
    rooms: Arc<Mutex<HashMap<RoomId, Stored>>>,
    fail_next: Arc<AtomicU64>,
    odds: Arc<AtomicU64>,
    seed: Arc<AtomicU64>,
    /// As JetStream does: an append that does not follow the log's end is refused.
    optimistic: Arc<std::sync::atomic::AtomicBool>,
    /// As JetStream may: the next append stores its tokens and first change, then is refused
    /// (another writer came in between).
    partial_once: Arc<std::sync::atomic::AtomicBool>,
    /// Loads to fail, counting down (the store unreachable).
    fail_loads: Arc<AtomicU64>,
    /// Appends to refuse as if another writer came first, counting down.
    conflicts: Arc<AtomicU64>,
    /// Whether the other nodes (NATS) are reachable, as the peers say.
    unreachable: Arc<std::sync::atomic::AtomicBool>,
    /// Snapshots stored, counted.
    snapshots_stored: Arc<AtomicU64>,
    /// A row another writer stores just as the last of those refusals is given.
    at_last_conflict: Arc<Mutex<Option<(u64, String)>>>,
}

impl Fake {
    fn fails_now(&self) -> bool {
        if self.fail_next.load(Ordering::SeqCst) > 0 {
            self.fail_next.fetch_sub(1, Ordering::SeqCst);
            return true;
        }
        let odds = self.odds.load(Ordering::SeqCst);
        if odds == 0 {
            return false;
        }
        let mut x = self.seed.load(Ordering::SeqCst) | 1;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.seed.store(x, Ordering::SeqCst);
        x.is_multiple_of(odds)
    }

    fn stored(&self, id: &RoomId) -> Stored {
        self.rooms.lock().expect("lock").get(id).cloned().unwrap_or_default()
    }
}

impl Backend for Fake {
    type Reader = Fake;

    fn create_room(&mut self, record: &RoomRecord, state: &RoomState) -> Result<(), StoreError> {
        let stored = Stored {
            key_hash: record.facilitator_key_hash.clone(),
            snapshot: serde_json::to_string(state)?,
            snapshot_seq: state.seq,
            ..Stored::default()
        };
        self.rooms.lock().expect("lock").insert(record.id.clone(), stored);
        Ok(())
    }

    fn commit(&mut self, batch: &[Append]) -> Vec<Result<u64, StoreError>> {
        if self.fails_now() {
            return batch
                .iter()
                .map(|_| Err(StoreError::Commit("database or disk is full".into())))
                .collect();
        }
        let mut rooms = self.rooms.lock().expect("lock");
        let mut answers = Vec::new();
        for append in batch {
            let room = rooms.entry(append.room.clone()).or_default();
            let end = room.rows.last().map_or(room.snapshot_seq, |(seq, _)| *seq);
            if self.conflicts.load(Ordering::SeqCst) > 0 {
                if self.conflicts.fetch_sub(1, Ordering::SeqCst) == 1
                    && let Some(row) = self.at_last_conflict.lock().expect("lock").take()
                {
                    room.rows.push(row);
                }
                answers.push(Err(StoreError::Conflict { expected: append.after, end: None }));
                continue;
            }
            if self.optimistic.load(Ordering::SeqCst) && append.after != end {
                answers.push(Err(StoreError::Conflict { expected: append.after, end: None }));
                continue;
            }
            if self.partial_once.swap(false, Ordering::SeqCst) {
                room.rows.extend(append.entries.iter().take(1).map(|e| (e.seq, e.body.clone())));
                room.tokens.extend(append.tokens.iter().cloned());
                answers.push(Err(StoreError::Conflict { expected: append.after, end: None }));
                continue;
            }
            answers.push(Ok(append.seq_after()));
            room.rows.extend(append.entries.iter().map(|e| (e.seq, e.body.clone())));
            room.tokens.extend(append.tokens.iter().cloned());
            if let Some(state) = &append.snapshot
                && state.seq >= room.snapshot_seq
            {
                let Ok(snapshot) = serde_json::to_string(state) else {
                    return batch.iter().map(|_| Err(StoreError::Commit("a state to JSON".into()))).collect();
                };
                room.snapshot = snapshot;
                room.snapshot_seq = state.seq;
                self.snapshots_stored.fetch_add(1, Ordering::SeqCst);
            }
        }
        answers
    }

    fn check_writable(&mut self) -> Result<(), StoreError> {
        if self.fails_now() { Err(StoreError::Commit("database or disk is full".into())) } else { Ok(()) }
    }

    fn reader(&self) -> Result<Fake, StoreError> {
        Ok(self.clone())
    }
}

impl Reader for Fake {
    fn load_room(&mut self, id: &RoomId) -> Result<Option<LoadedRoom>, StoreError> {
        if self.fail_loads.load(Ordering::SeqCst) > 0 {
            self.fail_loads.fetch_sub(1, Ordering::SeqCst);
            return Err(StoreError::Commit("the store is unreachable".into()));
        }
        let Some(room) = self.rooms.lock().expect("lock").get(id).cloned() else { return Ok(None) };
        let mut state: RoomState = serde_json::from_str(&room.snapshot)?;
        for (seq, body) in &room.rows {
            if *seq > state.seq {
                state.apply_change(&serde_json::from_str::<Change>(body)?);
            }
        }
        let position = state.seq;
        Ok(Some(LoadedRoom { facilitator_key_hash: room.key_hash, state, tokens: room.tokens, position }))
    }
}

/// The other nodes, over the same in-memory log: nothing is followed (the test appends for the
/// "other node" itself), but a room that is refused catches up from the log.
struct FakePeers {
    fake: Fake,
    node: Arc<str>,
}

impl Peers for FakePeers {
    fn node(&self) -> &Arc<str> {
        &self.node
    }

    fn connected(&self) -> bool {
        !self.fake.unreachable.load(Ordering::SeqCst)
    }

    fn follow(&self, _room: &RoomId, _after: LogPosition) -> mpsc::Receiver<Followed> {
        let (tx, rx) = mpsc::channel(1);
        // Held open for the room's life: nothing arrives, nothing is lost.
        std::mem::forget(tx);
        rx
    }

    fn catch_up(
        &self,
        room: &RoomId,
        after: LogPosition,
    ) -> BoxFuture<'static, Result<CaughtUp, StoreError>> {
        let stored = self.fake.stored(room);
        Box::pin(async move {
            let changes = stored
                .rows
                .into_iter()
                .filter(|(seq, _)| *seq > after)
                .map(|(seq, body)| Ok((seq, serde_json::from_str(&body)?)))
                .collect::<Result<_, StoreError>>()?;
            Ok(CaughtUp { tokens: stored.tokens, changes })
        })
    }

    fn publish_live(&self, _room: &RoomId, _frame: &Frame) {}

    fn publish_presence(&self, _room: &RoomId, _presence: &NodePresence) {}
}

struct World {
    fake: Fake,
    registry: Arc<Registry>,
    room: RoomId,
    key: String,
    limiter: Arc<PerAddress>,
}

impl World {
    async fn new() -> Self {
        Self::start(false).await
    }

    /// A world where the room has other nodes, which append to its log too.
    async fn with_peers() -> Self {
        Self::start(true).await
    }

    async fn start(peers: bool) -> Self {
        let fake = Fake::default();
        fake.optimistic.store(peers, Ordering::SeqCst);
        let others: Option<Arc<dyn Peers>> =
            peers.then(|| Arc::new(FakePeers { fake: fake.clone(), node: "other".into() }) as Arc<dyn Peers>);
        let metrics = Arc::new(Metrics::default());
        let (store, _threads) = Store::start(fake.clone(), metrics.clone(), Duration::ZERO).expect("a store");
        let heartbeat =
            Heartbeat { ping_every: Duration::from_secs(60), silence_limit: Duration::from_secs(120) };
        let registry = Registry::new(
            store.clone(),
            metrics,
            CancellationToken::new(),
            TaskTracker::new(),
            Duration::from_secs(60),
            heartbeat,
            others,
        );
        let room = RoomId::parse("00112233445566778899aabbccddeeff").expect("an id");
        let key = "k".repeat(64);
        let record = RoomRecord { id: room.clone(), facilitator_key_hash: secret::hash(&key) };
        store
            .create_room(record, RoomState::new(room.clone(), Settings::default(), 0))
            .await
            .expect("created");
        let limiter = PerAddress::new(Rate { burst: 1000, per_hour: 100_000 });
        Self { fake, registry, room, key, limiter }
    }

    /// What another node deciding from the same log would store: the room's first facilitator
    /// adding factor `id`, as a log row not yet in the store.
    fn other_node_adds_factor(&self, id: &str) -> (u64, String) {
        let mut other =
            Fake::load_room(&mut self.fake.clone(), &self.room).expect("loads").expect("there").state;
        let marta = *other.members.keys().next().expect("the facilitator");
        let ctx = horseshoe_protocol::Context {
            actor: horseshoe_protocol::Actor::member(marta, horseshoe_protocol::MemberRole::Facilitator),
            now: 1,
            online: &BTreeSet::new(),
            seed: 1,
        };
        let change = horseshoe_protocol::run(&mut other, &ctx, None, &add_factor(id)).expect("applied there");
        (change.seq, serde_json::to_string(&change).expect("serializes"))
    }

    /// The ids of the key factors in the room as the store loads it.
    fn stored_factors(&self) -> Vec<String> {
        let loaded = Fake::load_room(&mut self.fake.clone(), &self.room).expect("loads").expect("there");
        loaded.state.experience.factors.keys().map(|id| id.0.clone()).collect()
    }

    /// Another node stores factor `id` in the log, and this room has not followed it yet.
    fn other_node_stored_factor(&self, id: &str) {
        let row = self.other_node_adds_factor(id);
        self.fake.rooms.lock().expect("lock").get_mut(&self.room).expect("stored").rows.push(row);
    }

    /// A facilitator whose first command, factor "f1", is acknowledged.
    async fn facilitator_with_a_factor(&self) -> Person {
        let mut fac = self.facilitator("tab-a").await;
        fac.command(1, add_factor("f1")).await;
        fac.until(|seen| seen.iter().any(|m| matches!(m, ServerMsg::Ack { .. }))).await;
        fac
    }

    /// A join, sent without waiting for its answer: the answer, the connection's inbox and the
    /// room's mailbox.
    async fn send_join(
        &self,
        credentials: Credentials,
        client: &str,
        name: &str,
    ) -> (oneshot::Receiver<Result<Joined, Rejection>>, Inbox, tokio::sync::mpsc::Sender<RoomMsg>) {
        let (outbox, inbox) = Outbox::new(Arc::new(Metrics::default()));
        let request = JoinRequest {
            credentials,
            client: ClientId(client.into()),
            name: Some(name.into()),
            last_seq: None,
            outbox,
            new_members: NewMembers::new(self.limiter.clone(), IpAddr::V4(Ipv4Addr::LOCALHOST)),
        };
        let (reply, answer) = oneshot::channel();
        let handle = self.registry.get(&self.room).expect("the room");
        handle.tx.send(RoomMsg::Join { request: Box::new(request), reply }).await.expect("the mailbox");
        (answer, inbox, handle.tx)
    }

    /// A participant's join, sent without waiting for its answer.
    async fn send_participant_join(
        &self,
        name: &str,
    ) -> (oneshot::Receiver<Result<Joined, Rejection>>, Inbox) {
        let credentials = Credentials::Participant { token: None };
        let (answer, inbox, _) = self.send_join(credentials, &format!("tab-{name}"), name).await;
        (answer, inbox)
    }

    /// A facilitator joins as browser tab `client`.
    async fn facilitator(&self, client: &str) -> Person {
        let credentials = Credentials::Facilitator { key: self.key.clone(), token: None };
        let (answer, inbox, tx) = self.send_join(credentials, client, "Marta").await;
        let Joined { conn } = answer.await.expect("an answer").expect("joined");
        Person { conn, inbox, tx, seen: Vec::new() }
    }
}

struct Person {
    conn: ConnId,
    inbox: Inbox,
    tx: tokio::sync::mpsc::Sender<RoomMsg>,
    /// Every message received, in order.
    seen: Vec<ServerMsg>,
}

impl Person {
    async fn command(&self, id: u64, command: Command) {
        let msg = RoomMsg::Command { conn: self.conn, id: CommandId(id), command: Box::new(command) };
        self.tx.send(msg).await.expect("the mailbox");
    }

    async fn live(&self, msg: ClientMsg) {
        self.tx.send(RoomMsg::Live { conn: self.conn, msg: Box::new(msg) }).await.expect("the mailbox");
    }

    /// Reads until the room closes this connection (or fails after a while).
    async fn until_closed(&mut self) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        let mut batch = Batch::default();
        while self.inbox.take(&mut batch).is_ok() {
            tokio::time::timeout_at(deadline, self.inbox.ready()).await.expect("the room stops in time");
        }
    }

    /// Reads until `done` holds of what was received (or fails after a while).
    async fn until(&mut self, mut done: impl FnMut(&[ServerMsg]) -> bool) {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
        while !done(&self.seen) {
            let mut batch = Batch::default();
            self.inbox.take(&mut batch).expect("open");
            for frame in batch.frames {
                self.seen.push(serde_json::from_str(frame.as_str()).expect("a server message"));
            }
            if done(&self.seen) {
                break;
            }
            tokio::time::timeout_at(deadline, self.inbox.ready()).await.expect("in time");
        }
    }
}

/// Adds the key factor `id`.
fn add_factor(id: &str) -> Command {
    Command::AddFactor { id: ItemId(id.into()), text: format!("factor {id}") }
}

/// The `seq` of every change frame received, in order.
fn change_seqs(seen: &[ServerMsg]) -> Vec<u64> {
    seen.iter()
        .filter_map(|m| match m {
            ServerMsg::Change { seq, .. } => Some(*seq),
            _ => None,
        })
        .collect()
}

/// The numbered commands in the stored log, by tab and number, with how often each was stored.
fn stored_commands(stored: &Stored) -> BTreeMap<(String, u64), usize> {
    let mut counts = BTreeMap::new();
    for (_, body) in &stored.rows {
        let change: Change = serde_json::from_str(body).expect("a change");
        if let Some(cmd) = change.cmd {
            *counts.entry((cmd.client.0, cmd.id.0)).or_insert(0) += 1;
        }
    }
    counts
}

#[tokio::test]
async fn every_acknowledged_command_is_stored_once_when_commits_fail_at_random() {
    let world = World::new().await;
    let mut fac = world.facilitator("tab-a").await;
    world.fake.odds.store(3, Ordering::SeqCst);
    world.fake.seed.store(0x5eed, Ordering::SeqCst);
    let total = 120;
    let mut acked = BTreeSet::new();
    let mut rejected_internal = 0;
    let mut round = 0;
    while acked.len() < total && round < 60 {
        round += 1;
        // Everything not yet acknowledged, each sent twice in a row: a resend in the same batch.
        let open: Vec<u64> = (1..=total as u64).filter(|n| !acked.contains(n)).collect();
        for n in &open {
            let add = Command::AddFactor { id: ItemId(format!("f{n}")), text: format!("factor {n}") };
            fac.command(*n, add.clone()).await;
            fac.command(*n, add).await;
        }
        let answers_before = fac.seen.len();
        let expected = open.len() * 2;
        fac.until(|seen| {
            seen[answers_before..]
                .iter()
                .filter(|m| matches!(m, ServerMsg::Ack { .. } | ServerMsg::Reject { .. }))
                .count()
                >= expected
        })
        .await;
        for msg in &fac.seen[answers_before..] {
            match msg {
                ServerMsg::Ack { id, .. } => {
                    acked.insert(id.0);
                }
                ServerMsg::Reject { code: horseshoe_protocol::ErrorCode::Internal, .. } => {
                    rejected_internal += 1
                }
                ServerMsg::Reject { id, code, message } => panic!("{} refused: {code:?} {message}", id.0),
                _ => {}
            }
        }
    }
    assert_eq!(acked.len(), total, "every command got through in {round} rounds");
    assert!(rejected_internal > 10, "failures happened: {rejected_internal}");
    world.fake.odds.store(0, Ordering::SeqCst);

    // Every acknowledged command is in the log, once; none is there twice.
    let stored = stored_commands(&world.fake.stored(&world.room));
    for n in &acked {
        assert_eq!(stored.get(&("tab-a".to_owned(), *n)), Some(&1), "command {n} stored once");
    }
    assert!(stored.values().all(|count| *count == 1), "nothing applied twice");
    // And the room reloads to the same factors.
    let loaded = Fake::load_room(&mut world.fake.clone(), &world.room).expect("loads").expect("there");
    assert_eq!(loaded.state.experience.factors.len(), total);
}

#[tokio::test]
async fn a_failed_commit_is_refused_whole_and_the_room_goes_on_from_the_disk() {
    let world = World::new().await;
    let mut fac = world.facilitator_with_a_factor().await;
    world.fake.fail_next.store(1, Ordering::SeqCst);
    fac.command(2, add_factor("f2")).await;
    fac.until(|seen| seen.iter().any(|m| matches!(m, ServerMsg::Reject { .. }))).await;
    // The refused change reached nobody; the next one takes its seq.
    let seqs_before = change_seqs(&fac.seen);
    fac.command(3, add_factor("f3")).await;
    fac.until(|seen| seen.iter().filter(|m| matches!(m, ServerMsg::Ack { .. })).count() == 2).await;
    let seqs = change_seqs(&fac.seen);
    assert_eq!(seqs.len(), seqs_before.len() + 1);
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "no gap, no repeat: {seqs:?}");
    let stored = stored_commands(&world.fake.stored(&world.room));
    assert!(stored.contains_key(&("tab-a".to_owned(), 1)) && stored.contains_key(&("tab-a".to_owned(), 3)));
    assert!(!stored.contains_key(&("tab-a".to_owned(), 2)), "the refused command is not stored");
}

#[tokio::test]
async fn a_caret_never_arrives_before_the_change_that_let_its_sender_type() {
    let world = World::new().await;
    let mut fac = world.facilitator("tab-a").await;
    let cy = world.facilitator("tab-b").await;
    // Facilitators may type into a factor they made: in one batch, the factor is made and a
    // caret is put in its text.
    let id = ItemId("f1".into());
    cy.command(1, Command::AddFactor { id: id.clone(), text: "speed".into() }).await;
    cy.live(ClientMsg::Caret {
        target: TextTarget::Factor { id: id.clone() },
        anchor: None,
        head: Some("AA==".into()),
    })
    .await;
    fac.until(|seen| seen.iter().any(|m| matches!(m, ServerMsg::Caret { .. }))).await;
    let factor_at = fac.seen.iter().position(|m| {
        matches!(m, ServerMsg::Change { events, .. } if events.iter().any(|e| matches!(e, horseshoe_protocol::Event::FactorSet { .. })))
    });
    let caret_at = fac.seen.iter().position(|m| matches!(m, ServerMsg::Caret { .. }));
    assert!(factor_at.is_some_and(|f| caret_at.is_some_and(|c| f < c)), "{:?}", fac.seen);
}

#[test]
fn an_older_snapshot_never_replaces_a_newer_one() {
    let dir = tempfile::tempdir().expect("a directory");
    let mut db = crate::store::Sqlite::open(&dir.path().join("h.sqlite3")).expect("opens");
    let id = RoomId::parse("00112233445566778899aabbccddeeff").expect("an id");
    let record = RoomRecord { id: id.clone(), facilitator_key_hash: "h".into() };
    let state = RoomState::new(id.clone(), Settings::default(), 0);
    db.create_room(&record, &state).expect("created");
    let snapshot_at = |seq: u64, title: &str| {
        let mut s = state.clone();
        s.seq = seq;
        s.settings.title = title.into();
        let snapshot = Some(Box::new(s));
        Append { room: id.clone(), after: 0, entries: Vec::new(), tokens: Vec::new(), snapshot }
    };
    // A new actor's snapshot at 10, then the old actor's final one at 5 (the idle-unload race).
    for result in db.commit(&[snapshot_at(10, "new")]).into_iter().chain(db.commit(&[snapshot_at(5, "old")]))
    {
        result.expect("commits");
    }
    let loaded = db.reader().expect("a reader").load_room(&id).expect("loads").expect("there");
    assert_eq!((loaded.state.seq, loaded.state.settings.title.as_str()), (10, "new"));
}

#[tokio::test]
async fn a_batch_another_node_appended_before_is_decided_again_after_that_nodes_change() {
    let world = World::with_peers().await;
    let mut fac = world.facilitator_with_a_factor().await;

    // Another node, from the same log, adds a factor of its own: this room has not seen it.
    world.other_node_stored_factor("g1");

    // This room's next command is refused by the log, caught up and decided again after it.
    fac.command(2, add_factor("f2")).await;
    fac.until(|seen| seen.iter().filter(|m| matches!(m, ServerMsg::Ack { .. })).count() == 2).await;
    let seqs = change_seqs(&fac.seen);
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "no gap, no repeat: {seqs:?}");
    let factor_changes: Vec<String> = fac
        .seen
        .iter()
        .filter_map(|m| match m {
            ServerMsg::Change { events, .. } => events.iter().find_map(|e| match e {
                horseshoe_protocol::Event::FactorSet { factor, .. } => Some(factor.id.0.clone()),
                _ => None,
            }),
            _ => None,
        })
        .collect();
    assert_eq!(factor_changes, ["f1", "g1", "f2"], "the other node's change, then ours");
    assert!(!fac.seen.iter().any(|m| matches!(m, ServerMsg::Reject { .. })), "nothing refused");
    let stored = world.fake.stored(&world.room);
    let commands = stored_commands(&stored);
    assert_eq!(commands.get(&("tab-a".to_owned(), 2)), Some(&1), "stored once");
    assert_eq!(world.stored_factors(), ["f1", "f2", "g1"]);
    assert!(world.registry.metrics.decisions_retried.load(Ordering::SeqCst) >= 1);
}

#[tokio::test]
async fn a_refusal_is_decided_on_the_log_as_it_ends_not_on_a_replica_a_moment_behind() {
    let world = World::with_peers().await;
    let mut fac = world.facilitator_with_a_factor().await;
    // Another node adds factor g1; this room has not followed it yet. Removing g1 would be
    // refused here ("no such factor"), and nothing to append would tell the room it is behind.
    world.other_node_stored_factor("g1");

    fac.command(2, Command::DeleteFactor { id: ItemId("g1".into()) }).await;
    fac.until(|seen| {
        seen.iter().any(|m| matches!(m, ServerMsg::Ack { id: CommandId(2), .. } | ServerMsg::Reject { .. }))
    })
    .await;
    assert!(
        !fac.seen.iter().any(|m| matches!(m, ServerMsg::Reject { .. })),
        "refused on a stale replica: {:?}",
        fac.seen
    );
    let seqs = change_seqs(&fac.seen);
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "no gap, no repeat: {seqs:?}");
    assert_eq!(world.stored_factors(), ["f1"], "g1 came from the other node and went here");
}

#[tokio::test]
async fn a_join_stored_before_another_node_came_in_is_that_member_when_decided_again() {
    let world = World::with_peers().await;
    let mut fac = world.facilitator("tab-a").await;
    // One batch: a newcomer's join, then a command. The log keeps the join's change, then
    // refuses the rest, as JetStream does when another writer appends in between.
    world.fake.partial_once.store(true, Ordering::SeqCst);
    let (answer, inbox) = world.send_participant_join("Bo").await;
    fac.command(1, Command::AddFactor { id: ItemId("f1".into()), text: "speed".into() }).await;
    answer.await.expect("an answer").expect("joined");
    fac.until(|seen| seen.iter().any(|m| matches!(m, ServerMsg::Ack { .. }))).await;

    let mut batch = Batch::default();
    inbox.take(&mut batch).expect("open");
    let welcome: ServerMsg = serde_json::from_str(batch.frames[0].as_str()).expect("a message");
    let ServerMsg::Welcome { you, .. } = welcome else { panic!("no welcome: {welcome:?}") };
    let token = you.token.expect("Bo is told their token");
    let stored = world.fake.stored(&world.room);
    let loaded = Fake::load_room(&mut world.fake.clone(), &world.room).expect("loads").expect("there");
    let participants: Vec<_> =
        loaded.state.members.values().filter(|m| m.role == MemberRole::Participant).collect();
    assert_eq!(participants.len(), 1, "one Bo, not a second one: {participants:?}");
    assert_eq!(Some(participants[0].id), you.member_id);
    let named = stored.tokens.iter().find(|t| t.hash == secret::hash(&token)).expect("the token is stored");
    assert_eq!(Some(named.member), you.member_id, "the token Bo holds names the stored Bo");
    assert_eq!(stored_commands(&stored).get(&("tab-a".to_owned(), 1)), Some(&1));
}

#[tokio::test]
async fn a_room_that_cannot_reload_after_a_failed_commit_leaves_no_snapshot_of_what_was_refused() {
    let world = World::new().await;
    let mut fac = world.facilitator_with_a_factor().await;
    // The commit fails, and so does the reload after it: the room stops.
    world.fake.fail_next.store(1, Ordering::SeqCst);
    world.fake.fail_loads.store(1, Ordering::SeqCst);
    fac.command(2, add_factor("f2")).await;
    fac.until_closed().await;
    assert_eq!(world.stored_factors(), ["f1"], "the refused factor is in no snapshot");
}

#[tokio::test]
async fn a_batch_refused_after_every_retry_still_brings_the_other_nodes_changes_to_the_members_here() {
    let world = World::with_peers().await;
    let mut fac = world.facilitator_with_a_factor().await;
    // This node loses every race until it gives up; just as it does, another node stores a
    // change.
    let row = world.other_node_adds_factor("g1");
    *world.fake.at_last_conflict.lock().expect("lock") = Some(row);
    world.fake.conflicts.store(crate::room::MAX_DECISIONS as u64, Ordering::SeqCst);
    fac.command(2, add_factor("f2")).await;
    fac.until(|seen| seen.iter().any(|m| matches!(m, ServerMsg::Reject { .. }))).await;
    world.fake.conflicts.store(0, Ordering::SeqCst);
    // Sent again, it goes through; the member saw every change, the other node's included.
    fac.command(3, add_factor("f2")).await;
    fac.until(|seen| seen.iter().filter(|m| matches!(m, ServerMsg::Ack { .. })).count() == 2).await;
    let seqs = change_seqs(&fac.seen);
    assert!(seqs.windows(2).all(|w| w[1] == w[0] + 1), "no change skipped: {seqs:?}");
    assert!(fac.seen.iter().all(|m| !matches!(m, ServerMsg::Error { .. })), "{:?}", fac.seen);
}

#[tokio::test]
async fn a_room_stopping_while_nats_is_unreachable_does_not_wait_for_a_final_snapshot() {
    for (reachable, snapshots) in [(false, 0), (true, 1)] {
        let world = World::with_peers().await;
        let mut fac = world.facilitator_with_a_factor().await;
        world.fake.unreachable.store(!reachable, Ordering::SeqCst);
        world.registry.shutdown.cancel();
        fac.until_closed().await;
        assert_eq!(
            world.fake.snapshots_stored.load(Ordering::SeqCst),
            snapshots,
            "a final snapshot only where NATS can be reached ({reachable})"
        );
    }
}
