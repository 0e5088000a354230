//! Ephemeral messages (carets in shared texts, post-its being dragged): never stored, forwarded at most
//! every [`LIVE_INTERVAL`] per connection. In between, the latest message per key is kept and
//! sent when the interval is up, so the last position or text always arrives.

use std::collections::HashMap;
use std::time::Duration;

use horseshoe_protocol::{ItemId, ServerMsg, TextTarget};
use tokio::time::Instant;

use crate::room::ConnId;

/// About 30 messages a second per connection.
pub const LIVE_INTERVAL: Duration = Duration::from_millis(33);
/// Different things one connection may have pending at once (a field and a note or two);
/// more is not a person typing or dragging, and is dropped.
const MAX_PENDING_PER_CONN: usize = 4;

/// What a pending message replaces: the sender's caret in the same text, or the same note.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LiveKey {
    Caret(TextTarget),
    Drag(ItemId),
}

struct Throttle {
    last_sent: Instant,
    pending: Vec<(LiveKey, ServerMsg)>,
}

#[derive(Default)]
pub struct Live {
    conns: HashMap<ConnId, Throttle>,
}

impl Live {
    /// Offers a message from `conn`; returns what to send now (nothing if it must wait).
    pub fn offer(&mut self, conn: ConnId, key: LiveKey, msg: ServerMsg, now: Instant) -> Vec<ServerMsg> {
        let throttle = self
            .conns
            .entry(conn)
            .or_insert(Throttle { last_sent: now - LIVE_INTERVAL, pending: Vec::new() });
        if let Some(slot) = throttle.pending.iter_mut().find(|(k, _)| *k == key) {
            slot.1 = msg;
        } else if throttle.pending.len() < MAX_PENDING_PER_CONN {
            throttle.pending.push((key, msg));
        }
        if now.duration_since(throttle.last_sent) >= LIVE_INTERVAL {
            throttle.last_sent = now;
            throttle.pending.drain(..).map(|(_, m)| m).collect()
        } else {
            Vec::new()
        }
    }

    /// When the next waiting message is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.conns.values().filter(|t| !t.pending.is_empty()).map(|t| t.last_sent + LIVE_INTERVAL).min()
    }

    /// Everything whose interval is up, with the connection it came from.
    pub fn due(&mut self, now: Instant) -> Vec<(ConnId, ServerMsg)> {
        let mut out = Vec::new();
        for (conn, throttle) in &mut self.conns {
            if !throttle.pending.is_empty() && now.duration_since(throttle.last_sent) >= LIVE_INTERVAL {
                throttle.last_sent = now;
                out.extend(throttle.pending.drain(..).map(|(_, m)| (*conn, m)));
            }
        }
        out
    }

    pub fn forget(&mut self, conn: ConnId) {
        self.conns.remove(&conn);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use horseshoe_protocol::MemberId;

    fn drag(x: i32) -> ServerMsg {
        ServerMsg::Drag {
            member_id: MemberId(uuid::Uuid::nil()),
            id: ItemId("n".into()),
            x,
            y: 0,
            with: Vec::new(),
        }
    }

    fn key() -> LiveKey {
        LiveKey::Drag(ItemId("n".into()))
    }

    #[test]
    fn the_first_goes_at_once_then_the_latest_waits_for_the_interval() {
        let mut live = Live::default();
        let t0 = Instant::now();
        assert_eq!(live.offer(1, key(), drag(1), t0), vec![drag(1)]);
        assert!(live.offer(1, key(), drag(2), t0 + Duration::from_millis(5)).is_empty());
        assert!(live.offer(1, key(), drag(3), t0 + Duration::from_millis(10)).is_empty());
        assert_eq!(live.next_due(), Some(t0 + LIVE_INTERVAL));
        assert!(live.due(t0 + Duration::from_millis(20)).is_empty());
        assert_eq!(live.due(t0 + LIVE_INTERVAL), vec![(1, drag(3))], "only the latest, never lost");
        assert_eq!(live.next_due(), None);
    }

    #[test]
    fn connections_are_throttled_separately_and_forgotten() {
        let mut live = Live::default();
        let t0 = Instant::now();
        assert_eq!(live.offer(1, key(), drag(1), t0).len(), 1);
        assert_eq!(live.offer(2, key(), drag(1), t0).len(), 1);
        assert!(live.offer(1, key(), drag(2), t0).is_empty());
        live.forget(1);
        assert_eq!(live.next_due(), None);
    }
}
