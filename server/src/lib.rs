//! Horseshoe's server: runs facilitated client-centricity workshops over WebSockets.
//!
//! # Layout
//! - [`cli`]: the command line (what the `horseshoe` binary runs).
//! - [`config`]: flags and environment variables.
//! - [`admission`]: connection caps, the `Origin` allow-list, per-connection token buckets.
//! - [`metrics`]: counters served at `/metrics`.
//! - [`outbox`]: each connection's queue, bounded in frames and bytes (slow consumers close).
//! - [`http`]: the router, the JSON API, the embedded browser client, security headers.
//! - [`ws`]: one WebSocket connection: `hello`, the reader, the batching writer.
//! - [`relay`]: the bench-only relay mode over the same fan-out engine (`--bench-relay`).
//! - [`report`]: the room's report as Markdown and CSV (JSON is the state itself).
//! - [`registry`]: finds (and starts) a room's task by id.
//! - [`live`]: the per-connection throttle of ephemeral messages (typing, dragging).
//! - [`ring`]: the recent event frames a reconnecting client resumes from.
//! - [`room`]: the room actor, the single owner of a room's state: decide, commit, fan out.
//! - [`store`]: the event log and snapshots in SQLite, behind the `Backend` trait, with group
//!   commit on one writer thread.
//! - [`secret`]: ids, keys and tokens from the OS RNG, and their hashes.
//! - [`error`]: the error types of each boundary.
//!
//! The path of a command: `ws` reads a `cmd` frame and sends it to the room's mailbox; `room`
//! decides it with `horseshoe_protocol::apply`, commits the events through `store`, then queues
//! one shared frame per event on every connection's outbox; each connection's writer sends them.

pub mod admission;
pub mod cli;
pub mod config;
pub mod error;
pub mod http;
pub mod live;
pub mod metrics;
pub mod outbox;
pub mod registry;
pub mod relay;
pub mod report;
pub mod ring;
pub mod room;
pub mod secret;
pub mod store;
pub mod upgrade;
pub mod ws;

use std::net::SocketAddr;
use std::sync::Arc;

use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

pub use config::Config;
pub use error::{ServerError, StoreError};

use admission::{Connections, Heartbeat};
use metrics::Metrics;
use registry::Registry;
use store::{DB_FILE, Sqlite, Store};

/// What every request handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub registry: Arc<Registry>,
    pub public_url: Option<String>,
    pub allowed_origins: Arc<Vec<String>>,
    pub connections: Arc<Connections>,
    pub heartbeat: Heartbeat,
    /// The bench-only relay, when `--bench-relay` is on.
    pub relay: Option<Arc<relay::Relay>>,
}

/// Runs the server on `listener` until `shutdown` is cancelled; then closes every connection
/// (1012), lets each room save a snapshot, and waits for the last commit before returning.
pub async fn run(
    listener: TcpListener,
    config: Config,
    shutdown: CancellationToken,
) -> Result<(), ServerError> {
    std::fs::create_dir_all(&config.data_dir)
        .map_err(|source| ServerError::DataDir { path: config.data_dir.clone(), source })?;
    let backend = Sqlite::open(&config.data_dir.join(DB_FILE))?;
    let metrics = Arc::new(Metrics::default());
    let (store, store_thread) = Store::start(backend, metrics.clone(), config.commit_linger())?;
    let tracker = TaskTracker::new();
    let registry = Registry::new(
        store,
        metrics,
        shutdown.clone(),
        tracker.clone(),
        config.idle_unload(),
        config.heartbeat(),
    );
    let app = AppState {
        registry,
        public_url: config.public_url.clone(),
        allowed_origins: Arc::new(config.allowed_origins.clone()),
        connections: Connections::new(config.max_connections, config.max_connections_per_ip),
        heartbeat: config.heartbeat(),
        relay: config.bench_relay.then(|| Arc::new(relay::Relay::default())),
    };

    let router = http::router(app.clone()).into_make_service_with_connect_info::<SocketAddr>();
    // No Nagle delay: a batch may leave in several writes (a fragmented snapshot, a long
    // burst), and each must go at once.
    let listener = listener.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "cannot set TCP_NODELAY");
        }
    });
    let served =
        axum::serve(listener, router).with_graceful_shutdown(shutdown.clone().cancelled_owned()).await;

    // Rooms and connections see the same token: wait for them to save and close.
    tracker.close();
    tracker.wait().await;
    drop(app);
    let _ = tokio::task::spawn_blocking(move || store_thread.join()).await;
    served?;
    Ok(())
}
