//! Who may open a WebSocket, and how fast they may talk: caps on connections (in total and per
//! address), the `Origin` allow-list, and a token bucket per connection.

use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use dashmap::DashMap;
use tokio::time::Instant;

/// Why a connection is turned away before the upgrade.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the server is full: try again later")]
    Full,
    #[error("too many connections from your address")]
    TooManyFromAddress,
    #[error("this page's origin may not connect here")]
    Origin,
}

/// Open connections, counted in total and per client address.
pub struct Connections {
    total: AtomicUsize,
    per_ip: DashMap<IpAddr, usize>,
    max_total: usize,
    max_per_ip: usize,
}

/// Holds one connection's place; gives it back when dropped.
pub struct Slot {
    connections: Arc<Connections>,
    ip: IpAddr,
}

impl Connections {
    pub fn new(max_total: usize, max_per_ip: usize) -> Arc<Self> {
        Arc::new(Self { total: AtomicUsize::new(0), per_ip: DashMap::new(), max_total, max_per_ip })
    }

    /// Takes a place for a connection from `ip`, or says why not.
    pub fn admit(self: &Arc<Self>, ip: IpAddr) -> Result<Slot, Refusal> {
        if self.total.fetch_add(1, Ordering::AcqRel) >= self.max_total {
            self.total.fetch_sub(1, Ordering::AcqRel);
            return Err(Refusal::Full);
        }
        let mut count = self.per_ip.entry(ip).or_insert(0);
        if *count >= self.max_per_ip {
            drop(count);
            self.total.fetch_sub(1, Ordering::AcqRel);
            return Err(Refusal::TooManyFromAddress);
        }
        *count += 1;
        Ok(Slot { connections: self.clone(), ip })
    }

    pub fn open(&self) -> usize {
        self.total.load(Ordering::Acquire)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.connections.total.fetch_sub(1, Ordering::AcqRel);
        self.connections.per_ip.remove_if_mut(&self.ip, |_, count| {
            *count -= 1;
            *count == 0
        });
    }
}

/// Whether a WebSocket upgrade from a page at `origin` may go ahead. Without an allow-list only
/// the server's own origin may (the page it served); a request with no `Origin` is not from a
/// browser page and is let through (it cannot carry a victim's credentials: they travel in
/// `hello`, never in cookies).
pub fn origin_allowed(origin: Option<&str>, host: Option<&str>, allowed: &[String]) -> bool {
    let Some(origin) = origin else { return true };
    if allowed.iter().any(|a| a == "*" || a.trim_end_matches('/') == origin) {
        return true;
    }
    let origin_host = origin.split_once("://").map(|(_, rest)| rest);
    allowed.is_empty() && origin_host.is_some() && origin_host == host
}

/// A token bucket: `burst` at once, then `per_second` on average.
#[derive(Debug, Clone)]
pub struct Bucket {
    tokens: f64,
    burst: f64,
    per_second: f64,
    last: Instant,
}

impl Bucket {
    pub fn new(burst: u32, per_second: u32, now: Instant) -> Self {
        Self {
            tokens: f64::from(burst),
            burst: f64::from(burst),
            per_second: f64::from(per_second),
            last: now,
        }
    }

    /// Takes a token if there is one.
    pub fn take(&mut self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

/// Durable commands per connection: a burst for pasting a list, then a steady rate no person
/// typing or clicking exceeds.
pub const COMMAND_BURST: u32 = 60;
pub const COMMANDS_PER_SECOND: u32 = 20;
/// Ephemeral messages (typing, dragging) per connection, above the ~30/s a client sends.
pub const LIVE_BURST: u32 = 120;
pub const LIVE_PER_SECOND: u32 = 60;
/// How long a peer may stay silent (no frame, no pong) before it is dropped: long enough for a
/// laptop's wifi to hiccup, short enough that presence is true.
pub const SILENCE_LIMIT: Duration = Duration::from_secs(45);
/// How often the server pings, well inside [`SILENCE_LIMIT`].
pub const PING_EVERY: Duration = Duration::from_secs(15);

/// The heartbeat of every connection.
#[derive(Debug, Clone, Copy)]
pub struct Heartbeat {
    pub ping_every: Duration,
    pub silence_limit: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_in_total_and_per_address_and_slots_come_back() {
        let limits = Connections::new(3, 2);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let s1 = limits.admit(a).unwrap();
        let _s2 = limits.admit(a).unwrap();
        assert_eq!(limits.admit(a).err(), Some(Refusal::TooManyFromAddress));
        let _s3 = limits.admit(b).unwrap();
        assert_eq!(limits.admit(b).err(), Some(Refusal::Full));
        drop(s1);
        let _again = limits.admit(a).unwrap();
        assert_eq!(limits.open(), 3);
    }

    #[test]
    fn origins_are_same_origin_by_default_or_from_the_list() {
        let host = Some("workshops.example:8080");
        assert!(origin_allowed(None, host, &[]));
        assert!(origin_allowed(Some("http://workshops.example:8080"), host, &[]));
        assert!(!origin_allowed(Some("http://evil.example"), host, &[]));
        let list = vec!["https://app.example".to_owned()];
        assert!(origin_allowed(Some("https://app.example"), host, &list));
        assert!(!origin_allowed(Some("http://workshops.example:8080"), host, &list));
    }

    #[test]
    fn the_bucket_allows_a_burst_then_the_rate() {
        let t0 = Instant::now();
        let mut bucket = Bucket::new(3, 2, t0);
        assert!((0..3).all(|_| bucket.take(t0)));
        assert!(!bucket.take(t0));
        assert!(bucket.take(t0 + Duration::from_millis(500)), "one token after half a second at 2/s");
        assert!(!bucket.take(t0 + Duration::from_millis(500)));
    }
}
