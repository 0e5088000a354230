//! Members: admitting a new one (decided by the server at `hello`) and renaming.

use super::{Context, groups, require_member, teams};
use crate::event::Event;
use crate::limits::{MAX_MEMBERS, MAX_NAME_CHARS};
use crate::messages::{ErrorCode, Rejection};
use crate::state::{Member, MemberRole, RoomState};
use crate::text::{Lines, clean_required};

/// Decides whether `member` (made by the server with a fresh id) may join the room. Once groups
/// exist, a participant who arrives late is placed in the smallest group.
pub fn admit(state: &RoomState, mut member: Member) -> Result<Vec<Event>, Rejection> {
    if state.members.len() >= MAX_MEMBERS {
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
        let events = admit(&f.state, newcomer(9, "  Cy ")).unwrap();
        let [Event::MemberJoined { member }] = events.as_slice() else {
            panic!("expected member.joined alone");
        };
        assert_eq!(member.name, "Cy");
        assert!(admit(&f.state, newcomer(10, "  ")).is_err());
        assert_eq!(admit(&f.state, newcomer(2, "Dup")).unwrap_err().code, ErrorCode::Conflict);
    }

    #[test]
    fn a_full_room_refuses_newcomers() {
        let mut f = Fixture::new();
        let mut n = 100;
        while f.state.members.len() < MAX_MEMBERS {
            for event in admit(&f.state, newcomer(n, "x")).unwrap() {
                let seq = f.state.seq + 1;
                f.state.apply_event(seq, &event);
            }
            n += 1;
        }
        assert_eq!(admit(&f.state, newcomer(n, "late")).unwrap_err().code, ErrorCode::LimitReached);
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
