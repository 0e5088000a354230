//! Shared texts: the group sentence (step 3), example cards (step 5), key factors (step 2) and
//! areas (step 6) are each a Yjs document (yrs here, Yjs in the browser) that any number of
//! people type into at once. Nothing here merges by hand: yrs integrates every update, and the
//! room only checks the result (caps, characters) and records the update.
//!
//! Offsets are UTF-16 code units, as JavaScript strings count them, so a highlight's `start`
//! and `end` mean the same in the browser and here.

use std::fmt;
use std::panic::{AssertUnwindSafe, catch_unwind};

use data_encoding::BASE64;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use ts_rs::TS;
use yrs::block::ClientID;
use yrs::updates::decoder::Decode;
use yrs::updates::encoder::Encode;
use yrs::{
    Assoc, Doc, GetString, IndexedSequence, OffsetKind, Options, ReadTxn, StateVector, StickyIndex, Text,
    TextRef, Transact, Update,
};

use crate::ids::{GroupId, ItemId, MemberId};
use crate::limits::{
    MAX_AREA_CHARS, MAX_CARD_CHARS, MAX_DEFINITION_CHARS, MAX_FACTOR_CHARS, MAX_TEXT_DOC_BYTES,
    MAX_TEXT_UPDATE_BYTES,
};
use crate::messages::{ErrorCode, Rejection};
use crate::text::Lines;

/// The name of the one text inside every document (Yjs: `doc.getText("t")`).
pub const TEXT_NAME: &str = "t";
/// The Yjs client id of the edits the room makes itself: an item's first text, and texts
/// carried over from storage format 1. Browsers pick random 32-bit ids.
pub const ROOM_CLIENT: u64 = 1;

/// Which shared text: the item it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TextTarget {
    /// A group's one-sentence definition (step 3).
    Definition { group: GroupId },
    /// An example card on a team's board (step 5).
    Card { id: ItemId },
    /// A key-factor card (step 2).
    Factor { id: ItemId },
    /// An area for improvement (step 6).
    Area { id: ItemId },
}

impl TextTarget {
    /// The key of this text in [`crate::RoomState::texts`]: `definition:3`, `card:c1`, ...
    pub fn key(&self) -> String {
        match self {
            TextTarget::Definition { group } => format!("definition:{group}"),
            TextTarget::Card { id } => format!("card:{}", id.0),
            TextTarget::Factor { id } => format!("factor:{}", id.0),
            TextTarget::Area { id } => format!("area:{}", id.0),
        }
    }

    /// Longest text, in characters.
    pub fn max_chars(&self) -> usize {
        match self {
            TextTarget::Definition { .. } => MAX_DEFINITION_CHARS,
            TextTarget::Card { .. } => MAX_CARD_CHARS,
            TextTarget::Factor { .. } => MAX_FACTOR_CHARS,
            TextTarget::Area { .. } => MAX_AREA_CHARS,
        }
    }

    /// Whether the text may hold several lines.
    pub fn lines(&self) -> Lines {
        match self {
            TextTarget::Card { .. } => Lines::Many,
            TextTarget::Definition { .. } | TextTarget::Factor { .. } | TextTarget::Area { .. } => Lines::One,
        }
    }
}

/// One shared text: its Yjs document and, beside it, the plain text it reads as now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
pub struct SharedText {
    /// The text as it reads now (what the document holds).
    pub text: String,
    /// The whole Yjs document (base64 of a v1 update holding its state): a browser that joins
    /// loads it, then applies each `text.changed` update.
    pub doc: YDoc,
    /// Who has written in it, in the order of their first edit.
    pub editors: Vec<MemberId>,
    /// Server time of the last change (ms since the Unix epoch).
    #[ts(type = "number")]
    pub updated_at: i64,
}

impl SharedText {
    /// A text the room starts with `text` (an item's first words); returns it and the update
    /// that makes it, which is what the event carries.
    pub fn started(text: &str, by: Option<MemberId>, at: i64) -> (Self, Vec<u8>) {
        let doc = YDoc::empty();
        let update = {
            let text_ref = doc.text_ref();
            let mut txn = doc.doc.transact_mut();
            if !text.is_empty() {
                text_ref.insert(&mut txn, 0, text);
            }
            txn.encode_update_v1()
        };
        let shared = SharedText { text: doc.text(), doc, editors: by.into_iter().collect(), updated_at: at };
        (shared, update)
    }

    /// An empty text (the first update anyone sends starts it).
    pub fn empty() -> Self {
        SharedText { text: String::new(), doc: YDoc::empty(), editors: Vec::new(), updated_at: 0 }
    }

    /// Tries `update` (raw Yjs v1 bytes) on this text for `target`. On success the document
    /// already holds it and the new text is returned (`None`: it changed nothing). On refusal
    /// the document is put back exactly as it was.
    pub fn try_update(&mut self, target: &TextTarget, update: &[u8]) -> Result<Option<String>, Rejection> {
        if update.len() > MAX_TEXT_UPDATE_BYTES {
            return Err(Rejection::new(
                ErrorCode::TooLong,
                format!("a text update is {MAX_TEXT_UPDATE_BYTES} bytes at most"),
            ));
        }
        let backup = self.doc.encode();
        if backup.len() + update.len() > MAX_TEXT_DOC_BYTES {
            return Err(Rejection::new(
                ErrorCode::LimitReached,
                "this text has been rewritten too often: copy it into a new card",
            ));
        }
        let before = self.doc.state_vector();
        let outcome = self.doc.apply(update).and_then(|()| {
            if self.doc.has_pending() {
                return Err(Rejection::new(
                    ErrorCode::Conflict,
                    "this edit builds on text the room does not have: reload the text",
                ));
            }
            let text = self.doc.text();
            check_text(target, &text)?;
            Ok(text)
        });
        match outcome {
            Ok(text) if text == self.text && self.doc.state_vector() == before => Ok(None),
            Ok(text) => {
                self.text.clone_from(&text);
                Ok(Some(text))
            }
            Err(rejection) => {
                self.doc = YDoc::from_update(&backup).unwrap_or_else(|_| YDoc::empty());
                Err(rejection)
            }
        }
    }

    /// Applies a recorded update (already decided): integrating one twice changes nothing.
    pub fn apply_recorded(&mut self, update: &[u8], text: &str) {
        // A recorded update was checked when it was decided. Should yrs refuse it on replay,
        // the text still reads as recorded, which is what every replica shows.
        let _ = self.doc.apply(update);
        self.text = text.to_owned();
    }
}

/// The room's plain-text rules for a shared text: its cap and its characters.
fn check_text(target: &TextTarget, text: &str) -> Result<(), Rejection> {
    let count = text.chars().count();
    let max = target.max_chars();
    if count > max {
        return Err(Rejection::new(ErrorCode::TooLong, format!("this text holds {max} characters at most")));
    }
    let lines = target.lines();
    if text.chars().any(|c| match c {
        '\n' | '\t' => lines == Lines::One,
        c => c.is_control(),
    }) {
        return Err(Rejection::new(ErrorCode::BadRequest, "this text may not hold control characters"));
    }
    Ok(())
}

/// A Yjs document with one text, GC on, offsets in UTF-16 code units.
pub struct YDoc {
    doc: Doc,
}

fn new_doc() -> Doc {
    let mut options = Options::with_guid_and_client_id("horseshoe".into(), ClientID::new(ROOM_CLIENT));
    options.offset_kind = OffsetKind::Utf16;
    let doc = Doc::with_options(options);
    let _ = doc.get_or_insert_text(TEXT_NAME);
    doc
}

impl YDoc {
    pub fn empty() -> Self {
        Self { doc: new_doc() }
    }

    /// A document from the bytes [`YDoc::encode`] made (or any Yjs v1 update).
    pub fn from_update(bytes: &[u8]) -> Result<Self, Rejection> {
        let doc = Self::empty();
        doc.apply(bytes)?;
        Ok(doc)
    }

    fn text_ref(&self) -> TextRef {
        self.doc.get_or_insert_text(TEXT_NAME)
    }

    /// The whole document as one v1 update.
    pub fn encode(&self) -> Vec<u8> {
        self.doc.transact().encode_state_as_update_v1(&StateVector::default())
    }

    pub fn text(&self) -> String {
        let text = self.text_ref();
        text.get_string(&self.doc.transact())
    }

    fn state_vector(&self) -> StateVector {
        self.doc.transact().state_vector()
    }

    fn has_pending(&self) -> bool {
        let txn = self.doc.transact();
        txn.store().pending_update().is_some() || txn.store().pending_ds().is_some()
    }

    /// Integrates a v1 update. yrs is not trusted with hostile bytes: a panic inside it is a
    /// refusal, never a crash of the room.
    fn apply(&self, bytes: &[u8]) -> Result<(), Rejection> {
        let bad = || Rejection::new(ErrorCode::BadRequest, "this is not a text update");
        let applied = catch_unwind(AssertUnwindSafe(|| {
            let update = Update::decode_v1(bytes).map_err(|_| bad())?;
            self.doc.transact_mut().apply_update(update).map_err(|_| bad())
        }));
        applied.unwrap_or_else(|_| Err(bad()))
    }

    /// Makes the document read `text`, replacing all of it, as the room itself (not a person)
    /// writes; returns the update that does it. For texts that come from elsewhere than typing,
    /// such as rows of storage format 1.
    pub fn rewrite(&self, text: &str) -> Vec<u8> {
        let text_ref = self.text_ref();
        let mut txn = self.doc.transact_mut();
        let len = text_ref.len(&txn);
        if len > 0 {
            text_ref.remove_range(&mut txn, 0, len);
        }
        if !text.is_empty() {
            text_ref.insert(&mut txn, 0, text);
        }
        txn.encode_update_v1()
    }

    /// A position that stays on its character while the text changes around it (a Yjs
    /// relative position, encoded): `Assoc::After` sticks to the character at `index`,
    /// `Assoc::Before` to the one before it.
    pub fn anchor(&self, index: u32, assoc: Assoc) -> Option<Vec<u8>> {
        // The text's handle first: taking it may write, which waits for every open transaction.
        let text = self.text_ref();
        let txn = self.doc.transact();
        text.sticky_index(&txn, index, assoc).map(|s| s.encode_v1())
    }

    /// Where an anchor made by [`YDoc::anchor`] is now.
    pub fn resolve(&self, anchor: &[u8]) -> Option<u32> {
        let sticky = StickyIndex::decode_v1(anchor).ok()?;
        let txn = self.doc.transact();
        sticky.get_offset(&txn).map(|offset| offset.index)
    }
}

impl Clone for YDoc {
    fn clone(&self) -> Self {
        Self::from_update(&self.encode()).unwrap_or_else(|_| Self::empty())
    }
}

impl PartialEq for YDoc {
    /// The same document: the same encoding once each has been read back in. A document that
    /// was cloned (read back from its encoding) may encode shorter than the copy that took the
    /// same updates one by one, with the same content.
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (self.encode(), other.encode());
        a == b || self.clone().encode() == other.clone().encode()
    }
}

impl Eq for YDoc {}

impl fmt::Debug for YDoc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "YDoc({:?})", self.text())
    }
}

impl Serialize for YDoc {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&BASE64.encode(&self.encode()))
    }
}

impl<'de> Deserialize<'de> for YDoc {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let bytes = BASE64.decode(text.as_bytes()).map_err(serde::de::Error::custom)?;
        YDoc::from_update(&bytes).map_err(|e| serde::de::Error::custom(e.message))
    }
}

impl TS for YDoc {
    type WithoutGenerics = Self;
    type OptionInnerType = Self;

    fn name(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }

    fn inline(_: &ts_rs::Config) -> String {
        "string".to_owned()
    }

    fn decl(_: &ts_rs::Config) -> String {
        "type YDoc = string;".to_owned()
    }

    fn decl_concrete(c: &ts_rs::Config) -> String {
        Self::decl(c)
    }
}

/// Base64 (standard alphabet, padded) of bytes, as updates travel in JSON.
pub fn encode_base64(bytes: &[u8]) -> String {
    BASE64.encode(bytes)
}

/// The bytes of a base64 update, or a refusal.
pub fn decode_base64(text: &str) -> Result<Vec<u8>, Rejection> {
    if text.len() > MAX_TEXT_UPDATE_BYTES * 4 / 3 + 4 {
        return Err(Rejection::new(
            ErrorCode::TooLong,
            format!("a text update is {MAX_TEXT_UPDATE_BYTES} bytes at most"),
        ));
    }
    BASE64
        .decode(text.as_bytes())
        .map_err(|_| Rejection::new(ErrorCode::BadRequest, "a text update is base64 of a Yjs update"))
}

/// The Yjs clients (one per editor of a person) whose writing an update carries. A person may
/// send only their own: the room remembers whose each client is (`Book::writers`), so nobody can
/// write under someone else's client and have that person's later keystrokes taken for
/// duplicates.
pub fn writers_of(update: &[u8]) -> Result<Vec<u64>, Rejection> {
    let bad = || Rejection::new(ErrorCode::BadRequest, "this is not a text update");
    let writers = catch_unwind(|| {
        let update = Update::decode_v1(update).map_err(|_| bad())?;
        Ok(update.state_vector_lower().iter().map(|(client, _)| client.get()).collect())
    });
    writers.unwrap_or_else(|_| Err(bad()))
}

/// A highlight's phrase: UTF-16 code units `start..end` of `text`.
pub fn slice_utf16(text: &str, start: u32, end: u32) -> Option<String> {
    let units: Vec<u16> = text.encode_utf16().collect();
    let (start, end) = (usize::try_from(start).ok()?, usize::try_from(end).ok()?);
    if start > end {
        return None;
    }
    units.get(start..end).map(String::from_utf16_lossy)
}

/// Length of `text` in UTF-16 code units.
pub fn len_utf16(text: &str) -> u32 {
    u32::try_from(text.encode_utf16().count()).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A browser: its own doc, synced from the room's, with a random client id.
    fn browser(room: &SharedText, client: u64) -> Doc {
        let doc = Doc::with_options(Options {
            offset_kind: OffsetKind::Utf16,
            ..Options::with_client_id(ClientID::new(client))
        });
        let text = doc.get_or_insert_text(TEXT_NAME);
        let _ = text;
        doc.transact_mut()
            .apply_update(Update::decode_v1(&room.doc.encode()).expect("decodes"))
            .expect("applies");
        doc
    }

    fn type_into(doc: &Doc, index: u32, chunk: &str) -> Vec<u8> {
        let text = doc.get_or_insert_text(TEXT_NAME);
        let mut txn = doc.transact_mut();
        text.insert(&mut txn, index, chunk);
        txn.encode_update_v1()
    }

    fn card() -> TextTarget {
        TextTarget::Card { id: ItemId("c1".into()) }
    }

    #[test]
    fn concurrent_typing_keeps_every_character_and_converges() {
        let (mut room, _) = SharedText::started("client", None, 0);
        let ana = browser(&room, 1001);
        let bo = browser(&room, 1002);
        let a = type_into(&ana, 0, "the ");
        let b = type_into(&bo, 6, " first");
        assert!(room.try_update(&card(), &b).expect("accepted").is_some());
        assert!(room.try_update(&card(), &a).expect("accepted").is_some());
        assert_eq!(room.doc.text(), "the client first");
        // The same update again changes nothing.
        assert_eq!(room.try_update(&card(), &a).expect("accepted"), None);
        let copy = YDoc::from_update(&room.doc.encode()).expect("loads");
        assert_eq!(copy.encode(), room.doc.encode(), "encoding is stable");
    }

    #[test]
    fn an_update_past_the_cap_or_with_control_characters_is_refused_and_leaves_nothing() {
        let target = TextTarget::Definition { group: 1 };
        let (mut room, _) = SharedText::started(&"x".repeat(MAX_DEFINITION_CHARS - 1), None, 0);
        let before = room.doc.encode();
        let ana = browser(&room, 7);
        let long = type_into(&ana, 0, "ab");
        assert_eq!(room.try_update(&target, &long).unwrap_err().code, ErrorCode::TooLong);
        assert_eq!(room.doc.encode(), before, "a refused update leaves the document as it was");
        let bo = browser(&room, 8);
        let newline = type_into(&bo, 0, "\n");
        assert_eq!(room.try_update(&target, &newline).unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(room.try_update(&target, b"\x00\x01garbage").unwrap_err().code, ErrorCode::BadRequest);
        assert_eq!(room.doc.encode(), before);
    }

    #[test]
    fn an_update_missing_what_it_builds_on_is_refused() {
        let (mut room, _) = SharedText::started("hello", None, 0);
        let ana = browser(&room, 9);
        let _first = type_into(&ana, 5, " there");
        let second = type_into(&ana, 11, " you");
        assert_eq!(room.try_update(&card(), &second).unwrap_err().code, ErrorCode::Conflict);
        assert_eq!(room.doc.text(), "hello");
    }

    #[test]
    fn anchors_stay_on_their_words_while_the_text_changes() {
        let (mut room, _) = SharedText::started("we listen to clients", None, 0);
        let start = room.doc.anchor(3, Assoc::After).expect("anchor");
        let end = room.doc.anchor(9, Assoc::Before).expect("anchor");
        let ana = browser(&room, 11);
        let update = type_into(&ana, 0, "always ");
        room.try_update(&card(), &update).expect("accepted");
        let (s, e) = (room.doc.resolve(&start).expect("s"), room.doc.resolve(&end).expect("e"));
        assert_eq!(slice_utf16(&room.doc.text(), s, e).as_deref(), Some("listen"));
    }

    #[test]
    fn utf16_slices_match_javascript() {
        assert_eq!(slice_utf16("a😀b", 1, 3).as_deref(), Some("😀"));
        assert_eq!(len_utf16("a😀b"), 4);
        assert_eq!(slice_utf16("abc", 2, 1), None);
    }
}
