//! The server's error types, one per boundary.

use std::path::PathBuf;

/// Errors that stop the server from starting or running.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("cannot create the data directory {path}: {source}")]
    DataDir { path: PathBuf, source: std::io::Error },
    #[error("the store failed: {0}")]
    Store(#[from] StoreError),
    #[error("the listener failed: {0}")]
    Io(#[from] std::io::Error),
    #[error("the OS random number generator failed: {0}")]
    Random(String),
    #[error("configuration: {0}")]
    Config(#[from] crate::config::ConfigError),
}

/// Errors of the store (SQLite or JetStream, or the store's threads).
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("sqlite: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored JSON does not parse: {0}")]
    Corrupt(#[from] serde_json::Error),
    #[error("the store's writer thread has stopped")]
    Stopped,
    #[error("the group commit failed: {0}")]
    Commit(String),
    #[error("stored member id {0:?} is not a UUID")]
    BadMemberId(String),
    #[error("a room with this id exists already")]
    Exists,
    #[error("a stored row has format {0}, which this version does not read")]
    UnknownFormat(i64),
    #[error("a row of storage format 1 does not convert: {0}")]
    Legacy(String),
    #[error("the log's chain is broken: {0}")]
    Chain(String),
    #[error("cannot start a store thread: {0}")]
    Thread(String),
    /// Another writer (another node) appended to the room's log first: the room must catch up
    /// before it decides again.
    #[error("the room's log moved on since position {expected}: another writer appended first")]
    Conflict {
        expected: u64,
        /// Where the log ends now, when the engine said so: the room is caught up once its
        /// follow reaches it.
        end: Option<u64>,
    },
    #[error("nats: {0}")]
    Nats(String),
    #[error("the room's log jumps from seq {after} to {found}")]
    LogGap { after: u64, found: u64 },
}
