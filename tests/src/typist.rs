//! One person's copy of a shared text, as a browser keeps it with Yjs: loads the room's
//! document, applies the updates others make, and makes the updates its own typing sends.

use horseshoe_protocol::shared::{TEXT_NAME, decode_base64, encode_base64};
use horseshoe_protocol::{Event, RoomState, TextTarget};
use yrs::updates::decoder::Decode;
use yrs::{ClientID, Doc, GetString, OffsetKind, Options, ReadTxn, Text, TextRef, Transact, Update};

pub struct Typist {
    doc: Doc,
    text: TextRef,
}

impl Typist {
    /// A copy written by Yjs client `client` (each typist needs its own number).
    pub fn new(client: u64) -> Self {
        let mut options = Options::with_client_id(ClientID::new(client));
        options.offset_kind = OffsetKind::Utf16;
        let doc = Doc::with_options(options);
        let text = doc.get_or_insert_text(TEXT_NAME);
        Self { doc, text }
    }

    /// A copy of `target` as the room `state` holds it.
    pub fn of(client: u64, state: &RoomState, target: &TextTarget) -> Self {
        let typist = Self::new(client);
        if let Some(shared) = state.texts.get(&target.key()) {
            typist.apply(&encode_base64(&shared.doc.encode()));
        }
        typist
    }

    /// Applies an update (base64), as a browser does with `text.changed`.
    pub fn apply(&self, update: &str) {
        let bytes = decode_base64(update).expect("base64");
        let update = Update::decode_v1(&bytes).expect("a Yjs update");
        self.doc.transact_mut().apply_update(update).expect("applies");
    }

    /// Applies every `text.changed` of `target` among `events`.
    pub fn follow(&self, target: &TextTarget, events: &[Event]) {
        for event in events {
            if let Event::TextChanged { target: t, update, .. } = event
                && t == target
            {
                self.apply(update);
            }
        }
    }

    /// Types `s` at `at` (UTF-16 units); returns the update to send (base64).
    pub fn insert(&self, at: u32, s: &str) -> String {
        let mut txn = self.doc.transact_mut();
        self.text.insert(&mut txn, at, s);
        encode_base64(&txn.encode_update_v1())
    }

    /// Deletes `len` units at `at`; returns the update to send (base64).
    pub fn delete(&self, at: u32, len: u32) -> String {
        let mut txn = self.doc.transact_mut();
        self.text.remove_range(&mut txn, at, len);
        encode_base64(&txn.encode_update_v1())
    }

    pub fn text(&self) -> String {
        let txn = self.doc.transact();
        self.text.get_string(&txn)
    }

    /// The length in UTF-16 units.
    pub fn len(&self) -> u32 {
        let txn = self.doc.transact();
        self.text.len(&txn)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Everything this copy holds, as one update (base64).
    pub fn state(&self) -> String {
        encode_base64(&self.doc.transact().encode_state_as_update_v1(&Default::default()))
    }
}
