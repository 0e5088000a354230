//! Rooms in NATS JetStream (`--nats-url`): the store's second [`Backend`], for several nodes.
//!
//! What lives where (the node itself keeps no room data):
//! - each room's log in the stream [`STREAM`], one message per change on the subject
//!   `horseshoe.room.<id>.log`, published with JetStream's expected last subject sequence, so
//!   that JetStream decides one order per room: an append that does not follow the log's end
//!   as this node saw it is refused ([`StoreError::Conflict`]) rather than interleaved;
//! - each room's member token hashes in the same stream, on `horseshoe.room.<id>.tokens`;
//! - each room's record (the facilitator key hash) in the key-value bucket [`RECORDS_BUCKET`];
//! - each room's latest snapshot, with the stream position it includes, in [`SNAPSHOTS_BUCKET`].
//!
//! Loading a room is its record, its snapshot, then the log after the snapshot's position.
//! The client is async; the store's threads run each operation to completion on the server's
//! runtime (`Handle::block_on`), so the store's shape (a writer, a reader beside it) is the same
//! for both engines.

use std::sync::Arc;
use std::time::Duration;

use async_nats::jetstream::consumer::{DeliverPolicy, pull};
use async_nats::jetstream::context::PublishErrorKind;
use async_nats::jetstream::kv;
use async_nats::jetstream::message::PublishMessage;
use async_nats::jetstream::stream::{self, LastRawMessageErrorKind, StorageType};
use async_nats::jetstream::{self, Context};
use async_nats::{Client, ConnectOptions, ServerAddr, Subject};
use futures_util::StreamExt as _;
use futures_util::future::{BoxFuture, join_all};
use horseshoe_protocol::{Change, MemberId, RoomId, RoomState};
use serde::{Deserialize, Serialize};
use tokio::runtime::Handle;
use tokio::sync::mpsc;

use crate::error::StoreError;
use crate::metrics::Metrics;
use crate::peers::{CaughtUp, FOLLOW_BUFFER, Followed, NodePresence, Peers};
use crate::room::Frame;
use crate::store::{Append, Backend, LoadedRoom, LogPosition, Reader, RoomRecord, STORAGE_FORMAT, TokenRow};

/// The stream that holds every room's log and token hashes.
pub const STREAM: &str = "HORSESHOE_ROOMS";
/// Room records: what makes a room exist (its facilitator key hash), one key per room id.
pub const RECORDS_BUCKET: &str = "HORSESHOE_ROOM_RECORDS";
/// Each room's latest snapshot, one key per room id.
pub const SNAPSHOTS_BUCKET: &str = "HORSESHOE_SNAPSHOTS";
/// The first tokens of every subject this store publishes on.
const SUBJECT_PREFIX: &str = "horseshoe.room";
/// The first tokens of the core NATS subjects of ephemeral frames and presence, outside the
/// stream: `horseshoe.live.<room>.<kind>.<node>`.
const LIVE_PREFIX: &str = "horseshoe.live";
/// Ephemeral messages waiting for the NATS connection before new ones are dropped (they are
/// best effort, as on one node a slow consumer's are).
const LIVE_QUEUE: usize = 4096;
/// How long one connection attempt to NATS may take (at start a node tries again, up to
/// [`STARTUP_WAIT`]).
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// How long a node keeps trying to reach NATS and open its stream at start before it gives up.
const STARTUP_WAIT: Duration = Duration::from_secs(60);
/// The pause between two of those tries.
const STARTUP_RETRY_EVERY: Duration = Duration::from_secs(1);
/// How long one request (a publish's acknowledgement, a read) may take: past it the commit
/// fails and its commands are refused, as a full disk fails a SQLite commit.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);
/// Times a snapshot write retries when another writer replaced the snapshot meanwhile (it is
/// kept if it is later than ours).
const SNAPSHOT_RACES: usize = 3;
/// The key of this node's health row in the records bucket (`/healthz` writes it); no room id
/// has this shape (room ids are hex).
const HEALTH_KEY_PREFIX: &str = "health";

/// A room record as stored in [`RECORDS_BUCKET`].
#[derive(Serialize, Deserialize)]
struct StoredRecord {
    facilitator_key_hash: String,
    created_at: i64,
}

/// A snapshot as stored in [`SNAPSHOTS_BUCKET`]: the state, and the stream position of the
/// last change it includes (its log resumes after it).
#[derive(Serialize)]
struct SnapshotOut<'a> {
    seq: u64,
    position: LogPosition,
    format: i64,
    state: &'a RoomState,
}

#[derive(Deserialize)]
struct SnapshotIn {
    position: LogPosition,
    format: i64,
    state: RoomState,
}

/// Only the `seq` of a stored snapshot, to compare it with a new one.
#[derive(Deserialize)]
struct SnapshotSeq {
    seq: u64,
}

/// A member token's hash on the room's tokens subject.
#[derive(Serialize, Deserialize)]
struct StoredToken {
    hash: String,
    member: MemberId,
}

fn log_subject(room: &RoomId) -> String {
    format!("{SUBJECT_PREFIX}.{room}.log")
}

fn tokens_subject(room: &RoomId) -> String {
    format!("{SUBJECT_PREFIX}.{room}.tokens")
}

/// Maps a NATS error to the store's, saying what was being done.
fn nats<E: std::fmt::Display>(doing: &'static str) -> impl FnOnce(E) -> StoreError {
    move |e| StoreError::Nats(format!("{doing}: {e}"))
}

fn live_subject(room: &RoomId, kind: &str, node: &str) -> Subject {
    Subject::from(format!("{LIVE_PREFIX}.{room}.{kind}.{}", key_safe(node)))
}

/// The kinds of core NATS message between nodes.
const LIVE_FRAME: &str = "frame";
const LIVE_PRESENCE: &str = "presence";

/// The JetStream engine: cheap to clone (the writer, the reader and every room's follower share
/// one connection).
#[derive(Clone)]
pub struct JetStream {
    client: Client,
    js: Context,
    stream: stream::Stream,
    records: kv::Store,
    snapshots: kv::Store,
    runtime: Handle,
    node: Arc<str>,
    /// Copies of each room's log: with more than one, every append is read back (below).
    replicas: usize,
    /// Ephemeral messages for the other nodes, published in order by one task.
    live: mpsc::Sender<(Subject, Vec<u8>)>,
    metrics: Arc<Metrics>,
}

impl JetStream {
    /// Connects to the NATS servers in `urls` (comma-separated) and makes sure the stream and
    /// the buckets exist, with `replicas` copies of each: one attempt. Runs on the server's
    /// runtime, whose handle the store's threads then use.
    pub async fn connect(
        urls: &str,
        replicas: usize,
        node: &str,
        metrics: Arc<Metrics>,
    ) -> Result<Self, StoreError> {
        let servers = servers(urls)?;
        let opened = open(&servers, node, replicas.max(1)).await?;
        Ok(Self::opened(opened, replicas.max(1), node, metrics))
    }

    /// As [`JetStream::connect`], for a node that is starting: NATS may still be starting
    /// beside it (containers started together), or electing a stream's leader, so it tries
    /// again every [`STARTUP_RETRY_EVERY`] for up to [`STARTUP_WAIT`] rather than refusing to
    /// start; `stop` (Ctrl-C, SIGTERM) ends the wait at once.
    pub async fn connect_when_ready(
        urls: &str,
        replicas: usize,
        node: &str,
        metrics: Arc<Metrics>,
        stop: &tokio_util::sync::CancellationToken,
    ) -> Result<Self, StoreError> {
        let servers = servers(urls)?;
        let replicas = replicas.max(1);
        let deadline = tokio::time::Instant::now() + STARTUP_WAIT;
        let stopped = || StoreError::Nats("stopped while waiting for NATS".into());
        loop {
            let attempt = tokio::select! {
                attempt = open(&servers, node, replicas) => attempt,
                () = stop.cancelled() => return Err(stopped()),
            };
            match attempt {
                Ok(opened) => return Ok(Self::opened(opened, replicas, node, metrics)),
                Err(e) if tokio::time::Instant::now() + STARTUP_RETRY_EVERY < deadline => {
                    tracing::warn!(node, error = %e, "NATS JetStream is not ready; trying again");
                    tokio::select! {
                        () = tokio::time::sleep(STARTUP_RETRY_EVERY) => {}
                        () = stop.cancelled() => return Err(stopped()),
                    }
                }
                Err(e) => return Err(e),
            }
        }
    }

    /// The store over what [`open`] opened; starts the task that publishes ephemeral messages.
    fn opened(opened: Opened, replicas: usize, node: &str, metrics: Arc<Metrics>) -> Self {
        let Opened { client, js, stream, records, snapshots } = opened;
        tracing::info!(node, replicas, stream = STREAM, "rooms are stored in NATS JetStream");
        let (live, mut queued) = mpsc::channel::<(Subject, Vec<u8>)>(LIVE_QUEUE);
        let publisher = client.clone();
        tokio::spawn(async move {
            while let Some((subject, body)) = queued.recv().await {
                if let Err(e) = publisher.publish(subject, body.into()).await {
                    tracing::debug!(error = %e, "an ephemeral message was not passed on");
                }
            }
        });
        Self {
            client,
            js,
            stream,
            records,
            snapshots,
            runtime: Handle::current(),
            node: node.into(),
            replicas,
            live,
            metrics,
        }
    }

    /// One room's append: its token hashes, then its changes one by one, each expected to
    /// follow the last; then its snapshot, if any.
    async fn append(&self, append: &Append) -> Result<LogPosition, StoreError> {
        let room = &append.room;
        // Tokens first: a token whose member never made it into the log names nobody and is
        // ignored; a member without their token could never come back as themselves.
        let mut acks = Vec::with_capacity(append.tokens.len());
        for token in &append.tokens {
            let body = serde_json::to_vec(&StoredToken { hash: token.hash.clone(), member: token.member })?;
            let publish = PublishMessage::build().payload(body.into());
            acks.push(
                self.js
                    .send_publish(tokens_subject(room), publish)
                    .await
                    .map_err(nats("publishing a token"))?,
            );
        }
        for ack in join_all(acks.into_iter().map(std::future::IntoFuture::into_future)).await {
            ack.map_err(nats("storing a token"))?;
        }

        let mut position = append.after;
        let subject = log_subject(room);
        for entry in &append.entries {
            let publish = PublishMessage::build()
                .payload(entry.body.clone().into_bytes().into())
                .expected_last_subject_sequence(position);
            let started = std::time::Instant::now();
            let sent =
                self.js.send_publish(subject.clone(), publish).await.map_err(nats("publishing a change"))?;
            match sent.await {
                Ok(ack) => {
                    // With several replicas, NATS 2.9 does not serialize the expected-sequence
                    // check (nats-server#4320): another writer expecting the same position may
                    // have been stored too. The first change after `position` is the one that
                    // counts (every reader skips a second one at a seq it has); ours only if
                    // it is that first one.
                    if self.replicas > 1
                        && let Some((first, _)) = self.next_after(&subject, position).await?
                        && first != ack.sequence
                    {
                        tracing::debug!(node = %self.node, room = %room, seq = entry.seq, stored_at = ack.sequence,
                            first, "another writer's change at the same place was stored first");
                        return Err(StoreError::Conflict { expected: position, end: Some(ack.sequence) });
                    }
                    self.metrics.observe_append(started.elapsed());
                    position = ack.sequence;
                }
                Err(e) if e.kind() == PublishErrorKind::WrongLastSequence => {
                    // Normal when members of one room are on several nodes: the room catches up
                    // and decides again.
                    let end = last_sequence(&e);
                    tracing::debug!(node = %self.node, room = %room, seq = entry.seq, expected = position, ?end,
                        "another writer appended to the room first");
                    return Err(StoreError::Conflict { expected: position, end });
                }
                Err(e) => return Err(nats("storing a change")(e)),
            }
        }

        if let Some(state) = &append.snapshot
            && let Err(e) = self.save_snapshot(room, state, position).await
        {
            // Every change is in the log: a room without its latest snapshot loads by replaying
            // more of it.
            tracing::warn!(node = %self.node, room = %room, error = %e, "snapshot not saved");
        }
        Ok(position)
    }

    /// Saves `state` (which includes the log up to `position`) unless a later snapshot is
    /// there already.
    async fn save_snapshot(
        &self,
        room: &RoomId,
        state: &RoomState,
        position: LogPosition,
    ) -> Result<(), StoreError> {
        let body: Vec<u8> =
            serde_json::to_vec(&SnapshotOut { seq: state.seq, position, format: STORAGE_FORMAT, state })?;
        let key = room.as_str();
        for _ in 0..SNAPSHOT_RACES {
            let current = self.snapshots.entry(key).await.map_err(nats("reading a snapshot"))?;
            // Another writer replacing the snapshot between the read and the write makes the
            // write fail on the revision: read again. Any other failure is the answer.
            match current {
                Some(entry) => {
                    let stored: SnapshotSeq = serde_json::from_slice(&entry.value)?;
                    if stored.seq > state.seq {
                        return Ok(());
                    }
                    match self.snapshots.update(key, body.clone().into(), entry.revision).await {
                        Ok(_) => return Ok(()),
                        Err(e) if e.kind() == kv::UpdateErrorKind::WrongLastRevision => {}
                        Err(e) => return Err(nats("saving a snapshot")(e)),
                    }
                }
                None => match self.snapshots.create(key, body.clone().into()).await {
                    Ok(_) => return Ok(()),
                    Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => {}
                    Err(e) => return Err(nats("saving a snapshot")(e)),
                },
            }
        }
        Err(StoreError::Nats("the snapshot kept changing under this writer".into()))
    }

    async fn create(&self, record: &RoomRecord, state: &RoomState) -> Result<(), StoreError> {
        // The snapshot first: the record is what makes the room exist, and a room must never
        // exist without a snapshot.
        let snapshot = SnapshotOut { seq: state.seq, position: 0, format: STORAGE_FORMAT, state };
        let body = serde_json::to_vec(&snapshot)?;
        self.snapshots
            .put(record.id.as_str(), body.into())
            .await
            .map_err(nats("saving a new room's snapshot"))?;
        let stored = StoredRecord {
            facilitator_key_hash: record.facilitator_key_hash.clone(),
            created_at: state.created_at,
        };
        match self.records.create(record.id.as_str(), serde_json::to_vec(&stored)?.into()).await {
            Ok(_) => Ok(()),
            Err(e) if e.kind() == kv::CreateErrorKind::AlreadyExists => Err(StoreError::Exists),
            Err(e) => Err(nats("saving a room record")(e)),
        }
    }

    async fn load(&self, id: &RoomId) -> Result<Option<LoadedRoom>, StoreError> {
        let Some(record) = self.records.get(id.as_str()).await.map_err(nats("reading a room record"))? else {
            return Ok(None);
        };
        let record: StoredRecord = serde_json::from_slice(&record)?;
        let snapshot = self.snapshots.get(id.as_str()).await.map_err(nats("reading a snapshot"))?;
        let snapshot = snapshot.ok_or_else(|| StoreError::Nats(format!("room {id} has no snapshot")))?;
        let SnapshotIn { position, format, mut state } = serde_json::from_slice(&snapshot)?;
        if format != STORAGE_FORMAT {
            return Err(StoreError::UnknownFormat(format));
        }

        let mut position = position;
        let subject = log_subject(id);
        while let Some((at, body)) = self.next_after(&subject, position).await? {
            let change: Change = serde_json::from_slice(&body)?;
            // A snapshot saved by a slower writer may be older than its position says; what
            // it holds already is skipped.
            if change.seq > state.seq {
                if change.seq != state.seq + 1 {
                    return Err(StoreError::LogGap { after: state.seq, found: change.seq });
                }
                state.apply_change(&change);
            }
            position = at;
        }

        let mut tokens = Vec::new();
        let mut at = 0;
        let subject = tokens_subject(id);
        while let Some((next, body)) = self.next_after(&subject, at).await? {
            let StoredToken { hash, member } = serde_json::from_slice(&body)?;
            tokens.push(TokenRow { hash, member });
            at = next;
        }
        Ok(Some(LoadedRoom { facilitator_key_hash: record.facilitator_key_hash, state, tokens, position }))
    }

    /// The first message on `subject` after stream position `after`, if any.
    async fn next_after(
        &self,
        subject: &str,
        after: LogPosition,
    ) -> Result<Option<(LogPosition, Vec<u8>)>, StoreError> {
        let found =
            self.stream.raw_message_builder().sequence(after + 1).next_by_subject(subject).send().await;
        match found {
            Ok(message) => Ok(Some((message.sequence, message.payload.to_vec()))),
            Err(e) if e.kind() == LastRawMessageErrorKind::NoMessageFound => Ok(None),
            Err(e) => Err(nats("reading a room's log")(e)),
        }
    }
}

impl JetStream {
    /// Every token hash and change on the room's subjects after `after`, read one by one.
    async fn caught_up(&self, room: &RoomId, after: LogPosition) -> Result<CaughtUp, StoreError> {
        let mut caught = CaughtUp::default();
        let (subject, mut at) = (tokens_subject(room), after);
        while let Some((next, body)) = self.next_after(&subject, at).await? {
            let StoredToken { hash, member } = serde_json::from_slice(&body)?;
            caught.tokens.push(TokenRow { hash, member });
            at = next;
        }
        let (subject, mut at) = (log_subject(room), after);
        while let Some((next, body)) = self.next_after(&subject, at).await? {
            caught.changes.push((next, serde_json::from_slice(&body)?));
            at = next;
        }
        Ok(caught)
    }

    /// Follows the room until `tx` is dropped: its log and tokens through an ordered consumer
    /// from just after `after`, and the other nodes' ephemeral frames and presence through a
    /// core subscription (made first, so that nothing said after the follow began is missed).
    async fn follow_room(
        &self,
        room: &RoomId,
        after: LogPosition,
        tx: &mpsc::Sender<Followed>,
    ) -> Result<(), StoreError> {
        let mut live = self
            .client
            .subscribe(format!("{LIVE_PREFIX}.{room}.>"))
            .await
            .map_err(nats("listening to the other nodes"))?;
        let consumer = self
            .stream
            .create_consumer(pull::OrderedConfig {
                filter_subject: format!("{SUBJECT_PREFIX}.{room}.*"),
                deliver_policy: DeliverPolicy::ByStartSequence { start_sequence: after + 1 },
                ..Default::default()
            })
            .await
            .map_err(nats("following a room"))?;
        let mut log = consumer.messages().await.map_err(nats("following a room"))?;
        let own = key_safe(&self.node);
        loop {
            let item = tokio::select! {
                () = tx.closed() => return Ok(()),
                message = log.next() => {
                    let message = message
                        .ok_or_else(|| StoreError::Nats("the room's follow ended".into()))?
                        .map_err(nats("following a room"))?;
                    let position = message.info().map_err(nats("reading a followed message"))?.stream_sequence;
                    if message.subject.ends_with(".tokens") {
                        let StoredToken { hash, member } = serde_json::from_slice(&message.payload)?;
                        Followed::Token(TokenRow { hash, member })
                    } else {
                        let change: Change = serde_json::from_slice(&message.payload)?;
                        Followed::Change { position, change: Box::new(change) }
                    }
                }
                message = live.next() => {
                    let Some(message) = message else {
                        return Err(StoreError::Nats("the other nodes' subscription ended".into()));
                    };
                    // horseshoe.live.<room>.<kind>.<node>
                    let mut tokens = message.subject.rsplitn(3, '.');
                    let (Some(node), Some(kind)) = (tokens.next(), tokens.next()) else { continue };
                    if node == own {
                        continue;
                    }
                    match kind {
                        LIVE_FRAME => match std::str::from_utf8(&message.payload) {
                            Ok(text) => Followed::Live(Frame::from(text.to_owned())),
                            Err(_) => continue,
                        },
                        LIVE_PRESENCE => match serde_json::from_slice(&message.payload) {
                            Ok(presence) => Followed::Presence { node: node.into(), presence },
                            Err(e) => {
                                tracing::warn!(node, error = %e, "a node's presence does not parse");
                                continue;
                            }
                        },
                        _ => continue,
                    }
                }
            };
            if tx.send(item).await.is_err() {
                return Ok(());
            }
        }
    }

    fn publish(&self, subject: Subject, body: Vec<u8>) {
        if self.live.try_send((subject, body)).is_err() {
            tracing::debug!("ephemeral queue to the other nodes is full: a message was dropped");
        }
    }
}

impl Peers for JetStream {
    fn node(&self) -> &Arc<str> {
        &self.node
    }

    fn connected(&self) -> bool {
        self.client.connection_state() == async_nats::connection::State::Connected
    }

    fn follow(&self, room: &RoomId, after: LogPosition) -> mpsc::Receiver<Followed> {
        let (tx, rx) = mpsc::channel(FOLLOW_BUFFER);
        let this = self.clone();
        let room = room.clone();
        tokio::spawn(async move {
            this.metrics.rooms_followed.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let followed = this.follow_room(&room, after, &tx).await;
            this.metrics.rooms_followed.fetch_sub(1, std::sync::atomic::Ordering::Relaxed);
            if let Err(e) = followed {
                tracing::warn!(node = %this.node, room = %room, error = %e, "following the room stopped");
                let _ = tx.send(Followed::Lost(e.to_string())).await;
            }
        });
        rx
    }

    fn catch_up(
        &self,
        room: &RoomId,
        after: LogPosition,
    ) -> BoxFuture<'static, Result<CaughtUp, StoreError>> {
        let this = self.clone();
        let room = room.clone();
        Box::pin(async move { this.caught_up(&room, after).await })
    }

    fn publish_live(&self, room: &RoomId, frame: &Frame) {
        self.publish(live_subject(room, LIVE_FRAME, &self.node), frame.as_bytes().to_vec());
    }

    fn publish_presence(&self, room: &RoomId, presence: &NodePresence) {
        match serde_json::to_vec(presence) {
            Ok(body) => self.publish(live_subject(room, LIVE_PRESENCE, &self.node), body),
            Err(e) => tracing::error!(error = %e, "presence does not serialize"),
        }
    }
}

/// The NATS servers of `--nats-url` (comma-separated).
fn servers(urls: &str) -> Result<Vec<ServerAddr>, StoreError> {
    let servers = urls
        .split(',')
        .map(str::trim)
        .filter(|url| !url.is_empty())
        .map(|url| url.parse::<ServerAddr>().map_err(nats("reading --nats-url")))
        .collect::<Result<Vec<_>, _>>()?;
    if servers.is_empty() {
        return Err(StoreError::Nats("--nats-url names no server".into()));
    }
    Ok(servers)
}

/// What [`open`] gives: a connection to NATS, and the stream and buckets it found or made.
struct Opened {
    client: Client,
    js: Context,
    stream: stream::Stream,
    records: kv::Store,
    snapshots: kv::Store,
}

/// One attempt to connect to NATS and to make sure the rooms' stream and buckets exist.
async fn open(servers: &[ServerAddr], node: &str, replicas: usize) -> Result<Opened, StoreError> {
    let node_name: Arc<str> = node.into();
    let client = ConnectOptions::new()
        .name(format!("horseshoe {node}"))
        .event_callback(move |event| {
            let node = node_name.clone();
            async move {
                match event {
                    async_nats::Event::Connected => tracing::info!(%node, "connected to NATS"),
                    async_nats::Event::Closed => tracing::info!(%node, "NATS connection closed"),
                    other => tracing::warn!(%node, event = %other, "NATS connection"),
                }
            }
        })
        .connection_timeout(CONNECT_TIMEOUT)
        .request_timeout(Some(REQUEST_TIMEOUT))
        .connect(servers.to_vec())
        .await
        .map_err(nats("connecting"))?;
    let mut js = jetstream::new(client.clone());
    js.set_timeout(REQUEST_TIMEOUT);
    let stream = js
        .get_or_create_stream(stream::Config {
            name: STREAM.into(),
            description: Some("Horseshoe: each room's log of changes and its member tokens".into()),
            subjects: vec![format!("{SUBJECT_PREFIX}.*.*")],
            storage: StorageType::File,
            num_replicas: replicas,
            ..Default::default()
        })
        .await
        .map_err(nats("opening the rooms stream"))?;
    let records = bucket(&js, RECORDS_BUCKET, "Horseshoe: room records", replicas).await?;
    let snapshots = bucket(&js, SNAPSHOTS_BUCKET, "Horseshoe: room snapshots", replicas).await?;
    Ok(Opened { client, js, stream, records, snapshots })
}

/// Opens the key-value bucket `name`, making it if it does not exist. The bucket's stream is
/// made here as the client would make it: the client's own `create_key_value` first asks for
/// the account's details, whose answer from NATS 2.9 (Debian's package) it cannot read.
async fn bucket(
    js: &Context,
    name: &str,
    description: &str,
    replicas: usize,
) -> Result<kv::Store, StoreError> {
    js.get_or_create_stream(stream::Config {
        name: format!("KV_{name}"),
        description: Some(description.into()),
        subjects: vec![format!("$KV.{name}.>")],
        // One value per key: a bucket of latest values, not of histories.
        max_messages_per_subject: 1,
        storage: StorageType::File,
        num_replicas: replicas,
        allow_rollup: true,
        deny_delete: true,
        allow_direct: true,
        discard: stream::DiscardPolicy::New,
        ..Default::default()
    })
    .await
    .map_err(nats("making a key-value bucket"))?;
    js.get_key_value(name).await.map_err(nats("opening a key-value bucket"))
}

impl Backend for JetStream {
    type Reader = JetStream;

    fn create_room(&mut self, record: &RoomRecord, state: &RoomState) -> Result<(), StoreError> {
        self.runtime.block_on(self.create(record, state))
    }

    fn commit(&mut self, batch: &[Append]) -> Vec<Result<LogPosition, StoreError>> {
        // Rooms are independent: their appends go at once, each in its own order.
        self.runtime.block_on(join_all(batch.iter().map(|append| self.append(append))))
    }

    fn check_writable(&mut self) -> Result<(), StoreError> {
        let key = format!("{HEALTH_KEY_PREFIX}.{}", key_safe(&self.node));
        let now = crate::room::now_ms().to_string();
        self.runtime
            .block_on(self.records.put(key, now.into_bytes().into()))
            .map(|_| ())
            .map_err(nats("writing the health key"))
    }

    fn reader(&self) -> Result<JetStream, StoreError> {
        Ok(self.clone())
    }
}

impl Reader for JetStream {
    fn load_room(&mut self, id: &RoomId) -> Result<Option<LoadedRoom>, StoreError> {
        self.runtime.block_on(self.load(id))
    }
}

/// The last sequence JetStream says the subject has, from its "wrong last sequence: N" answer.
fn last_sequence(error: &(dyn std::error::Error + 'static)) -> Option<LogPosition> {
    let mut source = error.source();
    while let Some(e) = source {
        // "wrong last sequence: 10 (code 400, error code 10071)"
        let text = e.to_string();
        let after = text.split_once("sequence:").map(|(_, rest)| rest.trim_start());
        let digits = after.map(|rest| rest.split(|c: char| !c.is_ascii_digit()).next().unwrap_or(""));
        if let Some(found) = digits.and_then(|d| d.parse().ok()) {
            return Some(found);
        }
        source = e.source();
    }
    None
}

/// A node id as one key token: letters, digits, `-` and `_` kept, anything else `_`.
fn key_safe(node: &str) -> String {
    node.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' { c } else { '_' }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_node_id_becomes_one_key_token() {
        assert_eq!(key_safe("node-1.example.org"), "node-1_example_org");
        assert_eq!(key_safe("a b*c>"), "a_b_c_");
    }

    #[test]
    fn the_end_of_the_log_is_read_from_a_wrong_last_sequence_answer() {
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl std::fmt::Display for Outer {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "wrong last sequence")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let answer = std::io::Error::other("wrong last sequence: 10 (code 400, error code 10071)");
        assert_eq!(last_sequence(&Outer(answer)), Some(10));
        assert_eq!(last_sequence(&Outer(std::io::Error::other("timed out"))), None);
    }

    #[test]
    fn subjects_are_per_room() {
        let id = RoomId::parse("00112233445566778899aabbccddeeff").expect("an id");
        assert_eq!(log_subject(&id), "horseshoe.room.00112233445566778899aabbccddeeff.log");
        assert_eq!(tokens_subject(&id), "horseshoe.room.00112233445566778899aabbccddeeff.tokens");
    }
}
