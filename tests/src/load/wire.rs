//! Everything the load generator and the allocation test know of Horseshoe's protocol, in one
//! place: the frames they send (built straight into a reused buffer) and the few fields they
//! read out of what the server sends (found by a byte scan, no JSON parser).
//!
//! This speaks protocol version 1. For version 2 (one `seq` per change with an `events` list,
//! numeric command ids per client, `hello.client`), change [`VERSION`], the `hello`s, [`cmd`] (the
//! id becomes a number), and [`parse`] (the moved note is inside `"events":[...]`; the `private`
//! placeholder goes away, so frames per move halve). Nothing outside this file needs to change.

use std::io::Write as _;

/// The protocol version these frames speak; a test checks it against the server's.
pub const VERSION: u32 = 1;

/// What the generator reads out of one server message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// The answer to `hello`, with the room's `seq`.
    Welcome {
        seq: u64,
    },
    /// A numbered event; `moved` when it is a revealed load note put at a new position.
    Event {
        seq: u64,
        moved: Option<Moved>,
    },
    /// A command was applied; `seq` is its last event's.
    Ack {
        seq: u64,
    },
    Reject,
    Error,
    /// Someone's drag preview (ephemeral).
    Drag,
    /// Presence and anything else the generator does not measure.
    Other,
    /// Not a message of this protocol.
    Garbage,
}

/// A load client's note moved: whose (the client number in its name, `n<me>`) and where to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Moved {
    pub owner: usize,
    pub x: u64,
    pub y: u64,
}

// Writing into a Vec cannot fail, so the results of `write!` below are ignored.

/// `hello` of a new participant named `load <n>`.
pub fn hello_participant(out: &mut Vec<u8>, n: usize) {
    let _ = write!(
        out,
        r#"{{"type":"hello","protocol":{VERSION},"credentials":{{"role":"participant"}},"name":"load {n}"}}"#
    );
}

/// `hello` of a facilitator holding `key`.
pub fn hello_facilitator(out: &mut Vec<u8>, key: &str) {
    let _ = write!(
        out,
        r#"{{"type":"hello","protocol":{VERSION},"credentials":{{"role":"facilitator","key":"{key}"}},"name":"load facilitator"}}"#
    );
}

/// The envelope of a durable command: `id` is the sending connection's counter (from 1).
fn cmd(out: &mut Vec<u8>, id: u64, body: std::fmt::Arguments<'_>) {
    let _ = write!(out, r#"{{"type":"cmd","id":"c{id}","cmd":{body}}}"#);
}

/// Client `me` writes its note `n<me>`.
pub fn add_note(out: &mut Vec<u8>, id: u64, me: usize) {
    cmd(out, id, format_args!(r#"{{"type":"note.add","id":"n{me}","text":"grow {me}"}}"#));
}

/// A note `note` with `text` (plain ASCII without quotes or backslashes), for filling a room.
pub fn add_note_text(out: &mut Vec<u8>, id: u64, note: std::fmt::Arguments<'_>, text: &str) {
    cmd(out, id, format_args!(r#"{{"type":"note.add","id":"{note}","text":"{text}"}}"#));
}

/// A facilitator reveals everyone's notes.
pub fn reveal_all(out: &mut Vec<u8>, id: u64) {
    cmd(out, id, format_args!(r#"{{"type":"notes.reveal"}}"#));
}

/// Client `me` drops its note at (`x`, `y`): the durable move that is measured.
pub fn move_note(out: &mut Vec<u8>, id: u64, me: usize, x: u64, y: u64) {
    cmd(out, id, format_args!(r#"{{"type":"note.drop","id":"n{me}","x":{x},"y":{y}}}"#));
}

/// Client `me` drags its note (an ephemeral preview).
pub fn drag(out: &mut Vec<u8>, me: usize, x: u64, y: u64) {
    let _ = write!(out, r#"{{"type":"drag","id":"n{me}","x":{x},"y":{y}}}"#);
}

/// Reads what is measured out of a server message (its first bytes are enough).
pub fn parse(msg: &[u8]) -> Msg {
    let mut s = Scan { b: msg, i: 0 };
    if !s.eat(br#"{"type":""#) {
        return Msg::Garbage;
    }
    let rest = &msg[s.i..];
    if rest.starts_with(br#"event","seq":"#) {
        s.i += br#"event","seq":"#.len();
        let Some(seq) = s.uint() else { return Msg::Garbage };
        let moved = s.eat(br#","event":{"type":"note.set","note":{"id":"n"#).then(|| moved(&mut s)).flatten();
        Msg::Event { seq, moved }
    } else if rest.starts_with(b"drag\"") {
        Msg::Drag
    } else if rest.starts_with(b"ack\"") {
        if s.find(br#""seq":"#) {
            s.uint().map_or(Msg::Garbage, |seq| Msg::Ack { seq })
        } else {
            Msg::Garbage
        }
    } else if rest.starts_with(b"reject\"") {
        Msg::Reject
    } else if rest.starts_with(b"error\"") {
        Msg::Error
    } else if rest.starts_with(b"welcome\"") {
        if s.find(br#""room":{"id":""#) && s.find(br#""seq":"#) {
            s.uint().map_or(Msg::Garbage, |seq| Msg::Welcome { seq })
        } else {
            Msg::Garbage
        }
    } else {
        Msg::Other
    }
}

/// The rest of a `note.set` after `"id":"n`: whose note, revealed, and where.
fn moved(s: &mut Scan<'_>) -> Option<Moved> {
    let owner = s.uint()? as usize;
    if !s.eat(b"\"") || !s.find(br#""revealed":true,"x":"#) {
        return None;
    }
    let x = s.uint()?;
    if !s.eat(br#","y":"#) {
        return None;
    }
    Some(Moved { owner, x, y: s.uint()? })
}

/// A cursor over a message's bytes.
struct Scan<'a> {
    b: &'a [u8],
    i: usize,
}

impl Scan<'_> {
    /// Steps over `lit` if it is next.
    fn eat(&mut self, lit: &[u8]) -> bool {
        let hit = self.b[self.i..].starts_with(lit);
        if hit {
            self.i += lit.len();
        }
        hit
    }

    /// Moves past the next `lit`.
    fn find(&mut self, lit: &[u8]) -> bool {
        let Some((&first, _)) = lit.split_first() else { return true };
        let mut at = self.i;
        while let Some(off) = self.b[at..].iter().position(|&c| c == first) {
            at += off;
            if self.b[at..].starts_with(lit) {
                self.i = at + lit.len();
                return true;
            }
            at += 1;
        }
        false
    }

    /// A decimal number without sign.
    fn uint(&mut self) -> Option<u64> {
        let start = self.i;
        let mut n: u64 = 0;
        while let Some(&d) = self.b.get(self.i).filter(|d| d.is_ascii_digit()) {
            n = n.checked_mul(10)?.checked_add(u64::from(d - b'0'))?;
            self.i += 1;
        }
        (self.i > start).then_some(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speaks_the_servers_protocol_version() {
        assert_eq!(VERSION, horseshoe_protocol::PROTOCOL_VERSION, "update this module to the new protocol");
    }

    #[test]
    fn sent_frames_are_messages_the_server_parses() {
        use horseshoe_protocol::ClientMsg;
        type Build = Box<dyn Fn(&mut Vec<u8>)>;
        let mut builders: Vec<Build> = vec![
            Box::new(|o| hello_participant(o, 7)),
            Box::new(|o| hello_facilitator(o, "abc")),
            Box::new(|o| add_note(o, 1, 7)),
            Box::new(|o| add_note_text(o, 2, format_args!("s{}-{}", 1, 2), "some text")),
            Box::new(|o| reveal_all(o, 3)),
            Box::new(|o| move_note(o, 4, 7, 12, 3)),
            Box::new(|o| drag(o, 7, 12, 3)),
        ];
        for build in builders.drain(..) {
            let mut out = Vec::new();
            build(&mut out);
            let text = std::str::from_utf8(&out).expect("utf-8");
            serde_json::from_str::<ClientMsg>(text).unwrap_or_else(|e| panic!("{text}: {e}"));
        }
    }

    #[test]
    fn reads_what_the_server_sends() {
        use horseshoe_protocol::{Event, ItemId, MemberId, Note, ServerMsg};
        let author: MemberId =
            serde_json::from_str(r#""5b1c8f0e-3a2d-4e6f-9b7a-1c2d3e4f5a6b""#).expect("a member id");
        let note = Note {
            id: ItemId("n42".into()),
            author,
            text: "grow 42 \"x\":9".into(),
            revealed: true,
            x: 1234,
            y: 5,
            cluster: None,
            suggestion: None,
            created_at: 1,
        };
        let frame = |event| serde_json::to_vec(&ServerMsg::Event { seq: 77, event }).expect("serializes");
        assert_eq!(
            parse(&frame(Event::NoteSet { note: note.clone() })),
            Msg::Event { seq: 77, moved: Some(Moved { owner: 42, x: 1234, y: 5 }) }
        );
        let hidden = Note { revealed: false, ..note };
        assert_eq!(parse(&frame(Event::NoteSet { note: hidden })), Msg::Event { seq: 77, moved: None });
        assert_eq!(parse(&frame(Event::Private)), Msg::Event { seq: 77, moved: None });
        assert_eq!(parse(br#"{"type":"ack","id":"c1","seq":3}"#), Msg::Ack { seq: 3 });
        assert_eq!(parse(br#"{"type":"drag","member_id":"x","id":"n1","x":1,"y":2}"#), Msg::Drag);
        assert_eq!(parse(b"hello"), Msg::Garbage);
    }
}
