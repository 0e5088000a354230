//! The pure core's cost per command: deciding a post-it move (`apply`), recording it
//! (`apply_event`), and serializing the event frame once for the fan-out.
//! `cargo bench -p horseshoe-protocol`

use std::collections::BTreeSet;
use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use horseshoe_protocol::{
    Actor, Command, Context, ItemId, Member, MemberId, MemberRole, RoomId, RoomState, ServerMsg, Settings,
    admit, apply,
};
use uuid::Uuid;

/// A workshop-sized room: 20 participants, 100 revealed post-its in clusters.
fn room() -> (RoomState, Vec<MemberId>, BTreeSet<MemberId>) {
    let id = RoomId::parse("00112233445566778899aabbccddeeff").expect("valid id");
    let mut state = RoomState::new(id, Settings::default(), 0);
    let mut people = Vec::new();
    let record = |state: &mut RoomState, events: Vec<horseshoe_protocol::Event>| {
        for event in events {
            let seq = state.seq + 1;
            state.apply_event(seq, &event);
        }
    };
    let fac = MemberId(Uuid::from_u128(1));
    let member = Member { id: fac, name: "Facilitator".into(), role: MemberRole::Facilitator, joined_at: 0 };
    let events = admit(&state, member, &BTreeSet::new()).expect("admitted");
    record(&mut state, events);
    for n in 0..20_u128 {
        let id = MemberId(Uuid::from_u128(n + 10));
        let member = Member { id, name: format!("p{n}"), role: MemberRole::Participant, joined_at: 0 };
        let events = admit(&state, member, &BTreeSet::new()).expect("admitted");
        record(&mut state, events);
        people.push(id);
    }
    let online: BTreeSet<MemberId> = people.iter().copied().chain([fac]).collect();
    for (i, who) in people.iter().cycle().take(100).enumerate() {
        let ctx =
            Context { actor: Actor::member(*who, MemberRole::Participant), now: 0, online: &online, seed: 1 };
        let cmd = Command::AddNote {
            id: ItemId(format!("n{i}")),
            text: "build stronger teams in my organisation".into(),
        };
        let events = apply(&state, &ctx, &cmd).expect("note added");
        record(&mut state, events);
    }
    let ctx =
        Context { actor: Actor::member(fac, MemberRole::Facilitator), now: 0, online: &online, seed: 1 };
    let events = apply(&state, &ctx, &Command::RevealNotes { member_id: None }).expect("revealed");
    record(&mut state, events);
    (state, people, online)
}

fn core(c: &mut Criterion) {
    let (state, people, online) = room();
    let ctx = Context {
        actor: Actor::member(people[3], MemberRole::Participant),
        now: 1,
        online: &online,
        seed: 2,
    };
    let drop = Command::DropNote { id: ItemId("n42".into()), x: 1200, y: 800, onto: None };

    c.bench_function("apply note.drop (decide + undo entry)", |b| {
        b.iter(|| apply(black_box(&state), black_box(&ctx), black_box(&drop)).expect("applies"))
    });

    let events = apply(&state, &ctx, &drop).expect("applies");
    c.bench_function("apply_event note.set", |b| {
        let mut replica = state.clone();
        b.iter(|| {
            let seq = replica.seq + 1;
            replica.apply_event(seq, black_box(&events[0]));
        })
    });

    let frame = ServerMsg::Event { seq: 1234, event: events[0].clone() };
    c.bench_function("serialize the event frame once", |b| {
        b.iter(|| serde_json::to_string(black_box(&frame)).expect("serializes"))
    });

    let checkin = Command::SetCheckin { contribute: "stories".into(), get_out: "a plan".into() };
    c.bench_function("apply checkin.set", |b| {
        b.iter(|| apply(black_box(&state), black_box(&ctx), black_box(&checkin)).expect("applies"))
    });
}

criterion_group!(benches, core);
criterion_main!(benches);
