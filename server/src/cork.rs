//! How a connection's frames reach its socket. A worker thread gathers a batch of frames (and a
//! ping) into one buffer of its own and hands it to the kernel in one write, as uWebSockets
//! "corks" a socket: a connection keeps no write buffer while its socket takes what it is
//! given, which is nearly always. What the socket does not take is copied out to the
//! connection's [`Unsent`], written before anything else; a frame too large for the thread's
//! buffer is written from its own bytes (a snapshot is not copied). A room writes the same way
//! into a socket its connection lent it ([`write_straight`], outbox.rs), without waiting.
//!
//! Only server frames of text and pings are written here: unmasked, unfragmented (RFC 6455,
//! section 5.2). The WebSocket library still writes what it owes on its own (a pong, the
//! close handshake), always between two of these writes, never inside one.

use std::cell::RefCell;
use std::io::{self, IoSlice};
use std::pin::Pin;
use std::task::{Context, Poll, Waker, ready};

use socket2::SockRef;
use tokio::io::AsyncWrite;

use crate::room::Frame;

/// Bytes one worker thread gathers for one write. A batch larger than this takes several
/// writes; a single frame larger than this goes from its own bytes after its header.
pub const CORK_BYTES: usize = 16 * 1024;

/// Longest frame header a server writes: the first byte, the length byte, a 64-bit length.
const MAX_HEADER_BYTES: usize = 10;

/// A ping with no payload (FIN, opcode 9).
const PING: [u8; 2] = [0x89, 0x00];

thread_local! {
    static CORK: RefCell<Vec<u8>> = RefCell::new(Vec::with_capacity(CORK_BYTES));
}

/// What the socket did not take of a write, in order: bytes copied from the thread's buffer,
/// then the rest of a large frame. A pointer, and no allocation, while there is none.
#[derive(Debug, Default)]
pub struct Unsent(Option<Box<Rest>>);

#[derive(Debug)]
struct Rest {
    bytes: Vec<u8>,
    from: usize,
    large: Option<(Frame, usize)>,
}

impl Unsent {
    pub fn is_empty(&self) -> bool {
        self.0.is_none()
    }

    /// Writes what is left; ready when all of it is written.
    pub fn poll_write<S: AsyncWrite + Unpin>(
        &mut self,
        socket: &mut S,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        let Some(rest) = self.0.as_mut() else { return Poll::Ready(Ok(())) };
        while rest.from < rest.bytes.len() {
            let n = ready!(Pin::new(&mut *socket).poll_write(cx, &rest.bytes[rest.from..]))?;
            rest.from += written(n)?;
        }
        while let Some((frame, at)) = &mut rest.large {
            let left = &frame.as_bytes()[*at..];
            if left.is_empty() {
                break;
            }
            let n = ready!(Pin::new(&mut *socket).poll_write(cx, left))?;
            *at += written(n)?;
        }
        self.0 = None;
        Poll::Ready(Ok(()))
    }
}

/// Frames waiting to be written, and where the writing stands.
pub struct Pending<'a> {
    pub ping: bool,
    pub frames: &'a [Frame],
    /// How many of `frames` are written (or in `Unsent`).
    pub next: usize,
}

impl Pending<'_> {
    /// Writes the ping and the frames, after whatever was left unsent; ready when the socket
    /// has taken all of it. Dropped when not ready, it leaves the rest in `unsent` and
    /// `self.next` (nothing is written twice or lost, and no frame is cut between them).
    pub fn poll_write<S: AsyncWrite + Unpin>(
        &mut self,
        socket: &mut S,
        unsent: &mut Unsent,
        cx: &mut Context<'_>,
    ) -> Poll<io::Result<()>> {
        loop {
            ready!(unsent.poll_write(socket, cx))?;
            if !self.ping && self.next == self.frames.len() {
                return Poll::Ready(Ok(()));
            }
            let wrote = CORK.with_borrow_mut(|cork| self.write_corked(cork, socket, unsent, cx));
            if wrote? {
                continue;
            }
            return Poll::Pending;
        }
    }

    /// Gathers the ping and as many frames as fit into the thread's buffer (with the header of
    /// a frame too large for it, whose bytes follow from the frame itself) and writes them.
    /// True when the socket took them all; otherwise the rest is in `unsent`.
    fn write_corked<S: AsyncWrite + Unpin>(
        &mut self,
        cork: &mut Vec<u8>,
        socket: &mut S,
        unsent: &mut Unsent,
        cx: &mut Context<'_>,
    ) -> io::Result<bool> {
        cork.clear();
        if std::mem::take(&mut self.ping) {
            cork.extend_from_slice(&PING);
        }
        let mut large: Option<&Frame> = None;
        while let Some(frame) = self.frames.get(self.next) {
            let whole = MAX_HEADER_BYTES + frame.len();
            if cork.len() + whole > CORK_BYTES
                && (whole <= CORK_BYTES || cork.len() + MAX_HEADER_BYTES > CORK_BYTES)
            {
                break; // The next write starts with it.
            }
            push_header(cork, frame.len());
            self.next += 1;
            if whole > CORK_BYTES {
                large = Some(frame);
                break;
            }
            cork.extend_from_slice(frame.as_bytes());
        }
        let payload = large.map_or(&[][..], |frame| frame.as_bytes());
        let (mut from, mut at) = (0, 0);
        while from < cork.len() || at < payload.len() {
            let poll = if payload.is_empty() {
                Pin::new(&mut *socket).poll_write(cx, &cork[from..])
            } else {
                let parts = [IoSlice::new(&cork[from..]), IoSlice::new(&payload[at..])];
                let skip = usize::from(from == cork.len());
                Pin::new(&mut *socket).poll_write_vectored(cx, &parts[skip..])
            };
            match poll {
                Poll::Ready(n) => {
                    let mut n = written(n?)?;
                    let from_cork = n.min(cork.len() - from);
                    from += from_cork;
                    n -= from_cork;
                    at += n;
                }
                Poll::Pending => {
                    let large = large.filter(|_| at < payload.len()).map(|frame| (frame.clone(), at));
                    unsent.0 = Some(Box::new(Rest { bytes: cork[from..].to_vec(), from: 0, large }));
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }
}

/// Writes `frames` into `socket` as a connection's task would, gathered in the thread's buffer,
/// but without waiting: how a room writes to a connection that has nothing queued or unsent
/// (outbox.rs), as uWebSockets writes from its publisher's loop. Returns how many frames the
/// socket took or began (what it did not take of the last is in `unsent`, which must be empty
/// to begin with), and whether it took all of them: false when it is full or failed (the
/// connection's own write then finds out which, and waits or ends).
pub fn write_straight(socket: SockRef<'_>, frames: &[Frame], unsent: &mut Unsent) -> (usize, bool) {
    let mut pending = Pending { ping: false, frames, next: 0 };
    // Nothing waits on this socket here: a full one is left to the connection's task.
    let mut cx = Context::from_waker(Waker::noop());
    let done = pending.poll_write(&mut Straight(socket), unsent, &mut cx);
    (pending.next, matches!(done, Poll::Ready(Ok(()))))
}

/// A socket borrowed by a room: a write it does not take at once is `Pending`, with no waker
/// registered anywhere.
struct Straight<'a>(SockRef<'a>);

impl AsyncWrite for Straight<'_> {
    fn poll_write(self: Pin<&mut Self>, _: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        would_block(self.0.send_with_flags(buf, libc::MSG_NOSIGNAL))
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        bufs: &[IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        would_block(self.0.send_vectored_with_flags(bufs, libc::MSG_NOSIGNAL))
    }

    fn is_write_vectored(&self) -> bool {
        true
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

fn would_block(sent: io::Result<usize>) -> Poll<io::Result<usize>> {
    match sent {
        Err(e) if matches!(e.kind(), io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted) => Poll::Pending,
        sent => Poll::Ready(sent),
    }
}

fn written(n: usize) -> io::Result<usize> {
    if n == 0 { Err(io::ErrorKind::WriteZero.into()) } else { Ok(n) }
}

/// The header of an unmasked, final text frame of `len` bytes.
fn push_header(cork: &mut Vec<u8>, len: usize) {
    const TEXT: u8 = 0x81;
    match len {
        n if n < 126 => cork.extend_from_slice(&[TEXT, n as u8]),
        n if n <= usize::from(u16::MAX) => {
            cork.extend_from_slice(&[TEXT, 126]);
            cork.extend_from_slice(&(n as u16).to_be_bytes());
        }
        n => {
            cork.extend_from_slice(&[TEXT, 127]);
            cork.extend_from_slice(&(n as u64).to_be_bytes());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A socket that takes at most `take` bytes a call and is full every other call.
    struct Trickle {
        out: Vec<u8>,
        take: usize,
        calls: usize,
    }

    impl AsyncWrite for Trickle {
        fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
            self.calls += 1;
            if self.calls.is_multiple_of(2) {
                cx.waker().wake_by_ref();
                return Poll::Pending;
            }
            let n = buf.len().min(self.take);
            self.out.extend_from_slice(&buf[..n]);
            Poll::Ready(Ok(n))
        }

        fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }

        fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
            Poll::Ready(Ok(()))
        }
    }

    /// Reads back server frames: (opcode, payload) each.
    fn frames_in(mut bytes: &[u8]) -> Vec<(u8, Vec<u8>)> {
        let mut frames = Vec::new();
        while !bytes.is_empty() {
            assert_eq!(bytes[0] & 0x80, 0x80, "every frame is final");
            let (len, header) = match bytes[1] {
                126 => (usize::from(u16::from_be_bytes([bytes[2], bytes[3]])), 4),
                127 => (u64::from_be_bytes(bytes[2..10].try_into().expect("8 bytes")) as usize, 10),
                n => (usize::from(n), 2),
            };
            frames.push((bytes[0] & 0x0f, bytes[header..header + len].to_vec()));
            bytes = &bytes[header + len..];
        }
        frames
    }

    #[tokio::test]
    async fn frames_of_every_size_arrive_whole_and_in_order_through_a_socket_that_takes_little_at_a_time() {
        let sizes =
            [0, 1, 125, 126, 5_000, CORK_BYTES - MAX_HEADER_BYTES, CORK_BYTES - 9, 70_000, 3, 200_000, 2];
        let frames: Vec<Frame> = sizes
            .iter()
            .enumerate()
            .map(|(i, &n)| Frame::from(char::from(b'a' + i as u8).to_string().repeat(n)))
            .collect();
        for take in [1, 7, 1000, 40_000, usize::MAX] {
            let mut socket = Trickle { out: Vec::new(), take, calls: 0 };
            let mut unsent = Unsent::default();
            let mut pending = Pending { ping: true, frames: &frames, next: 0 };
            std::future::poll_fn(|cx| pending.poll_write(&mut socket, &mut unsent, cx))
                .await
                .expect("written");
            assert!(unsent.is_empty(), "nothing kept once written");
            let got = frames_in(&socket.out);
            assert_eq!(got[0], (0x9, Vec::new()), "the ping first");
            let texts: Vec<&[u8]> = got[1..]
                .iter()
                .map(|(op, payload)| {
                    assert_eq!(*op, 0x1);
                    payload.as_slice()
                })
                .collect();
            let sent: Vec<&[u8]> = frames.iter().map(|f| f.as_bytes()).collect();
            assert!(texts == sent, "taking {take} bytes a call changed the frames");
        }
    }

    #[tokio::test]
    async fn what_the_socket_did_not_take_is_written_first_when_writing_starts_again() {
        let frames: Vec<Frame> = ["one", "two"].map(Frame::from).to_vec();
        let mut socket = Trickle { out: Vec::new(), take: 2, calls: 0 };
        let mut unsent = Unsent::default();
        // The first write is cut short and given up (as when the connection must close).
        let mut pending = Pending { ping: false, frames: &frames, next: 0 };
        let first =
            std::future::poll_fn(|cx| Poll::Ready(pending.poll_write(&mut socket, &mut unsent, cx))).await;
        assert!(first.is_pending() && !unsent.is_empty());
        assert_eq!(pending.next, 2, "both frames are in the thread's buffer's write");
        // The rest goes out before anything new.
        let more = [Frame::from("three")];
        let mut pending = Pending { ping: false, frames: &more, next: 0 };
        std::future::poll_fn(|cx| pending.poll_write(&mut socket, &mut unsent, cx)).await.expect("written");
        let got: Vec<Vec<u8>> = frames_in(&socket.out).into_iter().map(|(_, p)| p).collect();
        assert_eq!(got, [b"one".to_vec(), b"two".to_vec(), b"three".to_vec()]);
    }
}
