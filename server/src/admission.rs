//! Who may connect, and how fast anyone may talk: caps on connections (in total and per
//! address), the `Origin` allow-list compared as scheme, host and port, a token bucket per
//! connection, and token buckets per address for creating rooms and joining them.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
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
    ip: Option<IpAddr>,
}

impl Connections {
    pub fn new(max_total: usize, max_per_ip: usize) -> Arc<Self> {
        Arc::new(Self { total: AtomicUsize::new(0), per_ip: DashMap::new(), max_total, max_per_ip })
    }

    /// Takes a place for a connection from `ip` (see [`address_key`]), or says why not. A
    /// connection without an address of its own (one a trusted proxy carries, counted before its
    /// client is known) takes only a place in the total.
    pub fn admit(self: &Arc<Self>, ip: Option<IpAddr>) -> Result<Slot, Refusal> {
        if self.total.fetch_add(1, Ordering::AcqRel) >= self.max_total {
            self.total.fetch_sub(1, Ordering::AcqRel);
            return Err(Refusal::Full);
        }
        if let Some(ip) = ip {
            let mut count = self.per_ip.entry(ip).or_insert(0);
            if *count >= self.max_per_ip {
                drop(count);
                self.total.fetch_sub(1, Ordering::AcqRel);
                return Err(Refusal::TooManyFromAddress);
            }
            *count += 1;
        }
        Ok(Slot { connections: self.clone(), ip })
    }

    pub fn open(&self) -> usize {
        self.total.load(Ordering::Acquire)
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.connections.total.fetch_sub(1, Ordering::AcqRel);
        if let Some(ip) = self.ip {
            self.connections.per_ip.remove_if_mut(&ip, |_, count| {
                *count -= 1;
                *count == 0
            });
        }
    }
}

/// The address that per-address limits count: an IPv4 address as it is, an IPv6 address by its
/// /64 network (one subscriber usually holds a whole /64, so counting single IPv6 addresses
/// would let one machine pass for millions).
pub fn address_key(ip: IpAddr) -> IpAddr {
    match ip.to_canonical() {
        IpAddr::V6(v6) => {
            let bits = u128::from(v6) & !((1u128 << 64) - 1);
            IpAddr::V6(bits.into())
        }
        v4 => v4,
    }
}

/// An origin as browsers send it: scheme, host and port (the scheme's default when absent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    scheme: String,
    host: String,
    port: u16,
}

impl Origin {
    /// Parses `scheme://host[:port]` (a trailing `/` or path is ignored, so a URL may be given);
    /// `None` for anything else. Scheme and host compare without case.
    pub fn parse(text: &str) -> Option<Self> {
        let (scheme, rest) = text.trim().split_once("://")?;
        let scheme = scheme.to_ascii_lowercase();
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        Self::from_authority(&scheme, authority)
    }

    /// The origin of a page served at `authority` (a `Host` header) over `scheme`.
    pub fn from_authority(scheme: &str, authority: &str) -> Option<Self> {
        if authority.is_empty() || authority.contains('@') {
            return None;
        }
        let scheme = scheme.to_ascii_lowercase();
        let default_port = match scheme.as_str() {
            "http" | "ws" => 80,
            "https" | "wss" => 443,
            _ => return None,
        };
        let (host, port) = if let Some(v6) = authority.strip_prefix('[') {
            let (host, after) = v6.split_once(']')?;
            (format!("[{host}]"), after.strip_prefix(':'))
        } else {
            match authority.rsplit_once(':') {
                Some((host, port)) => (host.to_owned(), Some(port)),
                None => (authority.to_owned(), None),
            }
        };
        let port = match port {
            Some(port) => port.parse().ok()?,
            None => default_port,
        };
        let host = host.to_ascii_lowercase();
        let host_ok =
            !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b".-[]:".contains(&b));
        host_ok.then_some(Self { scheme, host, port })
    }
}

/// Which page origins may open WebSockets here: a list, anyone (`*`), or (with no list) only
/// the server's own origin.
#[derive(Debug, Clone, Default)]
pub struct Origins {
    any: bool,
    list: Vec<Origin>,
}

impl Origins {
    /// From the `--allowed-origins` entries; an entry that is not an origin is an error.
    pub fn new(entries: &[String]) -> Result<Self, String> {
        let mut origins = Self::default();
        for entry in entries.iter().map(|e| e.trim()).filter(|e| !e.is_empty()) {
            if entry == "*" {
                origins.any = true;
            } else {
                origins.list.push(Origin::parse(entry).ok_or_else(|| format!("not an origin: {entry}"))?);
            }
        }
        Ok(origins)
    }

    /// Whether a page at `origin` may connect; `own` are the server's own origins (its public
    /// URL, the scheme and `Host` of the request). A request with no `Origin` is not from a
    /// browser page and is let through: it cannot carry a victim's credentials, which travel in
    /// `hello`, never in cookies.
    pub fn allow(&self, origin: Option<&str>, own: &[Origin]) -> bool {
        let Some(origin) = origin else { return true };
        if self.any {
            return true;
        }
        let Some(origin) = Origin::parse(origin) else { return false };
        let allowed = if self.list.is_empty() { own } else { &self.list };
        allowed.contains(&origin)
    }
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
        Self::with_rate(Rate { burst, per_hour: per_second.saturating_mul(3600) }, now)
    }

    pub fn with_rate(rate: Rate, now: Instant) -> Self {
        Self {
            tokens: f64::from(rate.burst),
            burst: f64::from(rate.burst),
            per_second: f64::from(rate.per_hour) / 3600.0,
            last: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.last = now;
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
    }

    /// Takes a token if there is one.
    pub fn take(&mut self, now: Instant) -> bool {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }

    /// How long until the next token.
    fn wait(&self) -> Duration {
        if self.per_second <= 0.0 {
            return Duration::from_secs(3600);
        }
        Duration::from_secs_f64(((1.0 - self.tokens).max(0.0) / self.per_second).min(3600.0))
    }

    /// Whether the bucket has refilled, so that forgetting it forgets nothing.
    fn is_full(&self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.last).as_secs_f64();
        self.tokens + elapsed * self.per_second >= self.burst
    }
}

/// How often something may happen: `burst` at once, then `per_hour` on average.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub burst: u32,
    pub per_hour: u32,
}

/// Addresses whose buckets are kept at most. Beyond it, addresses whose buckets have refilled
/// are forgotten (they owe nothing); if every one still owes, a new address waits too, so the
/// map cannot grow without bound whatever the number of addresses sending.
pub const MAX_TRACKED_ADDRESSES: usize = 65_536;

/// One token bucket per address (see [`address_key`]).
pub struct PerAddress {
    rate: Rate,
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

impl PerAddress {
    pub fn new(rate: Rate) -> Arc<Self> {
        Arc::new(Self { rate, buckets: Mutex::new(HashMap::new()) })
    }

    /// Takes a token for `ip`, or says how long until there is one.
    pub fn take(&self, ip: IpAddr, now: Instant) -> Result<(), Duration> {
        let key = address_key(ip);
        // The lock is never held across a call that can panic; a poisoned map is still whole.
        let mut buckets = self.buckets.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if !buckets.contains_key(&key) && buckets.len() >= MAX_TRACKED_ADDRESSES {
            buckets.retain(|_, bucket| !bucket.is_full(now));
            if buckets.len() >= MAX_TRACKED_ADDRESSES {
                tracing::warn!("too many addresses are being rate limited; refusing a new one");
                return Err(Duration::from_secs(60));
            }
        }
        let bucket = buckets.entry(key).or_insert_with(|| Bucket::with_rate(self.rate, now));
        if bucket.take(now) { Ok(()) } else { Err(bucket.wait()) }
    }
}

/// A joining connection's right to make a new member: the per-address bucket of new members,
/// asked by the room only when it is about to make one (a returning member takes nothing).
#[derive(Clone)]
pub struct NewMembers {
    limiter: Arc<PerAddress>,
    ip: IpAddr,
}

impl NewMembers {
    pub fn new(limiter: Arc<PerAddress>, ip: IpAddr) -> Self {
        Self { limiter, ip }
    }

    /// Takes a token, or says how long until there is one.
    pub fn take(&self) -> Result<(), Duration> {
        self.limiter.take(self.ip, Instant::now())
    }
}

/// Durable commands per connection: a burst for pasting a list, then a steady rate no person
/// typing or clicking exceeds.
pub const COMMAND_BURST: u32 = 60;
pub const COMMANDS_PER_SECOND: u32 = 20;
/// Ephemeral messages (typing, dragging) per connection, above the ~30/s a client sends.
pub const LIVE_BURST: u32 = 120;
pub const LIVE_PER_SECOND: u32 = 60;
/// Rooms one address may create: a facilitator preparing a day of workshops at once, then one
/// a minute. Each room costs disk for as long as it is kept.
pub const ROOM_CREATES: Rate = Rate { burst: 20, per_hour: 60 };
/// New members one address may make: a whole office behind one NAT arriving together, then two
/// a second. Returning members (with their token), facilitators and wall displays take none.
pub const NEW_MEMBERS: Rate = Rate { burst: 300, per_hour: 7200 };
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

/// Steps of a room's first ping within its window (see [`Heartbeat::first_ping`]).
const PING_PHASES: u64 = 1024;

impl Heartbeat {
    /// When a room made now pings its members first: somewhere from half a period to one and
    /// a half, by `spread` (a hash of the room's name with a random key), then every period.
    /// Rooms made together (a benchmark's hundred, a morning's workshops after a restart) so
    /// do not all ping in the same instant: 2,000 pings at once held every room's deliveries
    /// for about 20 ms every 15 s.
    pub fn first_ping(&self, spread: u64) -> Duration {
        let phase = (spread % PING_PHASES) as f64 / PING_PHASES as f64;
        self.ping_every.mul_f64(0.5 + phase)
    }

    /// The ping timer of a room named `name` (a room id, a relay path).
    pub fn pings(&self, name: &str) -> tokio::time::Interval {
        use std::hash::BuildHasher;
        let spread = std::hash::RandomState::new().hash_one(name);
        let first = tokio::time::Instant::now() + self.first_ping(spread);
        let mut pings = tokio::time::interval_at(first, self.ping_every);
        pings.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        pings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_first_pings_spread_over_a_whole_period_around_the_first() {
        let beat = Heartbeat { ping_every: Duration::from_secs(16), silence_limit: SILENCE_LIMIT };
        let firsts: Vec<Duration> = (0..PING_PHASES).map(|spread| beat.first_ping(spread)).collect();
        assert_eq!(firsts.iter().min(), Some(&Duration::from_secs(8)));
        assert!(firsts.iter().all(|first| *first < Duration::from_secs(24)));
        assert!(firsts.windows(2).all(|w| w[0] < w[1]), "each phase its own instant");
        // Hashed names land all over the window, not in one instant.
        let spread = |name: &str| {
            use std::hash::BuildHasher;
            beat.first_ping(std::hash::RandomState::new().hash_one(name))
        };
        let rooms: Vec<Duration> = (0..100).map(|i| spread(&format!("room-{i}"))).collect();
        let early = rooms.iter().filter(|f| **f < Duration::from_secs(16)).count();
        assert!((20..=80).contains(&early), "{early} of 100 rooms in the first half of the window");
    }

    #[test]
    fn caps_hold_in_total_and_per_address_and_slots_come_back() {
        let limits = Connections::new(4, 2);
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        let s1 = limits.admit(Some(a)).unwrap();
        let _s2 = limits.admit(Some(a)).unwrap();
        assert_eq!(limits.admit(Some(a)).err(), Some(Refusal::TooManyFromAddress));
        let _s3 = limits.admit(Some(b)).unwrap();
        let _proxied = limits.admit(None).unwrap();
        assert_eq!(limits.admit(Some(b)).err(), Some(Refusal::Full));
        drop(s1);
        let _again = limits.admit(Some(a)).unwrap();
        assert_eq!(limits.open(), 4);
    }

    #[test]
    fn ipv6_addresses_count_by_their_64_network_and_mapped_ipv4_as_ipv4() {
        let a: IpAddr = "2001:db8:1:2::1".parse().unwrap();
        let b: IpAddr = "2001:db8:1:2:ffff::9".parse().unwrap();
        let c: IpAddr = "2001:db8:1:3::1".parse().unwrap();
        assert_eq!(address_key(a), address_key(b));
        assert_ne!(address_key(a), address_key(c));
        let mapped: IpAddr = "::ffff:192.0.2.7".parse().unwrap();
        assert_eq!(address_key(mapped), IpAddr::from([192, 0, 2, 7]));
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let own = [Origin::from_authority("http", "workshops.example:8080").unwrap()];
        let none = Origins::new(&[]).unwrap();
        assert!(none.allow(None, &own));
        assert!(none.allow(Some("http://workshops.example:8080"), &own));
        assert!(none.allow(Some("HTTP://Workshops.Example:8080"), &own));
        assert!(!none.allow(Some("https://workshops.example:8080"), &own), "another scheme");
        assert!(!none.allow(Some("http://workshops.example:8081"), &own), "another port");
        assert!(!none.allow(Some("http://workshops.example"), &own), "port 80 is another port");
        assert!(!none.allow(Some("http://evil.example"), &own));
        assert!(!none.allow(Some("null"), &own));

        let default_port = [Origin::from_authority("https", "app.example").unwrap()];
        assert!(none.allow(Some("https://app.example:443"), &default_port));

        let list = Origins::new(&["https://app.example/".to_owned()]).unwrap();
        assert!(list.allow(Some("https://app.example"), &own));
        assert!(!list.allow(Some("http://app.example"), &own));
        assert!(!list.allow(Some("http://workshops.example:8080"), &own), "a list replaces the default");
        assert!(Origins::new(&["*".to_owned()]).unwrap().allow(Some("http://any.example"), &own));
        assert!(Origins::new(&["not an origin".to_owned()]).is_err());
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

    #[test]
    fn per_address_buckets_are_separate_and_say_when_to_come_back() {
        let t0 = Instant::now();
        let limiter = PerAddress::new(Rate { burst: 2, per_hour: 60 });
        let a: IpAddr = [10, 0, 0, 1].into();
        let b: IpAddr = [10, 0, 0, 2].into();
        assert!(limiter.take(a, t0).is_ok() && limiter.take(a, t0).is_ok());
        let wait = limiter.take(a, t0).unwrap_err();
        assert!((59..=60).contains(&wait.as_secs()), "one a minute, not {wait:?}");
        assert!(limiter.take(b, t0).is_ok(), "another address has its own bucket");
        assert!(limiter.take(a, t0 + Duration::from_secs(60)).is_ok());
    }
}
