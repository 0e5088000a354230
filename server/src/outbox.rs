//! A connection's way out: a queue bounded in frames and in bytes, the reason it must close, and
//! the heartbeat's two marks (a ping is due; when the peer was last heard). The room fills it
//! without waiting; the connection's task takes everything queued at once and writes it with
//! one flush. A consumer that lets it fill is closed (it reconnects and resumes or gets a fresh
//! snapshot); it never slows the room, and nothing is dropped silently.
//!
//! On a runtime of one thread, a connection whose task waits with nothing to write lends the
//! room its socket: what the room sends then goes straight into the socket, under the outbox's
//! lock, without a wake, a poll or a take (as uWebSockets writes from its publisher's loop).
//! What the socket does not take at once is left to the task, which takes the socket back
//! before it writes anything itself or closes it. The runtime's thread stops lending sockets
//! while it is busy most of its time ([`gate_straight_writes`]).
//!
//! One small shared block per connection, not a channel, a cancellation token and timers: an
//! idle connection costs its socket buffers and little else, and queueing a frame is one
//! uncontended lock. Only the connection's own task ever waits on it, so its wake-up is a flag
//! and one registered waker (two atomic operations), not a queue of waiters behind a lock.

use std::future::Future;
use std::os::fd::{BorrowedFd, RawFd};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};
use std::task::{Poll, Wake, Waker};
use std::time::{Duration, Instant};

use futures_util::task::AtomicWaker;
use socket2::SockRef;

use crate::cork::{self, Unsent};
use crate::metrics::Metrics;
use crate::room::{CloseReason, Frame};

/// Frames queued for one connection at most. One command can emit one event per post-it (a
/// facilitator revealing a 1,000-person wall), so this is well above any single batch; the byte
/// cap is what bounds memory.
pub const OUTBOX_FRAMES: usize = 8192;
/// Bytes queued for one connection at most: a few seconds of a busy room.
pub const OUTBOX_BYTES: usize = 1024 * 1024;

/// Frames' worth of capacity a connection keeps between bursts (in its queue and its batch), so
/// that an idle connection does not hold its high-water mark.
pub const KEEP_CAPACITY: usize = 64;

/// How often the share of time the runtime's thread is busy is looked at.
pub const BUSY_CHECK: Duration = Duration::from_millis(250);
/// Above this share of its time busy, the runtime's thread leaves every write to the
/// connections' tasks: a backed-up connection's frames then go out in one write, where frames
/// written straight go one by one (near saturation the tail grew from 0.1 s to 2 s without it).
pub const STRAIGHT_BUSY_SHARE: f64 = 0.7;

/// Keeps [`Metrics::straight_writes`] true while the runtime's one thread is busy less than
/// [`STRAIGHT_BUSY_SHARE`] of its time, until `shutdown`. On a runtime of one thread only:
/// connections offer their sockets to rooms only there ([`straight_writes_here`]).
pub async fn gate_straight_writes(metrics: Arc<Metrics>, shutdown: tokio_util::sync::CancellationToken) {
    let runtime = tokio::runtime::Handle::current().metrics();
    let mut every = tokio::time::interval(BUSY_CHECK);
    every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let mut last = (Instant::now(), runtime.worker_total_busy_duration(0));
    loop {
        tokio::select! {
            () = shutdown.cancelled() => return,
            _ = every.tick() => {}
        }
        let now = (Instant::now(), runtime.worker_total_busy_duration(0));
        let share = (now.1 - last.1).as_secs_f64() / (now.0 - last.0).as_secs_f64().max(f64::EPSILON);
        last = now;
        metrics.too_busy.store(share > STRAIGHT_BUSY_SHARE, Ordering::Relaxed);
    }
}

/// Whether connections on this runtime offer their sockets for rooms to write into: only on a
/// runtime of one thread, where the room's task and the connection's never run at once, and a
/// big room's writes would not have been spread over other workers anyway.
pub fn straight_writes_here() -> bool {
    tokio::runtime::Handle::try_current()
        .is_ok_and(|h| h.runtime_flavor() == tokio::runtime::RuntimeFlavor::CurrentThread)
}

/// The room's side: cheap to clone, never waits.
#[derive(Debug, Clone)]
pub struct Outbox {
    shared: Arc<Shared>,
    metrics: Arc<Metrics>,
}

/// The connection's side.
#[derive(Debug)]
pub struct Inbox {
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    queue: Mutex<Queue>,
    /// Set when a frame, a ping or a close reason arrives, and cleared by the wait that sees
    /// it: nothing that arrives between a look at the queue and the wait is missed.
    woken: AtomicBool,
    /// Set when the socket may have something to read (its reads' waker,
    /// [`Inbox::read_waker`], was woken), and cleared by the look that reads it. Here rather
    /// than in a block of its own: one block and one registered waker per connection to touch
    /// on every wake, not two.
    readable: AtomicBool,
    /// The connection's task while it waits, for the outbox and the socket alike.
    task: AtomicWaker,
    /// When the peer was last heard, in milliseconds of [`clock_ms`].
    heard_ms: AtomicU64,
}

#[derive(Debug, Default)]
struct Queue {
    /// Taken whole, never from the front: a `Vec`, so that taking it can hand its buffer over.
    frames: Vec<Frame>,
    bytes: usize,
    ping: bool,
    closed: Option<CloseReason>,
    /// The connection's socket, while its task waits with nothing of its own to write: a frame
    /// sent then is written straight into it, under this lock, without waking the task. Set by
    /// the task's take, and cleared by its next one (before it writes) and by its end (before
    /// the socket closes), so that the descriptor is the connection's whenever it is here.
    straight: Option<RawFd>,
    /// What the socket did not take of a frame written straight: the task writes it first.
    unsent: Unsent,
}

impl Queue {
    /// Writes what is queued into the socket the connection offered (`straight`, which is
    /// set), dropping what the socket took; true if it took all of it (the socket stays
    /// offered). What it did not take of a frame is in `unsent`.
    #[allow(unsafe_code)]
    fn write_straight(&mut self, metrics: &Metrics) -> bool {
        let Some(fd) = self.straight else { return false };
        // SAFETY: `straight` holds the connection's socket only while the connection's task
        // keeps it open and writes nothing itself: the task clears it under the outbox's lock
        // before it writes or closes the socket (`Inbox::take_offering`, `Inbox::withdraw`,
        // also when its future is dropped). That lock is held here (`self` is only reached
        // through it), for as long as the descriptor is borrowed.
        let socket = unsafe { BorrowedFd::borrow_raw(fd) };
        let (taken, all) = cork::write_straight(SockRef::from(&socket), &self.frames, &mut self.unsent);
        self.bytes -= self.frames[..taken].iter().map(|frame| frame.len()).sum::<usize>();
        self.frames.drain(..taken);
        if self.frames.is_empty() && self.frames.capacity() > KEEP_CAPACITY {
            self.frames = Vec::new();
        }
        Metrics::count_by(&metrics.written_straight, taken as u64);
        all
    }
}

/// What the connection takes from its queue in one go.
#[derive(Debug, Default)]
pub struct Batch {
    pub frames: Vec<Frame>,
    pub ping: bool,
}

impl Outbox {
    pub fn new(metrics: Arc<Metrics>) -> (Self, Inbox) {
        let shared = Arc::new(Shared::default());
        shared.heard_ms.store(clock_ms(), Ordering::Relaxed);
        // The socket is read once before anything wakes it.
        shared.readable.store(true, Ordering::Relaxed);
        (Self { shared: shared.clone(), metrics }, Inbox { shared })
    }

    /// Queues a frame without waiting, or closes a consumer that has fallen too far behind. A
    /// connection whose task waits with nothing to write gets it straight into its socket.
    pub fn send(&self, frame: Frame) {
        if let Some((queue, was_empty)) = self.queue(frame) {
            self.flush(queue, was_empty);
        }
    }

    /// Queues a frame as [`Outbox::send`] does, but neither writes nor wakes anything until
    /// [`Outbox::release`]: a room holds what one batch sends each connection, which then
    /// leaves in one write.
    pub fn hold(&self, frame: Frame) {
        let _ = self.queue(frame);
    }

    /// Writes or wakes for what was held.
    pub fn release(&self) {
        let queue = self.shared.lock();
        if !queue.frames.is_empty() {
            self.flush(queue, true);
        }
    }

    /// Queues a frame, or closes a consumer too far behind; the queue, and whether it was empty.
    fn queue(&self, frame: Frame) -> Option<(MutexGuard<'_, Queue>, bool)> {
        let mut queue = self.shared.lock();
        if queue.closed.is_some() {
            return None;
        }
        if queue.frames.len() >= OUTBOX_FRAMES || queue.bytes + frame.len() > OUTBOX_BYTES {
            queue.closed = Some(CloseReason::SLOW);
            queue.straight = None;
            drop(queue);
            tracing::warn!("closing a slow consumer");
            Metrics::count(&self.metrics.slow_consumers_closed);
            self.shared.signal();
            return None;
        }
        let was_empty = queue.frames.is_empty();
        queue.bytes += frame.len();
        queue.frames.push(frame);
        Metrics::count(&self.metrics.messages_out);
        Some((queue, was_empty))
    }

    /// Writes what is queued straight into the socket the connection offered, if it did and
    /// the runtime is not too busy; otherwise, or for what the socket does not take, wakes the
    /// connection's task (unless `wake` is false: it was woken for the earlier frames).
    fn flush(&self, mut queue: MutexGuard<'_, Queue>, mut wake: bool) {
        if queue.straight.is_some() && self.metrics.straight_writes() {
            if queue.write_straight(&self.metrics) {
                return;
            }
            // What the socket did not take is the task's to write now.
            queue.straight = None;
            wake = true;
        }
        drop(queue);
        if wake {
            self.shared.signal();
        }
    }

    /// Asks the connection to close with `reason`; the first reason given wins.
    pub fn close(&self, reason: CloseReason) {
        self.shared.close(reason);
    }

    pub fn is_closed(&self) -> bool {
        self.shared.lock().closed.is_some()
    }

    /// The heartbeat, from the room's periodic sweep: a peer silent for longer than `limit` is
    /// closed, any other is pinged.
    pub fn heartbeat(&self, limit: Duration) {
        let silent = clock_ms().saturating_sub(self.shared.heard_ms.load(Ordering::Relaxed));
        if u128::from(silent) > limit.as_millis() {
            self.close(CloseReason::SILENT);
            return;
        }
        self.shared.lock().ping = true;
        self.shared.signal();
    }
}

impl Inbox {
    /// Everything queued, or the reason to close (which outranks anything still queued).
    pub fn take(&self, batch: &mut Batch) -> Result<(), CloseReason> {
        self.take_offering(batch, &mut Unsent::default(), None)
    }

    /// [`Inbox::take`], and what the socket did not take of a frame written straight, moved
    /// into `unsent`. With nothing to write (nothing taken, nothing unsent), the connection
    /// offers its socket (`straight`) for the room to write the next frames into itself while
    /// it waits.
    pub fn take_offering(
        &self,
        batch: &mut Batch,
        unsent: &mut Unsent,
        straight: Option<RawFd>,
    ) -> Result<(), CloseReason> {
        let mut queue = self.shared.lock();
        // What woke the connection is taken now: cleared under the lock, so that anything sent
        // after this wakes it again and nothing sent before is left behind (a wait right after
        // a take does not resolve at once for what the take already had).
        self.shared.woken.store(false, Ordering::Relaxed);
        // The task may write from here on: the room no longer does.
        queue.straight = None;
        if let Some(reason) = queue.closed {
            return Err(reason);
        }
        if !queue.unsent.is_empty() {
            // Offered only with nothing unsent of the task's own: the room's rest is the first.
            *unsent = std::mem::take(&mut queue.unsent);
        }
        // The buffers change places (the connection writes a batch whole, so its own is empty
        // here): the frames are not copied, and one buffer is touched per round, not two.
        if batch.frames.is_empty() {
            std::mem::swap(&mut batch.frames, &mut queue.frames);
        } else {
            batch.frames.append(&mut queue.frames);
        }
        batch.ping = std::mem::take(&mut queue.ping);
        queue.bytes = 0;
        // A burst must not keep its high-water capacity on an idle connection.
        if queue.frames.capacity() > KEEP_CAPACITY {
            queue.frames.shrink_to_fit();
        }
        if batch.frames.is_empty() && !batch.ping && unsent.is_empty() {
            queue.straight = straight;
        }
        Ok(())
    }

    /// Takes the socket back from the room: called before the connection writes anything of
    /// its own outside a take, and before its socket closes.
    pub fn withdraw(&self) {
        self.shared.lock().straight = None;
    }

    /// Resolves when something may have arrived since the last time it resolved. One task
    /// waits on an inbox: a second waiting at once would take the first one's place.
    pub fn ready(&self) -> impl Future<Output = ()> + '_ {
        std::future::poll_fn(|cx| {
            // Registered before the look, so a wake between the two is not lost.
            self.shared.task.register(cx.waker());
            if self.shared.woken.swap(false, Ordering::AcqRel) { Poll::Ready(()) } else { Poll::Pending }
        })
    }

    /// The waker for the socket's reads: it marks the socket readable and wakes the task that
    /// waits on this inbox (registered by [`Inbox::ready`]).
    pub fn read_waker(&self) -> Waker {
        Waker::from(self.shared.clone())
    }

    /// Whether the socket's reads have been woken since the last look; the mark is taken.
    pub fn take_readable(&self) -> bool {
        self.shared.readable.swap(false, Ordering::AcqRel)
    }

    /// Puts the mark back: the socket had a message, and may have more.
    pub fn keep_readable(&self) {
        self.shared.readable.store(true, Ordering::Release);
    }

    /// Resolves with the reason once the connection is asked to close. It leaves the ready
    /// flag as it is: frames that woke it are taken after the write it races.
    pub fn closed(&self) -> impl Future<Output = CloseReason> + '_ {
        std::future::poll_fn(|cx| {
            self.shared.task.register(cx.waker());
            match self.shared.lock().closed {
                Some(reason) => Poll::Ready(reason),
                None => Poll::Pending,
            }
        })
    }

    pub fn close(&self, reason: CloseReason) {
        self.shared.close(reason);
    }

    /// The peer said something (a frame or a pong).
    pub fn heard(&self) {
        self.shared.heard_ms.store(clock_ms(), Ordering::Relaxed);
    }
}

impl Wake for Shared {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        self.readable.store(true, Ordering::Release);
        self.task.wake();
    }
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        // The lock is never held across a call that can panic; a poisoned queue is still whole.
        self.queue.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn close(&self, reason: CloseReason) {
        let mut queue = self.lock();
        if queue.closed.is_none() {
            queue.closed = Some(reason);
            queue.frames.clear();
            queue.bytes = 0;
            queue.straight = None;
        }
        drop(queue);
        self.signal();
    }

    /// Marks the outbox woken and wakes the connection's task.
    fn signal(&self) {
        self.woken.store(true, Ordering::Release);
        self.task.wake();
    }
}

/// Milliseconds on a monotonic clock that starts with the process.
fn clock_ms() -> u64 {
    static START: LazyLock<Instant> = LazyLock::new(Instant::now);
    u64::try_from(START.elapsed().as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outbox() -> (Outbox, Inbox) {
        Outbox::new(Arc::new(Metrics::default()))
    }

    #[test]
    fn a_consumer_past_its_byte_cap_is_closed_and_nothing_more_is_taken() {
        let (outbox, inbox) = outbox();
        let big = Frame::from("x".repeat(OUTBOX_BYTES / 2 - 1));
        outbox.send(big.clone());
        outbox.send(big.clone());
        assert!(!outbox.is_closed());
        outbox.send(big);
        assert!(outbox.is_closed(), "a third half-cap frame is over the cap");
        assert_eq!(inbox.take(&mut Batch::default()).err(), Some(CloseReason::SLOW));
    }

    #[test]
    fn a_consumer_past_its_frame_cap_is_closed() {
        let (outbox, _inbox) = outbox();
        for _ in 0..OUTBOX_FRAMES {
            outbox.send(Frame::from_static("{}"));
        }
        assert!(!outbox.is_closed());
        outbox.send(Frame::from_static("{}"));
        assert!(outbox.is_closed());
    }

    #[test]
    fn taking_empties_the_queue_in_order_and_frees_its_byte_count() {
        let (outbox, inbox) = outbox();
        outbox.send(Frame::from_static("a"));
        outbox.send(Frame::from_static("b"));
        let mut batch = Batch::default();
        inbox.take(&mut batch).unwrap();
        assert_eq!(batch.frames, [Frame::from_static("a"), Frame::from_static("b")]);
        assert!(!batch.ping);
        let big = Frame::from("x".repeat(OUTBOX_BYTES - 1));
        outbox.send(big);
        assert!(!outbox.is_closed(), "the taken frames no longer count against the cap");
    }

    #[test]
    fn the_heartbeat_pings_a_peer_heard_lately_and_closes_a_silent_one() {
        let (outbox, inbox) = outbox();
        outbox.heartbeat(Duration::from_secs(60));
        let mut batch = Batch::default();
        inbox.take(&mut batch).unwrap();
        assert!(batch.ping);
        std::thread::sleep(Duration::from_millis(5));
        outbox.heartbeat(Duration::from_millis(1));
        assert_eq!(inbox.take(&mut batch).err(), Some(CloseReason::SILENT));
    }

    #[tokio::test]
    async fn a_frame_queued_before_the_wait_or_during_it_wakes_it_once() {
        let (outbox, inbox) = outbox();
        outbox.send(Frame::from_static("a"));
        tokio::time::timeout(Duration::from_secs(5), inbox.ready())
            .await
            .expect("woken by a frame sent before");
        let waiting = tokio::time::timeout(Duration::from_millis(20), inbox.ready()).await;
        assert!(waiting.is_err(), "a wake is seen once");
        inbox.take(&mut Batch::default()).expect("open");
        let inbox = Arc::new(inbox);
        let waiter = tokio::spawn({
            let inbox = inbox.clone();
            async move { inbox.ready().await }
        });
        tokio::task::yield_now().await;
        outbox.send(Frame::from_static("b"));
        tokio::time::timeout(Duration::from_secs(5), waiter).await.expect("woken").expect("the task");
    }

    #[tokio::test]
    async fn a_take_answers_the_wake_of_what_it_took_and_a_later_frame_wakes_again() {
        let (outbox, inbox) = outbox();
        outbox.send(Frame::from_static("a"));
        let mut batch = Batch::default();
        inbox.take(&mut batch).expect("open");
        assert_eq!(batch.frames, [Frame::from_static("a")]);
        let waiting = tokio::time::timeout(Duration::from_millis(20), inbox.ready()).await;
        assert!(waiting.is_err(), "nothing came after the take");
        batch.frames.clear();
        outbox.send(Frame::from_static("b"));
        tokio::time::timeout(Duration::from_secs(5), inbox.ready())
            .await
            .expect("woken by a frame after the take");
        inbox.take(&mut batch).expect("open");
        assert_eq!(batch.frames, [Frame::from_static("b")], "the queue's buffer, handed over whole");
    }

    #[tokio::test]
    async fn a_close_wakes_the_waiting_connection() {
        let (outbox, inbox) = outbox();
        let waiter = tokio::spawn(async move { inbox.closed().await });
        tokio::task::yield_now().await;
        outbox.close(CloseReason::RESTARTING);
        assert_eq!(waiter.await.unwrap(), CloseReason::RESTARTING);
    }

    #[tokio::test]
    async fn the_sockets_waker_marks_it_readable_and_wakes_the_task_waiting_on_the_outbox() {
        let (_outbox, inbox) = outbox();
        assert!(inbox.take_readable(), "a new connection reads its socket once");
        assert!(!inbox.take_readable(), "the mark is taken");
        let read_waker = inbox.read_waker();
        let inbox = Arc::new(inbox);
        // The task waits on the outbox alone, as a connection does; the socket wakes it.
        let waiter = tokio::spawn({
            let inbox = inbox.clone();
            async move {
                std::future::poll_fn(|cx| {
                    let ready = std::pin::pin!(inbox.ready());
                    if ready.poll(cx).is_ready() || inbox.take_readable() {
                        Poll::Ready(())
                    } else {
                        Poll::Pending
                    }
                })
                .await;
            }
        });
        tokio::task::yield_now().await;
        read_waker.wake_by_ref();
        tokio::time::timeout(Duration::from_secs(5), waiter).await.expect("woken").expect("the task");
        inbox.keep_readable();
        assert!(inbox.take_readable(), "a mark put back is seen by the next look");
    }
}
