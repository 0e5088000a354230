//! Everything the load generator and the allocation test know of Horseshoe's protocol, in one
//! place: the frames they send (built straight into a reused buffer) and the few fields they
//! read out of what the server sends (found by a byte scan, no JSON parser).
//!
//! This speaks protocol version 3: one numbered `change` per applied command with its `events`,
//! commands numbered per client (each load connection is its own client), post-it ids that
//! start with their author's member id (read from the `welcome`).

use std::io::Write as _;

/// The protocol version these frames speak; a test checks it against the server's.
pub const VERSION: u32 = 3;

/// A member id as it is written on the wire (a hyphenated UUID), kept without allocating.
pub type MemberTag = [u8; 36];

/// What the generator reads out of one server message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Msg {
    /// The answer to `hello`, with the room's `seq` and, for a member, their id.
    Welcome {
        seq: u64,
        member: Option<MemberTag>,
    },
    /// A numbered change; `moved` when it starts with a load note put at a new position.
    Change {
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

/// `hello` of a new participant named `load <n>`, as client `l<n>`.
pub fn hello_participant(out: &mut Vec<u8>, n: usize) {
    let _ = write!(
        out,
        r#"{{"type":"hello","protocol":{VERSION},"client":"l{n}","credentials":{{"role":"participant"}},"name":"load {n}"}}"#
    );
}

/// `hello` of a facilitator holding `key`.
pub fn hello_facilitator(out: &mut Vec<u8>, key: &str) {
    let _ = write!(
        out,
        r#"{{"type":"hello","protocol":{VERSION},"client":"lf","credentials":{{"role":"facilitator","key":"{key}"}},"name":"load facilitator"}}"#
    );
}

/// The envelope of a durable command: `id` is the sending connection's counter (from 1).
fn cmd(out: &mut Vec<u8>, id: u64, body: std::fmt::Arguments<'_>) {
    let _ = write!(out, r#"{{"type":"cmd","id":{id},"cmd":{body}}}"#);
}

/// A member's id as written in frames.
fn tag(member: &MemberTag) -> &str {
    std::str::from_utf8(member).unwrap_or("")
}

/// Client `me` (member `member`) writes its note `<member>:n<me>`.
pub fn add_note(out: &mut Vec<u8>, id: u64, member: &MemberTag, me: usize) {
    let member = tag(member);
    cmd(out, id, format_args!(r#"{{"type":"note.add","id":"{member}:n{me}","text":"grow {me}"}}"#));
}

/// Member `member`'s note `<member>:<note>` with `text` (plain ASCII without quotes or
/// backslashes), for filling a room.
pub fn add_note_text(
    out: &mut Vec<u8>,
    id: u64,
    member: &MemberTag,
    note: std::fmt::Arguments<'_>,
    text: &str,
) {
    let member = tag(member);
    cmd(out, id, format_args!(r#"{{"type":"note.add","id":"{member}:{note}","text":"{text}"}}"#));
}

/// A facilitator reveals everyone's notes.
pub fn reveal_all(out: &mut Vec<u8>, id: u64) {
    cmd(out, id, format_args!(r#"{{"type":"notes.reveal"}}"#));
}

/// Client `me` drops its note at (`x`, `y`): the durable move that is measured.
pub fn move_note(out: &mut Vec<u8>, id: u64, member: &MemberTag, me: usize, x: u64, y: u64) {
    let member = tag(member);
    cmd(out, id, format_args!(r#"{{"type":"note.drop","id":"{member}:n{me}","x":{x},"y":{y}}}"#));
}

/// Client `me` drags its note (an ephemeral preview).
pub fn drag(out: &mut Vec<u8>, member: &MemberTag, me: usize, x: u64, y: u64) {
    let member = tag(member);
    let _ = write!(out, r#"{{"type":"drag","id":"{member}:n{me}","x":{x},"y":{y}}}"#);
}

/// Reads what is measured out of a server message (its first bytes are enough).
pub fn parse(msg: &[u8]) -> Msg {
    let mut s = Scan { b: msg, i: 0 };
    if !s.eat(br#"{"type":""#) {
        return Msg::Garbage;
    }
    let rest = &msg[s.i..];
    if rest.starts_with(br#"change","seq":"#) {
        s.i += br#"change","seq":"#.len();
        let Some(seq) = s.uint() else { return Msg::Garbage };
        if s.eat(br#","by":""#) {
            s.i = (s.i + 37).min(msg.len());
        }
        let moved = s.eat(br#","events":[{"type":"note.moved","id":""#).then(|| moved(&mut s)).flatten();
        Msg::Change { seq, moved }
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
        let mut member = None;
        if s.find(br#""member_id":""#)
            && let Some(id) = msg.get(s.i..s.i + 36)
        {
            let mut tag = [0; 36];
            tag.copy_from_slice(id);
            member = Some(tag);
        }
        let mut s = Scan { b: msg, i: 0 };
        if s.find(br#""room":{"id":""#) && s.find(br#""seq":"#) {
            s.uint().map_or(Msg::Garbage, |seq| Msg::Welcome { seq, member })
        } else {
            Msg::Garbage
        }
    } else {
        Msg::Other
    }
}

/// The rest of a `note.moved` after `"id":"`: whose note (`<member>:n<owner>`) and where.
fn moved(s: &mut Scan<'_>) -> Option<Moved> {
    s.i = (s.i + 36).min(s.b.len());
    if !s.eat(b":n") {
        return None;
    }
    let owner = s.uint()? as usize;
    if !s.eat(br#"","x":"#) {
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
        const M: &MemberTag = b"5b1c8f0e-3a2d-4e6f-9b7a-1c2d3e4f5a6b";
        let mut builders: Vec<Build> = vec![
            Box::new(|o| hello_participant(o, 7)),
            Box::new(|o| hello_facilitator(o, "abc")),
            Box::new(|o| add_note(o, 1, M, 7)),
            Box::new(|o| add_note_text(o, 2, M, format_args!("s{}-{}", 1, 2), "some text")),
            Box::new(|o| reveal_all(o, 3)),
            Box::new(|o| move_note(o, 4, M, 7, 12, 3)),
            Box::new(|o| drag(o, M, 7, 12, 3)),
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
            id: ItemId(format!("{author}:n42")),
            author,
            text: "grow 42 \"x\":9".into(),
            revealed: true,
            x: 1234,
            y: 5,
            cluster: None,
            suggestion: None,
            created_at: 1,
        };
        let frame = |events| {
            serde_json::to_vec(&ServerMsg::Change { seq: 77, by: Some(author), events }).expect("serializes")
        };
        let to = |x, y| Event::NoteMoved { id: note.id.clone(), x, y, cluster: None };
        assert_eq!(
            parse(&frame(vec![to(1234, 5)])),
            Msg::Change { seq: 77, moved: Some(Moved { owner: 42, x: 1234, y: 5 }) }
        );
        let elsewhere =
            Event::NoteMoved { id: note.id.clone(), x: 9, y: 9, cluster: Some(ItemId("k".into())) };
        assert_eq!(
            parse(&frame(vec![elsewhere])),
            Msg::Change { seq: 77, moved: Some(Moved { owner: 42, x: 9, y: 9 }) }
        );
        assert_eq!(
            parse(&frame(vec![Event::NoteSet { note }])),
            Msg::Change { seq: 77, moved: None },
            "a post-it written or revealed is not a move"
        );
        assert_eq!(parse(&frame(vec![])), Msg::Change { seq: 77, moved: None });
        assert_eq!(parse(br#"{"type":"ack","id":1,"seq":3}"#), Msg::Ack { seq: 3 });
        let welcome = format!(
            r#"{{"type":"welcome","protocol":{VERSION},"you":{{"role":"participant","member_id":"{author}"}},"room":{{"id":"r","seq":9}}}}"#
        );
        let mut tag = [0; 36];
        tag.copy_from_slice(author.to_string().as_bytes());
        assert_eq!(parse(welcome.as_bytes()), Msg::Welcome { seq: 9, member: Some(tag) });
        assert_eq!(parse(br#"{"type":"drag","member_id":"x","id":"n1","x":1,"y":2}"#), Msg::Drag);
        assert_eq!(parse(b"hello"), Msg::Garbage);
    }
}
