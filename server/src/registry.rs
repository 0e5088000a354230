//! The registry finds a room's task by id, starting it (which loads the room) on first use, but
//! not for an id the store has just found missing. It only finds rooms: all of a room's state
//! lives in its task.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use horseshoe_protocol::RoomId;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use crate::admission::Heartbeat;
use crate::metrics::Metrics;
use crate::peers::Peers;
use crate::room::{ConnId, ROOM_MAILBOX, Room, RoomHandle};
use crate::store::Store;

pub struct Registry {
    rooms: DashMap<RoomId, RoomHandle>,
    pub store: Store,
    pub metrics: Arc<Metrics>,
    pub shutdown: CancellationToken,
    pub tracker: TaskTracker,
    /// How long a room with no connections stays in memory.
    pub idle_unload: Duration,
    /// How rooms ping their connections and when they drop a silent one.
    pub heartbeat: Heartbeat,
    /// The other nodes serving rooms with this one (JetStream); none on SQLite.
    pub peers: Option<Arc<dyn Peers>>,
    generations: AtomicU64,
    conn_ids: AtomicU64,
}

impl Registry {
    pub fn new(
        store: Store,
        metrics: Arc<Metrics>,
        shutdown: CancellationToken,
        tracker: TaskTracker,
        idle_unload: Duration,
        heartbeat: Heartbeat,
        peers: Option<Arc<dyn Peers>>,
    ) -> Arc<Self> {
        Arc::new(Self {
            rooms: DashMap::new(),
            store,
            metrics,
            shutdown,
            tracker,
            idle_unload,
            heartbeat,
            peers,
            generations: AtomicU64::new(1),
            conn_ids: AtomicU64::new(1),
        })
    }

    /// The room's handle, starting its task if it is not running; `None` for an id the store
    /// said a moment ago it does not hold (no task is started for it). The map guard is never
    /// held across an await: the task loads the room itself, and messages wait in its mailbox.
    pub fn get(self: &Arc<Self>, id: &RoomId) -> Option<RoomHandle> {
        if let Some(handle) = self.rooms.get(id) {
            return Some(handle.clone());
        }
        if self.store.known_missing(id) {
            return None;
        }
        let handle = self
            .rooms
            .entry(id.clone())
            .or_insert_with(|| {
                let (tx, rx) = mpsc::channel(ROOM_MAILBOX);
                let generation = self.generations.fetch_add(1, Ordering::Relaxed);
                let task = Room::run(id.clone(), generation, rx, self.store.clone(), self.clone());
                self.tracker.spawn(task);
                RoomHandle { tx, generation }
            })
            .clone();
        Some(handle)
    }

    /// Called by a room's task as it stops; a newer task for the same id is left alone.
    pub fn remove(&self, id: &RoomId, generation: u64) {
        self.rooms.remove_if(id, |_, handle| handle.generation == generation);
    }

    /// Rooms currently in memory.
    pub fn loaded(&self) -> usize {
        self.rooms.len()
    }

    pub fn next_conn_id(&self) -> ConnId {
        self.conn_ids.fetch_add(1, Ordering::Relaxed)
    }
}
