//! Many simulated members act at random on one room through the pure rules; replicas that
//! apply the same events (after a trip through JSON, as over the wire or from the store) reach
//! byte-identical state, including one that starts from a snapshot taken half-way.

use std::collections::BTreeSet;

use horseshoe_protocol::{
    Actor, Command, Context, DropTarget, Event, ItemId, Member, MemberId, MemberRole, RoomId, RoomState,
    Settings, admit, apply,
};
use uuid::Uuid;

/// xorshift64*: a seeded generator for the simulation (not the rules' own).
struct Rand(u64);

impl Rand {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }

    fn pick<T: Clone>(&mut self, items: &[T]) -> Option<T> {
        (!items.is_empty()).then(|| items[self.below(items.len())].clone())
    }
}

const WORDS: &[&str] =
    &["client", "clients", "needs", "listen", "trust", "heart", "decisão", "cliente", "every"];

fn sentence(rand: &mut Rand) -> String {
    (0..1 + rand.below(8)).map(|_| WORDS[rand.below(WORDS.len())]).collect::<Vec<_>>().join(" ")
}

fn random_command(rand: &mut Rand, state: &RoomState, people: &[MemberId], n: u64) -> Command {
    let factors: Vec<ItemId> = state.experience.factors.keys().cloned().collect();
    let highlights: Vec<ItemId> = state.definitions.highlights.keys().cloned().collect();
    let groups: Vec<u32> = state.definitions.groups.keys().copied().collect();
    let notes: Vec<ItemId> = state.wall.notes.keys().cloned().collect();
    let clusters: Vec<ItemId> = state.wall.clusters.keys().cloned().collect();
    let note = rand.pick(&notes).unwrap_or(ItemId("none".into()));
    let person = rand.pick(people).unwrap_or(MemberId(Uuid::nil()));
    let group = rand.pick(&groups).unwrap_or(1);
    match rand.below(24) {
        0 => Command::FormGroups,
        1 => Command::MoveToGroup { member_id: person, group: rand.pick(&groups) },
        2 | 3 => Command::WriteDefinition { group, text: sentence(rand), release: rand.below(3) == 0 },
        4 => Command::LeaseDefinition { group },
        5 => {
            let len = state.definitions.texts.get(&group).map_or(0, |d| d.text.chars().count()) as u32;
            let start = rand.below(len as usize + 1) as u32;
            let end = start + 1 + rand.below(12) as u32;
            Command::AddHighlight { id: ItemId(format!("h{n}")), group, start, end }
        }
        6 => Command::RemoveHighlight { id: rand.pick(&highlights).unwrap_or(ItemId("none".into())) },
        7 => Command::AddFactor { id: ItemId(format!("f{n}")), text: sentence(rand) },
        8 => Command::EditFactor {
            id: rand.pick(&factors).unwrap_or(ItemId("none".into())),
            text: sentence(rand),
        },
        9 => Command::MergeFactors {
            from: rand.pick(&factors).unwrap_or(ItemId("a".into())),
            into: rand.pick(&factors).unwrap_or(ItemId("b".into())),
        },
        10 => Command::DeleteFactor { id: rand.pick(&factors).unwrap_or(ItemId("none".into())) },
        11 => Command::NextSpeaker,
        12 => Command::SetCheckin { contribute: sentence(rand), get_out: sentence(rand) },
        13 => Command::SetReady { ready: rand.below(2) == 0 },
        14 => Command::OpenFactors { open: true },
        15 | 16 => Command::AddNote { id: ItemId(format!("n{n}")), text: sentence(rand) },
        17 => Command::RevealNotes { member_id: if rand.below(2) == 0 { Some(person) } else { None } },
        18 | 19 => {
            let onto = match rand.below(3) {
                0 => None,
                1 => rand.pick(&clusters).map(|id| DropTarget::Cluster { id }),
                _ => {
                    rand.pick(&notes).map(|id| DropTarget::Note { id, new_cluster: ItemId(format!("k{n}")) })
                }
            };
            Command::DropNote { id: note, x: rand.below(5000) as i32 - 500, y: rand.below(4000) as i32, onto }
        }
        20 => Command::MergeClusters {
            from: rand.pick(&clusters).unwrap_or(ItemId("a".into())),
            into: rand.pick(&clusters).unwrap_or(ItemId("b".into())),
        },
        21 => Command::DissolveCluster { id: rand.pick(&clusters).unwrap_or(ItemId("none".into())) },
        22 => Command::RenameCluster {
            id: rand.pick(&clusters).unwrap_or(ItemId("none".into())),
            name: sentence(rand),
        },
        _ => Command::Undo,
    }
}

fn through_json<T: serde::Serialize + serde::de::DeserializeOwned>(value: &T) -> T {
    serde_json::from_str(&serde_json::to_string(value).expect("serializes")).expect("parses")
}

#[test]
fn replicas_applying_the_same_events_reach_byte_identical_state() {
    for seed in [1_u64, 42, 2026] {
        let mut rand = Rand(seed);
        let id = RoomId::parse("00112233445566778899aabbccddeeff").expect("valid id");
        let mut server = RoomState::new(id, Settings::default(), 0);
        let mut log: Vec<(u64, Event)> = Vec::new();
        let record = |state: &mut RoomState, events: Vec<Event>, log: &mut Vec<(u64, Event)>| {
            for event in events {
                let seq = state.seq + 1;
                state.apply_event(seq, &event);
                log.push((seq, through_json(&event)));
            }
        };

        let mut members = Vec::new();
        for n in 0..40_u128 {
            let role = if n < 2 { MemberRole::Facilitator } else { MemberRole::Participant };
            let member = Member {
                id: MemberId(Uuid::from_u128(n + 1)),
                name: format!("p{n}"),
                role,
                joined_at: n as i64,
            };
            members.push((member.id, role));
            let events = admit(&server, member, &BTreeSet::new()).expect("admitted");
            record(&mut server, events, &mut log);
        }
        let people: Vec<MemberId> = members.iter().map(|(id, _)| *id).collect();
        let mut online: BTreeSet<MemberId> = people.iter().copied().collect();

        let mut applied = 0;
        let mut snapshot = None;
        for n in 0..4000_u64 {
            if n == 2000 {
                snapshot = Some(serde_json::to_string(&server).expect("snapshot"));
            }
            if rand.below(50) == 0 {
                let someone = people[rand.below(people.len())];
                if !online.remove(&someone) {
                    online.insert(someone);
                }
            }
            let (member, role) = members[rand.below(members.len())];
            let command = random_command(&mut rand, &server, &people, n);
            let ctx = Context {
                actor: Actor::member(member, role),
                now: n as i64 * 700,
                online: &online,
                seed: rand.next(),
            };
            if let Ok(events) = apply(&server, &ctx, &command) {
                applied += 1;
                record(&mut server, events, &mut log);
            }
        }
        assert!(applied > 600, "seed {seed}: only {applied} commands applied; the simulation is too timid");
        assert!(!server.definitions.highlights.is_empty() || !server.definitions.texts.is_empty());
        assert!(
            log.iter().any(|(_, e)| matches!(e, Event::ClusterSet { .. })),
            "seed {seed}: no cluster formed"
        );
        assert!(server.wall.notes.values().any(|n| n.revealed), "seed {seed}: nothing revealed");

        let expected = serde_json::to_string(&server).expect("serializes");
        let mut fresh = RoomState::new(server.id.clone(), Settings::default(), 0);
        for (seq, event) in &log {
            fresh.apply_event(*seq, event);
        }
        assert_eq!(
            serde_json::to_string(&fresh).expect("serializes"),
            expected,
            "seed {seed}: replay differs"
        );

        let mut resumed: RoomState = serde_json::from_str(&snapshot.expect("taken")).expect("parses");
        let from = resumed.seq;
        for (seq, event) in log.iter().filter(|(seq, _)| *seq > from) {
            resumed.apply_event(*seq, event);
        }
        assert_eq!(
            serde_json::to_string(&resumed).expect("serializes"),
            expected,
            "seed {seed}: snapshot + tail differs"
        );
    }
}
