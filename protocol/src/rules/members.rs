//! Members: admitting a new one (decided by the server at `hello`) and renaming.

use std::collections::BTreeSet;

use super::{Context, groups, require_member, teams};
use crate::event::Event;
use crate::ids::MemberId;
use crate::limits::{MAX_MEMBER_RECORDS, MAX_MEMBERS, MAX_NAME_CHARS};
use crate::messages::{ErrorCode, Rejection};
use crate::state::{Member, MemberRole, RoomState};
use crate::text::{Lines, clean_required};

/// Decides whether `member` (made by the server with a fresh id) may join the room, given who
/// is `online`. A new participant needs a free place (see [`places_taken`]); a facilitator
/// (who holds the key) does not. Nobody new fits past [`MAX_MEMBER_RECORDS`]. Once groups exist,
/// a participant who arrives late is placed in the smallest group.
pub fn admit(
    state: &RoomState,
    mut member: Member,
    online: &BTreeSet<MemberId>,
) -> Result<Vec<Event>, Rejection> {
    let full = state.members.len() >= MAX_MEMBER_RECORDS
        || (member.role == MemberRole::Participant && places_taken(state, online) >= MAX_MEMBERS);
    if full {
        return Err(Rejection::new(
            ErrorCode::LimitReached,
            format!("this room is full ({MAX_MEMBERS} people)"),
        ));
    }
    if state.members.contains_key(&member.id) {
        return Err(Rejection::new(ErrorCode::Conflict, "member id already taken"));
    }
    member.name = clean_required("name", &member.name, MAX_NAME_CHARS, Lines::One)?;
    let latecomer = member.role == MemberRole::Participant;
    let id = member.id;
    let mut events = vec![Event::MemberJoined { member }];
    if latecomer {
        events.extend(groups::place_latecomer(state, id));
        events.extend(teams::place_latecomer(state, id));
    }
    Ok(events)
}

/// Members who hold a place under [`MAX_MEMBERS`]: facilitators, members online, and members who
/// have contributed. Someone who joined, did nothing and left holds none, so joining and leaving
/// cannot fill a room.
pub fn places_taken(state: &RoomState, online: &BTreeSet<MemberId>) -> usize {
    let holds_place = |m: &&Member| {
        m.role == MemberRole::Facilitator || online.contains(&m.id) || state.contributions.contains_key(&m.id)
    };
    state.members.values().filter(holds_place).count()
}

pub(super) fn rename(state: &RoomState, ctx: &Context, name: &str) -> Result<Vec<Event>, Rejection> {
    let member_id = require_member(state, ctx, "rename")?;
    let name = clean_required("name", name, MAX_NAME_CHARS, Lines::One)?;
    Ok(vec![Event::MemberRenamed { member_id, name }])
}

#[cfg(test)]
mod tests {
    use super::super::testkit::{Fixture, NOW, member_id};
    use super::*;
    use crate::command::Command;

    fn newcomer(n: u128, name: &str) -> Member {
        Member { id: member_id(n), name: name.into(), role: MemberRole::Participant, joined_at: NOW }
    }

    #[test]
    fn admits_with_a_clean_name_and_refuses_empty_or_taken() {
        let f = Fixture::new();
        let events = admit(&f.state, newcomer(9, "  Cy "), &f.online).unwrap();
        let [Event::MemberJoined { member }] = events.as_slice() else {
            panic!("expected member.joined alone");
        };
        assert_eq!(member.name, "Cy");
        assert!(admit(&f.state, newcomer(10, "  "), &f.online).is_err());
        assert_eq!(admit(&f.state, newcomer(2, "Dup"), &f.online).unwrap_err().code, ErrorCode::Conflict);
    }

    /// Adds `count` members who joined and left without doing anything.
    fn ghosts(f: &mut Fixture, count: usize) {
        let nobody = BTreeSet::new();
        for n in 0..count {
            for event in admit(&f.state, newcomer(1000 + n as u128, "x"), &nobody).unwrap() {
                let seq = f.state.seq + 1;
                f.state.apply_event(seq, &event);
            }
        }
    }

    #[test]
    fn places_are_held_by_people_online_or_who_contributed_not_by_those_who_came_and_went() {
        let mut f = Fixture::new();
        ghosts(&mut f, MAX_MEMBERS + 10);
        assert_eq!(places_taken(&f.state, &f.online), 3, "only the fixture's three, who are online");
        assert!(admit(&f.state, newcomer(9, "Cy"), &f.online).is_ok(), "a room of ghosts has room");

        // Everyone back online: the room is full, except for the holder of the facilitator key.
        let everyone: BTreeSet<MemberId> = f.state.members.keys().copied().collect();
        let refused = admit(&f.state, newcomer(9, "Cy"), &everyone).unwrap_err();
        assert_eq!(refused.code, ErrorCode::LimitReached);
        let key_holder = Member { role: MemberRole::Facilitator, ..newcomer(9, "Fay") };
        assert!(admit(&f.state, key_holder, &everyone).is_ok());

        // Who contributed keeps their place after leaving.
        f.state.contributions = everyone.iter().map(|id| (*id, 1)).collect();
        let refused = admit(&f.state, newcomer(9, "Cy"), &BTreeSet::new()).unwrap_err();
        assert_eq!(refused.code, ErrorCode::LimitReached);
    }

    #[test]
    fn nobody_new_fits_past_the_record_cap() {
        let mut f = Fixture::new();
        let room_left = MAX_MEMBER_RECORDS - f.state.members.len();
        ghosts(&mut f, room_left);
        let refused = admit(&f.state, newcomer(9, "Cy"), &f.online).unwrap_err();
        assert_eq!(refused.code, ErrorCode::LimitReached);
        // Not even a facilitator: the server lets the key holder in as an existing facilitator.
        let key_holder = Member { role: MemberRole::Facilitator, ..newcomer(9, "Fay") };
        assert_eq!(admit(&f.state, key_holder, &f.online).unwrap_err().code, ErrorCode::LimitReached);
    }

    #[test]
    fn members_rename_themselves_and_viewers_cannot() {
        let mut f = Fixture::new();
        let ana = f.ctx(f.ana);
        f.run(&ana, Command::Rename { name: "Ana M.".into() }).unwrap();
        assert_eq!(f.state.members[&f.ana].name, "Ana M.");
        let viewer = f.viewer();
        let err = f.run(&viewer, Command::Rename { name: "x".into() }).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
    }
}
