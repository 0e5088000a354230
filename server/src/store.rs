//! Persistence: each room is an event log plus its latest snapshot, in embedded SQLite (WAL).
//!
//! The database sits behind the narrow [`Backend`] trait (writes) and its [`Reader`] (room
//! loads), each run on a dedicated thread by [`Store`]. The writer only writes: appends that queue
//! up while a transaction commits go into the next transaction together (group commit), so
//! durability costs one fsync per batch, not per command. Loads run beside it on their own
//! read-only connection (WAL lets readers and the writer go on at once), and a room id that is
//! not in the store is remembered for a while, so asking for it again touches neither thread.

use std::collections::{HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use horseshoe_protocol::{CommandId, Event, MemberId, RoomId, RoomState, ServerMsg};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use tokio::sync::{mpsc, oneshot};

use crate::error::StoreError;
use crate::metrics::Metrics;
use crate::room::Frame;

/// Requests waiting for the writer thread before senders have to wait.
const STORE_QUEUE: usize = 4096;
/// Loads waiting for the reader thread before senders have to wait.
const LOAD_QUEUE: usize = 1024;
/// Room ids remembered as not in the store: enough for a scan of made-up ids to be answered from
/// memory, small enough to cost nothing.
const MISSING_IDS: usize = 4096;
/// How long an id is remembered as missing: a room made elsewhere (another node, later) is
/// found once this has passed.
const MISSING_FOR: Duration = Duration::from_secs(60);
/// Most requests taken from the queue into one transaction.
const MAX_GROUP_COMMIT: usize = 512;
/// Under load, how long (by default) the writer lets appends gather before it commits them: each commit is
/// an fsync and a rewrite of every page it touches, so a busy store commits fewer, larger
/// groups for a little latency. A store that is not busy commits each append at once.
pub const COMMIT_LINGER: Duration = Duration::from_millis(2);
/// SQLite's page cache: every loaded room's hot pages stay in memory.
const PAGE_CACHE_KIB: i64 = 16 * 1024;
/// WAL pages between checkpoints: busy rooms rewrite the same pages, and each checkpoint copies
/// a page once however often it was rewritten.
const CHECKPOINT_PAGES: i64 = 10_000;
/// File name of the database inside the data directory.
pub const DB_FILE: &str = "horseshoe.sqlite3";

/// A new room's durable identity: the hash of its facilitator key.
#[derive(Debug, Clone)]
pub struct RoomRecord {
    pub id: RoomId,
    pub facilitator_key_hash: String,
}

/// One recorded event with the command that caused it. The body is the event's frame as its
/// owner receives it (`{"type":"event","seq":..,"event":..}`): serialized once, for the wire and
/// for the disk.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub seq: u64,
    pub member: Option<MemberId>,
    pub command_id: Option<CommandId>,
    pub body: Frame,
}

/// A member token's hash and whose it is.
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub hash: String,
    pub member: MemberId,
}

/// What one room adds in one group commit.
#[derive(Debug, Clone)]
pub struct Append {
    pub room: RoomId,
    pub entries: Vec<LogEntry>,
    pub tokens: Vec<TokenRow>,
    /// The room's state after `entries`, when it is time to snapshot.
    pub snapshot: Option<Box<RoomState>>,
}

/// A room as read back from disk.
#[derive(Debug)]
pub struct LoadedRoom {
    pub facilitator_key_hash: String,
    pub state: RoomState,
    pub tokens: Vec<TokenRow>,
    /// The latest commands with ids (newest first), for recognising resends after a restart.
    pub recent_commands: Vec<(MemberId, CommandId, u64)>,
}

/// The storage engine under the store: what the writer thread does. Synchronous: it runs on the
/// store's own thread.
pub trait Backend: Send + 'static {
    /// What loads rooms beside the writer.
    type Reader: Reader;

    fn create_room(&mut self, record: &RoomRecord, state: &RoomState) -> Result<(), StoreError>;
    /// Writes every append in one transaction.
    fn commit(&mut self, batch: &[Append]) -> Result<(), StoreError>;
    /// Proves the database can take a write.
    fn check_writable(&mut self) -> Result<(), StoreError>;
    /// Opens a handle that loads rooms without waiting for the writer.
    fn reader(&self) -> Result<Self::Reader, StoreError>;
}

/// Loads rooms, on the store's reader thread.
pub trait Reader: Send + 'static {
    /// The room's latest snapshot with every later event applied, or `None` if unknown.
    fn load_room(&mut self, id: &RoomId, recent: usize) -> Result<Option<LoadedRoom>, StoreError>;
}

/// SQLite in WAL mode with `synchronous=FULL`: a committed transaction survives a crash of the
/// process and of the machine.
pub struct Sqlite {
    conn: Connection,
    path: PathBuf,
}

impl Sqlite {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
        conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_PAGES)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        conn.execute_batch(
            "CREATE TABLE IF NOT EXISTS rooms (
                 id TEXT PRIMARY KEY,
                 facilitator_key_hash TEXT NOT NULL,
                 created_at INTEGER NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS member_tokens (
                 room_id TEXT NOT NULL REFERENCES rooms(id),
                 token_hash TEXT NOT NULL,
                 member_id TEXT NOT NULL,
                 PRIMARY KEY (room_id, token_hash)
             ) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS events (
                 room_id TEXT NOT NULL REFERENCES rooms(id),
                 seq INTEGER NOT NULL,
                 member_id TEXT,
                 command_id TEXT,
                 body TEXT NOT NULL,
                 PRIMARY KEY (room_id, seq)
             ) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS snapshots (
                 room_id TEXT PRIMARY KEY REFERENCES rooms(id),
                 seq INTEGER NOT NULL,
                 body TEXT NOT NULL
             ) WITHOUT ROWID;",
        )?;
        Ok(Self { conn, path: path.to_owned() })
    }
}

/// A read-only connection to the same database, for loads.
pub struct SqliteReader {
    conn: Connection,
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Backend for Sqlite {
    type Reader = SqliteReader;

    fn create_room(&mut self, record: &RoomRecord, state: &RoomState) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        let inserted = tx.execute(
            "INSERT OR IGNORE INTO rooms (id, facilitator_key_hash, created_at) VALUES (?1, ?2, ?3)",
            params![record.id.as_str(), record.facilitator_key_hash, state.created_at],
        )?;
        if inserted == 0 {
            return Err(StoreError::Exists);
        }
        tx.execute(
            "INSERT INTO snapshots (room_id, seq, body) VALUES (?1, ?2, ?3)",
            params![record.id.as_str(), to_i64(state.seq), serde_json::to_string(state)?],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn commit(&mut self, batch: &[Append]) -> Result<(), StoreError> {
        let tx = self.conn.transaction()?;
        {
            let mut insert_event = tx.prepare_cached(
                "INSERT INTO events (room_id, seq, member_id, command_id, body) VALUES (?1, ?2, ?3, ?4, ?5)",
            )?;
            let mut insert_token = tx.prepare_cached(
                "INSERT INTO member_tokens (room_id, token_hash, member_id) VALUES (?1, ?2, ?3)",
            )?;
            let mut snapshot = tx.prepare_cached(
                "INSERT OR REPLACE INTO snapshots (room_id, seq, body) VALUES (?1, ?2, ?3)",
            )?;
            for append in batch {
                let room = append.room.as_str();
                for token in &append.tokens {
                    insert_token.execute(params![room, token.hash, token.member.to_string()])?;
                }
                for entry in &append.entries {
                    insert_event.execute(params![
                        room,
                        to_i64(entry.seq),
                        entry.member.map(|m| m.to_string()),
                        entry.command_id.as_ref().map(|c| c.0.as_str()),
                        entry.body.as_str(),
                    ])?;
                }
                if let Some(state) = &append.snapshot {
                    snapshot.execute(params![room, to_i64(state.seq), serde_json::to_string(state)?])?;
                }
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn check_writable(&mut self) -> Result<(), StoreError> {
        self.conn.execute_batch("BEGIN IMMEDIATE; COMMIT;")?;
        Ok(())
    }

    fn reader(&self) -> Result<SqliteReader, StoreError> {
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(&self.path, flags)?;
        conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
        conn.busy_timeout(std::time::Duration::from_secs(5))?;
        Ok(SqliteReader { conn })
    }
}

impl Reader for SqliteReader {
    fn load_room(&mut self, id: &RoomId, recent: usize) -> Result<Option<LoadedRoom>, StoreError> {
        let room = id.as_str();
        // One read transaction: the snapshot, the events after it and the tokens as of one
        // commit, whatever the writer commits meanwhile.
        let tx = self.conn.transaction()?;
        let key_hash: Option<String> = tx
            .query_row("SELECT facilitator_key_hash FROM rooms WHERE id = ?1", [room], |r| r.get(0))
            .optional()?;
        let Some(facilitator_key_hash) = key_hash else {
            return Ok(None);
        };
        let snapshot: String =
            tx.query_row("SELECT body FROM snapshots WHERE room_id = ?1", [room], |r| r.get(0))?;
        let mut state: RoomState = serde_json::from_str(&snapshot)?;

        let mut events =
            tx.prepare_cached("SELECT seq, body FROM events WHERE room_id = ?1 AND seq > ?2 ORDER BY seq")?;
        let rows = events.query_map(params![room, to_i64(state.seq)], |r| {
            Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?))
        })?;
        for row in rows {
            let (seq, body) = row?;
            state.apply_event(u64::try_from(seq).unwrap_or_default(), &logged_event(&body)?);
        }

        let mut tokens =
            tx.prepare_cached("SELECT token_hash, member_id FROM member_tokens WHERE room_id = ?1")?;
        let tokens = tokens
            .query_map([room], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .map(|row| {
                let (hash, member) = row?;
                Ok(TokenRow { hash, member: parse_member(&member)? })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;

        let mut commands = tx.prepare_cached(
            "SELECT member_id, command_id, seq FROM events
             WHERE room_id = ?1 AND command_id IS NOT NULL AND member_id IS NOT NULL
             ORDER BY seq DESC LIMIT ?2",
        )?;
        let recent_commands = commands
            .query_map(params![room, to_i64(recent as u64)], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, i64>(2)?))
            })?
            .map(|row| {
                let (member, command, seq) = row?;
                let seq = u64::try_from(seq).unwrap_or_default();
                Ok((parse_member(&member)?, CommandId(command), seq))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;

        Ok(Some(LoadedRoom { facilitator_key_hash, state, tokens, recent_commands }))
    }
}

/// The event in a log row: its frame, or (in rows written before frames were stored) the bare
/// event.
fn logged_event(body: &str) -> Result<Event, StoreError> {
    match serde_json::from_str(body) {
        Ok(ServerMsg::Event { event, .. }) => Ok(event),
        _ => Ok(serde_json::from_str(body)?),
    }
}

fn parse_member(s: &str) -> Result<MemberId, StoreError> {
    s.parse().map(MemberId).map_err(|_| StoreError::BadMemberId(s.to_owned()))
}

enum Request {
    Create { record: RoomRecord, state: Box<RoomState>, reply: oneshot::Sender<Result<(), StoreError>> },
    Append { append: Append, reply: oneshot::Sender<Result<(), StoreError>> },
    Health { reply: oneshot::Sender<Result<(), StoreError>> },
}

/// A room load, for the reader thread.
struct Load {
    id: RoomId,
    recent: usize,
    reply: oneshot::Sender<Result<Option<LoadedRoom>, StoreError>>,
}

/// The async face of the store: cheap to clone; writes answered by the writer thread, loads by
/// the reader thread, unknown ids (for a while) by the negative cache.
#[derive(Clone)]
pub struct Store {
    tx: mpsc::Sender<Request>,
    loads: mpsc::Sender<Load>,
    missing: Arc<Mutex<Missing>>,
    metrics: Arc<Metrics>,
}

/// The store's threads, to wait for the last commit.
pub struct StoreThreads {
    writer: thread::JoinHandle<()>,
    reader: thread::JoinHandle<()>,
}

impl StoreThreads {
    /// Waits until both threads have answered everything queued and stopped (they stop once
    /// every `Store` clone is dropped).
    pub fn join(self) {
        let _ = self.writer.join();
        let _ = self.reader.join();
    }
}

impl Store {
    /// Starts the writer thread over `backend` and the reader thread over its reader. The threads
    /// end when every `Store` clone is dropped, after answering what was queued.
    pub fn start<B: Backend>(
        backend: B,
        metrics: Arc<Metrics>,
        linger: Duration,
    ) -> Result<(Self, StoreThreads), StoreError> {
        let mut reader = backend.reader()?;
        let (tx, rx) = mpsc::channel(STORE_QUEUE);
        let writer_metrics = metrics.clone();
        let writer = thread::Builder::new()
            .name("horseshoe-store".into())
            .spawn(move || writer(backend, rx, &writer_metrics, linger))
            .map_err(|e| StoreError::Thread(e.to_string()))?;
        let (loads, mut load_rx) = mpsc::channel::<Load>(LOAD_QUEUE);
        let reader = thread::Builder::new()
            .name("horseshoe-loads".into())
            .spawn(move || {
                while let Some(Load { id, recent, reply }) = load_rx.blocking_recv() {
                    let _ = reply.send(reader.load_room(&id, recent));
                }
            })
            .map_err(|e| StoreError::Thread(e.to_string()))?;
        let store = Self { tx, loads, missing: Arc::default(), metrics };
        Ok((store, StoreThreads { writer, reader }))
    }

    async fn ask<T>(
        &self,
        make: impl FnOnce(oneshot::Sender<Result<T, StoreError>>) -> Request,
    ) -> Result<T, StoreError> {
        let (reply, answer) = oneshot::channel();
        self.tx.send(make(reply)).await.map_err(|_| StoreError::Stopped)?;
        answer.await.map_err(|_| StoreError::Stopped)?
    }

    pub async fn create_room(&self, record: RoomRecord, state: RoomState) -> Result<(), StoreError> {
        let id = record.id.clone();
        self.ask(|reply| Request::Create { record, state: Box::new(state), reply }).await?;
        self.missing().forget(&id);
        Ok(())
    }

    /// Whether `id` was not in the store when last asked, a short while ago.
    pub fn known_missing(&self, id: &RoomId) -> bool {
        let missing = self.missing().contains(id, Instant::now());
        if missing {
            Metrics::count(&self.metrics.unknown_rooms_cached);
        }
        missing
    }

    /// Loads a room on the reader thread; an unknown id is remembered as missing.
    pub async fn load_room(&self, id: RoomId, recent: usize) -> Result<Option<LoadedRoom>, StoreError> {
        if self.known_missing(&id) {
            return Ok(None);
        }
        let (reply, answer) = oneshot::channel();
        let load = Load { id: id.clone(), recent, reply };
        self.loads.send(load).await.map_err(|_| StoreError::Stopped)?;
        Metrics::count(&self.metrics.room_loads);
        let loaded = answer.await.map_err(|_| StoreError::Stopped)??;
        if loaded.is_none() {
            self.missing().remember(id, Instant::now());
        }
        Ok(loaded)
    }

    fn missing(&self) -> std::sync::MutexGuard<'_, Missing> {
        // The lock is never held across a call that can panic; a poisoned cache is still whole.
        self.missing.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Resolves once `append` is committed (with whatever else was waiting).
    pub async fn append(&self, append: Append) -> Result<(), StoreError> {
        self.ask(|reply| Request::Append { append, reply }).await
    }

    pub async fn check_writable(&self) -> Result<(), StoreError> {
        self.ask(|reply| Request::Health { reply }).await
    }
}

/// Room ids recently found missing, oldest first out.
#[derive(Default)]
struct Missing {
    ids: HashSet<RoomId>,
    order: VecDeque<(RoomId, Instant)>,
}

impl Missing {
    fn contains(&mut self, id: &RoomId, now: Instant) -> bool {
        while let Some((old, at)) = self.order.front() {
            if now.duration_since(*at) < MISSING_FOR {
                break;
            }
            self.ids.remove(old);
            self.order.pop_front();
        }
        self.ids.contains(id)
    }

    fn remember(&mut self, id: RoomId, now: Instant) {
        if self.ids.insert(id.clone()) {
            self.order.push_back((id, now));
        }
        while self.order.len() > MISSING_IDS {
            if let Some((old, _)) = self.order.pop_front() {
                self.ids.remove(&old);
            }
        }
    }

    fn forget(&mut self, id: &RoomId) {
        if self.ids.remove(id) {
            self.order.retain(|(old, _)| old != id);
        }
    }
}

fn writer(mut backend: impl Backend, mut rx: mpsc::Receiver<Request>, metrics: &Metrics, linger: Duration) {
    let mut queue = VecDeque::new();
    // Whether the last commit took more than one append: the sign of a busy store.
    let mut busy = false;
    let linger = (!linger.is_zero()).then_some(linger);
    while let Some(first) = rx.blocking_recv() {
        if let Some(linger) = linger.filter(|_| busy && matches!(first, Request::Append { .. })) {
            thread::sleep(linger);
        }
        queue.push_back(first);
        while queue.len() < MAX_GROUP_COMMIT {
            match rx.try_recv() {
                Ok(request) => queue.push_back(request),
                Err(_) => break,
            }
        }
        while let Some(request) = queue.pop_front() {
            match request {
                Request::Append { append, reply } => {
                    // Every append waiting right behind this one joins its transaction.
                    let mut appends = vec![append];
                    let mut replies = vec![reply];
                    while let Some(Request::Append { .. }) = queue.front() {
                        if let Some(Request::Append { append, reply }) = queue.pop_front() {
                            appends.push(append);
                            replies.push(reply);
                        }
                    }
                    busy = appends.len() > 1;
                    let started = std::time::Instant::now();
                    let result = backend.commit(&appends);
                    metrics.observe_commit(started.elapsed());
                    if let Err(e) = &result {
                        tracing::error!(error = %e, rooms = appends.len(), "group commit failed");
                    }
                    for reply in replies {
                        let answer = result.as_ref().map_err(|e| StoreError::Commit(e.to_string()));
                        let _ = reply.send(answer.copied());
                    }
                }
                Request::Create { record, state, reply } => {
                    let _ = reply.send(backend.create_room(&record, &state));
                }
                Request::Health { reply } => {
                    let _ = reply.send(backend.check_writable());
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u8) -> RoomId {
        RoomId::parse(&format!("{n:032x}")).expect("a room id")
    }

    #[test]
    fn missing_ids_are_remembered_for_a_while_and_at_most_so_many() {
        let t0 = Instant::now();
        let mut missing = Missing::default();
        missing.remember(id(1), t0);
        assert!(missing.contains(&id(1), t0));
        assert!(!missing.contains(&id(2), t0));
        assert!(!missing.contains(&id(1), t0 + MISSING_FOR), "remembered for a while only");

        missing.remember(id(1), t0);
        missing.forget(&id(1));
        assert!(!missing.contains(&id(1), t0), "a room made meanwhile is found");

        for n in 0..=MISSING_IDS {
            let hex = format!("{n:032x}");
            missing.remember(RoomId::parse(&hex).expect("a room id"), t0);
        }
        assert_eq!(missing.ids.len(), MISSING_IDS);
        assert!(!missing.contains(&id(0), t0), "the oldest goes first");
    }
}
