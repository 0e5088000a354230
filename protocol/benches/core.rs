//! The pure core's cost per command: deciding and applying a post-it move (`run`, undo entry
//! included), a replica applying the change, serializing the change frame once for the
//! fan-out, a snapshot's encoding and decoding, and one keystroke in a shared text (the
//! browser's Yjs update, the room deciding it, a replica applying it).
//! `cargo bench -p horseshoe-protocol`

use std::collections::BTreeSet;
use std::hint::black_box;

use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use horseshoe_protocol::rules::join;
use horseshoe_protocol::shared::{TEXT_NAME, encode_base64};
use horseshoe_protocol::{
    Actor, Change, Command, Context, ItemId, Member, MemberId, MemberRole, RoomId, RoomState, ServerMsg,
    Settings, TextTarget, run,
};
use uuid::Uuid;
use yrs::updates::decoder::Decode;
use yrs::{Doc, Text, Transact, Update};

/// A workshop-sized room: 20 participants in groups, 100 revealed post-its, a group sentence
/// of 200 characters.
struct Room {
    state: RoomState,
    people: Vec<MemberId>,
    online: BTreeSet<MemberId>,
}

impl Room {
    fn ctx(&self, who: MemberId) -> Context<'_> {
        let role = self.state.members[&who].role;
        Context { actor: Actor::member(who, role), now: 1, online: &self.online, seed: 1 }
    }

    fn run(&mut self, who: MemberId, command: Command) -> Change {
        let online = self.online.clone();
        let role = self.state.members[&who].role;
        let ctx = Context { actor: Actor::member(who, role), now: 0, online: &online, seed: 1 };
        run(&mut self.state, &ctx, None, &command).expect("applies")
    }
}

/// A browser's Yjs copy of a text, from the room's document.
fn browser(state: &RoomState, target: &TextTarget, client: u64) -> Doc {
    let doc = Doc::with_options(yrs::Options {
        offset_kind: yrs::OffsetKind::Utf16,
        ..yrs::Options::with_client_id(yrs::block::ClientID::new(client))
    });
    let _ = doc.get_or_insert_text(TEXT_NAME);
    if let Some(shared) = state.texts.get(&target.key()) {
        let update = Update::decode_v1(&shared.doc.encode()).expect("decodes");
        doc.transact_mut().apply_update(update).expect("applies");
    }
    doc
}

fn keystroke(doc: &Doc, index: u32, key: &str) -> Vec<u8> {
    let text = doc.get_or_insert_text(TEXT_NAME);
    let mut txn = doc.transact_mut();
    text.insert(&mut txn, index, key);
    txn.encode_update_v1()
}

fn room() -> Room {
    let id = RoomId::parse("00112233445566778899aabbccddeeff").expect("valid id");
    let mut state = RoomState::new(id, Settings::default(), 0);
    let mut online = BTreeSet::new();
    let fac = MemberId(Uuid::from_u128(1));
    let member = Member { id: fac, name: "Facilitator".into(), role: MemberRole::Facilitator, joined_at: 0 };
    online.insert(fac);
    join(&mut state, member, &online).expect("admitted");
    let mut people = Vec::new();
    for n in 0..20_u128 {
        let id = MemberId(Uuid::from_u128(n + 10));
        let member = Member { id, name: format!("p{n}"), role: MemberRole::Participant, joined_at: 0 };
        online.insert(id);
        join(&mut state, member, &online).expect("admitted");
        people.push(id);
    }
    let mut room = Room { state, people, online };
    room.run(fac, Command::SetStep { step: 3 });
    room.run(fac, Command::FormGroups);
    let writer = room.state.definitions.groups[&1].members[0];
    let target = TextTarget::Definition { group: 1 };
    let doc = browser(&room.state, &target, 500);
    // Typed a few characters at a time, as a browser coalesces keystrokes.
    for chunk in 0..40 {
        let update = keystroke(&doc, chunk * 5, "words");
        room.run(writer, Command::EditText { target: target.clone(), update: encode_base64(&update) });
    }
    room.run(fac, Command::SetStep { step: 4 });
    let people = room.people.clone();
    for (i, who) in people.iter().cycle().take(100).enumerate() {
        let id = ItemId(format!("{who}:n{i}"));
        room.run(*who, Command::AddNote { id, text: "build stronger teams in my organisation".into() });
    }
    room.run(fac, Command::RevealNotes { member_id: None });
    room
}

fn core(c: &mut Criterion) {
    let room = room();
    let mover = room.people[3];
    let note = ItemId(format!("{}:n42", room.people[2]));
    let drop = Command::DropNote { id: note, x: 1200, y: 800, onto: None, seen: None };
    let snapshot = serde_json::to_string(&room.state).expect("serializes");
    // A copy that shares nothing with the room (a clone shares the texts until one changes).
    let copy = || serde_json::from_str::<RoomState>(&snapshot).expect("parses");

    c.bench_function("run note.drop (decide, apply, undo entry)", |b| {
        b.iter_batched(
            copy,
            |mut state| run(&mut state, &room.ctx(mover), None, black_box(&drop)).expect("applies"),
            BatchSize::SmallInput,
        )
    });

    let mut decided = copy();
    let change = run(&mut decided, &room.ctx(mover), None, &drop).expect("applies");
    c.bench_function("apply_change note.drop (a replica)", |b| {
        let mut replica = copy();
        b.iter(|| replica.apply_change(black_box(&change)))
    });

    let frame = ServerMsg::Change { seq: change.seq, by: change.by, events: change.events.clone() };
    c.bench_function("serialize the change frame once", |b| {
        b.iter(|| serde_json::to_string(black_box(&frame)).expect("serializes"))
    });

    let checkin = Command::SetCheckin { contribute: "stories".into(), get_out: "a plan".into() };
    c.bench_function("run checkin.set", |b| {
        b.iter_batched(
            copy,
            |mut state| run(&mut state, &room.ctx(mover), None, black_box(&checkin)).expect("applies"),
            BatchSize::SmallInput,
        )
    });

    c.bench_function("snapshot encode (JSON, Yjs documents included)", |b| {
        b.iter(|| serde_json::to_string(black_box(&room.state)).expect("serializes"))
    });
    c.bench_function("snapshot decode", |b| {
        b.iter(|| serde_json::from_str::<RoomState>(black_box(&snapshot)).expect("parses"))
    });

    // One keystroke into the 200-character group sentence.
    let target = TextTarget::Definition { group: 1 };
    let writer = room.state.definitions.groups[&1].members[0];
    let fresh_doc = || browser(&room.state, &target, 900);
    c.bench_function("keystroke: the browser's Yjs update", |b| {
        b.iter_batched(fresh_doc, |doc| keystroke(&doc, black_box(100), "x"), BatchSize::SmallInput)
    });

    let update = keystroke(&fresh_doc(), 100, "x");
    let edit = Command::EditText { target: target.clone(), update: encode_base64(&update) };
    c.bench_function("keystroke: run text.edit (decide, apply, common terms)", |b| {
        b.iter_batched(
            copy,
            |mut state| run(&mut state, &room.ctx(writer), None, black_box(&edit)).expect("applies"),
            BatchSize::SmallInput,
        )
    });

    let mut typed = copy();
    let keyed = run(&mut typed, &room.ctx(writer), None, &edit).expect("applies");
    c.bench_function("keystroke: apply_change text.changed (a replica)", |b| {
        b.iter_batched(copy, |mut replica| replica.apply_change(black_box(&keyed)), BatchSize::SmallInput)
    });
}

criterion_group!(benches, core);
criterion_main!(benches);
