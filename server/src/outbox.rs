//! A connection's way out: a queue bounded in frames and in bytes, and its closer. A consumer
//! that lets it fill is closed (it reconnects and resumes or gets a fresh snapshot); it never
//! slows the room, and nothing is dropped silently.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::mpsc;

use crate::metrics::Metrics;
use crate::room::{CloseReason, Closer, Frame};

/// Frames queued for one connection at most.
pub const OUTBOX_FRAMES: usize = 1024;
/// Bytes queued for one connection at most: a few seconds of a busy room.
pub const OUTBOX_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone)]
pub struct Outbox {
    frames: mpsc::Sender<Frame>,
    queued: Arc<AtomicUsize>,
    pub closer: Closer,
    metrics: Arc<Metrics>,
}

/// The writer's end.
pub struct Inbox {
    frames: mpsc::Receiver<Frame>,
    queued: Arc<AtomicUsize>,
}

impl Outbox {
    pub fn new(metrics: Arc<Metrics>) -> (Self, Inbox) {
        let (tx, rx) = mpsc::channel(OUTBOX_FRAMES);
        let queued = Arc::new(AtomicUsize::new(0));
        let outbox = Self { frames: tx, queued: queued.clone(), closer: Closer::default(), metrics };
        (outbox, Inbox { frames: rx, queued })
    }

    /// Queues a frame without waiting, or closes a consumer that has fallen too far behind.
    pub fn send(&self, frame: Frame) {
        if self.closer.is_closed() {
            return;
        }
        let len = frame.len();
        let over = self.queued.fetch_add(len, Ordering::AcqRel) + len > OUTBOX_BYTES;
        if over || self.frames.try_send(frame).is_err() {
            self.queued.fetch_sub(len, Ordering::AcqRel);
            tracing::warn!("closing a slow consumer");
            Metrics::count(&self.metrics.slow_consumers_closed);
            self.closer.close(CloseReason::SLOW);
            return;
        }
        Metrics::count(&self.metrics.messages_out);
    }
}

impl Inbox {
    pub async fn recv(&mut self) -> Option<Frame> {
        let frame = self.frames.recv().await?;
        self.queued.fetch_sub(frame.len(), Ordering::AcqRel);
        Some(frame)
    }

    pub fn try_recv(&mut self) -> Option<Frame> {
        let frame = self.frames.try_recv().ok()?;
        self.queued.fetch_sub(frame.len(), Ordering::AcqRel);
        Some(frame)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_consumer_past_its_byte_cap_is_closed_and_its_queue_drains() {
        let (outbox, mut inbox) = Outbox::new(Arc::new(Metrics::default()));
        let big = Frame::from("x".repeat(OUTBOX_BYTES / 2 - 1));
        outbox.send(big.clone());
        outbox.send(big.clone());
        assert!(!outbox.closer.is_closed());
        outbox.send(big);
        assert!(outbox.closer.is_closed(), "a third half-cap frame is over the cap");
        assert!(inbox.try_recv().is_some() && inbox.try_recv().is_some() && inbox.try_recv().is_none());
        assert_eq!(inbox.queued.load(Ordering::Acquire), 0);
    }
}
