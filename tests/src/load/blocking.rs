//! A blocking WebSocket client on a plain `std` socket, on the same framing as the load
//! generator: for setting rooms up before a run, and for the allocation test, whose clients
//! must allocate nothing while it counts.

use std::io::{self, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use super::frame::{self, Answer, Decoder, Item, Rng};

/// How long a blocking client waits for the server before it gives up.
pub const WAIT: Duration = Duration::from_secs(30);
/// Bytes read at once.
const READ_BYTES: usize = 64 * 1024;
/// Bytes of each message kept for the caller (the fields read are near the start).
const KEEP_BYTES: usize = 4096;

/// One blocking WebSocket connection.
pub struct Client {
    stream: TcpStream,
    decoder: Decoder,
    buf: Vec<u8>,
    start: usize,
    end: usize,
    payload: Vec<u8>,
    out: Vec<u8>,
    rng: Rng,
    ids: u64,
}

impl Client {
    /// Connects to `path` on `addr` and completes the opening handshake.
    pub fn connect(addr: SocketAddr, path: &str, seed: u64) -> io::Result<Self> {
        let stream = TcpStream::connect_timeout(&addr, WAIT)?;
        stream.set_read_timeout(Some(WAIT))?;
        stream.set_write_timeout(Some(WAIT))?;
        stream.set_nodelay(true)?;
        let mut client = Self {
            stream,
            decoder: Decoder::new(KEEP_BYTES),
            buf: vec![0; READ_BYTES],
            start: 0,
            end: 0,
            payload: Vec::with_capacity(KEEP_BYTES),
            out: Vec::with_capacity(KEEP_BYTES),
            rng: Rng::new(seed),
            ids: 0,
        };
        let nonce = client.rng.nonce();
        frame::handshake(&mut client.out, &addr.to_string(), path, nonce);
        client.stream.write_all(&client.out)?;
        client.out.clear();
        loop {
            let n = client.stream.read(&mut client.buf[client.end..])?;
            if n == 0 {
                return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "closed during the handshake"));
            }
            client.end += n;
            match frame::answer(&client.buf[..client.end]) {
                Answer::Partial if client.end < frame::MAX_HANDSHAKE_BYTES => {}
                Answer::Partial | Answer::Refused(_) => {
                    let head = String::from_utf8_lossy(&client.buf[..client.end.min(200)]).into_owned();
                    return Err(io::Error::new(io::ErrorKind::ConnectionRefused, head));
                }
                Answer::Upgraded(at) => {
                    client.start = at;
                    return Ok(client);
                }
            }
        }
    }

    /// How long a read waits before it fails with `WouldBlock` or `TimedOut` (the client stays
    /// usable); [`WAIT`] unless set.
    pub fn set_timeout(&mut self, wait: Duration) -> io::Result<()> {
        self.stream.set_read_timeout(Some(wait))
    }

    /// A fresh command id for this connection (1, 2, ...).
    pub fn next_id(&mut self) -> u64 {
        self.ids += 1;
        self.ids
    }

    /// Sends the text message that `build` writes.
    pub fn send(&mut self, build: impl FnOnce(&mut Vec<u8>)) -> io::Result<()> {
        self.payload.clear();
        build(&mut self.payload);
        self.out.clear();
        frame::text(&mut self.out, &self.payload, self.rng.mask());
        self.stream.write_all(&self.out)
    }

    /// Reads messages until `pick` returns something for one (given its first bytes and its
    /// length), answering pings on the way. A close from the server is an error.
    pub fn recv_until<T>(&mut self, mut pick: impl FnMut(&[u8], usize) -> Option<T>) -> io::Result<T> {
        loop {
            if self.start == self.end {
                let n = self.stream.read(&mut self.buf)?;
                self.start = 0;
                self.end = n;
                if n == 0 {
                    return Err(io::Error::new(io::ErrorKind::UnexpectedEof, "the server closed"));
                }
            }
            let Self { decoder, buf, start, end, out, rng, stream, .. } = self;
            let mut pos = *start;
            while let Some(item) = decoder.next(&buf[..*end], &mut pos).map_err(io::Error::other)? {
                match item {
                    Item::Message { bytes, len } => {
                        if let Some(found) = pick(bytes, len) {
                            *start = pos;
                            return Ok(found);
                        }
                    }
                    Item::Ping(payload) => {
                        out.clear();
                        frame::pong(out, payload, rng.mask());
                        stream.write_all(out)?;
                    }
                    Item::Pong => {}
                    Item::Close(code) => {
                        return Err(io::Error::new(
                            io::ErrorKind::ConnectionAborted,
                            format!("the server closed with {code:?}"),
                        ));
                    }
                }
            }
            *start = pos;
        }
    }

    /// Says goodbye (a close frame) and drops the socket.
    pub fn close(mut self) {
        self.out.clear();
        frame::close(&mut self.out, 1000, self.rng.mask());
        let _ = self.stream.write_all(&self.out);
    }
}

/// A room made over HTTP: its id and the facilitator key.
pub struct Room {
    pub id: String,
    pub key: String,
}

/// `POST /api/rooms` on a plain socket.
pub fn create_room(addr: SocketAddr) -> io::Result<Room> {
    let mut stream = TcpStream::connect_timeout(&addr, WAIT)?;
    stream.set_read_timeout(Some(WAIT))?;
    let body = "{}";
    write!(
        stream,
        "POST /api/rooms HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw)?;
    let bad = |what: &str| io::Error::new(io::ErrorKind::InvalidData, format!("create room: {what}"));
    if !raw.starts_with(b"HTTP/1.1 201") {
        return Err(bad(&String::from_utf8_lossy(&raw[..raw.len().min(200)])));
    }
    // The body is one JSON object; taken from its braces, it does not matter whether it came
    // in one piece or chunked.
    let open = raw.iter().position(|&b| b == b'{').ok_or_else(|| bad("no body"))?;
    let close = raw.iter().rposition(|&b| b == b'}').ok_or_else(|| bad("no body"))?;
    let json: serde_json::Value =
        serde_json::from_slice(&raw[open..=close]).map_err(|e| bad(&e.to_string()))?;
    let field = |name: &str| json[name].as_str().map(str::to_owned).ok_or_else(|| bad(name));
    Ok(Room { id: field("room_id")?, key: field("facilitator_key")? })
}
