//! Persistence: each room is an event log plus its latest snapshot, in embedded SQLite (WAL) by
//! default, or in NATS JetStream (`--nats-url`, [`crate::jetstream`]).
//!
//! The engine sits behind the narrow [`Backend`] trait (writes) and its [`Reader`] (room
//! loads), each run on a dedicated thread by [`Store`]. The writer only writes: appends that queue
//! up while a transaction commits go into the next transaction together (group commit), so
//! durability costs one fsync per batch, not per command. Loads run beside it on their own
//! read-only connection (WAL lets readers and the writer go on at once), and a room id that is
//! not in the store is remembered for a while, so asking for it again touches neither thread.

use std::collections::{HashMap, HashSet, VecDeque};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use horseshoe_protocol::{Change, MemberId, RoomId, RoomState};
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use tokio::sync::{mpsc, oneshot};

use crate::error::StoreError;
use crate::legacy;
use crate::metrics::Metrics;

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
/// Under load, how long (by default) the writer lets appends gather before it commits them: each
/// commit is an fsync, a rewrite of every page it touches and a round of thread switches, so a
/// busy store commits fewer, larger groups for a little latency. At 100 busy rooms (alternated
/// runs, 10 s each) the store's thread took 46 ticks of CPU with 4 ms, 34 with 8 and 25-30 with
/// 16, for a median ack of 3.8, 7.1 and 13 ms: 8 ms takes most of what a linger can and stays
/// well under what anyone sees (a frame at 60 Hz is 17 ms). A store that is not busy (one room
/// waits for each of its commits, so a lone room never is) commits each append at once.
pub const COMMIT_LINGER: Duration = Duration::from_millis(8);
/// SQLite's page cache: every loaded room's hot pages stay in memory while the store is busy.
const PAGE_CACHE_KIB: i64 = 16 * 1024;
/// A store that has written nothing for this long gives back the memory its engine can spare
/// (SQLite's page cache): a busy store keeps its cache, an idle server does not hold it.
pub const STORE_IDLE: Duration = Duration::from_secs(1);
/// WAL between checkpoints, in bytes (10,000 pages of 4 KiB, 2,500 of [`PAGE_BYTES`]): busy
/// rooms rewrite the same pages, and each checkpoint copies a page once however often it was
/// rewritten.
const CHECKPOINT_BYTES: i64 = 40_000 * 1024;
/// The page size of a database this store creates (one made with another keeps its own). A
/// commit writes each page it touches to the WAL whole: at 100 busy rooms a group of about 17
/// moves (9 KiB of rows) wrote 6-7 pages of 4 KiB (the header page as the file grew, the log's
/// inner page, its heads' page, 3-4 leaves) in 13-14 `pwrite`s, and 2-5 of 16 KiB. The
/// store's CPU per move fell with it: alternated runs of the full protocol at 1 move/s took
/// 3% less CPU per delivery (11.63 against 12.01 CPU-s per million, four pairs); 64 KiB
/// pages took more than 16 KiB.
const PAGE_BYTES: i64 = 16 * 1024;
/// SQLite's smallest page: what a page size read back is taken to be at least.
const MIN_PAGE_BYTES: i64 = 512;
/// File name of the database inside the data directory.
pub const DB_FILE: &str = "horseshoe.sqlite3";
/// How rows are written today: a log row is one [`Change`] as JSON, a snapshot a [`RoomState`]
/// of protocol 2. Rows of format 1 (one event per row, protocol 1 states) are read through
/// [`legacy`], so a database written by an earlier version opens as it was.
pub const STORAGE_FORMAT: i64 = 2;

/// A new room's durable identity: the hash of its facilitator key.
#[derive(Debug, Clone)]
pub struct RoomRecord {
    pub id: RoomId,
    pub facilitator_key_hash: String,
}

/// One recorded change: the whole [`Change`] as JSON (every event, the private ones included,
/// and the command's number, so that a resend is recognised after a restart too).
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub seq: u64,
    pub member: Option<MemberId>,
    pub body: String,
}

/// A member token's hash and whose it is.
#[derive(Debug, Clone)]
pub struct TokenRow {
    pub hash: String,
    pub member: MemberId,
}

/// Where a room's log ends in its backend: what the next append must follow. JetStream's is
/// the stream sequence of the room's last message (another node's append moves it); SQLite's,
/// with one writer, is the room's `seq`.
pub type LogPosition = u64;

/// What one room adds in one group commit.
#[derive(Debug, Clone)]
pub struct Append {
    pub room: RoomId,
    /// The end of the room's log as this room last saw it: an engine that orders appends
    /// (JetStream) refuses the append with [`StoreError::Conflict`] if it has moved since.
    pub after: LogPosition,
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
    /// The end of the room's log as loaded.
    pub position: LogPosition,
}

impl Append {
    /// The room's log position once this append is stored, for an engine whose position is
    /// the room's `seq`.
    pub fn seq_after(&self) -> LogPosition {
        self.entries.last().map_or(self.after, |e| e.seq)
    }
}

/// The storage engine under the store: what the writer thread does. Synchronous: it runs on the
/// store's own thread.
pub trait Backend: Send + 'static {
    /// What loads rooms beside the writer.
    type Reader: Reader;

    fn create_room(&mut self, record: &RoomRecord, state: &RoomState) -> Result<(), StoreError>;
    /// Writes every append (in one transaction where the engine has them), and answers each
    /// with the room's new log position or why it was not stored.
    fn commit(&mut self, batch: &[Append]) -> Vec<Result<LogPosition, StoreError>>;
    /// Proves the database can take a write: writes a row and commits it.
    fn check_writable(&mut self) -> Result<(), StoreError>;
    /// Opens a handle that loads rooms without waiting for the writer.
    fn reader(&self) -> Result<Self::Reader, StoreError>;
    /// Gives back the memory the engine keeps for speed (called after [`STORE_IDLE`] without
    /// a write).
    fn release_memory(&mut self) {}
}

/// Loads rooms, on the store's reader thread.
pub trait Reader: Send + 'static {
    /// The room's latest snapshot with every later event applied, or `None` if unknown.
    fn load_room(&mut self, id: &RoomId) -> Result<Option<LoadedRoom>, StoreError>;
    /// Gives back the memory the engine keeps for speed (called when no load is waiting: a
    /// room is loaded once, then lives in memory).
    fn release_memory(&mut self) {}
}

/// SQLite in WAL mode with `synchronous=FULL`: a committed transaction survives a crash of the
/// process and of the machine.
pub struct Sqlite {
    conn: Connection,
    path: PathBuf,
    /// Each room's last log row and its seq as this connection last committed them, so that a
    /// commit does not read `log_heads` back for a room it wrote before (one query less per
    /// room and commit). A failed commit empties it, and so does a commit by any other
    /// connection to the file (`data_version`): a second process on the same data directory
    /// is refused a seq stored already, as it was when every commit read the heads.
    heads: HashMap<String, Head>,
    /// SQLite's `data_version` when `heads` was last right: it changes when another
    /// connection commits.
    version: i64,
    /// Log rows this connection committed since it last wrote the heads back to `log_heads`.
    unwritten: usize,
}

/// A room's last log row (its row id) and that row's seq.
#[derive(Clone, Copy)]
struct Head {
    row: i64,
    seq: i64,
}

/// Rooms whose log heads the writer keeps in memory; past it, the cache starts again (a
/// room's head is then read once more from the file).
const MAX_CACHED_HEADS: usize = 10_000;

/// Log rows written between two write-backs of the heads to `log_heads` (see
/// [`write_back_heads`]): at most this many rows (and one commit's) are read again to find a
/// head after a restart, about a second of a busy server's writing; a commit that does not
/// write the heads back saves rewriting their page, which it otherwise did for a few integers.
const HEADS_WRITE_BACK_ROWS: usize = 2_048;

impl Sqlite {
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        let conn = Connection::open(path)?;
        // Before anything is written (in a database that has pages already it changes nothing).
        conn.pragma_update(None, "page_size", PAGE_BYTES)?;
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.pragma_update(None, "cache_size", -PAGE_CACHE_KIB)?;
        let page: i64 = conn.pragma_query_value(None, "page_size", |r| r.get(0))?;
        conn.pragma_update(None, "wal_autocheckpoint", CHECKPOINT_BYTES / page.max(MIN_PAGE_BYTES))?;
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
             CREATE TABLE IF NOT EXISTS snapshots (
                 room_id TEXT PRIMARY KEY REFERENCES rooms(id),
                 seq INTEGER NOT NULL,
                 body TEXT NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS health (
                 id INTEGER PRIMARY KEY CHECK (id = 1),
                 checked_at INTEGER NOT NULL
             );
             CREATE TABLE IF NOT EXISTS log_heads (
                 room_id TEXT PRIMARY KEY REFERENCES rooms(id),
                 last INTEGER NOT NULL
             ) WITHOUT ROWID;
             CREATE TABLE IF NOT EXISTS log_heads_through (
                 id INTEGER PRIMARY KEY CHECK (id = 1),
                 last INTEGER NOT NULL
             );",
        )?;
        conn.execute_batch(&format!("CREATE TABLE IF NOT EXISTS events ({EVENTS_COLUMNS});"))?;
        // Databases from before formats were recorded hold format 1 rows only.
        for table in ["events", "snapshots"] {
            let has_format: bool = conn.query_row(
                &format!("SELECT COUNT(*) FROM pragma_table_info('{table}') WHERE name = 'format'"),
                [],
                |r| r.get::<_, i64>(0).map(|n| n > 0),
            )?;
            if !has_format {
                conn.execute_batch(&format!(
                    "ALTER TABLE {table} ADD COLUMN format INTEGER NOT NULL DEFAULT 1"
                ))?;
            }
        }
        chain_the_log(&conn)?;
        // A database from before heads were written back kept every head in `log_heads`.
        conn.execute("INSERT OR IGNORE INTO log_heads_through (id, last) SELECT 1, COALESCE(MAX(rowid), 0) FROM events", [])?;
        // What an earlier run wrote after its last write-back counts towards the next one.
        let unwritten: i64 = conn.query_row(
            "SELECT COUNT(*) FROM events WHERE rowid > (SELECT last FROM log_heads_through WHERE id = 1)",
            [],
            |r| r.get(0),
        )?;
        let unwritten = usize::try_from(unwritten).unwrap_or_default();
        Ok(Self { conn, path: path.to_owned(), heads: HashMap::new(), version: 0, unwritten })
    }
}

/// The log's table: one row per change (its `format` says how `body` reads), in the order rows
/// were written, each pointing at its room's previous row (`prev`, a row id); each room's last
/// row is its latest row after `log_heads_through`, or else its row in `log_heads` (see
/// [`stored_head`]). Rows are never deleted, so row ids only grow. See [`chain_the_log`].
const EVENTS_COLUMNS: &str = "room_id TEXT NOT NULL REFERENCES rooms(id),
    seq INTEGER NOT NULL,
    member_id TEXT,
    command_id TEXT,
    body TEXT NOT NULL,
    format INTEGER NOT NULL DEFAULT 1,
    prev INTEGER";

/// Keeps the log's rows in the order they were written, chained by room, with no index by
/// room. One commit's rows then share the table's last pages, and a room's place in the log
/// is its head (see [`stored_head`]; `log_heads` fits 70 rooms to a page): an index by `(room_id, seq)` kept
/// each room's latest entries on a page of their own, so every room in a commit cost a 4 KiB
/// page in the WAL, and a row clustered by room (the layout before that) rewrote its room's
/// page as well. A load
/// follows its room's chain back from its head to its snapshot (a few hundred rows at most:
/// rooms snapshot every `room::SNAPSHOT_EVERY` changes). Databases written before this (indexed
/// or clustered by room) are rewritten once, in one transaction, when opened.
fn chain_the_log(conn: &Connection) -> Result<(), StoreError> {
    let chained: bool =
        conn.query_row("SELECT COUNT(*) FROM pragma_table_info('events') WHERE name = 'prev'", [], |r| {
            r.get::<_, i64>(0).map(|n| n > 0)
        })?;
    if chained {
        return Ok(());
    }
    let sql: String =
        conn.query_row("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'events'", [], |r| {
            r.get(0)
        })?;
    // A table clustered by room has no row ids, and no arrival order to keep.
    let order = if sql.to_ascii_uppercase().contains("WITHOUT ROWID") { "room_id, seq" } else { "rowid" };
    tracing::info!("chaining the event log by room (once)");
    conn.execute_batch(&format!(
        "BEGIN IMMEDIATE;
         CREATE TABLE events_chained ({EVENTS_COLUMNS});
         INSERT INTO events_chained (room_id, seq, member_id, command_id, body, format)
             SELECT room_id, seq, member_id, command_id, body, format FROM events ORDER BY {order};
         UPDATE events_chained SET prev = chain.prev
             FROM (SELECT rowid AS id, LAG(rowid) OVER (PARTITION BY room_id ORDER BY seq) AS prev
                   FROM events_chained) AS chain
             WHERE chain.id = events_chained.rowid;
         DELETE FROM log_heads;
         INSERT INTO log_heads (room_id, last)
             SELECT room_id, id FROM
                 (SELECT room_id, rowid AS id,
                         ROW_NUMBER() OVER (PARTITION BY room_id ORDER BY seq DESC) AS n
                  FROM events_chained)
             WHERE n = 1;
         DROP TABLE events;
         ALTER TABLE events_chained RENAME TO events;
         INSERT OR REPLACE INTO log_heads_through (id, last)
             SELECT 1, COALESCE(MAX(rowid), 0) FROM events;
         COMMIT;"
    ))?;
    Ok(())
}

/// The rooms' heads one commit wrote, in order.
type Written<'a> = Vec<(&'a str, Head)>;

/// A read-only connection to the same database, for loads.
pub struct SqliteReader {
    conn: Connection,
}

fn to_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

impl Sqlite {
    fn commit_all(&mut self, batch: &[Append]) -> Result<(), StoreError> {
        // Immediate: the write lock first, so that nobody commits between the version read
        // in `write` and this commit. Its statements are cached, as `write`'s are: a
        // `Transaction` would parse `BEGIN` and `COMMIT` again for every group commit.
        self.conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
        let rows: usize = batch.iter().map(|append| append.entries.len()).sum();
        let write_back = self.unwritten + rows >= HEADS_WRITE_BACK_ROWS;
        let written = self.write(batch).and_then(|written| {
            if write_back {
                write_back_heads(&self.conn)?;
            }
            self.conn.prepare_cached("COMMIT")?.execute([])?;
            Ok(written)
        });
        let (version, written) = match written {
            Ok(written) => written,
            Err(e) => {
                if !self.conn.is_autocommit()
                    && let Err(rollback) = self.conn.execute_batch("ROLLBACK")
                {
                    tracing::warn!(error = %rollback, "rolling back a failed commit");
                }
                return Err(e);
            }
        };
        self.version = version;
        self.unwritten = if write_back { 0 } else { self.unwritten + rows };
        if self.heads.len() + written.len() > MAX_CACHED_HEADS {
            self.heads.clear();
        }
        for (room, head) in written {
            match self.heads.get_mut(room) {
                Some(known) => *known = head,
                None => {
                    self.heads.insert(room.to_owned(), head);
                }
            }
        }
        Ok(())
    }

    /// Writes a commit's rows inside the open transaction: the database's version as read at
    /// its start, and the heads it wrote (kept once it is committed).
    fn write<'a>(&mut self, batch: &'a [Append]) -> Result<(i64, Written<'a>), StoreError> {
        let tx = &self.conn;
        let mut written: Written = Vec::new();
        let version: i64 = tx.prepare_cached("PRAGMA data_version")?.query_row([], |r| r.get(0))?;
        if version != self.version {
            self.heads.clear();
        }
        {
            let mut insert_event = tx.prepare_cached(
                "INSERT INTO events (room_id, seq, member_id, body, format, prev) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            let mut insert_token = tx.prepare_cached(
                "INSERT INTO member_tokens (room_id, token_hash, member_id) VALUES (?1, ?2, ?3)",
            )?;
            // A snapshot never replaces a later one (a room reloaded after a failed commit
            // could otherwise write an older state over a newer).
            let mut snapshot = tx.prepare_cached(
                "INSERT INTO snapshots (room_id, seq, body, format) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (room_id) DO UPDATE SET seq = excluded.seq, body = excluded.body,
                     format = excluded.format
                 WHERE excluded.seq >= snapshots.seq",
            )?;
            for append in batch {
                let room = append.room.as_str();
                for token in &append.tokens {
                    insert_token.execute(params![room, token.hash, token.member.to_string()])?;
                }
                if !append.entries.is_empty() {
                    let known = written.iter().rev().find(|(r, _)| *r == room).map(|(_, h)| *h);
                    let head = match known.or_else(|| self.heads.get(room).copied()) {
                        Some(head) => Some(head),
                        None => stored_head(tx, room)?,
                    };
                    let stored = head.map_or(0, |h| h.seq);
                    let mut prev = head.map(|h| h.row);
                    for entry in &append.entries {
                        // A seq written twice would break the room's chain: refused, as the
                        // log's key refused it when it had one.
                        if to_i64(entry.seq) <= stored {
                            return Err(StoreError::Chain(format!(
                                "seq {} of room {room} is stored already (up to {stored})",
                                entry.seq
                            )));
                        }
                        // The member's id written out on the stack: no string for each row.
                        let mut member = uuid::Uuid::encode_buffer();
                        let member = &mut member;
                        insert_event.execute(params![
                            room,
                            to_i64(entry.seq),
                            entry.member.map(move |m| &*m.0.hyphenated().encode_lower(member)),
                            entry.body.as_str(),
                            STORAGE_FORMAT,
                            prev,
                        ])?;
                        prev = Some(tx.last_insert_rowid());
                    }
                    if let (Some(row), Some(last)) = (prev, append.entries.last()) {
                        written.push((room, Head { row, seq: to_i64(last.seq) }));
                    }
                }
                if let Some(state) = &append.snapshot {
                    let body = serde_json::to_string(state)?;
                    snapshot.execute(params![room, to_i64(state.seq), body, STORAGE_FORMAT])?;
                }
            }
        }
        Ok((version, written))
    }
}

impl Backend for Sqlite {
    type Reader = SqliteReader;

    fn commit(&mut self, batch: &[Append]) -> Vec<Result<LogPosition, StoreError>> {
        match self.commit_all(batch) {
            Ok(()) => batch.iter().map(|append| Ok(append.seq_after())).collect(),
            Err(e) => {
                // Nothing of a rolled-back commit was cached; the heads are read from the file
                // again all the same, the one place that is certain after a failure.
                self.heads.clear();
                batch.iter().map(|_| Err(StoreError::Commit(e.to_string()))).collect()
            }
        }
    }

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
            "INSERT INTO snapshots (room_id, seq, body, format) VALUES (?1, ?2, ?3, ?4)",
            params![record.id.as_str(), to_i64(state.seq), serde_json::to_string(state)?, STORAGE_FORMAT],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn check_writable(&mut self) -> Result<(), StoreError> {
        // A real write, committed: a full disk or a read-only file fails here as a commit would.
        let now = crate::room::now_ms();
        self.conn.execute(
            "INSERT INTO health (id, checked_at) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET checked_at = excluded.checked_at",
            [now],
        )?;
        Ok(())
    }

    fn release_memory(&mut self) {
        shrink_memory(&self.conn);
        self.heads = HashMap::new();
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
    fn release_memory(&mut self) {
        shrink_memory(&self.conn);
    }

    fn load_room(&mut self, id: &RoomId) -> Result<Option<LoadedRoom>, StoreError> {
        let room = id.as_str();
        // One read transaction: the snapshot, the changes after it and the tokens as of one
        // commit, whatever the writer commits meanwhile.
        let tx = self.conn.transaction()?;
        let key_hash: Option<String> = tx
            .query_row("SELECT facilitator_key_hash FROM rooms WHERE id = ?1", [room], |r| r.get(0))
            .optional()?;
        let Some(facilitator_key_hash) = key_hash else {
            return Ok(None);
        };
        let (snapshot, format): (String, i64) =
            tx.query_row("SELECT body, format FROM snapshots WHERE room_id = ?1", [room], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        // Exactly one of the two: a room of today's format, or one being read from format 1
        // (until its first row of today's format).
        let (mut state, mut upgrade): (Option<RoomState>, _) = match format {
            STORAGE_FORMAT => (Some(serde_json::from_str(&snapshot)?), None),
            legacy::FORMAT => (None, Some(legacy::Upgrade::from_snapshot(&snapshot)?)),
            other => return Err(StoreError::UnknownFormat(other)),
        };

        let after = match (&state, &upgrade) {
            (Some(state), _) => state.seq,
            (None, Some(old)) => old.seq(),
            (None, None) => 0,
        };
        for row in chain_after(&tx, room, after)? {
            let (seq, body, format) = row;
            match format {
                STORAGE_FORMAT => {
                    let change = serde_json::from_str::<Change>(&body)?;
                    if let Some(old) = upgrade.take() {
                        state = Some(old.into_state());
                    }
                    let Some(current) = state.as_mut() else {
                        return Err(StoreError::Legacy("a room without a state".into()));
                    };
                    current.apply_change(&change);
                }
                legacy::FORMAT => match upgrade.as_mut() {
                    Some(old) => old.apply(u64::try_from(seq).unwrap_or_default(), &body)?,
                    None => return Err(StoreError::UnknownFormat(format)),
                },
                other => return Err(StoreError::UnknownFormat(other)),
            }
        }
        let state = match (state, upgrade) {
            (Some(state), _) => state,
            (None, Some(old)) => old.into_state(),
            (None, None) => return Err(StoreError::Legacy("a room without a state".into())),
        };

        let mut tokens =
            tx.prepare_cached("SELECT token_hash, member_id FROM member_tokens WHERE room_id = ?1")?;
        let tokens = tokens
            .query_map([room], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?
            .map(|row| {
                let (hash, member) = row?;
                Ok(TokenRow { hash, member: parse_member(&member)? })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;

        let position = state.seq;
        Ok(Some(LoadedRoom { facilitator_key_hash, state, tokens, position }))
    }
}

/// A room's last log row and its seq, as the file has them: its latest row after
/// `log_heads_through` (the rows written since the heads were last written back, read from
/// the newest back), or else its row in `log_heads`. `None` for a room with no row yet.
fn stored_head(conn: &Connection, room: &str) -> Result<Option<Head>, StoreError> {
    let head = |r: &rusqlite::Row<'_>| Ok(Head { row: r.get(0)?, seq: r.get(1)? });
    let through: i64 = conn
        .prepare_cached("SELECT last FROM log_heads_through WHERE id = 1")?
        .query_row([], |r| r.get(0))?;
    let newer = conn
        .prepare_cached(
            "SELECT rowid, seq FROM events WHERE rowid > ?1 AND room_id = ?2 ORDER BY rowid DESC LIMIT 1",
        )?
        .query_row(params![through, room], head)
        .optional()?;
    if newer.is_some() {
        return Ok(newer);
    }
    Ok(conn
        .prepare_cached(
            "SELECT h.last, e.seq FROM log_heads h JOIN events e ON e.rowid = h.last WHERE h.room_id = ?1",
        )?
        .query_row([room], head)
        .optional()?)
}

/// Writes every room's head among the rows after `log_heads_through` into `log_heads`, and
/// moves `log_heads_through` to the last row, in the writer's open transaction: read from the
/// rows themselves, so that it holds whoever wrote them (another process on the same file
/// included), and a commit that fails takes it back with its rows.
fn write_back_heads(tx: &Connection) -> Result<(), StoreError> {
    let through: i64 =
        tx.prepare_cached("SELECT last FROM log_heads_through WHERE id = 1")?.query_row([], |r| r.get(0))?;
    tx.prepare_cached(
        "INSERT INTO log_heads (room_id, last)
             SELECT room_id, MAX(rowid) FROM events WHERE rowid > ?1 GROUP BY room_id
         ON CONFLICT (room_id) DO UPDATE SET last = excluded.last",
    )?
    .execute([through])?;
    tx.prepare_cached(
        "UPDATE log_heads_through SET last = (SELECT COALESCE(MAX(rowid), ?1) FROM events) WHERE id = 1",
    )?
    .execute([through])?;
    Ok(())
}

/// A room's rows after `after` (a seq), oldest first: its chain followed back from its head.
fn chain_after(conn: &Connection, room: &str, after: u64) -> Result<Vec<(i64, String, i64)>, StoreError> {
    let mut next = stored_head(conn, room)?.map(|head| head.row);
    let mut row =
        conn.prepare_cached("SELECT room_id, seq, body, format, prev FROM events WHERE rowid = ?1")?;
    let mut rows = Vec::new();
    let mut newer = i64::MAX;
    while let Some(id) = next {
        let (owner, seq, body, format, prev) = row
            .query_row([id], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, i64>(3)?,
                    r.get::<_, Option<i64>>(4)?,
                ))
            })
            .optional()?
            .ok_or_else(|| StoreError::Chain(format!("row {id} of room {room} is missing")))?;
        // Each row is the room's own and older than the one that points at it: the walk
        // cannot loop, and ends at `after` or at the room's first row.
        if owner != room || seq >= newer {
            return Err(StoreError::Chain(format!("row {id} does not continue room {room}'s log")));
        }
        if u64::try_from(seq).unwrap_or_default() <= after {
            break;
        }
        newer = seq;
        rows.push((seq, body, format));
        next = prev;
    }
    rows.reverse();
    Ok(rows)
}

fn parse_member(s: &str) -> Result<MemberId, StoreError> {
    s.parse().map(MemberId).map_err(|_| StoreError::BadMemberId(s.to_owned()))
}

enum Request {
    Create { record: RoomRecord, state: Box<RoomState>, reply: oneshot::Sender<Result<(), StoreError>> },
    Append { append: Append, reply: oneshot::Sender<Result<LogPosition, StoreError>> },
    Health { reply: oneshot::Sender<Result<(), StoreError>> },
}

/// A room load, for the reader thread.
struct Load {
    id: RoomId,
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

/// Frees what SQLite's page cache holds (the pages are on disk and in the OS's cache).
fn shrink_memory(conn: &Connection) {
    if let Err(e) = conn.execute_batch("PRAGMA shrink_memory") {
        tracing::warn!(error = %e, "SQLite did not shrink its memory");
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
                while let Some(Load { id, reply }) = load_rx.blocking_recv() {
                    let _ = reply.send(reader.load_room(&id));
                    if load_rx.is_empty() {
                        reader.release_memory();
                    }
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
    pub async fn load_room(&self, id: RoomId) -> Result<Option<LoadedRoom>, StoreError> {
        if self.known_missing(&id) {
            return Ok(None);
        }
        let (reply, answer) = oneshot::channel();
        let load = Load { id: id.clone(), reply };
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

    /// Resolves once `append` is committed (with whatever else was waiting), with the room's
    /// new log position.
    pub async fn append(&self, append: Append) -> Result<LogPosition, StoreError> {
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
    // Waits with a timeout on a clock of the thread's own, only while memory is held.
    let clock = tokio::runtime::Builder::new_current_thread().enable_time().build();
    if let Err(e) = &clock {
        tracing::warn!(error = %e, "the store keeps its cache when idle: no clock");
    }
    let mut holding = false;
    loop {
        // After a busy commit the writer sleeps before it looks again: what arrives meanwhile
        // finds it asleep (the sender wakes no one) and goes into the next commit, all of it.
        if let Some(linger) = linger.filter(|_| std::mem::take(&mut busy)) {
            thread::sleep(linger);
        }
        // A busy store finds its next request already queued: no timer for it.
        let next = match rx.try_recv() {
            Ok(request) => Ok(Some(request)),
            Err(mpsc::error::TryRecvError::Disconnected) => Ok(None),
            Err(mpsc::error::TryRecvError::Empty) => match clock.as_ref().ok().filter(|_| holding) {
                Some(clock) => clock.block_on(async { tokio::time::timeout(STORE_IDLE, rx.recv()).await }),
                None => Ok(rx.blocking_recv()),
            },
        };
        let first = match next {
            Ok(Some(first)) => first,
            Ok(None) => break,
            Err(_idle) => {
                backend.release_memory();
                crate::heap::release();
                holding = false;
                continue;
            }
        };
        holding = true;
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
                    let results = backend.commit(&appends);
                    metrics.observe_commit(started.elapsed());
                    let failed = results.iter().filter(|r| r.is_err()).count();
                    let conflicts =
                        results.iter().filter(|r| matches!(r, Err(StoreError::Conflict { .. }))).count();
                    metrics
                        .commit_conflicts
                        .fetch_add(conflicts as u64, std::sync::atomic::Ordering::Relaxed);
                    // A conflict is not a failure: the room catches up and decides again.
                    if let Some(Err(e)) =
                        results.iter().find(|r| r.is_err() && !matches!(r, Err(StoreError::Conflict { .. })))
                    {
                        Metrics::count(&metrics.commits_failed);
                        tracing::error!(error = %e, rooms = appends.len(), failed, "group commit failed");
                    }
                    let mut results = results.into_iter();
                    for reply in replies {
                        let answer = results.next().unwrap_or_else(|| {
                            Err(StoreError::Commit("the engine answered fewer appends than it took".into()))
                        });
                        let _ = reply.send(answer);
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

    fn create(db: &mut Sqlite, room: &RoomId) {
        let record = RoomRecord { id: room.clone(), facilitator_key_hash: "h".into() };
        db.create_room(&record, &RoomState::new(room.clone(), Default::default(), 0)).expect("created");
    }

    /// An append of one change per step given, at `seq`, `seq + 1`, ...
    fn steps(room: &RoomId, seq: u64, steps: &[u8]) -> Append {
        let entries = (seq..)
            .zip(steps)
            .map(|(seq, &step)| {
                let change = Change {
                    seq,
                    by: None,
                    cmd: None,
                    events: vec![horseshoe_protocol::Event::StepChanged { step }],
                };
                LogEntry { seq, member: None, body: serde_json::to_string(&change).expect("json") }
            })
            .collect();
        Append { room: room.clone(), after: seq - 1, entries, tokens: vec![], snapshot: None }
    }

    fn load(db: &Sqlite, room: &RoomId) -> (u64, u8) {
        let loaded = db.reader().expect("a reader").load_room(room).expect("loads").expect("the room");
        (loaded.state.seq, loaded.state.step)
    }

    /// SQLite, with the number of appends each commit held.
    struct Counted {
        db: Sqlite,
        commits: Arc<Mutex<Vec<usize>>>,
    }

    impl Backend for Counted {
        type Reader = SqliteReader;

        fn create_room(&mut self, record: &RoomRecord, state: &RoomState) -> Result<(), StoreError> {
            self.db.create_room(record, state)
        }

        fn commit(&mut self, batch: &[Append]) -> Vec<Result<LogPosition, StoreError>> {
            self.commits.lock().expect("lock").push(batch.len());
            self.db.commit(batch)
        }

        fn check_writable(&mut self) -> Result<(), StoreError> {
            self.db.check_writable()
        }

        fn reader(&self) -> Result<SqliteReader, StoreError> {
            self.db.reader()
        }
    }

    #[test]
    fn each_row_names_its_member_as_the_member_id_is_written() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut db = Sqlite::open(&dir.path().join(DB_FILE)).expect("a new database");
        let room = id(1);
        create(&mut db, &room);
        let member = MemberId(uuid::Uuid::from_u128(0x0123_4567_89ab_cdef_fedc_ba98_7654_3210));
        let mut append = steps(&room, 1, &[2, 3]);
        append.entries[0].member = Some(member);
        assert!(db.commit(&[append]).into_iter().all(|r| r.is_ok()));
        let mut rows = db.conn.prepare("SELECT member_id FROM events ORDER BY seq").expect("a query");
        let members: Vec<Option<String>> =
            rows.query_map([], |r| r.get(0)).expect("rows").map(|r| r.expect("a row")).collect();
        assert_eq!(members, [Some(member.to_string()), None]);
        assert_eq!(member.to_string(), "01234567-89ab-cdef-fedc-ba9876543210");
    }

    #[test]
    fn a_new_database_has_large_pages_and_an_old_one_keeps_its_own() {
        let pragma = |db: &Sqlite, name: &str| -> i64 {
            db.conn.pragma_query_value(None, name, |r| r.get(0)).expect("a pragma")
        };
        let dir = tempfile::tempdir().expect("a temporary directory");
        let new = Sqlite::open(&dir.path().join("new.sqlite3")).expect("a new database");
        assert_eq!(pragma(&new, "page_size"), PAGE_BYTES);
        assert_eq!(pragma(&new, "wal_autocheckpoint") * PAGE_BYTES, CHECKPOINT_BYTES);

        // Made by an earlier version, with SQLite's default pages: opened as it is, and its WAL
        // checkpointed at the same size in bytes.
        let path = dir.path().join("old.sqlite3");
        let old = Connection::open(&path).expect("an old database");
        old.execute_batch("PRAGMA page_size = 4096; PRAGMA journal_mode = WAL; CREATE TABLE t (x);")
            .expect("written");
        drop(old);
        let mut db = Sqlite::open(&path).expect("the old database");
        assert_eq!(pragma(&db, "page_size"), 4096);
        assert_eq!(pragma(&db, "wal_autocheckpoint"), CHECKPOINT_BYTES / 4096);
        let room = id(1);
        create(&mut db, &room);
        assert!(db.commit(&[steps(&room, 1, &[2, 3])]).into_iter().all(|r| r.is_ok()));
        assert_eq!(load(&db, &room), (2, 3));
    }

    #[test]
    fn a_busy_store_takes_what_came_during_its_linger_into_one_commit() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut db = Sqlite::open(&dir.path().join(DB_FILE)).expect("a new database");
        for n in 1..=5 {
            create(&mut db, &id(n));
        }
        let commits = Arc::default();
        let backend = Counted { db, commits: Arc::clone(&commits) };
        let (tx, rx) = mpsc::channel(16);
        let send = |n: u8| {
            let (reply, answer) = oneshot::channel();
            let append = steps(&id(n), 1, &[n]);
            tx.try_send(Request::Append { append, reply }).map_err(|_| "queued").expect("room in the queue");
            answer
        };
        // Two rooms' appends wait before the writer starts: its first commit holds both, so
        // it is busy, and sleeps its linger (long here, so that the test is never late).
        let first: Vec<_> = (1..=2).map(send).collect();
        let writer = thread::spawn(move || writer(backend, rx, &Metrics::default(), Duration::from_secs(1)));
        for answer in first {
            assert_eq!(answer.blocking_recv().expect("an answer").expect("stored"), 1);
        }
        // Three more arrive while it sleeps: one commit takes them all.
        let next: Vec<_> = (3..=5).map(send).collect();
        for answer in next {
            assert_eq!(answer.blocking_recv().expect("an answer").expect("stored"), 1);
        }
        drop(tx);
        writer.join().expect("the writer ends with its queue");
        assert_eq!(*commits.lock().expect("lock"), vec![2, 3]);
    }

    #[test]
    fn rooms_written_in_one_commit_load_their_own_rows_in_order() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let mut db = Sqlite::open(&dir.path().join(DB_FILE)).expect("a new database");
        let (a, b) = (id(1), id(2));
        create(&mut db, &a);
        create(&mut db, &b);
        assert!(db.commit(&[steps(&a, 1, &[2, 3]), steps(&b, 1, &[5])]).into_iter().all(|r| r.is_ok()));
        assert!(db.commit(&[steps(&b, 2, &[4, 6]), steps(&a, 3, &[1])]).into_iter().all(|r| r.is_ok()));
        assert_eq!(load(&db, &a), (3, 1));
        assert_eq!(load(&db, &b), (3, 6));
        let again = db.commit(&[steps(&a, 4, &[2]), steps(&b, 3, &[1])]);
        assert!(again.iter().all(|r| matches!(r, Err(StoreError::Commit(_)))), "{again:?}");
        assert_eq!(load(&db, &a), (3, 1), "nothing of a refused commit is stored");

        // A row that points into another room's log is refused, not applied.
        db.conn.execute_batch("UPDATE events SET prev = 1 WHERE rowid = 5").expect("damaged");
        let err = db.reader().expect("a reader").load_room(&b).expect_err("a broken chain");
        assert!(matches!(err, StoreError::Chain(_)), "{err}");

        // The heads the writer keeps: one room twice in a commit, each append after the one
        // before it; a seq stored already is refused from memory as from the file; after the
        // writer gives its memory back, the file tells the head again.
        assert!(db.commit(&[steps(&a, 4, &[2]), steps(&a, 5, &[4])]).into_iter().all(|r| r.is_ok()));
        assert_eq!(load(&db, &a), (5, 4));
        assert!(db.commit(&[steps(&a, 5, &[6])]).iter().all(|r| matches!(r, Err(StoreError::Commit(_)))));
        db.release_memory();
        assert!(db.commit(&[steps(&a, 5, &[6])]).iter().all(|r| matches!(r, Err(StoreError::Commit(_)))));
        assert!(db.commit(&[steps(&a, 6, &[5])]).into_iter().all(|r| r.is_ok()));
        assert_eq!(load(&db, &a), (6, 5));
        // A second process on the same file: what it stored is not written over from memory.
        let mut other = Sqlite::open(&dir.path().join(DB_FILE)).expect("the same database");
        assert!(other.commit(&[steps(&a, 7, &[3])]).into_iter().all(|r| r.is_ok()));
        assert!(db.commit(&[steps(&a, 7, &[4])]).iter().all(|r| matches!(r, Err(StoreError::Commit(_)))));
        assert!(db.commit(&[steps(&a, 8, &[2])]).into_iter().all(|r| r.is_ok()));
        assert_eq!(load(&db, &a), (8, 2));
    }

    #[test]
    fn heads_are_written_back_every_so_many_rows_and_found_in_the_rows_after_them() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join(DB_FILE);
        let (a, b) = (id(3), id(4));
        let mut db = Sqlite::open(&path).expect("a new database");
        create(&mut db, &a);
        create(&mut db, &b);
        let count = |db: &Sqlite, sql: &str| -> i64 { db.conn.query_row(sql, [], |r| r.get(0)).expect(sql) };
        assert!(db.commit(&[steps(&a, 1, &[2, 3]), steps(&b, 1, &[5])]).into_iter().all(|r| r.is_ok()));
        assert!(db.commit(&[steps(&a, 3, &[4])]).into_iter().all(|r| r.is_ok()));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM log_heads"), 0, "no head written back yet");

        // As after a crash: a new writer, and its readers, find each head in the rows, and
        // the rows are counted towards the next write-back.
        drop(db);
        let mut db = Sqlite::open(&path).expect("the database again");
        assert_eq!(db.unwritten, 4);
        assert_eq!(load(&db, &a), (3, 4));
        assert_eq!(load(&db, &b), (1, 5));
        assert!(db.commit(&[steps(&a, 3, &[1])]).iter().all(|r| matches!(r, Err(StoreError::Commit(_)))));
        assert!(db.commit(&[steps(&a, 4, &[6])]).into_iter().all(|r| r.is_ok()));

        // Enough rows, and the heads are written back, with how far they hold.
        let many = vec![1; HEADS_WRITE_BACK_ROWS - 5];
        assert!(db.commit(&[steps(&b, 2, &many)]).into_iter().all(|r| r.is_ok()));
        assert_eq!(count(&db, "SELECT COUNT(*) FROM log_heads"), 2);
        assert_eq!(
            count(&db, "SELECT last FROM log_heads_through"),
            count(&db, "SELECT MAX(rowid) FROM events")
        );
        let last_of_b = u64::try_from(many.len()).expect("a count") + 1;
        assert_eq!(load(&db, &b), (last_of_b, 1));
        assert_eq!(load(&db, &a), (4, 6));

        // Then a head in `log_heads` and one in the rows after it, after another restart.
        assert!(db.commit(&[steps(&a, 5, &[2])]).into_iter().all(|r| r.is_ok()));
        drop(db);
        let mut db = Sqlite::open(&path).expect("the database once more");
        assert_eq!(load(&db, &a), (5, 2));
        assert_eq!(load(&db, &b), (last_of_b, 1));
        assert!(db.commit(&[steps(&b, last_of_b + 1, &[3])]).into_iter().all(|r| r.is_ok()));
        assert_eq!(load(&db, &b), (last_of_b + 1, 3));
    }

    #[test]
    fn a_database_that_wrote_every_head_is_read_from_its_heads() {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join(DB_FILE);
        let a = id(5);
        let mut db = Sqlite::open(&path).expect("a new database");
        create(&mut db, &a);
        assert!(db.commit(&[steps(&a, 1, &[2, 3])]).into_iter().all(|r| r.is_ok()));
        // As the version before wrote it: every head in `log_heads`, no `log_heads_through`.
        db.conn
            .execute_batch(
                "DROP TABLE log_heads_through;
                 INSERT INTO log_heads (room_id, last) SELECT room_id, MAX(rowid) FROM events GROUP BY room_id;",
            )
            .expect("the old tables");
        drop(db);
        let mut db = Sqlite::open(&path).expect("the old database");
        let through: i64 =
            db.conn.query_row("SELECT last FROM log_heads_through", [], |r| r.get(0)).expect("through");
        assert_eq!(through, 2, "its heads hold for every row it has");
        assert_eq!(load(&db, &a), (2, 3));
        assert!(db.commit(&[steps(&a, 3, &[4])]).into_iter().all(|r| r.is_ok()));
        assert_eq!(load(&db, &a), (3, 4));
    }

    #[test]
    fn a_log_indexed_or_clustered_by_room_is_chained_once_and_loads_as_before() {
        // The layouts of earlier versions: rows with an index by room, and rows clustered by it.
        for layout in ["", "WITHOUT ROWID"] {
            let dir = tempfile::tempdir().expect("a temporary directory");
            let path = dir.path().join(DB_FILE);
            let (a, b) = (id(7), id(8));
            let mut db = Sqlite::open(&path).expect("a new database");
            create(&mut db, &a);
            create(&mut db, &b);
            db.conn
                .execute_batch(&format!(
                    "DROP TABLE events;
                     DELETE FROM log_heads;
                     CREATE TABLE events (room_id TEXT NOT NULL REFERENCES rooms(id), seq INTEGER NOT NULL,
                         member_id TEXT, command_id TEXT, body TEXT NOT NULL, format INTEGER NOT NULL DEFAULT 1,
                         PRIMARY KEY (room_id, seq)) {layout};"
                ))
                .expect("the old layout");
            for (room, seq, step) in [(&a, 1, 3), (&b, 1, 4), (&a, 2, 5), (&b, 2, 2), (&b, 3, 6)] {
                let body = &steps(room, seq, &[step]).entries[0].body;
                db.conn
                    .execute(
                        "INSERT INTO events (room_id, seq, body, format) VALUES (?1, ?2, ?3, ?4)",
                        params![room.as_str(), to_i64(seq), body, STORAGE_FORMAT],
                    )
                    .expect("an old row");
            }
            drop(db);

            let mut db = Sqlite::open(&path).expect("the old database");
            assert_eq!(load(&db, &a), (2, 5), "{layout}");
            assert_eq!(load(&db, &b), (3, 6), "{layout}");
            // It goes on from there, and opened again it is left as it is.
            assert!(db.commit(&[steps(&a, 3, &[1])]).into_iter().all(|r| r.is_ok()));
            drop(db);
            let db = Sqlite::open(&path).expect("the database again");
            assert_eq!(load(&db, &a), (3, 1), "{layout}");
            let rows: i64 =
                db.conn.query_row("SELECT COUNT(*) FROM events", [], |r| r.get(0)).expect("a count");
            assert_eq!(rows, 6);
        }
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
