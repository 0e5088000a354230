//! The client side of RFC 6455, as little of it as the load generator and the allocation test
//! need: the opening handshake (once per socket), masked client frames, and a streaming decoder
//! for the server's frames that copies nothing it does not have to.
//!
//! The decoder is fed whatever a `read` returned, in any pieces. A message that arrives whole in
//! one read is handed out as a slice of the caller's buffer; one that arrives in pieces (or as
//! fragments, as the server sends a large snapshot) is gathered into the decoder's own buffer,
//! whose first `keep` bytes are kept and the rest only counted. Nothing is allocated per message.

use std::fmt;

/// Longest frame header from a server: 2 bytes, then up to 8 of length (servers do not mask).
const MAX_HEAD: usize = 10;
/// Longest control frame payload (RFC 6455, 5.5).
const MAX_CONTROL: usize = 125;
/// Longest handshake answer read before it is taken as garbage.
pub const MAX_HANDSHAKE_BYTES: usize = 4096;

const OP_CONTINUATION: u8 = 0x0;
const OP_TEXT: u8 = 0x1;
const OP_BINARY: u8 = 0x2;
const OP_CLOSE: u8 = 0x8;
const OP_PING: u8 = 0x9;
const OP_PONG: u8 = 0xA;

/// What the decoder hands out.
#[derive(Debug, PartialEq, Eq)]
pub enum Item<'a> {
    /// A whole data message: its first bytes (all of them when it is no longer than the
    /// decoder's `keep`) and its full length.
    Message {
        bytes: &'a [u8],
        len: usize,
    },
    /// A ping: answer it with a pong carrying the same payload.
    Ping(&'a [u8]),
    Pong,
    /// The server closes, with its status code when it gave one.
    Close(Option<u16>),
}

/// The server broke the framing rules; the connection is unusable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FrameError {
    /// Server frames must not be masked.
    Masked,
    /// Reserved bits set (no extension was negotiated).
    Reserved,
    /// An opcode RFC 6455 does not define.
    Opcode(u8),
    /// A control frame that is fragmented or longer than 125 bytes.
    BadControl,
    /// A continuation outside a message, or a new message inside one.
    Fragmentation,
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Masked => write!(f, "the server masked a frame"),
            FrameError::Reserved => write!(f, "reserved bits set"),
            FrameError::Opcode(op) => write!(f, "unknown opcode {op:#x}"),
            FrameError::BadControl => write!(f, "fragmented or oversized control frame"),
            FrameError::Fragmentation => write!(f, "continuation frames out of order"),
        }
    }
}

impl std::error::Error for FrameError {}

/// A streaming decoder of server frames.
pub struct Decoder {
    head: [u8; MAX_HEAD],
    head_len: usize,
    /// Inside a frame's payload: the opcode, FIN, and bytes still to come.
    in_frame: bool,
    op: u8,
    fin: bool,
    left: u64,
    /// Inside a data message (between its first frame and the one with FIN).
    in_message: bool,
    kept: Vec<u8>,
    keep: usize,
    message_len: usize,
    control: [u8; MAX_CONTROL],
    control_len: usize,
}

impl Decoder {
    /// A decoder that keeps the first `keep` bytes of each message (allocated once, here).
    pub fn new(keep: usize) -> Self {
        Self {
            head: [0; MAX_HEAD],
            head_len: 0,
            in_frame: false,
            op: 0,
            fin: false,
            left: 0,
            in_message: false,
            kept: Vec::with_capacity(keep),
            keep,
            message_len: 0,
            control: [0; MAX_CONTROL],
            control_len: 0,
        }
    }

    /// The next item in `data` from `*pos` on, advancing `*pos` past what it used; `None` when
    /// `data` ends before the next item does (the decoder remembers where it was).
    pub fn next<'a>(&'a mut self, data: &'a [u8], pos: &mut usize) -> Result<Option<Item<'a>>, FrameError> {
        loop {
            if !self.in_frame {
                let Some(len) = self.read_head(data, pos)? else { return Ok(None) };
                let whole = (data.len() - *pos) as u64 >= len;
                if (self.op == OP_TEXT || self.op == OP_BINARY) && self.fin && whole {
                    // The common case: a whole message in the caller's buffer, no copy.
                    let start = *pos;
                    *pos += len as usize;
                    self.in_message = false;
                    return Ok(Some(Item::Message { bytes: &data[start..*pos], len: len as usize }));
                }
                self.in_frame = true;
                self.left = len;
            }
            let take = (self.left.min((data.len() - *pos) as u64)) as usize;
            let bytes = &data[*pos..*pos + take];
            *pos += take;
            self.left -= take as u64;
            if self.op >= OP_CLOSE {
                self.control[self.control_len..self.control_len + take].copy_from_slice(bytes);
                self.control_len += take;
            } else {
                let room = self.keep - self.kept.len();
                self.kept.extend_from_slice(&bytes[..take.min(room)]);
                self.message_len += take;
            }
            if self.left > 0 {
                return Ok(None);
            }
            self.in_frame = false;
            match self.op {
                OP_PING => return Ok(Some(Item::Ping(&self.control[..self.control_len]))),
                OP_PONG => return Ok(Some(Item::Pong)),
                OP_CLOSE => {
                    let code = (self.control_len >= 2)
                        .then(|| u16::from_be_bytes([self.control[0], self.control[1]]));
                    return Ok(Some(Item::Close(code)));
                }
                _ if self.fin => {
                    self.in_message = false;
                    return Ok(Some(Item::Message { bytes: &self.kept, len: self.message_len }));
                }
                _ => {}
            }
        }
    }

    /// Gathers a frame header; returns the payload length once it is complete.
    fn read_head(&mut self, data: &[u8], pos: &mut usize) -> Result<Option<u64>, FrameError> {
        loop {
            let need = match self.head_len {
                0 | 1 => 2,
                _ => match self.head[1] & 0x7F {
                    126 => 4,
                    127 => 10,
                    _ => 2,
                },
            };
            if self.head_len == need {
                break;
            }
            let Some(&byte) = data.get(*pos) else { return Ok(None) };
            self.head[self.head_len] = byte;
            self.head_len += 1;
            *pos += 1;
        }
        let (b0, b1) = (self.head[0], self.head[1]);
        let len = match b1 & 0x7F {
            126 => u64::from(u16::from_be_bytes([self.head[2], self.head[3]])),
            127 => {
                let mut be = [0; 8];
                be.copy_from_slice(&self.head[2..10]);
                u64::from_be_bytes(be)
            }
            short => u64::from(short),
        };
        self.head_len = 0;
        if b1 & 0x80 != 0 {
            return Err(FrameError::Masked);
        }
        if b0 & 0x70 != 0 {
            return Err(FrameError::Reserved);
        }
        self.fin = b0 & 0x80 != 0;
        let op = b0 & 0x0F;
        match op {
            OP_CLOSE | OP_PING | OP_PONG => {
                if !self.fin || len > MAX_CONTROL as u64 {
                    return Err(FrameError::BadControl);
                }
                self.control_len = 0;
                // A control frame may come between the fragments of a message: the message's
                // opcode is not needed again (continuations carry none), so it is not kept.
                self.op = op;
            }
            OP_TEXT | OP_BINARY => {
                if self.in_message {
                    return Err(FrameError::Fragmentation);
                }
                self.in_message = true;
                self.kept.clear();
                self.message_len = 0;
                self.op = op;
            }
            OP_CONTINUATION => {
                if !self.in_message {
                    return Err(FrameError::Fragmentation);
                }
                self.op = OP_CONTINUATION;
            }
            other => return Err(FrameError::Opcode(other)),
        }
        Ok(Some(len))
    }
}

/// Appends a masked text frame carrying `payload` to `out`.
pub fn text(out: &mut Vec<u8>, payload: &[u8], mask: [u8; 4]) {
    frame(out, OP_TEXT, payload, mask);
}

/// Appends a masked pong answering a ping's `payload`.
pub fn pong(out: &mut Vec<u8>, payload: &[u8], mask: [u8; 4]) {
    frame(out, OP_PONG, payload, mask);
}

/// Appends a masked close frame with `code`.
pub fn close(out: &mut Vec<u8>, code: u16, mask: [u8; 4]) {
    frame(out, OP_CLOSE, &code.to_be_bytes(), mask);
}

fn frame(out: &mut Vec<u8>, op: u8, payload: &[u8], mask: [u8; 4]) {
    out.push(0x80 | op);
    let len = payload.len();
    if len < 126 {
        out.push(0x80 | len as u8);
    } else if let Ok(short) = u16::try_from(len) {
        out.push(0x80 | 126);
        out.extend_from_slice(&short.to_be_bytes());
    } else {
        out.push(0x80 | 127);
        out.extend_from_slice(&(len as u64).to_be_bytes());
    }
    out.extend_from_slice(&mask);
    out.extend(payload.iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m));
}

/// Appends the opening handshake for `path` on `host` with a 16-byte `nonce`.
pub fn handshake(out: &mut Vec<u8>, host: &str, path: &str, nonce: [u8; 16]) {
    use std::io::Write as _;
    let mut key = [0u8; 24];
    base64(&nonce, &mut key);
    // Writing into a Vec cannot fail.
    let _ = write!(
        out,
        "GET {path} HTTP/1.1\r\nHost: {host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: "
    );
    out.extend_from_slice(&key);
    out.extend_from_slice(b"\r\n\r\n");
}

/// The state of a handshake answer read so far.
#[derive(Debug, PartialEq, Eq)]
pub enum Answer {
    /// Not all of the head yet.
    Partial,
    /// `101 Switching Protocols`; frames start at this offset.
    Upgraded(usize),
    /// Anything else (with the status line's code, when there was one).
    Refused(Option<u16>),
}

/// Reads a handshake answer from what has arrived so far.
pub fn answer(head: &[u8]) -> Answer {
    let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") else {
        return if head.len() >= MAX_HANDSHAKE_BYTES { Answer::Refused(None) } else { Answer::Partial };
    };
    let status = head
        .split(|&b| b == b' ')
        .nth(1)
        .and_then(|code| std::str::from_utf8(code).ok())
        .and_then(|code| code.trim().parse::<u16>().ok());
    if head.starts_with(b"HTTP/1.1 ") && status == Some(101) {
        Answer::Upgraded(end + 4)
    } else {
        Answer::Refused(status)
    }
}

fn base64(input: &[u8; 16], out: &mut [u8; 24]) {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut o = 0;
    for chunk in input.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            out[o + i] = if i <= chunk.len() { ALPHABET[(n >> (18 - 6 * i)) as usize & 63] } else { b'=' };
        }
        o += 4;
    }
}

/// A small, fast source of masks and nonces. RFC 6455 asks for unpredictable masks so that a
/// browser's page cannot aim bytes at a proxy; a load generator talking to its own server on
/// loopback has no such page, and a cryptographic generator per frame would cost more than the
/// frame.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Self(seed | 1)
    }

    pub fn next_u64(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn mask(&mut self) -> [u8; 4] {
        (self.next_u64() as u32).to_ne_bytes()
    }

    pub fn nonce(&mut self) -> [u8; 16] {
        let mut n = [0; 16];
        n[..8].copy_from_slice(&self.next_u64().to_ne_bytes());
        n[8..].copy_from_slice(&self.next_u64().to_ne_bytes());
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server_frame(fin: bool, op: u8, payload: &[u8]) -> Vec<u8> {
        let mut out = vec![if fin { 0x80 } else { 0 } | op];
        match payload.len() {
            n if n < 126 => out.push(n as u8),
            n if n <= 0xFFFF => {
                out.push(126);
                out.extend_from_slice(&(n as u16).to_be_bytes());
            }
            n => {
                out.push(127);
                out.extend_from_slice(&(n as u64).to_be_bytes());
            }
        }
        out.extend_from_slice(payload);
        out
    }

    /// Everything the decoder hands out for `data` fed in pieces of `step` bytes, as owned
    /// values: (kind, kept bytes, full length).
    fn decode(data: &[u8], step: usize, keep: usize) -> Vec<(char, Vec<u8>, usize)> {
        let mut decoder = Decoder::new(keep);
        let mut items = Vec::new();
        for piece in data.chunks(step) {
            let mut pos = 0;
            while let Some(item) = decoder.next(piece, &mut pos).expect("valid frames") {
                items.push(match item {
                    Item::Message { bytes, len } => ('m', bytes.to_vec(), len),
                    Item::Ping(p) => ('p', p.to_vec(), p.len()),
                    Item::Pong => ('o', Vec::new(), 0),
                    Item::Close(code) => ('c', Vec::new(), code.unwrap_or(0) as usize),
                });
            }
            assert_eq!(pos, piece.len());
        }
        items
    }

    #[test]
    fn messages_in_any_pieces_come_out_whole() {
        let big: Vec<u8> = (0..70_000u32).map(|i| b'a' + (i % 26) as u8).collect();
        let small = b"{\"type\":\"event\",\"seq\":1}";
        let mut data = server_frame(true, OP_TEXT, small);
        data.extend(server_frame(false, OP_TEXT, &big[..1024]));
        data.extend(server_frame(true, OP_PING, b"hi"));
        data.extend(server_frame(false, OP_CONTINUATION, &big[1024..2048]));
        data.extend(server_frame(true, OP_CONTINUATION, &big[2048..]));
        data.extend(server_frame(true, OP_TEXT, &big));
        data.extend(server_frame(true, OP_TEXT, b""));
        data.extend(server_frame(true, OP_CLOSE, &1013u16.to_be_bytes()));
        for step in [1, 2, 3, 7, 100, 1500, data.len()] {
            let items = decode(&data, step, 512);
            assert_eq!(items.len(), 6, "step {step}");
            assert_eq!(items[0], ('m', small.to_vec(), small.len()));
            assert_eq!(items[1], ('p', b"hi".to_vec(), 2));
            assert_eq!(items[2], ('m', big[..512].to_vec(), big.len()), "step {step}");
            assert_eq!(items[3].2, big.len());
            assert_eq!(items[3].1, if step >= big.len() { big.clone() } else { big[..512].to_vec() });
            assert_eq!(items[4], ('m', Vec::new(), 0));
            assert_eq!(items[5], ('c', Vec::new(), 1013));
        }
    }

    #[test]
    fn broken_framing_is_an_error() {
        let mut decoder = Decoder::new(64);
        let mut pos = 0;
        assert_eq!(decoder.next(&[0x81, 0x81, 0, 0, 0, 0, b'a'], &mut pos), Err(FrameError::Masked));
        let mut decoder = Decoder::new(64);
        let mut pos = 0;
        assert_eq!(decoder.next(&[0x80, 0x00], &mut pos), Err(FrameError::Fragmentation));
        let mut decoder = Decoder::new(64);
        let mut pos = 0;
        assert_eq!(decoder.next(&[0x09, 0x00], &mut pos), Err(FrameError::BadControl));
        let mut decoder = Decoder::new(64);
        let mut pos = 0;
        assert_eq!(decoder.next(&[0x83, 0x00], &mut pos), Err(FrameError::Opcode(3)));
    }

    #[test]
    fn client_frames_are_masked() {
        let payload: Vec<u8> = (0..300u32).map(|i| i as u8).collect();
        for len in [0, 5, 125, 126, 300] {
            let mut out = Vec::new();
            text(&mut out, &payload[..len], [1, 2, 3, 4]);
            assert_eq!(out[0], 0x81);
            assert_eq!(out[1] & 0x80, 0x80, "mask bit");
            let (head, mask_at) = if len < 126 { (out[1] as usize & 0x7F, 2) } else { (126, 4) };
            assert_eq!(head, len.min(126));
            let mask = &out[mask_at..mask_at + 4];
            let body: Vec<u8> =
                out[mask_at + 4..].iter().zip(mask.iter().cycle()).map(|(b, m)| b ^ m).collect();
            assert_eq!(body, &payload[..len]);
        }
    }

    #[test]
    fn handshake_and_answer() {
        let mut out = Vec::new();
        handshake(&mut out, "127.0.0.1:1", "/x", *b"the sample nonce");
        let text = String::from_utf8(out).expect("ascii");
        assert!(text.starts_with("GET /x HTTP/1.1\r\n"));
        assert!(text.contains("Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"), "{text}");
        assert!(text.ends_with("\r\n\r\n"));
        assert_eq!(answer(b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"), Answer::Partial);
        assert_eq!(answer(b"HTTP/1.1 101 Switching Protocols\r\n\r\n\x81"), Answer::Upgraded(36));
        assert_eq!(answer(b"HTTP/1.1 429 Too Many\r\n\r\n"), Answer::Refused(Some(429)));
    }
}
