//! Horseshoe's server: runs facilitated client-centricity workshops over WebSockets.
//!
//! # Layout
//! - [`cli`]: the command line (what the `horseshoe` binary runs).
//! - [`config`]: flags and environment variables.
//! - [`serve`]: the accept loop: connection caps from accept, HTTP/1.1 with header-read and
//!   idle timeouts, graceful shutdown.
//! - [`forwarded`]: the client's address and scheme, through `--trusted-proxies`.
//! - [`admission`]: connection caps, the `Origin` allow-list, token buckets per connection and
//!   per address (room creation, new members).
//! - [`metrics`]: counters served at `/metrics`.
//! - [`outbox`]: each connection's queue, bounded in frames and bytes (slow consumers close).
//! - [`http`]: the router, the JSON API, the embedded browser client, security headers.
//! - [`ws`]: one WebSocket connection: `hello`, the reader, the batching writer.
//! - [`relay`]: the bench-only relay mode over the same fan-out engine (`--bench-relay`; only
//!   with the `bench-relay` cargo feature).
//! - [`report`]: the room's report as Markdown and CSV (JSON is the state itself).
//! - [`registry`]: finds (and starts) a room's task by id.
//! - [`live`]: the per-connection throttle of ephemeral messages (typing, dragging).
//! - [`ring`]: the recent event frames a reconnecting client resumes from.
//! - [`room`]: the room actor, the single owner of a room's state: decide, commit, fan out.
//! - [`store`]: the event log and snapshots in SQLite, behind the `Backend` trait: group commit
//!   on one writer thread, room loads on a read-only connection beside it, unknown ids remembered.
//! - [`jetstream`]: the other `Backend`, NATS JetStream (`--nats-url`, cargo feature `nats`):
//!   rooms' logs in a stream ordered per room, records and snapshots in key-value buckets.
//! - [`peers`]: what a room needs from the other nodes of a cluster (their changes, carets and
//!   presence), implemented by [`jetstream`].
//! - [`heap`]: freed memory given back to the system once the server goes quiet.
//! - [`secret`]: ids, keys and tokens from the OS RNG, and their hashes.
//! - [`error`]: the error types of each boundary.
//!
//! The path of a command: `ws` reads a `cmd` frame and sends it to the room's mailbox; `room`
//! decides it with `horseshoe_protocol::apply`, commits the events through `store`, then queues
//! one shared frame per event on every connection's outbox; each connection's writer sends them.

pub mod admission;
pub mod cli;
pub mod config;
pub mod cork;
pub mod error;
pub mod forwarded;
pub mod heap;
pub mod http;
#[cfg(feature = "nats")]
pub mod jetstream;
pub mod legacy;
pub mod live;
pub mod metrics;
pub mod outbox;
pub mod peers;
pub mod registry;
#[cfg(feature = "bench-relay")]
pub mod relay;
pub mod report;
pub mod ring;
pub mod room;
#[cfg(test)]
mod room_tests;
pub mod secret;
pub mod serve;
pub mod store;
pub mod upgrade;
pub mod ws;

use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use config::Config;
pub use error::{ServerError, StoreError};

use admission::{Connections, Heartbeat, Origin, Origins, PerAddress};
use forwarded::TrustedProxies;
use metrics::Metrics;
use registry::Registry;
use store::{DB_FILE, Sqlite, Store, StoreThreads};

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub registry: Arc<Registry>,
    pub public_url: Option<String>,
    /// The origin of `public_url`: pages there may open WebSockets when no list says otherwise.
    pub public_origin: Option<Origin>,
    pub origins: Arc<Origins>,
    /// Every accepted connection (HTTP or WebSocket), counted per address from accept.
    pub tcp: Arc<Connections>,
    /// Open WebSockets; counted per client address only for clients behind a trusted proxy
    /// (the others were counted at accept).
    pub websockets: Arc<Connections>,
    pub trusted_proxies: Arc<TrustedProxies>,
    /// Rooms created, per address.
    pub room_creates: Arc<PerAddress>,
    /// New members made, per address.
    pub new_members: Arc<PerAddress>,
    /// The hash of `--create-key`, when creating rooms requires it.
    pub create_key_hash: Option<String>,
    pub heartbeat: Heartbeat,
    /// The bench-only relay, when `--bench-relay` is on.
    #[cfg(feature = "bench-relay")]
    pub relay: Option<Arc<relay::Relay>>,
}

/// Runs the server on `listener` until `shutdown` is cancelled; then closes every connection
/// (1012), lets each room save a snapshot, and waits for the last commit before returning.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
) -> Result<(), ServerError> {
    run_and_say_when_ready(listener, config, shutdown, || {}).await
}

/// As [`run`], calling `ready` once the store is open, just before connections are served (a
/// node of a cluster may wait for NATS until then): the command line prints its address there.
pub async fn run_and_say_when_ready(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
    ready: impl FnOnce(),
) -> Result<(), ServerError> {
    let origins = config.origins()?;
    let create_key_hash = config.create_key()?.map(secret::hash);
    let public_origin = match &config.public_url {
        Some(url) => Some(Origin::parse(url).ok_or_else(|| config::ConfigError::PublicUrl(url.clone()))?),
        None => None,
    };
    let metrics = Arc::new(Metrics::default());
    let engine = if config.nats_url.is_some() { "nats" } else { "sqlite" };
    metrics.set_node(config.node_id(), engine);
    let (store, store_threads, peers) = match &config.nats_url {
        Some(urls) => start_jetstream(urls, &config, metrics.clone(), &shutdown).await?,
        None => {
            std::fs::create_dir_all(&config.data_dir)
                .map_err(|source| ServerError::DataDir { path: config.data_dir.clone(), source })?;
            let backend = Sqlite::open(&config.data_dir.join(DB_FILE))?;
            let (store, threads) = Store::start(backend, metrics.clone(), config.commit_linger())?;
            (store, threads, None)
        }
    };
    let tracker = TaskTracker::new();
    let registry = Registry::new(
        store,
        metrics,
        shutdown.clone(),
        tracker.clone(),
        config.idle_unload(),
        config.heartbeat(),
        peers,
    );
    let trusted_proxies = Arc::new(TrustedProxies::new(config.trusted_proxies.clone()));
    let tcp = Connections::new(config.max_connections, config.max_connections_per_ip);
    let app = AppState {
        registry,
        public_url: config.public_url.clone(),
        public_origin,
        origins: Arc::new(origins),
        tcp: tcp.clone(),
        websockets: Connections::new(usize::MAX, config.max_connections_per_ip),
        trusted_proxies: trusted_proxies.clone(),
        room_creates: PerAddress::new(config.room_creates()),
        new_members: PerAddress::new(config.new_members()),
        create_key_hash,
        heartbeat: config.heartbeat(),
        #[cfg(feature = "bench-relay")]
        relay: config.bench_relay.then(|| Arc::new(relay::Relay::default())),
    };

    let accept = serve::Accept {
        connections: tcp,
        trusted_proxies,
        metrics: app.registry.metrics.clone(),
        limits: config.http_limits(),
    };
    let activity = {
        let app = app.clone();
        move || {
            let metrics = &app.registry.metrics;
            let frames = metrics.messages_in.load(Relaxed) + metrics.messages_out.load(Relaxed);
            frames + (app.tcp.open() + app.websockets.open()) as u64
        }
    };
    tracker.spawn(heap::release_when_quiet(activity, shutdown.clone()));
    if outbox::straight_writes_here() {
        tracker.spawn(outbox::gate_straight_writes(app.registry.metrics.clone(), shutdown.clone()));
    }
    ready();
    let served = serve::serve(listener, http::router(app.clone()), accept, shutdown.clone()).await;

    // Rooms and connections see the same token: wait for them to save and close.
    tracker.close();
    tracker.wait().await;
    drop(app);
    let _ = tokio::task::spawn_blocking(move || store_threads.join()).await;
    served?;
    Ok(())
}

/// The store over NATS JetStream: nothing of rooms is kept on this node.
#[cfg(feature = "nats")]
async fn start_jetstream(
    urls: &str,
    config: &Config,
    metrics: Arc<Metrics>,
    stop: &CancellationToken,
) -> Result<(Store, StoreThreads, Option<Arc<dyn peers::Peers>>), ServerError> {
    let node = config.node_id();
    let backend =
        jetstream::JetStream::connect_when_ready(urls, config.nats_replicas, &node, metrics.clone(), stop)
            .await?;
    let peers: Arc<dyn peers::Peers> = Arc::new(backend.clone());
    let (store, threads) = Store::start(backend, metrics, config.commit_linger())?;
    Ok((store, threads, Some(peers)))
}

#[cfg(not(feature = "nats"))]
async fn start_jetstream(
    _urls: &str,
    _config: &Config,
    _metrics: Arc<Metrics>,
    _stop: &CancellationToken,
) -> Result<(Store, StoreThreads, Option<Arc<dyn peers::Peers>>), ServerError> {
    Err(config::ConfigError::NatsNotBuilt.into())
}
