//! Configuration from flags and environment variables.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Parser, ValueEnum};

use crate::admission::{Heartbeat, PING_EVERY, SILENCE_LIMIT};
use crate::room::IDLE_UNLOAD;
use crate::store::COMMIT_LINGER;

/// Default cap on connections: well under the process's file-descriptor limit.
pub const MAX_CONNECTIONS: usize = 16_000;
/// Default cap per address: a whole office behind one NAT fits.
pub const MAX_CONNECTIONS_PER_IP: usize = 1_000;

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
    /// Directory of the SQLite database.
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
    /// Most WebSocket connections at once.
    #[arg(long, env = "HORSESHOE_MAX_CONNECTIONS", default_value_t = MAX_CONNECTIONS)]
    pub max_connections: usize,
    /// Most WebSocket connections at once from one address.
    #[arg(long, env = "HORSESHOE_MAX_CONNECTIONS_PER_IP", default_value_t = MAX_CONNECTIONS_PER_IP)]
    pub max_connections_per_ip: usize,
    /// Milliseconds between the server's pings.
    #[arg(long, env = "HORSESHOE_PING_MS", default_value_t = PING_EVERY.as_millis() as u64)]
    pub ping_ms: u64,
    /// Milliseconds a peer may stay silent before it is dropped.
    #[arg(long, env = "HORSESHOE_SILENCE_MS", default_value_t = SILENCE_LIMIT.as_millis() as u64)]
    pub silence_ms: u64,
    /// Serve the bench-only relay mode at /bench/relay/{room} (for the load generator).
    #[arg(long, env = "HORSESHOE_BENCH_RELAY")]
    pub bench_relay: bool,
    /// Seconds a room with nobody connected stays in memory.
    #[arg(long, env = "HORSESHOE_IDLE_UNLOAD_SECS", default_value_t = IDLE_UNLOAD.as_secs())]
    pub idle_unload_secs: u64,
    /// Milliseconds a busy store lets appends gather before one commit (one fsync): more saves
    /// CPU and disk writes under load, and adds up to that much to each acknowledgement.
    #[arg(long, env = "HORSESHOE_COMMIT_LINGER_MS", default_value_t = COMMIT_LINGER.as_millis() as u64)]
    pub commit_linger_ms: u64,
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
            bench_relay: false,
            ping_ms: PING_EVERY.as_millis() as u64,
            silence_ms: SILENCE_LIMIT.as_millis() as u64,
            max_connections: MAX_CONNECTIONS,
            max_connections_per_ip: MAX_CONNECTIONS_PER_IP,
            commit_linger_ms: COMMIT_LINGER.as_millis() as u64,
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

    pub fn commit_linger(&self) -> Duration {
        Duration::from_millis(self.commit_linger_ms)
    }

    pub fn idle_unload(&self) -> Duration {
        Duration::from_secs(self.idle_unload_secs)
    }
}
