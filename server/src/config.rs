//! Configuration from flags and environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::admission::{Heartbeat, NEW_MEMBERS, Origins, PING_EVERY, ROOM_CREATES, Rate, SILENCE_LIMIT};
use crate::forwarded::Cidr;
use crate::room::IDLE_UNLOAD;
use crate::serve::{HEADER_READ_TIMEOUT, HTTP_IDLE_TIMEOUT, HttpLimits};
use crate::store::COMMIT_LINGER;

/// Default cap on connections: well under the process's file-descriptor limit.
pub const MAX_CONNECTIONS: usize = 16_000;
/// Default cap per address: a whole office behind one NAT fits.
pub const MAX_CONNECTIONS_PER_IP: usize = 1_000;
/// Shortest create key: a guessable key would make the private deployment public.
pub const MIN_CREATE_KEY_CHARS: usize = 16;
/// Copies JetStream keeps of rooms by default: one NATS server is enough to start with; a
/// cluster that must survive the loss of a server asks for 3.
pub const NATS_REPLICAS: usize = 1;
/// The node's name when neither `--node-id` nor the host name gives one.
const FALLBACK_NODE_ID: &str = "horseshoe";

/// A configuration that cannot run.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("--create-key must be at least {MIN_CREATE_KEY_CHARS} characters")]
    ShortCreateKey,
    #[error("--allowed-origins: {0}")]
    Origin(String),
    #[error("--public-url is not an http(s) URL: {0}")]
    PublicUrl(String),
    #[error("--nats-url: this build has no NATS support (cargo feature `nats`)")]
    NatsNotBuilt,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Human,
    Json,
}

/// Horseshoe: facilitated client-centricity workshops, live in the browser.
#[derive(Debug, Clone, Parser)]
#[command(name = "horseshoe", version)]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "HORSESHOE_BIND", default_value = "0.0.0.0:8080")]
    pub bind: SocketAddr,
    /// Port to listen on (overrides the port of --bind).
    #[arg(long, env = "HORSESHOE_PORT")]
    pub port: Option<u16>,
    /// Directory of the SQLite database (not used for rooms with --nats-url).
    #[arg(long, env = "HORSESHOE_DATA_DIR", default_value = "./data")]
    pub data_dir: PathBuf,
    /// Base URL that links are built on (e.g. https://workshops.example.org); by default the
    /// Host header of the request that creates the room.
    #[arg(long, env = "HORSESHOE_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Log format.
    #[arg(long, env = "HORSESHOE_LOG_FORMAT", value_enum, default_value = "human")]
    pub log_format: LogFormat,
    /// Origins (e.g. https://workshops.example.org) whose pages may open WebSockets here,
    /// comma-separated; by default only the server's own origin.
    #[arg(long, env = "HORSESHOE_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub allowed_origins: Vec<String>,
    /// Most connections (HTTP and WebSocket) at once, counted from accept.
    #[arg(long, env = "HORSESHOE_MAX_CONNECTIONS", default_value_t = MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Most connections at once from one address (an IPv6 /64), counted from accept; for
    /// clients behind a trusted proxy, their WebSockets.
    #[arg(long, env = "HORSESHOE_MAX_CONNECTIONS_PER_IP", default_value_t = MAX_CONNECTIONS_PER_IP)]
    pub max_connections_per_ip: usize,
    /// Milliseconds a client may take to send a request's headers (from accept, or from the
    /// previous response on a kept-alive connection).
    #[arg(long, env = "HORSESHOE_HTTP_HEADER_TIMEOUT_MS", default_value_t = HEADER_READ_TIMEOUT.as_millis() as u64)]
    pub http_header_timeout_ms: u64,
    /// Milliseconds an HTTP connection (not a WebSocket) may move no byte either way.
    #[arg(long, env = "HORSESHOE_HTTP_IDLE_TIMEOUT_MS", default_value_t = HTTP_IDLE_TIMEOUT.as_millis() as u64)]
    pub http_idle_timeout_ms: u64,
    /// Rooms one address may create at once.
    #[arg(long, env = "HORSESHOE_ROOM_CREATE_BURST", default_value_t = ROOM_CREATES.burst)]
    pub room_create_burst: u32,
    /// Rooms one address may create per hour after its burst.
    #[arg(long, env = "HORSESHOE_ROOM_CREATES_PER_HOUR", default_value_t = ROOM_CREATES.per_hour)]
    pub room_creates_per_hour: u32,
    /// New members (people joining a room for the first time) one address may make at once.
    #[arg(long, env = "HORSESHOE_NEW_MEMBER_BURST", default_value_t = NEW_MEMBERS.burst)]
    pub new_member_burst: u32,
    /// New members one address may make per hour after its burst.
    #[arg(long, env = "HORSESHOE_NEW_MEMBERS_PER_HOUR", default_value_t = NEW_MEMBERS.per_hour)]
    pub new_members_per_hour: u32,
    /// A key that creating a room requires (`Authorization: Bearer <key>`; the home page asks
    /// for it): for a private deployment. By default anyone may create rooms.
    #[arg(long, env = "HORSESHOE_CREATE_KEY", hide_env_values = true)]
    pub create_key: Option<String>,
    /// Proxies (addresses or CIDR networks, comma-separated) whose X-Forwarded-For or Forwarded
    /// header names the client for the per-address limits; ignored from anyone else.
    #[arg(long, env = "HORSESHOE_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<Cidr>,
    /// Milliseconds between the server's pings.
    #[arg(long, env = "HORSESHOE_PING_MS", default_value_t = PING_EVERY.as_millis() as u64)]
    pub ping_ms: u64,
    /// Milliseconds a peer may stay silent before it is dropped.
    #[arg(long, env = "HORSESHOE_SILENCE_MS", default_value_t = SILENCE_LIMIT.as_millis() as u64)]
    pub silence_ms: u64,
    /// Serve the bench-only relay mode at /bench/relay/{room} (for the load generator; only in
    /// builds with the `bench-relay` feature).
    #[cfg(feature = "bench-relay")]
    #[arg(long, env = "HORSESHOE_BENCH_RELAY")]
    pub bench_relay: bool,
    /// Seconds a room with nobody connected stays in memory.
    #[arg(long, env = "HORSESHOE_IDLE_UNLOAD_SECS", default_value_t = IDLE_UNLOAD.as_secs())]
    pub idle_unload_secs: u64,
    /// Milliseconds a busy store lets appends gather before one commit (one fsync): more saves
    /// CPU and disk writes under load, and adds up to that much to each acknowledgement.
    #[arg(long, env = "HORSESHOE_COMMIT_LINGER_MS", default_value_t = COMMIT_LINGER.as_millis() as u64)]
    pub commit_linger_ms: u64,
    /// NATS servers (nats://HOST:PORT, comma-separated) whose JetStream holds rooms' logs,
    /// records and snapshots; this node then keeps no room data of its own. By default rooms
    /// live in SQLite under --data-dir.
    #[arg(long, env = "HORSESHOE_NATS_URL")]
    pub nats_url: Option<String>,
    /// This node's name in logs and metrics; by default the host name.
    #[arg(long, env = "HORSESHOE_NODE_ID")]
    pub node_id: Option<String>,
    /// Copies JetStream keeps of each room's log, record and snapshot (on as many NATS servers).
    #[arg(long, env = "HORSESHOE_NATS_REPLICAS", default_value_t = NATS_REPLICAS)]
    pub nats_replicas: usize,
}

impl Config {
    /// A configuration for tests and embedding: loopback, any free port, the given data dir.
    pub fn for_data_dir(data_dir: impl Into<PathBuf>) -> Self {
        Self {
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
            port: None,
            data_dir: data_dir.into(),
            public_url: None,
            log_format: LogFormat::Human,
            idle_unload_secs: IDLE_UNLOAD.as_secs(),
            allowed_origins: Vec::new(),
            #[cfg(feature = "bench-relay")]
            bench_relay: false,
            ping_ms: PING_EVERY.as_millis() as u64,
            silence_ms: SILENCE_LIMIT.as_millis() as u64,
            max_connections: MAX_CONNECTIONS,
            max_connections_per_ip: MAX_CONNECTIONS_PER_IP,
            http_header_timeout_ms: HEADER_READ_TIMEOUT.as_millis() as u64,
            http_idle_timeout_ms: HTTP_IDLE_TIMEOUT.as_millis() as u64,
            room_create_burst: ROOM_CREATES.burst,
            room_creates_per_hour: ROOM_CREATES.per_hour,
            new_member_burst: NEW_MEMBERS.burst,
            new_members_per_hour: NEW_MEMBERS.per_hour,
            create_key: None,
            trusted_proxies: Vec::new(),
            commit_linger_ms: COMMIT_LINGER.as_millis() as u64,
            nats_url: None,
            node_id: None,
            nats_replicas: NATS_REPLICAS,
        }
    }

    pub fn listen_addr(&self) -> SocketAddr {
        let mut addr = self.bind;
        if let Some(port) = self.port {
            addr.set_port(port);
        }
        addr
    }

    pub fn heartbeat(&self) -> Heartbeat {
        Heartbeat {
            ping_every: Duration::from_millis(self.ping_ms.max(1)),
            silence_limit: Duration::from_millis(self.silence_ms.max(1)),
        }
    }

    /// This node's name: `--node-id`, else the host name.
    pub fn node_id(&self) -> String {
        if let Some(id) = self.node_id.as_deref().map(str::trim).filter(|id| !id.is_empty()) {
            return id.to_owned();
        }
        let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
            .ok()
            .or_else(|| std::env::var("HOSTNAME").ok())
            .map(|h| h.trim().to_owned())
            .filter(|h| !h.is_empty());
        host.unwrap_or_else(|| FALLBACK_NODE_ID.to_owned())
    }

    pub fn commit_linger(&self) -> Duration {
        Duration::from_millis(self.commit_linger_ms)
    }

    pub fn idle_unload(&self) -> Duration {
        Duration::from_secs(self.idle_unload_secs)
    }

    pub fn http_limits(&self) -> HttpLimits {
        HttpLimits {
            header_read_timeout: Duration::from_millis(self.http_header_timeout_ms.max(1)),
            idle_timeout: Duration::from_millis(self.http_idle_timeout_ms.max(1)),
        }
    }

    pub fn room_creates(&self) -> Rate {
        Rate { burst: self.room_create_burst, per_hour: self.room_creates_per_hour }
    }

    pub fn new_members(&self) -> Rate {
        Rate { burst: self.new_member_burst, per_hour: self.new_members_per_hour }
    }

    /// The origins allowed to open WebSockets.
    pub fn origins(&self) -> Result<Origins, ConfigError> {
        Origins::new(&self.allowed_origins).map_err(ConfigError::Origin)
    }

    /// The create key, if one is required; refused when it is too short to keep anyone out.
    pub fn create_key(&self) -> Result<Option<&str>, ConfigError> {
        match self.create_key.as_deref() {
            Some(key) if key.chars().count() < MIN_CREATE_KEY_CHARS => Err(ConfigError::ShortCreateKey),
            key => Ok(key),
        }
    }
}
