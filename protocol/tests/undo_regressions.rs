//! Undo cases the convergence simulation found, kept as plain scenarios.

use std::collections::BTreeSet;

use horseshoe_protocol::rules::join;
use horseshoe_protocol::shared::{TEXT_NAME, encode_base64, slice_utf16};
use horseshoe_protocol::{
    Actor, Command, Context, ErrorCode, ItemId, Member, MemberId, MemberRole, Rejection, RoomId, RoomState,
    Settings, TextTarget, run,
};
use uuid::Uuid;
use yrs::updates::decoder::Decode;
use yrs::{Doc, Text, Transact, Update};

struct Room {
    state: RoomState,
    online: BTreeSet<MemberId>,
}

impl Room {
    /// Facilitators 1 and 2, participants 10, 11, 12.
    fn new() -> Self {
        let id = RoomId::parse("00112233445566778899aabbccddeeff").expect("valid id");
        let mut room = Room { state: RoomState::new(id, Settings::default(), 0), online: BTreeSet::new() };
        for (n, role) in [(1, MemberRole::Facilitator), (2, MemberRole::Facilitator)]
            .into_iter()
            .chain((10..13).map(|n| (n, MemberRole::Participant)))
        {
            let member = Member { id: who(n), name: format!("m{n}"), role, joined_at: n as i64 };
            room.online.insert(member.id);
            join(&mut room.state, member, &room.online).expect("admitted");
        }
        room
    }

    fn by(&mut self, n: u128, command: Command) -> Result<(), Rejection> {
        let role = self.state.members[&who(n)].role;
        let ctx = Context { actor: Actor::member(who(n), role), now: 1, online: &self.online, seed: 3 };
        run(&mut self.state, &ctx, None, &command).map(drop)
    }
}

fn who(n: u128) -> MemberId {
    MemberId(Uuid::from_u128(n))
}

#[test]
fn undoing_teams_refuses_to_remove_the_team_that_presents() {
    let mut room = Room::new();
    room.by(1, Command::SetStep { step: 5 }).unwrap();
    let pairs = Command::UpdateSettings {
        title: None,
        organisation: None,
        lens: None,
        language: None,
        group_size: Some(2),
    };
    room.by(1, pairs).unwrap();
    room.by(1, Command::FormTeams).unwrap();
    assert_eq!(room.state.assessment.teams.len(), 2);
    let team = *room.state.assessment.teams.keys().max().unwrap();
    room.by(2, Command::SetPresenting { team: Some(team) }).unwrap();
    let refused = room.by(1, Command::Undo).unwrap_err();
    assert_eq!(refused.code, ErrorCode::Conflict);
    assert!(room.state.assessment.teams.contains_key(&team));
}

#[test]
fn an_undone_highlight_removal_sits_on_its_words_as_they_are_now() {
    let mut room = Room::new();
    room.by(1, Command::SetStep { step: 3 }).unwrap();
    room.by(1, Command::MoveToGroup { member_id: who(10), group: None }).unwrap();
    let target = TextTarget::Definition { group: 1 };
    let doc = Doc::with_options(yrs::Options {
        offset_kind: yrs::OffsetKind::Utf16,
        ..yrs::Options::with_client_id(yrs::block::ClientID::new(500))
    });
    let text = doc.get_or_insert_text(TEXT_NAME);
    let type_at = |room: &mut Room, index: u32, chunk: &str| {
        let update = {
            let mut txn = doc.transact_mut();
            text.insert(&mut txn, index, chunk);
            txn.encode_update_v1()
        };
        assert!(Update::decode_v1(&update).is_ok());
        room.by(10, Command::EditText { target: target.clone(), update: encode_base64(&update) }).unwrap();
    };
    type_at(&mut room, 0, "we listen to clients");
    let h = ItemId("h1".into());
    room.by(10, Command::AddHighlight { id: h.clone(), group: 1, start: 3, end: 9 }).unwrap();
    room.by(10, Command::RemoveHighlight { id: h.clone() }).unwrap();
    type_at(&mut room, 0, "always ");
    room.by(10, Command::Undo).unwrap();
    let back = &room.state.definitions.highlights[&h];
    assert_eq!(back.phrase, "listen");
    assert_eq!(slice_utf16(room.state.text_of(&target), back.start, back.end).as_deref(), Some("listen"));
}
