//! Counters for operators, served at `GET /metrics` in Prometheus' text format.

use std::fmt::Write as _;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use horseshoe_protocol::ErrorCode;

/// Every error code, in the order of the rejection counters.
const CODES: [ErrorCode; 11] = [
    ErrorCode::BadRequest,
    ErrorCode::UnsupportedVersion,
    ErrorCode::Unauthorized,
    ErrorCode::Forbidden,
    ErrorCode::NotFound,
    ErrorCode::Gone,
    ErrorCode::TooLong,
    ErrorCode::LimitReached,
    ErrorCode::Conflict,
    ErrorCode::RateLimited,
    ErrorCode::Internal,
];

/// Upper bounds (seconds) of the latency histograms' buckets (store commits, JetStream appends).
const LATENCY_BUCKETS: [f64; 10] = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.5, 2.0];

/// A latency histogram in [`LATENCY_BUCKETS`].
#[derive(Debug, Default)]
struct Histogram {
    buckets: [AtomicU64; LATENCY_BUCKETS.len()],
    count: AtomicU64,
    micros: AtomicU64,
}

impl Histogram {
    fn observe(&self, took: Duration) {
        let secs = took.as_secs_f64();
        if let Some(i) = LATENCY_BUCKETS.iter().position(|b| secs <= *b) {
            Metrics::count(&self.buckets[i]);
        }
        Metrics::count(&self.count);
        self.micros.fetch_add(u64::try_from(took.as_micros()).unwrap_or(u64::MAX), Ordering::Relaxed);
    }

    fn render(&self, out: &mut String, name: &str, help: &str) {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let _ = writeln!(out, "# HELP {name} {help}");
        let _ = writeln!(out, "# TYPE {name} histogram");
        let mut cumulative = 0;
        for (bound, counter) in LATENCY_BUCKETS.iter().zip(&self.buckets) {
            cumulative += get(counter);
            let _ = writeln!(out, "{name}_bucket{{le=\"{bound}\"}} {cumulative}");
        }
        let count = get(&self.count);
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {count}");
        let _ = writeln!(out, "{name}_sum {}", get(&self.micros) as f64 / 1e6);
        let _ = writeln!(out, "{name}_count {count}");
    }
}

#[derive(Debug, Default)]
pub struct Metrics {
    pub messages_in: AtomicU64,
    pub messages_out: AtomicU64,
    /// Of those, the frames a room wrote straight into an idle connection's socket.
    pub written_straight: AtomicU64,
    pub slow_consumers_closed: AtomicU64,
    pub connections_refused: AtomicU64,
    pub room_loads: AtomicU64,
    pub unknown_rooms_cached: AtomicU64,
    pub commits_failed: AtomicU64,
    /// Appends refused because another writer had appended to the room first (JetStream).
    pub commit_conflicts: AtomicU64,
    /// Commands and joins decided again after another node appended to their room first.
    pub decisions_retried: AtomicU64,
    /// Rooms whose log this node follows (JetStream): the rooms it has members in.
    pub rooms_followed: AtomicU64,
    /// The runtime's thread is too busy for rooms to write into idle sockets themselves
    /// (`outbox::gate_straight_writes`).
    pub too_busy: AtomicBool,
    /// This node's name and the store engine it runs on, once known.
    node: OnceLock<(String, &'static str)>,
    rejected: [AtomicU64; CODES.len()],
    commits: Histogram,
    appends: Histogram,
}

impl Metrics {
    pub fn count(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::Relaxed);
    }

    pub fn count_by(counter: &AtomicU64, n: u64) {
        counter.fetch_add(n, Ordering::Relaxed);
    }

    /// Whether rooms write frames straight into idle connections' sockets now.
    pub fn straight_writes(&self) -> bool {
        !self.too_busy.load(Ordering::Relaxed)
    }

    /// Names the node and its store engine (`sqlite` or `nats`) in every rendering.
    pub fn set_node(&self, node: String, engine: &'static str) {
        let _ = self.node.set((node, engine));
    }

    pub fn rejected(&self, code: ErrorCode) {
        if let Some(i) = CODES.iter().position(|c| *c == code) {
            Self::count(&self.rejected[i]);
        }
    }

    pub fn observe_commit(&self, took: Duration) {
        self.commits.observe(took);
    }

    /// One change stored in JetStream: from its publish to its acknowledgement.
    pub fn observe_append(&self, took: Duration) {
        self.appends.observe(took);
    }

    /// The text exposition, with the gauges the caller knows.
    pub fn render(&self, rooms_loaded: usize, connections: usize, tcp_connections: usize) -> String {
        let get = |c: &AtomicU64| c.load(Ordering::Relaxed);
        let mut out = String::new();
        if let Some((node, engine)) = self.node.get() {
            let _ = writeln!(out, "# HELP horseshoe_node_info This node's name and its store engine.");
            let _ = writeln!(out, "# TYPE horseshoe_node_info gauge");
            let _ = writeln!(out, "horseshoe_node_info{{node=\"{}\",store=\"{engine}\"}} 1", label(node));
        }
        let mut gauge = |name: &str, help: &str, kind: &str, value: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}");
        };
        gauge("horseshoe_rooms_loaded", "Rooms in memory.", "gauge", rooms_loaded as u64);
        gauge("horseshoe_connections", "Open WebSocket connections.", "gauge", connections as u64);
        gauge(
            "horseshoe_tcp_connections",
            "Open TCP connections (HTTP and WebSocket), counted from accept.",
            "gauge",
            tcp_connections as u64,
        );
        gauge(
            "horseshoe_messages_in_total",
            "Messages received from clients.",
            "counter",
            get(&self.messages_in),
        );
        gauge("horseshoe_messages_out_total", "Frames sent to clients.", "counter", get(&self.messages_out));
        gauge(
            "horseshoe_messages_written_straight_total",
            "Frames a room wrote straight into an idle connection's socket (of those sent).",
            "counter",
            get(&self.written_straight),
        );
        gauge(
            "horseshoe_slow_consumers_closed_total",
            "Connections closed for falling behind.",
            "counter",
            get(&self.slow_consumers_closed),
        );
        gauge(
            "horseshoe_connections_refused_total",
            "Connections refused by the connection caps (at accept or upgrade) or the origin list.",
            "counter",
            get(&self.connections_refused),
        );
        gauge(
            "horseshoe_room_loads_total",
            "Rooms loaded from the store (on its reader, beside the writer).",
            "counter",
            get(&self.room_loads),
        );
        gauge(
            "horseshoe_unknown_rooms_cached_total",
            "Requests for a room id answered from the store's memory of ids it does not hold.",
            "counter",
            get(&self.unknown_rooms_cached),
        );
        gauge(
            "horseshoe_store_commits_failed_total",
            "Group commits the store could not make (every command in them was refused).",
            "counter",
            get(&self.commits_failed),
        );
        gauge(
            "horseshoe_store_commit_conflicts_total",
            "Room appends refused because another writer had appended to the room first (JetStream).",
            "counter",
            get(&self.commit_conflicts),
        );
        gauge(
            "horseshoe_decisions_retried_total",
            "Commands and joins decided again because another node appended to their room first.",
            "counter",
            get(&self.decisions_retried),
        );
        gauge(
            "horseshoe_rooms_followed",
            "Rooms whose log this node follows in JetStream (rooms it has members in).",
            "gauge",
            get(&self.rooms_followed),
        );
        let _ = writeln!(out, "# HELP horseshoe_commands_rejected_total Commands rejected, by code.");
        let _ = writeln!(out, "# TYPE horseshoe_commands_rejected_total counter");
        for (code, counter) in CODES.iter().zip(&self.rejected) {
            let name = serde_json::to_value(code)
                .ok()
                .and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default();
            let _ = writeln!(out, "horseshoe_commands_rejected_total{{code=\"{name}\"}} {}", get(counter));
        }
        self.commits.render(
            &mut out,
            "horseshoe_store_commit_seconds",
            "Time to commit one group of events.",
        );
        self.appends.render(
            &mut out,
            "horseshoe_jetstream_append_seconds",
            "Time from publishing one change to JetStream to its stored acknowledgement.",
        );
        out
    }
}

/// A label value as Prometheus' text format escapes it.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counters_and_a_cumulative_histogram() {
        let m = Metrics::default();
        m.rejected(ErrorCode::Forbidden);
        m.observe_commit(Duration::from_micros(300));
        m.observe_commit(Duration::from_millis(3));
        let text = m.render(2, 5, 7);
        assert!(text.contains("horseshoe_rooms_loaded 2\n"));
        assert!(text.contains("horseshoe_tcp_connections 7\n"));
        assert!(text.contains("horseshoe_commands_rejected_total{code=\"forbidden\"} 1\n"));
        assert!(text.contains("horseshoe_store_commit_seconds_bucket{le=\"0.001\"} 1\n"));
        assert!(text.contains("horseshoe_store_commit_seconds_bucket{le=\"0.005\"} 2\n"));
        assert!(text.contains("horseshoe_store_commit_seconds_count 2\n"));
        assert!(text.contains("horseshoe_jetstream_append_seconds_count 0\n"), "the same histogram, empty");
        assert!(text.contains("horseshoe_rooms_followed 0\n"));
        assert!(text.contains("horseshoe_decisions_retried_total 0\n"));
        assert!(!text.contains("horseshoe_node_info"), "no node line before the node is named");
    }

    #[test]
    fn names_the_node_with_its_label_escaped() {
        let m = Metrics::default();
        m.set_node("node \"a\"\\1".into(), "nats");
        let text = m.render(0, 0, 0);
        assert!(
            text.contains("horseshoe_node_info{node=\"node \\\"a\\\"\\\\1\",store=\"nats\"} 1\n"),
            "{text}"
        );
    }
}
