//! Identifiers: rooms (unguessable, 128 random bits), members (server-chosen), clients and
//! their numbered commands (for idempotent resends), and items (client-chosen).

use serde::{Deserialize, Serialize};
use std::fmt;
use ts_rs::TS;
use uuid::Uuid;

use crate::limits::{MAX_CLIENT_ID_CHARS, MAX_ITEM_ID_CHARS};

/// A room's id: 32 lowercase hex digits (128 bits from the OS RNG, made by the server).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(transparent)]
pub struct RoomId(String);

impl RoomId {
    /// Number of hex digits in a room id.
    pub const HEX_LEN: usize = 32;

    /// Accepts only the exact form the server makes, so a path or a frame can never smuggle
    /// anything else into a room lookup.
    pub fn parse(s: &str) -> Option<Self> {
        let ok =
            s.len() == Self::HEX_LEN && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then(|| Self(s.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RoomId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A member of a room (facilitator or participant). Chosen by the server at first join.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(transparent)]
pub struct MemberId(pub Uuid);

/// The order of the id's bytes, as a `Uuid`'s, compared as one big-endian number: the room's
/// maps keyed by member are searched on every command, and bytes compared as a slice are a
/// call to `memcmp` each time.
impl Ord for MemberId {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.0.as_u128().cmp(&other.0.as_u128())
    }
}

impl PartialOrd for MemberId {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for MemberId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// A durable command's number: chosen by the client, strictly increasing per [`ClientId`]
/// (1, 2, 3, ...). The room keeps a high-water mark per member and client, so a resend is
/// acknowledged again but never applied twice, however late it comes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(transparent)]
pub struct CommandId(#[ts(type = "number")] pub u64);

impl CommandId {
    /// Commands are numbered from 1.
    pub fn is_valid(self) -> bool {
        self.0 >= 1
    }
}

impl fmt::Display for CommandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// One client of a member (a browser tab, a device), named by the client in `hello`: the
/// numbering of its commands is its own.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(transparent)]
pub struct ClientId(pub String);

impl ClientId {
    /// 1 to [`MAX_CLIENT_ID_CHARS`] characters of `A-Z a-z 0-9 _ -`.
    pub fn is_valid(&self) -> bool {
        !self.0.is_empty()
            && self.0.len() <= MAX_CLIENT_ID_CHARS
            && self.0.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    }
}

fn is_client_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= MAX_ITEM_ID_CHARS && s.bytes().all(|b| b.is_ascii_graphic())
}

/// A client-chosen id of an item (a key-factor card, a highlight, later a post-it), so the
/// browser can show its own item before the event arrives and a resend cannot make two.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(transparent)]
pub struct ItemId(pub String);

impl ItemId {
    /// 1 to [`MAX_ITEM_ID_CHARS`] printable ASCII characters.
    pub fn is_valid(&self) -> bool {
        is_client_id(&self.0)
    }
}

/// A group (step 3) or team (step 5), numbered from 1 by the room.
pub type GroupId = u32;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_id_accepts_only_lowercase_hex_of_the_right_length() {
        assert!(RoomId::parse("0123456789abcdef0123456789abcdef").is_some());
        assert!(RoomId::parse("0123456789ABCDEF0123456789abcdef").is_none());
        assert!(RoomId::parse("0123456789abcdef").is_none());
        assert!(RoomId::parse("../../etc/passwd0123456789abcdef0").is_none());
    }

    #[test]
    fn members_are_ordered_as_their_ids_are_written() {
        // Maps keyed by member are written in this order (snapshots, welcomes): it must stay
        // the order of the ids' bytes, which is also the order of their text.
        let ids = [
            "00000000-0000-0000-0000-000000000001",
            "00000000-0000-0000-0000-000000000100",
            "0000ffff-0000-0000-0000-000000000000",
            "7fffffff-ffff-ffff-ffff-ffffffffffff",
            "80000000-0000-0000-0000-000000000000",
            "ff000000-0000-0000-0000-000000000000",
            "ffffffff-ffff-ffff-ffff-fffffffffffe",
        ];
        let members: Vec<MemberId> = ids.iter().map(|s| MemberId(Uuid::parse_str(s).unwrap())).collect();
        for (i, a) in members.iter().enumerate() {
            for (j, b) in members.iter().enumerate() {
                assert_eq!(a.cmp(b), i.cmp(&j), "{a} against {b}");
                assert_eq!(a.cmp(b), a.0.as_bytes().cmp(b.0.as_bytes()));
                assert_eq!(a.cmp(b), a.to_string().cmp(&b.to_string()));
            }
        }
    }

    #[test]
    fn client_ids_are_bounded_and_plain() {
        assert!(ClientId("tab-1_a".into()).is_valid());
        assert!(!ClientId(String::new()).is_valid());
        assert!(!ClientId("a b".into()).is_valid());
        assert!(!ClientId("a:b".into()).is_valid());
        assert!(!ClientId("x".repeat(MAX_CLIENT_ID_CHARS + 1)).is_valid());
        assert!(ItemId("n-1".into()).is_valid());
        assert!(!ItemId("x".repeat(MAX_ITEM_ID_CHARS + 1)).is_valid());
    }
}
